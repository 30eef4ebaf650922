// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench: the datapath's speed next to baselines timed the same way in the same run.
 *   case 1 (perpacket.c): ns/packet of every path with BPF_PROG_TEST_RUN, as a ratio to a no-op
 *          of the same hook, with the fixture's small table and with 2^20 records, hot and
 *          spread keys;
 *   case 2 (live.c): packets/s of nv_from_wire decap + redirect into a veth vs. a plain devmap
 *          redirect, generated with BPF_F_TEST_XDP_LIVE_FRAMES and counted on the receiving side.
 * Usage: bench [DIR]  (results as CSV in DIR, default build/bench). Asserts nothing about time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

static int setup(struct bench_env *e)
{
	double t0, fill_s;
	int err;

	err = fixture_netns();
	if (!err)
		err = host_setup(&e->s1, HOST_1);
	if (!err)
		err = host_setup(&e->s2, HOST_2);
	if (!err)
		err = host_setup_records(&e->l1, HOST_1, BENCH_LARGE_RECORDS);
	if (!err)
		err = host_setup_records(&e->l2, HOST_2, BENCH_LARGE_RECORDS);
	/* A2 delivers in XDP (decap + devmap redirect); B2 stays a TC-delivery port. */
	if (!err)
		err = host_port_rebind(&e->s2, H2_A2, NV_DELIVER_XDP, 0);
	if (!err)
		err = host_port_rebind(&e->l2, H2_A2, NV_DELIVER_XDP, 0);
	if (err) {
		fprintf(stderr, "bench: setup failed: %s (run as root, with bpffs)\n",
			strerror(-err));
		return -1;
	}
	e->spread_keys = bench_spread_keys(BENCH_LARGE_RECORDS, bench_count_records(&e->l2));
	t0 = now_s();
	err = bench_fill_records(&e->l1, e->spread_keys);
	if (!err)
		err = bench_fill_records(&e->l2, e->spread_keys);
	if (err) {
		fprintf(stderr, "bench: filling the large table: %s\n", strerror(-err));
		return -1;
	}
	fill_s = now_s() - t0;
	e->small_records = bench_count_records(&e->s2);
	e->large_records = bench_count_records(&e->l2);
	printf("tables: small %u records (max 1024), large %u records (max %u, 2 x %u written "
	       "in %.2f s with bpf_map_update_batch, both hosts)\n\n",
	       e->small_records, e->large_records, BENCH_LARGE_RECORDS, e->spread_keys, fill_s);
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench_env e;
	const char *dir = argc > 1 ? argv[1] : "build/bench";
	int err;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: %s [RESULTS_DIR]   (default: build/bench)\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	err = setup(&e);
	if (!err)
		err = perpacket_run(&e, dir);
	if (!err)
		err = live_run(&e, dir);
	host_teardown(&e.l2);
	host_teardown(&e.l1);
	host_teardown(&e.s2);
	host_teardown(&e.s1);
	return err ? 1 : 0;
}
