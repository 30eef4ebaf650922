/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps library against real kernel maps (created unpinned by the fixture; each Criterion test
 * is its own process, so they die with it). Tests that need devices unshare a network namespace
 * first and create veths there. Needs root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "nv_pins.h"
#include "nv_addr.h"
#include "nv_maps.h"
#include "lib/maps_fixture.h"

#define VSID1 5001u
#define VSID2 5002u
#define VSID3 5003u
#define RDID1 1u
#define RDID2 2u

static struct nv_maps m;

static void maps_setup(void)
{
	cr_assert_eq(maps_fixture_create(&m, 0), 0, "maps_fixture_create (root?)");
}

static void maps_teardown(void)
{
	nv_maps_close(&m);
}

/* ---- helpers ---- */

static union nv_addr A(const char *s) {
	union nv_addr a;

	cr_assert_eq(nv_addr_parse(s, &a), 0, "parse %s", s);
	return a;
}

static void
mac_set(__u8 mac[NV_ETH_ALEN], const char *s)
{
	cr_assert_eq(nv_mac_parse(s, mac), 0, "parse %s", s);
}

static struct nv_subnet mk_subnet(__u32 rdid)
{
	struct nv_subnet s;

	memset(&s, 0, sizeof(s));
	s.rdid = rdid;
	mac_set(s.gw_mac, "02:00:00:00:00:fe");
	s.gw_ca = A("10.0.0.254");
	return s;
}

static void subnet(__u32 vsid, __u32 rdid)
{
	struct nv_subnet s = mk_subnet(rdid);

	cr_assert_eq(nv_subnet_add(&m, vsid, &s, NULL), 0, "subnet add %u", vsid);
}

static struct nv_port mk_port(__u32 vsid, __u32 rdid, const char *ca, const char *mac)
{
	struct nv_port p;

	memset(&p, 0, sizeof(p));
	p.vsid = vsid;
	p.rdid = rdid;
	p.ca = A(ca);
	mac_set(p.mac, mac);
	p.deliver = NV_DELIVER_TC;
	return p;
}

static struct nv_record_key mk_rkey(__u32 vsid, const char *ca)
{
	struct nv_record_key k;

	memset(&k, 0, sizeof(k));
	k.vsid = vsid;
	k.ca = A(ca);
	return k;
}

static struct nv_record mk_record(const char *pa, const char *mac)
{
	struct nv_record r;

	memset(&r, 0, sizeof(r));
	r.pa = A(pa);
	mac_set(r.mac, mac);
	r.rule = NV_RULE_ENCAP;
	return r;
}

/*
 * The MAC the tests give a CA, in its ports and records alike: 02:00:00:00:00:<last byte of the
 * CA> (a port binds only to a record with its own MAC).
 */
static void ca_mac(__u8 mac[NV_ETH_ALEN], const char *ca)
{
	union nv_addr a = A(ca);
	char s[NV_MAC_STRLEN];

	snprintf(s, sizeof(s), "02:00:00:00:00:%02x", a.b[15]);
	mac_set(mac, s);
}

static void record(__u32 vsid, const char *ca, const char *pa)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r = mk_record(pa, "02:00:00:00:00:01");

	ca_mac(r.mac, ca);
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0, "record add %u %s", vsid, ca);
}

static __u32 record_ifindex(__u32 vsid, const char *ca)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r;

	cr_assert_eq(nv_record_get(&m, &k, &r), 0, "record get %u %s", vsid, ca);
	return r.ifindex;
}

static void local_pa(const char *pa)
{
	union nv_addr a = A(pa);

	cr_assert_eq(nv_local_pa_add(&m, &a, 1, NULL), 0, "local pa add %s", pa);
}

static struct nv_route_key mk_rtkey(__u32 rdid, const char *addr, __u32 prefixlen)
{
	struct nv_route_key k;

	memset(&k, 0, sizeof(k));
	k.rdid = rdid;
	k.addr = A(addr);
	k.prefixlen = prefixlen;
	return k;
}

static struct nv_route mk_route(__u32 vsid)
{
	struct nv_route r;

	memset(&r, 0, sizeof(r));
	r.vsid = vsid;
	r.metric = 10;
	return r;
}

/* A private network namespace: devices made here vanish with the test process. */
static void netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
}

static __u32 veth(const char *name)
{
	char cmd[128];
	__u32 ifindex;

	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s-p", name, name);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	ifindex = if_nametoindex(name);
	cr_assert_neq(ifindex, 0);
	return ifindex;
}

static int map_count(enum nv_map_id id)
{
	struct maps_snapshot *s = maps_snapshot_take(&m);
	int n;

	cr_assert_not_null(s);
	n = (int)maps_snapshot_count(s, id);
	maps_snapshot_free(s);
	return n;
}

static struct maps_snapshot *snap(void)
{
	struct maps_snapshot *s = maps_snapshot_take(&m);

	cr_assert_not_null(s, "snapshot");
	return s;
}

/* The maps are exactly as in before (which is freed). */
static void assert_unchanged(struct maps_snapshot *before, const char *what)
{
	struct maps_snapshot *after = snap();
	bool eq = maps_snapshot_equal(before, after);

	maps_snapshot_free(before);
	maps_snapshot_free(after);
	cr_assert(eq, "%s changed the maps", what);
}

/* A read-only fd on the same map: every write through it fails with EPERM (fault injection). */
static int ro_fd(int fd)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = BPF_F_RDONLY);
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int ro;

	memset(&info, 0, sizeof(info));
	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	ro = bpf_map_get_fd_by_id_opts(info.id, &opts);
	cr_assert_geq(ro, 0, "read-only fd: %d", ro);
	return ro;
}

/* Not a unicast address (nv_addr_unicast): what no CA or PA may be, as the CLI parses them. */
static const char *const not_unicast[] = {
	"0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::5",
};

/* ---- map set: names, pin path, open, close ---- */

Test(maps, names_by_id)
{
	static const char *const want[NV_MAP__COUNT] = {
		[NV_MAP_PORTS] = "nv_ports",	     [NV_MAP_RECORDS] = "nv_records",
		[NV_MAP_ROUTES] = "nv_routes",	     [NV_MAP_SUBNETS] = "nv_subnets",
		[NV_MAP_LOCAL_PAS] = "nv_local_pas", [NV_MAP_CONFIG] = "nv_config",
		[NV_MAP_TX_PORTS] = "nv_tx_ports",   [NV_MAP_STATS] = "nv_stats",
		[NV_MAP_DROPS] = "nv_drops",	     [NV_MAP_PORT_STATS] = "nv_port_stats",
		[NV_MAP_EVENTS] = "nv_events",	     [NV_MAP_EVENT_STATE] = "nv_event_state",
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
	cr_assert_str_eq(buf, "/sys/fs/bpf/nvgre/maps-v3");
	cr_assert_eq(nv_pin_maps_dir("/sys/fs/bpf/nvgre//", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/sys/fs/bpf/nvgre/maps-v3");
	cr_assert_eq(nv_pin_maps_dir("/", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/maps-v3");
	/* Exactly fits (with its NUL), one byte short. */
	cr_assert_eq(nv_pin_maps_dir("/a", buf, sizeof("/a/maps-v3")), 0);
	cr_assert_str_eq(buf, "/a/maps-v3");
	cr_assert_eq(nv_pin_maps_dir("/a", buf, sizeof("/a/maps-v3") - 1), -ENAMETOOLONG);
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

/* ---- subnets ---- */

static int count_subnets_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	(void)s;
	(void)vsid;
	(*(int *)arg)++;
	return 0;
}

Test(subnet, add_get_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_subnet s = mk_subnet(RDID1), out, raw;
	struct nv_vsid_stats st;
	int n = 0;

	memset(s.pad, 0xaa, sizeof(s.pad));
	cr_assert_eq(nv_subnet_add(&m, VSID1, &s, NULL), 0);
	subnet(VSID2, RDID2);
	cr_assert_eq(nv_subnet_get(&m, VSID1, &out), 0);
	cr_assert_eq(out.rdid, RDID1);
	cr_assert_arr_eq(out.gw_mac, s.gw_mac, NV_ETH_ALEN);
	cr_assert_arr_eq(&out.gw_ca, &s.gw_ca, sizeof(out.gw_ca));
	__u32 vsid = VSID1;
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_SUBNETS], &vsid, &raw), 0);
	cr_assert_eq(raw.pad[0] | raw.pad[1], 0, "padding stored as zero");
	/* A zeroed stats entry comes with the subnet. */
	cr_assert_eq(nv_stats_get(&m, VSID1, &st), 0);
	cr_assert_eq(st.tx_packets + st.tx_bytes + st.rx_packets + st.rx_bytes, 0);
	cr_assert_eq(map_count(NV_MAP_STATS), 2);
	cr_assert_eq(nv_subnet_iter(&m, count_subnets_cb, &n), 0);
	cr_assert_eq(n, 2);

	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), 0);
	cr_assert_eq(nv_subnet_get(&m, VSID1, &out), -ENOENT);
	cr_assert_eq(nv_stats_get(&m, VSID1, &st), -ENOENT);
	cr_assert_eq(map_count(NV_MAP_STATS), 1);
	cr_assert_eq(map_count(NV_MAP_SUBNETS), 1);
}

Test(subnet, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_subnet s = mk_subnet(RDID1), out;
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	before = snap();
	cr_assert_eq(nv_subnet_add(&m, NV_VSID_MIN - 1, &s, NULL), -EINVAL);
	cr_assert_eq(nv_subnet_add(&m, NV_VSID_MAX + 1, &s, NULL), -EINVAL);
	cr_assert_eq(nv_subnet_add(&m, 0, &s, NULL), -EINVAL);
	cr_assert_eq(nv_subnet_add(&m, VSID2, NULL, NULL), -EINVAL);
	s.rdid = RDID2;
	cr_assert_eq(nv_subnet_add(&m, VSID1, &s, NULL), -EEXIST);
	cr_assert_eq(nv_subnet_del(&m, VSID2, NULL), -ENOENT);
	cr_assert_eq(nv_subnet_del(&m, NV_VSID_MAX + 1, NULL), -EINVAL);
	cr_assert_eq(nv_subnet_get(&m, VSID2, &out), -ENOENT);
	cr_assert_eq(nv_subnet_get(&m, 1, &out), -EINVAL);
	assert_unchanged(before, "failed subnet calls");
	cr_assert_eq(nv_subnet_get(&m, VSID1, &out), 0);
	cr_assert_eq(out.rdid, RDID1, "-EEXIST did not overwrite");
}

Test(subnet, boundary_vsids, .init = maps_setup, .fini = maps_teardown)
{
	subnet(NV_VSID_MIN, RDID1);
	subnet(NV_VSID_MAX, RDID1);
	cr_assert_eq(nv_subnet_del(&m, NV_VSID_MIN, NULL), 0);
	cr_assert_eq(nv_subnet_del(&m, NV_VSID_MAX, NULL), 0);
}

Test(subnet, del_busy_with_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct maps_snapshot *before;

	netns();
	subnet(VSID1, RDID1);
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), 0);
	before = snap();
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), -EBUSY);
	assert_unchanged(before, "subnet del -EBUSY");
	cr_assert_eq(nv_port_del(&m, 1, NULL), 0);
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), 0);
}

Test(subnet, del_busy_with_record, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.9");
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	subnet(VSID2, RDID1);
	record(VSID2, "10.0.0.8", "192.0.2.2"); /* another VSID does not hold VSID1 */
	record(VSID1, "10.0.0.9", "192.0.2.2");
	before = snap();
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), -EBUSY);
	assert_unchanged(before, "subnet del -EBUSY");
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), 0);
}

Test(subnet, del_busy_with_route, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.2.0.0", 96 + 16);
	struct nv_route r = mk_route(VSID1);
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	before = snap();
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), -EBUSY);
	assert_unchanged(before, "subnet del -EBUSY");
	cr_assert_eq(nv_route_del(&m, &k, NULL), 0);
	cr_assert_eq(nv_subnet_del(&m, VSID1, NULL), 0);
}

Test(subnet, add_resets_leftover_stats, .init = maps_setup, .fini = maps_teardown)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_vsid_stats v[ncpus], st;
	__u32 vsid = VSID1;

	memset(v, 0x11, sizeof(v));
	cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_STATS], &vsid, v, BPF_ANY), 0);
	subnet(VSID1, RDID1);
	cr_assert_eq(nv_stats_get(&m, VSID1, &st), 0);
	cr_assert_eq(st.tx_packets + st.tx_bytes + st.rx_packets + st.rx_bytes, 0);
}

Test(subnet, add_rolls_back_when_stats_full, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_subnet s = mk_subnet(RDID1), out;
	struct maps_snapshot *before;
	int full = maps_fixture_create_one(NV_MAP_STATS, 1);

	cr_assert_geq(full, 0);
	close(m.fd[NV_MAP_STATS]);
	m.fd[NV_MAP_STATS] = full;
	subnet(VSID1, RDID1);
	before = snap();
	cr_assert_eq(nv_subnet_add(&m, VSID2, &s, NULL), -E2BIG);
	assert_unchanged(before, "subnet add with stats full");
	cr_assert_eq(nv_subnet_get(&m, VSID2, &out), -ENOENT);
}

/* ---- local PAs ---- */

static int count_pa_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	(void)pa;
	cr_assert_eq(v->ifindex, 4);
	(*(int *)arg)++;
	return 0;
}

Test(local_pa, add_has_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	union nv_addr pa = A("192.0.2.1"), pa6 = A("2001:db8::1"), other = A("192.0.2.2");
	union nv_addr zero;
	struct maps_snapshot *before;
	int n = 0;

	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(nv_local_pa_add(&m, &pa, 4, NULL), 0);
	cr_assert_eq(nv_local_pa_add(&m, &pa6, 4, NULL), 0);
	cr_assert(nv_local_pa_has(&m, &pa));
	cr_assert(nv_local_pa_has(&m, &pa6));
	cr_assert_not(nv_local_pa_has(&m, &other));
	cr_assert_eq(nv_local_pa_iter(&m, count_pa_cb, &n), 0);
	cr_assert_eq(n, 2);

	before = snap();
	cr_assert_eq(nv_local_pa_add(&m, &pa, 5, NULL), -EEXIST);
	cr_assert_eq(nv_local_pa_add(&m, &zero, 5, NULL), -EINVAL);
	zero = A("0.0.0.0"); /* stored ::ffff:0.0.0.0: zero all the same */
	cr_assert_eq(nv_local_pa_add(&m, &zero, 5, NULL), -EINVAL, "0.0.0.0");
	cr_assert_eq(nv_local_pa_add(&m, NULL, 5, NULL), -EINVAL);
	cr_assert_eq(nv_local_pa_del(&m, &other, NULL), -ENOENT);
	assert_unchanged(before, "failed local pa calls");

	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), 0);
	cr_assert_not(nv_local_pa_has(&m, &pa));
	cr_assert_eq(nv_local_pa_del(&m, &pa, NULL), -ENOENT);
}

Test(local_pa, refuses_broadcast_and_multicast, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before = snap();
	union nv_addr pa;

	for (size_t i = 0; i < sizeof(not_unicast) / sizeof(not_unicast[0]); i++) {
		pa = A(not_unicast[i]);
		cr_assert_eq(nv_local_pa_add(&m, &pa, 1, NULL), -EINVAL, "pa %s", not_unicast[i]);
	}
	assert_unchanged(before, "local PAs that are not unicast");
}

/* ---- ports ---- */

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
	struct nv_port p;
	struct maps_snapshot *before;

	netns();
	subnet(VSID1, RDID1);
	before = snap();
	for (size_t i = 0; i < sizeof(not_unicast) / sizeof(not_unicast[0]); i++) {
		p = mk_port(VSID1, RDID1, not_unicast[i], "02:00:00:00:00:01");
		cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EINVAL, "ca %s", not_unicast[i]);
	}
	p = mk_port(VSID1, RDID1, "10.0.0.1", "ff:ff:ff:ff:ff:ff");
	cr_assert_eq(nv_port_add(&m, 1, &p, NULL), -EINVAL, "broadcast mac");
	assert_unchanged(before, "ports with a CA or MAC that is not unicast");
	p = mk_port(VSID1, RDID1, "10.255.255.255", "02:00:00:00:00:01");
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

/* ---- records ---- */

static int count_records_cb(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	(void)k;
	(void)r;
	(*(int *)arg)++;
	return 0;
}

Test(record, add_get_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1"), k6 = mk_rkey(VSID1, "fd00::1");
	struct nv_record r = mk_record("192.0.2.2", "02:00:00:00:00:01"), out;
	int n = 0;

	subnet(VSID1, RDID1);
	r.ifindex = 77; /* ignored: computed */
	r.local = 0xaa;
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0);
	cr_assert_eq(nv_record_add(&m, &k6, &r, NULL), 0);
	cr_assert_eq(nv_record_get(&m, &k, &out), 0);
	cr_assert_arr_eq(&out.pa, &r.pa, sizeof(r.pa));
	cr_assert_arr_eq(out.mac, r.mac, NV_ETH_ALEN);
	cr_assert_eq(out.rule, NV_RULE_ENCAP);
	cr_assert_eq(out.local, 0, "remote PA: not local");
	cr_assert_eq(out.ifindex, 0);
	cr_assert_eq(nv_record_iter(&m, count_records_cb, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(nv_record_del(&m, &k, NULL), 0);
	cr_assert_eq(nv_record_get(&m, &k, &out), -ENOENT);
	cr_assert_eq(nv_record_del(&m, &k, NULL), -ENOENT);
}

Test(record, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct nv_record r = mk_record("192.0.2.2", "02:00:00:00:00:01"), bad, out;
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0);
	before = snap();
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EEXIST);
	k = mk_rkey(VSID2, "10.0.0.1");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -ENOENT, "no subnet");
	k = mk_rkey(NV_VSID_MAX + 1, "10.0.0.1");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "vsid out of range");
	cr_assert_eq(nv_record_del(&m, &k, NULL), -EINVAL);
	cr_assert_eq(nv_record_get(&m, &k, &out), -EINVAL);
	k = mk_rkey(VSID1, "10.0.0.2");
	bad = r;
	bad.rule = 0;
	cr_assert_eq(nv_record_add(&m, &k, &bad, NULL), -EINVAL, "rule");
	bad = mk_record("0.0.0.0", "02:00:00:00:00:01");
	memset(&bad.pa, 0, sizeof(bad.pa));
	cr_assert_eq(nv_record_add(&m, &k, &bad, NULL), -EINVAL, "zero pa");
	bad = mk_record("0.0.0.0", "02:00:00:00:00:01");
	cr_assert_eq(nv_record_add(&m, &k, &bad, NULL), -EINVAL, "pa 0.0.0.0");
	bad = mk_record("192.0.2.2", "01:00:5e:00:00:01");
	cr_assert_eq(nv_record_add(&m, &k, &bad, NULL), -EINVAL, "multicast mac");
	k = mk_rkey(VSID1, "::");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "zero ca");
	k = mk_rkey(VSID1, "0.0.0.0");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "ca 0.0.0.0");
	cr_assert_eq(nv_record_add(&m, &k, NULL, NULL), -EINVAL);
	k = mk_rkey(VSID1, "10.0.0.2");
	cr_assert_eq(nv_record_del(&m, &k, NULL), -ENOENT);
	assert_unchanged(before, "failed record calls");
}

Test(record, refuses_broadcast_and_multicast, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k;
	struct nv_record r;
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	before = snap();
	for (size_t i = 0; i < sizeof(not_unicast) / sizeof(not_unicast[0]); i++) {
		k = mk_rkey(VSID1, not_unicast[i]);
		r = mk_record("192.0.2.2", "02:00:00:00:00:01");
		cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "ca %s", not_unicast[i]);
		cr_assert_eq(nv_record_add_many(&m, &k, &r, 1, NULL, NULL), -EINVAL, "many: ca %s",
			     not_unicast[i]);
		k = mk_rkey(VSID1, "10.0.0.1");
		r = mk_record(not_unicast[i], "02:00:00:00:00:01");
		cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "pa %s", not_unicast[i]);
		cr_assert_eq(nv_record_add_many(&m, &k, &r, 1, NULL, NULL), -EINVAL, "many: pa %s",
			     not_unicast[i]);
	}
	r = mk_record("192.0.2.2", "ff:ff:ff:ff:ff:ff");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "broadcast mac");
	assert_unchanged(before, "records with a CA, PA or MAC that is not unicast");
}

Test(record, full_map_changes_nothing)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.3");
	struct nv_record r = mk_record("192.0.2.2", "02:00:00:00:00:01");
	struct maps_snapshot *before;

	cr_assert_eq(maps_fixture_create(&m, 2), 0);
	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.1", "192.0.2.2");
	record(VSID1, "10.0.0.2", "192.0.2.2");
	before = snap();
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -E2BIG);
	assert_unchanged(before, "record add into a full map");
	nv_maps_close(&m);
}

/* ---- many records in one call ---- */

Test(record, add_many_as_one_by_one, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01"), pout;
	struct nv_record_key k[4] = { mk_rkey(VSID1, "10.0.0.2"), mk_rkey(VSID1, "10.0.0.1"),
				      mk_rkey(VSID2, "10.0.0.1"), mk_rkey(VSID1, "10.0.0.3") };
	struct nv_record r[4] = { mk_record("192.0.2.2", "02:00:00:00:00:02"),
				  mk_record("192.0.2.1", "02:00:00:00:00:01"),
				  mk_record("192.0.2.2", "02:00:00:00:00:01"),
				  mk_record("192.0.2.3", "02:00:00:00:00:03") },
			 out;
	size_t failed = 99;
	int n = 0;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID2);
	local_pa("192.0.2.1");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	r[0].ifindex = 77; /* ignored: computed */
	r[0].local = 0xaa;
	cr_assert_eq(nv_record_add_many(&m, k, r, 4, &failed, NULL), 0);
	cr_assert_eq(nv_record_iter(&m, count_records_cb, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(nv_record_get(&m, &k[0], &out), 0);
	cr_assert_arr_eq(&out.pa, &r[0].pa, sizeof(out.pa));
	cr_assert_arr_eq(out.mac, r[0].mac, NV_ETH_ALEN);
	cr_assert_eq(out.local, 0);
	cr_assert_eq(out.ifindex, 0);
	/* The record at the local PA bound the port, as nv_record_add does. */
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), v1);
	cr_assert_eq(nv_record_get(&m, &k[1], &out), 0);
	cr_assert_eq(out.local, NV_LOCAL_PA);
	cr_assert_eq(nv_port_get(&m, v1, &pout), 0);
	cr_assert_arr_eq(&pout.pa, &r[1].pa, sizeof(pout.pa));
	cr_assert_eq(nv_record_add_many(&m, k, r, 0, &failed, NULL), 0, "nothing to add");
	/* Deleting the bound record unbinds the port (found through the record's ifindex). */
	cr_assert_eq(nv_record_del(&m, &k[1], NULL), 0);
	cr_assert_eq(nv_port_get(&m, v1, &pout), 0);
	cr_assert_eq(memcmp(&pout.pa, &(union nv_addr){ 0 }, sizeof(pout.pa)), 0);
}

Test(record, add_many_all_or_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.4", "02:00:00:00:00:04");
	struct nv_record_key k[4] = { mk_rkey(VSID1, "10.0.0.2"), mk_rkey(VSID1, "10.0.0.4"),
				      mk_rkey(VSID1, "10.0.0.3"), mk_rkey(VSID1, "10.0.0.2") };
	struct nv_record r[4] = { mk_record("192.0.2.2", "02:00:00:00:00:02"),
				  mk_record("192.0.2.1", "02:00:00:00:00:04"),
				  mk_record("192.0.2.2", "02:00:00:00:00:03"),
				  mk_record("192.0.2.2", "02:00:00:00:00:02") };
	struct maps_snapshot *before;
	size_t failed = 99;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa("192.0.2.1");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	before = snap();
	/* Into an empty table: a key given twice fails at its second place. */
	cr_assert_eq(nv_record_add_many(&m, k, r, 4, &failed, NULL), -EEXIST);
	cr_assert_eq(failed, 3);
	assert_unchanged(before, "add_many with a key twice (empty table)");
	/* Into a table that has a key already. */
	record(VSID1, "10.0.0.3", "192.0.2.2");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), -EEXIST);
	cr_assert_eq(failed, 2);
	assert_unchanged(before, "add_many with a key in the table");
	/* A MAC conflict with the port, a missing subnet, a bad record: named by index. */
	k[2] = mk_rkey(VSID1, "10.0.0.5");
	mac_set(r[1].mac, "02:00:00:00:00:44");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), -EINVAL);
	cr_assert_eq(failed, 1);
	assert_unchanged(before, "add_many with a MAC conflict");
	mac_set(r[1].mac, "02:00:00:00:00:04");
	k[2] = mk_rkey(VSID2, "10.0.0.5");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), -ENOENT);
	cr_assert_eq(failed, 2);
	assert_unchanged(before, "add_many with no subnet");
	k[2] = mk_rkey(VSID1, "10.0.0.5");
	r[2].rule = 0;
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), -EINVAL);
	cr_assert_eq(failed, 2);
	assert_unchanged(before, "add_many with a bad rule");
	cr_assert_eq(nv_record_add_many(NULL, k, r, 3, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_record_add_many(&m, NULL, r, 3, NULL, NULL), -EINVAL);
	r[2].rule = NV_RULE_ENCAP;
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.4"), v1);
}

Test(record, add_many_full_map_changes_nothing)
{
	struct nv_record_key k[3] = { mk_rkey(VSID1, "10.0.0.1"), mk_rkey(VSID1, "10.0.0.2"),
				      mk_rkey(VSID1, "10.0.0.3") };
	struct nv_record r[3] = { mk_record("192.0.2.2", "02:00:00:00:00:01"),
				  mk_record("192.0.2.2", "02:00:00:00:00:02"),
				  mk_record("192.0.2.2", "02:00:00:00:00:03") };
	struct maps_snapshot *before;
	size_t failed = 99;

	cr_assert_eq(maps_fixture_create(&m, 2), 0);
	subnet(VSID1, RDID1);
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, NULL), -E2BIG);
	cr_assert_eq(failed, 2);
	assert_unchanged(before, "add_many into a full map");
	nv_maps_close(&m);
}

/* ---- record ifindex: kept right in every order ---- */

#define PA_LOCAL  "192.0.2.1"
#define PA_REMOTE "192.0.2.2"

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
	subnet(VSID2, RDID1);
	record(VSID2, "10.0.0.1", PA_REMOTE);
	cr_assert_eq(record_ifindex(VSID2, "10.0.0.1"), 0);
	/* Port removed: the record no longer points at it. */
	cr_assert_eq(nv_port_del(&m, v1, NULL), 0);
	cr_assert_eq(record_ifindex(VSID1, "10.0.0.1"), 0);
}

Test(ifindex, record_then_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p1 = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_port p2 = mk_port(VSID2, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	__u32 v1, v2;

	netns();
	v1 = veth("v1");
	v2 = veth("v2");
	subnet(VSID1, RDID1);
	subnet(VSID2, RDID1);
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

#define PA_LOCAL2 "192.0.2.3"

static struct nv_record rec_get(__u32 vsid, const char *ca)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r;

	cr_assert_eq(nv_record_get(&m, &k, &r), 0, "record get %u %s", vsid, ca);
	return r;
}

static struct nv_port port_get(__u32 ifindex)
{
	struct nv_port p;

	cr_assert_eq(nv_port_get(&m, ifindex, &p), 0, "port get %u", ifindex);
	return p;
}

static void port_add(__u32 ifindex, const struct nv_port *p)
{
	cr_assert_eq(nv_port_add(&m, ifindex, p, NULL), 0, "port add %u", ifindex);
}

/* The record of (vsid, ca) has this ifindex and local. */
static void assert_record(__u32 vsid, const char *ca, __u32 ifindex, __u8 local, const char *what)
{
	struct nv_record r = rec_get(vsid, ca);

	cr_assert_eq(r.ifindex, ifindex, "%s: record %u %s ifindex %u, want %u", what, vsid, ca,
		     r.ifindex, ifindex);
	cr_assert_eq(r.local, local, "%s: record %u %s local %#x, want %#x", what, vsid, ca,
		     r.local, local);
}

/* Port ifindex holds pa (NULL: all zero, unbound). */
static void assert_port_pa(__u32 ifindex, const char *pa, const char *what)
{
	struct nv_port p = port_get(ifindex);
	union nv_addr want;
	char got[NV_ADDR_STRLEN];

	memset(&want, 0, sizeof(want));
	if (pa)
		want = A(pa);
	cr_assert_arr_eq(&p.pa, &want, sizeof(want), "%s: port %u pa %s, want %s", what, ifindex,
			 nv_addr_format(&p.pa, got, sizeof(got)), pa ? pa : "zero");
}

#define L_PA   NV_LOCAL_PA
#define L_XDP  NV_LOCAL_XDP
#define L_PEER NV_LOCAL_PEER

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
	subnet(VSID1, RDID1);
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

/* ---- all or nothing when a later step fails (writes made to fail with read-only fds) ---- */

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

/* ---- routes ---- */

static void route_stored_key(struct nv_route_key *out)
{
	cr_assert_eq(bpf_map_get_next_key(m.fd[NV_MAP_ROUTES], NULL, out), 0);
}

Test(route, ipv4_prefix_stored_with_rdid_bits, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.2.3", 96 + 16), stored, q;
	struct nv_route r = mk_route(VSID1), out;
	union nv_addr want;

	subnet(VSID1, RDID1);
	r.nexthop = A("10.0.0.254");
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	route_stored_key(&stored);
	cr_assert_eq(stored.prefixlen, 32 + 96 + 16);
	cr_assert_eq(stored.rdid, RDID1);
	want = A("10.1.0.0");
	cr_assert_arr_eq(&stored.addr, &want, sizeof(want), "host bits cleared");

	/* The datapath's lookup: full-length key of the RDID and a destination in the prefix. */
	q = mk_rtkey(RDID1, "10.1.200.9", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), 0);
	cr_assert_eq(out.vsid, VSID1);
	cr_assert_eq(out.metric, 10);
	cr_assert_arr_eq(&out.nexthop, &r.nexthop, sizeof(r.nexthop));
	q = mk_rtkey(RDID2, "10.1.200.9", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), -ENOENT, "other RDID");
	q = mk_rtkey(RDID1, "10.2.0.1", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), -ENOENT);

	/* Same prefix spelled with other host bits: the same route. */
	k = mk_rtkey(RDID1, "10.1.99.99", 96 + 16);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	cr_assert_eq(nv_route_del(&m, &k, NULL), 0);
	cr_assert_eq(nv_route_del(&m, &k, NULL), -ENOENT);
}

Test(route, ipv6_and_boundaries, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "2001:db8:ffff::1", 32), stored, q;
	struct nv_route r = mk_route(VSID1), out;
	union nv_addr want;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	route_stored_key(&stored);
	cr_assert_eq(stored.prefixlen, 64);
	want = A("2001:db8::");
	cr_assert_arr_eq(&stored.addr, &want, sizeof(want));
	cr_assert_eq(nv_route_del(&m, &k, NULL), 0);

	k = mk_rtkey(RDID1, "::", 0); /* default route of the RDID */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	k = mk_rtkey(RDID1, "10.0.0.7", 128); /* host route */
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	q = mk_rtkey(RDID1, "fd00::5", 160);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_ROUTES], &q, &out), 0);
	cr_assert_eq(map_count(NV_MAP_ROUTES), 2);
}

Test(route, errors_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_route_key k = mk_rtkey(RDID1, "10.1.0.0", 96 + 16);
	struct nv_route r = mk_route(VSID1);
	struct maps_snapshot *before;

	subnet(VSID1, RDID1);
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), 0);
	before = snap();
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EEXIST);
	k.prefixlen = 129;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "prefixlen > 128");
	cr_assert_eq(nv_route_del(&m, &k, NULL), -EINVAL);
	k = mk_rtkey(RDID1, "10.2.0.0", 96 + 16);
	r.vsid = VSID2;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -ENOENT, "no subnet for the target vsid");
	r.vsid = 7;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "vsid out of range");
	r.vsid = VSID1;
	k.rdid = RDID2;
	cr_assert_eq(nv_route_add(&m, &k, &r, NULL), -EINVAL, "target subnet in another RDID");
	cr_assert_eq(nv_route_del(&m, &k, NULL), -ENOENT);
	cr_assert_eq(nv_route_add(&m, NULL, &r, NULL), -EINVAL);
	cr_assert_eq(nv_route_add(&m, &k, NULL, NULL), -EINVAL);
	assert_unchanged(before, "failed route calls");
}

/* ---- counters ---- */

Test(counters, stats_summed_over_cpus, .init = maps_setup, .fini = maps_teardown)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_vsid_stats v[ncpus], st;
	__u64 n = ncpus;
	__u32 vsid = VSID1;

	cr_assert_gt(ncpus, 0);
	subnet(VSID1, RDID1);
	for (int i = 0; i < ncpus; i++) {
		v[i].tx_packets = i + 1;
		v[i].tx_bytes = 100 * (i + 1);
		v[i].rx_packets = 1000 * (i + 1);
		v[i].rx_bytes = (1ull << 40) + i;
	}
	cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_STATS], &vsid, v, BPF_EXIST), 0);
	cr_assert_eq(nv_stats_get(&m, VSID1, &st), 0);
	cr_assert_eq(st.tx_packets, n * (n + 1) / 2);
	cr_assert_eq(st.tx_bytes, 100 * n * (n + 1) / 2);
	cr_assert_eq(st.rx_packets, 1000 * n * (n + 1) / 2);
	cr_assert_eq(st.rx_bytes, n * (1ull << 40) + n * (n - 1) / 2);
	cr_assert_eq(nv_stats_get(&m, VSID2, &st), -ENOENT);
	cr_assert_eq(nv_stats_get(&m, 1, &st), -EINVAL);
}

Test(counters, drops_summed_over_cpus, .init = maps_setup, .fini = maps_teardown)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_drop_stats v[ncpus], out[NV_DROP__MAX];
	__u64 n = ncpus;

	for (__u32 r = 0; r < NV_DROP__MAX; r++) {
		for (int i = 0; i < ncpus; i++) {
			v[i].packets = r * 10 + i;
			v[i].bytes = (r * 10 + i) * 64;
		}
		cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_DROPS], &r, v, BPF_ANY), 0);
	}
	cr_assert_eq(nv_drops_get(&m, out), 0);
	for (__u64 r = 0; r < NV_DROP__MAX; r++) {
		__u64 want = r * 10 * n + n * (n - 1) / 2;

		cr_assert_eq(out[r].packets, want, "reason %llu", (unsigned long long)r);
		cr_assert_eq(out[r].bytes, want * 64);
	}
}

Test(counters, reset_zeroes_everything, .init = maps_setup, .fini = maps_teardown)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_vsid_stats v[ncpus], st;
	struct nv_drop_stats d[ncpus], out[NV_DROP__MAX];
	__u32 vsids[] = { VSID1, VSID2, VSID3 };

	memset(v, 0x01, sizeof(v));
	memset(d, 0x01, sizeof(d));
	for (int i = 0; i < 3; i++) {
		subnet(vsids[i], RDID1);
		cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_STATS], &vsids[i], v, BPF_EXIST), 0);
	}
	for (__u32 r = 0; r < NV_DROP__MAX; r++)
		cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_DROPS], &r, d, BPF_ANY), 0);
	cr_assert_eq(nv_stats_reset(&m), 0);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(nv_stats_get(&m, vsids[i], &st), 0);
		cr_assert_eq(st.tx_packets | st.tx_bytes | st.rx_packets | st.rx_bytes, 0);
	}
	cr_assert_eq(nv_drops_get(&m, out), 0);
	for (int r = 0; r < NV_DROP__MAX; r++)
		cr_assert_eq(out[r].packets | out[r].bytes, 0);
	cr_assert_eq(map_count(NV_MAP_STATS), 3, "reset creates and deletes nothing");
}

Test(counters, drop_slots_beyond_known_reasons, .init = maps_setup, .fini = maps_teardown)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_drop_stats d[ncpus], out[NV_DROP__MAX + 1];
	__u32 last = NV_DROP_SLOTS - 1, r = NV_DROP__MAX - 1;

	/* nv_drops has NV_DROP_SLOTS entries; nv_drops_get fills exactly NV_DROP__MAX. */
	memset(d, 0x01, sizeof(d));
	cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_DROPS], &last, d, BPF_ANY), 0);
	cr_assert_eq(bpf_map_update_elem(m.fd[NV_MAP_DROPS], &r, d, BPF_ANY), 0);
	memset(out, 0x5a, sizeof(out));
	cr_assert_eq(nv_drops_get(&m, out), 0);
	cr_assert_neq(out[NV_DROP__MAX - 1].packets, 0);
	cr_assert_eq(out[NV_DROP__MAX].packets, 0x5a5a5a5a5a5a5a5aull, "wrote past NV_DROP__MAX");
	/* Reset zeroes every slot, also those of reasons this build does not know. */
	cr_assert_eq(nv_stats_reset(&m), 0);
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_DROPS], &last, d), 0);
	for (int i = 0; i < ncpus; i++)
		cr_assert_eq(d[i].packets | d[i].bytes, 0, "slot %u cpu %d", last, i);
}

/* ---- drop reasons ---- */

Test(drop_reason, names_and_texts)
{
	for (unsigned int i = 0; i < NV_DROP__MAX; i++) {
		const char *n = nv_drop_reason_name(i), *t = nv_drop_reason_text(i);

		cr_assert_not_null(n, "name of %u", i);
		cr_assert_not_null(t, "text of %u", i);
		cr_assert_gt(strlen(n), 0);
		cr_assert_gt(strlen(t), 0);
		for (unsigned int j = 0; j < i; j++) {
			cr_assert_str_neq(n, nv_drop_reason_name(j), "names %u and %u", i, j);
			cr_assert_str_neq(t, nv_drop_reason_text(j), "texts %u and %u", i, j);
		}
	}
	cr_assert_str_eq(nv_drop_reason_name(NV_DROP_NONE), "NONE");
	cr_assert_str_eq(nv_drop_reason_name(NV_DROP_TRUNCATED), "TRUNCATED");
	cr_assert_str_eq(nv_drop_reason_text(NV_DROP_TRUNCATED), "frame shorter than its headers");
	cr_assert_str_eq(nv_drop_reason_name(NV_DROP_REDIRECT), "REDIRECT");
	/* Appended reasons keep their numbers. */
	cr_assert_eq(NV_DROP_PORT_UNBOUND, 30);
	cr_assert_eq(NV_DROP_OUTER_CSUM, 31);
	cr_assert_eq(NV_DROP_SRC_LOCAL, 32);
	cr_assert_str_eq(nv_drop_reason_name(30), "PORT_UNBOUND");
	cr_assert_str_eq(nv_drop_reason_name(31), "OUTER_CSUM");
	cr_assert_str_eq(nv_drop_reason_name(32), "SRC_LOCAL");
	cr_assert_str_eq(nv_drop_reason_text(NV_DROP_SRC_LOCAL),
			 "wire: inner source CA is recorded at a local PA");
	cr_assert_leq(NV_DROP__MAX, NV_DROP_SLOTS);
	cr_assert_null(nv_drop_reason_name(NV_DROP_SLOTS - 1), "a slot without a reason");
	cr_assert_null(nv_drop_reason_name(NV_DROP__MAX));
	cr_assert_null(nv_drop_reason_text(NV_DROP__MAX));
	cr_assert_null(nv_drop_reason_name(UINT_MAX));
}

/* ---- iteration ---- */

static int stop_at_second(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	(void)k;
	(void)r;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static int delete_each(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	(void)r;
	cr_assert_eq(nv_record_del(&m, k, NULL), 0);
	(*(int *)arg)++;
	return 0;
}

Test(iter, stop_value_and_delete_in_callback, .init = maps_setup, .fini = maps_teardown)
{
	char ca[32];
	int n = 0;

	cr_assert_eq(nv_record_iter(&m, count_records_cb, &n), 0);
	cr_assert_eq(n, 0, "empty map: no call");
	subnet(VSID1, RDID1);
	for (int i = 1; i <= 50; i++) {
		snprintf(ca, sizeof(ca), "10.0.1.%d", i);
		record(VSID1, ca, PA_REMOTE);
	}
	cr_assert_eq(nv_record_iter(&m, stop_at_second, &n), 42);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(nv_record_iter(&m, delete_each, &n), 0);
	cr_assert_eq(n, 50);
	cr_assert_eq(map_count(NV_MAP_RECORDS), 0);
	cr_assert_eq(nv_record_iter(&m, NULL, NULL), -EINVAL);
}

/* ---- addresses and MACs ---- */

Test(addr, parse_accept)
{
	static const struct {
		const char *s;
		__u8 b[16];
	} ok[] = {
		{ "10.0.0.1", { [10] = 0xff, 0xff, 10, 0, 0, 1 } },
		{ "0.0.0.0", { [10] = 0xff, 0xff, 0, 0, 0, 0 } },
		{ "255.255.255.255", { [10] = 0xff, 0xff, 255, 255, 255, 255 } },
		{ "::ffff:10.0.0.1", { [10] = 0xff, 0xff, 10, 0, 0, 1 } },
		{ "::1", { [15] = 1 } },
		{ "::", { 0 } },
		{ "2001:db8::1", { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		{ "FE80::A", { 0xfe, 0x80, [15] = 0xa } },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		union nv_addr a;

		cr_assert_eq(nv_addr_parse(ok[i].s, &a), 0, "%s", ok[i].s);
		cr_assert_arr_eq(a.b, ok[i].b, 16, "%s", ok[i].s);
	}
}

Test(addr, parse_reject)
{
	static const char *const bad[] = {
		"",	      "10.0.0",	       "10.0.0.256",
		"10.0.0.1 ",  " 10.0.0.1",     "10.0.0.1/24",
		"1.2.3.4.5",  "010.0.0.1",     "0x0a.0.0.1",
		"10.0.0.-1",  "::g",	       "1::2::3",
		"fe80::1%lo", "2001:db8::/32", "abc",
		"10.0.0.1\n", "::ffff:1.2.3",  "12345::",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		union nv_addr a, orig;

		memset(&a, 0x5a, sizeof(a));
		orig = a;
		cr_assert_eq(nv_addr_parse(bad[i], &a), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_arr_eq(&a, &orig, sizeof(a), "'%s' wrote its output", bad[i]);
	}
	cr_assert_eq(nv_addr_parse(NULL, &(union nv_addr){ 0 }), -EINVAL);
}

Test(addr, format_and_helpers)
{
	char buf[NV_ADDR_STRLEN], small[8];
	union nv_addr a, b;

	nv_addr_from_ipv4(&a, htonl(0x0a000001));
	cr_assert(nv_addr_is_ipv4(&a));
	cr_assert_eq(nv_addr_parse("10.0.0.1", &b), 0);
	cr_assert_arr_eq(&a, &b, sizeof(a));
	cr_assert_str_eq(nv_addr_format(&a, buf, sizeof(buf)), "10.0.0.1");
	cr_assert_eq(nv_addr_parse("2001:db8::1", &b), 0);
	cr_assert_not(nv_addr_is_ipv4(&b));
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)), "2001:db8::1");
	cr_assert_eq(nv_addr_parse("::", &b), 0);
	cr_assert_not(nv_addr_is_ipv4(&b));
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)), "::");
	cr_assert_eq(nv_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &b), 0);
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_str_eq(nv_addr_format(&b, small, sizeof(small)), "", "too small: empty");
}

Test(mac, parse_accept)
{
	static const struct {
		const char *s;
		__u8 mac[NV_ETH_ALEN];
	} ok[] = {
		{ "02:00:00:00:00:01", { 2, 0, 0, 0, 0, 1 } },
		{ "AA:bb:CC:dd:EE:ff", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "00:00:00:00:00:00", { 0 } },
		{ "ff:ff:ff:ff:ff:ff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ "12:34:56:78:9a:bc", { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc } },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		__u8 mac[NV_ETH_ALEN];

		cr_assert_eq(nv_mac_parse(ok[i].s, mac), 0, "%s", ok[i].s);
		cr_assert_arr_eq(mac, ok[i].mac, NV_ETH_ALEN, "%s", ok[i].s);
	}
}

Test(mac, parse_reject)
{
	static const char *const bad[] = {
		"",
		"02:00:00:00:00",
		"02:00:00:00:00:",
		"02:00:00:00:00:01:",
		"02:00:00:00:00:01x",
		"02:00:00:00:00:01 ",
		" 02:00:00:00:00:01",
		"02:00:00:00:00:1",
		"2:00:00:00:00:01",
		"02:00:00:00:00:001",
		"02-00-00-00-00-01",
		"0200.0000.0001",
		"020000000001",
		"02:00:00:00:00:0g",
		"02::00:00:00:00:01",
		"02:00:00:00:00:01:02",
		"0x:00:00:00:00:01",
		"+2:00:00:00:00:01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u8 mac[NV_ETH_ALEN] = { 9, 9, 9, 9, 9, 9 }, orig[NV_ETH_ALEN];

		memcpy(orig, mac, sizeof(mac));
		cr_assert_eq(nv_mac_parse(bad[i], mac), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_arr_eq(mac, orig, NV_ETH_ALEN, "'%s' wrote its output", bad[i]);
	}
	cr_assert_eq(nv_mac_parse(NULL, (__u8[NV_ETH_ALEN]){ 0 }), -EINVAL);
}

Test(mac, format)
{
	const __u8 mac[NV_ETH_ALEN] = { 0x02, 0xab, 0, 0xff, 0x10, 0x01 };
	char buf[NV_MAC_STRLEN], small[NV_MAC_STRLEN - 1];
	__u8 back[NV_ETH_ALEN];

	cr_assert_str_eq(nv_mac_format(mac, buf, sizeof(buf)), "02:ab:00:ff:10:01");
	cr_assert_eq(nv_mac_parse(buf, back), 0);
	cr_assert_arr_eq(back, mac, NV_ETH_ALEN);
	cr_assert_str_eq(nv_mac_format(mac, small, sizeof(small)), "", "too small: empty");
}
