/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* nvctl trace's parts: where the frame comes from (trace_input.c), how the run is shown
 * (trace_print.c). */
#ifndef TRACE_H
#define TRACE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nv_frame.h"
#include "nv_trace.h"
#include "nvctl.h"

/* A frame given as hex ("02:4e:56 ..." separators allowed). 0 or the usage error's exit code. */
int trace_frame_hex(const struct nv_ctx *ctx, const char *cmd, const char *hex, __u8 *buf,
		    size_t *len);
/* The first frame of a pcap file. 0 or the runtime error's exit code. */
int trace_frame_pcap(const struct nv_ctx *ctx, const char *cmd, const char *file, __u8 *buf,
		     size_t *len);

/*
 * A frame built from fields, what is not given taken from the live maps: from a port (its CA and
 * MAC as the source; a destination outside the port's prefix goes to the gateway MAC, as a VM
 * sends it), or from the wire (vsid; the source CA's record gives its MAC and PA, or, for a
 * routed source, its record in the RDID or the RDID's gateway wildcard gives the PA, and the
 * key VSID's gateway MAC is the source MAC) to the underlay's PA. given_*: which fields the user
 * set. 0 or an exit code.
 */
struct trace_fields {
	struct nv_frame_fields f;
	__u32 vsid;	  /* underlay */
	__be32 outer_src; /* underlay, 0: the source CA's PA */
	bool src, src_mac, dst_mac, outer;
};
int trace_frame_fields(const struct nv_ctx *ctx, const char *cmd, const struct nv_maps *m,
		       bool underlay, const struct nv_port *port, struct trace_fields *tf,
		       __u8 *buf, size_t *len);

/* The run: each stage's verdict and output, the live entries it looked up, the verdict. */
int trace_print(struct nv_ctx *ctx, const struct nv_maps *m, bool underlay, __u32 ifindex,
		const __u8 *frame, size_t len, const struct nv_trace_result *r);

#endif /* TRACE_H */
