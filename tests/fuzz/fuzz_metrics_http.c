// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl metrics listen (cli/nv_metrics.c): what the HTTP server answers a request (method and
 * URL, as libmicrohttpd hands them over: nv_metrics_route), where it listens (ADDR:PORT from the
 * command line: nv_metrics_parse_listen), and the page's label values, which come from device
 * names and the pin dir (nv_prom.c's escaping). The first byte picks, the rest is the input:
 *   0 METHOD, a NUL, URL
 *   1 ADDR:PORT
 *   2 a label value and a help text, split at the first NUL
 * Oracles: only GET and HEAD of exactly /metrics are served, another method there is 405, any
 * other URL 404; an address that parses, printed back, parses to the same socket address; a
 * sample's line holds no raw newline, its label value unescaped is the value given.
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "nv_metrics.h"
#include "nv_prom.h"

static void fuzz_route(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *method = fuzz_str(data, nul ? (size_t)(nul - data) : size);
	char *url =
		fuzz_str(nul ? nul + 1 : data + size, nul ? size - (size_t)(nul - data) - 1 : 0);
	unsigned int status = nv_metrics_route(method, url);
	bool metrics = !strcmp(url, "/metrics");
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	FUZZ_CHECK(status == (!metrics ? 404u
			      : get    ? 200u
				       : 405u),
		   "%s %s: %u", method, url, status);
	free(method);
	free(url);
}

static void fuzz_listen(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), host[INET6_ADDRSTRLEN], back[INET6_ADDRSTRLEN + 16];
	struct nv_listen_addr a, b;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.ss;
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a.ss;
	int ret = nv_metrics_parse_listen(s, &a);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "%s: %d", s, ret);
	if (ret) {
		free(s);
		return;
	}
	if (a.ss.ss_family == AF_INET) {
		FUZZ_CHECK(a.len == sizeof(*in4) && !a.any, "%s: IPv4 of length %u", s, a.len);
		FUZZ_CHECK(ntohs(in4->sin_port) >= 1, "%s: port 0", s);
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(back, sizeof(back), "%s:%u", host, ntohs(in4->sin_port));
	} else {
		FUZZ_CHECK(a.ss.ss_family == AF_INET6 && a.len == sizeof(*in6), "%s: family %u", s,
			   a.ss.ss_family);
		FUZZ_CHECK(ntohs(in6->sin6_port) >= 1, "%s: port 0", s);
		FUZZ_CHECK(!a.any || IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr),
			   "%s: any, with an address", s);
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		if (a.any)
			snprintf(back, sizeof(back), ":%u", ntohs(in6->sin6_port));
		else
			snprintf(back, sizeof(back), "[%s]:%u", host, ntohs(in6->sin6_port));
	}
	FUZZ_CHECK(!nv_metrics_parse_listen(back, &b) && a.len == b.len && a.any == b.any &&
			   !memcmp(&a.ss, &b.ss, sizeof(a.ss)),
		   "\"%s\" printed back as \"%s\" parses otherwise", s, back);
	free(s);
}

/* Undoes nv_prom's escaping of a label value (\\, \n, \") up to the closing quote. */
static size_t unescape(const char *s, char *out, const char **end)
{
	size_t n = 0;

	for (; *s && *s != '"'; s++) {
		if (*s == '\\') {
			s++;
			FUZZ_CHECK(*s == '\\' || *s == 'n' || *s == '"', "escape \\%c", *s);
			out[n++] = *s == 'n' ? '\n' : *s;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	*end = s;
	return n;
}

static void fuzz_prom(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *value = fuzz_str(data, nul ? (size_t)(nul - data) : size);
	char *help =
		fuzz_str(nul ? nul + 1 : data + size, nul ? size - (size_t)(nul - data) - 1 : 0);
	char *page = NULL, *got = malloc(size + 1), *line;
	const char *p, *end;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);

	if (!f || !got)
		abort();
	nv_prom_family(f, "nvgre_fuzz_total", "counter", help);
	nv_prom_sample(f, "nvgre_fuzz_total",
		       (struct nv_prom_label[]){ { "dev", value }, { "pin_dir", "/x" } }, 2, 7);
	fclose(f);
	/* Three lines: # HELP, # TYPE and the sample, each ending in its own newline. */
	FUZZ_CHECK(!strncmp(page, "# HELP nvgre_fuzz_total ", 24), "%s", page);
	line = strchr(page, '\n');
	FUZZ_CHECK(line && !strncmp(line + 1, "# TYPE nvgre_fuzz_total counter\n", 32),
		   "help text broke its line: %s", page);
	line += 33;
	FUZZ_CHECK(!strncmp(line, "nvgre_fuzz_total{dev=\"", 22), "%s", line);
	unescape(line + 22, got, &end);
	FUZZ_CHECK(!strcmp(got, value), "label value \"%s\" reads back as \"%s\"", value, got);
	p = end;
	FUZZ_CHECK(!strcmp(p, "\",pin_dir=\"/x\"} 7\n"), "sample ends as %s", p);
	free(page);
	free(got);
	free(value);
	free(help);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_route(data + 1, size - 1);
		break;
	case 1:
		fuzz_listen(data + 1, size - 1);
		break;
	default:
		fuzz_prom(data + 1, size - 1);
		break;
	}
	return 0;
}
