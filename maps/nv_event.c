/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Frames and events as text and JSON for nvctl monitor and nvctl trace. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_event.h"
#include "nv_maps.h"

#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define GRE_F_C	     0x8000
#define GRE_F_K	     0x2000
#define GRE_F_S	     0x1000

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* Reads as far as len allows; returns the offset of the layer that follows, *trunc when cut. */
static size_t decode_eth(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t off = NV_ETH_HLEN;

	if (len < NV_ETH_HLEN) {
		if (len > 0)
			*trunc = true;
		return 0;
	}
	memcpy(f->dmac, d, NV_ETH_ALEN);
	memcpy(f->smac, d + NV_ETH_ALEN, NV_ETH_ALEN);
	f->ethertype = get16(d + 12);
	if (f->ethertype == ETH_P_8021Q || f->ethertype == ETH_P_8021AD) {
		if (len < NV_ETH_HLEN + 4) {
			*trunc = true;
			return 0;
		}
		f->vlan = true;
		f->vlan_tci = get16(d + 14);
		f->ethertype = get16(d + 16);
		off += 4;
	}
	f->have |= NV_FV_ETH;
	return off;
}

static void decode_arp(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	/* IPv4 over Ethernet only: htype 1, ptype 0x0800, hlen 6, plen 4. */
	if (len < 28) {
		*trunc = true;
		return;
	}
	if (get16(d) != 1 || get16(d + 2) != ETH_P_IP || d[4] != 6 || d[5] != 4)
		return;
	f->arp_op = get16(d + 6);
	memcpy(f->sha, d + 8, NV_ETH_ALEN);
	memcpy(&f->spa, d + 14, 4);
	memcpy(f->tha, d + 18, NV_ETH_ALEN);
	memcpy(&f->tpa, d + 24, 4);
	f->have |= NV_FV_ARP;
}

/* IPv4 header at d; returns its length, 0 when it cannot be taken as one. */
static size_t decode_ipv4(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t hlen;

	if (len < NV_IPV4_HLEN) {
		*trunc = true;
		return 0;
	}
	if (d[0] >> 4 != 4 || (d[0] & 0xf) < 5)
		return 0; /* not IPv4, or a header length below the minimum: nothing to trust */
	hlen = (size_t)(d[0] & 0xf) * 4;
	f->ihl = d[0] & 0xf;
	f->tos = d[1];
	f->tot_len = get16(d + 2);
	f->frag = get16(d + 6);
	f->ttl = d[8];
	f->proto = d[9];
	memcpy(&f->saddr, d + 12, 4);
	memcpy(&f->daddr, d + 16, 4);
	f->have |= NV_FV_IPV4;
	if (len < hlen) {
		*trunc = true;
		return 0;
	}
	return hlen;
}

static void decode_l4(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	if (f->frag & 0x1fff)
		return; /* a later fragment carries no L4 header */
	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (len < 4) {
			*trunc = true;
			return;
		}
		f->sport = get16(d);
		f->dport = get16(d + 2);
		/* The ports are there; the rest of the header is not. */
		if (len < (f->proto == IPPROTO_TCP ? 20u : 8u))
			*trunc = true;
		break;
	case IPPROTO_ICMP:
		if (len < 2) {
			*trunc = true;
			return;
		}
		f->icmp_type = d[0];
		f->icmp_code = d[1];
		/* Echo id and sequence follow the checksum: shown when the bytes reach them. */
		if (len >= 8) {
			f->sport = get16(d + 4);
			f->dport = get16(d + 6);
		} else {
			*trunc = true;
		}
		break;
	default:
		return;
	}
	f->have |= NV_FV_L4;
}

/* A frame from its Ethernet header on; returns the offset of the IPv4 payload, or 0. */
static size_t decode_frame(const __u8 *d, size_t len, struct nv_fv_frame *f, bool *trunc)
{
	size_t off = decode_eth(d, len, f, trunc), hlen;

	if (!off)
		return 0;
	if (f->ethertype == ETH_P_ARP) {
		decode_arp(d + off, len - off, f, trunc);
		return 0;
	}
	if (f->ethertype != ETH_P_IP)
		return 0;
	hlen = decode_ipv4(d + off, len - off, f, trunc);
	if (!hlen)
		return 0;
	decode_l4(d + off + hlen, len - off - hlen, f, trunc);
	return off + hlen;
}

void nv_frame_decode(const void *data, size_t len, struct nv_frame_view *v)
{
	const __u8 *d = data;
	size_t l3, gre_len, key_off;
	__u16 flags;

	memset(v, 0, sizeof(*v));
	v->len = len;
	if (!d)
		return;
	l3 = decode_frame(d, len, &v->f, &v->truncated);
	/* NVGRE: GRE with a key and protocol 0x6558 in an unfragmented (or first) IPv4 packet. */
	if (!l3 || v->f.proto != NV_IPPROTO_GRE || (v->f.frag & 0x1fff))
		return;
	if (len - l3 < 4) {
		v->truncated = true;
		return;
	}
	flags = get16(d + l3);
	if (get16(d + l3 + 2) != NV_ETH_P_TEB || !(flags & GRE_F_K))
		return;
	key_off = 4 + (flags & GRE_F_C ? 4 : 0);
	gre_len = key_off + 4 + (flags & GRE_F_S ? 4 : 0);
	if (len - l3 < gre_len) {
		v->truncated = true;
		return;
	}
	v->nvgre = true;
	v->outer = v->f;
	v->outer.have &= NV_FV_ETH | NV_FV_IPV4;
	v->gre_flags = flags;
	v->vsid = (__u32)get16(d + l3 + key_off) << 8 | d[l3 + key_off + 2];
	v->flow_id = d[l3 + key_off + 3];
	memset(&v->f, 0, sizeof(v->f));
	if (len == l3 + gre_len)
		v->truncated = true; /* NVGRE without its tenant frame */
	decode_frame(d + l3 + gre_len, len - l3 - gre_len, &v->f, &v->truncated);
}

void nv_event_decode(const struct nv_event *e, struct nv_frame_view *v)
{
	size_t n = e->cap_len < NV_EVENT_SNAPLEN ? e->cap_len : NV_EVENT_SNAPLEN;

	nv_frame_decode(e->data, n, v);
}

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
