/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every BPF map of the datapath, defined once. Each program object includes this file; the maps
 * are pinned by name, so all objects of one instance (one pin directory) share one set.
 */
#ifndef NVGRE_MAPS_BPF_H
#define NVGRE_MAPS_BPF_H

#include "nvgre_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NV_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct nv_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NV_MAX_RECORDS);
	__type(key, struct nv_record_key);
	__type(value, struct nv_record);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NV_MAX_ROUTES);
	__type(key, struct nv_route_key);
	__type(value, struct nv_route);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required by LPM_TRIE */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NV_MAX_SUBNETS);
	__type(key, __u32);
	__type(value, struct nv_subnet);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_subnets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NV_MAX_LOCAL_PAS);
	__type(key, union nv_addr);
	__type(value, struct nv_local_pa);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_local_pas SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nv_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_config SEC(".maps");

/* XDP_REDIRECT targets for NV_DELIVER_XDP ports: ifindex -> ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, NV_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NV_MAX_SUBNETS);
	__type(key, __u32);
	__type(value, struct nv_vsid_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NV_DROP_SLOTS);
	__type(key, __u32);
	__type(value, struct nv_drop_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NV_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct nv_port_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_port_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NV_EVENTS_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nv_event_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nv_event_state SEC(".maps");

#endif /* NVGRE_MAPS_BPF_H */
