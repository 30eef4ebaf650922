/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's key layout, table-driven: every key of the layout names its object and prints back
 * the same, another host's keys are not ours, every other key is refused with why, and a value
 * is taken only when it makes the key it is under.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_addr.h"
#include "nv_agent.h"

struct key_case {
	const char *key;
	int ret;
	enum nv_policy_kind kind;
	const char *err; /* prefix of the message, for refusals */
};

static const struct key_case key_cases[] = {
	{ "subnets/5001", 0, NV_POLICY_SUBNET, NULL },
	{ "records/5001/10.0.0.11", 0, NV_POLICY_RECORD, NULL },
	{ "records/5001/0.0.0.0", 0, NV_POLICY_RECORD, NULL }, /* a gateway's wildcard */
	{ "records/5001/fd00::11", 0, NV_POLICY_RECORD, NULL },
	{ "routes/1/0.0.0.0/0/nexthop/10.1.0.254", 0, NV_POLICY_ROUTE, NULL },
	{ "routes/1/10.9.0.0/16/vsid/5002", 0, NV_POLICY_ROUTE, NULL },
	{ "routes/7/fd00:9::/64/nexthop/fd00::1", 0, NV_POLICY_ROUTE, NULL },
	{ "hosts/h1/pas/192.0.2.1", 0, NV_POLICY_PA, NULL },
	{ "hosts/h1/ports/lo", 0, NV_POLICY_PORT, NULL },
	{ "hosts/h1/gateways/7", 0, NV_POLICY_GATEWAY, NULL },
	{ "hosts/h1/gateways/0", 0, NV_POLICY_GATEWAY, NULL },
	{ "hosts/h1/gateway-routes/7/203.0.113.0/24", 0, NV_POLICY_GW_ROUTE, NULL },
	{ "hosts/h1/gateway-routes/7/0.0.0.0/0", 0, NV_POLICY_GW_ROUTE, NULL },
	{ "hosts/h1/nats/7", 0, NV_POLICY_NAT, NULL },
	{ "hosts/h1/nat-maps/tcp/198.51.100.1:80", 0, NV_POLICY_NAT_MAP, NULL },
	{ "hosts/h1/nat-maps/udp/198.51.100.1:53", 0, NV_POLICY_NAT_MAP, NULL },
	{ "hosts/h1/nat-timeouts", 0, NV_POLICY_TIMEOUTS, NULL },
	{ "hosts/h2/gateways/7", 1, 0, NULL },
	{ "hosts/h2/nat-timeouts", 1, 0, NULL },
	{ "hosts/h1/gateways/x", -EINVAL, 0, "hosts/<host>/gateways/<rdid>: not an RDID" },
	{ "hosts/h1/gateways/4294967296", -EINVAL, 0, "hosts/<host>/gateways/<rdid>: not an RDID" },
	{ "hosts/h1/gateways/7/extra", -EINVAL, 0, "hosts/<host>/: expected pas, ports, gateways" },
	{ "hosts/h1/nats/07", -EINVAL, 0, "hosts/<host>/nats/<rdid>: not an RDID" },
	{ "hosts/h1/gateway-routes/7/203.0.113.1/24", -EINVAL, 0,
	  "hosts/<host>/gateway-routes/<rdid>/<prefix>: not an IPv4 prefix" },
	{ "hosts/h1/gateway-routes/7/fd00::/64", -EINVAL, 0,
	  "hosts/<host>/gateway-routes/<rdid>/<prefix>: not an IPv4 prefix" },
	{ "hosts/h1/nat-maps/icmp/198.51.100.1:80", -EINVAL, 0,
	  "hosts/<host>/nat-maps/<proto>/...: expected tcp or udp" },
	{ "hosts/h1/nat-maps/tcp/198.51.100.1", -EINVAL, 0,
	  "hosts/<host>/nat-maps/<proto>/<addr>:<port>: not an IPv4 address and port" },
	{ "hosts/h1/nat-maps/tcp/198.51.100.1:0", -EINVAL, 0,
	  "hosts/<host>/nat-maps/<proto>/<addr>:<port>" },
	{ "hosts/h1/nat-maps/tcp/198.51.100.1:080", -EINVAL, 0,
	  "not in the canonical spelling (hosts/h1/nat-maps/tcp/198.51.100.1:80)" },
	{ "hosts/h1/nat-timeouts/udp", -EINVAL, 0, "hosts/<host>/: expected" },
	{ "hosts/h2/pas/192.0.2.2", 1, 0, NULL },
	{ "hosts/h2/ports/tap-vm9", 1, 0, NULL },
	{ "hosts/h2/anything/else/at/all", 1, 0, NULL },
	{ "hosts/h1/ports/nv-no-such-dev", -ENODEV, 0, "no network device nv-no-such-dev" },
	{ "subnets/0", -EINVAL, 0, "subnets/<vsid>: not a VSID" },
	{ "subnets/16777216", -EINVAL, 0, "subnets/<vsid>: not a VSID" },
	{ "subnets/05001", -EINVAL, 0, "subnets/<vsid>: not a VSID" },
	{ "subnets/5001/x", -EINVAL, 0, "not a key of the layout" },
	{ "records/5001/10.0.0.300", -EINVAL, 0, "records/<vsid>/<ca>: not an address" },
	{ "records/5001/fd00:0::11", -EINVAL, 0,
	  "not in the canonical spelling (records/5001/fd00::11)" },
	{ "routes/1/10.9.0.1/16/vsid/5002", -EINVAL, 0,
	  "routes/<rdid>/<prefix>/...: not a prefix" },
	{ "routes/1/10.9.0.0/16/via/10.0.0.1", -EINVAL, 0, "routes/<rdid>/<prefix>/: expected" },
	{ "routes/1/10.9.0.0/16/nexthop/0.0.0.0", -EINVAL, 0, "routes/.../nexthop/<ca>" },
	{ "hosts/h1/vms/x", -EINVAL, 0,
	  "hosts/<host>/: expected pas, ports, gateways, gateway-routes, nats, nat-maps or "
	  "nat-timeouts" },
	{ "tenants/7", -EINVAL, 0, "not a key of the layout" },
	{ "", -EINVAL, 0, "not a key of the layout" },
};

Test(agent_keys, layout_table)
{
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];
		struct nv_agent_object o;
		char err[256] = "", back[NV_AGENT_KEY_MAX];
		int ret = nv_agent_key_parse(c->key, "h1", &o, err, sizeof(err));

		cr_assert_eq(ret, c->ret, "%s: %d, want %d (%s)", c->key, ret, c->ret, err);
		if (c->err)
			cr_assert(!strncmp(err, c->err, strlen(c->err)), "%s: '%s', want '%s'",
				  c->key, err, c->err);
		if (ret)
			continue;
		cr_assert_eq(o.kind, c->kind, "%s", c->key);
		cr_assert_eq(nv_agent_key_format(&o, "h1", back, sizeof(back)), 0, "%s", c->key);
		cr_assert_str_eq(back, c->key);
	}
}

Test(agent_keys, key_fields)
{
	struct nv_agent_object o;
	union nv_addr a;
	char err[256];

	cr_assert_eq(
		nv_agent_key_parse("routes/3/10.9.0.0/16/vsid/5002", "h", &o, err, sizeof(err)), 0);
	cr_assert_eq(o.e.route.rdid, 3);
	cr_assert_eq(o.e.route.prefixlen, 96 + 16);
	cr_assert_eq(o.e.route.route.vsid, 5002);
	cr_assert(nv_route_onlink(&o.e.route.route.nexthop));
	cr_assert_eq(nv_agent_key_parse("records/5001/10.0.0.11", "h", &o, err, sizeof(err)), 0);
	nv_addr_parse("10.0.0.11", &a);
	cr_assert_eq(o.e.record.k.vsid, 5001);
	cr_assert(!memcmp(&o.e.record.k.ca, &a, sizeof(a)));
	cr_assert_eq(nv_agent_key_parse("hosts/h/gateway-routes/9/203.0.113.0/24", "h", &o, err,
					sizeof(err)),
		     0);
	cr_assert_eq(o.e.gw_route.rdid, 9);
	cr_assert_eq(o.e.gw_route.prefixlen, 96 + 24);
	cr_assert_eq(nv_agent_key_parse("hosts/h/nat-maps/udp/198.51.100.1:53", "h", &o, err,
					sizeof(err)),
		     0);
	nv_addr_parse("198.51.100.1", &a);
	cr_assert(!memcmp(&o.e.nat_map.k.ext, &a, sizeof(a)));
	cr_assert_eq(ntohs(o.e.nat_map.k.port), 53);
	cr_assert_eq(o.e.nat_map.k.proto, IPPROTO_UDP);
}

struct value_case {
	const char *key, *value;
	int ret;
	const char *err;
};

static const struct value_case value_cases[] = {
	{ "records/5001/10.0.0.11",
	  "{\"vsid\":5001,\"ca\":\"10.0.0.11\",\"mac\":\"02:00:00:00:00:01\",\"pa\":\"192.0.2.1\"}",
	  0, NULL },
	{ "subnets/5001", "{\"vsid\":5001,\"rdid\":1,\"prefix\":\"10.0.0.0/24\"}", 0, NULL },
	{ "routes/1/0.0.0.0/0/nexthop/10.1.0.254",
	  "{\"rdid\":1,\"prefix\":\"0.0.0.0/0\",\"nexthop\":\"10.1.0.254\"}", 0, NULL },
	{ "hosts/h1/pas/192.0.2.1", "{\"pa\":\"192.0.2.1\",\"dev\":\"lo\"}", 0, NULL },
	{ "hosts/h1/ports/lo",
	  "{\"dev\":\"lo\",\"vsid\":5001,\"ca\":\"10.0.0.1\",\"mac\":\"02:00:00:00:00:01\"}", 0,
	  NULL },
	/* another host's value is not read at all */
	{ "hosts/h2/pas/192.0.2.2", "garbage", 1, NULL },
	{ "records/5001/10.0.0.11", "not json", -EINVAL, "not JSON" },
	{ "records/5001/10.0.0.11",
	  "{\"vsid\":5001,\"ca\":\"10.0.0.11\",\"mac\":\"01:00:00:00:00:01\",\"pa\":\"192.0.2.1\"}",
	  -EINVAL, "/mac: not a unicast MAC" },
	{ "records/5001/10.0.0.11",
	  "{\"vsid\":5001,\"ca\":\"10.0.0.12\",\"mac\":\"02:00:00:00:00:01\",\"pa\":\"192.0.2.1\"}",
	  -EINVAL, "the value is the object of records/5001/10.0.0.12" },
	{ "subnets/5002", "{\"vsid\":5001,\"rdid\":1,\"prefix\":\"10.0.0.0/24\"}", -EINVAL,
	  "the value is the object of subnets/5001" },
	{ "routes/1/0.0.0.0/0/vsid/5001",
	  "{\"rdid\":1,\"prefix\":\"0.0.0.0/0\",\"nexthop\":\"10.1.0.254\"}", -EINVAL,
	  "the value is the object of routes/1/0.0.0.0/0/nexthop/10.1.0.254" },
	{ "records/5001/10.0.0.11", "{\"vsid\":5001}", -EINVAL, "/ca: " },
	/* the gateway's */
	{ "hosts/h1/gateways/7",
	  "{\"rdid\":7,\"vsid\":5001,\"ca\":\"10.0.0.100\",\"mac\":\"02:00:00:00:00:64\",\"dev\":\"lo\","
	  "\"mode\":\"forward\"}",
	  0, NULL },
	{ "hosts/h1/gateways/7",
	  "{\"rdid\":7,\"vsid\":5001,\"ca\":\"10.0.0.100\",\"mac\":\"02:00:00:00:00:64\","
	  "\"dev\":\"nv-ext-later\"}",
	  -ENODEV, "/dev: no such network device" },
	{ "hosts/h1/gateways/8",
	  "{\"rdid\":7,\"vsid\":5001,\"ca\":\"10.0.0.100\",\"mac\":\"02:00:00:00:00:64\",\"dev\":\"lo\"}",
	  -EINVAL, "the value is the object of hosts/h1/gateways/7" },
	{ "hosts/h1/gateways/7", "{\"rdid\":7,\"vsid\":5001,\"ca\":\"10.0.0.100\",\"dev\":\"lo\"}",
	  -EINVAL, "/mac: missing" },
	{ "hosts/h1/gateway-routes/7/203.0.113.0/24",
	  "{\"rdid\":7,\"prefix\":\"203.0.113.0/24\",\"via\":\"198.51.100.254\"}", 0, NULL },
	{ "hosts/h1/gateway-routes/7/203.0.113.0/24", "{\"rdid\":7,\"prefix\":\"203.0.113.0/25\"}",
	  -EINVAL, "the value is the object of hosts/h1/gateway-routes/7/203.0.113.0/25" },
	{ "hosts/h1/nats/7", "{\"rdid\":7,\"external\":\"198.51.100.1\",\"ports\":\"2000-2999\"}",
	  0, NULL },
	{ "hosts/h1/nats/7", "{\"rdid\":7,\"external\":\"198.51.100.1\",\"ports\":\"2999-2000\"}",
	  -EINVAL, "/ports: expected LO-HI" },
	{ "hosts/h1/nat-maps/tcp/198.51.100.1:80",
	  "{\"rdid\":7,\"proto\":\"tcp\",\"external\":\"198.51.100.1:80\",\"internal\":\"10.0.0.5:8080\"}",
	  0, NULL },
	{ "hosts/h1/nat-maps/udp/198.51.100.1:80",
	  "{\"rdid\":7,\"proto\":\"tcp\",\"external\":\"198.51.100.1:80\",\"internal\":\"10.0.0.5:8080\"}",
	  -EINVAL, "the value is the object of hosts/h1/nat-maps/tcp/198.51.100.1:80" },
	{ "hosts/h1/nat-timeouts", "{\"udp\":120,\"tcp_established\":3600}", 0, NULL },
	{ "hosts/h1/nat-timeouts", "{\"udp\":-1}", -EINVAL, "/udp: expected a number" },
	{ "hosts/h2/nat-timeouts", "garbage", 1, NULL },
};

Test(agent_keys, values_make_their_key)
{
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		struct nv_agent_object o;
		char err[256] = "";
		int ret = nv_agent_value_read(c->key, c->value, strlen(c->value), "h1", &o, err,
					      sizeof(err));

		cr_assert_eq(ret, c->ret, "%s = %s: %d, want %d (%s)", c->key, c->value, ret,
			     c->ret, err);
		if (c->err)
			cr_assert(!strncmp(err, c->err, strlen(c->err)), "%s: '%s', want '%s'",
				  c->key, err, c->err);
	}
}
