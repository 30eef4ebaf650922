// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl subnet: virtual subnets (VSIDs), the routing domain each belongs to, its prefix and
 * gateway. A subnet brings its on-link route (nvctl route show), which goes with it.
 */
#include <errno.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	SUBNET_VSID,
	SUBNET_RDID,
	SUBNET_PREFIX,
	SUBNET_GATEWAY,
	SUBNET_GATEWAY_MAC
};
static const struct nv_arg_spec add_args[] = {
	[SUBNET_VSID] = NV_ARG_VSID(true),
	[SUBNET_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[SUBNET_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_PREFIX, true, "ADDR/LEN"),
	[SUBNET_GATEWAY] = NV_ARG_KEY("gateway", NV_ARG_ADDR, false, "ADDR"),
	[SUBNET_GATEWAY_MAC] = NV_ARG_KEY("gateway-mac", NV_ARG_MAC, false, "MAC"),
};
static const struct nv_arg_spec del_args[] = { [SUBNET_VSID] = NV_ARG_VSID(true) };

static int add_subnet(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		      struct nv_conflict *why)
{
	__u32 vsid = a->a[SUBNET_VSID].v.u32;
	struct nv_subnet s = { .rdid = a->a[SUBNET_RDID].v.u32,
			       .prefix = a->a[SUBNET_PREFIX].v.addr,
			       .prefixlen = a->a[SUBNET_PREFIX].prefixlen };

	/* The defaults (first host, a MAC from the VSID) are the library's to fill in. */
	if (a->a[SUBNET_GATEWAY].set)
		s.gw_ca = a->a[SUBNET_GATEWAY].v.addr;
	if (a->a[SUBNET_GATEWAY_MAC].set)
		memcpy(s.gw_mac, a->a[SUBNET_GATEWAY_MAC].v.mac, sizeof(s.gw_mac));
	*undo = (struct nv_undo){ .kind = NV_UNDO_SUBNET_DEL, .id = vsid };
	return nv_subnet_add(m, vsid, &s, why);
}

static int subnet_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, add_subnet);
}

static int del_subnet(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		      struct nv_conflict *why)
{
	__u32 vsid = a->a[SUBNET_VSID].v.u32;
	struct nv_subnet s = { 0 };
	int err;

	/* Kept for the undo; a VSID without subnet is the library's to refuse, by name. */
	err = nv_subnet_get(m, vsid, &s);
	if (!err || err == -ENOENT)
		err = nv_subnet_del(m, vsid, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_SUBNET_ADD, .id = vsid, .subnet = s };
	return err;
}

static int subnet_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, del_subnet);
}

static int show_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct nv_ctx *ctx = arg;

	char pfx[NV_PREFIX_STRLEN], gw[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN];
	bool routed = s->prefixlen != 0; /* without a prefix: no gateway either */

	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "vsid", "%-10llu ", vsid);
	nv_print_uint(ctx, "rdid", "%-10llu ", s->rdid);
	nv_print_string(ctx, "prefix", "%-20s ",
			routed ? nv_prefix_format(&s->prefix, s->prefixlen, pfx, sizeof(pfx))
			       : NULL);
	nv_print_string(ctx, "gateway", "%-16s ",
			routed ? nv_addr_format(&s->gw_ca, gw, sizeof(gw)) : NULL);
	nv_print_string(ctx, "gateway_mac", "%s\n",
			routed ? nv_mac_format(s->gw_mac, mac, sizeof(mac)) : NULL);
	nv_close(ctx);
	return 0;
}

static int list_subnets(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	(void)a;
	return nv_subnet_iter(m, show_cb, ctx);
}

static int subnet_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_subnets, "%-10s %-10s %-20s %-16s %s\n", "VSID", "RDID",
		       "PREFIX", "GATEWAY", "GATEWAY-MAC");
}

const struct nv_cmd nv_subnet_cmds[] = {
	NV_CMD("add", add_args, "add a virtual subnet to a routing domain", subnet_add,
	       NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove a virtual subnet", subnet_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list virtual subnets", subnet_show, 0),
	{ 0 },
};
