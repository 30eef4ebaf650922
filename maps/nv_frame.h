/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frames for people: taken apart (an event's data, a trace's input or output) and built from
 * fields (a trace's input). Decoding, nv_frame.c: the bytes of a frame as the datapath saw them,
 * NVGRE outer headers (PAs, VSID, FlowID) when there are some, then the tenant frame (MACs,
 * ethertype, IPv4 CAs, protocol, ports or ICMP type, ARP fields). Shared by nvctl monitor and nvctl
 * trace, so both print a frame the same way, as text or as JSON.
 *
 * The decoder never reads past the length it is given: a frame cut short (an event keeps only
 * its first NV_EVENT_SNAPLEN bytes) or malformed decodes as far as its bytes allow, and says
 * where it stopped.
 */
#ifndef NV_FRAME_H
#define NV_FRAME_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "nvgre_abi.h"

/* What was decoded, in order: each layer only when the previous one is there. */
enum nv_fv_have {
	NV_FV_ETH = 1 << 0,  /* dmac, smac, ethertype (after at most one VLAN tag) */
	NV_FV_IPV4 = 1 << 1, /* IPv4 header (ihl * 4 bytes) */
	NV_FV_L4 = 1 << 2,   /* TCP/UDP ports or ICMP type/code (first fragment only) */
	NV_FV_ARP = 1 << 3,  /* IPv4-over-Ethernet ARP body */
};

/* One Ethernet frame: the whole frame, or the tenant frame inside NVGRE. */
struct nv_fv_frame {
	unsigned int have; /* enum nv_fv_have */
	__u8 dmac[NV_ETH_ALEN], smac[NV_ETH_ALEN];
	__u16 ethertype; /* host order, the one after a VLAN tag */
	bool vlan;
	__u16 vlan_tci;
	/* IPv4, network order addresses */
	__be32 saddr, daddr;
	__u8 proto, tos, ttl, ihl;
	__u16 tot_len, frag; /* host order; frag = flags and offset */
	/* L4 */
	__u16 sport, dport; /* host order; ICMP echo: id and sequence */
	__u8 icmp_type, icmp_code;
	/* ARP */
	__u16 arp_op;
	__u8 sha[NV_ETH_ALEN], tha[NV_ETH_ALEN];
	__be32 spa, tpa;
};

struct nv_frame_view {
	size_t len;		  /* bytes decoded from */
	bool nvgre;		  /* outer Ethernet/IPv4/GRE with key and protocol 0x6558 */
	bool truncated;		  /* the bytes ended inside a header */
	struct nv_fv_frame outer; /* nvgre: the outer frame (ETH | IPV4); else unused */
	__u16 gre_flags;	  /* nvgre: GRE flags and version, host order */
	__u32 vsid;		  /* nvgre: key >> 8 */
	__u8 flow_id;		  /* nvgre: key & 0xff */
	struct nv_fv_frame f;	  /* the frame itself, or the tenant frame of an NVGRE one */
};

/* Decode len bytes of data (NULL with len 0 is fine: an empty view). Never fails. */
void nv_frame_decode(const void *data, size_t len, struct nv_frame_view *v);
/* An event's frame: its data, cap_len bytes of it (at most NV_EVENT_SNAPLEN). */
void nv_event_decode(const struct nv_event *e, struct nv_frame_view *v);

/*
 * One line, no newline: "192.0.2.1 -> 192.0.2.2 vsid 5001 flow 42: 10.0.0.1 -> 10.0.0.2 icmp
 * echo-request id 1 seq 2 (02:..:01 -> 02:..:02)". Returns what snprintf returns.
 */
int nv_frame_format(const struct nv_frame_view *v, char *buf, size_t len);
/* The same as a JSON object (new reference), NULL on allocation failure. */
json_t *nv_frame_json(const struct nv_frame_view *v);

/*
 * An event without its time: "from_vm vm-a1 vsid 5001 drop SPOOF_MAC <frame>" or "... redirect
 * -> vm-a2 <frame>". dev and target are the names of e->ifindex and e->target (target may be NULL
 * when e->target is 0).
 */
int nv_event_format(const struct nv_event *e, const char *dev, const char *target, char *buf,
		    size_t len);
/* As JSON: hook, ifindex, dev, vsid, verdict, reason (name, code, text), target, len, frame. */
json_t *nv_event_json(const struct nv_event *e, const char *dev, const char *target);

/* ---- building (nv_frame_build.c) ---- */

/* Room any built frame fits in: headers plus the 32-byte payload, with NVGRE around it. */
#define NV_FRAME_BUILD_MAX 256

struct nv_frame_fields {
	__u8 smac[NV_ETH_ALEN], dmac[NV_ETH_ALEN];
	__be32 saddr, daddr;
	__u8 proto;	    /* IPPROTO_ICMP: echo request; TCP: SYN; UDP; others: a bare payload */
	__u16 sport, dport; /* host order */
};

/* Ethernet + IPv4 (DF, TTL 64) + L4 with valid checksums; returns the frame's length. */
size_t nv_frame_build_ipv4(__u8 *buf, const struct nv_frame_fields *f);
/*
 * inner (inner_len bytes; it may be in buf) in NVGRE over IPv4 as a remote host sends it: DF, TTL
 * 64, GRE 0x2000/0x6558, key VSID << 8 with FlowID 0. Returns the frame's length.
 */
size_t nv_frame_build_nvgre(__u8 *buf, const __u8 dmac[NV_ETH_ALEN], const __u8 smac[NV_ETH_ALEN],
			    __be32 src, __be32 dst, __u32 vsid, const __u8 *inner,
			    size_t inner_len);

#endif /* NV_FRAME_H */
