/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An instance's policy as objects, the form nvctl export writes and nvctl apply compares with:
 * local PAs, subnets, customer routes (a subnet's on-link route is implied by the subnet), ports
 * and records, and the gateway's legs, gateway routes, NATs, static mappings and connection
 * timeouts, each array in one stable order so that two reads of the same maps are equal. The
 * gateway's connections are state, not policy: they are never objects here.
 */
#ifndef NV_POLICY_H
#define NV_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nv_maps.h"

struct nv_policy_pa {
	union nv_addr pa;
	__u32 ifindex;
};

struct nv_policy_subnet {
	__u32 vsid;
	struct nv_subnet s;
};

struct nv_policy_port {
	__u32 ifindex;
	struct nv_port p;
};

struct nv_policy_record {
	struct nv_record_key k;
	struct nv_record r;
};

/* A gateway leg: leg.ext_ifindex is its external device. */
struct nv_policy_gateway {
	__u32 rdid;
	struct nv_gw_leg leg;
};

/* A gateway route: prefixlen in address bits (IPv4: 96 + len), via zero for the FIB's. */
struct nv_policy_gw_route {
	__u32 rdid;
	__u32 prefixlen;
	union nv_addr prefix;
	union nv_addr via;
};

struct nv_policy_nat {
	__u32 rdid;
	struct nv_nat n;
};

/* A static mapping, its ports in network byte order as the maps hold them. */
struct nv_policy_nat_map {
	struct nv_nat_map_key k;
	struct nv_nat_map v;
};

/* One object of any kind, as an element of the arrays below (its kind said beside it). */
union nv_policy_any {
	struct nv_policy_pa pa;
	struct nv_policy_subnet subnet;
	struct nv_route_info route;
	struct nv_policy_port port;
	struct nv_policy_record record;
	struct nv_policy_gateway gateway;
	struct nv_policy_gw_route gw_route;
	struct nv_policy_nat nat;
	struct nv_policy_nat_map nat_map;
	struct nv_ct_timeouts timeouts;
};

struct nv_policy {
	struct nv_policy_pa *pas;	      /* by address */
	struct nv_policy_subnet *subnets;     /* by VSID */
	struct nv_route_info *routes;	      /* by RDID, prefix, next hop; customer routes only */
	struct nv_policy_port *ports;	      /* by ifindex */
	struct nv_policy_record *records;     /* by VSID, then CA */
	struct nv_policy_gateway *gateways;   /* by RDID */
	struct nv_policy_gw_route *gw_routes; /* by RDID, then prefix */
	struct nv_policy_nat *nats;	      /* by RDID */
	struct nv_policy_nat_map *nat_maps;   /* by external address, port, protocol */
	/*
	 * At most one: the connection timeouts (0 in a field: its default). Read from the maps
	 * only when they are not all the defaults, so that an instance nobody tuned has none.
	 */
	struct nv_ct_timeouts *timeouts;
	size_t npas, nsubnets, nroutes, nports, nrecords;
	size_t ngateways, ngw_routes, nnats, nnat_maps, ntimeouts;
};

/* Reads every object of the instance into p (owned; nv_policy_free), sorted. 0 or -errno. */
int nv_policy_read(const struct nv_maps *m, struct nv_policy *p);
/*
 * Reads the objects of the instance that have the keys of those in keys (its arrays sorted; only
 * the keys of its objects are looked at) into p, sorted: what an event about those objects
 * compares with, without reading every map. 0 or -errno.
 */
int nv_policy_read_some(const struct nv_maps *m, const struct nv_policy *keys, struct nv_policy *p);
void nv_policy_free(struct nv_policy *p);

/* Each array's order: by its objects' keys (what del names them by), compared here. */
void nv_policy_sort(struct nv_policy *p);
int nv_policy_cmp_pa(const void *a, const void *b);
int nv_policy_cmp_subnet(const void *a, const void *b);
int nv_policy_cmp_route(const void *a, const void *b);
int nv_policy_cmp_port(const void *a, const void *b);
int nv_policy_cmp_record(const void *a, const void *b);
int nv_policy_cmp_gateway(const void *a, const void *b);
int nv_policy_cmp_gw_route(const void *a, const void *b);
int nv_policy_cmp_nat(const void *a, const void *b);
int nv_policy_cmp_nat_map(const void *a, const void *b);
int nv_policy_cmp_timeouts(const void *a, const void *b); /* one object: always equal */

enum nv_policy_kind {
	NV_POLICY_PA,
	NV_POLICY_SUBNET,
	NV_POLICY_ROUTE,
	NV_POLICY_PORT,
	NV_POLICY_RECORD,
	NV_POLICY_GATEWAY,
	NV_POLICY_GW_ROUTE,
	NV_POLICY_NAT,
	NV_POLICY_NAT_MAP,
	NV_POLICY_TIMEOUTS,
	NV_POLICY__KINDS
};

/* The size of one object of kind k, and its order (nv_policy_cmp_*). */
typedef int (*nv_policy_cmp_fn)(const void *a, const void *b);
size_t nv_policy_item_size(enum nv_policy_kind k);
nv_policy_cmp_fn nv_policy_cmp_of(enum nv_policy_kind k);
/* The array of kind k in p and its count, to fill it. */
void nv_policy_array(struct nv_policy *p, enum nv_policy_kind k, void ***items, size_t **n);

/* Whether t is the defaults (each field 0 or its default): no timeouts object at all. */
bool nv_policy_timeouts_default(const struct nv_ct_timeouts *t);

enum nv_policy_op {
	NV_POLICY_ADD,	  /* in want only */
	NV_POLICY_CHANGE, /* in both by key, with other values */
	NV_POLICY_DEL,	  /* in have only (prune) */
};

#define NV_POLICY_NONE SIZE_MAX

struct nv_policy_change {
	enum nv_policy_kind kind;
	enum nv_policy_op op;
	size_t want; /* index in want's array of the kind (ADD, CHANGE), else NV_POLICY_NONE */
	size_t have; /* index in have's (CHANGE, DEL), else NV_POLICY_NONE */
};

/* Object i of kind k in p, or NULL past the end of its array. */
const void *nv_policy_item(const struct nv_policy *p, enum nv_policy_kind k, size_t i);

/*
 * What makes have (the maps, nv_policy_read) equal to want (a file): ADD for every object of want
 * that have lacks, CHANGE for one it holds with other values, and with prune DEL for every object
 * of have that want lacks; both sorted (nv_policy_sort). Objects are matched by key, compared by
 * what a file declares (a subnet of want as the library completes its defaults, a NAT's ports
 * and the timeouts likewise; a next-hop route's VSID, a port's PA and a record's binding are the
 * library's, not compared). Timeouts of want that are the defaults match none in have. Order:
 * the deletions first, dependents before what they depend on (static mappings, NATs, gateway
 * routes, legs, ports, routes, records, subnets, PAs; timeouts first), then additions and changes
 * the other way round. A leg or NAT that changes is deleted and added again, and the library
 * refuses to delete it while what depends on it is there: so the NAT and gateway routes of a
 * changed leg, and the static mappings on the address of a changed NAT, when want and have both
 * hold them, are a DEL (with the deletions) and an ADD (after what they depend on), whatever
 * their values. *out owned by the caller (free). 0 or -ENOMEM.
 */
int nv_policy_diff(const struct nv_policy *want, const struct nv_policy *have, bool prune,
		   struct nv_policy_change **out, size_t *n);

/*
 * The objects of have that a leg or NAT changed in place (above) takes down, when want lacks
 * them, copied into want unchanged (and want sorted again): nvctl apply without prune, where
 * what a file lacks stays, deletes and adds them back rather than leaving them to block the
 * change. 0 or -ENOMEM.
 */
int nv_policy_keep_dependents(struct nv_policy *want, const struct nv_policy *have);

/*
 * For policies of some objects only (nv_policy_read_some: an agent's event): the live objects of
 * m that a leg or NAT of both want and have changed in place takes down (above), missing from
 * have, read into both want and have (both sorted again), so that they are deleted and added
 * back. 0 or -errno.
 */
int nv_policy_read_dependents(const struct nv_maps *m, struct nv_policy *want,
			      struct nv_policy *have);

#endif /* NV_POLICY_H */
