/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A small packet builder and decoder for the tests, written from the RFCs (791, 768, 793, 792,
 * 826, 1071, 7637, 6040) and independent of the datapath's code: frames built here are what a VM
 * or a remote host would send, and the decoders judge what the datapath produced. No test
 * framework here (the benchmarks link it too): checks return 0, or -1 with a message.
 */
#ifndef PKT_H
#define PKT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define PKT_MAX 4096 /* larger than any frame a test builds or receives */

#define PKT_ETH_ALEN	6
#define PKT_ETH_HLEN	14
#define PKT_VLAN_HLEN	4
#define PKT_IPV4_HLEN	20
#define PKT_UDP_HLEN	8
#define PKT_TCP_HLEN	20
#define PKT_ICMP_HLEN	8
#define PKT_ARP_LEN	(PKT_ETH_HLEN + 28)
#define PKT_GRE_HLEN	8 /* with the key, RFC 7637 */
#define PKT_NVGRE_OUTER (PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_GRE_HLEN)

#define PKT_ETH_P_IP	 0x0800
#define PKT_ETH_P_ARP	 0x0806
#define PKT_ETH_P_8021Q	 0x8100
#define PKT_ETH_P_8021AD 0x88a8
#define PKT_ETH_P_IPV6	 0x86dd
#define PKT_ETH_P_TEB	 0x6558

#define PKT_IPPROTO_ICMP 1
#define PKT_IPPROTO_TCP	 6
#define PKT_IPPROTO_UDP	 17
#define PKT_IPPROTO_GRE	 47

#define PKT_IP_DF 0x4000
#define PKT_IP_MF 0x2000

#define PKT_GRE_K 0x2000 /* RFC 7637: C=0, K=1, S=0, version 0 */

/* Offsets in an untagged IPv4 frame and in an ARP frame. */
#define PKT_OFF_IP	  PKT_ETH_HLEN
#define PKT_OFF_ARP	  PKT_ETH_HLEN
#define PKT_OFF_ARP_HTYPE (PKT_OFF_ARP + 0)
#define PKT_OFF_ARP_PTYPE (PKT_OFF_ARP + 2)
#define PKT_OFF_ARP_HLEN  (PKT_OFF_ARP + 4)
#define PKT_OFF_ARP_PLEN  (PKT_OFF_ARP + 5)
#define PKT_OFF_ARP_OPER  (PKT_OFF_ARP + 6)
#define PKT_OFF_ARP_SHA	  (PKT_OFF_ARP + 8)
#define PKT_OFF_ARP_SPA	  (PKT_OFF_ARP + 14)
#define PKT_OFF_ARP_THA	  (PKT_OFF_ARP + 18)
#define PKT_OFF_ARP_TPA	  (PKT_OFF_ARP + 24)

/* An IPv4 address in network byte order, usable in static initializers. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PKT_IP4(a, b, c, d) \
	((__u32)(((__u32)(d) << 24) | ((__u32)(c) << 16) | ((__u32)(b) << 8) | (__u32)(a)))
#else
#define PKT_IP4(a, b, c, d) \
	((__u32)(((__u32)(a) << 24) | ((__u32)(b) << 16) | ((__u32)(c) << 8) | (__u32)(d)))
#endif

struct pkt {
	__u8 d[PKT_MAX];
	size_t len;
};

/* An IPv4 frame, optionally 802.1Q-tagged. */
struct pkt_ipv4_spec {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	bool vlan;
	__u16 vlan_tci;
	__be32 saddr, daddr;
	__u8 proto; /* UDP, TCP and ICMP get a header and a valid checksum; others raw payload */
	__u16 sport, dport; /* UDP/TCP ports; ICMP echo id and sequence */
	__u8 tos;
	__u8 ttl;
	__u8 opt_words; /* IPv4 options in 32-bit words (NOPs, then EOL): ihl = 5 + opt_words */
	__u16 frag;	/* flags and fragment offset, host order */
	__u16 id;
	__u8 fill;	  /* first byte of the payload pattern */
	__u32 tcp_seq;	  /* TCP sequence number, zero: 0x01020304 */
	__u8 tcp_flags;	  /* zero: PSH | ACK */
	bool echo_reply;  /* ICMP: an echo reply (type 0) instead of an echo request (type 8) */
	bool udp_no_csum; /* UDP: checksum 0, "none" (RFC 768), instead of the computed one */
};

/* Exactly frame_len bytes; the IPv4 total length covers all of them. 0 if headers don't fit. */
size_t pkt_ipv4(struct pkt *p, const struct pkt_ipv4_spec *s, size_t frame_len);
/*
 * An ICMP error (RFC 792: destination unreachable, time exceeded, ...) in an untagged IPv4 frame,
 * quoting qlen bytes of the packet it is about (its IPv4 header first), ICMP and IPv4 checksums
 * computed. rest is the header's second word, host order (RFC 1191: the next-hop MTU in its low
 * 16 bits). Returns the length, 0 if it does not fit.
 */
struct pkt_icmp_err_spec {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	__be32 saddr, daddr;
	__u8 tos, ttl; /* ttl zero: 64 */
	__u16 id, frag;
	__u8 type, code;
	__u32 rest;
};
size_t pkt_icmp_error(struct pkt *p, const struct pkt_icmp_err_spec *s, const void *quote,
		      size_t qlen);

/* An untagged Ethernet + IPv4 frame taken apart. Pointers into the frame. */
struct pkt_ipv4_view {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	const __u8 *ip, *l4;
	size_t ihl, l4_len; /* header length; L4 bytes the total length covers */
	__u8 tos, ttl, proto;
	__u16 tot_len, id, frag, check;
	__be32 saddr, daddr;
	/* TCP/UDP ports; ICMP echo: identifier in sport, sequence number in dport */
	__u16 sport, dport;
	__u8 icmp_type, icmp_code, tcp_flags;
	__u16 l4_check; /* the checksum field of TCP, UDP or ICMP */
};
/* -1 with the reason in err when frame is not one, or its lengths are not consistent. */
int pkt_ipv4_parse(const void *frame, size_t len, struct pkt_ipv4_view *v, char *err,
		   size_t errlen);
/*
 * Every checksum of an untagged IPv4 frame, recomputed here (RFC 1071): the header's; TCP's and
 * UDP's over the pseudo-header (RFC 768, 793; a UDP checksum of 0 means none and is accepted);
 * ICMP's over the whole message; and for an ICMP error (types 3, 4, 5, 11, 12) the quoted IPv4
 * header's. 0, or -1 with which one is wrong.
 */
int pkt_check_csums(const void *frame, size_t len, char *err, size_t errlen);

/* Any ethertype, patterned payload up to frame_len (>= 14). */
size_t pkt_eth(struct pkt *p, const __u8 dmac[PKT_ETH_ALEN], const __u8 smac[PKT_ETH_ALEN],
	       __u16 proto, size_t frame_len);
/* Inserts a VLAN tag (tpid 0x8100 or 0x88a8) after the MAC addresses. */
void pkt_vlan_push(struct pkt *p, __u16 tpid, __u16 tci);
/* Ethernet padding (zeros) up to min_len; the IP length stays what it was. */
void pkt_pad(struct pkt *p, size_t min_len);

/* ARP for IPv4 over Ethernet (RFC 826): 42 bytes. */
struct pkt_arp_spec {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	__u16 oper; /* 1 request, 2 reply */
	__u8 sha[PKT_ETH_ALEN];
	__be32 spa;
	__u8 tha[PKT_ETH_ALEN];
	__be32 tpa;
};
size_t pkt_arp(struct pkt *p, const struct pkt_arp_spec *s);

struct pkt_arp_view {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	__u16 ethertype, htype, ptype, oper;
	__u8 hlen, plen;
	__u8 sha[PKT_ETH_ALEN], tha[PKT_ETH_ALEN];
	__be32 spa, tpa;
};
int pkt_arp_parse(const void *frame, size_t len, struct pkt_arp_view *v);

/* The outer headers of an NVGRE frame over IPv4 (RFC 7637). */
struct pkt_nvgre_spec {
	__u8 dmac[PKT_ETH_ALEN], smac[PKT_ETH_ALEN];
	bool vlan; /* an 802.1Q tag on the outer frame */
	__be32 saddr, daddr;
	__u8 tos, ttl;
	__u16 frag; /* flags and fragment offset, host order */
	__u16 id;
	__u8 opt_words;
	__u16 gre_flags, gre_proto;
	__u32 vsid;
	__u8 flow_id;
};
/* What an RFC 7637 sender puts there: DF, TTL 64, GRE 0x2000 / 0x6558, MACs of a wire. */
void pkt_nvgre_spec_init(struct pkt_nvgre_spec *o, __be32 saddr, __be32 daddr, __u32 vsid,
			 __u8 flow_id);
/* out = outer headers + inner frame (no FCS). Returns the length. */
size_t pkt_nvgre(struct pkt *out, const struct pkt_nvgre_spec *o, const void *inner,
		 size_t inner_len);

/* An NVGRE frame taken apart. Pointers into the frame. */
struct pkt_nvgre_view {
	__u16 ethertype;
	__u8 version, ihl, tos, ttl, proto;
	__u16 tot_len, id, frag, check;
	__be32 saddr, daddr;
	__u16 gre_flags, gre_proto;
	__u32 key, vsid;
	__u8 flow_id;
	const __u8 *ip, *inner;
	size_t inner_len;
};
/* Parses untagged Ethernet + IPv4 + GRE with key. -1 with the reason in err if it is not one. */
int pkt_nvgre_parse(const void *frame, size_t len, struct pkt_nvgre_view *v, char *err,
		    size_t errlen);

/* What a correct encapsulation of inner must look like. */
struct pkt_nvgre_expect {
	__be32 saddr, daddr;
	__u8 ttl;
	__u32 vsid;
	const void *inner;
	size_t inner_len;
};
/*
 * Checks every field of frame against RFC 7637 and e: outer ethertype, IPv4 version/ihl, tos
 * (inner DSCP + ECN per RFC 6040, see pkt_outer_tos), total length, DF and no fragment, TTL,
 * protocol 47, addresses, a header checksum recomputed here, GRE flags/protocol, VSID, and the
 * inner frame byte for byte. v (may be NULL) receives the parsed frame (e.g. for the FlowID).
 */
int pkt_check_nvgre(const void *frame, size_t len, const struct pkt_nvgre_expect *e,
		    struct pkt_nvgre_view *v, char *err, size_t errlen);

/*
 * Outer TOS for an inner TOS: DSCP copied; ECN per RFC 6040 section 4.1 normal mode, which copies
 * the ECN field unchanged, CE included (it aligned IP-in-IP tunnels with RFC 4301 IPsec; the CE
 * to ECT(0) reset was RFC 3168's full-functionality option, which RFC 6040 replaced).
 */
__u8 pkt_outer_tos(__u8 inner_tos);

/* RFC 1071: one's complement of the one's complement sum (0 over a header with a valid sum). */
__u16 pkt_csum(const void *data, size_t len, __u32 sum);
bool pkt_ipv4_csum_ok(const void *ip);
/* An IPv4 frame (untagged or 802.1Q) whose UDP/TCP/ICMP checksum is valid. */
bool pkt_l4_csum_ok(const void *frame, size_t len);

/* 0 if equal; else -1 and a description of the first difference. */
int pkt_diff(const void *got, size_t got_len, const void *want, size_t want_len, char *err,
	     size_t errlen);

/* Byte helpers (network order). */
__u16 pkt_get16(const void *p);
__u32 pkt_get32(const void *p);
void pkt_put16(void *p, __u16 v);
void pkt_put32(void *p, __u32 v);

#endif /* PKT_H */
