// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl port: local VM NICs, bound to (VSID, CA, MAC), with nv_from_vm on their TC ingress. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_datapath.h"
#include "nv_undo.h"

static const char *const deliver_modes[] = { "tc", "xdp", NULL }; /* index = enum nv_deliver */

struct ca_find {
	__u32 vsid;
	union nv_addr ca;
	__u32 ifindex; /* result: the port with (vsid, ca), 0 none */
};

static int ca_find_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct ca_find *f = arg;

	if (p->vsid != f->vsid || memcmp(&p->ca, &f->ca, sizeof(f->ca)))
		return 0;
	f->ifindex = ifindex;
	return 1;
}

static bool is_loopback(const char *dev)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool lo = false;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		lo = ifr.ifr_flags & IFF_LOOPBACK;
	close(fd);
	return lo;
}

/* What the loader would refuse with a bare -EEXIST, or what must never be a VM's port. */
static int port_add_check(const struct nv_ctx *ctx, const struct nv_maps *m, __u32 ifindex,
			  const char *dev, const struct nv_port *p, const char *ca)
{
	struct ca_find f = { .vsid = p->vsid, .ca = p->ca };
	char other[IF_NAMESIZE];
	struct nv_config cfg;
	struct nv_port old;
	int err;

	if (is_loopback(dev))
		return nv_runtime_error(ctx, "port add: dev %s is a loopback device, not a VM NIC",
					dev);
	err = nv_config_get(m, &cfg);
	if (err)
		return nv_errno_error(ctx, err, "port add");
	if (cfg.underlay_ifindex == ifindex)
		return nv_runtime_error(ctx, "port add: dev %s is the datapath's underlay", dev);
	if (!nv_port_get(m, ifindex, &old))
		return nv_runtime_error(ctx, "port add: dev %s is already a port", dev);
	if (p->deliver == NV_DELIVER_XDP && (cfg.flags & NV_CFG_F_NO_XDP))
		return nv_runtime_error(ctx,
					"port add: deliver xdp needs nv_from_wire on the underlay, "
					"and the datapath was attached with xdp-mode none");
	err = nv_port_iter(m, ca_find_cb, &f);
	if (err < 0)
		return nv_errno_error(ctx, err, "port add");
	if (f.ifindex && nv_ifname(f.ifindex, other, sizeof(other))[0] == '#')
		return nv_runtime_error(
			ctx,
			"port add: ca %s in vsid %u is already port %s, whose device "
			"is gone (see: nvctl port del ifindex %u)",
			ca, p->vsid, other, f.ifindex);
	if (f.ifindex)
		return nv_runtime_error(ctx, "port add: ca %s in vsid %u is already port %s", ca,
					p->vsid, other);
	return 0;
}

int nv_cmd_port_add(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "dev", .type = NV_ARG_DEV, .required = true },
		{ .key = "vsid", .type = NV_ARG_VSID, .required = true },
		{ .key = "ca", .type = NV_ARG_ADDR, .required = true },
		{ .key = "mac", .type = NV_ARG_MAC, .required = true },
		{ .key = "deliver", .type = NV_ARG_CHOICE, .choices = deliver_modes },
	};
	struct nv_port p = { 0 };
	struct nv_subnet s;
	struct nv_maps m;
	int err = nv_args_parse(ctx, "port add", a, 5, argc, argv);

	if (err)
		return err;
	if (!nv_addr_is_ipv4(&a[2].v.addr))
		return nv_usage_error(ctx, "port add: ca \"%s\": IPv4 only for now", a[2].raw);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	p.vsid = a[1].v.u32;
	p.ca = a[2].v.addr;
	p.deliver = a[4].set ? a[4].v.choice : NV_DELIVER_TC;
	err = port_add_check(ctx, &m, a[0].v.u32, a[0].raw, &p, a[2].raw);
	if (!err) {
		err = nv_subnet_get(&m, a[1].v.u32, &s);
		if (err == -ENOENT)
			err = nv_runtime_error(
				ctx, "port add: vsid %u has no subnet (see: nvctl subnet add)",
				a[1].v.u32);
		else if (err)
			err = nv_errno_error(ctx, err, "port add");
	}
	nv_close_maps(ctx, &m);
	if (err)
		return err;
	p.rdid = s.rdid;
	memcpy(p.mac, a[3].v.mac, sizeof(p.mac));
	p.deliver = a[4].set ? a[4].v.choice : NV_DELIVER_TC;
	err = nv_dp_port_add(ctx->pin_dir, a[0].v.u32, &p, NULL);
	if (!err)
		err = nv_undo_push(ctx,
				   &(struct nv_undo){ .kind = NV_UNDO_PORT_DEL, .id = a[0].v.u32 });
	if (err == -EEXIST && nv_tc_prog_id(a[0].v.u32)) /* the checks above passed */
		return nv_runtime_error(
			ctx,
			"port add: dev %s already has nvgre's TC filter (a port or the underlay "
			"of another instance)",
			a[0].raw);
	if (err == -EINVAL)
		return nv_runtime_error(
			ctx,
			"port add: mac %s differs from the lookup record of ca %s in "
			"vsid %u",
			a[3].raw, a[2].raw, p.vsid);
	if (err)
		return nv_errno_error(ctx, err, "port add dev %s", a[0].raw);
	return 0;
}

/* port del dev DEV | ifindex N: by ifindex, a port whose device was deleted can be removed too. */
int nv_cmd_port_del(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = {
		{ .key = "dev", .type = NV_ARG_DEV },
		{ .key = "ifindex", .type = NV_ARG_U32 },
	};
	char name[32], devname[IF_NAMESIZE];
	struct nv_port p;
	struct nv_maps m;
	__u32 ifindex;
	bool gone;
	int err = nv_args_parse(ctx, "port del", a, 2, argc, argv);

	if (err)
		return err;
	if (a[0].set == a[1].set)
		return nv_usage_error(ctx, a[0].set ? "port del: give dev or ifindex, not both"
						    : "port del: missing dev (or ifindex)");
	if (a[1].set && !a[1].v.u32)
		return nv_usage_error(ctx, "port del: ifindex \"%s\": expected a number in 1..%u",
				      a[1].raw, 0xffffffffu);
	ifindex = a[0].set ? a[0].v.u32 : a[1].v.u32;
	gone = !if_indextoname(ifindex, devname);
	if (a[0].set)
		snprintf(name, sizeof(name), "dev %s", a[0].raw);
	else
		snprintf(name, sizeof(name), "ifindex %u", ifindex);
	/* Taking it back would attach a program to a device that does not exist. */
	if (gone && ctx->undo)
		return nv_usage_error(ctx,
				      "port del: %s has no device: a batch could not put its port "
				      "back, run it alone",
				      name);
	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_port_get(&m, ifindex, &p);
	nv_close_maps(ctx, &m);
	if (!err)
		err = nv_dp_port_del(ctx->pin_dir, ifindex, NULL);
	if (!err) {
		/* Re-added as the caller gave it: the library recomputes what it keeps. */
		p.flags &= NV_PORT_F_PEER;
		memset(&p.pa, 0, sizeof(p.pa));
		err = nv_undo_push(
			ctx,
			&(struct nv_undo){ .kind = NV_UNDO_PORT_ADD, .id = ifindex, .port = p });
	}
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "port del: %s is not a port", name);
	if (err)
		return nv_errno_error(ctx, err, "port del %s", name);
	return 0;
}

static int port_show_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	char dev[IF_NAMESIZE], ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], pa[NV_ADDR_STRLEN];
	json_t *list = arg;
	bool bound = p->pa.w[0] | p->pa.w[1] | p->pa.w[2] | p->pa.w[3];

	nv_ifname(ifindex, dev, sizeof(dev));
	nv_addr_format(&p->ca, ca, sizeof(ca));
	nv_mac_format(p->mac, mac, sizeof(mac));
	if (bound)
		nv_addr_format(&p->pa, pa, sizeof(pa));
	else
		strcpy(pa, "-");
	if (list)
		json_array_append_new(list,
				      json_pack("{s:o, s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "dev",
						nv_ifname_json(ifindex), "ifindex",
						(json_int_t)ifindex, "vsid", (json_int_t)p->vsid,
						"rdid", (json_int_t)p->rdid, "ca", ca, "mac", mac,
						"deliver", deliver_modes[p->deliver & 1], "pa",
						bound ? json_string(pa) : json_null()));
	else
		printf("%-16s %-10u %-10u %-16s %-18s %-8s %s\n", dev, p->vsid, p->rdid, ca, mac,
		       deliver_modes[p->deliver & 1], pa);
	return 0;
}

int nv_cmd_port_show(struct nv_ctx *ctx, int argc, char **argv)
{
	json_t *list = ctx->json ? json_array() : NULL;
	struct nv_maps m;
	int err;

	if (argc)
		return nv_usage_error(ctx, "port show: unexpected argument \"%s\"", argv[0]);
	err = nv_open_maps(ctx, &m);
	if (err) {
		json_decref(list);
		return err;
	}
	if (!list)
		printf("%-16s %-10s %-10s %-16s %-18s %-8s %s\n", "DEV", "VSID", "RDID", "CA",
		       "MAC", "DELIVER", "PA");
	err = nv_port_iter(&m, port_show_cb, list);
	nv_close_maps(ctx, &m);
	if (err) {
		json_decref(list);
		return nv_errno_error(ctx, err, "port show");
	}
	if (list)
		nv_json_print(ctx, list);
	return 0;
}
