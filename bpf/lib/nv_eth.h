/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An Ethernet header kept aside while encap/decap moves the frame. As 32/16-bit words: struct
 * ethhdr is packed, and clang copies packed structs byte by byte.
 */
#ifndef NV_ETH_H
#define NV_ETH_H

#include "nv_common.h"

struct nv_eth_words {
	__u32 w[3];
	__u16 proto;
};

/* Save the Ethernet header at offset off (0..NV_ETH_MAX_OFF) of the skb. 0 or -1. */
#define NV_ETH_MAX_OFF 128
static __always_inline int nv_eth_save(struct __sk_buff *skb, __u32 off, struct nv_eth_words *e)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);

	if (off > NV_ETH_MAX_OFF)
		return -1;
	data += off;
	if (data + NV_ETH_HLEN > data_end)
		return -1;
	e->w[0] = *(__u32 *)data;
	e->w[1] = *(__u32 *)(data + 4);
	e->w[2] = *(__u32 *)(data + 8);
	e->proto = *(__u16 *)(data + 12);
	return 0;
}

/* The caller has checked that 14 bytes at p are in the packet. */
static __always_inline void nv_eth_write(void *p, const struct nv_eth_words *e)
{
	*(__u32 *)p = e->w[0];
	*(__u32 *)(p + 4) = e->w[1];
	*(__u32 *)(p + 8) = e->w[2];
	*(__u16 *)(p + 12) = e->proto;
}

#endif /* NV_ETH_H */
