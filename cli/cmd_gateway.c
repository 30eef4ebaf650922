// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl gateway: this host as an NVGRE gateway (DESIGN section 8). A leg per routing domain, its
 * CA and MAC in one of the tenant's VSIDs (the next hop of the tenant's routes to the outside),
 * and the external device its traffic leaves by, with nv_from_ext on that device's TC ingress;
 * and the physical prefixes a routing domain reaches through its leg (gateway route). The rules
 * are the maps library's and the loader's; this file parses and prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "nvctl.h"

/* The library's names (nv_gw_mode_parse gives each one's enum nv_gw_mode). */
static const char *const gw_modes[] = { "forward", "nat", NULL };

enum {
	GW_RDID,
	GW_VSID,
	GW_CA,
	GW_MAC,
	GW_DEV,
	GW_MODE
};
static const struct nv_arg_spec add_args[] = {
	[GW_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[GW_VSID] = NV_ARG_VSID(true),
	[GW_CA] = NV_ARG_KEY("ca", NV_ARG_ADDR, true, "ADDR"),
	[GW_MAC] = NV_ARG_KEY("mac", NV_ARG_MAC, true, "MAC"),
	[GW_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, true, "DEV"),
	[GW_MODE] = { .key = "mode", .type = NV_ARG_CHOICE, .choices = gw_modes },
};
static const struct nv_arg_spec del_args[] = {
	[GW_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
};

enum {
	GWR_RDID,
	GWR_PREFIX,
	GWR_VIA
};
static const struct nv_arg_spec route_add_args[] = {
	[GWR_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[GWR_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_PREFIX, true, "ADDR/LEN"),
	[GWR_VIA] = NV_ARG_KEY("via", NV_ARG_ADDR, false, "ADDR"),
};
static const struct nv_arg_spec route_del_args[] = {
	[GWR_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[GWR_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_PREFIX, true, "ADDR/LEN"),
};

static int gateway_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u32 rdid = a->a[GW_RDID].v.u32;
	struct nv_gw_leg leg = { .vsid = a->a[GW_VSID].v.u32,
				 .ext_ifindex = a->a[GW_DEV].v.u32,
				 .ca = a->a[GW_CA].v.addr,
				 .mode = NV_GW_NAT };
	struct nv_conflict why = { 0 };
	char dev[NV_NETDEV_NAMELEN + 4];
	struct nv_maps m;
	int err;

	if (!nv_addr_is_ipv4(&leg.ca))
		return nv_usage_error(ctx, "%s: ca \"%s\": IPv4 only for now", a->cmd,
				      a->a[GW_CA].raw);
	if (a->a[GW_MODE].set)
		leg.mode = (__u8)nv_gw_mode_parse(gw_modes[a->a[GW_MODE].v.choice]);
	memcpy(leg.mac, a->a[GW_MAC].v.mac, sizeof(leg.mac));
	if (ctx->dry_run)
		return 0;
	/* An instance to add to ("not attached" said as every command says it). */
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	nv_close_maps(ctx, &m);
	err = nv_dp_gateway_add(ctx->pin_dir, rdid, &leg, &why);
	if (!err)
		err = nv_txn_push(ctx->txn,
				  &(struct nv_undo){ .kind = NV_UNDO_GW_DEL, .id = rdid });
	snprintf(dev, sizeof(dev), "dev %s", a->a[GW_DEV].raw);
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, dev) : 0;
}

static int gateway_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u32 rdid = a->a[GW_RDID].v.u32;
	struct nv_conflict why = { 0 };
	struct nv_gw_leg leg;
	struct nv_maps m;
	int err;

	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	/* Kept for the undo; an RDID without a leg is the library's to refuse, by name. */
	err = nv_gw_leg_get(&m, rdid, &leg);
	nv_close_maps(ctx, &m);
	/* Taking it back would attach a program to a device that does not exist. */
	if (!err && ctx->txn && !nv_netdev_exists(leg.ext_ifindex))
		return nv_runtime_error(
			ctx,
			"%s: the external device (ifindex %u) of rdid %u is gone: a "
			"batch could not put its leg back, run it alone",
			a->cmd, leg.ext_ifindex, rdid);
	if (!err || err == -ENOENT)
		err = nv_dp_gateway_del(ctx->pin_dir, rdid, &why);
	if (!err)
		err = nv_txn_push(
			ctx->txn,
			&(struct nv_undo){ .kind = NV_UNDO_GW_ADD, .id = rdid, .leg = leg });
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, NULL) : 0;
}

/* A listing sorted by RDID (the maps are hashes): the same every time. */
struct leg_row {
	__u32 rdid;
	struct nv_gw_leg leg;
};

struct leg_rows {
	struct leg_row *v;
	size_t n, cap;
};

static int leg_collect_cb(__u32 rdid, const struct nv_gw_leg *leg, void *arg)
{
	struct leg_rows *r = arg;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct leg_row *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].rdid = rdid;
	r->v[r->n++].leg = *leg;
	return 0;
}

static int leg_cmp(const void *pa, const void *pb)
{
	const struct leg_row *a = pa, *b = pb;

	return a->rdid < b->rdid ? -1 : a->rdid > b->rdid;
}

static void print_leg(struct nv_ctx *ctx, const struct leg_row *r)
{
	char ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN];
	const char *mode = nv_gw_mode_name(r->leg.mode);

	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "rdid", "%-10llu ", r->rdid);
	nv_print_uint(ctx, "vsid", "%-10llu ", r->leg.vsid);
	nv_print_string(ctx, "ca", "%-16s ", nv_addr_format(&r->leg.ca, ca, sizeof(ca)));
	nv_print_string(ctx, "mac", "%-18s ", nv_mac_format(r->leg.mac, mac, sizeof(mac)));
	nv_print_ifname(ctx, "dev", "%-16s ", r->leg.ext_ifindex);
	nv_print_uint(ctx, "ifindex", NULL, r->leg.ext_ifindex);
	nv_print_string(ctx, "mode", "%s\n", mode);
	nv_close(ctx);
}

static int list_legs(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	struct leg_rows r = { 0 };
	int err;

	(void)a;
	err = nv_gw_leg_iter(m, leg_collect_cb, &r);
	if (!err && r.n)
		qsort(r.v, r.n, sizeof(*r.v), leg_cmp);
	for (size_t i = 0; !err && i < r.n; i++)
		print_leg(ctx, &r.v[i]);
	free(r.v);
	return err;
}

static int gateway_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_legs, "%-10s %-10s %-16s %-18s %-16s %s\n", "RDID", "VSID",
		       "CA", "MAC", "DEV", "MODE");
}

/* ---- gateway route ---- */

static int route_ipv4(struct nv_ctx *ctx, const struct nv_args *a)
{
	if (!nv_addr_is_ipv4(&a->a[GWR_PREFIX].v.addr))
		return nv_usage_error(ctx, "%s: prefix \"%s\": IPv4 only for now", a->cmd,
				      a->a[GWR_PREFIX].raw);
	if (a->a[GWR_VIA].set && !nv_addr_is_ipv4(&a->a[GWR_VIA].v.addr))
		return nv_usage_error(ctx, "%s: via \"%s\": IPv4 only for now", a->cmd,
				      a->a[GWR_VIA].raw);
	return 0;
}

/* The command's route as the undo log keeps it: prefixlen in address bits. */
static struct nv_route_key gw_route_key(const struct nv_args *a)
{
	return (struct nv_route_key){ .prefixlen = a->a[GWR_PREFIX].prefixlen,
				      .rdid = a->a[GWR_RDID].v.u32,
				      .addr = a->a[GWR_PREFIX].v.addr };
}

static int add_gw_route(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
			struct nv_conflict *why)
{
	struct nv_route_key k = gw_route_key(a);
	const union nv_addr *via = a->a[GWR_VIA].set ? &a->a[GWR_VIA].v.addr : NULL;

	*undo = (struct nv_undo){ .kind = NV_UNDO_GW_ROUTE_DEL, .route_key = k };
	return nv_gw_route_add(m, k.rdid, &k.addr, k.prefixlen, via, why);
}

static int gw_route_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	return route_ipv4(ctx, a) ?: nv_change(ctx, a, add_gw_route);
}

/* The next hop of the route a del removes, to put it back on a rollback. */
struct gw_route_find {
	struct nv_route_key k;
	union nv_addr via;
};

static int find_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
		   const union nv_addr *via, void *arg)
{
	struct gw_route_find *f = arg;

	if (rdid == f->k.rdid && prefixlen == f->k.prefixlen &&
	    !memcmp(prefix, &f->k.addr, sizeof(*prefix)))
		f->via = *via;
	return 0;
}

static int del_gw_route(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
			struct nv_conflict *why)
{
	struct gw_route_find f = { .k = gw_route_key(a) };
	int err = nv_gw_route_iter(m, find_cb, &f);

	if (!err)
		err = nv_gw_route_del(m, f.k.rdid, &f.k.addr, f.k.prefixlen, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_GW_ROUTE_ADD, .route_key = f.k, .addr = f.via };
	return err;
}

static int gw_route_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return route_ipv4(ctx, a) ?: nv_change(ctx, a, del_gw_route);
}

static int route_show_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
			 const union nv_addr *via, void *arg)
{
	char pfx[NV_PREFIX_STRLEN], nh[NV_ADDR_STRLEN];
	bool fib = nv_route_onlink(via);
	struct nv_ctx *ctx = arg;

	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "rdid", "%-10llu ", rdid);
	nv_print_string(ctx, "prefix", "%-20s ",
			nv_prefix_format(prefix, (__u8)prefixlen, pfx, sizeof(pfx)));
	/* No next hop: the FIB's on the external device (null in JSON). */
	nv_print_string(ctx, "via", fib ? NULL : "%s\n",
			fib ? NULL : nv_addr_format(via, nh, sizeof(nh)));
	if (fib)
		nv_print_text(ctx, "%s\n", "fib");
	nv_close(ctx);
	return 0;
}

static int list_gw_routes(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	(void)a;
	return nv_gw_route_iter(m, route_show_cb, ctx);
}

static int gw_route_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_gw_routes, "%-10s %-20s %s\n", "RDID", "PREFIX", "VIA");
}

const struct nv_cmd nv_gateway_cmds[] = {
	NV_CMD("add", add_args,
	       "a gateway leg: its CA and MAC in a VSID of rdid, and the external device DEV "
	       "(nv_from_ext attached to it)",
	       gateway_add, NV_CMD_BATCH),
	NV_CMD("del", del_args,
	       "remove the leg of rdid (the device's last leg detaches nv_from_ext from it)",
	       gateway_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list gateway legs", gateway_show, 0),
	NV_CMD("route add", route_add_args,
	       "a physical prefix that rdid reaches through its leg (via: next hop on the "
	       "external network, else the FIB's)",
	       gw_route_add, NV_CMD_BATCH),
	NV_CMD("route del", route_del_args, "remove a gateway route", gw_route_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("route show", "list gateway routes", gw_route_show, 0),
	{ 0 },
};
