/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Helpers shared by the maps library's files; not part of its API. The policy calls (nv_subnet.c,
 * nv_local_pa.c, nv_port.c, nv_record.c, nv_record_many.c, nv_route.c, nv_config.c) check
 * everything they can before writing, and undo their earlier writes when a later one fails, so
 * the consistency rules of nv_maps.h hold after every call. Not safe against concurrent writers:
 * callers serialize.
 */
#ifndef NV_MAPS_INT_H
#define NV_MAPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

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

/* All 16 bytes: an IPv4 address has one spelling (IPv4-mapped), so this is address equality. */
static inline bool nv_addr_eq(const union nv_addr *a, const union nv_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* nv_subnets[vsid] into out (nv_subnet.c). */
int nv_subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out);

/* The checks nv_record_add and nv_record_add_many share (nv_record.c). key: sets out to k with
 * its padding zeroed. value: a unicast CA, PA and MAC, a known rule. */
int nv_record_key_check(const struct nv_maps *m, const struct nv_record_key *k,
			struct nv_record_key *out);
bool nv_record_value_ok(const struct nv_record_key *key, const struct nv_record *r);

#endif /* NV_MAPS_INT_H */
