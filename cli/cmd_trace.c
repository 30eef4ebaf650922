// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl trace { port PORT | underlay } { FIELDS | frame HEX | pcap PCAP }: one frame through the
 * instance's programs (BPF_PROG_TEST_RUN, see loader/nv_trace.h), with the verdict of each stage,
 * the frame that comes out, and the live map entries the datapath looked up for it. The live
 * counters are untouched: the programs run as private copies whose counters are their own.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_output.h"
#include "trace.h"

/* One index per argument; port and underlay each use some (the others stay NV_ARG_NONE). */
enum {
	T_PORT,
	T_VSID,
	T_SRC,
	T_DST,
	T_OUTER_SRC,
	T_PROTO,
	T_SPORT,
	T_DPORT,
	T_SRC_MAC,
	T_DST_MAC,
	T_FRAME,
	T_PCAP,
	T__COUNT
};

#define FIELD_ARGS                                                         \
	[T_SRC] = NV_ARG_KEY("src", NV_ARG_IPV4, false, "ADDR"),           \
	[T_DST] = NV_ARG_KEY("dst", NV_ARG_IPV4, false, "ADDR"),           \
	[T_PROTO] = NV_ARG_KEY("proto", NV_ARG_PROTO, false, "PROTO"),     \
	[T_SPORT] = NV_ARG_NUM("sport", false, 0, 65535, "N"),             \
	[T_DPORT] = NV_ARG_NUM("dport", false, 0, 65535, "N"),             \
	[T_SRC_MAC] = NV_ARG_KEY("src-mac", NV_ARG_ANY_MAC, false, "MAC"), \
	[T_DST_MAC] = NV_ARG_KEY("dst-mac", NV_ARG_ANY_MAC, false, "MAC"), \
	[T_FRAME] = NV_ARG_KEY("frame", NV_ARG_STRING, false, "HEX"),      \
	[T_PCAP] = NV_ARG_KEY("pcap", NV_ARG_STRING, false, "PCAP")

static const struct nv_arg_spec port_args[T__COUNT] = {
	[T_PORT] = NV_ARG_POS(NV_ARG_DEV, "PORT"),
	FIELD_ARGS,
};
static const struct nv_arg_spec underlay_args[T__COUNT] = {
	[T_VSID] = NV_ARG_VSID(false),
	[T_OUTER_SRC] = NV_ARG_KEY("outer-src", NV_ARG_IPV4, false, "ADDR"),
	FIELD_ARGS,
};

/* How the arguments combine: a frame (hex or pcap) alone, or fields with what they need. */
static int check_args(const struct nv_ctx *ctx, bool underlay, const struct nv_args *a)
{
	const struct nv_arg_spec *specs = underlay ? underlay_args : port_args;
	const char *cmd = a->cmd;
	__u8 proto;

	if (a->a[T_FRAME].set && a->a[T_PCAP].set)
		return nv_usage_error(ctx, "%s: frame and pcap cannot be used together", cmd);
	if (a->a[T_FRAME].set || a->a[T_PCAP].set) {
		for (int i = 0; i < T__COUNT; i++)
			if (specs[i].key && i != T_FRAME && i != T_PCAP && a->a[i].set)
				return nv_usage_error(ctx, "%s: %s cannot be used with %s", cmd,
						      specs[i].key,
						      a->a[T_FRAME].set ? "frame" : "pcap");
		return 0;
	}
	if (!a->a[T_DST].set)
		return nv_usage_error(ctx, "%s: missing dst (or frame HEX, or pcap PCAP)", cmd);
	if (underlay && !a->a[T_VSID].set)
		return nv_usage_error(ctx, "%s: missing vsid", cmd);
	if (underlay && !a->a[T_SRC].set)
		return nv_usage_error(ctx, "%s: missing src", cmd);
	proto = a->a[T_PROTO].set ? a->a[T_PROTO].v.proto : IPPROTO_ICMP;
	if ((a->a[T_SPORT].set || a->a[T_DPORT].set) && proto != IPPROTO_TCP &&
	    proto != IPPROTO_UDP)
		return nv_usage_error(ctx, "%s: %s needs proto tcp or udp", cmd,
				      a->a[T_SPORT].set ? "sport" : "dport");
	return 0;
}

/* The fields as given; what is missing the live maps fill in (trace_frame_fields). */
static void fields_of(const struct nv_args *a, struct trace_fields *tf)
{
	/* Without them: ICMP echo; with ports, an ephemeral source port to the discard service. */
	memset(tf, 0, sizeof(*tf));
	tf->f.proto = a->a[T_PROTO].set ? a->a[T_PROTO].v.proto : IPPROTO_ICMP;
	tf->f.sport = a->a[T_SPORT].set ? a->a[T_SPORT].v.u32 : 49152;
	tf->f.dport = a->a[T_DPORT].set ? a->a[T_DPORT].v.u32 : 9;
	tf->f.saddr = nv_arg_ipv4(&a->a[T_SRC]);
	tf->f.daddr = nv_arg_ipv4(&a->a[T_DST]);
	tf->src = a->a[T_SRC].set;
	tf->src_mac = a->a[T_SRC_MAC].set;
	tf->dst_mac = a->a[T_DST_MAC].set;
	tf->outer = a->a[T_OUTER_SRC].set;
	if (tf->src_mac)
		memcpy(tf->f.smac, a->a[T_SRC_MAC].v.mac, NV_ETH_ALEN);
	if (tf->dst_mac)
		memcpy(tf->f.dmac, a->a[T_DST_MAC].v.mac, NV_ETH_ALEN);
	tf->vsid = a->a[T_VSID].v.u32;
	tf->outer_src = tf->outer ? nv_arg_ipv4(&a->a[T_OUTER_SRC]) : 0;
}

static int run_error(const struct nv_ctx *ctx, const char *cmd, int err, bool underlay,
		     const char *port)
{
	if (err == -ESTALE)
		return nv_runtime_error(ctx,
					"%s: attached programs differ from this nvctl: reload "
					"(nvctl dp reload)",
					cmd);
	if (err == -ENODEV)
		return nv_runtime_error(ctx, "%s: no program of this datapath is attached to %s",
					cmd, underlay ? "the underlay" : port);
	return nv_errno_error(ctx, err, "%s: test run", cmd);
}

static int trace(struct nv_ctx *ctx, bool underlay, const struct nv_args *a)
{
	static __u8 frame[NV_TRACE_FRAME_MAX];
	static struct nv_trace_result res;
	const char *cmd = a->cmd, *port_name = a->a[T_PORT].raw;
	__u32 ifindex = underlay ? 0 : a->a[T_PORT].v.u32;
	struct nv_trace *t = NULL;
	const struct nv_maps *m;
	struct trace_fields tf;
	struct nv_config cfg;
	struct nv_port port;
	size_t len = 0;
	int err, ret;

	ret = check_args(ctx, underlay, a);
	if (!ret && a->a[T_FRAME].set)
		ret = trace_frame_hex(ctx, cmd, a->a[T_FRAME].raw, frame, &len);
	if (!ret && a->a[T_PCAP].set)
		ret = trace_frame_pcap(ctx, cmd, a->a[T_PCAP].raw, frame, &len);
	if (ret)
		return ret;

	err = nv_trace_open(ctx->pin_dir, &t);
	if (err == -ENOENT)
		return nv_not_attached(ctx);
	if (err == -ESTALE)
		return run_error(ctx, cmd, err, underlay, port_name);
	if (err)
		return nv_errno_error(ctx, err, "%s: load private copies of the programs", cmd);
	m = nv_trace_live_maps(t);
	if (!underlay && nv_port_get(m, ifindex, &port)) {
		ret = nv_runtime_error(ctx, "%s: \"%s\" is not a port of this datapath", cmd,
				       port_name);
		goto out;
	}
	if (!len) {
		fields_of(a, &tf);
		ret = trace_frame_fields(ctx, cmd, m, underlay, &port, &tf, frame, &len);
		if (ret)
			goto out;
	}
	if (underlay) {
		err = nv_config_get(m, &cfg);
		ifindex = cfg.underlay_ifindex;
		if (!err)
			err = nv_trace_underlay(t, frame, len, &res);
	} else {
		err = nv_trace_port(t, ifindex, frame, len, &res);
	}
	ret = err ? run_error(ctx, cmd, err, underlay, port_name)
		  : trace_print(ctx, m, underlay, ifindex, frame, len, &res);
out:
	nv_trace_close(t);
	return ret;
}

static int trace_port(struct nv_ctx *ctx, const struct nv_args *a)
{
	return trace(ctx, false, a);
}

static int trace_underlay(struct nv_ctx *ctx, const struct nv_args *a)
{
	return trace(ctx, true, a);
}

const struct nv_cmd nv_trace_cmds[] = {
	NV_CMD("port", port_args,
	       "run a frame from a VM through nv_from_vm on the live maps (counters untouched)",
	       trace_port, 0),
	NV_CMD("underlay", underlay_args,
	       "run a frame from the wire through nv_from_wire and nv_wire_tc (counters untouched)",
	       trace_underlay, 0),
	{ 0 },
};
