// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl's arguments (cli/nv_args.c): numbers, addresses, MACs, prefixes, protocols, choices and
 * devices, positionals then keyword/value pairs, by the command tables and by a spec of every
 * type. The input: one byte of flags, then the words (split on NUL and whitespace), run three
 * ways:
 *   - nv_dispatch() as a batch's first pass runs it (dry run in a transaction): the object and
 *     command tables, the default command, what a batch refuses, each command's checks up to
 *     where it would touch the datapath (it never does: the pin dir does not exist either);
 *   - every command of the tables (batch or not) parsed by its own specs, without running it;
 *   - a spec with every argument type.
 * Oracle: every value that parses, printed back the way nvctl prints it, parses to the same value.
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_args.h"
#include "nv_netdev.h"
#include "nvctl.h"

#define MAX_WORDS 48

static const char *const choices[] = { "xdp", "tc", "none", NULL };

/* Every type, as keywords; a positional (type from the flags) goes before them. */
static const struct nv_arg_spec keyword_specs[] = {
	NV_ARG_NUM("num", false, 0, 0xffffffffu, "N"),
	NV_ARG_NUM("small", false, 3, 1000, "N"),
	NV_ARG_VSID(false),
	NV_ARG_KEY("addr", NV_ARG_ADDR, false, "ADDR"),
	NV_ARG_KEY("ca", NV_ARG_CA, false, "ADDR"),
	NV_ARG_KEY("ipv4", NV_ARG_IPV4, false, "ADDR"),
	NV_ARG_KEY("mac", NV_ARG_MAC, false, "MAC"),
	NV_ARG_KEY("anymac", NV_ARG_ANY_MAC, false, "MAC"),
	NV_ARG_KEY("prefix", NV_ARG_PREFIX, false, "ADDR/LEN"),
	NV_ARG_KEY("dev", NV_ARG_DEV, false, "DEV"),
	{ .key = "mode", .type = NV_ARG_CHOICE, .choices = choices },
	NV_ARG_KEY("proto", NV_ARG_PROTO, false, "PROTO"),
	NV_ARG_KEY("name", NV_ARG_STRING, false, "NAME"),
	NV_ARG_KEY("ap", NV_ARG_ADDR_PORT, false, "ADDR:PORT"),
	NV_ARG_KEY("range", NV_ARG_PORT_RANGE, false, "LO-HI"),
	NV_ARG_FLAG_KEY("--flag"),
	NV_ARG_KEY("must", NV_ARG_U32, true, "N"),
};

static const struct nv_ctx quiet = { .pin_dir = "/nonexistent/nvgre-fuzz",
				     .json = true,
				     .lock_fd = -1 };

/* s parsed by a spec like sp alone ("k s"): 0 and *out, or non-zero. */
static int reparse(const struct nv_arg_spec *sp, const char *s, struct nv_arg *out)
{
	struct nv_arg_spec one = *sp;
	char *argv[2] = { "k", (char *)s };
	struct nv_args a;
	int err;

	one.key = "k";
	one.required = true;
	err = nv_args_parse(&quiet, "reparse", &one, 1, 2, argv, &a);
	if (!err)
		*out = a.a[0];
	return err;
}

/* The value of a parsed argument, printed as nvctl prints it, parses to the same value. */
static void check_arg(const struct nv_arg_spec *sp, const struct nv_arg *a)
{
	char buf[64], name[NV_NETDEV_NAMELEN];
	struct nv_arg b;

	FUZZ_CHECK(a->raw, "no raw word");
	if (sp->type == NV_ARG_FLAG) { /* a keyword alone: nothing to parse back */
		FUZZ_CHECK(!strcmp(a->raw, sp->key), "flag %s set by \"%s\"", sp->key, a->raw);
		return;
	}
	FUZZ_CHECK(!reparse(sp, a->raw, &b), "\"%s\" parsed once, not twice", a->raw);
	switch (sp->type) {
	case NV_ARG_U32:
		FUZZ_CHECK(a->v.u32 >= sp->min && a->v.u32 <= sp->max, "%u out of range", a->v.u32);
		snprintf(buf, sizeof(buf), "%u", a->v.u32);
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.v.u32 == a->v.u32, "\"%s\" != %s", a->raw,
			   buf);
		snprintf(buf, sizeof(buf), "0x%x", a->v.u32);
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.v.u32 == a->v.u32, "\"%s\" != %s", a->raw,
			   buf);
		break;
	case NV_ARG_ADDR:
	case NV_ARG_CA:
	case NV_ARG_IPV4:
		if (sp->type == NV_ARG_IPV4)
			FUZZ_CHECK(nv_addr_is_ipv4(&a->v.addr), "\"%s\": not IPv4", a->raw);
		else if (sp->type == NV_ARG_ADDR || !nv_addr_is_wildcard(&a->v.addr))
			FUZZ_CHECK(nv_addr_unicast(&a->v.addr), "\"%s\": not unicast", a->raw);
		nv_addr_format(&a->v.addr, buf, sizeof(buf));
		FUZZ_CHECK(!reparse(sp, buf, &b) &&
				   !memcmp(&a->v.addr, &b.v.addr, sizeof(b.v.addr)),
			   "\"%s\" printed as \"%s\"", a->raw, buf);
		break;
	case NV_ARG_MAC:
	case NV_ARG_ANY_MAC:
		if (sp->type == NV_ARG_MAC)
			FUZZ_CHECK(nv_mac_unicast(a->v.mac), "\"%s\": not unicast", a->raw);
		nv_mac_format(a->v.mac, buf, sizeof(buf));
		FUZZ_CHECK(!reparse(sp, buf, &b) && !memcmp(a->v.mac, b.v.mac, sizeof(b.v.mac)),
			   "\"%s\" printed as \"%s\"", a->raw, buf);
		break;
	case NV_ARG_PREFIX:
		FUZZ_CHECK(a->prefixlen <= 128, "\"%s\": length %u", a->raw, a->prefixlen);
		FUZZ_CHECK(nv_prefix_contains(&a->v.addr, a->prefixlen, &a->v.addr),
			   "\"%s\": host bits", a->raw);
		nv_prefix_format(&a->v.addr, a->prefixlen, buf, sizeof(buf));
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.prefixlen == a->prefixlen &&
				   !memcmp(&a->v.addr, &b.v.addr, sizeof(b.v.addr)),
			   "\"%s\" printed as \"%s\"", a->raw, buf);
		break;
	case NV_ARG_DEV:
		nv_netdev_name(a->v.u32, name, sizeof(name));
		FUZZ_CHECK(!reparse(sp, name, &b) && b.v.u32 == a->v.u32, "\"%s\" is \"%s\"",
			   a->raw, name);
		break;
	case NV_ARG_CHOICE:
		FUZZ_CHECK(a->v.choice >= 0 && !strcmp(sp->choices[a->v.choice], a->raw),
			   "\"%s\" is choice %d", a->raw, a->v.choice);
		break;
	case NV_ARG_PROTO:
		snprintf(buf, sizeof(buf), "%u", a->v.proto);
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.v.proto == a->v.proto, "\"%s\" != %s", a->raw,
			   buf);
		break;
	case NV_ARG_ADDR_PORT: {
		char host[NV_ADDR_STRLEN];

		FUZZ_CHECK(nv_addr_unicast(&a->v.addr) && a->port, "\"%s\": not unicast:port",
			   a->raw);
		nv_addr_format(&a->v.addr, host, sizeof(host));
		snprintf(buf, sizeof(buf), nv_addr_is_ipv4(&a->v.addr) ? "%s:%u" : "[%s]:%u", host,
			 a->port);
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.port == a->port &&
				   !memcmp(&a->v.addr, &b.v.addr, sizeof(b.v.addr)),
			   "\"%s\" printed as \"%s\"", a->raw, buf);
		break;
	}
	case NV_ARG_PORT_RANGE:
		FUZZ_CHECK(a->port >= 1 && a->port <= a->port_hi, "\"%s\": %u-%u", a->raw, a->port,
			   a->port_hi);
		snprintf(buf, sizeof(buf), "%u-%u", a->port, a->port_hi);
		FUZZ_CHECK(!reparse(sp, buf, &b) && b.port == a->port && b.port_hi == a->port_hi,
			   "\"%s\" printed as \"%s\"", a->raw, buf);
		break;
	case NV_ARG_STRING:
	case NV_ARG_FLAG:
	case NV_ARG_NONE:
		break;
	}
}

static void check_args(const struct nv_arg_spec *specs, size_t n, const struct nv_args *a)
{
	for (size_t k = 0; k < n; k++) {
		if (specs[k].type == NV_ARG_NONE)
			continue;
		FUZZ_CHECK(a->a[k].set || !specs[k].required, "required %s not set",
			   specs[k].key ?: specs[k].metavar);
		if (a->a[k].set)
			check_arg(&specs[k], &a->a[k]);
	}
}

/* The usage line fits any buffer, cut and terminated. */
static void check_usage(const struct nv_arg_spec *specs, size_t n, size_t len)
{
	char buf[512];

	len = len % sizeof(buf) + 1;
	nv_args_usage(specs, n, buf, len);
	FUZZ_CHECK(strlen(buf) < len, "usage overran %zu bytes", len);
}

/* The tables as dispatch reads them, but only parsed: commands that are not for a batch too. */
static void parse_by_table(int argc, char **argv, size_t usage_len)
{
	const struct nv_object *o;
	const struct nv_cmd *c = NULL;
	struct nv_args a;
	int skip = 2;

	if (argc < 1)
		return;
	for (o = nv_objects_table; o->name && strcmp(o->name, argv[0]); o++)
		;
	if (!o->name)
		return;
	for (const struct nv_cmd *k = o->cmds; k->name && argc >= 2; k++) {
		const char *sp = strchr(k->name, ' ');

		if (!sp && !strcmp(k->name, argv[1]))
			c = k;
		/* A group's command, two words ("gateway route add"). */
		else if (sp && argc >= 3 && strlen(argv[1]) == (size_t)(sp - k->name) &&
			 !strncmp(k->name, argv[1], sp - k->name) && !strcmp(sp + 1, argv[2])) {
			c = k;
			skip = 3;
		}
	}
	for (const struct nv_cmd *k = o->cmds; k->name && !c; k++)
		if (k->flags & NV_CMD_DEFAULT) {
			c = k;
			skip = 1;
		}
	if (!c)
		return;
	check_usage(c->args, c->nargs, usage_len);
	if (!nv_args_parse(&quiet, c->name, c->args, c->nargs, argc - skip, argv + skip, &a))
		check_args(c->args, c->nargs, &a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nv_arg_spec specs[1 + sizeof(keyword_specs) / sizeof(keyword_specs[0])];
	struct nv_maps_cache maps = { 0 };
	struct nv_txn txn = { 0 };
	struct nv_ctx ctx = quiet;
	char *argv[MAX_WORDS], *text, *p;
	uint8_t flags;
	struct nv_args a;
	int argc = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	/* The words: runs of bytes that are neither NUL nor whitespace. */
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (p = text; p < text + size - 1 && argc < MAX_WORDS;) {
		size_t n = strcspn(p, " \t\r\n");

		if (!n) {
			p++;
			continue;
		}
		p[n] = '\0';
		argv[argc++] = p;
		p += n + 1;
	}

	/* As batch's first pass dispatches a line: nothing applied, nothing opened. */
	ctx.dry_run = true;
	ctx.txn = &txn;
	ctx.maps = &maps;
	ctx.pretty = flags & 1; /* errors as JSON (-j), on stdout: /dev/null */
	nv_dispatch(&ctx, argc, argv);
	FUZZ_CHECK(!maps.open && !txn.n, "a dry run opened the maps or logged an undo");
	nv_txn_free(&txn);

	parse_by_table(argc, argv, flags);

	/* A positional of the type the flags say, then every keyword. */
	specs[0] =
		(struct nv_arg_spec){ .type = (enum nv_arg_type)(1 + (flags >> 1) % NV_ARG_STRING),
				      .required = !(flags & 0x80),
				      .metavar = "POS",
				      .min = 5,
				      .max = 0x10000,
				      .choices = choices };
	memcpy(specs + 1, keyword_specs, sizeof(keyword_specs));
	check_usage(specs, sizeof(specs) / sizeof(specs[0]), flags >> 2);
	if (!nv_args_parse(&quiet, "fuzz", specs, sizeof(specs) / sizeof(specs[0]), argc, argv, &a))
		check_args(specs, sizeof(specs) / sizeof(specs[0]), &a);
	free(text);
	return 0;
}
