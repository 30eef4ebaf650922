/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of nv_map_list.h, defined for the datapath's programs. Each object includes this
 * file; the maps are pinned by name, so all objects of one instance (one pin directory) share one
 * set. The GATEWAY group is every host's too: the underlay's programs receive what tenants send
 * to a gateway, so any host can take the role with `gateway add`.
 */
#ifndef NVGRE_MAPS_BPF_H
#define NVGRE_MAPS_BPF_H

#include "nvgre_abi.h"
#include "nv_map_list.h"

#define NV_BPF_MAP_KV(name_, type_, key_, value_, max_, flags_) \
	struct {                                                \
		__uint(type, type_);                            \
		__uint(max_entries, max_);                      \
		__type(key, key_);                              \
		__type(value, value_);                          \
		__uint(map_flags, flags_);                      \
		__uint(pinning, LIBBPF_PIN_BY_NAME);            \
	} name_ SEC(".maps");
/* A ring buffer: no key, no value, max_entries is its size in bytes. */
#define NV_BPF_MAP_RING(name_, type_, key_, value_, max_, flags_) \
	struct {                                                  \
		__uint(type, type_);                              \
		__uint(max_entries, max_);                        \
		__uint(pinning, LIBBPF_PIN_BY_NAME);              \
	} name_ SEC(".maps");
#define NV_BPF_MAP(id, name, group, role, kind, type, key, value, max, flags, fixed) \
	NV_BPF_MAP_##kind(name, type, key, value, max, flags)

NV_MAP_LIST_CORE(NV_BPF_MAP)
NV_MAP_LIST_ROUTING(NV_BPF_MAP)
NV_MAP_LIST_GATEWAY(NV_BPF_MAP)

#endif /* NVGRE_MAPS_BPF_H */
