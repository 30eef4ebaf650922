/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The map set: names, pin path, open (pinned, from fds), count; the config entry. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "nv_pins.h"
#include "nv_addr.h"
#include "unit/maps/maps_test.h"

Test(maps, names_by_id)
{
	static const char *const want[NV_MAP__COUNT] = {
		[NV_MAP_PORTS] = "nv_ports",
		[NV_MAP_RECORDS] = "nv_records",
		[NV_MAP_ROUTES] = "nv_routes",
		[NV_MAP_SUBNETS] = "nv_subnets",
		[NV_MAP_LOCAL_PAS] = "nv_local_pas",
		[NV_MAP_CONFIG] = "nv_config",
		[NV_MAP_TX_PORTS] = "nv_tx_ports",
		[NV_MAP_STATS] = "nv_stats",
		[NV_MAP_DROPS] = "nv_drops",
		[NV_MAP_PORT_STATS] = "nv_port_stats",
		[NV_MAP_EVENTS] = "nv_events",
		[NV_MAP_EVENT_STATE] = "nv_event_state",
		[NV_MAP_PMTU_BUCKETS] = "nv_pmtu_buckets",
		[NV_MAP_ROUTE_TABLE] = "nv_route_table",
		[NV_MAP_RDID_CAS] = "nv_rdid_cas",
		[NV_MAP_ICMP_STATE] = "nv_icmp_state",
		[NV_MAP_GW_LEGS] = "nv_gw_legs",
		[NV_MAP_GW_DEVS] = "nv_gw_devs",
		[NV_MAP_GW_ROUTES] = "nv_gw_routes",
		[NV_MAP_NATS] = "nv_nats",
		[NV_MAP_NAT_ADDRS] = "nv_nat_addrs",
		[NV_MAP_NAT_MAPS] = "nv_nat_maps",
		[NV_MAP_CT] = "nv_ct",
		[NV_MAP_CT_TIMEOUTS] = "nv_ct_timeouts",
	};

	for (int i = 0; i < NV_MAP__COUNT; i++) {
		cr_assert_str_eq(nv_map_name(i), want[i]);
		cr_assert_eq(nv_map_id(want[i]), i);
	}
	cr_assert_null(nv_map_name(NV_MAP__COUNT));
	cr_assert_eq(nv_map_id("nv_nothing"), -1);
}

Test(maps, pin_dir)
{
	char buf[64];

	cr_assert_eq(nv_pin_maps_dir("/sys/fs/bpf/nvgre", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/sys/fs/bpf/nvgre/maps-v9");
	cr_assert_eq(nv_pin_maps_dir("/sys/fs/bpf/nvgre//", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/sys/fs/bpf/nvgre/maps-v9");
	cr_assert_eq(nv_pin_maps_dir("/", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/maps-v9");
	/* Exactly fits (with its NUL), one byte short. */
	cr_assert_eq(nv_pin_maps_dir("/a", buf, sizeof("/a/maps-v9")), 0);
	cr_assert_str_eq(buf, "/a/maps-v9");
	cr_assert_eq(nv_pin_maps_dir("/a", buf, sizeof("/a/maps-v9") - 1), -ENAMETOOLONG);
	cr_assert_eq(nv_pin_maps_dir("/a", buf, 0), -ENAMETOOLONG);
	cr_assert_eq(nv_pin_maps_dir("", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(nv_pin_maps_dir(NULL, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(nv_pin_maps_dir("/a", NULL, 10), -EINVAL);
}

Test(maps, vsid_valid)
{
	cr_assert_not(nv_vsid_valid(0));
	cr_assert_not(nv_vsid_valid(NV_VSID_MIN - 1));
	cr_assert(nv_vsid_valid(NV_VSID_MIN));
	cr_assert(nv_vsid_valid(NV_VSID_MAX));
	cr_assert_not(nv_vsid_valid(NV_VSID_MAX + 1));
	cr_assert_not(nv_vsid_valid(UINT_MAX));
}

static char pin_root[64];

static void pin_setup(void)
{
	maps_setup();
	snprintf(pin_root, sizeof(pin_root), "/sys/fs/bpf/nv-test-maps-%d", getpid());
}

static void pin_teardown(void)
{
	char dir[128], path[192];

	if (nv_pin_maps_dir(pin_root, dir, sizeof(dir)) == 0) {
		for (int i = 0; i < NV_MAP__COUNT; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, nv_map_name(i));
			unlink(path);
		}
		rmdir(dir);
	}
	rmdir(pin_root);
	maps_teardown();
}

static void pin_all(char *dir, size_t len)
{
	char path[192];

	cr_assert_eq(nv_pin_maps_dir(pin_root, dir, len), 0);
	cr_assert_eq(mkdir(pin_root, 0700), 0, "mkdir %s: %s", pin_root, strerror(errno));
	cr_assert_eq(mkdir(dir, 0700), 0);
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, nv_map_name(i));
		cr_assert_eq(bpf_obj_pin(m.fd[i], path), 0, "pin %s", path);
	}
}

Test(maps, open_pinned, .init = pin_setup, .fini = pin_teardown)
{
	struct nv_maps p;
	struct nv_config c;
	char dir[128];

	pin_all(dir, sizeof(dir));
	cr_assert_eq(nv_maps_open_pinned(&p, dir, NV_MAP_GROUPS_ALL), 0);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_geq(p.fd[i], 0);
	/* Same maps: a write through one set is seen through the other. */
	memset(&c, 0, sizeof(c));
	c.underlay_ifindex = 7;
	cr_assert_eq(nv_config_set(&p, &c, NULL), 0);
	memset(&c, 0, sizeof(c));
	cr_assert_eq(nv_config_get(&m, &c), 0);
	cr_assert_eq(c.underlay_ifindex, 7);
	nv_maps_close(&p);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(p.fd[i], -1);
	nv_maps_close(&p); /* twice is harmless */
}

Test(maps, open_pinned_missing_is_all_or_none, .init = pin_setup, .fini = pin_teardown)
{
	struct nv_maps p;
	char dir[128], path[192];

	cr_assert_eq(nv_maps_open_pinned(&p, "/sys/fs/bpf/nv-test-no-such-dir", NV_MAP_GROUPS_ALL),
		     -ENOENT);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(p.fd[i], -1);
	/* The last map missing: the eight opened before are closed again. */
	pin_all(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, nv_map_name(NV_MAP_DROPS));
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(nv_maps_open_pinned(&p, dir, NV_MAP_GROUPS_ALL), -ENOENT);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(p.fd[i], -1);
	cr_assert_eq(nv_maps_open_pinned(&p, NULL, NV_MAP_GROUPS_ALL), -EINVAL);
}

Test(maps, open_pinned_refuses_other_layout, .init = pin_setup, .fini = pin_teardown)
{
	struct nv_maps p;
	char dir[128], path[192];
	int fd;

	pin_all(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, nv_map_name(NV_MAP_RECORDS));
	cr_assert_eq(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "nv_records", sizeof(struct nv_record_key), 32, 16,
			    NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bpf_obj_pin(fd, path), 0);
	close(fd);
	cr_assert_eq(nv_maps_open_pinned(&p, dir, NV_MAP_GROUPS_ALL), -EPROTO);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(p.fd[i], -1);
}

Test(maps, from_fds, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_maps d;
	struct nv_config c;
	int fds[NV_MAP__COUNT];

	memcpy(fds, m.fd, sizeof(fds));
	cr_assert_eq(nv_maps_from_fds(&d, fds, NV_MAP_GROUPS_ALL), 0);
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		cr_assert_geq(d.fd[i], 3);
		cr_assert_neq(d.fd[i], m.fd[i]);
	}
	/* Duplicates: they outlive the originals. */
	nv_maps_close(&m);
	memset(&c, 0, sizeof(c));
	c.ttl = 9;
	cr_assert_eq(nv_config_set(&d, &c, NULL), 0);
	cr_assert_eq(nv_config_get(&d, &c), 0);
	cr_assert_eq(c.ttl, 9);
	m = d;
}

Test(maps, from_fds_all_or_none, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_maps d;
	int fds[NV_MAP__COUNT];

	memcpy(fds, m.fd, sizeof(fds));
	fds[NV_MAP_DROPS] = 999;
	cr_assert_lt(nv_maps_from_fds(&d, fds, NV_MAP_GROUPS_ALL), 0);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(d.fd[i], -1);
	/* Two maps swapped: the layout check catches it. */
	memcpy(fds, m.fd, sizeof(fds));
	fds[NV_MAP_PORTS] = m.fd[NV_MAP_SUBNETS];
	fds[NV_MAP_SUBNETS] = m.fd[NV_MAP_PORTS];
	cr_assert_eq(nv_maps_from_fds(&d, fds, NV_MAP_GROUPS_ALL), -EPROTO);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(d.fd[i], -1);
}

Test(maps, drops_refused_without_all_slots, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_maps d;
	int fds[NV_MAP__COUNT];
	int small = maps_fixture_create_one(NV_MAP_DROPS, NV_DROP__MAX);

	/* nv_drops sized by the reasons of one build, not NV_DROP_SLOTS: another layout. */
	cr_assert_geq(small, 0);
	memcpy(fds, m.fd, sizeof(fds));
	fds[NV_MAP_DROPS] = small;
	cr_assert_eq(nv_maps_from_fds(&d, fds, NV_MAP_GROUPS_ALL), -EPROTO);
	for (int i = 0; i < NV_MAP__COUNT; i++)
		cr_assert_eq(d.fd[i], -1);
	close(small);
	memcpy(fds, m.fd, sizeof(fds));
	cr_assert_eq(nv_maps_from_fds(&d, fds, NV_MAP_GROUPS_ALL), 0,
		     "the fixture's nv_drops has NV_DROP_SLOTS");
	nv_maps_close(&d);
}

Test(maps, count_entries, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 n = 99;

	cr_assert_eq(nv_map_count(&m, NV_MAP_PORTS, &n), 0);
	cr_assert_eq(n, 0);
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	record(VSID1, "10.0.0.2", "192.0.2.1");
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	cr_assert_eq(nv_map_count(&m, NV_MAP_SUBNETS, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(nv_map_count(&m, NV_MAP_RECORDS, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(nv_map_count(&m, NV_MAP_PORTS, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(nv_map_count(&m, NV_MAP_EVENTS, &n), -EINVAL, "a ring has no keys");
	cr_assert_eq(nv_map_count(&m, NV_MAP__COUNT, &n), -EINVAL);
}

/* ---- config ---- */

Test(config, get_set_zeroes_padding, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_config c, raw;
	__u32 key = 0;

	cr_assert_eq(nv_config_get(&m, &c), 0);
	cr_assert_eq(c.underlay_ifindex, 0);
	cr_assert_eq(c.ttl, 0);
	memset(&c, 0xaa, sizeof(c));
	c.underlay_ifindex = 3;
	c.ttl = 32;
	c.flags = 1;
	c.pa = A("192.0.2.1");
	local_pa("192.0.2.1"); /* the config PA is a local PA */
	cr_assert_eq(nv_config_set(&m, &c, NULL), -EINVAL, "events 0xaa is no mode");
	c.events = NV_EVENTS_TRACE;
	c.event_rate = 7;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_CONFIG], &key, &raw), 0);
	cr_assert_eq(raw.underlay_ifindex, 3);
	cr_assert_eq(raw.ttl, 32);
	cr_assert_eq(raw.flags, 1);
	cr_assert_eq(raw.events, NV_EVENTS_TRACE);
	cr_assert_eq(raw.event_rate, 7);
	cr_assert_eq(raw.pad, 0);
	cr_assert_eq(raw.pad2, 0);
	cr_assert(nv_addr_is_ipv4(&raw.pa));
	cr_assert_eq(nv_config_set(&m, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_config_get(&m, NULL), -EINVAL);
}

Test(config, pa_must_be_local, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before;
	struct nv_config c, out;

	memset(&c, 0, sizeof(c));
	c.underlay_ifindex = 3;
	c.pa = A("192.0.2.1");
	before = snap();
	cr_assert_eq(nv_config_set(&m, &c, NULL), -EINVAL, "PA not local");
	assert_unchanged(before, "config set with a PA that is not local");
	local_pa("192.0.2.2");
	cr_assert_eq(nv_config_set(&m, &c, NULL), -EINVAL, "another PA is local");
	local_pa("192.0.2.1");
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	cr_assert_eq(nv_config_get(&m, &out), 0);
	cr_assert_arr_eq(&out.pa, &c.pa, sizeof(c.pa));
	/* Zero: no PA configured, always accepted. */
	memset(&c.pa, 0, sizeof(c.pa));
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
}

Test(config, local_pa_del_busy_with_config_pa, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr pa1 = A("192.0.2.1"), pa2 = A("192.0.2.2");
	struct maps_snapshot *before;
	struct nv_config c;

	local_pa("192.0.2.1");
	local_pa("192.0.2.2");
	memset(&c, 0, sizeof(c));
	c.pa = pa1;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	before = snap();
	cr_assert_eq(nv_local_pa_del(&m, &pa1, NULL), -EBUSY);
	assert_unchanged(before, "local pa del of the config PA");
	cr_assert_eq(nv_local_pa_del(&m, &pa2, NULL), 0, "another PA");
	/* The config moves to another PA (or none): the PA can go. */
	local_pa("192.0.2.2");
	c.pa = pa2;
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	cr_assert_eq(nv_local_pa_del(&m, &pa1, NULL), 0);
	cr_assert_eq(nv_local_pa_del(&m, &pa2, NULL), -EBUSY);
	memset(&c.pa, 0, sizeof(c.pa));
	cr_assert_eq(nv_config_set(&m, &c, NULL), 0);
	cr_assert_eq(nv_local_pa_del(&m, &pa2, NULL), 0);
}
