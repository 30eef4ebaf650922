/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one drop path. Every drop of every program is counted here, per CPU, by reason, and becomes
 * an event when events are on; the wrappers return the hook's own drop verdict so a program ends
 * with `return nv_drop_*(...)`. vsid is the frame's VSID when the program knows it, else 0.
 */
#ifndef NV_DROP_H
#define NV_DROP_H

#include "nv_common.h"
#include "nv_events.h"

static __always_inline void nv_count_drop(enum nv_drop_reason reason, __u32 bytes)
{
	__u32 key = reason;
	struct nv_drop_stats *d = bpf_map_lookup_elem(&nv_drops, &key);

	if (d) {
		d->packets++;
		d->bytes += bytes;
	}
}

static __always_inline int nv_drop_tc(struct __sk_buff *skb, __u8 hook, enum nv_drop_reason reason,
				      __u32 vsid)
{
	__u32 rate = 0;

	nv_count_drop(reason, skb->len);
	if (nv_events_level(&rate) >= NV_EVENTS_DROPS) {
		struct nv_event_info i = { .ifindex = skb->ifindex,
					   .vsid = vsid,
					   .len = skb->len,
					   .reason = reason,
					   .hook = hook,
					   .verdict = NV_VERDICT_DROP };

		nv_event_skb(skb, &i, rate);
	}
	return TC_ACT_SHOT;
}

static __always_inline int nv_drop_xdp(struct xdp_md *ctx, enum nv_drop_reason reason, __u32 vsid)
{
	__u32 rate = 0, len = ctx->data_end - ctx->data;

	nv_count_drop(reason, len);
	if (nv_events_level(&rate) >= NV_EVENTS_DROPS) {
		struct nv_event_info i = { .ifindex = ctx->ingress_ifindex,
					   .vsid = vsid,
					   .len = len,
					   .reason = reason,
					   .hook = NV_HOOK_FROM_WIRE,
					   .verdict = NV_VERDICT_DROP };

		nv_event_xdp(ctx, &i, rate);
	}
	return XDP_DROP;
}

#endif /* NV_DROP_H */
