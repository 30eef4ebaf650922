/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The HTTP client of nvctl agent for etcd's v3 JSON gateway (loader/nv_etcd_codec.h has the
 * messages): one page of a range, the store's revision, one watch stream, over libcurl loaded with
 * dlopen() (cli/nv_dynlib.h). One connection per client, kept between requests; endpoints in
 * round robin, moved on by the caller (nv_etcd_client_failover) when one fails. Not thread-safe:
 * one client per thread. Returns -errno, prints nothing.
 *
 * Errors, for every request: 0; -EREMOTEIO when etcd answered with an error (*code: gRPC's code,
 * e.g. NV_ETCD_CODE_COMPACTED; err: etcd's message); a transport failure as a negative errno
 * (-ECONNREFUSED, -ETIMEDOUT, -ECONNRESET, -EHOSTUNREACH, -EIO, ...) with err
 * "ENDPOINT: curl's message"; -EPROTO when the answer is none of etcd's (an HTTP status or body
 * of something else: err "ENDPOINT: HTTP 404: not JSON: ..."); -ENOMEM. *code is 0 unless
 * etcd answered with one. The password never appears in err.
 */
#ifndef NV_ETCD_CLIENT_H
#define NV_ETCD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "nv_etcd_codec.h"

struct nv_etcd_conf {
	/* "http://127.0.0.1:2379", "https://h:2379", "[::1]:2379"; no scheme means http:// */
	const char *const *endpoints;
	size_t nendpoints;
	const char *cacert, *cert, *key; /* PEM files for https, or NULL (cacert: the system's) */
	const char *user, *password;	 /* etcd's auth, or NULL */
	long connect_timeout_ms;	 /* 0: 2000 */
};

struct nv_etcd_client;

/*
 * A client of c's endpoints, the first in use (c is copied: nothing of it is kept). 0; -EINVAL
 * for an endpoint that is not http(s)://HOST[:PORT] (err names it); -ENOENT when libcurl is not
 * installed (err says so); -ENOMEM. No connection is made yet. The first call must not race
 * another thread's use of libcurl (it runs curl_global_init()).
 */
int nv_etcd_client_new(const struct nv_etcd_conf *c, struct nv_etcd_client **out, char *err,
		       size_t errlen);
/* Closes the connection and wipes the password; NULL is fine. */
void nv_etcd_client_free(struct nv_etcd_client *c);
/* The endpoint in use, as a URL ("http://127.0.0.1:2379"). */
const char *nv_etcd_client_endpoint(const struct nv_etcd_client *c);
/* Moves to the next endpoint (round robin) and drops the auth token: the next request logs in. */
void nv_etcd_client_failover(struct nv_etcd_client *c);

/*
 * With a user, every request first logs in (POST /v3/auth/authenticate) when it has no token yet
 * and sends the token; an answer that the token is invalid or missing (gRPC 16 Unauthenticated,
 * "invalid auth token", "user name is empty", "revision of auth store is old") logs in again and
 * retries once. A cluster without auth enabled is used without a token. A failed login is the
 * request's error (e.g. -EREMOTEIO code 3 "authentication failed, invalid user ID or password").
 */

/*
 * One page of POST /v3/kv/range over [key, range_end) ("" range_end: every key from key on), at
 * most limit kvs (0: all), at revision (0: the newest). Linearizable; 30 s at most. *r is filled
 * on 0 (free with nv_etcd_range_free), zeroed otherwise. r->more: the next page starts from r's
 * last key, asked at r->revision so that the pages are one snapshot; that key comes again first
 * (the key right after it, itself plus a NUL byte, is no C string): skip it.
 */
int nv_etcd_client_range(struct nv_etcd_client *c, const char *key, const char *range_end,
			 int64_t limit, int64_t revision, struct nv_etcd_range *r, int *code,
			 char *err, size_t errlen);

/*
 * The store's current revision: a linearizable range of the empty interval ["\x01", "\x01")
 * (answers no key, costs nothing). A user without read permission there (not root) gets
 * -EREMOTEIO code 7 "permission denied": range its own prefix with limit 1 instead.
 */
int nv_etcd_client_revision(struct nv_etcd_client *c, int64_t *revision, char *err, size_t errlen);

/*
 * Called with every message of a watch, in order (w is freed after it returns): first the one
 * with w->created, then events; w->canceled with w->compact_revision > 0 means start_revision is
 * compacted (relist, watch again from the list's revision + 1). A non-zero return ends the watch.
 */
typedef int (*nv_etcd_watch_fn)(const struct nv_etcd_watch *w, void *arg);

/*
 * One streaming POST /v3/watch over [key, range_end) from start_revision (0: from now), calling
 * fn for every message until one of these ends it:
 *   fn's non-zero return, returned as is (err untouched);
 *   an error line of etcd, or a watch it refused (created and canceled at once with a
 *   cancel_reason, as for a bad token or no permission; fn is not called): -EREMOTEIO with *code;
 *   a canceled message that fn returned 0 for: -ECANCELED (etcd sends no more on the stream);
 *   *stop != 0 (polled at least every 100 ms; stop may be NULL): -EINTR;
 *   the stream ending (the member stopped or was killed, the server closed it): -ECONNRESET
 *   (also for the error line of a member that stops, Unavailable "transport is closing": *code
 *   is then 14);
 *   a transport failure as for range (TCP keepalive notices a dead peer within about 11 s; a
 *   quiet watch is normal and has no timeout).
 * The login retry above happens only while fn has not been called yet.
 */
int nv_etcd_client_watch(struct nv_etcd_client *c, const char *key, const char *range_end,
			 int64_t start_revision, nv_etcd_watch_fn fn, void *arg, volatile int *stop,
			 int *code, char *err, size_t errlen);

#endif /* NV_ETCD_CLIENT_H */
