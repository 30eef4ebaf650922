/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_policy_read: every object of the maps, each array in its one order, implied routes left out;
 * the gateway's objects, its timeouts only when they are not the defaults; what a changed leg
 * takes down read for an agent's event.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- the gateway's objects ---- */

#define EXT_IFINDEX 101u /* the library does not look external devices up */

/* A NAT-mode leg of RDID1 in VSID1, its NAT, a gateway route, a static mapping, timeouts. */
static void gateway_objects(void)
{
	struct nv_gw_dev_info dev = { .mac = { 0x02, 0, 0, 0, 0xee, 0x01 } };
	struct nv_gw_leg leg = { .vsid = VSID1, .ext_ifindex = EXT_IFINDEX, .mode = NV_GW_NAT };
	struct nv_nat nat = { .ext = A("198.51.100.1"), .port_lo = 2000, .port_hi = 2999 };
	struct nv_nat_map_key k = { .ext = A("198.51.100.1"),
				    .port = htons(80),
				    .proto = IPPROTO_TCP };
	struct nv_nat_map v = { .rdid = RDID1, .port = htons(8080), .ca = A("10.0.0.5") };
	struct nv_ct_timeouts t = { .udp = 120 };
	union nv_addr prefix = A("203.0.113.0"), via = A("198.51.100.254"), all = A("0.0.0.0");

	subnet(VSID1, RDID1);
	leg.ca = A("10.0.0.100");
	mac_set(leg.mac, "02:00:00:00:00:64");
	cr_assert_eq(nv_gw_leg_add(&m, RDID1, &leg, &dev, NULL), 0);
	cr_assert_eq(nv_nat_add(&m, RDID1, &nat, NULL), 0);
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &prefix, 96 + 24, &via, NULL), 0);
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &all, 96, NULL, NULL), 0);
	cr_assert_eq(nv_nat_map_add(&m, &k, &v, NULL), 0);
	cr_assert_eq(nv_ct_timeouts_set(&m, &t, NULL), 0);
}

Test(policy, read_the_gateways_objects, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_ct_timeouts dflt = { .tcp_syn = NV_CT_TIMEOUT_TCP_SYN,
				       .tcp_established = NV_CT_TIMEOUT_TCP_ESTABLISHED,
				       .tcp_fin = NV_CT_TIMEOUT_TCP_FIN,
				       .udp = NV_CT_TIMEOUT_UDP,
				       .icmp = NV_CT_TIMEOUT_ICMP };
	struct nv_policy p;

	gateway_objects();
	cr_assert_eq(nv_policy_read(&m, &p), 0);
	cr_assert_eq(p.ngateways, 1);
	cr_assert_eq(p.gateways[0].rdid, RDID1);
	cr_assert_eq(p.gateways[0].leg.ext_ifindex, EXT_IFINDEX);
	cr_assert_eq(p.gateways[0].leg.mode, NV_GW_NAT);
	cr_assert_eq(p.ngw_routes, 2);
	cr_assert_eq(p.gw_routes[0].prefixlen, 96, "0.0.0.0/0 first");
	cr_assert(nv_route_onlink(&p.gw_routes[0].via), "the FIB's next hop: zero");
	assert_ca(&p.gw_routes[1].via, "198.51.100.254", "the route's via");
	cr_assert_eq(p.nnats, 1);
	cr_assert_eq(p.nats[0].n.port_lo, 2000);
	cr_assert_eq(p.nnat_maps, 1);
	cr_assert_eq(ntohs(p.nat_maps[0].v.port), 8080);
	cr_assert_eq(p.ntimeouts, 1, "timeouts not the defaults: an object");
	cr_assert_eq(p.timeouts[0].udp, 120);
	cr_assert_eq(p.timeouts[0].tcp_syn, NV_CT_TIMEOUT_TCP_SYN, "the others as the datapath's");
	nv_policy_free(&p);

	/* The defaults, as zeros or spelled out: no object. */
	cr_assert_eq(nv_ct_timeouts_set(&m, &(struct nv_ct_timeouts){ 0 }, NULL), 0);
	cr_assert_eq(nv_policy_read(&m, &p), 0);
	cr_assert_eq(p.ntimeouts, 0);
	nv_policy_free(&p);
	cr_assert_eq(nv_ct_timeouts_set(&m, &dflt, NULL), 0);
	cr_assert_eq(nv_policy_read(&m, &p), 0);
	cr_assert_eq(p.ntimeouts, 0);
	nv_policy_free(&p);
}

/*
 * An agent's event that changes a leg names the leg alone: its live NAT and gateway routes, and
 * the NAT's mapping, are read into both sides, so that the diff deletes them before the leg
 * changes and adds them back after.
 */
Test(policy, read_dependents_of_a_leg_changed_by_an_event, .init = maps_setup,
     .fini = maps_teardown)
{
	struct nv_policy keys = { 0 }, want = { 0 }, have;
	struct nv_policy_change *v = NULL;
	static const char *const ops = "+~-";
	char got[256] = "";
	size_t n = 0, at = 0;

	gateway_objects();
	want.gateways = calloc(1, sizeof(*want.gateways));
	cr_assert_not_null(want.gateways);
	want.ngateways = 1;
	cr_assert_eq(nv_gw_leg_get(&m, RDID1, &want.gateways[0].leg), 0);
	want.gateways[0].rdid = RDID1;
	want.gateways[0].leg.mac[5] = 0x65; /* a new MAC */
	keys.gateways = want.gateways, keys.ngateways = 1;
	cr_assert_eq(nv_policy_read_some(&m, &keys, &have), 0);
	cr_assert_eq(have.ngateways, 1);
	cr_assert_eq(have.nnats + have.ngw_routes + have.nnat_maps, 0, "the leg's key alone");

	cr_assert_eq(nv_policy_read_dependents(&m, &want, &have), 0);
	cr_assert_eq(have.nnats, 1);
	cr_assert_eq(want.nnats, 1);
	cr_assert_eq(have.ngw_routes, 2);
	cr_assert_eq(want.ngw_routes, 2);
	cr_assert_eq(want.nnat_maps, 1, "the NAT's mapping too");
	cr_assert_eq(have.nnat_maps, 1);
	cr_assert_eq(have.ntimeouts + want.ntimeouts, 0, "the timeouts are no dependent");
	cr_assert_eq(nv_policy_diff(&want, &have, true, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		at += snprintf(got + at, sizeof(got) - at, "%s%c%d", i ? " " : "", ops[v[i].op],
			       v[i].kind);
	cr_assert_str_eq(got, "-8 -7 -6 -6 ~5 +6 +6 +7 +8", "%s", got);
	free(v);
	nv_policy_free(&want);
	nv_policy_free(&have);
}
