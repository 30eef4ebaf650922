/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The helpers of the maps library's suites (tests/unit/maps/maps_test.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "nv_addr.h"
#include "unit/maps/maps_test.h"

struct nv_maps m;

void maps_setup(void)
{
	cr_assert_eq(maps_fixture_create(&m, 0), 0, "maps_fixture_create (root?)");
}

void maps_teardown(void)
{
	nv_maps_close(&m);
}

union nv_addr A(const char *s) {
	union nv_addr a;

	cr_assert_eq(nv_addr_parse(s, &a), 0, "parse %s", s);
	return a;
}

void mac_set(__u8 mac[NV_ETH_ALEN], const char *s)
{
	cr_assert_eq(nv_mac_parse(s, mac), 0, "parse %s", s);
}

struct nv_subnet mk_subnet(__u32 rdid)
{
	struct nv_subnet s;

	memset(&s, 0, sizeof(s));
	s.rdid = rdid;
	s.prefix = A("10.0.0.0");
	s.prefixlen = 96 + 24;
	mac_set(s.gw_mac, "02:00:00:00:00:fe");
	s.gw_ca = A("10.0.0.254");
	return s;
}

void subnet(__u32 vsid, __u32 rdid)
{
	struct nv_subnet s = mk_subnet(rdid);

	cr_assert_eq(nv_subnet_add(&m, vsid, &s, NULL), 0, "subnet add %u", vsid);
}

void subnet_at(__u32 vsid, __u32 rdid, const char *net24)
{
	struct nv_subnet s = mk_subnet(rdid);

	s.prefix = A(net24);
	s.gw_ca = s.prefix;
	s.gw_ca.w[3] |= htonl(254);
	cr_assert_eq(nv_subnet_add(&m, vsid, &s, NULL), 0, "subnet add %u at %s/24", vsid, net24);
}

void subnet6(__u32 vsid, __u32 rdid)
{
	struct nv_subnet s = mk_subnet(rdid);

	s.prefix = A("fd00::");
	s.prefixlen = 64;
	s.gw_ca = A("fd00::fe");
	cr_assert_eq(nv_subnet_add(&m, vsid, &s, NULL), 0, "subnet add %u at fd00::/64", vsid);
}

struct nv_port mk_port(__u32 vsid, __u32 rdid, const char *ca, const char *mac)
{
	struct nv_port p;

	memset(&p, 0, sizeof(p));
	p.vsid = vsid;
	p.rdid = rdid;
	p.ca = A(ca);
	mac_set(p.mac, mac);
	/* nv_port_add copies the subnet's gateway MAC: mk_subnet's, in every suite. */
	mac_set(p.gw_mac, "02:00:00:00:00:fe");
	p.deliver = NV_DELIVER_TC;
	return p;
}

struct nv_record_key mk_rkey(__u32 vsid, const char *ca)
{
	struct nv_record_key k;

	memset(&k, 0, sizeof(k));
	k.vsid = vsid;
	k.ca = A(ca);
	return k;
}

struct nv_record mk_record(const char *pa, const char *mac)
{
	struct nv_record r;

	memset(&r, 0, sizeof(r));
	r.pa = A(pa);
	mac_set(r.mac, mac);
	r.rule = NV_RULE_ENCAP;
	return r;
}

void ca_mac(__u8 mac[NV_ETH_ALEN], const char *ca)
{
	union nv_addr a = A(ca);
	char s[NV_MAC_STRLEN];

	snprintf(s, sizeof(s), "02:00:00:00:00:%02x", a.b[15]);
	mac_set(mac, s);
}

void record(__u32 vsid, const char *ca, const char *pa)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r = mk_record(pa, "02:00:00:00:00:01");

	ca_mac(r.mac, ca);
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), 0, "record add %u %s", vsid, ca);
}

__u32 record_ifindex(__u32 vsid, const char *ca)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r;

	cr_assert_eq(nv_record_get(&m, &k, &r), 0, "record get %u %s", vsid, ca);
	return r.ifindex;
}

void local_pa(const char *pa)
{
	union nv_addr a = A(pa);

	cr_assert_eq(nv_local_pa_add(&m, &a, 1, NULL), 0, "local pa add %s", pa);
}

struct nv_route_key mk_rtkey(__u32 rdid, const char *addr, __u32 prefixlen)
{
	struct nv_route_key k;

	memset(&k, 0, sizeof(k));
	k.rdid = rdid;
	k.addr = A(addr);
	k.prefixlen = prefixlen;
	return k;
}

struct nv_route mk_route(__u32 vsid)
{
	struct nv_route r;

	memset(&r, 0, sizeof(r));
	r.vsid = vsid;
	r.metric = 10;
	return r;
}

/* Criterion runs each test in its own process: the flag is per test. */
static bool in_private_netns;

void netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	in_private_netns = true;
}

__u32 veth(const char *name)
{
	char cmd[128];
	__u32 ifindex;

	/* A veth made in the host's namespace would outlive the test and break the next run. */
	cr_assert(in_private_netns, "veth(%s) before netns()", name);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s-p", name, name);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	ifindex = if_nametoindex(name);
	cr_assert_neq(ifindex, 0);
	return ifindex;
}

int map_count(enum nv_map_id id)
{
	struct maps_snapshot *s = maps_snapshot_take(&m);
	int n;

	cr_assert_not_null(s);
	n = (int)maps_snapshot_count(s, id);
	maps_snapshot_free(s);
	return n;
}

struct maps_snapshot *snap(void)
{
	struct maps_snapshot *s = maps_snapshot_take(&m);

	cr_assert_not_null(s, "snapshot");
	return s;
}

void assert_unchanged(struct maps_snapshot *before, const char *what)
{
	struct maps_snapshot *after = snap();
	bool eq = maps_snapshot_equal(before, after);

	maps_snapshot_free(before);
	maps_snapshot_free(after);
	cr_assert(eq, "%s changed the maps", what);
}

int ro_fd(int fd)
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

struct nv_record rec_get(__u32 vsid, const char *ca)
{
	struct nv_record_key k = mk_rkey(vsid, ca);
	struct nv_record r;

	cr_assert_eq(nv_record_get(&m, &k, &r), 0, "record get %u %s", vsid, ca);
	return r;
}

struct nv_port port_get(__u32 ifindex)
{
	struct nv_port p;

	cr_assert_eq(nv_port_get(&m, ifindex, &p), 0, "port get %u", ifindex);
	return p;
}

void port_add(__u32 ifindex, const struct nv_port *p)
{
	cr_assert_eq(nv_port_add(&m, ifindex, p, NULL), 0, "port add %u", ifindex);
}

void assert_record(__u32 vsid, const char *ca, __u32 ifindex, __u8 local, const char *what)
{
	struct nv_record r = rec_get(vsid, ca);

	cr_assert_eq(r.ifindex, ifindex, "%s: record %u %s ifindex %u, want %u", what, vsid, ca,
		     r.ifindex, ifindex);
	cr_assert_eq(r.local, local, "%s: record %u %s local %#x, want %#x", what, vsid, ca,
		     r.local, local);
	assert_index_copy(vsid, ca, what);
}

void assert_index_copy(__u32 vsid, const char *ca, const char *what)
{
	struct nv_record r = rec_get(vsid, ca);
	union nv_addr a = A(ca);
	struct nv_rdid_ca ix;

	cr_assert_eq(nv_rdid_ca_lookup(&m, r.rdid, &a, &ix), 0, "%s: %u %s not in nv_rdid_cas",
		     what, vsid, ca);
	cr_assert_eq(ix.vsid, vsid, "%s: nv_rdid_cas names vsid %u for %s, want %u", what, ix.vsid,
		     ca, vsid);
	cr_assert(memcmp(&ix.rec, &r, sizeof(r)) == 0,
		  "%s: nv_rdid_cas copy of %u %s differs from the record (ifindex %u/%u, local "
		  "%#x/%#x)",
		  what, vsid, ca, ix.rec.ifindex, r.ifindex, ix.rec.local, r.local);
}

void assert_port_pa(__u32 ifindex, const char *pa, const char *what)
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

/* Not a unicast address (nv_addr_unicast): what no CA or PA may be, as the CLI parses them. */
const char *const not_unicast[] = {
	"0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::5",
};
const size_t not_unicast_n = sizeof(not_unicast) / sizeof(not_unicast[0]);
