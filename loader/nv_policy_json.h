/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy file (nvctl export, nvctl apply): JSON as cli/nvctl-policy.schema.json describes it,
 * one object per line so that files diff well and a million records stream instead of building
 * one tree. Members: version, then an array per kind (pas, subnets, routes, ports, records,
 * gateways, gateway_routes, nats, nat_maps) and the one object nat_timeouts.
 */
#ifndef NV_POLICY_JSON_H
#define NV_POLICY_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "nv_policy.h"

#define NV_POLICY_FORMAT 1 /* the file's "version" */

/* One object of kind k (enum nv_policy_kind) as the file holds it (a new reference). */
json_t *nv_policy_json_object(unsigned int kind, const void *elem);

/* Writes p to f. 0, or -EIO when f failed. */
int nv_policy_json_write(FILE *f, const struct nv_policy *p);

/*
 * Parses a policy file into p (owned; nv_policy_free), every value checked for its type and
 * range (what the library judges, such as a CA outside its prefix, is left to it). 0, or
 * -EINVAL with err naming the value by its JSON pointer ("/records/17/mac: not a unicast MAC")
 * or, for a file that is not JSON, its line and column; p is then empty. Two objects with one
 * key (a record's VSID and CA, ...) are refused, naming the later. p comes sorted (nv_policy_sort).
 */
int nv_policy_json_read(const char *text, size_t len, struct nv_policy *p, char *err,
			size_t errlen);

/*
 * One object of kind k (enum nv_policy_kind) from its JSON text, as an element of the file
 * holds it (what an agent finds in one etcd value; the timeouts: the file's "nat_timeouts"). 0,
 * or -EINVAL with err naming the member ("/mac: not a unicast MAC"), or -ENODEV with err when
 * the object is good but names a device that does not exist (yet).
 */
int nv_policy_json_read_object(unsigned int kind, const char *text, size_t len, void *elem,
			       char *err, size_t errlen);

/*
 * "198.51.100.1:80", as a static mapping's external and internal ends are written: an IPv4
 * unicast address and a port 1..65535 (host byte order). 0 or -EINVAL.
 */
int nv_policy_json_addr_port(const char *s, union nv_addr *addr, __u16 *port);

#endif /* NV_POLICY_JSON_H */
