/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's maps, listed once. BPF defines them from this list (nvgre_maps.bpf.h), user space
 * checks what it opens against it (maps/nv_maps.c), the loader shares and pins by it and the test
 * fixtures create from it, so a new map is one row here. Included after nvgre_abi.h, by BPF (after
 * vmlinux.h) and by C user space (after <linux/bpf.h>).
 *
 * X(ID, name, group, role, kind, type, key, value, max_entries, map_flags, fixed_max)
 *   ID, name   enum nv_map_id NV_MAP_<ID>; the map's name, which is also its pin name
 *   group      CORE, ROUTING or GATEWAY: an instance carries the groups its programs use, and the
 *              maps library can open a subset (a host that is no gateway has no GATEWAY maps)
 *   role       POLICY: written by user space, only read by the programs (nvctl trace runs on the
 *              live ones); CONFIG: the one config entry; STATE: written by the programs
 *   kind       KV, or RING (a ring buffer has no key or value: write void)
 *   fixed_max  1 when max_entries is ABI and checked on open (0: nv_records may be made smaller)
 * Rows stay grouped by group; the order is not ABI (maps are found by name).
 */
#ifndef NV_MAP_LIST_H
#define NV_MAP_LIST_H

/* Every host: ports, the lookup table, subnets, PAs, config, counters, events. */
#define NV_MAP_LIST_CORE(X)                                                                        \
	X(PORTS, nv_ports, CORE, POLICY, KV, BPF_MAP_TYPE_HASH, __u32, struct nv_port,             \
	  NV_MAX_PORTS, 0, 0)                                                                      \
	X(RECORDS, nv_records, CORE, POLICY, KV, BPF_MAP_TYPE_HASH, struct nv_record_key,          \
	  struct nv_record, NV_MAX_RECORDS, 0, 0)                                                  \
	X(SUBNETS, nv_subnets, CORE, POLICY, KV, BPF_MAP_TYPE_HASH, __u32, struct nv_subnet,       \
	  NV_MAX_SUBNETS, 0, 0)                                                                    \
	X(LOCAL_PAS, nv_local_pas, CORE, POLICY, KV, BPF_MAP_TYPE_HASH, union nv_addr,             \
	  struct nv_local_pa, NV_MAX_LOCAL_PAS, 0, 0)                                              \
	X(CONFIG, nv_config, CORE, CONFIG, KV, BPF_MAP_TYPE_ARRAY, __u32, struct nv_config, 1, 0,  \
	  0)                                                                                       \
	/* XDP_REDIRECT targets of NV_DELIVER_XDP ports: ifindex -> ifindex */                     \
	X(TX_PORTS, nv_tx_ports, CORE, POLICY, KV, BPF_MAP_TYPE_DEVMAP_HASH, __u32, __u32,         \
	  NV_MAX_PORTS, 0, 0)                                                                      \
	X(STATS, nv_stats, CORE, STATE, KV, BPF_MAP_TYPE_PERCPU_HASH, __u32, struct nv_vsid_stats, \
	  NV_MAX_SUBNETS, 0, 0)                                                                    \
	X(DROPS, nv_drops, CORE, STATE, KV, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,                      \
	  struct nv_drop_stats, NV_DROP_SLOTS, 0, 1)                                               \
	X(PORT_STATS, nv_port_stats, CORE, STATE, KV, BPF_MAP_TYPE_PERCPU_HASH, __u32,             \
	  struct nv_port_stats, NV_MAX_PORTS, 0, 0)                                                \
	X(EVENTS, nv_events, CORE, STATE, RING, BPF_MAP_TYPE_RINGBUF, void, void,                  \
	  NV_EVENTS_RING_BYTES, 0, 1)                                                              \
	X(EVENT_STATE, nv_event_state, CORE, STATE, KV, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,          \
	  struct nv_event_state, 1, 0, 1)                                                          \
	X(PMTU_BUCKETS, nv_pmtu_buckets, CORE, STATE, KV, BPF_MAP_TYPE_LRU_HASH, __u32,            \
	  struct nv_token_bucket, NV_MAX_PORTS, 0, 1)

/*
 * The distributed router: the forwarding table (LPM_TRIE wants BPF_F_NO_PREALLOC), every customer
 * route (user space only), where each CA of a routing domain is, and the ICMP error limiter.
 */
#define NV_MAP_LIST_ROUTING(X)                                                                  \
	X(ROUTES, nv_routes, ROUTING, POLICY, KV, BPF_MAP_TYPE_LPM_TRIE, struct nv_route_key,   \
	  struct nv_route, NV_MAX_ROUTES, BPF_F_NO_PREALLOC, 0)                                 \
	X(ROUTE_TABLE, nv_route_table, ROUTING, POLICY, KV, BPF_MAP_TYPE_HASH,                  \
	  struct nv_route_table_key, struct nv_route_entry, NV_MAX_ROUTES, 0, 0)                \
	X(RDID_CAS, nv_rdid_cas, ROUTING, POLICY, KV, BPF_MAP_TYPE_HASH, struct nv_rdid_ca_key, \
	  struct nv_rdid_ca, NV_MAX_RECORDS, 0, 0)                                              \
	X(ICMP_STATE, nv_icmp_state, ROUTING, STATE, KV, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,      \
	  struct nv_icmp_state, 1, 0, 1)

/*
 * The gateway (DESIGN section 8): legs, external devices, routes to the physical network, NATs,
 * static mappings, the connection table (its size chosen at attach: not fixed) and its timeouts.
 */
#define NV_MAP_LIST_GATEWAY(X)                                                                    \
	X(GW_LEGS, nv_gw_legs, GATEWAY, POLICY, KV, BPF_MAP_TYPE_HASH, __u32, struct nv_gw_leg,   \
	  NV_MAX_GW_LEGS, 0, 0)                                                                   \
	X(GW_DEVS, nv_gw_devs, GATEWAY, POLICY, KV, BPF_MAP_TYPE_HASH, __u32, struct nv_gw_dev,   \
	  NV_MAX_GW_DEVS, 0, 0)                                                                   \
	X(GW_ROUTES, nv_gw_routes, GATEWAY, POLICY, KV, BPF_MAP_TYPE_LPM_TRIE,                    \
	  struct nv_route_key, struct nv_gw_route, NV_MAX_GW_ROUTES, BPF_F_NO_PREALLOC, 0)        \
	X(NATS, nv_nats, GATEWAY, POLICY, KV, BPF_MAP_TYPE_HASH, __u32, struct nv_nat,            \
	  NV_MAX_GW_LEGS, 0, 0)                                                                   \
	X(NAT_ADDRS, nv_nat_addrs, GATEWAY, POLICY, KV, BPF_MAP_TYPE_HASH, union nv_addr,         \
	  struct nv_nat_addr, NV_MAX_GW_LEGS, 0, 0)                                               \
	X(NAT_MAPS, nv_nat_maps, GATEWAY, POLICY, KV, BPF_MAP_TYPE_HASH, struct nv_nat_map_key,   \
	  struct nv_nat_map, NV_MAX_NAT_MAPS, 0, 0)                                               \
	X(CT, nv_ct, GATEWAY, STATE, KV, BPF_MAP_TYPE_HASH, struct nv_ct_key, struct nv_ct_entry, \
	  2 * NV_CT_CONNS_DEFAULT, BPF_F_NO_PREALLOC, 0)                                          \
	X(CT_TIMEOUTS, nv_ct_timeouts, GATEWAY, POLICY, KV, BPF_MAP_TYPE_ARRAY, __u32,            \
	  struct nv_ct_timeouts, 1, 0, 1)

#define NV_MAP_LIST(X) NV_MAP_LIST_CORE(X) NV_MAP_LIST_ROUTING(X) NV_MAP_LIST_GATEWAY(X)

#endif /* NV_MAP_LIST_H */
