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

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_dynlib.h"
#include "nv_prom.h"
#include "nvctl.h"

/* A scrape waits at most this long for a running nvctl (e.g. a batch) to finish its changes. */
#define SCRAPE_LOCK_WAIT_MS 5000

struct vsid_row {
	__u32 vsid;
	struct nv_vsid_stats st;
};

struct port_row {
	__u32 ifindex;
	struct nv_port p;
	struct nv_port_stats st;
};

/* Everything a page shows, read before any of it is written. */
struct snapshot {
	const struct nv_maps *m;
	struct nv_dp_status status;
	struct vsid_row *vsids;
	size_t nvsids, capvsids;
	struct port_row *ports;
	size_t nports, capports;
	struct nv_drop_stats drops[NV_DROP__MAX];
	struct nv_event_state events;
	unsigned int events_mode;
	__u32 events_rate;
};

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, (*cap ? 2 * *cap : 64) * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? 2 * *cap : 64;
	return 0;
}

static int vsid_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct snapshot *sn = arg;
	int err = grow((void **)&sn->vsids, &sn->capvsids, sn->nvsids, sizeof(*sn->vsids));

	(void)s;
	if (!err)
		err = nv_stats_get(sn->m, vsid, &sn->vsids[sn->nvsids].st);
	if (!err)
		sn->vsids[sn->nvsids++].vsid = vsid;
	return err;
}

static int port_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct snapshot *sn = arg;
	int err = grow((void **)&sn->ports, &sn->capports, sn->nports, sizeof(*sn->ports));

	if (!err)
		err = nv_port_stats_get(sn->m, ifindex, &sn->ports[sn->nports].st);
	if (err == -ENOENT) /* deleted since the iterator saw it */
		return 0;
	if (!err) {
		sn->ports[sn->nports].ifindex = ifindex;
		sn->ports[sn->nports++].p = *p;
	}
	return err;
}

static int snapshot_read(struct snapshot *sn, const char *pin_dir, const struct nv_maps *m)
{
	int err;

	sn->m = m;
	err = nv_dp_status(pin_dir, &sn->status);
	if (!err)
		err = nv_subnet_iter(m, vsid_cb, sn);
	if (!err)
		err = nv_port_iter(m, port_cb, sn);
	if (!err)
		err = nv_drops_get(m, sn->drops);
	if (!err)
		err = nv_events_get(m, &sn->events_mode, &sn->events_rate);
	if (!err)
		err = nv_event_totals(m, &sn->events);
	return err;
}

static void snapshot_free(struct snapshot *sn)
{
	free(sn->vsids);
	free(sn->ports);
}

/* The page for one snapshot: every family once, its samples together. */
static void write_page(FILE *f, const struct snapshot *sn, const char *pin_dir)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} vsid_fams[] = {
		{ "nvgre_vsid_tx_packets_total", "Packets accepted from the VSID's local ports.",
		  offsetof(struct nv_vsid_stats, tx_packets) },
		{ "nvgre_vsid_tx_bytes_total", "Bytes accepted from the VSID's local ports.",
		  offsetof(struct nv_vsid_stats, tx_bytes) },
		{ "nvgre_vsid_rx_packets_total", "Packets delivered to the VSID's local ports.",
		  offsetof(struct nv_vsid_stats, rx_packets) },
		{ "nvgre_vsid_rx_bytes_total", "Bytes delivered to the VSID's local ports.",
		  offsetof(struct nv_vsid_stats, rx_bytes) },
	},
	  port_fams[] = {
		  { "nvgre_port_tx_packets_total", "Packets accepted from the port's VM.",
		    offsetof(struct nv_port_stats, tx_packets) },
		  { "nvgre_port_tx_bytes_total", "Bytes accepted from the port's VM.",
		    offsetof(struct nv_port_stats, tx_bytes) },
		  { "nvgre_port_rx_packets_total", "Packets delivered to the port's VM.",
		    offsetof(struct nv_port_stats, rx_packets) },
		  { "nvgre_port_rx_bytes_total", "Bytes delivered to the port's VM.",
		    offsetof(struct nv_port_stats, rx_bytes) },
		  { "nvgre_port_drop_packets_total", "Packets sent by the port's VM and dropped.",
		    offsetof(struct nv_port_stats, drop_packets) },
		  { "nvgre_port_drop_bytes_total", "Bytes sent by the port's VM and dropped.",
		    offsetof(struct nv_port_stats, drop_bytes) },
	  };
	char ul[IF_NAMESIZE + 12], pa[NV_ADDR_STRLEN], num[16], abi[16];
	const struct nv_config *cfg = &sn->status.cfg;

	snprintf(abi, sizeof(abi), "%d", NV_ABI_VERSION);
	nv_addr_format(&cfg->pa, pa, sizeof(pa));
	nv_prom_family(f, "nvgre_datapath_info", "gauge",
		       "The attached datapath: ABI version, underlay device, main PA, instance.");
	nv_prom_sample(f, "nvgre_datapath_info",
		       (struct nv_prom_label[]){
			       { "abi", abi },
			       { "underlay", nv_ifname(cfg->underlay_ifindex, ul, sizeof(ul)) },
			       { "pa", pa },
			       { "pin_dir", pin_dir },
		       },
		       4, 1);

	nv_prom_family(f, "nvgre_map_entries", "gauge", "Entries in the datapath's maps.");
	nv_prom_sample(f, "nvgre_map_entries", (struct nv_prom_label[]){ { "map", "records" } }, 1,
		       sn->status.records);
	nv_prom_sample(f, "nvgre_map_entries", (struct nv_prom_label[]){ { "map", "ports" } }, 1,
		       sn->status.ports);
	nv_prom_sample(f, "nvgre_map_entries", (struct nv_prom_label[]){ { "map", "subnets" } }, 1,
		       sn->status.subnets);
	nv_prom_sample(f, "nvgre_map_entries", (struct nv_prom_label[]){ { "map", "local_pas" } },
		       1, sn->status.local_pas);
	nv_prom_family(f, "nvgre_map_max_entries", "gauge", "Capacity of the datapath's maps.");
	nv_prom_sample(f, "nvgre_map_max_entries", (struct nv_prom_label[]){ { "map", "records" } },
		       1, sn->status.records_max);
	nv_prom_sample(f, "nvgre_map_max_entries", (struct nv_prom_label[]){ { "map", "ports" } },
		       1, NV_MAX_PORTS);
	nv_prom_sample(f, "nvgre_map_max_entries", (struct nv_prom_label[]){ { "map", "subnets" } },
		       1, NV_MAX_SUBNETS);
	nv_prom_sample(f, "nvgre_map_max_entries",
		       (struct nv_prom_label[]){ { "map", "local_pas" } }, 1, NV_MAX_LOCAL_PAS);

	for (size_t i = 0; i < sizeof(vsid_fams) / sizeof(vsid_fams[0]); i++) {
		nv_prom_family(f, vsid_fams[i].name, "counter", vsid_fams[i].help);
		for (size_t v = 0; v < sn->nvsids; v++) {
			snprintf(num, sizeof(num), "%u", sn->vsids[v].vsid);
			nv_prom_sample(f, vsid_fams[i].name,
				       (struct nv_prom_label[]){ { "vsid", num } }, 1,
				       *(const __u64 *)((const char *)&sn->vsids[v].st +
							vsid_fams[i].off));
		}
	}

	for (size_t i = 0; i < sizeof(port_fams) / sizeof(port_fams[0]); i++) {
		nv_prom_family(f, port_fams[i].name, "counter", port_fams[i].help);
		for (size_t p = 0; p < sn->nports; p++) {
			const struct port_row *r = &sn->ports[p];
			char dev[IF_NAMESIZE + 12], ifx[16], ca[NV_ADDR_STRLEN];

			snprintf(ifx, sizeof(ifx), "%u", r->ifindex);
			snprintf(num, sizeof(num), "%u", r->p.vsid);
			nv_addr_format(&r->p.ca, ca, sizeof(ca));
			nv_prom_sample(f, port_fams[i].name,
				       (struct nv_prom_label[]){
					       { "dev", nv_ifname(r->ifindex, dev, sizeof(dev)) },
					       { "ifindex", ifx },
					       { "vsid", num },
					       { "ca", ca },
				       },
				       4,
				       *(const __u64 *)((const char *)&r->st + port_fams[i].off));
		}
	}

	/* Every reason, zeros included: a series that appears only at its first drop has no rate.
	 */
	nv_prom_family(f, "nvgre_drops_packets_total", "counter",
		       "Packets dropped by the datapath, by reason (see nvctl stats show).");
	for (unsigned int r = 1; r < NV_DROP__MAX; r++)
		nv_prom_sample(f, "nvgre_drops_packets_total",
			       (struct nv_prom_label[]){ { "reason", nv_drop_reason_name(r) } }, 1,
			       sn->drops[r].packets);
	nv_prom_family(f, "nvgre_drops_bytes_total", "counter",
		       "Bytes dropped by the datapath, by reason.");
	for (unsigned int r = 1; r < NV_DROP__MAX; r++)
		nv_prom_sample(f, "nvgre_drops_bytes_total",
			       (struct nv_prom_label[]){ { "reason", nv_drop_reason_name(r) } }, 1,
			       sn->drops[r].bytes);

	nv_prom_family(f, "nvgre_events_emitted_total", "counter",
		       "Events written to the nv_events ring.");
	nv_prom_sample(f, "nvgre_events_emitted_total", NULL, 0, sn->events.emitted);
	nv_prom_family(f, "nvgre_events_rate_limited_total", "counter",
		       "Events not written: over the per-CPU rate limit.");
	nv_prom_sample(f, "nvgre_events_rate_limited_total", NULL, 0, sn->events.rate_limited);
	nv_prom_family(f, "nvgre_events_ring_full_total", "counter",
		       "Events not written: the ring was full (its reader too slow).");
	nv_prom_sample(f, "nvgre_events_ring_full_total", NULL, 0, sn->events.ring_full);
	nv_prom_family(f, "nvgre_events_mode", "gauge",
		       "1 for the event mode in force (nvctl events set), 0 for the others.");
	for (unsigned int mode = NV_EVENTS_OFF; mode <= NV_EVENTS_TRACE; mode++)
		nv_prom_sample(f, "nvgre_events_mode",
			       (struct nv_prom_label[]){ { "mode", nv_events_mode_name(mode) } }, 1,
			       mode == sn->events_mode);
	nv_prom_family(f, "nvgre_events_rate_limit", "gauge",
		       "Events written at most per second per CPU.");
	nv_prom_sample(f, "nvgre_events_rate_limit", NULL, 0,
		       sn->events_rate ?: NV_EVENT_RATE_DEFAULT);
}

/* The page of the instance at pin_dir, in a malloc'ed buffer. -ENOENT: nothing attached there. */
static int render(const char *pin_dir, char **buf, size_t *len)
{
	struct snapshot sn = { 0 };
	struct nv_maps m;
	FILE *f;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = snapshot_read(&sn, pin_dir, &m);
	nv_maps_close(&m);
	if (!err) {
		f = open_memstream(buf, len);
		if (!f) {
			err = -errno;
		} else {
			write_page(f, &sn, pin_dir);
			if (ferror(f))
				err = -EIO;
			if (fclose(f) && !err)
				err = -errno;
			if (err)
				free(*buf);
		}
	}
	snapshot_free(&sn);
	return err;
}

int nv_cmd_metrics_show(struct nv_ctx *ctx, int argc, char **argv)
{
	size_t len;
	char *buf;
	int err;

	if (argc)
		return nv_usage_error(ctx, "metrics show: unexpected argument \"%s\"", argv[0]);
	if (ctx->json)
		return nv_usage_error(ctx, "metrics show: -j: the output is Prometheus text (for "
					   "JSON: nvctl -j stats show)");
	/* main() holds the instance lock: the page is one consistent state. */
	err = render(ctx->pin_dir, &buf, &len);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "no datapath attached at %s (see: nvctl dp attach)",
					ctx->pin_dir);
	if (err)
		return nv_errno_error(ctx, err, "metrics show");
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

/* ---- listen ---- */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any; /* ":PORT": every address, IPv6 and IPv4 */
};

/* IPV4:PORT, [IPV6]:PORT or :PORT, PORT in 1..65535. -EINVAL otherwise. */
static int parse_listen(const char *s, struct listen_addr *a)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	char host[INET6_ADDRSTRLEN];
	const char *port, *close;
	bool v6 = s[0] == '[';
	unsigned long p;
	size_t hlen;
	char *end;

	memset(a, 0, sizeof(*a));
	if (v6) {
		close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		s++;
		hlen = close - s;
		port = close + 2;
	} else {
		port = strrchr(s, ':');
		if (!port)
			return -EINVAL;
		hlen = port - s;
		port++;
	}
	if (hlen >= sizeof(host) || !isdigit((unsigned char)*port))
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (v6 || !hlen) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		a->len = sizeof(*in6);
		a->any = !hlen;
		if (v6 && inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		a->len = sizeof(*in4);
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			return -EINVAL;
	}
	return 0;
}

/* A listening TCP socket, or -errno. ":PORT" takes IPv4 too, or IPv4 only without IPv6. */
static int listen_socket(struct listen_addr *a)
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
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND,
				  "not found: the metrics are at /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	/* A shared hold on the instance lock, so a page never shows half of another nvctl's change.
	 */
	lock = nv_lock_dir(pin_dir, LOCK_SH, SCRAPE_LOCK_WAIT_MS);
	err = lock < 0 ? lock : render(pin_dir, &buf, &len);
	if (lock >= 0)
		close(lock);
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

int nv_cmd_metrics_listen(struct nv_ctx *ctx, int argc, char **argv)
{
	struct listen_addr a;
	struct MHD_Daemon *d;
	char err[256];
	sigset_t stop;
	int fd, sig;

	if (argc < 1)
		return nv_usage_error(ctx, "metrics listen: missing ADDR:PORT");
	if (argc > 1)
		return nv_usage_error(ctx, "metrics listen: unexpected argument \"%s\"", argv[1]);
	if (parse_listen(argv[0], &a))
		return nv_usage_error(ctx,
				      "metrics listen: \"%s\": expected IPV4:PORT, [IPV6]:PORT or "
				      ":PORT with PORT in 1..65535",
				      argv[0]);
	mhd = nv_mhd_load(err, sizeof(err));
	if (!mhd)
		return nv_runtime_error(ctx,
					"metrics listen: needs libmicrohttpd (Debian package "
					"libmicrohttpd12): %s",
					err);
	/* Scrapes take the lock one at a time; holding it here would stop every other nvctl. */
	nv_unlock_instance();
	fd = listen_socket(&a);
	if (fd < 0)
		return nv_errno_error(ctx, fd, "metrics listen: %s", argv[0]);
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
					argv[0]);
	}
	if (ctx->json)
		nv_json_print(ctx, json_pack("{s:s, s:s}", "listen", argv[0], "path", "/metrics"));
	else
		printf("listening on %s, GET /metrics\n", argv[0]);
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
