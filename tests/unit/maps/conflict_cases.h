/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The refusals of the policy calls, one row each, exported so that
 * test_maps_conflict_coverage.c can check that every kind the maps library raises
 * (NV_CONFLICTS_MAPS) has a row. A row runs one call on the world of test_maps_conflict.c and
 * expects its errno, why->kind with exactly the fields the kind names (the others zero), and the
 * maps unchanged. Strings are parsed when the row runs; a device is named ("v1"), its ifindex
 * looked up then.
 */
#ifndef UNIT_MAPS_CONFLICT_CASES_H
#define UNIT_MAPS_CONFLICT_CASES_H

#include <linux/types.h>
#include <stddef.h>

#include "nv_conflict.h"

enum conflict_op {
	OP_SUBNET_ADD,	     /* vsid, rdid; ca/prefixlen the prefix, gw, mac (NULL: mk_subnet's) */
	OP_SUBNET_DEL,	     /* vsid */
	OP_PA_ADD,	     /* pa */
	OP_PA_DEL,	     /* pa */
	OP_PORT_ADD,	     /* dev or ifindex, vsid, rdid, ca, mac, deliver, flags */
	OP_PORT_DEL,	     /* dev or ifindex */
	OP_RECORD_ADD,	     /* vsid, ca, pa, mac, rule; also run as add_many([it, another]) */
	OP_RECORD_ADD_TWICE, /* add_many([it, it]): refused at index 1 */
	OP_RECORD_DEL,	     /* vsid, ca */
	OP_ROUTE_ADD,	 /* rdid, ca (the prefix), prefixlen (address bits), vsid, gw (next hop) */
	OP_ROUTE_DEL,	 /* rdid, ca, prefixlen, gw (next hop; NULL: none given) */
	OP_CONFIG_SET,	 /* the config as it is, with pa and events */
	OP_GW_LEG_ADD,	 /* rdid, vsid, ca, mac (NULL: GW_MAC), mode, dev or ifindex (external) */
	OP_GW_LEG_DEL,	 /* rdid */
	OP_GW_ROUTE_ADD, /* rdid, ca (the prefix), prefixlen (address bits), gw (via) */
	OP_GW_ROUTE_DEL, /* rdid, ca, prefixlen */
	OP_NAT_ADD,	 /* rdid, pa (external address), port..port2 */
	OP_NAT_DEL,	 /* rdid */
	OP_NAT_MAP_ADD,	 /* pa:port proto -> rdid, ca:port2 (ports in host byte order) */
	OP_NAT_MAP_DEL,	 /* pa:port proto */
	OP_CT_TIMEOUTS_SET, /* every timeout timeout */
};

/* What a row expects in why, beside the kind: zero and NULL for what the kind does not name. */
struct conflict_want {
	enum nv_conflict_kind kind;
	__u32 vsid, rdid, prefixlen, map;
	const char *dev; /* ifindex: this device's, else ifindex */
	__u32 ifindex;
	const char *ca, *pa, *gw, *mac, *port_mac;
	__u32 vsid2, netlen;
	const char *net;
	__u16 port; /* host byte order */
	__u8 proto;
};

struct conflict_case {
	const char *name;
	void (*tweak)(void); /* state the world lacks, made before the snapshot */
	enum conflict_op op;
	/* the request */
	const char *dev; /* ifindex: this device's, else ifindex */
	__u32 ifindex;
	__u32 vsid, rdid, prefixlen;
	const char *ca, *pa, *mac; /* NULL: the world's default for the op */
	const char *gw;		   /* OP_SUBNET_ADD: the gateway; OP_ROUTE_*: the next hop */
	__u8 deliver, flags;
	__u8 rule;	   /* 0: NV_RULE_ENCAP */
	__u8 events;	   /* OP_CONFIG_SET */
	__u8 mode;	   /* OP_GW_LEG_ADD: enum nv_gw_mode */
	__u16 port, port2; /* OP_NAT_*: host byte order */
	__u8 proto;	   /* OP_NAT_MAP_* */
	__u32 timeout;	   /* OP_CT_TIMEOUTS_SET */
	/* expected */
	int err;
	struct conflict_want want;
};

extern const struct conflict_case conflict_cases[];
extern const size_t conflict_cases_n;

#endif /* UNIT_MAPS_CONFLICT_CASES_H */
