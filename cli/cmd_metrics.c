// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl metrics: the instance's counters in the Prometheus text format, printed once (show) or
 * served on GET /metrics (listen). Every page is read fresh from the pinned maps, so a scraper
 * sees a reload or a detach at its next scrape.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nv_dynlib.h"
#include "nv_instance.h"
#include "nv_metrics.h"
#include "nv_output.h"
#include "nv_prom.h"
#include "nvctl.h"

/* A scrape waits at most this long for a running nvctl (e.g. a batch) to finish its changes. */
#define SCRAPE_LOCK_WAIT_MS 5000

static int metrics_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	size_t len;
	char *buf;
	int err;

	(void)a;
	if (ctx->json)
		return nv_usage_error(ctx, "metrics show: -j: the output is Prometheus text (for "
					   "JSON: nvctl -j stats show)");
	/* main() holds the instance lock: the page is one consistent state. */
	err = nv_metrics_render(ctx->pin_dir, &buf, &len);
	if (err == -ENOENT)
		return nv_not_attached(ctx);
	if (err)
		return nv_errno_error(ctx, err, "metrics show");
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

/* ---- listen ---- */

/* A listening TCP socket, or -errno. ":PORT" takes IPv4 too, or IPv4 only without IPv6. */
static int listen_socket(struct nv_listen_addr *a)
{
	int fd, one = 1, zero = 0;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && a->any && errno == EAFNOSUPPORT) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
		in_port_t port = ((struct sockaddr_in6 *)&a->ss)->sin6_port;

		memset(&a->ss, 0, sizeof(a->ss));
		in4->sin_family = AF_INET;
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
		in4->sin_port = port;
		a->len = sizeof(*in4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	/* SO_REUSEADDR: a restarted exporter gets its port back at once (no TIME_WAIT refusal). */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (a->any && a->ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero))) ||
	    bind(fd, (struct sockaddr *)&a->ss, a->len) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Set once by metrics listen before the server starts; its thread only reads it. */
static const struct nv_mhd_api *mhd;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!body)
		return MHD_NO; /* out of memory: drop the connection */
	r = mhd->create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd->add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = mhd->queue_response(c, status, r);
	mhd->destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	char *body = strdup(msg);

	return reply(c, status, "text/plain; charset=utf-8", body, body ? strlen(body) : 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req_cls)
{
	const char *pin_dir = cls;
	char msg[512], *buf;
	size_t len;
	int lock, err;

	(void)version, (void)upload, (void)upload_len, (void)req_cls;
	switch (nv_metrics_route(method, url)) {
	case MHD_HTTP_OK:
		break;
	case MHD_HTTP_METHOD_NOT_ALLOWED:
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	default:
		return reply_text(c, MHD_HTTP_NOT_FOUND,
				  "not found: the metrics are at /metrics\n");
	}
	/* A shared hold on the instance lock, so a page never shows half of another nvctl's change.
	 */
	lock = nv_instance_lock(pin_dir, LOCK_SH, SCRAPE_LOCK_WAIT_MS);
	err = lock < 0 ? lock : nv_metrics_render(pin_dir, &buf, &len);
	nv_instance_unlock(lock);
	if (!err)
		return reply(c, MHD_HTTP_OK, NV_PROM_CONTENT_TYPE, buf, len);
	if (err == -ENOENT)
		snprintf(msg, sizeof(msg), "no datapath attached at %s\n", pin_dir);
	else if (err == -EBUSY)
		snprintf(msg, sizeof(msg), "another nvctl has held %s for %d ms; try again\n",
			 pin_dir, SCRAPE_LOCK_WAIT_MS);
	else
		snprintf(msg, sizeof(msg), "reading the maps under %s: %s\n", pin_dir,
			 strerror(-err));
	return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
}

/* Without an address: loopback only (a scraper elsewhere must be asked for by address). */
#define METRICS_DEFAULT_LISTEN "127.0.0.1:9477"
static const struct nv_arg_spec listen_args[] = { NV_ARG_POS_OPT(NV_ARG_STRING, "ADDR:PORT") };

static int metrics_listen(struct nv_ctx *ctx, const struct nv_args *args)
{
	const char *addr = args->a[0].set ? args->a[0].raw : METRICS_DEFAULT_LISTEN;
	struct nv_listen_addr a;
	struct MHD_Daemon *d;
	char err[256];
	sigset_t stop;
	int fd, sig;

	if (nv_metrics_parse_listen(addr, &a))
		return nv_usage_error(ctx,
				      "metrics listen: \"%s\": expected IPV4:PORT, [IPV6]:PORT or "
				      ":PORT with PORT in 1..65535",
				      addr);
	mhd = nv_mhd_load(err, sizeof(err));
	if (!mhd)
		return nv_runtime_error(ctx,
					"metrics listen: needs libmicrohttpd (Debian package "
					"libmicrohttpd12): %s",
					err);
	/* Scrapes take the lock one at a time; holding it here would stop every other nvctl. */
	nv_ctx_unlock(ctx);
	fd = listen_socket(&a);
	if (fd < 0)
		return nv_errno_error(ctx, fd, "metrics listen: %s", addr);
	/* Blocked before MHD starts its thread, which inherits the mask: only sigwait() sees them.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = mhd->start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
			      on_request, (void *)ctx->pin_dir, MHD_OPTION_LISTEN_SOCKET, fd,
			      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
			      MHD_OPTION_END);
	if (!d) {
		close(fd);
		return nv_runtime_error(ctx, "metrics listen: %s: could not start the HTTP server",
					addr);
	}
	if (ctx->json)
		nv_json_print(ctx, json_pack("{s:s, s:s}", "listen", addr, "path", "/metrics"));
	else
		printf("listening on %s, GET /metrics\n", addr);
	fflush(stdout);
	while (sigwait(&stop, &sig))
		;
	/* Quiesce first: it hands the socket back, which then is ours to close. */
	fd = mhd->quiesce_daemon(d);
	mhd->stop_daemon(d);
	if (fd >= 0)
		close(fd);
	return 0;
}

const struct nv_cmd nv_metrics_cmds[] = {
	NV_CMD_NOARGS("show", "every counter in the Prometheus text format", metrics_show,
		      NV_CMD_DEFAULT),
	NV_CMD("listen", listen_args,
	       "serve the same on GET /metrics over HTTP until SIGINT or SIGTERM", metrics_listen,
	       0),
	{ 0 },
};
