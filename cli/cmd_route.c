// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl route: the customer routes of a routing domain (HNV's NetVirtualizationCustomerRoute),
 * (RDID, prefix) -> on-link in a VSID, or a next hop CA that has a record in the RDID, with a
 * metric. Longest prefix wins, then the lowest metric; each subnet brings its on-link route,
 * which `subnet del` removes. The rules are the maps library's; this file parses and prints.
 */
#include <errno.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	ROUTE_RDID,
	ROUTE_PREFIX,
	ROUTE_VSID,
	ROUTE_NEXTHOP,
	ROUTE_METRIC
};
static const struct nv_arg_spec add_args[] = {
	[ROUTE_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[ROUTE_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_PREFIX, true, "ADDR/LEN"),
	[ROUTE_VSID] = NV_ARG_VSID(false),
	[ROUTE_NEXTHOP] = NV_ARG_KEY("nexthop", NV_ARG_ADDR, false, "ADDR"),
	[ROUTE_METRIC] = NV_ARG_NUM("metric", false, 0, 0xffffffffu, "N"),
};
static const struct nv_arg_spec del_args[] = {
	[ROUTE_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[ROUTE_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_PREFIX, true, "ADDR/LEN"),
	[ROUTE_NEXTHOP] = NV_ARG_KEY("nexthop", NV_ARG_ADDR, false, "ADDR"),
};
static const struct nv_arg_spec show_args[] = {
	[ROUTE_RDID] = NV_ARG_NUM("rdid", false, 0, 0xffffffffu, "RDID"),
};

/* The FIB key of the command's prefix: its length in address bits, as parsed. */
static struct nv_route_key route_key(const struct nv_args *a)
{
	return (struct nv_route_key){ .prefixlen = a->a[ROUTE_PREFIX].prefixlen,
				      .rdid = a->a[ROUTE_RDID].v.u32,
				      .addr = a->a[ROUTE_PREFIX].v.addr };
}

/* IPv4 for now, as records and ports are: a prefix and a next hop of the other family fail. */
static int check_ipv4(struct nv_ctx *ctx, const struct nv_args *a)
{
	if (!nv_addr_is_ipv4(&a->a[ROUTE_PREFIX].v.addr))
		return nv_usage_error(ctx, "%s: prefix \"%s\": IPv4 only for now", a->cmd,
				      a->a[ROUTE_PREFIX].raw);
	if (a->a[ROUTE_NEXTHOP].set && !nv_addr_is_ipv4(&a->a[ROUTE_NEXTHOP].v.addr))
		return nv_usage_error(ctx, "%s: nexthop \"%s\": IPv4 only for now", a->cmd,
				      a->a[ROUTE_NEXTHOP].raw);
	return 0;
}

static int add_route(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		     struct nv_conflict *why)
{
	struct nv_route_key k = route_key(a);
	struct nv_route r = { .vsid = a->a[ROUTE_VSID].v.u32, .metric = a->a[ROUTE_METRIC].v.u32 };
	int err;

	if (a->a[ROUTE_NEXTHOP].set)
		r.nexthop = a->a[ROUTE_NEXTHOP].v.addr;
	err = nv_route_add(m, &k, &r, why);
	if (!err)
		*undo = (struct nv_undo){ .kind = NV_UNDO_ROUTE_DEL,
					  .route_key = k,
					  .addr = r.nexthop };
	return err;
}

static int route_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	bool vsid = a->a[ROUTE_VSID].set, nexthop = a->a[ROUTE_NEXTHOP].set;
	int err;

	/* The grammar is {vsid VSID | nexthop ADDR}: exactly one. */
	if (vsid && nexthop)
		return nv_usage_error(ctx, "%s: give vsid (on-link) or nexthop, not both", a->cmd);
	if (!vsid && !nexthop)
		return nv_usage_error(ctx, "%s: missing vsid (on-link) or nexthop", a->cmd);
	err = check_ipv4(ctx, a);
	return err ?: nv_change(ctx, a, add_route);
}

/* The customer route a del removes, as nv_route_del picks it: to put it back on a rollback. */
struct route_find {
	struct nv_route_key k;
	const union nv_addr *nexthop; /* NULL: the prefix's only customer route */
	struct nv_route found;
	int n;
};

static int find_cb(const struct nv_route_info *r, void *arg)
{
	struct route_find *f = arg;

	if (r->rdid != f->k.rdid || r->prefixlen != f->k.prefixlen ||
	    !nv_prefix_contains(&r->prefix, (__u8)r->prefixlen, &f->k.addr) ||
	    (r->flags & NV_ROUTE_F_SUBNET))
		return 0;
	if (f->nexthop && memcmp(&r->route.nexthop, f->nexthop, sizeof(*f->nexthop)))
		return 0;
	f->found = r->route;
	f->n++;
	return 0;
}

static int del_route(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		     struct nv_conflict *why)
{
	struct route_find f = { .k = route_key(a) };
	int err;

	if (a->a[ROUTE_NEXTHOP].set)
		f.nexthop = &a->a[ROUTE_NEXTHOP].v.addr;
	err = nv_route_iter(m, find_cb, &f);
	if (err)
		return err;
	err = nv_route_del(m, &f.k, f.nexthop, why);
	if (!err && f.n == 1)
		*undo = (struct nv_undo){ .kind = NV_UNDO_ROUTE_ADD,
					  .route_key = f.k,
					  .route = f.found };
	else if (!err)
		err = -EIO; /* the library removed a route the listing did not find: a bug */
	return err;
}

static int route_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	int err = check_ipv4(ctx, a);

	return err ?: nv_change(ctx, a, del_route);
}

struct route_show {
	struct nv_ctx *ctx;
	bool filter;
	__u32 rdid;
};

static int show_cb(const struct nv_route_info *r, void *arg)
{
	char pfx[NV_PREFIX_STRLEN], nh[NV_ADDR_STRLEN];
	struct route_show *s = arg;
	struct nv_ctx *ctx = s->ctx;
	bool onlink = nv_route_onlink(&r->route.nexthop);
	bool subnet = r->flags & NV_ROUTE_F_SUBNET;

	if (s->filter && r->rdid != s->rdid)
		return 0;
	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "rdid", "%-10llu ", r->rdid);
	nv_print_string(ctx, "prefix", "%-20s ",
			nv_prefix_format(&r->prefix, (__u8)r->prefixlen, pfx, sizeof(pfx)));
	/* On-link: null in JSON, said in text. */
	nv_print_string(ctx, "nexthop", onlink ? NULL : "%-16s ",
			onlink ? NULL : nv_addr_format(&r->route.nexthop, nh, sizeof(nh)));
	if (onlink)
		nv_print_text(ctx, "%-16s ", "on-link");
	nv_print_uint(ctx, "vsid", "%-10llu ", r->route.vsid);
	nv_print_uint(ctx, "metric", "%-10llu ", r->route.metric);
	nv_print_bool(ctx, "subnet", NULL, subnet);
	nv_print_text(ctx, "%-7s ", subnet ? "subnet" : "-");
	nv_print_bool(ctx, "active", "%s\n", r->active);
	nv_close(ctx);
	return 0;
}

static int list_routes(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	struct route_show s = { .ctx = ctx,
				.filter = a->a[ROUTE_RDID].set,
				.rdid = a->a[ROUTE_RDID].v.u32 };

	return nv_route_iter(m, show_cb, &s);
}

static int route_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_routes, "%-10s %-20s %-16s %-10s %-10s %-7s %s\n", "RDID",
		       "PREFIX", "VIA", "VSID", "METRIC", "FLAGS", "ACTIVE");
}

const struct nv_cmd nv_route_cmds[] = {
	NV_CMD("add", add_args,
	       "add a customer route: on-link in vsid, or via nexthop (exactly one)", route_add,
	       NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove a customer route (nexthop: which one of the prefix's)",
	       route_del, NV_CMD_BATCH),
	NV_CMD("show", show_args, "list routes: the subnets' on-link ones and the customer routes",
	       route_show, 0),
	{ 0 },
};
