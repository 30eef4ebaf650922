/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* CAs, PAs and MACs as text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"

static const __u8 v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void nv_addr_from_ipv4(union nv_addr *out, __u32 be_ipv4)
{
	memcpy(out->b, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(&out->b[12], &be_ipv4, sizeof(be_ipv4));
}

bool nv_addr_is_ipv4(const union nv_addr *a)
{
	return !memcmp(a->b, v4mapped_prefix, sizeof(v4mapped_prefix));
}

int nv_addr_parse(const char *s, union nv_addr *out)
{
	union nv_addr a;
	struct in_addr v4;

	if (!s || !out)
		return -EINVAL;
	/* inet_pton is strict: dotted quad only, no whitespace, no scope id. */
	if (inet_pton(AF_INET, s, &v4) == 1)
		nv_addr_from_ipv4(&a, v4.s_addr);
	else if (inet_pton(AF_INET6, s, a.b) != 1)
		return -EINVAL;
	*out = a;
	return 0;
}

const char *nv_addr_format(const union nv_addr *a, char *buf, size_t len)
{
	const char *r;

	if (!buf || !len)
		return buf;
	if (nv_addr_is_ipv4(a))
		r = inet_ntop(AF_INET, &a->b[12], buf, len);
	else
		r = inet_ntop(AF_INET6, a->b, buf, len);
	if (!r)
		buf[0] = '\0'; /* too small: an empty string rather than a cut address */
	return buf;
}

bool nv_addr_is_wildcard(const union nv_addr *a)
{
	static const union nv_addr zero;

	if (nv_addr_is_ipv4(a))
		return !(a->b[12] | a->b[13] | a->b[14] | a->b[15]);
	return !memcmp(a, &zero, sizeof(zero));
}

bool nv_addr_unicast(const union nv_addr *a)
{
	static const union nv_addr zero;

	if (nv_addr_is_ipv4(a)) {
		__u8 first = a->b[12];
		bool bcast =
			a->b[12] == 255 && a->b[13] == 255 && a->b[14] == 255 && a->b[15] == 255;
		bool any = !(a->b[12] | a->b[13] | a->b[14] | a->b[15]);

		return !any && !bcast && (first & 0xf0) != 0xe0;
	}
	return memcmp(a, &zero, sizeof(zero)) && a->b[0] != 0xff;
}

/* a with the bits after len cleared. */
static void prefix_mask(const union nv_addr *a, unsigned int len, union nv_addr *out)
{
	for (unsigned int i = 0; i < sizeof(out->b); i++) {
		unsigned int bits = len >= 8 ? 8 : len;

		out->b[i] = a->b[i] & (__u8)(0xff00 >> bits);
		len -= bits;
	}
}

bool nv_prefix_contains(const union nv_addr *prefix, __u8 len, const union nv_addr *a)
{
	union nv_addr masked;

	if (len > 128)
		return false;
	prefix_mask(a, len, &masked);
	return !memcmp(&masked, prefix, sizeof(masked));
}

int nv_prefix_parse(const char *s, union nv_addr *addr, __u8 *len)
{
	char buf[NV_ADDR_STRLEN], *end;
	const char *slash = s ? strchr(s, '/') : NULL;
	union nv_addr masked;
	unsigned long n;
	unsigned int max;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(buf) || !slash[1])
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (nv_addr_parse(buf, addr))
		return -EINVAL;
	/* Digits only: no sign, no space, no hex. */
	for (const char *c = slash + 1; *c; c++)
		if (*c < '0' || *c > '9')
			return -EINVAL;
	n = strtoul(slash + 1, &end, 10);
	max = nv_addr_is_ipv4(addr) && !strchr(buf, ':') ? 32 : 128;
	if (*end || n > max || (slash[1] == '0' && slash[2]))
		return -EINVAL;
	*len = (__u8)(max == 32 ? 96 + n : n);
	prefix_mask(addr, *len, &masked);
	return memcmp(&masked, addr, sizeof(masked)) ? -EINVAL : 0;
}

const char *nv_prefix_format(const union nv_addr *prefix, __u8 len, char *buf, size_t size)
{
	char a[NV_ADDR_STRLEN];
	bool v4 = nv_addr_is_ipv4(prefix) && len >= 96;

	nv_addr_format(prefix, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, v4 ? len - 96u : len);
	return buf;
}

bool nv_mac_unicast(const __u8 mac[NV_ETH_ALEN])
{
	static const __u8 zero[NV_ETH_ALEN];

	return !(mac[0] & 1) && memcmp(mac, zero, NV_ETH_ALEN);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nv_mac_parse(const char *s, __u8 mac[NV_ETH_ALEN])
{
	__u8 m[NV_ETH_ALEN];

	if (!s || !mac)
		return -EINVAL;
	/* Exactly "xx:xx:xx:xx:xx:xx": no short groups, no other separator, nothing after. */
	for (int i = 0; i < NV_ETH_ALEN; i++) {
		const char *p = s + 3 * i;
		int hi, lo;

		hi = hexval(p[0]);
		if (hi < 0)
			return -EINVAL;
		lo = hexval(p[1]);
		if (lo < 0)
			return -EINVAL;
		if (p[2] != (i == NV_ETH_ALEN - 1 ? '\0' : ':'))
			return -EINVAL;
		m[i] = (__u8)(hi << 4 | lo);
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

const char *nv_mac_format(const __u8 mac[NV_ETH_ALEN], char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	if (len < NV_MAC_STRLEN) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
