// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl stats: traffic per VSID and per port, drops per reason, summed over CPUs. */
#include <errno.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	STATS_VSID,
	STATS_DEV
};
static const struct nv_arg_spec show_args[] = {
	[STATS_VSID] = NV_ARG_VSID(false),
	[STATS_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, false, "DEV"),
};

struct stats_show {
	struct nv_ctx *ctx;
	const struct nv_maps *m;
	bool filter;
	__u32 vsid;
	__u32 dev; /* ifindex of the one port to show, 0: every port */
	int err;
};

static void print_traffic(struct nv_ctx *ctx, __u64 txp, __u64 txb, __u64 rxp, __u64 rxb)
{
	nv_print_uint(ctx, "tx_packets", "%12llu ", txp);
	nv_print_uint(ctx, "tx_bytes", "%14llu ", txb);
	nv_print_uint(ctx, "rx_packets", "%12llu ", rxp);
	nv_print_uint(ctx, "rx_bytes", "%14llu", rxb);
}

static int vsid_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct stats_show *ss = arg;
	struct nv_ctx *ctx = ss->ctx;
	struct nv_vsid_stats st;

	(void)s;
	if (ss->filter && vsid != ss->vsid)
		return 0;
	ss->err = nv_stats_get(ss->m, vsid, &st);
	if (ss->err)
		return ss->err;
	nv_open_object(ctx, NULL);
	nv_print_uint(ctx, "vsid", "%-10llu ", vsid);
	print_traffic(ctx, st.tx_packets, st.tx_bytes, st.rx_packets, st.rx_bytes);
	nv_print_text(ctx, "\n");
	nv_close(ctx);
	return 0;
}

static int port_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct stats_show *ss = arg;
	struct nv_ctx *ctx = ss->ctx;
	char ca[NV_ADDR_STRLEN];
	struct nv_port_stats st;

	if ((ss->filter && p->vsid != ss->vsid) || (ss->dev && ifindex != ss->dev))
		return 0;
	ss->err = nv_port_stats_get(ss->m, ifindex, &st);
	if (ss->err == -ENOENT) { /* deleted since the iterator saw it */
		ss->err = 0;
		return 0;
	}
	if (ss->err)
		return ss->err;
	nv_open_object(ctx, NULL);
	nv_print_ifname(ctx, "dev", "%-16s ", ifindex);
	nv_print_uint(ctx, "ifindex", "%7llu ", ifindex);
	nv_print_uint(ctx, "vsid", "%-10llu ", p->vsid);
	nv_print_string(ctx, "ca", "%-15s ", nv_addr_format(&p->ca, ca, sizeof(ca)));
	print_traffic(ctx, st.tx_packets, st.tx_bytes, st.rx_packets, st.rx_bytes);
	nv_print_uint(ctx, "drop_packets", " %12llu ", st.drop_packets);
	nv_print_uint(ctx, "drop_bytes", "%14llu\n", st.drop_bytes);
	nv_close(ctx);
	return 0;
}

/* Checks the filters against the maps; a runtime error (exit code) when they name nothing. */
static int check_filters(const struct nv_ctx *ctx, struct stats_show *ss, const char *devname)
{
	struct nv_subnet s;
	struct nv_port p;

	if (ss->dev) {
		if (nv_port_get(ss->m, ss->dev, &p))
			return nv_runtime_error(ctx, "stats show: dev %s is not a port", devname);
		if (ss->filter && p.vsid != ss->vsid)
			return nv_runtime_error(ctx,
						"stats show: dev %s is a port of vsid %u, not %u",
						devname, p.vsid, ss->vsid);
		/* Its VSID's totals come with it. */
		ss->filter = true;
		ss->vsid = p.vsid;
	}
	if (ss->filter && nv_subnet_get(ss->m, ss->vsid, &s))
		return nv_runtime_error(ctx, "stats show: vsid %u does not exist", ss->vsid);
	return 0;
}

static void print_drops(struct nv_ctx *ctx, const struct nv_drop_stats drops[NV_DROP__MAX])
{
	nv_print_text(ctx, "\n%-16s %12s %14s  %s\n", "DROP", "PACKETS", "BYTES", "WHY");
	nv_open_array(ctx, "drops");
	for (unsigned int r = 1; r < NV_DROP__MAX; r++) {
		/* JSON: every reason; text: the ones that happened. */
		if (!ctx->json && !drops[r].packets)
			continue;
		nv_open_object(ctx, NULL);
		nv_print_string(ctx, "reason", "%-16s ", nv_drop_reason_name(r));
		nv_print_uint(ctx, "code", NULL, r);
		nv_print_uint(ctx, "packets", "%12llu ", drops[r].packets);
		nv_print_uint(ctx, "bytes", "%14llu  ", drops[r].bytes);
		nv_print_text(ctx, "%s\n", nv_drop_reason_text(r));
		nv_close(ctx);
	}
	nv_close(ctx);
}

static int stats_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_drop_stats drops[NV_DROP__MAX];
	struct stats_show ss = { .ctx = ctx,
				 .filter = a->a[STATS_VSID].set,
				 .vsid = a->a[STATS_VSID].v.u32,
				 .dev = a->a[STATS_DEV].set ? a->a[STATS_DEV].v.u32 : 0 };
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	ss.m = &m;
	err = check_filters(ctx, &ss, a->a[STATS_DEV].raw);
	if (err) {
		nv_close_maps(ctx, &m);
		return err;
	}
	/* Read before anything is printed: an error prints nothing but itself. */
	err = nv_drops_get(&m, drops);
	nv_out_begin(ctx, false);
	nv_print_text(ctx, "%-10s %12s %14s %12s %14s\n", "VSID", "TX_PACKETS", "TX_BYTES",
		      "RX_PACKETS", "RX_BYTES");
	nv_open_array(ctx, "vsids");
	if (!err)
		err = nv_subnet_iter(&m, vsid_cb, &ss) ?: ss.err;
	nv_close(ctx);
	nv_print_text(ctx, "\n%-16s %7s %-10s %-15s %12s %14s %12s %14s %12s %14s\n", "PORT",
		      "IFINDEX", "VSID", "CA", "TX_PACKETS", "TX_BYTES", "RX_PACKETS", "RX_BYTES",
		      "DROP_PACKETS", "DROP_BYTES");
	nv_open_array(ctx, "ports");
	if (!err)
		err = nv_port_iter(&m, port_cb, &ss) ?: ss.err;
	nv_close(ctx);
	nv_close_maps(ctx, &m);
	if (err) {
		nv_out_abort(ctx);
		return nv_errno_error(ctx, err, "%s", a->cmd);
	}
	print_drops(ctx, drops);
	nv_out_end(ctx);
	return 0;
}

static int stats_reset(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	err = nv_stats_reset(&m);
	nv_close_maps(ctx, &m);
	return err ? nv_errno_error(ctx, err, "%s", a->cmd) : 0;
}

const struct nv_cmd nv_stats_cmds[] = {
	NV_CMD("show", show_args, "traffic per VSID and per port, drops per reason", stats_show, 0),
	NV_CMD_NOARGS("reset", "zero every counter", stats_reset, 0),
	{ 0 },
};
