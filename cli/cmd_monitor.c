// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl monitor [drops|trace] [vsid VSID] [dev DEV] [count N]: the datapath's events, one line
 * (or one JSON object) each, until Ctrl-C. For its lifetime the instance's event mode is at
 * least the one asked for; the previous mode comes back at exit unless someone changed it
 * meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "nv_frame.h"
#include "nv_instance.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "nvctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct monitor {
	const struct nv_ctx *ctx;
	__u64 since_ns; /* CLOCK_MONOTONIC at start: older events were in the ring before us */
	__s64 real_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC, to print wall-clock times */
	bool by_vsid;
	__u32 vsid, dev; /* filters; dev 0: any */
	__u64 count;	 /* stop after this many shown, 0: never */
	__u64 shown, filtered, stale;
	bool out_err; /* stdout went away (a closed pipe): stop */
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void print_event(struct monitor *m, const struct nv_event *e)
{
	char dev[NV_NETDEV_NAMELEN], target[NV_NETDEV_NAMELEN], when[64], line[1024];
	__u64 real = e->ts_ns + (__u64)m->real_off;
	time_t sec = (time_t)(real / 1000000000ull);
	unsigned long usec = (unsigned long)(real % 1000000000ull / 1000);
	struct tm tm;

	nv_netdev_name(e->ifindex, dev, sizeof(dev));
	if (e->target)
		nv_netdev_name(e->target, target, sizeof(target));
	if (m->ctx->json) {
		json_t *o = nv_event_json(e, dev, e->target ? target : NULL);

		gmtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06luZ", usec);
		json_object_set_new(o, "time", json_string(when));
		json_object_set_new(o, "ts_ns", json_integer((json_int_t)e->ts_ns));
		nv_json_print(m->ctx, o);
	} else {
		localtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		nv_event_format(e, dev, e->target ? target : NULL, line, sizeof(line));
		printf("%s.%06lu %s\n", when, usec, line);
	}
	/* One line at a time, as it happens, also into a pipe. */
	if (fflush(stdout) || ferror(stdout))
		m->out_err = true;
}

static int on_event(void *arg, void *data, size_t size)
{
	struct monitor *m = arg;
	struct nv_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	if (e.ts_ns < m->since_ns) {
		m->stale++;
		return 0;
	}
	/* dev: the device the program ran on, or the one it sent the frame to. */
	if ((m->by_vsid && e.vsid != m->vsid) ||
	    (m->dev && e.ifindex != m->dev && e.target != m->dev)) {
		m->filtered++;
		return 0;
	}
	if (stop || m->out_err)
		return -ECANCELED;
	print_event(m, &e);
	m->shown++;
	if (m->out_err || (m->count && m->shown >= m->count)) {
		stop = 1;
		return -ECANCELED; /* ends this poll: what follows stays in the ring */
	}
	return 0;
}

static void print_summary(const struct monitor *m, const struct nv_event_state *t0,
			  const struct nv_event_state *t1, bool have_totals)
{
	__u64 emitted = t1->emitted - t0->emitted, limited = t1->rate_limited - t0->rate_limited,
	      full = t1->ring_full - t0->ring_full;

	if (m->ctx->json) {
		json_t *o = json_pack("{s:I, s:I}", "shown", (json_int_t)m->shown, "filtered",
				      (json_int_t)m->filtered);

		if (have_totals) {
			json_object_set_new(o, "emitted", json_integer((json_int_t)emitted));
			json_object_set_new(o, "rate_limited", json_integer((json_int_t)limited));
			json_object_set_new(o, "ring_full", json_integer((json_int_t)full));
		}
		nv_json_print(m->ctx, json_pack("{s:o}", "summary", o));
		fflush(stdout);
		return;
	}
	fprintf(stderr, "%llu events shown, %llu filtered out", (unsigned long long)m->shown,
		(unsigned long long)m->filtered);
	if (have_totals)
		fprintf(stderr,
			"; the kernel wrote %llu and did not write %llu (%llu over the rate limit, "
			"%llu with the ring full)",
			(unsigned long long)emitted, (unsigned long long)(limited + full),
			(unsigned long long)limited, (unsigned long long)full);
	fputc('\n', stderr);
}

enum {
	MON_VSID,
	MON_DEV,
	MON_COUNT
};
static const struct nv_arg_spec monitor_args[] = {
	[MON_VSID] = NV_ARG_VSID(false),
	[MON_DEV] = NV_ARG_KEY("dev", NV_ARG_DEV, false, "DEV"),
	[MON_COUNT] = NV_ARG_NUM("count", false, 1, 0xffffffffu, "N"),
};

static int monitor(struct nv_ctx *ctx, unsigned int want, const struct nv_args *a)
{
	struct nv_event_state t0 = { 0 }, t1 = { 0 };
	struct monitor m = { .ctx = ctx };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int prev_mode, cur_mode;
	__u32 prev_rate, cur_rate;
	struct ring_buffer *rb = NULL;
	bool raised = false, have_totals;
	int err, ret = NV_EXIT_OK, fd;
	struct nv_maps maps;

	const char *cmd = a->cmd;

	m.by_vsid = a->a[MON_VSID].set;
	m.vsid = a->a[MON_VSID].v.u32;
	m.dev = a->a[MON_DEV].set ? a->a[MON_DEV].v.u32 : 0;
	m.count = a->a[MON_COUNT].set ? a->a[MON_COUNT].v.u32 : 0;
	err = nv_open_maps(ctx, &maps);
	if (err)
		return err;

	/* Stop on these, and restore the mode: never die with the mode raised. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as a write error instead */

	m.since_ns = clock_ns(CLOCK_MONOTONIC);
	m.real_off = (__s64)(clock_ns(CLOCK_REALTIME) - m.since_ns);
	rb = ring_buffer__new(maps.fd[NV_MAP_EVENTS], on_event, &m, NULL);
	if (!rb) {
		err = -errno;
		nv_close_maps(ctx, &maps);
		return nv_errno_error(ctx, err, "%s: open the nv_events ring", cmd);
	}
	/* main() holds the instance lock: the switch happens under it, then it is given up. */
	err = nv_events_get(&maps, &prev_mode, &prev_rate);
	if (!err && prev_mode < want) {
		err = nv_events_set(&maps, want, prev_rate);
		raised = !err;
	}
	nv_ctx_unlock(ctx);
	if (err) {
		ring_buffer__free(rb);
		nv_close_maps(ctx, &maps);
		return nv_errno_error(ctx, err, "%s: set the event mode", cmd);
	}
	have_totals = !nv_event_totals(&maps, &t0);
	if (!ctx->json) {
		fprintf(stderr, "monitoring %s events (mode %s%s), Ctrl-C to stop\n",
			nv_events_mode_name(want), nv_events_mode_name(raised ? want : prev_mode),
			raised ? ", raised for this monitor" : "");
	}

	while (!stop && !m.out_err) {
		err = ring_buffer__poll(rb, 200);
		if (err == -EINTR || (err == -ECANCELED && (stop || m.out_err)))
			continue;
		if (err < 0) {
			ret = nv_errno_error(ctx, err, "%s: read the nv_events ring", cmd);
			break;
		}
	}

	if (raised) {
		/* The instance lock for a moment: main's was given up so other nvctl can run. */
		fd = nv_instance_lock(ctx->pin_dir, LOCK_EX, -1);
		/* Someone else changed the mode meanwhile (events set): theirs stays. */
		if (!nv_events_get(&maps, &cur_mode, &cur_rate) && cur_mode == want &&
		    cur_rate == prev_rate)
			nv_events_set(&maps, prev_mode, prev_rate);
		nv_instance_unlock(fd);
	}
	have_totals = have_totals && !nv_event_totals(&maps, &t1);
	ring_buffer__free(rb);
	nv_close_maps(ctx, &maps);
	if (ret == NV_EXIT_OK && !m.out_err)
		print_summary(&m, &t0, &t1, have_totals);
	return ret;
}

static int monitor_drops(struct nv_ctx *ctx, const struct nv_args *a)
{
	return monitor(ctx, NV_EVENTS_DROPS, a);
}

static int monitor_trace(struct nv_ctx *ctx, const struct nv_args *a)
{
	return monitor(ctx, NV_EVENTS_TRACE, a);
}

const struct nv_cmd nv_monitor_cmds[] = {
	NV_CMD("drops", monitor_args,
	       "print drop events as they happen until Ctrl-C (the default: nvctl monitor)",
	       monitor_drops, NV_CMD_DEFAULT | NV_CMD_DEFAULT_ARGS),
	NV_CMD("trace", monitor_args,
	       "print an event for every verdict (drops and forwarded frames) until Ctrl-C",
	       monitor_trace, 0),
	{ 0 },
};
