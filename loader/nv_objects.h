/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Opens and loads the datapath's BPF objects (through their skeletons) so that they share one set
 * of maps: pinned by name under an instance's pin directory, or unpinned (unit tests, which must
 * leave nothing behind). Attaching programs to devices is not done here.
 */
#ifndef NV_OBJECTS_H
#define NV_OBJECTS_H

#include <linux/types.h>

#include "nv_maps.h"

struct bpf_object;

struct nv_from_vm_bpf;
struct nv_from_wire_bpf;
struct nv_wire_tc_bpf;

struct nv_objects {
	struct nv_from_vm_bpf *from_vm;	    /* TC ingress of each port: nv_from_vm */
	struct nv_from_wire_bpf *from_wire; /* XDP on the underlay: nv_from_wire */
	struct nv_wire_tc_bpf *wire_tc;	    /* TC ingress of the underlay: nv_wire_tc */
	struct nv_maps maps;		    /* the shared maps, owned */
};

struct nv_load_opts {
	const char *pin_dir; /* instance directory in bpffs; NULL: maps are not pinned */
	__u32 max_records;   /* capacity of nv_records; 0: NV_MAX_RECORDS */
};

/* All or nothing: on error nothing stays loaded or pinned that this call created. */
int nv_objects_load(struct nv_objects *o, const struct nv_load_opts *opts);
void nv_objects_destroy(struct nv_objects *o);

int nv_objects_from_vm_fd(const struct nv_objects *o);
int nv_objects_from_wire_fd(const struct nv_objects *o);
int nv_objects_wire_tc_fd(const struct nv_objects *o);

/*
 * Makes obj use the maps fds[] (indexed by enum nv_map_id) instead of creating or pinning its own:
 * how the objects after the first share one set of maps (also trace's private copies).
 */
int nv_objects_share_maps(struct bpf_object *obj, const int fds[NV_MAP__COUNT]);

/* Remove the pinned maps of an instance and its directories (missing ones are fine). */
int nv_objects_unpin(const char *pin_dir);

#endif /* NV_OBJECTS_H */
