/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* NVGRE encapsulation over IPv4 on an skb (RFC 7637; ECN per RFC 6040 normal mode). */
#ifndef NV_ENCAP_H
#define NV_ENCAP_H

#include "nv_common.h"
#include "nv_csum.h"
#include "nv_wire.h"

struct nv_encap_hdr {
	struct ethhdr eth; /* outer; bpf_redirect_neigh fills the addresses */
	struct iphdr ip;
	struct nv_grehdr gre;
	struct ethhdr inner_eth;
} __attribute__((packed));

_Static_assert(sizeof(struct nv_encap_hdr) == NV_ETH_HLEN + NV_ENCAP_LEN, "outer headers");

/* RFC 6040 normal mode: copy the inner ECN field, except CE which becomes ECT(0). */
static __always_inline __u8 nv_outer_tos(__u8 inner_tos)
{
	__u8 ecn = inner_tos & 3;

	return (inner_tos & 0xfc) | (ecn == 3 ? 2 : ecn);
}

/* Spread a tenant's flows over ECMP paths: 8 bits of the flow hash, folded. */
static __always_inline __u8 nv_flow_id(struct __sk_buff *skb)
{
	__u32 h = bpf_get_hash_recalc(skb);

	return (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xff;
}

/*
 * Push outer IPv4 + GRE + a copy of the inner Ethernet header in front of the frame. inner_eth is
 * the frame's own Ethernet header, saved by the caller. Returns 0 or a negative errno.
 */
static __always_inline int nv_encap_ipv4(struct __sk_buff *skb, const struct ethhdr *inner_eth,
					 __u8 inner_tos, __u32 vsid, __be32 src_pa, __be32 dst_pa,
					 __u8 ttl)
{
	const __u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE |
			    BPF_F_ADJ_ROOM_ENCAP_L2_ETH | NV_ADJ_ROOM_ENCAP_L2(NV_ETH_HLEN);
	struct nv_encap_hdr h = {};
	__u8 flow_id = nv_flow_id(skb);
	int err;

	err = bpf_skb_adjust_room(skb, NV_ENCAP_LEN, BPF_ADJ_ROOM_MAC, flags);
	if (err)
		return err;

	struct iphdr ip = {
		.version = 4,
		.ihl = 5,
		.tos = nv_outer_tos(inner_tos),
		.tot_len = bpf_htons(skb->len - NV_ETH_HLEN),
		.frag_off = bpf_htons(IP_DF),
		.ttl = ttl,
		.protocol = NV_IPPROTO_GRE,
		.saddr = src_pa,
		.daddr = dst_pa,
	};

	ip.check = nv_ipv4_csum(&ip);
	h.eth.h_proto = bpf_htons(ETH_P_IP);
	h.ip = ip;
	h.gre.flags = bpf_htons(NV_GRE_FLAGS_K);
	h.gre.proto = bpf_htons(NV_ETH_P_TEB);
	h.gre.key = bpf_htonl(vsid << 8 | flow_id);
	h.inner_eth = *inner_eth;
	return bpf_skb_store_bytes(skb, 0, &h, sizeof(h), 0);
}

#endif /* NV_ENCAP_H */
