/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-port traffic counters (per CPU), keyed by the port's ifindex; the entry exists from
 * `port add` on. VSID totals are summed by user space (nv_stats holds deleted ports' counts).
 */
#ifndef NV_STATS_H
#define NV_STATS_H

#include "nv_common.h"

static __always_inline void nv_count_tx(__u32 port, __u32 bytes)
{
	struct nv_port_stats *s = bpf_map_lookup_elem(&nv_port_stats, &port);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

static __always_inline void nv_count_rx(__u32 port, __u32 bytes)
{
	struct nv_port_stats *s = bpf_map_lookup_elem(&nv_port_stats, &port);

	if (s) {
		s->rx_packets++;
		s->rx_bytes += bytes;
	}
}

/* A frame the VM sent and the datapath dropped (drop path of nv_from_vm only). */
static __always_inline void nv_count_port_drop(__u32 port, __u32 bytes)
{
	struct nv_port_stats *s = bpf_map_lookup_elem(&nv_port_stats, &port);

	if (s) {
		s->drop_packets++;
		s->drop_bytes += bytes;
	}
}

#endif /* NV_STATS_H */
