/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy file: what nv_policy_json_read takes, and every refusal named by its JSON pointer;
 * what nv_policy_json_write writes reads back equal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
	"   \"mac\": \"02:00:00:00:00:fe\", \"pa\": \"192.0.2.9\"}],"
	" \"gateways\": [{\"rdid\": 7, \"vsid\": 5001, \"ca\": \"10.0.0.100\","
	"   \"mac\": \"02:00:00:00:00:64\", \"dev\": \"lo\", \"mode\": \"forward\"},"
	"   {\"rdid\": 1, \"vsid\": 5002, \"ca\": \"10.1.0.100\", \"mac\": \"02:00:00:00:01:64\","
	"    \"dev\": null, \"ifindex\": 77}],"
	" \"gateway_routes\": [{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\", \"via\": \"198.51.100.254\"},"
	"   {\"rdid\": 1, \"prefix\": \"0.0.0.0/0\"}],"
	" \"nats\": [{\"rdid\": 1, \"external\": \"198.51.100.1\", \"ports\": \"20000-29999\"},"
	"   {\"rdid\": 2, \"external\": \"198.51.100.2\"}],"
	" \"nat_maps\": [{\"rdid\": 1, \"proto\": \"udp\", \"external\": \"198.51.100.1:53\","
	"    \"internal\": \"10.1.0.6:5353\"}, {\"rdid\": 1, \"proto\": \"tcp\","
	"    \"external\": \"198.51.100.1:80\", \"internal\": \"10.1.0.5:8080\"}],"
	" \"nat_timeouts\": {\"udp\": 120, \"tcp_syn\": 0}}";

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

	/* The gateway's: legs by RDID, a leg's mode defaulting to nat, a device gone by ifindex. */
	cr_assert_eq(p.ngateways, 2);
	cr_assert_eq(p.gateways[0].rdid, 1, "legs by RDID");
	cr_assert_eq(p.gateways[0].leg.mode, NV_GW_NAT, "mode left out: nat");
	cr_assert_eq(p.gateways[0].leg.ext_ifindex, 77);
	cr_assert_eq(p.gateways[1].leg.mode, NV_GW_FORWARD);
	cr_assert_eq(p.gateways[1].leg.ext_ifindex, 1, "lo's ifindex");
	cr_assert_eq(p.gateways[1].leg.vsid, 5001);
	cr_assert_eq(p.ngw_routes, 2);
	cr_assert_eq(p.gw_routes[0].prefixlen, 96, "0.0.0.0/0 first, in address bits");
	cr_assert(nv_route_onlink(&p.gw_routes[0].via), "no via: the FIB's");
	nv_addr_parse("198.51.100.254", &nh);
	cr_assert(!memcmp(&p.gw_routes[1].via, &nh, sizeof(nh)));
	cr_assert_eq(p.nnats, 2);
	cr_assert_eq(p.nats[0].n.port_lo, 20000);
	cr_assert_eq(p.nats[0].n.port_hi, 29999);
	cr_assert_eq(p.nats[1].n.port_lo, NV_NAT_PORT_LO, "no ports: the library's range");
	cr_assert_eq(p.nats[1].n.port_hi, NV_NAT_PORT_HI);
	cr_assert_eq(p.nnat_maps, 2);
	cr_assert_eq(ntohs(p.nat_maps[0].k.port), 53, "mappings by address, then port");
	cr_assert_eq(p.nat_maps[0].k.proto, IPPROTO_UDP);
	cr_assert_eq(ntohs(p.nat_maps[0].v.port), 5353);
	cr_assert_eq(p.nat_maps[1].k.proto, IPPROTO_TCP);
	cr_assert_eq(p.nat_maps[1].v.rdid, 1);
	cr_assert_eq(p.ntimeouts, 1);
	cr_assert_eq(p.timeouts[0].udp, 120);
	cr_assert_eq(p.timeouts[0].tcp_syn, 0, "0: the default");
	cr_assert_eq(p.timeouts[0].icmp, 0, "left out: the default");
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
	cr_assert_eq(q.ngateways, p.ngateways);
	cr_assert(!memcmp(q.gateways, p.gateways, p.ngateways * sizeof(*p.gateways)), "gateways");
	cr_assert_eq(q.ngw_routes, p.ngw_routes);
	cr_assert(!memcmp(q.gw_routes, p.gw_routes, p.ngw_routes * sizeof(*p.gw_routes)),
		  "gateway routes");
	cr_assert_eq(q.nnats, p.nnats);
	cr_assert(!memcmp(q.nats, p.nats, p.nnats * sizeof(*p.nats)), "nats");
	cr_assert_eq(q.nnat_maps, p.nnat_maps);
	cr_assert(!memcmp(q.nat_maps, p.nat_maps, p.nnat_maps * sizeof(*p.nat_maps)), "nat maps");
	cr_assert_eq(q.ntimeouts, 1);
	cr_assert(!memcmp(q.timeouts, p.timeouts, sizeof(*p.timeouts)), "timeouts");
	cr_assert(strstr(buf,
			 "\"nat_timeouts\": {\"tcp_syn\":0,\"tcp_established\":0,\"tcp_fin\":0,"
			 "\"udp\":120,\"icmp\":0}\n}\n"),
		  "the timeouts last, one object: %s", buf);
	cr_assert(strstr(buf, "{\"rdid\":1,\"prefix\":\"0.0.0.0/0\"}"), "no via written: %s", buf);
	cr_assert(
		strstr(buf, "{\"rdid\":2,\"external\":\"198.51.100.2\",\"ports\":\"1024-65535\"}"),
		"the default ports written: %s", buf);
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
#define GW(body)  "{\"version\": 1, \"gateways\": [" body "]}"
#define MAP(proto_and_ends) \
	"{\"version\": 1, \"nat_maps\": [{\"rdid\": 1, \"proto\": " proto_and_ends "}]}"
#define R0 \
	"{\"vsid\": 5001, \"ca\": \"10.0.0.1\", \"mac\": \"02:00:00:00:00:01\", \"pa\": \"192.0.2.1\"}"

static const struct bad_case bad_cases[] = {
	{ "[1]", ": expected an object" },
	{ "{\"records\": []}", "/version: expected 1" },
	{ "{\"version\": 2}", "/version: expected 1" },
	{ "{\"version\": 1, \"tenants\": []}", "/tenants: unknown member" },
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
	/* the gateway's objects */
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\"}"),
	  "/gateways/0/dev: missing" },
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"nvgre-no-such-dev\"}"),
	  "/gateways/0/dev: no such network device" },
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"lo\", \"mode\": \"bridge\"}"),
	  "/gateways/0/mode: expected forward or nat" },
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"fd00::64\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"lo\"}"),
	  "/gateways/0/ca: not an IPv4 address" },
	{ GW("{\"rdid\": -1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"lo\"}"),
	  "/gateways/0/rdid: expected a number in 0..4294967295" },
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"lo\", \"nat\": true}"),
	  "/gateways/0/nat: unknown member" },
	{ GW("{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"02:00:00:00:00:64\", "
	     "\"dev\": \"lo\"}, {\"rdid\": 1, \"vsid\": 5002, \"ca\": \"10.1.0.100\", "
	     "\"mac\": \"02:00:00:00:00:65\", \"dev\": \"lo\"}"),
	  "/gateways/1: the same object as /gateways/0" },
	{ "{\"version\": 1, \"gateway_routes\": [{\"rdid\": 1, \"prefix\": \"fd00::/64\"}]}",
	  "/gateway_routes/0/prefix: not an IPv4 prefix" },
	{ "{\"version\": 1, \"gateway_routes\": [{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\", "
	  "\"via\": \"255.255.255.255\"}]}",
	  "/gateway_routes/0/via: not a unicast address" },
	{ "{\"version\": 1, \"gateway_routes\": [{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\", "
	  "\"via\": \"198.51.100.1\"}, {\"rdid\": 1, \"prefix\": \"203.0.113.0/24\"}]}",
	  "/gateway_routes/1: the same object as /gateway_routes/0" },
	{ "{\"version\": 1, \"nats\": [{\"rdid\": 1, \"external\": \"198.51.100.1\", "
	  "\"ports\": \"300-200\"}]}",
	  "/nats/0/ports: expected LO-HI with 1 <= LO <= HI <= 65535" },
	{ "{\"version\": 1, \"nats\": [{\"rdid\": 1, \"external\": \"198.51.100.1\", "
	  "\"ports\": \"0-100\"}]}",
	  "/nats/0/ports: expected LO-HI" },
	{ "{\"version\": 1, \"nats\": [{\"rdid\": 1, \"external\": \"198.51.100.1\", "
	  "\"ports\": 2000}]}",
	  "/nats/0/ports: expected a string" },
	{ "{\"version\": 1, \"nats\": [{\"rdid\": 1, \"external\": \"224.0.0.1\"}]}",
	  "/nats/0/external: not a unicast address" },
	{ "{\"version\": 1, \"nats\": [{\"rdid\": 1}]}", "/nats/0/external: missing" },
	{ MAP("\"icmp\", \"external\": \"198.51.100.1:80\", \"internal\": \"10.0.0.5:80\""),
	  "/nat_maps/0/proto: expected tcp or udp" },
	{ MAP("\"tcp\", \"external\": \"198.51.100.1\", \"internal\": \"10.0.0.5:80\""),
	  "/nat_maps/0/external: expected ADDR:PORT" },
	{ MAP("\"tcp\", \"external\": \"198.51.100.1:0\", \"internal\": \"10.0.0.5:80\""),
	  "/nat_maps/0/external: expected ADDR:PORT" },
	{ MAP("\"tcp\", \"external\": \"198.51.100.1:80\", \"internal\": \"10.0.0.5:70000\""),
	  "/nat_maps/0/internal: expected ADDR:PORT" },
	{ MAP("\"udp\", \"external\": \"[2001:db8::1]:80\", \"internal\": \"10.0.0.5:80\""),
	  "/nat_maps/0/external: expected ADDR:PORT" },
	{ MAP("\"udp\", \"external\": \"198.51.100.1:80\", \"internal\": \"10.0.0.5:80\"}, {\"rdid\": 2, \"proto\": \"udp\", "
	      "\"external\": \"198.51.100.1:80\", \"internal\": \"10.0.0.6:80\""),
	  "/nat_maps/1: the same object as /nat_maps/0" },
	{ "{\"version\": 1, \"nat_timeouts\": [{\"udp\": 5}]}",
	  "/nat_timeouts: expected an object" },
	{ "{\"version\": 1, \"nat_timeouts\": {\"udp\": 604801}}",
	  "/nat_timeouts/udp: expected a number in 0..604800" },
	{ "{\"version\": 1, \"nat_timeouts\": {\"sctp\": 5}}",
	  "/nat_timeouts/sctp: unknown member" },
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
		cr_expect_eq(p.nrecords + p.nsubnets + p.nroutes + p.nports + p.npas + p.ngateways +
				     p.ngw_routes + p.nnats + p.nnat_maps + p.ntimeouts,
			     0, "%s: p not empty", c->doc);
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

/* The gateway's objects alone: a leg whose device does not exist yet is -ENODEV (an agent waits
 * for it), the timeouts are the file's one object. */
Test(policy_json, gateway_objects_alone)
{
	static const char leg[] = "{\"rdid\": 3, \"vsid\": 5001, \"ca\": \"10.0.0.100\", "
				  "\"mac\": \"02:00:00:00:00:64\", \"dev\": \"lo\"}";
	static const char leg_later[] =
		"{\"rdid\": 3, \"vsid\": 5001, \"ca\": \"10.0.0.100\", "
		"\"mac\": \"02:00:00:00:00:64\", \"dev\": \"nv-ext-later\"}";
	static const char tmo[] = "{\"tcp_established\": 3600}";
	static const char map[] = "{\"rdid\": 3, \"proto\": \"tcp\", \"external\": "
				  "\"198.51.100.1:443\", \"internal\": \"10.0.0.5:8443\"}";
	struct nv_policy_gateway g;
	struct nv_policy_nat_map nm;
	struct nv_ct_timeouts t;
	char err[256] = "";

	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_GATEWAY, leg, strlen(leg), &g, err,
						sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(g.rdid, 3);
	cr_assert_eq(g.leg.ext_ifindex, 1);
	cr_assert_eq(g.leg.mode, NV_GW_NAT);
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_GATEWAY, leg_later, strlen(leg_later), &g,
						err, sizeof(err)),
		     -ENODEV);
	cr_assert_str_eq(err, "/dev: no such network device");
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_TIMEOUTS, tmo, strlen(tmo), &t, err,
						sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(t.tcp_established, 3600);
	cr_assert_eq(t.udp, 0);
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_NAT_MAP, map, strlen(map), &nm, err,
						sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(ntohs(nm.k.port), 443);
	cr_assert_eq(ntohs(nm.v.port), 8443);
	cr_assert_eq(nv_policy_json_read_object(NV_POLICY_NAT, "{\"rdid\": 3}", 11, &nm, err,
						sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "/external: missing");
}
