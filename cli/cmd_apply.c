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

#include "nv_datapath.h"
#include "nv_output.h"
#include "nv_policy.h"
#include "nv_policy_json.h"
#include "nv_txn.h"
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
	[NV_POLICY_PA] = "pa",	   [NV_POLICY_SUBNET] = "subnet", [NV_POLICY_ROUTE] = "route",
	[NV_POLICY_PORT] = "port", [NV_POLICY_RECORD] = "record",
};
static const char op_signs[] = {
	[NV_POLICY_ADD] = '+', [NV_POLICY_CHANGE] = '~', [NV_POLICY_DEL] = '-'
};
static const char *const op_names[] = {
	[NV_POLICY_ADD] = "add", [NV_POLICY_CHANGE] = "change", [NV_POLICY_DEL] = "delete"
};

struct apply {
	struct nv_ctx *ctx;
	const struct nv_maps *m;
	struct nv_txn txn;
	struct nv_policy want, have;
};

/* The object a change is about: the file's, or for a deletion the live one. */
static const void *object_of(const struct apply *a, const struct nv_policy_change *c)
{
	if (c->op == NV_POLICY_DEL)
		return nv_policy_item(&a->have, c->kind, c->have);
	return nv_policy_item(&a->want, c->kind, c->want);
}

/* The FIB key of a route, as route add and del take it. */
static struct nv_route_key route_key(const struct nv_route_info *r)
{
	return (struct nv_route_key){ .prefixlen = r->prefixlen,
				      .rdid = r->rdid,
				      .addr = r->prefix };
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

static int logged(struct apply *a, int err, const struct nv_undo *u)
{
	if (!err)
		nv_txn_push(&a->txn, u); /* reserved: cannot fail */
	return err;
}

static int del_object(struct apply *a, const struct nv_policy_change *c, struct nv_conflict *why)
{
	const struct nv_policy *h = &a->have;
	size_t i = c->have;

	/* Room in the log first: a change made is always logged. */
	if (nv_txn_reserve(&a->txn))
		return -ENOMEM;
	switch (c->kind) {
	case NV_POLICY_PA:
		return logged(a, nv_local_pa_del(a->m, &h->pas[i].pa, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PA_ADD,
						 .addr = h->pas[i].pa,
						 .id = h->pas[i].ifindex });
	case NV_POLICY_SUBNET:
		return logged(a, nv_subnet_del(a->m, h->subnets[i].vsid, why),
			      &(struct nv_undo){ .kind = NV_UNDO_SUBNET_ADD,
						 .id = h->subnets[i].vsid,
						 .subnet = h->subnets[i].s });
	case NV_POLICY_ROUTE: {
		const struct nv_route_info *r = &h->routes[i];
		struct nv_route_key k = route_key(r);
		/* On-link: the prefix's one customer route (route del without nexthop). */
		const union nv_addr *nh =
			nv_route_onlink(&r->route.nexthop) ? NULL : &r->route.nexthop;

		return logged(a, nv_route_del(a->m, &k, nh, why),
			      &(struct nv_undo){ .kind = NV_UNDO_ROUTE_ADD,
						 .route_key = k,
						 .route = r->route });
	}
	case NV_POLICY_PORT:
		return logged(a, nv_dp_port_del(a->ctx->pin_dir, h->ports[i].ifindex, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PORT_ADD,
						 .id = h->ports[i].ifindex,
						 .port = h->ports[i].p });
	default:
		return logged(a, nv_record_del(a->m, &h->records[i].k, why),
			      &(struct nv_undo){ .kind = NV_UNDO_RECORD_ADD,
						 .rkey = h->records[i].k,
						 .rec = h->records[i].r });
	}
}

static int add_object(struct apply *a, const struct nv_policy_change *c, struct nv_conflict *why)
{
	const struct nv_policy *w = &a->want;
	size_t i = c->want;

	if (nv_txn_reserve(&a->txn))
		return -ENOMEM;
	switch (c->kind) {
	case NV_POLICY_PA:
		return logged(a, nv_local_pa_add(a->m, &w->pas[i].pa, w->pas[i].ifindex, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PA_DEL, .addr = w->pas[i].pa });
	case NV_POLICY_SUBNET:
		return logged(
			a, nv_subnet_add(a->m, w->subnets[i].vsid, &w->subnets[i].s, why),
			&(struct nv_undo){ .kind = NV_UNDO_SUBNET_DEL, .id = w->subnets[i].vsid });
	case NV_POLICY_ROUTE: {
		const struct nv_route_info *r = &w->routes[i];
		struct nv_route_key k = route_key(r);

		return logged(a, nv_route_add(a->m, &k, &r->route, why),
			      &(struct nv_undo){ .kind = NV_UNDO_ROUTE_DEL,
						 .route_key = k,
						 .addr = r->route.nexthop });
	}
	case NV_POLICY_PORT: {
		/* Its RDID is its subnet's, as port add takes it (added before ports). */
		struct nv_port p = w->ports[i].p;
		struct nv_subnet sub;

		p.rdid = nv_subnet_get(a->m, p.vsid, &sub) ? 0 : sub.rdid;
		return logged(
			a, nv_dp_port_add(a->ctx->pin_dir, w->ports[i].ifindex, &p, why),
			&(struct nv_undo){ .kind = NV_UNDO_PORT_DEL, .id = w->ports[i].ifindex });
	}
	default:
		return logged(
			a, nv_record_add(a->m, &w->records[i].k, &w->records[i].r, why),
			&(struct nv_undo){ .kind = NV_UNDO_RECORD_DEL, .rkey = w->records[i].k });
	}
}

/*
 * One change, logged. A record changes in place (no moment without it: a VM that moved); every
 * other kind is deleted and added again, which the library refuses while something uses it.
 */
static int apply_one(struct apply *a, const struct nv_policy_change *c, struct nv_conflict *why)
{
	int err;

	memset(why, 0, sizeof(*why)); /* NV_CONFLICT_NONE until the library says more */
	switch (c->op) {
	case NV_POLICY_ADD:
		return add_object(a, c, why);
	case NV_POLICY_DEL:
		return del_object(a, c, why);
	case NV_POLICY_CHANGE:
		break;
	}
	if (c->kind == NV_POLICY_RECORD && nv_txn_reserve(&a->txn))
		return -ENOMEM;
	if (c->kind == NV_POLICY_RECORD)
		return logged(a,
			      nv_record_update(a->m, &a->want.records[c->want].k,
					       &a->want.records[c->want].r, why),
			      &(struct nv_undo){ .kind = NV_UNDO_RECORD_SET,
						 .rkey = a->have.records[c->have].k,
						 .rec = a->have.records[c->have].r });
	err = del_object(a, c, why);
	return err ?: add_object(a, c, why);
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

/* prune never deletes the main PA: dp attach gave it, dp detach takes it. */
static int keep_main_pa(const struct nv_maps *m, const struct nv_policy *have,
			struct nv_policy_change *v, size_t *n)
{
	struct nv_config cfg;
	size_t k = 0;
	int err = nv_config_get(m, &cfg);

	if (err)
		return err;
	for (size_t i = 0; i < *n; i++)
		if (!(v[i].kind == NV_POLICY_PA && v[i].op == NV_POLICY_DEL &&
		      !memcmp(&have->pas[v[i].have].pa, &cfg.pa, sizeof(cfg.pa))))
			v[k++] = v[i];
	*n = k;
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
	size_t len = 0, n = 0, i;
	struct nv_maps m;
	int ret, err;
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
	a.m = &m;
	err = nv_policy_read(&m, &a.have);
	if (!err)
		err = nv_policy_diff(&a.want, &a.have, prune, &v, &n);
	if (!err)
		err = keep_main_pa(&m, &a.have, v, &n);
	if (err) {
		ret = nv_errno_error(ctx, err, "apply");
		goto close;
	}
	for (i = 0, err = 0; !dry_run && i < n && !err; i++)
		err = apply_one(&a, &v[i], &why);
	if (err) {
		int undo = nv_txn_rollback(&a.txn, ctx->pin_dir);

		what = change_text(&a, &v[i - 1]);
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
	nv_txn_free(&a.txn);
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
