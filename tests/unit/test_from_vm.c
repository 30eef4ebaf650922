/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_from_vm through BPF_PROG_TEST_RUN: every frame a VM can send, from the port's TC ingress of
 * host 1. Encapsulation is checked field by field against RFC 7637 by the independent decoder of
 * lib/pkt.c; ARP replies field by field; counters exactly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_addr.h"
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

/* ---- map and device tweaks ---- */

static void tweak_ttl_7(struct host *h)
{
	cr_assert_eq(host_config(h, h->underlay, 7, h->pa), 0);
}

static void tweak_no_underlay(struct host *h)
{
	cr_assert_eq(host_config(h, 0, 0, h->pa), 0);
}

static void tweak_no_pa(struct host *h)
{
	cr_assert_eq(host_config(h, h->underlay, 0, 0), 0);
}

/* Host 1 gets a second PA, 192.0.2.4, and makes it the config PA: A1's CA is still at PA_1. */
static void tweak_config_pa_1b(struct host *h)
{
	cr_assert_eq(host_local_pa_add(h, PA_1B), 0);
	cr_assert_eq(host_config(h, h->underlay, 0, PA_1B), 0);
}

/* A1's CA moves to host 1's second PA: A1 now sends from there. */
static void tweak_a1_record_at_pa_1b(struct host *h)
{
	cr_assert_eq(host_local_pa_add(h, PA_1B), 0);
	cr_assert_eq(host_record_move(h, VSID_A, CA_1, PA_1B), 0);
}

/* The same, the other way round: the record names 192.0.2.4 before it is a PA of host 1. */
static void tweak_a1_record_then_pa_1b(struct host *h)
{
	cr_assert_eq(host_record_move(h, VSID_A, CA_1, PA_1B), 0);
	cr_assert_eq(host_local_pa_add(h, PA_1B), 0);
}

/* Unbound A1: no record for its CA. */
static void tweak_a1_no_record(struct host *h)
{
	struct nv_record_key k = { .vsid = VSID_A };

	nv_addr_from_ipv4(&k.ca, CA_1);
	cr_assert_eq(nv_record_del(&h->o.maps, &k, NULL), 0);
}

/* Unbound A1: host 1 gives up PA_1 (the config PA moves to a second PA first). */
static void tweak_pa_1_gone(struct host *h)
{
	tweak_config_pa_1b(h);
	cr_assert_eq(host_local_pa_del(h, PA_1), 0);
}

/* VM A3 is down: its port is gone, its CA is still recorded at our PA. */
static void tweak_a3_port_gone(struct host *h)
{
	cr_assert_eq(nv_port_del(&h->o.maps, h->port[H1_A3].ifindex, NULL), 0);
}

static void tweak_mtu_1500(struct host *h)
{
	cr_assert_eq(fixture_set_mtu(h->ul_name, 1500), 0);
}

static void tweak_a1_no_record_mtu_1500(struct host *h)
{
	tweak_a1_no_record(h);
	tweak_mtu_1500(h);
}

static void tweak_mtu_1400(struct host *h)
{
	cr_assert_eq(fixture_set_mtu(h->ul_name, 1400), 0);
}

static void tweak_mtu_9000(struct host *h)
{
	cr_assert_eq(fixture_set_mtu(h->ul_name, 9000), 0);
}

/* Underlay MTU 1500, and A1's ICMP token bucket: credit_ns left at its last error, age_ns ago. */
static void pmtu_bucket(struct host *h, __u64 age_ns, __u64 credit_ns)
{
	cr_assert_eq(fixture_set_mtu(h->ul_name, 1500), 0);
	cr_assert_eq(fixture_pmtu_bucket_set(h->o.maps.fd[NV_MAP_PMTU_BUCKETS],
					     h->port[H1_A1].ifindex, age_ns, credit_ns),
		     0);
}

/* Spent just now: less than one error's credit (10 ms). */
static void tweak_pmtu_bucket_empty(struct host *h)
{
	pmtu_bucket(h, 0, 0);
}

/* Spent 20 ms ago: two errors' worth has come back since. */
static void tweak_pmtu_bucket_refilled(struct host *h)
{
	pmtu_bucket(h, 20000000, 0);
}

/* Deliberate inconsistencies the maps library never writes: raw map updates. */
static void set_record_ifindex(struct host *h, __u32 vsid, __be32 ca, __u32 ifindex)
{
	struct nv_record_key k = { .vsid = vsid };
	struct nv_record r;

	nv_addr_from_ipv4(&k.ca, ca);
	cr_assert_eq(nv_record_get(&h->o.maps, &k, &r), 0);
	r.ifindex = ifindex;
	cr_assert_eq(bpf_map_update_elem(h->o.maps.fd[NV_MAP_RECORDS], &k, &r, BPF_EXIST), 0);
}

static void tweak_a3_record_to_b1(struct host *h)
{
	set_record_ifindex(h, VSID_A, CA_3, h->port[H1_B1].ifindex);
}

static void tweak_a3_record_to_vm_end(struct host *h)
{
	set_record_ifindex(h, VSID_A, CA_3, h->port[H1_A3].vm_ifindex);
}

/* A CA of tenant A behind an IPv6 PA: this datapath's underlay is IPv4 only. */
static void tweak_a4_ipv6_pa(struct host *h)
{
	struct nv_record_key k = { .vsid = VSID_A };
	struct nv_record r = { .mac = MAC_4_INIT, .rule = NV_RULE_ENCAP };

	nv_addr_from_ipv4(&k.ca, CA_4);
	cr_assert_eq(nv_addr_parse("2001:db8::4", &r.pa), 0);
	cr_assert_eq(nv_record_add(&h->o.maps, &k, &r, NULL), 0);
}

static void tweak_a3_port_rdid_b(struct host *h)
{
	__u32 ifindex = h->port[H1_A3].ifindex;
	struct nv_port p;

	cr_assert_eq(nv_port_get(&h->o.maps, ifindex, &p), 0);
	p.rdid = RDID_B;
	cr_assert_eq(bpf_map_update_elem(h->o.maps.fd[NV_MAP_PORTS], &ifindex, &p, BPF_EXIST), 0);
}

/* ---- the router's state ---- */

/* 10.5.0.0/16 via A6 (VSID 5002), 10.5.1.0/24 via A2 (VSID 5001): the longer prefix wins. */
static void tweak_routes_lpm(struct host *h)
{
	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_6, 0, 10);
	route_a(h, PKT_IP4(10, 5, 1, 0), 24, CA_2, 0, 100);
}

/* 10.5.0.0/16 via A6 (metric 10) and via A2 (metric 5): the lower metric wins. */
static void tweak_routes_metric(struct host *h)
{
	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_6, 0, 10);
	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_2, 0, 5);
}

/* 10.5.0.0/16 via A6, then A6's record goes (the route stays). */
static void tweak_route_nexthop_gone(struct host *h)
{
	struct nv_record_key k = { .vsid = VSID_A2 };

	route_a(h, PKT_IP4(10, 5, 0, 0), 16, CA_6, 0, 10);
	nv_addr_from_ipv4(&k.ca, CA_6);
	cr_assert_eq(nv_record_del(&h->o.maps, &k, NULL), 0);
}

/* Tenant A's default route towards a gateway VM: 0.0.0.0/0 via A2. */
static void tweak_default_via_a2(struct host *h)
{
	route_a(h, 0, 0, CA_2, 0, 10);
}

/* HNV's GatewayWildcard: tenant A's CA 0.0.0.0 at a gateway's PA, the default route on-link. */
static void tweak_default_to_wildcard(struct host *h)
{
	cr_assert_eq(host_record_add(h, VSID_A, 0, PA_FOREIGN, MAC_UNKNOWN), 0);
	route_a(h, 0, 0, 0, VSID_A, 10);
}

/* This second's ICMP errors are spent, on every CPU. */
static void tweak_icmp_rate_spent(struct host *h)
{
	cr_assert_eq(fixture_icmp_budget_spend(h->o.maps.fd[NV_MAP_ICMP_STATE]), 0);
}

/* ---- frame mutations ---- */

/*
 * An IPv4 identification that makes the header checksum 0xffxx: the router's incremental update
 * (+0x0100 for TTL - 1) then carries, which RFC 1141's end-around fold must add back.
 */
static void m_ip_csum_carry(struct pkt *p)
{
	__u8 *ip = p->d + PKT_OFF_IP;

	for (__u32 id = 0; id <= 0xffff; id++) {
		pkt_put16(ip + 4, (__u16)id);
		pkt_put16(ip + 10, 0);
		pkt_put16(ip + 10, pkt_csum(ip, (ip[0] & 0xf) * 4, 0));
		if (pkt_get16(ip + 10) >= 0xff00)
			return;
	}
	cr_assert_fail("no IPv4 id gives a checksum of 0xffxx");
}

/* TTL 0 (a frame_spec cannot say 0: it means the default), header checksum fixed. */
static void m_ip_ttl_0(struct pkt *p)
{
	__u8 *ip = p->d + PKT_OFF_IP;

	ip[8] = 0;
	pkt_put16(ip + 10, 0);
	pkt_put16(ip + 10, pkt_csum(ip, (ip[0] & 0xf) * 4, 0));
}

static void m_pad_60(struct pkt *p)
{
	pkt_pad(p, 60);
}

static void m_cut_40(struct pkt *p)
{
	p->len = 40;
}

static void m_ip_totlen_plus_1(struct pkt *p)
{
	__u8 *ip = p->d + PKT_OFF_IP;

	pkt_put16(ip + 2, pkt_get16(ip + 2) + 1);
	frame_fix_ip_csum(ip);
}

static void m_ip_version_6(struct pkt *p)
{
	p->d[PKT_OFF_IP] = 0x65;
}

static void m_ip_ihl_4(struct pkt *p)
{
	p->d[PKT_OFF_IP] = 0x44;
}

static void set_ip_totlen(struct pkt *p, __u16 tot_len)
{
	__u8 *ip = p->d + PKT_OFF_IP;

	pkt_put16(ip + 2, tot_len);
	frame_fix_ip_csum(ip);
}

/* Total lengths around the header length (20, or 32 with 3 option words). */
static void m_ip_totlen_19(struct pkt *p)
{
	set_ip_totlen(p, 19);
}

static void m_ip_totlen_0(struct pkt *p)
{
	set_ip_totlen(p, 0);
}

static void m_ip_totlen_20(struct pkt *p)
{
	set_ip_totlen(p, 20);
}

static void m_ip_totlen_31(struct pkt *p)
{
	set_ip_totlen(p, 31);
}

static void m_ip_totlen_32(struct pkt *p)
{
	set_ip_totlen(p, 32);
}

static void m_vlan(struct pkt *p)
{
	pkt_vlan_push(p, PKT_ETH_P_8021Q, 100);
}

static void m_arp_spa_zero(struct pkt *p)
{
	memset(p->d + PKT_OFF_ARP_SPA, 0, 4);
}

static void m_arp_sha_other(struct pkt *p)
{
	memcpy(p->d + PKT_OFF_ARP_SHA, MAC_3, 6);
}

static void m_arp_htype_6(struct pkt *p)
{
	pkt_put16(p->d + PKT_OFF_ARP_HTYPE, 6);
}

static void m_arp_ptype_ipv6(struct pkt *p)
{
	pkt_put16(p->d + PKT_OFF_ARP_PTYPE, PKT_ETH_P_IPV6);
}

static void m_arp_hlen_8(struct pkt *p)
{
	p->d[PKT_OFF_ARP_HLEN] = 8;
}

static void m_arp_plen_16(struct pkt *p)
{
	p->d[PKT_OFF_ARP_PLEN] = 16;
}

/* Target 0.0.0.0: the key of a gateway wildcard record, not a host. */
static void m_arp_tpa_zero(struct pkt *p)
{
	memset(p->d + PKT_OFF_ARP_TPA, 0, 4);
}

/* Destination 0.0.0.0 (the header checksum made right again). */
static void m_ip_dst_zero(struct pkt *p)
{
	__u8 *ip = p->d + PKT_OFF_IP;

	memset(ip + 16, 0, 4);
	pkt_put16(ip + 10, 0);
	pkt_put16(ip + 10, pkt_csum(ip, (ip[0] & 0xf) * 4, 0));
}

/* clang-format off */
#define MAC_MCAST_V4 { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }
#define MAC_MCAST_V6 { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }
/* clang-format on */

/* Every accept rule and every drop reason nv_from_vm can reach. */
const struct vm_case vm_cases[] = {
	/* encapsulation to the remote host */
	{ .name = "A: UDP to remote CA -> NVGRE to 192.0.2.2, VSID 5001", ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: TCP to remote CA -> NVGRE",
	  .proto = PKT_IPPROTO_TCP,
	  .len = 300,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: ICMP echo to remote CA -> NVGRE",
	  .proto = PKT_IPPROTO_ICMP,
	  .len = 98,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "B: same CA and MAC as A -> NVGRE to 192.0.2.3, VSID 6001",
	  .port = H1_B1,
	  ENCAP_TO(PA_2B, VSID_B) },
	{ .name = "A: 60-byte padded frame: inner frame kept with its padding",
	  .len = 42,
	  .mutate = m_pad_60,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: 1514-byte frame", .len = 1514, ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: inner IPv4 options", .opt_words = 3, ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: DSCP EF, Not-ECT -> outer tos copied", .tos = 0xb8, ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: DSCP AF41, ECT(1) -> ECN copied", .tos = 0x89, ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: DSCP CS1, ECT(0) -> ECN copied", .tos = 0x22, ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: DSCP EF, CE -> CE copied (RFC 6040 4.1 normal mode)",
	  .tos = 0xbb,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: config TTL 7 -> outer TTL 7",
	  .tweak = tweak_ttl_7,
	  .ttl = 7,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: outer source is A1's PA, not the config PA (192.0.2.4)",
	  .tweak = tweak_config_pa_1b,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: config without a PA: encapsulated from A1's PA all the same",
	  .tweak = tweak_no_pa,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: A1's CA recorded at host 1's second PA -> outer source 192.0.2.4",
	  .tweak = tweak_a1_record_at_pa_1b,
	  .src_pa = PA_1B,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: A1's record names 192.0.2.4, then host 1 gets it -> outer source 192.0.2.4",
	  .tweak = tweak_a1_record_then_pa_1b,
	  .src_pa = PA_1B,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: IPv4 total length equal to the header length (no payload) -> NVGRE",
	  .mutate = m_ip_totlen_20,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: IPv4 options, total length equal to IHL 8 -> NVGRE",
	  .opt_words = 3,
	  .mutate = m_ip_totlen_32,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "A: 1472-byte frame fits an underlay MTU of 1500 exactly",
	  .len = 1472,
	  .tweak = tweak_mtu_1500,
	  ENCAP_TO(PA_2A, VSID_A) },

	/* same-host delivery */
	{ .name = "A1 -> A3 on the same host: delivered as is",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  DELIVERED(VSID_A) },
	{ .name = "A3 -> A1 on the same host: delivered as is",
	  .port = H1_A3,
	  .daddr = CA_1,
	  .dmac = MAC_1_INIT,
	  .proto = PKT_IPPROTO_TCP,
	  DELIVERED(VSID_A) },

	/* ARP responder */
	{ .name = "ARP request for the remote CA answered with its MAC",
	  .kind = VF_ARP,
	  ARP_REPLY(MAC_2) },
	{ .name = "ARP request for a local CA answered",
	  .kind = VF_ARP,
	  .daddr = CA_3,
	  ARP_REPLY(MAC_3) },
	{ .name = "ARP probe (sender 0.0.0.0) answered",
	  .kind = VF_ARP,
	  .mutate = m_arp_spa_zero,
	  ARP_REPLY(MAC_2) },
	{ .name = "unicast ARP request (cache refresh) answered",
	  .kind = VF_ARP,
	  .dmac = MAC_2_INIT,
	  ARP_REPLY(MAC_2) },
	{ .name = "B: ARP request for 10.0.0.2 answered from B's records",
	  .kind = VF_ARP,
	  .port = H1_B1,
	  ARP_REPLY(MAC_2) },

	/* drops */
	{ .name = "TRUNCATED: IPv4 total length beyond the frame",
	  .mutate = m_ip_totlen_plus_1,
	  VM_DROP(TRUNCATED) },
	{ .name = "TRUNCATED: ARP shorter than its body",
	  .kind = VF_ARP,
	  .mutate = m_cut_40,
	  VM_DROP(TRUNCATED) },
	{ .name = "MALFORMED: version 6 under the IPv4 ethertype",
	  .mutate = m_ip_version_6,
	  VM_DROP(MALFORMED) },
	{ .name = "MALFORMED: IHL 4", .mutate = m_ip_ihl_4, VM_DROP(MALFORMED) },
	{ .name = "MALFORMED: IPv4 total length 19, shorter than the header",
	  .mutate = m_ip_totlen_19,
	  VM_DROP(MALFORMED) },
	{ .name = "MALFORMED: IPv4 total length 0", .mutate = m_ip_totlen_0, VM_DROP(MALFORMED) },
	{ .name = "MALFORMED: IPv4 total length 31, shorter than IHL 8 (options)",
	  .opt_words = 3,
	  .mutate = m_ip_totlen_31,
	  VM_DROP(MALFORMED) },
	{ .name = "MALFORMED: short total length to a local CA (no delivery either)",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .mutate = m_ip_totlen_19,
	  VM_DROP(MALFORMED) },
	{ .name = "PORT_UNKNOWN: from the VM end of a veth (not a port)",
	  .from_vm_end = true,
	  VM_DROP(PORT_UNKNOWN) },
	{ .name = "PORT_UNKNOWN: from the underlay", .from_underlay = true, VM_DROP(PORT_UNKNOWN) },
	{ .name = "SPOOF_MAC: source MAC of another VM", .smac = MAC_3_INIT, VM_DROP(SPOOF_MAC) },
	{ .name = "SPOOF_MAC: ARP sender hardware address of another VM",
	  .kind = VF_ARP,
	  .mutate = m_arp_sha_other,
	  VM_DROP(SPOOF_MAC) },
	{ .name = "SPOOF_CA: source CA of another VM", .saddr = CA_3, VM_DROP(SPOOF_CA) },
	{ .name = "SPOOF_CA: ARP sender protocol address of another VM",
	  .kind = VF_ARP,
	  .saddr = CA_3,
	  VM_DROP(SPOOF_CA) },
	{ .name = "BROADCAST: IPv4 to ff:ff:ff:ff:ff:ff",
	  .dmac = MAC_BCAST_INIT,
	  VM_DROP(BROADCAST) },
	{ .name = "BROADCAST: IPv4 multicast MAC", .dmac = MAC_MCAST_V4, VM_DROP(BROADCAST) },
	{ .name = "BROADCAST: IPv6 multicast (ND, no IPv6 yet)",
	  .kind = VF_ETH,
	  .ethertype = PKT_ETH_P_IPV6,
	  .dmac = MAC_MCAST_V6,
	  VM_DROP(BROADCAST) },
	{ .name = "ARP_NOT_REQUEST: ARP reply",
	  .kind = VF_ARP,
	  .oper = 2,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_NOT_REQUEST: RARP request opcode",
	  .kind = VF_ARP,
	  .oper = 3,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_NOT_REQUEST: hardware type 6",
	  .kind = VF_ARP,
	  .mutate = m_arp_htype_6,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_NOT_REQUEST: protocol type IPv6",
	  .kind = VF_ARP,
	  .mutate = m_arp_ptype_ipv6,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_NOT_REQUEST: hardware length 8",
	  .kind = VF_ARP,
	  .mutate = m_arp_hlen_8,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_NOT_REQUEST: protocol length 16",
	  .kind = VF_ARP,
	  .mutate = m_arp_plen_16,
	  VM_DROP(ARP_NOT_REQUEST) },
	{ .name = "ARP_UNKNOWN: request for a CA with no record",
	  .kind = VF_ARP,
	  .daddr = CA_UNKNOWN,
	  VM_DROP(ARP_UNKNOWN) },
	{ .name = "ARP_UNKNOWN: B asks for 10.0.0.3, a CA of A only",
	  .kind = VF_ARP,
	  .port = H1_B1,
	  .daddr = CA_3,
	  VM_DROP(ARP_UNKNOWN) },
	{ .name = "ARP_UNKNOWN: request for 0.0.0.0 with the gateway wildcard record in the VSID",
	  .kind = VF_ARP,
	  .mutate = m_arp_tpa_zero,
	  .tweak = tweak_default_to_wildcard,
	  VM_DROP(ARP_UNKNOWN) },
	{ .name = "ARP_SELF: gratuitous ARP", .kind = VF_ARP, .daddr = CA_1, VM_DROP(ARP_SELF) },
	{ .name = "ARP_SELF: probe for the port's own CA",
	  .kind = VF_ARP,
	  .daddr = CA_1,
	  .mutate = m_arp_spa_zero,
	  VM_DROP(ARP_SELF) },
	{ .name = "ETHERTYPE: unicast IPv6",
	  .kind = VF_ETH,
	  .ethertype = PKT_ETH_P_IPV6,
	  VM_DROP(ETHERTYPE) },
	{ .name = "ETHERTYPE: 802.1Q-tagged IPv4", .mutate = m_vlan, VM_DROP(ETHERTYPE) },
	{ .name = "NO_RECORD: unknown destination CA", .daddr = CA_UNKNOWN, VM_DROP(NO_RECORD) },
	{ .name = "NO_RECORD: B to 10.0.0.3, a CA of A only",
	  .port = H1_B1,
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  VM_DROP(NO_RECORD) },
	{ .name = "DST_MAC: remote CA with another CA's MAC",
	  .dmac = MAC_3_INIT,
	  VM_DROP(DST_MAC) },
	{ .name = "DST_MAC: local CA with another CA's MAC",
	  .daddr = CA_3,
	  .dmac = MAC_2_INIT,
	  VM_DROP(DST_MAC) },
	{ .name = "NO_UNDERLAY: no underlay device in the config",
	  .tweak = tweak_no_underlay,
	  VM_DROP(NO_UNDERLAY) },
	{ .name = "NO_UNDERLAY: destination CA behind an IPv6 PA",
	  .daddr = CA_4,
	  .dmac = MAC_4_INIT,
	  .tweak = tweak_a4_ipv6_pa,
	  VM_DROP(NO_UNDERLAY) },
	{ .name = "PORT_UNBOUND: A1's CA has no record",
	  .tweak = tweak_a1_no_record,
	  VM_DROP(PORT_UNBOUND) },
	{ .name = "PORT_UNBOUND: A1's CA recorded at a remote PA",
	  .tweak = tweak_a1_record_remote,
	  VM_DROP(PORT_UNBOUND) },
	{ .name = "PORT_UNBOUND: A1's PA is no longer a PA of host 1",
	  .tweak = tweak_pa_1_gone,
	  VM_DROP(PORT_UNBOUND) },
	{ .name = "MTU: 1473-byte frame over an underlay MTU of 1500 -> frag needed, MTU 1458",
	  .len = 1473,
	  .tweak = tweak_mtu_1500,
	  FRAG_NEEDED(CA_2, MAC_2, 1458) },
	{ .name = "MTU: a TCP packet with IPv4 options too big, quoted with its options",
	  .len = 1600,
	  .proto = PKT_IPPROTO_TCP,
	  .opt_words = 3,
	  .tweak = tweak_mtu_1500,
	  FRAG_NEEDED(CA_2, MAC_2, 1458) },
	{ .name = "MTU: underlay MTU 9000 -> a 1600-byte frame fits",
	  .len = 1600,
	  .tweak = tweak_mtu_9000,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "MTU: underlay MTU 1400 -> frag needed naming 1358",
	  .len = 1400,
	  .tweak = tweak_mtu_1400,
	  FRAG_NEEDED(CA_2, MAC_2, 1358) },
	{ .name = "MTU: routed too big -> frag needed from the gateway, quoting the TTL as sent",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .len = 1473,
	  .tweak = tweak_mtu_1500,
	  FRAG_NEEDED(GW_A, MAC_GW_A, 1458) },
	{ .name = "MTU: TCP GSO, segments of 1419 bytes of payload -> frag needed",
	  .proto = PKT_IPPROTO_TCP,
	  .gso_size = 1419,
	  .len = 2900,
	  .tweak = tweak_mtu_1500,
	  FRAG_NEEDED(CA_2, MAC_2, 1458) },
	{ .name = "MTU: UDP GSO, segments of 1431 bytes of payload -> frag needed",
	  .gso_size = 1431,
	  .len = 2900,
	  .tweak = tweak_mtu_1500,
	  FRAG_NEEDED(CA_2, MAC_2, 1458) },
	/* A test run's GSO skb has no gso_type: adjust_room refuses it, after the MTU check. */
	{ .name = "MTU: TCP GSO, segments of 1418 bytes fit exactly (then refused by adjust_room)",
	  .proto = PKT_IPPROTO_TCP,
	  .gso_size = 1418,
	  .len = 2900,
	  .tweak = tweak_mtu_1500,
	  VM_DROP(ENCAP_FAILED) },
	{ .name = "MTU: UDP GSO, segments of 1430 bytes fit exactly (then refused by adjust_room)",
	  .gso_size = 1430,
	  .len = 2900,
	  .tweak = tweak_mtu_1500,
	  VM_DROP(ENCAP_FAILED) },
	{ .name = "MTU: too big for a CA of this host: delivered, no encapsulation",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .len = 1600,
	  .tweak = tweak_mtu_1500,
	  DELIVERED(VSID_A) },
	{ .name = "MTU_RATE: too big, the port's ICMP bucket empty",
	  .len = 1473,
	  .tweak = tweak_pmtu_bucket_empty,
	  VM_DROP(MTU_RATE) },
	{ .name = "MTU: the bucket refilled (20 ms since its last error) -> frag needed",
	  .len = 1473,
	  .tweak = tweak_pmtu_bucket_refilled,
	  FRAG_NEEDED(CA_2, MAC_2, 1458) },
	{ .name = "PORT_UNBOUND before MTU: an unbound port's big frame",
	  .len = 1473,
	  .tweak = tweak_a1_no_record_mtu_1500,
	  VM_DROP(PORT_UNBOUND) },
	{ .name = "ENCAP_FAILED: UDP GSO skb (no gso_type) refused by adjust_room",
	  .gso_size = 1000,
	  .len = 200,
	  VM_DROP(ENCAP_FAILED) },
	{ .name = "NOT_LOCAL: record points at a port of another VSID",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .tweak = tweak_a3_record_to_b1,
	  VM_DROP(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: record points at a device that is not a port",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .tweak = tweak_a3_record_to_vm_end,
	  VM_DROP(NOT_LOCAL) },
	/*
	 * nv_from_wire drops a frame for this CA as NOT_LOCAL; nv_from_vm must not encapsulate it
	 * to our own PA and send it out of the underlay instead.
	 */
	{ .name = "NOT_LOCAL: CA behind our own PA with no port, not sent to ourselves",
	  .daddr = CA_4,
	  .dmac = MAC_4_INIT,
	  .tweak = tweak_a4_local_record_no_port,
	  VM_DROP(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: local CA whose port is gone (VM down), not sent to ourselves",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .tweak = tweak_a3_port_gone,
	  VM_DROP(NOT_LOCAL) },
	{ .name = "RDID: destination port in another routing domain",
	  .daddr = CA_3,
	  .dmac = MAC_3_INIT,
	  .tweak = tweak_a3_port_rdid_b,
	  VM_DROP(RDID) },

	/* the distributed router: tenant A's subnets 10.0.0.0/24 (5001) and 10.0.1.0/24 (5002) */
	{ .name = "router: ARP for A's gateway 10.0.0.254 answered with its MAC",
	  .kind = VF_ARP,
	  .daddr = GW_A,
	  ARP_REPLY(MAC_GW_A) },
	{ .name = "router: ARP for B's gateway (same CA) answered with B's gateway MAC",
	  .kind = VF_ARP,
	  .port = H1_B1,
	  .daddr = GW_A,
	  ARP_REPLY(MAC_GW_B) },
	{ .name = "router: A5 (5002) asks for its gateway 10.0.1.254",
	  .kind = VF_ARP,
	  .port = H1_A5,
	  .daddr = GW_A2,
	  ARP_REPLY(MAC_GW_A2) },
	{ .name = "router: A1 -> A5 on this host: routed into 5002 and delivered",
	  .daddr = CA_5,
	  .dmac = MAC_GW_INIT(VSID_A),
	  ROUTED_HERE(VSID_A, 0, MAC_GW_A2, MAC_5) },
	{ .name = "router: A5 -> A1 on this host (TCP)",
	  .port = H1_A5,
	  .daddr = CA_1,
	  .dmac = MAC_GW_INIT(VSID_A2),
	  .proto = PKT_IPPROTO_TCP,
	  ROUTED_HERE(0, VSID_A, MAC_GW_A, MAC_1) },
	{ .name = "router: A1 -> A6 on host 2: NVGRE with the destination VSID 5002",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  ROUTED_TO(PA_2A, VSID_A2, VSID_A, MAC_GW_A2, MAC_6) },
	{ .name = "router: A1 -> A2 through the gateway MAC: routed in its own subnet",
	  .dmac = MAC_GW_INIT(VSID_A),
	  ROUTED_TO(PA_2A, VSID_A, VSID_A, MAC_GW_A, MAC_2) },
	{ .name = "router: TTL 2 leaves with TTL 1",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .ttl_in = 2,
	  ROUTED_TO(PA_2A, VSID_A2, VSID_A, MAC_GW_A2, MAC_6) },
	{ .name = "router: IPv4 options kept, checksum fixed",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .opt_words = 2,
	  ROUTED_TO(PA_2A, VSID_A2, VSID_A, MAC_GW_A2, MAC_6) },
	{ .name = "router: checksum 0xffxx: the update's carry folded back",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .mutate = m_ip_csum_carry,
	  ROUTED_TO(PA_2A, VSID_A2, VSID_A, MAC_GW_A2, MAC_6) },
	{ .name = "router: bridged with TTL 1 is not routed: sent as is",
	  .ttl_in = 1,
	  ENCAP_TO(PA_2A, VSID_A) },
	{ .name = "router: longest prefix: 10.5.1.9 by the /24 via A2, despite its metric",
	  .daddr = PKT_IP4(10, 5, 1, 9),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_routes_lpm,
	  ROUTED_TO(PA_2A, VSID_A, VSID_A, MAC_GW_A, MAC_2) },
	{ .name = "router: longest prefix: 10.5.2.9 by the /16 via A6 (5002)",
	  .daddr = PKT_IP4(10, 5, 2, 9),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_routes_lpm,
	  ROUTED_TO(PA_2A, VSID_A2, VSID_A, MAC_GW_A2, MAC_6) },
	{ .name = "router: one prefix, two next hops: the lower metric (via A2)",
	  .daddr = PKT_IP4(10, 5, 2, 9),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_routes_metric,
	  ROUTED_TO(PA_2A, VSID_A, VSID_A, MAC_GW_A, MAC_2) },
	{ .name = "router: default route via a gateway VM (A2)",
	  .daddr = PKT_IP4(198, 51, 100, 7),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_default_via_a2,
	  ROUTED_TO(PA_2A, VSID_A, VSID_A, MAC_GW_A, MAC_2) },
	{ .name = "router: default route on-link to the gateway wildcard record",
	  .daddr = PKT_IP4(198, 51, 100, 7),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_default_to_wildcard,
	  ROUTED_TO(PA_FOREIGN, VSID_A, VSID_A, MAC_GW_A, MAC_UNKNOWN) },
	{ .name = "TTL_EXPIRED: routed with TTL 1 -> ICMP time exceeded from 10.0.0.254",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .ttl_in = 1,
	  TIME_EXCEEDED(GW_A, MAC_GW_A) },
	{ .name = "TTL_EXPIRED: TTL 0, IPv4 options quoted, from A5's gateway 10.0.1.254",
	  .port = H1_A5,
	  .daddr = CA_1,
	  .dmac = MAC_GW_INIT(VSID_A2),
	  .mutate = m_ip_ttl_0,
	  .opt_words = 3,
	  .proto = PKT_IPPROTO_TCP,
	  TIME_EXCEEDED(GW_A2, MAC_GW_A2) },
	{ .name = "TTL_EXPIRED: a 42-byte ICMP packet quoted whole",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .ttl_in = 1,
	  .proto = PKT_IPPROTO_ICMP,
	  .len = 42,
	  TIME_EXCEEDED(GW_A, MAC_GW_A) },
	{ .name = "ICMP_RATE: TTL expired, this second's ICMP errors spent",
	  .daddr = CA_6,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .ttl_in = 1,
	  .tweak = tweak_icmp_rate_spent,
	  VM_DROP(ICMP_RATE) },
	{ .name = "NO_ROUTE: no record and no route in A's routing domain",
	  .daddr = PKT_IP4(10, 7, 0, 1),
	  .dmac = MAC_GW_INIT(VSID_A),
	  VM_DROP(NO_ROUTE) },
	{ .name = "NO_ROUTE: B1 to A's 10.5.1.9, routed in B's domain only",
	  .port = H1_B1,
	  .daddr = PKT_IP4(10, 5, 1, 9),
	  .dmac = MAC_GW_INIT(VSID_B),
	  .tweak = tweak_routes_lpm,
	  VM_DROP(NO_ROUTE) },
	{ .name = "NO_ROUTE: to 0.0.0.0, which only the gateway wildcard record holds",
	  .dmac = MAC_GW_INIT(VSID_A),
	  .mutate = m_ip_dst_zero,
	  .tweak = tweak_default_to_wildcard,
	  VM_DROP(NO_ROUTE) },
	{ .name = "NO_ROUTE: limited broadcast 255.255.255.255, default route on-link",
	  .daddr = PKT_IP4(255, 255, 255, 255),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_default_to_wildcard,
	  VM_DROP(NO_ROUTE) },
	{ .name = "NO_ROUTE: multicast 224.0.0.251, default route via A2",
	  .daddr = PKT_IP4(224, 0, 0, 251),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_default_via_a2,
	  VM_DROP(NO_ROUTE) },
	{ .name = "NO_RECORD: bridged to 0.0.0.0 with the gateway wildcard record's MAC",
	  .dmac = MAC_UNKNOWN_INIT,
	  .mutate = m_ip_dst_zero,
	  .tweak = tweak_default_to_wildcard,
	  VM_DROP(NO_RECORD) },
	{ .name = "ROUTE_NO_RECORD: 10.0.1.77 is on-link in 5002 but has no record",
	  .daddr = PKT_IP4(10, 0, 1, 77),
	  .dmac = MAC_GW_INIT(VSID_A),
	  VM_DROP(ROUTE_NO_RECORD) },
	{ .name = "ROUTE_NO_RECORD: B1 to A5's CA, on-link in B's 6002 only",
	  .port = H1_B1,
	  .daddr = CA_5,
	  .dmac = MAC_GW_INIT(VSID_B),
	  VM_DROP(ROUTE_NO_RECORD) },
	{ .name = "NEXTHOP_UNKNOWN: the route's next hop (A6) lost its record",
	  .daddr = PKT_IP4(10, 5, 2, 9),
	  .dmac = MAC_GW_INIT(VSID_A),
	  .tweak = tweak_route_nexthop_gone,
	  VM_DROP(NEXTHOP_UNKNOWN) },
	{ .name = "GATEWAY_CA: UDP to the gateway's own CA",
	  .daddr = GW_A,
	  .dmac = MAC_GW_INIT(VSID_A),
	  VM_DROP(GATEWAY_CA) },
	{ .name = "GATEWAY_CA: echo request to the gateway is not answered (as HNV)",
	  .daddr = GW_A,
	  .dmac = MAC_GW_INIT(VSID_A),
	  .proto = PKT_IPPROTO_ICMP,
	  .len = 98,
	  VM_DROP(GATEWAY_CA) },
	{ .name = "GATEWAY_CA: the gateway of the other subnet, 10.0.1.254",
	  .daddr = GW_A2,
	  .dmac = MAC_GW_INIT(VSID_A),
	  VM_DROP(GATEWAY_CA) },
	{ .name = "DST_MAC: A1 to A2 with the other subnet's gateway MAC (not A1's router)",
	  .dmac = MAC_GW_INIT(VSID_A2),
	  VM_DROP(DST_MAC) },
};

const size_t vm_cases_n = sizeof(vm_cases) / sizeof(vm_cases[0]);

static void vm_build(const struct vm_case *c, const struct host *h, struct pkt *p)
{
	const struct nv_port *port = &h->port[c->port].cfg;
	const __u8 *smac = mac_or(c->smac, port->mac);
	__be32 saddr = c->saddr ?: port->ca.w[3];
	__be32 daddr = c->daddr ?: CA_2;
	size_t n = 0;

	switch (c->kind) {
	case VF_IPV4: {
		struct pkt_ipv4_spec s;

		frame_spec(&s, smac, saddr, mac_or(c->dmac, MAC_2), daddr);
		s.dport = 8080;
		s.tos = c->tos;
		s.ttl = c->ttl_in ?: 64;
		s.opt_words = c->opt_words;
		s.id = 0x1234;
		s.proto = c->proto ?: PKT_IPPROTO_UDP;
		n = pkt_ipv4(p, &s, c->len ?: 100);
		break;
	}
	case VF_ARP: {
		struct pkt_arp_spec a = { .oper = c->oper ?: 1, .spa = saddr, .tpa = daddr };

		memcpy(a.dmac, mac_or(c->dmac, MAC_BCAST), 6);
		memcpy(a.smac, smac, 6);
		memcpy(a.sha, smac, 6);
		n = pkt_arp(p, &a);
		break;
	}
	case VF_ETH:
		n = pkt_eth(p, mac_or(c->dmac, MAC_2), smac, c->ethertype, c->len ?: 100);
		break;
	}
	cr_assert_gt(n, 0, "%s: frame not built", c->name);
	if (c->mutate)
		c->mutate(p);
}

/* The reply is the request turned around in place (RFC 826), announcing c->arp_mac. */
static void check_arp_reply(const struct vm_case *c, const struct pkt *in, const struct run *r)
{
	const struct nv_port *port = &h1.port[c->port].cfg;
	struct pkt_arp_view q, a;

	cr_assert_eq(pkt_arp_parse(in->d, in->len, &q), 0);
	cr_assert_eq(r->out_len, in->len, "%s: reply length %u, want %zu", c->name, r->out_len,
		     in->len);
	cr_assert_eq(pkt_arp_parse(r->out, r->out_len, &a), 0, "%s: reply too short", c->name);
	cr_expect_arr_eq(a.dmac, port->mac, 6, "%s: Ethernet destination is not the asking VM",
			 c->name);
	cr_expect_arr_eq(a.smac, c->arp_mac, 6, "%s: Ethernet source is not the target's MAC",
			 c->name);
	cr_expect_eq(a.ethertype, PKT_ETH_P_ARP, "%s: ethertype 0x%04x", c->name, a.ethertype);
	cr_expect_eq(a.htype, 1, "%s: htype %u", c->name, a.htype);
	cr_expect_eq(a.ptype, PKT_ETH_P_IP, "%s: ptype 0x%04x", c->name, a.ptype);
	cr_expect_eq(a.hlen, 6, "%s: hlen %u", c->name, a.hlen);
	cr_expect_eq(a.plen, 4, "%s: plen %u", c->name, a.plen);
	cr_expect_eq(a.oper, 2, "%s: oper %u, want 2 (reply)", c->name, a.oper);
	cr_expect_arr_eq(a.sha, c->arp_mac, 6, "%s: sender hardware address", c->name);
	cr_expect_eq(a.spa, q.tpa, "%s: sender protocol address is not the asked CA", c->name);
	cr_expect_arr_eq(a.tha, q.sha, 6, "%s: target hardware address is not the asker's",
			 c->name);
	cr_expect_eq(a.tpa, q.spa, "%s: target protocol address is not the asker's", c->name);
	/* Nothing else changed: the trailing bytes are those of the request. */
	cr_expect_arr_eq(r->out + PKT_ARP_LEN, in->d + PKT_ARP_LEN, in->len - PKT_ARP_LEN);
}

/*
 * What the router makes of a routed frame, computed here independently of the program (RFC 1812
 * 5.3.1): new MACs, TTL one less, the header checksum computed afresh (the program updates it
 * incrementally).
 */
static void routed_expect(const struct vm_case *c, const struct pkt *in, struct pkt *want)
{
	__u8 *ip = want->d + PKT_OFF_IP;

	*want = *in;
	if (!c->routed_smac)
		return;
	memcpy(want->d, c->routed_dmac, 6);
	memcpy(want->d + 6, c->routed_smac, 6);
	ip[8]--;
	pkt_put16(ip + 10, 0);
	pkt_put16(ip + 10, pkt_csum(ip, (ip[0] & 0xf) * 4, 0));
}

/*
 * The ICMP error back to the VM, of type and code, rest its second word (RFC 792, RFC 1812
 * 4.3.2): time exceeded (11/0) from the gateway CA and MAC, or fragmentation needed (3/4, RFC
 * 1191: the next-hop MTU in the low half) from the router or the on-link destination, quoting the
 * packet's header and first 8 bytes of data as the VM sent it, both checksums valid.
 */
static void check_icmp_error(const struct vm_case *c, const struct pkt *in, const struct run *r,
			     __u8 type, __u8 code, __u32 rest)
{
	const struct nv_port *port = &h1.port[c->port].cfg;
	const __u8 *qin = in->d + PKT_OFF_IP, *ip = r->out + PKT_OFF_IP, *icmp = ip + 20;
	size_t in_ip_len = pkt_get16(qin + 2), qlen = (qin[0] & 0xf) * 4 + 8;

	if (qlen > in_ip_len)
		qlen = in_ip_len;
	cr_assert_eq(r->out_len, PKT_ETH_HLEN + 20 + 8 + qlen, "%s: length %u, want %zu", c->name,
		     r->out_len, PKT_ETH_HLEN + 20 + 8 + qlen);
	cr_expect_arr_eq(r->out, port->mac, 6, "%s: not to the VM's MAC", c->name);
	cr_expect_arr_eq(r->out + 6, c->arp_mac, 6, "%s: not from the sender's MAC", c->name);
	cr_expect_eq(pkt_get16(r->out + 12), PKT_ETH_P_IP, "%s: ethertype", c->name);
	cr_expect_eq(ip[0], 0x45, "%s: version/IHL 0x%02x", c->name, ip[0]);
	cr_expect_eq(ip[1], 0xc0, "%s: tos 0x%02x, want internetwork control", c->name, ip[1]);
	cr_expect_eq(pkt_get16(ip + 2), 20 + 8 + qlen, "%s: total length", c->name);
	cr_expect_eq(ip[8], 64, "%s: TTL %u", c->name, ip[8]);
	cr_expect_eq(ip[9], PKT_IPPROTO_ICMP, "%s: protocol %u", c->name, ip[9]);
	cr_expect(pkt_ipv4_csum_ok(ip), "%s: IPv4 header checksum", c->name);
	cr_expect_eq(pkt_get32(ip + 12), ntohl(c->icmp_src), "%s: not from %08x", c->name,
		     ntohl(c->icmp_src));
	cr_expect_eq(pkt_get32(ip + 16), ntohl(port->ca.w[3]), "%s: not to the VM's CA", c->name);
	cr_expect_eq(icmp[0], type, "%s: ICMP type %u", c->name, icmp[0]);
	cr_expect_eq(icmp[1], code, "%s: ICMP code %u", c->name, icmp[1]);
	cr_expect_eq(pkt_get32(icmp + 4), rest, "%s: second word 0x%08x, want 0x%08x", c->name,
		     pkt_get32(icmp + 4), rest);
	cr_expect(pkt_l4_csum_ok(r->out, r->out_len), "%s: ICMP checksum", c->name);
	cr_expect_arr_eq(icmp + 8, qin, qlen, "%s: the quote is not the expired packet", c->name);
}

/* One packet of len bytes sent (tx) or received (rx) by a tenant; vsid 0: none. */
static void add_delta(struct counters_expect *e, __u32 vsid, bool tx, size_t len)
{
	struct nv_vsid_stats *s = vsid == VSID_A ? &e->a : vsid == VSID_B ? &e->b : NULL;

	if (!s)
		return;
	if (tx) {
		s->tx_packets++;
		s->tx_bytes += len;
	} else {
		s->rx_packets++;
		s->rx_bytes += len;
	}
}

ParameterizedTestParameters(from_vm, cases)
{
	return case_indices(vm_cases_n);
}

ParameterizedTest(size_t *idx, from_vm, cases, .init = setup, .fini = teardown)
{
	const struct vm_case *c = &vm_cases[*idx];
	struct counters before, after;
	struct counters_expect e = { .drop = c->drop };
	struct pkt in, want;
	struct run r;
	char err[256];
	__u32 ifindex;

	if (c->tweak)
		c->tweak(&h1);
	vm_build(c, &h1, &in);
	ifindex = c->from_vm_end     ? h1.port[c->port].vm_ifindex
		  : c->from_underlay ? h1.underlay
				     : h1.port[c->port].ifindex;

	cr_assert_eq(counters_read(&h1, &before), 0);
	run_tc(h1.from_vm, ifindex, in.d, in.len, c->gso_size, &r);
	cr_assert_eq(r.err, 0, "%s: test run: %s", c->name, strerror(-r.err));
	cr_assert_eq(counters_read(&h1, &after), 0);

	cr_expect_eq(r.retval, (__u32)c->verdict, "%s: verdict %s, want %s", c->name,
		     tc_verdict_name(r.retval), tc_verdict_name(c->verdict));
	e.drop_bytes = in.len;
	add_delta(&e, c->tx_vsid, true, in.len);
	add_delta(&e, c->rx_vsid, false, in.len);
	cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s: %s", c->name,
		  err);

	routed_expect(c, &in, &want);
	switch (c->out) {
	case VO_NONE:
		break;
	case VO_ENCAP: {
		struct pkt_nvgre_expect x = { .saddr = c->src_pa ?: PA_1,
					      .daddr = c->pa,
					      .ttl = c->ttl ?: NV_DEFAULT_TTL,
					      .vsid = c->vsid,
					      .inner = want.d,
					      .inner_len = want.len };

		cr_expect(pkt_check_nvgre(r.out, r.out_len, &x, NULL, err, sizeof(err)) == 0,
			  "%s: %s", c->name, err);
		break;
	}
	case VO_SAME:
		cr_expect(pkt_diff(r.out, r.out_len, want.d, want.len, err, sizeof(err)) == 0,
			  "%s: %s", c->name, err);
		break;
	case VO_ARP_REPLY:
		check_arp_reply(c, &in, &r);
		break;
	case VO_ICMP_TE:
		check_icmp_error(c, &in, &r, 11, 0, 0);
		break;
	case VO_ICMP_FN:
		check_icmp_error(c, &in, &r, 3, 4, c->icmp_mtu);
		break;
	}
}

/* ---- FlowID: per-flow entropy in the low 8 bits of the GRE key (RFC 7637) ---- */

static __u8 flow_id_of(__u8 proto, __u16 sport, __u16 dport, size_t len, __u8 fill)
{
	struct pkt_ipv4_spec s;
	struct pkt_nvgre_view v;
	struct pkt in;
	struct run r;
	char err[256];

	frame_spec(&s, MAC_1, CA_1, MAC_2, CA_2);
	s.proto = proto;
	s.sport = sport;
	s.dport = dport;
	s.fill = fill;
	cr_assert_gt(pkt_ipv4(&in, &s, len), 0);
	run_tc(h1.from_vm, h1.port[H1_A1].ifindex, in.d, in.len, 0, &r);
	cr_assert_eq(r.err, 0);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT, "verdict %s", tc_verdict_name(r.retval));
	cr_assert_eq(pkt_nvgre_parse(r.out, r.out_len, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.vsid, VSID_A);
	return v.flow_id;
}

Test(from_vm, flow_id_stable_per_flow, .init = setup, .fini = teardown)
{
	/* Same 5-tuple, different payloads and lengths: one FlowID (no reordering by ECMP). */
	static const __u8 protos[] = { PKT_IPPROTO_UDP, PKT_IPPROTO_TCP };

	for (size_t p = 0; p < sizeof(protos); p++) {
		__u8 id = flow_id_of(protos[p], 33000, 443, 100, 0);

		for (int i = 1; i < 8; i++)
			cr_expect_eq(flow_id_of(protos[p], 33000, 443, 100 + i * 150, (__u8)i), id,
				     "proto %u: FlowID changed within one flow", protos[p]);
	}
}

Test(from_vm, flow_id_spreads_flows, .init = setup, .fini = teardown)
{
	bool seen[256] = { false };
	int distinct = 0;

	for (int i = 0; i < 64; i++) {
		__u8 id = flow_id_of(i & 1 ? PKT_IPPROTO_TCP : PKT_IPPROTO_UDP,
				     (__u16)(20000 + i * 13), 80, 120, 0);

		if (!seen[id])
			distinct++;
		seen[id] = true;
	}
	cr_expect_geq(distinct, 8, "64 flows gave only %d distinct FlowIDs", distinct);
}

/* ---- truncation: every length short of the whole frame ---- */

static void truncation_sweep(const char *what, int port, const struct pkt *full)
{
	struct counters before, after;
	struct run r;
	char err[256];

	for (size_t len = PKT_ETH_HLEN; len < full->len; len++) {
		struct counters_expect e = { .drop = NV_DROP_TRUNCATED, .drop_bytes = len };

		cr_assert_eq(counters_read(&h1, &before), 0);
		run_tc(h1.from_vm, h1.port[port].ifindex, full->d, len, 0, &r);
		cr_assert_eq(counters_read(&h1, &after), 0);
		if (tc_refused_short_ip(full, len, &r)) {
			e.drop = NV_DROP_NONE;
			cr_assert(counters_check(&before, &after, &e, err, sizeof(err)) == 0,
				  "%s cut to %zu, refused: %s", what, len, err);
			continue;
		}
		cr_assert_eq(r.err, 0, "%s cut to %zu: test run: %s", what, len, strerror(-r.err));
		cr_assert_neq(r.retval, TC_ACT_REDIRECT, "%s cut to %zu bytes was delivered", what,
			      len);
		cr_assert_eq(r.retval, TC_ACT_SHOT, "%s cut to %zu: verdict %s", what, len,
			     tc_verdict_name(r.retval));
		cr_assert(counters_check(&before, &after, &e, err, sizeof(err)) == 0,
			  "%s cut to %zu: %s", what, len, err);
	}
}

Test(from_vm, truncation_never_delivers, .init = setup, .fini = teardown)
{
	struct pkt_ipv4_spec s;
	struct pkt p;

	frame_spec(&s, MAC_1, CA_1, MAC_2, CA_2);
	s.sport = 1;
	s.dport = 2;
	cr_assert_gt(pkt_ipv4(&p, &s, 128), 0);
	truncation_sweep("UDP to the remote CA", H1_A1, &p);
	s.proto = PKT_IPPROTO_TCP;
	s.opt_words = 2;
	cr_assert_gt(pkt_ipv4(&p, &s, 160), 0);
	truncation_sweep("TCP with IPv4 options to the remote CA", H1_A1, &p);
	s.daddr = CA_3;
	memcpy(s.dmac, MAC_3, 6);
	cr_assert_gt(pkt_ipv4(&p, &s, 100), 0);
	truncation_sweep("TCP to a local CA", H1_A1, &p);
	cr_assert_gt(frame_arp_request(&p, MAC_1, CA_1, CA_2), 0);
	truncation_sweep("ARP request", H1_A1, &p);
}

Test(from_vm, test_run_refuses_runts, .init = setup, .fini = teardown)
{
	runts_refused(&h1, h1.from_vm, false, h1.port[H1_A1].ifindex);
}

/* ---- the per-port ICMP token bucket (nv_pmtu_buckets) ---- */

static void send_too_big(struct run *r)
{
	struct pkt_ipv4_spec s;
	struct pkt in;

	frame_spec(&s, MAC_1, CA_1, MAC_2, CA_2);
	cr_assert_gt(pkt_ipv4(&in, &s, 1473), 0);
	run_tc(h1.from_vm, h1.port[H1_A1].ifindex, in.d, in.len, 0, r);
	cr_assert_eq(r->err, 0);
}

/*
 * A port's first error makes its bucket, full but for that error; errors are answered while the
 * credit lasts, the next one is not; rebinding the port (del + add) starts it full again.
 */
Test(from_vm, pmtu_bucket_burst_then_limit, .init = setup, .fini = teardown)
{
	int fd = h1.o.maps.fd[NV_MAP_PMTU_BUCKETS];
	__u32 ifindex = h1.port[H1_A1].ifindex;
	__u64 cost = 1000000000ull / NV_PMTU_RATE;
	struct nv_token_bucket b;
	struct run r;

	tweak_mtu_1500(&h1);
	cr_assert_eq(bpf_map_lookup_elem(fd, &ifindex, &b), -ENOENT, "a bucket before any error");
	send_too_big(&r);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT, "first error: %s", tc_verdict_name(r.retval));
	cr_assert_eq(bpf_map_lookup_elem(fd, &ifindex, &b), 0, "no bucket after the first error");
	cr_expect_eq(b.credit_ns, (NV_PMTU_BURST - 1) * cost, "credit %llu after one error",
		     (unsigned long long)b.credit_ns);

	/* The burst, fast enough that less than one error's credit (10 ms) comes back. */
	cr_assert_eq(fixture_pmtu_bucket_set(fd, ifindex, 0, 2 * cost - 1), 0);
	for (int i = 0; i < 2; i++) {
		send_too_big(&r);
		cr_expect_eq(r.retval, TC_ACT_REDIRECT, "error %d of the burst: %s", i,
			     tc_verdict_name(r.retval));
	}
	send_too_big(&r);
	cr_expect_eq(r.retval, TC_ACT_SHOT, "past the burst: %s", tc_verdict_name(r.retval));

	cr_assert_eq(host_port_rebind(&h1, H1_A1, NV_DELIVER_TC, 0), 0);
	cr_expect_eq(bpf_map_lookup_elem(fd, &ifindex, &b), -ENOENT, "bucket kept by a new port");
}
