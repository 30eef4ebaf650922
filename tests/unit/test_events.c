/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Events and per-port counters through BPF_PROG_TEST_RUN: what the programs write into the
 * nv_events ring in each mode (fields and frame bytes), the per-CPU rate limit and the ring-full
 * count, and the per-port counters with their VSID totals across a port delete.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <criterion/criterion.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"
#include "lib/frames.h"
#include "unit/suite.h"

#define EVENTS_MAX 8192

static struct host h;
static struct nv_event got[EVENTS_MAX];
static size_t ngot;

static int collect(void *ctx, void *data, size_t size)
{
	(void)ctx;
	cr_assert_eq(size, sizeof(struct nv_event), "event of %zu bytes", size);
	if (ngot < EVENTS_MAX)
		memcpy(&got[ngot], data, sizeof(got[0]));
	ngot++;
	return 0;
}

/* Everything in the ring now, into got[] (ngot events). */
static void drain(void)
{
	struct ring_buffer *rb;
	int n;

	ngot = 0;
	rb = ring_buffer__new(h.o.maps.fd[NV_MAP_EVENTS], collect, NULL, NULL);
	cr_assert_not_null(rb, "ring_buffer__new: %s", strerror(errno));
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	cr_assert_geq(n, 0, "ring_buffer__consume: %s", strerror(-n));
}

static void events(unsigned int mode, __u32 rate)
{
	cr_assert_eq(nv_events_set(&h.o.maps, mode, rate), 0);
}

static struct nv_event_state totals(void)
{
	struct nv_event_state s;

	cr_assert_eq(nv_event_totals(&h.o.maps, &s), 0);
	return s;
}

/* test_run runs on the calling CPU: one CPU for the whole test keeps one per-CPU budget. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void setup_h1(void)
{
	host_up(&h, HOST_1);
	pin_cpu();
	drain(); /* nothing from the setup */
	cr_assert_eq(ngot, 0);
}

static void setup_h2(void)
{
	host_up(&h, HOST_2);
	pin_cpu();
}

static void teardown(void)
{
	host_teardown(&h);
}

/* A1 (host 1) sends UDP to dst_ca with source MAC smac; frame_len bytes. */
static size_t a1_frame(struct pkt *p, const __u8 smac[6], const __u8 dmac[6], __be32 dst_ca,
		       size_t frame_len)
{
	size_t n = frame_udp(p, smac, CA_1, dmac, dst_ca, frame_len);

	cr_assert_gt(n, 0);
	return n;
}

static __u32 a1(void)
{
	return h.port[H1_A1].ifindex;
}

static void run_from_vm(__u32 ifindex, const struct pkt *p, size_t len, struct run *r)
{
	cr_assert_eq(run_tc(h.from_vm, ifindex, p->d, len, 0, r), 0);
}

Test(events, off_writes_nothing, .init = setup_h1, .fini = teardown)
{
	struct nv_event_state s;
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_3, MAC_2, CA_2, 100); /* spoofed source MAC */

	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(r.retval, TC_ACT_SHOT);
	drain();
	cr_assert_eq(ngot, 0, "events off, yet %zu events", ngot);
	s = totals();
	cr_assert_eq(s.emitted + s.rate_limited + s.ring_full, 0);
}

/* A drop event names the hook, port, VSID and reason, and carries the frame's first bytes. */
static void drop_event_case(size_t frame_len)
{
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_3, MAC_2, CA_2, frame_len);
	size_t cap = n < NV_EVENT_SNAPLEN ? n : NV_EVENT_SNAPLEN;

	events(NV_EVENTS_DROPS, 0);
	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(r.retval, TC_ACT_SHOT);
	drain();
	cr_assert_eq(ngot, 1, "%zu events for one drop", ngot);
	cr_assert_eq(got[0].hook, NV_HOOK_FROM_VM);
	cr_assert_eq(got[0].verdict, NV_VERDICT_DROP);
	cr_assert_eq(got[0].reason, NV_DROP_SPOOF_MAC);
	cr_assert_eq(got[0].ifindex, a1());
	cr_assert_eq(got[0].vsid, VSID_A);
	cr_assert_eq(got[0].target, 0);
	cr_assert_eq(got[0].len, n);
	cr_assert_eq(got[0].cap_len, cap);
	cr_assert_arr_eq(got[0].data, p.d, cap, "the frame's first %zu bytes", cap);
	cr_assert_neq(got[0].ts_ns, 0);
	cr_assert_eq(totals().emitted, 1);
}

Test(events, drop_short_frame, .init = setup_h1, .fini = teardown)
{
	drop_event_case(60);
}

Test(events, drop_long_frame_capped, .init = setup_h1, .fini = teardown)
{
	drop_event_case(600);
}

Test(events, drops_mode_ignores_accepted_frames, .init = setup_h1, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_1, MAC_2, CA_2, 200);

	events(NV_EVENTS_DROPS, 0);
	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT);
	drain();
	cr_assert_eq(ngot, 0);
}

/* Trace: the encapsulated frame as it leaves, the underlay as the target. */
Test(events, trace_encap, .init = setup_h1, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_1, MAC_2, CA_2, 200);

	events(NV_EVENTS_TRACE, 0);
	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT);
	drain();
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].hook, NV_HOOK_FROM_VM);
	cr_assert_eq(got[0].verdict, NV_VERDICT_REDIRECT);
	cr_assert_eq(got[0].reason, NV_DROP_NONE);
	cr_assert_eq(got[0].target, h.underlay);
	cr_assert_eq(got[0].vsid, VSID_A);
	cr_assert_eq(got[0].len, r.out_len);
	cr_assert_eq(got[0].len, n + NV_ENCAP_LEN);
	cr_assert_arr_eq(got[0].data, r.out, NV_EVENT_SNAPLEN, "the frame as it leaves");
}

/* Trace: same-host delivery names the destination port. */
Test(events, trace_local_delivery, .init = setup_h1, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_1, MAC_3, CA_3, 100);

	events(NV_EVENTS_TRACE, 0);
	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT);
	drain();
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].target, h.port[H1_A3].ifindex);
	cr_assert_eq(got[0].verdict, NV_VERDICT_REDIRECT);
}

/* Host 2's underlay receives NVGRE from PA_1 (A1 -> A2) or, spoofed, from another PA. */
static size_t wire_frame(struct pkt *out, __be32 outer_src)
{
	struct pkt inner;

	cr_assert_gt(frame_udp(&inner, MAC_1, CA_1, MAC_2, CA_2, 100), 0);
	return frame_nvgre(out, &inner, outer_src, PA_2A, VSID_A, 7);
}

Test(events, xdp_drop_names_vsid, .init = setup_h2, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = wire_frame(&p, PA_FOREIGN);

	events(NV_EVENTS_DROPS, 0);
	cr_assert_eq(run_xdp(h.from_wire, h.underlay, p.d, n, &r), 0);
	cr_assert_eq(r.retval, XDP_DROP);
	drain();
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].hook, NV_HOOK_FROM_WIRE);
	cr_assert_eq(got[0].reason, NV_DROP_SRC_PA);
	cr_assert_eq(got[0].vsid, VSID_A);
	cr_assert_eq(got[0].ifindex, h.underlay);
	cr_assert_eq(got[0].len, n);
	cr_assert_arr_eq(got[0].data, p.d, NV_EVENT_SNAPLEN);
}

Test(events, xdp_trace_hand_over_to_tc, .init = setup_h2, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = wire_frame(&p, PA_1);

	events(NV_EVENTS_TRACE, 0);
	cr_assert_eq(run_xdp(h.from_wire, h.underlay, p.d, n, &r), 0);
	cr_assert_eq(r.retval, XDP_PASS);
	drain();
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0].verdict, NV_VERDICT_TO_TC);
	cr_assert_eq(got[0].target, h.port[H2_A2].ifindex);
	cr_assert_eq(got[0].vsid, VSID_A);
}

/*
 * A flood of drops: at most `rate` events per one-second window of this CPU are written, the rest
 * are counted, and every drop is one or the other. Windows are counted from the elapsed time, so
 * a slow machine cannot make the test fail or pass by luck.
 */
Test(events, rate_limit_per_cpu, .init = setup_h1, .fini = teardown)
{
	const __u32 rate = 5, runs = 200;
	struct nv_event_state s;
	double t0, elapsed;
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_3, MAC_2, CA_2, 100);
	__u64 windows;

	events(NV_EVENTS_DROPS, rate);
	t0 = now_s();
	for (__u32 i = 0; i < runs; i++)
		run_from_vm(a1(), &p, n, &r);
	elapsed = now_s() - t0;
	s = totals();
	drain();
	windows = (__u64)elapsed + 1;
	cr_assert_eq(s.emitted + s.rate_limited + s.ring_full, runs);
	cr_assert_eq(s.ring_full, 0);
	cr_assert_geq(s.emitted, rate, "the first window writes its %u", rate);
	cr_assert_leq(s.emitted, rate * windows, "%llu events in %.3f s at %u/s",
		      (unsigned long long)s.emitted, elapsed, rate);
	cr_assert_eq(ngot, s.emitted, "the ring holds what was counted as written");
}

/* Nobody reads: the ring fills, and what does not fit is counted, not lost silently. */
Test(events, ring_full_counted, .init = setup_h1, .fini = teardown)
{
	const __u32 runs = NV_EVENTS_RING_BYTES / sizeof(struct nv_event) + 500;
	struct nv_event_state s;
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_3, MAC_2, CA_2, 100);

	events(NV_EVENTS_DROPS, 10000000);
	for (__u32 i = 0; i < runs; i++)
		run_from_vm(a1(), &p, n, &r);
	s = totals();
	drain();
	cr_assert_gt(s.ring_full, 0);
	cr_assert_eq(s.emitted + s.ring_full + s.rate_limited, runs);
	cr_assert_eq(ngot, s.emitted);
}

/* ---- per-port counters ---- */

static struct nv_port_stats port_stats(__u32 ifindex)
{
	struct nv_port_stats s;

	cr_assert_eq(nv_port_stats_get(&h.o.maps, ifindex, &s), 0);
	return s;
}

Test(port_stats, tx_rx_drop_per_port, .init = setup_h1, .fini = teardown)
{
	__u32 a3 = h.port[H1_A3].ifindex;
	struct nv_port_stats s1, s3;
	struct nv_vsid_stats v;
	struct pkt p;
	struct run r;
	size_t n;

	n = a1_frame(&p, MAC_1, MAC_2, CA_2, 200); /* encapsulated */
	run_from_vm(a1(), &p, n, &r);
	n = a1_frame(&p, MAC_1, MAC_3, CA_3, 100); /* to A3 on this host */
	run_from_vm(a1(), &p, n, &r);
	n = a1_frame(&p, MAC_3, MAC_2, CA_2, 80); /* spoofed: dropped */
	run_from_vm(a1(), &p, n, &r);

	s1 = port_stats(a1());
	s3 = port_stats(a3);
	cr_assert_eq(s1.tx_packets, 2);
	cr_assert_eq(s1.tx_bytes, 300);
	cr_assert_eq(s1.drop_packets, 1);
	cr_assert_eq(s1.drop_bytes, 80);
	cr_assert_eq(s1.rx_packets, 0);
	cr_assert_eq(s3.rx_packets, 1);
	cr_assert_eq(s3.rx_bytes, 100);
	cr_assert_eq(s3.tx_packets + s3.drop_packets, 0);
	cr_assert_eq(nv_stats_get(&h.o.maps, VSID_A, &v), 0);
	cr_assert_eq(v.tx_packets, 2, "VSID totals are the sum of its ports");
	cr_assert_eq(v.rx_packets, 1);
	cr_assert_eq(nv_port_stats_get(&h.o.maps, 424242, &s1), -ENOENT);
}

/* Deleting a port keeps its VSID's totals: the port's counters move into the VSID's entry. */
Test(port_stats, delete_keeps_vsid_totals, .init = setup_h1, .fini = teardown)
{
	__u32 a3 = h.port[H1_A3].ifindex;
	struct nv_vsid_stats before, after;
	struct nv_port_stats s;
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_1, MAC_3, CA_3, 100);

	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(nv_stats_get(&h.o.maps, VSID_A, &before), 0);
	cr_assert_eq(before.rx_packets, 1);
	cr_assert_eq(nv_port_del(&h.o.maps, a3, NULL), 0);
	cr_assert_eq(nv_port_stats_get(&h.o.maps, a3, &s), -ENOENT, "the port's entry is gone");
	cr_assert_eq(nv_stats_get(&h.o.maps, VSID_A, &after), 0);
	cr_assert_arr_eq(&after, &before, sizeof(after));
}

Test(port_stats, reset_zeroes_ports, .init = setup_h1, .fini = teardown)
{
	struct pkt p;
	struct run r;
	size_t n = a1_frame(&p, MAC_1, MAC_2, CA_2, 200);
	struct nv_port_stats s, zero = { 0 };

	run_from_vm(a1(), &p, n, &r);
	cr_assert_eq(port_stats(a1()).tx_packets, 1);
	cr_assert_eq(nv_stats_reset(&h.o.maps), 0);
	s = port_stats(a1());
	cr_assert_arr_eq(&s, &zero, sizeof(s));
}
