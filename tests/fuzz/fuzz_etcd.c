// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What nvctl agent takes from etcd: the JSON gateway's answers (loader/nv_etcd_codec.c: range,
 * watch, auth, base64, int64 strings, the watch stream cut into lines) and the agent's keys and
 * values (loader/nv_agent.c). The first byte picks the parser, the rest is its input:
 *   0 range answer, its keys and values then read by the agent (prefix /nv/, host h1)
 *   1 watch answer, likewise its events
 *   2 auth answer
 *   3 base64 text
 *   4 a watch stream: a line limit, a stop line and up to 8 cut points, then the bytes
 *   5 an agent key
 *   6 an agent key, a NUL, its value
 *   7 a key prefix and a user\0password for the requests the agent writes
 * Oracles: what parses, encoded again, parses the same (answers, base64, keys, objects); a
 * refusal says why and leaves nothing to free; the lines of a stream and where it stops do not
 * depend on where it is cut, and are its \n-separated lines (none longer than the limit).
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "nv_agent.h"
#include "nv_etcd_codec.h"
#include "nv_policy_json.h"

#define PREFIX "/nv/"
#define HOST   "h1"

static char *b64(const void *data, size_t len)
{
	char *s;

	FUZZ_CHECK(!nv_etcd_b64_encode(data, len, &s), "b64 encode of %zu bytes", len);
	FUZZ_CHECK(strlen(s) == (len + 2) / 3 * 4, "b64 of %zu bytes: %zu chars", len, strlen(s));
	return s;
}

/* An etcd kv as the gateway writes it. */
static json_t *kv_json(const struct nv_etcd_kv *kv)
{
	char *k = b64(kv->key, strlen(kv->key)), *v = b64(kv->value, kv->value_len), rev[24];
	json_t *o;

	snprintf(rev, sizeof(rev), "%" PRId64, kv->mod_revision);
	o = json_pack("{s:s, s:s, s:s}", "key", k, "value", v, "mod_revision", rev);
	FUZZ_CHECK(o, "kv to JSON");
	free(k);
	free(v);
	return o;
}

static void check_kv(const struct nv_etcd_kv *kv)
{
	FUZZ_CHECK(kv->key && kv->value, "kv without key or value");
	FUZZ_CHECK(kv->value[kv->value_len] == '\0', "value not terminated");
}

static void same_kv(const struct nv_etcd_kv *a, const struct nv_etcd_kv *b)
{
	FUZZ_CHECK(!strcmp(a->key, b->key), "key \"%s\" then \"%s\"", a->key, b->key);
	FUZZ_CHECK(a->value_len == b->value_len && !memcmp(a->value, b->value, a->value_len),
		   "key %s: value differs", a->key);
	FUZZ_CHECK(a->mod_revision == b->mod_revision, "key %s: mod_revision", a->key);
}

static char *dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	FUZZ_CHECK(s, "JSON dump");
	json_decref(o);
	return s;
}

static json_t *int64_json(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

/* One object of the agent's key layout: its key, and (value non-NULL) its value. */
static void agent_read(const char *key, const char *value, size_t len)
{
	struct nv_agent_object o, again;
	char err[256] = "", canon[NV_AGENT_KEY_MAX], *text;
	json_t *j;
	int ret = nv_agent_key_parse(key, HOST, &o, err, sizeof(err));

	FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL || ret == -ENODEV, "key %s: %d", key,
		   ret);
	/* Another host's: "hosts/NAME" and on, with a NAME that is not ours. */
	FUZZ_CHECK(ret <= 0 || (!strncmp(key, "hosts/", 6) && strcspn(key + 6, "/") &&
				(strcspn(key + 6, "/") != strlen(HOST) ||
				 strncmp(key + 6, HOST, strlen(HOST)))),
		   "key %s: another host's?", key);
	FUZZ_CHECK(ret >= 0 || err[0], "key %s refused without a reason", key);
	if (!ret) {
		FUZZ_CHECK(!nv_agent_key_format(&o, HOST, canon, sizeof(canon)) &&
				   !strcmp(canon, key),
			   "key %s prints as %s", key, canon);
		FUZZ_CHECK(o.kind < NV_POLICY__KINDS, "key %s: kind %d", key, o.kind);
	}
	if (!value)
		return;
	err[0] = '\0';
	ret = nv_agent_value_read(key, value, len, HOST, &o, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EINVAL || ret == -ENODEV, "value of %s: %d", key,
		   ret);
	FUZZ_CHECK(ret >= 0 || err[0], "value of %s refused without a reason", key);
	if (ret)
		return;
	/* The object makes its key, and its value written again reads back the same. */
	FUZZ_CHECK(!nv_agent_key_format(&o, HOST, canon, sizeof(canon)) && !strcmp(canon, key),
		   "the value of %s makes %s", key, canon);
	j = nv_policy_json_object(o.kind, &o.e);
	FUZZ_CHECK(j, "object to JSON");
	text = dump(j);
	FUZZ_CHECK(!nv_agent_value_read(key, text, strlen(text), HOST, &again, err, sizeof(err)),
		   "%s: %s reads back as: %s", key, text, err);
	FUZZ_CHECK(again.kind == o.kind && !memcmp(&again.e, &o.e, sizeof(o.e)),
		   "%s: %s reads back otherwise", key, text);
	free(text);
}

static void agent_kv(const struct nv_etcd_kv *kv, bool deleted)
{
	if (strncmp(kv->key, PREFIX, strlen(PREFIX)))
		return;
	agent_read(kv->key + strlen(PREFIX), deleted ? NULL : kv->value, kv->value_len);
}

static void check_refusal(int ret, int code, const char *err)
{
	FUZZ_CHECK(ret == -EINVAL || ret == -EREMOTEIO || ret == -ENOMEM, "ret %d", ret);
	FUZZ_CHECK(ret == -EREMOTEIO || !code, "code %d without an error answer", code);
	FUZZ_CHECK(ret == -ENOMEM || err[0], "refused without a reason");
}

static void fuzz_range(const char *text, size_t len)
{
	struct nv_etcd_range r, back;
	char err[256] = "", *again;
	json_t *o, *kvs;
	int code = -1, ret = nv_etcd_range_parse(text, len, &r, &code, err, sizeof(err));

	if (ret) {
		check_refusal(ret, code, err);
		FUZZ_CHECK(!r.kvs && !r.nkvs, "a refused answer left kvs");
		return;
	}
	FUZZ_CHECK(!code, "code %d in a good answer", code);
	kvs = json_array();
	for (size_t i = 0; i < r.nkvs; i++) {
		check_kv(&r.kvs[i]);
		json_array_append_new(kvs, kv_json(&r.kvs[i]));
		agent_kv(&r.kvs[i], false);
	}
	o = json_pack("{s:{s:o}, s:o, s:b, s:o}", "header", "revision", int64_json(r.revision),
		      "kvs", kvs, "more", r.more, "count", int64_json(r.count));
	FUZZ_CHECK(o, "range to JSON");
	again = dump(o);
	FUZZ_CHECK(!nv_etcd_range_parse(again, strlen(again), &back, &code, err, sizeof(err)),
		   "%s: %s", again, err);
	FUZZ_CHECK(back.revision == r.revision && back.more == r.more && back.count == r.count &&
			   back.nkvs == r.nkvs,
		   "%s reads back otherwise", again);
	for (size_t i = 0; i < r.nkvs; i++)
		same_kv(&r.kvs[i], &back.kvs[i]);
	nv_etcd_range_free(&back);
	nv_etcd_range_free(&r);
	free(again);
}

static void fuzz_watch(const char *text, size_t len)
{
	struct nv_etcd_watch w, back;
	char err[256] = "", *again;
	json_t *o, *events;
	int code = -1, ret = nv_etcd_watch_parse(text, len, &w, &code, err, sizeof(err));

	if (ret) {
		check_refusal(ret, code, err);
		FUZZ_CHECK(!w.events && !w.nevents, "a refused answer left events");
		return;
	}
	events = json_array();
	for (size_t i = 0; i < w.nevents; i++) {
		json_t *ev = json_pack("{s:o}", "kv", kv_json(&w.events[i].kv));

		check_kv(&w.events[i].kv);
		if (w.events[i].deleted)
			json_object_set_new(ev, "type", json_string("DELETE"));
		json_array_append_new(events, ev);
		agent_kv(&w.events[i].kv, w.events[i].deleted);
	}
	o = json_pack("{s:{s:{s:o}, s:b, s:b, s:o, s:o}}", "result", "header", "revision",
		      int64_json(w.revision), "created", w.created, "canceled", w.canceled,
		      "compact_revision", int64_json(w.compact_revision), "events", events);
	FUZZ_CHECK(o, "watch to JSON");
	again = dump(o);
	FUZZ_CHECK(!nv_etcd_watch_parse(again, strlen(again), &back, &code, err, sizeof(err)),
		   "%s: %s", again, err);
	FUZZ_CHECK(back.revision == w.revision && back.created == w.created &&
			   back.canceled == w.canceled &&
			   back.compact_revision == w.compact_revision && back.nevents == w.nevents,
		   "%s reads back otherwise", again);
	for (size_t i = 0; i < w.nevents; i++) {
		FUZZ_CHECK(back.events[i].deleted == w.events[i].deleted, "event %zu type", i);
		same_kv(&w.events[i].kv, &back.events[i].kv);
	}
	nv_etcd_watch_free(&back);
	nv_etcd_watch_free(&w);
	free(again);
}

static void fuzz_auth(const char *text, size_t len)
{
	char err[256] = "", *token = (char *)"unset";
	int code = -1, ret = nv_etcd_auth_parse(text, len, &token, &code, err, sizeof(err));

	if (ret) {
		check_refusal(ret, code, err);
		FUZZ_CHECK(!token, "a refused answer left a token");
		return;
	}
	FUZZ_CHECK(token && *token, "an empty token");
	free(token);
}

static void fuzz_b64(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size), *out, *again, *enc;
	size_t len, len2;
	int ret = nv_etcd_b64_decode(text, &out, &len);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "decode: %d", ret);
	if (!ret) {
		FUZZ_CHECK(out[len] == '\0', "decoded bytes not terminated");
		enc = b64(out, len);
		FUZZ_CHECK(!nv_etcd_b64_decode(enc, &again, &len2) && len2 == len &&
				   !memcmp(again, out, len),
			   "%s: decoded, encoded, decoded otherwise", text);
		free(again);
		free(enc);
		free(out);
	} else {
		FUZZ_CHECK(!out, "a refused decode left bytes");
	}
	/* Any bytes: encoded, decoded the same. */
	enc = b64(data, size);
	FUZZ_CHECK(!nv_etcd_b64_decode(enc, &out, &len) && len == size &&
			   (!size || !memcmp(out, data, size)),
		   "%zu bytes: encoded, decoded otherwise", size);
	free(out);
	free(enc);
	free(text);
}

/* ---- the watch stream ---- */

struct seen {
	char *buf; /* the lines, each as its length then its bytes */
	size_t len, cap;
	size_t n, stop_at;
};

static void seen_add(struct seen *s, const char *line, size_t len)
{
	if (s->len + len + sizeof(len) > s->cap) {
		s->cap = (s->len + len + sizeof(len)) * 2;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			abort();
	}
	memcpy(s->buf + s->len, &len, sizeof(len));
	memcpy(s->buf + s->len + sizeof(len), line, len);
	s->len += sizeof(len) + len;
}

static int on_line(const char *line, size_t len, void *arg)
{
	struct seen *s = arg;

	FUZZ_CHECK(!memchr(line, '\n', len), "a line with a newline");
	seen_add(s, line, len);
	return ++s->n == s->stop_at ? 99 : 0;
}

static void fuzz_lines(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct nv_etcd_lines l = { .max = fuzz_u8(&in) };
	size_t ncuts = fuzz_u8(&in) % 9, cut[10], max = l.max ?: 64u << 20, start = 0, tail;
	struct seen got = { .stop_at = fuzz_u8(&in) }, want = { .stop_at = got.stop_at };
	int ret = 0, ret_want = 0;

	for (size_t i = 0; i < ncuts; i++)
		cut[i] = fuzz_u16(&in);
	data = in.p;
	size = in.n;
	for (size_t i = 0; i < ncuts; i++)
		cut[i] = size ? cut[i] % (size + 1) : 0;
	cut[ncuts++] = size;
	/* The stream in chunks: from one cut to the next (cuts in any order: sorted here). */
	for (size_t i = 1; i < ncuts; i++)
		for (size_t j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	for (size_t i = 0, from = 0; i < ncuts && !ret; from = cut[i++])
		ret = nv_etcd_lines_feed(&l, (const char *)data + from, cut[i] - from, on_line,
					 &got);
	/* What the stream holds: its lines, in order, each at most max bytes. */
	for (size_t i = 0; i < size && !ret_want; i++) {
		if (data[i] != '\n')
			continue;
		if (i - start > max) {
			ret_want = -E2BIG;
			break;
		}
		ret_want = on_line((const char *)data + start, i - start, &want);
		start = i + 1;
	}
	tail = size - start;
	if (!ret_want && tail > max)
		ret_want = -E2BIG;
	FUZZ_CHECK(ret == ret_want, "the stream in %zu chunks gives %d, its lines %d", ncuts, ret,
		   ret_want);
	FUZZ_CHECK(got.n == want.n && got.len == want.len &&
			   (!got.len || !memcmp(got.buf, want.buf, got.len)),
		   "the stream in %zu chunks gives %zu lines, its lines are %zu", ncuts, got.n,
		   want.n);
	FUZZ_CHECK(ret || l.len == tail, "%zu bytes kept of a %zu-byte last line", l.len, tail);
	nv_etcd_lines_free(&l);
	free(got.buf);
	free(want.buf);
}

/* ---- keys ---- */

static void fuzz_value(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *key = fuzz_str(data, nul ? (size_t)(nul - data) : size);
	size_t vlen = nul ? size - (size_t)(nul - data) - 1 : 0;
	char *value = fuzz_str(nul ? nul + 1 : data, vlen);

	agent_read(key, value, vlen);
	free(key);
	free(value);
}

static void fuzz_requests(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *key = fuzz_str(data, nul ? (size_t)(nul - data) : size), *end, *body, *k;
	char *user = fuzz_str(nul ? nul + 1 : data, nul ? size - (size_t)(nul - data) - 1 : 0);
	char *password = user + strlen(user);
	size_t klen = strlen(key), len;
	json_error_t jerr;
	json_t *o;

	if (password < user + (nul ? size - (size_t)(nul - data) - 1 : 0))
		password++; /* after the user's NUL */
	/* The end of a prefix's range: above every key that starts with it, below the others. */
	end = nv_etcd_prefix_end(key);
	FUZZ_CHECK(end, "prefix end");
	if (*end) {
		FUZZ_CHECK(strcmp(end, key) > 0 && strncmp(end, key, strlen(end)),
			   "prefix end of \"%s\"", key);
		FUZZ_CHECK(strlen(end) <= klen, "prefix end longer than the prefix");
	}
	body = nv_etcd_range_request(key, end, size, -(int64_t)size);
	FUZZ_CHECK(body, "range request");
	o = json_loads(body, 0, &jerr);
	FUZZ_CHECK(o && !nv_etcd_b64_decode(json_string_value(json_object_get(o, "key")), &k, &len),
		   "range request %s", body);
	FUZZ_CHECK(len == klen && !memcmp(k, key, len), "range request names another key");
	free(k);
	json_decref(o);
	free(body);
	body = nv_etcd_watch_request(key, end, (int64_t)size);
	FUZZ_CHECK(body, "watch request");
	free(body);
	/* A user or password that is not UTF-8 makes no request (NULL), never a bad one. */
	body = nv_etcd_auth_request(user, password);
	if (body) {
		o = json_loads(body, 0, &jerr);
		FUZZ_CHECK(o && !strcmp(json_string_value(json_object_get(o, "name")), user) &&
				   !strcmp(json_string_value(json_object_get(o, "password")),
					   password),
			   "auth request %s", body);
		json_decref(o);
		free(body);
	}
	free(end);
	free(key);
	free(user);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *key;

	if (!size)
		return 0;
	switch (data[0] % 8) {
	case 0:
		fuzz_range((const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_watch((const char *)data + 1, size - 1);
		break;
	case 2:
		fuzz_auth((const char *)data + 1, size - 1);
		break;
	case 3:
		fuzz_b64(data + 1, size - 1);
		break;
	case 4:
		fuzz_lines(data + 1, size - 1);
		break;
	case 5:
		key = fuzz_str(data + 1, size - 1);
		agent_read(key, NULL, 0);
		free(key);
		break;
	case 6:
		fuzz_value(data + 1, size - 1);
		break;
	default:
		fuzz_requests(data + 1, size - 1);
		break;
	}
	return 0;
}
