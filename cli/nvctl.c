// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl [-j [-p]] [-d] [--pin-dir DIR] OBJECT COMMAND [ARGS]
 * The command table below is the one source for dispatch, help, the man page test and bash
 * completion (`nvctl help commands` prints it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "nv_datapath.h"
#include "nvctl.h"

#define NVCTL_VERSION "0.1.0"

#define CMD(obj, cmd, args_, summary_, fn, in_batch)                                          \
	{                                                                                     \
		.object = obj, .command = cmd, .args = args_, .summary = summary_, .run = fn, \
		.batch = in_batch                                                             \
	}

/* in_batch: allowed in `batch` files, i.e. the command can be taken back. */
const struct nv_cmd nv_cmds[] = {
	CMD("dp", "attach", "dev DEV pa ADDR [ttl N] [xdp-mode native|skb|none]",
	    "load the datapath, attach it to the underlay DEV with local PA ADDR", nv_cmd_dp_attach,
	    false),
	CMD("dp", "detach", "", "remove every program, filter, qdisc and pin of the instance",
	    nv_cmd_dp_detach, false),
	CMD("dp", "show", "", "what is attached where, program ids, map fill levels",
	    nv_cmd_dp_show, false),
	CMD("dp", "reload", "", "replace the programs with the installed ones, keeping the maps",
	    nv_cmd_dp_reload, false),
	CMD("pa", "add", "ADDR [dev DEV]", "add a local provider address", nv_cmd_pa_add, true),
	CMD("pa", "del", "ADDR", "remove a local provider address", nv_cmd_pa_del, true),
	CMD("pa", "show", "", "list local provider addresses", nv_cmd_pa_show, false),
	CMD("subnet", "add", "vsid VSID rdid RDID", "add a virtual subnet to a routing domain",
	    nv_cmd_subnet_add, true),
	CMD("subnet", "del", "vsid VSID", "remove a virtual subnet", nv_cmd_subnet_del, true),
	CMD("subnet", "show", "", "list virtual subnets", nv_cmd_subnet_show, false),
	CMD("port", "add", "dev DEV vsid VSID ca ADDR mac MAC [deliver xdp|tc]",
	    "bind a VM NIC's host-side device and attach nv_from_vm to it", nv_cmd_port_add, true),
	CMD("port", "del", "[dev DEV] [ifindex N]",
	    "unbind a port and detach its program (ifindex: a port whose device is gone)",
	    nv_cmd_port_del, true),
	CMD("port", "show", "", "list ports", nv_cmd_port_show, false),
	CMD("record", "add", "vsid VSID ca ADDR mac MAC pa ADDR", "add a lookup record",
	    nv_cmd_record_add, true),
	CMD("record", "del", "vsid VSID ca ADDR", "remove a lookup record", nv_cmd_record_del,
	    true),
	CMD("record", "show", "[vsid VSID]", "list lookup records", nv_cmd_record_show, false),
	CMD("stats", "show", "[vsid VSID] [dev DEV]",
	    "traffic per VSID and per port, drops per reason", nv_cmd_stats_show, false),
	CMD("stats", "reset", "", "zero every counter", nv_cmd_stats_reset, false),
	CMD("events", "show", "", "event mode, rate limit, events written and missed",
	    nv_cmd_events_show, false),
	CMD("events", "set", "mode off|drops|trace [rate N]",
	    "which verdicts raise events, at most N per second per CPU (rate kept when omitted)",
	    nv_cmd_events_set, true),
	CMD("metrics", "show", "", "every counter in the Prometheus text format",
	    nv_cmd_metrics_show, false),
	CMD("metrics", "listen", "ADDR:PORT",
	    "serve the same on GET /metrics over HTTP until SIGINT or SIGTERM",
	    nv_cmd_metrics_listen, false),
	CMD("monitor", "drops", "[vsid VSID] [dev DEV] [count N]",
	    "print drop events as they happen until Ctrl-C (the default: nvctl monitor)",
	    nv_cmd_monitor_drops, false),
	CMD("monitor", "trace", "[vsid VSID] [dev DEV] [count N]",
	    "print an event for every verdict (drops and forwarded frames) until Ctrl-C",
	    nv_cmd_monitor_trace, false),
	CMD("trace", "port",
	    "PORT [src ADDR] [dst ADDR] [proto PROTO] [sport N] [dport N] [src-mac MAC] "
	    "[dst-mac MAC] [frame HEX] [pcap PCAP]",
	    "run a frame from a VM through nv_from_vm on the live maps (counters untouched)",
	    nv_cmd_trace_port, false),
	CMD("trace", "underlay",
	    "[vsid VSID] [src ADDR] [dst ADDR] [outer-src ADDR] [proto PROTO] [sport N] [dport N] "
	    "[src-mac MAC] [dst-mac MAC] [frame HEX] [pcap PCAP]",
	    "run a frame from the wire through nv_from_wire and nv_wire_tc (counters untouched)",
	    nv_cmd_trace_underlay, false),
	CMD("batch", "file", "FILE|-", "run commands from FILE (- for stdin), all or nothing",
	    nv_cmd_batch, false),
	{ 0 }
};

static void verror(const struct nv_ctx *ctx, const char *fmt, va_list ap)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s", ctx->prefix ? ctx->prefix : "");

	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (ctx->json) {
		json_t *o = json_pack("{s:s}", "error", msg);

		json_dumpf(o, stdout, ctx->pretty ? JSON_INDENT(2) : JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

int nv_usage_error(const struct nv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, fmt, ap);
	va_end(ap);
	return NV_EXIT_USAGE;
}

int nv_runtime_error(const struct nv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, fmt, ap);
	va_end(ap);
	return NV_EXIT_RUNTIME;
}

int nv_errno_error(const struct nv_ctx *ctx, int err, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return nv_runtime_error(ctx, "%s: %s", what, strerror(err < 0 ? -err : err));
}

void nv_json_print(const struct nv_ctx *ctx, json_t *v)
{
	json_dumpf(v, stdout, ctx->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(v);
}

const char *nv_ifname(__u32 ifindex, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "#%u", ifindex);
	return buf;
}

json_t *nv_ifname_json(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) ? json_string(name) : json_null();
}

int nv_open_maps(const struct nv_ctx *ctx, struct nv_maps *m)
{
	int err;

	if (ctx->maps && ctx->maps->open) {
		*m = ctx->maps->m;
		return 0;
	}
	err = nv_dp_maps(ctx->pin_dir, m);
	if (!err && ctx->maps) {
		ctx->maps->m = *m;
		ctx->maps->open = true;
	}

	if (err == -ENOENT)
		return nv_runtime_error(ctx, "no datapath attached at %s (see: nvctl dp attach)",
					ctx->pin_dir);
	if (err)
		return nv_errno_error(ctx, err, "open the maps under %s", ctx->pin_dir);
	return 0;
}

void nv_close_maps(const struct nv_ctx *ctx, struct nv_maps *m)
{
	if (ctx->maps && ctx->maps->open)
		return; /* the batch's: closed at its end */
	nv_maps_close(m);
}

void nv_maps_cache_close(struct nv_maps_cache *c)
{
	if (c->open)
		nv_maps_close(&c->m);
	c->open = false;
}

static void print_object_help(FILE *f, const char *object)
{
	for (const struct nv_cmd *c = nv_cmds; c->object; c++)
		if (!object || !strcmp(object, c->object))
			fprintf(f, "  nvctl %s %s%s%s\n      %s\n", c->object, c->command,
				*c->args ? " " : "", c->args, c->summary);
}

static void usage(FILE *f)
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

static bool known_object(const char *object)
{
	for (const struct nv_cmd *c = nv_cmds; c->object; c++)
		if (!strcmp(c->object, object))
			return true;
	return false;
}

/* help, help OBJECT, help commands (one "OBJECT COMMAND ARGS" line each, for tools). */
static int cmd_help(struct nv_ctx *ctx, int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return NV_EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "commands")) {
		for (const struct nv_cmd *c = nv_cmds; c->object; c++)
			printf("%s %s%s%s\n", c->object, c->command, *c->args ? " " : "", c->args);
		return NV_EXIT_OK;
	}
	if (argc == 1 && known_object(argv[0])) {
		print_object_help(stdout, argv[0]);
		return NV_EXIT_OK;
	}
	return nv_usage_error(ctx, "help: unknown object \"%s\"", argv[0]);
}

int nv_dispatch(struct nv_ctx *ctx, int argc, char **argv)
{
	if (argc < 1)
		return nv_usage_error(ctx, "no object given (try: nvctl help)");
	/* In a batch (ctx->undo set), help changes nothing and cannot be taken back: refused. */
	if (!strcmp(argv[0], "help")) {
		if (ctx->undo)
			return nv_usage_error(ctx, "help cannot be used in a batch");
		return cmd_help(ctx, argc - 1, argv + 1);
	}
	if (!known_object(argv[0]))
		return nv_usage_error(ctx, "unknown object \"%s\" (try: nvctl help)", argv[0]);
	/* monitor [drops|trace]: the mode word may be left out, drops is meant then. */
	if (!strcmp(argv[0], "monitor") &&
	    (argc < 2 ||
	     (strcmp(argv[1], "drops") && strcmp(argv[1], "trace") && strcmp(argv[1], "help")))) {
		if (ctx->undo)
			return nv_usage_error(ctx, "monitor cannot be used in a batch");
		return nv_cmd_monitor_drops(ctx, argc - 1, argv + 1);
	}
	/* metrics alone is metrics show: what a textfile collector or a person types. */
	if (!strcmp(argv[0], "metrics") && argc == 1) {
		if (ctx->undo)
			return nv_usage_error(ctx, "metrics cannot be used in a batch");
		return nv_cmd_metrics_show(ctx, 0, argv + 1);
	}
	if (argc < 2) {
		int ret = nv_usage_error(ctx, "%s: no command given (try: nvctl %s help)", argv[0],
					 argv[0]);

		if (!ctx->json && !ctx->undo)
			print_object_help(stderr, argv[0]);
		return ret;
	}
	if (!strcmp(argv[1], "help")) {
		if (ctx->undo)
			return nv_usage_error(ctx, "%s help cannot be used in a batch", argv[0]);
		if (argc > 2)
			return nv_usage_error(ctx, "%s help: unexpected argument \"%s\"", argv[0],
					      argv[2]);
		print_object_help(stdout, argv[0]);
		return NV_EXIT_OK;
	}
	for (const struct nv_cmd *c = nv_cmds; c->object; c++) {
		if (strcmp(c->object, argv[0]) || strcmp(c->command, argv[1]))
			continue;
		if (ctx->undo && !c->batch)
			return nv_usage_error(ctx, "%s %s cannot be used in a batch", c->object,
					      c->command);
		return c->run(ctx, argc - 2, argv + 2);
	}
	return nv_usage_error(ctx, "%s: unknown command \"%s\" (try: nvctl %s help)", argv[0],
			      argv[1], argv[0]);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static int debug_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

/*
 * One nvctl at a time per instance: the maps library keeps invariants across several maps (a
 * record's bound port, a port's PA), which two writers could interleave. The lock is on the
 * instance's directory, or on bpffs itself before the instance exists; it goes with the process.
 * Best effort: without bpffs there is nothing to protect yet.
 */
static int instance_lock = -1;

int nv_lock_dir(const char *dir, int how, int wait_ms)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (wait_ms < 0) {
		if (!flock(fd, how))
			return fd;
	} else {
		for (int waited = 0;; waited += 10) {
			if (!flock(fd, how | LOCK_NB))
				return fd;
			if (errno != EWOULDBLOCK || waited >= wait_ms)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
	}
	err = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(fd);
	return err;
}

static void lock_instance(const struct nv_ctx *ctx)
{
	int fd = nv_lock_dir(ctx->pin_dir, LOCK_EX, -1);

	if (fd < 0)
		fd = nv_lock_dir("/sys/fs/bpf", LOCK_EX, -1);
	instance_lock = fd; /* held until exit, or nv_unlock_instance() */
}

void nv_unlock_instance(void)
{
	if (instance_lock >= 0)
		close(instance_lock); /* the last fd of the open file: the lock goes with it */
	instance_lock = -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "pretty", no_argument, NULL, 'p' },
					      { "debug", no_argument, NULL, 'd' },
					      { "pin-dir", required_argument, NULL, 'P' },
					      { "version", no_argument, NULL, 'V' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct nv_ctx ctx = { .pin_dir = getenv("NVCTL_PIN_DIR") };
	char bad_opt[96] = "";
	int opt;

	if (!ctx.pin_dir || !*ctx.pin_dir)
		ctx.pin_dir = NV_PIN_DIR_DEFAULT;
	/*
	 * "+": options end at the object, so command arguments are never taken for options. ":" and
	 * opterr = 0: getopt prints nothing; a bad option is reported after the loop, as JSON when
	 * -j comes later on the line.
	 */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jpdVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.pretty = true;
			break;
		case 'd':
			ctx.debug = true;
			break;
		case 'P':
			ctx.pin_dir = optarg;
			break;
		case 'V':
			printf("nvctl %s (ABI v%d)\n", NVCTL_VERSION, NV_ABI_VERSION);
			return NV_EXIT_OK;
		case 'h':
			usage(stdout);
			return NV_EXIT_OK;
		case ':': /* an option without its value: only --pin-dir takes one */
			if (!*bad_opt)
				snprintf(bad_opt, sizeof(bad_opt), "option \"%s\" needs a value",
					 argv[optind - 1]);
			break;
		default:
			if (!*bad_opt) {
				if (optopt && strchr("jpdVh", optopt)) /* "--json=x" */
					snprintf(bad_opt, sizeof(bad_opt),
						 "option \"%.40s\" takes no value",
						 argv[optind - 1]);
				else if (optopt)
					snprintf(bad_opt, sizeof(bad_opt), "unknown option \"-%c\"",
						 optopt);
				else
					snprintf(bad_opt, sizeof(bad_opt),
						 "unknown option \"%.40s\"", argv[optind - 1]);
			}
			break;
		}
	}
	if (*bad_opt)
		return nv_usage_error(&ctx, "%s (try: nvctl help)", bad_opt);
	if (ctx.pretty && !ctx.json)
		return nv_usage_error(&ctx, "-p needs -j");
	if (!*ctx.pin_dir)
		return nv_usage_error(&ctx, "--pin-dir: empty directory name");
	libbpf_set_print(ctx.debug ? debug_print : quiet_print);
	libxdp_set_print((libxdp_print_fn_t)(ctx.debug ? debug_print : quiet_print));
	if (optind < argc && strcmp(argv[optind], "help") && geteuid() != 0)
		return nv_runtime_error(&ctx, "nvctl needs root (CAP_BPF and CAP_NET_ADMIN)");
	if (optind < argc && strcmp(argv[optind], "help"))
		lock_instance(&ctx);
	return nv_dispatch(&ctx, argc - optind, argv + optind);
}
