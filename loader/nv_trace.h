/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nvctl trace: one frame through the datapath's own programs with BPF_PROG_TEST_RUN, against the
 * instance's live lookup maps, without touching what live traffic counts.
 *
 * How the live counters stay untouched: the three objects are loaded again, privately. Their
 * lookup maps (ports, records, routes, subnets, local PAs, tx_ports) are the instance's pinned
 * maps, reused by fd, so the run decides exactly as live traffic would; every map the programs
 * write (nv_stats, nv_port_stats, nv_drops, nv_events, nv_event_state) is a new private map, and
 * nv_config is a private copy of the live entry with events = NV_EVENTS_TRACE so that every
 * verdict leaves an event in the private ring. A test run redirects nothing: the frame is only
 * run through the program. The private programs must be the attached ones: their tags (which the
 * kernel computes with map references masked) must equal those of the programs the instance
 * attached, else the trace refuses (-ESTALE).
 */
#ifndef NV_TRACE_H
#define NV_TRACE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nv_maps.h"
#include "nv_progs.h"

/* Largest input frame: BPF_PROG_TEST_RUN of XDP takes a frame that fits in one page. */
#define NV_TRACE_FRAME_MAX 3072
/* Room for what a stage can add (NVGRE encap: NV_ENCAP_LEN) and the XDP metadata. */
#define NV_TRACE_OUT_MAX (NV_TRACE_FRAME_MAX + 256)

struct nv_trace_stage {
	enum nv_prog_id prog; /* the program of nv_progs.h that ran */
	unsigned int hook;    /* enum nv_hook: nv_progs[prog].hook */
	__u32 ifindex;	      /* the device the program ran for */
	__u32 prog_id;	      /* the attached program it stands for */
	int retval;	      /* what the program returned (TC_ACT_*, XDP_*) */
	bool have_event;
	struct nv_event event; /* the event it wrote into the private ring: verdict, target, ... */
	__u32 reason;	       /* drop reason counted in the private nv_drops, NV_DROP_NONE */
	__u8 out[NV_TRACE_OUT_MAX];
	__u32 out_len;	/* bytes in out, XDP metadata first */
	__u32 meta_len; /* XDP metadata handed to TC */
};

struct nv_trace_result {
	unsigned int nstages; /* 1, or 2 when nv_from_wire passed the frame on to nv_wire_tc */
	struct nv_trace_stage stage[2];
};

struct nv_trace;

/*
 * Load the private copies for the instance at pin_dir. -ENOENT: no datapath there. -ESTALE: the
 * instance's programs differ from the ones this build carries (reload the datapath).
 */
int nv_trace_open(const char *pin_dir, struct nv_trace **out);
void nv_trace_close(struct nv_trace *t);
/* The instance's live maps (owned by t), for showing the entries a trace looked up. */
const struct nv_maps *nv_trace_live_maps(const struct nv_trace *t);

/*
 * Run frame as received on a port (nv_from_vm, ctx ifindex = port), or on the underlay
 * (nv_from_wire, then nv_wire_tc on the same frame when XDP passes it to the stack; without
 * XDP's metadata nv_wire_tc validates it again; nv_wire_tc alone when the datapath was attached
 * with xdp-mode none). -ENODEV: no program of the instance is attached
 * on that device's hook; -ESTALE: the attached program's tag differs; -EINVAL: frame length out
 * of 14..NV_TRACE_FRAME_MAX, or refused by the kernel's test run.
 */
int nv_trace_port(struct nv_trace *t, __u32 port, const void *frame, size_t len,
		  struct nv_trace_result *r);
int nv_trace_underlay(struct nv_trace *t, const void *frame, size_t len, struct nv_trace_result *r);

/* A stage's verdict (enum nv_verdict): from its event, else from what the program returned. */
unsigned int nv_trace_verdict(const struct nv_trace_stage *s);
/* Its drop reason: the event's, else the one the private nv_drops counted. */
__u32 nv_trace_reason(const struct nv_trace_stage *s);
/* "XDP_PASS", "TC_ACT_REDIRECT", ... for what a stage's program returned. */
const char *nv_trace_retval_name(unsigned int hook, int ret);

#endif /* NV_TRACE_H */
