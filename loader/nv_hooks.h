/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching programs to devices: TC ingress filters through libbpf's bpf_tc_* (netlink; libbpf
 * 1.1 has no tcx API) and XDP through libxdp. Each attach can replace atomically, for reloads
 * that lose no packet. Returns 0 or -errno.
 */
#ifndef NV_HOOKS_H
#define NV_HOOKS_H

#include <linux/types.h>
#include <stdbool.h>

/* Our filter on a device's clsact ingress: this handle and priority, so we find and replace it. */
#define NV_TC_HANDLE   0x4e56
#define NV_TC_PRIORITY 0xc000

/* Attach prog_fd at TC ingress. *own_clsact is set when this call created the clsact qdisc. */
int nv_tc_attach(__u32 ifindex, int prog_fd, bool *own_clsact);
/* Swap the program of our filter in place (BPF_TC_F_REPLACE): no packet meets an empty hook. */
int nv_tc_replace(__u32 ifindex, int prog_fd);
/* Remove our filter, and the clsact qdisc when we created it. Missing filter: 0. */
int nv_tc_detach(__u32 ifindex, bool own_clsact);
/* Program id of our filter, or 0. */
__u32 nv_tc_prog_id(__u32 ifindex);

enum nv_xdp_mode {
	NV_XDP_MODE_NATIVE, /* driver mode (veth has one) */
	NV_XDP_MODE_SKB,    /* generic */
	NV_XDP_MODE_NONE,   /* no XDP program: TC alone (config flag NV_CFG_F_NO_XDP) */
	/*
	 * dp attach only: native, unless the underlay is a veth (XDP there copies every frame
	 * into a page before the program runs: TC alone is faster) or its driver has no native
	 * XDP (generic XDP pays the same copy); then none. Config flag NV_CFG_F_XDP_AUTO.
	 */
	NV_XDP_MODE_AUTO,
};

struct nv_xdp_info {
	__u32 prog_id;	 /* 0: nothing attached */
	bool dispatcher; /* libxdp's multi-program dispatcher; false: attached directly */
	enum nv_xdp_mode mode;
};

/*
 * Attach through libxdp. Where the kernel refuses the dispatcher (freplace EPERM) libxdp attaches
 * the program directly, and then a second XDP program on the device is refused: -EBUSY.
 */
int nv_xdp_attach(__u32 ifindex, int prog_fd, enum nv_xdp_mode mode);
/* Replace our program atomically (XDP_FLAGS_REPLACE against the old program). */
int nv_xdp_replace(__u32 ifindex, int old_fd, int new_fd);
/* Detach our program (the one with prog_id); -ENOENT when another holds the device. */
int nv_xdp_detach(__u32 ifindex, __u32 prog_id);
int nv_xdp_info(__u32 ifindex, struct nv_xdp_info *info);

#endif /* NV_HOOKS_H */
