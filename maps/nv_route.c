/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Customer routes: every route in nv_route_table (the RIB), the best one of each prefix in
 * nv_routes (the LPM trie the programs read, the FIB). A change is written to the table first,
 * then the prefix's best route is written to the trie in one update, so the datapath goes from
 * the old route to the new one with no moment in between.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

/* The prefix with its host bits cleared, so that it has a single spelling. */
static void prefix_clear_host_bits(union nv_addr *a, __u32 len)
{
	for (unsigned int i = 0; i < sizeof(a->b); i++) {
		if (len >= 8) {
			len -= 8;
		} else {
			a->b[i] &= (__u8)(0xff00 >> len);
			len = 0;
		}
	}
}

/* The table's key of (k, nexthop); PREFIX_INVALID over 128 bits. */
static int table_key(const struct nv_route_key *k, const union nv_addr *nexthop,
		     struct nv_route_table_key *out, struct nv_conflict *why)
{
	if (!k)
		return -EINVAL;
	if (k->prefixlen > 128)
		return NV_RAISE(why, PREFIX_INVALID, .prefixlen = k->prefixlen);
	memset(out, 0, sizeof(*out));
	out->rdid = k->rdid;
	out->prefixlen = k->prefixlen;
	out->addr = k->addr;
	prefix_clear_host_bits(&out->addr, out->prefixlen);
	if (nexthop)
		out->nexthop = *nexthop;
	return 0;
}

/* The trie's key: its prefix also covers the 32 bits of rdid, which always match in full. */
static void fib_key(const struct nv_route_table_key *t, struct nv_route_key *out)
{
	memset(out, 0, sizeof(*out));
	out->prefixlen = 32 + t->prefixlen;
	out->rdid = t->rdid;
	out->addr = t->addr;
}

bool nv_route_onlink(const union nv_addr *nexthop)
{
	static const union nv_addr zero;

	return nv_addr_eq(nexthop, &zero);
}

/*
 * Whether route a (next hop na) is preferred to b (next hop nb) for the same prefix: the lowest
 * metric, then on-link, then the lowest next hop. A total order, so every host picks the same.
 */
static bool route_better(const struct nv_route_entry *a, const union nv_addr *na,
			 const struct nv_route_entry *b, const union nv_addr *nb)
{
	if (a->metric != b->metric)
		return a->metric < b->metric;
	if (nv_route_onlink(na) != nv_route_onlink(nb))
		return nv_route_onlink(na);
	return memcmp(na, nb, sizeof(*na)) < 0;
}

#define ROUTE_RAISE(why, name, t)                                                            \
	NV_RAISE(why, name, .rdid = (t)->rdid, .ca = (t)->addr, .prefixlen = (t)->prefixlen, \
		 .gw = (t)->nexthop)

/* The best route of t's prefix, looked for over the whole table. */
struct best {
	const struct nv_route_table_key *prefix;
	struct nv_route_table_key key; /* the best route's */
	struct nv_route_entry val;
	struct nv_route_table_key customer_key; /* a customer route's (the only one: route del) */
	unsigned int customer;			/* routes of the prefix that are not a subnet's */
	bool found;
};

static bool same_prefix(const struct nv_route_table_key *a, const struct nv_route_table_key *b)
{
	return a->rdid == b->rdid && a->prefixlen == b->prefixlen && nv_addr_eq(&a->addr, &b->addr);
}

static int best_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route_table_key *k = key;
	const struct nv_route_entry *v = value;
	struct best *b = arg;

	if (!same_prefix(k, b->prefix))
		return 0;
	if (!(v->flags & NV_ROUTE_F_SUBNET) && !b->customer++)
		b->customer_key = *k;
	if (!b->found || route_better(v, &k->nexthop, &b->val, &b->key.nexthop)) {
		b->val = *v;
		b->key = *k;
		b->found = true;
	}
	return 0;
}

static int best_of(const struct nv_maps *m, const struct nv_route_table_key *prefix, struct best *b)
{
	memset(b, 0, sizeof(*b));
	b->prefix = prefix;
	return nv_map_iter_raw(m->fd[NV_MAP_ROUTE_TABLE], sizeof(struct nv_route_table_key),
			       sizeof(struct nv_route_entry), best_cb, b);
}

/* The trie's entry of the prefix of t: the best route there is now, or none. */
static int fib_sync(const struct nv_maps *m, const struct nv_route_table_key *t)
{
	struct nv_route_key fk;
	struct nv_route v;
	struct best b;
	int err;

	err = best_of(m, t, &b);
	if (err)
		return err;
	fib_key(t, &fk);
	if (!b.found) {
		err = bpf_map_delete_elem(m->fd[NV_MAP_ROUTES], &fk);
		return err == -ENOENT ? 0 : err;
	}
	memset(&v, 0, sizeof(v));
	v.vsid = b.val.vsid;
	v.metric = b.val.metric;
	v.nexthop = b.key.nexthop;
	return bpf_map_update_elem(m->fd[NV_MAP_ROUTES], &fk, &v, BPF_ANY);
}

/* Table entry t -> v, then the trie; undone when the trie refuses. */
int nv_route_table_add(const struct nv_maps *m, const struct nv_route_table_key *t,
		       const struct nv_route_entry *v, struct nv_conflict *why)
{
	struct nv_route_entry old;
	int err;

	if (!bpf_map_lookup_elem(m->fd[NV_MAP_ROUTE_TABLE], t, &old))
		return ROUTE_RAISE(why, ROUTE_EXISTS, t);
	err = bpf_map_update_elem(m->fd[NV_MAP_ROUTE_TABLE], t, v, BPF_NOEXIST);
	if (err)
		return nv_map_write_err(why, NV_MAP_ROUTE_TABLE, err);
	err = fib_sync(m, t);
	if (err) {
		bpf_map_delete_elem(m->fd[NV_MAP_ROUTE_TABLE], t);
		fib_sync(m, t);
		return nv_map_write_err(why, NV_MAP_ROUTES, err);
	}
	return 0;
}

int nv_route_table_del(const struct nv_maps *m, const struct nv_route_table_key *t)
{
	struct nv_route_entry old;
	int err;

	err = bpf_map_lookup_elem(m->fd[NV_MAP_ROUTE_TABLE], t, &old);
	if (err)
		return err;
	err = bpf_map_delete_elem(m->fd[NV_MAP_ROUTE_TABLE], t);
	if (err)
		return err;
	err = fib_sync(m, t);
	if (err)
		bpf_map_update_elem(m->fd[NV_MAP_ROUTE_TABLE], t, &old, BPF_NOEXIST);
	return err;
}

int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r,
		 struct nv_conflict *why)
{
	struct nv_route_table_key t;
	struct nv_route_entry v;
	struct nv_subnet s;
	__u32 vsid;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !r)
		return -EINVAL;
	err = table_key(k, &r->nexthop, &t, why);
	if (err)
		return err;
	vsid = r->vsid;
	if (!nv_route_onlink(&r->nexthop)) {
		/* A next hop is a CA with a record in the routing domain: found there, once. */
		if (nv_rdid_ca_get(m, t.rdid, &r->nexthop, &vsid) ||
		    nv_addr_is_wildcard(&r->nexthop))
			return NV_RAISE(why, NEXTHOP_UNKNOWN, .rdid = t.rdid, .gw = r->nexthop);
		if (r->vsid && r->vsid != vsid)
			return NV_RAISE(why, NEXTHOP_VSID, .vsid = r->vsid, .gw = r->nexthop,
					.vsid2 = vsid);
	}
	if (!nv_vsid_valid(vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = vsid);
	/* A route leads to a subnet of its own routing domain, never into another one. */
	err = nv_subnet_lookup(m, vsid, &s, why);
	if (err)
		return err;
	if (s.rdid != t.rdid)
		return NV_RAISE(why, ROUTE_RDID, .vsid = vsid, .rdid = s.rdid);
	memset(&v, 0, sizeof(v));
	v.vsid = vsid;
	v.metric = r->metric;
	return nv_route_table_add(m, &t, &v, why);
}

int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k,
		 const union nv_addr *nexthop, struct nv_conflict *why)
{
	struct nv_route_table_key t;
	struct nv_route_entry v;
	struct best b;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = table_key(k, nexthop, &t, why);
	if (err)
		return err;
	if (!nexthop) {
		err = best_of(m, &t, &b);
		if (err)
			return err;
		if (b.customer > 1)
			return NV_RAISE(why, ROUTE_AMBIGUOUS, .rdid = t.rdid, .ca = t.addr,
					.prefixlen = t.prefixlen);
		if (b.customer == 1)
			t = b.customer_key;
	}
	err = bpf_map_lookup_elem(m->fd[NV_MAP_ROUTE_TABLE], &t, &v);
	if (err == -ENOENT)
		return ROUTE_RAISE(why, ROUTE_UNKNOWN, &t);
	if (err)
		return err;
	if (v.flags & NV_ROUTE_F_SUBNET)
		return NV_RAISE(why, ROUTE_IS_SUBNET, .rdid = t.rdid, .ca = t.addr,
				.prefixlen = t.prefixlen, .vsid = v.vsid);
	return nv_route_table_del(m, &t);
}

/* ---- reading ---- */

struct route_list {
	struct nv_route_info *v;
	size_t n, cap;
};

static int list_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route_table_key *k = key;
	const struct nv_route_entry *e = value;
	struct route_list *l = arg;
	struct nv_route_info *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->rdid = k->rdid;
	r->prefixlen = k->prefixlen;
	r->prefix = k->addr;
	r->route.vsid = e->vsid;
	r->route.metric = e->metric;
	r->route.nexthop = k->nexthop;
	r->flags = e->flags;
	return 0;
}

static int info_cmp(const void *pa, const void *pb)
{
	const struct nv_route_info *a = pa, *b = pb;
	struct nv_route_entry ea = { a->route.vsid, a->route.metric, a->flags };
	struct nv_route_entry eb = { b->route.vsid, b->route.metric, b->flags };
	int c;

	if (a->rdid != b->rdid)
		return a->rdid < b->rdid ? -1 : 1;
	c = memcmp(&a->prefix, &b->prefix, sizeof(a->prefix));
	if (c)
		return c;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen > b->prefixlen ? -1 : 1;
	if (route_better(&ea, &a->route.nexthop, &eb, &b->route.nexthop))
		return -1;
	return route_better(&eb, &b->route.nexthop, &ea, &a->route.nexthop) ? 1 : 0;
}

/* Every route, sorted, the first of each prefix marked active. The caller frees l->v. */
static int route_list(const struct nv_maps *m, struct route_list *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = nv_map_iter_raw(m->fd[NV_MAP_ROUTE_TABLE], sizeof(struct nv_route_table_key),
			      sizeof(struct nv_route_entry), list_cb, l);
	if (err) {
		free(l->v);
		l->v = NULL;
		return err;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), info_cmp);
	for (size_t i = 0; i < l->n; i++)
		l->v[i].active = !i || l->v[i - 1].rdid != l->v[i].rdid ||
				 l->v[i - 1].prefixlen != l->v[i].prefixlen ||
				 !nv_addr_eq(&l->v[i - 1].prefix, &l->v[i].prefix);
	return 0;
}

int nv_route_iter(const struct nv_maps *m, nv_route_cb cb, void *arg)
{
	struct route_list l;
	int err;

	if (!m || !cb)
		return -EINVAL;
	err = route_list(m, &l);
	for (size_t i = 0; !err && i < l.n; i++)
		err = cb(&l.v[i], arg);
	free(l.v);
	return err;
}

int nv_route_lookup(const struct nv_maps *m, __u32 rdid, const union nv_addr *addr,
		    struct nv_route_info *out)
{
	const struct nv_route_info *best = NULL;
	struct route_list l;
	int err;

	if (!m || !addr || !out)
		return -EINVAL;
	err = route_list(m, &l);
	if (err)
		return err;
	for (size_t i = 0; i < l.n; i++) {
		const struct nv_route_info *r = &l.v[i];

		if (!r->active || r->rdid != rdid ||
		    !nv_prefix_contains(&r->prefix, (__u8)r->prefixlen, addr))
			continue;
		if (!best || r->prefixlen > best->prefixlen)
			best = r;
	}
	if (best)
		*out = *best;
	free(l.v);
	return best ? 0 : -ENOENT;
}
