// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl pa: the host's provider addresses. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_undo.h"

/* "pa add ADDR [dev DEV]": the address comes first, without a keyword. */
static int parse_pa(struct nv_ctx *ctx, const char *cmd, int argc, char **argv, struct nv_arg *a,
		    int nargs, union nv_addr *pa)
{
	if (argc < 1)
		return nv_usage_error(ctx, "%s: missing ADDR", cmd);
	if (nv_addr_parse(argv[0], pa))
		return nv_usage_error(ctx, "%s: \"%s\": not an IPv4 or IPv6 address", cmd, argv[0]);
	if (!nv_addr_unicast(pa))
		return nv_usage_error(
			ctx,
			"%s: \"%s\": not a unicast address (unspecified, broadcast or multicast)",
			cmd, argv[0]);
	return nv_args_parse(ctx, cmd, a, nargs, argc - 1, argv + 1);
}

int nv_cmd_pa_add(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = { { .key = "dev", .type = NV_ARG_DEV } };
	struct nv_config cfg;
	union nv_addr pa;
	struct nv_maps m;
	__u32 ifindex;
	int err = parse_pa(ctx, "pa add", argc, argv, a, 1, &pa);

	if (err)
		return err;
	if (!nv_addr_is_ipv4(&pa))
		return nv_usage_error(ctx, "pa add: \"%s\": the underlay is IPv4 only for now",
				      argv[0]);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_config_get(&m, &cfg);
	ifindex = a[0].set ? a[0].v.u32 : cfg.underlay_ifindex;
	if (!err)
		err = nv_local_pa_add(&m, &pa, ifindex, NULL);
	if (!err)
		err = nv_undo_push(ctx, &(struct nv_undo){ .kind = NV_UNDO_PA_DEL, .addr = pa });
	nv_close_maps(ctx, &m);
	if (err == -EEXIST)
		return nv_runtime_error(ctx, "pa add: %s is already a local PA", argv[0]);
	if (err == -EINVAL)
		return nv_runtime_error(
			ctx, "pa add: %s: a record at this PA names a port with another MAC",
			argv[0]);
	if (err)
		return nv_errno_error(ctx, err, "pa add %s", argv[0]);
	return 0;
}

struct pa_find {
	const union nv_addr *pa;
	struct nv_local_pa *out;
};

static int pa_find_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct pa_find *f = arg;

	if (memcmp(pa, f->pa, sizeof(*pa)))
		return 0;
	*f->out = *v;
	return 1;
}

/* The entry of one local PA: -ENOENT when it is not one. */
static int local_pa_get(const struct nv_maps *m, const union nv_addr *pa, struct nv_local_pa *out)
{
	struct pa_find f = { pa, out };
	int ret = nv_local_pa_iter(m, pa_find_cb, &f);

	return ret == 1 ? 0 : ret < 0 ? ret : -ENOENT;
}

int nv_cmd_pa_del(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_local_pa v = { 0 };
	union nv_addr pa;
	struct nv_maps m;
	int err = parse_pa(ctx, "pa del", argc, argv, NULL, 0, &pa);

	if (err || ctx->dry_run)
		return err;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = local_pa_get(&m, &pa, &v);
	if (!err)
		err = nv_local_pa_del(&m, &pa, NULL);
	if (!err)
		err = nv_undo_push(
			ctx,
			&(struct nv_undo){ .kind = NV_UNDO_PA_ADD, .addr = pa, .id = v.ifindex });
	nv_close_maps(ctx, &m);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "pa del: %s is not a local PA", argv[0]);
	if (err == -EBUSY)
		return nv_runtime_error(
			ctx, "pa del: %s is the datapath's main PA (given to dp attach)", argv[0]);
	if (err)
		return nv_errno_error(ctx, err, "pa del %s", argv[0]);
	return 0;
}

struct pa_show {
	const struct nv_ctx *ctx;
	json_t *list;
};

static int pa_show_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct pa_show *s = arg;
	char addr[NV_ADDR_STRLEN], dev[IF_NAMESIZE] = "-";

	nv_addr_format(pa, addr, sizeof(addr));
	if (v->ifindex)
		nv_ifname(v->ifindex, dev, sizeof(dev));
	if (s->list)
		json_array_append_new(
			s->list, json_pack("{s:s, s:o, s:I}", "pa", addr, "dev",
					   v->ifindex ? nv_ifname_json(v->ifindex) : json_null(),
					   "ifindex", (json_int_t)v->ifindex));
	else
		printf("%-40s %s\n", addr, dev);
	return 0;
}

int nv_cmd_pa_show(struct nv_ctx *ctx, int argc, char **argv)
{
	struct pa_show s = { ctx, ctx->json ? json_array() : NULL };
	struct nv_maps m;
	int err;

	if (argc)
		return nv_usage_error(ctx, "pa show: unexpected argument \"%s\"", argv[0]);
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	if (!s.list)
		printf("%-40s %s\n", "PA", "DEV");
	err = nv_local_pa_iter(&m, pa_show_cb, &s);
	nv_close_maps(ctx, &m);
	if (err) {
		json_decref(s.list);
		return nv_errno_error(ctx, err, "pa show");
	}
	if (s.list)
		nv_json_print(ctx, s.list);
	return 0;
}
