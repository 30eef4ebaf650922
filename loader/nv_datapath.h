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
#include "nv_migrate.h"
#include "nv_progs.h"

#define NV_PIN_DIR_DEFAULT "/sys/fs/bpf/nvgre"

struct nv_dp_attach_opts {
	__u32 underlay_ifindex;
	union nv_addr pa; /* the host's PA on the underlay */
	__u8 ttl;	  /* outer TTL, 0: NV_DEFAULT_TTL */
	enum nv_xdp_mode xdp_mode;
	__u32 max_records; /* 0: NV_MAX_RECORDS */
	/*
	 * Connections the gateway's table holds (nv_ct has two entries each): 0 for
	 * NV_CT_CONNS_DEFAULT, at most NV_CT_CONNS_MAX (-EINVAL above).
	 */
	__u32 max_conns;
};

struct nv_dp_status {
	struct nv_config cfg;
	struct nv_xdp_info xdp; /* the XDP hook of the underlay */
	/*
	 * Per program of nv_progs.h: the id of what runs at its hook on the underlay (0: nothing,
	 * or not ours), or for the programs of ports and external devices the id of the instance's
	 * pinned one.
	 */
	__u32 prog_id[NV_PROG__COUNT];
	__u32 ports, records, subnets, local_pas, records_max; /* fill levels */
	__u32 gw_legs, gw_devs;				       /* gateway legs, external devices */
	__u32 conns, conns_max; /* tracked connections, and how many the table holds */
	/* The underlay's MTU now (0: unknown), what NVGRE adds, and so what a VM should use. */
	unsigned int underlay_mtu, overhead, vm_mtu;
};

/*
 * What NVGRE adds to a VM's packet on the underlay (outer Ethernet, IP and GRE), for packets sent
 * from pa: 42 bytes over IPv4, 62 over IPv6 (DESIGN section 2).
 */
unsigned int nv_dp_overhead(const union nv_addr *pa);

/* Mount bpffs at /sys/fs/bpf when it is not. */
int nv_bpffs_mount(void);

/*
 * Load, pin and attach the instance (-EINVAL: o->max_conns over NV_CT_CONNS_MAX). why (may be
 * NULL) names the conflict: -EEXIST
 * INSTANCE_EXISTS (already attached there) or DEV_HAS_FILTER (the underlay has another
 * instance's TC filter), -EBUSY XDP_BUSY (another XDP program holds the device), -EMSGSIZE
 * UNDERLAY_MTU (MTU under NV_UNDERLAY_MTU_MIN), and those of nv_local_pa_add for the PA.
 */
int nv_dp_attach(const char *pin_dir, const struct nv_dp_attach_opts *o, struct nv_conflict *why);
/* Removes every program, filter, qdisc and pin the instance created. -ENOENT: not attached. */
int nv_dp_detach(const char *pin_dir);
/*
 * Load the programs again (e.g. newly built) and swap them in atomically on every hook (the
 * underlay's, every port's, every gateway external device's), keeping the maps.
 */
int nv_dp_reload(const char *pin_dir);
int nv_dp_status(const char *pin_dir, struct nv_dp_status *st);
/* Why xdp-mode auto chose the mode st shows (a sentence), or NULL when it was asked for. */
const char *nv_dp_xdp_auto_reason(const struct nv_dp_status *st);

/*
 * A datapath pinned in pin_dir by an nvctl of an older ABI version, taken over by this one with
 * its state: a new instance loaded and filled from the old one's policy (nv_migrate.h), then
 * every hook swapped in place (as reload does: no frame meets no program), then the old pins
 * removed. All or nothing: on an error the old programs run again and the new pins are gone.
 * -ENOENT: no other version there (or it lacks a program); -EPROTO: a newer version's;
 * INSTANCE_EXISTS: this version is there already. why names a refused object.
 */
struct nv_dp_upgrade_report {
	unsigned int from_abi;
	struct nv_migrate_counts n;
};
int nv_dp_upgrade(const char *pin_dir, struct nv_dp_upgrade_report *rep, struct nv_conflict *why);
/* The instance's maps. -ENOENT: nothing attached there. */
int nv_dp_maps(const char *pin_dir, struct nv_maps *m);

/*
 * Bind a device as a port: map entry + the port program on its TC ingress, both or neither.
 * flags may carry NV_PORT_F_PEER; a veth gets it anyway (deliveries go straight into its peer's
 * netns). Refused before the device is touched: PORT_EXISTS, PORT_IS_LOOPBACK; DEV_HAS_FILTER
 * when another instance's filter is on it; then nv_port_add's conflicts. del: PORT_UNKNOWN.
 */
int nv_dp_port_add(const char *pin_dir, __u32 ifindex, const struct nv_port *p,
		   struct nv_conflict *why);
int nv_dp_port_del(const char *pin_dir, __u32 ifindex, struct nv_conflict *why);

/*
 * A gateway leg (nv_gw_leg_add) and, with the first leg on leg->ext_ifindex, nv_from_ext on that
 * device's TC ingress, both or neither. Refused before the device is touched: NO_DEVICE,
 * PORT_IS_LOOPBACK, then every rule of nv_gw_leg_check; DEV_HAS_FILTER when another instance's
 * filter is on it. The device's entry in nv_gw_devs gets its MAC and NV_GW_DEV_F_OWN_CLSACT when
 * the attach created the clsact qdisc. del: nv_gw_leg_del (GW_UNKNOWN, GW_IN_USE), then with the
 * device's last leg its filter (and the qdisc when ours) goes.
 */
int nv_dp_gateway_add(const char *pin_dir, __u32 rdid, const struct nv_gw_leg *leg,
		      struct nv_conflict *why);
int nv_dp_gateway_del(const char *pin_dir, __u32 rdid, struct nv_conflict *why);

#endif /* NV_DATAPATH_H */
