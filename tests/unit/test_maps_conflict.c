/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Errors that name the conflict: every refusal of every policy call, one row each
 * (unit/maps/conflict_cases.h), on one world that holds something for each rule to refuse.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "nv_addr.h"
#include "unit/maps/conflict_cases.h"
#include "unit/maps/maps_test.h"
#include "unit/suite.h"

#define VSID4	     5004u	 /* a route leads there, nothing else uses it */
#define VSID5	     5005u	 /* no subnet */
#define RDID3	     3u		 /* no subnet: room for any prefix */
#define PA_NONLOCAL  "192.0.2.3" /* the record of v3 is there: not local */
#define RECORD_OTHER "10.0.0.50" /* the second record of add_many, at PA_REMOTE */

/*
 * The world every row starts from:
 *   config     underlay u1, pa PA_LOCAL (a local PA)
 *   subnets    VSID1 (RDID1, 10.0.0.0/24): ports, records; VSID2 (RDID2, 10.0.0.0/24): one
 *              port (v5); VSID3 (RDID1, 10.0.3.0/24): one record; VSID4 (RDID1, 10.0.4.0/24):
 *              one route leads there. Gateways .254, MAC 02:00:00:00:00:fe.
 *   v1         (VSID1, 10.0.0.1), bound to its record at PA_LOCAL (MACs :01)
 *   v2         (VSID1, 10.0.0.2) MAC :22, no record
 *   v3         (VSID1, 10.0.0.3) MAC :33; its record (MAC :03) at PA_NONLOCAL
 *   record     (VSID1, 10.0.0.4) at PA_LOCAL, MAC :04, no port
 *   record     (VSID3, 10.0.3.5) at PA_REMOTE
 *   v5         (VSID2, 10.0.0.1)
 *   route      RDID1 10.9.0.0/16 -> VSID4 (on-link)
 *   v4         no port: the device the rows add
 */
static void world(void)
{
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:22");
	struct nv_port p3 = mk_port(VSID1, RDID1, "10.0.0.3", "02:00:00:00:00:33");
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p5 = mk_port(VSID2, RDID2, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_route_key rk = mk_rtkey(RDID1, "10.9.0.0", 96 + 16);
	struct nv_route r = mk_route(VSID4);
	struct nv_config c;

	netns();
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	subnet_at(VSID3, RDID1, "10.0.3.0");
	subnet_at(VSID4, RDID1, "10.0.4.0");
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.3", PA_NONLOCAL);
	record(VSID1, "10.0.0.4", PA_LOCAL);
	record(VSID3, "10.0.3.5", PA_REMOTE);
	port_add(veth("v1"), &p1);
	port_add(veth("v2"), &p2);
	port_add(veth("v3"), &p3);
	port_add(veth("v5"), &p5);
	veth("v4");
	cr_assert_eq(nv_route_add(&m, &rk, &r, NULL), 0);
	cr_assert_eq(nv_config_get(&m, &c), 0);
	c.underlay_ifindex = veth("u1");
	c.pa = A(PA_LOCAL);
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), if_nametoindex("v1"), "world: v1 bound");
}

/* ---- tweaks: state one row needs ---- */

static void xdp_none(void)
{
	struct nv_config c;

	cr_assert_eq(nv_config_get(&m, &c), 0);
	c.flags |= NV_CFG_F_NO_XDP;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
}

/* Replaces map id by a copy of it with no room left: max_entries = its entries. */
static void full(enum nv_map_id id)
{
	const struct nv_map_spec *spec = &nv_map_specs[id];
	bool percpu = spec->type == BPF_MAP_TYPE_PERCPU_HASH;
	size_t vs = percpu ? libbpf_num_possible_cpus() * ((spec->value_size + 7) & ~7u)
			   : spec->value_size;
	unsigned char key[64], next[64], *val = malloc(vs);
	int n = map_count(id), fd = maps_fixture_create_one(id, n);
	int err;

	cr_assert_not_null(val);
	cr_assert_gt(n, 0, "%s is empty", spec->name);
	cr_assert_geq(fd, 0, "%s of %d entries", spec->name, n);
	for (err = bpf_map_get_next_key(m.fd[id], NULL, key); !err;
	     err = bpf_map_get_next_key(m.fd[id], key, next), memcpy(key, next, sizeof(key))) {
		cr_assert_eq(bpf_map_lookup_elem(m.fd[id], key, val), 0);
		cr_assert_eq(bpf_map_update_elem(fd, key, val, BPF_NOEXIST), 0);
	}
	free(val);
	close(m.fd[id]);
	m.fd[id] = fd;
}

static void full_subnets(void)
{
	full(NV_MAP_SUBNETS);
}

static void full_stats(void)
{
	full(NV_MAP_STATS);
}

static void full_ports(void)
{
	full(NV_MAP_PORTS);
}

static void full_tx_ports(void)
{
	full(NV_MAP_TX_PORTS);
}

static void full_port_stats(void)
{
	full(NV_MAP_PORT_STATS);
}

static void full_local_pas(void)
{
	full(NV_MAP_LOCAL_PAS);
}

static void full_records(void)
{
	full(NV_MAP_RECORDS);
}

/* RDID1's gateway wildcard record, in VSID3. */
static void wildcard(void)
{
	record(VSID3, "0.0.0.0", PA_REMOTE);
}

/* Two customer routes of RDID1 to 10.7.0.0/16, by next hops in VSID1 and VSID3. */
static void two_routes(void)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.7.0.0", 96 + 16);
	struct nv_route r;

	memset(&r, 0, sizeof(r));
	r.nexthop = A("10.0.0.4");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	r.nexthop = A("10.0.3.5");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
}

/* ---- the rows ---- */

#define WANT(k, ...) .want = { .kind = NV_CONFLICT_##k, __VA_ARGS__ }

const struct conflict_case conflict_cases[] = {
	/* subnets */
	{ "subnet add: vsid below the range", .op = OP_SUBNET_ADD, .vsid = NV_VSID_MIN - 1,
	  .rdid = RDID1, .err = -EINVAL, WANT(VSID_RANGE, .vsid = NV_VSID_MIN - 1) },
	{ "subnet add: exists", .op = OP_SUBNET_ADD, .vsid = VSID1, .rdid = RDID2, .err = -EEXIST,
	  WANT(SUBNET_EXISTS, .vsid = VSID1) },
	{ "subnet add: a /31 leaves no room for hosts", .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID1, .ca = "10.5.0.0", .prefixlen = 96 + 31, .gw = "10.5.0.1", .err = -EINVAL,
	  WANT(SUBNET_PREFIX, .vsid = VSID5, .ca = "10.5.0.0", .prefixlen = 96 + 31) },
	{ "subnet add: prefix with host bits", .op = OP_SUBNET_ADD, .vsid = VSID5, .rdid = RDID1,
	  .ca = "10.5.0.9", .prefixlen = 96 + 24, .err = -EINVAL,
	  WANT(SUBNET_PREFIX, .vsid = VSID5, .ca = "10.5.0.9", .prefixlen = 96 + 24) },
	{ "subnet add: gateway outside the prefix", .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID1, .ca = "10.5.0.0", .prefixlen = 96 + 24, .gw = "10.6.0.1", .err = -EINVAL,
	  WANT(GATEWAY_INVALID, .vsid = VSID5, .ca = "10.5.0.0", .prefixlen = 96 + 24,
	       .gw = "10.6.0.1") },
	{ "subnet add: gateway is the broadcast", .op = OP_SUBNET_ADD, .vsid = VSID5, .rdid = RDID1,
	  .ca = "10.5.0.0", .prefixlen = 96 + 24, .gw = "10.5.0.255", .err = -EINVAL,
	  WANT(GATEWAY_INVALID, .vsid = VSID5, .ca = "10.5.0.0", .prefixlen = 96 + 24,
	       .gw = "10.5.0.255") },
	{ "subnet add: no prefix (a subnet routes)", .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID1, .ca = "::", .prefixlen = 0, .gw = "10.5.0.1", .err = -EINVAL,
	  WANT(SUBNET_PREFIX, .vsid = VSID5) },
	{ "subnet add: gateway is the prefix's first address", .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID1, .ca = "10.5.0.0", .prefixlen = 96 + 24, .gw = "10.5.0.0", .err = -EINVAL,
	  WANT(GATEWAY_INVALID, .vsid = VSID5, .ca = "10.5.0.0", .prefixlen = 96 + 24,
	       .gw = "10.5.0.0") },
	{ "subnet add: gateway MAC is multicast", .op = OP_SUBNET_ADD, .vsid = VSID5, .rdid = RDID1,
	  .ca = "10.5.0.0", .prefixlen = 96 + 24, .gw = "10.5.0.1", .mac = "03:00:00:00:00:01",
	  .err = -EINVAL, WANT(MAC_INVALID, .mac = "03:00:00:00:00:01") },
	{ "subnet add: overlaps a subnet of the RDID", .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID1, .ca = "10.0.3.128", .prefixlen = 96 + 25, .gw = "10.0.3.129",
	  .err = -EINVAL,
	  WANT(SUBNET_OVERLAP, .vsid = VSID5, .ca = "10.0.3.128", .prefixlen = 96 + 25,
	       .rdid = RDID1, .vsid2 = VSID3, .net = "10.0.3.0", .netlen = 96 + 24) },
	{ "subnet add: nv_subnets full", full_subnets, .op = OP_SUBNET_ADD, .vsid = VSID5,
	  .rdid = RDID3, .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_SUBNETS) },
	{ "subnet add: nv_stats full (the subnet is taken back)", full_stats, .op = OP_SUBNET_ADD,
	  .vsid = VSID5, .rdid = RDID3, .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_STATS) },
	{ "subnet del: vsid above the range", .op = OP_SUBNET_DEL, .vsid = NV_VSID_MAX + 1,
	  .err = -EINVAL, WANT(VSID_RANGE, .vsid = NV_VSID_MAX + 1) },
	{ "subnet del: no subnet", .op = OP_SUBNET_DEL, .vsid = VSID5, .err = -ENOENT,
	  WANT(VSID_UNKNOWN, .vsid = VSID5) },
	{ "subnet del: a port uses it", .op = OP_SUBNET_DEL, .vsid = VSID2, .err = -EBUSY,
	  WANT(SUBNET_HAS_PORT, .vsid = VSID2, .dev = "v5") },
	{ "subnet del: a record uses it", .op = OP_SUBNET_DEL, .vsid = VSID3, .err = -EBUSY,
	  WANT(SUBNET_HAS_RECORD, .vsid = VSID3, .ca = "10.0.3.5") },
	{ "subnet del: a route leads there", .op = OP_SUBNET_DEL, .vsid = VSID4, .err = -EBUSY,
	  WANT(SUBNET_HAS_ROUTE, .vsid = VSID4, .ca = "10.9.0.0", .prefixlen = 96 + 16,
	       .rdid = RDID1) },

	/* local PAs */
	{ "pa add: multicast", .op = OP_PA_ADD, .pa = "ff02::1", .err = -EINVAL,
	  WANT(PA_INVALID, .pa = "ff02::1") },
	{ "pa add: broadcast", .op = OP_PA_ADD, .pa = "255.255.255.255", .err = -EINVAL,
	  WANT(PA_INVALID, .pa = "255.255.255.255") },
	{ "pa add: local already", .op = OP_PA_ADD, .pa = PA_LOCAL, .err = -EEXIST,
	  WANT(PA_EXISTS, .pa = PA_LOCAL) },
	{ "pa add: would bind v3 to a record of another MAC", .op = OP_PA_ADD, .pa = PA_NONLOCAL,
	  .err = -EINVAL,
	  WANT(MAC_DIFFERS, .vsid = VSID1, .ca = "10.0.0.3", .pa = PA_NONLOCAL, .dev = "v3",
	       .mac = "02:00:00:00:00:03", .port_mac = "02:00:00:00:00:33") },
	{ "pa add: nv_local_pas full", full_local_pas, .op = OP_PA_ADD, .pa = "192.0.2.9",
	  .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_LOCAL_PAS) },
	{ "pa del: not local", .op = OP_PA_DEL, .pa = PA_REMOTE, .err = -ENOENT,
	  WANT(PA_NOT_LOCAL, .pa = PA_REMOTE) },
	{ "pa del: the config PA", .op = OP_PA_DEL, .pa = PA_LOCAL, .err = -EBUSY,
	  WANT(PA_IS_CONFIG, .pa = PA_LOCAL) },

	/* ports, in the order port add checks */
	{ "port add: vsid out of range", .op = OP_PORT_ADD, .dev = "v4", .vsid = 7, .rdid = RDID1,
	  .ca = "10.0.0.9", .err = -EINVAL, WANT(VSID_RANGE, .vsid = 7) },
	{ "port add: multicast ca", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1, .rdid = RDID1,
	  .ca = "224.0.0.1", .mac = "02:00:00:00:00:09", .err = -EINVAL,
	  WANT(CA_INVALID, .ca = "224.0.0.1") },
	{ "port add: multicast mac", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1, .rdid = RDID1,
	  .ca = "10.0.0.9", .mac = "01:00:5e:00:00:01", .err = -EINVAL,
	  WANT(MAC_INVALID, .mac = "01:00:5e:00:00:01") },
	{ "port add: deliver", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1, .rdid = RDID1,
	  .ca = "10.0.0.9", .deliver = 2, .err = -EINVAL, WANT(DELIVER_INVALID) },
	{ "port add: flags", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1, .rdid = RDID1,
	  .ca = "10.0.0.9", .flags = 0x80, .err = -EINVAL, WANT(FLAGS_INVALID) },
	{ "port add: ifindex 0", .op = OP_PORT_ADD, .ifindex = 0, .vsid = VSID1, .rdid = RDID1,
	  .ca = "10.0.0.9", .err = -ENODEV, WANT(NO_DEVICE, .ifindex = 0) },
	{ "port add: no subnet", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID5, .rdid = RDID1,
	  .ca = "10.0.0.9", .err = -ENOENT, WANT(VSID_UNKNOWN, .vsid = VSID5) },
	{ "port add: rdid differs from the subnet's", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID2, .ca = "10.0.0.9", .err = -EINVAL,
	  WANT(RDID_DIFFERS, .vsid = VSID1, .rdid = RDID1) },
	{ "port add: ca outside the subnet's prefix", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.9.9", .err = -EINVAL,
	  WANT(CA_OUTSIDE_PREFIX, .vsid = VSID1, .ca = "10.0.9.9", .net = "10.0.0.0",
	       .netlen = 96 + 24) },
	{ "port add: ca is the gateway's", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.0.254", .err = -EINVAL,
	  WANT(CA_IS_GATEWAY, .vsid = VSID1, .ca = "10.0.0.254") },
	{ "port add: the wildcard is no port's", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "0.0.0.0", .mac = "02:00:00:00:00:09", .err = -EINVAL,
	  WANT(CA_INVALID, .ca = "0.0.0.0") },
	{ "port add: the device is a port", .op = OP_PORT_ADD, .dev = "v1", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.0.9", .err = -EEXIST, WANT(PORT_EXISTS, .dev = "v1") },
	{ "port add: deliver xdp with xdp-mode none", xdp_none, .op = OP_PORT_ADD, .dev = "v4",
	  .vsid = VSID1, .rdid = RDID1, .ca = "10.0.0.9", .deliver = NV_DELIVER_XDP,
	  .err = -EOPNOTSUPP, WANT(XDP_NONE) },
	{ "port add: (vsid, ca) is v1's", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.0.1", .err = -EEXIST,
	  WANT(CA_HELD, .vsid = VSID1, .ca = "10.0.0.1", .dev = "v1") },
	{ "port add: the underlay", .op = OP_PORT_ADD, .dev = "u1", .vsid = VSID1, .rdid = RDID1,
	  .ca = "10.0.0.9", .err = -EINVAL, WANT(PORT_IS_UNDERLAY, .dev = "u1") },
	{ "port add: its record has another MAC", .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.0.4", .mac = "02:00:00:00:00:44", .err = -EINVAL,
	  WANT(MAC_DIFFERS, .vsid = VSID1, .ca = "10.0.0.4", .pa = PA_LOCAL, .dev = "v4",
	       .mac = "02:00:00:00:00:04", .port_mac = "02:00:00:00:00:44") },
	{ "port add: nv_ports full", full_ports, .op = OP_PORT_ADD, .dev = "v4", .vsid = VSID1,
	  .rdid = RDID1, .ca = "10.0.0.9", .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_PORTS) },
	{ "port add: no such device (the devmap)", .op = OP_PORT_ADD, .ifindex = 4242,
	  .vsid = VSID1, .rdid = RDID1, .ca = "10.0.0.9", .err = -ENODEV,
	  WANT(NO_DEVICE, .ifindex = 4242) },
	{ "port add: nv_tx_ports full", full_tx_ports, .op = OP_PORT_ADD, .dev = "v4",
	  .vsid = VSID1, .rdid = RDID1, .ca = "10.0.0.9", .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_TX_PORTS) },
	{ "port add: nv_port_stats full", full_port_stats, .op = OP_PORT_ADD, .dev = "v4",
	  .vsid = VSID1, .rdid = RDID1, .ca = "10.0.0.9", .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_PORT_STATS) },
	{ "port del: not a port", .op = OP_PORT_DEL, .dev = "v4", .err = -ENOENT,
	  WANT(PORT_UNKNOWN, .dev = "v4") },

	/* records, in the order record add checks */
	{ "record add: vsid out of range", .op = OP_RECORD_ADD, .vsid = NV_VSID_MAX + 1,
	  .ca = "10.0.0.9", .err = -EINVAL, WANT(VSID_RANGE, .vsid = NV_VSID_MAX + 1) },
	{ "record add: broadcast ca", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "255.255.255.255",
	  .mac = "02:00:00:00:00:09", .err = -EINVAL, WANT(CA_INVALID, .ca = "255.255.255.255") },
	{ "record add: pa 0.0.0.0", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "10.0.0.9",
	  .pa = "0.0.0.0", .err = -EINVAL, WANT(PA_INVALID, .pa = "0.0.0.0") },
	{ "record add: zero mac", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "10.0.0.9",
	  .mac = "00:00:00:00:00:00", .err = -EINVAL,
	  WANT(MAC_INVALID, .mac = "00:00:00:00:00:00") },
	{ "record add: rule", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "10.0.0.9", .rule = 7,
	  .err = -EINVAL, WANT(RULE_INVALID) },
	{ "record add: no subnet", .op = OP_RECORD_ADD, .vsid = VSID5, .ca = "10.0.0.9",
	  .err = -ENOENT, WANT(VSID_UNKNOWN, .vsid = VSID5) },
	{ "record add: ca outside the subnet's prefix", .op = OP_RECORD_ADD, .vsid = VSID1,
	  .ca = "10.0.3.9", .err = -EINVAL,
	  WANT(CA_OUTSIDE_PREFIX, .vsid = VSID1, .ca = "10.0.3.9", .net = "10.0.0.0",
	       .netlen = 96 + 24) },
	{ "record add: ca is the gateway's", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "10.0.0.254",
	  .err = -EINVAL, WANT(CA_IS_GATEWAY, .vsid = VSID1, .ca = "10.0.0.254") },
	{ "record add: a second wildcard in the RDID", wildcard, .op = OP_RECORD_ADD, .vsid = VSID1,
	  .ca = "0.0.0.0", .mac = "02:00:00:00:00:09", .err = -EEXIST,
	  WANT(WILDCARD_EXISTS, .rdid = RDID1, .vsid2 = VSID3) },
	{ "record add: exists", .op = OP_RECORD_ADD, .vsid = VSID1, .ca = "10.0.0.1",
	  .err = -EEXIST, WANT(RECORD_EXISTS, .vsid = VSID1, .ca = "10.0.0.1") },
	{ "record add: would bind v2 of another MAC", .op = OP_RECORD_ADD, .vsid = VSID1,
	  .ca = "10.0.0.2", .pa = PA_LOCAL, .err = -EINVAL,
	  WANT(MAC_DIFFERS, .vsid = VSID1, .ca = "10.0.0.2", .pa = PA_LOCAL, .dev = "v2",
	       .mac = "02:00:00:00:00:02", .port_mac = "02:00:00:00:00:22") },
	{ "record add: nv_records full (remote PA)", full_records, .op = OP_RECORD_ADD,
	  .vsid = VSID1, .ca = "10.0.0.9", .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_RECORDS) },
	{ "record add: nv_records full (local PA)", full_records, .op = OP_RECORD_ADD,
	  .vsid = VSID1, .ca = "10.0.0.9", .pa = PA_LOCAL, .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_RECORDS) },
	{ "record add_many: a key twice", .op = OP_RECORD_ADD_TWICE, .vsid = VSID1,
	  .ca = "10.0.0.9", .err = -EEXIST, WANT(RECORD_EXISTS, .vsid = VSID1, .ca = "10.0.0.9") },
	{ "record del: vsid out of range", .op = OP_RECORD_DEL, .vsid = 1, .ca = "10.0.0.1",
	  .err = -EINVAL, WANT(VSID_RANGE, .vsid = 1) },
	{ "record del: no record", .op = OP_RECORD_DEL, .vsid = VSID1, .ca = "10.0.0.9",
	  .err = -ENOENT, WANT(RECORD_UNKNOWN, .vsid = VSID1, .ca = "10.0.0.9") },

	/* routes */
	{ "route add: prefix length", .op = OP_ROUTE_ADD, .rdid = RDID1, .ca = "10.8.0.0",
	  .prefixlen = 129, .vsid = VSID1, .err = -EINVAL, WANT(PREFIX_INVALID, .prefixlen = 129) },
	{ "route add: vsid out of range", .op = OP_ROUTE_ADD, .rdid = RDID1, .ca = "10.8.0.0",
	  .prefixlen = 96 + 16, .vsid = 7, .err = -EINVAL, WANT(VSID_RANGE, .vsid = 7) },
	{ "route add: no subnet", .op = OP_ROUTE_ADD, .rdid = RDID1, .ca = "10.8.0.0",
	  .prefixlen = 96 + 16, .vsid = VSID5, .err = -ENOENT, WANT(VSID_UNKNOWN, .vsid = VSID5) },
	{ "route add: into another RDID", .op = OP_ROUTE_ADD, .rdid = RDID2, .ca = "10.8.0.0",
	  .prefixlen = 96 + 16, .vsid = VSID1, .err = -EINVAL,
	  WANT(ROUTE_RDID, .vsid = VSID1, .rdid = RDID1) },
	{ "route add: exists (other host bits)", .op = OP_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.9.77.1", .prefixlen = 96 + 16, .vsid = VSID4, .err = -EEXIST,
	  WANT(ROUTE_EXISTS, .rdid = RDID1, .ca = "10.9.0.0", .prefixlen = 96 + 16) },
	{ "route add: next hop without a record", .op = OP_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .gw = "10.0.0.77", .err = -ENOENT,
	  WANT(NEXTHOP_UNKNOWN, .rdid = RDID1, .gw = "10.0.0.77") },
	{ "route add: next hop recorded in another RDID only", .op = OP_ROUTE_ADD, .rdid = RDID2,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .gw = "10.0.0.4", .err = -ENOENT,
	  WANT(NEXTHOP_UNKNOWN, .rdid = RDID2, .gw = "10.0.0.4") },
	{ "route add: next hop is the wildcard", wildcard, .op = OP_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .gw = "0.0.0.0", .err = -ENOENT,
	  WANT(NEXTHOP_UNKNOWN, .rdid = RDID1, .gw = "0.0.0.0") },
	{ "route add: vsid is not the next hop's", .op = OP_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .vsid = VSID3, .gw = "10.0.0.4", .err = -EINVAL,
	  WANT(NEXTHOP_VSID, .vsid = VSID3, .gw = "10.0.0.4", .vsid2 = VSID1) },
	{ "route add: exists (same next hop)", two_routes, .op = OP_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.7.0.0", .prefixlen = 96 + 16, .gw = "10.0.3.5", .err = -EEXIST,
	  WANT(ROUTE_EXISTS, .rdid = RDID1, .ca = "10.7.0.0", .prefixlen = 96 + 16,
	       .gw = "10.0.3.5") },
	{ "route del: prefix length", .op = OP_ROUTE_DEL, .rdid = RDID1, .ca = "10.9.0.0",
	  .prefixlen = 200, .err = -EINVAL, WANT(PREFIX_INVALID, .prefixlen = 200) },
	{ "route del: no route", .op = OP_ROUTE_DEL, .rdid = RDID1, .ca = "10.8.1.2",
	  .prefixlen = 96 + 16, .err = -ENOENT,
	  WANT(ROUTE_UNKNOWN, .rdid = RDID1, .ca = "10.8.0.0", .prefixlen = 96 + 16) },
	{ "route del: no route by that next hop", .op = OP_ROUTE_DEL, .rdid = RDID1,
	  .ca = "10.9.0.0", .prefixlen = 96 + 16, .gw = "10.0.0.4", .err = -ENOENT,
	  WANT(ROUTE_UNKNOWN, .rdid = RDID1, .ca = "10.9.0.0", .prefixlen = 96 + 16,
	       .gw = "10.0.0.4") },
	{ "route del: several routes, no next hop given", two_routes, .op = OP_ROUTE_DEL,
	  .rdid = RDID1, .ca = "10.7.0.0", .prefixlen = 96 + 16, .err = -EINVAL,
	  WANT(ROUTE_AMBIGUOUS, .rdid = RDID1, .ca = "10.7.0.0", .prefixlen = 96 + 16) },
	{ "route del: a subnet's on-link route", .op = OP_ROUTE_DEL, .rdid = RDID1,
	  .ca = "10.0.3.0", .prefixlen = 96 + 24, .err = -EBUSY,
	  WANT(ROUTE_IS_SUBNET, .rdid = RDID1, .ca = "10.0.3.0", .prefixlen = 96 + 24,
	       .vsid = VSID3) },

	/* config */
	{ "config set: events", .op = OP_CONFIG_SET, .pa = PA_LOCAL, .events = NV_EVENTS_TRACE + 1,
	  .err = -EINVAL, WANT(EVENTS_INVALID) },
	{ "config set: pa not local", .op = OP_CONFIG_SET, .pa = PA_REMOTE, .err = -EINVAL,
	  WANT(CONFIG_PA_NOT_LOCAL, .pa = PA_REMOTE) },
};
const size_t conflict_cases_n = sizeof(conflict_cases) / sizeof(conflict_cases[0]);

/* ---- the runner ---- */

static __u32 ifindex_of(const char *dev, __u32 ifindex)
{
	__u32 i;

	if (!dev)
		return ifindex;
	i = if_nametoindex(dev);
	cr_assert_neq(i, 0, "no device %s", dev);
	return i;
}

static union nv_addr addr_or_zero(const char *s)
{
	union nv_addr a;

	memset(&a, 0, sizeof(a));
	return s ? A(s) : a;
}

/* The row's record: at PA_REMOTE and with ca_mac's MAC unless the row says otherwise. */
static void case_record(const struct conflict_case *c, struct nv_record_key *k, struct nv_record *r)
{
	*k = mk_rkey(c->vsid, c->ca);
	*r = mk_record(c->pa ? c->pa : PA_REMOTE, "02:00:00:00:00:01");
	if (c->mac)
		mac_set(r->mac, c->mac);
	else
		ca_mac(r->mac, c->ca);
	if (c->rule)
		r->rule = c->rule;
}

static struct nv_port case_port(const struct conflict_case *c)
{
	struct nv_port p = mk_port(c->vsid, c->rdid, c->ca, "02:00:00:00:00:01");

	if (c->mac)
		mac_set(p.mac, c->mac);
	else
		ca_mac(p.mac, c->ca);
	p.deliver = c->deliver;
	p.flags = c->flags;
	return p;
}

/* The row's call; *failed: add_many's index (SIZE_MAX for the others). */
static int case_call(const struct conflict_case *c, struct nv_conflict *why, size_t *failed)
{
	struct nv_record_key k[2];
	struct nv_record r[2];
	struct nv_route_key rk;
	struct nv_route rt;
	struct nv_subnet s;
	struct nv_config cfg;
	struct nv_port p;
	union nv_addr a;

	*failed = SIZE_MAX;
	switch (c->op) {
	case OP_SUBNET_ADD:
		s = mk_subnet(c->rdid);
		if (c->ca) {
			s.prefix = A(c->ca);
			s.prefixlen = (__u8)c->prefixlen;
		}
		if (c->gw)
			s.gw_ca = A(c->gw);
		if (c->mac)
			mac_set(s.gw_mac, c->mac);
		return nv_subnet_add(&m, c->vsid, &s, why);
	case OP_SUBNET_DEL:
		return nv_subnet_del(&m, c->vsid, why);
	case OP_PA_ADD:
		a = A(c->pa);
		return nv_local_pa_add(&m, &a, 1, why);
	case OP_PA_DEL:
		a = A(c->pa);
		return nv_local_pa_del(&m, &a, why);
	case OP_PORT_ADD:
		p = case_port(c);
		return nv_port_add(&m, ifindex_of(c->dev, c->ifindex), &p, why);
	case OP_PORT_DEL:
		return nv_port_del(&m, ifindex_of(c->dev, c->ifindex), why);
	case OP_RECORD_ADD:
		case_record(c, k, r);
		return nv_record_add(&m, k, r, why);
	case OP_RECORD_ADD_TWICE:
		case_record(c, k, r);
		k[1] = k[0];
		r[1] = r[0];
		return nv_record_add_many(&m, k, r, 2, failed, why);
	case OP_RECORD_DEL:
		case_record(c, k, r);
		return nv_record_del(&m, k, why);
	case OP_ROUTE_ADD:
		rk = mk_rtkey(c->rdid, c->ca, c->prefixlen);
		rt = mk_route(c->vsid);
		rt.nexthop = addr_or_zero(c->gw);
		return nv_route_add(&m, &rk, &rt, why);
	case OP_ROUTE_DEL:
		rk = mk_rtkey(c->rdid, c->ca, c->prefixlen);
		a = addr_or_zero(c->gw);
		return nv_route_del(&m, &rk, c->gw ? &a : NULL, why);
	case OP_CONFIG_SET:
		cr_assert_eq(nv_config_get(&m, &cfg), 0);
		cfg.pa = A(c->pa);
		cfg.events = c->events;
		return nv_config_set(&m, &cfg, why);
	}
	cr_assert_fail("row \"%s\": op %d", c->name, c->op);
	return 0;
}

/* The record add of a row as the first of two for add_many: refused at index 0, same why. */
static int case_call_many(const struct conflict_case *c, struct nv_conflict *why, size_t *failed)
{
	struct nv_record_key k[2];
	struct nv_record r[2];

	case_record(c, &k[0], &r[0]);
	k[1] = mk_rkey(VSID1, RECORD_OTHER);
	r[1] = mk_record(PA_REMOTE, "02:00:00:00:00:50");
	return nv_record_add_many(&m, k, r, 2, failed, why);
}

static void expect_why(const char *name, const struct nv_conflict *why,
		       const struct conflict_want *w)
{
	union nv_addr ca = addr_or_zero(w->ca), pa = addr_or_zero(w->pa), gw = addr_or_zero(w->gw);
	union nv_addr net = addr_or_zero(w->net);
	__u8 mac[NV_ETH_ALEN] = { 0 }, port_mac[NV_ETH_ALEN] = { 0 };
	char got[NV_ADDR_STRLEN];

	if (w->mac)
		mac_set(mac, w->mac);
	if (w->port_mac)
		mac_set(port_mac, w->port_mac);
	cr_expect_eq(why->kind, w->kind, "%s: kind %s, want %s", name, nv_conflict_name(why->kind),
		     nv_conflict_name(w->kind));
	cr_expect_eq(why->vsid, w->vsid, "%s: vsid %u, want %u", name, why->vsid, w->vsid);
	cr_expect_eq(why->rdid, w->rdid, "%s: rdid %u, want %u", name, why->rdid, w->rdid);
	cr_expect_eq(why->ifindex, ifindex_of(w->dev, w->ifindex), "%s: ifindex %u", name,
		     why->ifindex);
	cr_expect_eq(why->prefixlen, w->prefixlen, "%s: prefixlen %u, want %u", name,
		     why->prefixlen, w->prefixlen);
	cr_expect_eq(why->map, w->map, "%s: map %u, want %u", name, why->map, w->map);
	cr_expect_arr_eq(&why->ca, &ca, sizeof(ca), "%s: ca %s, want %s", name,
			 nv_addr_format(&why->ca, got, sizeof(got)), w->ca ? w->ca : "zero");
	cr_expect_arr_eq(&why->pa, &pa, sizeof(pa), "%s: pa %s, want %s", name,
			 nv_addr_format(&why->pa, got, sizeof(got)), w->pa ? w->pa : "zero");
	cr_expect_arr_eq(&why->gw, &gw, sizeof(gw), "%s: gw %s, want %s", name,
			 nv_addr_format(&why->gw, got, sizeof(got)), w->gw ? w->gw : "zero");
	cr_expect_eq(why->vsid2, w->vsid2, "%s: vsid2 %u, want %u", name, why->vsid2, w->vsid2);
	cr_expect_eq(why->netlen, w->netlen, "%s: netlen %u, want %u", name, why->netlen,
		     w->netlen);
	cr_expect_arr_eq(&why->net, &net, sizeof(net), "%s: net %s, want %s", name,
			 nv_addr_format(&why->net, got, sizeof(got)), w->net ? w->net : "zero");
	cr_expect_arr_eq(why->mac, mac, sizeof(mac), "%s: mac, want %s", name,
			 w->mac ? w->mac : "zero");
	cr_expect_arr_eq(why->port_mac, port_mac, sizeof(port_mac), "%s: port_mac, want %s", name,
			 w->port_mac ? w->port_mac : "zero");
}

ParameterizedTestParameters(conflict, cases)
{
	return case_indices(conflict_cases_n);
}

ParameterizedTest(size_t *idx, conflict, cases, .init = maps_setup, .fini = maps_teardown)
{
	const struct conflict_case *c = &conflict_cases[*idx];
	size_t failed, want_failed = c->op == OP_RECORD_ADD_TWICE ? 1 : SIZE_MAX;
	struct maps_snapshot *before;
	struct nv_conflict why;

	cr_assert_eq(nv_conflict_set(NULL, c->want.kind), c->err, "%s: the errno of %s is not %d",
		     c->name, nv_conflict_name(c->want.kind), c->err);
	world();
	if (c->tweak)
		c->tweak();
	/* why not wanted: the same errno, nothing changed. */
	before = snap();
	cr_assert_eq(case_call(c, NULL, &failed), c->err, "%s (why NULL)", c->name);
	assert_unchanged(before, c->name);
	/* Every field is set, the ones the kind does not name to zero. */
	before = snap();
	memset(&why, 0x5a, sizeof(why));
	cr_assert_eq(case_call(c, &why, &failed), c->err, "%s", c->name);
	cr_expect_eq(failed, want_failed, "%s: failed %zu", c->name, failed);
	assert_unchanged(before, c->name);
	expect_why(c->name, &why, &c->want);
	/* nv_port_check refuses what port add refuses before it writes, by the same rule. */
	if (c->op == OP_PORT_ADD && c->want.kind != NV_CONFLICT_TABLE_FULL &&
	    !(c->want.kind == NV_CONFLICT_NO_DEVICE && c->ifindex)) {
		struct nv_port p = case_port(c);

		before = snap();
		memset(&why, 0x5a, sizeof(why));
		cr_assert_eq(nv_port_check(&m, ifindex_of(c->dev, c->ifindex), &p, &why), c->err,
			     "%s (check)", c->name);
		assert_unchanged(before, c->name);
		expect_why(c->name, &why, &c->want);
	}
	if (c->op != OP_RECORD_ADD)
		return;
	before = snap();
	memset(&why, 0x5a, sizeof(why));
	cr_assert_eq(case_call_many(c, &why, &failed), c->err, "%s (add_many)", c->name);
	cr_expect_eq(failed, 0, "%s (add_many): failed %zu", c->name, failed);
	assert_unchanged(before, c->name);
	expect_why(c->name, &why, &c->want);
}

/* A call that succeeds sets why to NONE, every field zero. */
static void expect_none(const char *what, int err, const struct nv_conflict *why)
{
	static const struct nv_conflict none;

	cr_assert_eq(err, 0, "%s: %d", what, err);
	cr_expect_arr_eq(why, &none, sizeof(none), "%s: why is not all NONE", what);
}

#define EXPECT_NONE(call)                         \
	do {                                      \
		memset(&why, 0x5a, sizeof(why));  \
		expect_none(#call, (call), &why); \
	} while (0)

Test(conflict, success_sets_none, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.9", "02:00:00:00:00:09");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.8");
	struct nv_record r = mk_record(PA_REMOTE, "02:00:00:00:00:08");
	struct nv_route_key rk = mk_rtkey(RDID1, "10.8.0.0", 96 + 16);
	struct nv_route rt = mk_route(VSID1);
	struct nv_subnet s = mk_subnet(RDID3);
	union nv_addr pa = A("192.0.2.9");
	struct nv_conflict why;
	struct nv_config c;
	size_t failed;
	__u32 v4;

	world();
	v4 = if_nametoindex("v4");
	EXPECT_NONE(nv_subnet_add(&m, VSID5, &s, &why));
	EXPECT_NONE(nv_subnet_del(&m, VSID5, &why));
	EXPECT_NONE(nv_local_pa_add(&m, &pa, 1, &why));
	EXPECT_NONE(nv_local_pa_del(&m, &pa, &why));
	EXPECT_NONE(nv_port_add(&m, v4, &p, &why));
	EXPECT_NONE(nv_port_del(&m, v4, &why));
	EXPECT_NONE(nv_record_add(&m, &k, &r, &why));
	EXPECT_NONE(nv_record_del(&m, &k, &why));
	EXPECT_NONE(nv_record_add_many(&m, &k, &r, 1, &failed, &why));
	EXPECT_NONE(nv_route_add(&m, &rk, &rt, &why));
	EXPECT_NONE(nv_route_del(&m, &rk, NULL, &why));
	cr_assert_eq(nv_config_get(&m, &c), 0);
	EXPECT_NONE(nv_config_set(&m, &c, &why));
}

/* A kernel error breaks no rule: the errno with kind NONE. */
Test(conflict, kernel_error_is_none, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.8");
	struct nv_record r = mk_record(PA_REMOTE, "02:00:00:00:00:08");
	struct nv_conflict why;
	struct nv_maps bad;

	world();
	bad = m;
	bad.fd[NV_MAP_RECORDS] = ro_fd(m.fd[NV_MAP_RECORDS]);
	memset(&why, 0x5a, sizeof(why));
	cr_assert_eq(nv_record_add(&bad, &k, &r, &why), -EPERM);
	cr_expect_eq(why.kind, NV_CONFLICT_NONE, "kind %s", nv_conflict_name(why.kind));
	close(bad.fd[NV_MAP_RECORDS]);
}
