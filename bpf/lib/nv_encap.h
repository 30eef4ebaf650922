/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* NVGRE encapsulation over IPv4 on an skb (RFC 7637; ECN per RFC 6040 normal mode). */
#ifndef NV_ENCAP_H
#define NV_ENCAP_H

#include "nv_common.h"
#include "nv_eth.h"
#include "nv_ipv4.h"
#include "nv_l3.h"
#include "nv_wire.h"

static __always_inline __u32 nv_rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/*
 * FlowID: 8 bits of a hash of the inner 5-tuple, so ECMP spreads a tenant's flows and keeps each
 * flow on one path. Our own hash (Jenkins' final mix) rather than bpf_get_hash_recalc(): that
 * runs the flow dissector on every skb without a hash, which cost about 150 ns per packet here,
 * and it is the same on every host. Ports count only for unfragmented TCP/UDP (l3->ports).
 */
static __always_inline __u8 nv_flow_id(const struct nv_l3 *l3, const enum nv_family family)
{
	__u32 a, b, c = l3->proto ^ l3->ports;

	if (family != NV_FAMILY_IPV4)
		return 0; /* no other family is parsed yet (nv_l3.h) */
	a = l3->src.w[3];
	b = l3->dst.w[3];
	c ^= b;
	c -= nv_rol32(b, 14);
	a ^= c;
	a -= nv_rol32(c, 11);
	b ^= a;
	b -= nv_rol32(a, 25);
	c ^= b;
	c -= nv_rol32(b, 16);
	a ^= c;
	a -= nv_rol32(c, 4);
	b ^= a;
	b -= nv_rol32(a, 14);
	c ^= b;
	c -= nv_rol32(b, 24);
	return (c ^ (c >> 8) ^ (c >> 16) ^ (c >> 24)) & 0xff;
}

/* adjust_room's flags for NVGRE over IPv4: the kernel then segments a GSO packet as GRE. */
#define NV_ENCAP_GSO_FLAGS                                            \
	(BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE | \
	 BPF_F_ADJ_ROOM_ENCAP_L2_ETH | NV_ADJ_ROOM_ENCAP_L2(NV_ETH_HLEN))

/*
 * Push outer IPv4 + GRE + a copy of the frame's own Ethernet header (saved in inner_eth before)
 * in front of the frame. The outer MAC addresses are left zero for bpf_redirect_neigh to fill.
 * flags: NV_ENCAP_GSO_FLAGS, or 0 for a frame that was decapsulated on this skb before (the
 * gateway's ICMP errors): its skb->encapsulation is still set, which the ENCAP flags refuse
 * (-EALREADY), and a frame without GSO needs no tunnel metadata. Returns 0 or a negative errno.
 */
static __always_inline int nv_encap_ipv4(struct __sk_buff *skb,
					 const struct nv_eth_words *inner_eth, __u8 inner_tos,
					 __u8 flow_id, __u32 vsid, __be32 src_pa, __be32 dst_pa,
					 __u8 ttl, const __u64 flags)
{
	void *data, *data_end;
	struct nv_grehdr *gre;
	struct iphdr *ip;
	int err;

	err = bpf_skb_adjust_room(skb, NV_ENCAP_LEN, BPF_ADJ_ROOM_MAC, flags);
	if (err)
		return err;

	struct iphdr outer = {
		.version = NV_IPV4_VERSION,
		.ihl = NV_IPV4_IHL_MIN,
		/* DSCP copied (RFC 2983 uniform model); ECN copied, CE too (RFC 6040 normal mode)
		 */
		.tos = inner_tos,
		.tot_len = bpf_htons(skb->len - NV_ETH_HLEN),
		.frag_off = bpf_htons(IP_DF),
		.ttl = ttl,
		.protocol = NV_IPPROTO_GRE,
		.saddr = src_pa,
		.daddr = dst_pa,
	};

	outer.check = nv_ipv4_csum(&outer);
	/* adjust_room left the new headers in the linear area: write them in place. */
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	if (data + NV_ETH_HLEN + NV_ENCAP_LEN > data_end)
		return -EFAULT;
	*(__u32 *)data = 0;
	*(__u32 *)(data + 4) = 0;
	*(__u32 *)(data + 8) = 0;
	*(__u16 *)(data + 12) = bpf_htons(ETH_P_IP);
	ip = data + NV_ETH_HLEN;
	*ip = outer;
	gre = (void *)(ip + 1);
	gre->flags = bpf_htons(NV_GRE_FLAGS_K);
	gre->proto = bpf_htons(NV_ETH_P_TEB);
	gre->key = bpf_htonl(vsid << NV_GRE_KEY_VSID_SHIFT | flow_id);
	nv_eth_write(gre + 1, inner_eth);
	return 0;
}

#endif /* NV_ENCAP_H */
