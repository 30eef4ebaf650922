// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl events: which verdicts the datapath writes into the nv_events ring (config.events), how
 * many per second per CPU (config.event_rate), and how many were written or missed. Reading the
 * ring is nvctl monitor's and nvctl trace's.
 */
#include <errno.h>

#include "nv_args.h"
#include "nv_undo.h"

#define EVENT_RATE_MAX 10000000u

int nv_cmd_events_show(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_event_state tot;
	unsigned int mode;
	const char *name;
	struct nv_maps m;
	__u32 rate;
	int err;

	if (argc)
		return nv_usage_error(ctx, "events show: unexpected argument \"%s\"", argv[0]);
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_events_get(&m, &mode, &rate);
	if (!err)
		err = nv_event_totals(&m, &tot);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "events show");
	/* A mode this build does not know (a newer datapath's) is shown by number. */
	name = nv_events_mode_name(mode);
	if (ctx->json) {
		nv_json_print(ctx,
			      json_pack("{s:o, s:I, s:b, s:I, s:I, s:I}", "mode",
					name ? json_string(name) : json_integer(mode), "rate",
					(json_int_t)(rate ?: NV_EVENT_RATE_DEFAULT), "rate_default",
					rate == 0, "emitted", (json_int_t)tot.emitted,
					"rate_limited", (json_int_t)tot.rate_limited, "ring_full",
					(json_int_t)tot.ring_full));
		return 0;
	}
	if (name)
		printf("mode          %s\n", name);
	else
		printf("mode          %u\n", mode);
	printf("rate          %u per second per CPU%s\n", rate ?: NV_EVENT_RATE_DEFAULT,
	       rate ? "" : " (default)");
	printf("emitted       %llu\n", (unsigned long long)tot.emitted);
	printf("rate_limited  %llu\n", (unsigned long long)tot.rate_limited);
	printf("ring_full     %llu\n", (unsigned long long)tot.ring_full);
	return 0;
}

/* rate, when omitted, stays what it was: turning events off and on again keeps a chosen rate. */
int nv_cmd_events_set(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "mode", .type = NV_ARG_STRING, .required = true },
		{ .key = "rate", .type = NV_ARG_U32 },
	};
	unsigned int old_mode;
	struct nv_maps m;
	__u32 old_rate;
	int mode, err = nv_args_parse(ctx, "events set", a, 2, argc, argv);

	if (err)
		return err;
	mode = nv_events_mode_parse(a[0].raw);
	if (mode < 0)
		return nv_usage_error(ctx, "events set: mode \"%s\": expected off, drops or trace",
				      a[0].raw);
	if (a[1].set && (a[1].v.u32 < 1 || a[1].v.u32 > EVENT_RATE_MAX))
		return nv_usage_error(ctx, "events set: rate \"%s\": expected a number in 1..%u",
				      a[1].raw, EVENT_RATE_MAX);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_events_get(&m, &old_mode, &old_rate);
	if (!err)
		err = nv_events_set(&m, mode, a[1].set ? a[1].v.u32 : old_rate);
	if (!err)
		err = nv_undo_push(ctx, &(struct nv_undo){ .kind = NV_UNDO_EVENTS_SET,
							   .id = old_mode,
							   .rate = old_rate });
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "events set");
	return 0;
}
