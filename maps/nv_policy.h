/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An instance's policy as objects, the form nvctl export writes and nvctl apply compares with:
 * local PAs, subnets, customer routes (a subnet's on-link route is implied by the subnet), ports
 * and records, each array in one stable order so that two reads of the same maps are equal.
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

struct nv_policy {
	struct nv_policy_pa *pas;	  /* by address */
	struct nv_policy_subnet *subnets; /* by VSID */
	struct nv_route_info *routes;	  /* by RDID, prefix, next hop; customer routes only */
	struct nv_policy_port *ports;	  /* by ifindex */
	struct nv_policy_record *records; /* by VSID, then CA */
	size_t npas, nsubnets, nroutes, nports, nrecords;
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

enum nv_policy_kind {
	NV_POLICY_PA,
	NV_POLICY_SUBNET,
	NV_POLICY_ROUTE,
	NV_POLICY_PORT,
	NV_POLICY_RECORD,
	NV_POLICY__KINDS
};

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
 * what a file declares (a subnet of want as the library completes its defaults; a next-hop
 * route's VSID, a port's PA and a record's binding are the library's, not compared). Order: the
 * deletions first, dependents before what they depend on (ports, routes, records, subnets, PAs),
 * then additions and changes the other way round. *out owned by the caller (free). 0 or -ENOMEM.
 */
int nv_policy_diff(const struct nv_policy *want, const struct nv_policy *have, bool prune,
		   struct nv_policy_change **out, size_t *n);

#endif /* NV_POLICY_H */
