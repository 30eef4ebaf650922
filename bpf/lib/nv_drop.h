/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one drop path. Every drop of every program is counted here, per CPU, by reason; the
 * wrappers return the hook's own drop verdict so a program ends with `return nv_drop_*(...)`.
 */
#ifndef NV_DROP_H
#define NV_DROP_H

#include "nv_common.h"

static __always_inline void nv_count_drop(enum nv_drop_reason reason, __u32 bytes)
{
	__u32 key = reason;
	struct nv_drop_stats *d = bpf_map_lookup_elem(&nv_drops, &key);

	if (d) {
		d->packets++;
		d->bytes += bytes;
	}
}

static __always_inline int nv_drop_tc(struct __sk_buff *skb, enum nv_drop_reason reason)
{
	nv_count_drop(reason, skb->len);
	return TC_ACT_SHOT;
}

static __always_inline int nv_drop_xdp(struct xdp_md *ctx, enum nv_drop_reason reason)
{
	nv_count_drop(reason, ctx->data_end - ctx->data);
	return XDP_DROP;
}

#endif /* NV_DROP_H */
