// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * etcd's JSON gateway over libcurl. Every transfer runs on the client's one easy handle inside
 * its one multi handle, which keeps the connection between requests; the loop polls with a
 * timeout of ours so that a watch's stop flag is seen while the stream is quiet.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nv_dynlib.h"
#include "nv_etcd_client.h"

#define CONNECT_TIMEOUT_MS 2000L
#define RANGE_TIMEOUT_MS   30000L
#define RANGE_MAX	   (256u << 20) /* the largest answer taken */
#define POLL_MS		   100		/* how often a watch looks at its stop flag, at most */
/* A dead peer: first probe after 5 s idle, then every 2 s, given up after 3 unanswered. */
#define KEEPALIVE_IDLE	5L
#define KEEPALIVE_INTVL 2L
#define KEEPALIVE_CNT	3

#define CODE_UNAVAILABLE     14
#define CODE_UNAUTHENTICATED 16

struct nv_etcd_client {
	const struct nv_curl_api *api;
	CURLM *multi;
	CURL *h;
	char **endpoints; /* URLs, without a trailing / */
	size_t nendpoints, cur;
	char *cacert, *cert, *key, *user, *password;
	long connect_timeout_ms;
	char *token;
	bool logged_in; /* token (or none: auth is not enabled) is the current endpoint's */
	char curl_err[CURL_ERROR_SIZE];
};

/* A growing answer. */
struct buf {
	char *data;
	size_t len, cap;
};

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * Every run of text that is also a piece of secret (4 characters at least, or all of a shorter
 * secret) becomes '*': a server or proxy that answers with what it was sent, whole or cut, must
 * not make an error message (printed, kept in the status file) carry the password.
 */
static void redact(char *text, const char *secret)
{
	size_t n = strlen(secret), min = n < 4 ? n : 4;

	if (!n)
		return;
	for (char *p = text; *p;) {
		size_t best = 0;

		for (const char *q = secret; *q; q++) {
			size_t k = 0;

			while (p[k] && q[k] && p[k] == q[k])
				k++;
			if (k > best)
				best = k;
		}
		if (best >= min) {
			memset(p, '*', best);
			p += best;
		} else {
			p++;
		}
	}
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static bool port_ok(const char *p)
{
	unsigned long v = 0;

	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return false;
	}
	return v > 0;
}

/* HOST[:PORT] or [V6][:PORT], nothing else (no user, path, query). */
static bool authority_ok(const char *a, size_t len)
{
	char buf[512];
	const char *port;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, a, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch <= ' ' || ch >= 0x7f || strchr("/?#@\\%\"<>", ch))
			return false;
	}
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close == buf + 1 || strchr(buf + 1, '[') || strchr(close + 1, ']'))
			return false;
		port = close + 1;
		if (!*port)
			return true;
		return *port == ':' && port_ok(port + 1);
	}
	if (strchr(buf, '[') || strchr(buf, ']'))
		return false;
	port = strchr(buf, ':');
	if (!port)
		return true;
	return port != buf && port_ok(port + 1);
}

/* The URL of an endpoint, or NULL (errno EINVAL or ENOMEM). */
static char *endpoint_url(const char *s)
{
	const char *scheme = "http://", *rest = s, *sep;
	size_t len;
	char *url;

	if (!strncmp(s, "http://", 7)) {
		rest = s + 7;
	} else if (!strncmp(s, "https://", 8)) {
		scheme = "https://";
		rest = s + 8;
	} else if ((sep = strstr(s, "://")) && (size_t)(sep - s) <= 16) {
		errno = EINVAL; /* another scheme */
		return NULL;
	}
	len = strlen(rest);
	if (len && rest[len - 1] == '/')
		len--;
	if (!authority_ok(rest, len)) {
		errno = EINVAL;
		return NULL;
	}
	url = malloc(strlen(scheme) + len + 1);
	if (!url) {
		errno = ENOMEM;
		return NULL;
	}
	sprintf(url, "%s%.*s", scheme, (int)len, rest);
	return url;
}

/* TCP_KEEPCNT, which libcurl (before 8.9) does not set: the default 9 probes take 18 s more. */
static int sockopt_cb(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	int cnt = KEEPALIVE_CNT;

	(void)arg;
	if (purpose == CURLSOCKTYPE_IPCXN)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	return CURL_SOCKOPT_OK;
}

/* The options that every request shares, set once. */
static int handle_setup(struct nv_etcd_client *c)
{
	const struct nv_curl_api *a = c->api;
	CURL *h = c->h;
	int bad = 0;

	bad |= a->easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_TCP_KEEPIDLE, KEEPALIVE_IDLE) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_TCP_KEEPINTVL, KEEPALIVE_INTVL) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, sockopt_cb) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) != CURLE_OK;
	/* etcd's HTTP/2 is for gRPC; the gateway is plain HTTP/1.1 (chunked for a watch). */
	bad |= a->easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_NOPROGRESS, 1L) != CURLE_OK;
	bad |= a->easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
	if (c->cacert)
		bad |= a->easy_setopt(h, CURLOPT_CAINFO, c->cacert) != CURLE_OK;
	if (c->cert)
		bad |= a->easy_setopt(h, CURLOPT_SSLCERT, c->cert) != CURLE_OK;
	if (c->key)
		bad |= a->easy_setopt(h, CURLOPT_SSLKEY, c->key) != CURLE_OK;
	return bad ? -ENOMEM : 0;
}

int nv_etcd_client_new(const struct nv_etcd_conf *conf, struct nv_etcd_client **out, char *err,
		       size_t errlen)
{
	static bool global_done;
	struct nv_etcd_client *c;
	char lerr[256];
	int ret;

	*out = NULL;
	if (!conf->nendpoints) {
		snprintf(err, errlen, "no etcd endpoint");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->endpoints = calloc(conf->nendpoints, sizeof(*c->endpoints));
	if (!c->endpoints)
		goto nomem;
	for (size_t i = 0; i < conf->nendpoints; i++) {
		c->endpoints[i] = endpoint_url(conf->endpoints[i]);
		if (!c->endpoints[i]) {
			if (errno == ENOMEM)
				goto nomem;
			snprintf(
				err, errlen,
				"etcd endpoint '%s': not http://HOST[:PORT] or https://HOST[:PORT]",
				conf->endpoints[i]);
			ret = -EINVAL;
			goto fail;
		}
		c->nendpoints = i + 1;
	}
	if (dup_opt(conf->cacert, &c->cacert) || dup_opt(conf->cert, &c->cert) ||
	    dup_opt(conf->key, &c->key) || dup_opt(conf->user, &c->user) ||
	    dup_opt(conf->user ? conf->password ?: "" : NULL, &c->password))
		goto nomem;
	c->connect_timeout_ms =
		conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : CONNECT_TIMEOUT_MS;

	c->api = nv_curl_load(lerr, sizeof(lerr));
	if (!c->api) {
		snprintf(err, errlen, "libcurl (Debian: libcurl4): %s", lerr);
		ret = -ENOENT;
		goto fail;
	}
	if (!global_done) {
		CURLcode rc = c->api->global_init(CURL_GLOBAL_DEFAULT);

		if (rc != CURLE_OK) {
			snprintf(err, errlen, "curl_global_init: %s", c->api->easy_strerror(rc));
			ret = rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
			goto fail;
		}
		global_done = true;
	}
	c->multi = c->api->multi_init();
	c->h = c->api->easy_init();
	if (!c->multi || !c->h || handle_setup(c))
		goto nomem;
	*out = c;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	ret = -ENOMEM;
fail:
	nv_etcd_client_free(c);
	return ret;
}

void nv_etcd_client_free(struct nv_etcd_client *c)
{
	if (!c)
		return;
	if (c->h)
		c->api->easy_cleanup(c->h);
	if (c->multi)
		c->api->multi_cleanup(c->multi);
	for (size_t i = 0; i < c->nendpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	free(c->cacert);
	free(c->cert);
	free(c->key);
	free(c->user);
	wipe_free(c->password);
	wipe_free(c->token);
	free(c);
}

const char *nv_etcd_client_endpoint(const struct nv_etcd_client *c)
{
	return c->endpoints[c->cur];
}

static void logout(struct nv_etcd_client *c)
{
	wipe_free(c->token);
	c->token = NULL;
	c->logged_in = false;
}

void nv_etcd_client_failover(struct nv_etcd_client *c)
{
	c->cur = (c->cur + 1) % c->nendpoints;
	logout(c);
}

static int transport_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPROTONOSUPPORT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* A write callback's data, and what it ended the transfer with (its err already written). */
struct xfer {
	struct nv_etcd_client *c;
	int ret;
	/* unary: the answer */
	struct buf body;
	/* watch */
	struct nv_etcd_lines lines;
	nv_etcd_watch_fn fn;
	void *arg;
	bool called; /* fn has been */
	int *code;
	char *err;
	size_t errlen;
};

static size_t write_buf(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct buf *b = &x->body;

	n *= size;
	if (b->len + n + 1 > RANGE_MAX) {
		snprintf(x->err, x->errlen, "%s: answer longer than %u MiB",
			 nv_etcd_client_endpoint(x->c), RANGE_MAX >> 20);
		x->ret = -E2BIG;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ?: 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			snprintf(x->err, x->errlen, "out of memory");
			x->ret = -ENOMEM;
			return 0;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/*
 * One POST of body to path on the endpoint in use, the answer to x's write callback. 0 with
 * *status when an HTTP answer came whole; else a negative errno with err (x->ret when the
 * callback ended it, -EINTR when *stop did).
 */
static int post(struct nv_etcd_client *c, const char *path, const char *body, long timeout_ms,
		curl_write_callback write_cb, struct xfer *x, volatile int *stop, long *status,
		char *err, size_t errlen)
{
	const struct nv_curl_api *a = c->api;
	const char *ep = nv_etcd_client_endpoint(c);
	struct curl_slist *hdrs = NULL, *l;
	CURLcode rc = CURLE_OK;
	CURLMcode mc = CURLM_OK;
	bool done = false;
	char *url, *auth = NULL;
	int ret = 0, bad = 0;

	*status = 0;
	url = malloc(strlen(ep) + strlen(path) + 1);
	if (url)
		sprintf(url, "%s%s", ep, path);
	if (c->token) {
		auth = malloc(strlen("Authorization: ") + strlen(c->token) + 1);
		if (auth)
			sprintf(auth, "Authorization: %s", c->token);
	}
	/* No "Expect: 100-continue" (a round trip more for a body over 1 KiB). */
	/* On failure, curl_slist_append() returns NULL and leaves the list as it was. */
	l = hdrs = a->slist_append(NULL, "Content-Type: application/json");
	if (l && (l = a->slist_append(hdrs, "Expect:")))
		hdrs = l;
	if (l && auth && (l = a->slist_append(hdrs, auth)))
		hdrs = l;
	if (!url || (c->token && !auth) || !l) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	bad |= a->easy_setopt(c->h, CURLOPT_URL, url) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_POSTFIELDS, body) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK;
	bad |= a->easy_setopt(c->h, CURLOPT_WRITEDATA, x) != CURLE_OK;
	if (bad) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c->curl_err[0] = '\0';
	mc = a->multi_add_handle(c->multi, c->h);
	if (mc != CURLM_OK)
		goto multi_err;
	while (!done) {
		CURLMsg *m;
		int running, left;

		if (stop && *stop) {
			ret = -EINTR;
			snprintf(err, errlen, "%s: stopped", ep);
			break;
		}
		mc = a->multi_perform(c->multi, &running);
		if (mc != CURLM_OK)
			break;
		while ((m = a->multi_info_read(c->multi, &left))) {
			if (m->msg == CURLMSG_DONE && m->easy_handle == c->h) {
				rc = m->data.result;
				done = true;
			}
		}
		if (!done && (mc = a->multi_poll(c->multi, NULL, 0, POLL_MS, NULL)) != CURLM_OK)
			break;
	}
	/* Before the transfer is done, this closes its connection: a stopped watch's is gone. */
	a->multi_remove_handle(c->multi, c->h);
	if (ret)
		goto out;
multi_err:
	if (mc != CURLM_OK) {
		ret = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
		snprintf(err, errlen, "%s: %s", ep, a->multi_strerror(mc));
	} else if (x->ret) {
		ret = x->ret; /* err written by the callback */
	} else if (rc != CURLE_OK) {
		ret = transport_errno(rc);
		snprintf(err, errlen, "%s: %s", ep,
			 c->curl_err[0] ? c->curl_err : a->easy_strerror(rc));
	} else {
		a->easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, status);
	}
out:
	/* Nothing of this request stays pointed at. */
	a->easy_setopt(c->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	a->easy_setopt(c->h, CURLOPT_POSTFIELDS, (char *)NULL);
	a->slist_free_all(hdrs);
	wipe_free(auth);
	free(url);
	return ret;
}

/* A parser's -EINVAL (the text is no answer of etcd's) as -EPROTO, with the endpoint and status. */
static int not_an_answer(struct nv_etcd_client *c, long status, char *err, size_t errlen)
{
	char what[256];

	snprintf(what, sizeof(what), "%s", err);
	if (status != 200)
		snprintf(err, errlen, "%s: HTTP %ld: %s", nv_etcd_client_endpoint(c), status, what);
	else
		snprintf(err, errlen, "%s: bad answer: %s", nv_etcd_client_endpoint(c), what);
	return -EPROTO;
}

/* etcd's answer that a login (again) would help. */
static bool login_again(const struct nv_etcd_client *c, int code, const char *msg)
{
	return c->user &&
	       (code == CODE_UNAUTHENTICATED || strstr(msg, "invalid auth token") ||
		strstr(msg, "user name is empty") || strstr(msg, "revision of auth store is old"));
}

/* POST /v3/auth/authenticate; a cluster without auth leaves the client without a token. */
static int login(struct nv_etcd_client *c, int *code, char *err, size_t errlen)
{
	struct xfer x = { .c = c, .err = err, .errlen = errlen };
	char *body;
	long status;
	int ret;

	logout(c);
	body = nv_etcd_auth_request(c->user, c->password);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = post(c, "/v3/auth/authenticate", body, RANGE_TIMEOUT_MS, write_buf, &x, NULL, &status,
		   err, errlen);
	wipe_free(body);
	if (!ret) {
		ret = nv_etcd_auth_parse(x.body.data ?: "", x.body.len, &c->token, code, err,
					 errlen);
		if (ret == -EREMOTEIO && strstr(err, "authentication is not enabled")) {
			ret = *code = 0; /* the token stays NULL */
		} else if (ret == -EINVAL) {
			ret = not_an_answer(c, status, err, errlen);
		} else if (!ret && status != 200) {
			snprintf(err, errlen, "a token with an error status");
			ret = not_an_answer(c, status, err, errlen);
		}
		if (ret == -EREMOTEIO) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err);
			snprintf(err, errlen, "login as %s: %s", c->user, msg);
		}
	}
	if (x.body.data)
		explicit_bzero(x.body.data, x.body.len); /* the token */
	free(x.body.data);
	if (ret) {
		redact(err, c->password);
		logout(c);
		return ret;
	}
	c->logged_in = true;
	return 0;
}

static int ensure_login(struct nv_etcd_client *c, int *code, char *err, size_t errlen)
{
	return !c->user || c->logged_in ? 0 : login(c, code, err, errlen);
}

int nv_etcd_client_range(struct nv_etcd_client *c, const char *key, const char *range_end,
			 int64_t limit, int64_t revision, struct nv_etcd_range *r, int *code,
			 char *err, size_t errlen)
{
	char *body = nv_etcd_range_request(key, range_end, limit, revision);
	int ret;

	memset(r, 0, sizeof(*r));
	*code = 0;
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int attempt = 0;; attempt++) {
		struct xfer x = { .c = c, .err = err, .errlen = errlen };
		long status;

		ret = ensure_login(c, code, err, errlen);
		if (ret)
			break;
		ret = post(c, "/v3/kv/range", body, RANGE_TIMEOUT_MS, write_buf, &x, NULL, &status,
			   err, errlen);
		if (!ret) {
			ret = nv_etcd_range_parse(x.body.data ?: "", x.body.len, r, code, err,
						  errlen);
			if (ret == -EINVAL) {
				ret = not_an_answer(c, status, err, errlen);
			} else if (!ret && status != 200) {
				nv_etcd_range_free(r);
				snprintf(err, errlen, "a range answer with an error status");
				ret = not_an_answer(c, status, err, errlen);
			}
		}
		free(x.body.data);
		if (ret == -EREMOTEIO && !attempt && login_again(c, *code, err)) {
			logout(c);
			continue;
		}
		break;
	}
	free(body);
	return ret;
}

int nv_etcd_client_revision(struct nv_etcd_client *c, int64_t *revision, char *err, size_t errlen)
{
	struct nv_etcd_range r;
	int code, ret;

	*revision = 0;
	ret = nv_etcd_client_range(c, "\x01", "\x01", 1, 0, &r, &code, err, errlen);
	if (ret)
		return ret;
	*revision = r.revision;
	nv_etcd_range_free(&r);
	if (*revision <= 0) {
		snprintf(err, errlen, "%s: no revision in the answer", nv_etcd_client_endpoint(c));
		return -EPROTO;
	}
	return 0;
}

/* gRPC's code of its name (codes.Code's String()); 2, Unknown, for another. */
static int grpc_code(const char *name, size_t len)
{
	static const char *const names[] = {
		"OK",
		"Canceled",
		"Unknown",
		"InvalidArgument",
		"DeadlineExceeded",
		"NotFound",
		"AlreadyExists",
		"PermissionDenied",
		"ResourceExhausted",
		"FailedPrecondition",
		"Aborted",
		"OutOfRange",
		"Unimplemented",
		"Internal",
		"Unavailable",
		"DataLoss",
		"Unauthenticated",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return (int)i;
	return 2;
}

/*
 * A watch that etcd refused (bad token, no permission) is not an error line but a created and
 * canceled message whose cancel_reason is a gRPC status's text, "rpc error: code = Unauthenticated
 * desc = etcdserver: invalid auth token". As -EREMOTEIO (*code, err: desc); 0 when line has no
 * such reason.
 */
static int cancel_reason(const char *line, size_t len, int *code, char *err, size_t errlen)
{
	json_t *doc = json_loadb(line, len, 0, NULL);
	const char *reason, *p, *desc;
	int ret = 0;

	reason =
		json_string_value(json_object_get(json_object_get(doc, "result"), "cancel_reason"));
	if (reason && *reason) {
		*code = 2;
		desc = reason;
		p = strstr(reason, "code = ");
		if (p) {
			p += strlen("code = ");
			*code = grpc_code(p, strcspn(p, " "));
		}
		p = strstr(reason, "desc = ");
		if (p)
			desc = p + strlen("desc = ");
		snprintf(err, errlen, "%s", desc);
		ret = -EREMOTEIO;
	}
	json_decref(doc);
	return ret;
}

/*
 * The member going away ends a watch with an error line, Unavailable "transport is closing" (its
 * gateway's gRPC connection to itself closed): the stream ended, as when it is cut.
 */
static int stream_ended(struct xfer *x)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", x->err);
	snprintf(x->err, x->errlen, "%s: watch stream ended: %s", nv_etcd_client_endpoint(x->c),
		 msg);
	return -ECONNRESET;
}

static int watch_line(const char *line, size_t len, void *arg)
{
	struct xfer *x = arg;
	struct nv_etcd_watch w;
	long status = 0;
	int ret;

	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		return 0;
	ret = nv_etcd_watch_parse(line, len, &w, x->code, x->err, x->errlen);
	if (ret == -EINVAL) {
		x->c->api->easy_getinfo(x->c->h, CURLINFO_RESPONSE_CODE, &status);
		return not_an_answer(x->c, status, x->err, x->errlen);
	}
	if (ret == -ENOMEM)
		snprintf(x->err, x->errlen, "out of memory");
	if (ret == -EREMOTEIO && *x->code == CODE_UNAVAILABLE)
		return stream_ended(x);
	if (ret)
		return ret;
	if (w.canceled && !w.compact_revision) {
		ret = cancel_reason(line, len, x->code, x->err, x->errlen);
		if (ret) {
			nv_etcd_watch_free(&w);
			return ret;
		}
	}
	x->called = true;
	ret = x->fn(&w, x->arg);
	if (!ret && w.canceled) {
		snprintf(x->err, x->errlen, "%s: watch canceled by etcd (compact revision %lld)",
			 nv_etcd_client_endpoint(x->c), (long long)w.compact_revision);
		ret = -ECANCELED;
	}
	nv_etcd_watch_free(&w);
	return ret;
}

static int lines_error(struct xfer *x, int ret)
{
	if (ret == -E2BIG)
		snprintf(x->err, x->errlen, "%s: watch message longer than 64 MiB",
			 nv_etcd_client_endpoint(x->c));
	else if (ret == -ENOMEM)
		snprintf(x->err, x->errlen, "out of memory");
	return ret;
}

static size_t write_watch(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	int ret = nv_etcd_lines_feed(&x->lines, data, size * n, watch_line, x);

	if (ret) {
		x->ret = lines_error(x, ret);
		return 0;
	}
	return size * n;
}

int nv_etcd_client_watch(struct nv_etcd_client *c, const char *key, const char *range_end,
			 int64_t start_revision, nv_etcd_watch_fn fn, void *arg, volatile int *stop,
			 int *code, char *err, size_t errlen)
{
	char *body = nv_etcd_watch_request(key, range_end, start_revision);
	int ret;

	*code = 0;
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int attempt = 0;; attempt++) {
		struct xfer x = {
			.c = c, .fn = fn, .arg = arg, .code = code, .err = err, .errlen = errlen
		};
		long status;

		ret = ensure_login(c, code, err, errlen);
		if (ret)
			break;
		/* No total timeout and no low-speed limit: a watch is quiet as long as the keys. */
		ret = post(c, "/v3/watch", body, 0, write_watch, &x, stop, &status, err, errlen);
		if (!ret && x.lines.len) /* the last line, without its \n */
			ret = x.ret = lines_error(
				&x, nv_etcd_lines_feed(&x.lines, "\n", 1, watch_line, &x));
		if (!ret) {
			if (status != 200) {
				snprintf(err, errlen, "no watch answer");
				ret = not_an_answer(c, status, err, errlen);
			} else {
				snprintf(err, errlen, "%s: watch stream ended",
					 nv_etcd_client_endpoint(c));
				ret = -ECONNRESET;
			}
		}
		nv_etcd_lines_free(&x.lines);
		if (ret == -EREMOTEIO && x.ret == -EREMOTEIO && !x.called && !attempt &&
		    login_again(c, *code, err)) {
			logout(c);
			continue;
		}
		break;
	}
	free(body);
	return ret;
}
