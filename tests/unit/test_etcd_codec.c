/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The etcd JSON gateway codec: base64, int64 as strings, fields left out at their default, error
 * answers, and a watch stream cut anywhere. The answers are etcd 3.4.23's own (copied from a real
 * server: etcdctl put, then curl against /v3/kv/range and /v3/watch).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_agent.h"
#include "nv_etcd_codec.h"

#define HDR \
	"\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":\"13668033151171901709\","

static char err[256];
static int code;

Test(etcd_codec, base64_round_trip_of_every_length_and_byte)
{
	unsigned char data[300];
	char *b64, *back;
	size_t len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(data); n += (n < 8 ? 1 : 53)) {
		cr_assert_eq(nv_etcd_b64_encode(data, n, &b64), 0);
		cr_assert_eq(strlen(b64), (n + 2) / 3 * 4);
		cr_assert_eq(nv_etcd_b64_decode(b64, &back, &len), 0);
		cr_assert_eq(len, n);
		cr_assert(!memcmp(back, data, n));
		cr_assert_eq(back[n], '\0');
		free(b64);
		free(back);
	}
	cr_assert_eq(nv_etcd_b64_encode("/nv/x", 5, &b64), 0);
	cr_assert_str_eq(b64, "L252L3g=");
	free(b64);
}

Test(etcd_codec, base64_refuses_what_is_not)
{
	char *out;
	size_t len;

	cr_assert_eq(nv_etcd_b64_decode("L25*L3g=", &out, &len), -EINVAL);
	cr_assert_eq(nv_etcd_b64_decode("L252L3g", &out, &len), -EINVAL); /* cut short */
}

Test(etcd_codec, int64_as_string_number_or_left_out)
{
	json_t *o = json_loads("{\"s\":\"9223372036854775807\",\"n\":42,\"neg\":\"-3\",\"e\":\"\","
			       "\"x\":\"12a\",\"b\":true,\"big\":\"9223372036854775808\"}",
			       0, NULL);
	int64_t v;

	cr_assert_eq(nv_etcd_int64(json_object_get(o, "s"), &v), 0);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "n"), &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "neg"), &v), 0);
	cr_assert_eq(v, -3);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "absent"), &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "e"), &v), -EINVAL);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "x"), &v), -EINVAL);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "b"), &v), -EINVAL);
	cr_assert_eq(nv_etcd_int64(json_object_get(o, "big"), &v), -EINVAL);
	json_decref(o);
}

Test(etcd_codec, prefix_end)
{
	char *e;

	e = nv_etcd_prefix_end("/nv/");
	cr_assert_str_eq(e, "/nv0");
	free(e);
	e = nv_etcd_prefix_end("a\xff\xff");
	cr_assert_str_eq(e, "b");
	free(e);
	e = nv_etcd_prefix_end("\xff");
	cr_assert_str_eq(e, "");
	free(e);
}

/* The JSON a request body holds, as an object. */
static json_t *body(char *text)
{
	json_t *o = json_loads(text, 0, NULL);

	cr_assert(o, "not JSON: %s", text);
	free(text);
	return o;
}

Test(etcd_codec, requests_in_the_gateway_encoding_defaults_left_out)
{
	json_t *o = body(nv_etcd_range_request("/nv/", "/nv0", 500, 77)), *c;

	cr_assert_str_eq(json_string_value(json_object_get(o, "key")), "L252Lw==");
	cr_assert_str_eq(json_string_value(json_object_get(o, "range_end")), "L252MA==");
	cr_assert_str_eq(json_string_value(json_object_get(o, "limit")), "500");
	cr_assert_str_eq(json_string_value(json_object_get(o, "revision")), "77");
	json_decref(o);
	o = body(nv_etcd_range_request("/nv/", "/nv0", 0, 0));
	cr_assert_null(json_object_get(o, "limit"));
	cr_assert_null(json_object_get(o, "revision"));
	json_decref(o);
	/* "" as a range end: every key from key on, one zero byte to etcd. */
	o = body(nv_etcd_range_request("a", "", 0, 0));
	cr_assert_str_eq(json_string_value(json_object_get(o, "range_end")), "AA==");
	json_decref(o);
	o = body(nv_etcd_watch_request("/nv/", "/nv0", 4));
	c = json_object_get(o, "create_request");
	cr_assert_str_eq(json_string_value(json_object_get(c, "key")), "L252Lw==");
	cr_assert_str_eq(json_string_value(json_object_get(c, "start_revision")), "4");
	json_decref(o);
	o = body(nv_etcd_auth_request("agent", "s3cret\"x"));
	cr_assert_str_eq(json_string_value(json_object_get(o, "password")), "s3cret\"x");
	json_decref(o);
}

static const char range_page[] =
	"{" HDR "\"revision\":\"3\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":"
	"\"L252L3JlY29yZHMvNTAwMS8xMC4wLjAuMQ==\",\"create_revision\":\"2\",\"mod_revision\":\"2\","
	"\"version\":\"1\",\"value\":\"eyJhIjoxfQ==\"}],\"more\":true,\"count\":\"2\"}";

Test(etcd_codec, range_page_of_a_real_server)
{
	struct nv_etcd_range r;

	cr_assert_eq(
		nv_etcd_range_parse(range_page, strlen(range_page), &r, &code, err, sizeof(err)), 0,
		"%s", err);
	cr_assert_eq(r.revision, 3);
	cr_assert(r.more);
	cr_assert_eq(r.count, 2);
	cr_assert_eq(r.nkvs, 1);
	cr_assert_str_eq(r.kvs[0].key, "/nv/records/5001/10.0.0.1");
	cr_assert_str_eq(r.kvs[0].value, "{\"a\":1}");
	cr_assert_eq(r.kvs[0].value_len, 7);
	cr_assert_eq(r.kvs[0].mod_revision, 2);
	nv_etcd_range_free(&r);
}

Test(etcd_codec, range_empty_leaves_out_kvs_more_and_count)
{
	static const char empty[] = "{" HDR "\"revision\":\"9\",\"raft_term\":\"2\"}}";
	struct nv_etcd_range r;

	cr_assert_eq(nv_etcd_range_parse(empty, strlen(empty), &r, &code, err, sizeof(err)), 0);
	cr_assert_eq(r.revision, 9);
	cr_assert(!r.more);
	cr_assert_eq(r.nkvs, 0);
	cr_assert_eq(r.count, 0);
	nv_etcd_range_free(&r);
}

Test(etcd_codec, range_error_answer_gives_its_grpc_code)
{
	static const char compacted[] =
		"{\"error\":\"etcdserver: mvcc: required revision has been compacted\","
		"\"message\":\"etcdserver: mvcc: required revision has been compacted\",\"code\":11}";
	struct nv_etcd_range r;

	cr_assert_eq(nv_etcd_range_parse(compacted, strlen(compacted), &r, &code, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_eq(code, NV_ETCD_CODE_COMPACTED);
	cr_assert_str_eq(err, "etcdserver: mvcc: required revision has been compacted");
}

Test(etcd_codec, range_refuses_malformed_answers_naming_the_field)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "{\"kvs\":[", "not JSON" },
		{ "[1]", "not a JSON object" },
		{ "{\"header\":{\"revision\":true}}", "header.revision" },
		{ "{\"kvs\":{}}", "kvs: not an array" },
		{ "{\"more\":\"yes\"}", "more: not a boolean" },
		{ "{\"count\":\"x\"}", "count" },
		{ "{\"kvs\":[{\"value\":\"eQ==\"}]}", "key: missing" },
		{ "{\"kvs\":[{\"key\":\"***\"}]}", "key: not base64" },
		{ "{\"kvs\":[{\"key\":\"YQBi\"}]}", "key: has a NUL byte" },
		{ "{\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"r\"}]}", "mod_revision" },
		{ "{\"kvs\":[{\"key\":\"YQ==\"},7]}", "kv: not an object" },
	};
	struct nv_etcd_range r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(nv_etcd_range_parse(cases[i].text, strlen(cases[i].text), &r, &code,
						 err, sizeof(err)),
			     -EINVAL, "accepted %s", cases[i].text);
		cr_assert(strstr(err, cases[i].why), "%s: said \"%s\"", cases[i].text, err);
		cr_assert_eq(r.nkvs, 0);
		cr_assert_null(r.kvs);
	}
}

Test(etcd_codec, watch_created_events_put_and_delete_then_canceled_by_compaction)
{
	static const char created[] =
		"{\"result\":{" HDR "\"revision\":\"3\",\"raft_term\":\"2\"},\"created\":true}}";
	static const char events[] =
		"{\"result\":{" HDR "\"revision\":\"4\",\"raft_term\":\"2\"},\"events\":[{\"kv\":"
		"{\"key\":\"L252L3g=\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":"
		"\"1\",\"value\":\"eQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"L252L3g=\","
		"\"mod_revision\":\"4\"}}]}}";
	static const char canceled[] =
		"{\"result\":{" HDR "\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":"
		"\"3\"}}";
	struct nv_etcd_watch w;

	cr_assert_eq(nv_etcd_watch_parse(created, strlen(created), &w, &code, err, sizeof(err)), 0);
	cr_assert(w.created && !w.canceled);
	cr_assert_eq(w.revision, 3);
	cr_assert_eq(w.nevents, 0);
	nv_etcd_watch_free(&w);

	cr_assert_eq(nv_etcd_watch_parse(events, strlen(events), &w, &code, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(w.nevents, 2);
	cr_assert(!w.events[0].deleted);
	cr_assert_str_eq(w.events[0].kv.key, "/nv/x");
	cr_assert_str_eq(w.events[0].kv.value, "y");
	cr_assert_eq(w.events[0].kv.mod_revision, 3);
	cr_assert(w.events[1].deleted);
	cr_assert_str_eq(w.events[1].kv.value, "");
	cr_assert_eq(w.events[1].kv.mod_revision, 4);
	nv_etcd_watch_free(&w);

	cr_assert_eq(nv_etcd_watch_parse(canceled, strlen(canceled), &w, &code, err, sizeof(err)),
		     0);
	cr_assert(w.canceled);
	cr_assert_eq(w.compact_revision, 3);
	cr_assert_eq(w.revision, 0); /* left out */
	nv_etcd_watch_free(&w);
}

/*
 * A watch answer as etcd 3.4's gateway writes it for the gateway's keys of a host (a leg put, a
 * static mapping deleted, the timeouts put): each event's key and value, read by the agent as
 * the objects they name (prefix /nv/, host h1).
 */
Test(etcd_codec, watch_events_of_the_gateways_keys)
{
	static const char events[] =
		"{\"result\":{" HDR "\"revision\":\"9\",\"raft_term\":\"2\"},\"events\":[{\"kv\":"
		"{\"key\":\"L252L2hvc3RzL2gxL2dhdGV3YXlzLzc=\",\"create_revision\":\"7\","
		"\"mod_revision\":\"7\",\"version\":\"1\",\"value\":\"eyJyZGlkIjo3LCJ2c2lkIjo1MDAx"
		"LCJjYSI6IjEwLjAuMC4xMDAiLCJtYWMiOiIwMjowMDowMDowMDowMDo2NCIsImRldiI6ImxvIiwibW9kZSI6Im"
		"5hdCJ9\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"L252L2hvc3RzL2gxL25hdC1tYXBzL3RjcC"
		"8xOTguNTEuMTAwLjE6ODA=\",\"mod_revision\":\"8\"}},{\"kv\":{\"key\":\"L252L2hvc3RzL2gx"
		"L25hdC10aW1lb3V0cw==\",\"mod_revision\":\"9\",\"value\":\"eyJ1ZHAiOjEyMH0=\"}}]}}";
	struct nv_agent_object o;
	struct nv_etcd_watch w;
	char why[256] = "";

	cr_assert_eq(nv_etcd_watch_parse(events, strlen(events), &w, &code, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(w.nevents, 3);
	cr_assert_str_eq(w.events[0].kv.key, "/nv/hosts/h1/gateways/7");
	cr_assert_eq(nv_agent_value_read(w.events[0].kv.key + 4, w.events[0].kv.value,
					 w.events[0].kv.value_len, "h1", &o, why, sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(o.kind, NV_POLICY_GATEWAY);
	cr_assert_eq(o.e.gateway.rdid, 7);
	cr_assert_eq(o.e.gateway.leg.mode, NV_GW_NAT);
	cr_assert_eq(o.e.gateway.leg.ext_ifindex, 1, "lo");
	cr_assert(w.events[1].deleted);
	cr_assert_eq(nv_agent_key_parse(w.events[1].kv.key + 4, "h1", &o, why, sizeof(why)), 0,
		     "%s", why);
	cr_assert_eq(o.kind, NV_POLICY_NAT_MAP);
	cr_assert_eq(nv_agent_value_read(w.events[2].kv.key + 4, w.events[2].kv.value,
					 w.events[2].kv.value_len, "h1", &o, why, sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(o.kind, NV_POLICY_TIMEOUTS);
	cr_assert_eq(o.e.timeouts.udp, 120);
	cr_assert_eq(w.events[2].kv.mod_revision, 9);
	nv_etcd_watch_free(&w);
}

Test(etcd_codec, watch_stream_error_object_and_bad_events)
{
	static const char stream_err[] =
		"{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no "
		"leader\",\"http_status\":\"Service Unavailable\"}}";
	static const char *const bad[] = {
		"{\"header\":{}}",
		"{\"result\":{\"events\":[{\"type\":\"MERGE\",\"kv\":{\"key\":\"YQ==\"}}]}}",
		"{\"result\":{\"events\":[{\"type\":\"PUT\"}]}}",
		"{\"result\":{\"events\":7}}",
		"{\"result\":{\"compact_revision\":\"-\"}}",
	};
	struct nv_etcd_watch w;

	cr_assert_eq(
		nv_etcd_watch_parse(stream_err, strlen(stream_err), &w, &code, err, sizeof(err)),
		-EREMOTEIO);
	cr_assert_eq(code, 14);
	cr_assert_str_eq(err, "etcdserver: no leader");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(
			nv_etcd_watch_parse(bad[i], strlen(bad[i]), &w, &code, err, sizeof(err)),
			-EINVAL, "accepted %s", bad[i]);
		cr_assert_eq(w.nevents, 0);
	}
}

Test(etcd_codec, auth_token)
{
	static const char ok[] = "{" HDR "\"revision\":\"3\"},\"token\":\"abc.17\"}";
	static const char no[] = "{\"error\":\"etcdserver: authentication failed, invalid user ID "
				 "or password\",\"code\":3}";
	char *token;

	cr_assert_eq(nv_etcd_auth_parse(ok, strlen(ok), &token, &code, err, sizeof(err)), 0);
	cr_assert_str_eq(token, "abc.17");
	free(token);
	cr_assert_eq(nv_etcd_auth_parse(no, strlen(no), &token, &code, err, sizeof(err)),
		     -EREMOTEIO);
	cr_assert_eq(code, 3);
	cr_assert_null(token);
}

struct lines_seen {
	char text[512];
	size_t n, stop_at;
};

static int collect(const char *line, size_t len, void *arg)
{
	struct lines_seen *s = arg;

	strncat(s->text, line, len);
	strcat(s->text, "|");
	return ++s->n == s->stop_at ? 99 : 0;
}

Test(etcd_codec, stream_lines_whatever_the_chunks)
{
	static const char stream[] = "{\"a\":1}\n{\"b\":22}\n\n{\"c\":333}\n{\"partial\"";

	/* Every way to cut the stream into two or three chunks gives the same lines. */
	for (size_t i = 0; i <= sizeof(stream) - 1; i++) {
		for (size_t j = i; j <= sizeof(stream) - 1; j++) {
			struct nv_etcd_lines l = { 0 };
			struct lines_seen s = { 0 };

			cr_assert_eq(nv_etcd_lines_feed(&l, stream, i, collect, &s), 0);
			cr_assert_eq(nv_etcd_lines_feed(&l, stream + i, j - i, collect, &s), 0);
			cr_assert_eq(nv_etcd_lines_feed(&l, stream + j, sizeof(stream) - 1 - j,
							collect, &s),
				     0);
			cr_assert_str_eq(s.text, "{\"a\":1}|{\"b\":22}||{\"c\":333}|",
					 "cut %zu %zu", i, j);
			cr_assert_eq(l.len, strlen("{\"partial\""));
			nv_etcd_lines_free(&l);
		}
	}
}

Test(etcd_codec, stream_lines_stop_and_limit)
{
	struct nv_etcd_lines l = { .max = 8 };
	struct lines_seen s = { .stop_at = 2 };

	cr_assert_eq(nv_etcd_lines_feed(&l, "1\n2\n3\n", 6, collect, &s), 99);
	cr_assert_str_eq(s.text, "1|2|");
	nv_etcd_lines_free(&l);
	l = (struct nv_etcd_lines){ .max = 8 };
	cr_assert_eq(nv_etcd_lines_feed(&l, "12345", 5, collect, &s), 0);
	cr_assert_eq(nv_etcd_lines_feed(&l, "6789\n", 5, collect, &s), -E2BIG);
	nv_etcd_lines_free(&l);
}
