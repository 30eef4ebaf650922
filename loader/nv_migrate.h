/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The state of a datapath pinned by an nvctl of another ABI version (maps-v<N>, progs-v<N>),
 * read into this version's maps: `nvctl dp upgrade` (nv_dp_upgrade in nv_datapath.h). Every
 * policy map of the old instance is read entry by entry and each value is carried over by the
 * names of its fields, as the kernel's BTF of the old and the new map describe them (a field the
 * old layout lacks is zero; one the new lacks is dropped), then written through the maps library,
 * which checks it and rebuilds everything derived (bindings, the RDID index, the route trie, the
 * devmap). Counters are state, not policy: they start from zero; so do the gateway's connections
 * (nv_ct), which the tenants' next packets open again. A map the old instance lacks (an older ABI
 * had no gateway) has nothing to carry: the new one starts empty.
 */
#ifndef NV_MIGRATE_H
#define NV_MIGRATE_H

#include <linux/types.h>
#include <stddef.h>

#include "nv_conflict.h"
#include "nv_maps.h"
#include "nv_progs.h"

/* The ABI version of a datapath pinned in pin_dir by another nvctl, else 0. */
unsigned int nv_migrate_pinned_abi(const char *pin_dir);

/* What was carried over. */
struct nv_migrate_counts {
	__u32 subnets, local_pas, ports, records, routes;
	__u32 gw_legs, gw_routes, nats, nat_maps;
};

/*
 * Every policy object of the ABI-abi instance at pin_dir written into m (a new, empty instance):
 * subnets, local PAs, the config, ports, records, customer routes, then the gateway's legs (with
 * their external devices' entries), routes, NATs, static mappings and connection timeouts. 0, or
 * the first refusal (why
 * says which object, -errno); m then holds part of it: the caller drops m.
 */
int nv_migrate_policy(const char *pin_dir, unsigned int abi, const struct nv_maps *m,
		      struct nv_migrate_counts *n, struct nv_conflict *why);

/* The old instance's programs by name (fd[i] -1 where it has none of that name). 0 or -errno. */
int nv_migrate_progs_open(const char *pin_dir, unsigned int abi, int fd[NV_PROG__COUNT]);

/* Unpin every map and program of the old instance and remove its directories. */
int nv_migrate_remove(const char *pin_dir, unsigned int abi);

#endif /* NV_MIGRATE_H */
