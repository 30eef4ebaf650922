/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An instance's policy as objects, the form nvctl export writes and nvctl apply compares with:
 * local PAs, subnets, customer routes (a subnet's on-link route is implied by the subnet), ports
 * and records, each array in one stable order so that two reads of the same maps are equal.
 */
#ifndef NV_POLICY_H
#define NV_POLICY_H

#include <stddef.h>

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
void nv_policy_free(struct nv_policy *p);

/* Each array's order: by its objects' keys (what del names them by), compared here. */
void nv_policy_sort(struct nv_policy *p);
int nv_policy_cmp_pa(const void *a, const void *b);
int nv_policy_cmp_subnet(const void *a, const void *b);
int nv_policy_cmp_route(const void *a, const void *b);
int nv_policy_cmp_port(const void *a, const void *b);
int nv_policy_cmp_record(const void *a, const void *b);

#endif /* NV_POLICY_H */
