/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The messages of etcd's v3 JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/watch,
 * /v3/auth/authenticate), which the agent speaks because Debian packages no C client. The
 * gateway is gRPC's JSON mapping: bytes (keys, values) as base64, int64 as decimal strings, and
 * every field at its default left out (no "kvs" when empty, no "type" for a PUT, no "more" when
 * false). A watch answers with one JSON object per line, in a stream whose chunks split and merge
 * lines anywhere. Pure functions: no I/O.
 */
#ifndef NV_ETCD_CODEC_H
#define NV_ETCD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* gRPC's OutOfRange: the revision asked for has been compacted. */
#define NV_ETCD_CODE_COMPACTED 11

struct nv_etcd_kv {
	char *key;   /* NUL-terminated; a key with a NUL byte is refused */
	char *value; /* value_len bytes, NUL-terminated as well */
	size_t value_len;
	int64_t mod_revision;
};

struct nv_etcd_range {
	int64_t revision; /* the store's, when it answered */
	bool more;	  /* limit cut the answer: ask again from after the last key */
	int64_t count;
	struct nv_etcd_kv *kvs;
	size_t nkvs;
};

struct nv_etcd_event {
	bool deleted; /* DELETE; else PUT */
	struct nv_etcd_kv kv;
};

struct nv_etcd_watch {
	int64_t revision; /* header: the store's revision */
	bool created, canceled;
	int64_t compact_revision; /* > 0: what was asked for is gone; relist */
	struct nv_etcd_event *events;
	size_t nevents;
};

/* base64 of len bytes (*out: malloc'd, NUL-terminated). 0 or -ENOMEM. */
int nv_etcd_b64_encode(const void *data, size_t len, char **out);
/* The bytes of base64 text (*out malloc'd, with a NUL after *len bytes). 0, -EINVAL, -ENOMEM. */
int nv_etcd_b64_decode(const char *text, char **out, size_t *len);
/* An int64 field: a decimal string or a number; absent or null is 0. 0 or -EINVAL. */
int nv_etcd_int64(const json_t *v, int64_t *out);

/* The end of the range of every key that starts with prefix (its last byte plus one). */
char *nv_etcd_prefix_end(const char *prefix);

/* Request bodies (malloc'd JSON text, NULL when out of memory). 0 fields are left out. */
char *nv_etcd_range_request(const char *key, const char *range_end, int64_t limit,
			    int64_t revision);
char *nv_etcd_watch_request(const char *key, const char *range_end, int64_t start_revision);
char *nv_etcd_auth_request(const char *user, const char *password);

/*
 * Answers. 0; -EREMOTEIO when etcd answered with an error (*code gRPC's code, err its message);
 * -EINVAL when the text is not such an answer (err says what); -ENOMEM. Free with _free.
 */
int nv_etcd_range_parse(const char *text, size_t len, struct nv_etcd_range *r, int *code, char *err,
			size_t errlen);
int nv_etcd_watch_parse(const char *text, size_t len, struct nv_etcd_watch *w, int *code, char *err,
			size_t errlen);
int nv_etcd_auth_parse(const char *text, size_t len, char **token, int *code, char *err,
		       size_t errlen);
void nv_etcd_range_free(struct nv_etcd_range *r);
void nv_etcd_watch_free(struct nv_etcd_watch *w);

/* A stream cut into lines: bytes in as they come, every complete line out (without its \n). */
struct nv_etcd_lines {
	char *buf;
	size_t len, cap, max; /* max: the longest line taken (0: 64 MiB) */
};
typedef int (*nv_etcd_line_fn)(const char *line, size_t len, void *arg);
/*
 * Feeds data to l; calls fn for every line it completes, in order, and stops at fn's first
 * non-zero return, which it returns. -E2BIG for a line longer than l->max, -ENOMEM.
 */
int nv_etcd_lines_feed(struct nv_etcd_lines *l, const char *data, size_t len, nv_etcd_line_fn fn,
		       void *arg);
void nv_etcd_lines_free(struct nv_etcd_lines *l);

#endif /* NV_ETCD_CODEC_H */
