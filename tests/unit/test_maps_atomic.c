/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* All or nothing when a later step fails (writes made to fail with read-only fds). */
#include <errno.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

Test(atomic, local_pa_add_undone, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	union nv_addr pa = A(PA_LOCAL);
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	before = snap();
	bad.fd[NV_MAP_RECORDS] = ro_fd(m.fd[NV_MAP_RECORDS]);
	cr_assert_eq(nv_local_pa_add(&bad, &pa, 1, NULL), -EPERM);
	close(bad.fd[NV_MAP_RECORDS]);
	assert_unchanged(before, "local pa add failing on records");
	cr_assert_not(nv_local_pa_has(&m, &pa));
}

Test(atomic, local_pa_del_undone, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID1, RDID1, "10.0.0.2", "02:00:00:00:00:02");
	union nv_addr pa = A(PA_LOCAL);
	struct maps_snapshot *before;
	struct nv_maps bad = m;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.2", PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	cr_assert_eq(nv_port_add(&m, v1, &p2, NULL), 0);
	before = snap();
	/* Both records are reset first, then deleting the PA fails: both come back. */
	bad.fd[NV_MAP_LOCAL_PAS] = ro_fd(m.fd[NV_MAP_LOCAL_PAS]);
	cr_assert_eq(nv_local_pa_del(&bad, &pa, NULL), -EPERM);
	close(bad.fd[NV_MAP_LOCAL_PAS]);
	assert_unchanged(before, "local pa del failing on local_pas");
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 1);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.2"), v1);
}

Test(atomic, port_add_undone_on_record, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	before = snap();
	/* Port and tx entry written, then the record update fails: both removed. */
	bad.fd[NV_MAP_RECORDS] = ro_fd(m.fd[NV_MAP_RECORDS]);
	cr_assert_eq(nv_port_add(&bad, 1, &p, NULL), -EPERM);
	close(bad.fd[NV_MAP_RECORDS]);
	assert_unchanged(before, "port add failing on records");
}

Test(atomic, port_add_undone_on_tx_ports, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	before = snap();
	bad.fd[NV_MAP_TX_PORTS] = ro_fd(m.fd[NV_MAP_TX_PORTS]);
	cr_assert_eq(nv_port_add(&bad, 1, &p, NULL), -EPERM);
	close(bad.fd[NV_MAP_TX_PORTS]);
	assert_unchanged(before, "port add failing on tx_ports");
}

Test(atomic, port_del_undone, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	before = snap();
	/* Record reset first, then the tx entry cannot go: the record points at the port again. */
	bad.fd[NV_MAP_TX_PORTS] = ro_fd(m.fd[NV_MAP_TX_PORTS]);
	cr_assert_eq(nv_port_del(&bad, 1, NULL), -EPERM);
	close(bad.fd[NV_MAP_TX_PORTS]);
	assert_unchanged(before, "port del failing on tx_ports");
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 1);

	/* Last step (nv_ports) failing: tx entry and record both restored. */
	before = snap();
	bad = m;
	bad.fd[NV_MAP_PORTS] = ro_fd(m.fd[NV_MAP_PORTS]);
	cr_assert_eq(nv_port_del(&bad, 1, NULL), -EPERM);
	close(bad.fd[NV_MAP_PORTS]);
	assert_unchanged(before, "port del failing on ports");
}

Test(atomic, local_pa_add_undone_on_ports, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	union nv_addr pa = A(PA_LOCAL);
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	record(VSID1, "10.0.0.2", PA_LOCAL);
	port_add(1, &p);
	before = snap();
	/* Records bound first, then the port's pa cannot be written: all undone. */
	bad.fd[NV_MAP_PORTS] = ro_fd(m.fd[NV_MAP_PORTS]);
	cr_assert_eq(nv_local_pa_add(&bad, &pa, 1, NULL), -EPERM);
	close(bad.fd[NV_MAP_PORTS]);
	assert_unchanged(before, "local pa add failing on ports");
	cr_assert_not(nv_local_pa_has(&m, &pa));
}

Test(atomic, local_pa_del_undone_on_ports, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	union nv_addr pa = A(PA_LOCAL);
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	port_add(1, &p);
	before = snap();
	bad.fd[NV_MAP_PORTS] = ro_fd(m.fd[NV_MAP_PORTS]);
	cr_assert_eq(nv_local_pa_del(&bad, &pa, NULL), -EPERM);
	close(bad.fd[NV_MAP_PORTS]);
	assert_unchanged(before, "local pa del failing on ports");
	assert_record(VSID1, "10.0.0.1", 1, L_PA, "restored");
	assert_port_pa(1, PA_LOCAL, "restored");
}

Test(atomic, record_add_undone_on_ports, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct nv_record r = mk_record(PA_LOCAL, "02:00:00:00:00:01"), out;
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	port_add(1, &p);
	before = snap();
	/* Record written, then binding the port fails: the record is removed again. */
	bad.fd[NV_MAP_PORTS] = ro_fd(m.fd[NV_MAP_PORTS]);
	cr_assert_eq(nv_record_add(&bad, &k, &r, NULL), -EPERM);
	close(bad.fd[NV_MAP_PORTS]);
	assert_unchanged(before, "record add failing on ports");
	cr_assert_eq(nv_record_get(&m, &k, &out), -ENOENT);
}

Test(atomic, record_del_undone, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	netns();
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	port_add(1, &p);
	before = snap();
	/* Port unbound first, then the record cannot go: the port is bound again. */
	bad.fd[NV_MAP_RECORDS] = ro_fd(m.fd[NV_MAP_RECORDS]);
	cr_assert_eq(nv_record_del(&bad, &k, NULL), -EPERM);
	close(bad.fd[NV_MAP_RECORDS]);
	assert_unchanged(before, "record del failing on records");
	assert_port_pa(1, PA_LOCAL, "restored");
	/* The port's pa cannot be cleared: nothing is deleted. */
	before = snap();
	bad = m;
	bad.fd[NV_MAP_PORTS] = ro_fd(m.fd[NV_MAP_PORTS]);
	cr_assert_eq(nv_record_del(&bad, &k, NULL), -EPERM);
	close(bad.fd[NV_MAP_PORTS]);
	assert_unchanged(before, "record del failing on ports");
}

Test(atomic, subnet_del_undone_on_stats, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before;
	struct nv_maps bad = m;

	subnet(VSID1, RDID1);
	before = snap();
	bad.fd[NV_MAP_STATS] = ro_fd(m.fd[NV_MAP_STATS]);
	cr_assert_eq(nv_subnet_del(&bad, VSID1, NULL), -EPERM);
	close(bad.fd[NV_MAP_STATS]);
	assert_unchanged(before, "subnet del failing on stats");
}
