// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl pa: the host's provider addresses. */
#include <errno.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	PA_ADDR,
	PA_DEV
};
static const struct nv_arg_spec add_args[] = {
	[PA_ADDR] = NV_ARG_POS(NV_ARG_ADDR, "ADDR"),
	[PA_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, false, "DEV"),
};
static const struct nv_arg_spec del_args[] = { [PA_ADDR] = NV_ARG_POS(NV_ARG_ADDR, "ADDR") };

static int add_pa(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		  struct nv_conflict *why)
{
	const union nv_addr *pa = &a->a[PA_ADDR].v.addr;
	struct nv_config cfg;
	int err;

	err = nv_config_get(m, &cfg);
	if (!err)
		err = nv_local_pa_add(
			m, pa, a->a[PA_DEV].set ? a->a[PA_DEV].v.u32 : cfg.underlay_ifindex, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_PA_DEL, .addr = *pa };
	return err;
}

static int pa_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	if (!nv_addr_is_ipv4(&a->a[PA_ADDR].v.addr))
		return nv_usage_error(ctx, "%s: \"%s\": the underlay is IPv4 only for now", a->cmd,
				      a->a[PA_ADDR].raw);
	return nv_change(ctx, a, add_pa);
}

static int del_pa(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		  struct nv_conflict *why)
{
	const union nv_addr *pa = &a->a[PA_ADDR].v.addr;
	struct nv_local_pa v = { 0 };
	int err;

	/* Its device, for the undo; a PA that is not local is the library's to refuse. */
	err = nv_local_pa_get(m, pa, &v);
	if (!err || err == -ENOENT)
		err = nv_local_pa_del(m, pa, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_PA_ADD, .addr = *pa, .id = v.ifindex };
	return err;
}

static int pa_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, del_pa);
}

static int show_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct nv_ctx *ctx = arg;
	char addr[NV_ADDR_STRLEN];

	nv_open_object(ctx, NULL);
	nv_print_string(ctx, "pa", "%-40s ", nv_addr_format(pa, addr, sizeof(addr)));
	if (v->ifindex)
		nv_print_ifname(ctx, "dev", "%s\n", v->ifindex);
	else
		nv_print_string(ctx, "dev", "%s\n", NULL);
	nv_print_uint(ctx, "ifindex", NULL, v->ifindex);
	nv_close(ctx);
	return 0;
}

static int list_pas(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	(void)a;
	return nv_local_pa_iter(m, show_cb, ctx);
}

static int pa_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_pas, "%-40s %s\n", "PA", "DEV");
}

const struct nv_cmd nv_pa_cmds[] = {
	NV_CMD("add", add_args, "add a local provider address", pa_add, NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove a local provider address", pa_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list local provider addresses", pa_show, 0),
	{ 0 },
};
