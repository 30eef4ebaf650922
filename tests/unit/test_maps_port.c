/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Ports: add, get, iter, del, and what port add refuses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

static int port_iter_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	(void)p;
	*(__u32 *)arg += ifindex;
	return 0;
}

Test(port, add_get_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01"), out;
	__u32 key = 1, tx, sum = 0, v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	p.deliver = NV_DELIVER_XDP;
	p.flags = NV_PORT_F_PEER;
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	cr_assert_eq(nv_port_get(&m, 1, &out), 0);
	cr_assert_arr_eq(&out, &p, sizeof(p));
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_TX_PORTS], &key, &tx), 0);
	cr_assert_eq(tx, 1, "tx_ports maps ifindex to itself");
	/* The same CA in another VSID is another port. */
	subnet(VSID2, RDID2);
	p = mk_port(VSID2, RDID2, "10.0.0.1", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	cr_assert_eq(nv_port_iter(&m, port_iter_cb, &sum), 0);
	cr_assert_eq(sum, 1 + v1);

	cr_assert_eq(nv_port_del(&m, 1, NULL), 0);
	cr_assert_eq(nv_port_get(&m, 1, &out), -ENOENT);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_TX_PORTS], &key, &tx), -ENOENT);
	cr_assert_eq(nv_port_del(&m, 1, NULL), -ENOENT);
	cr_assert_eq(map_count(NV_MAP_PORTS), 1);
	cr_assert_eq(map_count(NV_MAP_TX_PORTS), 1);
}

Test(port, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port good = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01"), p;
	struct maps_snapshot *before;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.2", "192.0.2.1");
	local_pa("192.0.2.1");
	cr_assert_eq(nv_port_add(&m, 1, &good, NULL), 0);
	before = snap();

	p = good;
	p.vsid = NV_VSID_MIN - 1;
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "vsid out of range");
	p = mk_port(VSID2, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -ENOENT, "no subnet");
	p = mk_port(VSID1, RDID2, "10.0.0.2", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "rdid differs from the subnet's");
	p = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EEXIST, "ifindex already a port");
	p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EEXIST, "(vsid, ca) already bound");
	/* Unknown device: nv_ports was written, then the devmap refused: undone. */
	p = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, 4242, &p, NULL), -ENODEV);
	cr_assert_eq(nv_port_add(&m, 0, &p, NULL), -ENODEV);
	p.deliver = 2;
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "deliver");
	p.deliver = NV_DELIVER_TC;
	p.flags = 0x80;
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "flags");
	p = mk_port(VSID1, RDID1, "10.0.0.2", "03:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "multicast mac");
	p = mk_port(VSID1, RDID1, "10.0.0.2", "00:00:00:00:00:00");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "zero mac");
	p = mk_port(VSID1, RDID1, "::", "02:00:00:00:00:02");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL, "zero ca");
	cr_assert_eq(nv_port_add(&m, v1, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_port_del(&m, v1, NULL), -ENOENT);
	assert_unchanged(before, "failed port calls");
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), 0);
}

Test(port, refuses_broadcast_and_multicast, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_subnet wide;
	struct nv_port p;
	struct maps_snapshot *before;

	netns();
	subnet(VSID1, RDID1);
	before = snap();
	for (size_t i = 0; i < not_unicast_n; i++) {
		p = mk_port(VSID1, RDID1, not_unicast[i], "02:00:00:00:00:01");
		cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EINVAL, "ca %s", not_unicast[i]);
	}
	p = mk_port(VSID1, RDID1, "10.0.0.1", "ff:ff:ff:ff:ff:ff");
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EINVAL, "broadcast mac");
	assert_unchanged(before, "ports with a CA or MAC that is not unicast");
	/* Not the broadcast of its /16: a unicast address like any other. */
	wide = mk_subnet(RDID2);
	wide.prefix = A("10.1.0.0");
	wide.prefixlen = 96 + 16;
	wide.gw_ca = A("10.1.0.1");
	cr_assert_eq(nv_subnet_add(&m, VSID2, &wide, NULL), 0);
	p = mk_port(VSID2, RDID2, "10.1.0.255", "02:00:00:00:00:01");
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0, "a unicast CA that ends in .255");
}

/* xdp-mode none (config flag NO_XDP): no XDP program to decap, so no port may deliver in XDP. */
Test(port, no_xdp_refuses_xdp_delivery, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;
	struct nv_config c;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	cr_assert_eq(nv_config_get(&m, &c), 0);
	c.flags |= NV_CFG_F_NO_XDP;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	before = snap();
	p.deliver = NV_DELIVER_XDP;
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EOPNOTSUPP);
	assert_unchanged(before, "a refused XDP port");
	p.deliver = NV_DELIVER_TC;
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0, "TC delivery is fine");
}

Test(port, del_after_device_gone, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	/* The kernel removes the devmap entry of an unregistered device by itself. */
	cr_assert_eq(system("ip link del v1"), 0);
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(map_count(NV_MAP_PORTS), 0);
	cr_assert_eq(map_count(NV_MAP_TX_PORTS), 0);
}

Test(port, find_by_vsid_and_ca, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID2, RDID2, "10.0.0.1", "02:00:00:00:00:02");
	union nv_addr ca = A("10.0.0.1"), other = A("10.0.0.2");
	struct nv_port out;
	__u32 v1, v2, ifindex;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	cr_assert_eq(nv_port_find(&m, VSID1, &ca, &ifindex, &out), -ENOENT, "no port yet");
	port_add(v1, &p1);
	port_add(v2, &p2);
	/* The same CA in two VSIDs: two ports, each found by its own (vsid, ca). */
	cr_assert_eq(nv_port_find(&m, VSID1, &ca, &ifindex, &out), 0);
	cr_assert_eq(ifindex, v1);
	cr_assert_arr_eq(&out, &p1, sizeof(out));
	cr_assert_eq(nv_port_find(&m, VSID2, &ca, &ifindex, NULL), 0, "entry not wanted");
	cr_assert_eq(ifindex, v2);
	cr_assert_eq(nv_port_find(&m, VSID2, &ca, NULL, &out), 0, "ifindex not wanted");
	cr_assert_arr_eq(&out, &p2, sizeof(out));
	ifindex = 99;
	cr_assert_eq(nv_port_find(&m, VSID1, &other, &ifindex, &out), -ENOENT, "other CA");
	cr_assert_eq(nv_port_find(&m, VSID3, &ca, &ifindex, &out), -ENOENT, "other VSID");
	cr_assert_eq(ifindex, 99, "-ENOENT wrote its output");
	cr_assert_eq(nv_port_find(&m, VSID1, NULL, &ifindex, &out), -EINVAL);
	cr_assert_eq(nv_port_find(NULL, VSID1, &ca, &ifindex, &out), -EINVAL);
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(nv_port_find(&m, VSID1, &ca, &ifindex, &out), -ENOENT, "deleted");
}

/* The underlay carries the wire programs: it is never a port (nvctl checked this by itself). */
Test(port, the_underlay_is_never_a_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;
	struct nv_conflict why;
	struct nv_config c;
	__u32 u1, v1;

	netns();
	u1 = veth("u1");
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	cr_assert_eq(nv_config_get(&m, &c), 0);
	c.underlay_ifindex = u1;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	before = snap();
	cr_assert_eq(nv_port_add(&m, u1, &p, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_PORT_IS_UNDERLAY);
	cr_assert_eq(why.ifindex, u1);
	/* A rule checked before it keeps its errno: no subnet is still -ENOENT. */
	p.vsid = VSID2;
	cr_assert_eq(nv_port_add(&m, u1, &p, &why), -ENOENT);
	cr_assert_eq(why.kind, NV_CONFLICT_VSID_UNKNOWN);
	assert_unchanged(before, "the underlay as a port");
	p.vsid = VSID1;
	port_add(v1, &p);
	/* Another underlay: the device is free to be a port. */
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	c.underlay_ifindex = v1;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	port_add(u1, &p);
}

/* What port add would accept, check accepts, and writes nothing. */
Test(port, check_accepts_what_add_accepts, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.7", "02:00:00:00:00:07");
	struct nv_conflict why;
	struct maps_snapshot *before;
	__u32 v;

	netns();
	v = veth("v7");
	subnet(VSID1, RDID1);
	before = snap();
	memset(&why, 0x5a, sizeof(why));
	cr_assert_eq(nv_port_check(&m, v, &p, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
	assert_unchanged(before, "port check");
	cr_assert_eq(nv_port_add(&m, v, &p, NULL), 0);
	cr_assert_eq(nv_port_check(&m, v, &p, &why), -EEXIST, "now it is a port");
	cr_assert_eq(why.kind, NV_CONFLICT_PORT_EXISTS);
}
