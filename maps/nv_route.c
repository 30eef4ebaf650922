/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Customer routes: (rdid, prefix) -> VSID in the LPM trie, into subnets of the same RDID. */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_maps.h"
#include "nv_maps_int.h"

/*
 * The caller's prefixlen counts address bits only (0..128); an IPv4 prefix a.b.c.d/len is passed
 * IPv4-mapped as 96 + len. The trie's prefix also covers the 32 bits of rdid, which always match
 * in full. Host bits are cleared so that a prefix has a single spelling (lookups, iteration).
 */
static int route_key_build(const struct nv_route_key *k, struct nv_route_key *out,
			   struct nv_conflict *why)
{
	__u32 len;

	if (!k)
		return -EINVAL;
	if (k->prefixlen > 128)
		return NV_RAISE(why, PREFIX_INVALID, .prefixlen = k->prefixlen);
	len = k->prefixlen;
	memset(out, 0, sizeof(*out));
	out->prefixlen = 32 + len;
	out->rdid = k->rdid;
	for (unsigned int i = 0; i < sizeof(out->addr.b); i++) {
		if (len >= 8) {
			out->addr.b[i] = k->addr.b[i];
			len -= 8;
		} else {
			out->addr.b[i] = k->addr.b[i] & (__u8)(0xff00 >> len);
			len = 0;
		}
	}
	return 0;
}

/* ROUTE_EXISTS or ROUTE_UNKNOWN for the stored key: the prefix as the caller spells it. */
#define ROUTE_RAISE(why, name, key)                                 \
	NV_RAISE(why, name, .rdid = (key)->rdid, .ca = (key)->addr, \
		 .prefixlen = (key)->prefixlen - 32)

int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r,
		 struct nv_conflict *why)
{
	struct nv_route_key key;
	struct nv_subnet s;
	struct nv_route v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !r)
		return -EINVAL;
	err = route_key_build(k, &key, why);
	if (err)
		return err;
	if (!nv_vsid_valid(r->vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = r->vsid);
	/* A route leads to a subnet of its own routing domain, never into another one. */
	err = nv_subnet_lookup(m, r->vsid, &s, why);
	if (err)
		return err;
	if (s.rdid != key.rdid)
		return NV_RAISE(why, ROUTE_RDID, .vsid = r->vsid, .rdid = s.rdid);
	memset(&v, 0, sizeof(v));
	v.vsid = r->vsid;
	v.metric = r->metric;
	v.nexthop = r->nexthop;
	err = bpf_map_update_elem(m->fd[NV_MAP_ROUTES], &key, &v, BPF_NOEXIST);
	/* A full trie is -ENOSPC, not -E2BIG: no kind of its own yet. */
	return err == -EEXIST ? ROUTE_RAISE(why, ROUTE_EXISTS, &key) : err;
}

int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k, struct nv_conflict *why)
{
	struct nv_route_key key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = route_key_build(k, &key, why);
	if (err)
		return err;
	err = bpf_map_delete_elem(m->fd[NV_MAP_ROUTES], &key);
	return err == -ENOENT ? ROUTE_RAISE(why, ROUTE_UNKNOWN, &key) : err;
}
