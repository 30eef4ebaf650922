// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Where nvctl trace's frame comes from: hex, a pcap file, or fields completed from the live maps.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_dynlib.h"
#include "nv_netdev.h"
#include "nv_output.h"
#include "trace.h"

/* Placeholder MACs where the live maps have none to give: unicast, locally administered. */
static const __u8 mac_none[NV_ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0 };
static const __u8 mac_wire[NV_ETH_ALEN] = { 0x02, 0x6e, 0x76, 0x74, 0x72, 0x63 };

int trace_frame_hex(const struct nv_ctx *ctx, const char *cmd, const char *s, __u8 *buf,
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

int trace_frame_pcap(const struct nv_ctx *ctx, const char *cmd, const char *file, __u8 *buf,
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

/* The record of (vsid, IPv4 ca), 0 or -ENOENT. */
static int record_of(const struct nv_maps *m, __u32 vsid, __be32 ca, struct nv_record *r)
{
	struct nv_record_key k = { .vsid = vsid };

	nv_addr_from_ipv4(&k.ca, ca);
	return nv_record_get(m, &k, r);
}

/*
 * The record a routed source comes from, as the receiver finds it: the source CA's in the routing
 * domain of vsid (nv_rdid_cas), else the domain's gateway wildcard record (CA 0.0.0.0).
 */
static int routed_source_of(const struct nv_maps *m, __u32 rdid, __be32 ca, struct nv_record *r)
{
	union nv_addr a;
	__u32 vsid;

	nv_addr_from_ipv4(&a, ca);
	if (!nv_rdid_ca_get(m, rdid, &a, &vsid) && !record_of(m, vsid, ca, r))
		return 0;
	nv_addr_from_ipv4(&a, 0);
	if (!nv_rdid_ca_get(m, rdid, &a, &vsid) && !record_of(m, vsid, 0, r))
		return 0;
	return -ENOENT;
}

int trace_frame_fields(const struct nv_ctx *ctx, const char *cmd, const struct nv_maps *m,
		       bool underlay, const struct nv_port *port, struct trace_fields *tf,
		       __u8 *buf, size_t *len)
{
	struct nv_frame_fields *f = &tf->f;
	__u8 inner[NV_FRAME_BUILD_MAX], ul_mac[NV_ETH_ALEN];
	__u32 vsid = underlay ? tf->vsid : port->vsid;
	struct nv_config cfg;
	struct nv_record rec;
	struct nv_subnet sn;
	char ca[NV_ADDR_STRLEN];
	union nv_addr src, dst;
	bool have_subnet = !nv_subnet_get(m, vsid, &sn);
	int err;

	if (!underlay) {
		if (!tf->src)
			f->saddr = nv_addr_is_ipv4(&port->ca) ? port->ca.w[3] : 0;
		if (!tf->src_mac)
			memcpy(f->smac, port->mac, NV_ETH_ALEN);
	} else if (!record_of(m, vsid, f->saddr, &rec)) {
		if (!tf->src_mac)
			memcpy(f->smac, rec.mac, NV_ETH_ALEN);
		if (!tf->outer && nv_addr_is_ipv4(&rec.pa))
			tf->outer_src = rec.pa.w[3];
	} else if (have_subnet && !routed_source_of(m, sn.rdid, f->saddr, &rec)) {
		/* Routed into vsid by the sender's router: from the key VSID's gateway MAC. */
		if (!tf->src_mac)
			memcpy(f->smac, sn.gw_mac, NV_ETH_ALEN);
		if (!tf->outer && nv_addr_is_ipv4(&rec.pa))
			tf->outer_src = rec.pa.w[3];
	} else if (!tf->src_mac) {
		memcpy(f->smac, mac_none, NV_ETH_ALEN);
	}
	if (underlay && !tf->outer_src) {
		nv_addr_from_ipv4(&src, f->saddr);
		return nv_usage_error(ctx,
				      "%s: src %s has no record in vsid %u or its routing domain: "
				      "give outer-src",
				      cmd, nv_addr_format(&src, ca, sizeof(ca)), vsid);
	}
	nv_addr_from_ipv4(&dst, f->daddr);
	if (!tf->dst_mac) {
		const __u8 *mac = mac_none;

		if (!record_of(m, vsid, f->daddr, &rec))
			mac = rec.mac;
		else if (!underlay && have_subnet && sn.prefixlen &&
			 (!nv_prefix_contains(&sn.prefix, sn.prefixlen, &dst) ||
			  !memcmp(&dst, &sn.gw_ca, sizeof(dst))))
			mac = sn.gw_mac; /* off the port's subnet, or the gateway: as a VM sends */
		memcpy(f->dmac, mac, NV_ETH_ALEN);
	}
	if (!underlay) {
		*len = nv_frame_build_ipv4(buf, f);
		return 0;
	}
	*len = nv_frame_build_ipv4(inner, f);
	err = nv_config_get(m, &cfg);
	if (!err)
		err = nv_netdev_mac(cfg.underlay_ifindex, ul_mac);
	if (err)
		return nv_errno_error(ctx, err, "%s: the underlay's MAC", cmd);
	*len = nv_frame_build_nvgre(buf, ul_mac, mac_wire, tf->outer_src, cfg.pa.w[3], vsid, inner,
				    *len);
	return 0;
}
