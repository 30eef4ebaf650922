/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The frames the datapath tests and benchmarks send, built in one place on the independent
 * builder of lib/pkt.c: a VM's UDP frame (or the spec of any IPv4 frame, to change before
 * pkt_ipv4), its NVGRE encapsulation as an RFC 7637 sender puts it on the wire, a VM's ARP
 * request, and the fix-ups a case makes to them. No test framework here (the benchmarks link it
 * too): a builder returns the frame's length, 0 when the frame does not fit.
 */
#ifndef FRAMES_H
#define FRAMES_H

#include <linux/types.h>
#include <stddef.h>

#include "lib/pkt.h"

/* The UDP flow of frame_spec(). */
#define FRAME_SPORT 40000
#define FRAME_DPORT 5201

/*
 * s made a frame from (smac, saddr) to (dmac, daddr): UDP FRAME_SPORT -> FRAME_DPORT, TTL 64,
 * every other field zero. A caller changes what makes its frame special, then pkt_ipv4().
 */
void frame_spec(struct pkt_ipv4_spec *s, const __u8 smac[PKT_ETH_ALEN], __be32 saddr,
		const __u8 dmac[PKT_ETH_ALEN], __be32 daddr);
/* A UDP frame of len bytes as frame_spec() makes it. */
size_t frame_udp(struct pkt *p, const __u8 smac[PKT_ETH_ALEN], __be32 saddr,
		 const __u8 dmac[PKT_ETH_ALEN], __be32 daddr, size_t len);
/* inner in NVGRE from src_pa to dst_pa, key (vsid, flow_id), as pkt_nvgre_spec_init() sends. */
size_t frame_nvgre(struct pkt *wire, const struct pkt *inner, __be32 src_pa, __be32 dst_pa,
		   __u32 vsid, __u8 flow_id);
/* A broadcast ARP request (RFC 826) from (mac, spa), Ethernet source and sender alike, for tpa. */
size_t frame_arp_request(struct pkt *p, const __u8 mac[PKT_ETH_ALEN], __be32 spa, __be32 tpa);

/* The header checksum of the IPv4 header at ip made right again, after a case changed a field. */
void frame_fix_ip_csum(__u8 *ip);
/* m, unless it is all zero (a table row's "zero: the default"); then dflt. */
const __u8 *mac_or(const __u8 m[PKT_ETH_ALEN], const __u8 dflt[PKT_ETH_ALEN]);

#endif /* FRAMES_H */
