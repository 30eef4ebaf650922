/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Opens and loads every program of the registry (nv_progs.h) so that they share one set of maps:
 * pinned by name under an instance's pin directory, unpinned (unit tests, which must leave
 * nothing behind), or, for nvctl trace, the live policy maps of an instance with private copies
 * of everything the programs write. Attaching programs to devices is not done here.
 */
#ifndef NV_OBJECTS_H
#define NV_OBJECTS_H

#include <linux/types.h>
#include <stdbool.h>

#include "nv_maps.h"
#include "nv_progs.h"

struct bpf_object;

struct nv_objects {
	struct bpf_object *obj[NV_PROG__COUNT]; /* owned */
	int prog_fd[NV_PROG__COUNT];		/* the programs, owned by their objects */
	struct nv_maps maps;			/* the shared maps, owned */
};

struct nv_load_opts {
	const char *pin_dir; /* instance directory in bpffs; NULL: maps are not pinned */
	__u32 max_records;   /* capacity of nv_records; 0: NV_MAX_RECORDS */
	__u32 max_conns;     /* connections nv_ct holds (2 entries each); 0: NV_CT_CONNS_DEFAULT */
	/*
	 * Trace: the maps of the roles in reuse_roles (1 << enum nv_map_role) are reuse's, by fd;
	 * every other map is private, unpinned and as small as one frame needs. pin_dir NULL.
	 */
	const struct nv_maps *reuse;
	unsigned int reuse_roles;
};

/*
 * All or nothing: on error nothing stays loaded or pinned that this call created. -EINVAL:
 * max_conns over NV_CT_CONNS_MAX. Maps already pinned at pin_dir are reused as they are (their
 * sizes too): max_records and max_conns size new maps only.
 */
int nv_objects_load(struct nv_objects *o, const struct nv_load_opts *opts);
void nv_objects_destroy(struct nv_objects *o);
int nv_objects_prog_fd(const struct nv_objects *o, enum nv_prog_id id);

/* Remove the pinned maps of an instance and its directories (missing ones are fine). */
int nv_objects_unpin(const char *pin_dir);

#endif /* NV_OBJECTS_H */
