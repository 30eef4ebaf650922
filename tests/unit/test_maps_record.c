/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Lookup records: add, get, iter, del, add_many, and what they refuse. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_addr.h"
#include "unit/maps/maps_test.h"

static int count_records_cb(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	(void)k;
	(void)r;
	(*(int *)arg)++;
	return 0;
}

Test(record, add_get_iter_del, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1"), k6 = mk_rkey(VSID2, "fd00::1");
	struct nv_record r = mk_record("192.0.2.2", "02:00:00:00:00:01"), out;
	int n = 0;

	subnet(VSID1, RDID1);
	subnet6(VSID2, RDID2);
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
	k = mk_rkey(VSID1, "10.0.9.1");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "outside the prefix");
	k = mk_rkey(VSID1, "10.0.0.254");
	cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "the gateway's CA");
	k = mk_rkey(VSID1, "0.0.0.0");
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
	for (size_t i = 0; i < not_unicast_n; i++) {
		k = mk_rkey(VSID1, not_unicast[i]);
		r = mk_record("192.0.2.2", "02:00:00:00:00:01");
		/* CA 0 is the gateway wildcard (record, wildcard_one_per_rdid): not refused. */
		if (!nv_addr_is_wildcard(&k.ca)) {
			cr_assert_eq(nv_record_add(&m, &k, &r, NULL), -EINVAL, "ca %s",
				     not_unicast[i]);
			cr_assert_eq(nv_record_add_many(&m, &k, &r, 1, NULL, NULL), -EINVAL,
				     "many: ca %s", not_unicast[i]);
		}
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

/*
 * nv_rdid_cas: each record indexed by (its subnet's RDID, CA) with its VSID and gateway MAC. The
 * record itself caches its subnet's RDID and gateway MAC too, whatever the caller put there.
 */
Test(record, indexed_by_rdid, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k1 = mk_rkey(VSID1, "10.0.0.1"), k2 = mk_rkey(VSID2, "10.0.1.1");
	struct nv_record r = mk_record("192.0.2.2", "02:00:00:00:00:01"), out;
	union nv_addr ca1 = A("10.0.0.1"), ca2 = A("10.0.1.1");
	struct nv_rdid_ca ix;
	__u8 gw[NV_ETH_ALEN], gw2[NV_ETH_ALEN];

	subnet(VSID1, RDID1);
	subnet_at(VSID2, RDID1, "10.0.1.0");
	r.rdid = RDID2; /* ignored: the subnet's */
	memset(r.gw_mac, 0xee, sizeof(r.gw_mac));
	cr_assert_eq(nv_record_add(&m, &k1, &r, NULL), 0);
	cr_assert_eq(nv_record_add_many(&m, &k2, &r, 1, NULL, NULL), 0);
	cr_assert_eq(nv_rdid_ca_lookup(&m, RDID1, &ca1, &ix), 0);
	cr_assert_eq(ix.vsid, VSID1);
	mac_set(gw, "02:00:00:00:00:fe");
	cr_assert_arr_eq(ix.rec.gw_mac, gw, NV_ETH_ALEN, "the subnet's gateway MAC");
	assert_index_copy(VSID1, "10.0.0.1", "record add");
	cr_assert_eq(nv_rdid_ca_lookup(&m, RDID1, &ca2, &ix), 0, "add_many indexes too");
	cr_assert_eq(ix.vsid, VSID2);
	memcpy(gw2, ix.rec.gw_mac, sizeof(gw2));
	assert_index_copy(VSID2, "10.0.1.1", "record add_many");
	cr_assert_eq(nv_record_get(&m, &k1, &out), 0);
	cr_assert_eq(out.rdid, RDID1, "record caches its subnet's RDID, not the caller's");
	cr_assert_arr_eq(out.gw_mac, gw, NV_ETH_ALEN, "record caches its subnet's gateway MAC");
	cr_assert_eq(nv_record_get(&m, &k2, &out), 0);
	cr_assert_eq(out.rdid, RDID1, "add_many caches the RDID too");
	cr_assert_arr_eq(out.gw_mac, gw2, NV_ETH_ALEN, "add_many caches VSID2's gateway MAC");
	cr_assert_eq(nv_rdid_ca_lookup(&m, RDID2, &ca1, &ix), -ENOENT, "other RDID");
	cr_assert_eq(map_count(NV_MAP_RDID_CAS), 2);
	cr_assert_eq(nv_record_del(&m, &k1, NULL), 0);
	cr_assert_eq(nv_rdid_ca_lookup(&m, RDID1, &ca1, &ix), -ENOENT, "del unindexes");
	cr_assert_eq(map_count(NV_MAP_RDID_CAS), 1);
}

/* CA 0 is the routing domain's gateway wildcard: one per RDID, in whichever subnet. */
Test(record, wildcard_one_per_rdid, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key w1 = mk_rkey(VSID1, "0.0.0.0"), w2 = mk_rkey(VSID2, "0.0.0.0");
	struct nv_record_key w3 = mk_rkey(VSID3, "0.0.0.0");
	struct nv_record r = mk_record("192.0.2.9", "02:00:00:00:00:09");
	union nv_addr zero = A("0.0.0.0");
	struct maps_snapshot *before;
	struct nv_conflict why;
	__u32 vsid;

	subnet(VSID1, RDID1);
	subnet_at(VSID2, RDID1, "10.0.1.0");
	subnet(VSID3, RDID2);
	cr_assert_eq(nv_record_add(&m, &w1, &r, NULL), 0, "outside every prefix, yet accepted");
	cr_assert_eq(nv_rdid_ca_get(&m, RDID1, &zero, &vsid), 0);
	cr_assert_eq(vsid, VSID1);
	before = snap();
	cr_assert_eq(nv_record_add(&m, &w2, &r, &why), -EEXIST, "a second one in the RDID");
	cr_assert_eq(why.kind, NV_CONFLICT_WILDCARD_EXISTS);
	cr_assert_eq(why.rdid, RDID1);
	cr_assert_eq(why.vsid2, VSID1);
	cr_assert_eq(nv_record_add_many(&m, &w2, &r, 1, NULL, &why), -EEXIST, "add_many too");
	cr_assert_eq(why.kind, NV_CONFLICT_WILDCARD_EXISTS);
	assert_unchanged(before, "a second wildcard");
	cr_assert_eq(nv_record_add(&m, &w3, &r, NULL), 0, "another RDID has its own");
	cr_assert_eq(nv_record_del(&m, &w1, NULL), 0);
	cr_assert_eq(nv_record_add(&m, &w2, &r, NULL), 0, "free again once deleted");
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
	struct nv_conflict why;
	size_t failed = 99;
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa("192.0.2.1");
	cr_assert_eq(nv_port_add(&m, v1, &p, NULL), 0);
	before = snap();
	/* Into an empty table: a key given twice fails at its second place. */
	cr_assert_eq(nv_record_add_many(&m, k, r, 4, &failed, &why), -EEXIST);
	cr_assert_eq(failed, 3);
	cr_assert_eq(why.kind, NV_CONFLICT_RECORD_EXISTS, "the key given twice");
	cr_assert_eq(why.vsid, VSID1);
	cr_assert_arr_eq(&why.ca, &k[3].ca, sizeof(why.ca));
	assert_unchanged(before, "add_many with a key twice (empty table)");
	/* Into a table that has a key already. */
	record(VSID1, "10.0.0.3", "192.0.2.2");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), -EEXIST);
	cr_assert_eq(failed, 2);
	cr_assert_eq(why.kind, NV_CONFLICT_RECORD_EXISTS, "the key in the table");
	cr_assert_arr_eq(&why.ca, &k[2].ca, sizeof(why.ca));
	assert_unchanged(before, "add_many with a key in the table");
	/* A MAC conflict with the port, a missing subnet, a bad record: named by index. */
	k[2] = mk_rkey(VSID1, "10.0.0.5");
	mac_set(r[1].mac, "02:00:00:00:00:44");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), -EINVAL);
	cr_assert_eq(failed, 1);
	cr_assert_eq(why.kind, NV_CONFLICT_MAC_DIFFERS);
	cr_assert_eq(why.ifindex, v1, "the port it would bind");
	cr_assert_arr_eq(why.port_mac, p.mac, NV_ETH_ALEN, "the port's MAC");
	cr_assert_arr_eq(why.mac, r[1].mac, NV_ETH_ALEN, "the record's MAC");
	assert_unchanged(before, "add_many with a MAC conflict");
	mac_set(r[1].mac, "02:00:00:00:00:04");
	k[2] = mk_rkey(VSID2, "10.0.0.5");
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), -ENOENT);
	cr_assert_eq(failed, 2);
	cr_assert_eq(why.kind, NV_CONFLICT_VSID_UNKNOWN);
	cr_assert_eq(why.vsid, VSID2);
	assert_unchanged(before, "add_many with no subnet");
	k[2] = mk_rkey(VSID1, "10.0.0.5");
	r[2].rule = 0;
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), -EINVAL);
	cr_assert_eq(failed, 2);
	cr_assert_eq(why.kind, NV_CONFLICT_RULE_INVALID);
	assert_unchanged(before, "add_many with a bad rule");
	cr_assert_eq(nv_record_add_many(NULL, k, r, 3, NULL, NULL), -EINVAL);
	cr_assert_eq(nv_record_add_many(&m, NULL, r, 3, NULL, NULL), -EINVAL);
	r[2].rule = NV_RULE_ENCAP;
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), 0);
	cr_assert_eq(why.kind, NV_CONFLICT_NONE);
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
	struct nv_conflict why;
	size_t failed = 99;

	cr_assert_eq(maps_fixture_create(&m, 2), 0);
	subnet(VSID1, RDID1);
	before = snap();
	cr_assert_eq(nv_record_add_many(&m, k, r, 3, &failed, &why), -E2BIG);
	cr_assert_eq(failed, 2);
	cr_assert_eq(why.kind, NV_CONFLICT_TABLE_FULL, "a batch update refused");
	/* The routing domain's index is written first, and the fixture made it as small. */
	cr_assert_eq(why.map, NV_MAP_RDID_CAS);
	assert_unchanged(before, "add_many into a full map");
	nv_maps_close(&m);
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
		snprintf(ca, sizeof(ca), "10.0.0.%d", i);
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

/* A VM that moves host: its record's PA and MAC replaced in place, the binding following. */
Test(record, update_in_place_remote_to_remote_and_mac, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.2");
	struct nv_record r = mk_record(PA_LOCAL2, "02:00:00:00:00:22"), out;
	union nv_addr pa = A(PA_LOCAL2);

	subnet(VSID1, RDID1);
	record(VSID1, "10.0.0.2", PA_REMOTE);
	cr_assert_eq(nv_record_update(&m, &k, &r, NULL), 0);
	cr_assert_eq(nv_record_get(&m, &k, &out), 0);
	cr_assert(!memcmp(&out.pa, &pa, sizeof(pa)), "the new PA");
	cr_assert_arr_eq(out.mac, r.mac, NV_ETH_ALEN, "the new MAC");
	cr_assert_eq(out.rdid, RDID1, "its subnet's RDID kept");
	assert_record(VSID1, "10.0.0.2", 0, 0, "moved to a remote PA");
	cr_assert_eq(map_count(NV_MAP_RECORDS), 1, "replaced, not added");
	cr_assert_eq(map_count(NV_MAP_RDID_CAS), 1);
}

/* A VM's port for 10.0.0.1 in VSID1 on its veth, the host holding PA_LOCAL: its ifindex. */
static __u32 port_of_10_0_0_1(const struct nv_port *p)
{
	__u32 v1;

	netns();
	v1 = veth("v1");
	subnet(VSID1, RDID1);
	local_pa(PA_LOCAL);
	cr_assert_eq(nv_port_add(&m, v1, p, NULL), 0);
	return v1;
}

Test(record, update_binds_and_unbinds_the_port, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1");
	struct nv_record here = mk_record(PA_LOCAL, "02:00:00:00:00:01"),
			 away = mk_record(PA_REMOTE, "02:00:00:00:00:01");
	__u32 v1;

	v1 = port_of_10_0_0_1(&p);
	record(VSID1, "10.0.0.1", PA_REMOTE);
	assert_port_pa(v1, NULL, "the VM elsewhere");
	/* It arrives here: bound. */
	cr_assert_eq(nv_record_update(&m, &k, &here, NULL), 0);
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "arrived");
	assert_port_pa(v1, PA_LOCAL, "arrived");
	/* It leaves: unbound. */
	cr_assert_eq(nv_record_update(&m, &k, &away, NULL), 0);
	assert_record(VSID1, "10.0.0.1", 0, 0, "left");
	assert_port_pa(v1, NULL, "left");
}

Test(record, update_refusals_change_nothing, .init = maps_setup, .fini = maps_teardown)
{
	struct nv_port p = mk_port(VSID1, RDID1, "10.0.0.1", "02:00:00:00:00:01");
	struct nv_record_key k = mk_rkey(VSID1, "10.0.0.1"), none = mk_rkey(VSID1, "10.0.0.9");
	struct nv_record other_mac = mk_record(PA_LOCAL, "02:00:00:00:00:99"),
			 bad_pa = mk_record("224.0.0.1", "02:00:00:00:00:01"), before, after;
	struct nv_conflict why;
	__u32 v1;

	v1 = port_of_10_0_0_1(&p);
	record(VSID1, "10.0.0.1", PA_LOCAL);
	cr_assert_eq(nv_record_get(&m, &k, &before), 0);
	cr_assert_eq(nv_record_update(&m, &none, &other_mac, &why), -ENOENT, "no such record");
	cr_assert_eq(why.kind, NV_CONFLICT_RECORD_UNKNOWN);
	cr_assert_eq(nv_record_update(&m, &k, &other_mac, &why), -EINVAL,
		     "the bound port has another MAC");
	cr_assert_eq(why.kind, NV_CONFLICT_MAC_DIFFERS);
	cr_assert_eq(nv_record_update(&m, &k, &bad_pa, &why), -EINVAL, "multicast PA");
	cr_assert_eq(nv_record_get(&m, &k, &after), 0);
	cr_assert(!memcmp(&before, &after, sizeof(before)), "the record changed");
	assert_record(VSID1, "10.0.0.1", v1, L_PA, "after the refusals");
	assert_port_pa(v1, PA_LOCAL, "after the refusals");
}
