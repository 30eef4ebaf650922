/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Subnets: add, del (refused while in use), stats entries. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "nv_addr.h"
#include "unit/maps/maps_test.h"

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

	s.pad = 0xaa;
	cr_assert_eq(nv_subnet_add(&m, VSID1, &s, NULL), 0);
	subnet(VSID2, RDID2);
	cr_assert_eq(nv_subnet_get(&m, VSID1, &out), 0);
	cr_assert_eq(out.rdid, RDID1);
	cr_assert_arr_eq(out.gw_mac, s.gw_mac, NV_ETH_ALEN);
	cr_assert_arr_eq(&out.gw_ca, &s.gw_ca, sizeof(out.gw_ca));
	__u32 vsid = VSID1;
	cr_assert_eq(bpf_map_lookup_elem(m.fd[NV_MAP_SUBNETS], &vsid, &raw), 0);
	cr_assert_eq(raw.pad, 0, "padding stored as zero");
	cr_assert_eq(raw.prefixlen, 96 + 24);
	cr_assert_arr_eq(&raw.prefix, &s.prefix, sizeof(raw.prefix));
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
	subnet_at(NV_VSID_MAX, RDID1, "10.0.1.0");
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
	subnet_at(VSID2, RDID1, "10.0.1.0");
	record(VSID2, "10.0.1.8", "192.0.2.2"); /* another VSID does not hold VSID1 */
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
	cr_assert_eq(nv_route_del(&m, &k, NULL, NULL), 0);
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
	s.prefix = A("10.0.1.0"); /* not overlapping VSID1's: only the stats map refuses it */
	s.gw_ca = A("10.0.1.254");
	before = snap();
	cr_assert_eq(nv_subnet_add(&m, VSID2, &s, NULL), -E2BIG);
	assert_unchanged(before, "subnet add with stats full");
	cr_assert_eq(nv_subnet_get(&m, VSID2, &out), -ENOENT);
}

/* What subnet add stores for prefix/len with the given gateway and MAC ("" = default). */
static int add_prefix(__u32 vsid, const char *prefix, const char *gw, const char *mac,
		      struct nv_subnet *out, struct nv_conflict *why)
{
	struct nv_subnet s;
	int err;

	memset(&s, 0, sizeof(s));
	s.rdid = RDID1;
	cr_assert_eq(nv_prefix_parse(prefix, &s.prefix, &s.prefixlen), 0, "parse %s", prefix);
	if (*gw)
		s.gw_ca = A(gw);
	if (*mac)
		mac_set(s.gw_mac, mac);
	err = nv_subnet_add(&m, vsid, &s, why);
	if (!err)
		cr_assert_eq(nv_subnet_get(&m, vsid, out), 0);
	return err;
}

Test(subnet, gateway_defaults_to_first_host_and_vsid_mac, .init = maps_setup, .fini = maps_teardown)
{
	const __u8 mac[NV_ETH_ALEN] = { 0x02, 0x4e, 0x56, 0x00, 0x13, 0x89 }; /* VSID 5001 */
	struct nv_subnet out;
	union nv_addr gw = A("10.1.2.1");

	cr_assert_eq(add_prefix(5001, "10.1.2.0/24", "", "", &out, NULL), 0);
	cr_assert_arr_eq(&out.gw_ca, &gw, sizeof(gw));
	cr_assert_arr_eq(out.gw_mac, mac, NV_ETH_ALEN, "the same MAC on every host");
	cr_assert_eq(out.prefixlen, 96 + 24);
	/* What the operator gives is kept. */
	cr_assert_eq(add_prefix(5002, "10.1.3.0/24", "10.1.3.254", "02:aa:00:00:00:01", &out, NULL),
		     0);
	gw = A("10.1.3.254");
	cr_assert_arr_eq(&out.gw_ca, &gw, sizeof(gw));
	cr_assert_eq(out.gw_mac[1], 0xaa);
	/* A /30 has room for a gateway and one host; IPv6 prefixes too. */
	cr_assert_eq(add_prefix(5003, "10.1.4.0/30", "", "", &out, NULL), 0);
	cr_assert_eq(add_prefix(5004, "fd00:1::/64", "", "", &out, NULL), 0);
	gw = A("fd00:1::1");
	cr_assert_arr_eq(&out.gw_ca, &gw, sizeof(gw));
}

Test(subnet, prefix_and_gateway_refused_by_name, .init = maps_setup, .fini = maps_teardown)
{
	struct maps_snapshot *before = snap();
	struct nv_conflict why;
	struct nv_subnet s, out;
	union nv_addr gw = A("10.1.2.255");

	/* No room for a gateway and a host. */
	cr_assert_eq(add_prefix(5001, "10.1.2.0/31", "", "", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_SUBNET_PREFIX);
	cr_assert_eq(why.prefixlen, 96 + 31);
	cr_assert_eq(add_prefix(5001, "10.1.2.4/32", "", "", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_SUBNET_PREFIX);
	/* Host bits set: the library refuses what the parser would. */
	memset(&s, 0, sizeof(s));
	s.prefix = A("10.1.2.7");
	s.prefixlen = 96 + 24;
	cr_assert_eq(nv_subnet_add(&m, 5001, &s, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_SUBNET_PREFIX);
	/* The gateway: outside, the prefix itself, its broadcast. */
	cr_assert_eq(add_prefix(5001, "10.1.2.0/24", "10.1.3.1", "", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_GATEWAY_INVALID);
	cr_assert_eq(add_prefix(5001, "10.1.2.0/24", "10.1.2.0", "", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_GATEWAY_INVALID);
	cr_assert_eq(add_prefix(5001, "10.1.2.0/24", "10.1.2.255", "", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_GATEWAY_INVALID);
	cr_assert_arr_eq(&why.gw, &gw, sizeof(gw));
	cr_assert_eq(add_prefix(5001, "10.1.2.0/24", "", "03:00:00:00:00:01", &out, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_MAC_INVALID);
	/* Every subnet needs a prefix (its on-link route), with or without a gateway. */
	memset(&s, 0, sizeof(s));
	s.gw_ca = A("10.1.2.1");
	cr_assert_eq(nv_subnet_add(&m, 5001, &s, &why), -EINVAL);
	cr_assert_eq(why.kind, NV_CONFLICT_SUBNET_PREFIX);
	cr_assert_eq(why.prefixlen, 0);
	assert_unchanged(before, "refused subnets");
}
