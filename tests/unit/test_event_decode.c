/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The frame decoder of nvctl monitor and trace (maps/nv_event.c) against frames built by the
 * tests' own packet builder (tests/lib/pkt.c, checked against scapy): every field of a plain
 * frame, of NVGRE (outer and tenant), of ARP and of a VLAN-tagged frame; every truncation read
 * with the frame's last byte against an unmapped page, so a read past the length crashes the
 * test; malformed headers; an event's cap_len clamped to the snap length; text and JSON.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/pkt.h"
#include "nv_frame.h"

static const __u8 mac1[PKT_ETH_ALEN] = { 0x02, 0x4e, 0x56, 0, 0, 0x01 };
static const __u8 mac2[PKT_ETH_ALEN] = { 0x02, 0x4e, 0x56, 0, 0, 0x02 };
#define CA1 PKT_IP4(10, 0, 0, 1)
#define CA2 PKT_IP4(10, 0, 0, 2)
#define PA1 PKT_IP4(192, 0, 2, 1)
#define PA2 PKT_IP4(192, 0, 2, 2)

static size_t ipv4(struct pkt *p, __u8 proto, size_t len)
{
	struct pkt_ipv4_spec s = { .saddr = CA1,
				   .daddr = CA2,
				   .proto = proto,
				   .sport = 40000,
				   .dport = 53,
				   .ttl = 64,
				   .tos = 0xb8 };

	memcpy(s.dmac, mac2, PKT_ETH_ALEN);
	memcpy(s.smac, mac1, PKT_ETH_ALEN);
	return pkt_ipv4(p, &s, len);
}

static size_t nvgre(struct pkt *out, __u8 proto, __u32 vsid, __u8 flow)
{
	static struct pkt inner;
	struct pkt_nvgre_spec o;
	size_t n = ipv4(&inner, proto, 100);

	pkt_nvgre_spec_init(&o, PA1, PA2, vsid, flow);
	return pkt_nvgre(out, &o, inner.d, n);
}

static void expect_inner(const struct nv_fv_frame *f, __u8 proto)
{
	cr_expect_eq(f->have & (NV_FV_ETH | NV_FV_IPV4 | NV_FV_L4),
		     NV_FV_ETH | NV_FV_IPV4 | NV_FV_L4, "have 0x%x", f->have);
	cr_expect_arr_eq(f->smac, mac1, PKT_ETH_ALEN);
	cr_expect_arr_eq(f->dmac, mac2, PKT_ETH_ALEN);
	cr_expect_eq(f->ethertype, PKT_ETH_P_IP);
	cr_expect_eq(f->saddr, CA1);
	cr_expect_eq(f->daddr, CA2);
	cr_expect_eq(f->proto, proto);
	cr_expect_eq(f->tos, 0xb8);
	cr_expect_eq(f->ttl, 64);
}

Test(event_decode, plain_udp_tcp_icmp)
{
	static const __u8 protos[] = { PKT_IPPROTO_UDP, PKT_IPPROTO_TCP, PKT_IPPROTO_ICMP };
	struct nv_frame_view v;
	struct pkt p;

	for (size_t i = 0; i < sizeof(protos); i++) {
		size_t n = ipv4(&p, protos[i], 90);

		nv_frame_decode(p.d, n, &v);
		cr_expect(!v.nvgre);
		cr_expect(!v.truncated, "proto %u: truncated", protos[i]);
		expect_inner(&v.f, protos[i]);
		cr_expect_eq(v.f.tot_len, n - PKT_ETH_HLEN);
		if (protos[i] == PKT_IPPROTO_ICMP) {
			cr_expect_eq(v.f.icmp_type, 8); /* echo request: id, sequence */
			cr_expect_eq(v.f.sport, 40000);
			cr_expect_eq(v.f.dport, 53);
		} else {
			cr_expect_eq(v.f.sport, 40000);
			cr_expect_eq(v.f.dport, 53);
		}
	}
}

Test(event_decode, nvgre_outer_and_tenant)
{
	struct nv_frame_view v;
	struct pkt p;
	size_t n = nvgre(&p, PKT_IPPROTO_UDP, 0xabcdef, 0x5a);

	nv_frame_decode(p.d, n, &v);
	cr_assert(v.nvgre);
	cr_expect(!v.truncated);
	cr_expect_eq(v.outer.saddr, PA1);
	cr_expect_eq(v.outer.daddr, PA2);
	cr_expect_eq(v.outer.proto, PKT_IPPROTO_GRE);
	cr_expect_eq(v.outer.have, NV_FV_ETH | NV_FV_IPV4);
	cr_expect_eq(v.gre_flags, PKT_GRE_K);
	cr_expect_eq(v.vsid, 0xabcdef);
	cr_expect_eq(v.flow_id, 0x5a);
	expect_inner(&v.f, PKT_IPPROTO_UDP);
	cr_expect_eq(v.f.sport, 40000);
}

/* GRE with the checksum and sequence bits: the key and the tenant frame move by 4 bytes each. */
Test(event_decode, gre_checksum_and_sequence_present)
{
	struct nv_frame_view v;
	struct pkt p, q;
	size_t n = nvgre(&p, PKT_IPPROTO_TCP, 5001, 7), gre = PKT_ETH_HLEN + PKT_IPV4_HLEN;

	/* flags, proto, [csum+reserved], key, [seq], inner */
	memcpy(q.d, p.d, gre);
	pkt_put16(q.d + gre, 0x8000 | PKT_GRE_K | 0x1000);
	pkt_put16(q.d + gre + 2, PKT_ETH_P_TEB);
	pkt_put32(q.d + gre + 4, 0);
	memcpy(q.d + gre + 8, p.d + gre + 4, 4); /* the key */
	pkt_put32(q.d + gre + 12, 99);
	memcpy(q.d + gre + 16, p.d + gre + 8, n - gre - 8);
	nv_frame_decode(q.d, n + 8, &v);
	cr_assert(v.nvgre);
	cr_expect_eq(v.vsid, 5001);
	cr_expect_eq(v.flow_id, 7);
	expect_inner(&v.f, PKT_IPPROTO_TCP);
}

/* GRE that is not NVGRE (IPv4 inside, or no key): a plain IPv4 packet of protocol 47. */
Test(event_decode, gre_not_nvgre)
{
	struct nv_frame_view v;
	struct pkt p;
	size_t n = nvgre(&p, PKT_IPPROTO_UDP, 5001, 0), gre = PKT_ETH_HLEN + PKT_IPV4_HLEN;

	pkt_put16(p.d + gre + 2, PKT_ETH_P_IP);
	nv_frame_decode(p.d, n, &v);
	cr_expect(!v.nvgre);
	cr_expect_eq(v.f.proto, PKT_IPPROTO_GRE);
	cr_expect_eq(v.f.saddr, PA1);
	pkt_put16(p.d + gre + 2, PKT_ETH_P_TEB);
	pkt_put16(p.d + gre, 0);
	nv_frame_decode(p.d, n, &v);
	cr_expect(!v.nvgre, "GRE without a key taken as NVGRE");
}

Test(event_decode, arp)
{
	struct pkt_arp_spec s = { .oper = 1, .spa = CA1, .tpa = CA2 };
	struct nv_frame_view v;
	struct pkt p;
	size_t n;

	memset(s.dmac, 0xff, PKT_ETH_ALEN);
	memcpy(s.smac, mac1, PKT_ETH_ALEN);
	memcpy(s.sha, mac1, PKT_ETH_ALEN);
	n = pkt_arp(&p, &s);
	nv_frame_decode(p.d, n, &v);
	cr_expect_eq(v.f.have, NV_FV_ETH | NV_FV_ARP);
	cr_expect_eq(v.f.ethertype, PKT_ETH_P_ARP);
	cr_expect_eq(v.f.arp_op, 1);
	cr_expect_arr_eq(v.f.sha, mac1, PKT_ETH_ALEN);
	cr_expect_eq(v.f.spa, CA1);
	cr_expect_eq(v.f.tpa, CA2);
	cr_expect(!v.truncated);
}

Test(event_decode, vlan_tagged)
{
	struct nv_frame_view v;
	struct pkt p;

	ipv4(&p, PKT_IPPROTO_UDP, 80);
	pkt_vlan_push(&p, PKT_ETH_P_8021Q, 0x2007);
	nv_frame_decode(p.d, p.len, &v);
	cr_expect(v.f.vlan);
	cr_expect_eq(v.f.vlan_tci & 0xfff, 7);
	expect_inner(&v.f, PKT_IPPROTO_UDP);
}

Test(event_decode, malformed_ipv4)
{
	struct nv_frame_view v;
	struct pkt p;
	size_t n = ipv4(&p, PKT_IPPROTO_UDP, 80);

	p.d[PKT_OFF_IP] = 0x44; /* ihl 4: no header to trust */
	nv_frame_decode(p.d, n, &v);
	cr_expect_eq(v.f.have, NV_FV_ETH);
	p.d[PKT_OFF_IP] = 0x65; /* version 6 in an IPv4 ethertype */
	nv_frame_decode(p.d, n, &v);
	cr_expect_eq(v.f.have, NV_FV_ETH);
	p.d[PKT_OFF_IP] = 0x4f; /* ihl 15: 60 bytes of header in an 80-byte frame: fits */
	nv_frame_decode(p.d, n, &v);
	cr_expect(v.f.have & NV_FV_IPV4);
	pkt_put16(p.d + PKT_OFF_IP + 6, 0x2001); /* a later fragment: no L4 header */
	p.d[PKT_OFF_IP] = 0x45;
	nv_frame_decode(p.d, n, &v);
	cr_expect(!(v.f.have & NV_FV_L4));
}

/*
 * Every length of each frame, with its last byte the last of a page whose next page is not
 * mapped: a read past the given length faults. Shorter than a header: truncated, and nothing
 * claimed of the header.
 */
static void sweep(const struct pkt *p, size_t full)
{
	long page = sysconf(_SC_PAGESIZE);
	__u8 *mem =
		mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct nv_frame_view v;

	cr_assert_neq(mem, MAP_FAILED);
	cr_assert_eq(mprotect(mem + page, page, PROT_NONE), 0);
	for (size_t len = 0; len <= full; len++) {
		__u8 *at = mem + page - len;

		memcpy(at, p->d, len);
		nv_frame_decode(at, len, &v);
		cr_expect_eq(v.len, len);
		if (len < full)
			cr_expect(v.truncated || len == 0, "len %zu of %zu: not truncated", len,
				  full);
		else
			cr_expect(!v.truncated, "the whole frame (%zu) truncated", full);
		if (len < PKT_ETH_HLEN)
			cr_expect_eq(v.f.have, 0, "len %zu: have 0x%x", len, v.f.have);
	}
	munmap(mem, 2 * page);
}

Test(event_decode, truncation_never_reads_past_the_length)
{
	struct pkt_arp_spec arp = { .oper = 1, .spa = CA1, .tpa = CA2 };
	struct pkt p;

	/* The headers only: a frame cut inside its payload is no truncated header. */
	sweep(&p, ipv4(&p, PKT_IPPROTO_UDP, PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_UDP_HLEN));
	sweep(&p, ipv4(&p, PKT_IPPROTO_TCP, PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN));
	sweep(&p, ipv4(&p, PKT_IPPROTO_ICMP, PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_ICMP_HLEN));
	sweep(&p, pkt_arp(&p, &arp));
	{
		struct pkt inner;
		struct pkt_nvgre_spec o;
		size_t n =
			ipv4(&inner, PKT_IPPROTO_UDP, PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_UDP_HLEN);

		pkt_nvgre_spec_init(&o, PA1, PA2, 5001, 1);
		sweep(&p, pkt_nvgre(&p, &o, inner.d, n));
	}
}

Test(event_decode, event_cap_len_clamped_to_snaplen)
{
	struct nv_event e = { .cap_len = 1000 };
	struct nv_frame_view v;

	memset(e.data, 0xee, sizeof(e.data));
	nv_event_decode(&e, &v);
	cr_expect_eq(v.len, NV_EVENT_SNAPLEN);
	e.cap_len = 0;
	nv_event_decode(&e, &v);
	cr_expect_eq(v.len, 0);
	cr_expect_eq(v.f.have, 0);
}

Test(event_decode, text_and_json)
{
	struct nv_event e = { .ifindex = 7,
			      .vsid = 5001,
			      .hook = NV_HOOK_FROM_WIRE,
			      .verdict = NV_VERDICT_DROP,
			      .reason = NV_DROP_SRC_PA };
	char buf[512], small[16];
	struct nv_frame_view v;
	struct pkt p;
	size_t n = nvgre(&p, PKT_IPPROTO_UDP, 5001, 42);
	json_t *o;
	int need;

	nv_frame_decode(p.d, n, &v);
	nv_frame_format(&v, buf, sizeof(buf));
	cr_expect_str_eq(buf, "192.0.2.1 -> 192.0.2.2 vsid 5001 flow 42: 10.0.0.1:40000 -> "
			      "10.0.0.2:53 udp (02:4e:56:00:00:01 -> 02:4e:56:00:00:02)");
	need = nv_frame_format(&v, small, sizeof(small));
	cr_expect_eq((size_t)need, strlen(buf), "needed %d", need);
	cr_expect_eq(strlen(small), sizeof(small) - 1);

	o = nv_frame_json(&v);
	cr_assert_not_null(o);
	cr_expect_str_eq(json_string_value(json_object_get(o, "src")), "10.0.0.1");
	cr_expect_eq(json_integer_value(json_object_get(o, "dport")), 53);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(o, "outer"), "vsid")),
		     5001);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(o, "outer"), "dst")),
			 "192.0.2.2");
	json_decref(o);

	e.len = e.cap_len = (__u16)n;
	memcpy(e.data, p.d, n < NV_EVENT_SNAPLEN ? n : NV_EVENT_SNAPLEN);
	nv_event_format(&e, "ul", NULL, buf, sizeof(buf));
	cr_expect(!strncmp(buf, "from_wire ul vsid 5001 drop SRC_PA len ", 39), "got [%s]", buf);
	o = nv_event_json(&e, "ul", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(o, "reason")), "SRC_PA");
	cr_expect_str_eq(json_string_value(json_object_get(o, "hook")), "from_wire");
	cr_expect_eq(json_integer_value(json_object_get(o, "vsid")), 5001);
	json_decref(o);
}
