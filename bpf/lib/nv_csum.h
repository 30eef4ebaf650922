/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IPv4 header checksum (RFC 1071): computed for the option-less headers we build; the fold also
 * checks received headers (nv_wire.h). */
#ifndef NV_CSUM_H
#define NV_CSUM_H

#include "nv_common.h"

static __always_inline __u16 nv_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* iph->check must be zero on entry. */
static __always_inline __u16 nv_ipv4_csum(const struct iphdr *iph)
{
	const __u16 *p = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += p[i];
	return nv_csum_fold(sum);
}

#endif /* NV_CSUM_H */
