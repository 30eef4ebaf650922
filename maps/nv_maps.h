/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Typed access to the datapath's maps for user space (the CLI, the loader and the tests). Nothing
 * else touches raw map fds. Every function returns 0 or a negative errno and never exits.
 *
 * Consistency rules the library keeps (the datapath relies on them):
 * - a port or record names a VSID that has a subnet; a port's rdid is its subnet's rdid;
 * - a record's ifindex is the local port bound to (vsid, ca) when the record's PA is local, else 0;
 * - every subnet has a (zeroed) stats entry; every port has a tx_ports entry;
 * - a call that fails leaves the maps as they were.
 */
#ifndef NV_MAPS_H
#define NV_MAPS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nvgre_abi.h"

enum nv_map_id {
	NV_MAP_PORTS,
	NV_MAP_RECORDS,
	NV_MAP_ROUTES,
	NV_MAP_SUBNETS,
	NV_MAP_LOCAL_PAS,
	NV_MAP_CONFIG,
	NV_MAP_TX_PORTS,
	NV_MAP_STATS,
	NV_MAP_DROPS,
	NV_MAP__COUNT
};

/* Map names as defined in nvgre_maps.bpf.h and pinned: "nv_ports", "nv_records", ... */
extern const char *const nv_map_names[NV_MAP__COUNT];

struct nv_maps {
	int fd[NV_MAP__COUNT]; /* owned: closed by nv_maps_close() */
};

/* Open the maps pinned under dir (the versioned directory, see nv_pin_maps_dir()). All or none. */
int nv_maps_open_pinned(struct nv_maps *m, const char *dir);
/* Take duplicates of fds (e.g. from a loaded bpf_object). All or none. */
int nv_maps_from_fds(struct nv_maps *m, const int fds[NV_MAP__COUNT]);
void nv_maps_close(struct nv_maps *m);

/* The directory holding the pinned maps of an instance: "<pin_dir>/maps-v<NV_ABI_VERSION>". */
int nv_pin_maps_dir(const char *pin_dir, char *buf, size_t len);

bool nv_vsid_valid(__u32 vsid);

/* Subnets. add: -EINVAL vsid out of range, -EEXIST. del: -ENOENT, -EBUSY while a port or record
 * uses the VSID. */
int nv_subnet_add(const struct nv_maps *m, __u32 vsid, const struct nv_subnet *s);
int nv_subnet_del(const struct nv_maps *m, __u32 vsid);
int nv_subnet_get(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out);
typedef int (*nv_subnet_cb)(__u32 vsid, const struct nv_subnet *s, void *arg);
int nv_subnet_iter(const struct nv_maps *m, nv_subnet_cb cb, void *arg);

/* Local provider addresses. add/del keep the records' ifindex right. */
int nv_local_pa_add(const struct nv_maps *m, const union nv_addr *pa, __u32 ifindex);
int nv_local_pa_del(const struct nv_maps *m, const union nv_addr *pa);
bool nv_local_pa_has(const struct nv_maps *m, const union nv_addr *pa);
typedef int (*nv_local_pa_cb)(const union nv_addr *pa, const struct nv_local_pa *v, void *arg);
int nv_local_pa_iter(const struct nv_maps *m, nv_local_pa_cb cb, void *arg);

/* Ports. add: -ENOENT no subnet, -EINVAL rdid differs from the subnet's or bad vsid,
 * -EEXIST ifindex already a port or (vsid, ca) already bound, -ENODEV (from the devmap) unknown
 * ifindex. */
int nv_port_add(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p);
int nv_port_del(const struct nv_maps *m, __u32 ifindex);
int nv_port_get(const struct nv_maps *m, __u32 ifindex, struct nv_port *out);
typedef int (*nv_port_cb)(__u32 ifindex, const struct nv_port *p, void *arg);
int nv_port_iter(const struct nv_maps *m, nv_port_cb cb, void *arg);

/* Lookup records. add: r->ifindex is ignored and computed; -ENOENT no subnet, -EEXIST. */
int nv_record_add(const struct nv_maps *m, const struct nv_record_key *k,
		  const struct nv_record *r);
int nv_record_del(const struct nv_maps *m, const struct nv_record_key *k);
int nv_record_get(const struct nv_maps *m, const struct nv_record_key *k, struct nv_record *out);
typedef int (*nv_record_cb)(const struct nv_record_key *k, const struct nv_record *r, void *arg);
int nv_record_iter(const struct nv_maps *m, nv_record_cb cb, void *arg);

/* Customer routes (LPM). prefixlen in key is the address prefix length (0..128); the library
 * adds the 32 bits of rdid. */
int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r);
int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k);

/* Configuration (the single config entry). */
int nv_config_get(const struct nv_maps *m, struct nv_config *out);
int nv_config_set(const struct nv_maps *m, const struct nv_config *c);

/* Counters, summed over all possible CPUs. */
int nv_stats_get(const struct nv_maps *m, __u32 vsid, struct nv_vsid_stats *out);
int nv_drops_get(const struct nv_maps *m, struct nv_drop_stats out[NV_DROP__MAX]);
int nv_stats_reset(const struct nv_maps *m);

/* Drop reasons: "TRUNCATED" and "frame shorter than its headers"; NULL when out of range. */
const char *nv_drop_reason_name(unsigned int reason);
const char *nv_drop_reason_text(unsigned int reason);

#endif /* NV_MAPS_H */
