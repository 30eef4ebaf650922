// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Frames built from fields, as a VM or a remote host sends them (nvctl trace's input): valid
 * checksums, so the datapath judges what the fields say and not a broken header.
 */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "nv_frame.h"

#define PAYLOAD	  "nvctl trace frame, 32 bytes...."
#define TCP_HLEN  20
#define UDP_HLEN  8
#define ICMP_HLEN 8
#define IP_DF	  0x4000

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

/* An option-less IPv4 header (DF, TTL 64) with its checksum. */
static void put_ipv4(__u8 *ip, __u8 proto, __be32 src, __be32 dst, size_t payload_len)
{
	memset(ip, 0, NV_IPV4_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (__u16)(NV_IPV4_HLEN + payload_len));
	put16(ip + 6, IP_DF);
	ip[8] = NV_DEFAULT_TTL;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, NV_IPV4_HLEN)));
}

static void put_eth(__u8 *buf, const __u8 *dmac, const __u8 *smac, __u16 proto)
{
	memcpy(buf, dmac, NV_ETH_ALEN);
	memcpy(buf + NV_ETH_ALEN, smac, NV_ETH_ALEN);
	put16(buf + 2 * NV_ETH_ALEN, proto);
}

size_t nv_frame_build_ipv4(__u8 *buf, const struct nv_frame_fields *f)
{
	__u8 *ip = buf + NV_ETH_HLEN, *l4 = ip + NV_IPV4_HLEN;
	size_t l4_len, plen = sizeof(PAYLOAD) - 1;
	__u32 sum;

	put_eth(buf, f->dmac, f->smac, ETH_P_IP);
	switch (f->proto) {
	case IPPROTO_TCP:
		l4_len = TCP_HLEN;
		memset(l4, 0, l4_len);
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		l4[12] = (TCP_HLEN / 4) << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 65535);
		break;
	case IPPROTO_UDP:
		l4_len = UDP_HLEN + plen;
		put16(l4, f->sport);
		put16(l4 + 2, f->dport);
		put16(l4 + 4, (__u16)l4_len);
		put16(l4 + 6, 0);
		memcpy(l4 + UDP_HLEN, PAYLOAD, plen);
		break;
	case IPPROTO_ICMP:
		l4_len = ICMP_HLEN + plen;
		memset(l4, 0, ICMP_HLEN);
		l4[0] = 8; /* echo request */
		put16(l4 + 4, 1);
		put16(l4 + 6, 1);
		memcpy(l4 + ICMP_HLEN, PAYLOAD, plen);
		break;
	default:
		l4_len = plen;
		memcpy(l4, PAYLOAD, plen);
		break;
	}
	put_ipv4(ip, f->proto, f->saddr, f->daddr, l4_len);
	if (f->proto == IPPROTO_ICMP) {
		put16(l4 + 2, csum_fold(csum_add(0, l4, l4_len)));
	} else if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		/* The pseudo-header: addresses, protocol, L4 length. */
		sum = csum_add(0, ip + 12, 8) + f->proto + (__u32)l4_len;
		put16(l4 + (f->proto == IPPROTO_TCP ? 16 : 6),
		      csum_fold(csum_add(sum, l4, l4_len)));
	}
	return NV_ETH_HLEN + NV_IPV4_HLEN + l4_len;
}

size_t nv_frame_build_nvgre(__u8 *buf, const __u8 dmac[NV_ETH_ALEN], const __u8 smac[NV_ETH_ALEN],
			    __be32 src, __be32 dst, __u32 vsid, const __u8 *inner, size_t inner_len)
{
	__u8 *ip = buf + NV_ETH_HLEN, *gre = ip + NV_IPV4_HLEN;

	put_eth(buf, dmac, smac, ETH_P_IP);
	put_ipv4(ip, NV_IPPROTO_GRE, src, dst, NV_GRE_HLEN + inner_len);
	put16(gre, NV_GRE_FLAGS_K);
	put16(gre + 2, NV_ETH_P_TEB);
	/* Key: VSID << 8 | FlowID, FlowID 0. */
	put16(gre + 4, (__u16)(vsid >> 8));
	gre[6] = vsid & 0xff;
	gre[7] = 0;
	memmove(gre + NV_GRE_HLEN, inner, inner_len);
	return NV_ENCAP_LEN + inner_len;
}
