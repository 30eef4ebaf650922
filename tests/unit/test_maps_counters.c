/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters summed over CPUs, reset, drop slots; drop reason names. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "unit/maps/maps_test.h"

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
	const char *nets[] = { "10.0.1.0", "10.0.2.0", "10.0.3.0" };

	memset(v, 0x01, sizeof(v));
	memset(d, 0x01, sizeof(d));
	for (int i = 0; i < 3; i++) {
		subnet_at(vsids[i], RDID1, nets[i]);
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
