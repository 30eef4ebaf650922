// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl nat: the gateway's NAT (DESIGN section 8). Per routing domain whose leg is in NAT mode,
 * an external address and port range for outbound SNAT (HNV's New-NetNat); static mappings that
 * publish a tenant's service on the external address (Add-NetNatStaticMapping); the connection
 * table the datapath keeps, its timeouts, and its collector (nat gc), which removes the
 * connections whose two directions have expired. The rules are the maps library's; this file
 * parses and prints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_output.h"
#include "nvctl.h"

#define NSEC_PER_S 1000000000ull

/* Static mappings publish TCP and UDP services (index = map_protos[]'s protocol). */
static const char *const map_proto_names[] = { "tcp", "udp", NULL };
static const __u8 map_protos[] = { IPPROTO_TCP, IPPROTO_UDP };

static const char *proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	return "?";
}

/* "198.51.100.1:80", "[2001:db8::1]:80" */
static const char *addr_port(const union nv_addr *a, __u16 port, char *buf, size_t len)
{
	char s[NV_ADDR_STRLEN];

	nv_addr_format(a, s, sizeof(s));
	snprintf(buf, len, nv_addr_is_ipv4(a) ? "%s:%u" : "[%s]:%u", s, port);
	return buf;
}
#define NV_ADDR_PORT_STRLEN (NV_ADDR_STRLEN + 8)

/* ---- nat add, del ---- */

enum {
	NAT_RDID,
	NAT_EXTERNAL,
	NAT_PORTS
};
static const struct nv_arg_spec add_args[] = {
	[NAT_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[NAT_EXTERNAL] = NV_ARG_KEY("external", NV_ARG_ADDR, true, "ADDR"),
	[NAT_PORTS] = NV_ARG_KEY("ports", NV_ARG_PORT_RANGE, false, "LO-HI"),
};
static const struct nv_arg_spec del_args[] = {
	[NAT_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
};

static int add_nat(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		   struct nv_conflict *why)
{
	__u32 rdid = a->a[NAT_RDID].v.u32;
	struct nv_nat n = { .ext = a->a[NAT_EXTERNAL].v.addr };

	/* No range: the library's default (NV_NAT_PORT_LO..HI). */
	if (a->a[NAT_PORTS].set) {
		n.port_lo = a->a[NAT_PORTS].port;
		n.port_hi = a->a[NAT_PORTS].port_hi;
	}
	*undo = (struct nv_undo){ .kind = NV_UNDO_NAT_DEL, .id = rdid };
	return nv_nat_add(m, rdid, &n, why);
}

static int nat_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, add_nat);
}

static int del_nat(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		   struct nv_conflict *why)
{
	__u32 rdid = a->a[NAT_RDID].v.u32;
	struct nv_nat n = { 0 };
	int err;

	/* Kept for the undo (its connections are state: they are not put back). */
	err = nv_nat_get(m, rdid, &n);
	if (!err || err == -ENOENT)
		err = nv_nat_del(m, rdid, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_NAT_ADD, .id = rdid, .nat = n };
	return err;
}

static int nat_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, del_nat);
}

/* ---- nat map ---- */

enum {
	MAP_RDID,
	MAP_PROTO,
	MAP_EXTERNAL,
	MAP_INTERNAL
};
static const struct nv_arg_spec map_add_args[] = {
	[MAP_RDID] = NV_ARG_NUM("rdid", true, 0, 0xffffffffu, "RDID"),
	[MAP_PROTO] = { .key = "proto",
			.type = NV_ARG_CHOICE,
			.required = true,
			.choices = map_proto_names },
	[MAP_EXTERNAL] = NV_ARG_KEY("external", NV_ARG_ADDR_PORT, true, "ADDR:PORT"),
	[MAP_INTERNAL] = NV_ARG_KEY("internal", NV_ARG_ADDR_PORT, true, "CA:PORT"),
};
static const struct nv_arg_spec map_del_args[] = {
	[MAP_PROTO] = { .key = "proto",
			.type = NV_ARG_CHOICE,
			.required = true,
			.choices = map_proto_names },
	[MAP_EXTERNAL] = NV_ARG_KEY("external", NV_ARG_ADDR_PORT, true, "ADDR:PORT"),
};

static struct nv_nat_map_key map_key(const struct nv_args *a)
{
	return (struct nv_nat_map_key){ .ext = a->a[MAP_EXTERNAL].v.addr,
					.port = htons(a->a[MAP_EXTERNAL].port),
					.proto = map_protos[a->a[MAP_PROTO].v.choice] };
}

static int add_map(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		   struct nv_conflict *why)
{
	struct nv_nat_map_key k = map_key(a);
	struct nv_nat_map v = { .rdid = a->a[MAP_RDID].v.u32,
				.port = htons(a->a[MAP_INTERNAL].port),
				.ca = a->a[MAP_INTERNAL].v.addr };

	*undo = (struct nv_undo){ .kind = NV_UNDO_NAT_MAP_DEL, .nat_key = k };
	return nv_nat_map_add(m, &k, &v, why);
}

static int nat_map_add(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, add_map);
}

/* The mapping a del removes, to put it back on a rollback. */
struct map_find {
	struct nv_nat_map_key k;
	struct nv_nat_map v;
};

static int map_find_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct map_find *f = arg;

	if (k->port == f->k.port && k->proto == f->k.proto &&
	    !memcmp(&k->ext, &f->k.ext, sizeof(k->ext)))
		f->v = *v;
	return 0;
}

static int del_map(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
		   struct nv_conflict *why)
{
	struct map_find f = { .k = map_key(a) };
	int err = nv_nat_map_iter(m, map_find_cb, &f);

	if (!err)
		err = nv_nat_map_del(m, &f.k, why);
	*undo = (struct nv_undo){ .kind = NV_UNDO_NAT_MAP_ADD, .nat_key = f.k, .nat_map = f.v };
	return err;
}

static int nat_map_del(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_change(ctx, a, del_map);
}

/* ---- nat show: NATs, static mappings, timeouts ---- */

/* Rows of a listing, sorted before they print (the maps are hashes). */
struct rows {
	void *v;
	size_t n, cap, size;
};

static void *row_add(struct rows *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		void *v = realloc(r->v, cap * r->size);

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	return (char *)r->v + r->size * r->n++;
}

static void rows_sort(struct rows *r, int (*cmp)(const void *, const void *))
{
	if (r->n)
		qsort(r->v, r->n, r->size, cmp);
}

struct nat_row {
	__u32 rdid;
	struct nv_nat n;
};

static int nat_collect_cb(__u32 rdid, const struct nv_nat *n, void *arg)
{
	struct nat_row *row = row_add(arg);

	if (!row)
		return -ENOMEM;
	*row = (struct nat_row){ .rdid = rdid, .n = *n };
	return 0;
}

static int nat_cmp(const void *pa, const void *pb)
{
	const struct nat_row *a = pa, *b = pb;

	return a->rdid < b->rdid ? -1 : a->rdid > b->rdid;
}

struct map_row {
	struct nv_nat_map_key k;
	struct nv_nat_map v;
};

static int map_collect_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct map_row *row = row_add(arg);

	if (!row)
		return -ENOMEM;
	*row = (struct map_row){ .k = *k, .v = *v };
	return 0;
}

/* By external address, port, protocol. */
static int map_cmp(const void *pa, const void *pb)
{
	const struct map_row *a = pa, *b = pb;
	int c = memcmp(&a->k.ext, &b->k.ext, sizeof(a->k.ext));

	if (c)
		return c;
	if (a->k.port != b->k.port)
		return ntohs(a->k.port) < ntohs(b->k.port) ? -1 : 1;
	return a->k.proto < b->k.proto ? -1 : a->k.proto > b->k.proto;
}

static void print_timeouts(struct nv_ctx *ctx, const struct nv_ct_timeouts *t)
{
	nv_open_object(ctx, "timeouts");
	nv_print_text(ctx, "timeouts (s): ");
	nv_print_uint(ctx, "tcp_syn", "tcp-syn %llu  ", t->tcp_syn);
	nv_print_uint(ctx, "tcp_established", "tcp-established %llu  ", t->tcp_established);
	nv_print_uint(ctx, "tcp_fin", "tcp-fin %llu  ", t->tcp_fin);
	nv_print_uint(ctx, "udp", "udp %llu  ", t->udp);
	nv_print_uint(ctx, "icmp", "icmp %llu\n", t->icmp);
	nv_close(ctx);
}

static int show_all(struct nv_ctx *ctx, const struct nv_maps *m)
{
	struct rows nats = { .size = sizeof(struct nat_row) };
	struct rows maps = { .size = sizeof(struct map_row) };
	char ext[NV_ADDR_STRLEN], ap[NV_ADDR_PORT_STRLEN], ports[16];
	struct nv_ct_timeouts t;
	int err;

	err = nv_nat_iter(m, nat_collect_cb, &nats) ?: nv_nat_map_iter(m, map_collect_cb, &maps) ?:
							       nv_ct_timeouts_get(m, &t);
	if (err)
		goto out;
	rows_sort(&nats, nat_cmp);
	rows_sort(&maps, map_cmp);
	nv_out_begin(ctx, false);
	nv_open_array(ctx, "nats");
	nv_print_text(ctx, "%-10s %-16s %s\n", "RDID", "EXTERNAL", "PORTS");
	for (size_t i = 0; i < nats.n; i++) {
		const struct nat_row *r = (const struct nat_row *)nats.v + i;

		nv_open_object(ctx, NULL);
		nv_print_uint(ctx, "rdid", "%-10llu ", r->rdid);
		nv_print_string(ctx, "external", "%-16s ",
				nv_addr_format(&r->n.ext, ext, sizeof(ext)));
		snprintf(ports, sizeof(ports), "%u-%u", r->n.port_lo, r->n.port_hi);
		nv_print_uint(ctx, "port_lo", NULL, r->n.port_lo);
		nv_print_uint(ctx, "port_hi", NULL, r->n.port_hi);
		nv_print_text(ctx, "%s\n", ports);
		nv_close(ctx);
	}
	nv_close(ctx);
	nv_open_array(ctx, "maps");
	nv_print_text(ctx, "\n%-6s %-22s %-10s %s\n", "PROTO", "EXTERNAL", "RDID", "INTERNAL");
	for (size_t i = 0; i < maps.n; i++) {
		const struct map_row *r = (const struct map_row *)maps.v + i;

		nv_open_object(ctx, NULL);
		nv_print_string(ctx, "proto", "%-6s ", proto_name(r->k.proto));
		nv_print_text(ctx, "%-22s ",
			      addr_port(&r->k.ext, ntohs(r->k.port), ap, sizeof(ap)));
		nv_print_string(ctx, "external", NULL, nv_addr_format(&r->k.ext, ext, sizeof(ext)));
		nv_print_uint(ctx, "external_port", NULL, ntohs(r->k.port));
		nv_print_uint(ctx, "rdid", "%-10llu ", r->v.rdid);
		nv_print_text(ctx, "%s\n", addr_port(&r->v.ca, ntohs(r->v.port), ap, sizeof(ap)));
		nv_print_string(ctx, "internal", NULL, nv_addr_format(&r->v.ca, ext, sizeof(ext)));
		nv_print_uint(ctx, "internal_port", NULL, ntohs(r->v.port));
		nv_close(ctx);
	}
	nv_close(ctx);
	nv_print_text(ctx, "\n");
	print_timeouts(ctx, &t);
	nv_out_end(ctx);
out:
	free(nats.v);
	free(maps.v);
	return err;
}

static int nat_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	err = show_all(ctx, &m);
	nv_close_maps(ctx, &m);
	return err ? nv_errno_error(ctx, err, "%s", a->cmd) : 0;
}

/* ---- nat conn ---- */

enum {
	CONN_RDID
};
/* RDID 0 would be every RDID's to the library (nv_ct_iter, nv_ct_flush): 1.. here. */
static const struct nv_arg_spec conn_args[] = {
	[CONN_RDID] = NV_ARG_NUM("rdid", false, 1, 0xffffffffu, "RDID"),
};

static const char *const ct_states[] = { "new", "established", "closing" }; /* nv_ct_state */

static __u64 now_ns(void)
{
	struct timespec ts;

	/* The datapath's clock: bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_S + (__u64)ts.tv_nsec;
}

/* A connection as it shows: from the tenant's side (its NV_CT_OUT entry) and the reply's. */
struct conn_row {
	__u32 rdid;
	__u8 proto, state, flags;
	bool has_in;
	union nv_addr inside, external, remote;
	__u16 inside_port, external_port, remote_port;
	__u64 created_ns, expires_ns;
	__u64 out_packets, out_bytes, in_packets, in_bytes;
};

static int conn_collect_cb(const struct nv_ct_conn *c, void *arg)
{
	struct conn_row *r = row_add(arg);

	if (!r)
		return -ENOMEM;
	*r = (struct conn_row){ .rdid = c->out.rdid,
				.proto = c->out.proto,
				.state = c->out_e.state,
				.flags = c->out_e.flags,
				.has_in = c->has_in,
				.inside = c->out.src,
				.external = c->out_e.addr,
				.remote = c->out.dst,
				.inside_port = ntohs(c->out.sport),
				.external_port = ntohs(c->out_e.port),
				.remote_port = ntohs(c->out.dport),
				.created_ns = c->out_e.created_ns,
				.expires_ns = c->out_e.expires_ns,
				.out_packets = c->out_e.packets,
				.out_bytes = c->out_e.bytes };
	/* The pair goes when both directions have expired: the later one is the pair's. */
	if (c->has_in) {
		if (c->in_e.expires_ns > r->expires_ns)
			r->expires_ns = c->in_e.expires_ns;
		r->in_packets = c->in_e.packets;
		r->in_bytes = c->in_e.bytes;
	}
	return 0;
}

/* By protocol, RDID, inside address and port, remote address and port. */
static int conn_cmp(const void *pa, const void *pb)
{
	const struct conn_row *a = pa, *b = pb;
	int c;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->rdid != b->rdid)
		return a->rdid < b->rdid ? -1 : 1;
	c = memcmp(&a->inside, &b->inside, sizeof(a->inside));
	if (c)
		return c;
	if (a->inside_port != b->inside_port)
		return a->inside_port < b->inside_port ? -1 : 1;
	c = memcmp(&a->remote, &b->remote, sizeof(a->remote));
	if (c)
		return c;
	return a->remote_port < b->remote_port ? -1 : a->remote_port > b->remote_port;
}

static void print_conn(struct nv_ctx *ctx, const struct conn_row *r, __u64 now)
{
	char ap[NV_ADDR_PORT_STRLEN], addr[NV_ADDR_STRLEN];
	__u64 age = now > r->created_ns ? (now - r->created_ns) / NSEC_PER_S : 0;
	__u64 left = r->expires_ns > now ? (r->expires_ns - now) / NSEC_PER_S : 0;

	nv_open_object(ctx, NULL);
	nv_print_string(ctx, "proto", "%-5s ", proto_name(r->proto));
	nv_print_uint(ctx, "rdid", "%-10llu ", r->rdid);
	/* ICMP echo: the port is the identifier, and the remote has none. */
	nv_print_text(ctx, "%-22s ", addr_port(&r->inside, r->inside_port, ap, sizeof(ap)));
	nv_print_string(ctx, "inside", NULL, nv_addr_format(&r->inside, addr, sizeof(addr)));
	nv_print_uint(ctx, "inside_port", NULL, r->inside_port);
	nv_print_text(ctx, "%-22s ", addr_port(&r->external, r->external_port, ap, sizeof(ap)));
	nv_print_string(ctx, "external", NULL, nv_addr_format(&r->external, addr, sizeof(addr)));
	nv_print_uint(ctx, "external_port", NULL, r->external_port);
	nv_print_text(ctx, "%-22s ",
		      r->proto == IPPROTO_ICMP
			      ? nv_addr_format(&r->remote, ap, sizeof(ap))
			      : addr_port(&r->remote, r->remote_port, ap, sizeof(ap)));
	nv_print_string(ctx, "remote", NULL, nv_addr_format(&r->remote, addr, sizeof(addr)));
	nv_print_uint(ctx, "remote_port", NULL, r->remote_port);
	nv_print_string(ctx, "state", "%-11s ",
			r->state < NV_ARRAY_SIZE(ct_states) ? ct_states[r->state] : "?");
	nv_print_bool(ctx, "static", NULL, r->flags & NV_CT_F_STATIC);
	nv_print_bool(ctx, "complete", NULL, r->has_in);
	nv_print_text(ctx, "%-6s ",
		      r->flags & NV_CT_F_STATIC ? "static"
		      : !r->has_in		? "half"
						: "-");
	nv_print_uint(ctx, "age_s", "%7llu ", age);
	nv_print_uint(ctx, "expires_in_s", "%7llu ", left);
	nv_print_uint(ctx, "packets_out", "%10llu ", r->out_packets);
	nv_print_uint(ctx, "bytes_out", "%12llu ", r->out_bytes);
	nv_print_uint(ctx, "packets_in", "%10llu ", r->in_packets);
	nv_print_uint(ctx, "bytes_in", "%12llu\n", r->in_bytes);
	nv_close(ctx);
}

static int list_conns(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a)
{
	struct rows rows = { .size = sizeof(struct conn_row) };
	__u64 now;
	int err;

	err = nv_ct_iter(m, a->a[CONN_RDID].v.u32, conn_collect_cb, &rows);
	now = now_ns();
	rows_sort(&rows, conn_cmp);
	for (size_t i = 0; !err && i < rows.n; i++)
		print_conn(ctx, (const struct conn_row *)rows.v + i, now);
	free(rows.v);
	return err;
}

static int conn_show(struct nv_ctx *ctx, const struct nv_args *a)
{
	return nv_list(ctx, a, list_conns,
		       "%-5s %-10s %-22s %-22s %-22s %-11s %-6s %7s %7s %10s %12s %10s %12s\n",
		       "PROTO", "RDID", "INSIDE", "EXTERNAL", "REMOTE", "STATE", "FLAGS", "AGE",
		       "EXPIRES", "PKTS-OUT", "BYTES-OUT", "PKTS-IN", "BYTES-IN");
}

static int conn_flush(struct nv_ctx *ctx, const struct nv_args *a)
{
	__u64 removed = 0;
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	err = nv_ct_flush(&m, a->a[CONN_RDID].v.u32, &removed);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "%s: %llu removed, then", a->cmd,
				      (unsigned long long)removed);
	nv_out_begin(ctx, false);
	nv_print_uint(ctx, "removed", "%llu connections removed\n", removed);
	nv_out_end(ctx);
	return 0;
}

/* ---- nat timeout set ---- */

enum {
	TMO_TCP_SYN,
	TMO_TCP_ESTABLISHED,
	TMO_TCP_FIN,
	TMO_UDP,
	TMO_ICMP
};
/* Seconds; 0: the default again. */
static const struct nv_arg_spec timeout_args[] = {
	[TMO_TCP_SYN] = NV_ARG_NUM("tcp-syn", false, 0, NV_CT_TIMEOUT_MAX, "S"),
	[TMO_TCP_ESTABLISHED] = NV_ARG_NUM("tcp-established", false, 0, NV_CT_TIMEOUT_MAX, "S"),
	[TMO_TCP_FIN] = NV_ARG_NUM("tcp-fin", false, 0, NV_CT_TIMEOUT_MAX, "S"),
	[TMO_UDP] = NV_ARG_NUM("udp", false, 0, NV_CT_TIMEOUT_MAX, "S"),
	[TMO_ICMP] = NV_ARG_NUM("icmp", false, 0, NV_CT_TIMEOUT_MAX, "S"),
};

static void set_if(const struct nv_arg *a, __u32 *v)
{
	if (a->set)
		*v = a->v.u32;
}

static int set_timeouts(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
			struct nv_conflict *why)
{
	struct nv_ct_timeouts t;
	int err = nv_ct_timeouts_get(m, &t);

	if (err)
		return err;
	*undo = (struct nv_undo){ .kind = NV_UNDO_CT_TIMEOUTS_SET, .timeouts = t };
	/* Those not given keep their values. */
	set_if(&a->a[TMO_TCP_SYN], &t.tcp_syn);
	set_if(&a->a[TMO_TCP_ESTABLISHED], &t.tcp_established);
	set_if(&a->a[TMO_TCP_FIN], &t.tcp_fin);
	set_if(&a->a[TMO_UDP], &t.udp);
	set_if(&a->a[TMO_ICMP], &t.icmp);
	return nv_ct_timeouts_set(m, &t, why);
}

static int timeout_set(struct nv_ctx *ctx, const struct nv_args *a)
{
	bool any = false;

	for (size_t i = 0; i < NV_ARRAY_SIZE(timeout_args); i++)
		any |= a->a[i].set;
	if (!any)
		return nv_usage_error(ctx,
				      "%s: give at least one of tcp-syn, tcp-established, tcp-fin, "
				      "udp, icmp",
				      a->cmd);
	return nv_change(ctx, a, set_timeouts);
}

/* ---- nat gc ---- */

enum {
	GC_WATCH,
	GC_INTERVAL
};
#define GC_INTERVAL_DEFAULT 10
static const struct nv_arg_spec gc_args[] = {
	[GC_WATCH] = NV_ARG_FLAG_KEY("--watch"),
	[GC_INTERVAL] = NV_ARG_NUM("--interval", false, 1, 86400, "S"),
};

/* One pass over the instance's table, maps opened for it (a new datapath is found). */
static int gc_pass(struct nv_ctx *ctx, const char *cmd)
{
	struct nv_ct_gc_stats st = { 0 };
	struct nv_maps m;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	err = nv_ct_gc(&m, now_ns(), &st);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "%s: %llu removed, then", cmd,
				      (unsigned long long)(st.expired + st.orphans));
	nv_out_begin(ctx, false);
	nv_print_uint(ctx, "removed", "removed %llu", st.expired + st.orphans);
	nv_print_uint(ctx, "expired", " (expired %llu,", st.expired);
	nv_print_uint(ctx, "orphans", " half %llu),", st.orphans);
	nv_print_uint(ctx, "live", " live %llu,", st.live);
	nv_print_uint(ctx, "scanned", " scanned %llu\n", st.scanned);
	nv_out_end(ctx);
	fflush(stdout);
	return 0;
}

/*
 * One pass, or (--watch) a pass every interval until SIGINT or SIGTERM. A pass runs whole: a
 * signal meanwhile waits for its end (the collector removes both halves of a pair or neither).
 * Between passes the instance is not held: every other nvctl runs meanwhile.
 */
static int nat_gc(struct nv_ctx *ctx, const struct nv_args *a)
{
	bool watch = a->a[GC_WATCH].set;
	struct timespec every = { .tv_sec = a->a[GC_INTERVAL].set ? a->a[GC_INTERVAL].v.u32
								  : GC_INTERVAL_DEFAULT };
	sigset_t stop, old;
	int ret, sig;

	if (a->a[GC_INTERVAL].set && !watch)
		return nv_usage_error(ctx, "%s: --interval goes with --watch", a->cmd);
	if (watch)
		nv_ctx_unlock(ctx);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	for (;;) {
		sigset_t held;

		nv_signals_hold(&held);
		ret = gc_pass(ctx, a->cmd);
		nv_signals_release(&held);
		if (ret || !watch)
			break;
		do
			sig = sigtimedwait(&stop, NULL, &every);
		while (sig < 0 && errno == EINTR);
		if (sig > 0)
			break;
	}
	/* One pass: a signal that came meanwhile ends the process now, the pass done. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

const struct nv_cmd nv_nat_cmds[] = {
	NV_CMD("add", add_args,
	       "outbound SNAT of rdid (a NAT-mode leg) to the external address ADDR, its ports "
	       "LO-HI (1024-65535)",
	       nat_add, NV_CMD_BATCH),
	NV_CMD("del", del_args, "remove the NAT of rdid, and its connections", nat_del,
	       NV_CMD_BATCH),
	NV_CMD_NOARGS("show", "list NATs, static mappings and connection timeouts", nat_show, 0),
	NV_CMD("map add", map_add_args,
	       "a static mapping: proto external ADDR:PORT to internal CA:PORT in rdid (a "
	       "published service)",
	       nat_map_add, NV_CMD_BATCH),
	NV_CMD("map del", map_del_args, "remove a static mapping, and its connections", nat_map_del,
	       NV_CMD_BATCH),
	NV_CMD("conn show", conn_args,
	       "list tracked connections: inside, external and remote address and port, state, "
	       "age, expiry, traffic each way",
	       conn_show, 0),
	NV_CMD("conn flush", conn_args, "remove every tracked connection (of rdid)", conn_flush,
	       NV_CMD_WHOLE),
	NV_CMD("timeout set", timeout_args,
	       "connection timeouts in seconds (0: the default); those not given keep theirs",
	       timeout_set, NV_CMD_BATCH),
	NV_CMD("gc", gc_args,
	       "remove expired connections: one pass, or --watch one every --interval S (10) "
	       "until SIGINT or SIGTERM",
	       nat_gc, 0),
	{ 0 },
};
