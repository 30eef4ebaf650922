/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Errors that name the conflict: every refusal of every policy call, one row each
 * (unit/maps/conflict_cases.h), on one world that holds something for each rule to refuse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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

#define VSID4	     5004u		 /* a route leads there, nothing else uses it */
#define VSID5	     5005u		 /* no subnet */
#define RDID3	     3u			 /* no subnet: room for any prefix */
#define PA_NONLOCAL  "192.0.2.3"	 /* the record of v3 is there: not local */
#define RECORD_OTHER "10.0.0.50"	 /* the second record of add_many, at PA_REMOTE */
#define GW_CA	     "10.0.0.100"	 /* the gateway's CA in VSID1 and VSID2 */
#define GW_MAC	     "02:00:00:00:00:64" /* its MAC */
#define NAT_EXT	     "203.0.113.1"	 /* RDID1's external address */
#define GW_NET	     "198.51.100.0"	 /* RDID1's gateway route: /24 */

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
 *   gateway    RDID1's NAT-mode leg (VSID1, GW_CA) on e1; its gateway route GW_NET/24; its NAT
 *              to NAT_EXT, default ports; static mapping tcp NAT_EXT:80 -> 10.0.0.1:8080. e2: no
 *              leg yet.
 */
static struct nv_gw_leg mk_leg(__u32 vsid, const char *ca, __u8 mode, __u32 ifindex)
{
	struct nv_gw_leg l;

	memset(&l, 0, sizeof(l));
	l.vsid = vsid;
	l.ca = A(ca);
	mac_set(l.mac, GW_MAC);
	l.mode = mode;
	l.ext_ifindex = ifindex;
	return l;
}

/* The external device's MAC and flags, as the loader would read them. */
static const struct nv_gw_dev_info gw_dev = { .mac = { 0x02, 0, 0, 0, 0xee, 0x01 } };

static void leg(__u32 rdid, __u32 vsid, const char *ca, __u8 mode, const char *dev)
{
	struct nv_gw_leg l = mk_leg(vsid, ca, mode, if_nametoindex(dev));

	cr_assert_eq(nv_gw_leg_add(&m, rdid, &l, &gw_dev, NULL), 0, "gw leg add %u", rdid);
}

static struct nv_nat_map_key mk_map_key(const char *ext, __u16 port, __u8 proto)
{
	struct nv_nat_map_key k;

	memset(&k, 0, sizeof(k));
	k.ext = A(ext);
	k.port = htons(port);
	k.proto = proto;
	return k;
}

/* RDID1's gateway: see world(). */
static void world_gateway(void)
{
	struct nv_nat_map_key mk = mk_map_key(NAT_EXT, 80, IPPROTO_TCP);
	struct nv_nat_map mv = { .rdid = RDID1, .port = htons(8080) };
	union nv_addr net = A(GW_NET);
	struct nv_nat n;

	veth("e1");
	veth("e2");
	leg(RDID1, VSID1, GW_CA, NV_GW_NAT, "e1");
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &net, 96 + 24, NULL, NULL), 0);
	memset(&n, 0, sizeof(n));
	n.ext = A(NAT_EXT);
	cr_assert_eq(nv_nat_add(&m, RDID1, &n, NULL), 0);
	mv.ca = A("10.0.0.1");
	cr_assert_eq(nv_nat_map_add(&m, &mk, &mv, NULL), 0);
}

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
	world_gateway();
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

static void full_gw_legs(void)
{
	full(NV_MAP_GW_LEGS);
}

static void full_gw_devs(void)
{
	full(NV_MAP_GW_DEVS);
}

static void full_gw_routes(void)
{
	full(NV_MAP_GW_ROUTES);
}

static void full_nat_maps(void)
{
	full(NV_MAP_NAT_MAPS);
}

/* RDID2's leg on e2, NAT mode (forward: fwd_leg_rdid2). */
static void nat_leg_rdid2(void)
{
	leg(RDID2, VSID2, GW_CA, NV_GW_NAT, "e2");
}

static void fwd_leg_rdid2(void)
{
	leg(RDID2, VSID2, GW_CA, NV_GW_FORWARD, "e2");
}

/* RDID2's NAT leg and a gateway route of it, no NAT. */
static void nat_leg_rdid2_route(void)
{
	union nv_addr any = A("0.0.0.0");

	nat_leg_rdid2();
	cr_assert_eq(nv_gw_route_add(&m, RDID2, &any, 96, NULL, NULL), 0);
}

static void nat_leg_rdid2_full_nat_addrs(void)
{
	nat_leg_rdid2();
	full(NV_MAP_NAT_ADDRS);
}

static void nat_leg_rdid2_full_nats(void)
{
	nat_leg_rdid2();
	full(NV_MAP_NATS);
}

/* VSID5 in RDID3 at 10.5.0.0/24, with a forward-mode leg on e2. */
static void fwd_leg_rdid3(void)
{
	subnet_at(VSID5, RDID3, "10.5.0.0");
	leg(RDID3, VSID5, "10.5.0.100", NV_GW_FORWARD, "e2");
}

/* VSID5 in RDID 0 at 10.5.0.0/24: a routing domain like any other, but for forward legs. */
static void subnet_rdid0(void)
{
	subnet_at(VSID5, 0, "10.5.0.0");
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

	/* gateway legs, in the order leg add checks (mode 0: NV_GW_NAT) */
	{ "gw leg add: mode", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2, .ca = GW_CA,
	  .mode = 7, .dev = "e2", .err = -EINVAL, WANT(GW_MODE_INVALID) },
	{ "gw leg add: vsid out of range", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = 7,
	  .ca = GW_CA, .dev = "e2", .err = -EINVAL, WANT(VSID_RANGE, .vsid = 7) },
	{ "gw leg add: multicast ca", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2,
	  .ca = "224.0.0.1", .dev = "e2", .err = -EINVAL, WANT(CA_INVALID, .ca = "224.0.0.1") },
	{ "gw leg add: multicast mac", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2,
	  .ca = GW_CA, .mac = "01:00:5e:00:00:01", .dev = "e2", .err = -EINVAL,
	  WANT(MAC_INVALID, .mac = "01:00:5e:00:00:01") },
	{ "gw leg add: no external device", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2,
	  .ca = GW_CA, .ifindex = 0, .err = -EINVAL, WANT(GW_DEV_INVALID, .ifindex = 0) },
	{ "gw leg add: no subnet", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID5, .ca = GW_CA,
	  .dev = "e2", .err = -ENOENT, WANT(VSID_UNKNOWN, .vsid = VSID5) },
	{ "gw leg add: vsid of another RDID", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID3,
	  .ca = "10.0.3.100", .dev = "e2", .err = -EINVAL,
	  WANT(RDID_DIFFERS, .vsid = VSID3, .rdid = RDID1) },
	{ "gw leg add: forward mode in RDID 0", subnet_rdid0, .op = OP_GW_LEG_ADD, .rdid = 0,
	  .vsid = VSID5, .ca = "10.5.0.100", .mode = NV_GW_FORWARD, .dev = "e2", .err = -EINVAL,
	  WANT(RDID_DIFFERS, .vsid = VSID5, .rdid = 0) },
	{ "gw leg add: ca outside the subnet's prefix", .op = OP_GW_LEG_ADD, .rdid = RDID2,
	  .vsid = VSID2, .ca = "10.0.9.9", .dev = "e2", .err = -EINVAL,
	  WANT(CA_OUTSIDE_PREFIX, .vsid = VSID2, .ca = "10.0.9.9", .net = "10.0.0.0",
	       .netlen = 96 + 24) },
	{ "gw leg add: ca is the subnet's gateway", .op = OP_GW_LEG_ADD, .rdid = RDID2,
	  .vsid = VSID2, .ca = "10.0.0.254", .dev = "e2", .err = -EINVAL,
	  WANT(CA_IS_GATEWAY, .vsid = VSID2, .ca = "10.0.0.254") },
	{ "gw leg add: the RDID has its leg", .op = OP_GW_LEG_ADD, .rdid = RDID1, .vsid = VSID3,
	  .ca = "10.0.3.100", .dev = "e2", .err = -EEXIST, WANT(GW_EXISTS, .rdid = RDID1) },
	{ "gw leg add: ca is v5's", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2,
	  .ca = "10.0.0.1", .dev = "e2", .err = -EEXIST,
	  WANT(CA_HELD, .vsid = VSID2, .ca = "10.0.0.1", .dev = "v5") },
	{ "gw leg add: the underlay", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2,
	  .ca = GW_CA, .dev = "u1", .err = -EINVAL, WANT(GW_DEV_INVALID, .dev = "u1") },
	{ "gw leg add: a port", .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2, .ca = GW_CA,
	  .dev = "v1", .err = -EINVAL, WANT(GW_DEV_INVALID, .dev = "v1") },
	{ "gw leg add: the device has a forward leg", fwd_leg_rdid3, .op = OP_GW_LEG_ADD,
	  .rdid = RDID2, .vsid = VSID2, .ca = GW_CA, .mode = NV_GW_FORWARD, .dev = "e2",
	  .err = -EEXIST, WANT(GW_DEV_FORWARD, .dev = "e2", .rdid = RDID3) },
	{ "gw leg add: nv_gw_legs full (the device entry taken back)", full_gw_legs,
	  .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2, .ca = GW_CA, .dev = "e2",
	  .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_GW_LEGS) },
	{ "gw leg add: nv_gw_legs full (the device's count taken back)", full_gw_legs,
	  .op = OP_GW_LEG_ADD, .rdid = RDID2, .vsid = VSID2, .ca = GW_CA, .dev = "e1",
	  .err = -E2BIG, WANT(TABLE_FULL, .map = NV_MAP_GW_LEGS) },
	{ "gw leg add: nv_gw_devs full", full_gw_devs, .op = OP_GW_LEG_ADD, .rdid = RDID2,
	  .vsid = VSID2, .ca = GW_CA, .dev = "e2", .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_GW_DEVS) },
	{ "gw leg del: no leg", .op = OP_GW_LEG_DEL, .rdid = RDID2, .err = -ENOENT,
	  WANT(GW_UNKNOWN, .rdid = RDID2) },
	{ "gw leg del: the RDID has a NAT", .op = OP_GW_LEG_DEL, .rdid = RDID1, .err = -EBUSY,
	  WANT(GW_IN_USE, .rdid = RDID1) },
	{ "gw leg del: the RDID has a gateway route", nat_leg_rdid2_route, .op = OP_GW_LEG_DEL,
	  .rdid = RDID2, .err = -EBUSY, WANT(GW_IN_USE, .rdid = RDID2) },

	/* gateway routes */
	{ "gw route add: prefix length", .op = OP_GW_ROUTE_ADD, .rdid = RDID1, .ca = "10.8.0.0",
	  .prefixlen = 129, .err = -EINVAL, WANT(PREFIX_INVALID, .prefixlen = 129) },
	{ "gw route add: IPv4 under 96 bits", .op = OP_GW_ROUTE_ADD, .rdid = RDID1, .ca = "0.0.0.0",
	  .prefixlen = 95, .err = -EINVAL, WANT(PREFIX_INVALID, .prefixlen = 95) },
	{ "gw route add: multicast next hop", .op = OP_GW_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .gw = "224.0.0.5", .err = -EINVAL,
	  WANT(PA_INVALID, .pa = "224.0.0.5") },
	{ "gw route add: next hop of another family", .op = OP_GW_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .gw = "fe80::1", .err = -EINVAL,
	  WANT(PA_INVALID, .pa = "fe80::1") },
	{ "gw route add: no leg", .op = OP_GW_ROUTE_ADD, .rdid = RDID2, .ca = "10.8.0.0",
	  .prefixlen = 96 + 16, .err = -ENOENT, WANT(GW_UNKNOWN, .rdid = RDID2) },
	{ "gw route add: exists (other host bits)", .op = OP_GW_ROUTE_ADD, .rdid = RDID1,
	  .ca = "198.51.100.77", .prefixlen = 96 + 24, .gw = "192.0.2.254", .err = -EEXIST,
	  WANT(GW_ROUTE_EXISTS, .rdid = RDID1, .ca = GW_NET, .prefixlen = 96 + 24) },
	{ "gw route add: nv_gw_routes full", full_gw_routes, .op = OP_GW_ROUTE_ADD, .rdid = RDID1,
	  .ca = "10.8.0.0", .prefixlen = 96 + 16, .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_GW_ROUTES) },
	{ "gw route del: prefix length", .op = OP_GW_ROUTE_DEL, .rdid = RDID1, .ca = GW_NET,
	  .prefixlen = 200, .err = -EINVAL, WANT(PREFIX_INVALID, .prefixlen = 200) },
	{ "gw route del: no route (a longer one of the prefix)", .op = OP_GW_ROUTE_DEL,
	  .rdid = RDID1, .ca = "198.51.100.128", .prefixlen = 96 + 25, .err = -ENOENT,
	  WANT(GW_ROUTE_UNKNOWN, .rdid = RDID1, .ca = "198.51.100.128", .prefixlen = 96 + 25) },
	{ "gw route del: no route in the RDID", .op = OP_GW_ROUTE_DEL, .rdid = RDID2, .ca = GW_NET,
	  .prefixlen = 96 + 24, .err = -ENOENT,
	  WANT(GW_ROUTE_UNKNOWN, .rdid = RDID2, .ca = GW_NET, .prefixlen = 96 + 24) },

	/* NAT, in the order nat add checks */
	{ "nat add: IPv6 address", .op = OP_NAT_ADD, .rdid = RDID1, .pa = "fd00::1", .err = -EINVAL,
	  WANT(NAT_ADDR_INVALID, .pa = "fd00::1") },
	{ "nat add: broadcast address", .op = OP_NAT_ADD, .rdid = RDID1, .pa = "255.255.255.255",
	  .err = -EINVAL, WANT(NAT_ADDR_INVALID, .pa = "255.255.255.255") },
	{ "nat add: ports low over high", .op = OP_NAT_ADD, .rdid = RDID1, .pa = "203.0.113.2",
	  .port = 2000, .port2 = 1000, .err = -EINVAL, WANT(NAT_PORTS_INVALID) },
	{ "nat add: port 0 in the range", .op = OP_NAT_ADD, .rdid = RDID1, .pa = "203.0.113.2",
	  .port = 0, .port2 = 100, .err = -EINVAL, WANT(NAT_PORTS_INVALID) },
	{ "nat add: no leg", .op = OP_NAT_ADD, .rdid = RDID2, .pa = "203.0.113.2", .err = -ENOENT,
	  WANT(GW_UNKNOWN, .rdid = RDID2) },
	{ "nat add: the leg forwards", fwd_leg_rdid2, .op = OP_NAT_ADD, .rdid = RDID2,
	  .pa = "203.0.113.2", .err = -EINVAL, WANT(GW_NOT_NAT, .rdid = RDID2) },
	{ "nat add: exists", .op = OP_NAT_ADD, .rdid = RDID1, .pa = "203.0.113.2", .err = -EEXIST,
	  WANT(NAT_EXISTS, .rdid = RDID1) },
	{ "nat add: the address is RDID1's", nat_leg_rdid2, .op = OP_NAT_ADD, .rdid = RDID2,
	  .pa = NAT_EXT, .err = -EEXIST, WANT(NAT_ADDR_TAKEN, .pa = NAT_EXT, .rdid = RDID1) },
	{ "nat add: nv_nat_addrs full", nat_leg_rdid2_full_nat_addrs, .op = OP_NAT_ADD,
	  .rdid = RDID2, .pa = "203.0.113.2", .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_NAT_ADDRS) },
	{ "nat add: nv_nats full (the address taken back)", nat_leg_rdid2_full_nats,
	  .op = OP_NAT_ADD, .rdid = RDID2, .pa = "203.0.113.2", .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_NATS) },
	{ "nat del: no NAT", .op = OP_NAT_DEL, .rdid = RDID2, .err = -ENOENT,
	  WANT(NAT_UNKNOWN, .rdid = RDID2) },
	{ "nat del: a static mapping uses it", .op = OP_NAT_DEL, .rdid = RDID1, .err = -EBUSY,
	  WANT(NAT_HAS_MAP, .rdid = RDID1, .pa = NAT_EXT, .port = 80, .proto = IPPROTO_TCP) },

	/* static mappings, in the order nat map add checks */
	{ "nat map add: icmp", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 81,
	  .proto = IPPROTO_ICMP, .rdid = RDID1, .port2 = 81, .err = -EINVAL,
	  WANT(NAT_PROTO_INVALID, .proto = IPPROTO_ICMP) },
	{ "nat map add: external port 0", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 0,
	  .proto = IPPROTO_TCP, .rdid = RDID1, .port2 = 81, .err = -EINVAL,
	  WANT(NAT_PORT_INVALID) },
	{ "nat map add: the CA's port 0", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 81,
	  .proto = IPPROTO_UDP, .rdid = RDID1, .port2 = 0, .err = -EINVAL, WANT(NAT_PORT_INVALID) },
	{ "nat map add: IPv6 ca", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 81,
	  .proto = IPPROTO_TCP, .rdid = RDID1, .ca = "fd00::5", .port2 = 81, .err = -EINVAL,
	  WANT(CA_INVALID, .ca = "fd00::5") },
	{ "nat map add: not the RDID's NAT address", .op = OP_NAT_MAP_ADD, .pa = "203.0.113.9",
	  .port = 81, .proto = IPPROTO_TCP, .rdid = RDID1, .port2 = 81, .err = -EINVAL,
	  WANT(NAT_MAP_ADDR, .rdid = RDID1, .pa = "203.0.113.9") },
	{ "nat map add: the RDID has no NAT", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 81,
	  .proto = IPPROTO_TCP, .rdid = RDID2, .port2 = 81, .err = -EINVAL,
	  WANT(NAT_MAP_ADDR, .rdid = RDID2, .pa = NAT_EXT) },
	{ "nat map add: exists", .op = OP_NAT_MAP_ADD, .pa = NAT_EXT, .port = 80,
	  .proto = IPPROTO_TCP, .rdid = RDID1, .ca = "10.0.0.2", .port2 = 80, .err = -EEXIST,
	  WANT(NAT_MAP_EXISTS, .pa = NAT_EXT, .port = 80, .proto = IPPROTO_TCP) },
	{ "nat map add: nv_nat_maps full", full_nat_maps, .op = OP_NAT_MAP_ADD, .pa = NAT_EXT,
	  .port = 81, .proto = IPPROTO_TCP, .rdid = RDID1, .port2 = 81, .err = -E2BIG,
	  WANT(TABLE_FULL, .map = NV_MAP_NAT_MAPS) },
	{ "nat map del: none (another protocol)", .op = OP_NAT_MAP_DEL, .pa = NAT_EXT, .port = 80,
	  .proto = IPPROTO_UDP, .err = -ENOENT,
	  WANT(NAT_MAP_UNKNOWN, .pa = NAT_EXT, .port = 80, .proto = IPPROTO_UDP) },

	/* connection timeouts */
	{ "ct timeouts set: over the maximum", .op = OP_CT_TIMEOUTS_SET,
	  .timeout = NV_CT_TIMEOUT_MAX + 1, .err = -EINVAL, WANT(TIMEOUT_INVALID) },
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

/* The row's leg: GW_MAC unless the row says otherwise, mode 0 taken as NV_GW_NAT. */
static struct nv_gw_leg case_leg(const struct conflict_case *c)
{
	struct nv_gw_leg l = mk_leg(c->vsid, c->ca, c->mode ? c->mode : NV_GW_NAT,
				    ifindex_of(c->dev, c->ifindex));

	if (c->mac)
		mac_set(l.mac, c->mac);
	return l;
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
	struct nv_nat_map_key mk;
	struct nv_ct_timeouts t;
	struct nv_nat_map mv;
	union nv_addr a, via;
	struct nv_gw_leg l;
	struct nv_port p;
	struct nv_nat n;

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
	case OP_GW_LEG_ADD:
		l = case_leg(c);
		return nv_gw_leg_add(&m, c->rdid, &l, &gw_dev, why);
	case OP_GW_LEG_DEL:
		return nv_gw_leg_del(&m, c->rdid, NULL, why);
	case OP_GW_ROUTE_ADD:
		a = A(c->ca);
		via = addr_or_zero(c->gw);
		return nv_gw_route_add(&m, c->rdid, &a, c->prefixlen, &via, why);
	case OP_GW_ROUTE_DEL:
		a = A(c->ca);
		return nv_gw_route_del(&m, c->rdid, &a, c->prefixlen, why);
	case OP_NAT_ADD:
		memset(&n, 0, sizeof(n));
		n.ext = A(c->pa);
		n.port_lo = c->port;
		n.port_hi = c->port2;
		return nv_nat_add(&m, c->rdid, &n, why);
	case OP_NAT_DEL:
		return nv_nat_del(&m, c->rdid, why);
	case OP_NAT_MAP_ADD:
		mk = mk_map_key(c->pa, c->port, c->proto);
		memset(&mv, 0, sizeof(mv));
		mv.rdid = c->rdid;
		mv.port = htons(c->port2);
		mv.ca = A(c->ca ? c->ca : "10.0.0.1");
		return nv_nat_map_add(&m, &mk, &mv, why);
	case OP_NAT_MAP_DEL:
		mk = mk_map_key(c->pa, c->port, c->proto);
		return nv_nat_map_del(&m, &mk, why);
	case OP_CT_TIMEOUTS_SET:
		t.tcp_syn = t.tcp_established = t.tcp_fin = t.udp = t.icmp = c->timeout;
		t.pad = 0;
		return nv_ct_timeouts_set(&m, &t, why);
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
	cr_expect_eq(why->port, w->port, "%s: port %u, want %u", name, why->port, w->port);
	cr_expect_eq(why->proto, w->proto, "%s: proto %u, want %u", name, why->proto, w->proto);
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
	/* nv_gw_leg_check refuses what leg add refuses before it writes, by the same rule. */
	if (c->op == OP_GW_LEG_ADD && c->want.kind != NV_CONFLICT_TABLE_FULL) {
		struct nv_gw_leg l = case_leg(c);

		before = snap();
		memset(&why, 0x5a, sizeof(why));
		cr_assert_eq(nv_gw_leg_check(&m, c->rdid, &l, &why), c->err, "%s (check)", c->name);
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
	union nv_addr net = A("192.0.2.128");
	struct nv_nat_map_key mk;
	struct nv_ct_timeouts t;
	struct nv_conflict why;
	struct nv_nat_map mv;
	struct nv_config c;
	struct nv_gw_leg l;
	struct nv_nat n;
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
	/* The gateway's: a NAT leg of RDID2 with its route, NAT and mapping, then back. */
	l = mk_leg(VSID2, GW_CA, NV_GW_NAT, if_nametoindex("e2"));
	EXPECT_NONE(nv_gw_leg_check(&m, RDID2, &l, &why));
	EXPECT_NONE(nv_gw_leg_add(&m, RDID2, &l, &gw_dev, &why));
	EXPECT_NONE(nv_gw_route_add(&m, RDID2, &net, 96 + 24, NULL, &why));
	EXPECT_NONE(nv_gw_route_del(&m, RDID2, &net, 96 + 24, &why));
	memset(&n, 0, sizeof(n));
	n.ext = A("203.0.113.2");
	EXPECT_NONE(nv_nat_add(&m, RDID2, &n, &why));
	mk = mk_map_key("203.0.113.2", 53, IPPROTO_UDP);
	memset(&mv, 0, sizeof(mv));
	mv.rdid = RDID2;
	mv.port = htons(53);
	mv.ca = A("10.0.0.1");
	EXPECT_NONE(nv_nat_map_add(&m, &mk, &mv, &why));
	EXPECT_NONE(nv_nat_map_del(&m, &mk, &why));
	EXPECT_NONE(nv_nat_del(&m, RDID2, &why));
	EXPECT_NONE(nv_gw_leg_del(&m, RDID2, NULL, &why));
	memset(&t, 0, sizeof(t));
	t.udp = NV_CT_TIMEOUT_MAX;
	EXPECT_NONE(nv_ct_timeouts_set(&m, &t, &why));
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
