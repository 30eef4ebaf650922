// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_args.h"

/*
 * Decimal, or hexadecimal after "0x". Never octal: "010000" is ten thousand, as a VSID written
 * with a leading zero would be meant. No sign, no blanks.
 */
static int parse_u32(const char *s, __u32 *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v;
	char *end;

	if (hex)
		s += 2;
	if (!(hex ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)) ||
	    (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end || v > 0xffffffffull)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

static int parse_value(const struct nv_ctx *ctx, const char *cmd, struct nv_arg *a, const char *s)
{
	a->raw = s;
	switch (a->type) {
	case NV_ARG_VSID:
		if (parse_u32(s, &a->v.u32) || !nv_vsid_valid(a->v.u32))
			return nv_usage_error(ctx, "%s: vsid \"%s\": expected a number in %u..%u",
					      cmd, s, NV_VSID_MIN, NV_VSID_MAX);
		return 0;
	case NV_ARG_U32:
		if (parse_u32(s, &a->v.u32))
			return nv_usage_error(ctx, "%s: %s \"%s\": expected a number in 0..%u", cmd,
					      a->key, s, 0xffffffffu);
		return 0;
	case NV_ARG_TTL:
		if (parse_u32(s, &a->v.u32) || a->v.u32 < 1 || a->v.u32 > 255)
			return nv_usage_error(ctx, "%s: ttl \"%s\": expected a number in 1..255",
					      cmd, s);
		return 0;
	case NV_ARG_ADDR:
		if (nv_addr_parse(s, &a->v.addr))
			return nv_usage_error(ctx, "%s: %s \"%s\": not an IPv4 or IPv6 address",
					      cmd, a->key, s);
		if (!nv_addr_unicast(&a->v.addr))
			return nv_usage_error(ctx,
					      "%s: %s \"%s\": not a unicast address (unspecified, "
					      "broadcast or multicast)",
					      cmd, a->key, s);
		return 0;
	case NV_ARG_MAC:
		if (nv_mac_parse(s, a->v.mac))
			return nv_usage_error(
				ctx, "%s: %s \"%s\": expected a MAC like 02:00:00:00:00:01", cmd,
				a->key, s);
		if (!nv_mac_unicast(a->v.mac))
			return nv_usage_error(
				ctx,
				"%s: %s \"%s\": not a unicast MAC (zero, broadcast or multicast)",
				cmd, a->key, s);
		return 0;
	case NV_ARG_DEV:
		if (strlen(s) >= IF_NAMESIZE || !(a->v.u32 = if_nametoindex(s)))
			return nv_usage_error(ctx, "%s: dev \"%s\": no such network device", cmd,
					      s);
		return 0;
	case NV_ARG_CHOICE:
		for (int i = 0; a->choices[i]; i++)
			if (!strcmp(s, a->choices[i])) {
				a->v.choice = i;
				return 0;
			}
		return nv_usage_error(ctx, "%s: %s \"%s\": expected %s%s%s", cmd, a->key, s,
				      a->choices[0], a->choices[1] ? " or " : "",
				      a->choices[1] ? a->choices[1] : "");
	case NV_ARG_STRING:
		return 0;
	}
	return nv_usage_error(ctx, "%s: %s: unknown argument type", cmd, a->key);
}

int nv_args_parse(const struct nv_ctx *ctx, const char *cmd, struct nv_arg *args, int nargs,
		  int argc, char **argv)
{
	for (int i = 0; i < argc; i += 2) {
		struct nv_arg *a = NULL;
		int err;

		for (int k = 0; k < nargs; k++)
			if (!strcmp(argv[i], args[k].key))
				a = &args[k];
		if (!a)
			return nv_usage_error(ctx, "%s: unknown argument \"%s\"", cmd, argv[i]);
		if (a->set)
			return nv_usage_error(ctx, "%s: %s given twice", cmd, a->key);
		if (i + 1 >= argc)
			return nv_usage_error(ctx, "%s: %s needs a value", cmd, a->key);
		err = parse_value(ctx, cmd, a, argv[i + 1]);
		if (err)
			return err;
		a->set = true;
	}
	for (int k = 0; k < nargs; k++)
		if (args[k].required && !args[k].set)
			return nv_usage_error(ctx, "%s: missing %s", cmd, args[k].key);
	return 0;
}
