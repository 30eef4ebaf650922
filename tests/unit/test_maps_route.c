/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Customer routes: every route in nv_route_table (the RIB), the best of each prefix in the LPM
 * trie nv_routes (the FIB the programs read). The stored key, the choice (longest prefix, then
 * lowest metric, then on-link, then the lowest next hop), promotion on del, the subnets' on-link
 * routes, and refusals that change nothing.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "nv_addr.h"
#include "unit/maps/maps_test.h"

/* What the datapath reads for a destination: the trie's longest match in rdid. */
static int fib_get(__u32 rdid, const char *dst, struct nv_route *out)
{
	struct nv_route_key q = mk_rtkey(rdid, dst, 128);

	q.prefixlen = 32 + 128;
	return bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, out);
}

/* The trie's entry for dst in RDID1 leads on-link (nexthop NULL) or by nexthop, into vsid. */
static void assert_fib(const char *dst, const char *nexthop, __u32 vsid, __u32 metric,
		       const char *what)
{
	union nv_addr want;
	struct nv_route r;

	memset(&want, 0, sizeof(want));
	if (nexthop)
		want = A(nexthop);
	cr_assert_eq(fib_get(RDID1, dst, &r), 0, "%s: no route to %s", what, dst);
	cr_assert_arr_eq(&r.nexthop, &want, sizeof(want), "%s: next hop, want %s", what,
			 nexthop ? nexthop : "on-link");
	cr_assert_eq(r.vsid, vsid, "%s: vsid %u, want %u", what, r.vsid, vsid);
	cr_assert_eq(r.metric, metric, "%s: metric %u, want %u", what, r.metric, metric);
}

/* A route of RDID1 by next hop nh (a CA with a record), with metric. */
static int via(const char *prefix, __u32 len, const char *nh, __u32 metric)
{
	struct nv_route_key k = mk_rtkey(RDID1, prefix, 96 + len);
	struct nv_route r;

	memset(&r, 0, sizeof(r));
	r.nexthop = A(nh);
	r.metric = metric;
	return nv_route_add(&m, &k, &r, NULL);
}

static int del_via(const char *prefix, __u32 len, const char *nh)
{
	struct nv_route_key k = mk_rtkey(RDID1, prefix, 96 + len);
	union nv_addr a;

	if (!nh)
		return nv_route_del(&m, &k, NULL, NULL);
	a = A(nh);
	return nv_route_del(&m, &k, &a, NULL);
}

/* RDID1: VSID1 10.0.0.0/24 and VSID2 10.0.1.0/24, next hops 10.0.0.4 and 10.0.1.4 recorded. */
static void two_subnets(void)
{
	subnet(VSID1, RDID1);
	subnet_at(VSID2, RDID1, "10.0.1.0");
	record(VSID1, "10.0.0.4", PA_REMOTE);
	record(VSID2, "10.0.1.4", PA_REMOTE);
}

struct seen {
	int n, active;
	struct nv_route_info r[8];
};

static int collect_cb(const struct nv_route_info *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->r[s->n] = *r;
	s->n++;
	s->active += r->active;
	return 0;
}

Test(route, subnet_brings_its_onlink_route, .init = maps_setup, .fini = maps_teardown)
{
	struct seen s = { 0 };
	union nv_addr net = A("10.0.0.0");

	subnet(VSID1, RDID1);
	assert_fib("10.0.0.77", NULL, VSID1, 0, "on-link");
	cr_assert_eq(nv_route_iter(&m, collect_cb, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.r[0].flags, NV_ROUTE_F_SUBNET);
	cr_assert(s.r[0].active);
	cr_assert_eq(s.r[0].rdid, RDID1);
	cr_assert_eq(s.r[0].prefixlen, 96 + 24);
	cr_assert_arr_eq(&s.r[0].prefix, &net, sizeof(net));
	cr_assert_eq(fib_get(RDID2, "10.0.0.77", &s.r[0].route), -ENOENT, "other RDID");
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), 0);
	cr_assert_eq(map_count(NV_MAP_ROUTES), 0, "subnet del takes its route from the trie");
	cr_assert_eq(map_count(NV_MAP_ROUTE_TABLE), 0, "and from the table");
}

Test(route, ipv4_prefix_stored_with_rdid_bits, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.2.3", 96 + 16), exact;
	struct nv_route r, out;
	struct nv_route_info info;

	two_subnets();
	memset(&r, 0, sizeof(r));
	r.nexthop = A("10.0.0.4");
	r.metric = 10;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	/* The trie's key: rdid bits (32) + address bits, host bits cleared. */
	exact = mk_rtkey(RDID1, "10.1.0.0", 32 + 96 + 16);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &exact, &out), 0);
	cr_assert_eq(out.vsid, VSID1, "the next hop's VSID");
	assert_fib("10.1.200.9", "10.0.0.4", VSID1, 10, "in the prefix");
	cr_assert_eq(fib_get(RDID2, "10.1.200.9", &out), -ENOENT, "other RDID");
	cr_assert_eq(fib_get(RDID1, "10.2.0.1", &out), -ENOENT, "outside");
	cr_assert_eq(nv_route_lookup(&m, RDID1, &r.nexthop, &info), 0);
	cr_assert_eq(info.flags, NV_ROUTE_F_SUBNET, "the next hop itself is on-link");

	/* Same prefix spelled with other host bits: the same route. */
	k = mk_rtkey(RDID1, "10.1.99.99", 96 + 16);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0, "the prefix's only customer route");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -ENOENT);
	cr_assert_eq(fib_get(RDID1, "10.1.200.9", &out), -ENOENT, "gone from the trie");
}

Test(route, ipv6_and_boundaries, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "2001:db8:ffff::1", 32), exact;
	struct nv_route r = mk_route(VSID1), out;

	subnet6(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0, "on-link into the subnet");
	exact = mk_rtkey(RDID1, "2001:db8::", 32 + 32);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &exact, &out), 0);
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0);

	k = mk_rtkey(RDID1, "::", 0); /* default route of the RDID */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	k = mk_rtkey(RDID1, "fd00:1::7", 128); /* host route */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	k.prefixlen = 129;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "prefixlen > 128");
	cr_assert_eq(fib_get(RDID1, "fd00:2::5", &out), 0, "the default route");
	cr_assert_eq(map_count(NV_MAP_ROUTES), 3, "on-link /64, default, host route");
}

/* Longest prefix first, whatever the metrics; then the lowest metric; del promotes the next. */
Test(route, longest_prefix_then_metric, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_info info;
	union nv_addr dst = A("10.5.1.9");

	two_subnets();
	cr_assert_eq(via("10.5.0.0", 16, "10.0.0.4", 10), 0);
	cr_assert_eq(via("10.5.1.0", 24, "10.0.1.4", 50), 0);
	assert_fib("10.5.1.9", "10.0.1.4", VSID2, 50, "the /24 despite its metric");
	assert_fib("10.5.2.9", "10.0.0.4", VSID1, 10, "the /16");
	cr_assert_eq(nv_route_lookup(&m, RDID1, &dst, &info), 0);
	cr_assert_eq(info.prefixlen, 96 + 24, "user space chooses as the trie does");

	cr_assert_eq(via("10.5.0.0", 16, "10.0.1.4", 5), 0);
	assert_fib("10.5.2.9", "10.0.1.4", VSID2, 5, "a lower metric wins the prefix");
	cr_assert_eq(map_count(NV_MAP_ROUTE_TABLE), 5, "two on-link, three customer");
	cr_assert_eq(del_via("10.5.0.0", 16, NULL), -EINVAL, "two routes: which one?");
	cr_assert_eq(del_via("10.5.0.0", 16, "10.0.1.4"), 0);
	assert_fib("10.5.2.9", "10.0.0.4", VSID1, 10, "the other route promoted");
	cr_assert_eq(del_via("10.5.0.0", 16, "10.0.0.4"), 0);
	cr_assert_eq(fib_get(RDID1, "10.5.2.9", &info.route), -ENOENT, "none left");
	assert_fib("10.5.1.9", "10.0.1.4", VSID2, 50, "the /24 untouched");
}

/* Equal metrics: on-link first, then the lowest next hop, in whichever order they came. */
Test(route, tie_order_does_not_depend_on_call_order, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.6.0.0", 96 + 16);
	struct nv_route onlink = mk_route(VSID2);
	struct seen s;

	two_subnets();
	for (int order = 0; order < 2; order++) {
		cr_assert_eq(via("10.6.0.0", 16, order ? "10.0.0.4" : "10.0.1.4", 10), 0);
		cr_assert_eq(via("10.6.0.0", 16, order ? "10.0.1.4" : "10.0.0.4", 10), 0);
		assert_fib("10.6.3.3", "10.0.0.4", VSID1, 10, "the lowest next hop");
		cr_assert_eq(nv_route_add(&m, &k, &onlink, NULL), 0);
		assert_fib("10.6.3.3", NULL, VSID2, 10, "on-link before any next hop");

		memset(&s, 0, sizeof(s));
		cr_assert_eq(nv_route_iter(&m, collect_cb, &s), 0);
		cr_assert_eq(s.n, 5);
		cr_assert_eq(s.active, 3, "one per prefix");
		/* Sorted by prefix: the two subnets' /24s, then 10.6.0.0/16 best first. */
		cr_assert_eq(s.r[2].prefixlen, 96 + 16);
		cr_assert(s.r[2].active);
		cr_assert_eq(s.r[2].route.vsid, VSID2, "on-link first");
		cr_assert_not(s.r[3].active);
		cr_assert_eq(s.r[3].route.nexthop.b[15], 4);
		cr_assert_eq(s.r[3].route.nexthop.b[14], 0, "then 10.0.0.4");
		cr_assert_eq(s.r[4].route.nexthop.b[14], 1, "then 10.0.1.4");

		cr_assert_eq(del_via("10.6.0.0", 16, "10.0.0.4"), 0);
		cr_assert_eq(del_via("10.6.0.0", 16, "10.0.1.4"), 0);
		cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0, "the on-link one, the last");
		cr_assert_eq(map_count(NV_MAP_ROUTES), 2, "the subnets' routes alone");
	}
}

/* A customer route on a subnet's own prefix: the subnet's (metric 0) stays the best. */
Test(route, subnet_route_is_kept_by_its_subnet, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.0.0.0", 96 + 24);
	struct maps_snapshot *before;
	struct nv_conflict why;

	two_subnets();
	before = snap();
	cr_assert_eq(nv_route_del(&m, &k, NULL, &why), -EBUSY);
	cr_assert_eq(why.kind, NV_CONFLICT_ROUTE_IS_SUBNET);
	assert_unchanged(before, "route del of an on-link route");
	cr_assert_eq(via("10.0.0.0", 24, "10.0.1.4", 10), 0);
	assert_fib("10.0.0.9", NULL, VSID1, 0, "on-link still");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0, "the customer route, not the subnet's");
	assert_fib("10.0.0.9", NULL, VSID1, 0, "on-link still");
	cr_assert_eq(map_count(NV_MAP_ROUTE_TABLE), 2);
}

/* A next hop's record may go (a VM that moves): the route stays, the datapath counts the miss. */
Test(route, nexthop_record_del_keeps_the_route, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key rk = mk_rkey(VSID1, "10.0.0.4");

	two_subnets();
	cr_assert_eq(via("10.8.0.0", 16, "10.0.0.4", 1), 0);
	cr_assert_eq(nv_record_del(&m, &rk, NULL), 0);
	assert_fib("10.8.0.1", "10.0.0.4", VSID1, 1, "still there");
	cr_assert_eq(via("10.9.0.0", 16, "10.0.0.4", 1), -ENOENT, "but no new route by it");
}

Test(route, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.0.0", 96 + 16);
	struct nv_route r = mk_route(VSID1);
	struct maps_snapshot *before;

	two_subnets();
	subnet(VSID3, RDID2);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	before = snap();
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	k.prefixlen = 129;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "prefixlen > 128");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -EINVAL);
	k = mk_rtkey(RDID1, "10.2.0.0", 96 + 16);
	r.vsid = 5009;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -ENOENT, "no subnet for the target vsid");
	r.vsid = 7;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "vsid out of range");
	r.vsid = VSID3;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "target subnet in another RDID");
	r.vsid = 0;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "neither a vsid nor a next hop");
	r.nexthop = A("10.0.0.99");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -ENOENT, "next hop without a record");
	r.nexthop = A("10.0.1.4");
	r.vsid = VSID1;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "next hop in another VSID");
	k.rdid = RDID2;
	r.vsid = 0;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -ENOENT, "next hop of another RDID");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -ENOENT);
	cr_assert_eq(nv_route_add(&m, NULL, &r, NULL), -EINVAL);
	cr_assert_eq(nv_route_add(&m, &k, NULL, NULL), -EINVAL);
	assert_unchanged(before, "failed route calls");
}
