/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* CAs, PAs and MACs as text: parse, format. */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>

#include "nv_addr.h"

Test(addr, parse_accept)
{
	static const struct {
		const char *s;
		__u8 b[16];
	} ok[] = {
		{ "10.0.0.1", { [10] = 0xff, 0xff, 10, 0, 0, 1 } },
		{ "0.0.0.0", { [10] = 0xff, 0xff, 0, 0, 0, 0 } },
		{ "255.255.255.255", { [10] = 0xff, 0xff, 255, 255, 255, 255 } },
		{ "::ffff:10.0.0.1", { [10] = 0xff, 0xff, 10, 0, 0, 1 } },
		{ "::1", { [15] = 1 } },
		{ "::", { 0 } },
		{ "2001:db8::1", { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } },
		{ "FE80::A", { 0xfe, 0x80, [15] = 0xa } },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		union nv_addr a;

		cr_assert_eq(nv_addr_parse(ok[i].s, &a), 0, "%s", ok[i].s);
		cr_assert_arr_eq(a.b, ok[i].b, 16, "%s", ok[i].s);
	}
}

Test(addr, parse_reject)
{
	static const char *const bad[] = {
		"",	      "10.0.0",	       "10.0.0.256",
		"10.0.0.1 ",  " 10.0.0.1",     "10.0.0.1/24",
		"1.2.3.4.5",  "010.0.0.1",     "0x0a.0.0.1",
		"10.0.0.-1",  "::g",	       "1::2::3",
		"fe80::1%lo", "2001:db8::/32", "abc",
		"10.0.0.1\n", "::ffff:1.2.3",  "12345::",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		union nv_addr a, orig;

		memset(&a, 0x5a, sizeof(a));
		orig = a;
		cr_assert_eq(nv_addr_parse(bad[i], &a), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_arr_eq(&a, &orig, sizeof(a), "'%s' wrote its output", bad[i]);
	}
	cr_assert_eq(nv_addr_parse(NULL, &(union nv_addr){ 0 }), -EINVAL);
}

Test(addr, format_and_helpers)
{
	char buf[NV_ADDR_STRLEN], small[8];
	union nv_addr a, b;

	nv_addr_from_ipv4(&a, htonl(0x0a000001));
	cr_assert(nv_addr_is_ipv4(&a));
	cr_assert_eq(nv_addr_parse("10.0.0.1", &b), 0);
	cr_assert_arr_eq(&a, &b, sizeof(a));
	cr_assert_str_eq(nv_addr_format(&a, buf, sizeof(buf)), "10.0.0.1");
	cr_assert_eq(nv_addr_parse("2001:db8::1", &b), 0);
	cr_assert_not(nv_addr_is_ipv4(&b));
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)), "2001:db8::1");
	cr_assert_eq(nv_addr_parse("::", &b), 0);
	cr_assert_not(nv_addr_is_ipv4(&b));
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)), "::");
	cr_assert_eq(nv_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &b), 0);
	cr_assert_str_eq(nv_addr_format(&b, buf, sizeof(buf)),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	cr_assert_str_eq(nv_addr_format(&b, small, sizeof(small)), "", "too small: empty");
}

Test(mac, parse_accept)
{
	static const struct {
		const char *s;
		__u8 mac[NV_ETH_ALEN];
	} ok[] = {
		{ "02:00:00:00:00:01", { 2, 0, 0, 0, 0, 1 } },
		{ "AA:bb:CC:dd:EE:ff", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "00:00:00:00:00:00", { 0 } },
		{ "ff:ff:ff:ff:ff:ff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ "12:34:56:78:9a:bc", { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc } },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		__u8 mac[NV_ETH_ALEN];

		cr_assert_eq(nv_mac_parse(ok[i].s, mac), 0, "%s", ok[i].s);
		cr_assert_arr_eq(mac, ok[i].mac, NV_ETH_ALEN, "%s", ok[i].s);
	}
}

Test(mac, parse_reject)
{
	static const char *const bad[] = {
		"",
		"02:00:00:00:00",
		"02:00:00:00:00:",
		"02:00:00:00:00:01:",
		"02:00:00:00:00:01x",
		"02:00:00:00:00:01 ",
		" 02:00:00:00:00:01",
		"02:00:00:00:00:1",
		"2:00:00:00:00:01",
		"02:00:00:00:00:001",
		"02-00-00-00-00-01",
		"0200.0000.0001",
		"020000000001",
		"02:00:00:00:00:0g",
		"02::00:00:00:00:01",
		"02:00:00:00:00:01:02",
		"0x:00:00:00:00:01",
		"+2:00:00:00:00:01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u8 mac[NV_ETH_ALEN] = { 9, 9, 9, 9, 9, 9 }, orig[NV_ETH_ALEN];

		memcpy(orig, mac, sizeof(mac));
		cr_assert_eq(nv_mac_parse(bad[i], mac), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_arr_eq(mac, orig, NV_ETH_ALEN, "'%s' wrote its output", bad[i]);
	}
	cr_assert_eq(nv_mac_parse(NULL, (__u8[NV_ETH_ALEN]){ 0 }), -EINVAL);
}

Test(mac, format)
{
	const __u8 mac[NV_ETH_ALEN] = { 0x02, 0xab, 0, 0xff, 0x10, 0x01 };
	char buf[NV_MAC_STRLEN], small[NV_MAC_STRLEN - 1];
	__u8 back[NV_ETH_ALEN];

	cr_assert_str_eq(nv_mac_format(mac, buf, sizeof(buf)), "02:ab:00:ff:10:01");
	cr_assert_eq(nv_mac_parse(buf, back), 0);
	cr_assert_arr_eq(back, mac, NV_ETH_ALEN);
	cr_assert_str_eq(nv_mac_format(mac, small, sizeof(small)), "", "too small: empty");
}

Test(addr, prefix_parse_has_one_spelling)
{
	union nv_addr a, want, in, out;
	__u8 len;

	cr_assert_eq(nv_addr_parse("10.1.0.0", &want), 0);
	cr_assert_eq(nv_addr_parse("10.1.255.3", &in), 0);
	cr_assert_eq(nv_addr_parse("10.2.0.1", &out), 0);

	cr_assert_eq(nv_prefix_parse("10.1.0.0/16", &a, &len), 0);
	cr_assert_eq(len, 96 + 16);
	cr_assert_arr_eq(&a, &want, sizeof(a));
	cr_assert(nv_prefix_contains(&a, len, &in));
	cr_assert_not(nv_prefix_contains(&a, len, &out));
	cr_assert_eq(nv_prefix_parse("fd00::/8", &a, &len), 0);
	cr_assert_eq(len, 8);
	const char *bad[] = {
		"10.1.0.1/16",	"10.1.0.0/33",	"10.1.0.0/",   "/16",	     "10.1.0.0",
		"10.1.0.0/+16", "10.1.0.0/016", "10.1.0.0/1x", "fd00::1/64", NULL
	};
	for (int i = 0; bad[i]; i++)
		cr_assert_eq(nv_prefix_parse(bad[i], &a, &len), -EINVAL, "%s refused", bad[i]);
}
