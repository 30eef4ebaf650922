/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The gateway (DESIGN section 8): legs and the device entries kept from them, gateway routes,
 * NATs and static mappings, timeouts, and the connection table: the key derivations, iteration,
 * flush, the collector (pairs, lone halves) and what NAT and mapping removal take with them.
 * Every refusal leaves the maps as they were; test_maps_conflict.c checks each one's fields.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "nv_addr.h"
#include "unit/maps/maps_test.h"

#define GW_CA	"10.0.0.100"
#define GW_MAC	"02:00:00:00:00:64"
#define EXT1	101u /* external devices: the library does not look them up */
#define EXT2	102u
#define NAT_EXT "203.0.113.1"
#define SEC	1000000000ull
#define RDID3	3u

static const struct nv_gw_dev_info dev1 = { .mac = { 0x02, 0, 0, 0, 0xee, 0x01 } };
static const struct nv_gw_dev_info dev2 = { .mac = { 0x02, 0, 0, 0, 0xee, 0x02 },
					    .flags = NV_GW_DEV_F_OWN_CLSACT };

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

static int leg_add(__u32 rdid, __u32 vsid, __u8 mode, __u32 ifindex, struct nv_conflict *why)
{
	struct nv_gw_leg l = mk_leg(vsid, GW_CA, mode, ifindex);

	return nv_gw_leg_add(&m, rdid, &l, &dev1, why);
}

static struct nv_gw_dev dev_get(__u32 ifindex)
{
	struct nv_gw_dev d;

	cr_assert_eq(nv_gw_dev_get(&m, ifindex, &d), 0, "dev %u has no entry", ifindex);
	return d;
}

/* VSID1 in RDID1, VSID2 in RDID2 (both 10.0.0.0/24, gateway .254). */
static void two_tenants(void)
{
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
}

/* RDID1's NAT leg on EXT1 and its NAT to NAT_EXT, default ports. */
static void nat_rdid1(void)
{
	struct nv_nat n;

	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	memset(&n, 0, sizeof(n));
	n.ext = A(NAT_EXT);
	cr_assert_eq(nv_nat_add(&m, RDID1, &n, NULL), 0);
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

static int map_add(const char *ext, __u16 port, __u8 proto, __u32 rdid, const char *ca,
		   __u16 ca_port)
{
	struct nv_nat_map_key k = mk_map_key(ext, port, proto);
	struct nv_nat_map v;

	memset(&v, 0, sizeof(v));
	v.rdid = rdid;
	v.port = htons(ca_port);
	v.ca = A(ca);
	return nv_nat_map_add(&m, &k, &v, NULL);
}

/* ---- legs ---- */

Test(maps_gateway, mode_names)
{
	cr_assert_str_eq(nv_gw_mode_name(NV_GW_FORWARD), "forward");
	cr_assert_str_eq(nv_gw_mode_name(NV_GW_NAT), "nat");
	cr_assert_null(nv_gw_mode_name(0));
	cr_assert_null(nv_gw_mode_name(3));
	cr_assert_eq(nv_gw_mode_parse("forward"), NV_GW_FORWARD);
	cr_assert_eq(nv_gw_mode_parse("nat"), NV_GW_NAT);
	cr_assert_eq(nv_gw_mode_parse("NAT"), -EINVAL);
	cr_assert_eq(nv_gw_mode_parse(""), -EINVAL);
	cr_assert_eq(nv_gw_mode_parse(NULL), -EINVAL);
}

Test(maps_gateway, leg_add_writes_the_leg_and_its_device, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_gw_leg l = mk_leg(VSID1, GW_CA, NV_GW_NAT, EXT1), got, want = l;
	struct nv_conflict why;
	struct nv_gw_dev d;

	two_tenants();
	l.pad = 0x5a; /* stored zeroed */
	cr_assert_eq(nv_gw_leg_check(&m, RDID1, &l, &why), 0);
	cr_assert_eq(map_count(NV_MAP_GW_LEGS) + map_count(NV_MAP_GW_DEVS), 0, "check writes");
	cr_assert_eq(nv_gw_leg_add(&m, RDID1, &l, &dev2, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_GW_LEGS], &(__u32){ RDID1 }, &got), 0);
	cr_assert_arr_eq(&got, &want, sizeof(want), "the stored leg");
	cr_assert_eq(nv_gw_leg_get(&m, RDID1, &got), 0);
	cr_assert_arr_eq(&got, &want, sizeof(want));
	cr_assert_eq(nv_gw_leg_get(&m, RDID2, &got), -ENOENT);
	d = dev_get(EXT1);
	cr_assert_eq(d.legs, 1);
	cr_assert_eq(d.fwd_rdid, 0, "a NAT leg does not forward");
	cr_assert_arr_eq(d.mac, dev2.mac, NV_ETH_ALEN, "the caller's device MAC");
	cr_assert_eq(d.flags, NV_GW_DEV_F_OWN_CLSACT);
	cr_assert_eq(d.pad, 0);
	/* The device's first leg needs its MAC and flags. */
	l = mk_leg(VSID2, GW_CA, NV_GW_NAT, EXT2);
	cr_assert_eq(nv_gw_leg_add(&m, RDID2, &l, NULL, NULL), -EINVAL);
	cr_assert_eq(map_count(NV_MAP_GW_LEGS), 1);
}

Test(maps_gateway, legs_share_a_device_forward_once, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_gw_leg l;
	struct nv_conflict why;
	struct maps_snapshot *before;
	struct nv_gw_dev d;

	two_tenants();
	subnet_at(VSID3, RDID3, "10.0.3.0");
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_FORWARD, EXT1, NULL), 0);
	d = dev_get(EXT1);
	cr_assert_eq(d.fwd_rdid, RDID1);
	cr_assert_eq(d.legs, 1);
	/* A second leg, NAT: counted; dev is ignored for a device that has its entry. */
	l = mk_leg(VSID2, GW_CA, NV_GW_NAT, EXT1);
	cr_assert_eq(nv_gw_leg_add(&m, RDID2, &l, &dev2, NULL), 0);
	d = dev_get(EXT1);
	cr_assert_eq(d.legs, 2);
	cr_assert_eq(d.fwd_rdid, RDID1);
	cr_assert_arr_eq(d.mac, dev1.mac, NV_ETH_ALEN, "the first leg's device MAC stays");
	cr_assert_eq(d.flags, 0);
	/* A second forward leg there: refused, naming the holder. */
	before = snap();
	l = mk_leg(VSID3, "10.0.3.100", NV_GW_FORWARD, EXT1);
	cr_assert_eq(nv_gw_leg_check(&m, RDID3, &l, &why), -EEXIST);
	cr_assert_eq(nv_gw_leg_add(&m, RDID3, &l, &dev1, &why), -EEXIST);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_DEV_FORWARD);
	cr_assert_eq(why.ifindex, EXT1);
	cr_assert_eq(why.rdid, RDID1);
	assert_unchanged(before, "a second forward leg");
	/* On another device it is fine. */
	l.ext_ifindex = EXT2;
	cr_assert_eq(nv_gw_leg_add(&m, RDID3, &l, &dev2, NULL), 0);
	cr_assert_eq(dev_get(EXT2).fwd_rdid, RDID3);
}

/* One refusal of leg add (and check): errno, kind, and nothing written. */
static void leg_refused(__u32 rdid, const struct nv_gw_leg *l, int err, enum nv_conflict_kind kind,
			const char *what)
{
	struct maps_snapshot *before = snap();
	struct nv_conflict why;

	cr_assert_eq(nv_gw_leg_check(&m, rdid, l, &why), err, "%s (check)", what);
	cr_assert_eq(why.kind, kind, "%s (check): %s", what, nv_conflict_name(why.kind));
	cr_assert_eq(nv_gw_leg_add(&m, rdid, l, &dev1, &why), err, "%s", what);
	cr_assert_eq(why.kind, kind, "%s: %s", what, nv_conflict_name(why.kind));
	assert_unchanged(before, what);
}

Test(maps_gateway, leg_refusals, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_gw_leg l;
	struct nv_config c;
	__u32 v1, u1;

	netns();
	two_tenants();
	v1 = veth("v1");
	u1 = veth("u1");
	port_add(v1, &p);
	cr_assert_eq(nv_config_get(&m, &c), 0);
	c.underlay_ifindex = u1;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);

	l = mk_leg(VSID1, GW_CA, 0, EXT1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_GW_MODE_INVALID, "mode 0");
	l.mode = 3;
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_GW_MODE_INVALID, "mode 3");
	l = mk_leg(NV_VSID_MAX + 1, GW_CA, NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_VSID_RANGE, "vsid");
	for (size_t i = 0; i < not_unicast_n; i++) {
		l = mk_leg(VSID1, not_unicast[i], NV_GW_NAT, EXT1);
		leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_CA_INVALID, not_unicast[i]);
	}
	l = mk_leg(VSID1, GW_CA, NV_GW_NAT, EXT1);
	mac_set(l.mac, "ff:ff:ff:ff:ff:ff");
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_MAC_INVALID, "broadcast mac");
	memset(l.mac, 0, sizeof(l.mac));
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_MAC_INVALID, "zero mac");
	l = mk_leg(VSID1, GW_CA, NV_GW_NAT, 0);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_GW_DEV_INVALID, "ifindex 0");
	l = mk_leg(VSID3, GW_CA, NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -ENOENT, NV_CONFLICT_VSID_UNKNOWN, "no subnet");
	l = mk_leg(VSID2, GW_CA, NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_RDID_DIFFERS, "vsid of RDID2");
	l = mk_leg(VSID1, "10.0.1.5", NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_CA_OUTSIDE_PREFIX, "outside the prefix");
	l = mk_leg(VSID1, "10.0.0.254", NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_CA_IS_GATEWAY, "the subnet's gateway");
	l = mk_leg(VSID1, "10.0.0.1", NV_GW_NAT, EXT1);
	leg_refused(RDID1, &l, -EEXIST, NV_CONFLICT_CA_HELD, "v1's ca");
	l = mk_leg(VSID1, GW_CA, NV_GW_NAT, u1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_GW_DEV_INVALID, "the underlay");
	l = mk_leg(VSID1, GW_CA, NV_GW_NAT, v1);
	leg_refused(RDID1, &l, -EINVAL, NV_CONFLICT_GW_DEV_INVALID, "a port");
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	l = mk_leg(VSID1, "10.0.0.101", NV_GW_FORWARD, EXT2);
	leg_refused(RDID1, &l, -EEXIST, NV_CONFLICT_GW_EXISTS, "a second leg of RDID1");
}

Test(maps_gateway, leg_add_device_values, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_gw_leg l = mk_leg(VSID1, GW_CA, NV_GW_NAT, EXT1);
	struct nv_gw_dev_info bad = dev1;
	struct maps_snapshot *before;
	struct nv_conflict why;

	two_tenants();
	before = snap();
	bad.mac[0] = 0x01;
	cr_assert_eq(nv_gw_leg_add(&m, RDID1, &l, &bad, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_MAC_INVALID);
	cr_assert_arr_eq(why.mac, bad.mac, NV_ETH_ALEN);
	bad = dev1;
	bad.flags = 0x80;
	cr_assert_eq(nv_gw_leg_add(&m, RDID1, &l, &bad, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_FLAGS_INVALID);
	assert_unchanged(before, "bad device values");
}

/* RDID 0 is a routing domain, but fwd_rdid 0 means "none": no forward leg there. */
Test(maps_gateway, rdid0_nat_only, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_gw_leg l = mk_leg(VSID1, GW_CA, NV_GW_FORWARD, EXT1);
	struct nv_conflict why;

	subnet(VSID1, 0);
	cr_assert_eq(nv_gw_leg_add(&m, 0, &l, &dev1, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_RDID_DIFFERS);
	cr_assert_eq(why.vsid, VSID1);
	cr_assert_eq(why.rdid, 0);
	cr_assert_eq(map_count(NV_MAP_GW_DEVS), 0);
	l.mode = NV_GW_NAT;
	cr_assert_eq(nv_gw_leg_add(&m, 0, &l, &dev1, NULL), 0);
	cr_assert_eq(dev_get(EXT1).fwd_rdid, 0);
}

/* A write that fails takes back what came before it. */
Test(maps_gateway, leg_add_undoes_the_device, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_gw_leg l = mk_leg(VSID2, GW_CA, NV_GW_NAT, EXT2);
	struct maps_snapshot *before;
	struct nv_maps bad;

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_FORWARD, EXT1, NULL), 0);
	bad = m;
	bad.fd[NV_MAP_GW_LEGS] = ro_fd(m.fd[NV_MAP_GW_LEGS]);
	/* A new device: its entry goes again. */
	before = snap();
	cr_assert_eq(nv_gw_leg_add(&bad, RDID2, &l, &dev2, NULL), -EPERM);
	assert_unchanged(before, "leg write refused, new device");
	/* A device with an entry: its count as it was. */
	before = snap();
	l.ext_ifindex = EXT1;
	cr_assert_eq(nv_gw_leg_add(&bad, RDID2, &l, &dev2, NULL), -EPERM);
	assert_unchanged(before, "leg write refused, shared device");
	close(bad.fd[NV_MAP_GW_LEGS]);
	/* And with a writable map both work. */
	cr_assert_eq(nv_gw_leg_add(&m, RDID2, &l, &dev2, NULL), 0);
	cr_assert_eq(dev_get(EXT1).legs, 2);
}

Test(maps_gateway, leg_del, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr any = A("0.0.0.0");
	struct nv_conflict why;
	bool last = true;
	struct nv_gw_dev d;

	two_tenants();
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, &last, &why), -ENOENT);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_UNKNOWN);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert(!last, "no device went");
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_FORWARD, EXT1, NULL), 0);
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT1, NULL), 0);
	/* In use while it has a gateway route (or a NAT: nat_del). */
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &any, 96, NULL, NULL), 0);
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, &last, &why), -EBUSY);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_IN_USE);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert_eq(nv_gw_route_del(&m, RDID1, &any, 96, NULL), 0);
	/* The forward leg goes: the device stays, for the NAT leg, forwarding nothing. */
	last = true;
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, &last, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert(!last);
	d = dev_get(EXT1);
	cr_assert_eq(d.legs, 1);
	cr_assert_eq(d.fwd_rdid, 0);
	cr_assert_eq(nv_gw_leg_get(&m, RDID1, &(struct nv_gw_leg){ 0 }), -ENOENT);
	/* The last leg: the device entry with it. */
	cr_assert_eq(nv_gw_leg_del(&m, RDID2, &last, NULL), 0);
	cr_assert(last);
	cr_assert_eq(map_count(NV_MAP_GW_DEVS), 0);
	cr_assert_eq(map_count(NV_MAP_GW_LEGS), 0);
	/* NULL last_dev is fine. */
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT1, NULL), 0);
	cr_assert_eq(nv_gw_leg_del(&m, RDID2, NULL, NULL), 0);
}

Test(maps_gateway, leg_del_undoes_the_leg, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before;
	struct nv_maps bad;
	bool last = true;

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_FORWARD, EXT1, NULL), 0);
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT1, NULL), 0);
	bad = m;
	bad.fd[NV_MAP_GW_DEVS] = ro_fd(m.fd[NV_MAP_GW_DEVS]);
	before = snap();
	cr_assert_eq(nv_gw_leg_del(&bad, RDID1, &last, NULL), -EPERM, "device update refused");
	cr_assert(!last);
	assert_unchanged(before, "leg del, shared device");
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, NULL, NULL), 0);
	before = snap();
	cr_assert_eq(nv_gw_leg_del(&bad, RDID2, &last, NULL), -EPERM, "device delete refused");
	cr_assert(!last);
	assert_unchanged(before, "leg del, last leg");
	close(bad.fd[NV_MAP_GW_DEVS]);
}

struct leg_seen {
	int n;
	__u32 rdid[4], ifindex[4];
};

static int leg_seen_cb(__u32 rdid, const struct nv_gw_leg *l, void *arg)
{
	struct leg_seen *s = arg;

	(void)l;
	if (s->n < 4)
		s->rdid[s->n] = rdid;
	s->n++;
	return 0;
}

static int dev_seen_cb(__u32 ifindex, const struct nv_gw_dev *d, void *arg)
{
	struct leg_seen *s = arg;

	if (s->n < 4)
		s->ifindex[s->n] = ifindex;
	s->n++;
	return d->legs == 2 ? 7 : 0;
}

Test(maps_gateway, leg_and_dev_iter, .init = maps_setup, .fini = maps_teardown)
{
	struct leg_seen s = { 0 };

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT2, NULL), 0);
	cr_assert_eq(nv_gw_leg_iter(&m, leg_seen_cb, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.rdid[0] + s.rdid[1], RDID1 + RDID2);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(nv_gw_dev_iter(&m, dev_seen_cb, &s), 0);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.ifindex[0] + s.ifindex[1], EXT1 + EXT2);
	cr_assert_eq(nv_gw_leg_iter(&m, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_gw_dev_iter(NULL, dev_seen_cb, &s), -EINVAL);
}

/* ---- gateway routes ---- */

/* What the datapath reads for dst in rdid: the trie's longest match. */
static int gw_fib(__u32 rdid, const char *dst, struct nv_gw_route *out)
{
	struct nv_route_key q;

	memset(&q, 0, sizeof(q));
	q.prefixlen = 32 + 128;
	q.rdid = rdid;
	q.addr = A(dst);
	return bpf_map_lookup_elem(m.fd[NV_MAP_GW_ROUTES], &q, out);
}

static int gw_route(__u32 rdid, const char *prefix, __u32 len, const char *via)
{
	union nv_addr p = A(prefix), v;

	if (!via)
		return nv_gw_route_add(&m, rdid, &p, len, NULL, NULL);
	v = A(via);
	return nv_gw_route_add(&m, rdid, &p, len, &v, NULL);
}

Test(maps_gateway, route_stored_in_the_trie, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr p = A("198.51.100.77"), via = A("192.0.2.254"), zero;
	struct nv_route_key exact;
	struct nv_gw_route r;
	struct nv_conflict why;

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &p, 96 + 24, &via, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	/* rdid bits + address bits, host bits cleared, padding none. */
	memset(&exact, 0, sizeof(exact));
	exact.prefixlen = 32 + 96 + 24;
	exact.rdid = RDID1;
	exact.addr = A("198.51.100.0");
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_GW_ROUTES], &exact, &r), 0);
	cr_assert_arr_eq(&r.via, &via, sizeof(via));
	cr_assert_eq(gw_fib(RDID1, "198.51.100.200", &r), 0);
	cr_assert_eq(gw_fib(RDID2, "198.51.100.200", &r), -ENOENT, "another RDID");
	cr_assert_eq(gw_fib(RDID1, "198.51.101.1", &r), -ENOENT, "outside");
	/* The default route, via the FIB: a zero via, given or not. */
	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(gw_route(RDID1, "0.0.0.0", 96, "0.0.0.0"), 0);
	cr_assert_eq(gw_fib(RDID1, "8.8.8.8", &r), 0);
	cr_assert_arr_eq(&r.via, &zero, sizeof(zero));
	cr_assert_eq(gw_fib(RDID1, "198.51.100.9", &r), 0);
	cr_assert_arr_eq(&r.via, &via, sizeof(via), "the longest prefix");
	/* IPv6, via an IPv6 next hop. */
	cr_assert_eq(gw_route(RDID1, "2001:db8::1", 32, "fe80::1"), 0);
	cr_assert_eq(gw_fib(RDID1, "2001:db8:5::9", &r), 0);
	cr_assert_eq(gw_route(RDID1, "::", 0, NULL), 0, "the IPv6 default route");
	/* Same prefix, other host bits: exists. */
	p = A("198.51.100.1");
	cr_assert_eq(nv_gw_route_add(&m, RDID1, &p, 96 + 24, NULL, &why), -EEXIST);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_ROUTE_EXISTS);
	cr_assert_eq(why.prefixlen, 96 + 24);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert_arr_eq(&why.ca, &exact.addr, sizeof(exact.addr));
	/* del: exact prefixes only. */
	cr_assert_eq(nv_gw_route_del(&m, RDID1, &p, 96 + 25, &why), -ENOENT);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_ROUTE_UNKNOWN);
	cr_assert_eq(why.prefixlen, 96 + 25);
	cr_assert_eq(nv_gw_route_del(&m, RDID1, &p, 96 + 24, &why), 0);
	cr_assert_eq(gw_fib(RDID1, "198.51.100.9", &r), 0);
	cr_assert_arr_eq(&r.via, &zero, sizeof(zero), "the default route now");
	cr_assert_eq(nv_gw_route_del(&m, RDID1, &p, 96 + 24, NULL), -ENOENT);
}

static void route_refused(__u32 rdid, const char *prefix, __u32 len, const char *via, int err,
			  enum nv_conflict_kind kind)
{
	struct maps_snapshot *before = snap();
	union nv_addr p = A(prefix), v;
	struct nv_conflict why;

	if (via)
		v = A(via);
	cr_assert_eq(nv_gw_route_add(&m, rdid, &p, len, via ? &v : NULL, &why), err, "%s/%u",
		     prefix, len);
	cr_assert_eq(why.kind, kind, "%s/%u: %s", prefix, len, nv_conflict_name(why.kind));
	assert_unchanged(before, prefix);
}

Test(maps_gateway, route_refusals, .init = maps_setup, .fini = maps_teardown)
{
	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	route_refused(RDID2, "10.8.0.0", 96 + 16, NULL, -ENOENT, NV_CONFLICT_GW_UNKNOWN);
	route_refused(RDID1, "10.8.0.0", 129, NULL, -EINVAL, NV_CONFLICT_PREFIX_INVALID);
	route_refused(RDID1, "0.0.0.0", 95, NULL, -EINVAL, NV_CONFLICT_PREFIX_INVALID);
	route_refused(RDID1, "10.8.0.0", 8, NULL, -EINVAL, NV_CONFLICT_PREFIX_INVALID);
	route_refused(RDID1, "10.8.0.0", 96 + 16, "224.0.0.9", -EINVAL, NV_CONFLICT_PA_INVALID);
	route_refused(RDID1, "10.8.0.0", 96 + 16, "255.255.255.255", -EINVAL,
		      NV_CONFLICT_PA_INVALID);
	route_refused(RDID1, "10.8.0.0", 96 + 16, "fe80::1", -EINVAL, NV_CONFLICT_PA_INVALID);
	route_refused(RDID1, "2001:db8::", 32, "192.0.2.1", -EINVAL, NV_CONFLICT_PA_INVALID);
	route_refused(RDID1, "2001:db8::", 32, "ff02::2", -EINVAL, NV_CONFLICT_PA_INVALID);
	cr_assert_eq(gw_route(RDID1, "10.8.0.0", 96 + 16, NULL), 0);
	route_refused(RDID1, "10.8.0.0", 96 + 16, "192.0.2.1", -EEXIST,
		      NV_CONFLICT_GW_ROUTE_EXISTS);
}

struct route_seen {
	int n;
	__u32 rdid[8], len[8];
	char prefix[8][NV_ADDR_STRLEN];
	int stop_at;
};

static int route_seen_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
			 const union nv_addr *via, void *arg)
{
	struct route_seen *s = arg;

	(void)via;
	if (s->n < 8) {
		s->rdid[s->n] = rdid;
		s->len[s->n] = prefixlen;
		nv_addr_format(prefix, s->prefix[s->n], sizeof(s->prefix[0]));
	}
	s->n++;
	return s->n == s->stop_at ? 42 : 0;
}

Test(maps_gateway, route_iter_ordered, .init = maps_setup, .fini = maps_teardown)
{
	static const struct {
		__u32 rdid;
		const char *prefix;
		__u32 len;
	} want[] = {
		{ RDID1, "::", 0 },
		{ RDID1, "0.0.0.0", 96 },
		{ RDID1, "10.8.0.0", 96 + 24 },
		{ RDID1, "10.8.0.0", 96 + 16 },
		{ RDID1, "198.51.100.0", 96 + 24 },
		{ RDID2, "0.0.0.0", 96 },
	};
	struct route_seen s = { 0 };

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT1, NULL), 0);
	/* Added out of order. */
	cr_assert_eq(gw_route(RDID2, "0.0.0.0", 96, NULL), 0);
	cr_assert_eq(gw_route(RDID1, "198.51.100.0", 96 + 24, "192.0.2.1"), 0);
	cr_assert_eq(gw_route(RDID1, "10.8.0.0", 96 + 16, NULL), 0);
	cr_assert_eq(gw_route(RDID1, "0.0.0.0", 96, NULL), 0);
	cr_assert_eq(gw_route(RDID1, "10.8.0.0", 96 + 24, NULL), 0);
	cr_assert_eq(gw_route(RDID1, "::", 0, NULL), 0);
	cr_assert_eq(nv_gw_route_iter(&m, route_seen_cb, &s), 0);
	cr_assert_eq(s.n, 6);
	for (int i = 0; i < 6; i++) {
		cr_expect_eq(s.rdid[i], want[i].rdid, "route %d: rdid %u", i, s.rdid[i]);
		cr_expect_str_eq(s.prefix[i], want[i].prefix, "route %d", i);
		cr_expect_eq(s.len[i], want[i].len, "route %d: %s/%u", i, s.prefix[i], s.len[i]);
	}
	/* A callback's nonzero stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	cr_assert_eq(nv_gw_route_iter(&m, route_seen_cb, &s), 42);
	cr_assert_eq(s.n, 2);
}

/* ---- NAT ---- */

Test(maps_gateway, nat_add_and_addrs, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_nat n, got;
	struct nv_nat_addr a;
	union nv_addr ext = A(NAT_EXT);
	struct nv_conflict why;

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	memset(&n, 0, sizeof(n));
	n.ext = ext;
	n.pad = 0x5a5a;
	cr_assert_eq(nv_nat_add(&m, RDID1, &n, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(nv_nat_get(&m, RDID1, &got), 0);
	cr_assert_arr_eq(&got.ext, &ext, sizeof(ext));
	cr_assert_eq(got.port_lo, NV_NAT_PORT_LO, "both 0: the default range");
	cr_assert_eq(got.port_hi, NV_NAT_PORT_HI);
	cr_assert_eq(got.pad, 0);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_NAT_ADDRS], &ext, &a), 0);
	cr_assert_eq(a.rdid, RDID1);
	cr_assert_eq(a.ifindex, EXT1, "the leg's device");
	/* Explicit ports, in another RDID; a range of one port is one. */
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_NAT, EXT2, NULL), 0);
	n.ext = A("203.0.113.2");
	n.port_lo = n.port_hi = 5000;
	cr_assert_eq(nv_nat_add(&m, RDID2, &n, NULL), 0);
	cr_assert_eq(nv_nat_get(&m, RDID2, &got), 0);
	cr_assert_eq(got.port_lo, 5000);
	cr_assert_eq(got.port_hi, 5000);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_NAT_ADDRS], &n.ext, &a), 0);
	cr_assert_eq(a.ifindex, EXT2);
	cr_assert_eq(nv_nat_get(&m, RDID3, &got), -ENOENT);
}

static void nat_refused(__u32 rdid, const char *ext, __u16 lo, __u16 hi, int err,
			enum nv_conflict_kind kind)
{
	struct maps_snapshot *before = snap();
	struct nv_conflict why;
	struct nv_nat n;

	memset(&n, 0, sizeof(n));
	n.ext = A(ext);
	n.port_lo = lo;
	n.port_hi = hi;
	cr_assert_eq(nv_nat_add(&m, rdid, &n, &why), err, "%u %s %u-%u", rdid, ext, lo, hi);
	cr_assert_eq(why.kind, kind, "%u %s %u-%u: %s", rdid, ext, lo, hi,
		     nv_conflict_name(why.kind));
	assert_unchanged(before, ext);
}

Test(maps_gateway, nat_refusals, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_conflict why;
	struct nv_nat n;

	two_tenants();
	subnet(VSID3, RDID3);
	nat_refused(RDID1, "203.0.113.5", 0, 0, -ENOENT, NV_CONFLICT_GW_UNKNOWN);
	cr_assert_eq(leg_add(RDID2, VSID2, NV_GW_FORWARD, EXT2, NULL), 0);
	nat_refused(RDID2, "203.0.113.5", 0, 0, -EINVAL, NV_CONFLICT_GW_NOT_NAT);
	nat_rdid1();
	for (size_t i = 0; i < not_unicast_n; i++)
		nat_refused(RDID1, not_unicast[i], 0, 0, -EINVAL, NV_CONFLICT_NAT_ADDR_INVALID);
	nat_refused(RDID1, "2001:db8::1", 0, 0, -EINVAL, NV_CONFLICT_NAT_ADDR_INVALID);
	nat_refused(RDID1, "203.0.113.5", 0, 10, -EINVAL, NV_CONFLICT_NAT_PORTS_INVALID);
	nat_refused(RDID1, "203.0.113.5", 10, 0, -EINVAL, NV_CONFLICT_NAT_PORTS_INVALID);
	nat_refused(RDID1, "203.0.113.5", 2000, 1999, -EINVAL, NV_CONFLICT_NAT_PORTS_INVALID);
	nat_refused(RDID1, "203.0.113.5", 0, 0, -EEXIST, NV_CONFLICT_NAT_EXISTS);
	/* Another RDID, RDID1's address. */
	cr_assert_eq(leg_add(RDID3, VSID3, NV_GW_NAT, EXT1, NULL), 0);
	memset(&n, 0, sizeof(n));
	n.ext = A(NAT_EXT);
	cr_assert_eq(nv_nat_add(&m, RDID3, &n, &why), -EEXIST);
	cr_assert_eq(why.kind, NV_CONFLICT_NAT_ADDR_TAKEN);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert_arr_eq(&why.pa, &n.ext, sizeof(n.ext));
	nat_refused(RDID3, NAT_EXT, 0, 0, -EEXIST, NV_CONFLICT_NAT_ADDR_TAKEN);
}

Test(maps_gateway, nat_add_undoes_the_addr, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_nat_addr left = { .rdid = RDID1, .ifindex = 77 };
	struct maps_snapshot *before;
	struct nv_maps bad;
	struct nv_nat n;

	two_tenants();
	cr_assert_eq(leg_add(RDID1, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	bad = m;
	bad.fd[NV_MAP_NATS] = ro_fd(m.fd[NV_MAP_NATS]);
	memset(&n, 0, sizeof(n));
	n.ext = A(NAT_EXT);
	before = snap();
	cr_assert_eq(nv_nat_add(&bad, RDID1, &n, NULL), -EPERM);
	assert_unchanged(before, "nats write refused");
	close(bad.fd[NV_MAP_NATS]);
	/* A leftover address entry of the RDID (no NAT) is taken over, and restored on failure. */
	cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_NAT_ADDRS], &n.ext, &left, BPF_NOEXIST), 0);
	bad.fd[NV_MAP_NATS] = ro_fd(m.fd[NV_MAP_NATS]);
	before = snap();
	cr_assert_eq(nv_nat_add(&bad, RDID1, &n, NULL), -EPERM);
	assert_unchanged(before, "nats write refused, leftover address");
	close(bad.fd[NV_MAP_NATS]);
	cr_assert_eq(nv_nat_add(&m, RDID1, &n, NULL), 0);
}

/* ---- connections: building them ---- */

/* A connection of rdid: ca:cport -> remote:rport, translated to ext:eport. */
struct conn {
	__u32 rdid;
	const char *ca, *remote, *ext;
	__u16 cport, rport, eport;
	__u8 proto, flags;
	__u64 out_exp, in_exp, created;
};

static void conn_keys(const struct conn *c, struct nv_ct_key *ok, struct nv_ct_entry *oe,
		      struct nv_ct_key *ik, struct nv_ct_entry *ie)
{
	memset(ok, 0, sizeof(*ok));
	ok->rdid = c->rdid;
	ok->src = A(c->ca);
	ok->dst = A(c->remote);
	ok->sport = htons(c->cport);
	ok->dport = htons(c->rport);
	ok->proto = c->proto;
	ok->dir = NV_CT_OUT;
	memset(oe, 0, sizeof(*oe));
	oe->expires_ns = c->out_exp;
	oe->created_ns = c->created;
	oe->addr = A(c->ext);
	oe->port = htons(c->eport);
	oe->flags = c->flags;
	oe->rdid = c->rdid;
	oe->packets = 3;
	/* The reply, as the datapath derives it. */
	memset(ik, 0, sizeof(*ik));
	ik->src = A(c->remote);
	ik->dst = A(c->ext);
	ik->sport = htons(c->rport);
	ik->dport = htons(c->eport);
	ik->proto = c->proto;
	ik->dir = NV_CT_IN;
	*ie = *oe;
	ie->expires_ns = c->in_exp;
	ie->addr = A(c->ca);
	ie->port = htons(c->cport);
	ie->packets = 2;
}

enum {
	HALF_OUT = 1,
	HALF_IN = 2,
	HALF_BOTH = 3
};

/* The halves of c written straight into nv_ct, as the datapath would. */
static void conn_put(const struct conn *c, int halves)
{
	struct nv_ct_key ok, ik;
	struct nv_ct_entry oe, ie;

	conn_keys(c, &ok, &oe, &ik, &ie);
	if (halves & HALF_IN)
		cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_CT], &ik, &ie, BPF_NOEXIST), 0);
	if (halves & HALF_OUT)
		cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_CT], &ok, &oe, BPF_NOEXIST), 0);
}

/* Which halves of c are in the table. */
static int conn_has(const struct conn *c)
{
	struct nv_ct_key ok, ik;
	struct nv_ct_entry oe, ie, v;
	int h = 0;

	conn_keys(c, &ok, &oe, &ik, &ie);
	if (!bpf_map_lookup_elem(m.fd[NV_MAP_CT], &ok, &v))
		h |= HALF_OUT;
	if (!bpf_map_lookup_elem(m.fd[NV_MAP_CT], &ik, &v))
		h |= HALF_IN;
	return h;
}

static struct conn mk_conn(__u32 rdid, const char *ca, __u16 cport, __u16 eport)
{
	struct conn c = { .rdid = rdid,
			  .ca = ca,
			  .remote = "198.51.100.9",
			  .ext = NAT_EXT,
			  .cport = cport,
			  .rport = 443,
			  .eport = eport,
			  .proto = IPPROTO_TCP,
			  .out_exp = 100 * SEC,
			  .in_exp = 100 * SEC,
			  .created = 10 * SEC };

	return c;
}

static __u32 ct_entries(void)
{
	__u32 n;

	cr_assert_eq(nv_map_count(&m, NV_MAP_CT, &n), 0);
	return n;
}

/* ---- connections: keys, iteration, count ---- */

Test(maps_gateway, ct_key_derivations)
{
	struct conn c = mk_conn(RDID2, "10.0.0.5", 40000, 1030);
	struct nv_ct_key ok, ik, in, out;
	struct nv_ct_entry oe, ie;

	c.proto = IPPROTO_UDP;
	conn_keys(&c, &ok, &oe, &ik, &ie);
	memset(&in, 0x5a, sizeof(in));
	nv_ct_in_key(&ok, &oe, &in);
	cr_assert_arr_eq(&in, &ik, sizeof(ik), "IN key: the reply tuple, rdid 0, padding zero");
	cr_assert_eq(in.rdid, 0);
	cr_assert_eq(in.dir, NV_CT_IN);
	memset(&out, 0x5a, sizeof(out));
	nv_ct_out_key(&in, &ie, &out);
	cr_assert_arr_eq(&out, &ok, sizeof(ok), "out -> in -> out");
	cr_assert_eq(out.rdid, RDID2, "the IN entry's rdid");
	/* ICMP echo: the identifier is the request's sport, the reply's dport. */
	c = mk_conn(RDID1, "10.0.0.5", 77, 1031);
	c.proto = IPPROTO_ICMP;
	c.rport = 0;
	conn_keys(&c, &ok, &oe, &ik, &ie);
	nv_ct_in_key(&ok, &oe, &in);
	cr_assert_eq(in.sport, 0);
	cr_assert_eq(in.dport, htons(1031));
	nv_ct_out_key(&in, &ie, &out);
	cr_assert_arr_eq(&out, &ok, sizeof(ok));
}

struct ct_seen {
	int n, has_in;
	struct nv_ct_conn c[8];
};

static int ct_seen_cb(const struct nv_ct_conn *c, void *arg)
{
	struct ct_seen *s = arg;

	if (s->n < 8)
		s->c[s->n] = *c;
	s->n++;
	s->has_in += c->has_in;
	return 0;
}

Test(maps_gateway, ct_iter_pairs_and_count, .init = maps_setup, .fini = maps_teardown)
{
	struct conn a = mk_conn(RDID1, "10.0.0.5", 40000, 1024);
	struct conn b = mk_conn(RDID1, "10.0.0.6", 40000, 1025);
	struct conn c = mk_conn(RDID2, "10.0.0.5", 40000, 1026);
	struct conn d = mk_conn(RDID1, "10.0.0.7", 40000, 1027);
	struct nv_ct_key ok, ik;
	struct nv_ct_entry oe, ie;
	struct ct_seen s = { 0 };
	__u32 n;

	conn_put(&a, HALF_BOTH);
	conn_put(&b, HALF_OUT); /* its IN half not (yet) there */
	conn_put(&c, HALF_BOTH);
	conn_put(&d, HALF_IN); /* a lone IN half: no connection to report */
	cr_assert_eq(nv_ct_count(&m, &n), 0);
	cr_assert_eq(n, 3, "OUT entries");
	cr_assert_eq(nv_ct_iter(&m, 0, ct_seen_cb, &s), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.has_in, 2);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(nv_ct_iter(&m, RDID1, ct_seen_cb, &s), 0);
	cr_assert_eq(s.n, 2, "RDID1's");
	cr_assert_eq(s.has_in, 1);
	for (int i = 0; i < 2; i++) {
		const struct nv_ct_conn *x = &s.c[i];
		bool is_a = x->out.src.b[15] == 5;

		conn_keys(is_a ? &a : &b, &ok, &oe, &ik, &ie);
		cr_assert_arr_eq(&x->out, &ok, sizeof(ok));
		cr_assert_arr_eq(&x->out_e, &oe, sizeof(oe));
		cr_assert_arr_eq(&x->in, &ik, sizeof(ik), "the IN key, derived");
		cr_assert_eq(x->has_in, is_a);
		if (is_a)
			cr_assert_arr_eq(&x->in_e, &ie, sizeof(ie));
	}
	memset(&s, 0, sizeof(s));
	cr_assert_eq(nv_ct_iter(&m, RDID3, ct_seen_cb, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(nv_ct_iter(&m, 0, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_ct_count(&m, NULL), -EINVAL);
}

/* ---- connections: flush ---- */

Test(maps_gateway, ct_flush_by_rdid, .init = maps_setup, .fini = maps_teardown)
{
	struct conn a = mk_conn(RDID1, "10.0.0.5", 40000, 1024);
	struct conn b = mk_conn(RDID1, "10.0.0.6", 40000, 1025);
	struct conn c = mk_conn(RDID1, "10.0.0.7", 40000, 1026);
	struct conn x = mk_conn(RDID2, "10.0.0.5", 40000, 1027);
	struct conn y = mk_conn(RDID2, "10.0.0.6", 40000, 1028);
	__u64 removed = 99;

	conn_put(&a, HALF_BOTH);
	conn_put(&b, HALF_OUT);
	conn_put(&c, HALF_IN);
	conn_put(&x, HALF_BOTH);
	conn_put(&y, HALF_IN);
	cr_assert_eq(nv_ct_flush(&m, RDID1, &removed), 0);
	cr_assert_eq(removed, 3, "a pair and two lone halves");
	cr_assert_eq(conn_has(&a) | conn_has(&b) | conn_has(&c), 0, "RDID1's all gone");
	cr_assert_eq(conn_has(&x), HALF_BOTH, "RDID2's stay");
	cr_assert_eq(conn_has(&y), HALF_IN);
	cr_assert_eq(nv_ct_flush(&m, RDID1, &removed), 0);
	cr_assert_eq(removed, 0);
	/* 0: every RDID. */
	cr_assert_eq(nv_ct_flush(&m, 0, NULL), 0);
	cr_assert_eq(ct_entries(), 0);
}

/* ---- connections: the collector ---- */

Test(maps_gateway, ct_gc, .init = maps_setup, .fini = maps_teardown)
{
	const __u64 now = 1000 * SEC;
	struct conn gone = mk_conn(RDID1, "10.0.0.1", 1, 1024);
	struct conn live = mk_conn(RDID1, "10.0.0.2", 1, 1025);
	struct conn out_live = mk_conn(RDID1, "10.0.0.3", 1, 1026);
	struct conn in_live = mk_conn(RDID1, "10.0.0.4", 1, 1027);
	struct conn lone_old_out = mk_conn(RDID1, "10.0.0.5", 1, 1028);
	struct conn lone_old_in = mk_conn(RDID2, "10.0.0.6", 1, 1029);
	struct conn lone_young_out = mk_conn(RDID1, "10.0.0.7", 1, 1030);
	struct conn lone_young_in = mk_conn(RDID1, "10.0.0.8", 1, 1031);
	struct conn lone_1s = mk_conn(RDID1, "10.0.0.9", 1, 1032);
	struct conn at_now = mk_conn(RDID1, "10.0.0.10", 1, 1033);
	struct nv_ct_gc_stats st;

	gone.out_exp = gone.in_exp = now - 1;
	live.out_exp = live.in_exp = now + SEC;
	out_live.out_exp = now + 1;
	out_live.in_exp = now - SEC;
	in_live.out_exp = now - SEC;
	in_live.in_exp = now + 1;
	/* Lone halves: expiry does not matter, age does (created more than 1 s ago goes). */
	lone_old_out.created = lone_old_in.created = now - SEC - 1;
	lone_old_out.out_exp = now + 100 * SEC;
	lone_young_out.created = lone_young_in.created = now - SEC / 2;
	lone_young_out.out_exp = lone_young_in.in_exp = 0;
	lone_1s.created = now - SEC;	      /* exactly one second: not more */
	at_now.out_exp = at_now.in_exp = now; /* not before now: live */
	conn_put(&gone, HALF_BOTH);
	conn_put(&live, HALF_BOTH);
	conn_put(&out_live, HALF_BOTH);
	conn_put(&in_live, HALF_BOTH);
	conn_put(&lone_old_out, HALF_OUT);
	conn_put(&lone_old_in, HALF_IN);
	conn_put(&lone_young_out, HALF_OUT);
	conn_put(&lone_young_in, HALF_IN);
	conn_put(&lone_1s, HALF_IN);
	conn_put(&at_now, HALF_BOTH);

	memset(&st, 0x5a, sizeof(st));
	cr_assert_eq(nv_ct_gc(&m, now, &st), 0);
	cr_assert_eq(conn_has(&gone), 0, "both halves expired: both go");
	cr_assert_eq(conn_has(&live), HALF_BOTH);
	cr_assert_eq(conn_has(&out_live), HALF_BOTH, "one live direction keeps the pair");
	cr_assert_eq(conn_has(&in_live), HALF_BOTH);
	cr_assert_eq(conn_has(&at_now), HALF_BOTH);
	cr_assert_eq(conn_has(&lone_old_out), 0, "an old lone OUT half goes");
	cr_assert_eq(conn_has(&lone_old_in), 0, "an old lone IN half goes");
	cr_assert_eq(conn_has(&lone_young_out), HALF_OUT, "maybe being inserted: stays");
	cr_assert_eq(conn_has(&lone_young_in), HALF_IN);
	cr_assert_eq(conn_has(&lone_1s), HALF_IN);
	cr_assert_eq(st.scanned, 10);
	cr_assert_eq(st.expired, 1);
	cr_assert_eq(st.orphans, 2);
	cr_assert_eq(st.live, 7);
	/* A second later the young lone halves are old. */
	cr_assert_eq(nv_ct_gc(&m, now + SEC, &st), 0);
	cr_assert_eq(conn_has(&lone_young_out) | conn_has(&lone_young_in) | conn_has(&lone_1s), 0);
	cr_assert_eq(conn_has(&at_now) | conn_has(&out_live) | conn_has(&in_live), 0,
		     "both directions expired by now + 1 s");
	cr_assert_eq(conn_has(&live), HALF_BOTH, "expires at now + 1 s: not before it");
	cr_assert_eq(st.scanned, 7);
	cr_assert_eq(st.orphans, 3);
	cr_assert_eq(st.expired, 3);
	cr_assert_eq(st.live, 1);
	cr_assert_eq(ct_entries(), 2);
	cr_assert_eq(nv_ct_gc(&m, now, NULL), 0, "stats may be NULL");
	cr_assert_eq(nv_ct_gc(NULL, now, &st), -EINVAL);
}

/*
 * A big table: 500000 entries, the default table's size (524288) nearly: 249000 pairs, one in
 * ten expired, and 2000 old lone halves. The collector's speed is printed (--verbose).
 */
Test(maps_gateway, ct_gc_big_table, .init = maps_setup, .fini = maps_teardown, .timeout = 120)
{
	const __u32 pairs = 249000, lone = 2000, n_all = 2 * pairs + lone;
	const __u64 now = 1000 * SEC;
	struct nv_ct_key *k = calloc(n_all, sizeof(*k));
	struct nv_ct_entry *v = calloc(n_all, sizeof(*v));
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	struct nv_ct_key spare_k;
	struct nv_ct_entry spare_v;
	struct timespec t0, t1;
	struct nv_ct_gc_stats st;
	__u32 n = 0, conns;
	double secs;
	int err;

	cr_assert(k && v);
	for (__u32 i = 0; i < pairs + lone; i++) {
		struct conn c = mk_conn(RDID1 + i % 3, "10.0.0.5", 1, 1024);
		char ca[16], remote[16];

		/* Distinct CAs (OUT keys) and remote addresses (IN keys). */
		snprintf(ca, sizeof(ca), "10.%u.%u.%u", i >> 16, (i >> 8) & 0xff, i & 0xff);
		snprintf(remote, sizeof(remote), "100.%u.%u.%u", i >> 16, (i >> 8) & 0xff,
			 i & 0xff);
		c.ca = ca;
		c.remote = remote;
		c.cport = (__u16)(1 + i % 60000);
		c.eport = (__u16)(1024 + i % 60000);
		c.out_exp = c.in_exp = i % 10 ? now + SEC : now - 1;
		if (i < pairs) {
			conn_keys(&c, &k[n], &v[n], &k[n + 1], &v[n + 1]);
			n += 2;
		} else if (i % 2) {
			conn_keys(&c, &k[n], &v[n], &spare_k, &spare_v);
			n++;
		} else {
			conn_keys(&c, &spare_k, &spare_v, &k[n], &v[n]);
			n++;
		}
	}
	cr_assert_eq(n, n_all);
	err = bpf_map_update_batch(m.fd[NV_MAP_CT], k, v, &n, &opts);
	cr_assert_eq(err, 0, "fill: %d after %u", err, n);
	free(k);
	free(v);
	cr_assert_eq(nv_ct_count(&m, &conns), 0);
	cr_assert_eq(conns, pairs + lone / 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(nv_ct_gc(&m, now, &st), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("nv_ct_gc: %u entries in %.3f s (%llu pairs expired, %llu orphans, %llu live)",
		    n_all, secs, (unsigned long long)st.expired, (unsigned long long)st.orphans,
		    (unsigned long long)st.live);
	cr_assert_eq(st.scanned, pairs + lone);
	cr_assert_eq(st.expired, pairs / 10 + (pairs % 10 != 0));
	cr_assert_eq(st.orphans, lone);
	cr_assert_eq(st.live, pairs - st.expired);
	cr_assert_eq(ct_entries(), 2 * st.live);
	/* Generous: sanitizer builds run this too. The plain build takes a fraction of it. */
	cr_expect_lt(secs, 10.0, "gc of %u entries took %.3f s", n_all, secs);
}

/* ---- NAT del, static mappings ---- */

Test(maps_gateway, nat_del_flushes_its_connections, .init = maps_setup, .fini = maps_teardown)
{
	struct conn a = mk_conn(RDID1, "10.0.0.5", 40000, 1024);
	struct conn b = mk_conn(RDID1, "10.0.0.6", 40000, 1025);
	struct conn x = mk_conn(RDID2, "10.0.0.5", 40000, 1026);
	union nv_addr ext = A(NAT_EXT);
	struct nv_conflict why;
	struct nv_nat_addr na;
	struct nv_nat n;

	two_tenants();
	nat_rdid1();
	cr_assert_eq(nv_nat_del(&m, RDID2, &why), -ENOENT);
	cr_assert_eq(why.kind, NV_CONFLICT_NAT_UNKNOWN);
	cr_assert_eq(why.rdid, RDID2);
	x.ext = "203.0.113.2";
	conn_put(&a, HALF_BOTH);
	conn_put(&b, HALF_IN);
	conn_put(&x, HALF_BOTH);
	/* The leg is in use while the NAT is there. */
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, NULL, &why), -EBUSY);
	cr_assert_eq(why.kind, NV_CONFLICT_GW_IN_USE);
	cr_assert_eq(nv_nat_del(&m, RDID1, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(nv_nat_get(&m, RDID1, &n), -ENOENT);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_NAT_ADDRS], &ext, &na), -ENOENT);
	cr_assert_eq(conn_has(&a) | conn_has(&b), 0, "RDID1's connections went with its NAT");
	cr_assert_eq(conn_has(&x), HALF_BOTH, "RDID2's stay");
	cr_assert_eq(nv_gw_leg_del(&m, RDID1, NULL, NULL), 0);
}

/* RDID 0 is a routing domain: its NAT's del flushes its connections, not everyone's. */
Test(maps_gateway, nat_del_rdid0_flushes_rdid0_only, .init = maps_setup, .fini = maps_teardown)
{
	struct conn a = mk_conn(0, "10.0.0.5", 40000, 1024);
	struct conn x = mk_conn(RDID2, "10.0.0.5", 40000, 1026);
	struct nv_nat n;

	subnet(VSID1, 0);
	cr_assert_eq(leg_add(0, VSID1, NV_GW_NAT, EXT1, NULL), 0);
	memset(&n, 0, sizeof(n));
	n.ext = A(NAT_EXT);
	cr_assert_eq(nv_nat_add(&m, 0, &n, NULL), 0);
	x.ext = "203.0.113.2";
	conn_put(&a, HALF_BOTH);
	conn_put(&x, HALF_BOTH);
	cr_assert_eq(nv_nat_del(&m, 0, NULL), 0);
	cr_assert_eq(conn_has(&a), 0);
	cr_assert_eq(conn_has(&x), HALF_BOTH);
}

Test(maps_gateway, nat_del_refused_while_mapped, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_nat_map_key k = mk_map_key(NAT_EXT, 8443, IPPROTO_UDP);
	struct maps_snapshot *before;
	struct nv_conflict why;

	two_tenants();
	nat_rdid1();
	cr_assert_eq(map_add(NAT_EXT, 8443, IPPROTO_UDP, RDID1, "10.0.0.5", 443), 0);
	before = snap();
	cr_assert_eq(nv_nat_del(&m, RDID1, &why), -EBUSY);
	cr_assert_eq(why.kind, NV_CONFLICT_NAT_HAS_MAP);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert_arr_eq(&why.pa, &k.ext, sizeof(k.ext));
	cr_assert_eq(why.port, 8443, "host byte order");
	cr_assert_eq(why.proto, IPPROTO_UDP);
	assert_unchanged(before, "nat del with a mapping");
	cr_assert_eq(nv_nat_map_del(&m, &k, NULL), 0);
	cr_assert_eq(nv_nat_del(&m, RDID1, NULL), 0);
}

struct map_seen {
	int n;
	struct nv_nat_map_key k;
	struct nv_nat_map v;
};

static int map_seen_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct map_seen *s = arg;

	s->k = *k;
	s->v = *v;
	s->n++;
	return 0;
}

Test(maps_gateway, nat_map_add, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_nat_map_key k = mk_map_key(NAT_EXT, 80, IPPROTO_TCP), want_k = k;
	struct nv_nat_map v, want_v;
	struct map_seen s = { 0 };
	struct nv_conflict why;

	two_tenants();
	nat_rdid1();
	memset(&v, 0, sizeof(v));
	v.rdid = RDID1;
	v.port = htons(8080);
	v.ca = A("10.0.0.5");
	want_v = v;
	k.pad = 0x5a;
	v.pad = 0x5a5a;
	cr_assert_eq(nv_nat_map_add(&m, &k, &v, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(nv_nat_map_iter(&m, map_seen_cb, &s), 0);
	cr_assert_eq(s.n, 1);
	cr_assert_arr_eq(&s.k, &want_k, sizeof(want_k), "key as stored: padding zero");
	cr_assert_arr_eq(&s.v, &want_v, sizeof(want_v));
	/* The same port in the other protocol is another mapping. */
	cr_assert_eq(map_add(NAT_EXT, 80, IPPROTO_UDP, RDID1, "10.0.0.6", 80), 0);
	cr_assert_eq(map_count(NV_MAP_NAT_MAPS), 2);
	/* Refusals. */
	cr_assert_eq(map_add(NAT_EXT, 80, IPPROTO_TCP, RDID1, "10.0.0.7", 80), -EEXIST);
	cr_assert_eq(map_add(NAT_EXT, 81, IPPROTO_ICMP, RDID1, "10.0.0.7", 80), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 81, 0, RDID1, "10.0.0.7", 80), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 0, IPPROTO_TCP, RDID1, "10.0.0.7", 80), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 81, IPPROTO_TCP, RDID1, "10.0.0.7", 0), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 81, IPPROTO_TCP, RDID1, "0.0.0.0", 80), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 81, IPPROTO_TCP, RDID1, "fd00::7", 80), -EINVAL);
	cr_assert_eq(map_add("203.0.113.7", 81, IPPROTO_TCP, RDID1, "10.0.0.7", 80), -EINVAL);
	cr_assert_eq(map_add(NAT_EXT, 81, IPPROTO_TCP, RDID2, "10.0.0.7", 80), -EINVAL);
	cr_assert_eq(map_count(NV_MAP_NAT_MAPS), 2);
	cr_assert_eq(nv_nat_map_iter(&m, NULL, NULL), -EINVAL);
}

Test(maps_gateway, nat_map_del_removes_its_connections, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_nat_map_key k = mk_map_key(NAT_EXT, 80, IPPROTO_TCP);
	/* Opened from outside through tcp NAT_EXT:80: the OUT half translates to it. */
	struct conn s1 = mk_conn(RDID1, "10.0.0.5", 8080, 80);
	struct conn s2 = mk_conn(RDID1, "10.0.0.5", 8080, 80);
	struct conn s3 = mk_conn(RDID1, "10.0.0.5", 8080, 80);
	struct conn udp = mk_conn(RDID1, "10.0.0.5", 8080, 80);	 /* the udp mapping's */
	struct conn other = mk_conn(RDID1, "10.0.0.6", 22, 22);	 /* another mapping's */
	struct conn dyn = mk_conn(RDID1, "10.0.0.5", 40000, 80); /* SNAT to port 80: not static */
	struct nv_conflict why;

	two_tenants();
	nat_rdid1();
	cr_assert_eq(map_add(NAT_EXT, 80, IPPROTO_TCP, RDID1, "10.0.0.5", 8080), 0);
	cr_assert_eq(map_add(NAT_EXT, 80, IPPROTO_UDP, RDID1, "10.0.0.5", 8080), 0);
	cr_assert_eq(map_add(NAT_EXT, 22, IPPROTO_TCP, RDID1, "10.0.0.6", 22), 0);
	s1.flags = s2.flags = s3.flags = udp.flags = other.flags = NV_CT_F_STATIC;
	s2.remote = "198.51.100.10";
	s3.remote = "198.51.100.11";
	udp.proto = IPPROTO_UDP;
	dyn.remote = "198.51.100.12";
	conn_put(&s1, HALF_BOTH);
	conn_put(&s2, HALF_IN);
	conn_put(&s3, HALF_OUT);
	conn_put(&udp, HALF_BOTH);
	conn_put(&other, HALF_BOTH);
	conn_put(&dyn, HALF_BOTH);
	cr_assert_eq(nv_nat_map_del(&m, &k, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(conn_has(&s1) | conn_has(&s2) | conn_has(&s3), 0, "its connections went");
	cr_assert_eq(conn_has(&udp), HALF_BOTH, "the udp mapping's stay");
	cr_assert_eq(conn_has(&other), HALF_BOTH, "another port's stay");
	cr_assert_eq(conn_has(&dyn), HALF_BOTH, "a translated connection stays");
	cr_assert_eq(map_count(NV_MAP_NAT_MAPS), 2);
	cr_assert_eq(nv_nat_map_del(&m, &k, &why), -ENOENT);
	cr_assert_eq(why.kind, NV_CONFLICT_NAT_MAP_UNKNOWN);
	cr_assert_eq(why.port, 80);
	cr_assert_eq(why.proto, IPPROTO_TCP);
}

/* ---- timeouts ---- */

Test(maps_gateway, ct_timeouts, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_ct_timeouts t, got, raw;
	struct maps_snapshot *before;
	struct nv_conflict why;

	cr_assert_eq(nv_ct_timeouts_get(&m, &got), 0);
	cr_assert_eq(got.tcp_syn, NV_CT_TIMEOUT_TCP_SYN, "fresh: the defaults");
	cr_assert_eq(got.tcp_established, NV_CT_TIMEOUT_TCP_ESTABLISHED);
	cr_assert_eq(got.tcp_fin, NV_CT_TIMEOUT_TCP_FIN);
	cr_assert_eq(got.udp, NV_CT_TIMEOUT_UDP);
	cr_assert_eq(got.icmp, NV_CT_TIMEOUT_ICMP);
	memset(&t, 0, sizeof(t));
	t.udp = 5;
	t.tcp_established = NV_CT_TIMEOUT_MAX;
	t.pad = 7;
	cr_assert_eq(nv_ct_timeouts_set(&m, &t, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_CT_TIMEOUTS], &(__u32){ 0 }, &raw), 0);
	cr_assert_eq(raw.tcp_syn, 0, "0 stored: the datapath's default");
	cr_assert_eq(raw.udp, 5);
	cr_assert_eq(raw.pad, 0);
	cr_assert_eq(nv_ct_timeouts_get(&m, &got), 0);
	cr_assert_eq(got.udp, 5);
	cr_assert_eq(got.tcp_established, NV_CT_TIMEOUT_MAX);
	cr_assert_eq(got.tcp_syn, NV_CT_TIMEOUT_TCP_SYN);
	cr_assert_eq(got.icmp, NV_CT_TIMEOUT_ICMP);
	before = snap();
	t.icmp = NV_CT_TIMEOUT_MAX + 1;
	cr_assert_eq(nv_ct_timeouts_set(&m, &t, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_TIMEOUT_INVALID);
	t.icmp = 0;
	t.tcp_fin = 0xffffffffu;
	cr_assert_eq(nv_ct_timeouts_set(&m, &t, NULL), -EINVAL);
	assert_unchanged(before, "timeouts over the maximum");
}
