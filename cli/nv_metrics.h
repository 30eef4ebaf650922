/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The Prometheus page of an instance, for nvctl metrics show and listen. */
#ifndef NV_METRICS_H
#define NV_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * The page of the instance at pin_dir in a malloc'ed buffer (*buf, *len). -ENOENT: nothing
 * attached there. Callers hold the instance lock (shared is enough) for a consistent page.
 */
int nv_metrics_render(const char *pin_dir, char **buf, size_t *len);

/*
 * What metrics listen answers a request with, as its HTTP status: 200 (the page) for GET or HEAD
 * of /metrics, 405 for another method there, 404 for any other URL.
 */
unsigned int nv_metrics_route(const char *method, const char *url);

/* Where metrics listen listens. */
struct nv_listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any; /* ":PORT": every address, IPv6 and IPv4 */
};
/* IPV4:PORT, [IPV6]:PORT or :PORT, PORT in 1..65535. 0 or -EINVAL. */
int nv_metrics_parse_listen(const char *s, struct nv_listen_addr *a);

#endif /* NV_METRICS_H */
