/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Events into the nv_events ring buffer (nvctl monitor, nvctl trace): on drops when config.events
 * is NV_EVENTS_DROPS, on every verdict when it is NV_EVENTS_TRACE. A per-CPU budget of
 * config.event_rate events per one-second window bounds what a flood can cost: over it, an event
 * is one counter increment, never a ring write.
 */
#ifndef NV_EVENTS_H
#define NV_EVENTS_H

#include "nv_common.h"

#define NV_NSEC_PER_SEC 1000000000ull

struct nv_event_info {
	__u32 ifindex;
	__u32 target;
	__u32 vsid;
	__u32 len;
	__u16 reason;
	__u8 hook;
	__u8 verdict;
};

/* config.events as a level: 0 when the config entry is missing (not attached yet). */
static __always_inline __u8 nv_events_level(__u32 *rate)
{
	struct nv_config *cfg = nv_config_get();

	if (!cfg)
		return NV_EVENTS_OFF;
	*rate = cfg->event_rate ?: NV_EVENT_RATE_DEFAULT;
	return cfg->events;
}

/* Reserves an event within this CPU's budget; NULL (counted) when over it or the ring is full. */
static __always_inline struct nv_event *nv_event_reserve(__u32 rate)
{
	struct nv_event_state *st;
	struct nv_event *e;
	__u32 zero = 0;
	__u64 now;

	st = bpf_map_lookup_elem(&nv_event_state, &zero);
	if (!st)
		return NULL;
	now = bpf_ktime_get_ns();
	if (now - st->window_ns >= NV_NSEC_PER_SEC) {
		st->window_ns = now;
		st->in_window = 0;
	}
	if (st->in_window >= rate) {
		st->rate_limited++;
		return NULL;
	}
	e = bpf_ringbuf_reserve(&nv_events, sizeof(*e), 0);
	if (!e) {
		st->ring_full++;
		return NULL;
	}
	st->in_window++;
	st->emitted++;
	e->ts_ns = now;
	return e;
}

static __always_inline void nv_event_fill(struct nv_event *e, const struct nv_event_info *i)
{
	e->ifindex = i->ifindex;
	e->target = i->target;
	e->vsid = i->vsid;
	e->len = i->len;
	e->reason = i->reason;
	e->hook = i->hook;
	e->verdict = i->verdict;
	e->pad = 0;
}

/*
 * Bytes to copy, 1..NV_EVENT_SNAPLEN in a form the verifier can bound: the load helpers take a
 * size of at least 1 in a register whose bounds the verifier knows. An empty frame gives
 * NV_EVENT_SNAPLEN, which the load then refuses (cap_len 0). Plain C fails three ways here
 * (clang 14, kernel 6.18), each with the verifier's message at the bpf_*_load_bytes() call:
 *   - the clamp alone, len > SNAPLEN ? SNAPLEN : len: an empty frame gives 0,
 *	R4 invalid zero-sized read: u64=[0,127]
 *   - the clamp and "if (!len) len = SNAPLEN": clang tests a zero-extended copy of len and
 *     passes the original register, whose bounds the test never reached (nv_from_wire),
 *	R4 min value is negative, either use unsigned or 'var &= const'
 *   - ((len - 1) & (SNAPLEN - 1)) + 1 alone: clang rewrites len - 1 on the packet pointers of
 *     data_end - data (nv_from_wire), "R8 bitwise operator ^= on pointer prohibited".
 * A mask the compiler cannot see (asm) is on the register that reaches the helper: [0, 127] + 1.
 * This very sequence with the mask in C loads today, but only as long as clang keeps a mask that
 * the clamp makes look redundant to it; the asm does not depend on that.
 */
_Static_assert((NV_EVENT_SNAPLEN & (NV_EVENT_SNAPLEN - 1)) == 0, "the mask needs a power of 2");
static __always_inline __u32 nv_event_caplen(__u32 len)
{
	if (len > NV_EVENT_SNAPLEN)
		len = NV_EVENT_SNAPLEN;
	len -= 1;
	asm volatile("%0 &= %1" : "+r"(len) : "i"(NV_EVENT_SNAPLEN - 1));
	return len + 1;
}

static __always_inline void nv_event_skb(struct __sk_buff *skb, const struct nv_event_info *i,
					 __u32 rate)
{
	struct nv_event *e = nv_event_reserve(rate);
	__u32 cap;

	if (!e)
		return;
	nv_event_fill(e, i);
	cap = nv_event_caplen(skb->len);
	if (bpf_skb_load_bytes(skb, 0, e->data, cap))
		cap = 0;
	e->cap_len = cap;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void nv_event_xdp(struct xdp_md *ctx, const struct nv_event_info *i,
					 __u32 rate)
{
	struct nv_event *e = nv_event_reserve(rate);
	__u32 cap;

	if (!e)
		return;
	nv_event_fill(e, i);
	cap = nv_event_caplen(ctx->data_end - ctx->data);
	if (bpf_xdp_load_bytes(ctx, 0, e->data, cap))
		cap = 0;
	e->cap_len = cap;
	bpf_ringbuf_submit(e, 0);
}

/*
 * The verdict of an accepted frame, in trace mode only; returns ret so that a program ends with
 * `return nv_trace_tc(...)`. The frame is read as it leaves (encapsulated or decapsulated).
 */
static __always_inline int nv_trace_tc(struct __sk_buff *skb, __u8 hook, __u8 verdict, __u32 target,
				       __u32 vsid, int ret)
{
	__u32 rate = 0;

	if (nv_events_level(&rate) >= NV_EVENTS_TRACE) {
		struct nv_event_info i = { .ifindex = skb->ifindex,
					   .target = target,
					   .vsid = vsid,
					   .len = skb->len,
					   .hook = hook,
					   .verdict = verdict };

		nv_event_skb(skb, &i, rate);
	}
	return ret;
}

static __always_inline int nv_trace_xdp(struct xdp_md *ctx, __u8 verdict, __u32 target, __u32 vsid,
					int ret)
{
	__u32 rate = 0;

	if (nv_events_level(&rate) >= NV_EVENTS_TRACE) {
		struct nv_event_info i = { .ifindex = ctx->ingress_ifindex,
					   .target = target,
					   .vsid = vsid,
					   .len = ctx->data_end - ctx->data,
					   .hook = NV_HOOK_FROM_WIRE,
					   .verdict = verdict };

		nv_event_xdp(ctx, &i, rate);
	}
	return ret;
}

#endif /* NV_EVENTS_H */
