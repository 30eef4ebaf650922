/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-VSID traffic counters (per CPU). The entry exists from `subnet add` on. */
#ifndef NV_STATS_H
#define NV_STATS_H

#include "nv_common.h"

static __always_inline void nv_count_tx(__u32 vsid, __u32 bytes)
{
	struct nv_vsid_stats *s = bpf_map_lookup_elem(&nv_stats, &vsid);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

static __always_inline void nv_count_rx(__u32 vsid, __u32 bytes)
{
	struct nv_vsid_stats *s = bpf_map_lookup_elem(&nv_stats, &vsid);

	if (s) {
		s->rx_packets++;
		s->rx_bytes += bytes;
	}
}

/* Same-host delivery stays in one VSID: sent and received, one lookup. */
static __always_inline void nv_count_tx_rx(__u32 vsid, __u32 bytes)
{
	struct nv_vsid_stats *s = bpf_map_lookup_elem(&nv_stats, &vsid);

	if (s) {
		s->tx_packets++;
		s->tx_bytes += bytes;
		s->rx_packets++;
		s->rx_bytes += bytes;
	}
}

#endif /* NV_STATS_H */
