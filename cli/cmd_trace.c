// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl trace { port PORT | underlay } { FIELDS | frame HEX | pcap PCAP }: one frame through the
 * instance's programs (BPF_PROG_TEST_RUN, see loader/nv_trace.h), with the verdict of each stage,
 * the frame that comes out, and the live map entries the datapath looked up for it. The live
 * counters are untouched: the programs run as private copies whose counters are their own.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/pkt_cls.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_dynlib.h"
#include "nv_event.h"
#include "nv_trace.h"

/* Placeholder MACs where the live maps have none to give: unicast, locally administered. */
static const __u8 mac_none[NV_ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0 };
static const __u8 mac_wire[NV_ETH_ALEN] = { 0x02, 0x6e, 0x76, 0x74, 0x72, 0x63 };

#define PAYLOAD "nvctl trace frame, 32 bytes...."

enum trace_arg {
	A_SRC,
	A_DST,
	A_PROTO,
	A_SPORT,
	A_DPORT,
	A_SRC_MAC,
	A_DST_MAC,
	A_FRAME,
	A_PCAP,
	A_VSID,
	A_OUTER_SRC,
	A__COUNT
};

struct fields {
	__u8 smac[NV_ETH_ALEN], dmac[NV_ETH_ALEN];
	__be32 saddr, daddr;
	__u8 proto;
	__u16 sport, dport;
};

/* ---- frames ---- */

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)(p[len - 1] << 8);
	return sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ethernet + IPv4 (DF, TTL 64) + ICMP echo request, UDP or TCP SYN, valid checksums. */
static size_t build_ipv4(__u8 *buf, const struct fields *f)
{
	__u8 *ip = buf + NV_ETH_HLEN, *l4 = ip + NV_IPV4_HLEN;
	size_t l4_len, plen = sizeof(PAYLOAD) - 1;
	__u32 sum;

	memcpy(buf, f->dmac, NV_ETH_ALEN);
	memcpy(buf + NV_ETH_ALEN, f->smac, NV_ETH_ALEN);
	put16(buf + 12, 0x0800);
	switch (f->proto) {
	case IPPROTO_TCP:
		l4_len = 20;
		memset(l4, 0, l4_len);
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 65535);
		break;
	case IPPROTO_UDP:
		l4_len = 8 + plen;
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put16(l4 + 4, (__u16)l4_len);
		put16(l4 + 6, 0);
		memcpy(l4 + 8, PAYLOAD, plen);
		break;
	case IPPROTO_ICMP:
		l4_len = 8 + plen;
		memset(l4, 0, 8);
		l4[0] = 8; /* echo request */
		put16(l4 + 4, 1);
		put16(l4 + 6, 1);
		memcpy(l4 + 8, PAYLOAD, plen);
		break;
	default:
		l4_len = plen;
		memcpy(l4, PAYLOAD, plen);
		break;
	}
	memset(ip, 0, NV_IPV4_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (__u16)(NV_IPV4_HLEN + l4_len));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = f->proto;
	memcpy(ip + 12, &f->saddr, 4);
	memcpy(ip + 16, &f->daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, NV_IPV4_HLEN)));
	if (f->proto == IPPROTO_ICMP) {
		put16(l4 + 2, csum_fold(csum_add(0, l4, l4_len)));
	} else if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		sum = csum_add(0, ip + 12, 8) + f->proto + (__u32)l4_len;
		put16(l4 + (f->proto == IPPROTO_TCP ? 16 : 6),
		      csum_fold(csum_add(sum, l4, l4_len)));
	}
	return NV_ETH_HLEN + NV_IPV4_HLEN + l4_len;
}

/* The frame in NVGRE as a remote host sends it: DF, TTL 64, GRE 0x2000/0x6558, FlowID 0. */
static size_t build_nvgre(__u8 *buf, const __u8 *ul_mac, __be32 src, __be32 dst, __u32 vsid,
			  const __u8 *inner, size_t inner_len)
{
	__u8 *ip = buf + NV_ETH_HLEN, *gre = ip + NV_IPV4_HLEN;

	memcpy(buf, ul_mac, NV_ETH_ALEN);
	memcpy(buf + NV_ETH_ALEN, mac_wire, NV_ETH_ALEN);
	put16(buf + 12, 0x0800);
	memset(ip, 0, NV_IPV4_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (__u16)(NV_IPV4_HLEN + NV_GRE_HLEN + inner_len));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = NV_IPPROTO_GRE;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, NV_IPV4_HLEN)));
	put16(gre, NV_GRE_FLAGS_K);
	put16(gre + 2, NV_ETH_P_TEB);
	put16(gre + 4, (__u16)(vsid >> 8));
	gre[6] = vsid & 0xff;
	gre[7] = 0;
	memcpy(gre + NV_GRE_HLEN, inner, inner_len);
	return NV_ENCAP_LEN + inner_len;
}

static int hex_frame(const struct nv_ctx *ctx, const char *cmd, const char *s, __u8 *buf,
		     size_t *len)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = s; *p; p++) {
		int v;

		/* Separators people paste: "02:4e:56 ...", "0x" prefixes are not allowed. */
		if (*p == ':' || *p == ' ' || *p == '-' || *p == '.')
			continue;
		if (!isxdigit((unsigned char)*p))
			return nv_usage_error(ctx, "%s: frame: not hex: '%c' at offset %zu", cmd,
					      *p, (size_t)(p - s));
		v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == NV_TRACE_FRAME_MAX)
			return nv_usage_error(ctx, "%s: frame: longer than %d bytes", cmd,
					      NV_TRACE_FRAME_MAX);
		buf[n++] = (__u8)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return nv_usage_error(ctx, "%s: frame: odd number of hex digits", cmd);
	if (n < NV_ETH_HLEN)
		return nv_usage_error(ctx, "%s: frame: %zu bytes, at least %d (an Ethernet header)",
				      cmd, n, NV_ETH_HLEN);
	*len = n;
	return 0;
}

static int pcap_frame(const struct nv_ctx *ctx, const char *cmd, const char *file, __u8 *buf,
		      size_t *len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	const struct nv_pcap_api *pc = nv_pcap_load(errbuf, sizeof(errbuf));
	pcap_t *p;
	int ret = 0, rc;

	if (!pc)
		return nv_runtime_error(
			ctx, "%s: pcap needs libpcap (Debian package libpcap0.8): %s", cmd, errbuf);
	p = pc->open_offline(file, errbuf);
	if (!p)
		return nv_runtime_error(ctx, "%s: pcap \"%s\": %s", cmd, file, errbuf);
	if (pc->datalink(p) != DLT_EN10MB) {
		ret = nv_runtime_error(ctx, "%s: pcap \"%s\": link type %s, not Ethernet", cmd,
				       file,
				       pc->datalink_val_to_name(pc->datalink(p)) ?: "unknown");
		goto out;
	}
	/* The first frame of the file is the one traced. */
	rc = pc->next_ex(p, &h, &data);
	if (rc != 1) {
		ret = nv_runtime_error(ctx, "%s: pcap \"%s\": %s", cmd, file,
				       rc == PCAP_ERROR_BREAK ? "no frame in the file"
							      : pc->geterr(p));
		goto out;
	}
	if (h->caplen < NV_ETH_HLEN || h->caplen > NV_TRACE_FRAME_MAX) {
		ret = nv_runtime_error(ctx,
				       "%s: pcap \"%s\": first frame of %u bytes, expected %d..%d",
				       cmd, file, h->caplen, NV_ETH_HLEN, NV_TRACE_FRAME_MAX);
		goto out;
	}
	if (h->caplen < h->len) {
		ret = nv_runtime_error(
			ctx, "%s: pcap \"%s\": first frame captured short (%u of %u bytes)", cmd,
			file, h->caplen, h->len);
		goto out;
	}
	memcpy(buf, data, h->caplen);
	*len = h->caplen;
out:
	pc->close(p);
	return ret;
}

static int parse_ipv4(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg *a,
		      __be32 *out)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, a->raw, &v4) != 1)
		return nv_usage_error(ctx, "%s: %s \"%s\": not an IPv4 address", cmd, a->key,
				      a->raw);
	*out = v4.s_addr;
	return 0;
}

static int parse_mac(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg *a, __u8 *out)
{
	if (nv_mac_parse(a->raw, out))
		return nv_usage_error(ctx, "%s: %s \"%s\": expected a MAC like 02:00:00:00:00:01",
				      cmd, a->key, a->raw);
	return 0;
}

static int parse_proto(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg *a, __u8 *out)
{
	static const struct {
		const char *name;
		__u8 proto;
	} names[] = { { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP } };
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(a->raw, names[i].name)) {
			*out = names[i].proto;
			return 0;
		}
	errno = 0;
	v = strtoul(a->raw, &end, 10);
	if (!isdigit((unsigned char)a->raw[0]) || *end || errno || v > 255)
		return nv_usage_error(ctx, "%s: proto \"%s\": expected icmp, tcp, udp or 0..255",
				      cmd, a->raw);
	*out = (__u8)v;
	return 0;
}

static int parse_port(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg *a, __u16 *out)
{
	if (a->v.u32 > 65535)
		return nv_usage_error(ctx, "%s: %s \"%s\": expected a number in 0..65535", cmd,
				      a->key, a->raw);
	*out = (__u16)a->v.u32;
	return 0;
}

static int ifmac(__u32 ifindex, __u8 mac[NV_ETH_ALEN])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (!if_indextoname(ifindex, ifr.ifr_name) || ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, NV_ETH_ALEN);
	close(fd);
	return err;
}

static const char *ip4s(__be32 a, char *buf, size_t len)
{
	union nv_addr x;

	nv_addr_from_ipv4(&x, a);
	return nv_addr_format(&x, buf, len);
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
	char dev[IF_NAMESIZE + 2], key[64], val[256], ca[NV_ADDR_STRLEN], pa[NV_ADDR_STRLEN],
		mac[NV_MAC_STRLEN];
	struct nv_port p;
	bool found = !nv_port_get(m, ifindex, &p);

	nv_ifname(ifindex, dev, sizeof(dev));
	snprintf(key, sizeof(key), "%s (ifindex %u)", dev, ifindex);
	if (found) {
		nv_addr_format(&p.ca, ca, sizeof(ca));
		nv_addr_format(&p.pa, pa, sizeof(pa));
		nv_mac_format(p.mac, mac, sizeof(mac));
		snprintf(val, sizeof(val), "vsid %u rdid %u ca %s mac %s deliver %s pa %s", p.vsid,
			 p.rdid, ca, mac, p.deliver == NV_DELIVER_XDP ? "xdp" : "tc",
			 nv_addr_is_ipv4(&p.pa) && p.pa.w[3] ? pa : "(unbound)");
	}
	lookup_out(l, "nv_ports",
		   json_pack("{s:I, s:s}", "ifindex", (json_int_t)ifindex, "dev", dev), key,
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
		dev[IF_NAMESIZE + 2] = "";
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
			nv_ifname(r.ifindex, dev, sizeof(dev));
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
				     "port", r.ifindex ? json_string(dev) : json_null())
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

struct pa_find {
	union nv_addr pa;
	bool found;
	__u32 ifindex;
};

static int pa_find_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct pa_find *f = arg;

	if (!memcmp(pa, &f->pa, sizeof(*pa))) {
		f->found = true;
		f->ifindex = v->ifindex;
	}
	return 0;
}

static void show_local_pa(struct lookups *l, const struct nv_maps *m, __be32 pa4, const char *why)
{
	char key[96], val[64], pa[NV_ADDR_STRLEN], dev[IF_NAMESIZE + 2] = "";
	struct pa_find f = { 0 };

	nv_addr_from_ipv4(&f.pa, pa4);
	nv_local_pa_iter(m, pa_find_cb, &f);
	nv_addr_format(&f.pa, pa, sizeof(pa));
	snprintf(key, sizeof(key), "%s (%s)", pa, why);
	if (f.found) {
		nv_ifname(f.ifindex, dev, sizeof(dev));
		snprintf(val, sizeof(val), "on %s", dev);
	}
	lookup_out(l, "nv_local_pas", json_pack("{s:s, s:s}", "pa", pa, "role", why), key,
		   f.found ? json_pack("{s:I, s:s}", "ifindex", (json_int_t)f.ifindex, "dev", dev)
			   : NULL,
		   f.found ? val : NULL);
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
	char dev[IF_NAMESIZE + 2], target[IF_NAMESIZE + 2];
	const __u8 *out = s->out + s->meta_len;
	struct nv_frame_view v;
	json_t *o;

	nv_ifname(s->ifindex, dev, sizeof(dev));
	o = json_pack("{s:s, s:s, s:I, s:I, s:i, s:s, s:s}", "hook", nv_hook_name(s->hook), "dev",
		      dev, "ifindex", (json_int_t)s->ifindex, "prog_id", (json_int_t)s->prog_id,
		      "retval", s->retval, "retval_name", nv_trace_retval_name(s->hook, s->retval),
		      "verdict", nv_verdict_name(verdict) ?: "?");
	if (verdict == NV_VERDICT_DROP) {
		json_object_set_new(o, "reason",
				    json_string(nv_drop_reason_name(nv_trace_reason(s)) ?: "?"));
		json_object_set_new(o, "reason_text",
				    json_string(nv_drop_reason_text(nv_trace_reason(s)) ?: "?"));
	}
	if (s->have_event && s->event.target) {
		json_object_set_new(o, "target_ifindex", json_integer(s->event.target));
		json_object_set_new(
			o, "target",
			json_string(nv_ifname(s->event.target, target, sizeof(target))));
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
	char dev[IF_NAMESIZE + 2], target[IF_NAMESIZE + 2], line[512];
	struct nv_frame_view v;

	nv_ifname(s->ifindex, dev, sizeof(dev));
	printf("%s on %s (prog id %u): %s", nv_hook_name(s->hook), dev, s->prog_id,
	       nv_verdict_name(verdict) ?: "?");
	if (verdict == NV_VERDICT_DROP)
		printf(" %s (%s)", nv_drop_reason_name(nv_trace_reason(s)) ?: "?",
		       nv_drop_reason_text(nv_trace_reason(s)) ?: "?");
	if (s->have_event && s->event.target)
		printf(" -> %s", nv_ifname(s->event.target, target, sizeof(target)));
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

static int print_result(const struct nv_ctx *ctx, const struct nv_maps *m, bool underlay,
			__u32 ifindex, const __u8 *frame, size_t len,
			const struct nv_trace_result *r)
{
	const struct nv_trace_stage *last = &r->stage[r->nstages - 1];
	unsigned int verdict = nv_trace_verdict(last);
	struct lookups l = { .ctx = ctx };
	char dev[IF_NAMESIZE + 2], target[IF_NAMESIZE + 2], line[512];
	struct nv_frame_view in;
	json_t *o, *stages;

	nv_frame_decode(frame, len, &in);
	nv_ifname(ifindex, dev, sizeof(dev));
	if (ctx->json) {
		stages = json_array();
		for (unsigned int i = 0; i < r->nstages; i++)
			json_array_append_new(stages, stage_json(&r->stage[i]));
		l.list = json_array();
		show_lookups(&l, m, underlay, ifindex, &in);
		o = json_pack("{s:s, s:s, s:I, s:{s:I, s:o}, s:o, s:s, s:o, s:b, s:s}", "where",
			      underlay ? "underlay" : "port", "dev", dev, "ifindex",
			      (json_int_t)ifindex, "input", "len", (json_int_t)len, "frame",
			      nv_frame_json(&in), "stages", stages, "verdict",
			      nv_verdict_name(verdict) ?: "?", "lookups", l.list,
			      "live_counters_untouched", 1, "counters", counters_note);
		if (verdict == NV_VERDICT_DROP)
			json_object_set_new(
				o, "reason",
				json_string(nv_drop_reason_name(nv_trace_reason(last)) ?: "?"));
		if (last->have_event && last->event.target) {
			json_object_set_new(
				o, "target",
				json_string(nv_ifname(last->event.target, target, sizeof(target))));
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
		printf(" -> %s", nv_ifname(last->event.target, target, sizeof(target)));
	printf("\n(%s)\n", counters_note);
	return NV_EXIT_OK;
}

/* ---- the command ---- */

static int trace(struct nv_ctx *ctx, bool underlay, int argc, char **argv)
{
	const char *cmd = underlay ? "trace underlay" : "trace port";
	struct nv_arg a[A__COUNT] = {
		[A_SRC] = { .key = "src", .type = NV_ARG_STRING },
		[A_DST] = { .key = "dst", .type = NV_ARG_STRING },
		[A_PROTO] = { .key = "proto", .type = NV_ARG_STRING },
		[A_SPORT] = { .key = "sport", .type = NV_ARG_U32 },
		[A_DPORT] = { .key = "dport", .type = NV_ARG_U32 },
		[A_SRC_MAC] = { .key = "src-mac", .type = NV_ARG_STRING },
		[A_DST_MAC] = { .key = "dst-mac", .type = NV_ARG_STRING },
		[A_FRAME] = { .key = "frame", .type = NV_ARG_STRING },
		[A_PCAP] = { .key = "pcap", .type = NV_ARG_STRING },
		[A_VSID] = { .key = "vsid", .type = NV_ARG_VSID },
		[A_OUTER_SRC] = { .key = "outer-src", .type = NV_ARG_STRING },
	};
	/* Without ports given: an ephemeral source port to the discard service. */
	struct fields f = { .proto = IPPROTO_ICMP, .sport = 49152, .dport = 9 };
	static __u8 frame[NV_TRACE_FRAME_MAX], inner[NV_TRACE_FRAME_MAX];
	static struct nv_trace_result res;
	__be32 outer_src = 0;
	__u32 ifindex = 0, vsid = 0;
	struct nv_trace *t = NULL;
	struct nv_config cfg;
	const struct nv_maps *m;
	struct nv_record rec;
	struct nv_record_key k;
	struct nv_port port;
	size_t len = 0;
	int err, ret, nargs = underlay ? A__COUNT : A_VSID;
	const char *port_name = NULL;

	if (!underlay) {
		if (argc < 1)
			return nv_usage_error(ctx, "%s: expected the port's device name", cmd);
		port_name = argv[0];
		if (strlen(port_name) >= IF_NAMESIZE || !(ifindex = if_nametoindex(port_name)))
			return nv_usage_error(ctx, "%s: \"%s\": no such network device", cmd,
					      port_name);
		argc--, argv++;
	}
	err = nv_args_parse(ctx, cmd, a, nargs, argc, argv);
	if (err)
		return err;
	if (a[A_FRAME].set && a[A_PCAP].set)
		return nv_usage_error(ctx, "%s: frame and pcap cannot be used together", cmd);
	if (a[A_FRAME].set || a[A_PCAP].set) {
		for (int i = 0; i < nargs; i++)
			if (i != A_FRAME && i != A_PCAP && a[i].set)
				return nv_usage_error(ctx, "%s: %s cannot be used with %s", cmd,
						      a[i].key, a[A_FRAME].set ? "frame" : "pcap");
	} else {
		if (!a[A_DST].set)
			return nv_usage_error(ctx, "%s: missing dst (or frame HEX, or pcap PCAP)",
					      cmd);
		if (underlay && !a[A_VSID].set)
			return nv_usage_error(ctx, "%s: missing vsid", cmd);
		if (underlay && !a[A_SRC].set)
			return nv_usage_error(ctx, "%s: missing src", cmd);
		if ((a[A_SRC].set && parse_ipv4(ctx, cmd, &a[A_SRC], &f.saddr)) ||
		    parse_ipv4(ctx, cmd, &a[A_DST], &f.daddr) ||
		    (a[A_PROTO].set && parse_proto(ctx, cmd, &a[A_PROTO], &f.proto)) ||
		    (a[A_SPORT].set && parse_port(ctx, cmd, &a[A_SPORT], &f.sport)) ||
		    (a[A_DPORT].set && parse_port(ctx, cmd, &a[A_DPORT], &f.dport)) ||
		    (a[A_SRC_MAC].set && parse_mac(ctx, cmd, &a[A_SRC_MAC], f.smac)) ||
		    (a[A_DST_MAC].set && parse_mac(ctx, cmd, &a[A_DST_MAC], f.dmac)) ||
		    (underlay && a[A_OUTER_SRC].set &&
		     parse_ipv4(ctx, cmd, &a[A_OUTER_SRC], &outer_src)))
			return NV_EXIT_USAGE;
		if ((a[A_SPORT].set || a[A_DPORT].set) && f.proto != IPPROTO_TCP &&
		    f.proto != IPPROTO_UDP)
			return nv_usage_error(ctx, "%s: %s needs proto tcp or udp", cmd,
					      a[a[A_SPORT].set ? A_SPORT : A_DPORT].key);
		vsid = a[A_VSID].v.u32;
	}
	if (a[A_FRAME].set && hex_frame(ctx, cmd, a[A_FRAME].raw, frame, &len))
		return NV_EXIT_USAGE;
	if (a[A_PCAP].set) {
		ret = pcap_frame(ctx, cmd, a[A_PCAP].raw, frame, &len);
		if (ret)
			return ret;
	}

	err = nv_trace_open(ctx->pin_dir, &t);
	if (err == -ENOENT)
		return nv_runtime_error(ctx, "no datapath attached at %s (see: nvctl dp attach)",
					ctx->pin_dir);
	if (err == -ESTALE)
		return nv_runtime_error(ctx,
					"%s: attached programs differ from this nvctl: reload "
					"(nvctl dp reload)",
					cmd);
	if (err)
		return nv_errno_error(ctx, err, "%s: load private copies of the programs", cmd);
	m = nv_trace_live_maps(t);
	ret = NV_EXIT_OK;
	if (!underlay && nv_port_get(m, ifindex, &port)) {
		ret = nv_runtime_error(ctx, "%s: \"%s\" is not a port of this datapath", cmd,
				       port_name);
		goto out;
	}
	if (!len) {
		/* FIELDS: what is not given comes from the live maps. */
		memset(&k, 0, sizeof(k));
		if (!underlay) {
			vsid = port.vsid;
			if (!a[A_SRC].set)
				f.saddr = nv_addr_is_ipv4(&port.ca) ? port.ca.w[3] : 0;
			if (!a[A_SRC_MAC].set)
				memcpy(f.smac, port.mac, NV_ETH_ALEN);
		} else {
			k.vsid = vsid;
			nv_addr_from_ipv4(&k.ca, f.saddr);
			if (!nv_record_get(m, &k, &rec)) {
				if (!a[A_SRC_MAC].set)
					memcpy(f.smac, rec.mac, NV_ETH_ALEN);
				if (!a[A_OUTER_SRC].set && nv_addr_is_ipv4(&rec.pa))
					outer_src = rec.pa.w[3];
			} else if (!a[A_SRC_MAC].set) {
				memcpy(f.smac, mac_none, NV_ETH_ALEN);
			}
			if (!outer_src) {
				char ca[INET_ADDRSTRLEN];

				ret = nv_usage_error(ctx,
						     "%s: src %s has no record in vsid %u: give "
						     "outer-src",
						     cmd, ip4s(f.saddr, ca, sizeof(ca)), vsid);
				goto out;
			}
		}
		k.vsid = vsid;
		nv_addr_from_ipv4(&k.ca, f.daddr);
		if (!a[A_DST_MAC].set)
			memcpy(f.dmac, nv_record_get(m, &k, &rec) ? mac_none : rec.mac,
			       NV_ETH_ALEN);
		len = build_ipv4(inner, &f);
		if (underlay) {
			__u8 ul_mac[NV_ETH_ALEN];

			err = nv_config_get(m, &cfg);
			if (!err)
				err = ifmac(cfg.underlay_ifindex, ul_mac);
			if (err) {
				ret = nv_errno_error(ctx, err, "%s: the underlay's MAC", cmd);
				goto out;
			}
			len = build_nvgre(frame, ul_mac, outer_src, cfg.pa.w[3], vsid, inner, len);
		} else {
			memcpy(frame, inner, len);
		}
	}

	if (underlay) {
		err = nv_config_get(m, &cfg);
		ifindex = cfg.underlay_ifindex;
		if (!err)
			err = nv_trace_underlay(t, frame, len, &res);
	} else {
		err = nv_trace_port(t, ifindex, frame, len, &res);
	}
	if (err == -ESTALE)
		ret = nv_runtime_error(ctx,
				       "%s: attached programs differ from this nvctl: reload "
				       "(nvctl dp reload)",
				       cmd);
	else if (err == -ENODEV)
		ret = nv_runtime_error(ctx, "%s: no program of this datapath is attached to %s",
				       cmd, underlay ? "the underlay" : port_name);
	else if (err)
		ret = nv_errno_error(ctx, err, "%s: test run", cmd);
	else
		ret = print_result(ctx, m, underlay, ifindex, frame, len, &res);
out:
	nv_trace_close(t);
	return ret;
}

int nv_cmd_trace_port(struct nv_ctx *ctx, int argc, char **argv)
{
	return trace(ctx, false, argc, argv);
}

int nv_cmd_trace_underlay(struct nv_ctx *ctx, int argc, char **argv)
{
	return trace(ctx, true, argc, argv);
}
