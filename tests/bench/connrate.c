// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * New TCP connections per second, for the gateway bench (tests/bench/gateway.sh): a client that
 * opens connections as fast as the path lets it, and a server that answers each with one byte
 * and closes. A standalone binary (build/tests/connrate), no library of the project.
 *
 *   connrate server ADDR PORT [THREADS]
 *       THREADS (default: the CPUs) threads, each with its own SO_REUSEPORT listener on
 *       ADDR:PORT: accept, write one byte, close. Runs until killed.
 *   connrate client ADDR PORT SECS [WORKERS [INFLIGHT]]
 *       WORKERS threads (default: the CPUs), each keeping INFLIGHT (default 64) non-blocking
 *       connections to ADDR:PORT open at a time, for SECS seconds. A connection completes when
 *       the server's byte and its FIN have arrived; the client then closes too (so the server
 *       holds the TIME-WAIT, not the client: the client's ports come free at once). Prints one
 *       JSON line: completed connections, their rate per second, errors (refused, reset, a
 *       socket or connect() that failed, a connection older than STALL_NS aborted), connections
 *       that took more than SLOW_NS (a SYN or FIN retransmitted: a loss on the path), the
 *       slowest one, and the median and 99th percentile of the connection times.
 *
 * Exit status: 0, or 1 on a usage or setup error (a listener that cannot bind, no thread).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS  64
#define MAX_INFLIGHT 1024
#define SLOW_NS	     200000000ll  /* 200 ms: more than any RTT here, less than a SYN retransmit */
#define STALL_NS     5000000000ll /* a connection still open after 5 s is given up */
#define LAT_BUCKETS  4096	  /* connection-time histogram: 10 us buckets up to 40.96 ms */
#define LAT_BUCKET   10000ll

static struct sockaddr_in dst;
static int64_t t_end;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 && n <= MAX_THREADS ? (int)n : 1;
}

static int parse_addr(const char *addr, const char *port, struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (*end || p <= 0 || p > 65535 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		return -1;
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

/* ---- server ---- */

static void *serve(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				continue;
			perror("accept");
			exit(1);
		}
		if (write(fd, "x", 1) < 0) {
			/* the client went away first: nothing to answer */
		}
		close(fd);
	}
	return NULL;
}

static int server(int nthreads)
{
	pthread_t t[MAX_THREADS];
	int one = 1;

	for (int i = 0; i < nthreads; i++) {
		int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
		    bind(lfd, (struct sockaddr *)&dst, sizeof(dst)) || listen(lfd, 4096)) {
			perror("connrate server: listen");
			return 1;
		}
		if (pthread_create(&t[i], NULL, serve, (void *)(intptr_t)lfd)) {
			fprintf(stderr, "connrate server: no thread\n");
			return 1;
		}
	}
	pthread_join(t[0], NULL);
	return 0;
}

/* ---- client ---- */

struct conn {
	int fd;
	int got; /* bytes of the server's answer read */
	int64_t start;
};

struct worker {
	pthread_t thread;
	int inflight;
	uint64_t completed, errors, slow;
	int64_t max_ns;
	uint64_t lat[LAT_BUCKETS + 1]; /* the last bucket: LAT_BUCKETS * LAT_BUCKET and over */
};

/* A new connection in slot c (fd -1 when socket() or connect() failed: counted, retried later). */
static void conn_open(struct worker *w, int ep, struct conn *c, int idx)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = (uint32_t)idx };

	c->got = 0;
	c->start = now_ns();
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS)
		goto fail;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
		goto fail;
	return;
fail:
	w->errors++;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void conn_done(struct worker *w, struct conn *c, int ok, int64_t t)
{
	int64_t d = t - c->start;

	close(c->fd); /* also takes it out of the epoll set */
	c->fd = -1;
	if (!ok) {
		w->errors++;
		return;
	}
	w->completed++;
	if (d > SLOW_NS)
		w->slow++;
	if (d > w->max_ns)
		w->max_ns = d;
	w->lat[d / LAT_BUCKET < LAT_BUCKETS ? d / LAT_BUCKET : LAT_BUCKETS]++;
}

/* What arrived on c: 1 when the connection is over (answered and closed, or failed). */
static int conn_read(struct worker *w, struct conn *c, uint32_t events)
{
	char buf[64];
	ssize_t n;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			c->got += (int)n;
			continue;
		}
		if (n == 0) { /* the server's FIN */
			conn_done(w, c, c->got > 0, now_ns());
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && !(events & (EPOLLERR | EPOLLHUP)))
			return 0;
		conn_done(w, c, 0, now_ns()); /* refused, reset */
		return 1;
	}
}

static void *client_worker(void *arg)
{
	struct worker *w = arg;
	struct conn *c = calloc((size_t)w->inflight, sizeof(*c));
	struct epoll_event ev[64];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int64_t t = now_ns(), last_sweep = t;

	if (!c || ep < 0) {
		fprintf(stderr, "connrate client: no memory or epoll\n");
		exit(1);
	}
	for (int i = 0; i < w->inflight; i++)
		conn_open(w, ep, &c[i], i);
	while ((t = now_ns()) < t_end) {
		int n = epoll_wait(ep, ev, 64, 10);

		t = now_ns();
		for (int i = 0; i < n; i++) {
			uint32_t idx = ev[i].data.u32;

			if (c[idx].fd >= 0 && conn_read(w, &c[idx], ev[i].events) && t < t_end)
				conn_open(w, ep, &c[idx], (int)idx);
		}
		if (t - last_sweep < 100000000ll)
			continue;
		/* Every 100 ms: slots whose socket() or connect() failed, connections stalled. */
		last_sweep = t;
		for (int i = 0; i < w->inflight && t < t_end; i++) {
			if (c[i].fd >= 0 && t - c[i].start > STALL_NS)
				conn_done(w, &c[i], 0, t);
			if (c[i].fd < 0)
				conn_open(w, ep, &c[i], i);
		}
	}
	for (int i = 0; i < w->inflight; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	close(ep);
	free(c);
	return NULL;
}

/* The connection time below which a fraction q of the completed connections took, in ms. */
static double lat_quantile(const uint64_t *lat, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total), seen = 0;

	for (int b = 0; b <= LAT_BUCKETS; b++) {
		seen += lat[b];
		if (seen > want)
			return (double)((b + 1) * LAT_BUCKET) / 1e6;
	}
	return (double)(LAT_BUCKETS * LAT_BUCKET) / 1e6;
}

static int client(double secs, int nworkers, int inflight)
{
	static struct worker w[MAX_THREADS];
	static uint64_t lat[LAT_BUCKETS + 1];
	uint64_t completed = 0, errors = 0, slow = 0;
	int64_t t0, elapsed, max_ns = 0;

	t0 = now_ns();
	t_end = t0 + (int64_t)(secs * 1e9);
	for (int i = 0; i < nworkers; i++) {
		w[i].inflight = inflight;
		if (pthread_create(&w[i].thread, NULL, client_worker, &w[i])) {
			fprintf(stderr, "connrate client: no thread\n");
			return 1;
		}
	}
	for (int i = 0; i < nworkers; i++) {
		pthread_join(w[i].thread, NULL);
		completed += w[i].completed;
		errors += w[i].errors;
		slow += w[i].slow;
		if (w[i].max_ns > max_ns)
			max_ns = w[i].max_ns;
		for (int b = 0; b <= LAT_BUCKETS; b++)
			lat[b] += w[i].lat[b];
	}
	elapsed = now_ns() - t0;
	printf("{\"seconds\": %.3f, \"workers\": %d, \"inflight\": %d, \"completed\": %llu, "
	       "\"per_second\": %.1f, \"errors\": %llu, \"slow\": %llu, \"max_ms\": %.3f, "
	       "\"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
	       (double)elapsed / 1e9, nworkers, inflight, (unsigned long long)completed,
	       (double)completed * 1e9 / (double)elapsed, (unsigned long long)errors,
	       (unsigned long long)slow, (double)max_ns / 1e6, lat_quantile(lat, completed, 0.5),
	       lat_quantile(lat, completed, 0.99));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: connrate server ADDR PORT [THREADS]\n"
			"       connrate client ADDR PORT SECS [WORKERS [INFLIGHT]]\n");
	return 1;
}

int main(int argc, char **argv)
{
	int n = ncpus();

	if (argc < 4 || parse_addr(argv[2], argv[3], &dst))
		return usage();
	if (!strcmp(argv[1], "server") && argc <= 5) {
		if (argc == 5)
			n = atoi(argv[4]);
		if (n < 1 || n > MAX_THREADS)
			return usage();
		return server(n);
	}
	if (!strcmp(argv[1], "client") && argc >= 5 && argc <= 7) {
		double secs = atof(argv[4]);
		int inflight = argc == 7 ? atoi(argv[6]) : 64;

		if (argc >= 6)
			n = atoi(argv[5]);
		if (secs <= 0 || n < 1 || n > MAX_THREADS || inflight < 1 ||
		    inflight > MAX_INFLIGHT)
			return usage();
		return client(secs, n, inflight);
	}
	return usage();
}
