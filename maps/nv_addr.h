/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Parsing and printing of CAs, PAs and MACs for user space. Returns 0 or -EINVAL. */
#ifndef NV_ADDR_H
#define NV_ADDR_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nvgre_abi.h"

#define NV_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define NV_MAC_STRLEN  18

/* "10.0.0.1" (stored IPv4-mapped) or an IPv6 address. */
int nv_addr_parse(const char *s, union nv_addr *out);
/* be_ipv4 in network byte order. */
void nv_addr_from_ipv4(union nv_addr *out, __u32 be_ipv4);
bool nv_addr_is_ipv4(const union nv_addr *a);
/* IPv4-mapped addresses print as dotted quads. Returns buf. */
const char *nv_addr_format(const union nv_addr *a, char *buf, size_t len);

/*
 * What a CA or PA may be: not unspecified (0.0.0.0, ::), not broadcast, not multicast. The maps
 * library and the CLI both check with this.
 */
bool nv_addr_unicast(const union nv_addr *a);
/* 0.0.0.0 (IPv4-mapped) or ::: the CA of a gateway wildcard record. */
bool nv_addr_is_wildcard(const union nv_addr *a);

/*
 * "10.0.0.0/24" or "fd00::/64": the address and its length in address bits (an IPv4 prefix
 * counts as 96 + len, as it is stored IPv4-mapped). Host bits must be zero: a prefix has one
 * spelling.
 */
int nv_prefix_parse(const char *s, union nv_addr *addr, __u8 *len);
/* Whether a lies in prefix/len (len in address bits, as nv_prefix_parse gives it). */
bool nv_prefix_contains(const union nv_addr *prefix, __u8 len, const union nv_addr *a);
/* "10.0.0.0/24": IPv4 prefixes print with their own length. Returns buf. */
const char *nv_prefix_format(const union nv_addr *prefix, __u8 len, char *buf, size_t size);
#define NV_PREFIX_STRLEN (NV_ADDR_STRLEN + 4)

/* "02:00:00:00:00:01" (exactly six hex pairs separated by ':'). */
int nv_mac_parse(const char *s, __u8 mac[NV_ETH_ALEN]);
/* What a VM NIC's MAC may be: not all zero, not broadcast or multicast. */
bool nv_mac_unicast(const __u8 mac[NV_ETH_ALEN]);
const char *nv_mac_format(const __u8 mac[NV_ETH_ALEN], char *buf, size_t len);

#endif /* NV_ADDR_H */
