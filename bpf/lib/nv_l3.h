/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The L3 step of both directions, the same for every address family (Katran's
 * process_packet(ctx, off, is_ipv6)): a tenant's packet is parsed once into struct nv_l3, and
 * what follows (anti-spoofing, record lookups, the FlowID) reads only that. The family is a
 * compile-time constant argument: a program dispatches on the ethertype and calls its handler
 * once per family with NV_FAMILY_* spelled out, so every call inlines one family's code and
 * nothing branches on the family at run time.
 *
 * IPv4 is the only family parsed so far; frames of any other ethertype are dropped by that
 * dispatch (NV_DROP_ETHERTYPE from a VM, NV_DROP_INNER_ETHERTYPE on the wire) before any helper
 * here runs. IPv6 is a new parser (nv_ipv6.h, an NV_FAMILY_IPV6 branch in nv_l3_parse) and one
 * more case in each dispatch, not a fork of the programs.
 */
#ifndef NV_L3_H
#define NV_L3_H

#include "nv_common.h"
#include "nv_ipv4.h"

enum nv_family {
	NV_FAMILY_IPV4,
	NV_FAMILY_IPV6, /* named for the dispatch to come: no parser yet */
};

/* A tenant's L3 packet, taken apart. */
struct nv_l3 {
	union nv_addr src, dst; /* as in the maps: IPv4 as ::ffff:a.b.c.d */
	__be32 ports;		/* TCP/UDP source and destination port, else 0 (see the parsers) */
	__u8 tos;		/* IPv4 TOS, IPv6 traffic class: DSCP and ECN */
	__u8 proto;		/* the L4 protocol */
	__u8 ttl;		/* IPv4 TTL, IPv6 hop limit */
	__u8 hlen;		/* the L3 header's length, options included */
};

/*
 * The L3 packet of the given family at hdr, avail bytes of frame from hdr on (see
 * nv_ipv4_check), into l3. NV_DROP_NONE, or the reason of the family's check: TRUNCATED,
 * MALFORMED.
 */
/*
 * A destination a host may be: not 0.0.0.0 (the key of a gateway wildcard record, never a host),
 * not the limited broadcast nor a multicast or class E address. A router forwards none of them
 * (RFC 1812 5.3.5.1, 5.3.7); the property fuzzer found both paths sending 0.0.0.0 to the gateway.
 */
static __always_inline bool nv_l3_dst_unicast(const enum nv_family family, const union nv_addr *a)
{
	__u32 h = bpf_ntohl(a->w[3]);

	if (family == NV_FAMILY_IPV4)
		return h && h >> 28 < 14;
	return false;
}

static __always_inline enum nv_drop_reason
nv_l3_parse(const enum nv_family family, void *hdr, void *data_end, __u32 avail, struct nv_l3 *l3)
{
	enum nv_drop_reason reason;

	if (family == NV_FAMILY_IPV4) {
		const struct iphdr *ip = hdr;

		reason = nv_ipv4_check(ip, data_end, avail);
		if (reason != NV_DROP_NONE)
			return reason;
		nv_addr_set_v4(&l3->src, ip->saddr);
		nv_addr_set_v4(&l3->dst, ip->daddr);
		l3->ports = nv_ipv4_ports(ip, data_end);
		l3->tos = ip->tos;
		l3->proto = ip->protocol;
		l3->ttl = ip->ttl;
		l3->hlen = nv_ipv4_hlen(ip);
		return NV_DROP_NONE;
	}
	/* No parser for the family: no dispatch calls this (see the top of this file). */
	return NV_DROP_MALFORMED;
}

#endif /* NV_L3_H */
