/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The gateway (DESIGN section 8) through BPF_PROG_TEST_RUN. Host 2 is the gateway: its underlay
 * program nv_wire_tc takes a tenant's NVGRE frame to the MAC of its gateway leg out of the
 * external device gx (TTL, FIB, MTU, SNAT), and nv_from_ext, on gx, takes what the physical
 * network sends back (ARP, echo, DNAT of replies and of static mappings, ICMP errors, forward
 * mode) to the VM on host 1. Every expected frame is rebuilt here with lib/pkt.c, checksums
 * computed afresh (the datapath updates them incrementally), and compared byte for byte.
 *
 * Topology, beside the fixture's (lib/fixture.h):
 *   gx (MAC GX_MAC, 198.51.100.1/24) <-veth-> gxp, the physical network, with the server
 *   198.51.100.200 and a router 198.51.100.254 (permanent neighbours), 203.0.113.0/24 routed
 *   via the router, 100.64.0.0/24 routed out of the underlay h2ul (not the external device)
 *   legs: RDID_A in VSID_A and RDID_B in VSID_B, both with CA 10.0.0.250 and LEG_MAC, NAT mode,
 *         on gx; their CAs recorded at the gateway's PA
 *   NATs: A -> 198.51.100.10, B -> 198.51.100.11, ports 1024..65535
 * Tenant frames come from host 1 (PA_1) as its router writes them: inner source MAC the VSID's
 * gateway MAC, destination MAC the leg's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "lib/frames.h"
#include "unit/cases.h"
#include "unit/suite.h"

#define EXT_A	  PKT_IP4(198, 51, 100, 10)  /* A's NAT address */
#define EXT_B	  PKT_IP4(198, 51, 100, 11)  /* B's */
#define GX_ADDR	  PKT_IP4(198, 51, 100, 1)   /* the gateway host's own address on gx */
#define SERVER	  PKT_IP4(198, 51, 100, 200) /* a server on the physical network */
#define NONEIGH	  PKT_IP4(198, 51, 100, 202) /* on the link, no neighbour entry */
#define ROUTER	  PKT_IP4(198, 51, 100, 254) /* the physical network's router */
#define FAR	  PKT_IP4(203, 0, 113, 5)    /* behind the router */
#define FAR_NET	  PKT_IP4(203, 0, 113, 0)
#define OTHER_DEV PKT_IP4(100, 64, 0, 1) /* routed out of the underlay, not gx */
#define UNROUTED  PKT_IP4(100, 65, 0, 1) /* no route */
#define LEG_CA	  PKT_IP4(10, 0, 0, 250) /* the legs' CA in VSID_A and VSID_B */

#define TCP  PKT_IPPROTO_TCP
#define UDP  PKT_IPPROTO_UDP
#define ICMP PKT_IPPROTO_ICMP
#define SYN  0x02
#define ACK  0x10
#define FIN  0x01
#define RST  0x04

/* clang-format off */
#define GX_MAC_INIT { 0x02, 0x47, 0x58, 0, 0, 0x01 }
/* clang-format on */
static const __u8 GX_MAC[6] = GX_MAC_INIT;
static const __u8 LEG_MAC[6] = { 0x02, 0x4e, 0x47, 0, 0, 0xfa };
static const __u8 SERVER_MAC[6] = { 0x02, 0x53, 0x56, 0, 0, 0xc8 };
static const __u8 ROUTER_MAC[6] = { 0x02, 0x53, 0x56, 0, 0, 0xfe };

static struct host gw, h1;

static void teardown(void)
{
	host_teardown(&gw);
	host_teardown(&h1);
}

/* ---- the gateway's policy, through the maps library ---- */

static __u32 gx_ifindex(void)
{
	__u32 i = if_nametoindex("gx");

	cr_assert_neq(i, 0, "no device gx");
	return i;
}

static void leg_add(struct host *h, __u32 rdid, __u32 vsid, __u8 mode)
{
	struct nv_gw_leg leg = { .vsid = vsid, .ext_ifindex = gx_ifindex(), .mode = mode };
	struct nv_gw_dev_info dev = { .mac = GX_MAC_INIT };
	struct nv_conflict why;
	int err;

	nv_addr_from_ipv4(&leg.ca, LEG_CA);
	memcpy(leg.mac, LEG_MAC, 6);
	err = nv_gw_leg_add(&h->o.maps, rdid, &leg, &dev, &why);
	cr_assert_eq(err, 0, "gateway leg of RDID %u: %s", rdid, strerror(-err));
}

static void nat_add(struct host *h, __u32 rdid, __be32 ext, __u16 lo, __u16 hi)
{
	struct nv_nat n = { .port_lo = lo, .port_hi = hi };
	int err;

	nv_addr_from_ipv4(&n.ext, ext);
	err = nv_nat_add(&h->o.maps, rdid, &n, NULL);
	cr_assert_eq(err, 0, "nat add of RDID %u: %s", rdid, strerror(-err));
}

static void nat_del(struct host *h, __u32 rdid)
{
	int err = nv_nat_del(&h->o.maps, rdid, NULL);

	cr_assert_eq(err, 0, "nat del of RDID %u: %s", rdid, strerror(-err));
}

/* The RDID's leg again in another mode (its NAT, if any, removed first). */
static void leg_mode(struct host *h, __u32 rdid, __u32 vsid, __u8 mode)
{
	struct nv_nat n;
	int err;

	if (!nv_nat_get(&h->o.maps, rdid, &n))
		nat_del(h, rdid);
	err = nv_gw_leg_del(&h->o.maps, rdid, NULL, NULL);
	cr_assert_eq(err, 0, "leg del of RDID %u: %s", rdid, strerror(-err));
	leg_add(h, rdid, vsid, mode);
}

static void gw_route(struct host *h, __u32 rdid, __be32 prefix, __u32 len, __be32 via)
{
	union nv_addr p, v;
	int err;

	nv_addr_from_ipv4(&p, prefix);
	nv_addr_from_ipv4(&v, via);
	err = nv_gw_route_add(&h->o.maps, rdid, &p, 96 + len, via ? &v : NULL, NULL);
	cr_assert_eq(err, 0, "gateway route of RDID %u: %s", rdid, strerror(-err));
}

/* A static mapping: ext:port (proto) -> CA ca:ca_port of rdid, ports in host order. */
static void map_add(struct host *h, __u8 proto, __be32 ext, __u16 port, __u32 rdid, __be32 ca,
		    __u16 ca_port)
{
	struct nv_nat_map_key k = { .port = htons(port), .proto = proto };
	struct nv_nat_map v = { .rdid = rdid, .port = htons(ca_port) };
	int err;

	nv_addr_from_ipv4(&k.ext, ext);
	nv_addr_from_ipv4(&v.ca, ca);
	err = nv_nat_map_add(&h->o.maps, &k, &v, NULL);
	cr_assert_eq(err, 0, "static mapping to port %u: %s", port, strerror(-err));
}

/* net.ipv4.conf.gx.forwarding */
static int gx_forwarding(int on)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/gx/forwarding", "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", on) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* Host 2, its external device and the gateway's policy (top of this file), nv_ct sized max_conns.
 */
static void gw_up(struct host *h, __u32 max_conns)
{
	int err = fixture_netns();

	cr_assert_eq(err, 0, "fixture_netns: %s", strerror(-err));
	err = host_setup_conns(h, HOST_2, max_conns);
	cr_assert_eq(err, 0, "host_setup_conns: %s", strerror(-err));
	cr_assert_gt(h->from_ext, 0, "no nv_from_ext program");
	err = fixture_ip_batch("link add gx address 02:47:58:00:00:01 type veth peer name gxp\n"
			       "link set gx up\nlink set gxp up\n"
			       "addr add 198.51.100.1/24 dev gx\n"
			       "neigh replace 198.51.100.200 lladdr 02:53:56:00:00:c8 dev gx "
			       "nud permanent\n"
			       "neigh replace 198.51.100.254 lladdr 02:53:56:00:00:fe dev gx "
			       "nud permanent\n"
			       "route add 203.0.113.0/24 via 198.51.100.254 dev gx\n"
			       "route add 100.64.0.0/24 dev h2ul\n");
	cr_assert_eq(err, 0, "external device");
	/* See gateway::outbound_with_forwarding_off: bpf_fib_lookup wants it, OUTPUT or not. */
	cr_assert_eq(gx_forwarding(1), 0);
	leg_add(h, RDID_A, VSID_A, NV_GW_NAT);
	leg_add(h, RDID_B, VSID_B, NV_GW_NAT);
	cr_assert_eq(host_record_add(h, VSID_A, LEG_CA, PA_2A, LEG_MAC), 0);
	cr_assert_eq(host_record_add(h, VSID_B, LEG_CA, PA_2A, LEG_MAC), 0);
	nat_add(h, RDID_A, EXT_A, 0, 0);
	nat_add(h, RDID_B, EXT_B, 0, 0);
}

/* ---- connection table ---- */

static struct nv_ct_key ct_key(__u32 rdid, __be32 src, __be32 dst, __u16 sport, __u16 dport,
			       __u8 proto, __u8 dir)
{
	struct nv_ct_key k;

	memset(&k, 0, sizeof(k));
	k.rdid = rdid;
	nv_addr_from_ipv4(&k.src, src);
	nv_addr_from_ipv4(&k.dst, dst);
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.proto = proto;
	k.dir = dir;
	return k;
}

static int ct_get(struct host *h, const struct nv_ct_key *k, struct nv_ct_entry *e)
{
	return bpf_map_lookup_elem(h->o.maps.fd[NV_MAP_CT], k, e);
}

static __u32 ct_conns(struct host *h)
{
	__u32 n = 0;

	cr_assert_eq(nv_ct_count(&h->o.maps, &n), 0);
	return n;
}

/* Every entry of nv_ct (dir: both halves; NV_CT_OUT or NV_CT_IN: that one) expired long ago. */
static void ct_expire(struct host *h, int dir)
{
	int fd = h->o.maps.fd[NV_MAP_CT];
	struct nv_ct_key k, next;
	struct nv_ct_entry e;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		first = false;
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &e) || (dir >= 0 && k.dir != dir))
			continue;
		e.expires_ns = 1;
		cr_assert_eq(bpf_map_update_elem(fd, &k, &e, BPF_EXIST), 0);
	}
}

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t); /* bpf_ktime_get_ns's clock */
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

/* ---- the frames of a case ---- */

static const __u8 *gw_mac_of(__u32 vsid)
{
	switch (vsid) {
	case VSID_B:
		return MAC_GW_B;
	case VSID_A2:
		return MAC_GW_A2;
	case VSID_B2:
		return MAC_GW_B2;
	}
	return MAC_GW_A;
}

static __be32 ext_of(__u32 vsid)
{
	return vsid == VSID_B || vsid == VSID_B2 ? EXT_B : EXT_A;
}

static __u32 case_vsid(const struct gw_case *c)
{
	return c->vsid ?: VSID_A;
}

static bool case_in(const struct gw_case *c)
{
	return c->hook == GW_IN;
}

/* The IPv4 frame a row describes, as pkt_ipv4 builds it. */
static void case_spec(const struct gw_case *c, struct pkt_ipv4_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (case_in(c)) {
		memcpy(s->smac, SERVER_MAC, 6);
		memcpy(s->dmac, mac_or(c->dmac, GX_MAC), 6);
		s->saddr = c->src ?: SERVER;
		s->daddr = c->dst ?: EXT_A;
		s->sport = c->sport ?: 53;
		s->dport = c->dport ?: 40000;
	} else {
		memcpy(s->smac, gw_mac_of(case_vsid(c)), 6);
		memcpy(s->dmac, mac_or(c->dmac, LEG_MAC), 6);
		s->saddr = c->src ?: CA_1;
		s->daddr = c->dst ?: SERVER;
		s->sport = c->sport ?: 40000;
		s->dport = c->dport ?: 53;
	}
	s->proto = c->proto ?: UDP;
	s->tcp_flags = c->tcp_flags;
	s->ttl = c->ttl ?: 64;
	s->tos = c->tos;
	s->frag = c->frag;
	s->opt_words = c->opt_words;
	s->id = 0x4242;
	s->fill = 0x33;
	s->echo_reply = c->echo_reply;
	s->udp_no_csum = c->udp_no_csum;
}

/* ipf: the IPv4 frame (in: what runs; out: the inner frame); frame: what runs. */
static void case_build(const struct gw_case *c, struct pkt *frame, struct pkt *ipf)
{
	struct pkt_ipv4_spec s;

	if (c->frame) {
		*ipf = *c->frame;
	} else if (c->build) {
		c->build(ipf);
	} else {
		case_spec(c, &s);
		cr_assert_gt(pkt_ipv4(ipf, &s, c->len ?: 100), 0, "%s: frame", c->name);
	}
	if (c->mutate)
		c->mutate(ipf);
	if (case_in(c)) {
		*frame = *ipf;
		return;
	}
	cr_assert_gt(frame_nvgre(frame, ipf, PA_1, PA_2A, case_vsid(c), 0x5a), 0, "%s: NVGRE frame",
		     c->name);
}

/* The ICMP error err (type, code, MTU) about the IPv4 frame ipf, as a router builds it. */
static void icmp_about(struct pkt *p, const struct pkt *ipf, const __u8 *dmac, const __u8 *smac,
		       __be32 from, __be32 to, __u8 type, __u8 code, __u16 mtu)
{
	const __u8 *ip = ipf->d + PKT_ETH_HLEN;
	size_t qlen = (ip[0] & 0xf) * 4u + 8, avail = ipf->len - PKT_ETH_HLEN;
	struct pkt_icmp_err_spec e = { .saddr = from,
				       .daddr = to,
				       .tos = 0xc0,
				       .ttl = 64,
				       .type = type,
				       .code = code,
				       .rest = mtu };

	memcpy(e.dmac, dmac, 6);
	memcpy(e.smac, smac, 6);
	cr_assert_gt(pkt_icmp_error(p, &e, ip, qlen < avail ? qlen : avail), 0);
}

/* ---- running one step ---- */

static const char *verdict_name(const struct gw_case *c, __u32 v)
{
	return c->hook == GW_XDP ? xdp_verdict_name(v) : tc_verdict_name(v);
}

/* The frame an IPv4 output must be: each checksum recomputed here, then byte for byte. */
static void expect_frame(const char *name, const char *what, const void *got, size_t got_len,
			 const struct pkt *want)
{
	char err[256];

	cr_expect(pkt_check_csums(got, got_len, err, sizeof(err)) == 0, "%s: %s: %s", name, what,
		  err);
	cr_expect(pkt_diff(got, got_len, want->d, want->len, err, sizeof(err)) == 0, "%s: %s: %s",
		  name, what, err);
}

/* The NVGRE frame to a VM of vsid at PA_1 from the gateway's PA, carrying want. */
static void expect_to_vm(const char *name, const struct run *r, __u32 vsid, const struct pkt *want,
			 struct pkt_nvgre_view *v)
{
	struct pkt_nvgre_expect x = { .saddr = PA_2A,
				      .daddr = PA_1,
				      .ttl = NV_DEFAULT_TTL,
				      .vsid = vsid,
				      .inner = want->d,
				      .inner_len = want->len };
	char err[256];

	cr_expect(pkt_check_nvgre(r->out, r->out_len, &x, v, err, sizeof(err)) == 0, "%s: %s", name,
		  err);
	if (v->inner)
		cr_expect(pkt_check_csums(v->inner, v->inner_len, err, sizeof(err)) == 0,
			  "%s: inner frame: %s", name, err);
}

/* The port a translation chose: x_port, the packet's own, or (x_port_any) what the output has. */
static __u16 translated_port(const struct gw_case *c, __u16 own, __u16 got)
{
	__u16 lo = c->x_port_lo ?: 1024, hi = c->x_port_hi ?: 65535;

	if (!c->x_port_any)
		return c->x_port ?: own;
	cr_expect(got >= lo && got <= hi, "%s: port %u outside %u..%u", c->name, got, lo, hi);
	cr_expect_neq(got, own, "%s: port %u kept, want another", c->name, got);
	return got;
}

/* What one step must have put out. Returns the translated port (SNAT, TO_VM), else 0. */
static __u16 check_output(const struct gw_case *c, const struct pkt *frame, const struct pkt *ipf,
			  const struct run *r)
{
	const __u8 *ip = ipf->d + PKT_ETH_HLEN;
	struct pkt_ipv4_spec s;
	struct pkt_ipv4_view got;
	struct pkt_nvgre_view v = { 0 };
	struct pkt want;
	char err[256];
	__u16 port = 0;

	switch (c->out) {
	case GO_NONE:
		return 0;
	case GO_SAME:
		cr_expect_eq(r->meta_len, 0, "%s: metadata left for TC", c->name);
		cr_expect(pkt_diff(r->out + r->meta_len, r->out_len - r->meta_len, frame->d,
				   frame->len, err, sizeof(err)) == 0,
			  "%s: frame changed: %s", c->name, err);
		return 0;
	case GO_SNAT:
		cr_assert(!c->frame && !c->build && !c->mutate, "%s: GO_SNAT from a spec", c->name);
		case_spec(c, &s);
		cr_assert_eq(pkt_ipv4_parse(r->out, r->out_len, &got, err, sizeof(err)), 0,
			     "%s: output: %s", c->name, err);
		port = translated_port(c, s.sport, got.sport);
		if (!c->x_mac_kept) {
			memcpy(s.dmac, c->x_mac ?: SERVER_MAC, 6);
			memcpy(s.smac, GX_MAC, 6);
		}
		s.saddr = c->x_addr ?: ext_of(case_vsid(c));
		s.sport = port;
		s.ttl--;
		cr_assert_gt(pkt_ipv4(&want, &s, ipf->len), 0);
		expect_frame(c->name, "out of gx", r->out, r->out_len, &want);
		return port;
	case GO_TO_VM:
		cr_assert(!c->frame && !c->build && !c->mutate, "%s: GO_TO_VM from a spec",
			  c->name);
		case_spec(c, &s);
		if (!pkt_nvgre_parse(r->out, r->out_len, &v, err, sizeof(err)) &&
		    !pkt_ipv4_parse(v.inner, v.inner_len, &got, err, sizeof(err))) {
			/* ICMP echo: the identifier is the spec's sport both ways. */
			port = translated_port(c, s.proto == ICMP ? s.sport : s.dport,
					       s.proto == ICMP ? got.sport : got.dport);
		}
		memcpy(s.dmac, c->x_mac ?: MAC_1, 6);
		memcpy(s.smac, gw_mac_of(c->x_vsid ?: VSID_A), 6);
		s.daddr = c->x_addr ?: CA_1;
		if (s.proto == ICMP)
			s.sport = port;
		else
			s.dport = port;
		s.ttl--;
		cr_assert_gt(pkt_ipv4(&want, &s, ipf->len), 0);
		expect_to_vm(c->name, r, c->x_vsid ?: VSID_A, &want, &v);
		return port;
	case GO_ICMP_VM:
		/* From the leg's CA and the subnet's gateway MAC, to the VM's record. */
		icmp_about(&want, ipf, c->x_mac ?: MAC_1, gw_mac_of(case_vsid(c)), LEG_CA,
			   ((const __be32 *)(ip + 12))[0], c->icmp_type, c->icmp_code, c->icmp_mtu);
		expect_to_vm(c->name, r, case_vsid(c), &want, &v);
		return 0;
	case GO_ICMP_EXT:
		/* Back to the sender, from the address it sent to, with the MACs swapped. */
		icmp_about(&want, ipf, ipf->d + 6, ipf->d, ((const __be32 *)(ip + 16))[0],
			   ((const __be32 *)(ip + 12))[0], c->icmp_type, c->icmp_code, c->icmp_mtu);
		expect_frame(c->name, "ICMP error out of gx", r->out, r->out_len, &want);
		return 0;
	case GO_ECHO_REPLY:
		case_spec(c, &s);
		memcpy(s.dmac, SERVER_MAC, 6);
		memcpy(s.smac, mac_or(c->dmac, GX_MAC), 6);
		s.saddr = c->dst ?: EXT_A;
		s.daddr = c->src ?: SERVER;
		s.echo_reply = true;
		s.ttl = 64;
		cr_assert_gt(pkt_ipv4(&want, &s, ipf->len), 0);
		expect_frame(c->name, "echo reply", r->out, r->out_len, &want);
		return 0;
	case GO_ARP_REPLY: {
		struct pkt_arp_view q;
		struct pkt_arp_spec a = { .oper = 2 };

		cr_assert_eq(pkt_arp_parse(ipf->d, ipf->len, &q), 0);
		memcpy(a.dmac, q.sha, 6);
		memcpy(a.smac, GX_MAC, 6);
		memcpy(a.sha, GX_MAC, 6);
		a.spa = q.tpa;
		memcpy(a.tha, q.sha, 6);
		a.tpa = q.spa;
		pkt_arp(&want, &a);
		/* Anything after the ARP payload (padding) stays as it was. */
		memcpy(want.d + PKT_ARP_LEN, ipf->d + PKT_ARP_LEN, ipf->len - PKT_ARP_LEN);
		want.len = ipf->len;
		cr_expect(pkt_diff(r->out, r->out_len, want.d, want.len, err, sizeof(err)) == 0,
			  "%s: ARP reply: %s", c->name, err);
		return 0;
	}
	case GO_WANT:
		expect_frame(c->name, "out of gx", r->out, r->out_len, c->want);
		return 0;
	case GO_WANT_VM:
		expect_to_vm(c->name, r, c->x_vsid ?: VSID_A, c->want, &v);
		return 0;
	}
	return 0;
}

/*
 * One packet through its program: the verdict, the counters (the drop reason once, with the
 * length it was counted at, or nothing; no tenant statistics move: the gateway counts no port)
 * and the output. out (may be NULL) receives the output frame. Returns check_output's port.
 */
static __u16 gw_step(struct host *h, const struct gw_case *c, struct pkt *out)
{
	struct counters before, after;
	struct counters_expect e = { .drop = c->drop };
	struct pkt frame, ipf;
	struct run r;
	char err[256];
	__u32 ifindex = case_in(c) && !c->on_underlay ? gx_ifindex() : h->underlay;

	case_build(c, &frame, &ipf);
	cr_assert_eq(counters_read(h, &before), 0);
	if (c->hook == GW_XDP)
		run_xdp(h->from_wire, ifindex, frame.d, frame.len, &r);
	else
		run_tc(case_in(c) ? h->from_ext : h->wire_tc, ifindex, frame.d, frame.len, 0, &r);
	cr_assert_eq(counters_read(h, &after), 0);
	cr_assert_eq(r.err, 0, "%s: test run: %s", c->name, strerror(-r.err));
	cr_expect_eq(r.retval, (__u32)c->verdict, "%s: verdict %s, want %s", c->name,
		     verdict_name(c, r.retval), verdict_name(c, c->verdict));
	e.drop_bytes = c->hook == GW_OUT && !c->drop_wire ? ipf.len : frame.len;
	cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s: %s", c->name,
		  err);
	if (out) {
		memcpy(out->d, r.out, r.out_len);
		out->len = r.out_len;
	}
	return check_output(c, &frame, &ipf, &r);
}

/* A connection opened by the tenant of vsid (UDP, or a TCP SYN), translated out of gx. */
static void gw_open(struct host *h, __u32 vsid, __be32 src, __u16 sport, __be32 dst, __u16 dport,
		    __u8 proto)
{
	const struct gw_case c = { .name = "opening packet",
				   .vsid = vsid,
				   .src = src,
				   .sport = sport,
				   .dst = dst,
				   .dport = dport,
				   .proto = proto,
				   .tcp_flags = proto == TCP ? SYN : 0,
				   .verdict = TC_ACT_REDIRECT };

	gw_step(h, &c, NULL);
}

/* ---- the table: one packet each, after its preparation ---- */

static void prep_open_udp(struct host *h)
{
	gw_open(h, VSID_A, CA_1, 40000, SERVER, 53, UDP);
}

static void prep_open_tcp(struct host *h)
{
	gw_open(h, VSID_A, CA_1, 40000, SERVER, 80, TCP);
}

static void prep_open_udp_del_record(struct host *h)
{
	struct nv_record_key k = { .vsid = VSID_A };

	prep_open_udp(h);
	nv_addr_from_ipv4(&k.ca, CA_1);
	cr_assert_eq(nv_record_del(&h->o.maps, &k, NULL), 0);
}

static void prep_open_udp_expired(struct host *h)
{
	prep_open_udp(h);
	ct_expire(h, -1);
}

static void prep_open_two(struct host *h)
{
	gw_open(h, VSID_A, CA_1, 40001, SERVER, 53, UDP);
	gw_open(h, VSID_A, CA_1, 40002, SERVER, 53, UDP);
}

static void prep_ports_2000_full(struct host *h)
{
	nat_del(h, RDID_A);
	nat_add(h, RDID_A, EXT_A, 2000, 2001);
	prep_open_two(h);
}

static void prep_nat_b_none(struct host *h)
{
	nat_del(h, RDID_B);
}

static void prep_budget(struct host *h)
{
	cr_assert_eq(fixture_icmp_budget_spend(h->o.maps.fd[NV_MAP_ICMP_STATE]), 0);
}

static void prep_mtu_1400(struct host *h)
{
	(void)h;
	cr_assert_eq(fixture_set_mtu("gx", 1400), 0);
}

static void prep_mtu_1400_budget(struct host *h)
{
	prep_mtu_1400(h);
	prep_budget(h);
}

static void prep_open_udp_budget(struct host *h)
{
	prep_open_udp(h);
	prep_budget(h);
}

static void prep_map_tcp(struct host *h)
{
	map_add(h, TCP, EXT_A, 8080, RDID_A, CA_1, 80);
}

static void prep_map_udp(struct host *h)
{
	map_add(h, UDP, EXT_A, 5353, RDID_A, CA_1, 53);
}

/* With max_conns 1: the one connection fills the table. */
static void prep_map_tcp_table_full(struct host *h)
{
	prep_map_tcp(h);
	prep_open_udp(h);
}

static void prep_forward_a(struct host *h)
{
	leg_mode(h, RDID_A, VSID_A, NV_GW_FORWARD);
	gw_route(h, RDID_A, FAR_NET, 24, 0);
}

static void prep_leg_a_gone(struct host *h)
{
	nat_del(h, RDID_A);
	cr_assert_eq(nv_gw_leg_del(&h->o.maps, RDID_A, NULL, NULL), 0);
}

/* A NAT leg's gateway route with a next hop: the server, where the kernel says the router. */
static void prep_route_far_via_server(struct host *h)
{
	gw_route(h, RDID_A, FAR_NET, 24, SERVER);
}

/* An ICMP timestamp request (type 13) instead of an echo: not translated. */
static void m_icmp_timestamp(struct pkt *p)
{
	__u8 *icmp = p->d + PKT_ETH_HLEN + PKT_IPV4_HLEN;

	icmp[0] = 13;
	pkt_put16(icmp + 2, 0);
	pkt_put16(icmp + 2, pkt_csum(icmp, p->len - PKT_ETH_HLEN - PKT_IPV4_HLEN, 0));
}

/* A VM's ICMP port unreachable about a UDP packet from the server it never got. */
static void b_vm_icmp_err_no_conn(struct pkt *p)
{
	struct pkt about;

	cr_assert_gt(frame_udp(&about, SERVER_MAC, SERVER, MAC_1, CA_1, 100), 0);
	icmp_about(p, &about, LEG_MAC, MAC_GW_A, CA_1, SERVER, 3, 3, 0);
}

/* The same about a GRE packet: nothing NAT could have sent. */
static void b_vm_icmp_err_gre(struct pkt *p)
{
	struct pkt_ipv4_spec s;
	struct pkt about;

	frame_spec(&s, SERVER_MAC, SERVER, MAC_1, CA_1);
	s.proto = PKT_IPPROTO_GRE;
	cr_assert_gt(pkt_ipv4(&about, &s, 100), 0);
	icmp_about(p, &about, LEG_MAC, MAC_GW_A, CA_1, SERVER, 3, 2, 0);
}

/* The server's port unreachable about a UDP packet from A's address that the NAT never sent. */
static void b_ext_icmp_err_no_conn(struct pkt *p)
{
	struct pkt about;

	cr_assert_gt(frame_udp(&about, GX_MAC, EXT_A, SERVER_MAC, SERVER, 100), 0);
	icmp_about(p, &about, GX_MAC, SERVER_MAC, SERVER, EXT_A, 3, 3, 0);
}

static void b_ipv6(struct pkt *p)
{
	cr_assert_gt(pkt_eth(p, GX_MAC, SERVER_MAC, PKT_ETH_P_IPV6, 100), 0);
}

static void b_arp_ext_a(struct pkt *p)
{
	cr_assert_gt(frame_arp_request(p, SERVER_MAC, SERVER, EXT_A), 0);
}

static void b_arp_ext_b_padded(struct pkt *p)
{
	cr_assert_gt(frame_arp_request(p, SERVER_MAC, SERVER, EXT_B), 0);
	pkt_pad(p, 60);
}

static void b_arp_gx_addr(struct pkt *p)
{
	cr_assert_gt(frame_arp_request(p, SERVER_MAC, SERVER, GX_ADDR), 0);
}

static void b_arp_other(struct pkt *p)
{
	cr_assert_gt(frame_arp_request(p, SERVER_MAC, SERVER, PKT_IP4(198, 51, 100, 99)), 0);
}

/* A gratuitous-looking reply about A's address: not a request, not answered. */
static void b_arp_reply_ext_a(struct pkt *p)
{
	struct pkt_arp_spec a = { .dmac = GX_MAC_INIT, .oper = 2, .spa = EXT_A, .tpa = SERVER };

	memcpy(a.smac, SERVER_MAC, 6);
	memcpy(a.sha, SERVER_MAC, 6);
	memcpy(a.tha, GX_MAC, 6);
	pkt_arp(p, &a);
}

/* The admin turned forwarding off on the external device (gateway add turns it on). */
static void prep_gx_no_forwarding(struct host *h)
{
	(void)h;
	cr_assert_eq(gx_forwarding(0), 0);
}

#define GW_DROP(name) .verdict = TC_ACT_SHOT, .drop = NV_DROP_##name, .out = GO_NONE
/* Dropped by the classification, before decapsulation: counted with the NVGRE frame's length. */
#define GW_DROP_WIRE(name) GW_DROP(name), .drop_wire = true
#define GW_PASS		   .verdict = TC_ACT_OK, .out = GO_SAME
#define GW_SNAT		   .verdict = TC_ACT_REDIRECT, .out = GO_SNAT
#define GW_TO_VM	   .verdict = TC_ACT_REDIRECT, .out = GO_TO_VM
#define GW_REPLY(kind)	   .verdict = TC_ACT_REDIRECT, .out = (kind)
/* An answered drop: counted by reason, and the ICMP error (type, code, MTU) sent instead. */
#define GW_ICMP(kind, type, code, mtu, name)                                                 \
	.verdict = TC_ACT_REDIRECT, .out = (kind), .icmp_type = (type), .icmp_code = (code), \
	.icmp_mtu = (mtu), .drop = NV_DROP_##name

const struct gw_case gw_cases[] = {
	/* out: SNAT by a new connection */
	{ .name = "out: UDP, SNAT to A's address, source port kept", GW_SNAT },
	{ .name = "out: UDP checksum 0 stays 0", .udp_no_csum = true, GW_SNAT },
	{ .name = "out: TCP SYN", .proto = TCP, .dport = 80, .tcp_flags = SYN, GW_SNAT },
	{ .name = "out: TCP SYN with ECE and CWR (ECN setup) opens too",
	  .proto = TCP,
	  .dport = 80,
	  .tcp_flags = 0xc0 | SYN,
	  .tos = 0x02,
	  GW_SNAT },
	{ .name = "out: ICMP echo request, identifier kept",
	  .proto = ICMP,
	  .sport = 4660,
	  GW_SNAT },
	{ .name = "out: ICMP echo identifier under the port range: another one",
	  .proto = ICMP,
	  .sport = 7,
	  .x_port_any = true,
	  GW_SNAT },
	{ .name = "out: B's packet, SNAT to B's address", .vsid = VSID_B, GW_SNAT },
	{ .name = "out: TCP SYN with IPv4 options",
	  .proto = TCP,
	  .tcp_flags = SYN,
	  .opt_words = 3,
	  GW_SNAT },
	{ .name = "out: UDP with the longest IPv4 header (IHL 15)", .opt_words = 10, GW_SNAT },
	{ .name = "out: TOS and a 1500-byte DF packet kept (gx MTU 1500)",
	  .len = 1514,
	  .frag = PKT_IP_DF,
	  GW_SNAT },
	{ .name = "out: neighbour not resolved: bpf_redirect_neigh writes the MACs",
	  .dst = NONEIGH,
	  .x_mac_kept = true,
	  GW_SNAT },
	{ .name = "out: behind the router the kernel routes to",
	  .dst = FAR,
	  .x_mac = ROUTER_MAC,
	  GW_SNAT },
	{ .name = "out: a NAT leg's gateway route names the next hop",
	  .dst = FAR,
	  .prepare = prep_route_far_via_server,
	  .x_mac = SERVER_MAC,
	  GW_SNAT },
	/* out: drops */
	{ .name = "NAT_NOT_SYN: TCP ACK of no connection",
	  .proto = TCP,
	  .tcp_flags = ACK,
	  GW_DROP(NAT_NOT_SYN) },
	{ .name = "NAT_NOT_SYN: TCP SYN-ACK of no connection",
	  .proto = TCP,
	  .tcp_flags = SYN | ACK,
	  GW_DROP(NAT_NOT_SYN) },
	{ .name = "NAT_NOT_SYN: TCP RST of no connection",
	  .proto = TCP,
	  .tcp_flags = RST,
	  GW_DROP(NAT_NOT_SYN) },
	{ .name = "NAT_UNSUPPORTED: a fragment after the first",
	  .frag = 185,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: a first fragment (more fragments)",
	  .frag = PKT_IP_MF,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: SCTP", .proto = 132, GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: GRE from the VM",
	  .proto = PKT_IPPROTO_GRE,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: ICMP timestamp request",
	  .proto = ICMP,
	  .mutate = m_icmp_timestamp,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: ICMP echo reply of no connection",
	  .proto = ICMP,
	  .echo_reply = true,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_UNSUPPORTED: ICMP error quoting GRE",
	  .build = b_vm_icmp_err_gre,
	  GW_DROP(NAT_UNSUPPORTED) },
	{ .name = "NAT_NO_CONN: ICMP port unreachable about no connection",
	  .build = b_vm_icmp_err_no_conn,
	  GW_DROP(NAT_NO_CONN) },
	{ .name = "NAT_NONE: B's NAT leg without nat add",
	  .vsid = VSID_B,
	  .prepare = prep_nat_b_none,
	  GW_DROP(NAT_NONE) },
	{ .name = "GW_FORWARDING: IPv4 forwarding turned off on gx after gateway add",
	  .prepare = prep_gx_no_forwarding,
	  GW_DROP(GW_FORWARDING) },
	{ .name = "GW_NO_ROUTE: no route at all", .dst = UNROUTED, GW_DROP(GW_NO_ROUTE) },
	{ .name = "GW_NO_ROUTE: the FIB's route leaves by the underlay",
	  .dst = OTHER_DEV,
	  GW_DROP(GW_NO_ROUTE) },
	{ .name = "GW_NO_ROUTE: the gateway host's own address",
	  .dst = GX_ADDR,
	  GW_DROP(GW_NO_ROUTE) },
	{ .name = "NAT_PORTS: ports 2000-2001, both held by connections to the server",
	  .prepare = prep_ports_2000_full,
	  .sport = 40003,
	  GW_DROP(NAT_PORTS) },
	{ .name = "CT_FULL: table of 2 connections, 2 open",
	  .max_conns = 2,
	  .prepare = prep_open_two,
	  .sport = 40003,
	  GW_DROP(CT_FULL) },
	{ .name = "TTL_EXPIRED: TTL 1, time exceeded from the leg's CA",
	  .ttl = 1,
	  GW_ICMP(GO_ICMP_VM, 11, 0, 0, TTL_EXPIRED) },
	{ .name = "TTL_EXPIRED: TTL 1 with IPv4 options: the quote holds them",
	  .ttl = 1,
	  .opt_words = 2,
	  GW_ICMP(GO_ICMP_VM, 11, 0, 0, TTL_EXPIRED) },
	{ .name = "TTL_EXPIRED: B's TTL 1, from B's leg (B's gateway MAC, B's VSID)",
	  .vsid = VSID_B,
	  .ttl = 1,
	  GW_ICMP(GO_ICMP_VM, 11, 0, 0, TTL_EXPIRED) },
	{ .name = "ICMP_RATE: TTL 1 with the ICMP budget spent",
	  .ttl = 1,
	  .prepare = prep_budget,
	  GW_DROP(ICMP_RATE) },
	{ .name = "FRAG_NEEDED: 1500-byte DF packet, gx MTU 1400",
	  .len = 1514,
	  .frag = PKT_IP_DF,
	  .prepare = prep_mtu_1400,
	  GW_ICMP(GO_ICMP_VM, 3, 4, 1400, FRAG_NEEDED) },
	{ .name = "FRAG_NEEDED: without DF too (the gateway fragments nothing)",
	  .len = 1514,
	  .prepare = prep_mtu_1400,
	  GW_ICMP(GO_ICMP_VM, 3, 4, 1400, FRAG_NEEDED) },
	{ .name = "FRAG_NEEDED: TCP to an unresolved neighbour (bpf_check_mtu)",
	  .dst = NONEIGH,
	  .proto = TCP,
	  .tcp_flags = SYN,
	  .len = 1514,
	  .frag = PKT_IP_DF,
	  .prepare = prep_mtu_1400,
	  GW_ICMP(GO_ICMP_VM, 3, 4, 1400, FRAG_NEEDED) },
	{ .name = "out: 1400 bytes of IPv4 fit gx's MTU 1400",
	  .len = 1414,
	  .frag = PKT_IP_DF,
	  .prepare = prep_mtu_1400,
	  GW_SNAT },
	{ .name = "FRAG_RATE: too big, the ICMP budget spent",
	  .len = 1514,
	  .frag = PKT_IP_DF,
	  .prepare = prep_mtu_1400_budget,
	  GW_DROP(FRAG_RATE) },
	/* out: forward mode */
	{ .name = "forward out: unchanged (the CA as source) by its gateway route",
	  .dst = FAR,
	  .prepare = prep_forward_a,
	  .x_addr = CA_1,
	  .x_mac = ROUTER_MAC,
	  GW_SNAT },
	{ .name = "forward out: TCP ACK of no connection goes too (no tracking)",
	  .dst = FAR,
	  .proto = TCP,
	  .tcp_flags = ACK,
	  .prepare = prep_forward_a,
	  .x_addr = CA_1,
	  .x_mac = ROUTER_MAC,
	  GW_SNAT },
	{ .name = "GW_NO_ROUTE: forward leg, destination outside its gateway routes",
	  .prepare = prep_forward_a,
	  GW_DROP(GW_NO_ROUTE) },
	/* out: what the gateway does not take */
	{ .name = "NOT_LOCAL: the leg's MAC, destination 255.255.255.255",
	  .dst = PKT_IP4(255, 255, 255, 255),
	  GW_DROP_WIRE(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: the leg's MAC, multicast destination",
	  .dst = PKT_IP4(224, 0, 0, 5),
	  GW_DROP_WIRE(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: the leg's MAC in tenant A's other subnet (the leg is in 5001)",
	  .vsid = VSID_A2,
	  .src = CA_5,
	  GW_DROP_WIRE(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: to another MAC than the leg's",
	  .dmac = MAC_UNKNOWN_INIT,
	  GW_DROP_WIRE(NOT_LOCAL) },
	{ .name = "NOT_LOCAL: A's leg deleted",
	  .prepare = prep_leg_a_gone,
	  GW_DROP_WIRE(NOT_LOCAL) },
	{ .name = "from_wire: a gateway frame goes on to nv_wire_tc, no metadata",
	  .hook = GW_XDP,
	  .verdict = XDP_PASS,
	  .out = GO_SAME },
	{ .name = "from_wire: NOT_LOCAL for a broadcast to the leg's MAC",
	  .hook = GW_XDP,
	  .dst = PKT_IP4(255, 255, 255, 255),
	  .verdict = XDP_DROP,
	  .drop = NV_DROP_NOT_LOCAL },

	/* in: DNAT */
	{ .name = "in: UDP reply to A1", .hook = GW_IN, .prepare = prep_open_udp, GW_TO_VM },
	{ .name = "in: DSCP EF and ECN CE kept, copied to the outer header",
	  .hook = GW_IN,
	  .tos = 0xbb,
	  .prepare = prep_open_udp,
	  GW_TO_VM },
	{ .name = "in: TCP reply with IPv4 options",
	  .hook = GW_IN,
	  .prepare = prep_open_tcp,
	  .proto = TCP,
	  .sport = 80,
	  .tcp_flags = SYN | ACK,
	  .opt_words = 4,
	  GW_TO_VM },
	{ .name = "in: 1572-byte reply fits the underlay's 1600 once encapsulated",
	  .hook = GW_IN,
	  .len = 1572,
	  .prepare = prep_open_udp,
	  GW_TO_VM },
	{ .name = "in: static mapping, TCP SYN to 8080 -> A1:80",
	  .hook = GW_IN,
	  .prepare = prep_map_tcp,
	  .proto = TCP,
	  .tcp_flags = SYN,
	  .sport = 50000,
	  .dport = 8080,
	  .x_port = 80,
	  GW_TO_VM },
	{ .name = "in: static mapping, UDP to 5353 -> A1:53",
	  .hook = GW_IN,
	  .prepare = prep_map_udp,
	  .sport = 50000,
	  .dport = 5353,
	  .x_port = 53,
	  GW_TO_VM },
	{ .name = "NAT_NOT_SYN: TCP ACK to a static mapping, no connection",
	  .hook = GW_IN,
	  .prepare = prep_map_tcp,
	  .proto = TCP,
	  .tcp_flags = ACK,
	  .sport = 50000,
	  .dport = 8080,
	  GW_DROP(NAT_NOT_SYN) },
	{ .name = "CT_FULL: a new connection to a static mapping, table full",
	  .hook = GW_IN,
	  .max_conns = 1,
	  .prepare = prep_map_tcp_table_full,
	  .proto = TCP,
	  .tcp_flags = SYN,
	  .sport = 50000,
	  .dport = 8080,
	  GW_DROP(CT_FULL) },
	{ .name = "EXT_NO_RECORD: the connection's CA has lost its record",
	  .hook = GW_IN,
	  .prepare = prep_open_udp_del_record,
	  GW_DROP(EXT_NO_RECORD) },
	{ .name = "TTL_EXPIRED: a reply with TTL 1, time exceeded back out of gx",
	  .hook = GW_IN,
	  .ttl = 1,
	  .prepare = prep_open_udp,
	  GW_ICMP(GO_ICMP_EXT, 11, 0, 0, TTL_EXPIRED) },
	{ .name = "ICMP_RATE: a reply with TTL 1, the ICMP budget spent",
	  .hook = GW_IN,
	  .ttl = 1,
	  .prepare = prep_open_udp_budget,
	  GW_DROP(ICMP_RATE) },
	{ .name = "FRAG_NEEDED: a 1600-byte reply exceeds the underlay once encapsulated",
	  .hook = GW_IN,
	  .len = 1600,
	  .frag = PKT_IP_DF,
	  .prepare = prep_open_udp,
	  GW_ICMP(GO_ICMP_EXT, 3, 4, FIXTURE_UNDERLAY_MTU - 42, FRAG_NEEDED) },
	{ .name = "FRAG_RATE: a 1600-byte reply, the ICMP budget spent",
	  .hook = GW_IN,
	  .len = 1600,
	  .prepare = prep_open_udp_budget,
	  GW_DROP(FRAG_RATE) },
	/* in: answered by the gateway */
	{ .name = "ARP request for A's address: answered with gx's MAC",
	  .hook = GW_IN,
	  .build = b_arp_ext_a,
	  GW_REPLY(GO_ARP_REPLY) },
	{ .name = "ARP request for B's address, padded to 60 bytes: answered",
	  .hook = GW_IN,
	  .build = b_arp_ext_b_padded,
	  GW_REPLY(GO_ARP_REPLY) },
	{ .name = "ICMP echo to A's address: answered",
	  .hook = GW_IN,
	  .proto = ICMP,
	  .sport = 777,
	  .dport = 1,
	  GW_REPLY(GO_ECHO_REPLY) },
	{ .name = "ICMP echo to B's address, 1000 bytes: answered",
	  .hook = GW_IN,
	  .proto = ICMP,
	  .dst = EXT_B,
	  .len = 1000,
	  GW_REPLY(GO_ECHO_REPLY) },
	/* in: not the gateway's */
	{ .name = "pass: UDP to A's address, no connection", .hook = GW_IN, GW_PASS },
	{ .name = "pass: TCP SYN to A's address, no mapping",
	  .hook = GW_IN,
	  .proto = TCP,
	  .tcp_flags = SYN,
	  GW_PASS },
	{ .name = "pass: TCP ACK to A's address, no connection nor mapping",
	  .hook = GW_IN,
	  .proto = TCP,
	  .tcp_flags = ACK,
	  GW_PASS },
	{ .name = "pass: UDP to the port of a TCP mapping",
	  .hook = GW_IN,
	  .prepare = prep_map_tcp,
	  .dport = 8080,
	  GW_PASS },
	{ .name = "pass: ICMP echo reply to A's address, no connection",
	  .hook = GW_IN,
	  .proto = ICMP,
	  .echo_reply = true,
	  GW_PASS },
	{ .name = "pass: ICMP port unreachable about no connection",
	  .hook = GW_IN,
	  .build = b_ext_icmp_err_no_conn,
	  GW_PASS },
	{ .name = "pass: another server to a connection's port (endpoint-dependent)",
	  .hook = GW_IN,
	  .src = ROUTER,
	  .prepare = prep_open_udp,
	  GW_PASS },
	{ .name = "pass: the server from another port to a connection's port",
	  .hook = GW_IN,
	  .sport = 54,
	  .prepare = prep_open_udp,
	  GW_PASS },
	{ .name = "pass: TCP to the port of a UDP connection",
	  .hook = GW_IN,
	  .proto = TCP,
	  .tcp_flags = SYN | ACK,
	  .prepare = prep_open_udp,
	  GW_PASS },
	{ .name = "pass: to B's address, the port of A's connection",
	  .hook = GW_IN,
	  .dst = EXT_B,
	  .prepare = prep_open_udp,
	  GW_PASS },
	{ .name = "pass: UDP to the host's own address", .hook = GW_IN, .dst = GX_ADDR, GW_PASS },
	{ .name = "pass: ICMP echo to the host's own address",
	  .hook = GW_IN,
	  .proto = ICMP,
	  .dst = GX_ADDR,
	  GW_PASS },
	{ .name = "pass: ARP request for the host's own address",
	  .hook = GW_IN,
	  .build = b_arp_gx_addr,
	  GW_PASS },
	{ .name = "pass: ARP request for an address of nobody here",
	  .hook = GW_IN,
	  .build = b_arp_other,
	  GW_PASS },
	{ .name = "pass: ARP reply about A's address",
	  .hook = GW_IN,
	  .build = b_arp_reply_ext_a,
	  GW_PASS },
	{ .name = "pass: IPv6", .hook = GW_IN, .build = b_ipv6, GW_PASS },
	{ .name = "pass: a reply arriving on a device that is no external one",
	  .hook = GW_IN,
	  .on_underlay = true,
	  .prepare = prep_open_udp,
	  GW_PASS },
	{ .name = "pass: the reply of an expired connection",
	  .hook = GW_IN,
	  .prepare = prep_open_udp_expired,
	  GW_PASS },
	{ .name = "pass: to a CA, the device has no forward leg",
	  .hook = GW_IN,
	  .dst = CA_1,
	  GW_PASS },
	/* in: forward mode */
	{ .name = "forward in: to A1's CA, unchanged",
	  .hook = GW_IN,
	  .dst = CA_1,
	  .prepare = prep_forward_a,
	  GW_TO_VM },
	{ .name = "forward in: TCP ACK to A3's CA (no tracking)",
	  .hook = GW_IN,
	  .dst = CA_3,
	  .proto = TCP,
	  .tcp_flags = ACK,
	  .prepare = prep_forward_a,
	  .x_addr = CA_3,
	  .x_mac = MAC_3,
	  GW_TO_VM },
	{ .name = "EXT_SPOOF: forward in from a CA of the routing domain",
	  .hook = GW_IN,
	  .src = CA_3,
	  .dst = CA_1,
	  .prepare = prep_forward_a,
	  GW_DROP(EXT_SPOOF) },
	{ .name = "pass: forward in to a CA without a record",
	  .hook = GW_IN,
	  .dst = CA_UNKNOWN,
	  .prepare = prep_forward_a,
	  GW_PASS },
};

const size_t gw_cases_n = sizeof(gw_cases) / sizeof(gw_cases[0]);

ParameterizedTestParameters(gateway, cases)
{
	return case_indices(gw_cases_n);
}

ParameterizedTest(size_t *idx, gateway, cases, .fini = teardown)
{
	const struct gw_case *c = &gw_cases[*idx];

	gw_up(&gw, c->max_conns);
	if (c->prepare)
		c->prepare(&gw);
	gw_step(&gw, c, NULL);
}

/* ---- connections, step by step ---- */

static void expect_entry(const char *what, struct host *h, const struct nv_ct_key *k, __be32 addr,
			 __u16 port, __u32 rdid, __u8 state, __u8 flags)
{
	struct nv_ct_entry e;
	union nv_addr a;

	cr_assert_eq(ct_get(h, k, &e), 0, "%s: no entry", what);
	nv_addr_from_ipv4(&a, addr);
	cr_expect_arr_eq(e.addr.b, a.b, 16, "%s: translates to another address", what);
	cr_expect_eq(ntohs(e.port), port, "%s: port %u, want %u", what, ntohs(e.port), port);
	cr_expect_eq(e.rdid, rdid, "%s: rdid %u, want %u", what, e.rdid, rdid);
	cr_expect_eq(e.state, state, "%s: state %u, want %u", what, e.state, state);
	cr_expect_eq(e.flags, flags, "%s: flags 0x%x, want 0x%x", what, e.flags, flags);
}

Test(gateway, tcp_snat_dnat_and_states, .fini = teardown)
{
	const struct nv_ct_key out = ct_key(RDID_A, CA_1, SERVER, 40000, 80, TCP, NV_CT_OUT),
			       in = ct_key(0, SERVER, EXT_A, 80, 40000, TCP, NV_CT_IN);

	gw_up(&gw, 0);
	gw_step(&gw,
		&(struct gw_case){
			.name = "SYN out", .proto = TCP, .dport = 80, .tcp_flags = SYN, GW_SNAT },
		NULL);
	cr_expect_eq(ct_conns(&gw), 1);
	expect_entry("SYN: out half", &gw, &out, EXT_A, 40000, RDID_A, NV_CT_NEW, 0);
	expect_entry("SYN: in half", &gw, &in, CA_1, 40000, RDID_A, NV_CT_NEW, 0);

	gw_step(&gw,
		&(struct gw_case){ .name = "SYN-ACK in",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .tcp_flags = SYN | ACK,
				   GW_TO_VM },
		NULL);
	expect_entry("SYN-ACK: out half", &gw, &out, EXT_A, 40000, RDID_A, NV_CT_ESTABLISHED, 0);
	expect_entry("SYN-ACK: in half", &gw, &in, CA_1, 40000, RDID_A, NV_CT_ESTABLISHED, 0);

	gw_step(&gw,
		&(struct gw_case){
			.name = "data out", .proto = TCP, .dport = 80, .len = 700, GW_SNAT },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "data in",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .len = 1400,
				   GW_TO_VM },
		NULL);
	expect_entry("data: out half", &gw, &out, EXT_A, 40000, RDID_A, NV_CT_ESTABLISHED, 0);
	{
		struct nv_ct_entry e;

		cr_assert_eq(ct_get(&gw, &out, &e), 0);
		cr_expect_eq(e.packets, 2, "out half counted %llu packets, want 2",
			     (unsigned long long)e.packets);
		cr_assert_eq(ct_get(&gw, &in, &e), 0);
		cr_expect_eq(e.packets, 2, "in half counted %llu packets, want 2",
			     (unsigned long long)e.packets);
	}

	gw_step(&gw,
		&(struct gw_case){ .name = "FIN out",
				   .proto = TCP,
				   .dport = 80,
				   .tcp_flags = FIN | ACK,
				   GW_SNAT },
		NULL);
	expect_entry("FIN: out half", &gw, &out, EXT_A, 40000, RDID_A, NV_CT_CLOSING, 0);
	expect_entry("FIN: in half", &gw, &in, CA_1, 40000, RDID_A, NV_CT_CLOSING, 0);
	gw_step(&gw,
		&(struct gw_case){ .name = "FIN-ACK in",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .tcp_flags = FIN | ACK,
				   GW_TO_VM },
		NULL);
	cr_expect_eq(ct_conns(&gw), 1);
}

/* The library's view of the pair (nv_ct_iter) is the datapath's. */
static int one_conn_cb(const struct nv_ct_conn *c, void *arg)
{
	*(struct nv_ct_conn *)arg = *c;
	return 0;
}

Test(gateway, library_reads_the_pairs_the_datapath_writes, .fini = teardown)
{
	const struct nv_ct_key out = ct_key(RDID_B, CA_1, SERVER, 40000, 53, UDP, NV_CT_OUT),
			       in = ct_key(0, SERVER, EXT_B, 53, 40000, UDP, NV_CT_IN);
	struct nv_ct_conn c;

	gw_up(&gw, 0);
	gw_open(&gw, VSID_B, CA_1, 40000, SERVER, 53, UDP);
	memset(&c, 0, sizeof(c));
	cr_assert_eq(nv_ct_iter(&gw.o.maps, RDID_B, one_conn_cb, &c), 0);
	cr_expect(c.has_in, "the library found no in half");
	cr_expect_arr_eq(&c.out, &out, sizeof(out), "out key");
	cr_expect_arr_eq(&c.in, &in, sizeof(in), "in key");
	expect_entry("out half", &gw, &out, EXT_B, 40000, RDID_B, NV_CT_NEW, 0);
	expect_entry("in half", &gw, &in, CA_1, 40000, RDID_B, NV_CT_NEW, 0);
}

Test(gateway, udp_roundtrip, .fini = teardown)
{
	gw_up(&gw, 0);
	gw_step(&gw, &(struct gw_case){ .name = "out", .len = 300, GW_SNAT }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "in", .hook = GW_IN, .len = 500, GW_TO_VM }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "out again", .len = 64, GW_SNAT }, NULL);
	{
		struct nv_ct_key out = ct_key(RDID_A, CA_1, SERVER, 40000, 53, UDP, NV_CT_OUT);

		expect_entry("reply seen", &gw, &out, EXT_A, 40000, RDID_A, NV_CT_ESTABLISHED, 0);
	}
}

Test(gateway, udp_checksum_zero_stays_zero_both_ways, .fini = teardown)
{
	gw_up(&gw, 0);
	gw_step(&gw, &(struct gw_case){ .name = "out", .udp_no_csum = true, GW_SNAT }, NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "in", .hook = GW_IN, .udp_no_csum = true, GW_TO_VM },
		NULL);
}

Test(gateway, icmp_echo_identifier_kept_then_changed, .fini = teardown)
{
	__u16 id3;

	gw_up(&gw, 0);
	gw_step(&gw,
		&(struct gw_case){
			.name = "A1's echo", .proto = ICMP, .sport = 4660, .dport = 1, GW_SNAT },
		NULL);
	id3 = gw_step(&gw,
		      &(struct gw_case){ .name = "A3's echo, same identifier",
					 .proto = ICMP,
					 .src = CA_3,
					 .sport = 4660,
					 .dport = 1,
					 .x_port_any = true,
					 GW_SNAT },
		      NULL);
	cr_expect_eq(ct_conns(&gw), 2);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to A1's",
				   .hook = GW_IN,
				   .proto = ICMP,
				   .echo_reply = true,
				   .sport = 4660,
				   .dport = 1,
				   GW_TO_VM },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to A3's",
				   .hook = GW_IN,
				   .proto = ICMP,
				   .echo_reply = true,
				   .sport = id3,
				   .dport = 1,
				   .x_addr = CA_3,
				   .x_mac = MAC_3,
				   .x_port = 4660,
				   GW_TO_VM },
		NULL);
}

Test(gateway, two_tenants_same_ca_and_port_never_cross, .fini = teardown)
{
	gw_up(&gw, 0);
	gw_step(&gw, &(struct gw_case){ .name = "A1 out", .proto = TCP, .tcp_flags = SYN, GW_SNAT },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "B1 out (same CA, MAC and port)",
				   .vsid = VSID_B,
				   .proto = TCP,
				   .tcp_flags = SYN,
				   GW_SNAT },
		NULL);
	cr_expect_eq(ct_conns(&gw), 2);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to B's address: B's VSID",
				   .hook = GW_IN,
				   .dst = EXT_B,
				   .proto = TCP,
				   .tcp_flags = SYN | ACK,
				   .x_vsid = VSID_B,
				   GW_TO_VM },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to A's address: A's VSID",
				   .hook = GW_IN,
				   .proto = TCP,
				   .tcp_flags = SYN | ACK,
				   GW_TO_VM },
		NULL);
	/* Each tenant's state moved alone: both established now, by their own replies. */
	{
		struct nv_ct_key a = ct_key(RDID_A, CA_1, SERVER, 40000, 53, TCP, NV_CT_OUT),
				 b = ct_key(RDID_B, CA_1, SERVER, 40000, 53, TCP, NV_CT_OUT);

		expect_entry("A", &gw, &a, EXT_A, 40000, RDID_A, NV_CT_ESTABLISHED, 0);
		expect_entry("B", &gw, &b, EXT_B, 40000, RDID_B, NV_CT_ESTABLISHED, 0);
	}
}

Test(gateway, second_ca_same_port_gets_another_port, .fini = teardown)
{
	__u16 p3;

	gw_up(&gw, 0);
	gw_step(&gw, &(struct gw_case){ .name = "A1 out", GW_SNAT }, NULL);
	p3 = gw_step(&gw,
		     &(struct gw_case){ .name = "A3 out, same port and server",
					.src = CA_3,
					.x_port_any = true,
					GW_SNAT },
		     NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to A3's port",
				   .hook = GW_IN,
				   .dport = p3,
				   .x_addr = CA_3,
				   .x_mac = MAC_3,
				   .x_port = 40000,
				   GW_TO_VM },
		NULL);
	gw_step(&gw, &(struct gw_case){ .name = "reply to A1's port", .hook = GW_IN, GW_TO_VM },
		NULL);
	/* A1's next packet keeps its connection's port. */
	gw_step(&gw, &(struct gw_case){ .name = "A1 again", GW_SNAT }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "A3 again", .src = CA_3, .x_port = p3, GW_SNAT },
		NULL);
}

Test(gateway, port_range_exhaustion, .fini = teardown)
{
	__u16 p1, p2;

	gw_up(&gw, 0);
	nat_del(&gw, RDID_A);
	nat_add(&gw, RDID_A, EXT_A, 2000, 2001);
	p1 = gw_step(&gw,
		     &(struct gw_case){ .name = "first",
					.sport = 40001,
					.x_port_any = true,
					.x_port_lo = 2000,
					.x_port_hi = 2001,
					GW_SNAT },
		     NULL);
	p2 = gw_step(&gw,
		     &(struct gw_case){ .name = "second",
					.src = CA_3,
					.sport = 40001,
					.x_port_any = true,
					.x_port_lo = 2000,
					.x_port_hi = 2001,
					GW_SNAT },
		     NULL);
	cr_expect_neq(p1, p2, "two connections to one server share external port %u", p1);
	gw_step(&gw, &(struct gw_case){ .name = "third", .sport = 40002, GW_DROP(NAT_PORTS) },
		NULL);
	cr_expect_eq(ct_conns(&gw), 2);
	/* A port is taken per remote endpoint: another server still has both. */
	gw_step(&gw,
		&(struct gw_case){ .name = "to another server",
				   .sport = 40002,
				   .dst = FAR,
				   .x_mac = ROUTER_MAC,
				   .x_port_any = true,
				   .x_port_lo = 2000,
				   .x_port_hi = 2001,
				   GW_SNAT },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "reply to the second",
				   .hook = GW_IN,
				   .dport = p2,
				   .x_addr = CA_3,
				   .x_mac = MAC_3,
				   .x_port = 40001,
				   GW_TO_VM },
		NULL);
}

Test(gateway, full_table_keeps_live_connections, .fini = teardown)
{
	gw_up(&gw, 2);
	prep_open_two(&gw);
	gw_step(&gw, &(struct gw_case){ .name = "third", .sport = 40003, GW_DROP(CT_FULL) }, NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "TCP SYN, table full",
				   .proto = TCP,
				   .tcp_flags = SYN,
				   GW_DROP(CT_FULL) },
		NULL);
	cr_expect_eq(ct_conns(&gw), 2, "a connection was evicted or half inserted");
	gw_step(&gw, &(struct gw_case){ .name = "first again", .sport = 40001, GW_SNAT }, NULL);
	gw_step(&gw,
		&(struct gw_case){
			.name = "reply to the second", .hook = GW_IN, .dport = 40002, GW_TO_VM },
		NULL);
	/* No half of a failed insert was left behind. */
	{
		struct nv_ct_entry e;
		struct nv_ct_key k = ct_key(0, SERVER, EXT_A, 53, 40003, UDP, NV_CT_IN);

		cr_expect_neq(ct_get(&gw, &k, &e), 0, "the failed connection's in half is there");
	}
}

/* ---- timeouts ---- */

static void expect_expiry(const char *what, struct host *h, const struct nv_ct_key *k,
			  __u64 after_ns, __u64 secs)
{
	__u64 want = secs * 1000000000ull, now = mono_ns();
	struct nv_ct_entry e;

	cr_assert_eq(ct_get(h, k, &e), 0, "%s: no entry", what);
	cr_expect(e.expires_ns >= after_ns + want && e.expires_ns <= now + want,
		  "%s: expires %lld ns from the packet, want %llu s", what,
		  (long long)(e.expires_ns - after_ns), (unsigned long long)secs);
}

Test(gateway, timeouts_per_protocol_and_state, .fini = teardown)
{
	const struct nv_ct_timeouts t = {
		.tcp_syn = 11, .tcp_established = 12, .tcp_fin = 13, .udp = 14, .icmp = 15
	};
	const struct nv_ct_key tcp_out = ct_key(RDID_A, CA_1, SERVER, 40000, 80, TCP, NV_CT_OUT),
			       tcp_in = ct_key(0, SERVER, EXT_A, 80, 40000, TCP, NV_CT_IN),
			       udp_out = ct_key(RDID_A, CA_1, SERVER, 40000, 53, UDP, NV_CT_OUT),
			       icmp_in = ct_key(0, SERVER, EXT_A, 0, 4660, ICMP, NV_CT_IN);
	__u64 t0;

	gw_up(&gw, 0);
	cr_assert_eq(nv_ct_timeouts_set(&gw.o.maps, &t, NULL), 0);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){
			.name = "SYN", .proto = TCP, .dport = 80, .tcp_flags = SYN, GW_SNAT },
		NULL);
	expect_expiry("SYN: out half", &gw, &tcp_out, t0, 11);
	expect_expiry("SYN: in half", &gw, &tcp_in, t0, 11);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN-ACK",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .tcp_flags = SYN | ACK,
				   GW_TO_VM },
		NULL);
	expect_expiry("established: out half", &gw, &tcp_out, t0, 12);
	expect_expiry("established: in half", &gw, &tcp_in, t0, 12);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){ .name = "RST",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .tcp_flags = RST,
				   GW_TO_VM },
		NULL);
	expect_expiry("RST: out half", &gw, &tcp_out, t0, 13);
	expect_expiry("RST: in half", &gw, &tcp_in, t0, 13);
	{
		struct nv_ct_entry e;

		cr_assert_eq(ct_get(&gw, &tcp_out, &e), 0);
		cr_expect_eq(e.state, NV_CT_CLOSING, "RST: state %u", e.state);
	}
	t0 = mono_ns();
	gw_step(&gw, &(struct gw_case){ .name = "UDP", GW_SNAT }, NULL);
	expect_expiry("UDP", &gw, &udp_out, t0, 14);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){
			.name = "echo", .proto = ICMP, .sport = 4660, .dport = 1, GW_SNAT },
		NULL);
	expect_expiry("ICMP", &gw, &icmp_in, t0, 15);
}

Test(gateway, default_timeouts, .fini = teardown)
{
	const struct nv_ct_key tcp_out = ct_key(RDID_A, CA_1, SERVER, 40000, 80, TCP, NV_CT_OUT),
			       udp_out = ct_key(RDID_A, CA_1, SERVER, 40000, 53, UDP, NV_CT_OUT);
	__u64 t0;

	gw_up(&gw, 0);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){
			.name = "SYN", .proto = TCP, .dport = 80, .tcp_flags = SYN, GW_SNAT },
		NULL);
	gw_step(&gw, &(struct gw_case){ .name = "UDP", GW_SNAT }, NULL);
	expect_expiry("SYN", &gw, &tcp_out, t0, NV_CT_TIMEOUT_TCP_SYN);
	expect_expiry("UDP", &gw, &udp_out, t0, NV_CT_TIMEOUT_UDP);
	t0 = mono_ns();
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN-ACK",
				   .hook = GW_IN,
				   .proto = TCP,
				   .sport = 80,
				   .tcp_flags = SYN | ACK,
				   GW_TO_VM },
		NULL);
	expect_expiry("established", &gw, &tcp_out, t0, NV_CT_TIMEOUT_TCP_ESTABLISHED);
}

Test(gateway, expired_pair_passes_and_is_removed, .fini = teardown)
{
	gw_up(&gw, 0);
	prep_open_udp(&gw);
	ct_expire(&gw, -1);
	gw_step(&gw, &(struct gw_case){ .name = "reply", .hook = GW_IN, GW_PASS }, NULL);
	cr_expect_eq(ct_conns(&gw), 0, "the expired pair is still there");
	{
		struct nv_ct_key in = ct_key(0, SERVER, EXT_A, 53, 40000, UDP, NV_CT_IN);
		struct nv_ct_entry e;

		cr_expect_neq(ct_get(&gw, &in, &e), 0, "the expired in half is still there");
	}
	/* What the VM sends now opens a new connection, on the same port. */
	gw_step(&gw, &(struct gw_case){ .name = "out again", GW_SNAT }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "reply again", .hook = GW_IN, GW_TO_VM }, NULL);
}

Test(gateway, one_second_timeout_in_real_time, .fini = teardown)
{
	const struct nv_ct_timeouts t = { .udp = 1 };

	gw_up(&gw, 0);
	cr_assert_eq(nv_ct_timeouts_set(&gw.o.maps, &t, NULL), 0);
	prep_open_udp(&gw);
	gw_step(&gw, &(struct gw_case){ .name = "reply in time", .hook = GW_IN, GW_TO_VM }, NULL);
	usleep(1200 * 1000);
	gw_step(&gw, &(struct gw_case){ .name = "reply too late", .hook = GW_IN, GW_PASS }, NULL);
	cr_expect_eq(ct_conns(&gw), 0);
}

/* A pair lives while either half does: one expired half is renewed by the next packet. */
Test(gateway, half_expired_pair_stays_live, .fini = teardown)
{
	gw_up(&gw, 0);
	prep_open_udp(&gw);
	ct_expire(&gw, NV_CT_OUT);
	gw_step(&gw, &(struct gw_case){ .name = "reply", .hook = GW_IN, GW_TO_VM }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "out", GW_SNAT }, NULL);
	ct_expire(&gw, NV_CT_IN);
	gw_step(&gw, &(struct gw_case){ .name = "out, in half expired", GW_SNAT }, NULL);
	gw_step(&gw, &(struct gw_case){ .name = "reply again", .hook = GW_IN, GW_TO_VM }, NULL);
	cr_expect_eq(ct_conns(&gw), 1);
}

/* ---- static mappings ---- */

Test(gateway, static_mapping_roundtrip, .fini = teardown)
{
	const struct nv_ct_key in = ct_key(0, SERVER, EXT_A, 50000, 8080, TCP, NV_CT_IN),
			       out = ct_key(RDID_A, CA_1, SERVER, 80, 50000, TCP, NV_CT_OUT);

	gw_up(&gw, 0);
	prep_map_tcp(&gw);
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN in",
				   .hook = GW_IN,
				   .proto = TCP,
				   .tcp_flags = SYN,
				   .sport = 50000,
				   .dport = 8080,
				   .x_port = 80,
				   GW_TO_VM },
		NULL);
	expect_entry("SYN: in half", &gw, &in, CA_1, 80, RDID_A, NV_CT_NEW, NV_CT_F_STATIC);
	expect_entry("SYN: out half", &gw, &out, EXT_A, 8080, RDID_A, NV_CT_NEW, NV_CT_F_STATIC);
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN-ACK out",
				   .proto = TCP,
				   .tcp_flags = SYN | ACK,
				   .sport = 80,
				   .dport = 50000,
				   .x_port = 8080,
				   GW_SNAT },
		NULL);
	expect_entry("SYN-ACK: in half", &gw, &in, CA_1, 80, RDID_A, NV_CT_ESTABLISHED,
		     NV_CT_F_STATIC);
	expect_entry("SYN-ACK: out half", &gw, &out, EXT_A, 8080, RDID_A, NV_CT_ESTABLISHED,
		     NV_CT_F_STATIC);
	gw_step(&gw,
		&(struct gw_case){ .name = "ACK in",
				   .hook = GW_IN,
				   .proto = TCP,
				   .tcp_flags = ACK,
				   .sport = 50000,
				   .dport = 8080,
				   .x_port = 80,
				   GW_TO_VM },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "data out",
				   .proto = TCP,
				   .sport = 80,
				   .dport = 50000,
				   .len = 1000,
				   .x_port = 8080,
				   GW_SNAT },
		NULL);
	/* The VM's own connections from that port elsewhere are SNATs of their own. */
	gw_step(&gw,
		&(struct gw_case){ .name = "the VM's port 80 to another server",
				   .proto = TCP,
				   .tcp_flags = SYN,
				   .sport = 80,
				   .dport = 443,
				   .dst = FAR,
				   .x_mac = ROUTER_MAC,
				   .x_port_any = true,
				   GW_SNAT },
		NULL);
	cr_expect_eq(ct_conns(&gw), 2);
}

/* ---- a VM of the gateway host itself (A2, 10.0.0.2 on host 2; B2 in tenant B) ---- */

/* RDID rdid's default route via the leg's CA, as every host of the routing domain has it. */
static void default_via_leg(struct host *h, __u32 rdid)
{
	struct nv_route_key k = { .prefixlen = 96, .rdid = rdid };
	struct nv_route rt = { 0 };

	nv_addr_from_ipv4(&k.addr, 0);
	nv_addr_from_ipv4(&rt.nexthop, LEG_CA);
	cr_assert_eq(nv_route_add(&h->o.maps, &k, &rt, NULL), 0, "default route of RDID %u", rdid);
}

/*
 * One frame through one of host 2's programs (nv_from_vm at port, or nv_from_ext at gx when port
 * is NULL): verdict, counters exactly e (a drop at the frame's own length), the output when want.
 */
static void local_step(const char *name, const struct host_port *port, const struct pkt *in,
		       __u32 verdict, struct counters_expect *e, const struct pkt *want)
{
	struct counters before, after;
	struct run r;
	char err[256];

	if (e->drop != NV_DROP_NONE && !e->drop_bytes)
		e->drop_bytes = in->len;
	cr_assert_eq(counters_read(&gw, &before), 0);
	run_tc(port ? gw.from_vm : gw.from_ext, port ? port->ifindex : gx_ifindex(), in->d, in->len,
	       0, &r);
	cr_assert_eq(counters_read(&gw, &after), 0);
	cr_assert_eq(r.err, 0, "%s: test run: %s", name, strerror(-r.err));
	cr_expect_eq(r.retval, verdict, "%s: verdict %s, want %s", name, tc_verdict_name(r.retval),
		     tc_verdict_name(verdict));
	cr_expect(counters_check(&before, &after, e, err, sizeof(err)) == 0, "%s: %s", name, err);
	if (want)
		expect_frame(name, "output", r.out, r.out_len, want);
}

/* What a VM of host 2 with MAC_2 and CA_2 sends to dst through its subnet's gateway. */
static void local_vm_spec(struct pkt_ipv4_spec *s, const __u8 *gw_mac, __be32 dst)
{
	frame_spec(s, MAC_2, CA_2, gw_mac, dst);
	s->sport = 40000;
	s->dport = 53;
}

/*
 * A published service on A2: the SYN is delivered to its port (nv_gw_to_vm's local branch), and
 * its SYN-ACK, routed by the VM's default route to the leg's CA, leaves by the gateway as a
 * remote VM's does: nv_from_vm hands it to nv_gw_out (two TTL steps: the router's, the
 * gateway's), counted as sent by the port.
 */
Test(gateway, vm_of_the_gateway_host_serves_through_it, .fini = teardown)
{
	const struct host_port *a2;
	struct counters_expect e = { .drop = NV_DROP_NONE };
	struct pkt_ipv4_spec s;
	struct pkt in, want;

	gw_up(&gw, 0);
	a2 = &gw.port[H2_A2];
	map_add(&gw, TCP, EXT_A, 8081, RDID_A, CA_2, 80);
	default_via_leg(&gw, RDID_A);

	frame_spec(&s, SERVER_MAC, SERVER, GX_MAC, EXT_A);
	s.proto = TCP;
	s.tcp_flags = SYN;
	s.sport = 50000;
	s.dport = 8081;
	cr_assert_gt(pkt_ipv4(&in, &s, 80), 0);
	memcpy(s.dmac, MAC_2, 6);
	memcpy(s.smac, MAC_GW_A, 6);
	s.daddr = CA_2;
	s.dport = 80;
	s.ttl--;
	cr_assert_gt(pkt_ipv4(&want, &s, 80), 0);
	e.a.rx_packets = 1;
	e.a.rx_bytes = in.len;
	local_step("SYN in", NULL, &in, TC_ACT_REDIRECT, &e, &want);

	frame_spec(&s, MAC_2, CA_2, MAC_GW_A, SERVER);
	s.proto = TCP;
	s.tcp_flags = SYN | ACK;
	s.sport = 80;
	s.dport = 50000;
	cr_assert_gt(pkt_ipv4(&in, &s, 80), 0);
	memcpy(s.dmac, SERVER_MAC, 6);
	memcpy(s.smac, GX_MAC, 6);
	s.saddr = EXT_A;
	s.sport = 8081;
	s.ttl -= 2;
	cr_assert_gt(pkt_ipv4(&want, &s, 80), 0);
	e = (struct counters_expect){ .a = { .tx_packets = 1, .tx_bytes = in.len } };
	local_step("SYN-ACK out of A2", a2, &in, TC_ACT_REDIRECT, &e, &want);
}

/*
 * A2 and B2 (same CA, MAC and ports, two tenants) open the same UDP flow from the gateway host:
 * each leaves with its tenant's address, and each reply reaches its own tenant's port only (the
 * rx counters say which).
 */
Test(gateway, vms_of_the_gateway_host_nat_per_tenant, .fini = teardown)
{
	const __be32 ext[2] = { EXT_A, EXT_B };
	const __u32 rdid[2] = { RDID_A, RDID_B };
	const __u8 *gw_mac[2] = { MAC_GW_A, MAC_GW_B };
	const int port[2] = { H2_A2, H2_B2 };
	struct pkt_ipv4_spec s;
	struct pkt in, want;

	gw_up(&gw, 0);
	for (int t = 0; t < 2; t++)
		default_via_leg(&gw, rdid[t]);
	for (int t = 0; t < 2; t++) {
		struct counters_expect e = { 0 };
		struct nv_ct_entry ce;
		struct nv_ct_key k;

		local_vm_spec(&s, gw_mac[t], SERVER);
		cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
		memcpy(s.dmac, SERVER_MAC, 6);
		memcpy(s.smac, GX_MAC, 6);
		s.saddr = ext[t];
		s.ttl -= 2;
		cr_assert_gt(pkt_ipv4(&want, &s, 100), 0);
		*(t ? &e.b : &e.a) = (struct nv_vsid_stats){ .tx_packets = 1, .tx_bytes = in.len };
		local_step(t ? "B2 out" : "A2 out", &gw.port[port[t]], &in, TC_ACT_REDIRECT, &e,
			   &want);
		k = ct_key(rdid[t], CA_2, SERVER, 40000, 53, UDP, NV_CT_OUT);
		cr_expect_eq(ct_get(&gw, &k, &ce), 0, "tenant %d: no connection entry", t);
	}
	cr_expect_eq(ct_conns(&gw), 2);
	for (int t = 1; t >= 0; t--) {
		struct counters_expect e = { 0 };

		frame_spec(&s, SERVER_MAC, SERVER, GX_MAC, ext[t]);
		s.sport = 53;
		s.dport = 40000;
		cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
		memcpy(s.dmac, MAC_2, 6);
		memcpy(s.smac, gw_mac[t], 6);
		s.daddr = CA_2;
		s.ttl--;
		cr_assert_gt(pkt_ipv4(&want, &s, 100), 0);
		*(t ? &e.b : &e.a) = (struct nv_vsid_stats){ .rx_packets = 1, .rx_bytes = in.len };
		local_step(t ? "reply to B" : "reply to A", NULL, &in, TC_ACT_REDIRECT, &e, &want);
	}
}

/*
 * What stays: the leg's own CA is no destination of the gateway, routed (A6, from the other
 * subnet) or bridged (A2): NOT_LOCAL as before, nothing sent out. The gateway's drops of a local
 * VM's packet are counted by their reasons, and against the port (not as sent).
 */
Test(gateway, vm_of_the_gateway_host_drops, .fini = teardown)
{
	struct counters_expect e;
	struct pkt_ipv4_spec s;
	struct pkt in;

	gw_up(&gw, 0);
	default_via_leg(&gw, RDID_A);

	frame_spec(&s, MAC_6, CA_6, MAC_GW_A2, LEG_CA);
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	e = (struct counters_expect){ .drop = NV_DROP_NOT_LOCAL };
	local_step("A6 to the leg's CA", &gw.port[H2_A6], &in, TC_ACT_SHOT, &e, NULL);

	local_vm_spec(&s, LEG_MAC, LEG_CA);
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	e = (struct counters_expect){ .drop = NV_DROP_NOT_LOCAL };
	local_step("A2 bridged to the leg's CA", &gw.port[H2_A2], &in, TC_ACT_SHOT, &e, NULL);

	local_vm_spec(&s, MAC_GW_A, UNROUTED);
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	e = (struct counters_expect){ .drop = NV_DROP_GW_NO_ROUTE };
	local_step("A2 to an unrouted address", &gw.port[H2_A2], &in, TC_ACT_SHOT, &e, NULL);

	nat_del(&gw, RDID_A);
	local_vm_spec(&s, MAC_GW_A, SERVER);
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	e = (struct counters_expect){ .drop = NV_DROP_NAT_NONE };
	local_step("A2 out, no NAT", &gw.port[H2_A2], &in, TC_ACT_SHOT, &e, NULL);

	leg_mode(&gw, RDID_A, VSID_A, NV_GW_FORWARD);
	e = (struct counters_expect){ .drop = NV_DROP_GW_NO_ROUTE };
	local_step("A2 out, forward mode without a gateway route", &gw.port[H2_A2], &in,
		   TC_ACT_SHOT, &e, NULL);
	cr_expect_eq(ct_conns(&gw), 0);
}

/*
 * Forward mode: A2's packet to a prefix of the RDID's gateway routes leaves unchanged but for the
 * two TTL steps and the MACs.
 */
Test(gateway, vm_of_the_gateway_host_forwards, .fini = teardown)
{
	struct counters_expect e = { 0 };
	struct pkt_ipv4_spec s;
	struct pkt in, want;

	gw_up(&gw, 0);
	default_via_leg(&gw, RDID_A);
	leg_mode(&gw, RDID_A, VSID_A, NV_GW_FORWARD);
	gw_route(&gw, RDID_A, SERVER, 32, 0);
	local_vm_spec(&s, MAC_GW_A, SERVER);
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	memcpy(s.dmac, SERVER_MAC, 6);
	memcpy(s.smac, GX_MAC, 6);
	s.ttl -= 2;
	cr_assert_gt(pkt_ipv4(&want, &s, 100), 0);
	e.a = (struct nv_vsid_stats){ .tx_packets = 1, .tx_bytes = in.len };
	local_step("A2 forwarded", &gw.port[H2_A2], &in, TC_ACT_REDIRECT, &e, &want);
	cr_expect_eq(ct_conns(&gw), 0);
}

/*
 * The gateway's ICMP errors reach a local VM on its port: TTL 2 expires at the gateway (the
 * router took one), a packet too big for gx gets frag-needed with gx's MTU, both from the leg's
 * CA; the packet is a drop of the port's, the error is received by the port (as the VM's host
 * counts it when the VM is remote).
 */
Test(gateway, vm_of_the_gateway_host_gets_icmp_errors, .fini = teardown)
{
	struct counters_expect e;
	struct pkt_ipv4_spec s;
	struct pkt in, routed, want;

	gw_up(&gw, 0);
	default_via_leg(&gw, RDID_A);

	local_vm_spec(&s, MAC_GW_A, SERVER);
	s.ttl = 2;
	cr_assert_gt(pkt_ipv4(&in, &s, 100), 0);
	memcpy(s.dmac, LEG_MAC, 6);
	memcpy(s.smac, MAC_GW_A, 6);
	s.ttl = 1;
	cr_assert_gt(pkt_ipv4(&routed, &s, 100), 0);
	icmp_about(&want, &routed, MAC_2, MAC_GW_A, LEG_CA, CA_2, 11, 0, 0);
	e = (struct counters_expect){ .drop = NV_DROP_TTL_EXPIRED,
				      .a = { .rx_packets = 1, .rx_bytes = want.len } };
	local_step("A2, TTL 2", &gw.port[H2_A2], &in, TC_ACT_REDIRECT, &e, &want);

	prep_mtu_1400(&gw);
	local_vm_spec(&s, MAC_GW_A, SERVER);
	s.frag = 0x4000;
	cr_assert_gt(pkt_ipv4(&in, &s, 1500), 0);
	memcpy(s.dmac, LEG_MAC, 6);
	memcpy(s.smac, MAC_GW_A, 6);
	s.ttl--;
	cr_assert_gt(pkt_ipv4(&routed, &s, 1500), 0);
	icmp_about(&want, &routed, MAC_2, MAC_GW_A, LEG_CA, CA_2, 3, 4, 1400);
	e = (struct counters_expect){ .drop = NV_DROP_FRAG_NEEDED,
				      .a = { .rx_packets = 1, .rx_bytes = want.len } };
	local_step("A2, 1500 bytes DF", &gw.port[H2_A2], &in, TC_ACT_REDIRECT, &e, &want);
	cr_expect_eq(ct_conns(&gw), 0);
}

/* ---- ICMP errors ---- */

/* The VM's packet as the quote of an ICMP error about it holds it: TTL ttl, header checksum right.
 */
static void quote_of(struct pkt *q, const struct pkt *vm_frame, __u8 ttl, size_t qlen)
{
	q->len = qlen;
	memcpy(q->d, vm_frame->d + PKT_ETH_HLEN, qlen);
	q->d[8] = ttl;
	frame_fix_ip_csum(q->d);
}

/* An ICMP error (type, code, mtu) from 'from' to 'to' quoting qlen bytes of q (its IPv4 header on).
 */
static void icmp_frame(struct pkt *p, const __u8 *dmac, const __u8 *smac, __be32 from, __be32 to,
		       __u8 ttl, __u8 type, __u8 code, __u16 mtu, const __u8 *q, size_t qlen)
{
	struct pkt_icmp_err_spec e = {
		.saddr = from, .daddr = to, .ttl = ttl, .type = type, .code = code, .rest = mtu
	};

	memcpy(e.dmac, dmac, 6);
	memcpy(e.smac, smac, 6);
	cr_assert_gt(pkt_icmp_error(p, &e, q, qlen), 0);
}

/*
 * The server's (or a router's) ICMP error about a packet the NAT sent: translated back to the VM.
 * The quote the VM must find is its own packet (TTL one less, as the NAT sent it): quoted source
 * and port back to the CA's, the quoted IPv4 checksum recomputed, the quoted L4 checksum the
 * VM's own when the quote holds it, the ICMP checksum over all of it. open: the VM's packet (a
 * GW_OUT step that SNATs it); qlen: how much of it the error quotes.
 */
static void icmp_error_in(const char *name, const struct gw_case *open, const __u8 *vm_mac,
			  __be32 from, __u8 type, __u8 code, __u16 mtu, size_t qlen)
{
	struct pkt vm, sent, err_in, want, q;
	struct pkt_ipv4_spec s;
	struct gw_case step;

	case_spec(open, &s);
	cr_assert_gt(pkt_ipv4(&vm, &s, open->len ?: 100), 0);
	gw_step(&gw, open, &sent);
	icmp_frame(&err_in, GX_MAC, from == ROUTER ? ROUTER_MAC : SERVER_MAC, from,
		   ext_of(case_vsid(open)), 64, type, code, mtu, sent.d + PKT_ETH_HLEN, qlen);
	quote_of(&q, &vm, 63, qlen);
	icmp_frame(&want, vm_mac, gw_mac_of(case_vsid(open)), from, s.saddr, 63, type, code, mtu,
		   q.d, qlen);
	step = (struct gw_case){ .name = name,
				 .hook = GW_IN,
				 .frame = &err_in,
				 .want = &want,
				 .x_vsid = case_vsid(open),
				 GW_REPLY(GO_WANT_VM) };
	gw_step(&gw, &step, NULL);
}

Test(gateway, icmp_port_unreachable_about_udp_translated_back, .fini = teardown)
{
	const struct gw_case open = { .name = "UDP out", .len = 200, GW_SNAT };

	gw_up(&gw, 0);
	icmp_error_in("port unreachable, 8 bytes of UDP quoted", &open, MAC_1, SERVER, 3, 3, 0, 28);
	/* Quoting the whole datagram (as Linux does) changes nothing of the translation. */
	icmp_error_in("port unreachable, the whole datagram quoted", &open, MAC_1, SERVER, 3, 3, 0,
		      186);
}

Test(gateway, icmp_error_about_udp_without_checksum, .fini = teardown)
{
	const struct gw_case open = { .name = "UDP out, checksum 0", .udp_no_csum = true, GW_SNAT };

	gw_up(&gw, 0);
	/* The quoted UDP checksum 0 stays 0: it covers nothing to translate. */
	icmp_error_in("port unreachable, whole datagram quoted", &open, MAC_1, SERVER, 3, 3, 0, 86);
}

/* The server's error about what the published service sent it: back to the service's CA:port. */
Test(gateway, icmp_error_about_a_static_mappings_reply, .fini = teardown)
{
	const struct gw_case open = { .name = "the service's reply out",
				      .sport = 53,
				      .dport = 50000,
				      .x_port = 5353,
				      GW_SNAT };

	gw_up(&gw, 0);
	prep_map_udp(&gw);
	gw_step(&gw,
		&(struct gw_case){ .name = "query in",
				   .hook = GW_IN,
				   .sport = 50000,
				   .dport = 5353,
				   .x_port = 53,
				   GW_TO_VM },
		NULL);
	icmp_error_in("port unreachable about the service's reply", &open, MAC_1, SERVER, 3, 3, 0,
		      28);
}

Test(gateway, icmp_errors_of_b_go_to_b, .fini = teardown)
{
	const struct gw_case open = { .name = "B's UDP out", .vsid = VSID_B, GW_SNAT };

	gw_up(&gw, 0);
	icmp_error_in("B: port unreachable", &open, MAC_1, SERVER, 3, 3, 0, 28);
}

Test(gateway, icmp_frag_needed_about_tcp_translated_back, .fini = teardown)
{
	const struct gw_case open = { .name = "TCP SYN out",
				      .proto = TCP,
				      .dport = 80,
				      .tcp_flags = SYN,
				      .len = 54,
				      .frag = PKT_IP_DF,
				      GW_SNAT };

	gw_up(&gw, 0);
	/* From a router on the way, 8 bytes of TCP quoted: no TCP checksum in the quote. */
	icmp_error_in("frag needed, 8 bytes quoted", &open, MAC_1, ROUTER, 3, 4, 1280, 28);
	/* The whole segment quoted: the quoted TCP checksum is translated back too. */
	icmp_error_in("frag needed, the whole SYN quoted", &open, MAC_1, ROUTER, 3, 4, 1280, 40);
	/* Time exceeded on the way, about the same connection. */
	icmp_error_in("time exceeded", &open, MAC_1, ROUTER, 11, 0, 0, 28);
}

Test(gateway, icmp_error_about_an_echo_translated_back, .fini = teardown)
{
	const struct gw_case a1 = { .name = "A1's echo",
				    .proto = ICMP,
				    .sport = 4660,
				    .dport = 9,
				    GW_SNAT },
			     a3 = { .name = "A3's echo, same identifier: another one",
				    .proto = ICMP,
				    .src = CA_3,
				    .sport = 4660,
				    .dport = 9,
				    .x_port_any = true,
				    GW_SNAT };

	gw_up(&gw, 0);
	icmp_error_in("A1: host unreachable", &a1, MAC_1, ROUTER, 3, 1, 0, 28);
	/* A3's echo left with another identifier; the error about it names that one. */
	icmp_error_in("A3: host unreachable, identifier back to A3's", &a3, MAC_3, ROUTER, 3, 1, 0,
		      28);
}

/*
 * The server's packet in (after prepare), delivered to the VM, then the VM's port unreachable
 * about it, from CA_1 to the server through its gateway: out translated, its quote the server's
 * packet as the server sent it (TTL one less on the way in).
 */
static void vm_port_unreachable_about(const struct gw_case *in, void (*prepare)(struct host *h))
{
	struct pkt delivered, server, got, err_vm, want, q;
	struct pkt_nvgre_view v;
	struct pkt_ipv4_spec s;
	char err[256];

	gw_up(&gw, 0);
	prepare(&gw);
	case_spec(in, &s);
	cr_assert_gt(pkt_ipv4(&server, &s, in->len), 0);
	gw_step(&gw, in, &delivered);
	cr_assert_eq(pkt_nvgre_parse(delivered.d, delivered.len, &v, err, sizeof(err)), 0, "%s",
		     err);
	memcpy(got.d, v.inner, v.inner_len);
	got.len = v.inner_len;
	icmp_frame(&err_vm, LEG_MAC, MAC_GW_A, CA_1, SERVER, 64, 3, 3, 0, got.d + PKT_ETH_HLEN, 28);
	quote_of(&q, &server, 63, 28);
	icmp_frame(&want, SERVER_MAC, GX_MAC, EXT_A, SERVER, 63, 3, 3, 0, q.d, 28);
	gw_step(&gw,
		&(struct gw_case){ .name = "port unreachable from the VM",
				   .frame = &err_vm,
				   .want = &want,
				   GW_REPLY(GO_WANT) },
		NULL);
}

/*
 * A VM's ICMP error about a packet it got through a static mapping: translated out. The server
 * must find its own packet quoted (as the VM got it: TTL one less), from the external address
 * and port it sent to.
 */
Test(gateway, icmp_error_from_the_vm_through_a_static_mapping, .fini = teardown)
{
	const struct gw_case in = { .name = "UDP to the mapping",
				    .hook = GW_IN,
				    .sport = 50000,
				    .dport = 5353,
				    .x_port = 53,
				    .len = 120,
				    GW_TO_VM };

	vm_port_unreachable_about(&in, prep_map_udp);
}

/* The VM's error about a connection it opened itself: its quote is the reply, translated out. */
Test(gateway, icmp_error_from_the_vm_about_a_reply, .fini = teardown)
{
	const struct gw_case in = { .name = "reply", .hook = GW_IN, .len = 90, GW_TO_VM };

	vm_port_unreachable_about(&in, prep_open_udp);
}

/* ---- classification elsewhere ---- */

/* Host 1 has no leg: a frame to the leg's MAC is what it was before gateways, NOT_LOCAL. */
Test(gateway, a_host_without_the_leg, .fini = teardown)
{
	const struct wire_case c = { .name = "to the leg's MAC on host 1",
				     .in_smac = MAC_GW_INIT(VSID_A),
				     .in_dmac = { 0x02, 0x4e, 0x47, 0, 0, 0xfa },
				     .in_dst = SERVER,
				     .xdp = W_DROP(NOT_LOCAL),
				     .tc = W_DROP(NOT_LOCAL) };
	int err;

	gw_up(&gw, 0);
	err = host_setup(&h1, HOST_1);
	cr_assert_eq(err, 0, "host 1: %s", strerror(-err));
	wire_case_run(&h1, &c, true);
	wire_case_run(&h1, &c, false);
}

/* Every cut of a gateway frame short of its whole length: a counted drop, nothing leaves. */
Test(gateway, truncated_tenant_frames_never_leave, .fini = teardown)
{
	const struct gw_case c = { .name = "TCP SYN out", .proto = TCP, .tcp_flags = SYN };
	struct pkt frame, ipf;

	gw_up(&gw, 0);
	case_build(&c, &frame, &ipf);
	wire_truncation_sweep(&gw, &frame, false, "gateway frame");
	wire_truncation_sweep(&gw, &frame, true, "gateway frame");
	cr_expect_eq(ct_conns(&gw), 0, "a cut frame opened a connection");
}

/* Every cut of a reply: not a packet the host's stack would take either, so passed untouched. */
Test(gateway, truncated_replies_pass_untouched, .fini = teardown)
{
	const struct gw_case c = { .name = "reply", .hook = GW_IN, .proto = TCP, .sport = 80 };
	struct counters before, after;
	struct counters_expect none = { .drop = NV_DROP_NONE };
	struct pkt frame, ipf;
	struct run r;
	char err[256];

	gw_up(&gw, 0);
	prep_open_tcp(&gw);
	case_build(&c, &frame, &ipf);
	for (size_t len = PKT_ETH_HLEN; len < frame.len; len++) {
		cr_assert_eq(counters_read(&gw, &before), 0);
		run_tc(gw.from_ext, gx_ifindex(), frame.d, len, 0, &r);
		cr_assert_eq(counters_read(&gw, &after), 0);
		if (tc_refused_short_ip(&frame, len, &r))
			continue;
		cr_assert_eq(r.err, 0, "cut to %zu: test run: %s", len, strerror(-r.err));
		cr_assert_eq(r.retval, TC_ACT_OK, "cut to %zu: verdict %s", len,
			     tc_verdict_name(r.retval));
		cr_assert(pkt_diff(r.out, r.out_len, frame.d, len, err, sizeof(err)) == 0,
			  "cut to %zu: changed: %s", len, err);
		cr_assert(counters_check(&before, &after, &none, err, sizeof(err)) == 0,
			  "cut to %zu: %s", len, err);
	}
}

/*
 * The gateway on a host as it comes (net.ipv4.conf.<dev>.forwarding 0, the default of a new
 * namespace): the way out must not depend on it, as nv_gw_out.h says ("no forwarding sysctl
 * involved"). bpf_fib_lookup refuses a device without forwarding (BPF_FIB_LKUP_RET_FWD_DISABLED)
 * even with BPF_FIB_LOOKUP_OUTPUT.
 */
Test(gateway, outbound_with_forwarding_off, .fini = teardown)
{
	gw_up(&gw, 0);
	cr_assert_eq(gx_forwarding(0), 0);
	/* What needs no FIB works: the way in, and errors built before the lookup. */
	prep_map_tcp(&gw);
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN in to a mapping, forwarding off on gx",
				   .hook = GW_IN,
				   .proto = TCP,
				   .tcp_flags = SYN,
				   .sport = 50000,
				   .dport = 8080,
				   .x_port = 80,
				   GW_TO_VM },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "TTL 1, forwarding off on gx",
				   .ttl = 1,
				   GW_ICMP(GO_ICMP_VM, 11, 0, 0, TTL_EXPIRED) },
		NULL);
	/* The way out: GW_FORWARDING for every packet, counted by its own reason. */
	gw_step(&gw,
		&(struct gw_case){ .name = "SYN-ACK out, forwarding off on gx",
				   .proto = TCP,
				   .tcp_flags = SYN | ACK,
				   .sport = 80,
				   .dport = 50000,
				   .x_port = 8080,
				   GW_DROP(GW_FORWARDING) },
		NULL);
	gw_step(&gw,
		&(struct gw_case){ .name = "UDP out, forwarding off on gx",
				   GW_DROP(GW_FORWARDING) },
		NULL);
}
