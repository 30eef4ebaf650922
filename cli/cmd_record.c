// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl record: the lookup table (VSID, CA) -> (PA, MAC), the same on every host. CA 0.0.0.0 is
 * the routing domain's gateway wildcard record: where sources outside the RDID come from.
 */
#include <errno.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	REC_VSID,
	REC_CA,
	REC_MAC,
	REC_PA
};
static const struct nv_arg_spec add_args[] = {
	[REC_VSID] = NV_ARG_VSID(true),
	[REC_CA] = NV_ARG_KEY("ca", NV_ARG_CA, true, "ADDR"),
	[REC_MAC] = NV_ARG_KEY("mac", NV_ARG_MAC, true, "MAC"),
	[REC_PA] = NV_ARG_KEY("pa", NV_ARG_ADDR, true, "ADDR"),
};
static const struct nv_arg_spec del_args[] = {
	[REC_VSID] = NV_ARG_VSID(true),
	[REC_CA] = NV_ARG_KEY("ca", NV_ARG_CA, true, "ADDR"),
};
static const struct nv_arg_spec show_args[] = { [REC_VSID] = NV_ARG_VSID(false) };

/* The record a command names (its MAC and PA: add only). */
static void record_from_args(const struct nv_args *a, struct nv_record_key *k, struct nv_record *r)
{
	*k = (struct nv_record_key){ .vsid = a->a[REC_VSID].v.u32, .ca = a->a[REC_CA].v.addr };
	*r = (struct nv_record){ .pa = a->a[REC_PA].v.addr, .rule = NV_RULE_ENCAP };
	memcpy(r->mac, a->a[REC_MAC].v.mac, sizeof(r->mac));
}

static int add_record(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		      struct nv_conflict *why)
{
	struct nv_record_key k;
	struct nv_record r;

	record_from_args(a, &k, &r);
	*undo = (struct nv_undo){ .kind = NV_UNDO_RECORD_DEL, .rkey = k };
	return nv_record_add(m, &k, &r, why);
}

static int record_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_record_key k;
	struct nv_record r;
	struct nv_maps m;
	int err;

	if (!nv_addr_is_ipv4(&a->a[REC_CA].v.addr))
		return nv_usage_error(ctx, "%s: ca \"%s\": IPv4 only for now", a->cmd,
				      a->a[REC_CA].raw);
	if (!nv_addr_is_ipv4(&a->a[REC_PA].v.addr))
		return nv_usage_error(ctx, "%s: pa \"%s\": IPv4 only for now", a->cmd,
				      a->a[REC_PA].raw);
	if (ctx->dry_run || !ctx->records)
		return nv_change(ctx, a, add_record);
	/* In a batch: applied with its neighbours by the batch (nv_record_add_many). */
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	record_from_args(a, &k, &r);
	err = nv_record_queue_push(ctx->records, &k, &r);
	nv_close_maps(ctx, &m);
	return err ? nv_errno_error(ctx, err, "%s", a->cmd) : 0;
}

static int del_record(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		      struct nv_conflict *why)
{
	struct nv_record_key k = { .vsid = a->a[REC_VSID].v.u32, .ca = a->a[REC_CA].v.addr };
	struct nv_record r = { 0 };
	int err;

	/* Kept for the undo; a CA without record is the library's to refuse, by name. */
	err = nv_record_get(m, &k, &r);
	if (!err || err == -ENOENT)
		err = nv_record_del(m, &k, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_RECORD_ADD, .rkey = k, .rec = r };
	return err;
}

static int record_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, del_record);
}

struct record_show {
	struct nv_ctx *ctx;
	bool filter;
	__u32 vsid;
};

static int show_cb(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	char ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], pa[NV_ADDR_STRLEN];
	struct record_show *s = arg;
	struct nv_ctx *ctx = s->ctx;

	if (s->filter && k->vsid != s->vsid)
		return 0;
	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "vsid", "%-10llu ", k->vsid);
	nv_print_string(ctx, "ca", "%-16s ", nv_addr_format(&k->ca, ca, sizeof(ca)));
	nv_print_string(ctx, "mac", "%-18s ", nv_mac_format(r->mac, mac, sizeof(mac)));
	nv_print_string(ctx, "pa", "%-16s ", nv_addr_format(&r->pa, pa, sizeof(pa)));
	nv_print_bool(ctx, "local_pa", NULL, r->local & NV_LOCAL_PA);
	if (r->ifindex)
		nv_print_ifname(ctx, "port", "%s\n", r->ifindex);
	else
		nv_print_string(ctx, "port", "%s\n", NULL);
	nv_close(ctx);
	return 0;
}

static int list_records(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	struct record_show s = { .ctx = ctx,
				 .filter = a->a[REC_VSID].set,
				 .vsid = a->a[REC_VSID].v.u32 };

	return nv_record_iter(m, show_cb, &s);
}

static int record_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_records, "%-10s %-16s %-18s %-16s %s\n", "VSID", "CA", "MAC",
		       "PA", "PORT");
}

const struct nv_cmd nv_record_cmds[] = {
	NV_CMD("add", add_args, "add a lookup record", record_add, NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove a lookup record", record_del, NV_CMD_BATCH),
	NV_CMD("show", show_args, "list lookup records", record_show, 0),
	{ 0 },
};
