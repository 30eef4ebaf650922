/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/pkt.h"

__u16 pkt_get16(const void *p)
{
	const __u8 *b = p;

	return (__u16)(b[0] << 8 | b[1]);
}

__u32 pkt_get32(const void *p)
{
	const __u8 *b = p;

	return (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
}

void pkt_put16(void *p, __u16 v)
{
	__u8 *b = p;

	b[0] = v >> 8;
	b[1] = v & 0xff;
}

void pkt_put32(void *p, __u32 v)
{
	__u8 *b = p;

	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Sum of 16-bit big-endian words, not folded; an odd last byte is padded with zero. */
static __u32 sum16(const void *data, size_t len, __u32 sum)
{
	const __u8 *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += pkt_get16(b + i);
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

__u16 pkt_csum(const void *data, size_t len, __u32 sum)
{
	return fold(sum16(data, len, sum));
}

bool pkt_ipv4_csum_ok(const void *ip)
{
	const __u8 *b = ip;

	return pkt_csum(b, (b[0] & 0xf) * 4, 0) == 0;
}

/* The IPv4 pseudo-header of UDP and TCP (RFC 768, 793). */
static __u32 pseudo_sum(const __u8 *ip, __u8 proto, size_t l4_len)
{
	__u32 sum = sum16(ip + 12, 8, 0);

	return sum + proto + (__u32)l4_len;
}

static void mac_put(__u8 *p, const __u8 mac[PKT_ETH_ALEN])
{
	memcpy(p, mac, PKT_ETH_ALEN);
}

static void fill_pattern(__u8 *p, size_t len, __u8 seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (__u8)(seed + i * 7);
}

/* Ethernet (and 802.1Q) header; returns its length. */
static size_t l2_put(__u8 *p, const __u8 *dmac, const __u8 *smac, bool vlan, __u16 tci, __u16 proto)
{
	mac_put(p, dmac);
	mac_put(p + 6, smac);
	if (!vlan) {
		pkt_put16(p + 12, proto);
		return PKT_ETH_HLEN;
	}
	pkt_put16(p + 12, PKT_ETH_P_8021Q);
	pkt_put16(p + 14, tci);
	pkt_put16(p + 16, proto);
	return PKT_ETH_HLEN + PKT_VLAN_HLEN;
}

/* IPv4 header with options (NOPs then EOL) and a valid checksum; returns its length. */
static size_t ipv4_put(__u8 *ip, __u8 tos, __u16 tot_len, __u16 id, __u16 frag, __u8 ttl,
		       __u8 proto, __be32 saddr, __be32 daddr, __u8 opt_words)
{
	size_t hlen = PKT_IPV4_HLEN + opt_words * 4;

	ip[0] = 0x40 | (__u8)(hlen / 4);
	ip[1] = tos;
	pkt_put16(ip + 2, tot_len);
	pkt_put16(ip + 4, id);
	pkt_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	pkt_put16(ip + 10, 0);
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	if (opt_words) {
		memset(ip + PKT_IPV4_HLEN, 1, hlen - PKT_IPV4_HLEN); /* NOP */
		ip[hlen - 1] = 0;				     /* EOL */
	}
	pkt_put16(ip + 10, pkt_csum(ip, hlen, 0));
	return hlen;
}

size_t pkt_ipv4(struct pkt *p, const struct pkt_ipv4_spec *s, size_t frame_len)
{
	size_t l2, ihl, l4_len, hdr;
	__u8 *ip, *l4;

	memset(p->d, 0, sizeof(p->d));
	p->len = 0;
	l2 = PKT_ETH_HLEN + (s->vlan ? PKT_VLAN_HLEN : 0);
	ihl = PKT_IPV4_HLEN + s->opt_words * 4;
	switch (s->proto) {
	case PKT_IPPROTO_UDP:
		hdr = PKT_UDP_HLEN;
		break;
	case PKT_IPPROTO_TCP:
		hdr = PKT_TCP_HLEN;
		break;
	case PKT_IPPROTO_ICMP:
		hdr = PKT_ICMP_HLEN;
		break;
	default:
		hdr = 0;
	}
	if (frame_len > PKT_MAX || frame_len < l2 + ihl + hdr || s->opt_words > 10)
		return 0;
	l2_put(p->d, s->dmac, s->smac, s->vlan, s->vlan_tci, PKT_ETH_P_IP);
	ip = p->d + l2;
	l4 = ip + ihl;
	l4_len = frame_len - l2 - ihl;
	fill_pattern(l4 + hdr, l4_len - hdr, s->fill);

	switch (s->proto) {
	case PKT_IPPROTO_UDP:
		pkt_put16(l4, s->sport);
		pkt_put16(l4 + 2, s->dport);
		pkt_put16(l4 + 4, (__u16)l4_len);
		break;
	case PKT_IPPROTO_TCP:
		pkt_put16(l4, s->sport);
		pkt_put16(l4 + 2, s->dport);
		pkt_put32(l4 + 4, s->tcp_seq ?: 0x01020304); /* sequence */
		pkt_put32(l4 + 8, 0x0a0b0c0d);		     /* acknowledgment */
		l4[12] = 5 << 4;			     /* data offset */
		l4[13] = s->tcp_flags ?: 0x18;		     /* PSH | ACK */
		pkt_put16(l4 + 14, 65535);
		break;
	case PKT_IPPROTO_ICMP:
		l4[0] = s->echo_reply ? 0 : 8; /* echo reply, echo request */
		l4[1] = 0;
		pkt_put16(l4 + 4, s->sport);
		pkt_put16(l4 + 6, s->dport);
		break;
	}
	ipv4_put(ip, s->tos, (__u16)(frame_len - l2), s->id, s->frag, s->ttl ?: 64, s->proto,
		 s->saddr, s->daddr, s->opt_words);
	switch (s->proto) {
	case PKT_IPPROTO_UDP: {
		__u16 c = pkt_csum(l4, l4_len, pseudo_sum(ip, s->proto, l4_len));

		pkt_put16(l4 + 6, s->udp_no_csum ? 0 : c ?: 0xffff); /* 0 means "no checksum" */
		break;
	}
	case PKT_IPPROTO_TCP:
		pkt_put16(l4 + 16, pkt_csum(l4, l4_len, pseudo_sum(ip, s->proto, l4_len)));
		break;
	case PKT_IPPROTO_ICMP:
		pkt_put16(l4 + 2, pkt_csum(l4, l4_len, 0));
		break;
	}
	p->len = frame_len;
	return frame_len;
}

size_t pkt_icmp_error(struct pkt *p, const struct pkt_icmp_err_spec *s, const void *quote,
		      size_t qlen)
{
	size_t len = PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_ICMP_HLEN + qlen;
	__u8 *ip = p->d + PKT_ETH_HLEN, *icmp = ip + PKT_IPV4_HLEN;

	memset(p->d, 0, sizeof(p->d));
	p->len = 0;
	if (len > PKT_MAX)
		return 0;
	l2_put(p->d, s->dmac, s->smac, false, 0, PKT_ETH_P_IP);
	icmp[0] = s->type;
	icmp[1] = s->code;
	pkt_put32(icmp + 4, s->rest);
	memcpy(icmp + PKT_ICMP_HLEN, quote, qlen);
	pkt_put16(icmp + 2, pkt_csum(icmp, PKT_ICMP_HLEN + qlen, 0));
	ipv4_put(ip, s->tos, (__u16)(len - PKT_ETH_HLEN), s->id, s->frag, s->ttl ?: 64,
		 PKT_IPPROTO_ICMP, s->saddr, s->daddr, 0);
	p->len = len;
	return len;
}

int pkt_ipv4_parse(const void *frame, size_t len, struct pkt_ipv4_view *v, char *err, size_t errlen)
{
	const __u8 *f = frame, *ip = f + PKT_ETH_HLEN, *l4;

	memset(v, 0, sizeof(*v));
	if (len < PKT_ETH_HLEN + PKT_IPV4_HLEN)
		return fail(err, errlen, "frame of %zu bytes: too short for Ethernet + IPv4", len);
	memcpy(v->dmac, f, PKT_ETH_ALEN);
	memcpy(v->smac, f + 6, PKT_ETH_ALEN);
	if (pkt_get16(f + 12) != PKT_ETH_P_IP || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return fail(err, errlen, "not IPv4: ethertype 0x%04x, version/ihl 0x%02x",
			    pkt_get16(f + 12), ip[0]);
	v->ip = ip;
	v->ihl = (ip[0] & 0xf) * 4u;
	v->tos = ip[1];
	v->tot_len = pkt_get16(ip + 2);
	v->id = pkt_get16(ip + 4);
	v->frag = pkt_get16(ip + 6);
	v->ttl = ip[8];
	v->proto = ip[9];
	v->check = pkt_get16(ip + 10);
	memcpy(&v->saddr, ip + 12, 4);
	memcpy(&v->daddr, ip + 16, 4);
	if (v->tot_len < v->ihl || PKT_ETH_HLEN + (size_t)v->tot_len > len)
		return fail(err, errlen, "IPv4 total length %u: header %zu, frame %zu", v->tot_len,
			    v->ihl, len);
	l4 = ip + v->ihl;
	v->l4 = l4;
	v->l4_len = v->tot_len - v->ihl;
	/* A fragment after the first carries no L4 header. */
	if (v->frag & 0x1fff)
		return 0;
	switch (v->proto) {
	case PKT_IPPROTO_TCP:
		if (v->l4_len < PKT_TCP_HLEN)
			return fail(err, errlen, "TCP segment of %zu bytes", v->l4_len);
		v->sport = pkt_get16(l4);
		v->dport = pkt_get16(l4 + 2);
		v->tcp_flags = l4[13];
		v->l4_check = pkt_get16(l4 + 16);
		break;
	case PKT_IPPROTO_UDP:
		if (v->l4_len < PKT_UDP_HLEN)
			return fail(err, errlen, "UDP datagram of %zu bytes", v->l4_len);
		v->sport = pkt_get16(l4);
		v->dport = pkt_get16(l4 + 2);
		v->l4_check = pkt_get16(l4 + 6);
		break;
	case PKT_IPPROTO_ICMP:
		if (v->l4_len < PKT_ICMP_HLEN)
			return fail(err, errlen, "ICMP message of %zu bytes", v->l4_len);
		v->icmp_type = l4[0];
		v->icmp_code = l4[1];
		v->l4_check = pkt_get16(l4 + 2);
		v->sport = pkt_get16(l4 + 4);
		v->dport = pkt_get16(l4 + 6);
		break;
	}
	return 0;
}

static bool icmp_is_error(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

int pkt_check_csums(const void *frame, size_t len, char *err, size_t errlen)
{
	struct pkt_ipv4_view v;
	const __u8 *q;

	if (pkt_ipv4_parse(frame, len, &v, err, errlen))
		return -1;
	if (pkt_csum(v.ip, v.ihl, 0))
		return fail(err, errlen, "IPv4 header checksum 0x%04x is wrong", v.check);
	if (v.frag & 0x1fff)
		return 0;
	switch (v.proto) {
	case PKT_IPPROTO_UDP:
		if (!v.l4_check)
			return 0;
		/* fall through */
	case PKT_IPPROTO_TCP:
		if (pkt_csum(v.l4, v.l4_len, pseudo_sum(v.ip, v.proto, v.l4_len)))
			return fail(err, errlen, "%s checksum 0x%04x is wrong",
				    v.proto == PKT_IPPROTO_TCP ? "TCP" : "UDP", v.l4_check);
		return 0;
	case PKT_IPPROTO_ICMP:
		if (pkt_csum(v.l4, v.l4_len, 0))
			return fail(err, errlen, "ICMP checksum 0x%04x is wrong", v.l4_check);
		if (!icmp_is_error(v.icmp_type))
			return 0;
		q = v.l4 + PKT_ICMP_HLEN;
		if (v.l4_len < PKT_ICMP_HLEN + PKT_IPV4_HLEN || q[0] >> 4 != 4 ||
		    v.l4_len < PKT_ICMP_HLEN + (q[0] & 0xfu) * 4)
			return fail(err, errlen, "ICMP error quotes no whole IPv4 header");
		if (pkt_csum(q, (q[0] & 0xfu) * 4, 0))
			return fail(err, errlen, "quoted IPv4 header checksum 0x%04x is wrong",
				    pkt_get16(q + 10));
		return 0;
	}
	return 0;
}

size_t pkt_eth(struct pkt *p, const __u8 dmac[PKT_ETH_ALEN], const __u8 smac[PKT_ETH_ALEN],
	       __u16 proto, size_t frame_len)
{
	memset(p->d, 0, sizeof(p->d));
	p->len = 0;
	if (frame_len < PKT_ETH_HLEN || frame_len > PKT_MAX)
		return 0;
	l2_put(p->d, dmac, smac, false, 0, proto);
	fill_pattern(p->d + PKT_ETH_HLEN, frame_len - PKT_ETH_HLEN, 0x60);
	if (proto == PKT_ETH_P_IPV6 && frame_len >= PKT_ETH_HLEN + 1)
		p->d[PKT_ETH_HLEN] = 0x60; /* version 6 */
	p->len = frame_len;
	return frame_len;
}

void pkt_vlan_push(struct pkt *p, __u16 tpid, __u16 tci)
{
	if (p->len < 12 || p->len + PKT_VLAN_HLEN > PKT_MAX)
		return;
	memmove(p->d + 12 + PKT_VLAN_HLEN, p->d + 12, p->len - 12);
	pkt_put16(p->d + 12, tpid);
	pkt_put16(p->d + 14, tci);
	p->len += PKT_VLAN_HLEN;
}

void pkt_pad(struct pkt *p, size_t min_len)
{
	if (min_len > PKT_MAX)
		return;
	if (p->len < min_len) {
		memset(p->d + p->len, 0, min_len - p->len);
		p->len = min_len;
	}
}

size_t pkt_arp(struct pkt *p, const struct pkt_arp_spec *s)
{
	__u8 *a = p->d + PKT_OFF_ARP;

	memset(p->d, 0, sizeof(p->d));
	l2_put(p->d, s->dmac, s->smac, false, 0, PKT_ETH_P_ARP);
	pkt_put16(a, 1); /* Ethernet */
	pkt_put16(a + 2, PKT_ETH_P_IP);
	a[4] = PKT_ETH_ALEN;
	a[5] = 4;
	pkt_put16(a + 6, s->oper);
	mac_put(a + 8, s->sha);
	memcpy(a + 14, &s->spa, 4);
	mac_put(a + 18, s->tha);
	memcpy(a + 24, &s->tpa, 4);
	p->len = PKT_ARP_LEN;
	return p->len;
}

int pkt_arp_parse(const void *frame, size_t len, struct pkt_arp_view *v)
{
	const __u8 *f = frame, *a = f + PKT_OFF_ARP;

	if (len < PKT_ARP_LEN)
		return -1;
	memcpy(v->dmac, f, PKT_ETH_ALEN);
	memcpy(v->smac, f + 6, PKT_ETH_ALEN);
	v->ethertype = pkt_get16(f + 12);
	v->htype = pkt_get16(a);
	v->ptype = pkt_get16(a + 2);
	v->hlen = a[4];
	v->plen = a[5];
	v->oper = pkt_get16(a + 6);
	memcpy(v->sha, a + 8, PKT_ETH_ALEN);
	memcpy(&v->spa, a + 14, 4);
	memcpy(v->tha, a + 18, PKT_ETH_ALEN);
	memcpy(&v->tpa, a + 24, 4);
	return 0;
}

void pkt_nvgre_spec_init(struct pkt_nvgre_spec *o, __be32 saddr, __be32 daddr, __u32 vsid,
			 __u8 flow_id)
{
	static const __u8 wire_dmac[PKT_ETH_ALEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
	static const __u8 wire_smac[PKT_ETH_ALEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };

	memset(o, 0, sizeof(*o));
	memcpy(o->dmac, wire_dmac, PKT_ETH_ALEN);
	memcpy(o->smac, wire_smac, PKT_ETH_ALEN);
	o->saddr = saddr;
	o->daddr = daddr;
	o->ttl = 64;
	o->frag = PKT_IP_DF;
	o->gre_flags = PKT_GRE_K;
	o->gre_proto = PKT_ETH_P_TEB;
	o->vsid = vsid;
	o->flow_id = flow_id;
}

size_t pkt_nvgre(struct pkt *out, const struct pkt_nvgre_spec *o, const void *inner,
		 size_t inner_len)
{
	size_t l2 = PKT_ETH_HLEN + (o->vlan ? PKT_VLAN_HLEN : 0);
	size_t ihl = PKT_IPV4_HLEN + o->opt_words * 4;
	size_t len = l2 + ihl + PKT_GRE_HLEN + inner_len;
	__u8 *ip, *gre;

	memset(out->d, 0, sizeof(out->d));
	out->len = 0;
	if (len > PKT_MAX || o->opt_words > 10)
		return 0;
	l2_put(out->d, o->dmac, o->smac, o->vlan, 1, PKT_ETH_P_IP);
	ip = out->d + l2;
	gre = ip + ihl;
	pkt_put16(gre, o->gre_flags);
	pkt_put16(gre + 2, o->gre_proto);
	pkt_put32(gre + 4, o->vsid << 8 | o->flow_id);
	memcpy(gre + PKT_GRE_HLEN, inner, inner_len);
	ipv4_put(ip, o->tos, (__u16)(len - l2), o->id, o->frag, o->ttl, PKT_IPPROTO_GRE, o->saddr,
		 o->daddr, o->opt_words);
	out->len = len;
	return len;
}

int pkt_nvgre_parse(const void *frame, size_t len, struct pkt_nvgre_view *v, char *err,
		    size_t errlen)
{
	const __u8 *f = frame, *ip = f + PKT_ETH_HLEN, *gre;
	size_t ihl;

	memset(v, 0, sizeof(*v));
	if (len < PKT_ETH_HLEN + PKT_IPV4_HLEN)
		return fail(err, errlen, "frame of %zu bytes: too short for Ethernet + IPv4", len);
	v->ethertype = pkt_get16(f + 12);
	v->version = ip[0] >> 4;
	v->ihl = ip[0] & 0xf;
	v->tos = ip[1];
	v->tot_len = pkt_get16(ip + 2);
	v->id = pkt_get16(ip + 4);
	v->frag = pkt_get16(ip + 6);
	v->ttl = ip[8];
	v->proto = ip[9];
	v->check = pkt_get16(ip + 10);
	memcpy(&v->saddr, ip + 12, 4);
	memcpy(&v->daddr, ip + 16, 4);
	v->ip = ip;
	ihl = v->ihl * 4;
	if (v->ethertype != PKT_ETH_P_IP || v->version != 4 || ihl < PKT_IPV4_HLEN)
		return fail(err, errlen, "not IPv4: ethertype 0x%04x, version %u, ihl %u",
			    v->ethertype, v->version, v->ihl);
	if (len < PKT_ETH_HLEN + ihl + PKT_GRE_HLEN)
		return fail(err, errlen, "frame of %zu bytes: too short for GRE", len);
	gre = ip + ihl;
	v->gre_flags = pkt_get16(gre);
	v->gre_proto = pkt_get16(gre + 2);
	v->key = pkt_get32(gre + 4);
	v->vsid = v->key >> 8;
	v->flow_id = v->key & 0xff;
	v->inner = gre + PKT_GRE_HLEN;
	v->inner_len = len - PKT_ETH_HLEN - ihl - PKT_GRE_HLEN;
	return 0;
}

__u8 pkt_outer_tos(__u8 inner_tos)
{
	return inner_tos;
}

static const char *ip_str(__be32 a, char *buf)
{
	const __u8 *b = (const __u8 *)&a;

	sprintf(buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

int pkt_check_nvgre(const void *frame, size_t len, const struct pkt_nvgre_expect *e,
		    struct pkt_nvgre_view *out, char *err, size_t errlen)
{
	struct pkt_nvgre_view v;
	const __u8 *inner = e->inner;
	char a[16], b[16], diff[200];
	__u8 want_tos;

	if (pkt_nvgre_parse(frame, len, &v, err, errlen))
		return -1;
	if (out)
		*out = v;
	if (len != e->inner_len + PKT_NVGRE_OUTER)
		return fail(err, errlen, "length %zu, want inner %zu + 42", len, e->inner_len);
	if (v.ihl != 5)
		return fail(err, errlen, "outer ihl %u, want 5", v.ihl);
	/* The inner IPv4 header's TOS, after its Ethernet header. */
	want_tos = pkt_outer_tos(inner[PKT_ETH_HLEN + 1]);
	if (v.tos != want_tos)
		return fail(err, errlen, "outer tos 0x%02x, want 0x%02x (inner tos 0x%02x)", v.tos,
			    want_tos, inner[PKT_ETH_HLEN + 1]);
	if (v.tot_len != len - PKT_ETH_HLEN)
		return fail(err, errlen, "outer total length %u, want %zu", v.tot_len,
			    len - PKT_ETH_HLEN);
	if (v.frag != PKT_IP_DF)
		return fail(err, errlen, "outer flags/fragment 0x%04x, want DF only (0x4000)",
			    v.frag);
	if (v.ttl != e->ttl)
		return fail(err, errlen, "outer ttl %u, want %u", v.ttl, e->ttl);
	if (v.proto != PKT_IPPROTO_GRE)
		return fail(err, errlen, "outer protocol %u, want 47", v.proto);
	if (!pkt_ipv4_csum_ok(v.ip))
		return fail(err, errlen, "outer header checksum 0x%04x is wrong", v.check);
	if (v.saddr != e->saddr)
		return fail(err, errlen, "outer source %s, want %s", ip_str(v.saddr, a),
			    ip_str(e->saddr, b));
	if (v.daddr != e->daddr)
		return fail(err, errlen, "outer destination %s, want %s", ip_str(v.daddr, a),
			    ip_str(e->daddr, b));
	if (v.gre_flags != PKT_GRE_K)
		return fail(err, errlen, "GRE flags/version 0x%04x, want 0x2000", v.gre_flags);
	if (v.gre_proto != PKT_ETH_P_TEB)
		return fail(err, errlen, "GRE protocol 0x%04x, want 0x6558", v.gre_proto);
	if (v.vsid != e->vsid)
		return fail(err, errlen, "GRE key 0x%08x: VSID %u, want %u", v.key, v.vsid,
			    e->vsid);
	if (pkt_diff(v.inner, v.inner_len, e->inner, e->inner_len, diff, sizeof(diff)))
		return fail(err, errlen, "inner frame differs: %s", diff);
	return 0;
}

bool pkt_l4_csum_ok(const void *frame, size_t len)
{
	const __u8 *f = frame, *ip, *l4;
	size_t l2 = PKT_ETH_HLEN, ihl, l4_len;

	if (len >= PKT_ETH_HLEN + PKT_VLAN_HLEN && pkt_get16(f + 12) == PKT_ETH_P_8021Q)
		l2 += PKT_VLAN_HLEN;
	if (len < l2 + PKT_IPV4_HLEN || pkt_get16(f + l2 - 2) != PKT_ETH_P_IP)
		return false;
	ip = f + l2;
	ihl = (ip[0] & 0xf) * 4;
	if (pkt_get16(ip + 2) < ihl || l2 + pkt_get16(ip + 2) > len)
		return false;
	l4 = ip + ihl;
	l4_len = pkt_get16(ip + 2) - ihl;
	switch (ip[9]) {
	case PKT_IPPROTO_UDP:
	case PKT_IPPROTO_TCP:
		return pkt_csum(l4, l4_len, pseudo_sum(ip, ip[9], l4_len)) == 0;
	case PKT_IPPROTO_ICMP:
		return pkt_csum(l4, l4_len, 0) == 0;
	}
	return false;
}

int pkt_diff(const void *got, size_t got_len, const void *want, size_t want_len, char *err,
	     size_t errlen)
{
	const __u8 *g = got, *w = want;
	size_t n = got_len < want_len ? got_len : want_len;

	for (size_t i = 0; i < n; i++)
		if (g[i] != w[i])
			return fail(err, errlen,
				    "byte %zu is 0x%02x, want 0x%02x (lengths %zu/%zu)", i, g[i],
				    w[i], got_len, want_len);
	if (got_len != want_len)
		return fail(err, errlen, "length %zu, want %zu (equal up to there)", got_len,
			    want_len);
	return 0;
}
