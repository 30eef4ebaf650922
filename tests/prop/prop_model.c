// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The reference model: what a correct datapath does with a frame, from the world (the intent the
 * control plane accepted) and the frame's bytes, written from DESIGN.md, RFC 7637 and RFC 791/826
 * rather than from bpf/. It decodes the frame itself and knows nothing of the maps' layout.
 *
 * Where several defects meet, the pipeline order below (Ethernet, ARP, IPv4, anti-spoofing,
 * destination, delivery; on the wire: outer IPv4, GRE, inner frame, source, destination) names
 * the reason; DESIGN section 2 and 7 give that order.
 */
#include <arpa/inet.h>
#include <string.h>

#include "prop/prop.h"

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __be32 get_ip(const __u8 *p)
{
	__be32 a;

	memcpy(&a, p, 4);
	return a;
}

static bool mac_eq(const __u8 *a, const __u8 *b)
{
	return !memcmp(a, b, 6);
}

static void drop(struct expect *e, __u64 reasons, const char *why)
{
	e->o = O_DROP;
	e->reasons = reasons;
	e->why = why;
}

/* A unicast host address a tenant may send to or from (not 0, broadcast or class D/E). */
static bool ca_unicast(__be32 a)
{
	__u32 h = ntohl(a);

	return h && h >> 28 < 14;
}

/* The port a record reaches on this host: its PA is ours and a port holds its (VSID, CA). */
static const struct w_port *bound_port(const struct world *w, const struct w_record *x)
{
	if (!x || !w_pa_local(w, x->pa))
		return NULL;
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		const struct w_port *p = &w->port[i];

		if (p->present && p->vsid == x->vsid && p->ca == x->ca)
			return p;
	}
	return NULL;
}

/* The longest prefix of rdid holding a: a subnet's on-link prefix or a customer route. */
struct lpm {
	bool found;
	__u32 vsid;
	__be32 nexthop; /* 0: on-link */
};

static struct lpm route_lookup(const struct world *w, __u32 rdid, __be32 a)
{
	struct lpm best = { 0 };
	int best_len = -1;

	for (int i = 0; i < w->nsubnets; i++) {
		const struct w_subnet *s = &w->subnet[i];

		if (s->rdid == rdid && (ntohl(a) >> 8) == (ntohl(s->prefix) >> 8) &&
		    24 > best_len) {
			best = (struct lpm){ true, s->vsid, 0 };
			best_len = 24;
		}
	}
	for (int i = 0; i < w->nroutes; i++) {
		const struct w_route *x = &w->route[i];
		__u32 mask = x->len ? ~0u << (32 - x->len) : 0;

		if (x->rdid == rdid && (ntohl(a) & mask) == ntohl(x->prefix) && x->len > best_len) {
			best = (struct lpm){ true, x->vsid, x->nexthop };
			best_len = x->len;
		}
	}
	return best;
}

/* An IPv4 header at p with avail bytes for the packet: NV_DROP_NONE, or the reason. */
static enum nv_drop_reason ipv4_check(const __u8 *p, size_t have, size_t avail)
{
	size_t hlen = (size_t)(p[0] & 0xf) * 4;

	if (have < 20)
		return NV_DROP_TRUNCATED;
	if (p[0] >> 4 != 4 || hlen < 20 || get16(p + 2) < hlen)
		return NV_DROP_MALFORMED;
	if (get16(p + 2) > avail)
		return NV_DROP_TRUNCATED;
	return NV_DROP_NONE;
}

static void model_arp(const struct world *w, const struct frame *f, const struct w_port *p,
		      struct expect *e)
{
	const __u8 *a = f->b + 14;
	const struct w_subnet *s = w_subnet_of(w, p->vsid);
	const struct w_record *x;
	__be32 spa, tpa;

	if (f->len < 42)
		return drop(e, R(TRUNCATED), "ARP shorter than its header");
	if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || get16(a + 6) != 1)
		return drop(e, R(ARP_NOT_REQUEST), "ARP that is not an IPv4 over Ethernet request");
	spa = get_ip(a + 14);
	tpa = get_ip(a + 24);
	if (!mac_eq(a + 8, p->mac))
		return drop(e, R(SPOOF_MAC), "ARP sender MAC is not the port's");
	if (spa != p->ca && spa)
		return drop(e, R(SPOOF_CA), "ARP sender CA is not the port's");
	if (tpa == p->ca)
		return drop(e, R(ARP_SELF), "ARP for the port's own CA");
	/* Only a unicast CA has an owner to announce: 0.0.0.0 names the wildcard record's
	 * slot, not a host. */
	x = ca_unicast(tpa) ? w_record_of(w, p->vsid, tpa) : NULL;
	if (x) {
		memcpy(e->arp_mac, x->mac, 6);
	} else if (s && tpa == s->gw) {
		memcpy(e->arp_mac, s->gw_mac, 6);
	} else {
		return drop(e, R(ARP_UNKNOWN), "ARP for a CA with no record in the port's VSID");
	}
	e->o = O_ARP;
	e->port = p;
	e->why = "ARP answered from the records";
}

/* Where a routed packet from port p to dst goes (DESIGN section 7): its record, or a drop. */
static const struct w_record *model_route(const struct world *w, const struct w_port *p, __be32 dst,
					  __u32 *vsid, struct expect *e)
{
	const struct w_record *x = ca_unicast(dst) ? w_record_in_rdid(w, p->rdid, dst) : NULL;
	struct lpm l;
	const struct w_subnet *to;

	if (x) {
		*vsid = x->vsid;
		return x;
	}
	l = route_lookup(w, p->rdid, dst);
	if (!l.found || !ca_unicast(dst)) {
		drop(e, R(NO_ROUTE) | R(ROUTE_NO_RECORD), "no record or route in the RDID");
		return NULL;
	}
	to = w_subnet_of(w, l.vsid);
	if (l.nexthop) {
		x = w_record_of(w, l.vsid, l.nexthop);
		if (!x) {
			drop(e, R(NEXTHOP_UNKNOWN), "the route's next hop has no record");
			return NULL;
		}
	}
	if (to && dst == to->gw) {
		drop(e, R(GATEWAY_CA), "to the gateway CA");
		return NULL;
	}
	/* On-link without a record: the VSID's gateway wildcard record takes it (the CAs behind
	 * the gateway), else nobody. */
	if (!l.nexthop) {
		x = w_record_of(w, l.vsid, 0);
		if (!x) {
			drop(e, R(ROUTE_NO_RECORD), "on-link route, no record, no wildcard");
			return NULL;
		}
	}
	*vsid = l.vsid;
	return x;
}

static void model_from_vm(const struct world *w, const struct frame *f, struct expect *e)
{
	const struct w_port *p = w_port_at(w, f->ifindex), *to;
	const struct w_subnet *s;
	const struct w_record *x, *own;
	const __u8 *ip = f->b + 14;
	enum nv_drop_reason reason;
	__be32 src, dst;
	__u16 type;
	__u32 vsid;

	e->src = p;
	if (!p)
		return drop(e, R(PORT_UNKNOWN), "ingress is not a port");
	if (!mac_eq(f->b + 6, p->mac))
		return drop(e, R(SPOOF_MAC), "source MAC is not the port's");
	type = get16(f->b + 12);
	if (type == 0x0806)
		return model_arp(w, f, p, e);
	if (f->b[0] & 1)
		return drop(e, R(BROADCAST), "group destination MAC, not ARP");
	if (type != 0x0800)
		return drop(e, R(ETHERTYPE), "ethertype not IPv4 or ARP");
	reason = ipv4_check(ip, f->len - 14, f->len - 14);
	if (reason != NV_DROP_NONE)
		return drop(e, 1ull << reason, "bad IPv4 header");
	src = get_ip(ip + 12);
	dst = get_ip(ip + 16);
	if (src != p->ca)
		return drop(e, R(SPOOF_CA), "source CA is not the port's");

	s = w_subnet_of(w, p->vsid);
	if (s && mac_eq(f->b, s->gw_mac)) {
		x = model_route(w, p, dst, &vsid, e);
		if (!x)
			return;
		if (ip[8] <= 1) {
			e->o = O_TTL;
			e->port = p;
			e->gw = s->gw;
			memcpy(e->gw_mac, s->gw_mac, 6);
			e->why = "routed with TTL <= 1";
			return;
		}
		e->routed = true;
		memcpy(e->smac, w_subnet_of(w, vsid)->gw_mac, 6);
		memcpy(e->dmac, x->mac, 6);
	} else {
		x = ca_unicast(dst) ? w_record_of(w, p->vsid, dst) : NULL;
		if (!x)
			return drop(e, R(NO_RECORD),
				    "no record of the destination in the port's VSID");
		if (!mac_eq(f->b, x->mac))
			return drop(e, R(DST_MAC), "destination MAC is not the record's");
		vsid = p->vsid;
	}
	to = bound_port(w, x);
	if (to) {
		e->o = O_LOCAL;
		e->port = to;
		e->why = e->routed ? "routed to a port of this host"
				   : "bridged to a port of this host";
		return;
	}
	if (w_pa_local(w, x->pa))
		return drop(e, R(NOT_LOCAL), "the destination's PA is ours, no port holds it");
	own = w_record_of(w, p->vsid, p->ca);
	if (!own || !w_pa_local(w, own->pa))
		return drop(e, R(PORT_UNBOUND), "the port's CA has no record at a local PA");
	if (!w->underlay)
		return drop(e, R(NO_UNDERLAY), "no underlay to send on");
	if (f->len - 14 + NV_ENCAP_LEN > w->mtu) {
		/* Answered from the router when routed, else from the on-link destination. */
		const struct w_subnet *ps = w_subnet_of(w, p->vsid);

		e->o = O_FRAG;
		e->port = p;
		e->mtu = (__u16)(w->mtu - NV_ENCAP_LEN);
		e->gw = e->routed ? ps->gw : dst;
		memcpy(e->gw_mac, e->routed ? ps->gw_mac : x->mac, 6);
		e->why = "encapsulated frame over the underlay MTU";
		return;
	}
	e->o = O_ENCAP;
	e->pa = x->pa;
	e->src_pa = own->pa;
	e->vsid = vsid;
	e->why = e->routed ? "routed to another host" : "bridged to another host";
}

/* The inner source: a CA the outer source PA holds, with its MAC, or routed in (section 7). */
static bool model_wire_source(const struct world *w, __u32 k, __be32 opa, const __u8 *in_eth,
			      __be32 isrc, struct expect *e)
{
	const struct w_subnet *ks = w_subnet_of(w, k);
	const __u8 *smac = in_eth + 6;
	const struct w_record *x = ca_unicast(isrc) ? w_record_of(w, k, isrc) : NULL, *wc;

	if (x && !(ks && mac_eq(smac, ks->gw_mac))) {
		if (x->pa != opa)
			return drop(e, R(SRC_PA), "outer source is not the source CA's PA"), false;
		if (w_pa_local(w, x->pa))
			return drop(e, R(SRC_LOCAL), "source CA recorded at our own PA"), false;
		if (!mac_eq(smac, x->mac))
			return drop(e, R(SRC_MAC), "inner source MAC is not the record's"), false;
		return true;
	}
	if (!ks)
		return drop(e, R(VSID_UNKNOWN), "key VSID has no subnet"), false;
	x = ca_unicast(isrc) ? w_record_in_rdid(w, ks->rdid, isrc) : NULL;
	if (x) {
		if (x->pa != opa)
			return drop(e, R(SRC_PA), "routed source not at the outer source PA"),
			       false;
		if (w_pa_local(w, x->pa))
			return drop(e, R(SRC_LOCAL), "routed source recorded at our own PA"), false;
		if (!mac_eq(smac, ks->gw_mac))
			return drop(e, R(ROUTED_SRC_MAC), "routed source MAC is not the gateway's"),
			       false;
		return true;
	}
	wc = w_record_in_rdid(w, ks->rdid, 0); /* the gateway wildcard */
	if (!wc)
		return drop(e, R(SRC_UNKNOWN), "source CA unknown, no gateway wildcard"), false;
	if (wc->pa != opa)
		return drop(e, R(GATEWAY_PA), "outside source not from the gateway's PA"), false;
	if (w_pa_local(w, wc->pa))
		return drop(e, R(SRC_LOCAL), "gateway wildcard at our own PA"), false;
	if (!mac_eq(smac, ks->gw_mac) && !(wc->vsid == k && mac_eq(smac, wc->mac)))
		return drop(e, R(ROUTED_SRC_MAC), "outside source MAC is not the gateway's"), false;
	return true;
}

static void model_wire(const struct world *w, const struct frame *f, struct expect *e)
{
	const __u8 *ip = f->b + 14, *g, *in_eth, *in_ip;
	size_t ihl, tot, inner_len;
	const struct w_record *d;
	const struct w_subnet *ks;
	enum nv_drop_reason reason;
	__be32 opa, isrc, idst;
	__u16 itype;
	__u32 k;

	if (f->len < 14 || get16(f->b + 12) != 0x0800) {
		e->o = O_PASS;
		e->why = "not IPv4";
		return;
	}
	if (f->len < 34)
		return drop(e, R(TRUNCATED), "IPv4 frame shorter than its header");
	if (ip[9] != 47 || !w_pa_local(w, get_ip(ip + 16))) {
		e->o = O_PASS;
		e->why = "not GRE to a local PA";
		return;
	}
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = get16(ip + 2);
	if (ip[0] >> 4 != 4 || ihl < 20)
		return drop(e, R(MALFORMED), "outer version or IHL");
	if (get16(ip + 6) & 0x3fff)
		return drop(e, R(OUTER_FRAGMENT), "outer fragment");
	if (14 + tot > f->len || tot < ihl + 8 + 14 + 20)
		return drop(e, R(TRUNCATED), "outer total length");
	if (csum16(ip, ihl))
		return drop(e, R(OUTER_CSUM), "outer header checksum");
	g = ip + ihl;
	if (get16(g) != 0x2000)
		return drop(e, R(GRE_FLAGS), "GRE flags");
	if (get16(g + 2) != 0x6558)
		return drop(e, R(GRE_PROTO), "GRE protocol");
	k = (__u32)get16(g + 4) << 8 | g[6];
	if (k < NV_VSID_MIN || k > NV_VSID_MAX)
		return drop(e, R(VSID_RANGE), "VSID out of range");
	in_eth = g + 8;
	itype = get16(in_eth + 12);
	if (itype == 0x8100 || itype == 0x88a8)
		return drop(e, R(INNER_VLAN), "inner VLAN tag");
	if (itype != 0x0800)
		return drop(e, R(INNER_ETHERTYPE), "inner not IPv4");
	inner_len = tot - ihl - 8;
	in_ip = in_eth + 14;
	reason = ipv4_check(in_ip, f->len - (size_t)(in_ip - f->b), inner_len - 14);
	if (reason != NV_DROP_NONE)
		return drop(e, 1ull << reason, "bad inner IPv4 header");

	opa = get_ip(ip + 12);
	isrc = get_ip(in_ip + 12);
	idst = get_ip(in_ip + 16);
	if (!model_wire_source(w, k, opa, in_eth, isrc, e))
		return;
	ks = w_subnet_of(w, k);
	d = ca_unicast(idst) ? w_record_of(w, k, idst) : NULL;
	if (!d && ks && ca_unicast(idst) && !w_record_in_rdid(w, ks->rdid, idst)) {
		/* Routed here by a customer route: this host's table must name the key VSID. */
		struct lpm l = route_lookup(w, ks->rdid, idst);

		if (l.found && l.nexthop && l.vsid == k)
			d = w_record_of(w, k, l.nexthop);
	}
	if (!d || !bound_port(w, d))
		return drop(e, R(NOT_LOCAL), "destination is not a port of this host in the VSID");
	if (!mac_eq(in_eth, d->mac))
		return drop(e, R(DST_MAC), "inner destination MAC is not the record's");
	e->o = O_DELIVER;
	e->port = bound_port(w, d);
	e->vsid = k;
	e->outer_len = 14 + ihl + 8;
	e->why = "NVGRE to a port of this host";
}

void model_expect(const struct world *w, const struct frame *f, struct expect *e)
{
	__u16 type = f->len >= 14 ? get16(f->b + 12) : 0;

	memset(e, 0, sizeof(*e));
	/*
	 * BPF_PROG_TEST_RUN itself refuses a frame shorter than Ethernet, and for TC an IPv4 or
	 * IPv6 frame without room for its network header: such frames never reach the programs
	 * there.
	 */
	if (f->len < 14 || (f->hook != H_FROM_WIRE &&
			    ((type == 0x0800 && f->len < 34) || (type == 0x86dd && f->len < 54)))) {
		e->o = O_REFUSED;
		e->why = "too short for BPF_PROG_TEST_RUN";
		return;
	}
	if (f->hook == H_FROM_VM)
		model_from_vm(w, f, e);
	else
		model_wire(w, f, e);
}
