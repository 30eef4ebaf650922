// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl dp: the datapath's lifecycle on this host. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "nv_pins.h"
#include "nv_addr.h"
#include "nv_args.h"
#include "nv_datapath.h"

static const char *const xdp_modes[] = { "native", "skb", "none", NULL };

int nv_cmd_dp_attach(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "dev", .type = NV_ARG_DEV, .required = true },
		{ .key = "pa", .type = NV_ARG_ADDR, .required = true },
		{ .key = "ttl", .type = NV_ARG_TTL },
		{ .key = "xdp-mode", .type = NV_ARG_CHOICE, .choices = xdp_modes },
	};
	struct nv_dp_attach_opts o = { 0 };
	char maps_dir[PATH_MAX];
	int err = nv_args_parse(ctx, "dp attach", a, 4, argc, argv);

	if (err)
		return err;
	if (!nv_addr_is_ipv4(&a[1].v.addr))
		return nv_usage_error(
			ctx, "dp attach: pa \"%s\": the underlay is IPv4 only for now", a[1].raw);
	if (ctx->dry_run)
		return 0;
	/* The loader says -EEXIST for both: tell an attached instance from a device in use. */
	err = nv_pin_maps_dir(ctx->pin_dir, maps_dir, sizeof(maps_dir));
	if (err)
		return nv_errno_error(ctx, err, "dp attach: --pin-dir %s", ctx->pin_dir);
	if (!access(maps_dir, F_OK))
		return nv_runtime_error(ctx, "dp attach: a datapath is already attached at %s",
					ctx->pin_dir);
	o.underlay_ifindex = a[0].v.u32;
	o.pa = a[1].v.addr;
	o.ttl = a[2].set ? a[2].v.u32 : 0;
	/* The choices are in enum nv_xdp_mode's order. */
	o.xdp_mode = a[3].set ? (enum nv_xdp_mode)a[3].v.choice : NV_XDP_MODE_NATIVE;
	err = nv_dp_attach(ctx->pin_dir, &o, NULL);
	if (err == -EEXIST && !access(maps_dir, F_OK))
		return nv_runtime_error(ctx, "dp attach: a datapath is already attached at %s",
					ctx->pin_dir);
	if (err == -EEXIST && nv_tc_prog_id(o.underlay_ifindex))
		return nv_runtime_error(
			ctx,
			"dp attach: dev %s already has nvgre's TC filter (the underlay or a port "
			"of another instance)",
			a[0].raw);
	if (err == -EBUSY)
		return nv_runtime_error(
			ctx,
			"dp attach: another XDP program holds %s (this kernel refuses "
			"libxdp's dispatcher, so programs cannot share the device)",
			a[0].raw);
	if (err == -EMSGSIZE)
		return nv_runtime_error(
			ctx, "dp attach: dev %s: MTU under %d, too small to carry tenants",
			a[0].raw, NV_UNDERLAY_MTU_MIN);
	if (err)
		return nv_errno_error(ctx, err, "dp attach: dev %s", a[0].raw);
	return 0;
}

int nv_cmd_dp_detach(struct nv_ctx *ctx, int argc, char **argv)
{
	int err;

	if (argc)
		return nv_usage_error(ctx, "dp detach: unexpected argument \"%s\"", argv[0]);
	err = nv_dp_detach(ctx->pin_dir);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "dp detach: no datapath attached at %s", ctx->pin_dir);
	if (err)
		return nv_errno_error(ctx, err, "dp detach");
	return 0;
}

int nv_cmd_dp_reload(struct nv_ctx *ctx, int argc, char **argv)
{
	int err;

	if (argc)
		return nv_usage_error(ctx, "dp reload: unexpected argument \"%s\"", argv[0]);
	err = nv_dp_reload(ctx->pin_dir);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "dp reload: no datapath attached at %s", ctx->pin_dir);
	if (err)
		return nv_errno_error(ctx, err, "dp reload");
	return 0;
}

/* Each port: its device, delivery mode and the id of the nv_from_vm filter on it. */
static int port_line_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	char dev[IF_NAMESIZE];
	json_t *list = arg;
	__u32 id = nv_tc_prog_id(ifindex);
	const char *deliver = p->deliver == NV_DELIVER_XDP ? "xdp" : "tc";

	nv_ifname(ifindex, dev, sizeof(dev));
	if (list)
		json_array_append_new(list, json_pack("{s:o, s:I, s:s, s:I}", "dev",
						      nv_ifname_json(ifindex), "ifindex",
						      (json_int_t)ifindex, "deliver", deliver,
						      "from_vm_id", (json_int_t)id));
	else
		printf("port      %-16s nv_from_vm id %u  deliver %s\n", dev, id, deliver);
	return 0;
}

static json_t *ports_of(const struct nv_ctx *ctx, bool json)
{
	json_t *list = json ? json_array() : NULL;
	struct nv_maps m;

	if (nv_dp_maps(ctx->pin_dir, &m) == 0) {
		nv_port_iter(&m, port_line_cb, list);
		nv_maps_close(&m);
	}
	return list;
}

int nv_cmd_dp_show(struct nv_ctx *ctx, int argc, char **argv)
{
	char dev[IF_NAMESIZE], pa[NV_ADDR_STRLEN];
	struct nv_dp_status st;
	const char *mode;
	int err;

	if (argc)
		return nv_usage_error(ctx, "dp show: unexpected argument \"%s\"", argv[0]);
	err = nv_dp_status(ctx->pin_dir, &st);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "no datapath attached at %s (see: nvctl dp attach)",
					ctx->pin_dir);
	if (err)
		return nv_errno_error(ctx, err, "dp show");
	nv_ifname(st.cfg.underlay_ifindex, dev, sizeof(dev));
	nv_addr_format(&st.cfg.pa, pa, sizeof(pa));
	mode = xdp_modes[st.xdp.mode];
	if (ctx->json) {
		nv_json_print(ctx,
			      json_pack("{s:s, s:I, s:{s:o, s:I, s:s, s:I}, s:{s:I, s:s, s:s}, "
					"s:{s:I}, s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
					"pin_dir", ctx->pin_dir, "abi", (json_int_t)NV_ABI_VERSION,
					"underlay", "dev", nv_ifname_json(st.cfg.underlay_ifindex),
					"ifindex", (json_int_t)st.cfg.underlay_ifindex, "pa", pa,
					"ttl", (json_int_t)(st.cfg.ttl ?: NV_DEFAULT_TTL), "xdp",
					"id", (json_int_t)st.xdp.prog_id, "mode", mode, "attach",
					st.xdp.mode == NV_XDP_MODE_NONE ? "none"
					: st.xdp.dispatcher		? "dispatcher"
									: "direct",
					"tc", "id", (json_int_t)st.prog_id[NV_PROG_WIRE_TC], "maps",
					"ports", (json_int_t)st.ports, "records",
					(json_int_t)st.records, "records_max",
					(json_int_t)st.records_max, "subnets",
					(json_int_t)st.subnets, "local_pas",
					(json_int_t)st.local_pas, "ports", ports_of(ctx, true)));
		return 0;
	}
	printf("instance  %s (ABI v%d)\n", ctx->pin_dir, NV_ABI_VERSION);
	printf("underlay  %s (ifindex %u)  pa %s  ttl %u\n", dev, st.cfg.underlay_ifindex, pa,
	       st.cfg.ttl ?: NV_DEFAULT_TTL);
	if (st.xdp.mode == NV_XDP_MODE_NONE)
		printf("xdp       none (xdp-mode none: nv_wire_tc validates and decapsulates "
		       "alone)\n");
	else if (st.xdp.prog_id)
		printf("xdp       nv_from_wire id %u  mode %s  %s\n", st.xdp.prog_id, mode,
		       st.xdp.dispatcher
			       ? "through libxdp's dispatcher"
			       : "attached directly (the kernel refused libxdp's dispatcher)");
	else
		printf("xdp       nothing attached to %s\n", dev);
	printf("tc        nv_wire_tc id %u on %s ingress\n", st.prog_id[NV_PROG_WIRE_TC], dev);
	ports_of(ctx, false);
	printf("maps      ports %u  records %u/%u  subnets %u  local PAs %u\n", st.ports,
	       st.records, st.records_max, st.subnets, st.local_pas);
	return 0;
}
