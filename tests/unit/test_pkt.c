/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The packet builder and the NVGRE checker are the oracle of the datapath suites, so they are
 * checked against another implementation: the reference frames below were generated with
 * scapy 2.5 (Ether/IP/UDP|TCP|ICMP, Dot1Q, ARP, GRE with key_present=1 and proto=0x6558), and
 * pkt_check_nvgre() must reject every single-field defect of a correct NVGRE frame.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixture.h"
#include "lib/pkt.h"

/* clang-format off */
static const char vec_udp[] =
	"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00\x45\xb8\x00\x56\x12\x34"
	"\x00\x00\x40\x11\x53\xa9\x0a\x00\x00\x01\x0a\x00\x00\x02\x9c\x40\x1f\x90\x00\x42"
	"\xef\x8b\x00\x07\x0e\x15\x1c\x23\x2a\x31\x38\x3f\x46\x4d\x54\x5b\x62\x69\x70\x77"
	"\x7e\x85\x8c\x93\x9a\xa1\xa8\xaf\xb6\xbd\xc4\xcb\xd2\xd9\xe0\xe7\xee\xf5\xfc\x03"
	"\x0a\x11\x18\x1f\x26\x2d\x34\x3b\x42\x49\x50\x57\x5e\x65\x6c\x73\x7a\x81\x88\x8f";
static const char vec_tcp_opts[] =
	"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00\x47\x00\x00\xb5\x00\x07"
	"\x40\x00\x40\x06\x20\x37\x0a\x00\x00\x01\x0a\x00\x00\x02\x01\x01\x01\x01\x01\x01"
	"\x01\x00\x80\xe8\x01\xbb\x01\x02\x03\x04\x0a\x0b\x0c\x0d\x50\x18\xff\xff\xa6\xfe"
	"\x00\x00\x05\x0c\x13\x1a\x21\x28\x2f\x36\x3d\x44\x4b\x52\x59\x60\x67\x6e\x75\x7c"
	"\x83\x8a\x91\x98\x9f\xa6\xad\xb4\xbb\xc2\xc9\xd0\xd7\xde\xe5\xec\xf3\xfa\x01\x08"
	"\x0f\x16\x1d\x24\x2b\x32\x39\x40\x47\x4e\x55\x5c\x63\x6a\x71\x78\x7f\x86\x8d\x94"
	"\x9b\xa2\xa9\xb0\xb7\xbe\xc5\xcc\xd3\xda\xe1\xe8\xef\xf6\xfd\x04\x0b\x12\x19\x20"
	"\x27\x2e\x35\x3c\x43\x4a\x51\x58\x5f\x66\x6d\x74\x7b\x82\x89\x90\x97\x9e\xa5\xac"
	"\xb3\xba\xc1\xc8\xcf\xd6\xdd\xe4\xeb\xf2\xf9\x00\x07\x0e\x15\x1c\x23\x2a\x31\x38"
	"\x3f\x46\x4d\x54\x5b\x62\x69\x70\x77\x7e\x85\x8c\x93\x9a\xa1";
static const char vec_icmp[] =
	"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00\x45\x00\x00\x55\x00\x00"
	"\x00\x00\x40\x01\x66\xa6\x0a\x00\x00\x01\x0a\x00\x00\x02\x08\x00\xb8\x80\x00\x01"
	"\x00\x02\x00\x07\x0e\x15\x1c\x23\x2a\x31\x38\x3f\x46\x4d\x54\x5b\x62\x69\x70\x77"
	"\x7e\x85\x8c\x93\x9a\xa1\xa8\xaf\xb6\xbd\xc4\xcb\xd2\xd9\xe0\xe7\xee\xf5\xfc\x03"
	"\x0a\x11\x18\x1f\x26\x2d\x34\x3b\x42\x49\x50\x57\x5e\x65\x6c\x73\x7a\x81\x88";
static const char vec_vlan_udp[] =
	"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x81\x00\x00\x64\x08\x00\x45\x00"
	"\x00\x3a\x00\x00\x00\x00\x40\x11\x66\xb1\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x01"
	"\x00\x02\x00\x26\x27\x70\x00\x07\x0e\x15\x1c\x23\x2a\x31\x38\x3f\x46\x4d\x54\x5b"
	"\x62\x69\x70\x77\x7e\x85\x8c\x93\x9a\xa1\xa8\xaf\xb6\xbd\xc4\xcb";
static const char vec_arp[] =
	"\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06\x00\x01\x08\x00\x06\x04"
	"\x00\x01\x02\x00\x00\x00\x00\x01\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0a\x00"
	"\x00\x02";
static const char vec_nvgre[] =
	"\x52\x54\x00\x00\x00\x01\x52\x54\x00\x00\x00\x02\x08\x00\x45\xb8\x00\x80\x00\x00"
	"\x40\x00\x40\x2f\xb5\x93\xc0\x00\x02\x02\xc0\x00\x02\x01\x20\x00\x65\x58\x00\x13"
	"\x89\x5a\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00\x45\xb8\x00\x56"
	"\x12\x34\x00\x00\x40\x11\x53\xa9\x0a\x00\x00\x01\x0a\x00\x00\x02\x9c\x40\x1f\x90"
	"\x00\x42\xef\x8b\x00\x07\x0e\x15\x1c\x23\x2a\x31\x38\x3f\x46\x4d\x54\x5b\x62\x69"
	"\x70\x77\x7e\x85\x8c\x93\x9a\xa1\xa8\xaf\xb6\xbd\xc4\xcb\xd2\xd9\xe0\xe7\xee\xf5"
	"\xfc\x03\x0a\x11\x18\x1f\x26\x2d\x34\x3b\x42\x49\x50\x57\x5e\x65\x6c\x73\x7a\x81"
	"\x88\x8f";
/* clang-format on */

#define VLEN(v) (sizeof(v) - 1)

static void expect_same(const struct pkt *p, const char *want, size_t want_len, const char *what)
{
	char err[200];

	cr_expect(pkt_diff(p->d, p->len, want, want_len, err, sizeof(err)) == 0, "%s: %s", what,
		  err);
}

Test(pkt, builder_matches_scapy)
{
	struct pkt_ipv4_spec s = { .dmac = MAC_2_INIT,
				   .smac = MAC_1_INIT,
				   .saddr = CA_1,
				   .daddr = CA_2,
				   .proto = PKT_IPPROTO_UDP,
				   .sport = 40000,
				   .dport = 8080,
				   .tos = 0xb8,
				   .id = 0x1234 };
	struct pkt_arp_spec a = { .dmac = MAC_BCAST_INIT,
				  .smac = MAC_1_INIT,
				  .oper = 1,
				  .sha = MAC_1_INIT,
				  .spa = CA_1,
				  .tpa = CA_2 };
	struct pkt_nvgre_spec o;
	struct pkt p, w;

	cr_assert_eq(pkt_ipv4(&p, &s, 100), 100);
	expect_same(&p, vec_udp, VLEN(vec_udp), "UDP");
	pkt_nvgre_spec_init(&o, PA_2A, PA_1, VSID_A, 0x5a);
	o.tos = 0xb8;
	cr_assert_eq(pkt_nvgre(&w, &o, p.d, p.len), VLEN(vec_nvgre));
	expect_same(&w, vec_nvgre, VLEN(vec_nvgre), "NVGRE");

	s = (struct pkt_ipv4_spec){ .dmac = MAC_2_INIT,
				    .smac = MAC_1_INIT,
				    .saddr = CA_1,
				    .daddr = CA_2,
				    .proto = PKT_IPPROTO_TCP,
				    .sport = 33000,
				    .dport = 443,
				    .opt_words = 2,
				    .frag = PKT_IP_DF,
				    .id = 7,
				    .fill = 5 };
	cr_assert_eq(pkt_ipv4(&p, &s, VLEN(vec_tcp_opts)), VLEN(vec_tcp_opts));
	expect_same(&p, vec_tcp_opts, VLEN(vec_tcp_opts), "TCP with options");

	s = (struct pkt_ipv4_spec){ .dmac = MAC_2_INIT,
				    .smac = MAC_1_INIT,
				    .saddr = CA_1,
				    .daddr = CA_2,
				    .proto = PKT_IPPROTO_ICMP,
				    .sport = 1,
				    .dport = 2 };
	cr_assert_eq(pkt_ipv4(&p, &s, VLEN(vec_icmp)), VLEN(vec_icmp));
	expect_same(&p, vec_icmp, VLEN(vec_icmp), "ICMP echo");

	s = (struct pkt_ipv4_spec){ .dmac = MAC_2_INIT,
				    .smac = MAC_1_INIT,
				    .vlan = true,
				    .vlan_tci = 100,
				    .saddr = CA_1,
				    .daddr = CA_2,
				    .proto = PKT_IPPROTO_UDP,
				    .sport = 1,
				    .dport = 2 };
	cr_assert_eq(pkt_ipv4(&p, &s, VLEN(vec_vlan_udp)), VLEN(vec_vlan_udp));
	expect_same(&p, vec_vlan_udp, VLEN(vec_vlan_udp), "802.1Q UDP");

	cr_assert_eq(pkt_arp(&p, &a), VLEN(vec_arp));
	expect_same(&p, vec_arp, VLEN(vec_arp), "ARP request");
}

/* Sequence number and flags set by the spec (the GRO test's segments), checksum still valid. */
Test(pkt, tcp_sequence_and_flags)
{
	struct pkt_ipv4_spec s = { .dmac = MAC_2_INIT,
				   .smac = MAC_1_INIT,
				   .saddr = CA_1,
				   .daddr = CA_2,
				   .proto = PKT_IPPROTO_TCP,
				   .sport = 1,
				   .dport = 2,
				   .tcp_seq = 0xfedcba98,
				   .tcp_flags = 0x10 };
	const __u8 *tcp;
	struct pkt p, q;

	cr_assert_eq(pkt_ipv4(&p, &s, 200), 200);
	tcp = p.d + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	cr_expect_eq(pkt_get32(tcp + 4), 0xfedcba98);
	cr_expect_eq(tcp[13], 0x10);
	cr_expect(pkt_l4_csum_ok(p.d, p.len));
	/* The same segment with the defaults differs in exactly those fields and the checksum. */
	s.tcp_seq = 0;
	s.tcp_flags = 0;
	cr_assert_eq(pkt_ipv4(&q, &s, 200), 200);
	tcp = q.d + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	cr_expect_eq(pkt_get32(tcp + 4), 0x01020304);
	cr_expect_eq(tcp[13], 0x18);
	for (size_t i = 0; i < p.len; i++) {
		const size_t l4 = PKT_ETH_HLEN + PKT_IPV4_HLEN;
		bool seq = i >= l4 + 4 && i < l4 + 8, csum = i == l4 + 16 || i == l4 + 17;

		if (!seq && !csum && i != l4 + 13)
			cr_expect_eq(p.d[i], q.d[i], "byte %zu differs", i);
	}
}

Test(pkt, checksums_detect_corruption)
{
	const struct {
		const char *v;
		size_t len, ip;
	} f[] = {
		{ vec_udp, VLEN(vec_udp), 14 },
		{ vec_tcp_opts, VLEN(vec_tcp_opts), 14 },
		{ vec_icmp, VLEN(vec_icmp), 14 },
		{ vec_vlan_udp, VLEN(vec_vlan_udp), 18 },
	};
	__u8 b[PKT_MAX];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memcpy(b, f[i].v, f[i].len);
		cr_expect(pkt_ipv4_csum_ok(b + f[i].ip), "vector %zu: IPv4 checksum", i);
		cr_expect(pkt_l4_csum_ok(b, f[i].len), "vector %zu: L4 checksum", i);
		b[f[i].len - 1] ^= 0x10;
		cr_expect(!pkt_l4_csum_ok(b, f[i].len), "vector %zu: payload flip unnoticed", i);
		b[f[i].ip + 8] ^= 0x01; /* TTL: in the IPv4 header, not in the pseudo-header */
		cr_expect(!pkt_ipv4_csum_ok(b + f[i].ip), "vector %zu: header flip unnoticed", i);
	}
}

Test(pkt, nvgre_parse_fields)
{
	struct pkt_nvgre_view v;
	char err[200];

	cr_assert_eq(pkt_nvgre_parse(vec_nvgre, VLEN(vec_nvgre), &v, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(v.version, 4);
	cr_expect_eq(v.ihl, 5);
	cr_expect_eq(v.tot_len, VLEN(vec_nvgre) - 14);
	cr_expect_eq(v.frag, PKT_IP_DF);
	cr_expect_eq(v.ttl, 64);
	cr_expect_eq(v.proto, PKT_IPPROTO_GRE);
	cr_expect_eq(v.saddr, PA_2A);
	cr_expect_eq(v.daddr, PA_1);
	cr_expect_eq(v.gre_flags, 0x2000);
	cr_expect_eq(v.gre_proto, 0x6558);
	cr_expect_eq(v.vsid, VSID_A);
	cr_expect_eq(v.flow_id, 0x5a);
	cr_expect_eq(v.inner_len, VLEN(vec_udp));
	cr_expect_arr_eq(v.inner, vec_udp, VLEN(vec_udp));
}

/* Offsets in vec_nvgre and what to do there; each must make pkt_check_nvgre() fail. */
static const struct {
	const char *what;
	size_t off;
	__u8 xor ;
	bool fix_csum; /* a consistent header with a wrong field, not just a bad checksum */
} defects[] = {
	{ "outer ethertype", 12, 0x01, false },
	{ "IPv4 version", 14, 0x10, true },
	{ "outer tos DSCP", 15, 0x20, true },
	{ "outer tos ECN", 15, 0x01, true },
	{ "total length", 17, 0x01, true },
	{ "DF cleared", 20, 0x40, true },
	{ "MF set", 20, 0x20, true },
	{ "fragment offset", 21, 0x01, true },
	{ "TTL", 22, 0x01, true },
	{ "protocol", 23, 0x01, true },
	{ "header checksum", 24, 0x01, false },
	{ "source PA", 29, 0x01, true },
	{ "destination PA", 33, 0x01, true },
	{ "GRE flags", 34, 0x80, false },
	{ "GRE version", 35, 0x01, false },
	{ "GRE protocol", 37, 0x01, false },
	{ "VSID", 40, 0x01, false },
	{ "inner first byte", 42, 0x01, false },
	{ "inner last byte", sizeof(vec_nvgre) - 2, 0x01, false },
};

Test(pkt, check_nvgre_rejects_every_defect)
{
	const struct pkt_nvgre_expect x = { .saddr = PA_2A,
					    .daddr = PA_1,
					    .ttl = 64,
					    .vsid = VSID_A,
					    .inner = vec_udp,
					    .inner_len = VLEN(vec_udp) };
	__u8 b[PKT_MAX];
	char err[200];

	/* The reference is the inner frame with DSCP EF, Not-ECT, sent from PA_2A. */
	cr_assert_eq(pkt_check_nvgre(vec_nvgre, VLEN(vec_nvgre), &x, NULL, err, sizeof(err)), 0,
		     "reference frame rejected: %s", err);
	for (size_t i = 0; i < sizeof(defects) / sizeof(defects[0]); i++) {
		memcpy(b, vec_nvgre, VLEN(vec_nvgre));
		b[defects[i].off] ^= defects[i].xor ;
		if (defects[i].fix_csum) {
			pkt_put16(b + 24, 0);
			pkt_put16(b + 24, pkt_csum(b + 14, 20, 0));
		}
		cr_expect(pkt_check_nvgre(b, VLEN(vec_nvgre), &x, NULL, err, sizeof(err)) != 0,
			  "defect \"%s\" not noticed", defects[i].what);
	}
	cr_expect(pkt_check_nvgre(vec_nvgre, VLEN(vec_nvgre) - 1, &x, NULL, err, sizeof(err)) != 0,
		  "a frame one byte short not noticed");
}

Test(pkt, outer_tos_rfc6040_normal_mode)
{
	/* Section 4.1, normal mode: the ECN field is copied, CE included; DSCP copied too. */
	for (unsigned int dscp = 0; dscp < 64; dscp += 9)
		for (unsigned int ecn = 0; ecn < 4; ecn++)
			cr_expect_eq(pkt_outer_tos((__u8)(dscp << 2 | ecn)), dscp << 2 | ecn);
}

/*
 * The gateway's oracle: ICMP errors with a quote, echo replies, UDP without a checksum, and a
 * checksum verifier over a whole IPv4 frame. References computed with an independent Python
 * implementation of RFC 791, 792 and 1071 (struct.pack, the sum of 16-bit words folded).
 */
/* clang-format off */
/* Frag needed (MTU 1400) from 10.0.0.250 to 10.0.0.1, tos 0xc0, quoting vec_udp's first 28 bytes. */
static const char vec_frag_needed[] =
	"\x02\x00\x00\x00\x00\x01\x02\x4e\x56\x00\x13\x89\x08\x00\x45\xc0\x00\x38\x00\x00"
	"\x00\x00\x40\x01\x65\x0b\x0a\x00\x00\xfa\x0a\x00\x00\x01\x03\x04\x4b\xe5\x00\x00"
	"\x05\x78\x45\xb8\x00\x56\x12\x34\x00\x00\x40\x11\x53\xa9\x0a\x00\x00\x01\x0a\x00"
	"\x00\x02\x9c\x40\x1f\x90\x00\x42\xef\x8b";
/* Echo reply id 0x1234 seq 7, 198.51.100.10 -> .200, IP id 0x4242, DF. */
static const char vec_echo_reply[] =
	"\x02\x53\x56\x00\x00\xc8\x02\x47\x58\x00\x00\x01\x08\x00\x45\x00\x00\x30\x42\x42"
	"\x40\x00\x40\x01\xa3\x51\xc6\x33\x64\x0a\xc6\x33\x64\xc8\x00\x00\x75\x06\x12\x34"
	"\x00\x07\x33\x3a\x41\x48\x4f\x56\x5d\x64\x6b\x72\x79\x80\x87\x8e\x95\x9c\xa3\xaa"
	"\xb1\xb8";
/* UDP 40000 -> 53 with checksum 0 (none), TTL 63. */
static const char vec_udp_no_csum[] =
	"\x02\x53\x56\x00\x00\xc8\x02\x47\x58\x00\x00\x01\x08\x00\x45\x00\x00\x28\x42\x42"
	"\x00\x00\x3f\x11\xe4\x49\xc6\x33\x64\x0a\xc6\x33\x64\xc8\x9c\x40\x00\x35\x00\x14"
	"\x00\x00\x33\x3a\x41\x48\x4f\x56\x5d\x64\x6b\x72\x79\x80";
/* clang-format on */

static const __u8 gx_mac[6] = { 0x02, 0x47, 0x58, 0, 0, 0x01 },
		  server_mac[6] = { 0x02, 0x53, 0x56, 0, 0, 0xc8 };

Test(pkt, icmp_error_builder_matches_reference)
{
	struct pkt_icmp_err_spec e = { .dmac = { 0x02, 0, 0, 0, 0, 0x01 },
				       .smac = { 0x02, 0x4e, 0x56, 0, 0x13, 0x89 },
				       .saddr = PKT_IP4(10, 0, 0, 250),
				       .daddr = PKT_IP4(10, 0, 0, 1),
				       .tos = 0xc0,
				       .type = 3,
				       .code = 4,
				       .rest = 1400 };
	struct pkt p;
	char err[200];

	cr_assert_eq(pkt_icmp_error(&p, &e, vec_udp + 14, 28), VLEN(vec_frag_needed));
	cr_expect(pkt_diff(p.d, p.len, vec_frag_needed, VLEN(vec_frag_needed), err, sizeof(err)) ==
			  0,
		  "%s", err);
	cr_expect_eq(pkt_check_csums(p.d, p.len, err, sizeof(err)), 0, "%s", err);
}

Test(pkt, echo_reply_and_udp_without_checksum_match_reference)
{
	struct pkt_ipv4_spec s = { .saddr = PKT_IP4(198, 51, 100, 10),
				   .daddr = PKT_IP4(198, 51, 100, 200),
				   .proto = PKT_IPPROTO_ICMP,
				   .sport = 0x1234,
				   .dport = 7,
				   .id = 0x4242,
				   .frag = PKT_IP_DF,
				   .fill = 0x33,
				   .echo_reply = true };
	struct pkt p;
	char err[200];

	memcpy(s.dmac, server_mac, 6);
	memcpy(s.smac, gx_mac, 6);
	cr_assert_eq(pkt_ipv4(&p, &s, VLEN(vec_echo_reply)), VLEN(vec_echo_reply));
	cr_expect(pkt_diff(p.d, p.len, vec_echo_reply, VLEN(vec_echo_reply), err, sizeof(err)) == 0,
		  "echo reply: %s", err);
	s.proto = PKT_IPPROTO_UDP;
	s.sport = 40000;
	s.dport = 53;
	s.frag = 0;
	s.ttl = 63;
	s.echo_reply = false;
	s.udp_no_csum = true;
	cr_assert_eq(pkt_ipv4(&p, &s, VLEN(vec_udp_no_csum)), VLEN(vec_udp_no_csum));
	cr_expect(pkt_diff(p.d, p.len, vec_udp_no_csum, VLEN(vec_udp_no_csum), err, sizeof(err)) ==
			  0,
		  "UDP without checksum: %s", err);
	cr_expect_eq(pkt_check_csums(p.d, p.len, err, sizeof(err)), 0,
		     "a UDP checksum of 0 is none: %s", err);
}

/* A single bit flipped anywhere after the Ethernet header of a checksummed frame is caught. */
Test(pkt, check_csums_catches_every_bit_flip)
{
	const struct {
		const char *v;
		size_t len;
	} f[] = {
		{ vec_udp, VLEN(vec_udp) },
		{ vec_tcp_opts, VLEN(vec_tcp_opts) },
		{ vec_icmp, VLEN(vec_icmp) },
		{ vec_frag_needed, VLEN(vec_frag_needed) },
		{ vec_echo_reply, VLEN(vec_echo_reply) },
	};
	__u8 b[PKT_MAX];
	char err[200];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memcpy(b, f[i].v, f[i].len);
		cr_expect_eq(pkt_check_csums(b, f[i].len, err, sizeof(err)), 0, "vector %zu: %s", i,
			     err);
		for (size_t at = PKT_ETH_HLEN; at < f[i].len; at++)
			for (int bit = 0; bit < 8; bit++) {
				b[at] ^= (__u8)(1 << bit);
				cr_expect_neq(pkt_check_csums(b, f[i].len, NULL, 0), 0,
					      "vector %zu: bit %d of byte %zu flipped unnoticed", i,
					      bit, at);
				b[at] ^= (__u8)(1 << bit);
			}
	}
}

/* The quoted header of an ICMP error is checked on its own (the ICMP checksum fixed up). */
Test(pkt, check_csums_looks_into_the_quote)
{
	__u8 b[PKT_MAX];
	__u8 *icmp = b + PKT_ETH_HLEN + PKT_IPV4_HLEN;
	char err[200];

	memcpy(b, vec_frag_needed, VLEN(vec_frag_needed));
	icmp[8 + 8]--; /* the quote's TTL */
	pkt_put16(icmp + 2, 0);
	pkt_put16(icmp + 2, pkt_csum(icmp, VLEN(vec_frag_needed) - 34, 0));
	cr_expect_neq(pkt_check_csums(b, VLEN(vec_frag_needed), err, sizeof(err)), 0);
	cr_expect(strstr(err, "quoted"), "not blamed on the quote: %s", err);
}
