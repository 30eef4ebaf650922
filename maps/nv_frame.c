/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Frames taken apart: NVGRE outer headers, then the tenant frame (see nv_frame.h). */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_frame.h"
#include "nv_maps.h"

/* GRE flags (RFC 2890): checksum, key, sequence number present. */
#define GRE_F_C 0x8000
#define GRE_F_K 0x2000
#define GRE_F_S 0x1000

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* Reads as far as len allows; returns the offset of the layer that follows, *trunc when cut. */
static size_t decode_eth(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t off = NV_ETH_HLEN;

	if (len < NV_ETH_HLEN) {
		if (len > 0)
			*trunc = true;
		return 0;
	}
	memcpy(f->dmac, d, NV_ETH_ALEN);
	memcpy(f->smac, d + NV_ETH_ALEN, NV_ETH_ALEN);
	f->ethertype = get16(d + 12);
	if (f->ethertype == ETH_P_8021Q || f->ethertype == ETH_P_8021AD) {
		if (len < NV_ETH_HLEN + 4) {
			*trunc = true;
			return 0;
		}
		f->vlan = true;
		f->vlan_tci = get16(d + 14);
		f->ethertype = get16(d + 16);
		off += 4;
	}
	f->have |= NV_FV_ETH;
	return off;
}

static void decode_arp(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	/* IPv4 over Ethernet only: htype 1, ptype 0x0800, hlen 6, plen 4. */
	if (len < 28) {
		*trunc = true;
		return;
	}
	if (get16(d) != 1 || get16(d + 2) != ETH_P_IP || d[4] != 6 || d[5] != 4)
		return;
	f->arp_op = get16(d + 6);
	memcpy(f->sha, d + 8, NV_ETH_ALEN);
	memcpy(&f->spa, d + 14, 4);
	memcpy(f->tha, d + 18, NV_ETH_ALEN);
	memcpy(&f->tpa, d + 24, 4);
	f->have |= NV_FV_ARP;
}

/* IPv4 header at d; returns its length, 0 when it cannot be taken as one. */
static size_t decode_ipv4(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t hlen;

	if (len < NV_IPV4_HLEN) {
		*trunc = true;
		return 0;
	}
	if (d[0] >> 4 != 4 || (d[0] & 0xf) < 5)
		return 0; /* not IPv4, or a header length below the minimum: nothing to trust */
	hlen = (size_t)(d[0] & 0xf) * 4;
	f->ihl = d[0] & 0xf;
	f->tos = d[1];
	f->tot_len = get16(d + 2);
	f->frag = get16(d + 6);
	f->ttl = d[8];
	f->proto = d[9];
	memcpy(&f->saddr, d + 12, 4);
	memcpy(&f->daddr, d + 16, 4);
	f->have |= NV_FV_IPV4;
	if (len < hlen) {
		*trunc = true;
		return 0;
	}
	return hlen;
}

static void decode_l4(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	if (f->frag & 0x1fff)
		return; /* a later fragment carries no L4 header */
	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (len < 4) {
			*trunc = true;
			return;
		}
		f->sport = get16(d);
		f->dport = get16(d + 2);
		/* The ports are there; the rest of the header is not. */
		if (len < (f->proto == IPPROTO_TCP ? 20u : 8u))
			*trunc = true;
		break;
	case IPPROTO_ICMP:
		if (len < 2) {
			*trunc = true;
			return;
		}
		f->icmp_type = d[0];
		f->icmp_code = d[1];
		/* Echo id and sequence follow the checksum: shown when the bytes reach them. */
		if (len >= 8) {
			f->sport = get16(d + 4);
			f->dport = get16(d + 6);
		} else {
			*trunc = true;
		}
		break;
	default:
		return;
	}
	f->have |= NV_FV_L4;
}

/* A frame from its Ethernet header on; returns the offset of the IPv4 payload, or 0. */
static size_t decode_frame(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t off = decode_eth(d, len, f, trunc), hlen;

	if (!off)
		return 0;
	if (f->ethertype == ETH_P_ARP) {
		decode_arp(d + off, len - off, f, trunc);
		return 0;
	}
	if (f->ethertype != ETH_P_IP)
		return 0;
	hlen = decode_ipv4(d + off, len - off, f, trunc);
	if (!hlen)
		return 0;
	decode_l4(d + off + hlen, len - off - hlen, f, trunc);
	return off + hlen;
}

void nv_frame_decode(const void *data, size_t len, struct nv_frame_view *v)
{
	const __u8 *d = data;
	size_t l3, gre_len, key_off;
	__u16 flags;

	memset(v, 0, sizeof(*v));
	v->len = len;
	if (!d)
		return;
	l3 = decode_frame(d, len, &v->f, &v->truncated);
	/* NVGRE: GRE with a key and protocol 0x6558 in an unfragmented (or first) IPv4 packet. */
	if (!l3 || v->f.proto != NV_IPPROTO_GRE || (v->f.frag & 0x1fff))
		return;
	if (len - l3 < 4) {
		v->truncated = true;
		return;
	}
	flags = get16(d + l3);
	if (get16(d + l3 + 2) != NV_ETH_P_TEB || !(flags & GRE_F_K))
		return;
	key_off = 4 + (flags & GRE_F_C ? 4 : 0);
	gre_len = key_off + 4 + (flags & GRE_F_S ? 4 : 0);
	if (len - l3 < gre_len) {
		v->truncated = true;
		return;
	}
	v->nvgre = true;
	v->outer = v->f;
	v->outer.have &= NV_FV_ETH | NV_FV_IPV4;
	v->gre_flags = flags;
	v->vsid = (__u32)get16(d + l3 + key_off) << 8 | d[l3 + key_off + 2];
	v->flow_id = d[l3 + key_off + 3];
	memset(&v->f, 0, sizeof(v->f));
	if (len == l3 + gre_len)
		v->truncated = true; /* NVGRE without its tenant frame */
	decode_frame(d + l3 + gre_len, len - l3 - gre_len, &v->f, &v->truncated);
}

void nv_event_decode(const struct nv_event *e, struct nv_frame_view *v)
{
	size_t n = e->cap_len < NV_EVENT_SNAPLEN ? e->cap_len : NV_EVENT_SNAPLEN;

	nv_frame_decode(e->data, n, v);
}
