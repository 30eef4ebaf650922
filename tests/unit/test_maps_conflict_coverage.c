/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every conflict kind the maps library raises has a case: a kind added to NV_CONFLICTS_MAPS
 * without a row in test_maps_conflict.c fails here. The library cannot raise a kind outside that
 * list (NV_RAISE, maps/nv_maps_int.h, refuses it at compile time), so the list is what it raises.
 * Also the names and the text of every kind.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "unit/maps/conflict_cases.h"
#include "unit/suite.h"

#define MAPS_KIND(name, err, fields) [NV_CONFLICT_##name] = true,
static const bool raised_by_maps[NV_CONFLICT__COUNT] = { NV_CONFLICTS_MAPS(MAPS_KIND) };
#undef MAPS_KIND

#define KIND_FIELDS(name, err, fields) [NV_CONFLICT_##name] = fields,
static const char *const kind_fields[NV_CONFLICT__COUNT] = { NV_CONFLICTS(KIND_FIELDS) };
#undef KIND_FIELDS

Test(conflict_coverage, every_maps_kind_has_a_case)
{
	bool seen[NV_CONFLICT__COUNT] = { false };
	char missing[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < conflict_cases_n; i++) {
		enum nv_conflict_kind k = conflict_cases[i].want.kind;

		cr_assert_lt((unsigned int)k, NV_CONFLICT__COUNT, "row \"%s\"",
			     conflict_cases[i].name);
		cr_expect(raised_by_maps[k], "row \"%s\": %s is not a kind of NV_CONFLICTS_MAPS",
			  conflict_cases[i].name, nv_conflict_name(k));
		seen[k] = true;
	}
	for (unsigned int k = 0; k < NV_CONFLICT__COUNT; k++)
		if (raised_by_maps[k] && !seen[k])
			n += snprintf(missing + n, n < sizeof(missing) ? sizeof(missing) - n : 0,
				      " %s", nv_conflict_name(k));
	cr_expect_eq(n, 0, "conflict kinds without a case:%s", missing);
	cr_expect(!raised_by_maps[NV_CONFLICT_NONE]);
}

Test(conflict_coverage, table_fits_the_parameter_buffer)
{
	cr_expect_leq(conflict_cases_n, CASES_MAX);
}

Test(conflict_coverage, names_unique_and_non_empty)
{
	for (unsigned int k = 0; k < NV_CONFLICT__COUNT; k++) {
		const char *n = nv_conflict_name(k);

		cr_assert_not_null(n, "name of %u", k);
		cr_assert_gt(strlen(n), 0, "name of %u", k);
		for (const char *c = n; *c; c++)
			cr_expect(islower((unsigned char)*c) || *c == '-',
				  "\"%s\": lower case and -", n);
		for (unsigned int j = 0; j < k; j++)
			cr_assert_str_neq(n, nv_conflict_name(j), "kinds %u and %u", j, k);
	}
	cr_assert_str_eq(nv_conflict_name(NV_CONFLICT_VSID_UNKNOWN), "vsid-unknown");
	cr_assert_str_eq(nv_conflict_name(NV_CONFLICT_NONE), "none");
	cr_assert_null(nv_conflict_name(NV_CONFLICT__COUNT));
	cr_assert_null(nv_conflict_name((enum nv_conflict_kind) - 1));
}

/* n in text as a number of its own (not part of a longer one). */
static bool has_number(const char *text, unsigned long n)
{
	char want[24];
	size_t len = (size_t)snprintf(want, sizeof(want), "%lu", n);

	for (const char *p = strstr(text, want); p; p = strstr(p + 1, want))
		if ((p == text || !isdigit((unsigned char)p[-1])) &&
		    !isdigit((unsigned char)p[len]))
			return true;
	return false;
}

/* The value of field f (a word of the X-macro's fields) of c is in text. */
static bool names_field(const char *text, const struct nv_conflict *c, const char *f, size_t len)
{
	char s[NV_ADDR_STRLEN];

	if (!strncmp(f, "vsid", len) && len == 4)
		return has_number(text, c->vsid);
	if (!strncmp(f, "rdid", len) && len == 4)
		return has_number(text, c->rdid);
	if (!strncmp(f, "ifindex", len) && len == 7)
		return has_number(text, c->ifindex); /* no such device: "#N" or "ifindex N" */
	if (!strncmp(f, "prefixlen", len) && len == 9)
		return has_number(text, c->prefixlen);
	if (!strncmp(f, "map", len) && len == 3)
		return strstr(text, nv_map_name(c->map));
	if (!strncmp(f, "ca", 2) && (len == 2 || !strncmp(f, "ca(prefix)", len)))
		return strstr(text, nv_addr_format(&c->ca, s, sizeof(s)));
	if (!strncmp(f, "pa", len) && len == 2)
		return strstr(text, nv_addr_format(&c->pa, s, sizeof(s)));
	if (!strncmp(f, "abi", len) && len == 3)
		return has_number(text, c->abi);
	if (!strncmp(f, "gw", 2) && (len == 2 || !strncmp(f, "gw(nexthop)", len)))
		return strstr(text, nv_addr_format(&c->gw, s, sizeof(s)));
	if (!strncmp(f, "vsid2", len) && len == 5)
		return has_number(text, c->vsid2);
	if (!strncmp(f, "net", len) && len == 3)
		return strstr(text, nv_addr_format(&c->net, s, sizeof(s)));
	if (!strncmp(f, "netlen", len) && len == 6)
		return has_number(text, c->netlen - 96); /* IPv4: printed as its own length */
	if (!strncmp(f, "mac", len) && len == 3)
		return strstr(text, nv_mac_format(c->mac, s, sizeof(s)));
	if (!strncmp(f, "port_mac", len) && len == 8)
		return strstr(text, nv_mac_format(c->port_mac, s, sizeof(s)));
	if (!strncmp(f, "port", len) && len == 4)
		return has_number(text, c->port);
	if (!strncmp(f, "proto", len) && len == 5)
		return c->proto == IPPROTO_TCP	 ? strstr(text, "tcp") != NULL
		       : c->proto == IPPROTO_UDP ? strstr(text, "udp") != NULL
						 : has_number(text, c->proto);
	cr_assert_fail("unknown field \"%.*s\"", (int)len, f);
	return false;
}

Test(conflict_coverage, format_names_the_values)
{
	struct nv_conflict c;
	char text[512];

	for (unsigned int k = 0; k < NV_CONFLICT__COUNT; k++) {
		const char *f = kind_fields[k];
		int n;

		memset(&c, 0, sizeof(c));
		c.kind = k;
		c.vsid = 5555;
		c.rdid = 77;
		c.ifindex = 999999; /* no such device */
		c.prefixlen = 21;
		c.map = NV_MAP_LOCAL_PAS;
		c.abi = 3;
		nv_addr_parse("10.1.2.3", &c.ca);
		nv_addr_parse("198.51.100.7", &c.pa);
		nv_addr_parse("10.1.2.99", &c.gw);
		c.vsid2 = 6666;
		nv_addr_parse("10.1.0.0", &c.net);
		c.netlen = 96 + 19;
		nv_mac_parse("02:5a:00:00:00:07", c.mac);
		nv_mac_parse("02:5a:00:00:00:08", c.port_mac);
		c.port = 4433;
		c.proto = k == NV_CONFLICT_NAT_PROTO_INVALID ? 47 : IPPROTO_UDP;
		n = nv_conflict_format(&c, text, sizeof(text));
		cr_assert_gt(n, 0, "%s: no text", nv_conflict_name(k));
		cr_assert_lt((size_t)n, sizeof(text));
		cr_expect_neq(text[n - 1], '\n', "%s: trailing newline", nv_conflict_name(k));
		cr_expect(!strstr(text, "conflict "), "%s has no text of its own: \"%s\"",
			  nv_conflict_name(k), text);
		while (*f) {
			size_t len = strcspn(f, " ");

			cr_expect(names_field(text, &c, f, len), "%s: \"%s\" does not name %.*s",
				  nv_conflict_name(k), text, (int)len, f);
			f += len;
			f += strspn(f, " ");
		}
	}
	c.kind = NV_CONFLICT__COUNT;
	nv_conflict_format(&c, text, sizeof(text));
	cr_expect(has_number(text, NV_CONFLICT__COUNT), "out of range: \"%s\"", text);
	/* A map that is not one: its number. */
	c.kind = NV_CONFLICT_TABLE_FULL;
	c.map = NV_MAP__COUNT;
	nv_conflict_format(&c, text, sizeof(text));
	cr_expect(has_number(text, NV_MAP__COUNT), "map out of range: \"%s\"", text);
}

/* nv_conflict_raise: why is the conflict given, the errno the kind's. */
Test(conflict_coverage, raise_copies_and_returns_the_errno)
{
	struct nv_conflict c = { .kind = NV_CONFLICT_CA_HELD, .vsid = 5001, .ifindex = 3 }, why;

	memset(&why, 0x5a, sizeof(why));
	cr_assert_eq(nv_conflict_raise(&why, &c), -EEXIST);
	cr_assert_eq(why.kind, NV_CONFLICT_CA_HELD);
	cr_assert_eq(why.vsid, 5001);
	cr_assert_eq(why.ifindex, 3);
	cr_assert_eq(nv_conflict_raise(NULL, &c), -EEXIST, "why NULL");
	cr_assert_eq(nv_conflict_set(NULL, NV_CONFLICT_NONE), 0);
	cr_assert_eq(nv_conflict_set(NULL, NV_CONFLICT__COUNT), -EINVAL);
}
