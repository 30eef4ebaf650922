/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "nv_addr.h"
#include "nv_features.h"
#include "unit/suite.h"

struct criterion_test_params case_indices(size_t n)
{
	static size_t idx[CASES_MAX];

	if (n > CASES_MAX)
		n = CASES_MAX;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n);
}

bool tc_refused_short_ip(const struct pkt *frame, size_t len, const struct run *r)
{
	return r->err == -EINVAL && len < PKT_ETH_HLEN + PKT_IPV4_HLEN &&
	       pkt_get16(frame->d + 12) == PKT_ETH_P_IP;
}

static void run(struct host *h, bool xdp, const void *frame, size_t len, __u32 gso_size,
		struct run *r)
{
	if (xdp)
		run_xdp(h->from_wire, h->underlay, frame, len, r);
	else
		run_tc(h->wire_tc, h->underlay, frame, len, gso_size, r);
}

static const char *verdict_name(bool xdp, __u32 v)
{
	return xdp ? xdp_verdict_name(v) : tc_verdict_name(v);
}

static void expect_verdict(const char *name, bool xdp, __u32 got, __u32 want)
{
	cr_expect_eq(got, want, "%s: verdict %s, want %s", name, verdict_name(xdp, got),
		     verdict_name(xdp, want));
}

/* Counted against the tenant of the port's VSID: counters_read sees VSID_A and VSID_B only. */
static void rx_delta(struct counters_expect *e, __u32 vsid, size_t bytes)
{
	struct nv_vsid_stats *s = vsid == VSID_A ? &e->a : vsid == VSID_B ? &e->b : NULL;

	if (!s)
		return;
	s->rx_packets = 1;
	s->rx_bytes = bytes;
}

/* What a port's record says of it: its PA is local, and the port's delivery mode and flags. */
__u8 port_local_flags(const struct nv_port *p)
{
	return NV_LOCAL_PA | (p->deliver == NV_DELIVER_XDP ? NV_LOCAL_XDP : 0) |
	       (p->flags & NV_PORT_F_PEER ? NV_LOCAL_PEER : 0);
}

void host_up(struct host *h, enum host_id id)
{
	int err;

	err = fixture_netns();
	cr_assert_eq(err, 0, "fixture_netns: %s", strerror(-err));
	err = host_setup(h, id);
	cr_assert_eq(err, 0, "host_setup: %s", strerror(-err));
}

void tweak_a4_local_record_no_port(struct host *h)
{
	cr_assert_eq(host_record_add(h, VSID_A, CA_4, PA_1, MAC_4), 0);
}

void tweak_a1_record_remote(struct host *h)
{
	cr_assert_eq(host_record_move(h, VSID_A, CA_1, PA_2A), 0);
}

void route_a(struct host *h, __be32 prefix, __u32 len, __be32 nh, __u32 vsid, __u32 metric)
{
	struct nv_route_key k = { .prefixlen = 96 + len, .rdid = RDID_A };
	struct nv_route r = { .vsid = vsid, .metric = metric };

	nv_addr_from_ipv4(&k.addr, prefix);
	if (nh)
		nv_addr_from_ipv4(&r.nexthop, nh);
	cr_assert_eq(nv_route_add(&h->o.maps, &k, &r, NULL), 0, "route add /%u", len);
}

void expect_meta(const char *name, const struct run *r, const struct host_port *port)
{
	static const __u8 zero[3];
	struct nv_xdp_meta m;

	/* A kernel that refuses XDP metadata gets none: nv_wire_tc then classifies again. */
	if (!nv_kernel_has_xdp_meta()) {
		cr_expect_eq(r->meta_len, 0,
			     "%s: metadata of %u bytes on a kernel without XDP "
			     "metadata",
			     name, r->meta_len);
		return;
	}
	cr_assert_eq(r->meta_len, sizeof(m), "%s: metadata of %u bytes, want %zu", name,
		     r->meta_len, sizeof(m));
	memcpy(&m, r->out, sizeof(m));
	cr_expect_eq(m.magic, NV_META_MAGIC, "%s: metadata magic 0x%08x, want 0x%08x", name,
		     m.magic, NV_META_MAGIC);
	cr_expect_eq(m.ifindex, port->ifindex, "%s: metadata names ifindex %u, want port %s (%u)",
		     name, m.ifindex, port->name, port->ifindex);
	cr_expect_eq(m.vsid, port->cfg.vsid, "%s: metadata VSID %u, want %u", name, m.vsid,
		     port->cfg.vsid);
	cr_expect_eq(m.local, port_local_flags(&port->cfg), "%s: metadata local 0x%x, want 0x%x",
		     name, m.local, port_local_flags(&port->cfg));
	cr_expect_arr_eq(m.pad, zero, sizeof(zero), "%s: metadata padding not zero", name);
}

void wire_case_run(struct host *h, const struct wire_case *c, bool xdp)
{
	const struct wire_outcome *o = xdp ? &c->xdp : &c->tc;
	const struct host_port *port = &h->port[c->port];
	struct counters before, after;
	struct counters_expect e = { .drop = NV_DROP_NONE };
	struct pkt wire, inner;
	struct run r;
	char err[256];

	if (c->deliver != NV_DELIVER_TC || c->port_flags)
		cr_assert_eq(host_port_rebind(h, c->port, c->deliver, c->port_flags), 0,
			     "%s: rebind", c->name);
	if (c->tweak)
		c->tweak(h);
	wire_case_build(c, &wire, &inner);

	cr_assert_eq(counters_read(h, &before), 0);
	run(h, xdp, wire.d, wire.len, c->gso_size, &r);
	cr_assert_eq(counters_read(h, &after), 0);
	if (o->kind == WO_REFUSED) {
		cr_expect(tc_refused_short_ip(&wire, wire.len, &r),
			  "%s: test run gave %d, want the kernel's -EINVAL", c->name, r.err);
		cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s: %s",
			  c->name, err);
		return;
	}
	cr_assert_eq(r.err, 0, "%s: test run: %s", c->name, strerror(-r.err));

	switch (o->kind) {
	case WO_REFUSED:
		break;
	case WO_PASS:
		expect_verdict(c->name, xdp, r.retval, xdp ? XDP_PASS : TC_ACT_OK);
		cr_expect_eq(r.meta_len, 0, "%s: metadata on a frame that is not ours", c->name);
		cr_expect(pkt_diff(r.out, r.out_len, wire.d, wire.len, err, sizeof(err)) == 0,
			  "%s: frame changed: %s", c->name, err);
		break;
	case WO_DROP:
		expect_verdict(c->name, xdp, r.retval, xdp ? XDP_DROP : TC_ACT_SHOT);
		e.drop = o->reason;
		e.drop_bytes = wire.len;
		break;
	case WO_DELIVER:
		if (xdp && port->cfg.deliver == NV_DELIVER_TC) {
			/* Validated and resolved here, decapsulated by TC: frame untouched. */
			expect_verdict(c->name, xdp, r.retval, XDP_PASS);
			expect_meta(c->name, &r, port);
			cr_expect(pkt_diff(r.out + r.meta_len, r.out_len - r.meta_len, wire.d,
					   wire.len, err, sizeof(err)) == 0,
				  "%s: frame changed: %s", c->name, err);
			break;
		}
		expect_verdict(c->name, xdp, r.retval, xdp ? XDP_REDIRECT : TC_ACT_REDIRECT);
		cr_expect_eq(r.meta_len, 0, "%s: metadata left on a decapsulated frame", c->name);
		cr_expect(pkt_diff(r.out + r.meta_len, r.out_len - r.meta_len, inner.d, inner.len,
				   err, sizeof(err)) == 0,
			  "%s: decapsulated frame: %s", c->name, err);
		rx_delta(&e, port->cfg.vsid, inner.len);
		break;
	}
	cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s: %s", c->name,
		  err);
}

void wire_truncation_sweep(struct host *h, const struct pkt *frame, bool xdp, const char *what)
{
	struct counters before, after;
	struct run r;
	char err[256];

	for (size_t len = PKT_ETH_HLEN; len < frame->len; len++) {
		struct counters_expect e = { .drop = NV_DROP_TRUNCATED, .drop_bytes = len };

		cr_assert_eq(counters_read(h, &before), 0);
		run(h, xdp, frame->d, len, 0, &r);
		cr_assert_eq(counters_read(h, &after), 0);
		if (!xdp && tc_refused_short_ip(frame, len, &r)) {
			e.drop = NV_DROP_NONE;
			cr_assert(counters_check(&before, &after, &e, err, sizeof(err)) == 0,
				  "%s cut to %zu, refused: %s", what, len, err);
			continue;
		}
		cr_assert_eq(r.err, 0, "%s cut to %zu: test run: %s", what, len, strerror(-r.err));
		cr_assert_neq(r.retval, xdp ? XDP_REDIRECT : TC_ACT_REDIRECT,
			      "%s cut to %zu bytes was delivered", what, len);
		cr_assert_eq(r.meta_len, 0, "%s cut to %zu bytes was handed to TC", what, len);
		cr_assert_eq(r.retval, xdp ? XDP_DROP : TC_ACT_SHOT, "%s cut to %zu: verdict %s",
			     what, len, verdict_name(xdp, r.retval));
		cr_assert(counters_check(&before, &after, &e, err, sizeof(err)) == 0,
			  "%s cut to %zu: %s", what, len, err);
	}
}

void runts_refused(struct host *h, int prog_fd, bool xdp, __u32 ifindex)
{
	struct counters before, after;
	struct counters_expect none = { .drop = NV_DROP_NONE };
	struct pkt p;
	struct run r;
	char err[256];

	cr_assert_eq(pkt_eth(&p, MAC_1, MAC_2, PKT_ETH_P_IP, 64), 64);
	cr_assert_eq(counters_read(h, &before), 0);
	for (size_t len = 0; len < PKT_ETH_HLEN; len++) {
		if (xdp)
			run_xdp(prog_fd, ifindex, p.d, len, &r);
		else
			run_tc(prog_fd, ifindex, p.d, len, 0, &r);
		cr_expect_eq(r.err, -EINVAL, "%zu-byte frame: test run gave %d, want -EINVAL", len,
			     r.err);
	}
	cr_assert_eq(counters_read(h, &after), 0);
	cr_expect(counters_check(&before, &after, &none, err, sizeof(err)) == 0, "%s", err);
}

void wire_runts(struct host *h, bool xdp)
{
	runts_refused(h, xdp ? h->from_wire : h->wire_tc, xdp, h->underlay);
}
