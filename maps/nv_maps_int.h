/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Helpers shared by the maps library's files; not part of its API. */
#ifndef NV_MAPS_INT_H
#define NV_MAPS_INT_H

#include <stddef.h>

#include "nv_maps.h"

/* Largest key or value of any map, rounded up (buffers for the generic iterator). */
#define NV_MAP_MAX_KV 64

typedef int (*nv_raw_cb)(const void *key, const void *value, void *arg);

/*
 * Calls cb for every entry of a map that is not per-CPU (value_size 0: keys only, no lookup). The
 * next key is fetched before cb runs, so cb may delete the entry it is given. An entry deleted
 * under our feet is skipped. Returns 0, a negative errno, or the first nonzero value of cb.
 */
int nv_map_iter_raw(int fd, size_t key_size, size_t value_size, nv_raw_cb cb, void *arg);

/* Writes a zeroed per-CPU value (every CPU) at key, BPF_ANY; value_size a multiple of 8. */
int nv_percpu_zero(int fd, const void *key, size_t value_size);

/* A port's counters: created zeroed by port add, moved into its VSID's entry by port del. */
int nv_port_stats_create(const struct nv_maps *m, __u32 ifindex);
int nv_port_stats_retire(const struct nv_maps *m, __u32 ifindex, __u32 vsid);

#endif /* NV_MAPS_INT_H */
