/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test fixture: every map of nv_map_list.h created unpinned with its type and sizes (no BPF
 * object needed), and snapshots of their whole content to check that a
 * failed call left them as they were. The maps die with the test process.
 */
#ifndef MAPS_FIXTURE_H
#define MAPS_FIXTURE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nv_maps.h"

#define MAPS_FIXTURE_RECORDS 1024

/* Every map (all groups); nv_records holds max_records entries (0: MAPS_FIXTURE_RECORDS). 0 or
 * -errno. */
int maps_fixture_create(struct nv_maps *m, __u32 max_records);
/* One map as maps_fixture_create makes it, with max_entries (0: the default). fd or -errno. */
int maps_fixture_create_one(enum nv_map_id id, __u32 max_entries);

/* Every key and value of every map, sorted per map. */
struct maps_snapshot;
struct maps_snapshot *maps_snapshot_take(const struct nv_maps *m);
bool maps_snapshot_equal(const struct maps_snapshot *a, const struct maps_snapshot *b);
size_t maps_snapshot_count(const struct maps_snapshot *s, enum nv_map_id id);
void maps_snapshot_free(struct maps_snapshot *s);

#endif /* MAPS_FIXTURE_H */
