/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The distributed router's lookups (DESIGN section 7), for a frame a VM sent to its subnet's
 * gateway MAC: the exact record of the destination CA in the port's routing domain (nv_rdid_cas,
 * which holds a copy of the record: one lookup), else the longest customer route of the RDID
 * (nv_routes), then the record of its next hop, or of the destination in its on-link VSID (that
 * VSID's gateway wildcard record when the CA has none). Next hops are records, never routes again:
 * no recursion.
 */
#ifndef NV_ROUTE_H
#define NV_ROUTE_H

#include "nv_common.h"

static __always_inline const struct nv_rdid_ca *nv_rdid_ca_get(__u32 rdid, const union nv_addr *ca)
{
	struct nv_rdid_ca_key key = { .rdid = rdid, .ca = *ca };

	return bpf_map_lookup_elem(&nv_rdid_cas, &key);
}

static __always_inline struct nv_record *nv_record_get(__u32 vsid, const union nv_addr *ca)
{
	struct nv_record_key key = { .vsid = vsid, .ca = *ca };

	return bpf_map_lookup_elem(&nv_records, &key);
}

/* 0.0.0.0 as the maps hold it: the CA of a gateway wildcard record. */
static __always_inline void nv_addr_wildcard_v4(union nv_addr *a)
{
	nv_addr_set_v4(a, 0);
}

/*
 * Where the router sends a packet: the record it goes to, in the VSID it goes into; gw_mac that
 * VSID's gateway MAC when the index gave it (an exact record), else NULL (a route: its subnet
 * has it).
 */
struct nv_route_result {
	const struct nv_record *rec;
	const __u8 *gw_mac;
	__u32 vsid;
};

/*
 * The record and VSID for destination dst of a packet routed in rdid. NV_DROP_NONE, or
 * NV_DROP_NO_ROUTE (no record, no route), NV_DROP_ROUTE_NO_RECORD (an on-link route to a CA
 * without record and no wildcard), NV_DROP_NEXTHOP_UNKNOWN (the next hop's record is gone).
 */
static __always_inline enum nv_drop_reason nv_route_resolve(__u32 rdid, const union nv_addr *dst,
							    struct nv_route_result *out)
{
	struct nv_route_key key = { .prefixlen = 32 + 128, .rdid = rdid, .addr = *dst };
	const struct nv_rdid_ca *ix;
	struct nv_route *route;
	union nv_addr wildcard;

	ix = nv_rdid_ca_get(rdid, dst);
	if (ix) {
		out->rec = &ix->rec;
		out->vsid = ix->vsid;
		out->gw_mac = ix->rec.gw_mac;
		return NV_DROP_NONE;
	}
	out->gw_mac = NULL;
	route = bpf_map_lookup_elem(&nv_routes, &key);
	if (!route)
		return NV_DROP_NO_ROUTE;
	out->vsid = route->vsid;
	if (route->nexthop.w[0] | route->nexthop.w[1] | route->nexthop.w[2] | route->nexthop.w[3]) {
		out->rec = nv_record_get(route->vsid, &route->nexthop);
		return out->rec ? NV_DROP_NONE : NV_DROP_NEXTHOP_UNKNOWN;
	}
	out->rec = nv_record_get(route->vsid, dst);
	if (out->rec)
		return NV_DROP_NONE;
	nv_addr_wildcard_v4(&wildcard);
	out->rec = nv_record_get(route->vsid, &wildcard);
	return out->rec ? NV_DROP_NONE : NV_DROP_ROUTE_NO_RECORD;
}

#endif /* NV_ROUTE_H */
