// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl agent: the instance follows a prefix of an etcd store. List the prefix and make the
 * instance equal to it (nv_agent_sync), then watch from the list's revision + 1 and apply every
 * revision as it comes (nv_agent_events). A compacted revision, a datapath attached again or a
 * change refused earlier: list again. etcd unreachable: the datapath stays as it is, the agent
 * tries the next endpoint with backoff and resumes from the revision it applied.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nv_agent.h"
#include "nv_agent_status.h"
#include "nv_etcd_client.h"
#include "nv_output.h"
#include "nvctl.h"

enum {
	RUN_ETCD,
	RUN_PREFIX,
	RUN_HOST,
	RUN_CACERT,
	RUN_CERT,
	RUN_KEY,
	RUN_USER,
	RUN_PASSWORD_FILE,
};
static const struct nv_arg_spec run_args[] = {
	[RUN_ETCD] = NV_ARG_KEY("etcd", NV_ARG_STRING, true, "URL[,URL...]"),
	[RUN_PREFIX] = NV_ARG_KEY("prefix", NV_ARG_STRING, true, "PREFIX"),
	[RUN_HOST] = NV_ARG_KEY("host", NV_ARG_STRING, false, "NAME"),
	[RUN_CACERT] = NV_ARG_KEY("cacert", NV_ARG_STRING, false, "FILE"),
	[RUN_CERT] = NV_ARG_KEY("cert", NV_ARG_STRING, false, "FILE"),
	[RUN_KEY] = NV_ARG_KEY("key", NV_ARG_STRING, false, "FILE"),
	[RUN_USER] = NV_ARG_KEY("user", NV_ARG_STRING, false, "USER"),
	[RUN_PASSWORD_FILE] = NV_ARG_KEY("password-file", NV_ARG_STRING, false, "FILE"),
};

#define PAGE	     2000 /* keys per range request while listing */
#define BACKOFF_MIN  100  /* ms, after a failed request; doubled to BACKOFF_MAX */
#define BACKOFF_MAX  5000
#define RETRY_MIN    1000 /* ms before a sync retries what was refused; doubled */
#define RETRY_MAX    30000
#define TICK	     100  /* ms between the ticker's looks */
#define STATUS_EVERY 1000 /* ms between status file writes while nothing else changes */
#define RELIST	     1001 /* a watch callback's "list again" */

enum state {
	WAITING,
	SYNCING,
	WATCHING,
	DISCONNECTED
};
static const char *const state_names[] = { "waiting", "syncing", "watching", "disconnected" };

static volatile sig_atomic_t terminating;
static volatile int stop_watch; /* the watch's stop flag: a signal, a resync due */

static void on_signal(int sig)
{
	(void)sig;
	terminating = 1;
	stop_watch = 1;
}

struct agent {
	struct nv_agent a;
	struct nv_etcd_client *etcd;
	char *range_end, status_path[4200];
	pthread_mutex_t lock; /* a.st, state: the ticker writes the status file */
	enum state state;
	atomic_uint expect_id;	  /* the datapath synced; another id: relist */
	atomic_llong retry_at;	  /* ms (monotonic) when a sync retries refused changes, 0: none */
	atomic_int resync_wanted; /* the ticker stopped the watch for a sync */
	atomic_int done;
	long retry_ms;
	bool created; /* the current watch was created: the connection is good */
};

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void log_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "nvctl agent: %s\n", msg);
}

static json_t *status_json(struct agent *g)
{
	const struct nv_agent_stats *s = &g->a.st;
	int64_t lag = s->store_revision > s->revision ? s->store_revision - s->revision : 0;

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:s, s:I, s:I}",
			 "pid", (json_int_t)getpid(), "state", state_names[g->state], "pin_dir",
			 g->a.pin_dir, "endpoint", nv_etcd_client_endpoint(g->etcd), "prefix",
			 g->a.prefix, "host", g->a.host, "revision", (json_int_t)s->revision,
			 "store_revision", (json_int_t)s->store_revision, "lag", (json_int_t)lag,
			 "events_applied", (json_int_t)s->events_applied, "events_skipped",
			 (json_int_t)s->events_skipped, "events_failed",
			 (json_int_t)s->events_failed, "objects", (json_int_t)s->objects, "syncs",
			 (json_int_t)s->syncs, "relists", (json_int_t)s->relists, "reconnects",
			 (json_int_t)s->reconnects, "last_error", s->last_error, "last_error_time",
			 (json_int_t)s->last_error_time, "updated", (json_int_t)time(NULL));
}

/* Under g->lock. */
static void write_status(struct agent *g)
{
	json_t *st = status_json(g);
	int err = st ? nv_agent_status_write(g->status_path, st) : -ENOMEM;

	json_decref(st);
	if (err)
		fprintf(stderr, "nvctl agent: %s: %s\n", g->status_path, strerror(-err));
}

static void set_state(struct agent *g, enum state s)
{
	pthread_mutex_lock(&g->lock);
	if (g->state != s) {
		g->state = s;
		write_status(g);
	}
	pthread_mutex_unlock(&g->lock);
}

/*
 * Every TICK: a datapath attached again under the watch, or a retry due, stops the watch for a
 * sync; every STATUS_EVERY the status file is written.
 */
static void *ticker(void *arg)
{
	struct agent *g = arg;
	long long last = 0;

	while (!atomic_load(&g->done)) {
		long long retry = atomic_load(&g->retry_at), t;
		unsigned int want = atomic_load(&g->expect_id);

		usleep(TICK * 1000);
		t = now_ms();
		if (want && nv_agent_datapath_id(g->a.pin_dir) != want) {
			atomic_store(&g->expect_id, 0);
			atomic_store(&g->resync_wanted, 1);
			stop_watch = 1;
		}
		if (retry && t >= retry) {
			atomic_store(&g->retry_at, 0);
			atomic_store(&g->resync_wanted, 1);
			stop_watch = 1;
		}
		if (t - last >= STATUS_EVERY) {
			pthread_mutex_lock(&g->lock);
			write_status(g);
			pthread_mutex_unlock(&g->lock);
			last = t;
		}
	}
	return NULL;
}

/* Sleeps ms, or less when a signal ends the agent. */
static void pause_ms(long ms)
{
	for (long t = 0; t < ms && !terminating; t += 50)
		usleep(50 * 1000);
}

static void note_error(struct agent *g, const char *fmt, ...)
{
	struct nv_agent_stats *s = &g->a.st;
	va_list ap;

	pthread_mutex_lock(&g->lock);
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	s->last_error_time = (int64_t)time(NULL);
	pthread_mutex_unlock(&g->lock);
	fprintf(stderr, "nvctl agent: %s\n", s->last_error);
}

static void free_kvs(struct nv_etcd_kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].key);
		free(kvs[i].value);
	}
	free(kvs);
}

/*
 * Every key under the prefix at one revision (*rev), page by page; a page's revision compacted
 * under the list starts it again. 0, or the client's error (err).
 */
static int list_prefix(struct agent *g, struct nv_etcd_kv **out, size_t *nout, int64_t *rev,
		       char *err, size_t errlen)
{
	struct nv_etcd_kv *kvs = NULL;
	size_t n = 0, cap = 0;
	char *from = strdup(g->a.prefix);
	int64_t at = 0;
	int ret = from ? 0 : -ENOMEM, code;

	while (!ret) {
		struct nv_etcd_range r;
		bool again = at != 0; /* pages after the first repeat the last key */

		ret = nv_etcd_client_range(g->etcd, from, g->range_end, PAGE, at, &r, &code, err,
					   errlen);
		if (ret == -EREMOTEIO && code == NV_ETCD_CODE_COMPACTED && at) {
			free_kvs(kvs, n);
			kvs = NULL, n = cap = 0, at = 0;
			free(from);
			from = strdup(g->a.prefix);
			ret = from ? 0 : -ENOMEM;
			continue;
		}
		if (ret)
			break;
		if (!at)
			at = r.revision;
		for (size_t i = again && r.nkvs && !strcmp(r.kvs[0].key, from) ? 1 : 0; i < r.nkvs;
		     i++) {
			if (n == cap) {
				void *v = realloc(kvs, (cap = cap ? cap * 2 : PAGE) * sizeof(*kvs));

				if (!v) {
					ret = -ENOMEM;
					break;
				}
				kvs = v;
			}
			kvs[n++] = r.kvs[i];
			r.kvs[i].key = r.kvs[i].value = NULL; /* moved */
		}
		if (!ret && r.more && n) {
			free(from);
			from = strdup(kvs[n - 1].key);
			ret = from ? 0 : -ENOMEM;
		}
		if (!ret && !r.more) {
			nv_etcd_range_free(&r);
			break;
		}
		nv_etcd_range_free(&r);
	}
	free(from);
	if (ret) {
		free_kvs(kvs, n);
		return ret;
	}
	*out = kvs, *nout = n, *rev = at;
	return 0;
}

static void schedule_retry(struct agent *g)
{
	if (!g->a.incomplete) {
		g->retry_ms = RETRY_MIN;
		return;
	}
	if (!atomic_load(&g->retry_at))
		atomic_store(&g->retry_at, now_ms() + g->retry_ms);
	if (g->retry_ms < RETRY_MAX)
		g->retry_ms *= 2;
}

/* 0 synced; 1 no datapath; -errno etcd failed (err). */
static int sync_once(struct agent *g, char *err, size_t errlen)
{
	struct nv_etcd_kv *kvs;
	int64_t rev;
	size_t n;
	int ret;

	set_state(g, SYNCING);
	ret = list_prefix(g, &kvs, &n, &rev, err, errlen);
	if (ret)
		return ret;
	pthread_mutex_lock(&g->lock);
	if (rev > g->a.st.store_revision)
		g->a.st.store_revision = rev;
	ret = nv_agent_sync(&g->a, kvs, n, rev);
	pthread_mutex_unlock(&g->lock);
	free_kvs(kvs, n);
	if (ret == -ENOENT)
		return 1;
	if (ret) {
		note_error(g, "sync at revision %lld: %s", (long long)rev, strerror(-ret));
		return 1;
	}
	atomic_store(&g->expect_id, g->a.maps_id);
	atomic_store(&g->retry_at, 0);
	schedule_retry(g);
	return 0;
}

static int on_watch(const struct nv_etcd_watch *w, void *arg)
{
	struct agent *g = arg;
	int ret = 0;

	if (w->created)
		g->created = true;
	pthread_mutex_lock(&g->lock);
	if (w->revision > g->a.st.store_revision)
		g->a.st.store_revision = w->revision;
	if (w->canceled || w->compact_revision > 0) {
		ret = RELIST;
	} else if (w->nevents) {
		ret = nv_agent_events(&g->a, w->events, w->nevents);
		if (ret < 0 && ret != -ENOENT)
			snprintf(g->a.st.last_error, sizeof(g->a.st.last_error),
				 "applying revision %lld: %s",
				 (long long)w->events[w->nevents - 1].kv.mod_revision,
				 strerror(-ret));
		ret = ret ? RELIST : 0;
	}
	pthread_mutex_unlock(&g->lock);
	if (!ret)
		schedule_retry(g);
	if (w->compact_revision > 0)
		fprintf(stderr,
			"nvctl agent: revision %lld compacted (store at %lld): listing again\n",
			(long long)g->a.st.revision + 1, (long long)w->compact_revision);
	return ret;
}

static void disconnected(struct agent *g, const char *what, const char *err, long *backoff)
{
	long jitter;

	set_state(g, DISCONNECTED);
	note_error(g, "%s: %s", what, err);
	pthread_mutex_lock(&g->lock);
	g->a.st.reconnects++;
	pthread_mutex_unlock(&g->lock);
	nv_etcd_client_failover(g->etcd);
	/* Jitter: a fleet of agents does not come back at one instant. */
	jitter = *backoff / 4 ? rand() % (*backoff / 4) : 0;
	pause_ms(*backoff + jitter);
	*backoff = *backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : *backoff * 2;
}

static void follow(struct agent *g)
{
	bool need_sync = true, waited = false;
	long backoff = BACKOFF_MIN;
	char err[512];
	int ret, code;

	while (!terminating) {
		if (need_sync) {
			ret = sync_once(g, err, sizeof(err));
			if (ret < 0) {
				disconnected(g, "list", err, &backoff);
				continue;
			}
			if (ret == 1) {
				if (!waited)
					fprintf(stderr,
						"nvctl agent: no datapath at %s: waiting for "
						"dp attach\n",
						g->a.pin_dir);
				waited = true;
				set_state(g, WAITING);
				pause_ms(1000);
				continue;
			}
			waited = need_sync = false;
			backoff = BACKOFF_MIN;
		}
		set_state(g, WATCHING);
		g->created = false;
		stop_watch = 0;
		ret = nv_etcd_client_watch(g->etcd, g->a.prefix, g->range_end, g->a.st.revision + 1,
					   on_watch, g, &stop_watch, &code, err, sizeof(err));
		if (g->created)
			backoff = BACKOFF_MIN;
		if (terminating)
			break;
		if (ret == -EINTR || ret == RELIST || ret == -ECANCELED ||
		    (ret == -EREMOTEIO && code == NV_ETCD_CODE_COMPACTED)) {
			atomic_store(&g->resync_wanted, 0);
			need_sync = true;
			pthread_mutex_lock(&g->lock);
			g->a.st.relists++;
			pthread_mutex_unlock(&g->lock);
			continue;
		}
		disconnected(g, "watch", err, &backoff);
	}
}

/* The endpoints of "URL,URL", in place. */
static int split_endpoints(char *list, const char ***out, size_t *n)
{
	const char **v = calloc(strlen(list) / 2 + 2, sizeof(*v));
	char *save, *p;

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		v[(*n)++] = p;
	*out = v;
	return 0;
}

static int read_password(const char *file, char **out)
{
	size_t len = 0;
	FILE *f = fopen(file, "r");
	int err;

	if (!f)
		return -errno;
	err = nv_read_all(f, out, &len);
	fclose(f);
	if (err)
		return err;
	/* Its first line (nvctl(8)): what follows is wiped, never sent. */
	for (size_t i = strcspn(*out, "\r\n"); i < len; i++)
		(*out)[i] = '\0';
	return 0;
}

static int agent_run(struct nv_ctx *ctx, const struct nv_args *args)
{
	const struct nv_arg *a = args->a;
	struct nv_etcd_conf conf = {
		.cacert = a[RUN_CACERT].raw,
		.cert = a[RUN_CERT].raw,
		.key = a[RUN_KEY].raw,
		.user = a[RUN_USER].raw,
	};
	struct agent g = { .lock = PTHREAD_MUTEX_INITIALIZER, .retry_ms = RETRY_MIN };
	char host[256], err[512], *list = NULL, *password = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	const char **endpoints = NULL;
	sigset_t block, old;
	pthread_t tick;
	int ret;

	if (!*a[RUN_PREFIX].raw)
		return nv_usage_error(ctx, "agent run: prefix: empty (a prefix such as /nvgre/)");
	if (a[RUN_USER].set != a[RUN_PASSWORD_FILE].set)
		return nv_usage_error(ctx, "agent run: user and password-file go together");
	if (a[RUN_CERT].set != a[RUN_KEY].set)
		return nv_usage_error(ctx, "agent run: cert and key go together");
	if (a[RUN_HOST].set) {
		snprintf(host, sizeof(host), "%s", a[RUN_HOST].raw);
	} else if (gethostname(host, sizeof(host))) {
		return nv_errno_error(ctx, errno, "agent run: hostname");
	}
	if (!*host || strchr(host, '/'))
		return nv_usage_error(ctx, "agent run: host: '%s' is not a host name", host);
	if (a[RUN_PASSWORD_FILE].set) {
		ret = read_password(a[RUN_PASSWORD_FILE].raw, &password);
		if (ret)
			return nv_errno_error(ctx, -ret, "agent run: %s", a[RUN_PASSWORD_FILE].raw);
		conf.password = password;
	}
	list = strdup(a[RUN_ETCD].raw);
	if (!list || split_endpoints(list, &endpoints, &conf.nendpoints)) {
		ret = nv_errno_error(ctx, ENOMEM, "agent run");
		goto out;
	}
	if (!conf.nendpoints) {
		ret = nv_usage_error(ctx, "agent run: etcd: no endpoint");
		goto out;
	}
	conf.endpoints = endpoints;
	ret = nv_etcd_client_new(&conf, &g.etcd, err, sizeof(err));
	if (ret == -EINVAL) {
		ret = nv_usage_error(ctx, "agent run: etcd: %s", err);
		goto out;
	}
	if (ret) {
		ret = nv_runtime_error(ctx, "agent run: %s", err);
		goto out;
	}
	ret = nv_agent_status_path(ctx->pin_dir, g.status_path, sizeof(g.status_path));
	g.range_end = nv_etcd_prefix_end(a[RUN_PREFIX].raw);
	if (ret || !g.range_end) {
		ret = nv_errno_error(ctx, ret ? -ret : ENOMEM, "agent run");
		goto out;
	}
	g.a = (struct nv_agent){
		.pin_dir = ctx->pin_dir, .prefix = a[RUN_PREFIX].raw, .host = host, .log = log_line
	};
	/* The agent takes the instance lock per change, as any nvctl: not for its lifetime. */
	nv_ctx_unlock(ctx);
	srand((unsigned int)(getpid() ^ time(NULL)));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Signals reach the main thread only: the ticker runs with them blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ret = pthread_create(&tick, NULL, ticker, &g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		ret = nv_errno_error(ctx, ret, "agent run: thread");
		goto out;
	}
	fprintf(stderr, "nvctl agent: following %s under %s as host %s for %s\n",
		nv_etcd_client_endpoint(g.etcd), g.a.prefix, host, ctx->pin_dir);
	follow(&g);
	atomic_store(&g.done, 1);
	pthread_join(tick, NULL);
	unlink(g.status_path); /* stopped cleanly: nothing is following the store */
	fprintf(stderr, "nvctl agent: stopped at revision %lld\n", (long long)g.a.st.revision);
	ret = NV_EXIT_OK;
out:
	nv_etcd_client_free(g.etcd);
	free(g.range_end);
	free(endpoints);
	free(list);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return ret;
}

static const char *const number_fields[] = {
	"revision",	 "store_revision", "lag",   "events_applied", "events_skipped",
	"events_failed", "objects",	   "syncs", "relists",	      "reconnects",
};

static int agent_status(struct nv_ctx *ctx, const struct nv_args *args)
{
	char path[4200];
	json_t *st;
	int err;

	(void)args;
	if ((err = nv_agent_status_path(ctx->pin_dir, path, sizeof(path))))
		return nv_errno_error(ctx, -err, "agent status");
	err = nv_agent_status_read(path, &st);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "agent status: no agent is running for %s (no %s)",
					ctx->pin_dir, path);
	if (err)
		return nv_errno_error(ctx, -err, "agent status: %s", path);
	nv_out_begin(ctx, false);
	nv_print_bool(ctx, "running", "running:         %s\n",
		      json_is_true(json_object_get(st, "running")));
	nv_print_int(ctx, "pid", "pid:             %lld\n",
		     json_integer_value(json_object_get(st, "pid")));
	for (const char *const *k =
		     (const char *const[]){ "state", "endpoint", "prefix", "host", NULL };
	     *k; k++) {
		char fmt[64];

		snprintf(fmt, sizeof(fmt), "%-16s %%s\n", *k);
		fmt[strlen(*k)] = ':';
		nv_print_string(ctx, *k, fmt, json_string_value(json_object_get(st, *k)) ?: "");
	}
	for (size_t i = 0; i < NV_ARRAY_SIZE(number_fields); i++) {
		char fmt[64];

		snprintf(fmt, sizeof(fmt), "%-16s %%lld\n", number_fields[i]);
		fmt[strlen(number_fields[i])] = ':';
		nv_print_int(ctx, number_fields[i], fmt,
			     json_integer_value(json_object_get(st, number_fields[i])));
	}
	nv_print_string(ctx, "last_error", "last_error:      %s\n",
			json_string_value(json_object_get(st, "last_error")) ?: "");
	nv_print_int(ctx, "last_error_time", "last_error_time: %lld\n",
		     json_integer_value(json_object_get(st, "last_error_time")));
	json_decref(st);
	nv_out_end(ctx);
	return NV_EXIT_OK;
}

const struct nv_cmd nv_agent_cmds[] = {
	NV_CMD("run", run_args,
	       "follow a prefix of an etcd store: list it, apply it, watch it and apply every "
	       "change, until SIGINT or SIGTERM",
	       agent_run, 0),
	NV_CMD_NOARGS("status",
		      "what the running agent has applied: revision, lag, events, last error",
		      agent_status, NV_CMD_DEFAULT),
	{ 0 },
};
