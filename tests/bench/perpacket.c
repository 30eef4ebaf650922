// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Case 1: ns/packet of each datapath path as a ratio to a no-op program of the same hook, timed
 * the same way in the same run. BPF_PROG_TEST_RUN with repeat = 1 in a loop (with repeat > 1 the
 * kernel reruns the already encapsulated/decapsulated packet); the kernel's own duration of each
 * run is used, so the syscall is not in the figure. Each path runs against the small table (the
 * fixture's records) and the large one (2^20), there with a hot key (the same flow every run) and
 * with spread keys (run i uses filler key i * STRIDE mod N: every key of the table in turn, so
 * the lookups miss the CPU caches). Cases are interleaved round by round (A B C A B C ...) so
 * drift hits them all alike. Before timing, one run of each case must give its verdict and move
 * exactly its drop counter (or none): a figure never measures another path than its name says.
 * Events: some paths run again with events on (small table, hot key): every event written to the
 * ring (a rate limit no batch reaches; the ring is drained between batches, outside the timing),
 * or all but the first over the rate limit (rate 1: what a flood of drops costs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"
#include "bench/bench.h"
#include "lib/frames.h"
#include "noop.skel.h"

#define ROUNDS 9
#define BATCH  4000
#define STRIDE 1000003u /* prime, larger than the number of keys: visits every key */
#define HOT    (-1)

enum hook {
	HOOK_XDP,
	HOOK_TC,
};

enum table {
	TABLE_SMALL,
	TABLE_LARGE,
};

enum keys {
	KEYS_HOT,
	KEYS_SPREAD,
};

/* Builds the frame of a path: for a filler key k (0..N-1), or HOT for the fixture's flow. */
typedef void (*build_fn)(struct pkt *p, long k);

struct path {
	const char *name;
	enum hook hook;
	int host; /* HOST_1 or HOST_2: whose program runs */
	int prog; /* 0 from_vm, 1 from_wire, 2 wire_tc, 3 no-op */
	__u32 expect;
	enum nv_drop_reason drop;
	build_fn build;
	bool spread; /* has a key to spread (a lookup of a record that is not local) */
	__u8 events; /* config.events while the path runs (enum nv_events_mode) */
	__u32 rate;  /* config.event_rate while it runs */
};

#define RATE_ALL 100000000u /* never reached by a batch: every event is written */
#define RATE_ONE 1u	    /* one event per second: the rest of a batch is over the limit */

struct pp_case {
	const struct path *path;
	enum table table;
	enum keys keys;
	struct host *h;
	int prog_fd;
	__u32 ifindex;
	struct pkt hot;
	__u64 next; /* spread: runs so far */
	double sample[ROUNDS];
};

/* ---- frames ---- */

/*
 * What host 2's underlay receives for its port A2 (VSID A) or B2 (VSID B): from CA_1 on host 1
 * (HOT), or from filler CA k at BENCH_PA_REMOTE. outer_src 0: the PA the record names.
 */
static void wire_frame(struct pkt *p, long k, __u32 vsid, __be32 outer_src, __u16 gre_flags)
{
	__be32 dst_pa = vsid == VSID_A ? PA_2A : PA_2B;
	struct pkt_nvgre_spec o;
	struct pkt inner;
	__u8 smac[6];

	if (k == HOT) {
		frame_udp(&inner, MAC_1, CA_1, MAC_2, CA_2, 100);
	} else {
		bench_mac((__u32)k, smac);
		frame_udp(&inner, smac, bench_ca((__u32)k), MAC_2, CA_2, 100);
	}
	if (!outer_src)
		outer_src = k == HOT ? PA_1 : BENCH_PA_REMOTE;
	pkt_nvgre_spec_init(&o, outer_src, dst_pa, vsid, 0x5a);
	if (gre_flags)
		o.gre_flags = gre_flags;
	pkt_nvgre(p, &o, inner.d, inner.len);
}

static void b_wire_xdp(struct pkt *p, long k)
{
	wire_frame(p, k, VSID_A, 0, 0);
}

static void b_wire_b(struct pkt *p, long k)
{
	wire_frame(p, k, VSID_B, 0, 0);
}

static void b_gre_flags(struct pkt *p, long k)
{
	wire_frame(p, k, VSID_A, 0, 0x2001); /* version 1 */
}

/*
 * Routed into host 2's A6 (VSID A2, a TC-delivery port) from CA_1 (VSID A, host 1): the key is
 * the destination VSID, the inner source MAC its gateway's.
 */
static void b_wire_routed(struct pkt *p, long k)
{
	struct pkt_nvgre_spec o;
	struct pkt inner;

	(void)k;
	frame_udp(&inner, MAC_GW_A2, CA_1, MAC_6, CA_6, 100);
	pkt_nvgre_spec_init(&o, PA_1, PA_2A, VSID_A2, 0x5a);
	pkt_nvgre(p, &o, inner.d, inner.len);
}

static void b_src_pa(struct pkt *p, long k)
{
	wire_frame(p, k, VSID_A, PA_FOREIGN, 0);
}

static void b_not_nvgre(struct pkt *p, long k)
{
	(void)k;
	frame_udp(p, MAC_1, PA_1, MAC_2, PA_2A, 142);
}

/* From VM A1 on host 1 to CA_2 (HOT) or filler CA k, with dmac the record's MAC or not. */
static void vm_frame(struct pkt *p, long k, bool right_mac)
{
	__u8 dmac[6];
	__be32 dst = CA_2;

	memcpy(dmac, MAC_2, 6);
	if (k != HOT) {
		bench_mac((__u32)k, dmac);
		dst = bench_ca((__u32)k);
	}
	if (!right_mac)
		memcpy(dmac, MAC_3, 6);
	frame_udp(p, MAC_1, CA_1, dmac, dst, 100);
}

static void b_encap(struct pkt *p, long k)
{
	vm_frame(p, k, true);
}

static void b_dst_mac(struct pkt *p, long k)
{
	vm_frame(p, k, false);
}

static void b_same_host(struct pkt *p, long k)
{
	(void)k;
	frame_udp(p, MAC_1, CA_1, MAC_3, CA_3, 100);
}

/* From A1 to its gateway MAC: routed into VSID A2, to A6 on host 2 or A5 on host 1. */
static void b_routed_encap(struct pkt *p, long k)
{
	(void)k;
	frame_udp(p, MAC_1, CA_1, MAC_GW_A, CA_6, 100);
}

static void b_routed_local(struct pkt *p, long k)
{
	(void)k;
	frame_udp(p, MAC_1, CA_1, MAC_GW_A, CA_5, 100);
}

static void b_arp(struct pkt *p, long k)
{
	frame_arp_request(p, MAC_1, CA_1, k == HOT ? CA_2 : bench_ca(k));
}

static void b_noop_tc(struct pkt *p, long k)
{
	(void)k;
	frame_udp(p, MAC_1, CA_1, MAC_2, CA_2, 100);
}

enum {
	P_VM,
	P_WIRE,
	P_WIRE_TC,
	P_NOOP
};

/* clang-format off */
static const struct path paths[] = {
	{ "xdp no-op (baseline)",               HOOK_XDP, HOST_2, P_NOOP,    XDP_PASS,     NV_DROP_NONE,      b_not_nvgre, false, NV_EVENTS_OFF, 0 },
	{ "from_wire: validate+decap+redirect", HOOK_XDP, HOST_2, P_WIRE,    XDP_REDIRECT, NV_DROP_NONE,      b_wire_xdp,  true, NV_EVENTS_OFF, 0 },
	{ "from_wire: validate+TC handover",    HOOK_XDP, HOST_2, P_WIRE,    XDP_PASS,     NV_DROP_NONE,      b_wire_b,    true, NV_EVENTS_OFF, 0 },
	{ "from_wire: routed, TC handover",     HOOK_XDP, HOST_2, P_WIRE,    XDP_PASS,     NV_DROP_NONE,      b_wire_routed, false, NV_EVENTS_OFF, 0 },
	{ "from_wire: drop GRE_FLAGS (early)",  HOOK_XDP, HOST_2, P_WIRE,    XDP_DROP,     NV_DROP_GRE_FLAGS, b_gre_flags, true, NV_EVENTS_OFF, 0 },
	{ "from_wire: drop SRC_PA (late)",      HOOK_XDP, HOST_2, P_WIRE,    XDP_DROP,     NV_DROP_SRC_PA,    b_src_pa,    true, NV_EVENTS_OFF, 0 },
	{ "from_wire: not NVGRE, passed",       HOOK_XDP, HOST_2, P_WIRE,    XDP_PASS,     NV_DROP_NONE,      b_not_nvgre, false, NV_EVENTS_OFF, 0 },
	{ "tc no-op (baseline)",                HOOK_TC,  HOST_1, P_NOOP,    TC_ACT_OK,    NV_DROP_NONE,      b_noop_tc,   false, NV_EVENTS_OFF, 0 },
	{ "from_vm: encap+redirect_neigh",      HOOK_TC,  HOST_1, P_VM,      TC_ACT_REDIRECT, NV_DROP_NONE,   b_encap,     true, NV_EVENTS_OFF, 0 },
	{ "from_vm: routed encap+redirect_neigh", HOOK_TC, HOST_1, P_VM,     TC_ACT_REDIRECT, NV_DROP_NONE,   b_routed_encap, false, NV_EVENTS_OFF, 0 },
	{ "from_vm: same-host delivery",        HOOK_TC,  HOST_1, P_VM,      TC_ACT_REDIRECT, NV_DROP_NONE,   b_same_host, false, NV_EVENTS_OFF, 0 },
	{ "from_vm: routed same-host delivery", HOOK_TC,  HOST_1, P_VM,      TC_ACT_REDIRECT, NV_DROP_NONE,   b_routed_local, false, NV_EVENTS_OFF, 0 },
	{ "from_vm: ARP reply",                 HOOK_TC,  HOST_1, P_VM,      TC_ACT_REDIRECT, NV_DROP_NONE,   b_arp,       true, NV_EVENTS_OFF, 0 },
	{ "from_vm: drop DST_MAC",              HOOK_TC,  HOST_1, P_VM,      TC_ACT_SHOT,  NV_DROP_DST_MAC,   b_dst_mac,   true, NV_EVENTS_OFF, 0 },
	{ "wire_tc: validate+decap+redirect",   HOOK_TC,  HOST_2, P_WIRE_TC, TC_ACT_REDIRECT, NV_DROP_NONE,   b_wire_b,    true, NV_EVENTS_OFF, 0 },
	{ "wire_tc: routed, decap+redirect",    HOOK_TC,  HOST_2, P_WIRE_TC, TC_ACT_REDIRECT, NV_DROP_NONE,   b_wire_routed, false, NV_EVENTS_OFF, 0 },
	/* events on: the same paths, small table, hot key */
	{ "from_wire: drop SRC_PA, drop events",     HOOK_XDP, HOST_2, P_WIRE, XDP_DROP,     NV_DROP_SRC_PA, b_src_pa,   false, NV_EVENTS_DROPS, RATE_ALL },
	{ "from_wire: drop SRC_PA, over rate limit", HOOK_XDP, HOST_2, P_WIRE, XDP_DROP,     NV_DROP_SRC_PA, b_src_pa,   false, NV_EVENTS_DROPS, RATE_ONE },
	{ "from_wire: decap+redirect, drop events",  HOOK_XDP, HOST_2, P_WIRE, XDP_REDIRECT, NV_DROP_NONE,   b_wire_xdp, false, NV_EVENTS_DROPS, RATE_ALL },
	{ "from_wire: decap+redirect, trace events", HOOK_XDP, HOST_2, P_WIRE, XDP_REDIRECT, NV_DROP_NONE,   b_wire_xdp, false, NV_EVENTS_TRACE, RATE_ALL },
	{ "from_vm: drop DST_MAC, drop events",      HOOK_TC,  HOST_1, P_VM,   TC_ACT_SHOT,  NV_DROP_DST_MAC, b_dst_mac, false, NV_EVENTS_DROPS, RATE_ALL },
	{ "from_vm: drop DST_MAC, over rate limit",  HOOK_TC,  HOST_1, P_VM,   TC_ACT_SHOT,  NV_DROP_DST_MAC, b_dst_mac, false, NV_EVENTS_DROPS, RATE_ONE },
	{ "from_vm: encap, drop events",             HOOK_TC,  HOST_1, P_VM,   TC_ACT_REDIRECT, NV_DROP_NONE, b_encap,   false, NV_EVENTS_DROPS, RATE_ALL },
	{ "from_vm: encap, trace events",            HOOK_TC,  HOST_1, P_VM,   TC_ACT_REDIRECT, NV_DROP_NONE, b_encap,   false, NV_EVENTS_TRACE, RATE_ALL },
};
/* clang-format on */
#define NPATHS	 (sizeof(paths) / sizeof(paths[0]))
#define MAXCASES (NPATHS * 3)

/* ---- running ---- */

static __u32 spread_keys;

static int run_once(struct pp_case *c, __u32 *duration, __u32 *retval)
{
	static __u8 out[PKT_MAX + 64];
	static struct pkt fresh;
	const struct pkt *f = &c->hot;
	struct __sk_buff skb = { .ifindex = c->ifindex };
	struct xdp_md xdp = { .ingress_ifindex = c->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out),
		    .repeat = 1);
	int err;

	if (c->keys == KEYS_SPREAD) {
		c->path->build(&fresh, (long)((c->next++ * STRIDE) % spread_keys));
		f = &fresh;
	}
	o.data_in = f->d;
	o.data_size_in = (__u32)f->len;
	if (c->path->hook == HOOK_TC) {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	} else {
		xdp.data_end = (__u32)f->len;
		o.ctx_in = &xdp;
		o.ctx_size_in = sizeof(xdp);
	}
	err = bpf_prog_test_run_opts(c->prog_fd, &o);
	*duration = o.duration;
	*retval = o.retval;
	return err;
}

static int discard_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

/* Events back off, and whatever a batch wrote read away: the next batch starts with room. */
static int events_off(struct pp_case *c)
{
	struct ring_buffer *rb;
	int err;

	err = nv_events_set(&c->h->o.maps, NV_EVENTS_OFF, 0);
	if (err)
		return err;
	rb = ring_buffer__new(c->h->o.maps.fd[NV_MAP_EVENTS], discard_event, NULL, NULL);
	if (!rb)
		return -errno;
	err = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return err < 0 ? err : 0;
}

static double batch_mean(struct pp_case *c)
{
	__u64 total = 0;
	__u32 d, ret;

	if (c->path->events && nv_events_set(&c->h->o.maps, c->path->events, c->path->rate))
		return -1;
	for (int i = 0; i < BATCH; i++) {
		if (run_once(c, &d, &ret) || ret != c->path->expect)
			return -1;
		total += d;
	}
	if (c->path->events && events_off(c))
		return -1;
	return (double)total / BATCH;
}

/* One run: its verdict, and exactly its drop counter moved (the no-op moves none). */
static int verify(struct pp_case *c)
{
	struct counters before, after;
	__u32 d, ret;
	int err;

	if (counters_read(c->h, &before))
		return -1;
	err = run_once(c, &d, &ret);
	if (err || ret != c->path->expect) {
		fprintf(stderr, "bench: %s: error %d, verdict %u, expected %u\n", c->path->name,
			err, ret, c->path->expect);
		return -1;
	}
	if (counters_read(c->h, &after))
		return -1;
	for (int r = 1; r < NV_DROP__MAX; r++) {
		__u64 moved = after.drop[r].packets - before.drop[r].packets;
		__u64 want = c->path->prog != P_NOOP && r == (int)c->path->drop;

		if (moved != want) {
			fprintf(stderr, "bench: %s: drop counter %s moved by %llu, expected %llu\n",
				c->path->name, nv_drop_reason_name(r), (unsigned long long)moved,
				(unsigned long long)want);
			return -1;
		}
	}
	return 0;
}

static int prog_fd(const struct path *p, const struct host *h, const struct nv_noop_bpf *noop)
{
	switch (p->prog) {
	case P_VM:
		return h->from_vm;
	case P_WIRE:
		return h->from_wire;
	case P_WIRE_TC:
		return h->wire_tc;
	}
	return p->hook == HOOK_XDP ? bpf_program__fd(noop->progs.nv_noop_xdp)
				   : bpf_program__fd(noop->progs.nv_noop_tc);
}

static const char *keys_name(const struct pp_case *c)
{
	if (c->path->prog == P_NOOP)
		return "-";
	return c->keys == KEYS_HOT ? "hot" : "spread";
}

int perpacket_run(struct bench_env *e, const char *dir)
{
	static struct pp_case cases[MAXCASES];
	struct nv_noop_bpf *noop = nv_noop_bpf__open_and_load();
	int n = 0, err = -1;
	FILE *csv = NULL;

	if (!noop) {
		fprintf(stderr, "bench: loading the no-op programs: %s\n", strerror(errno));
		return -1;
	}
	spread_keys = e->spread_keys;
	for (size_t i = 0; i < NPATHS; i++) {
		const struct path *p = &paths[i];

		for (int v = 0; v < 3; v++) {
			enum table t = v == 0 ? TABLE_SMALL : TABLE_LARGE;
			enum keys k = v == 2 ? KEYS_SPREAD : KEYS_HOT;
			struct pp_case *c;

			/* The no-op and the events rows once; spread only where a path looks a
			 * filler record up. */
			if ((p->prog == P_NOOP || p->events) && v)
				continue;
			if (k == KEYS_SPREAD && !p->spread)
				continue;
			c = &cases[n++];
			c->path = p;
			c->table = t;
			c->keys = k;
			if (p->host == HOST_1)
				c->h = t == TABLE_SMALL ? &e->s1 : &e->l1;
			else
				c->h = t == TABLE_SMALL ? &e->s2 : &e->l2;
			c->prog_fd = prog_fd(p, c->h, noop);
			c->ifindex = p->host == HOST_1 ? c->h->port[H1_A1].ifindex : c->h->underlay;
			p->build(&c->hot, HOT);
			if (verify(c))
				goto out;
		}
	}

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < n; i++) {
			cases[i].sample[r] = batch_mean(&cases[i]);
			if (cases[i].sample[r] < 0) {
				fprintf(stderr, "bench: %s: unexpected verdict or error\n",
					cases[i].path->name);
				goto out;
			}
		}

	csv = bench_open(dir, "perpacket.csv");
	if (!csv)
		goto out;
	fprintf(csv, "hook,path,records,keys,median_ns,min_ns,max_ns,ratio_to_noop\n");
	printf("Case 1: ns/packet, BPF_PROG_TEST_RUN repeat=1, %d interleaved rounds of %d runs, "
	       "median (min..max) of the round means; ratio = median / no-op median of the hook.\n"
	       "records: small = %u (fixture, max 1024), large = %u (max %u); spread = %u keys "
	       "per VSID in turn\n",
	       ROUNDS, BATCH, e->small_records, e->large_records, BENCH_LARGE_RECORDS,
	       e->spread_keys);
	printf("%-40s %4s %7s %6s %8s %17s %7s\n", "path", "hook", "records", "keys", "median",
	       "min..max", "ratio");
	for (int hook = HOOK_XDP; hook <= HOOK_TC; hook++) {
		double base = 0;

		for (int i = 0; i < n; i++)
			if (cases[i].path->hook == (enum hook)hook && cases[i].path->prog == P_NOOP)
				base = summarize(cases[i].sample, ROUNDS).med;
		for (int i = 0; i < n; i++) {
			struct pp_case *c = &cases[i];
			struct summary s;
			const char *hk = hook == HOOK_XDP ? "xdp" : "tc";
			__u32 recs = c->table == TABLE_SMALL ? e->small_records : e->large_records;

			if (c->path->hook != (enum hook)hook)
				continue;
			s = summarize(c->sample, ROUNDS);
			printf("%-40s %4s %7u %6s %8.1f %8.1f..%-8.1f %6.2fx\n", c->path->name, hk,
			       recs, keys_name(c), s.med, s.min, s.max, s.med / base);
			fprintf(csv, "%s,\"%s\",%u,%s,%.1f,%.1f,%.1f,%.3f\n", hk, c->path->name,
				recs, keys_name(c), s.med, s.min, s.max, s.med / base);
		}
	}
	printf("\n");
	err = 0;
out:
	if (csv)
		fclose(csv);
	nv_noop_bpf__destroy(noop);
	return err;
}
