/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath of one host instance: its programs attached to devices, its maps and programs
 * pinned under the instance's directory in bpffs. Attached programs keep forwarding with no
 * process running; every call here finds the instance through its pins. All calls return 0 or
 * -errno, never exit, and leave the host as it was when they fail.
 */
#ifndef NV_DATAPATH_H
#define NV_DATAPATH_H

#include <linux/types.h>
#include <stdbool.h>

#include "nv_hooks.h"
#include "nv_maps.h"

#define NV_PIN_DIR_DEFAULT "/sys/fs/bpf/nvgre"

struct nv_dp_attach_opts {
	__u32 underlay_ifindex;
	union nv_addr pa; /* the host's PA on the underlay */
	__u8 ttl;	  /* outer TTL, 0: NV_DEFAULT_TTL */
	enum nv_xdp_mode xdp_mode;
	__u32 max_records; /* 0: NV_MAX_RECORDS */
};

struct nv_dp_status {
	struct nv_config cfg;
	struct nv_xdp_info xdp; /* nv_from_wire on the underlay */
	__u32 wire_tc_id;	/* nv_wire_tc on the underlay's TC ingress */
	__u32 ports, records, subnets, local_pas, records_max; /* fill levels */
};

/* Mount bpffs at /sys/fs/bpf when it is not. */
int nv_bpffs_mount(void);

/*
 * -EEXIST: already attached. -EBUSY: another XDP program holds the device. -EMSGSIZE: the
 * underlay's MTU is under NV_UNDERLAY_MTU_MIN.
 */
int nv_dp_attach(const char *pin_dir, const struct nv_dp_attach_opts *o);
/* Removes every program, filter, qdisc and pin the instance created. -ENOENT: not attached. */
int nv_dp_detach(const char *pin_dir);
/* Load the programs again (e.g. newly built) and swap them in atomically, keeping the maps. */
int nv_dp_reload(const char *pin_dir);
int nv_dp_status(const char *pin_dir, struct nv_dp_status *st);
/* The instance's maps. -ENOENT: nothing attached there. */
int nv_dp_maps(const char *pin_dir, struct nv_maps *m);

/*
 * Bind a device as a port: map entry + nv_from_vm on its TC ingress, both or neither. flags may
 * carry NV_PORT_F_PEER; a veth gets it anyway (deliveries go straight into its peer's netns).
 */
int nv_dp_port_add(const char *pin_dir, __u32 ifindex, const struct nv_port *p);
int nv_dp_port_del(const char *pin_dir, __u32 ifindex);

#endif /* NV_DATAPATH_H */
