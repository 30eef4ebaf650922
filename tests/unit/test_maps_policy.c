/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* nv_policy_read: every object of the maps, each array in its one order, implied routes left out.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "nv_addr.h"
#include "nv_policy.h"
#include "unit/maps/maps_test.h"

static void assert_ca(const union nv_addr *got, const char *want, const char *what)
{
	union nv_addr a = A(want);
	char buf[NV_ADDR_STRLEN];

	cr_assert(!memcmp(got, &a, sizeof(a)), "%s: %s, want %s", what,
		  nv_addr_format(got, buf, sizeof(buf)), want);
}

Test(policy, read_orders_every_array, .init = maps_setup, .fini = maps_teardown)
{
	static const char *const cas[] = { "10.0.0.10", "10.0.0.2", "10.0.0.200", "10.0.0.9" };
	struct nv_route_key k = mk_rtkey(RDID1, "10.9.0.0", 96 + 16);
	struct nv_route r = { 0 };
	struct nv_policy p;

	subnet_at(VSID2, RDID1, "10.0.1.0");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL2);
	local_pa(PA_LOCAL);
	for (size_t i = 0; i < sizeof(cas) / sizeof(cas[0]); i++)
		record(VSID1, cas[i], PA_REMOTE);
	record(VSID2, "10.0.1.5", PA_REMOTE);
	r.nexthop = A("10.0.0.9");
	r.metric = 3;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);

	cr_assert_eq(nv_policy_read(&m, &p), 0);
	cr_assert_eq(p.npas, 2);
	assert_ca(&p.pas[0].pa, PA_LOCAL, "first PA");
	assert_ca(&p.pas[1].pa, PA_LOCAL2, "second PA");
	cr_assert_eq(p.nsubnets, 2);
	cr_assert_eq(p.subnets[0].vsid, VSID1, "subnets by VSID");
	cr_assert_eq(p.subnets[1].vsid, VSID2);
	/* The subnets' on-link routes are implied by the subnets: only the customer route. */
	cr_assert_eq(p.nroutes, 1, "%zu routes: subnet routes exported too", p.nroutes);
	assert_ca(&p.routes[0].route.nexthop, "10.0.0.9", "the route's next hop");
	cr_assert_eq(p.routes[0].route.metric, 3);
	cr_assert_eq(p.nports, 0);
	cr_assert_eq(p.nrecords, 5);
	/* By VSID, then CA in numeric order (10.0.0.9 before 10.0.0.10). */
	assert_ca(&p.records[0].k.ca, "10.0.0.2", "record 0");
	assert_ca(&p.records[1].k.ca, "10.0.0.9", "record 1");
	assert_ca(&p.records[2].k.ca, "10.0.0.10", "record 2");
	assert_ca(&p.records[3].k.ca, "10.0.0.200", "record 3");
	cr_assert_eq(p.records[4].k.vsid, VSID2, "VSID2's record last");
	nv_policy_free(&p);
	cr_assert_null(p.records, "free leaves no pointer");
}

Test(policy, read_of_empty_maps, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_policy p;

	cr_assert_eq(nv_policy_read(&m, &p), 0);
	cr_assert_eq(p.npas + p.nsubnets + p.nroutes + p.nports + p.nrecords, 0);
	nv_policy_free(&p);
}

/* nv_policy_read_some: the live objects with the keys asked for, none of the others; a key with
 * no object is simply absent (what an agent's DELETE of a missing key compares with). */
Test(policy, read_some_only_the_keys_asked, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_policy_record want_r[2] = { 0 };
	struct nv_policy_subnet want_s[1] = { { .vsid = VSID2 } };
	struct nv_route_info want_rt[1] = { 0 };
	struct nv_route_key k = mk_rtkey(RDID1, "10.9.0.0", 96 + 16);
	struct nv_route r = { .metric = 3 };
	struct nv_policy keys = { 0 }, p;

	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.2", PA_REMOTE);
	record(VSID1, "10.0.0.3", PA_REMOTE);
	record(VSID1, "10.0.0.9", PA_REMOTE); /* the route's next hop */
	r.nexthop = A("10.0.0.9");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	want_r[0].k = (struct nv_record_key){ .vsid = VSID1, .ca = A("10.0.0.3") };
	want_r[1].k = (struct nv_record_key){ .vsid = VSID1, .ca = A("10.0.0.77") }; /* none */
	want_rt[0] = (struct nv_route_info){ .rdid = RDID1,
					     .prefixlen = 96 + 16,
					     .prefix = A("10.9.0.0") };
	want_rt[0].route.nexthop = A("10.0.0.9");
	keys.records = want_r, keys.nrecords = 2;
	keys.subnets = want_s, keys.nsubnets = 1; /* VSID2 has no subnet */
	keys.routes = want_rt, keys.nroutes = 1;

	cr_assert_eq(nv_policy_read_some(&m, &keys, &p), 0);
	cr_assert_eq(p.nrecords, 1, "%zu records: only 10.0.0.3 exists of those asked", p.nrecords);
	assert_ca(&p.records[0].k.ca, "10.0.0.3", "the record asked for");
	cr_assert_eq(p.nsubnets, 0, "a subnet asked for that does not exist");
	cr_assert_eq(p.nroutes, 1);
	cr_assert_eq(p.routes[0].route.metric, 3, "the route with its values");
	cr_assert_eq(p.npas + p.nports, 0, "nothing of a kind not asked for");
	nv_policy_free(&p);
}
