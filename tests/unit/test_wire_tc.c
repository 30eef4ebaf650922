/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_wire_tc (TC ingress of the underlay of host 1) through BPF_PROG_TEST_RUN, without XDP
 * metadata: it classifies every frame itself, so it must reach the same verdicts as nv_from_wire
 * on the same table, then decapsulate on the skb.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <linux/pkt_cls.h>

#include "unit/cases.h"
#include "unit/suite.h"

static struct host h1;

static void setup(void)
{
	host_up(&h1, HOST_1);
}

static void teardown(void)
{
	host_teardown(&h1);
}

/* What only the skb path has (veth ports, bpf_redirect_peer: rows of wire_cases). */
const struct wire_case wiretc_cases[] = {
	{ .name = "DECAP_FAILED: UDP GSO skb (no gso_type) refused by adjust_room",
	  .gso_size = 1000,
	  .len = 600,
	  .tc = W_DROP(DECAP_FAILED) },
};

const size_t wiretc_cases_n = sizeof(wiretc_cases) / sizeof(wiretc_cases[0]);

ParameterizedTestParameters(wire_tc, cases)
{
	return case_indices(wire_cases_n);
}

ParameterizedTest(size_t *idx, wire_tc, cases, .init = setup, .fini = teardown)
{
	wire_case_run(&h1, &wire_cases[*idx], false);
}

ParameterizedTestParameters(wire_tc, tc_only)
{
	return case_indices(wiretc_cases_n);
}

ParameterizedTest(size_t *idx, wire_tc, tc_only, .init = setup, .fini = teardown)
{
	wire_case_run(&h1, &wiretc_cases[*idx], false);
}

Test(wire_tc, truncation_never_delivers, .init = setup, .fini = teardown)
{
	const struct wire_case c = { .name = "A -> A1" }, c_tcp = { .name = "A -> A1, TCP 1514",
								    .proto = PKT_IPPROTO_TCP,
								    .len = 1514 };
	struct pkt wire, inner;

	wire_case_build(&c, &wire, &inner);
	wire_truncation_sweep(&h1, &wire, false, c.name);
	wire_case_build(&c_tcp, &wire, &inner);
	wire_truncation_sweep(&h1, &wire, false, c_tcp.name);
}

Test(wire_tc, test_run_refuses_runts, .init = setup, .fini = teardown)
{
	wire_runts(&h1, false);
}
