/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Which rule a refused request broke. Every call of the maps library (and of the loader's port
 * and attach calls) that can refuse takes a struct nv_conflict *why (NULL: not wanted) and, when
 * it returns an error, sets why->kind and the fields that kind names (the others zero); on success
 * why->kind is NV_CONFLICT_NONE. The errno stays what it was (-EINVAL, -EEXIST, ...): the kind
 * says which of the several causes behind one errno it was, so that callers never probe the maps
 * to find out. An error with kind NONE broke no rule: a NULL argument, or the kernel or memory
 * failed (-EPERM, -ENOMEM, ...).
 *
 * X(NAME, errno, fields): the kind, the errno it comes with, the fields of struct nv_conflict it
 * sets. Names are for logs and JSON ("vsid-unknown"); numbers are not ABI. MAPS lists what the
 * maps library raises (it cannot raise another: maps/nv_maps_int.h, NV_RAISE), each with a case
 * in tests/unit/test_maps_conflict.c; LOADER what only the loader raises.
 */
#ifndef NV_CONFLICT_H
#define NV_CONFLICT_H

#include <linux/types.h>
#include <stddef.h>

#include "nvgre_abi.h"

#define NV_CONFLICTS_MAPS(X)                                                                      \
	/* values that no map may hold */                                                         \
	X(VSID_RANGE, EINVAL, "vsid")	       /* outside NV_VSID_MIN..NV_VSID_MAX */             \
	X(CA_INVALID, EINVAL, "ca")	       /* unspecified, broadcast or multicast */          \
	X(PA_INVALID, EINVAL, "pa")	       /* unspecified, broadcast or multicast */          \
	X(MAC_INVALID, EINVAL, "mac")	       /* zero, broadcast or multicast */                 \
	X(DELIVER_INVALID, EINVAL, "")	       /* not an enum nv_deliver */                       \
	X(FLAGS_INVALID, EINVAL, "")	       /* unknown port flags */                           \
	X(RULE_INVALID, EINVAL, "")	       /* not an enum nv_rule */                          \
	X(PREFIX_INVALID, EINVAL, "prefixlen") /* route prefix length over 128 */                 \
	X(EVENTS_INVALID, EINVAL, "")	       /* not an enum nv_events_mode */                   \
	/* subnets */                                                                             \
	X(VSID_UNKNOWN, ENOENT, "vsid") /* the VSID has no subnet */                              \
	X(SUBNET_EXISTS, EEXIST, "vsid")                                                          \
	X(SUBNET_HAS_PORT, EBUSY, "vsid ifindex")                                                 \
	X(SUBNET_HAS_RECORD, EBUSY, "vsid ca")                                                    \
	X(SUBNET_HAS_ROUTE, EBUSY, "vsid ca(prefix) prefixlen rdid")                              \
	X(RDID_DIFFERS, EINVAL, "vsid rdid") /* rdid: the subnet's */                             \
	/* no prefix, host bits set, or no room for hosts and a gateway */                        \
	X(SUBNET_PREFIX, EINVAL, "vsid ca(prefix) prefixlen")                                     \
	/* outside the prefix, its first or (IPv4) last address */                                \
	X(GATEWAY_INVALID, EINVAL, "vsid ca(prefix) prefixlen gw")                                \
	/* the prefix overlaps net/netlen of vsid2 in the same routing domain */                  \
	X(SUBNET_OVERLAP, EINVAL, "vsid ca(prefix) prefixlen rdid vsid2 net netlen")              \
	/* a port's or record's CA: outside its subnet's prefix (net/netlen), or its gw */        \
	X(CA_OUTSIDE_PREFIX, EINVAL, "vsid ca net netlen")                                        \
	X(CA_IS_GATEWAY, EINVAL, "vsid ca")                                                       \
	/* local PAs */                                                                           \
	X(PA_EXISTS, EEXIST, "pa")                                                                \
	X(PA_NOT_LOCAL, ENOENT, "pa") /* local PA del */                                          \
	X(PA_IS_CONFIG, EBUSY, "pa")  /* the config PA cannot go */                               \
	/* ports */                                                                               \
	X(NO_DEVICE, ENODEV, "ifindex")                                                           \
	X(PORT_EXISTS, EEXIST, "ifindex") /* the device is a port already */                      \
	X(PORT_UNKNOWN, ENOENT, "ifindex")                                                        \
	X(PORT_IS_UNDERLAY, EINVAL, "ifindex") /* the config's underlay_ifindex */                \
	X(CA_HELD, EEXIST, "vsid ca ifindex")  /* ifindex: the port that has (vsid, ca) */        \
	X(XDP_NONE, EOPNOTSUPP, "")	       /* deliver xdp with xdp-mode none */               \
	/* records */                                                                             \
	X(RECORD_EXISTS, EEXIST, "vsid ca") /* or a key given twice to add_many */                \
	X(RECORD_UNKNOWN, ENOENT, "vsid ca")                                                      \
	/* rdid has its gateway wildcard record (CA 0) in vsid2 already */                        \
	X(WILDCARD_EXISTS, EEXIST, "rdid vsid2")                                                  \
	/* A record (mac, at pa) and the port of its (vsid, ca) (port_mac) would disagree */      \
	X(MAC_DIFFERS, EINVAL, "vsid ca pa mac ifindex port_mac")                                 \
	/* routes */                                                                              \
	X(ROUTE_EXISTS, EEXIST, "rdid ca(prefix) prefixlen gw(nexthop)")                          \
	X(ROUTE_UNKNOWN, ENOENT, "rdid ca(prefix) prefixlen gw(nexthop)")                         \
	X(ROUTE_RDID, EINVAL, "vsid rdid") /* rdid: the VSID's, not the route's */                \
	/* the next hop (gw) has no record in the route's routing domain */                       \
	X(NEXTHOP_UNKNOWN, ENOENT, "rdid gw(nexthop)")                                            \
	/* the route names a VSID and a next hop whose record is in another one (vsid2) */        \
	X(NEXTHOP_VSID, EINVAL, "vsid gw(nexthop) vsid2")                                         \
	/* route del without a next hop, and the prefix has several routes */                     \
	X(ROUTE_AMBIGUOUS, EINVAL, "rdid ca(prefix) prefixlen")                                   \
	/* the on-link route of subnet vsid: subnet del removes it */                             \
	X(ROUTE_IS_SUBNET, EBUSY, "rdid ca(prefix) prefixlen vsid")                               \
	/* the config entry (its errno differs from PA_NOT_LOCAL's) */                            \
	X(CONFIG_PA_NOT_LOCAL, EINVAL, "pa") /* the config PA must be a local PA */               \
	/* gateways: legs (rdid: the leg's, or the holder's) */                                   \
	X(GW_MODE_INVALID, EINVAL, "")		  /* not an enum nv_gw_mode */                    \
	X(GW_EXISTS, EEXIST, "rdid")		  /* the RDID has its leg already */              \
	X(GW_UNKNOWN, ENOENT, "rdid")		  /* the RDID has no leg */                       \
	X(GW_DEV_INVALID, EINVAL, "ifindex")	  /* the underlay or a port */                    \
	X(GW_DEV_FORWARD, EEXIST, "ifindex rdid") /* a forward leg of rdid has the device */      \
	X(GW_IN_USE, EBUSY, "rdid")		  /* the leg's RDID has a NAT or gateway route */ \
	X(GW_ROUTE_EXISTS, EEXIST, "rdid ca(prefix) prefixlen")                                   \
	X(GW_ROUTE_UNKNOWN, ENOENT, "rdid ca(prefix) prefixlen")                                  \
	/* NAT (pa: the external address; port and proto: a static mapping's) */                  \
	X(GW_NOT_NAT, EINVAL, "rdid") /* the RDID's leg is in forward mode */                     \
	X(NAT_EXISTS, EEXIST, "rdid")                                                             \
	X(NAT_UNKNOWN, ENOENT, "rdid")                                                            \
	X(NAT_ADDR_INVALID, EINVAL, "pa")	    /* not an IPv4 unicast address */             \
	X(NAT_ADDR_TAKEN, EEXIST, "pa rdid")	    /* rdid: the RDID whose NAT has it */         \
	X(NAT_PORTS_INVALID, EINVAL, "")	    /* port range lo > hi, or 0 in it */          \
	X(NAT_HAS_MAP, EBUSY, "rdid pa port proto") /* a static mapping of the NAT's */           \
	X(NAT_PROTO_INVALID, EINVAL, "proto")	    /* static mappings: TCP or UDP */             \
	X(NAT_PORT_INVALID, EINVAL, "")		    /* port 0 */                                  \
	X(NAT_MAP_ADDR, EINVAL, "rdid pa")	    /* pa is not the NAT address of rdid */       \
	X(NAT_MAP_EXISTS, EEXIST, "pa port proto")                                                \
	X(NAT_MAP_UNKNOWN, ENOENT, "pa port proto")                                               \
	X(TIMEOUT_INVALID, EINVAL, "") /* over NV_CT_TIMEOUT_MAX */                               \
	/* any map: a hash map without room (-E2BIG from the kernel) */                           \
	X(TABLE_FULL, E2BIG, "map")

#define NV_CONFLICTS_LOADER(X)                                                           \
	X(PORT_IS_LOOPBACK, EINVAL, "ifindex")                                           \
	X(DEV_HAS_FILTER, EEXIST, "ifindex") /* another instance's TC filter is there */ \
	X(INSTANCE_EXISTS, EEXIST, "")	     /* dp attach: the pin dir has a datapath */ \
	/* dp attach: the pin dir has a datapath of another ABI version (abi) */         \
	X(INSTANCE_OTHER_ABI, EEXIST, "abi")                                             \
	X(UNDERLAY_MTU, EMSGSIZE, "ifindex") /* under NV_UNDERLAY_MTU_MIN */             \
	X(XDP_BUSY, EBUSY, "ifindex")	     /* another XDP program holds the device */  \
	/* dp attach: the pin dir exists, not ours alone */                              \
	X(PIN_DIR_UNSAFE, EPERM, "")

#define NV_CONFLICTS(X) X(NONE, 0, "") NV_CONFLICTS_MAPS(X) NV_CONFLICTS_LOADER(X)

#define NV_CONFLICT_ENUM_ENTRY(name, err, fields) NV_CONFLICT_##name,
enum nv_conflict_kind {
	NV_CONFLICTS(NV_CONFLICT_ENUM_ENTRY) NV_CONFLICT__COUNT
};
#undef NV_CONFLICT_ENUM_ENTRY

struct nv_conflict {
	enum nv_conflict_kind kind;
	__u32 vsid;
	__u32 rdid;
	__u32 ifindex;	  /* the port or device it concerns */
	__u32 prefixlen;  /* routes: address bits of the prefix in ca */
	union nv_addr ca; /* a CA, or a route's prefix */
	union nv_addr pa;
	union nv_addr gw;  /* a subnet's gateway CA, or a route's next hop */
	__u32 vsid2;	   /* a second VSID: the other subnet of an overlap, ... */
	__u32 netlen;	   /* address bits of net */
	union nv_addr net; /* a second prefix: a subnet's, beside the ca it does not hold */
	__u8 mac[NV_ETH_ALEN];
	__u8 port_mac[NV_ETH_ALEN]; /* MAC_DIFFERS: the port's MAC (mac: the record's) */
	__u32 map;		    /* TABLE_FULL: the enum nv_map_id without room */
	__u32 abi;		    /* INSTANCE_OTHER_ABI: the version of the pins found */
	__u16 port;		    /* NAT: a static mapping's external port, host byte order */
	__u8 proto;		    /* NAT: a static mapping's protocol (IPPROTO_TCP, _UDP) */
};

/* Sets why (when not NULL) to kind with no fields, and returns -err (the kind's errno). */
int nv_conflict_set(struct nv_conflict *why, enum nv_conflict_kind kind);
/* Sets why (when not NULL) to *c, its kind and fields, and returns the errno of c->kind. */
int nv_conflict_raise(struct nv_conflict *why, const struct nv_conflict *c);
/* "vsid-unknown" for NV_CONFLICT_VSID_UNKNOWN; NULL out of range. */
const char *nv_conflict_name(enum nv_conflict_kind kind);
/*
 * The rule in words, from the fields the kind sets, e.g. "vsid 5001 has no subnet" or "ca
 * 10.0.0.1 in vsid 5001 is already port vm2" (a port whose device is gone is named "#7", and the
 * text says so). No trailing newline. Returns what snprintf returns.
 */
int nv_conflict_format(const struct nv_conflict *c, char *buf, size_t len);
/* The same, naming the device of c->ifindex as dev ("dev vm1", "ifindex 7") when not NULL. */
int nv_conflict_format_dev(const struct nv_conflict *c, const char *dev, char *buf, size_t len);

#endif /* NV_CONFLICT_H */
