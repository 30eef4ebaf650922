/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Path MTU on the send path (DESIGN section 10): how long a VM's packet is on the underlay once
 * encapsulated (each segment's, for a GSO packet), and the per-port token bucket that limits the
 * ICMP errors a port gets for packets that do not fit.
 */
#ifndef NV_PMTU_H
#define NV_PMTU_H

#include "nv_common.h"
#include "nv_l3.h"

#define NV_PMTU_COST_NS (1000000000ull / NV_PMTU_RATE)
#define NV_PMTU_CAP_NS	(NV_PMTU_BURST * NV_PMTU_COST_NS)

#define NV_TCP_DOFF_OFF 12 /* the byte whose high nibble is the TCP header length in words */
#define NV_UDP_HLEN	8

/*
 * The L3 length of the largest packet skb puts on the wire before encapsulation: the packet's own
 * for a frame without GSO; for a GSO packet one segment's, its L3 and L4 headers and gso_size
 * bytes of payload (the kernel's skb_gso_network_seglen). l4_off is the L4 header's offset in the
 * frame. A GSO packet of another L4 is counted without its L4 header: its segments are not ours
 * to size, and an underestimate leaves the decision to the underlay's own MTU check.
 */
static __always_inline __u32 nv_pmtu_l3_len(struct __sk_buff *skb, const struct nv_l3 *l3)
{
	__u32 l4_off = NV_ETH_HLEN + l3->hlen, seg = l3->hlen + skb->gso_size;
	__u8 doff;

	if (!skb->gso_size)
		return skb->len - NV_ETH_HLEN;
	if (l3->proto == IPPROTO_UDP)
		return seg + NV_UDP_HLEN;
	if (l3->proto == IPPROTO_TCP &&
	    !bpf_skb_load_bytes(skb, l4_off + NV_TCP_DOFF_OFF, &doff, sizeof(doff)))
		return seg + (doff >> 4) * 4;
	return seg;
}

/*
 * One more ICMP error for port ifindex, or false when its bucket is empty. A port's first error
 * makes its bucket, full; two CPUs that race on one bucket may both send (a limiter, not a
 * meter: Cilium's does the same).
 */
static __always_inline bool nv_pmtu_allowed(__u32 ifindex)
{
	struct nv_token_bucket *b = bpf_map_lookup_elem(&nv_pmtu_buckets, &ifindex);
	__u64 now = bpf_ktime_get_ns(), credit;

	if (!b) {
		struct nv_token_bucket fresh = { .last_ns = now,
						 .credit_ns = NV_PMTU_CAP_NS - NV_PMTU_COST_NS };

		bpf_map_update_elem(&nv_pmtu_buckets, &ifindex, &fresh, BPF_NOEXIST);
		return true;
	}
	credit = b->credit_ns + (now - b->last_ns);
	if (credit > NV_PMTU_CAP_NS)
		credit = NV_PMTU_CAP_NS;
	if (credit < NV_PMTU_COST_NS)
		return false;
	b->last_ns = now;
	b->credit_ns = credit - NV_PMTU_COST_NS;
	return true;
}

#endif /* NV_PMTU_H */
