/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Keyword-value arguments, iproute2 style: "vsid 5001 ca 10.0.0.1". Keywords match exactly (no
 * prefixes), each at most once; every value is parsed and checked here, so a command that gets
 * past nv_args_parse() has nothing left to refuse for syntax.
 */
#ifndef NV_ARGS_H
#define NV_ARGS_H

#include <linux/types.h>
#include <stdbool.h>

#include "nvctl.h"

enum nv_arg_type {
	NV_ARG_VSID, /* 4096..16777214 */
	NV_ARG_U32,  /* any 32-bit number (rdid) */
	NV_ARG_TTL,  /* 1..255 */
	NV_ARG_ADDR, /* IPv4 or IPv6 */
	NV_ARG_MAC,
	NV_ARG_DEV,    /* an existing network device, by name */
	NV_ARG_CHOICE, /* one of choices[] */
	NV_ARG_STRING,
};

struct nv_arg {
	const char *key;
	enum nv_arg_type type;
	bool required;
	const char *const *choices; /* NV_ARG_CHOICE, NULL-terminated */
	/* results */
	bool set;
	const char *raw;
	union {
		__u32 u32;
		union nv_addr addr;
		__u8 mac[NV_ETH_ALEN];
		int choice; /* index in choices */
	} v;
};

/* 0, or prints a usage error naming the bad keyword/value and returns NV_EXIT_USAGE. */
int nv_args_parse(const struct nv_ctx *ctx, const char *cmd, struct nv_arg *args, int nargs,
		  int argc, char **argv);

#endif /* NV_ARGS_H */
