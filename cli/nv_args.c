// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_netdev.h"
#include "nv_output.h"

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

/* "a, b or c" */
static const char *choice_list(const char *const *choices, char *buf, size_t len)
{
	size_t n = 0, off = 0;

	while (choices[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s",
				i == 0	     ? ""
				: i + 1 == n ? " or "
					     : ", ",
				choices[i]);
	return buf;
}

/* A port: 1..65535, decimal (as ports are written). */
static int parse_port(const char *s, size_t len, __u16 *out)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (__u16)v;
	return 0;
}

/* IPV4:PORT or [IPV6]:PORT, into a->v.addr and a->port; why (static text) when it is not. */
static const char *parse_addr_port(const char *s, struct nv_arg *a)
{
	static const char form[] = "expected ADDR:PORT like 192.0.2.1:80 ([ADDR]:PORT for IPv6)";
	bool bracket = s[0] == '[';
	const char *colon, *end;
	char host[64];

	if (bracket) {
		end = strchr(++s, ']');
		colon = end && end[1] == ':' ? end + 1 : NULL;
	} else {
		end = colon = strrchr(s, ':');
	}
	if (!colon || (size_t)(end - s) >= sizeof(host))
		return form;
	memcpy(host, s, end - s);
	host[end - s] = '\0';
	/* An IPv6 address has colons of its own: it goes in brackets. */
	if ((!bracket && strchr(host, ':')) || nv_addr_parse(host, &a->v.addr))
		return form;
	if (!nv_addr_unicast(&a->v.addr))
		return "not a unicast address (unspecified, broadcast or multicast)";
	if (parse_port(colon + 1, strlen(colon + 1), &a->port))
		return "PORT: expected a number in 1..65535";
	return NULL;
}

/* LO-HI into a->port..a->port_hi. */
static int parse_port_range(const char *s, struct nv_arg *a)
{
	const char *dash = strchr(s, '-');

	if (!dash || parse_port(s, dash - s, &a->port) ||
	    parse_port(dash + 1, strlen(dash + 1), &a->port_hi) || a->port > a->port_hi)
		return -EINVAL;
	return 0;
}

static int parse_proto(const char *s, __u8 *out)
{
	static const struct {
		const char *name;
		__u8 proto;
	} names[] = { { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP } };
	__u32 v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].proto;
			return 0;
		}
	if (parse_u32(s, &v) || v > 255 || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	*out = (__u8)v;
	return 0;
}

/* Parses s into a by sp: 0, or -EINVAL with what is wrong with it in msg (no name, no value). */
static int value_problem(const struct nv_arg_spec *sp, struct nv_arg *a, const char *s, char *msg,
			 size_t len)
{
	char list[128];
	const char *why = NULL;

	switch (sp->type) {
	case NV_ARG_U32:
		if (parse_u32(s, &a->v.u32) || a->v.u32 < sp->min || a->v.u32 > sp->max) {
			snprintf(msg, len, "expected a number in %u..%u", sp->min, sp->max);
			return -EINVAL;
		}
		return 0;
	case NV_ARG_ADDR:
	case NV_ARG_CA:
		if (nv_addr_parse(s, &a->v.addr))
			why = "not an IPv4 or IPv6 address";
		else if (sp->type == NV_ARG_CA && nv_addr_is_wildcard(&a->v.addr))
			return 0;
		else if (!nv_addr_unicast(&a->v.addr))
			why = "not a unicast address (unspecified, broadcast or multicast)";
		break;
	case NV_ARG_IPV4:
		if (nv_addr_parse(s, &a->v.addr) || !nv_addr_is_ipv4(&a->v.addr) || strchr(s, ':'))
			why = "not an IPv4 address";
		break;
	case NV_ARG_MAC:
	case NV_ARG_ANY_MAC:
		if (nv_mac_parse(s, a->v.mac))
			why = "expected a MAC like 02:00:00:00:00:01";
		else if (sp->type == NV_ARG_MAC && !nv_mac_unicast(a->v.mac))
			why = "not a unicast MAC (zero, broadcast or multicast)";
		break;
	case NV_ARG_PREFIX:
		if (nv_prefix_parse(s, &a->v.addr, &a->prefixlen))
			why = "expected a prefix like 10.0.0.0/24 (no host bits set)";
		break;
	case NV_ARG_DEV:
		if (nv_netdev_index(s, &a->v.u32))
			why = "no such network device";
		break;
	case NV_ARG_CHOICE:
		for (int i = 0; sp->choices[i]; i++)
			if (!strcmp(s, sp->choices[i])) {
				a->v.choice = i;
				return 0;
			}
		snprintf(msg, len, "expected %s", choice_list(sp->choices, list, sizeof(list)));
		return -EINVAL;
	case NV_ARG_PROTO:
		if (parse_proto(s, &a->v.proto))
			why = "expected icmp, tcp, udp or 0..255";
		break;
	case NV_ARG_ADDR_PORT:
		why = parse_addr_port(s, a);
		break;
	case NV_ARG_PORT_RANGE:
		if (parse_port_range(s, a))
			why = "expected LO-HI with 1 <= LO <= HI <= 65535";
		break;
	case NV_ARG_STRING:
		break;
	case NV_ARG_FLAG: /* takes no value: never parsed */
	case NV_ARG_NONE:
		why = "unknown argument type";
		break;
	}
	if (!why)
		return 0;
	snprintf(msg, len, "%s", why);
	return -EINVAL;
}

/*
 * One value. Every message names the keyword and the value as given: vsid "12" for a keyword,
 * "12" for a positional; formatted only on error (a batch parses a million of these).
 */
static int parse_value(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg_spec *sp,
		       struct nv_arg *a, const char *s)
{
	char what[96], msg[192];

	a->raw = s;
	if (!value_problem(sp, a, s, msg, sizeof(msg)))
		return 0;
	if (sp->key)
		snprintf(what, sizeof(what), "%s \"%.60s\"", sp->key, s);
	else
		snprintf(what, sizeof(what), "\"%.80s\"", s);
	return nv_usage_error(ctx, "%s: %s: %s", cmd, what, msg);
}

static const char *metavar(const struct nv_arg_spec *sp, char *buf, size_t len)
{
	size_t off = 0;

	if (sp->metavar || sp->type != NV_ARG_CHOICE)
		return sp->metavar ? sp->metavar : "VALUE";
	buf[0] = '\0';
	for (int i = 0; sp->choices[i] && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? "|" : "", sp->choices[i]);
	return buf;
}

const char *nv_args_usage(const struct nv_arg_spec *specs, size_t nspecs, char *buf, size_t len)
{
	size_t off = 0;
	char mv[128];

	buf[0] = '\0';
	for (size_t i = 0; i < nspecs && off < len; i++) {
		const struct nv_arg_spec *sp = &specs[i];
		const char *m = metavar(sp, mv, sizeof(mv));

		if (sp->type == NV_ARG_NONE)
			continue;
		if (sp->type == NV_ARG_FLAG) {
			off += snprintf(buf + off, len - off, "%s[%s]", off ? " " : "", sp->key);
			continue;
		}
		off += snprintf(buf + off, len - off, "%s%s%s%s%s%s", off ? " " : "",
				sp->required ? "" : "[", sp->key ? sp->key : "", sp->key ? " " : "",
				m, sp->required ? "" : "]");
	}
	return buf;
}

int nv_args_parse(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg_spec *specs,
		  size_t nspecs, int argc, char **argv, struct nv_args *out)
{
	bool keywords = false;
	char usage[512];
	int i = 0;

	memset(out, 0, sizeof(*out));
	out->cmd = cmd;
	if (nspecs > NV_ARGS_MAX)
		return nv_usage_error(ctx, "%s: more argument specs than NV_ARGS_MAX", cmd);
	/* Positionals first, in spec order. */
	for (size_t k = 0; k < nspecs; k++) {
		char mv[128];
		int err;

		if (specs[k].type == NV_ARG_NONE)
			continue;
		if (specs[k].key) {
			keywords = true;
			continue;
		}
		if (i >= argc && !specs[k].required)
			continue; /* an optional positional (export [FILE]): only the last one */
		if (i >= argc)
			return nv_usage_error(ctx, "%s: missing %s", cmd,
					      metavar(&specs[k], mv, sizeof(mv)));
		err = parse_value(ctx, cmd, &specs[k], &out->a[k], argv[i++]);
		if (err)
			return err;
		out->a[k].set = true;
	}
	while (i < argc) {
		struct nv_arg *a = NULL;
		size_t k;
		int err;

		if (!keywords)
			return nv_usage_error(
				ctx, "%s: unexpected argument \"%s\" (usage: nvctl %s%s%s)", cmd,
				argv[i], cmd, nspecs ? " " : "",
				nv_args_usage(specs, nspecs, usage, sizeof(usage)));
		for (k = 0; k < nspecs; k++)
			if (specs[k].type != NV_ARG_NONE && specs[k].key &&
			    !strcmp(argv[i], specs[k].key)) {
				a = &out->a[k];
				break;
			}
		if (!a)
			return nv_usage_error(ctx, "%s: unknown argument \"%s\"", cmd, argv[i]);
		if (a->set)
			return nv_usage_error(ctx, "%s: %s given twice", cmd, specs[k].key);
		if (specs[k].type == NV_ARG_FLAG) {
			a->raw = argv[i++];
			a->set = true;
			continue;
		}
		if (i + 1 >= argc)
			return nv_usage_error(ctx, "%s: %s needs a value", cmd, specs[k].key);
		err = parse_value(ctx, cmd, &specs[k], a, argv[i + 1]);
		if (err)
			return err;
		a->set = true;
		i += 2;
	}
	for (size_t k = 0; k < nspecs; k++)
		if (specs[k].type != NV_ARG_NONE && specs[k].key && specs[k].required &&
		    !out->a[k].set)
			return nv_usage_error(ctx, "%s: missing %s", cmd, specs[k].key);
	return 0;
}

__be32 nv_arg_ipv4(const struct nv_arg *a)
{
	return a->v.addr.w[3];
}
