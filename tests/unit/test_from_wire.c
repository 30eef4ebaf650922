/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_from_wire (XDP on the underlay of host 1) through BPF_PROG_TEST_RUN. The wire frames are
 * built by the independent encapsulator of lib/pkt.c, as host 2 or a hostile host would send
 * them. The same table drives nv_wire_tc in test_wire_tc.c, since both run the validation of
 * DESIGN section 2.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <bpf/bpf.h>

#include "lib/frames.h"
#include "unit/cases.h"
#include "unit/suite.h"

static struct host h1;

static void setup(void)
{
	host_up(&h1, HOST_1);
}

static void teardown(void)
{
	host_teardown(&h1);
}

/* ---- the frame ---- */

void wire_case_build(const struct wire_case *c, struct pkt *wire, struct pkt *inner)
{
	struct pkt_ipv4_spec s;
	struct pkt_nvgre_spec o;

	frame_spec(&s, mac_or(c->in_smac, MAC_2), c->in_src ?: CA_2, mac_or(c->in_dmac, MAC_1),
		   c->in_dst ?: CA_1);
	s.sport = 5000;
	s.dport = 6000;
	s.id = 7;
	s.proto = c->proto ?: PKT_IPPROTO_UDP;
	cr_assert_gt(pkt_ipv4(inner, &s, c->len ?: 100), 0, "%s: inner frame", c->name);
	if (c->inner)
		c->inner(inner);
	pkt_nvgre_spec_init(&o, c->out_src ?: PA_2A, c->out_dst ?: PA_1, c->vsid ?: VSID_A, 0x5a);
	if (c->outer)
		c->outer(&o);
	cr_assert_gt(pkt_nvgre(wire, &o, inner->d, inner->len), 0, "%s: wire frame", c->name);
	if (c->wire)
		c->wire(wire);
}

/* Outer IPv4 at 14, GRE at 34, inner Ethernet at 42, inner IPv4 at 56 (no options). */
#define OUT_IP 14
#define IN_IP  (PKT_NVGRE_OUTER + PKT_ETH_HLEN)

static void o_options(struct pkt_nvgre_spec *o)
{
	o->opt_words = 2;
}

static void o_options_max(struct pkt_nvgre_spec *o)
{
	o->opt_words = 10; /* IHL 15 */
}

static void o_odd_fields(struct pkt_nvgre_spec *o)
{
	o->tos = 0xbb;
	o->ttl = 1;
	o->flow_id = 0xff;
	o->id = 0xbeef;
}

static void o_no_df(struct pkt_nvgre_spec *o)
{
	o->frag = 0;
}

static void o_vlan(struct pkt_nvgre_spec *o)
{
	o->vlan = true;
}

static void o_mf(struct pkt_nvgre_spec *o)
{
	o->frag = PKT_IP_MF;
}

static void o_frag_offset(struct pkt_nvgre_spec *o)
{
	o->frag = 185;
}

static void o_gre_no_key(struct pkt_nvgre_spec *o)
{
	o->gre_flags = 0;
}

static void o_gre_csum(struct pkt_nvgre_spec *o)
{
	o->gre_flags = 0xa000;
}

static void o_gre_seq(struct pkt_nvgre_spec *o)
{
	o->gre_flags = 0x3000;
}

static void o_gre_version_1(struct pkt_nvgre_spec *o)
{
	o->gre_flags = 0x2001;
}

static void o_gre_proto_ip(struct pkt_nvgre_spec *o)
{
	o->gre_proto = PKT_ETH_P_IP;
}

static void o_vsid_0(struct pkt_nvgre_spec *o)
{
	o->vsid = 0;
}

static void o_vsid_4095(struct pkt_nvgre_spec *o)
{
	o->vsid = 4095;
}

static void o_vsid_ffffff(struct pkt_nvgre_spec *o)
{
	o->vsid = 0xffffff;
}

static void i_vlan(struct pkt *in)
{
	pkt_vlan_push(in, PKT_ETH_P_8021Q, 5);
}

static void i_qinq(struct pkt *in)
{
	pkt_vlan_push(in, PKT_ETH_P_8021AD, 5);
}

static void i_arp(struct pkt *in)
{
	frame_arp_request(in, MAC_2, CA_2, CA_1);
	pkt_pad(in, 60);
}

static void i_ipv6(struct pkt *in)
{
	pkt_eth(in, MAC_1, MAC_2, PKT_ETH_P_IPV6, 100);
}

static void i_version_6(struct pkt *in)
{
	in->d[PKT_ETH_HLEN] = 0x65;
}

static void i_ihl_3(struct pkt *in)
{
	in->d[PKT_ETH_HLEN] = 0x43;
}

/* Inner total length 19, shorter than the 20-byte header it claims. */
static void i_totlen_below_ihl(struct pkt *in)
{
	pkt_put16(in->d + PKT_ETH_HLEN + 2, 19);
	frame_fix_ip_csum(in->d + PKT_ETH_HLEN);
}

static void i_totlen_plus_1(struct pkt *in)
{
	__u8 *ip = in->d + PKT_ETH_HLEN;

	pkt_put16(ip + 2, pkt_get16(ip + 2) + 1);
	frame_fix_ip_csum(ip);
}

static void w_cut_30(struct pkt *w)
{
	w->len = 30;
}

static void w_totlen_plus_1(struct pkt *w)
{
	pkt_put16(w->d + OUT_IP + 2, pkt_get16(w->d + OUT_IP + 2) + 1);
	frame_fix_ip_csum(w->d + OUT_IP);
}

/* One byte less than outer IPv4 + GRE + inner Ethernet + inner IPv4: the frame is longer. */
static void w_totlen_too_small(struct pkt *w)
{
	pkt_put16(w->d + OUT_IP + 2,
		  PKT_IPV4_HLEN + PKT_GRE_HLEN + PKT_ETH_HLEN + PKT_IPV4_HLEN - 1);
	frame_fix_ip_csum(w->d + OUT_IP);
}

static void w_outer_ihl_4(struct pkt *w)
{
	w->d[OUT_IP] = 0x44;
}

static void w_outer_version_5(struct pkt *w)
{
	w->d[OUT_IP] = 0x55;
}

static void w_arp(struct pkt *w)
{
	struct pkt_arp_spec a = { .dmac = MAC_BCAST_INIT,
				  .smac = { 0x52, 0x54, 0, 0, 0, 2 },
				  .oper = 1,
				  .sha = { 0x52, 0x54, 0, 0, 0, 2 },
				  .spa = PA_2A,
				  .tpa = PA_1 };

	pkt_arp(w, &a);
}

static void w_ipv6(struct pkt *w)
{
	static const __u8 d[6] = { 0x52, 0x54, 0, 0, 0, 1 }, s[6] = { 0x52, 0x54, 0, 0, 0, 2 };

	pkt_eth(w, d, s, PKT_ETH_P_IPV6, 150);
}

static void w_udp_to_pa(struct pkt *w)
{
	struct pkt_ipv4_spec s = { .dmac = { 0x52, 0x54, 0, 0, 0, 1 },
				   .smac = { 0x52, 0x54, 0, 0, 0, 2 },
				   .saddr = PA_2A,
				   .daddr = PA_1,
				   .proto = PKT_IPPROTO_UDP,
				   .sport = 4789,
				   .dport = 4789 };

	pkt_ipv4(w, &s, 150);
}

static void w_runt_other(struct pkt *w)
{
	static const __u8 d[6] = { 0x52, 0x54, 0, 0, 0, 1 }, s[6] = { 0x52, 0x54, 0, 0, 0, 2 };

	pkt_eth(w, d, s, 0x88b5, 14);
}

/* The outer IPv4 header checksum made wrong, everything else left valid. */
static void w_outer_csum_bad(struct pkt *w)
{
	w->d[OUT_IP + 10] ^= 0x01;
}

/* The checksum left zero, as by a sender that does not compute it (1 if 0 was right). */
static void w_outer_csum_zero(struct pkt *w)
{
	pkt_put16(w->d + OUT_IP + 10, pkt_get16(w->d + OUT_IP + 10) ? 0 : 1);
}

/* A bit of an option word changed after the checksum was computed (o_options: 2 words). */
static void w_outer_option_changed(struct pkt *w)
{
	w->d[OUT_IP + PKT_IPV4_HLEN + 5] ^= 0x80;
}

/* The last option word of a 60-byte outer header changed after the checksum. */
static void w_outer_last_option_changed(struct pkt *w)
{
	w->d[OUT_IP + 60 - 2] ^= 0x01;
}

/* A TTL decremented without the checksum update (RFC 1624) a router would make. */
static void w_outer_ttl_no_csum_update(struct pkt *w)
{
	w->d[OUT_IP + 8]--;
}

/* ---- map tweaks, through the maps library ---- */

/* VM A1 is down: its port is gone, its CA is still recorded at our PA. */
static void tweak_a1_port_gone(struct host *h)
{
	cr_assert_eq(nv_port_del(&h->o.maps, h->port[H1_A1].ifindex, NULL), 0);
}

static void tweak_a1_no_devmap(struct host *h)
{
	__u32 ifindex = h->port[H1_A1].ifindex;

	cr_assert_eq(bpf_map_delete_elem(h->o.maps.fd[NV_MAP_TX_PORTS], &ifindex), 0);
}

/* HNV's GatewayWildcard of tenant A: CA 0.0.0.0 at a gateway's PA (PA_FOREIGN), in VSID_A. */
static void tweak_wildcard_a(struct host *h)
{
	cr_assert_eq(host_record_add(h, VSID_A, 0, PA_FOREIGN, MAC_UNKNOWN), 0);
}

/* The same, in tenant A's other subnet (VSID_A2). */
static void tweak_wildcard_a2(struct host *h)
{
	cr_assert_eq(host_record_add(h, VSID_A2, 0, PA_FOREIGN, MAC_UNKNOWN), 0);
}

/* A customer route 10.5.0.0/16 of tenant A via A1 (a port of host 1, VSID_A). */
static void tweak_route_via_a1(struct host *h)
{
	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_1, 0, 10);
}

/* The same via A5 (a port of host 1, VSID_A2). */
static void tweak_route_via_a5(struct host *h)
{
	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_5, 0, 10);
}

/* Tenant A's default route via A1. */
static void tweak_default_via_a1(struct host *h)
{
	route_a(h, 0, 0, CA_1, 0, 10);
}

#define EXTERNAL PKT_IP4(198, 51, 100, 7) /* outside every record: behind a gateway */

#define BOTH(x) .xdp = x, .tc = x

const struct wire_case wire_cases[] = {
	/* delivery */
	{ .name = "A -> A1, XDP delivery: decapsulated and redirected",
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "A -> A1, TC delivery: metadata hand-over", BOTH(W_DELIVER) },
	{ .name = "B -> B1 (same CA/MAC as A1), XDP delivery",
	  .vsid = VSID_B,
	  .out_src = PA_2B,
	  .port = H1_B1,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "B -> B1 (same CA/MAC as A1), TC delivery",
	  .vsid = VSID_B,
	  .out_src = PA_2B,
	  .port = H1_B1,
	  BOTH(W_DELIVER) },
	{ .name = "A -> A3, XDP delivery",
	  .in_dst = CA_3,
	  .in_dmac = MAC_3_INIT,
	  .port = H1_A3,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "A -> A3, TC delivery",
	  .in_dst = CA_3,
	  .in_dmac = MAC_3_INIT,
	  .port = H1_A3,
	  BOTH(W_DELIVER) },
	{ .name = "TCP inner, XDP delivery",
	  .proto = PKT_IPPROTO_TCP,
	  .len = 400,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "ICMP inner, TC delivery",
	  .proto = PKT_IPPROTO_ICMP,
	  .len = 98,
	  BOTH(W_DELIVER) },
	{ .name = "1514-byte inner frame, XDP delivery",
	  .len = 1514,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "outer IPv4 options, XDP delivery",
	  .outer = o_options,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "outer IPv4 options, TC delivery", .outer = o_options, BOTH(W_DELIVER) },
	{ .name = "outer IHL 15 (40 bytes of options), TC delivery",
	  .outer = o_options_max,
	  BOTH(W_DELIVER) },
	{ .name = "any FlowID, outer TOS, TTL 1 and ID accepted",
	  .outer = o_odd_fields,
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "outer DF clear accepted", .outer = o_no_df, BOTH(W_DELIVER) },
	{ .name = "TC delivery to a veth port: NV_LOCAL_PEER handed over",
	  .port_flags = NV_PORT_F_PEER,
	  BOTH(W_DELIVER) },
	{ .name = "B: TC delivery to a veth port",
	  .vsid = VSID_B,
	  .out_src = PA_2B,
	  .port = H1_B1,
	  .port_flags = NV_PORT_F_PEER,
	  BOTH(W_DELIVER) },
	{ .name = "XDP delivery to a port with NV_PORT_F_PEER",
	  .deliver = NV_DELIVER_XDP,
	  .port_flags = NV_PORT_F_PEER,
	  BOTH(W_DELIVER) },

	/* not ours: passed untouched, nothing counted */
	{ .name = "pass: ARP on the underlay", .wire = w_arp, BOTH(W_PASS) },
	{ .name = "pass: IPv6 on the underlay", .wire = w_ipv6, BOTH(W_PASS) },
	{ .name = "pass: UDP to the local PA", .wire = w_udp_to_pa, BOTH(W_PASS) },
	{ .name = "pass: 14-byte frame of another ethertype", .wire = w_runt_other, BOTH(W_PASS) },
	{ .name = "pass: NVGRE to a PA that is not local", .out_dst = PA_FOREIGN, BOTH(W_PASS) },
	{ .name = "pass: NVGRE to host 2's PA", .out_dst = PA_2A, BOTH(W_PASS) },
	{ .name = "pass: NVGRE inside an outer 802.1Q tag", .outer = o_vlan, BOTH(W_PASS) },
	{ .name = "pass: bad outer checksum to a PA that is not local (the stack's to judge)",
	  .out_dst = PA_FOREIGN,
	  .wire = w_outer_csum_bad,
	  BOTH(W_PASS) },

	/* drops */
	{ .name = "TRUNCATED: IPv4 frame shorter than its header",
	  .wire = w_cut_30,
	  .xdp = W_DROP(TRUNCATED),
	  .tc = W_REFUSED },
	{ .name = "TRUNCATED: outer total length beyond the frame",
	  .wire = w_totlen_plus_1,
	  BOTH(W_DROP(TRUNCATED)) },
	{ .name = "TRUNCATED: outer total length too small for the inner headers",
	  .wire = w_totlen_too_small,
	  BOTH(W_DROP(TRUNCATED)) },
	{ .name = "TRUNCATED: inner total length beyond what the outer carries",
	  .inner = i_totlen_plus_1,
	  BOTH(W_DROP(TRUNCATED)) },
	{ .name = "MALFORMED: outer IHL 4", .wire = w_outer_ihl_4, BOTH(W_DROP(MALFORMED)) },
	{ .name = "MALFORMED: outer version 5",
	  .wire = w_outer_version_5,
	  BOTH(W_DROP(MALFORMED)) },
	{ .name = "MALFORMED: inner version 6 under the IPv4 ethertype",
	  .inner = i_version_6,
	  BOTH(W_DROP(MALFORMED)) },
	{ .name = "MALFORMED: inner IHL 3", .inner = i_ihl_3, BOTH(W_DROP(MALFORMED)) },
	{ .name = "MALFORMED: inner total length shorter than its header",
	  .inner = i_totlen_below_ihl,
	  BOTH(W_DROP(MALFORMED)) },
	{ .name = "OUTER_CSUM: header checksum off by one bit",
	  .wire = w_outer_csum_bad,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_CSUM: header checksum zero",
	  .wire = w_outer_csum_zero,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_CSUM: TTL changed without updating the checksum",
	  .wire = w_outer_ttl_no_csum_update,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_CSUM: an option changed after the checksum (options are summed)",
	  .outer = o_options,
	  .wire = w_outer_option_changed,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_CSUM: the last option word of IHL 15 changed",
	  .outer = o_options_max,
	  .wire = w_outer_last_option_changed,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_CSUM: bad checksum on a frame of an unknown VSID",
	  .vsid = VSID_UNKNOWN,
	  .wire = w_outer_csum_bad,
	  BOTH(W_DROP(OUTER_CSUM)) },
	{ .name = "OUTER_FRAGMENT: more-fragments set",
	  .outer = o_mf,
	  BOTH(W_DROP(OUTER_FRAGMENT)) },
	{ .name = "OUTER_FRAGMENT: fragment offset 185",
	  .outer = o_frag_offset,
	  BOTH(W_DROP(OUTER_FRAGMENT)) },
	{ .name = "GRE_FLAGS: no key bit", .outer = o_gre_no_key, BOTH(W_DROP(GRE_FLAGS)) },
	{ .name = "GRE_FLAGS: checksum bit", .outer = o_gre_csum, BOTH(W_DROP(GRE_FLAGS)) },
	{ .name = "GRE_FLAGS: sequence bit", .outer = o_gre_seq, BOTH(W_DROP(GRE_FLAGS)) },
	{ .name = "GRE_FLAGS: version 1", .outer = o_gre_version_1, BOTH(W_DROP(GRE_FLAGS)) },
	{ .name = "GRE_PROTO: 0x0800 instead of 0x6558",
	  .outer = o_gre_proto_ip,
	  BOTH(W_DROP(GRE_PROTO)) },
	{ .name = "VSID_RANGE: VSID 0", .outer = o_vsid_0, BOTH(W_DROP(VSID_RANGE)) },
	{ .name = "VSID_RANGE: VSID 4095", .outer = o_vsid_4095, BOTH(W_DROP(VSID_RANGE)) },
	{ .name = "VSID_RANGE: VSID 0xffffff", .outer = o_vsid_ffffff, BOTH(W_DROP(VSID_RANGE)) },
	{ .name = "VSID_UNKNOWN: valid VSID with no subnet",
	  .vsid = VSID_UNKNOWN,
	  BOTH(W_DROP(VSID_UNKNOWN)) },
	{ .name = "VSID_UNKNOWN: from our own PA, a CA that is ours in tenant A",
	  .vsid = VSID_UNKNOWN,
	  .out_src = PA_1,
	  .in_src = CA_3,
	  .in_smac = MAC_3_INIT,
	  BOTH(W_DROP(VSID_UNKNOWN)) },
	/* An unknown VSID is noticed only for lack of a source record: a bad inner frame first. */
	{ .name = "INNER_VLAN: tagged inner frame of an unknown VSID",
	  .vsid = VSID_UNKNOWN,
	  .inner = i_vlan,
	  BOTH(W_DROP(INNER_VLAN)) },
	{ .name = "INNER_ETHERTYPE: inner IPv6 of an unknown VSID",
	  .vsid = VSID_UNKNOWN,
	  .inner = i_ipv6,
	  BOTH(W_DROP(INNER_ETHERTYPE)) },
	{ .name = "MALFORMED: inner IHL 3 of an unknown VSID",
	  .vsid = VSID_UNKNOWN,
	  .inner = i_ihl_3,
	  BOTH(W_DROP(MALFORMED)) },
	{ .name = "TRUNCATED: inner total length beyond the outer one, unknown VSID",
	  .vsid = VSID_UNKNOWN,
	  .inner = i_totlen_plus_1,
	  BOTH(W_DROP(TRUNCATED)) },
	{ .name = "INNER_VLAN: 802.1Q tag", .inner = i_vlan, BOTH(W_DROP(INNER_VLAN)) },
	{ .name = "INNER_VLAN: 802.1ad tag", .inner = i_qinq, BOTH(W_DROP(INNER_VLAN)) },
	{ .name = "INNER_ETHERTYPE: ARP", .inner = i_arp, BOTH(W_DROP(INNER_ETHERTYPE)) },
	{ .name = "INNER_ETHERTYPE: IPv6", .inner = i_ipv6, BOTH(W_DROP(INNER_ETHERTYPE)) },
	{ .name = "SRC_UNKNOWN: inner source CA without a record",
	  .in_src = CA_UNKNOWN,
	  .in_smac = MAC_UNKNOWN_INIT,
	  BOTH(W_DROP(SRC_UNKNOWN)) },
	{ .name = "SRC_PA: tenant A CA sent from tenant B's PA",
	  .out_src = PA_2B,
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_PA: tenant B CA sent from tenant A's PA",
	  .vsid = VSID_B,
	  .port = H1_B1,
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_PA: a remote CA claimed from our own PA",
	  .out_src = PA_1,
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_PA: a CA of host 1 claimed from host 2's PA",
	  .in_src = CA_3,
	  .in_smac = MAC_3_INIT,
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_LOCAL: A3, a CA of this host, from our own PA",
	  .out_src = PA_1,
	  .in_src = CA_3,
	  .in_smac = MAC_3_INIT,
	  BOTH(W_DROP(SRC_LOCAL)) },
	{ .name = "SRC_LOCAL: B1 (same CA/MAC as A1) to itself, from our own PA",
	  .vsid = VSID_B,
	  .out_src = PA_1,
	  .in_src = CA_1,
	  .in_smac = MAC_1_INIT,
	  BOTH(W_DROP(SRC_LOCAL)) },
	{ .name = "SRC_LOCAL: a CA at our PA without a port, from our own PA",
	  .out_src = PA_1,
	  .in_src = CA_4,
	  .in_smac = MAC_4_INIT,
	  .tweak = tweak_a4_local_record_no_port,
	  BOTH(W_DROP(SRC_LOCAL)) },
	{ .name = "SRC_MAC: inner source MAC is not the CA's",
	  .in_smac = MAC_3_INIT,
	  BOTH(W_DROP(SRC_MAC)) },
	{ .name = "NOT_LOCAL: inner destination is a remote CA",
	  .in_dst = CA_2,
	  .in_dmac = MAC_2_INIT,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "NOT_LOCAL: inner destination without a record",
	  .in_dst = CA_UNKNOWN,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "NOT_LOCAL: B's CA 10.0.0.3 does not exist (A's does)",
	  .vsid = VSID_B,
	  .out_src = PA_2B,
	  .in_dst = CA_3,
	  .in_dmac = MAC_3_INIT,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "NOT_LOCAL: destination CA at our PA whose port is gone (VM down)",
	  .tweak = tweak_a1_port_gone,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "NOT_LOCAL: destination CA at our PA, never bound to a port",
	  .in_dst = CA_4,
	  .in_dmac = MAC_4_INIT,
	  .tweak = tweak_a4_local_record_no_port,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "NOT_LOCAL: destination CA moved to host 2, its old port still here",
	  .tweak = tweak_a1_record_remote,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "DST_MAC: inner destination MAC of another VM",
	  .in_dmac = MAC_3_INIT,
	  BOTH(W_DROP(DST_MAC)) },
	{ .name = "DST_MAC: inner broadcast destination",
	  .in_dmac = MAC_BCAST_INIT,
	  BOTH(W_DROP(DST_MAC)) },
	/* routed frames: the sending host's router put the key VSID's gateway MAC as source */
	{ .name = "routed: A6 (5002) -> A1 in key 5001, from 5001's gateway MAC, TC delivery",
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  BOTH(W_DELIVER) },
	{ .name = "routed: A6 (5002) -> A1 in key 5001, XDP delivery",
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .deliver = NV_DELIVER_XDP,
	  BOTH(W_DELIVER) },
	{ .name = "routed: A2 (5001) -> A5 in key 5002",
	  .vsid = VSID_A2,
	  .in_smac = MAC_GW_INIT(VSID_A2),
	  .in_dst = CA_5,
	  .in_dmac = MAC_5_INIT,
	  .port = H1_A5,
	  BOTH(W_DELIVER) },
	{ .name = "routed in its own subnet: A2 -> A1 from 5001's gateway MAC",
	  .in_smac = MAC_GW_INIT(VSID_A),
	  BOTH(W_DELIVER) },
	{ .name = "routed to a customer route's next hop: 10.5.0.7 via A1",
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .in_dst = PKT_IP4(10, 5, 0, 7),
	  .tweak = tweak_route_via_a1,
	  BOTH(W_DELIVER) },
	{ .name = "NOT_LOCAL: multicast 224.0.0.1 is not carried by the default route via A1",
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .in_dst = PKT_IP4(224, 0, 0, 1),
	  .tweak = tweak_default_via_a1,
	  BOTH(W_DROP(NOT_LOCAL)) },
	{ .name = "routed by the default route via A1: 10.9.9.9",
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .in_dst = PKT_IP4(10, 9, 9, 9),
	  .tweak = tweak_default_via_a1,
	  BOTH(W_DELIVER) },
	{ .name = "wildcard: an external source from the gateway's PA, gateway MAC",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DELIVER) },
	{ .name = "wildcard: the gateway in the key VSID sends with its own MAC",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_UNKNOWN_INIT,
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DELIVER) },
	{ .name = "wildcard in 5002: external source into 5001 from the gateway MAC of 5001",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_wildcard_a2,
	  BOTH(W_DELIVER) },
	{ .name = "ROUTED_SRC_MAC: A6 into 5001 with its own MAC (only a router may cross)",
	  .in_src = CA_6,
	  .in_smac = MAC_6_INIT,
	  BOTH(W_DROP(ROUTED_SRC_MAC)) },
	{ .name = "ROUTED_SRC_MAC: A6 into 5001 with 5002's gateway MAC",
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_A2),
	  BOTH(W_DROP(ROUTED_SRC_MAC)) },
	{ .name = "ROUTED_SRC_MAC: external source with a VM's MAC",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DROP(ROUTED_SRC_MAC)) },
	{ .name = "ROUTED_SRC_MAC: wildcard in 5002, its own MAC into 5001",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_UNKNOWN_INIT,
	  .tweak = tweak_wildcard_a2,
	  BOTH(W_DROP(ROUTED_SRC_MAC)) },
	{ .name = "SRC_PA: routed A6 with the gateway MAC from B's PA (forged)",
	  .out_src = PA_2B,
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_PA: routed A6 from a PA of no host",
	  .out_src = PA_FOREIGN,
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DROP(SRC_PA)) },
	{ .name = "SRC_LOCAL: routed A5, a CA of this host, from our own PA",
	  .out_src = PA_1,
	  .in_src = CA_5,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  BOTH(W_DROP(SRC_LOCAL)) },
	{ .name = "SRC_UNKNOWN: A6's CA in B's key (another routing domain)",
	  .vsid = VSID_B,
	  .in_src = CA_6,
	  .in_smac = MAC_GW_INIT(VSID_B),
	  .port = H1_B1,
	  BOTH(W_DROP(SRC_UNKNOWN)) },
	{ .name = "SRC_UNKNOWN: external source, the RDID has no wildcard",
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  BOTH(W_DROP(SRC_UNKNOWN)) },
	{ .name = "SRC_UNKNOWN: A's wildcard does not let sources into B",
	  .vsid = VSID_B,
	  .out_src = PA_FOREIGN,
	  .in_src = EXTERNAL,
	  .in_smac = MAC_GW_INIT(VSID_B),
	  .port = H1_B1,
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DROP(SRC_UNKNOWN)) },
	{ .name = "GATEWAY_PA: external source from a tenant host's PA, not the gateway's",
	  .in_src = EXTERNAL,
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_wildcard_a,
	  BOTH(W_DROP(GATEWAY_PA)) },
	{ .name = "NOT_LOCAL: a route's next hop in 5002 is not a destination of key 5001",
	  .in_smac = MAC_GW_INIT(VSID_A),
	  .in_dst = PKT_IP4(10, 5, 0, 7),
	  .in_dmac = MAC_5_INIT,
	  .tweak = tweak_route_via_a5,
	  BOTH(W_DROP(NOT_LOCAL)) },
	/* wire_tc delivers with bpf_redirect and never looks at the devmap. */
	{ .name = "REDIRECT: XDP port without its devmap entry",
	  .deliver = NV_DELIVER_XDP,
	  .tweak = tweak_a1_no_devmap,
	  .xdp = W_DROP(REDIRECT),
	  .tc = W_DELIVER },
};

const size_t wire_cases_n = sizeof(wire_cases) / sizeof(wire_cases[0]);

ParameterizedTestParameters(from_wire, cases)
{
	return case_indices(wire_cases_n);
}

ParameterizedTest(size_t *idx, from_wire, cases, .init = setup, .fini = teardown)
{
	wire_case_run(&h1, &wire_cases[*idx], true);
}

/* ---- truncation: every length short of the whole frame, for both delivery modes ---- */

Test(from_wire, truncation_never_delivers, .init = setup, .fini = teardown)
{
	static const __u8 modes[] = { NV_DELIVER_XDP, NV_DELIVER_TC };
	const struct wire_case c = { .name = "A -> A1" }, c_opt = { .name = "A -> A1, options",
								    .outer = o_options,
								    .proto = PKT_IPPROTO_TCP };
	struct pkt wire, inner;

	for (size_t m = 0; m < sizeof(modes); m++) {
		cr_assert_eq(host_port_rebind(&h1, H1_A1, modes[m], 0), 0);
		wire_case_build(&c, &wire, &inner);
		wire_truncation_sweep(&h1, &wire, true, c.name);
		wire_case_build(&c_opt, &wire, &inner);
		wire_truncation_sweep(&h1, &wire, true, c_opt.name);
	}
}

Test(from_wire, test_run_refuses_runts, .init = setup, .fini = teardown)
{
	wire_runts(&h1, true);
}
