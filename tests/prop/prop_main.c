// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * prop: property fuzzing of nv_from_vm, nv_from_wire and nv_wire_tc through BPF_PROG_TEST_RUN,
 * in a network namespace of its own (root). Usage:
 *   prop [--seed N] [--frames N | --seconds S] [--world-frames N] [--frame K] [--out DIR]
 * A failure prints the seed, the frame number (replay it alone with --seed S --frame K), the
 * world, the frame as hex, and writes it as a pcap into DIR (default /tmp). Ends with TAP-style
 * lines and "N passed, M failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/pkt_cls.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"
#include "lib/fixture.h"
#include "prop/prop.h"

#define BATCH	    1024
#define MAX_REPORTS 5

enum prop_id {
	P_VERDICT,   /* model agreement: verdict, reason, target */
	P_ISOLATION, /* RDID and source, from the observation alone */
	P_OUTPUT,    /* what was sent is well formed (part of the frame checks) */
	P_COUNTED,   /* counters moved by exactly the frames' count */
	P__COUNT,
};

static const char *const prop_text[P__COUNT] = {
	"every verdict, drop reason and delivery target is the reference model's",
	"no frame reaches a port of another RDID or comes from a source the table does not hold",
	"every frame sent is well formed (NVGRE, routed hop, ARP reply, ICMP) by an own decoder",
	"every frame not delivered is counted exactly once, by its reason and against its port",
};

struct prop_run {
	__u64 seed, frames, world_frames, only;
	bool has_only;
	double seconds;
	const char *out_dir;
	__u64 tried, by_hook[H__COUNT], by_outcome[O__COUNT], mutated, worlds;
	__u64 failed[P__COUNT], checked[P__COUNT];
	__u64 reason_seen;
	int reports;
};

struct ring_ctx {
	struct observed *obs;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct ring_ctx *c = ctx;

	if (size >= sizeof(struct nv_event) && !c->obs->nevents++)
		memcpy(&c->obs->ev, data, sizeof(struct nv_event));
	return 0;
}

static void write_pcap(const char *path, const struct frame *f, const struct observed *obs)
{
	const __u32 hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	FILE *p = fopen(path, "w");

	if (!p)
		return;
	fwrite(hdr, sizeof(hdr), 1, p);
	for (int i = 0; i < 2; i++) {
		const void *d = i ? obs->out + obs->meta_len : f->b;
		__u32 n = i ? obs->out_len - obs->meta_len : (__u32)f->len;
		__u32 rec[4] = { (__u32)i, 0, n, n };

		if (i && (obs->err || !n))
			break;
		fwrite(rec, sizeof(rec), 1, p);
		fwrite(d, n, 1, p);
	}
	fclose(p);
}

static const char *const hook_name[H__COUNT] = { "from_vm", "from_wire", "wire_tc" };
static const char *const outcome_name[O__COUNT] = { "refused",	 "pass", "drop", "local",  "encap",
						    "arp reply", "ttl",	 "frag", "deliver" };

static void report(struct prop_run *run, const struct world *w, __u64 n, const struct frame *f,
		   const struct expect *e, const struct observed *obs, const char *what)
{
	char path[512];

	if (run->reports++ >= MAX_REPORTS)
		return;
	fprintf(stderr, "\nFAIL: %s\n  seed %llu frame %llu (replay: --seed %llu --frame %llu)\n",
		what, (unsigned long long)run->seed, (unsigned long long)n,
		(unsigned long long)run->seed, (unsigned long long)n);
	fprintf(stderr, "  %s on ifindex %u, %zu bytes, %u mutations; model: %s (%s)\n",
		hook_name[f->hook], f->ifindex, f->len, f->mutations, outcome_name[e->o],
		e->why ? e->why : "");
	fprintf(stderr, "  observed: run %d, retval %u, %d events", obs->err, obs->retval,
		obs->nevents);
	if (obs->nevents)
		fprintf(stderr, " (verdict %u, reason %s, target %u)", obs->ev.verdict,
			nv_drop_reason_name(obs->ev.reason), obs->ev.target);
	fprintf(stderr, "\n  frame:");
	for (size_t i = 0; i < f->len; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", f->b[i]);
	fprintf(stderr, "\n");
	world_print(w, stderr);
	snprintf(path, sizeof(path), "%s/nv-prop-%llu-%llu.pcap", run->out_dir,
		 (unsigned long long)run->seed, (unsigned long long)n);
	write_pcap(path, f, obs);
	fprintf(stderr, "  pcap (input, then output): %s\n", path);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * One frame: model, run, the per-frame properties; adds what it counts to want. *agreed is
 * cleared when the program did not do what the model says (its counters then cannot match:
 * that frame is reported once, as a disagreement).
 */
static int one_frame(struct prop_run *run, struct world *w, struct ring_buffer *rb,
		     struct ring_ctx *rc, __u64 n, struct tally *want, struct frame *f,
		     bool *agreed)
{
	struct observed obs;
	struct expect e;
	char why[256];
	int err;

	gen_frame(w, run->seed, n, f);
	model_expect(w, f, &e);
	rc->obs = &obs;
	err = check_run(w, f, &obs);
	if (!err)
		err = ring_buffer__consume(rb) < 0 ? -EIO : 0;
	if (err)
		return err;
	run->tried++;
	run->by_hook[f->hook]++;
	run->by_outcome[e.o]++;
	run->mutated += !!f->mutations;
	if (obs.nevents == 1 && obs.ev.verdict == NV_VERDICT_DROP && obs.ev.reason < 64)
		run->reason_seen |= 1ull << obs.ev.reason;
	/* Answered: counted, not dropped. */
	if (e.o == O_TTL && obs.retval == TC_ACT_REDIRECT)
		run->reason_seen |= 1ull << NV_DROP_TTL_EXPIRED;
	if (e.o == O_FRAG && obs.retval == TC_ACT_REDIRECT)
		run->reason_seen |= 1ull << NV_DROP_MTU;
	run->checked[P_VERDICT]++;
	run->checked[P_OUTPUT] += e.o >= O_LOCAL;
	if (!check_frame(w, f, &e, &obs, why, sizeof(why))) {
		run->failed[e.o >= O_LOCAL && obs.nevents == 1 && obs.ev.verdict != NV_VERDICT_DROP
				    ? P_OUTPUT
				    : P_VERDICT]++;
		report(run, w, n, f, &e, &obs, why);
		*agreed = false;
	}
	run->checked[P_ISOLATION]++;
	if (!check_isolation(w, f, &obs, why, sizeof(why))) {
		run->failed[P_ISOLATION]++;
		report(run, w, n, f, &e, &obs, why);
	}
	tally_expect(w, f, &e, &obs, want);
	return 0;
}

/* A batch whose counters disagree, frame by frame, to name the frame. */
static void bisect_batch(struct prop_run *run, struct world *w, struct ring_buffer *rb,
			 struct ring_ctx *rc, __u64 first, __u64 count)
{
	struct tally before, after, want;
	struct frame f;
	char why[256];
	__u64 saved = run->tried;
	bool agreed = true;

	for (__u64 n = first; n < first + count; n++) {
		memset(&want, 0, sizeof(want));
		if (tally_read(w, &before) || one_frame(run, w, rb, rc, n, &want, &f, &agreed) ||
		    tally_read(w, &after))
			return;
		if (tally_compare(&before, &after, &want, why, sizeof(why))) {
			struct expect e;
			struct observed obs = { 0 };

			model_expect(w, &f, &e);
			report(run, w, n, &f, &e, &obs, why);
			break;
		}
	}
	run->tried = saved;
}

static int run_world(struct prop_run *run, const struct devices *d, __u64 epoch, __u64 first,
		     __u64 count, double deadline)
{
	struct tally before, after, want;
	struct ring_buffer *rb = NULL;
	struct ring_ctx rc = { 0 };
	struct world w;
	struct frame f;
	char why[256];
	int err;

	err = world_make(&w, d, rng_mix(run->seed, epoch));
	if (err) {
		fprintf(stderr, "prop: world %llu: %s\n", (unsigned long long)epoch,
			strerror(-err));
		return err;
	}
	run->worlds++;
	rb = ring_buffer__new(w.o.maps.fd[NV_MAP_EVENTS], on_event, &rc, NULL);
	if (!rb) {
		err = -errno;
		goto out;
	}
	for (__u64 b = 0; b < count && !err; b += BATCH) {
		__u64 n = count - b < BATCH ? count - b : BATCH;

		bool agreed = true;

		memset(&want, 0, sizeof(want));
		err = tally_read(&w, &before);
		for (__u64 i = 0; i < n && !err; i++)
			err = one_frame(run, &w, rb, &rc, first + b + i, &want, &f, &agreed);
		if (!err)
			err = tally_read(&w, &after);
		run->checked[P_COUNTED] += agreed ? n : 0;
		if (!err && agreed && tally_compare(&before, &after, &want, why, sizeof(why))) {
			run->failed[P_COUNTED]++;
			fprintf(stderr, "\nFAIL: frames %llu..%llu: %s\n",
				(unsigned long long)(first + b),
				(unsigned long long)(first + b + n - 1), why);
			bisect_batch(run, &w, rb, &rc, first + b, n);
		}
		if (deadline && now() > deadline)
			break;
	}
out:
	ring_buffer__free(rb);
	world_free(&w);
	return err;
}

static int usage(const char *me)
{
	fprintf(stderr,
		"Usage: %s [--seed N] [--frames N | --seconds S] [--world-frames N] [--frame K]"
		" [--out DIR]\n",
		me);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "world-frames", required_argument, NULL, 'w' },
		{ "frame", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct prop_run run = { .frames = 1000000, .world_frames = 20000, .out_dir = "/tmp" };
	struct devices d;
	double t0, deadline = 0, took;
	int c, err = 0, failed = 0, reasons = 0;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	run.seed = (__u64)tv.tv_sec * 1000003u ^ (__u64)tv.tv_usec ^ (__u64)getpid() << 32;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		unsigned long long v;

		if (c == 'o') {
			run.out_dir = optarg;
			continue;
		}
		if (c == '?')
			return usage(argv[0]);
		errno = 0;
		v = strtoull(optarg, &end, 0);
		if (errno || *end || end == optarg) {
			fprintf(stderr, "prop: --%s: not a number: %s\n",
				opts[c == 's'	? 0
				     : c == 'n' ? 1
				     : c == 't' ? 2
				     : c == 'w' ? 3
						: 4]
					.name,
				optarg);
			return 2;
		}
		if (c == 's')
			run.seed = v;
		else if (c == 'n')
			run.frames = v;
		else if (c == 't')
			run.seconds = (double)v;
		else if (c == 'w' && v)
			run.world_frames = v;
		else if (c == 'k')
			run.only = v, run.has_only = true;
	}
	if (optind != argc)
		return usage(argv[0]);
	if (geteuid()) {
		fprintf(stderr, "prop: loads BPF programs and makes devices: run it as root\n");
		return 1;
	}
	err = fixture_netns();
	if (!err)
		err = devices_make(&d);
	if (err) {
		fprintf(stderr, "prop: namespace and devices: %s\n", strerror(-err));
		return 1;
	}
	printf("# prop: seed %llu, %s\n", (unsigned long long)run.seed,
	       run.has_only  ? "one frame"
	       : run.seconds ? "until the time is up"
			     : "frame budget");
	t0 = now();
	if (run.seconds)
		deadline = t0 + run.seconds, run.frames = ~0ull >> 1;
	if (run.has_only) {
		__u64 epoch = run.only / run.world_frames;

		err = run_world(&run, &d, epoch, run.only, 1, 0);
	} else {
		for (__u64 epoch = 0; epoch * run.world_frames < run.frames && !err; epoch++) {
			__u64 first = epoch * run.world_frames;
			__u64 n = run.frames - first < run.world_frames ? run.frames - first
									: run.world_frames;

			err = run_world(&run, &d, epoch, first, n, deadline);
			if (deadline && now() > deadline)
				break;
		}
	}
	took = now() - t0;
	if (err) {
		fprintf(stderr, "prop: could not run: %s\n", strerror(-err));
		return 1;
	}
	for (int i = 0; i < NV_DROP__MAX; i++)
		reasons += !!(run.reason_seen & (1ull << i));
	printf("# %llu frames (from_vm %llu, from_wire %llu, wire_tc %llu; %llu mutated) in %llu "
	       "worlds, %.1f s, %.0f frames/s\n",
	       (unsigned long long)run.tried, (unsigned long long)run.by_hook[H_FROM_VM],
	       (unsigned long long)run.by_hook[H_FROM_WIRE],
	       (unsigned long long)run.by_hook[H_WIRE_TC], (unsigned long long)run.mutated,
	       (unsigned long long)run.worlds, took, took > 0 ? (double)run.tried / took : 0);
	printf("# model outcomes:");
	for (int i = 0; i < O__COUNT; i++)
		printf(" %s %llu", outcome_name[i], (unsigned long long)run.by_outcome[i]);
	printf("\n# drop reasons reached: %d of %d; not reached:", reasons, NV_DROP__MAX - 1);
	for (int i = 1; i < NV_DROP__MAX; i++)
		if (!(run.reason_seen & (1ull << i)))
			printf(" %s", nv_drop_reason_name((unsigned int)i));
	printf("\n");
	for (int i = 0; i < P__COUNT; i++) {
		printf("%s %d - %s (%llu checked, %llu failed)\n", run.failed[i] ? "not ok" : "ok",
		       i + 1, prop_text[i], (unsigned long long)run.checked[i],
		       (unsigned long long)run.failed[i]);
		failed += !!run.failed[i];
	}
	if (failed)
		printf("# replay a frame: %s --seed %llu --frame K\n", argv[0],
		       (unsigned long long)run.seed);
	printf("%d passed, %d failed\n", P__COUNT - failed, failed);
	return failed ? 1 : 0;
}
