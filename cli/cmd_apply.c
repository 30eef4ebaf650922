// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl apply: make the instance equal to a policy file. The difference against the live maps
 * (nv_policy_diff) is printed, one +, ~ or - line per object, then applied in one transaction:
 * a change the library refuses takes back every change before it.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_output.h"
#include "nv_policy.h"
#include "nv_policy_json.h"
#include "nv_policy_apply.h"
#include "nvctl.h"

static const char *const yes_no[] = { "no", "yes", NULL };
enum {
	APPLY_FILE,
	APPLY_PRUNE,
	APPLY_DRY_RUN
};
static const struct nv_arg_spec apply_args[] = {
	[APPLY_FILE] = NV_ARG_POS(NV_ARG_STRING, "FILE|-"),
	[APPLY_PRUNE] = { .key = "prune", .type = NV_ARG_CHOICE, .choices = yes_no },
	[APPLY_DRY_RUN] = { .key = "dry-run", .type = NV_ARG_CHOICE, .choices = yes_no },
};

static const char *const kind_names[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = "pa",
	[NV_POLICY_SUBNET] = "subnet",
	[NV_POLICY_ROUTE] = "route",
	[NV_POLICY_PORT] = "port",
	[NV_POLICY_RECORD] = "record",
	[NV_POLICY_GATEWAY] = "gateway",
	[NV_POLICY_GW_ROUTE] = "gateway-route",
	[NV_POLICY_NAT] = "nat",
	[NV_POLICY_NAT_MAP] = "nat-map",
	[NV_POLICY_TIMEOUTS] = "nat-timeouts",
};
static const char op_signs[] = {
	[NV_POLICY_ADD] = '+', [NV_POLICY_CHANGE] = '~', [NV_POLICY_DEL] = '-'
};
static const char *const op_names[] = {
	[NV_POLICY_ADD] = "add", [NV_POLICY_CHANGE] = "change", [NV_POLICY_DEL] = "delete"
};

struct apply {
	struct nv_ctx *ctx;
	struct nv_policy want, have;
};

static const void *object_of(const struct apply *a, const struct nv_policy_change *c)
{
	return nv_policy_change_object(&a->want, &a->have, c);
}

/* "+ record {...}": the change as a line, and its object's JSON text. */
static char *change_text(const struct apply *a, const struct nv_policy_change *c)
{
	json_t *o = nv_policy_json_object(c->kind, object_of(a, c));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER), *line = NULL;

	json_decref(o);
	if (s && asprintf(&line, "%c %s %s", op_signs[c->op], kind_names[c->kind], s) < 0)
		line = NULL;
	free(s);
	return line;
}

static int print_changes(struct apply *a, const struct nv_policy_change *v, size_t n, bool dry_run)
{
	size_t count[3] = { 0 };

	nv_out_begin(a->ctx, false);
	nv_open_array(a->ctx, "changes");
	for (size_t i = 0; i < n; i++) {
		char *line = change_text(a, &v[i]);

		if (!line) {
			nv_out_abort(a->ctx);
			return nv_errno_error(a->ctx, ENOMEM, "apply");
		}
		nv_open_object(a->ctx, NULL);
		nv_print_string(a->ctx, "op", NULL, op_names[v[i].op]);
		nv_print_string(a->ctx, "kind", NULL, kind_names[v[i].kind]);
		nv_print_json(a->ctx, "object",
			      nv_policy_json_object(v[i].kind, object_of(a, &v[i])));
		nv_print_text(a->ctx, "%s\n", line);
		nv_close(a->ctx);
		count[v[i].op]++;
		free(line);
	}
	nv_close(a->ctx);
	nv_print_uint(a->ctx, "added", "%llu added, ", count[NV_POLICY_ADD]);
	nv_print_uint(a->ctx, "changed", "%llu changed, ", count[NV_POLICY_CHANGE]);
	nv_print_uint(a->ctx, "deleted", "%llu deleted", count[NV_POLICY_DEL]);
	nv_print_bool(a->ctx, "dry_run", dry_run ? " (dry run: nothing applied)\n" : "\n", dry_run);
	return 0;
}

static int apply_run(struct nv_ctx *ctx, const struct nv_args *args)
{
	const char *file = args->a[APPLY_FILE].raw;
	bool prune = args->a[APPLY_PRUNE].set && args->a[APPLY_PRUNE].v.choice;
	bool dry_run = args->a[APPLY_DRY_RUN].set && args->a[APPLY_DRY_RUN].v.choice;
	struct apply a = { .ctx = ctx };
	struct nv_policy_change *v = NULL;
	struct nv_conflict why;
	char err_text[256], *buf = NULL, *what;
	size_t len = 0, n = 0, failed;
	struct nv_maps m;
	int ret, err, undo;
	sigset_t old;
	FILE *f;

	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		return nv_errno_error(ctx, errno, "apply: %s", file);
	err = nv_read_all(f, &buf, &len);
	if (f != stdin)
		fclose(f);
	if (err)
		return nv_errno_error(ctx, err, "apply: %s", file);
	err = nv_policy_json_read(buf, len, &a.want, err_text, sizeof(err_text));
	free(buf);
	if (err == -EINVAL)
		return nv_usage_error(ctx, "apply: %s: %s", file, err_text);
	if (err)
		return nv_errno_error(ctx, err, "apply: %s", file);

	ret = nv_open_maps(ctx, &m);
	if (ret)
		goto out;
	err = nv_policy_read(&m, &a.have);
	/* What the file lacks stays: also what a leg or NAT changed in place takes down. */
	if (!err && !prune)
		err = nv_policy_keep_dependents(&a.want, &a.have);
	if (!err)
		err = nv_policy_diff(&a.want, &a.have, prune, &v, &n);
	if (!err)
		err = nv_policy_keep_main_pa(&m, &a.have, v, &n);
	if (err) {
		ret = nv_errno_error(ctx, err, "apply");
		goto close;
	}
	/* Applied, or taken back, whole: SIGINT or SIGTERM meanwhile waits for the end. */
	nv_signals_hold(&old);
	err = dry_run ? 0
		      : nv_policy_apply(ctx->pin_dir, &m, &a.want, &a.have, v, n, &failed, &why,
					&undo);
	nv_signals_release(&old);
	if (err) {
		what = change_text(&a, &v[failed]);
		ret = nv_conflict_error(ctx, what ? what : "apply", err, &why, NULL);
		free(what);
		if (undo)
			nv_errno_error(ctx, undo, "apply: taking back the applied changes");
		goto close;
	}
	ret = print_changes(&a, v, n, dry_run);
	if (!ret)
		nv_out_end(ctx);
close:
	nv_close_maps(ctx, &m);
out:
	free(v);
	nv_policy_free(&a.want);
	nv_policy_free(&a.have);
	return ret;
}

const struct nv_cmd nv_apply_cmds[] = {
	NV_CMD("file", apply_args,
	       "make the instance equal to a policy file: print the difference, apply it all or "
	       "nothing",
	       apply_run, NV_CMD_DEFAULT | NV_CMD_DEFAULT_ARGS),
	{ 0 },
};
