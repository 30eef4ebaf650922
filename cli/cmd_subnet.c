// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl subnet: virtual subnets (VSIDs) and the routing domain each belongs to. */
#include <errno.h>

#include "nv_output.h"
#include "nvctl.h"

enum {
	SUBNET_VSID,
	SUBNET_RDID
};
static const struct nv_arg_spec add_args[] = {
	[SUBNET_VSID] = NV_ARG_VSID(true),
	[SUBNET_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
};
static const struct nv_arg_spec del_args[] = { [SUBNET_VSID] = NV_ARG_VSID(true) };

static int subnet_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u32 vsid = a->a[SUBNET_VSID].v.u32;
	struct nv_subnet s = { .rdid = a->a[SUBNET_RDID].v.u32 };
	struct nv_conflict why;
	struct nv_maps m;
	int err;

	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_subnet_add(&m, vsid, &s, &why);
	if (!err)
		err = nv_txn_push(ctx->txn,
				  &(struct nv_undo){ .kind = NV_UNDO_SUBNET_DEL, .id = vsid });
	nv_close_maps(ctx, &m);
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, NULL) : 0;
}

static int subnet_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u32 vsid = a->a[SUBNET_VSID].v.u32;
	struct nv_conflict why;
	struct nv_subnet s;
	struct nv_maps m;
	int err;

	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	/* Kept for the undo; a VSID without subnet is the library's to refuse, by name. */
	err = nv_subnet_get(&m, vsid, &s);
	if (!err || err == -ENOENT)
		err = nv_subnet_del(&m, vsid, &why);
	if (!err)
		err = nv_txn_push(
			ctx->txn,
			&(struct nv_undo){ .kind = NV_UNDO_SUBNET_ADD, .id = vsid, .subnet = s });
	nv_close_maps(ctx, &m);
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, NULL) : 0;
}

static int show_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct nv_ctx *ctx = arg;

	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "vsid", "%-10llu ", vsid);
	nv_print_uint(ctx, "rdid", "%llu\n", s->rdid);
	nv_close(ctx);
	return 0;
}

static int subnet_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	nv_out_begin(ctx, true);
	nv_print_text(ctx, "%-10s %s\n", "VSID", "RDID");
	err = nv_subnet_iter(&m, show_cb, ctx);
	nv_close_maps(ctx, &m);
	if (err) {
		nv_out_abort(ctx);
		return nv_errno_error(ctx, err, "%s", a->cmd);
	}
	nv_out_end(ctx);
	return 0;
}

const struct nv_cmd nv_subnet_cmds[] = {
	NV_CMD("add", add_args, "add a virtual subnet to a routing domain", subnet_add,
	       NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove a virtual subnet", subnet_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list virtual subnets", subnet_show, 0),
	{ 0 },
};
