// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl dp: the datapath's lifecycle on this host. */
#include <errno.h>
#include <stdio.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_features.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "nvctl.h"

static const char *const xdp_modes[] = { "native", "skb", "none", "auto", NULL }; /* nv_xdp_mode */

enum {
	DP_DEV,
	DP_PA,
	DP_TTL,
	DP_XDP_MODE,
	DP_CT_MAX
};
static const struct nv_arg_spec attach_args[] = {
	[DP_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, true, "DEV"),
	[DP_PA] = NV_ARG_KEY("pa", NV_ARG_ADDR, true, "ADDR"),
	[DP_TTL] = NV_ARG_NUM("ttl", false, 1, 255, "N"),
	[DP_XDP_MODE] = { .key = "xdp-mode", .type = NV_ARG_CHOICE, .choices = xdp_modes },
	/* Connections the gateway's table holds (two entries each). */
	[DP_CT_MAX] = NV_ARG_NUM("ct-max", false, 1, NV_CT_CONNS_MAX, "N"),
};

static int dp_attach(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_dp_attach_opts o = {
		.underlay_ifindex = a->a[DP_DEV].v.u32,
		.pa = a->a[DP_PA].v.addr,
		.ttl = a->a[DP_TTL].set ? a->a[DP_TTL].v.u32 : 0,
		.xdp_mode = a->a[DP_XDP_MODE].set ? a->a[DP_XDP_MODE].v.choice : NV_XDP_MODE_AUTO,
		.max_conns = a->a[DP_CT_MAX].set ? a->a[DP_CT_MAX].v.u32 : 0
	};
	struct nv_conflict why = { 0 };
	char dev[NV_NETDEV_NAMELEN + 4];
	int err;

	if (!nv_addr_is_ipv4(&o.pa))
		return nv_usage_error(ctx, "%s: pa \"%s\": the underlay is IPv4 only for now",
				      a->cmd, a->a[DP_PA].raw);
	if (ctx->dry_run)
		return 0;
	err = nv_dp_attach(ctx->pin_dir, &o, &why);
	snprintf(dev, sizeof(dev), "dev %s", a->a[DP_DEV].raw);
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, dev) : 0;
}

static int dp_detach(struct nv_ctx *ctx, const struct nv_args *a)
{
	int err = nv_dp_detach(ctx->pin_dir);

	if (err == -ENOENT)
		return nv_not_attached(ctx);
	return err ? nv_errno_error(ctx, err, "%s", a->cmd) : 0;
}

static int dp_reload(struct nv_ctx *ctx, const struct nv_args *a)
{
	int err = nv_dp_reload(ctx->pin_dir);

	if (err == -ENOENT)
		return nv_not_attached(ctx);
	return err ? nv_errno_error(ctx, err, "%s", a->cmd) : 0;
}

static int dp_upgrade(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_dp_upgrade_report rep;
	struct nv_conflict why = { 0 };
	int err;

	if (ctx->dry_run)
		return 0;
	err = nv_dp_upgrade(ctx->pin_dir, &rep, &why);
	if (err == -ENOENT && !rep.from_abi)
		return nv_runtime_error(ctx,
					"%s: no datapath of another ABI version in %s: nothing to "
					"upgrade (this nvctl is ABI v%d)",
					a->cmd, ctx->pin_dir, NV_ABI_VERSION);
	if (err == -EPROTO)
		return nv_runtime_error(ctx,
					"%s: the datapath in %s is ABI v%u, newer than this nvctl "
					"(v%d): use the nvctl that attached it",
					a->cmd, ctx->pin_dir, rep.from_abi, NV_ABI_VERSION);
	if (err)
		return nv_conflict_error(ctx, a->cmd, err, &why, NULL);
	nv_out_begin(ctx, false);
	nv_print_uint(ctx, "from_abi", "upgraded ABI v%llu", rep.from_abi);
	nv_print_uint(ctx, "abi", " to v%llu: ", NV_ABI_VERSION);
	nv_print_uint(ctx, "subnets", "%llu subnets, ", rep.n.subnets);
	nv_print_uint(ctx, "local_pas", "%llu local PAs, ", rep.n.local_pas);
	nv_print_uint(ctx, "ports", "%llu ports, ", rep.n.ports);
	nv_print_uint(ctx, "records", "%llu records, ", rep.n.records);
	nv_print_uint(ctx, "routes", "%llu routes, ", rep.n.routes);
	nv_print_uint(ctx, "gw_legs", "%llu gateway legs, ", rep.n.gw_legs);
	nv_print_uint(ctx, "gw_routes", "%llu gateway routes, ", rep.n.gw_routes);
	nv_print_uint(ctx, "nats", "%llu NATs, ", rep.n.nats);
	nv_print_uint(ctx, "nat_maps", "%llu static mappings\n", rep.n.nat_maps);
	nv_out_end(ctx);
	return 0;
}

/* Each port: its device, delivery mode and the id of the port program on it. */
static int port_line_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct nv_ctx *ctx = arg;

	nv_open_object(ctx, NULL);
	nv_print_text(ctx, "port      ");
	nv_print_ifname(ctx, "dev", "%-16s ", ifindex);
	nv_print_uint(ctx, "ifindex", NULL, ifindex);
	nv_print_uint(ctx, "from_vm_id", "nv_from_vm id %llu  ", nv_tc_prog_id(ifindex));
	nv_print_string(ctx, "deliver", "deliver %s\n",
			p->deliver == NV_DELIVER_XDP ? "xdp" : "tc");
	nv_close(ctx);
	return 0;
}

/* Each gateway external device: nv_from_ext's id on it, its legs, its forward-mode RDID. */
static int ext_line_cb(__u32 ifindex, const struct nv_gw_dev *d, void *arg)
{
	struct nv_ctx *ctx = arg;

	nv_open_object(ctx, NULL);
	nv_print_text(ctx, "ext       ");
	nv_print_ifname(ctx, "dev", "%-16s ", ifindex);
	nv_print_uint(ctx, "ifindex", NULL, ifindex);
	nv_print_uint(ctx, "from_ext_id", "nv_from_ext id %llu  ", nv_tc_prog_id(ifindex));
	nv_print_uint(ctx, "legs", "legs %llu", d->legs);
	if (d->fwd_rdid)
		nv_print_uint(ctx, "forward_rdid", "  forward rdid %llu", d->fwd_rdid);
	else
		nv_print_string(ctx, "forward_rdid", NULL, NULL);
	nv_print_text(ctx, "\n");
	nv_close(ctx);
	return 0;
}

static const char via_dispatcher[] = "through libxdp's dispatcher";
static const char direct[] = "attached directly (the kernel refused libxdp's dispatcher)";
static const char with_meta[] = "hands over to TC with metadata";
static const char without_meta[] = "hands over to TC without metadata (the kernel refuses "
				   "bpf_xdp_adjust_meta: nv_wire_tc classifies again)";

/* The underlay's hook of program id, as its attach kind shows it. */
static void print_hook(struct nv_ctx *ctx, const struct nv_dp_status *st, enum nv_prog_id id)
{
	const char *name = nv_progs[id].name, *why = nv_dp_xdp_auto_reason(st);
	char ul[NV_NETDEV_NAMELEN];
	bool meta;

	nv_netdev_name(st->cfg.underlay_ifindex, ul, sizeof(ul));
	switch (nv_progs[id].attach) {
	case NV_ATTACH_UNDERLAY_XDP:
		/* What the loader told nv_from_wire (nv_features.h): the same kernel answers. */
		meta = st->xdp.mode != NV_XDP_MODE_NONE && nv_kernel_has_xdp_meta();
		nv_open_object(ctx, "xdp");
		nv_print_uint(ctx, "id", NULL, st->prog_id[id]);
		nv_print_string(ctx, "mode", NULL, xdp_modes[st->xdp.mode]);
		nv_print_string(ctx, "attach", NULL,
				st->xdp.mode == NV_XDP_MODE_NONE ? "none"
				: st->xdp.dispatcher		 ? "dispatcher"
								 : "direct");
		nv_print_bool(ctx, "metadata", NULL, meta);
		nv_print_bool(ctx, "auto", NULL, why != NULL);
		if (why)
			nv_print_string(ctx, "why", NULL, why);
		nv_close(ctx);
		if (st->xdp.mode == NV_XDP_MODE_NONE)
			nv_print_text(ctx,
				      "xdp       none (xdp-mode %s: nv_wire_tc validates and "
				      "decapsulates alone)\n",
				      why ? "auto" : "none");
		else if (st->prog_id[id])
			nv_print_text(ctx, "xdp       %s id %u  mode %s  %s\n          %s\n", name,
				      st->prog_id[id], xdp_modes[st->xdp.mode],
				      st->xdp.dispatcher ? via_dispatcher : direct,
				      meta ? with_meta : without_meta);
		else
			nv_print_text(ctx, "xdp       nothing attached to %s\n", ul);
		if (why)
			nv_print_text(ctx, "          auto: %s\n", why);
		break;
	case NV_ATTACH_UNDERLAY_TC:
		nv_open_object(ctx, "tc");
		nv_print_uint(ctx, "id", NULL, st->prog_id[id]);
		nv_close(ctx);
		nv_print_text(ctx, "tc        %s id %u on %s ingress\n", name, st->prog_id[id], ul);
		break;
	case NV_ATTACH_PORT_TC: /* one line per device below */
	case NV_ATTACH_EXT_TC:
		break;
	}
}

static int dp_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	char pa[NV_ADDR_STRLEN];
	struct nv_dp_status st;
	struct nv_maps m;
	int err;

	err = nv_dp_status(ctx->pin_dir, &st);
	if (err == -ENOENT)
		return nv_not_attached(ctx);
	if (err)
		return nv_errno_error(ctx, err, "%s", a->cmd);
	nv_out_begin(ctx, false);
	nv_print_string(ctx, "pin_dir", "instance  %s ", ctx->pin_dir);
	nv_print_uint(ctx, "abi", "(ABI v%llu)\n", NV_ABI_VERSION);
	nv_open_object(ctx, "underlay");
	nv_print_ifname(ctx, "dev", "underlay  %s ", st.cfg.underlay_ifindex);
	nv_print_uint(ctx, "ifindex", "(ifindex %llu)  ", st.cfg.underlay_ifindex);
	nv_print_string(ctx, "pa", "pa %s  ", nv_addr_format(&st.cfg.pa, pa, sizeof(pa)));
	nv_print_uint(ctx, "ttl", "ttl %llu\n", st.cfg.ttl ?: NV_DEFAULT_TTL);
	nv_print_uint(ctx, "mtu", "          mtu %llu  ", st.underlay_mtu);
	nv_print_uint(ctx, "overhead", "NVGRE overhead %llu  ", st.overhead);
	nv_print_uint(ctx, "vm_mtu", "VM MTU %llu\n", st.vm_mtu);
	nv_close(ctx);
	for (int i = 0; i < NV_PROG__COUNT; i++)
		print_hook(ctx, &st, i);
	err = nv_dp_maps(ctx->pin_dir, &m);
	nv_open_array(ctx, "ports");
	if (!err)
		nv_port_iter(&m, port_line_cb, ctx);
	nv_close(ctx);
	nv_open_array(ctx, "ext_devs");
	if (!err)
		nv_gw_dev_iter(&m, ext_line_cb, ctx);
	nv_close(ctx);
	if (!err)
		nv_maps_close(&m);
	nv_open_object(ctx, "maps");
	nv_print_uint(ctx, "ports", "maps      ports %llu  ", st.ports);
	nv_print_uint(ctx, "records", "records %llu", st.records);
	nv_print_uint(ctx, "records_max", "/%llu  ", st.records_max);
	nv_print_uint(ctx, "subnets", "subnets %llu  ", st.subnets);
	nv_print_uint(ctx, "local_pas", "local PAs %llu\n", st.local_pas);
	nv_print_uint(ctx, "gw_legs", "          gateway legs %llu  ", st.gw_legs);
	nv_print_uint(ctx, "conns", "connections %llu", st.conns);
	nv_print_uint(ctx, "conns_max", "/%llu\n", st.conns_max);
	nv_close(ctx);
	nv_out_end(ctx);
	return 0;
}

const struct nv_cmd nv_dp_cmds[] = {
	NV_CMD("attach", attach_args,
	       "load the datapath, attach it to the underlay DEV with local PA ADDR", dp_attach,
	       NV_CMD_WHOLE),
	NV_CMD_NOARGS("detach", "remove every program, filter, qdisc and pin of the instance",
		      dp_detach, NV_CMD_WHOLE),
	NV_CMD_NOARGS("show", "what is attached where, program ids, map fill levels", dp_show, 0),
	NV_CMD_NOARGS("reload", "replace the programs with the installed ones, keeping the maps",
		      dp_reload, NV_CMD_WHOLE),
	NV_CMD_NOARGS("upgrade",
		      "take over a datapath of an older nvctl (ABI) with its state, hooks swapped "
		      "in place",
		      dp_upgrade, NV_CMD_WHOLE),
	{ 0 },
};
