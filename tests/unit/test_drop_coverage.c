/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every drop reason has a case: a reason added to the ABI without a case in the tables of
 * test_from_vm.c, test_from_wire.c, test_wire_tc.c or test_gateway.c fails here.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "nv_maps.h"
#include "unit/cases.h"
#include "unit/suite.h"

static void mark_wire(bool seen[NV_DROP__MAX], const struct wire_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].xdp.kind == WO_DROP)
			seen[t[i].xdp.reason] = true;
		if (t[i].tc.kind == WO_DROP)
			seen[t[i].tc.reason] = true;
	}
}

Test(drop_coverage, every_reason_has_a_case)
{
	bool seen[NV_DROP__MAX] = { false };
	char missing[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < vm_cases_n; i++)
		seen[vm_cases[i].drop] = true;
	mark_wire(seen, wire_cases, wire_cases_n);
	mark_wire(seen, wiretc_cases, wiretc_cases_n);
	for (size_t i = 0; i < gw_cases_n; i++)
		seen[gw_cases[i].drop] = true;

	for (unsigned int r = 1; r < NV_DROP__MAX; r++)
		if (!seen[r])
			n += snprintf(missing + n, n < sizeof(missing) ? sizeof(missing) - n : 0,
				      " %s", nv_drop_reason_name(r));
	cr_expect_eq(n, 0, "drop reasons without a case:%s", missing);
}

/* The ABI's text says which program raises a reason: "vm: ..." from_vm, "wire: ..." the others. */
static bool reason_of(unsigned int reason, const char *prefix)
{
	const char *t = nv_drop_reason_text(reason);

	return t && !strncmp(t, prefix, strlen(prefix));
}

static void expect_wire_reason(const char *table, const struct wire_case *c,
			       const struct wire_outcome *o)
{
	if (o->kind == WO_DROP)
		cr_expect(!reason_of(o->reason, "vm:"), "%s row \"%s\": %s is a from_vm reason",
			  table, c->name, nv_drop_reason_name(o->reason));
}

Test(drop_coverage, rows_expect_reasons_of_their_program)
{
	for (size_t i = 0; i < vm_cases_n; i++)
		cr_expect(!reason_of(vm_cases[i].drop, "wire:"),
			  "from_vm row \"%s\": %s is a reason of the wire programs",
			  vm_cases[i].name, nv_drop_reason_name(vm_cases[i].drop));
	for (size_t i = 0; i < wire_cases_n; i++) {
		expect_wire_reason("wire", &wire_cases[i], &wire_cases[i].xdp);
		expect_wire_reason("wire", &wire_cases[i], &wire_cases[i].tc);
	}
	for (size_t i = 0; i < wiretc_cases_n; i++)
		expect_wire_reason("wire_tc", &wiretc_cases[i], &wiretc_cases[i].tc);
	/* "gw:" and "ext:" reasons belong to the gateway's rows; "ext:" ones to nv_from_ext's. */
	for (size_t i = 0; i < vm_cases_n; i++)
		cr_expect(!reason_of(vm_cases[i].drop, "gw:") &&
				  !reason_of(vm_cases[i].drop, "ext:"),
			  "from_vm row \"%s\": %s is a gateway reason", vm_cases[i].name,
			  nv_drop_reason_name(vm_cases[i].drop));
	for (size_t i = 0; i < gw_cases_n; i++)
		cr_expect(!reason_of(gw_cases[i].drop, "ext:") || gw_cases[i].hook == GW_IN,
			  "gateway row \"%s\": %s is a reason of nv_from_ext", gw_cases[i].name,
			  nv_drop_reason_name(gw_cases[i].drop));
}

/*
 * A drop case must name its reason, and only drop cases may (or a drop answered with an ICMP
 * error): catches half-edited rows.
 */
Test(drop_coverage, rows_are_consistent)
{
	for (size_t i = 0; i < vm_cases_n; i++) {
		const struct vm_case *c = &vm_cases[i];

		/* An expired or too big packet is a counted drop answered by an ICMP error. */
		bool answered = (c->out == VO_ICMP_TE && c->drop == NV_DROP_TTL_EXPIRED) ||
				(c->out == VO_ICMP_FN && c->drop == NV_DROP_MTU);

		cr_expect((c->verdict == TC_ACT_SHOT) == (c->drop != NV_DROP_NONE) || answered,
			  "from_vm row \"%s\": verdict and drop reason disagree", c->name);
		cr_expect(c->drop < NV_DROP__MAX, "from_vm row \"%s\": reason out of range",
			  c->name);
	}
	for (size_t i = 0; i < wire_cases_n; i++) {
		const struct wire_case *c = &wire_cases[i];

		cr_expect((c->xdp.kind == WO_DROP) == (c->xdp.reason != NV_DROP_NONE),
			  "wire row \"%s\": XDP outcome and reason disagree", c->name);
		cr_expect((c->tc.kind == WO_DROP) == (c->tc.reason != NV_DROP_NONE),
			  "wire row \"%s\": TC outcome and reason disagree", c->name);
	}
	for (size_t i = 0; i < gw_cases_n; i++) {
		const struct gw_case *c = &gw_cases[i];
		bool dropped = c->verdict == (c->hook == GW_XDP ? XDP_DROP : TC_ACT_SHOT);
		/* An expired or too big packet is a counted drop answered by an ICMP error. */
		bool answered = (c->out == GO_ICMP_VM || c->out == GO_ICMP_EXT) &&
				(c->drop == NV_DROP_TTL_EXPIRED || c->drop == NV_DROP_FRAG_NEEDED);

		cr_expect(dropped == (c->drop != NV_DROP_NONE) || answered,
			  "gateway row \"%s\": verdict and drop reason disagree", c->name);
		cr_expect(!dropped || c->out == GO_NONE,
			  "gateway row \"%s\": a drop with an output to check", c->name);
		cr_expect(c->drop < NV_DROP__MAX, "gateway row \"%s\": reason out of range",
			  c->name);
	}
}

Test(drop_coverage, tables_fit_the_parameter_buffer)
{
	cr_expect_leq(vm_cases_n, CASES_MAX);
	cr_expect_leq(wire_cases_n, CASES_MAX);
	cr_expect_leq(wiretc_cases_n, CASES_MAX);
	cr_expect_leq(gw_cases_n, CASES_MAX);
}
