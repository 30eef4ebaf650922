// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl record: the lookup table (VSID, CA) -> (PA, MAC), the same on every host. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_undo.h"

int nv_cmd_record_add(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "vsid", .type = NV_ARG_VSID, .required = true },
		{ .key = "ca", .type = NV_ARG_ADDR, .required = true },
		{ .key = "mac", .type = NV_ARG_MAC, .required = true },
		{ .key = "pa", .type = NV_ARG_ADDR, .required = true },
	};
	struct nv_record_key k = { 0 };
	struct nv_record r = { 0 };
	struct nv_maps m;
	int err = nv_args_parse(ctx, "record add", a, 4, argc, argv);

	if (err)
		return err;
	if (!nv_addr_is_ipv4(&a[1].v.addr) || !nv_addr_is_ipv4(&a[3].v.addr))
		return nv_usage_error(ctx, "record add: %s \"%s\": IPv4 only for now",
				      nv_addr_is_ipv4(&a[1].v.addr) ? "pa" : "ca",
				      nv_addr_is_ipv4(&a[1].v.addr) ? a[3].raw : a[1].raw);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	k.vsid = a[0].v.u32;
	k.ca = a[1].v.addr;
	r.pa = a[3].v.addr;
	memcpy(r.mac, a[2].v.mac, sizeof(r.mac));
	r.rule = NV_RULE_ENCAP;
	if (ctx->records) {
		/* In a batch: applied with its neighbours by the batch (nv_record_add_many). */
		err = nv_record_queue_push(ctx->records, &k, &r);
		nv_close_maps(ctx, &m);
		return err ? nv_errno_error(ctx, err, "record add") : 0;
	}
	err = nv_record_add(&m, &k, &r, NULL);
	if (!err)
		err = nv_undo_push(ctx, &(struct nv_undo){ .kind = NV_UNDO_RECORD_DEL, .rkey = k });
	nv_close_maps(ctx, &m);
	if (err == -ENOENT)
		return nv_runtime_error(
			ctx, "record add: vsid %u has no subnet (see: nvctl subnet add)", k.vsid);
	if (err == -EEXIST)
		return nv_runtime_error(ctx, "record add: ca %s already has a record in vsid %u",
					a[1].raw, k.vsid);
	if (err == -EINVAL)
		return nv_runtime_error(
			ctx,
			"record add: mac %s differs from the MAC of the port bound to "
			"ca %s in vsid %u",
			a[2].raw, a[1].raw, k.vsid);
	if (err == -E2BIG)
		return nv_runtime_error(ctx, "record add: the lookup table is full");
	if (err)
		return nv_errno_error(ctx, err, "record add");
	return 0;
}

int nv_cmd_record_del(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "vsid", .type = NV_ARG_VSID, .required = true },
		{ .key = "ca", .type = NV_ARG_ADDR, .required = true },
	};
	struct nv_record_key k = { 0 };
	struct nv_record r;
	struct nv_maps m;
	int err = nv_args_parse(ctx, "record del", a, 2, argc, argv);

	if (err || ctx->dry_run)
		return err;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	k.vsid = a[0].v.u32;
	k.ca = a[1].v.addr;
	err = nv_record_get(&m, &k, &r);
	if (!err)
		err = nv_record_del(&m, &k, NULL);
	if (!err)
		err = nv_undo_push(
			ctx, &(struct nv_undo){ .kind = NV_UNDO_RECORD_ADD, .rkey = k, .rec = r });
	nv_close_maps(ctx, &m);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "record del: ca %s has no record in vsid %u", a[1].raw,
					k.vsid);
	if (err)
		return nv_errno_error(ctx, err, "record del");
	return 0;
}

struct record_show {
	json_t *list;
	bool filter;
	__u32 vsid;
};

static int record_show_cb(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	char ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], pa[NV_ADDR_STRLEN], dev[IF_NAMESIZE] = "-";
	struct record_show *s = arg;

	if (s->filter && k->vsid != s->vsid)
		return 0;
	nv_addr_format(&k->ca, ca, sizeof(ca));
	nv_addr_format(&r->pa, pa, sizeof(pa));
	nv_mac_format(r->mac, mac, sizeof(mac));
	if (r->ifindex)
		nv_ifname(r->ifindex, dev, sizeof(dev));
	if (s->list)
		json_array_append_new(s->list,
				      json_pack("{s:I, s:s, s:s, s:s, s:b, s:o}", "vsid",
						(json_int_t)k->vsid, "ca", ca, "mac", mac, "pa", pa,
						"local_pa", !!(r->local & NV_LOCAL_PA), "port",
						r->ifindex ? json_string(dev) : json_null()));
	else
		printf("%-10u %-16s %-18s %-16s %s\n", k->vsid, ca, mac, pa, dev);
	return 0;
}

int nv_cmd_record_show(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = { { .key = "vsid", .type = NV_ARG_VSID } };
	struct record_show s = { .list = ctx->json ? json_array() : NULL };
	struct nv_maps m;
	int err = nv_args_parse(ctx, "record show", a, 1, argc, argv);

	if (!err)
		err = nv_open_maps(ctx, &m);
	if (err) {
		json_decref(s.list);
		return err;
	}
	s.filter = a[0].set;
	s.vsid = a[0].v.u32;
	if (!s.list)
		printf("%-10s %-16s %-18s %-16s %s\n", "VSID", "CA", "MAC", "PA", "PORT");
	err = nv_record_iter(&m, record_show_cb, &s);
	nv_close_maps(ctx, &m);
	if (err) {
		json_decref(s.list);
		return nv_errno_error(ctx, err, "record show");
	}
	if (s.list)
		nv_json_print(ctx, s.list);
	return 0;
}
