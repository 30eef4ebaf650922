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
};

static void read_side(const char *arrays, struct nv_policy *p)
{
	char doc[4096], err[256] = "";

	snprintf(doc, sizeof(doc), "{\"version\": 1%s%s}", *arrays ? ", " : "", arrays);
	cr_assert_eq(nv_policy_json_read(doc, strlen(doc), p, err, sizeof(err)), 0, "%s: %s", doc,
		     err);
}

static const char *const kind_names[] = { "pa", "subnet", "route", "port", "record" };

Test(policy_diff, cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct diff_case *c = &cases[i];
		struct nv_policy have, want;
		struct nv_policy_change *v = NULL;
		char got[512] = "";
		size_t n = 0, at = 0;

		read_side(c->have, &have);
		read_side(c->want, &want);
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
