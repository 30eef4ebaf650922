// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl port: local VM NICs, bound to (VSID, CA, MAC), with nv_from_vm on their TC ingress. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "nvctl.h"

static const char *const deliver_modes[] = { "tc", "xdp", NULL }; /* index = enum nv_deliver */

enum {
	PADD_DEV,
	PADD_VSID,
	PADD_CA,
	PADD_MAC,
	PADD_DELIVER
};
static const struct nv_arg_spec add_args[] = {
	[PADD_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, true, "DEV"),
	[PADD_VSID] = NV_ARG_VSID(true),
	[PADD_CA] = NV_ARG_KEY("ca", NV_ARG_ADDR, true, "ADDR"),
	[PADD_MAC] = NV_ARG_KEY("mac", NV_ARG_MAC, true, "MAC"),
	[PADD_DELIVER] = { .key = "deliver",
			   .type = NV_ARG_CHOICE,
			   .metavar = "xdp|tc",
			   .choices = deliver_modes },
};

enum {
	PDEL_DEV,
	PDEL_IFINDEX
};
static const struct nv_arg_spec del_args[] = {
	[PDEL_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, false, "DEV"),
	[PDEL_IFINDEX] = NV_ARG_NUM("ifindex", false, 1, 0xffffffffu, "N"),
};

/*
 * The MTU the VM should use, so that nothing it sends is too big once encapsulated: the
 * underlay's less NVGRE's overhead (HNV: 1500 -> 1458). Not in a batch, whose output is its own.
 */
static void print_vm_mtu(struct nv_ctx *ctx, const char *dev)
{
	struct nv_dp_status st;

	if (nv_dp_status(ctx->pin_dir, &st) || !st.vm_mtu)
		return;
	nv_out_begin(ctx, false);
	nv_print_string(ctx, "dev", "port %s: ", dev);
	nv_print_uint(ctx, "vm_mtu", "the VM's MTU should be %llu ", st.vm_mtu);
	nv_print_uint(ctx, "underlay_mtu", "(underlay MTU %llu ", st.underlay_mtu);
	nv_print_uint(ctx, "overhead", "less NVGRE's %llu bytes)\n", st.overhead);
	nv_out_end(ctx);
}

static int port_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u32 ifindex = a->a[PADD_DEV].v.u32;
	struct nv_port p = { .vsid = a->a[PADD_VSID].v.u32, .ca = a->a[PADD_CA].v.addr };
	struct nv_conflict why = { 0 };
	char dev[NV_NETDEV_NAMELEN + 4];
	struct nv_subnet s;
	struct nv_maps m;
	int err;

	if (!nv_addr_is_ipv4(&p.ca))
		return nv_usage_error(ctx, "%s: ca \"%s\": IPv4 only for now", a->cmd,
				      a->a[PADD_CA].raw);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	/* The port is in its subnet's routing domain (none: the library says so, by name). */
	p.rdid = nv_subnet_get(&m, p.vsid, &s) ? 0 : s.rdid;
	nv_close_maps(ctx, &m);
	memcpy(p.mac, a->a[PADD_MAC].v.mac, sizeof(p.mac));
	p.deliver = a->a[PADD_DELIVER].set ? a->a[PADD_DELIVER].v.choice : NV_DELIVER_TC;
	err = nv_dp_port_add(ctx->pin_dir, ifindex, &p, &why);
	if (!err)
		err = nv_txn_push(ctx->txn,
				  &(struct nv_undo){ .kind = NV_UNDO_PORT_DEL, .id = ifindex });
	snprintf(dev, sizeof(dev), "dev %s", a->a[PADD_DEV].raw);
	if (err)
		return nv_conflict_error(ctx, a->cmd, err, &why, dev);
	if (!ctx->txn)
		print_vm_mtu(ctx, a->a[PADD_DEV].raw);
	return 0;
}

/* port del dev DEV | ifindex N: by ifindex, a port whose device was deleted can be removed too. */
static int port_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	const struct nv_arg *dev = &a->a[PDEL_DEV], *idx = &a->a[PDEL_IFINDEX];
	__u32 ifindex = dev->set ? dev->v.u32 : idx->v.u32;
	struct nv_conflict why = { 0 };
	char name[32];
	struct nv_port p;
	struct nv_maps m;
	int err;

	if (dev->set == idx->set)
		return nv_usage_error(ctx,
				      dev->set ? "%s: give dev or ifindex, not both"
					       : "%s: missing dev (or ifindex)",
				      a->cmd);
	if (dev->set)
		snprintf(name, sizeof(name), "dev %s", dev->raw);
	else
		snprintf(name, sizeof(name), "ifindex %u", ifindex);
	/* Taking it back would attach a program to a device that does not exist. */
	if (!nv_netdev_exists(ifindex) && ctx->txn)
		return nv_usage_error(ctx,
				      "%s: %s has no device: a batch could not put its port back, "
				      "run it alone",
				      a->cmd, name);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	/* Kept for the undo; a device that is no port is the loader's to refuse, by name. */
	err = nv_port_get(&m, ifindex, &p);
	nv_close_maps(ctx, &m);
	if (!err || err == -ENOENT)
		err = nv_dp_port_del(ctx->pin_dir, ifindex, &why);
	if (!err) {
		/* Re-added as the caller gave it: the library recomputes what it keeps. */
		p.flags &= NV_PORT_F_PEER;
		memset(&p.pa, 0, sizeof(p.pa));
		err = nv_txn_push(
			ctx->txn,
			&(struct nv_undo){ .kind = NV_UNDO_PORT_ADD, .id = ifindex, .port = p });
	}
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, name) : 0;
}

static bool addr_set(const union nv_addr *a)
{
	return a->w[0] | a->w[1] | a->w[2] | a->w[3];
}

static int show_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	char ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], pa[NV_ADDR_STRLEN];
	struct nv_ctx *ctx = arg;

	nv_open_object(ctx, NULL);
	nv_print_ifname(ctx, "dev", "%-16s ", ifindex);
	nv_print_uint(ctx, "ifindex", NULL, ifindex);
	nv_print_uint(ctx, "vsid", "%-10llu ", p->vsid);
	nv_print_uint(ctx, "rdid", "%-10llu ", p->rdid);
	nv_print_string(ctx, "ca", "%-16s ", nv_addr_format(&p->ca, ca, sizeof(ca)));
	nv_print_string(ctx, "mac", "%-18s ", nv_mac_format(p->mac, mac, sizeof(mac)));
	nv_print_string(ctx, "deliver", "%-8s ", deliver_modes[p->deliver & 1]);
	/* Unbound (no record at a local PA): no PA to send from. */
	nv_print_string(ctx, "pa", "%s\n",
			addr_set(&p->pa) ? nv_addr_format(&p->pa, pa, sizeof(pa)) : NULL);
	nv_close(ctx);
	return 0;
}

static int list_ports(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	(void)a;
	return nv_port_iter(m, show_cb, ctx);
}

static int port_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_ports, "%-16s %-10s %-10s %-16s %-18s %-8s %s\n", "DEV", "VSID",
		       "RDID", "CA", "MAC", "DELIVER", "PA");
}

const struct nv_cmd nv_port_cmds[] = {
	NV_CMD("add", add_args, "bind a VM NIC's host-side device and attach nv_from_vm to it",
	       port_add, NV_CMD_BATCH),
	NV_CMD("del", del_args,
	       "unbind a port and detach its program (ifindex: a port whose device is gone)",
	       port_del, NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list ports", port_show, 0),
	{ 0 },
};
