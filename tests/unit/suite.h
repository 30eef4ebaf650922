/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by the datapath suites: case parameters, and the runner of the wire tables. */
#ifndef UNIT_SUITE_H
#define UNIT_SUITE_H

#include <criterion/parameterized.h>

#include "unit/cases.h"

/*
 * The parameters of a table's ParameterizedTest: row indices 0..n-1. Criterion copies parameters
 * into shared memory for a worker process that is mapped elsewhere (PIE), where the pointers of a
 * row (names, functions) would dangle; an index does not. Tables hold at most CASES_MAX rows
 * (test_drop_coverage.c checks).
 */
#define CASES_MAX 256
struct criterion_test_params case_indices(size_t n);

/*
 * The TC test run of this kernel (6.18) refuses, with -EINVAL, a frame whose ethertype is IPv4
 * but which is shorter than Ethernet + 20 bytes: such a truncation cannot be run through a TC
 * program here. True when r is that refusal.
 */
bool tc_refused_short_ip(const struct pkt *frame, size_t len, const struct run *r);

/* NV_LOCAL_* that the record of a bound port p must hold. */
__u8 port_local_flags(const struct nv_port *p);
/* The XDP -> TC metadata of an XDP test run r: exactly the port, its VSID and flags . */
/* A fresh network namespace and one host in it, or the test fails. */
void host_up(struct host *h, enum host_id id);

void expect_meta(const char *name, const struct run *r, const struct host_port *port);

/*
 * Map tweaks (.tweak of a vm_case or wire_case) that both directions' tables use. First: a CA of
 * tenant A (CA_4, MAC_4) recorded at host 1's own PA with no port (not yet, or no longer), a
 * lawful library state.
 */
void tweak_a4_local_record_no_port(struct host *h);
/* A1's CA recorded at host 2 (the VM has moved): host 1 still holds A1's port, not the CA. */
void tweak_a1_record_remote(struct host *h);

/* A customer route of tenant A: prefix/len (IPv4 bits) by next hop nh (0: on-link in vsid). */
void route_a(struct host *h, __be32 prefix, __u32 len, __be32 nh, __u32 vsid, __u32 metric);

/* One row: port rebinding and tweak, the run, verdict, output bytes and counters. */
void wire_case_run(struct host *h, const struct wire_case *c, bool xdp);
/* Every length from 14 to one byte short of frame: a counted TRUNCATED drop, never delivered. */
void wire_truncation_sweep(struct host *h, const struct pkt *frame, bool xdp, const char *what);
/* Frames under 14 bytes: refused by BPF_PROG_TEST_RUN itself, nothing counted. */
void runts_refused(struct host *h, int prog_fd, bool xdp, __u32 ifindex);
/* The same for nv_from_wire (xdp) or nv_wire_tc on the underlay. */
void wire_runts(struct host *h, bool xdp);

#endif /* UNIT_SUITE_H */
