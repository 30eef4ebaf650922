// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl subnet: virtual subnets (VSIDs) and the routing domain each belongs to. */
#include <errno.h>

#include "nv_args.h"
#include "nv_undo.h"

int nv_cmd_subnet_add(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "vsid", .type = NV_ARG_VSID, .required = true },
		{ .key = "rdid", .type = NV_ARG_U32, .required = true },
	};
	struct nv_subnet s = { 0 };
	struct nv_maps m;
	int err = nv_args_parse(ctx, "subnet add", a, 2, argc, argv);

	if (err || ctx->dry_run)
		return err;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	s.rdid = a[1].v.u32;
	err = nv_subnet_add(&m, a[0].v.u32, &s, NULL);
	if (!err)
		err = nv_undo_push(
			ctx, &(struct nv_undo){ .kind = NV_UNDO_SUBNET_DEL, .id = a[0].v.u32 });
	nv_close_maps(ctx, &m);
	if (err == -EEXIST)
		return nv_runtime_error(ctx, "subnet add: vsid %u already exists", a[0].v.u32);
	if (err)
		return nv_errno_error(ctx, err, "subnet add vsid %u", a[0].v.u32);
	return 0;
}

int nv_cmd_subnet_del(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = { { .key = "vsid", .type = NV_ARG_VSID, .required = true } };
	struct nv_subnet s;
	struct nv_maps m;
	int err = nv_args_parse(ctx, "subnet del", a, 1, argc, argv);

	if (err || ctx->dry_run)
		return err;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_subnet_get(&m, a[0].v.u32, &s);
	if (!err)
		err = nv_subnet_del(&m, a[0].v.u32, NULL);
	if (!err)
		err = nv_undo_push(ctx, &(struct nv_undo){ .kind = NV_UNDO_SUBNET_ADD,
							   .id = a[0].v.u32,
							   .subnet = s });
	nv_close_maps(ctx, &m);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "subnet del: vsid %u does not exist", a[0].v.u32);
	if (err == -EBUSY)
		return nv_runtime_error(
			ctx, "subnet del: vsid %u is still used by ports, records or routes",
			a[0].v.u32);
	if (err)
		return nv_errno_error(ctx, err, "subnet del vsid %u", a[0].v.u32);
	return 0;
}

static int subnet_show_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	json_t *list = arg;

	if (list)
		json_array_append_new(list, json_pack("{s:I, s:I}", "vsid", (json_int_t)vsid,
						      "rdid", (json_int_t)s->rdid));
	else
		printf("%-10u %u\n", vsid, s->rdid);
	return 0;
}

int nv_cmd_subnet_show(struct nv_ctx *ctx, int argc, char **argv)
{
	json_t *list = ctx->json ? json_array() : NULL;
	struct nv_maps m;
	int err;

	if (argc)
		return nv_usage_error(ctx, "subnet show: unexpected argument \"%s\"", argv[0]);
	err = nv_open_maps(ctx, &m);
	if (err) {
		json_decref(list);
		return err;
	}
	if (!list)
		printf("%-10s %s\n", "VSID", "RDID");
	err = nv_subnet_iter(&m, subnet_show_cb, list);
	nv_close_maps(ctx, &m);
	if (err) {
		json_decref(list);
		return nv_errno_error(ctx, err, "subnet show");
	}
	if (list)
		nv_json_print(ctx, list);
	return 0;
}
