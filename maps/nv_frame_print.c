// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Decoded frames and events as text and JSON, for nvctl monitor and nvctl trace. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_frame.h"
#include "nv_maps.h"

/* ---- text ---- */

static const char *ip4(__be32 a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET, &a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *proto_name(__u8 p)
{
	switch (p) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case NV_IPPROTO_GRE:
		return "gre";
	}
	return NULL;
}

static const char *icmp_name(__u8 type)
{
	switch (type) {
	case 0:
		return "echo-reply";
	case 3:
		return "unreachable";
	case 8:
		return "echo-request";
	case 11:
		return "time-exceeded";
	}
	return NULL;
}

/* A bounded appender: keeps the snprintf total so callers can tell it was cut. */
struct sbuf {
	char *buf;
	size_t len;
	int n;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct sbuf *s, const char *fmt, ...)
{
	size_t at = s->n < 0 ? 0 : (size_t)s->n;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(at < s->len ? s->buf + at : NULL, at < s->len ? s->len - at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->n += n;
}

static void format_frame(struct sbuf *s, const struct nv_fv_frame *f)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m1[NV_MAC_STRLEN], m2[NV_MAC_STRLEN];
	const char *p;

	if (!(f->have & NV_FV_ETH)) {
		sb_add(s, "(no Ethernet header)");
		return;
	}
	nv_mac_format(f->smac, m1, sizeof(m1));
	nv_mac_format(f->dmac, m2, sizeof(m2));
	if (f->have & NV_FV_ARP) {
		ip4(f->spa, a, sizeof(a));
		ip4(f->tpa, b, sizeof(b));
		if (f->arp_op == 1)
			sb_add(s, "arp who-has %s tell %s", b, a);
		else if (f->arp_op == 2)
			sb_add(s, "arp reply %s is-at %s", a,
			       nv_mac_format(f->sha, m1, sizeof(m1)));
		else
			sb_add(s, "arp op %u %s -> %s", f->arp_op, a, b);
		nv_mac_format(f->smac, m1, sizeof(m1));
	} else if (f->have & NV_FV_IPV4) {
		ip4(f->saddr, a, sizeof(a));
		ip4(f->daddr, b, sizeof(b));
		p = proto_name(f->proto);
		if ((f->have & NV_FV_L4) && f->proto != IPPROTO_ICMP)
			sb_add(s, "%s:%u -> %s:%u %s", a, f->sport, b, f->dport, p);
		else
			sb_add(s, "%s -> %s ", a, b);
		if (f->proto == IPPROTO_ICMP) {
			sb_add(s, "icmp");
			if ((f->have & NV_FV_L4) && icmp_name(f->icmp_type))
				sb_add(s, " %s", icmp_name(f->icmp_type));
			else if (f->have & NV_FV_L4)
				sb_add(s, " type %u code %u", f->icmp_type, f->icmp_code);
		} else if (!(f->have & NV_FV_L4)) {
			if (p)
				sb_add(s, "%s", p);
			else
				sb_add(s, "proto %u", f->proto);
		}
		if (f->frag & 0x3fff)
			sb_add(s, " frag 0x%04x", f->frag);
	} else {
		sb_add(s, "ethertype 0x%04x", f->ethertype);
	}
	if (f->vlan)
		sb_add(s, " vlan %u", f->vlan_tci & 0xfff);
	sb_add(s, " (%s -> %s)", m1, m2);
}

int nv_frame_format(const struct nv_frame_view *v, char *buf, size_t len)
{
	struct sbuf s = { buf, len, 0 };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (len)
		buf[0] = '\0';
	if (v->nvgre) {
		sb_add(&s, "%s -> %s vsid %u flow %u: ", ip4(v->outer.saddr, a, sizeof(a)),
		       ip4(v->outer.daddr, b, sizeof(b)), v->vsid, v->flow_id);
		if (v->gre_flags != NV_GRE_FLAGS_K)
			sb_add(&s, "gre flags 0x%04x: ", v->gre_flags);
	}
	if (v->len || v->nvgre)
		format_frame(&s, &v->f);
	else
		sb_add(&s, "(no bytes)");
	if (v->truncated)
		sb_add(&s, " [truncated]");
	return s.n;
}

int nv_event_format(const struct nv_event *e, const char *dev, const char *target, char *buf,
		    size_t len)
{
	struct sbuf s = { buf, len, 0 };
	const char *hook = nv_hook_name(e->hook), *verdict = nv_verdict_name(e->verdict);
	struct nv_frame_view v;
	char frame[512];

	if (len)
		buf[0] = '\0';
	if (hook)
		sb_add(&s, "%s", hook);
	else
		sb_add(&s, "hook#%u", e->hook);
	sb_add(&s, " %s", dev ? dev : "?");
	if (e->vsid)
		sb_add(&s, " vsid %u", e->vsid);
	else
		sb_add(&s, " vsid -");
	if (verdict)
		sb_add(&s, " %s", verdict);
	else
		sb_add(&s, " verdict#%u", e->verdict);
	if (e->verdict == NV_VERDICT_DROP) {
		const char *r = nv_drop_reason_name(e->reason);

		if (r)
			sb_add(&s, " %s", r);
		else
			sb_add(&s, " reason#%u", e->reason);
	}
	if (e->target)
		sb_add(&s, " -> %s", target ? target : "?");
	nv_event_decode(e, &v);
	nv_frame_format(&v, frame, sizeof(frame));
	sb_add(&s, " len %u: %s", e->len, frame);
	return s.n;
}

/* ---- JSON ---- */

static json_t *ip4_json(__be32 a)
{
	char buf[INET_ADDRSTRLEN];

	return json_string(ip4(a, buf, sizeof(buf)));
}

static json_t *mac_json(const __u8 *mac)
{
	char buf[NV_MAC_STRLEN];

	return json_string(nv_mac_format(mac, buf, sizeof(buf)));
}

static json_t *frame_json(const struct nv_fv_frame *f)
{
	json_t *o = json_object();
	const char *p;

	if (!o || !(f->have & NV_FV_ETH))
		return o;
	json_object_set_new(o, "src_mac", mac_json(f->smac));
	json_object_set_new(o, "dst_mac", mac_json(f->dmac));
	json_object_set_new(o, "ethertype", json_integer(f->ethertype));
	if (f->vlan)
		json_object_set_new(o, "vlan", json_integer(f->vlan_tci & 0xfff));
	if (f->have & NV_FV_ARP) {
		json_object_set_new(o, "arp",
				    json_pack("{s:i, s:o, s:o, s:o, s:o}", "op", f->arp_op,
					      "sender_mac", mac_json(f->sha), "sender_ip",
					      ip4_json(f->spa), "target_mac", mac_json(f->tha),
					      "target_ip", ip4_json(f->tpa)));
	}
	if (!(f->have & NV_FV_IPV4))
		return o;
	json_object_set_new(o, "src", ip4_json(f->saddr));
	json_object_set_new(o, "dst", ip4_json(f->daddr));
	json_object_set_new(o, "protocol", json_integer(f->proto));
	p = proto_name(f->proto);
	if (p)
		json_object_set_new(o, "proto", json_string(p));
	json_object_set_new(o, "tos", json_integer(f->tos));
	json_object_set_new(o, "ttl", json_integer(f->ttl));
	json_object_set_new(o, "ip_len", json_integer(f->tot_len));
	json_object_set_new(o, "frag", json_integer(f->frag));
	if (!(f->have & NV_FV_L4))
		return o;
	if (f->proto == IPPROTO_ICMP) {
		json_object_set_new(o, "icmp_type", json_integer(f->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(f->icmp_code));
	} else {
		json_object_set_new(o, "sport", json_integer(f->sport));
		json_object_set_new(o, "dport", json_integer(f->dport));
	}
	return o;
}

json_t *nv_frame_json(const struct nv_frame_view *v)
{
	json_t *o = frame_json(&v->f);

	if (!o)
		return NULL;
	if (v->nvgre) {
		json_t *outer = frame_json(&v->outer);

		json_object_set_new(outer, "gre_flags", json_integer(v->gre_flags));
		json_object_set_new(outer, "vsid", json_integer(v->vsid));
		json_object_set_new(outer, "flow_id", json_integer(v->flow_id));
		json_object_set_new(o, "outer", outer);
	}
	json_object_set_new(o, "truncated", json_boolean(v->truncated));
	return o;
}

json_t *nv_event_json(const struct nv_event *e, const char *dev, const char *target)
{
	struct nv_frame_view v;
	const char *s;
	json_t *o = json_object();

	if (!o)
		return NULL;
	s = nv_hook_name(e->hook);
	json_object_set_new(o, "hook", s ? json_string(s) : json_integer(e->hook));
	json_object_set_new(o, "ifindex", json_integer(e->ifindex));
	json_object_set_new(o, "dev", dev ? json_string(dev) : json_null());
	json_object_set_new(o, "vsid", e->vsid ? json_integer(e->vsid) : json_null());
	s = nv_verdict_name(e->verdict);
	json_object_set_new(o, "verdict", s ? json_string(s) : json_integer(e->verdict));
	if (e->verdict == NV_VERDICT_DROP) {
		s = nv_drop_reason_name(e->reason);
		json_object_set_new(o, "reason", s ? json_string(s) : json_integer(e->reason));
		json_object_set_new(o, "reason_code", json_integer(e->reason));
		s = nv_drop_reason_text(e->reason);
		if (s)
			json_object_set_new(o, "reason_text", json_string(s));
	}
	if (e->target) {
		json_object_set_new(o, "target_ifindex", json_integer(e->target));
		json_object_set_new(o, "target", target ? json_string(target) : json_null());
	}
	json_object_set_new(o, "len", json_integer(e->len));
	json_object_set_new(o, "cap_len", json_integer(e->cap_len));
	nv_event_decode(e, &v);
	json_object_set_new(o, "frame", nv_frame_json(&v));
	return o;
}
