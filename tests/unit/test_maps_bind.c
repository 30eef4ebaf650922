/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bindings: a record's ifindex and local and a port's pa kept right in every order of calls, and
 * the calls that would bind a port and a record of different MACs.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

Test(ifindex, port_then_record, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), v1);
	/* A remote record, a record of another CA: no port. */
	record(VSID1, "10.0.0.2", PA_LOCAL);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), 0);
	subnet(VSID2, RDID2);
	record(VSID2, "10.0.0.1", PA_REMOTE);
	cr_assert_eq(record_ifindex(VSID2, "10.0.0.1"), 0);
	/* Port removed: the record no longer points at it. */
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
}

Test(ifindex, record_then_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID2, RDID2, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID2, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
	cr_assert_eq(nv_port_add(&m, v1, &p1, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), v1);
	cr_assert_eq(record_ifindex(VSID2, "10.0.0.1"), 0, "same CA, other VSID: untouched");
	cr_assert_eq(nv_port_add(&m, v2, &p2, NULL), 0);
	cr_assert_eq(record_ifindex(VSID2, "10.0.0.1"), v2);
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
	cr_assert_eq(record_ifindex(VSID2, "10.0.0.1"), v2);
}

Test(ifindex, remote_pa_never_gets_a_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_REMOTE);
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
}

Test(ifindex, pa_added_last_and_removed, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	union nv_addr pa = A(PA_LOCAL);
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, v1, &p1, NULL), 0);
	cr_assert_eq(nv_port_add(&m, v2, &p2, NULL), 0);
	record(VSID1, "10.0.0.2", PA_LOCAL);
	record(VSID1, "10.0.0.3", PA_LOCAL); /* no port */
	record(VSID1, "10.0.0.4", PA_REMOTE);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0, "PA not local yet");
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), 0, "PA not local yet");

	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), v1);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), v2);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.3"), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.4"), 0);

	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), 0);

	/* Back again, then a record deleted and re-added is computed afresh. */
	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), 0);
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), v1);
}

/* ---- bindings: port.pa, record.local and record.ifindex kept right in every order ---- */

Test(bind, port_then_record, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	port_add(v1, &p);
	assert_port_pa(v1, NULL, "no record yet");
	record(VSID1, "10.0.0.1", PA_LOCAL);
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "bound by record add");
	assert_port_pa(v1, PA_LOCAL, "bound by record add");
	/* A record at a local PA without a port, a remote record. */
	record(VSID1, "10.0.0.2", PA_LOCAL);
	assert_record(VSID1, "10.0.0.2", 0, L_PA, "local PA, no port");
	record(VSID1, "10.0.0.3", PA_REMOTE);
	assert_record(VSID1, "10.0.0.3", 0, 0, "remote");
	assert_port_pa(v1, PA_LOCAL, "other records leave the port alone");
}

Test(bind, record_then_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.2", PA_REMOTE);
	assert_record(VSID1, "10.0.0.1", 0, L_PA, "no port yet");
	p1.deliver = NV_DELIVER_XDP;
	p1.flags = NV_PORT_F_PEER;
	port_add(v1, &p1);
	assert_record(VSID1, "10.0.0.1", v1, L_PA | L_XDP | L_PEER, "bound by port add");
	assert_port_pa(v1, PA_LOCAL, "bound by port add");
	/* Record at a remote PA: the port stays unbound, the record untouched. */
	port_add(v2, &p2);
	assert_port_pa(v2, NULL, "remote record");
	assert_record(VSID1, "10.0.0.2", 0, 0, "remote record");
}

Test(bind, caller_values_ignored, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct nv_record r = mk_record(PA_LOCAL, "02:00:00:00:00:01");
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	r.local = NV_LOCAL_XDP | NV_LOCAL_PEER | 0x80;
	r.ifindex = 77;
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0);
	assert_record(VSID1, "10.0.0.1", 0, L_PA, "record add computes local and ifindex");
	p1.pa = A("198.51.100.1");
	port_add(v1, &p1);
	assert_port_pa(v1, PA_LOCAL, "port add computes pa (bound)");
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "bound");
	p2.pa = A("198.51.100.1");
	port_add(v2, &p2);
	assert_port_pa(v2, NULL, "port add computes pa (unbound)");
}

/* The port sends from its own record's PA, whichever local PA that is, not the config PA. */
Test(bind, port_pa_is_its_records_pa, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID2, RDID2, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_config c;
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	local_pa(PA_LOCAL);
	local_pa(PA_LOCAL2);
	memset(&c, 0, sizeof(c));
	c.pa = A(PA_LOCAL);
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID2, "10.0.0.1", PA_LOCAL2);
	port_add(v1, &p1);
	port_add(v2, &p2);
	assert_port_pa(v1, PA_LOCAL, "tenant 1");
	assert_port_pa(v2, PA_LOCAL2, "tenant 2");
	/* Removing the other PA leaves a port alone. */
	union nv_addr pa2 = A(PA_LOCAL2);
	cr_assert_eq(nv_local_pa_del(&m, &pa2, NULL), 0);
	assert_port_pa(v1, PA_LOCAL, "other PA removed");
	assert_port_pa(v2, NULL, "own PA removed");
	assert_record(VSID2, "10.0.0.1", 0, 0, "own PA removed");
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "other PA removed");
}

Test(bind, pa_added_last_and_removed, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	struct nv_port p3 = mk_port(VSID1, RDID1, "10.0.0.4", "02:00:00:00:00:04");
	union nv_addr pa = A(PA_LOCAL);
	__u32 v1, v2, v3;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	v3 = veth("v3");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL2);
	p1.deliver = NV_DELIVER_XDP;
	p2.flags = NV_PORT_F_PEER;
	port_add(v1, &p1);
	port_add(v2, &p2);
	port_add(v3, &p3);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.2", PA_LOCAL);
	record(VSID1, "10.0.0.3", PA_LOCAL);  /* no port */
	record(VSID1, "10.0.0.4", PA_LOCAL2); /* bound at the other local PA */
	assert_record(VSID1, "10.0.0.1", 0, 0, "PA not local yet");
	assert_record(VSID1, "10.0.0.2", 0, 0, "PA not local yet");
	assert_port_pa(v1, NULL, "PA not local yet");
	assert_port_pa(v2, NULL, "PA not local yet");
	assert_record(VSID1, "10.0.0.4", v3, L_PA, "other PA");

	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), 0);
	assert_record(VSID1, "10.0.0.1", v1, L_PA | L_XDP, "PA added");
	assert_record(VSID1, "10.0.0.2", v2, L_PA | L_PEER, "PA added");
	assert_record(VSID1, "10.0.0.3", 0, L_PA, "PA added, no port");
	assert_port_pa(v1, PA_LOCAL, "PA added");
	assert_port_pa(v2, PA_LOCAL, "PA added");
	assert_record(VSID1, "10.0.0.4", v3, L_PA, "other PA untouched");
	assert_port_pa(v3, PA_LOCAL2, "other PA untouched");

	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), 0);
	assert_record(VSID1, "10.0.0.1", 0, 0, "PA removed");
	assert_record(VSID1, "10.0.0.2", 0, 0, "PA removed");
	assert_record(VSID1, "10.0.0.3", 0, 0, "PA removed");
	assert_port_pa(v1, NULL, "PA removed");
	assert_port_pa(v2, NULL, "PA removed");
	assert_record(VSID1, "10.0.0.4", v3, L_PA, "other PA untouched");
	assert_port_pa(v3, PA_LOCAL2, "other PA untouched");
}

Test(bind, port_readded_with_other_deliver_and_flags, .init = maps_setup, .fini = maps_teardown)
{
	static const struct {
		__u8 deliver, flags, local;
	} modes[] = {
		{ NV_DELIVER_TC, 0, L_PA },
		{ NV_DELIVER_XDP, 0, L_PA | L_XDP },
		{ NV_DELIVER_TC, NV_PORT_F_PEER, L_PA | L_PEER },
		{ NV_DELIVER_XDP, NV_PORT_F_PEER, L_PA | L_XDP | L_PEER },
		{ NV_DELIVER_XDP, NV_PORT_F_OWN_CLSACT, L_PA | L_XDP }, /* not a delivery flag */
		{ NV_DELIVER_TC, 0, L_PA },
	};
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		p.deliver = modes[i].deliver;
		p.flags = modes[i].flags;
		port_add(v1, &p);
		assert_record(VSID1, "10.0.0.1", v1, modes[i].local, "re-added");
		assert_port_pa(v1, PA_LOCAL, "re-added");
		cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
		assert_record(VSID1, "10.0.0.1", 0, L_PA, "port deleted");
	}
	/* Another device takes the CA over: the record follows it. */
	port_add(1, &p);
	assert_record(VSID1, "10.0.0.1", 1, L_PA, "other device");
}

Test(bind, record_del_unbinds_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	local_pa(PA_LOCAL2);
	p.deliver = NV_DELIVER_XDP;
	port_add(v1, &p);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	assert_port_pa(v1, PA_LOCAL, "bound");
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	assert_port_pa(v1, NULL, "record deleted");
	/* Moved to a remote PA: stays unbound. */
	record(VSID1, "10.0.0.1", PA_REMOTE);
	assert_port_pa(v1, NULL, "record at a remote PA");
	assert_record(VSID1, "10.0.0.1", 0, 0, "record at a remote PA");
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	/* Moved to another local PA: bound there. */
	record(VSID1, "10.0.0.1", PA_LOCAL2);
	assert_port_pa(v1, PA_LOCAL2, "record at another local PA");
	assert_record(VSID1, "10.0.0.1", v1, L_PA | L_XDP, "record at another local PA");
	/* A record deleted while unbound leaves the port as it is. */
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	cr_assert_eq(map_count(NV_MAP_RECORDS), 0);
}

Test(bind, ipv6_pa, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "fd00::1", "02:00:00:00:00:01");
	union nv_addr pa = A("2001:db8::1");
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet6(VSID1, RDID1);
	port_add(v1, &p);
	record(VSID1, "fd00::1", "2001:db8::1");
	assert_port_pa(v1, NULL, "not local yet");
	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), 0);
	assert_port_pa(v1, "2001:db8::1", "local");
	assert_record(VSID1, "fd00::1", v1, L_PA, "local");
}

/* ---- MAC conflicts: the call that would bind a port and a record of different MACs fails ---- */

Test(mac_conflict, port_add, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:99");
	struct nv_port q = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:99");
	struct maps_snapshot *before;
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);  /* MAC ...:01 */
	record(VSID1, "10.0.0.2", PA_REMOTE); /* MAC ...:02 */
	before = snap();
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), -EINVAL,
		     "record at a local PA with another MAC");
	p.deliver = NV_DELIVER_XDP;
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EINVAL, "any device, any mode");
	assert_unchanged(before, "port add with a MAC conflict");
	/* The record is remote: not bound, so no conflict. */
	port_add(v2, &q);
	assert_port_pa(v2, NULL, "remote record");
	assert_record(VSID1, "10.0.0.2", 0, 0, "remote record");
}

Test(mac_conflict, record_add, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:99");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct nv_record r = mk_record(PA_LOCAL, "02:00:00:00:00:01");
	struct maps_snapshot *before;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	port_add(v1, &p);
	before = snap();
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "local PA, port with another MAC");
	assert_unchanged(before, "record add with a MAC conflict");
	/* At a remote PA the record binds nothing: accepted. */
	r = mk_record(PA_REMOTE, "02:00:00:00:00:01");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0);
	assert_port_pa(v1, NULL, "remote record");
	/* An existing record is -EEXIST, whatever its MAC. */
	r = mk_record(PA_LOCAL, "02:00:00:00:00:01");
	before = snap();
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EEXIST);
	assert_unchanged(before, "record add -EEXIST");
	/* The port's own MAC: bound. */
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	r = mk_record(PA_LOCAL, "02:00:00:00:00:99");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0);
	assert_port_pa(v1, PA_LOCAL, "same MAC");
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "same MAC");
}

Test(mac_conflict, local_pa_add, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:99");
	union nv_addr pa = A(PA_LOCAL);
	struct maps_snapshot *before;
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	/* PA not local yet: the conflicting pair is not bound, so both are accepted. */
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.2", PA_LOCAL); /* MAC ...:02, port ...:99 */
	record(VSID1, "10.0.0.3", PA_LOCAL);
	port_add(v1, &p1);
	port_add(v2, &p2);
	before = snap();
	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), -EINVAL,
		     "one record would bind another MAC");
	assert_unchanged(before, "local pa add with a MAC conflict");
	cr_assert_not(nv_local_pa_has(&m, &pa));
	/* The conflicting port gone: accepted, and the others are bound. */
	cr_assert_eq(nv_port_del(&m, v2, NULL), 0);
	cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), 0);
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "bound");
	assert_record(VSID1, "10.0.0.2", 0, L_PA, "no port");
	assert_port_pa(v1, PA_LOCAL, "bound");
}
