/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The Internet checksum (RFC 1071): the fold that ends every sum (IPv4 headers: nv_ipv4.h). */
#ifndef NV_CSUM_H
#define NV_CSUM_H

#include "nv_common.h"

static __always_inline __u16 nv_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* NV_CSUM_H */
