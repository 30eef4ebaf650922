// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * How nvctl trace shows a run: each stage's verdict, reason, target and output frame, the live
 * map entries the datapath looked up for the frame (from the frame's own fields), the verdict.
 */
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "trace.h"

/* A device in JSON: its name, null when it is gone (as every nvctl command names one). */
static json_t *dev_json(__u32 ifindex)
{
	char name[NV_NETDEV_NAMELEN];

	return nv_netdev_exists(ifindex) ? json_string(nv_netdev_name(ifindex, name, sizeof(name)))
					 : json_null();
}

/* ---- lookups: the live entries for the keys the datapath used ---- */

struct lookups {
	const struct nv_ctx *ctx;
	json_t *list; /* -j */
};

static void lookup_out(struct lookups *l, const char *map, json_t *key, const char *key_text,
		       json_t *value, const char *value_text)
{
	if (l->list) {
		json_t *o = json_pack("{s:s, s:o, s:b}", "map", map, "key", key, "found", !!value);

		if (value)
			json_object_set_new(o, "value", value);
		json_array_append_new(l->list, o);
		return;
	}
	json_decref(key);
	json_decref(value);
	printf("  %-13s %-32s %s%s\n", map, key_text, value_text ? "found: " : "not found",
	       value_text ? value_text : "");
}

static void show_port(struct lookups *l, const struct nv_maps *m, __u32 ifindex)
{
	char dev[NV_NETDEV_NAMELEN], key[64], val[256], ca[NV_ADDR_STRLEN], pa[NV_ADDR_STRLEN],
		mac[NV_MAC_STRLEN];
	struct nv_port p;
	bool found = !nv_port_get(m, ifindex, &p);

	nv_netdev_name(ifindex, dev, sizeof(dev));
	snprintf(key, sizeof(key), "%s (ifindex %u)", dev, ifindex);
	if (found) {
		nv_addr_format(&p.ca, ca, sizeof(ca));
		nv_addr_format(&p.pa, pa, sizeof(pa));
		nv_mac_format(p.mac, mac, sizeof(mac));
		snprintf(val, sizeof(val), "vsid %u rdid %u ca %s mac %s deliver %s pa %s", p.vsid,
			 p.rdid, ca, mac, p.deliver == NV_DELIVER_XDP ? "xdp" : "tc",
			 nv_addr_is_ipv4(&p.pa) && p.pa.w[3] ? pa : "(unbound)");
	}
	lookup_out(
		l, "nv_ports",
		json_pack("{s:I, s:o}", "ifindex", (json_int_t)ifindex, "dev", dev_json(ifindex)),
		key,
		found ? json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "vsid", (json_int_t)p.vsid,
				  "rdid", (json_int_t)p.rdid, "ca", ca, "mac", mac, "deliver",
				  p.deliver == NV_DELIVER_XDP ? "xdp" : "tc", "pa", pa)
		      : NULL,
		found ? val : NULL);
}

/* A record as text (appended to val) and as JSON (fields set on o). */
static void record_value(const struct nv_record *r, char *val, size_t size, json_t *o)
{
	char pa[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], dev[NV_NETDEV_NAMELEN] = "";
	size_t at = strlen(val);

	nv_addr_format(&r->pa, pa, sizeof(pa));
	nv_mac_format(r->mac, mac, sizeof(mac));
	if (r->ifindex)
		nv_netdev_name(r->ifindex, dev, sizeof(dev));
	snprintf(val + at, size - at, "pa %s%s mac %s%s%s", pa,
		 r->local & NV_LOCAL_PA ? " (local)" : "", mac, r->ifindex ? " port " : "", dev);
	json_object_set_new(o, "pa", json_string(pa));
	json_object_set_new(o, "mac", json_string(mac));
	json_object_set_new(o, "local_pa", json_boolean(r->local & NV_LOCAL_PA));
	json_object_set_new(o, "ifindex", json_integer(r->ifindex));
	json_object_set_new(o, "port", r->ifindex ? dev_json(r->ifindex) : json_null());
}

/* The record of (vsid, ca); *out and true when found. */
static bool show_record(struct lookups *l, const struct nv_maps *m, __u32 vsid, __be32 ca4,
			const char *why, struct nv_record *out)
{
	char key[96], val[256] = "", ca[NV_ADDR_STRLEN];
	struct nv_record_key k = { .vsid = vsid };
	json_t *value = NULL;
	struct nv_record r;
	bool found;

	nv_addr_from_ipv4(&k.ca, ca4);
	found = !nv_record_get(m, &k, &r);
	nv_addr_format(&k.ca, ca, sizeof(ca));
	snprintf(key, sizeof(key), "%u %s (%s)", vsid, ca, why);
	if (found) {
		value = json_object();
		record_value(&r, val, sizeof(val), value);
		*out = r;
	}
	lookup_out(l, "nv_records",
		   json_pack("{s:I, s:s, s:s}", "vsid", (json_int_t)vsid, "ca", ca, "role", why),
		   key, value, found ? val : NULL);
	return found;
}

/* The subnet of vsid (why: its role, NULL for the port's own); *out and true when found. */
static bool show_subnet(struct lookups *l, const struct nv_maps *m, __u32 vsid, const char *why,
			struct nv_subnet *out)
{
	char key[64], val[160], pfx[NV_PREFIX_STRLEN], gw[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN];
	struct nv_subnet s;
	bool found = !nv_subnet_get(m, vsid, &s);
	json_t *k = json_pack("{s:I}", "vsid", (json_int_t)vsid);

	if (why) {
		snprintf(key, sizeof(key), "%u (%s)", vsid, why);
		json_object_set_new(k, "role", json_string(why));
	} else {
		snprintf(key, sizeof(key), "%u", vsid);
	}
	if (found) {
		nv_prefix_format(&s.prefix, s.prefixlen, pfx, sizeof(pfx));
		nv_addr_format(&s.gw_ca, gw, sizeof(gw));
		nv_mac_format(s.gw_mac, mac, sizeof(mac));
		snprintf(val, sizeof(val), "rdid %u prefix %s gateway %s mac %s", s.rdid, pfx, gw,
			 mac);
		*out = s;
	}
	lookup_out(l, "nv_subnets", k, key,
		   found ? json_pack("{s:I, s:s, s:s, s:s}", "rdid", (json_int_t)s.rdid, "prefix",
				     pfx, "gateway", gw, "gateway_mac", mac)
			 : NULL,
		   found ? val : NULL);
	return found;
}

/* ARP for the gateway CA: the router answers it from the subnet (the gateway has no record). */
static void show_gateway(struct lookups *l, __u32 vsid, const struct nv_subnet *s)
{
	char key[96], val[96], gw[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN];

	nv_addr_format(&s->gw_ca, gw, sizeof(gw));
	nv_mac_format(s->gw_mac, mac, sizeof(mac));
	snprintf(key, sizeof(key), "%u %s (ARP target: gateway)", vsid, gw);
	snprintf(val, sizeof(val), "gateway %s mac %s", gw, mac);
	lookup_out(l, "nv_subnets",
		   json_pack("{s:I, s:s, s:s}", "vsid", (json_int_t)vsid, "ca", gw, "role",
			     "ARP target: gateway"),
		   key, json_pack("{s:s, s:s}", "gateway", gw, "gateway_mac", mac), val);
}

/*
 * The VSID in which ca has its record in rdid, with a copy of the record and so that VSID's
 * gateway MAC (nv_rdid_cas); *vsid, *out and true when found.
 */
static bool show_rdid_ca(struct lookups *l, const struct nv_maps *m, __u32 rdid, __be32 ca4,
			 const char *why, __u32 *vsid, struct nv_record *out)
{
	char key[96], val[320] = "", ca[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN];
	json_t *value = NULL;
	struct nv_rdid_ca ix;
	union nv_addr a;
	bool found;

	nv_addr_from_ipv4(&a, ca4);
	found = !nv_rdid_ca_lookup(m, rdid, &a, &ix);
	nv_addr_format(&a, ca, sizeof(ca));
	snprintf(key, sizeof(key), "rdid %u %s (%s)", rdid, ca, why);
	if (found) {
		*vsid = ix.vsid;
		*out = ix.rec;
		nv_mac_format(ix.rec.gw_mac, mac, sizeof(mac));
		snprintf(val, sizeof(val), "vsid %u gateway-mac %s ", ix.vsid, mac);
		value = json_pack("{s:I, s:s}", "vsid", (json_int_t)ix.vsid, "gateway_mac", mac);
		record_value(&ix.rec, val, sizeof(val), value);
	}
	lookup_out(l, "nv_rdid_cas",
		   json_pack("{s:I, s:s, s:s}", "rdid", (json_int_t)rdid, "ca", ca, "role", why),
		   key, value, found ? val : NULL);
	return found;
}

/* The route the router takes to dst in rdid (longest prefix, then the best); true when found. */
static bool show_route(struct lookups *l, const struct nv_maps *m, __u32 rdid, __be32 dst4,
		       struct nv_route_info *out)
{
	char key[64], val[160], dst[NV_ADDR_STRLEN], pfx[NV_PREFIX_STRLEN], nh[NV_ADDR_STRLEN];
	union nv_addr a;
	bool found, onlink;

	nv_addr_from_ipv4(&a, dst4);
	found = !nv_route_lookup(m, rdid, &a, out);
	nv_addr_format(&a, dst, sizeof(dst));
	snprintf(key, sizeof(key), "rdid %u %s", rdid, dst);
	onlink = found && nv_route_onlink(&out->route.nexthop);
	if (found) {
		nv_prefix_format(&out->prefix, (__u8)out->prefixlen, pfx, sizeof(pfx));
		nv_addr_format(&out->route.nexthop, nh, sizeof(nh));
		snprintf(val, sizeof(val), "%s %s%s vsid %u metric %u%s", pfx,
			 onlink ? "on-link" : "via ", onlink ? "" : nh, out->route.vsid,
			 out->route.metric, out->flags & NV_ROUTE_F_SUBNET ? " (subnet)" : "");
	}
	lookup_out(l, "nv_routes", json_pack("{s:I, s:s}", "rdid", (json_int_t)rdid, "addr", dst),
		   key,
		   found ? json_pack("{s:s, s:o, s:I, s:I, s:b}", "prefix", pfx, "nexthop",
				     onlink ? json_null() : json_string(nh), "vsid",
				     (json_int_t)out->route.vsid, "metric",
				     (json_int_t)out->route.metric, "subnet",
				     !!(out->flags & NV_ROUTE_F_SUBNET))
			 : NULL,
		   found ? val : NULL);
	return found;
}

static void show_local_pa(struct lookups *l, const struct nv_maps *m, __be32 pa4, const char *why)
{
	char key[96], val[64], pa[NV_ADDR_STRLEN], dev[NV_NETDEV_NAMELEN] = "";
	struct nv_local_pa v;
	union nv_addr addr;
	bool found;

	nv_addr_from_ipv4(&addr, pa4);
	found = !nv_local_pa_get(m, &addr, &v);
	nv_addr_format(&addr, pa, sizeof(pa));
	snprintf(key, sizeof(key), "%s (%s)", pa, why);
	if (found) {
		nv_netdev_name(v.ifindex, dev, sizeof(dev));
		snprintf(val, sizeof(val), "on %s", dev);
	}
	lookup_out(l, "nv_local_pas", json_pack("{s:s, s:s}", "pa", pa, "role", why), key,
		   found ? json_pack("{s:I, s:o}", "ifindex", (json_int_t)v.ifindex, "dev",
				     dev_json(v.ifindex))
			 : NULL,
		   found ? val : NULL);
}

/* Where a destination's record leads: its local port, or whether its PA is local. */
static void show_delivery(struct lookups *l, const struct nv_maps *m, const struct nv_record *r)
{
	if (r->ifindex)
		show_port(l, m, r->ifindex);
	else if (nv_addr_is_ipv4(&r->pa))
		show_local_pa(l, m, r->pa.w[3], "destination PA");
}

/*
 * The router's lookups for dst, sent by a port in rdid to its gateway MAC (from_vm.bpf.c
 * route_dst, bpf/lib/nv_route.h): the exact record in the RDID (the index holds a copy, with its
 * subnet's gateway MAC), else the route, then the next hop's record or the destination's in the
 * route's VSID (that VSID's gateway wildcard when it has none), then the subnet the route leads
 * into (its gateway CA is never forwarded, its MAC is the routed frame's source MAC); where it
 * goes.
 */
static void show_routed(struct lookups *l, const struct nv_maps *m, __u32 rdid, __be32 dst)
{
	struct nv_route_info ri;
	struct nv_subnet s;
	struct nv_record r;
	bool found, onlink;
	__u32 vsid;

	if (show_rdid_ca(l, m, rdid, dst, "destination", &vsid, &r)) {
		show_delivery(l, m, &r);
		return;
	}
	if (!show_route(l, m, rdid, dst, &ri))
		return;
	vsid = ri.route.vsid;
	onlink = nv_route_onlink(&ri.route.nexthop);
	if (!onlink)
		found = nv_addr_is_ipv4(&ri.route.nexthop) &&
			show_record(l, m, vsid, ri.route.nexthop.w[3], "next hop", &r);
	else
		found = show_record(l, m, vsid, dst, "destination", &r) ||
			show_record(l, m, vsid, 0, "gateway wildcard", &r);
	if (!found && !onlink)
		return;
	if (!show_subnet(l, m, vsid, "destination", &s) || !found ||
	    (nv_addr_is_ipv4(&s.gw_ca) && s.gw_ca.w[3] == dst))
		return;
	show_delivery(l, m, &r);
}

/*
 * The inner source of an NVGRE frame routed by the sender (from the key VSID's gateway MAC, or
 * without record in the key VSID): its record in the key VSID's routing domain, else the
 * domain's gateway wildcard (CA 0.0.0.0), both from the index's copies.
 */
static void show_routed_source(struct lookups *l, const struct nv_maps *m, __u32 rdid, __be32 src)
{
	struct nv_record r;
	__u32 vsid;

	if (!show_rdid_ca(l, m, rdid, src, "inner source", &vsid, &r))
		show_rdid_ca(l, m, rdid, 0, "gateway wildcard", &vsid, &r);
}

/* What the datapath looks up for this frame, from the frame's own fields. */
static void show_lookups(struct lookups *l, const struct nv_maps *m, bool underlay, __u32 port,
			 const struct nv_frame_view *v)
{
	const struct nv_fv_frame *f = &v->f;
	struct nv_record r, dst;
	bool have_subnet, have_dst;
	struct nv_subnet s;
	struct nv_port p;
	__u32 vsid;

	if (!underlay) {
		show_port(l, m, port);
		if (nv_port_get(m, port, &p))
			return;
		vsid = p.vsid;
		if (f->have & NV_FV_ARP) {
			if (!show_record(l, m, vsid, f->tpa, "ARP target", &r) &&
			    show_subnet(l, m, vsid, NULL, &s) && nv_addr_is_ipv4(&s.gw_ca) &&
			    s.gw_ca.w[3] == f->tpa)
				show_gateway(l, vsid, &s);
			return;
		}
		if (!(f->have & NV_FV_IPV4))
			return;
		/* The sender's own record: its PA is the outer source of what the port sends. */
		if (nv_addr_is_ipv4(&p.ca))
			show_record(l, m, vsid, p.ca.w[3], "port's own", &r);
		/* Routed: to the gateway's MAC, which the port keeps. Bridged: to the record's. */
		if (!memcmp(f->dmac, p.gw_mac, NV_ETH_ALEN)) {
			show_routed(l, m, p.rdid, f->daddr);
			return;
		}
		if (show_record(l, m, vsid, f->daddr, "destination", &r))
			show_delivery(l, m, &r);
		return;
	}
	if (!(v->nvgre ? v->outer.have : f->have) ||
	    !((v->nvgre ? v->outer.have : f->have) & NV_FV_IPV4))
		return;
	show_local_pa(l, m, v->nvgre ? v->outer.daddr : f->daddr, "outer destination");
	if (!v->nvgre)
		return;
	if (!(f->have & NV_FV_IPV4)) {
		show_subnet(l, m, v->vsid, NULL, &s);
		return;
	}
	/*
	 * As bpf/lib/nv_wire.h: the destination's record first (it caches the key VSID's RDID and
	 * gateway MAC; the subnet only without it), then the source, routed when it comes from that
	 * gateway MAC or has no record in the key VSID, then the destination's port.
	 */
	have_dst = show_record(l, m, v->vsid, f->daddr, "inner destination", &dst);
	if (have_dst) {
		have_subnet = true;
		s.rdid = dst.rdid;
		memcpy(s.gw_mac, dst.gw_mac, sizeof(s.gw_mac));
	} else {
		have_subnet = show_subnet(l, m, v->vsid, NULL, &s);
	}
	if (have_subnet && !memcmp(f->smac, s.gw_mac, NV_ETH_ALEN))
		show_routed_source(l, m, s.rdid, f->saddr);
	else if (!show_record(l, m, v->vsid, f->saddr, "inner source", &r) && have_subnet)
		show_routed_source(l, m, s.rdid, f->saddr);
	if (have_dst && dst.ifindex)
		show_port(l, m, dst.ifindex);
}

/* ---- output ---- */

static json_t *stage_json(const struct nv_trace_stage *s)
{
	unsigned int verdict = nv_trace_verdict(s);
	char dev[NV_NETDEV_NAMELEN];
	const __u8 *out = s->out + s->meta_len;
	struct nv_frame_view v;
	json_t *o;

	nv_netdev_name(s->ifindex, dev, sizeof(dev));
	o = json_pack("{s:s, s:o, s:I, s:I, s:i, s:s, s:s}", "hook", nv_hook_name(s->hook), "dev",
		      dev_json(s->ifindex), "ifindex", (json_int_t)s->ifindex, "prog_id",
		      (json_int_t)s->prog_id, "retval", s->retval, "retval_name",
		      nv_trace_retval_name(s->hook, s->retval), "verdict",
		      nv_verdict_name(verdict) ?: "?");
	if (verdict == NV_VERDICT_DROP) {
		json_object_set_new(o, "reason",
				    json_string(nv_drop_reason_name(nv_trace_reason(s)) ?: "?"));
		json_object_set_new(o, "reason_text",
				    json_string(nv_drop_reason_text(nv_trace_reason(s)) ?: "?"));
	}
	if (s->have_event && s->event.target) {
		json_object_set_new(o, "target_ifindex", json_integer(s->event.target));
		json_object_set_new(o, "target", dev_json(s->event.target));
	}
	if (s->have_event && s->event.vsid)
		json_object_set_new(o, "vsid", json_integer(s->event.vsid));
	if (verdict != NV_VERDICT_DROP) {
		nv_frame_decode(out, s->out_len - s->meta_len, &v);
		json_object_set_new(o, "output",
				    json_pack("{s:I, s:I, s:o}", "len",
					      (json_int_t)(s->out_len - s->meta_len), "meta_len",
					      (json_int_t)s->meta_len, "frame", nv_frame_json(&v)));
	}
	return o;
}

static void stage_text(const struct nv_trace_stage *s)
{
	unsigned int verdict = nv_trace_verdict(s);
	char dev[NV_NETDEV_NAMELEN], target[NV_NETDEV_NAMELEN], line[512];
	struct nv_frame_view v;

	nv_netdev_name(s->ifindex, dev, sizeof(dev));
	printf("%s on %s (prog id %u): %s", nv_hook_name(s->hook), dev, s->prog_id,
	       nv_verdict_name(verdict) ?: "?");
	if (verdict == NV_VERDICT_DROP)
		printf(" %s (%s)", nv_drop_reason_name(nv_trace_reason(s)) ?: "?",
		       nv_drop_reason_text(nv_trace_reason(s)) ?: "?");
	if (s->have_event && s->event.target)
		printf(" -> %s", nv_netdev_name(s->event.target, target, sizeof(target)));
	printf(" [%s]\n", nv_trace_retval_name(s->hook, s->retval));
	if (verdict == NV_VERDICT_DROP)
		return;
	nv_frame_decode(s->out + s->meta_len, s->out_len - s->meta_len, &v);
	nv_frame_format(&v, line, sizeof(line));
	printf("  output: %u bytes%s: %s\n", s->out_len - s->meta_len,
	       s->meta_len ? " (+ metadata for TC)" : "", line);
}

static const char counters_note[] =
	"private copies of the programs ran on the live lookup maps: live counters untouched";

int trace_print(struct nv_ctx *ctx, const struct nv_maps *m, bool underlay, __u32 ifindex,
		const __u8 *frame, size_t len, const struct nv_trace_result *r)
{
	const struct nv_trace_stage *last = &r->stage[r->nstages - 1];
	unsigned int verdict = nv_trace_verdict(last);
	struct lookups l = { .ctx = ctx };
	char dev[NV_NETDEV_NAMELEN], target[NV_NETDEV_NAMELEN], line[512];
	struct nv_frame_view in;
	json_t *o, *stages;

	nv_frame_decode(frame, len, &in);
	nv_netdev_name(ifindex, dev, sizeof(dev));
	if (ctx->json) {
		stages = json_array();
		for (unsigned int i = 0; i < r->nstages; i++)
			json_array_append_new(stages, stage_json(&r->stage[i]));
		l.list = json_array();
		show_lookups(&l, m, underlay, ifindex, &in);
		o = json_pack("{s:s, s:o, s:I, s:{s:I, s:o}, s:o, s:s, s:o, s:b, s:s}", "where",
			      underlay ? "underlay" : "port", "dev", dev_json(ifindex), "ifindex",
			      (json_int_t)ifindex, "input", "len", (json_int_t)len, "frame",
			      nv_frame_json(&in), "stages", stages, "verdict",
			      nv_verdict_name(verdict) ?: "?", "lookups", l.list,
			      "live_counters_untouched", 1, "counters", counters_note);
		if (verdict == NV_VERDICT_DROP)
			json_object_set_new(
				o, "reason",
				json_string(nv_drop_reason_name(nv_trace_reason(last)) ?: "?"));
		if (last->have_event && last->event.target) {
			json_object_set_new(o, "target", dev_json(last->event.target));
			json_object_set_new(o, "target_ifindex", json_integer(last->event.target));
		}
		nv_json_print(ctx, o);
		return NV_EXIT_OK;
	}
	nv_frame_format(&in, line, sizeof(line));
	printf("trace %s %s: %zu bytes: %s\n", underlay ? "underlay" : "port", dev, len, line);
	for (unsigned int i = 0; i < r->nstages; i++)
		stage_text(&r->stage[i]);
	if (r->nstages == 2)
		printf("  (nv_wire_tc ran without XDP's metadata: it validated the frame again)\n");
	printf("lookups (live maps):\n");
	show_lookups(&l, m, underlay, ifindex, &in);
	printf("verdict: %s", nv_verdict_name(verdict) ?: "?");
	if (verdict == NV_VERDICT_DROP)
		printf(" %s", nv_drop_reason_name(nv_trace_reason(last)) ?: "?");
	if (last->have_event && last->event.target)
		printf(" -> %s", nv_netdev_name(last->event.target, target, sizeof(target)));
	printf("\n(%s)\n", counters_note);
	return NV_EXIT_OK;
}
