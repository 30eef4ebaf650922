/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The gateway's NAT on an skb (DESIGN section 8): an IPv4 address and its TCP/UDP port or ICMP
 * echo identifier rewritten with every checksum that covers them. The IPv4 header incrementally
 * (RFC 1624); TCP and UDP through bpf_l4_csum_replace with the pseudo-header flag, which also
 * keeps a checksum-offloaded skb right, and a UDP checksum of 0 stays 0 (BPF_F_MARK_MANGLED_0);
 * ICMP's covers no addresses. An ICMP error quotes the packet it is about, and that quote is
 * translated too, with its own checksums and the ICMP checksum over it (RFC 5508 4.2).
 */
#ifndef NV_NAT_H
#define NV_NAT_H

#include "nv_common.h"
#include "nv_csum.h"
#include "nv_ct.h"
#include "nv_icmp.h"

enum nv_nat_side {
	NV_NAT_SRC, /* SNAT: the source address and port */
	NV_NAT_DST, /* DNAT: the destination */
};

#define NV_IP_SADDR_OFF (NV_ETH_HLEN + 12)
#define NV_IP_DADDR_OFF (NV_ETH_HLEN + 16)
#define NV_IP_CSUM_OFF	(NV_ETH_HLEN + 10)

/* RFC 1624 eqn. 3: a checksum after a 32-bit or 16-bit word of what it covers changed. */
static __always_inline __be16 nv_csum_replace4(__be16 check, __be32 from, __be32 to)
{
	__u32 sum = (__u16)~check;

	sum += (~from & 0xffff) + (~from >> 16) + (to & 0xffff) + (to >> 16);
	return nv_csum_fold(sum);
}

static __always_inline __be16 nv_csum_replace2(__be16 check, __be16 from, __be16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16)to;
	return nv_csum_fold(sum);
}

/* Where a protocol keeps its checksum and the port (or identifier) of a side, from L4's start. */
static __always_inline int nv_l4_offsets(__u8 proto, enum nv_nat_side side, __u32 *csum,
					 __u32 *port)
{
	if (proto == IPPROTO_TCP)
		*csum = 16;
	else if (proto == IPPROTO_UDP)
		*csum = 6;
	else if (proto == NV_IPPROTO_ICMP)
		*csum = 2;
	else
		return -1;
	/* ICMP echo: one identifier for both directions. */
	*port = proto == NV_IPPROTO_ICMP ? 4 : side == NV_NAT_SRC ? 0 : 2;
	return 0;
}

/*
 * Rewrites side of the packet p (parsed by nv_ct_parse) from its address and port to addr and
 * port. 0, or -1 when a helper failed (the caller drops).
 */
static __always_inline int nv_nat_rewrite(struct __sk_buff *skb, const struct nv_ct_pkt *p,
					  enum nv_nat_side side, __be32 addr, __be16 port)
{
	__be32 old_addr = side == NV_NAT_SRC ? p->key.src.w[3] : p->key.dst.w[3];
	__be16 old_port = side == NV_NAT_SRC ? p->key.sport : p->key.dport;
	__u64 mangled = p->key.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 csum_off, port_off;

	if (nv_l4_offsets(p->key.proto, side, &csum_off, &port_off))
		return -1;
	csum_off += p->l4_off;
	port_off += p->l4_off;
	if (p->key.proto != NV_IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, csum_off, old_addr, addr,
				mangled | BPF_F_PSEUDO_HDR | sizeof(addr)))
		return -1;
	if (old_port != port &&
	    (bpf_l4_csum_replace(skb, csum_off, old_port, port, mangled | sizeof(port)) ||
	     bpf_skb_store_bytes(skb, port_off, &port, sizeof(port), 0)))
		return -1;
	if (bpf_l3_csum_replace(skb, NV_IP_CSUM_OFF, old_addr, addr, sizeof(addr)) ||
	    bpf_skb_store_bytes(skb, side == NV_NAT_SRC ? NV_IP_SADDR_OFF : NV_IP_DADDR_OFF, &addr,
				sizeof(addr), 0))
		return -1;
	return 0;
}

/* The packet an ICMP error quotes: where its headers are and its tuple as it was sent. */
struct nv_nat_quote {
	struct nv_ct_key key; /* rdid 0, dir unset */
	__u32 ip_off;	      /* its IPv4 header, from the frame's start */
	__u32 l4_off;	      /* its L4 header */
};

/*
 * The quote of the ICMP error p: an IPv4 header (the whole of it in the frame) and the first 8
 * bytes of its L4, which hold TCP/UDP's ports and ICMP echo's identifier. 0, or -1 when the
 * quote is short or is not a packet NAT translates.
 */
static __always_inline int nv_nat_quote_parse(struct __sk_buff *skb, const struct nv_ct_pkt *p,
					      struct nv_nat_quote *q)
{
	struct iphdr ip;
	__u8 l4[8];
	__u32 ihl;

	q->ip_off = p->l4_off + NV_ICMP_HLEN;
	if (bpf_skb_load_bytes(skb, q->ip_off, &ip, sizeof(ip)) || !nv_ipv4_hdr_ok(&ip))
		return -1;
	ihl = nv_ipv4_hlen(&ip);
	q->l4_off = q->ip_off + ihl;
	if (bpf_skb_load_bytes(skb, q->l4_off, l4, sizeof(l4)))
		return -1;
	__builtin_memset(&q->key, 0, sizeof(q->key));
	nv_addr_set_v4(&q->key.src, ip.saddr);
	nv_addr_set_v4(&q->key.dst, ip.daddr);
	q->key.proto = ip.protocol;
	if (ip.protocol == IPPROTO_TCP || ip.protocol == IPPROTO_UDP) {
		q->key.sport = *(__be16 *)&l4[0];
		q->key.dport = *(__be16 *)&l4[2];
	} else if (ip.protocol == NV_IPPROTO_ICMP && l4[0] == NV_ICMP_ECHO) {
		q->key.sport = *(__be16 *)&l4[4];
	} else if (ip.protocol == NV_IPPROTO_ICMP && l4[0] == NV_ICMP_ECHO_REPLY) {
		q->key.dport = *(__be16 *)&l4[4];
	} else {
		return -1;
	}
	return 0;
}

/* The tuple of the connection's packets in the other direction than the quoted one. */
static __always_inline void nv_nat_quote_conn_key(const struct nv_nat_quote *q, __u32 rdid,
						  __u8 dir, struct nv_ct_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->rdid = rdid;
	k->src = q->key.dst;
	k->dst = q->key.src;
	k->sport = q->key.dport;
	k->dport = q->key.sport;
	k->proto = q->key.proto;
	k->dir = dir;
}

/* A 16-bit field at off of the skb: read old, write new. 0 or -1. */
static __always_inline int nv_skb_swap16(struct __sk_buff *skb, __u32 off, __be16 *old, __be16 new)
{
	if (bpf_skb_load_bytes(skb, off, old, sizeof(*old)))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new, sizeof(new), BPF_F_RECOMPUTE_CSUM) ? -1 : 0;
}

/*
 * Translates the ICMP error p, which quotes q: the error's own outer side (the packet's source
 * when it goes out, its destination when it comes in) becomes addr, and the quote's opposite
 * side (the quote travelled the other way) becomes addr:port, with the quote's IPv4 checksum,
 * its L4 checksum when the quote holds it (TCP's needs 18 bytes of quote; UDP's 0 stays 0) and
 * the ICMP checksum over all of it. 0, or -1 when a helper failed.
 */
static __always_inline int nv_nat_icmp_error(struct __sk_buff *skb, const struct nv_ct_pkt *p,
					     const struct nv_nat_quote *q, enum nv_nat_side side,
					     __be32 addr, __be16 port)
{
	enum nv_nat_side qside = side == NV_NAT_SRC ? NV_NAT_DST : NV_NAT_SRC;
	__be32 old_outer = side == NV_NAT_SRC ? p->key.src.w[3] : p->key.dst.w[3];
	__be32 old_addr = qside == NV_NAT_SRC ? q->key.src.w[3] : q->key.dst.w[3];
	__u32 icmp_csum_off = p->l4_off + 2, csum_off, port_off;
	__be16 icmp_csum, old_qcsum, old_l4csum, old_port, l4csum;
	__be16 new_qcsum;

	if (nv_l4_offsets(q->key.proto, qside, &csum_off, &port_off))
		return -1;
	csum_off += q->l4_off;
	port_off += q->l4_off;
	if (bpf_skb_load_bytes(skb, icmp_csum_off, &icmp_csum, sizeof(icmp_csum)) ||
	    bpf_skb_load_bytes(skb, q->ip_off + 10, &old_qcsum, sizeof(old_qcsum)))
		return -1;

	/* The quote's address and its IPv4 header checksum. */
	new_qcsum = nv_csum_replace4(old_qcsum, old_addr, addr);
	if (bpf_skb_store_bytes(skb, q->ip_off + (qside == NV_NAT_SRC ? 12 : 16), &addr,
				sizeof(addr), BPF_F_RECOMPUTE_CSUM) ||
	    bpf_skb_store_bytes(skb, q->ip_off + 10, &new_qcsum, sizeof(new_qcsum),
				BPF_F_RECOMPUTE_CSUM))
		return -1;
	icmp_csum = nv_csum_replace4(icmp_csum, old_addr, addr);
	icmp_csum = nv_csum_replace2(icmp_csum, old_qcsum, new_qcsum);

	/* The quote's port, and its L4 checksum when the quote carries it. */
	if (nv_skb_swap16(skb, port_off, &old_port, port))
		return -1;
	icmp_csum = nv_csum_replace2(icmp_csum, old_port, port);
	if (csum_off + 2 <= skb->len &&
	    !bpf_skb_load_bytes(skb, csum_off, &old_l4csum, sizeof(old_l4csum)) &&
	    !(q->key.proto == IPPROTO_UDP && !old_l4csum)) {
		l4csum = old_l4csum;
		if (q->key.proto != NV_IPPROTO_ICMP)
			l4csum = nv_csum_replace4(l4csum, old_addr, addr);
		l4csum = nv_csum_replace2(l4csum, old_port, port);
		if (q->key.proto == IPPROTO_UDP && !l4csum)
			l4csum = 0xffff;
		if (bpf_skb_store_bytes(skb, csum_off, &l4csum, sizeof(l4csum),
					BPF_F_RECOMPUTE_CSUM))
			return -1;
		icmp_csum = nv_csum_replace2(icmp_csum, old_l4csum, l4csum);
	}
	if (bpf_skb_store_bytes(skb, icmp_csum_off, &icmp_csum, sizeof(icmp_csum),
				BPF_F_RECOMPUTE_CSUM))
		return -1;

	/* The error's own address: the IPv4 header only (ICMP covers no pseudo-header). */
	if (bpf_l3_csum_replace(skb, NV_IP_CSUM_OFF, old_outer, addr, sizeof(addr)) ||
	    bpf_skb_store_bytes(skb, side == NV_NAT_SRC ? NV_IP_SADDR_OFF : NV_IP_DADDR_OFF, &addr,
				sizeof(addr), 0))
		return -1;
	return 0;
}

/* TTL one less, the header checksum updated (RFC 1141), for the routers' forwarded packets. */
static __always_inline int nv_ipv4_ttl_dec(struct __sk_buff *skb)
{
	__u8 ttl;
	__be16 old, new;

	if (bpf_skb_load_bytes(skb, NV_ETH_HLEN + 8, &old, sizeof(old)))
		return -1;
	ttl = ((__u8 *)&old)[0];
	new = old;
	((__u8 *)&new)[0] = ttl - 1;
	if (bpf_l3_csum_replace(skb, NV_IP_CSUM_OFF, old, new, sizeof(new)) ||
	    bpf_skb_store_bytes(skb, NV_ETH_HLEN + 8, &new, sizeof(new), 0))
		return -1;
	return 0;
}

#endif /* NV_NAT_H */
