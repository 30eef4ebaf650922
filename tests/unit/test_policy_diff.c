/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_policy_diff, table-driven: a live state (have) and a file (want), both written as policy
 * files, and the changes that make one the other, as "op kind want/have" words in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_policy.h"
#include "nv_policy_json.h"

struct diff_case {
	const char *name;
	const char *have, *want; /* the arrays of a policy file, without version */
	bool prune;
	const char *changes;
};

/* Subnets as the maps hold them: completed (gateway and its MAC). */
#define S1 \
	"{\"vsid\": 5001, \"rdid\": 1, \"prefix\": \"10.0.0.0/24\", \"gateway\": \"10.0.0.1\", \"gateway_mac\": \"02:4e:56:00:13:89\"}"
#define S1_SHORT "{\"vsid\": 5001, \"rdid\": 1, \"prefix\": \"10.0.0.0/24\"}"
#define S2 \
	"{\"vsid\": 5002, \"rdid\": 1, \"prefix\": \"10.1.0.0/24\", \"gateway\": \"10.1.0.1\", \"gateway_mac\": \"02:4e:56:00:13:8a\"}"
#define REC(ca, mac, pa) \
	"{\"vsid\": 5001, \"ca\": \"" ca "\", \"mac\": \"" mac "\", \"pa\": \"" pa "\"}"
#define R1	 REC("10.0.0.1", "02:00:00:00:00:01", "192.0.2.1")
#define R2	 REC("10.0.0.2", "02:00:00:00:00:02", "192.0.2.2")
#define R2_MOVED REC("10.0.0.2", "02:00:00:00:00:02", "192.0.2.3")
#define R2_MAC	 REC("10.0.0.2", "02:00:00:00:00:22", "192.0.2.2")
#define R3	 REC("10.0.0.3", "02:00:00:00:00:03", "192.0.2.2")
#define RT_NH	 "{\"rdid\": 1, \"prefix\": \"0.0.0.0/0\", \"nexthop\": \"10.0.0.2\"}"
#define RT_NH_M5 \
	"{\"rdid\": 1, \"prefix\": \"0.0.0.0/0\", \"nexthop\": \"10.0.0.2\", \"metric\": 5}"
#define RT_NH_LIVE \
	"{\"rdid\": 1, \"prefix\": \"0.0.0.0/0\", \"nexthop\": \"10.0.0.2\", \"metric\": 0}"
#define RT_ON "{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": 5002}"
#define PORT(d)                                                                                                     \
	"{\"dev\": \"lo\", \"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": \"02:00:00:00:00:01\", \"deliver\": \"" d \
	"\"}"
#define PA1 "{\"pa\": \"192.0.2.1\", \"dev\": \"lo\"}"
/* The gateway's: a leg of RDID 1 (on lo: the file names an existing device), its NAT, route,
 * mapping; the timeouts. */
#define GWL(rdid, vsid, mac, mode)                                                           \
	"{\"rdid\": " #rdid ", \"vsid\": " #vsid ", \"ca\": \"10.0.0.100\", \"mac\": \"" mac \
	"\", \"dev\": \"lo\", \"mode\": \"" mode "\"}"
#define GW1	   GWL(1, 5001, "02:00:00:00:00:64", "nat")
#define GW1_MAC	   GWL(1, 5001, "02:00:00:00:00:65", "nat")
#define GW1_FWD	   GWL(1, 5001, "02:00:00:00:00:64", "forward")
#define GW2	   GWL(2, 5002, "02:00:00:00:00:66", "nat")
#define GR1	   "{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\", \"via\": \"198.51.100.254\"}"
#define GR1_FIB	   "{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\"}"
#define NAT1	   "{\"rdid\": 1, \"external\": \"198.51.100.1\", \"ports\": \"1024-65535\"}"
#define NAT1_SHORT "{\"rdid\": 1, \"external\": \"198.51.100.1\"}"
#define NAT1_PORTS "{\"rdid\": 1, \"external\": \"198.51.100.1\", \"ports\": \"2000-2999\"}"
#define NAT2	   "{\"rdid\": 2, \"external\": \"198.51.100.2\"}"
#define MAPX(ext, in) \
	"{\"rdid\": 1, \"proto\": \"tcp\", \"external\": \"" ext "\", \"internal\": \"" in "\"}"
#define MAP1	MAPX("198.51.100.1:80", "10.0.0.5:80")
#define MAP1_CA MAPX("198.51.100.1:80", "10.0.0.6:80")
#define MAP2 \
	"{\"rdid\": 2, \"proto\": \"udp\", \"external\": \"198.51.100.2:53\", \"internal\": \"10.0.0.7:53\"}"
#define TMO	"{\"udp\": 120}"
#define TMO_DEF "{\"udp\": 60, \"icmp\": 0}"
#define GW_ALL(leg, nat)                                                          \
	"\"gateways\": [" leg "], \"gateway_routes\": [" GR1 "], \"nats\": [" nat \
	"], \"nat_maps\": [" MAP1 "]"

static const struct diff_case cases[] = {
	{ "equal: nothing", "\"records\": [" R1 "," R2 "]", "\"records\": [" R2 "," R1 "]", false,
	  "" },
	{ "empty to one of each kind", "",
	  "\"pas\": [" PA1 "], \"subnets\": [" S1 "], \"records\": [" R1 "], \"routes\": [" RT_NH
	  "], \"ports\": [" PORT("tc") "]",
	  false, "+pa:0 +subnet:0 +record:0 +route:0 +port:0" },
	{ "one of each kind pruned: dependents first",
	  "\"pas\": [" PA1 "], \"subnets\": [" S1 "], \"records\": [" R1 "], \"routes\": [" RT_NH
	  "], \"ports\": [" PORT("tc") "]",
	  "", true, "-port:0 -route:0 -record:0 -subnet:0 -pa:0" },
	{ "without prune, what the file lacks stays", "\"records\": [" R1 "," R2 "]",
	  "\"records\": [" R1 "]", false, "" },
	{ "with prune, it goes", "\"records\": [" R1 "," R2 "," R3 "]", "\"records\": [" R2 "]",
	  true, "-record:0 -record:2" },
	{ "a record moved to another PA: changed in place, not deleted and added",
	  "\"records\": [" R1 "," R2 "]", "\"records\": [" R1 "," R2_MOVED "]", true,
	  "~record:1/1" },
	{ "a record with a new MAC: changed", "\"records\": [" R2 "]", "\"records\": [" R2_MAC "]",
	  false, "~record:0/0" },
	{ "a subnet without gateway equals the live one with the defaults", "\"subnets\": [" S1 "]",
	  "\"subnets\": [" S1_SHORT "]", false, "" },
	{ "a subnet in another RDID: changed", "\"subnets\": [" S1 "]",
	  "\"subnets\": [{\"vsid\": 5001, \"rdid\": 2, \"prefix\": \"10.0.0.0/24\"}]", false,
	  "~subnet:0/0" },
	{ "a route's metric: changed; the live next-hop route's VSID is not compared",
	  "\"routes\": [" RT_NH_LIVE "]", "\"routes\": [" RT_NH_M5 "]", false, "~route:0/0" },
	{ "a next-hop route equal to the live one", "\"routes\": [" RT_NH_LIVE "]",
	  "\"routes\": [" RT_NH "]", false, "" },
	{ "an on-link route into another VSID is another route", "\"routes\": [" RT_ON "]",
	  "\"routes\": [{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": 5001}]", true,
	  "-route:0 +route:0" },
	{ "a port's delivery mode: changed", "\"ports\": [" PORT("tc") "]",
	  "\"ports\": [" PORT("xdp") "]", false, "~port:0/0" },
	{ "adds and deletes of several kinds, in dependency order",
	  "\"subnets\": [" S1 "], \"records\": [" R1 "," R3 "], \"ports\": [" PORT("tc") "]",
	  "\"subnets\": [" S1 "," S2 "], \"records\": [" R1 "," R2 "], \"routes\": [" RT_ON "]",
	  true, "-port:0 -record:1 +subnet:1 +record:1 +route:0" },
	{ "empty to the gateway's objects, what they depend on first", "",
	  GW_ALL(GW1, NAT1) ", \"nat_timeouts\": " TMO, false,
	  "+gateway:0 +gateway-route:0 +nat:0 +nat-map:0 +nat-timeouts:0" },
	{ "the gateway's objects pruned: dependents first",
	  GW_ALL(GW1, NAT1) ", \"nat_timeouts\": " TMO, "", true,
	  "-nat-timeouts:0 -nat-map:0 -nat:0 -gateway-route:0 -gateway:0" },
	{ "without prune the gateway's objects stay", GW_ALL(GW1, NAT1), "", false, "" },
	{ "a NAT without ports equals the live one with the default range", "\"nats\": [" NAT1 "]",
	  "\"nats\": [" NAT1_SHORT "]", false, "" },
	{ "timeouts at their defaults are as good as none", "", "\"nat_timeouts\": " TMO_DEF, true,
	  "" },
	{ "timeouts back to their defaults: changed", "\"nat_timeouts\": " TMO,
	  "\"nat_timeouts\": " TMO_DEF, false, "~nat-timeouts:0/0" },
	{ "timeouts the file lacks: the defaults again with prune", "\"nat_timeouts\": " TMO, "",
	  true, "-nat-timeouts:0" },
	{ "a gateway route to the FIB's next hop: changed", "\"gateway_routes\": [" GR1 "]",
	  "\"gateway_routes\": [" GR1_FIB "]", false, "~gateway-route:0/0" },
	{ "a static mapping to another CA: changed", "\"nat_maps\": [" MAP1 "]",
	  "\"nat_maps\": [" MAP1_CA "]", false, "~nat-map:0/0" },
	{ "a leg changed in place: its NAT, routes and mappings go first and come back after it",
	  GW_ALL(GW1, NAT1), GW_ALL(GW1_MAC, NAT1), false,
	  "-nat-map:0 -nat:0 -gateway-route:0 ~gateway:0/0 +gateway-route:0 +nat:0 +nat-map:0" },
	{ "a leg to forward mode with its NAT pruned: the NAT deleted, not put back",
	  GW_ALL(GW1, NAT1), "\"gateways\": [" GW1_FWD "], \"gateway_routes\": [" GR1 "]", true,
	  "-nat-map:0 -nat:0 -gateway-route:0 ~gateway:0/0 +gateway-route:0" },
	{ "a NAT changed in place: its mappings go first and come back", GW_ALL(GW1, NAT1),
	  GW_ALL(GW1, NAT1_PORTS), false, "-nat-map:0 ~nat:0/0 +nat-map:0" },
	{ "a leg and its NAT changed: the NAT deleted and added, not changed",
	  "\"gateways\": [" GW1 "], \"nats\": [" NAT1 "]",
	  "\"gateways\": [" GW1_MAC "], \"nats\": [" NAT1_PORTS "]", false,
	  "-nat:0 ~gateway:0/0 +nat:0" },
	{ "another RDID's NAT and mapping are not taken down",
	  "\"gateways\": [" GW1 "," GW2 "], \"nats\": [" NAT2 "], \"nat_maps\": [" MAP2 "]",
	  "\"gateways\": [" GW1_MAC "," GW2 "], \"nats\": [" NAT2 "], \"nat_maps\": [" MAP2 "]",
	  false, "~gateway:0/0" },
};

/* The same, want completed by nv_policy_keep_dependents first (apply without prune). */
static const struct diff_case keep_cases[] = {
	{ "a leg changed, its dependents not in the file: without prune, kept (deleted and put back)",
	  GW_ALL(GW1, NAT1), "\"gateways\": [" GW1_MAC "]", false,
	  "-nat-map:0 -nat:0 -gateway-route:0 ~gateway:0/0 +gateway-route:0 +nat:0 +nat-map:0" },
	{ "a NAT changed, its mapping not in the file: kept (deleted and put back)",
	  GW_ALL(GW1, NAT1), "\"nats\": [" NAT1_PORTS "]", false,
	  "-nat-map:0 ~nat:0/0 +nat-map:0" },
	{ "nothing changed in place: nothing kept", GW_ALL(GW1, NAT1), "\"gateways\": [" GW1 "]",
	  false, "" },
};

static void read_side(const char *arrays, struct nv_policy *p)
{
	char doc[8192], err[256] = "";

	snprintf(doc, sizeof(doc), "{\"version\": 1%s%s}", *arrays ? ", " : "", arrays);
	cr_assert_eq(nv_policy_json_read(doc, strlen(doc), p, err, sizeof(err)), 0, "%s: %s", doc,
		     err);
}

static const char *const kind_names[NV_POLICY__KINDS] = {
	"pa",	   "subnet",	    "route", "port",	"record",
	"gateway", "gateway-route", "nat",   "nat-map", "nat-timeouts",
};

static void run_cases(const struct diff_case *cases, size_t ncases, bool keep)
{
	for (size_t i = 0; i < ncases; i++) {
		const struct diff_case *c = &cases[i];
		struct nv_policy have, want;
		struct nv_policy_change *v = NULL;
		char got[1024] = "";
		size_t n = 0, at = 0;

		read_side(c->have, &have);
		read_side(c->want, &want);
		if (keep)
			cr_assert_eq(nv_policy_keep_dependents(&want, &have), 0);
		cr_assert_eq(nv_policy_diff(&want, &have, c->prune, &v, &n), 0);
		for (size_t k = 0; k < n; k++) {
			const struct nv_policy_change *x = &v[k];

			at += snprintf(got + at, sizeof(got) - at, "%s%c%s:", k ? " " : "",
				       "+~-"[x->op], kind_names[x->kind]);
			if (x->op == NV_POLICY_CHANGE)
				at += snprintf(got + at, sizeof(got) - at, "%zu/%zu", x->want,
					       x->have);
			else
				at += snprintf(got + at, sizeof(got) - at, "%zu",
					       x->op == NV_POLICY_ADD ? x->want : x->have);
		}
		cr_expect_str_eq(got, c->changes, "%s: \"%s\", want \"%s\"", c->name, got,
				 c->changes);
		free(v);
		nv_policy_free(&have);
		nv_policy_free(&want);
	}
}

Test(policy_diff, cases)
{
	run_cases(cases, sizeof(cases) / sizeof(cases[0]), false);
}

Test(policy_diff, dependents_kept_without_prune)
{
	run_cases(keep_cases, sizeof(keep_cases) / sizeof(keep_cases[0]), true);
}
