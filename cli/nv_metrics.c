// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The Prometheus page of an instance (nvctl metrics): every counter, read into one snapshot before
 * any of it is written, so a page never mixes two states. Read fresh from the pinned maps each
 * time, so a scraper sees a reload or a detach at its next scrape.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_metrics.h"
#include "nv_netdev.h"
#include "nv_agent_status.h"
#include "nv_prom.h"

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
	char ul[NV_NETDEV_NAMELEN], pa[NV_ADDR_STRLEN], num[16], abi[16];
	const struct nv_config *cfg = &sn->status.cfg;

	snprintf(abi, sizeof(abi), "%d", NV_ABI_VERSION);
	nv_addr_format(&cfg->pa, pa, sizeof(pa));
	nv_prom_family(f, "nvgre_datapath_info", "gauge",
		       "The attached datapath: ABI version, underlay device, main PA, instance.");
	nv_prom_sample(
		f, "nvgre_datapath_info",
		(struct nv_prom_label[]){
			{ "abi", abi },
			{ "underlay", nv_netdev_name(cfg->underlay_ifindex, ul, sizeof(ul)) },
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

	nv_prom_family(f, "nvgre_nat_connections", "gauge",
		       "Connections in the gateway's table (nv_ct: two entries each).");
	nv_prom_sample(f, "nvgre_nat_connections", NULL, 0, sn->status.conns);
	nv_prom_family(f, "nvgre_nat_connections_max", "gauge",
		       "Connections the gateway's table holds (dp attach ct-max); a full table "
		       "drops new ones (reason CT_FULL).");
	nv_prom_sample(f, "nvgre_nat_connections_max", NULL, 0, sn->status.conns_max);

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
			char dev[NV_NETDEV_NAMELEN], ifx[16], ca[NV_ADDR_STRLEN];

			snprintf(ifx, sizeof(ifx), "%u", r->ifindex);
			snprintf(num, sizeof(num), "%u", r->p.vsid);
			nv_addr_format(&r->p.ca, ca, sizeof(ca));
			nv_prom_sample(
				f, port_fams[i].name,
				(struct nv_prom_label[]){
					{ "dev", nv_netdev_name(r->ifindex, dev, sizeof(dev)) },
					{ "ifindex", ifx },
					{ "vsid", num },
					{ "ca", ca },
				},
				4, *(const __u64 *)((const char *)&r->st + port_fams[i].off));
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

/* The agent following a store for this instance (cli/nv_agent_status.h), when one has run. */
static void write_agent(FILE *f, const char *pin_dir)
{
	static const char *const states[] = { "waiting", "syncing", "watching", "disconnected" };
	static const struct {
		const char *name, *type, *help, *field;
	} fams[] = {
		{ "nvgre_agent_revision", "gauge", "The etcd revision the instance has applied.",
		  "revision" },
		{ "nvgre_agent_store_revision", "gauge",
		  "The newest etcd revision the agent has seen.", "store_revision" },
		{ "nvgre_agent_lag_revisions", "gauge",
		  "Store revision minus applied revision (writes outside the prefix count too).",
		  "lag" },
		{ "nvgre_agent_objects", "gauge",
		  "Keys of this host in the store at the last sync.", "objects" },
		{ "nvgre_agent_syncs_total", "counter", "Lists of the prefix applied.", "syncs" },
		{ "nvgre_agent_relists_total", "counter",
		  "Watches ended for a new list (compaction, datapath attached again, retry).",
		  "relists" },
		{ "nvgre_agent_reconnects_total", "counter",
		  "etcd requests that failed: the agent "
		  "moved to the next endpoint.",
		  "reconnects" },
		{ "nvgre_agent_last_error_timestamp_seconds", "gauge",
		  "When the agent last logged an error (unix time, 0: never).", "last_error_time" },
	};
	static const char *const results[] = { "applied", "skipped", "failed" };
	char path[4200], field[32];
	const char *state;
	json_t *st;

	if (nv_agent_status_path(pin_dir, path, sizeof(path)) || nv_agent_status_read(path, &st))
		return;
	nv_prom_family(f, "nvgre_agent_up", "gauge",
		       "1 while the agent that wrote the status file runs.");
	nv_prom_sample(f, "nvgre_agent_up", NULL, 0, json_is_true(json_object_get(st, "running")));
	state = json_string_value(json_object_get(st, "state")) ?: "";
	nv_prom_family(f, "nvgre_agent_state", "gauge",
		       "1 for the agent's state, 0 for the others.");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		nv_prom_sample(f, "nvgre_agent_state",
			       (struct nv_prom_label[]){ { "state", states[i] } }, 1,
			       !strcmp(state, states[i]));
	nv_prom_family(f, "nvgre_agent_events_total", "counter",
		       "etcd events (and listed keys) by what became of them.");
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		snprintf(field, sizeof(field), "events_%s", results[i]);
		nv_prom_sample(f, "nvgre_agent_events_total",
			       (struct nv_prom_label[]){ { "result", results[i] } }, 1,
			       (unsigned long long)json_integer_value(json_object_get(st, field)));
	}
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		nv_prom_family(f, fams[i].name, fams[i].type, fams[i].help);
		nv_prom_sample(
			f, fams[i].name, NULL, 0,
			(unsigned long long)json_integer_value(json_object_get(st, fams[i].field)));
	}
	json_decref(st);
}

int nv_metrics_render(const char *pin_dir, char **buf, size_t *len)
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
			write_agent(f, pin_dir);
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

/* ---- metrics listen: what a request gets, where it listens ---- */

unsigned int nv_metrics_route(const char *method, const char *url)
{
	if (strcmp(url, "/metrics"))
		return 404;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return 405;
	return 200;
}

int nv_metrics_parse_listen(const char *s, struct nv_listen_addr *a)
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
