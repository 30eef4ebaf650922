/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Customer routes: the stored LPM key, boundaries, refusals. */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

static void route_stored_key(struct nv_route_key *out)
{
	cr_assert_eq(bpf_map_get_next_key(m.fd[NV_MAP_ROUTES], NULL, out), 0);
}

Test(route, ipv4_prefix_stored_with_rdid_bits, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.2.3", 96 + 16), stored, q;
	struct nv_route r = mk_route(VSID1), out;
	union nv_addr want;

	subnet(VSID1, RDID1);
	r.nexthop = A("10.0.0.254");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	route_stored_key(&stored);
	cr_assert_eq(stored.prefixlen, 32 + 96 + 16);
	cr_assert_eq(stored.rdid, RDID1);
	want = A("10.1.0.0");
	cr_assert_arr_eq(&stored.addr, &want, sizeof(want), "host bits cleared");

	/* The datapath's lookup: full-length key of the RDID and a destination in the prefix. */
	q = mk_rtkey(RDID1, "10.1.200.9", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), 0);
	cr_assert_eq(out.vsid, VSID1);
	cr_assert_eq(out.metric, 10);
	cr_assert_arr_eq(&out.nexthop, &r.nexthop, sizeof(r.nexthop));
	q = mk_rtkey(RDID2, "10.1.200.9", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), -ENOENT, "other RDID");
	q = mk_rtkey(RDID1, "10.2.0.1", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), -ENOENT);

	/* Same prefix spelled with other host bits: the same route. */
	k = mk_rtkey(RDID1, "10.1.99.99", 96 + 16);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0);
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -ENOENT);
}

Test(route, ipv6_and_boundaries, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "2001:db8:ffff::1", 32), stored, q;
	struct nv_route r = mk_route(VSID1), out;
	union nv_addr want;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	route_stored_key(&stored);
	cr_assert_eq(stored.prefixlen, 64);
	want = A("2001:db8::");
	cr_assert_arr_eq(&stored.addr, &want, sizeof(want));
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0);

	k = mk_rtkey(RDID1, "::", 0); /* default route of the RDID */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	k = mk_rtkey(RDID1, "10.0.0.7", 128); /* host route */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	q = mk_rtkey(RDID1, "fd00::5", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), 0);
	cr_assert_eq(map_count(NV_MAP_ROUTES), 2);
}

Test(route, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.0.0", 96 + 16);
	struct nv_route r = mk_route(VSID1);
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	before = snap();
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	k.prefixlen = 129;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "prefixlen > 128");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -EINVAL);
	k = mk_rtkey(RDID1, "10.2.0.0", 96 + 16);
	r.vsid = VSID2;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -ENOENT, "no subnet for the target vsid");
	r.vsid = 7;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "vsid out of range");
	r.vsid = VSID1;
	k.rdid = RDID2;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "target subnet in another RDID");
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), -ENOENT);
	cr_assert_eq(nv_route_add(&m, NULL, &r, NULL), -EINVAL);
	cr_assert_eq(nv_route_add(&m, &k, NULL, NULL), -EINVAL);
	assert_unchanged(before, "failed route calls");
}
