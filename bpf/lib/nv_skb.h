/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* skb helpers for the TC programs. */
#ifndef NV_SKB_H
#define NV_SKB_H

#include "nv_common.h"

/*
 * Make the first len bytes (or the whole frame, if shorter) directly accessible. A no-op on the
 * usual linear skb; pulls on a fragmented one.
 */
static __always_inline void nv_skb_pull(struct __sk_buff *skb, __u32 len)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);

	if (len > skb->len)
		len = skb->len;
	if (data + len > data_end)
		bpf_skb_pull_data(skb, len);
}

#endif /* NV_SKB_H */
