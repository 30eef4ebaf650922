/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `make bench`, shared parts: summary statistics, the result files, and the large lookup table.
 * bench.c runs the cases in order: perpacket.c (case 1, BPF_PROG_TEST_RUN ns/packet) and live.c
 * (case 2, packets/s with BPF_F_TEST_XDP_LIVE_FRAMES). Measures only: asserts nothing about time.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>

#include <linux/types.h>

#include "lib/fixture.h"

#define BENCH_MAX_ROUNDS 32

/* min, median and max of n values (n <= BENCH_MAX_ROUNDS). */
struct summary {
	double min, med, max;
};
struct summary summarize(const double *v, int n);

/* fopen(dir/name, "w"), creating dir; NULL with a message on stderr. */
FILE *bench_open(const char *dir, const char *name);

/*
 * The large table (records.c): every host has the same lookup table, as HNV pushes it. Besides
 * the fixture's five records it holds BENCH_SPREAD_KEYS records in each of VSID_A and VSID_B, all
 * at BENCH_PA_REMOTE, a PA of a third host that is local to neither fixture host (so no record
 * but the fixture's is at a local PA), with CA bench_ca(i) and MAC bench_mac(i) in both tenants.
 */
#define BENCH_PA_REMOTE PKT_IP4(192, 0, 2, 10)
__be32 bench_ca(__u32 i);
void bench_mac(__u32 i, __u8 mac[6]);
/* Keys that fill a table of max_records with the fixture's records in it. */
__u32 bench_spread_keys(__u32 max_records, __u32 fixture_records);
/* Writes the filler records straight into nv_records (batch updates on the raw fd). */
int bench_fill_records(const struct host *h, __u32 nkeys);
/* Entries in nv_records (counted by iterating its keys). */
__u32 bench_count_records(const struct host *h);

/* Both fixture hosts twice: with the fixture's 1024-record maps and with the large table. */
#define BENCH_LARGE_RECORDS (1u << 20)
struct bench_env {
	struct host s1, s2;		    /* max_records 1024, the fixture's records only */
	struct host l1, l2;		    /* max_records BENCH_LARGE_RECORDS, filled */
	__u32 small_records, large_records; /* entries in nv_records of each (host 2's) */
	__u32 spread_keys;		    /* filler keys per VSID in the large table */
};

/* The cases. dir: where the CSV files go. 0, or -1 with a message. */
int perpacket_run(struct bench_env *e, const char *dir);
int live_run(struct bench_env *e, const char *dir);

#endif /* BENCH_H */
