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

/* The record of (vsid, ca); *out and true when found. */
static bool show_record(struct lookups *l, const struct nv_maps *m, __u32 vsid, __be32 ca4,
			const char *why, struct nv_record *out)
{
	char key[96], val[256], ca[NV_ADDR_STRLEN], pa[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN],
		dev[NV_NETDEV_NAMELEN] = "";
	struct nv_record_key k = { .vsid = vsid };
	struct nv_record r;
	bool found;

	nv_addr_from_ipv4(&k.ca, ca4);
	found = !nv_record_get(m, &k, &r);
	nv_addr_format(&k.ca, ca, sizeof(ca));
	snprintf(key, sizeof(key), "%u %s (%s)", vsid, ca, why);
	if (found) {
		nv_addr_format(&r.pa, pa, sizeof(pa));
		nv_mac_format(r.mac, mac, sizeof(mac));
		if (r.ifindex)
			nv_netdev_name(r.ifindex, dev, sizeof(dev));
		snprintf(val, sizeof(val), "pa %s%s mac %s%s%s", pa,
			 r.local & NV_LOCAL_PA ? " (local)" : "", mac, r.ifindex ? " port " : "",
			 dev);
		*out = r;
	}
	lookup_out(l, "nv_records",
		   json_pack("{s:I, s:s, s:s}", "vsid", (json_int_t)vsid, "ca", ca, "role", why),
		   key,
		   found ? json_pack("{s:s, s:s, s:b, s:I, s:o}", "pa", pa, "mac", mac, "local_pa",
				     !!(r.local & NV_LOCAL_PA), "ifindex", (json_int_t)r.ifindex,
				     "port", r.ifindex ? dev_json(r.ifindex) : json_null())
			 : NULL,
		   found ? val : NULL);
	return found;
}

static void show_subnet(struct lookups *l, const struct nv_maps *m, __u32 vsid)
{
	char key[32], val[64];
	struct nv_subnet s;
	bool found = !nv_subnet_get(m, vsid, &s);

	snprintf(key, sizeof(key), "%u", vsid);
	if (found)
		snprintf(val, sizeof(val), "rdid %u", s.rdid);
	lookup_out(l, "nv_subnets", json_pack("{s:I}", "vsid", (json_int_t)vsid), key,
		   found ? json_pack("{s:I}", "rdid", (json_int_t)s.rdid) : NULL,
		   found ? val : NULL);
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

/* What the datapath looks up for this frame, from the frame's own fields. */
static void show_lookups(struct lookups *l, const struct nv_maps *m, bool underlay, __u32 port,
			 const struct nv_frame_view *v)
{
	const struct nv_fv_frame *f = &v->f;
	struct nv_record r;
	struct nv_port p;
	__u32 vsid;

	if (!underlay) {
		show_port(l, m, port);
		if (nv_port_get(m, port, &p))
			return;
		vsid = p.vsid;
		show_subnet(l, m, vsid);
		if (f->have & NV_FV_ARP) {
			show_record(l, m, vsid, f->tpa, "ARP target", &r);
			return;
		}
		if (!(f->have & NV_FV_IPV4))
			return;
		/* The sender's own record: its PA is the outer source of what the port sends. */
		if (nv_addr_is_ipv4(&p.ca))
			show_record(l, m, vsid, p.ca.w[3], "port's own", &r);
		if (show_record(l, m, vsid, f->daddr, "destination", &r)) {
			if (r.ifindex)
				show_port(l, m, r.ifindex);
			else if (nv_addr_is_ipv4(&r.pa))
				show_local_pa(l, m, r.pa.w[3], "destination PA");
		}
		return;
	}
	if (!(v->nvgre ? v->outer.have : f->have) ||
	    !((v->nvgre ? v->outer.have : f->have) & NV_FV_IPV4))
		return;
	show_local_pa(l, m, v->nvgre ? v->outer.daddr : f->daddr, "outer destination");
	if (!v->nvgre)
		return;
	show_subnet(l, m, v->vsid);
	if (!(f->have & NV_FV_IPV4))
		return;
	show_record(l, m, v->vsid, f->saddr, "inner source", &r);
	if (show_record(l, m, v->vsid, f->daddr, "inner destination", &r) && r.ifindex)
		show_port(l, m, r.ifindex);
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
