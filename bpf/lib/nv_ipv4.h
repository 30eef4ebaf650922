/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * IPv4 (RFC 791) as the datapath reads and writes it: the one validation of a received header,
 * used for what a VM sends (nv_from_vm) and for the packet an NVGRE frame carries (nv_wire.h),
 * the pieces the outer header of a wire frame is checked with, and the header checksum, computed
 * for the headers we build and verified on those we receive (RFC 1122 3.2.1.2).
 */
#ifndef NV_IPV4_H
#define NV_IPV4_H

#include "nv_common.h"
#include "nv_csum.h"

#define NV_IPV4_VERSION 4
#define NV_IPV4_IHL_MIN (NV_IPV4_HLEN / 4) /* ihl counts 32-bit words */

/* The header length in bytes, options included: 20..60 once nv_ipv4_hdr_ok(). */
static __always_inline __u32 nv_ipv4_hlen(const struct iphdr *ip)
{
	return ip->ihl * 4;
}

/* Version 4 and at least the fixed header: what makes the bytes at ip an IPv4 header. */
static __always_inline bool nv_ipv4_hdr_ok(const struct iphdr *ip)
{
	return ip->version == NV_IPV4_VERSION && ip->ihl >= NV_IPV4_IHL_MIN;
}

/* More fragments follow, or this is not the first one. */
static __always_inline bool nv_ipv4_is_fragment(const struct iphdr *ip)
{
	return ip->frag_off & bpf_htons(IP_MF | IP_OFFSET);
}

/*
 * Both TCP/UDP ports (the first 4 bytes of L4) of an unfragmented packet, when they are in
 * [.., data_end); else 0: a fragment after the first has no ports, the first one's are not
 * enough to tell its flow.
 */
static __always_inline __be32 nv_ipv4_ports(const struct iphdr *ip, void *data_end)
{
	__be32 *ports = (void *)ip + nv_ipv4_hlen(ip);

	if ((ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) &&
	    !nv_ipv4_is_fragment(ip) && (void *)(ports + 1) <= data_end)
		return *ports;
	return 0;
}

/*
 * An IPv4 packet at ip with avail bytes of frame from ip on (skb->len, or what the outer packet
 * carries, minus the Ethernet header), checked as a host checks what it receives, in this order:
 *   the fixed header in [ip, data_end)                       else NV_DROP_TRUNCATED
 *   version 4, IHL >= 5, total length >= the header length  else NV_DROP_MALFORMED
 *   the total length within avail                           else NV_DROP_TRUNCATED
 * NV_DROP_NONE: the fixed header may be read. Options and payload are not bounds-checked.
 */
static __always_inline enum nv_drop_reason nv_ipv4_check(const struct iphdr *ip, void *data_end,
							 __u32 avail)
{
	if ((void *)(ip + 1) > data_end)
		return NV_DROP_TRUNCATED;
	if (!nv_ipv4_hdr_ok(ip) || bpf_ntohs(ip->tot_len) < nv_ipv4_hlen(ip))
		return NV_DROP_MALFORMED;
	if (bpf_ntohs(ip->tot_len) > avail)
		return NV_DROP_TRUNCATED;
	return NV_DROP_NONE;
}

/* Checksum of an option-less header we build; iph->check must be zero on entry. */
static __always_inline __u16 nv_ipv4_csum(const struct iphdr *iph)
{
	const __u16 *p = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += p[i];
	return nv_csum_fold(sum);
}

/*
 * RFC 1122 3.2.1.2: a host verifies the header checksum (here the stack is bypassed). Options
 * are summed too, as far as they are in [ip, data_end).
 */
static __always_inline bool nv_ipv4_csum_ok(const struct iphdr *ip, __u32 ihl_len, void *data_end)
{
	const __u16 *p = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < NV_IPV4_HLEN / 2; i++)
		sum += p[i];
	/* Options: rare, a bounded loop is enough. */
	for (int i = NV_IPV4_HLEN / 2; i < NV_IPV4_HLEN_MAX / 2; i++) {
		if (i * 2 >= ihl_len || (void *)(p + i + 1) > data_end)
			break;
		sum += p[i];
	}
	return nv_csum_fold(sum) == 0;
}

#endif /* NV_IPV4_H */
