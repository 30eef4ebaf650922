// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <resolv.h> /* b64_ntop, b64_pton: glibc's base64 (libresolv) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_etcd_codec.h"

#define LINE_MAX_DEFAULT (64u << 20)

int nv_etcd_b64_encode(const void *data, size_t len, char **out)
{
	size_t size = (len + 2) / 3 * 4 + 1;

	*out = malloc(size);
	if (!*out)
		return -ENOMEM;
	if (b64_ntop(data, len, *out, size) < 0) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

int nv_etcd_b64_decode(const char *text, char **out, size_t *len)
{
	size_t size = strlen(text) / 4 * 3 + 3;
	int n;

	*out = malloc(size + 1);
	if (!*out)
		return -ENOMEM;
	n = b64_pton(text, (unsigned char *)*out, size);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int nv_etcd_int64(const json_t *v, int64_t *out)
{
	const char *s;
	char *end;

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (!*s)
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

char *nv_etcd_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	/* The last byte that is not 0xff, plus one, and nothing after it (etcd's clientv3 rule). */
	while (end && n--) {
		if ((unsigned char)end[n] != 0xff) {
			end[n]++;
			end[n + 1] = '\0';
			return end;
		}
	}
	if (end) /* all 0xff (or empty): every key from prefix on, which etcd spells "\0" */
		end[0] = '\0';
	return end;
}

/* obj[name] = base64 of s; 0 or -ENOMEM. */
static int set_bytes(json_t *obj, const char *name, const char *s, size_t len)
{
	char *b64;

	if (nv_etcd_b64_encode(s, len, &b64))
		return -ENOMEM;
	if (json_object_set_new(obj, name, json_string(b64))) {
		free(b64);
		return -ENOMEM;
	}
	free(b64);
	return 0;
}

static int set_int64(json_t *obj, const char *name, int64_t v)
{
	char buf[24];

	if (!v)
		return 0;
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_object_set_new(obj, name, json_string(buf)) ? -ENOMEM : 0;
}

/* A range_end of "" means "\0" to etcd (from key on), given as one zero byte. */
static int set_range(json_t *obj, const char *key, const char *range_end)
{
	return set_bytes(obj, "key", key, strlen(key))
		       ?: set_bytes(obj, "range_end", range_end,
				    *range_end ? strlen(range_end) : 1);
}

static char *dump(json_t *o, int err)
{
	char *s = err ? NULL : json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

char *nv_etcd_range_request(const char *key, const char *range_end, int64_t limit, int64_t revision)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	return dump(o, set_range(o, key, range_end) ?: set_int64(o, "limit", limit)
						      ?: set_int64(o, "revision", revision));
}

char *nv_etcd_watch_request(const char *key, const char *range_end, int64_t start_revision)
{
	json_t *o = json_object(), *c = json_object();
	int err;

	if (!o || !c) {
		json_decref(o);
		json_decref(c);
		return NULL;
	}
	err = set_range(c, key, range_end) ?: set_int64(c, "start_revision", start_revision);
	if (json_object_set_new(o, "create_request", c))
		err = -ENOMEM;
	return dump(o, err);
}

char *nv_etcd_auth_request(const char *user, const char *password)
{
	json_t *o = json_pack("{s:s, s:s}", "name", user, "password", password);

	return o ? dump(o, 0) : NULL;
}

/* Parses text as one JSON object; an error answer of etcd becomes -EREMOTEIO with its code. */
static int load(const char *text, size_t len, json_t **doc, int *code, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *e, *msg;

	*code = 0;
	*doc = json_loadb(text, len, 0, &jerr);
	if (!*doc) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(*doc)) {
		snprintf(err, errlen, "not a JSON object");
		goto bad;
	}
	/* Two shapes: a unary call's {"error": "...", "code": N, "message": "..."}, and a stream's
	 * {"error": {"grpc_code": N, "message": "..."}}. */
	e = json_object_get(*doc, "error");
	if (!e)
		return 0;
	if (json_is_object(e)) {
		*code = (int)json_integer_value(json_object_get(e, "grpc_code"));
		msg = json_object_get(e, "message");
	} else {
		*code = (int)json_integer_value(json_object_get(*doc, "code"));
		msg = json_object_get(*doc, "message") ?: e;
	}
	/* Never an empty reason: the agent logs it. */
	snprintf(err, errlen, "%s",
		 json_is_string(msg) && *json_string_value(msg) ? json_string_value(msg) : "error");
	json_decref(*doc);
	*doc = NULL;
	return -EREMOTEIO;
bad:
	json_decref(*doc);
	*doc = NULL;
	return -EINVAL;
}

static int header_revision(const json_t *o, int64_t *rev, char *err, size_t errlen)
{
	if (nv_etcd_int64(json_object_get(json_object_get(o, "header"), "revision"), rev)) {
		snprintf(err, errlen, "header.revision: not an int64");
		return -EINVAL;
	}
	return 0;
}

static int bytes_field(const json_t *o, const char *name, bool required, char **out, size_t *len,
		       char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, name);
	int ret;

	*out = NULL;
	*len = 0;
	if (!v || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "%s: missing", name);
			return -EINVAL;
		}
		*out = strdup("");
		return *out ? 0 : -ENOMEM;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: not a string", name);
		return -EINVAL;
	}
	ret = nv_etcd_b64_decode(json_string_value(v), out, len);
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s: not base64", name);
	return ret;
}

static int parse_kv(const json_t *o, struct nv_etcd_kv *kv, char *err, size_t errlen)
{
	size_t klen;
	int ret;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "kv: not an object");
		return -EINVAL;
	}
	ret = bytes_field(o, "key", true, &kv->key, &klen, err, errlen)
		      ?: bytes_field(o, "value", false, &kv->value, &kv->value_len, err, errlen);
	if (!ret && strlen(kv->key) != klen) {
		snprintf(err, errlen, "key: has a NUL byte");
		ret = -EINVAL;
	}
	if (!ret && nv_etcd_int64(json_object_get(o, "mod_revision"), &kv->mod_revision)) {
		snprintf(err, errlen, "mod_revision: not an int64");
		ret = -EINVAL;
	}
	return ret;
}

static void kv_free(struct nv_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

int nv_etcd_range_parse(const char *text, size_t len, struct nv_etcd_range *r, int *code, char *err,
			size_t errlen)
{
	json_t *doc, *kvs, *more, *kv;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = load(text, len, &doc, code, err, errlen);
	if (ret)
		return ret;
	ret = header_revision(doc, &r->revision, err, errlen);
	more = json_object_get(doc, "more");
	if (!ret && more && !json_is_boolean(more)) {
		snprintf(err, errlen, "more: not a boolean");
		ret = -EINVAL;
	}
	r->more = more && json_is_true(more);
	if (!ret && nv_etcd_int64(json_object_get(doc, "count"), &r->count)) {
		snprintf(err, errlen, "count: not an int64");
		ret = -EINVAL;
	}
	kvs = json_object_get(doc, "kvs");
	if (!ret && kvs && !json_is_array(kvs)) {
		snprintf(err, errlen, "kvs: not an array");
		ret = -EINVAL;
	}
	if (!ret && json_array_size(kvs)) {
		r->kvs = calloc(json_array_size(kvs), sizeof(*r->kvs));
		ret = r->kvs ? 0 : -ENOMEM;
	}
	json_array_foreach(kvs, i, kv)
	{
		if (ret)
			break;
		ret = parse_kv(kv, &r->kvs[i], err, errlen);
		r->nkvs = i + 1; /* the one that failed too: freed with the rest */
	}
	json_decref(doc);
	if (ret)
		nv_etcd_range_free(r);
	return ret;
}

static int parse_event(const json_t *o, struct nv_etcd_event *ev, char *err, size_t errlen)
{
	const json_t *type = json_object_get(o, "type");

	if (!json_is_object(o)) {
		snprintf(err, errlen, "event: not an object");
		return -EINVAL;
	}
	/* Enum values come as names ("DELETE"); PUT, the default, is left out. */
	if (type && !(json_is_string(type) && (!strcmp(json_string_value(type), "PUT") ||
					       !strcmp(json_string_value(type), "DELETE")))) {
		snprintf(err, errlen, "event type: not PUT or DELETE");
		return -EINVAL;
	}
	ev->deleted = type && !strcmp(json_string_value(type), "DELETE");
	return parse_kv(json_object_get(o, "kv"), &ev->kv, err, errlen);
}

int nv_etcd_watch_parse(const char *text, size_t len, struct nv_etcd_watch *w, int *code, char *err,
			size_t errlen)
{
	json_t *doc, *res, *events, *ev;
	size_t i;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = load(text, len, &doc, code, err, errlen);
	if (ret)
		return ret;
	res = json_object_get(doc, "result");
	if (!json_is_object(res)) {
		snprintf(err, errlen, "result: missing");
		json_decref(doc);
		return -EINVAL;
	}
	ret = header_revision(res, &w->revision, err, errlen);
	w->created = json_is_true(json_object_get(res, "created"));
	w->canceled = json_is_true(json_object_get(res, "canceled"));
	if (!ret && nv_etcd_int64(json_object_get(res, "compact_revision"), &w->compact_revision)) {
		snprintf(err, errlen, "compact_revision: not an int64");
		ret = -EINVAL;
	}
	events = json_object_get(res, "events");
	if (!ret && events && !json_is_array(events)) {
		snprintf(err, errlen, "events: not an array");
		ret = -EINVAL;
	}
	if (!ret && json_array_size(events)) {
		w->events = calloc(json_array_size(events), sizeof(*w->events));
		ret = w->events ? 0 : -ENOMEM;
	}
	json_array_foreach(events, i, ev)
	{
		if (ret)
			break;
		ret = parse_event(ev, &w->events[i], err, errlen);
		w->nevents = i + 1;
	}
	json_decref(doc);
	if (ret)
		nv_etcd_watch_free(w);
	return ret;
}

int nv_etcd_auth_parse(const char *text, size_t len, char **token, int *code, char *err,
		       size_t errlen)
{
	json_t *doc, *t;
	int ret = load(text, len, &doc, code, err, errlen);

	*token = NULL;
	if (ret)
		return ret;
	t = json_object_get(doc, "token");
	if (!json_is_string(t) || !*json_string_value(t)) {
		snprintf(err, errlen, "token: missing");
		ret = -EINVAL;
	} else {
		*token = strdup(json_string_value(t));
		ret = *token ? 0 : -ENOMEM;
	}
	json_decref(doc);
	return ret;
}

void nv_etcd_range_free(struct nv_etcd_range *r)
{
	for (size_t i = 0; i < r->nkvs; i++)
		kv_free(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

void nv_etcd_watch_free(struct nv_etcd_watch *w)
{
	for (size_t i = 0; i < w->nevents; i++)
		kv_free(&w->events[i].kv);
	free(w->events);
	memset(w, 0, sizeof(*w));
}

int nv_etcd_lines_feed(struct nv_etcd_lines *l, const char *data, size_t len, nv_etcd_line_fn fn,
		       void *arg)
{
	size_t max = l->max ?: LINE_MAX_DEFAULT, start = 0;
	const char *nl;
	int ret;

	/* Whole lines straight from data while nothing is buffered: no copy in the common case. */
	while (!l->len && len - start && (nl = memchr(data + start, '\n', len - start))) {
		if ((size_t)(nl - data - start) > max)
			return -E2BIG; /* as when the line comes in pieces */
		ret = fn(data + start, (size_t)(nl - data - start), arg);
		start = (size_t)(nl - data) + 1;
		if (ret)
			return ret;
	}
	data += start;
	len -= start;
	while (len) {
		size_t take;

		nl = memchr(data, '\n', len);
		take = nl ? (size_t)(nl - data) : len;
		if (l->len + take > max)
			return -E2BIG;
		if (l->len + take + 1 > l->cap) {
			size_t cap = l->cap ? l->cap : 4096;
			char *p;

			while (cap < l->len + take + 1)
				cap *= 2;
			p = realloc(l->buf, cap);
			if (!p)
				return -ENOMEM;
			l->buf = p;
			l->cap = cap;
		}
		memcpy(l->buf + l->len, data, take);
		l->len += take;
		if (!nl)
			break;
		data += take + 1;
		len -= take + 1;
		l->buf[l->len] = '\0';
		take = l->len;
		l->len = 0;
		ret = fn(l->buf, take, arg);
		if (ret)
			return ret;
	}
	return 0;
}

void nv_etcd_lines_free(struct nv_etcd_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
