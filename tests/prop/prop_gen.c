// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Frames for the property run: first what a VM or a remote host would send given the world
 * (mostly valid, often to another tenant's addresses or from another host's PA), then mutated:
 * bit flips, bytes set, truncation at and around every header, lengths off by one, options,
 * fragments, VLAN tags, other ethertypes, keys of other tenants, trailing bytes. Frame n of a
 * seed is drawn from its own stream, so any one frame can be made again alone.
 */
#include <arpa/inet.h>
#include <string.h>

#include "prop/prop.h"

#define IP4(a, b, c, d) htonl((__u32)(a) << 24 | (b) << 16 | (c) << 8 | (d))

__u16 csum16(const void *data, size_t len)
{
	const __u8 *p = data;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put_eth(__u8 *p, const __u8 dst[6], const __u8 src[6], __u16 type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
}

/* An IPv4 header with opt_words words of options (NOPs and an end), its checksum right. */
static size_t put_ipv4(__u8 *p, __u16 tot_len, __u8 ttl, __u8 proto, __be32 src, __be32 dst,
		       unsigned int opt_words, struct rng *r)
{
	size_t hlen = 20 + 4 * opt_words;

	memset(p, 0, hlen);
	p[0] = 0x40 | (__u8)(5 + opt_words);
	p[1] = (__u8)rng_below(r, 256) & 0xfc;
	put16(p + 2, tot_len);
	put16(p + 4, (__u16)rng_next(r));
	if (rng_chance(r, 50))
		p[6] = 0x40; /* DF */
	p[8] = ttl;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	for (size_t i = 20; i < hlen; i++)
		p[i] = i + 1 == hlen ? 0 : 1;
	put16(p + 10, csum16(p, hlen));
	return hlen;
}

static void fix_ipv4_csum(__u8 *p, size_t avail)
{
	size_t hlen = (size_t)(p[0] & 0xf) * 4;

	if (hlen < 20 || hlen > avail)
		return;
	p[10] = p[11] = 0;
	put16(p + 10, csum16(p, hlen));
}

static size_t frame_size(struct rng *r)
{
	unsigned int k = rng_below(r, 100);

	if (k < 70)
		return 60 + rng_below(r, 140);
	if (k < 90)
		return 200 + rng_below(r, 1200);
	return 1400 + rng_below(r, 150);
}

/* A tenant's IPv4 frame of about len bytes: UDP, TCP or ICMP echo, payload random. */
static size_t put_tenant(__u8 *p, size_t len, const __u8 dmac[6], const __u8 smac[6], __be32 src,
			 __be32 dst, __u8 ttl, struct rng *r)
{
	static const __u8 protos[] = { 17, 6, 1 };
	unsigned int opt = rng_chance(r, 5) ? 1 + rng_below(r, 10) : 0;
	__u8 proto = protos[rng_below(r, 3)];
	size_t hlen = 20 + 4 * opt, l4 = proto == 6 ? 20 : 8;

	if (len < 14 + hlen + l4)
		len = 14 + hlen + l4;
	put_eth(p, dmac, smac, 0x0800);
	put_ipv4(p + 14, (__u16)(len - 14), ttl, proto, src, dst, opt, r);
	for (size_t i = 14 + hlen; i < len; i++)
		p[i] = (__u8)rng_next(r);
	if (proto == 1) {
		p[14 + hlen] = 8; /* echo request */
		p[15 + hlen] = 0;
	}
	return len;
}

static const struct w_record *any_record(struct rng *r, const struct world *w)
{
	return w->nrecords ? &w->record[rng_below(r, (__u32)w->nrecords)] : NULL;
}

/* A record of vsid (any when none there), or NULL when the world has none. */
static const struct w_record *record_in(struct rng *r, const struct world *w, __u32 vsid)
{
	const struct w_record *pick[PROP_MAX_RECORDS];
	int n = 0;

	for (int i = 0; i < w->nrecords; i++)
		if (w->record[i].vsid == vsid)
			pick[n++] = &w->record[i];
	return n ? pick[rng_below(r, n)] : any_record(r, w);
}

static const struct w_record *record_in_rdid(struct rng *r, const struct world *w, __u32 rdid,
					     __u32 not_vsid)
{
	const struct w_record *pick[PROP_MAX_RECORDS];
	int n = 0;

	for (int i = 0; i < w->nrecords; i++) {
		const struct w_subnet *s = w_subnet_of(w, w->record[i].vsid);

		if (s && s->rdid == rdid && w->record[i].vsid != not_vsid && w->record[i].ca)
			pick[n++] = &w->record[i];
	}
	return n ? pick[rng_below(r, n)] : any_record(r, w);
}

static void random_mac(struct rng *r, __u8 mac[6])
{
	static const __u8 kinds[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x02, 0x4e, 0x56, 0x00, 0x13, 0x89 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 },
	};

	if (rng_chance(r, 60)) {
		memcpy(mac, (const __u8[6]){ 0x02, 0, 0, 0, 0, (__u8)(1 + rng_below(r, 8)) }, 6);
		return;
	}
	memcpy(mac, kinds[rng_below(r, 4)], 6);
}

static __be32 random_ca(struct rng *r, const struct world *w)
{
	unsigned int k = rng_below(r, 100);
	const struct w_record *x = any_record(r, w);

	if (k < 45 && x)
		return x->ca;
	if (k < 55 && w->nsubnets)
		return w->subnet[rng_below(r, (__u32)w->nsubnets)].gw;
	if (k < 70)
		return IP4(172, 16, rng_below(r, 4), rng_below(r, 256));
	if (k < 90)
		return IP4(10, 0, rng_below(r, 4), rng_below(r, 256));
	switch (rng_below(r, 4)) {
	case 0:
		return 0;
	case 1:
		return IP4(255, 255, 255, 255);
	case 2:
		return IP4(224, 0, 0, 1);
	default:
		return (__be32)rng_next(r);
	}
}

static void gen_arp(const struct world *w, struct rng *r, struct frame *f, const __u8 smac[6],
		    __be32 sca, const struct w_port *p)
{
	static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	__u8 *a = f->b + 14, dmac[6];
	unsigned int k = rng_below(r, 100);
	const struct w_record *x;
	__be32 tpa;

	if (rng_chance(r, 80))
		memcpy(dmac, bcast, 6);
	else
		random_mac(r, dmac);
	put_eth(f->b, dmac, smac, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, rng_chance(r, 92) ? 1 : 2);
	memcpy(a + 8, smac, 6);
	if (rng_chance(r, 10))
		sca = 0; /* a probe */
	memcpy(a + 14, &sca, 4);
	memset(a + 18, 0, 6);
	x = p ? record_in(r, w, p->vsid) : any_record(r, w);
	if (k < 40 && x)
		tpa = x->ca;
	else if (k < 60 && p && w_subnet_of(w, p->vsid))
		tpa = w_subnet_of(w, p->vsid)->gw;
	else if (k < 70 && p)
		tpa = p->ca;
	else
		tpa = random_ca(r, w);
	memcpy(a + 24, &tpa, 4);
	f->len = 42;
	if (rng_chance(r, 50)) {
		memset(f->b + 42, 0, 18); /* padded to the Ethernet minimum */
		f->len = 60;
	}
}

static void gen_from_vm(const struct world *w, struct rng *r, struct frame *f)
{
	int i = (int)rng_below(r, PROP_MAX_PORTS);
	const struct w_port *p = w->port[i].present ? &w->port[i] : NULL;
	unsigned int k = rng_below(r, 100);
	const struct w_subnet *s = p ? w_subnet_of(w, p->vsid) : NULL;
	const struct w_record *x;
	__u8 smac[6], dmac[6], ttl = 64;
	__be32 sca, dst;

	f->hook = H_FROM_VM;
	f->ifindex = k < 88 ? w->dev->port_dev[i] : k < 94 ? w->dev->vm_end[i] : w->dev->underlay;
	if (p) {
		memcpy(smac, p->mac, 6);
		sca = p->ca;
	} else {
		random_mac(r, smac);
		sca = random_ca(r, w);
	}
	if (rng_chance(r, 5))
		random_mac(r, smac);
	if (rng_chance(r, 5))
		sca = random_ca(r, w);

	k = rng_below(r, 100);
	if (k < 18) {
		gen_arp(w, r, f, smac, sca, p);
		return;
	}
	k = rng_below(r, 100);
	if (k < 40 && p && (x = record_in(r, w, p->vsid))) {
		memcpy(dmac, x->mac, 6); /* bridged */
		dst = x->ca;
	} else if (k < 78 && s) {
		memcpy(dmac, s->gw_mac, 6); /* to the router */
		dst = random_ca(r, w);
	} else {
		random_mac(r, dmac);
		dst = random_ca(r, w);
	}
	if (rng_chance(r, 10))
		random_mac(r, dmac);
	if (rng_chance(r, 15)) {
		static const __u8 ttls[] = { 0, 1, 2, 255 };

		ttl = ttls[rng_below(r, 4)];
	}
	f->len = put_tenant(f->b, frame_size(r), dmac, smac, sca, dst, ttl, r);
	if (rng_chance(r, 4)) {
		static const __u16 types[] = { 0x86dd, 0x8100, 0x88a8, 0x88cc, 0x0000 };

		put16(f->b + 12, types[rng_below(r, 5)]);
	}
}

static void gen_wire(const struct world *w, struct rng *r, struct frame *f)
{
	const struct w_record *dst = NULL, *src = NULL, *wc;
	unsigned int k = rng_below(r, 100), opt = rng_chance(r, 5) ? 1 + rng_below(r, 10) : 0;
	__u8 smac[6], dmac[6], omac[6] = { 0x02, 0, 0, 0, 0xaa, 1 };
	const struct w_subnet *ks;
	__be32 isrc, idst, opa, oda;
	size_t hlen, in_len;
	__u32 vsid;
	__u8 *g;

	f->hook = rng_chance(r, 50) ? H_FROM_WIRE : H_WIRE_TC;
	f->ifindex = w->dev->underlay;
	/* The destination: mostly a port of this host. */
	if (k < 70) {
		const struct w_port *p = &w->port[rng_below(r, PROP_MAX_PORTS)];

		if (p->present)
			dst = w_record_of(w, p->vsid, p->ca);
	}
	if (!dst)
		dst = any_record(r, w);
	idst = dst && rng_chance(r, 92) ? dst->ca : random_ca(r, w);
	k = rng_below(r, 100);
	if (dst && k < 82)
		vsid = dst->vsid;
	else if (k < 97 && w->nsubnets)
		vsid = w->subnet[rng_below(r, (__u32)w->nsubnets)].vsid;
	else
		vsid = (__u32)rng_next(r) & 0xffffff;
	ks = w_subnet_of(w, vsid);

	/* The source: another host's VM of the key VSID, routed from a VSID of its RDID, from
	 * outside through the gateway, or anyone. */
	k = rng_below(r, 100);
	if (k < 55) {
		src = record_in(r, w, vsid);
		memcpy(smac, src ? src->mac : omac, 6);
	} else if (k < 75 && ks) {
		src = record_in_rdid(r, w, ks->rdid, vsid);
		memcpy(smac, ks->gw_mac, 6);
	} else if (k < 88 && ks && (wc = w_record_in_rdid(w, ks->rdid, 0))) {
		src = wc;
		memcpy(smac, rng_chance(r, 70) ? ks->gw_mac : wc->mac, 6);
	} else {
		src = any_record(r, w);
		random_mac(r, smac);
	}
	isrc = src && src->ca && rng_chance(r, 95) ? src->ca : IP4(198, 51, 100, rng_below(r, 256));
	opa = src && rng_chance(r, 90) ? src->pa
				       : (rng_chance(r, 50) ? w->remote_pa[0] : w->local_pa[0]);
	memcpy(dmac, dst && rng_chance(r, 92) ? dst->mac : omac, 6);
	k = rng_below(r, 100);
	oda = k < 70   ? w->local_pa[0]
	      : k < 85 ? w->local_pa[rng_below(r, (__u32)w->nlocal)]
	      : k < 95 ? IP4(192, 0, 2, 99)
		       : w->remote_pa[rng_below(r, (__u32)w->nremote)];

	in_len = frame_size(r);
	hlen = 20 + 4 * opt;
	g = f->b + 14 + hlen;
	in_len = put_tenant(g + 8, in_len, dmac, smac, isrc, idst, 64, r);
	f->len = 14 + hlen + 8 + in_len;
	if (f->len > PROP_FRAME_MAX) {
		in_len -= f->len - PROP_FRAME_MAX;
		f->len = PROP_FRAME_MAX;
		put16(g + 8 + 14 + 2, (__u16)(in_len - 14)); /* the tenant's total length */
		fix_ipv4_csum(g + 8 + 14, in_len - 14);
	}
	put_eth(f->b, (const __u8[6]){ 0x02, 0, 0, 0, 0xbb, 1 }, omac, 0x0800);
	put_ipv4(f->b + 14, (__u16)(f->len - 14), 64, 47, opa, oda, opt, r);
	put16(g, 0x2000);
	put16(g + 2, 0x6558);
	put16(g + 4, (__u16)(vsid >> 8));
	g[6] = (__u8)vsid;
	g[7] = (__u8)rng_next(r); /* FlowID */
}

/* Byte offset of the IPv4 header the mutation aims at (outer or inner), or 0. */
static size_t l3_off(const struct frame *f, bool inner)
{
	size_t off;

	if (f->hook == H_FROM_VM)
		return 14;
	if (!inner)
		return 14;
	off = 14 + (size_t)(f->b[14] & 0xf) * 4 + 8 + 14;
	return off + 20 <= f->len ? off : 0;
}

static void insert(struct frame *f, size_t at, size_t n, struct rng *r)
{
	if (at > f->len || f->len + n > PROP_FRAME_MAX)
		return;
	memmove(f->b + at + n, f->b + at, f->len - at);
	for (size_t i = 0; i < n; i++)
		f->b[at + i] = (__u8)rng_next(r);
	f->len += n;
}

static void mutate_one(struct frame *f, struct rng *r, const struct world *w)
{
	size_t l3 = l3_off(f, rng_chance(r, 50)), at;
	/* Header boundaries to cut at: outer and inner Ethernet, IPv4, GRE, L4. */
	const size_t cuts[] = { 14, 34, 42, 56, 76, 84, 96, 40, 60 };

	switch (rng_below(r, 12)) {
	case 0: /* a bit, mostly in the headers */
		at = rng_chance(r, 70) ? rng_below(r, f->len < 100 ? (__u32)f->len : 100)
				       : rng_below(r, (__u32)f->len);
		f->b[at] ^= (__u8)(1u << rng_below(r, 8));
		break;
	case 1: /* a byte set */
		at = rng_below(r, f->len < 100 ? (__u32)f->len : 100);
		f->b[at] = rng_chance(r, 33) ? 0 : rng_chance(r, 50) ? 0xff : (__u8)rng_next(r);
		break;
	case 2: /* cut at a header boundary, or one byte either side */
		at = cuts[rng_below(r, sizeof(cuts) / sizeof(cuts[0]))] + rng_below(r, 3) - 1;
		if (at >= 14 && at < f->len)
			f->len = at;
		break;
	case 3: /* cut anywhere */
		f->len = 14 + rng_below(r, (__u32)(f->len - 13));
		break;
	case 4: /* total length off by one, or anything */
		if (l3 && l3 + 4 <= f->len) {
			__u16 t = (__u16)(f->b[l3 + 2] << 8 | f->b[l3 + 3]);

			t = rng_chance(r, 70) ? (__u16)(t + (rng_chance(r, 50) ? 1 : -1))
					      : (__u16)rng_next(r);
			put16(f->b + l3 + 2, t);
		}
		break;
	case 5: /* IHL or version */
		if (l3 && l3 < f->len)
			f->b[l3] = rng_chance(r, 70)
					   ? (f->b[l3] & 0xf0) | (__u8)rng_below(r, 16)
					   : (__u8)(rng_below(r, 16) << 4) | (f->b[l3] & 0xf);
		break;
	case 6: /* a fragment: more fragments, or an offset */
		if (l3 && l3 + 8 <= f->len) {
			if (rng_chance(r, 50))
				f->b[l3 + 6] |= 0x20;
			else
				f->b[l3 + 7] = (__u8)(1 + rng_below(r, 255));
		}
		break;
	case 7: /* the key of another tenant's VSID */
		if (f->hook != H_FROM_VM && w->nsubnets && f->len >= 14 + 20 + 8) {
			size_t g = 14 + (size_t)(f->b[14] & 0xf) * 4;
			__u32 v = w->subnet[rng_below(r, (__u32)w->nsubnets)].vsid;

			if (g + 8 <= f->len) {
				put16(f->b + g + 4, (__u16)(v >> 8));
				f->b[g + 6] = (__u8)v;
			}
		}
		break;
	case 8: /* the outer source: another host's PA, or ours */
		if (f->hook != H_FROM_VM && f->len >= 34) {
			__be32 pa = rng_chance(r, 70)
					    ? w->remote_pa[rng_below(r, (__u32)w->nremote)]
					    : w->local_pa[rng_below(r, (__u32)w->nlocal)];

			memcpy(f->b + 26, &pa, 4);
		}
		break;
	case 9: /* a VLAN tag, outer or inner */
		at = f->hook != H_FROM_VM && rng_chance(r, 60) ? l3_off(f, true) - 2 : 12;
		if (at >= 12 && at < f->len) {
			insert(f, at, 4, r);
			put16(f->b + at, rng_chance(r, 70) ? 0x8100 : 0x88a8);
		}
		break;
	case 10: /* trailing bytes past the IPv4 total length */
		insert(f, f->len, 1 + rng_below(r, 30), r);
		break;
	default: /* the GRE flags or protocol */
		if (f->hook != H_FROM_VM && f->len >= 14 + 20 + 8) {
			size_t g = 14 + (size_t)(f->b[14] & 0xf) * 4;

			if (g + 4 <= f->len)
				put16(f->b + g + (rng_chance(r, 50) ? 0 : 2), (__u16)rng_next(r));
		}
		break;
	}
}

void gen_frame(const struct world *w, __u64 seed, __u64 n, struct frame *f)
{
	struct rng r = { rng_mix(seed, n) };

	memset(f, 0, sizeof(*f));
	if (rng_chance(&r, 40))
		gen_from_vm(w, &r, f);
	else
		gen_wire(w, &r, f);
	if (!rng_chance(&r, 55))
		return;
	f->mutations = 1 + rng_below(&r, 3);
	for (unsigned int i = 0; i < f->mutations; i++)
		mutate_one(f, &r, w);
	/* Checksums made right again, mostly: a mutation then reaches the checks behind them. */
	if (rng_chance(&r, 70) && f->len >= 34)
		fix_ipv4_csum(f->b + 14, f->len - 14);
	if (f->hook != H_FROM_VM && rng_chance(&r, 40)) {
		size_t in = l3_off(f, true);

		if (in && in + 20 <= f->len)
			fix_ipv4_csum(f->b + in, f->len - in);
	}
}
