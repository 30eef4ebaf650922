/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#include <string.h>

#include "lib/frames.h"

void frame_spec(struct pkt_ipv4_spec *s, const __u8 smac[PKT_ETH_ALEN], __be32 saddr,
		const __u8 dmac[PKT_ETH_ALEN], __be32 daddr)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->smac, smac, PKT_ETH_ALEN);
	memcpy(s->dmac, dmac, PKT_ETH_ALEN);
	s->saddr = saddr;
	s->daddr = daddr;
	s->proto = PKT_IPPROTO_UDP;
	s->sport = FRAME_SPORT;
	s->dport = FRAME_DPORT;
	s->ttl = 64;
}

size_t frame_udp(struct pkt *p, const __u8 smac[PKT_ETH_ALEN], __be32 saddr,
		 const __u8 dmac[PKT_ETH_ALEN], __be32 daddr, size_t len)
{
	struct pkt_ipv4_spec s;

	frame_spec(&s, smac, saddr, dmac, daddr);
	return pkt_ipv4(p, &s, len);
}

size_t frame_nvgre(struct pkt *wire, const struct pkt *inner, __be32 src_pa, __be32 dst_pa,
		   __u32 vsid, __u8 flow_id)
{
	struct pkt_nvgre_spec o;

	pkt_nvgre_spec_init(&o, src_pa, dst_pa, vsid, flow_id);
	return pkt_nvgre(wire, &o, inner->d, inner->len);
}

size_t frame_arp_request(struct pkt *p, const __u8 mac[PKT_ETH_ALEN], __be32 spa, __be32 tpa)
{
	struct pkt_arp_spec a = { .oper = 1, .spa = spa, .tpa = tpa };

	memset(a.dmac, 0xff, PKT_ETH_ALEN);
	memcpy(a.smac, mac, PKT_ETH_ALEN);
	memcpy(a.sha, mac, PKT_ETH_ALEN);
	return pkt_arp(p, &a);
}

void frame_fix_ip_csum(__u8 *ip)
{
	pkt_put16(ip + 10, 0);
	pkt_put16(ip + 10, pkt_csum(ip, (ip[0] & 0xf) * 4, 0));
}

const __u8 *mac_or(const __u8 m[PKT_ETH_ALEN], const __u8 dflt[PKT_ETH_ALEN])
{
	static const __u8 zero[PKT_ETH_ALEN];

	return memcmp(m, zero, PKT_ETH_ALEN) ? m : dflt;
}
