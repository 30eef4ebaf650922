/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Arguments, iproute2 style: "vsid 5001 ca 10.0.0.1", positionals first ("pa add ADDR [dev DEV]"),
 * and flags, keywords without a value ("nat gc --watch").
 * A command's specs are its whole grammar: dispatch parses with them before the command runs,
 * and help prints the usage line they make (so help, the man page test and the completion can
 * never drift from what is parsed). Keywords match exactly (no prefixes), each at most once;
 * every value is parsed and checked here, so a command only checks how its arguments combine.
 */
#ifndef NV_ARGS_H
#define NV_ARGS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nvgre_abi.h"

enum nv_arg_type {
	NV_ARG_NONE,	/* an unused slot of a spec array (zero): skipped */
	NV_ARG_U32,	/* a number in min..max (decimal, or hex after 0x) */
	NV_ARG_ADDR,	/* an IPv4 or IPv6 unicast address (a CA or a PA: nv_addr_unicast) */
	NV_ARG_CA,	/* a unicast address, or 0.0.0.0 / :: (a gateway wildcard record's CA) */
	NV_ARG_IPV4,	/* any IPv4 address (trace builds frames with what it is given) */
	NV_ARG_MAC,	/* a unicast MAC, not zero (nv_mac_unicast) */
	NV_ARG_ANY_MAC, /* any MAC */
	NV_ARG_PREFIX,	/* ADDR/LEN with no host bits (nv_prefix_parse): v.addr, v.prefixlen */
	NV_ARG_DEV,	/* an existing network device, by name: v.u32 is its ifindex */
	NV_ARG_CHOICE,	/* one of choices[]: v.choice is its index */
	NV_ARG_PROTO,	/* icmp, tcp, udp or 0..255 */
	NV_ARG_STRING,
	NV_ARG_FLAG,	   /* a keyword alone, never required: set when given */
	NV_ARG_ADDR_PORT,  /* IPV4:PORT or [IPV6]:PORT, a unicast address, PORT 1..65535 */
	NV_ARG_PORT_RANGE, /* LO-HI, 1 <= LO <= HI <= 65535: port..port_hi */
};

struct nv_arg_spec {
	const char *key; /* the keyword; NULL: a positional, in spec order before the keywords */
	enum nv_arg_type type;
	bool required;
	const char *metavar;	    /* "VSID"; NULL for a choice: its choices joined by '|' */
	__u32 min, max;		    /* NV_ARG_U32 */
	const char *const *choices; /* NV_ARG_CHOICE, NULL-terminated */
};

/* Specs people write again and again. */
#define NV_ARG_VSID(req)                                                               \
	{                                                                              \
		.key = "vsid", .type = NV_ARG_U32, .required = req, .metavar = "VSID", \
		.min = NV_VSID_MIN, .max = NV_VSID_MAX                                 \
	}
#define NV_ARG_NUM(k, req, lo, hi, mv)                                                             \
	{                                                                                          \
		.key = k, .type = NV_ARG_U32, .required = req, .metavar = mv, .min = lo, .max = hi \
	}
#define NV_ARG_KEY(k, t, req, mv)                                   \
	{                                                           \
		.key = k, .type = t, .required = req, .metavar = mv \
	}
#define NV_ARG_POS(t, mv)                                  \
	{                                                  \
		.type = t, .required = true, .metavar = mv \
	}
#define NV_ARG_FLAG_KEY(k)                    \
	{                                     \
		.key = k, .type = NV_ARG_FLAG \
	}
/* A positional that may be left out: the last of a command's positionals only. */
#define NV_ARG_POS_OPT(t, mv)                               \
	{                                                   \
		.type = t, .required = false, .metavar = mv \
	}

#define NV_ARGS_MAX 16

struct nv_arg {
	bool set;
	const char *raw; /* the word as given */
	union {
		__u32 u32;
		union nv_addr addr; /* ADDR; IPV4 IPv4-mapped */
		__u8 mac[NV_ETH_ALEN];
		int choice;
		__u8 proto;
	} v;
	__u8 prefixlen; /* NV_ARG_PREFIX: address bits (IPv4: 96 + len) */
	__u16 port;    /* NV_ARG_ADDR_PORT (v.addr is the address), NV_ARG_PORT_RANGE: host order */
	__u16 port_hi; /* NV_ARG_PORT_RANGE */
};

/* What a command gets: a[i] is what specs[i] parsed (index with the command's own enum). */
struct nv_args {
	const char *cmd; /* "port add", for messages */
	struct nv_arg a[NV_ARGS_MAX];
};

struct nv_ctx;

/* 0, or prints a usage error naming the bad keyword/value and returns NV_EXIT_USAGE. */
int nv_args_parse(const struct nv_ctx *ctx, const char *cmd, const struct nv_arg_spec *specs,
		  size_t nspecs, int argc, char **argv, struct nv_args *out);
/* The usage line the specs make: "dev DEV vsid VSID [deliver xdp|tc] [--watch]". Returns buf. */
const char *nv_args_usage(const struct nv_arg_spec *specs, size_t nspecs, char *buf, size_t len);

/* The IPv4 address of an NV_ARG_IPV4 argument, network order. */
__be32 nv_arg_ipv4(const struct nv_arg *a);

#endif /* NV_ARGS_H */
