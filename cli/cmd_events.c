// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl events: which verdicts the datapath writes into the nv_events ring (config.events), how
 * many per second per CPU (config.event_rate), and how many were written or missed. Reading the
 * ring is nvctl monitor's and nvctl trace's.
 */
#include <errno.h>

#include "nv_output.h"
#include "nvctl.h"

#define EVENT_RATE_MAX 10000000u

enum {
	EV_MODE,
	EV_RATE
};
static const struct nv_arg_spec set_args[] = {
	[EV_MODE] = { .key = "mode",
		      .type = NV_ARG_CHOICE,
		      .required = true,
		      .choices = nv_events_mode_names },
	[EV_RATE] = NV_ARG_NUM("rate", false, 1, EVENT_RATE_MAX, "N"),
};

static int events_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_event_state tot;
	unsigned int mode;
	const char *name;
	struct nv_maps m;
	__u32 rate;
	int err;

	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_events_get(&m, &mode, &rate);
	if (!err)
		err = nv_event_totals(&m, &tot);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "%s", a->cmd);
	nv_out_begin(ctx, false);
	/* A mode this build does not know (a newer datapath's) is shown by number. */
	name = nv_events_mode_name(mode);
	if (name)
		nv_print_string(ctx, "mode", "mode          %s\n", name);
	else
		nv_print_uint(ctx, "mode", "mode          %llu\n", mode);
	nv_print_uint(ctx, "rate", "rate          %llu per second per CPU",
		      rate ?: NV_EVENT_RATE_DEFAULT);
	nv_print_bool(ctx, "rate_default", NULL, rate == 0);
	nv_print_text(ctx, "%s\n", rate ? "" : " (default)");
	nv_print_uint(ctx, "emitted", "emitted       %llu\n", tot.emitted);
	nv_print_uint(ctx, "rate_limited", "rate_limited  %llu\n", tot.rate_limited);
	nv_print_uint(ctx, "ring_full", "ring_full     %llu\n", tot.ring_full);
	nv_out_end(ctx);
	return 0;
}

/* rate, when omitted, stays what it was: turning events off and on again keeps a chosen rate. */
static int set_events(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		      struct nv_conflict *why)
{
	unsigned int old_mode;
	__u32 old_rate;
	int err;

	(void)why; /* the event mode has no rule to break: errors are errnos */
	err = nv_events_get(m, &old_mode, &old_rate);
	if (!err)
		err = nv_events_set(m, a->a[EV_MODE].v.choice,
				    a->a[EV_RATE].set ? a->a[EV_RATE].v.u32 : old_rate);
	*undo = (struct nv_undo){ .kind = NV_UNDO_EVENTS_SET, .id = old_mode, .rate = old_rate };
	return err;
}

static int events_set(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, set_events);
}

const struct nv_cmd nv_events_cmds[] = {
	NV_CMD_NOARGS("show", "event mode, rate limit, events written and missed", events_show, 0),
	NV_CMD("set", set_args,
	       "which verdicts raise events, at most N per second per CPU (rate kept when omitted)",
	       events_set, NV_CMD_BATCH),
	{ 0 },
};
