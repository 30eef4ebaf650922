// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The object table, dispatch and help. Every object's commands and their argument specs are in
 * its cmd_OBJECT.c; this file only joins them, so `nvctl help commands` (which the man page and
 * completion tests read) prints exactly what dispatch parses.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nv_datapath.h"
#include "nv_output.h"
#include "nvctl.h"

const struct nv_object nv_objects_table[] = {
	{ "dp", nv_dp_cmds },
	{ "pa", nv_pa_cmds },
	{ "subnet", nv_subnet_cmds },
	{ "port", nv_port_cmds },
	{ "record", nv_record_cmds },
	{ "route", nv_route_cmds },
	{ "gateway", nv_gateway_cmds }, /* DESIGN section 8 */
	{ "nat", nv_nat_cmds },
	{ "stats", nv_stats_cmds },
	{ "events", nv_events_cmds },
	{ "metrics", nv_metrics_cmds },
	{ "monitor", nv_monitor_cmds },
	{ "trace", nv_trace_cmds },
	{ "batch", nv_batch_cmds },
	{ "apply", nv_apply_cmds },
	{ "export", nv_export_cmds },
	{ "agent", nv_agent_cmds }, /* follows an etcd store */
	{ 0 },
};

static const struct nv_object *find_object(const char *name)
{
	for (const struct nv_object *o = nv_objects_table; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The group of a command of two words ("route" of "route add"), its length; 0 for one word. */
static size_t group_len(const struct nv_cmd *c)
{
	const char *sp = strchr(c->name, ' ');

	return sp ? (size_t)(sp - c->name) : 0;
}

static bool in_group(const struct nv_cmd *c, const char *group)
{
	size_t n = group_len(c);

	return n && strlen(group) == n && !strncmp(c->name, group, n);
}

/* Whether word is a group of o's commands ("nat map"). */
static bool is_group(const struct nv_object *o, const char *word)
{
	for (const struct nv_cmd *c = o->cmds; c->name; c++)
		if (in_group(c, word))
			return true;
	return false;
}

/* The command argv[0] (a group's: argv[0] argv[1]) names; *words: how many of argv it took. */
static const struct nv_cmd *find_cmd(const struct nv_object *o, int argc, char **argv, int *words)
{
	for (const struct nv_cmd *c = o->cmds; c->name && argc > 0; c++) {
		if (!group_len(c) && !strcmp(c->name, argv[0])) {
			*words = 1;
			return c;
		}
		if (argc > 1 && in_group(c, argv[0]) &&
		    !strcmp(c->name + group_len(c) + 1, argv[1])) {
			*words = 2;
			return c;
		}
	}
	return NULL;
}

static const struct nv_cmd *default_cmd(const struct nv_object *o)
{
	for (const struct nv_cmd *c = o->cmds; c->name; c++)
		if (c->flags & NV_CMD_DEFAULT)
			return c;
	return NULL;
}

static const char *usage_of(const struct nv_cmd *c, char *buf, size_t len)
{
	return nv_args_usage(c->args, c->nargs, buf, len);
}

/* Every command, or only's (group: only that group's of only). */
static void print_help(FILE *f, const struct nv_object *only, const char *group)
{
	char usage[512];

	for (const struct nv_object *o = nv_objects_table; o->name; o++) {
		if (only && only != o)
			continue;
		for (const struct nv_cmd *c = o->cmds; c->name; c++) {
			if (group && !in_group(c, group))
				continue;
			usage_of(c, usage, sizeof(usage));
			fprintf(f, "  nvctl %s %s%s%s\n      %s\n", o->name, c->name,
				*usage ? " " : "", usage, c->summary);
		}
	}
}

static void print_object_help(FILE *f, const struct nv_object *only)
{
	print_help(f, only, NULL);
}

void nv_usage(FILE *f)
{
	fprintf(f,
		"Usage: nvctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
		"       nvctl help [OBJECT]\n"
		"Options:\n"
		"  -j, --json          JSON output (errors too)\n"
		"  -p, --pretty        indent JSON\n"
		"  -d, --debug         show libbpf/libxdp messages\n"
		"      --pin-dir DIR   instance directory in bpffs (default $NVCTL_PIN_DIR or "
		"%s)\n"
		"  -V, --version\n"
		"  -h, --help\n"
		"Commands:\n",
		NV_PIN_DIR_DEFAULT);
	print_object_help(f, NULL);
}

/* help, help OBJECT, help commands (one "OBJECT COMMAND ARGS" line each, for tools). */
int nv_help(struct nv_ctx *ctx, int argc, char **argv)
{
	const struct nv_object *o;
	char usage[512];

	if (argc == 0) {
		nv_usage(stdout);
		return NV_EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "commands")) {
		for (o = nv_objects_table; o->name; o++)
			for (const struct nv_cmd *c = o->cmds; c->name; c++) {
				usage_of(c, usage, sizeof(usage));
				printf("%s %s%s%s\n", o->name, c->name, *usage ? " " : "", usage);
			}
		return NV_EXIT_OK;
	}
	o = argc == 1 ? find_object(argv[0]) : NULL;
	if (o) {
		print_object_help(stdout, o);
		return NV_EXIT_OK;
	}
	return nv_usage_error(ctx, "help: unknown object \"%s\"", argv[0]);
}

/* Parse by the command's specs and run it; in a batch, only what can be taken back. */
static int run(struct nv_ctx *ctx, const struct nv_object *o, const struct nv_cmd *c,
	       const char *shown, int argc, char **argv)
{
	char name[64];
	struct nv_args args;
	sigset_t old;
	int err;

	if (ctx->txn && !(c->flags & NV_CMD_BATCH))
		return nv_usage_error(ctx, "%s cannot be used in a batch", shown);
	snprintf(name, sizeof(name), "%s %s", o->name, c->name);
	err = nv_args_parse(ctx, name, c->args, c->nargs, argc, argv, &args);
	if (err)
		return err;
	/*
	 * After the parse: a usage error is one for anyone (help never comes here). A batch's lines
	 * run inside its own command, which checked and holds (cmd_batch.c).
	 */
	if (ctx->txn)
		return c->run(ctx, &args);
	if (geteuid() != 0)
		return nv_runtime_error(ctx, "%s needs root (CAP_BPF and CAP_NET_ADMIN)", name);
	if (!(c->flags & (NV_CMD_BATCH | NV_CMD_WHOLE)))
		return c->run(ctx, &args);
	/* A change of several map entries (a record and its index, a port and its hook): whole. */
	nv_signals_hold(&old);
	err = c->run(ctx, &args);
	nv_signals_release(&old);
	return err;
}

/* "nat map", "nat map help", "nat map frob": a group named without one of its commands. */
static int group_only(struct nv_ctx *ctx, const struct nv_object *o, int argc, char **argv)
{
	int ret;

	if (argc < 3) {
		ret = nv_usage_error(ctx, "%s %s: no command given (try: nvctl %s %s help)",
				     o->name, argv[1], o->name, argv[1]);
		if (!ctx->json && !ctx->txn)
			print_help(stderr, o, argv[1]);
		return ret;
	}
	if (strcmp(argv[2], "help"))
		return nv_usage_error(ctx, "%s %s: unknown command \"%s\" (try: nvctl %s %s help)",
				      o->name, argv[1], argv[2], o->name, argv[1]);
	if (ctx->txn)
		return nv_usage_error(ctx, "%s %s help cannot be used in a batch", o->name,
				      argv[1]);
	if (argc > 3)
		return nv_usage_error(ctx, "%s %s help: unexpected argument \"%s\"", o->name,
				      argv[1], argv[3]);
	print_help(stdout, o, argv[1]);
	return NV_EXIT_OK;
}

int nv_dispatch(struct nv_ctx *ctx, int argc, char **argv)
{
	const struct nv_object *o;
	const struct nv_cmd *c, *def;
	char shown[64];
	int words;

	if (argc < 1)
		return nv_usage_error(ctx, "no object given (try: nvctl help)");
	/* In a batch (ctx->txn set), help changes nothing and cannot be taken back: refused. */
	if (!strcmp(argv[0], "help")) {
		if (ctx->txn)
			return nv_usage_error(ctx, "help cannot be used in a batch");
		return nv_help(ctx, argc - 1, argv + 1);
	}
	o = find_object(argv[0]);
	if (!o)
		return nv_usage_error(ctx, "unknown object \"%s\" (try: nvctl help)", argv[0]);
	def = default_cmd(o);
	/* The object alone, or (monitor vsid 5001) its arguments with the command left out. */
	if (def &&
	    (argc < 2 || ((def->flags & NV_CMD_DEFAULT_ARGS) && strcmp(argv[1], "help") &&
			  !find_cmd(o, argc - 1, argv + 1, &words) && !is_group(o, argv[1]))))
		return run(ctx, o, def, o->name, argc - 1, argv + 1);
	if (argc < 2) {
		int ret = nv_usage_error(ctx, "%s: no command given (try: nvctl %s help)", argv[0],
					 argv[0]);

		if (!ctx->json && !ctx->txn)
			print_object_help(stderr, o);
		return ret;
	}
	if (!strcmp(argv[1], "help")) {
		if (ctx->txn)
			return nv_usage_error(ctx, "%s help cannot be used in a batch", argv[0]);
		if (argc > 2)
			return nv_usage_error(ctx, "%s help: unexpected argument \"%s\"", argv[0],
					      argv[2]);
		print_object_help(stdout, o);
		return NV_EXIT_OK;
	}
	c = find_cmd(o, argc - 1, argv + 1, &words);
	if (!c && is_group(o, argv[1]))
		return group_only(ctx, o, argc, argv);
	if (!c)
		return nv_usage_error(ctx, "%s: unknown command \"%s\" (try: nvctl %s help)",
				      argv[0], argv[1], argv[0]);
	snprintf(shown, sizeof(shown), "%s %s", o->name, c->name);
	return run(ctx, o, c, shown, argc - 1 - words, argv + 1 + words);
}
