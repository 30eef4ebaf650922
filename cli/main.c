// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl [-j [-p]] [-d] [--pin-dir DIR] OBJECT COMMAND [ARGS]: the global options, the instance
 * lock, then dispatch (nv_cmds.c).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "nv_datapath.h"
#include "nv_instance.h"
#include "nv_output.h"
#include "nvctl.h"

#define NVCTL_VERSION "0.1.0"

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

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "pretty", no_argument, NULL, 'p' },
					      { "debug", no_argument, NULL, 'd' },
					      { "pin-dir", required_argument, NULL, 'P' },
					      { "version", no_argument, NULL, 'V' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct nv_ctx ctx = { .pin_dir = getenv("NVCTL_PIN_DIR"), .lock_fd = -1 };
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
			nv_usage(stdout);
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
	/*
	 * One nvctl at a time per instance (nv_instance.h), held until exit or nv_ctx_unlock(). Not
	 * for a user who is not root: usage and help work for anyone, and run() refuses every other
	 * command, by name, once its arguments parse.
	 */
	if (optind < argc && strcmp(argv[optind], "help") && geteuid() == 0)
		ctx.lock_fd = nv_instance_lock(ctx.pin_dir, LOCK_EX, -1);
	return nv_dispatch(&ctx, argc - optind, argv + optind);
}
