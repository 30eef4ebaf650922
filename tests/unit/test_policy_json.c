/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy file: what nv_policy_json_read takes, and every refusal named by its JSON pointer;
 * what nv_policy_json_write writes reads back equal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_addr.h"
#include "nv_policy_json.h"

static const char good[] =
	"{\"version\": 1,"
	" \"pas\": [{\"pa\": \"192.0.2.1\", \"dev\": \"lo\"}],"
	" \"subnets\": [{\"vsid\": 5001, \"rdid\": 1, \"prefix\": \"10.0.0.0/24\"},"
	"   {\"vsid\": 5002, \"rdid\": 1, \"prefix\": \"10.1.0.0/24\", \"gateway\": \"10.1.0.254\","
	"    \"gateway_mac\": \"02:00:00:00:01:fe\"}],"
	" \"routes\": [{\"rdid\": 1, \"prefix\": \"0.0.0.0/0\", \"nexthop\": \"10.1.0.9\"},"
	"   {\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": 5002, \"metric\": 7}],"
	" \"ports\": [{\"dev\": \"lo\", \"vsid\": 5001, \"ca\": \"10.0.0.1\","
	"   \"mac\": \"02:00:00:00:00:01\", \"deliver\": \"xdp\"}],"
	" \"records\": [{\"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": \"02:00:00:00:00:01\","
	"   \"pa\": \"192.0.2.1\"}, {\"vsid\": 5001, \"ca\": \"0.0.0.0\","
	"   \"mac\": \"02:00:00:00:00:fe\", \"pa\": \"192.0.2.9\"}]}";

static int read_doc(const char *doc, struct nv_policy *p, char *err, size_t len)
{
	return nv_policy_json_read(doc, strlen(doc), p, err, len);
}

Test(policy_json, reads_every_kind)
{
	union nv_addr gw = { 0 }, nh = { 0 };
	struct nv_policy p;
	char err[256] = "";

	cr_assert_eq(read_doc(good, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.npas, 1);
	cr_assert_eq(p.pas[0].ifindex, 1, "lo's ifindex");
	cr_assert_eq(p.nsubnets, 2);
	cr_assert_eq(p.subnets[0].s.prefixlen, 96 + 24);
	cr_assert(!memcmp(&p.subnets[0].s.gw_ca, &gw, sizeof(gw)),
		  "no gateway: left to the default");
	nv_addr_parse("10.1.0.254", &gw);
	cr_assert(!memcmp(&p.subnets[1].s.gw_ca, &gw, sizeof(gw)));
	cr_assert_eq(p.nroutes, 2);
	nv_addr_parse("10.1.0.9", &nh);
	cr_assert(!memcmp(&p.routes[0].route.nexthop, &nh, sizeof(nh)));
	cr_assert_eq(p.routes[0].route.metric, 0, "metric defaults to 0");
	cr_assert_eq(p.routes[1].route.vsid, 5002);
	cr_assert_eq(p.routes[1].route.metric, 7);
	cr_assert_eq(p.nports, 1);
	cr_assert_eq(p.ports[0].p.deliver, NV_DELIVER_XDP);
	cr_assert_eq(p.nrecords, 2);
	cr_assert(nv_addr_is_wildcard(&p.records[0].k.ca),
		  "sorted: the gateway wildcard record first");
	nv_policy_free(&p);
}

Test(policy_json, what_it_writes_reads_back_equal)
{
	struct nv_policy p, q;
	char err[256] = "", *buf = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_eq(read_doc(good, &p, err, sizeof(err)), 0, "%s", err);
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cr_assert_eq(nv_policy_json_write(f, &p), 0);
	fclose(f);
	cr_assert_eq(nv_policy_json_read(buf, len, &q, err, sizeof(err)), 0, "%s: %s", err, buf);
	cr_assert_eq(q.nrecords, p.nrecords);
	cr_assert(!memcmp(q.records, p.records, p.nrecords * sizeof(*p.records)), "records");
	cr_assert(!memcmp(q.routes, p.routes, p.nroutes * sizeof(*p.routes)), "routes");
	cr_assert(!memcmp(q.ports, p.ports, p.nports * sizeof(*p.ports)), "ports");
	cr_assert(!memcmp(q.pas, p.pas, p.npas * sizeof(*p.pas)), "pas");
	/* The subnets' defaults are written as what they are only once the library filled them. */
	cr_assert_eq(q.subnets[1].s.prefixlen, p.subnets[1].s.prefixlen);
	free(buf);
	nv_policy_free(&p);
	nv_policy_free(&q);
}

/* One refusal: the document, and the start of the message (the JSON pointer and why). */
struct bad_case {
	const char *doc;
	const char *want;
};

#define REC(body) "{\"version\": 1, \"records\": [" body "]}"
#define R0 \
	"{\"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": \"02:00:00:00:00:01\", \"pa\": \"192.0.2.1\"}"

static const struct bad_case bad_cases[] = {
	{ "[1]", ": expected an object" },
	{ "{\"records\": []}", "/version: expected 1" },
	{ "{\"version\": 2}", "/version: expected 1" },
	{ "{\"version\": 1, \"nats\": []}", "/nats: unknown member" },
	{ "{\"version\": 1, \"records\": {}}", "/records: expected an array" },
	{ REC(R0 ", 7"), "/records/1: expected an object" },
	{ REC(R0 ", {\"vsid\": 5001, \"ca\": \"10.0.0.2\", \"mac\": \"01:00:00:00:00:01\", \"pa\": "
		 "\"192.0.2.1\"}"),
	  "/records/1/mac: not a unicast MAC" },
	{ REC("{\"vsid\": 5001, \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:zz\", \"pa\": "
	      "\"192.0.2.1\"}"),
	  "/records/0/mac: expected a MAC" },
	{ REC("{\"vsid\": 12, \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:01\", \"pa\": "
	      "\"192.0.2.1\"}"),
	  "/records/0/vsid: expected a number in 4096..16777214" },
	{ REC("{\"vsid\": \"5001\", \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:01\", \"pa\": "
	      "\"192.0.2.1\"}"),
	  "/records/0/vsid: expected a number" },
	{ REC("{\"vsid\": 5001, \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:01\", \"pa\": "
	      "\"fd00::1\"}"),
	  "/records/0/pa: not an IPv4 address" },
	{ REC("{\"vsid\": 5001, \"ca\": \"224.0.0.1\", \"mac\": \"02:00:00:00:00:01\", \"pa\": "
	      "\"192.0.2.1\"}"),
	  "/records/0/ca: not a unicast address" },
	{ REC("{\"vsid\": 5001, \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:01\"}"),
	  "/records/0/pa: missing" },
	{ REC("{\"vsid\": 5001, \"ca\": \"10.0.0.2\", \"mac\": \"02:00:00:00:00:01\", \"pa\": "
	      "\"192.0.2.1\", \"rule\": \"rewrite\"}"),
	  "/records/0/rule: unknown member" },
	{ "{\"version\": 1, \"subnets\": [{\"vsid\": 5001, \"rdid\": 1, \"prefix\": "
	  "\"10.0.0.1/24\"}]}",
	  "/subnets/0/prefix: expected a prefix" },
	{ "{\"version\": 1, \"subnets\": [{\"vsid\": 5001, \"prefix\": \"10.0.0.0/24\"}]}",
	  "/subnets/0/rdid: missing" },
	{ "{\"version\": 1, \"routes\": [{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\"}]}",
	  "/routes/0: exactly one of vsid and nexthop" },
	{ "{\"version\": 1, \"routes\": [{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": "
	  "5001, \"nexthop\": \"10.0.0.1\"}]}",
	  "/routes/0: exactly one of vsid and nexthop" },
	{ "{\"version\": 1, \"routes\": [{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": "
	  "5001, \"metric\": -1}]}",
	  "/routes/0/metric: expected a number" },
	{ "{\"version\": 1, \"ports\": [{\"dev\": \"nvgre-no-such-dev\", \"vsid\": 5001, \"ca\": "
	  "\"10.0.0.1\", \"mac\": \"02:00:00:00:00:01\"}]}",
	  "/ports/0/dev: no such network device" },
	{ "{\"version\": 1, \"ports\": [{\"dev\": \"lo\", \"vsid\": 5001, \"ca\": \"10.0.0.1\", "
	  "\"mac\": \"02:00:00:00:00:01\", \"deliver\": \"dpdk\"}]}",
	  "/ports/0/deliver: expected tc or xdp" },
	{ "{\"version\": 1, \"pas\": [{\"pa\": \"192.0.2.1\"}]}", "/pas/0/dev: missing" },
	{ "{\"version\": 1, \"pas\": [{\"pa\": \"192.0.2.1\", \"dev\": null}]}",
	  "/pas/0/ifindex: missing" },
	{ REC(R0 ", " R0), "/records/1: the same object as /records/0" },
	{ "{\"version\": 1, \"routes\": [{\"rdid\": 1, \"prefix\": \"10.9.0.0/16\", \"vsid\": 5001},"
	  " {\"rdid\": 1, \"prefix\": \"10.8.0.0/16\", \"vsid\": 5001}, {\"rdid\": 1, \"prefix\":"
	  " \"10.9.0.0/16\", \"vsid\": 5001, \"metric\": 3}]}",
	  "/routes/2: the same object as /routes/0" },
	{ "{\"version\": 1,", "line 1, column" },
	{ "{\"version\": 1, \"version\": 1}", "line 1" },
};

Test(policy_json, refusals_name_the_value)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct nv_policy p;
		char err[256] = "";

		cr_expect_eq(read_doc(c->doc, &p, err, sizeof(err)), -EINVAL, "%s: accepted",
			     c->doc);
		cr_expect(!strncmp(err, c->want, strlen(c->want)), "%s: \"%s\", want \"%s...\"",
			  c->doc, err, c->want);
		cr_expect_eq(p.nrecords + p.nsubnets + p.nroutes + p.nports + p.npas, 0,
			     "%s: p not empty", c->doc);
	}
}

/* One object alone, as an etcd value holds it: read as the file's element, refusals named. */
Test(policy_json, one_object_alone)
{
	static const char rec[] = "{\"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": "
				  "\"02:00:00:00:00:01\", \"pa\": \"192.0.2.1\"}";
	static const char bad_mac[] = "{\"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": "
				      "\"01:00:00:00:00:01\", \"pa\": \"192.0.2.1\"}";
	struct nv_policy_record r;
	char err[256] = "";

	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_RECORD, rec, strlen(rec), &r, err,
						sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(r.k.vsid, 5001);
	cr_assert_eq(r.r.mac[5], 1);
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_RECORD, bad_mac, strlen(bad_mac), &r, err,
						sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "/mac: not a unicast MAC (zero, broadcast or multicast)");
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_RECORD, "[1]", 3, &r, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, ": expected an object");
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_SUBNET, "{", 1, &r, err, sizeof(err)),
		     -EINVAL);
	cr_assert(!strncmp(err, "not JSON", 8), "%s", err);
}
