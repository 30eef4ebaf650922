// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nv_policy.h"

/* A growing array of elements of one size. */
struct vec {
	void **items;
	size_t *n, cap, size;
};

static int vec_push(struct vec *v, const void *elem)
{
	if (*v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(*v->items, cap * v->size);

		if (!p)
			return -ENOMEM;
		*v->items = p;
		v->cap = cap;
	}
	memcpy((char *)*v->items + *v->n * v->size, elem, v->size);
	(*v->n)++;
	return 0;
}

#define VEC(arr, count)                                                         \
	{                                                                       \
		.items = (void **)&(arr), .n = &(count), .size = sizeof(*(arr)) \
	}

static int pa_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct nv_policy_pa e = { .pa = *pa, .ifindex = v->ifindex };

	return vec_push(arg, &e);
}

static int subnet_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct nv_policy_subnet e = { .vsid = vsid, .s = *s };

	return vec_push(arg, &e);
}

static int route_cb(const struct nv_route_info *r, void *arg)
{
	return r->flags & NV_ROUTE_F_SUBNET ? 0 : vec_push(arg, r);
}

static int port_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct nv_policy_port e = { .ifindex = ifindex, .p = *p };

	return vec_push(arg, &e);
}

static int record_cb(const struct nv_record_key *k, const struct nv_record *r, void *arg)
{
	struct nv_policy_record e = { .k = *k, .r = *r };

	return vec_push(arg, &e);
}

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(const union nv_addr *a, const union nv_addr *b)
{
	/* Network byte order, byte by byte: 10.0.0.9 before 10.0.0.10. */
	return memcmp(a, b, sizeof(*a));
}

int nv_policy_cmp_pa(const void *a, const void *b)
{
	return cmp_addr(&((const struct nv_policy_pa *)a)->pa,
			&((const struct nv_policy_pa *)b)->pa);
}

int nv_policy_cmp_subnet(const void *a, const void *b)
{
	return cmp_u32(((const struct nv_policy_subnet *)a)->vsid,
		       ((const struct nv_policy_subnet *)b)->vsid);
}

/* A route is (rdid, prefix, next hop), or (rdid, prefix, vsid) on-link: what route del names. */
int nv_policy_cmp_route(const void *a, const void *b)
{
	const struct nv_route_info *x = a, *y = b;

	return cmp_u32(x->rdid, y->rdid) ?: cmp_u32(x->prefixlen, y->prefixlen)
		       ?: cmp_addr(&x->prefix, &y->prefix) ?: cmp_addr(&x->route.nexthop, &y->route.nexthop)
		       ?: (nv_route_onlink(&x->route.nexthop) ? cmp_u32(x->route.vsid, y->route.vsid) : 0);
}

int nv_policy_cmp_port(const void *a, const void *b)
{
	return cmp_u32(((const struct nv_policy_port *)a)->ifindex,
		       ((const struct nv_policy_port *)b)->ifindex);
}

int nv_policy_cmp_record(const void *a, const void *b)
{
	const struct nv_policy_record *x = a, *y = b;

	return cmp_u32(x->k.vsid, y->k.vsid) ?: cmp_addr(&x->k.ca, &y->k.ca);
}

/* qsort of an empty array is undefined with a NULL base (UBSan): skipped. */
static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(v, n, size, cmp);
}

void nv_policy_sort(struct nv_policy *p)
{
	sort(p->pas, p->npas, sizeof(*p->pas), nv_policy_cmp_pa);
	sort(p->subnets, p->nsubnets, sizeof(*p->subnets), nv_policy_cmp_subnet);
	sort(p->routes, p->nroutes, sizeof(*p->routes), nv_policy_cmp_route);
	sort(p->ports, p->nports, sizeof(*p->ports), nv_policy_cmp_port);
	sort(p->records, p->nrecords, sizeof(*p->records), nv_policy_cmp_record);
}

int nv_policy_read(const struct nv_maps *m, struct nv_policy *p)
{
	struct vec pas = VEC(p->pas, p->npas), subnets = VEC(p->subnets, p->nsubnets),
		   routes = VEC(p->routes, p->nroutes), ports = VEC(p->ports, p->nports),
		   records = VEC(p->records, p->nrecords);
	int err;

	memset(p, 0, sizeof(*p));
	err = nv_local_pa_iter(m, pa_cb, &pas);
	if (!err)
		err = nv_subnet_iter(m, subnet_cb, &subnets);
	if (!err)
		err = nv_route_iter(m, route_cb, &routes);
	if (!err)
		err = nv_port_iter(m, port_cb, &ports);
	if (!err)
		err = nv_record_iter(m, record_cb, &records);
	if (err) {
		nv_policy_free(p);
		return err < 0 ? err : -EIO;
	}
	nv_policy_sort(p);
	return 0;
}

/* Routes of the instance whose keys are in keys (sorted). */
struct some_routes {
	const struct nv_policy *keys;
	struct vec *out;
};

static int some_route_cb(const struct nv_route_info *r, void *arg)
{
	struct some_routes *s = arg;

	if (r->flags & NV_ROUTE_F_SUBNET ||
	    !bsearch(r, s->keys->routes, s->keys->nroutes, sizeof(*r), nv_policy_cmp_route))
		return 0;
	return vec_push(s->out, r);
}

/* err from a get: 0 found (pushed), -ENOENT not there (fine), anything else the error. */
static int found(int err, struct vec *v, const void *elem)
{
	if (err == -ENOENT)
		return 0;
	return err ?: vec_push(v, elem);
}

int nv_policy_read_some(const struct nv_maps *m, const struct nv_policy *keys, struct nv_policy *p)
{
	struct vec pas = VEC(p->pas, p->npas), subnets = VEC(p->subnets, p->nsubnets),
		   routes = VEC(p->routes, p->nroutes), ports = VEC(p->ports, p->nports),
		   records = VEC(p->records, p->nrecords);
	struct some_routes sr = { .keys = keys, .out = &routes };
	int err = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < keys->npas && !err; i++) {
		struct nv_policy_pa e = { .pa = keys->pas[i].pa };
		struct nv_local_pa v;
		int r = nv_local_pa_get(m, &e.pa, &v);

		e.ifindex = r ? 0 : v.ifindex;
		err = found(r, &pas, &e);
	}
	for (size_t i = 0; i < keys->nsubnets && !err; i++) {
		struct nv_policy_subnet e = { .vsid = keys->subnets[i].vsid };

		err = found(nv_subnet_get(m, e.vsid, &e.s), &subnets, &e);
	}
	if (!err && keys->nroutes)
		err = nv_route_iter(m, some_route_cb, &sr);
	for (size_t i = 0; i < keys->nports && !err; i++) {
		struct nv_policy_port e = { .ifindex = keys->ports[i].ifindex };

		err = found(nv_port_get(m, e.ifindex, &e.p), &ports, &e);
	}
	for (size_t i = 0; i < keys->nrecords && !err; i++) {
		struct nv_policy_record e = { .k = keys->records[i].k };

		err = found(nv_record_get(m, &e.k, &e.r), &records, &e);
	}
	if (err) {
		nv_policy_free(p);
		return err < 0 ? err : -EIO;
	}
	nv_policy_sort(p);
	return 0;
}

void nv_policy_free(struct nv_policy *p)
{
	free(p->pas);
	free(p->subnets);
	free(p->routes);
	free(p->ports);
	free(p->records);
	memset(p, 0, sizeof(*p));
}

/* ---- the difference ---- */

static bool same_pa(const void *a, const void *b)
{
	return ((const struct nv_policy_pa *)a)->ifindex ==
	       ((const struct nv_policy_pa *)b)->ifindex;
}

/* want's subnet as the library completes it (its defaults), against have's as stored. */
static bool same_subnet(const void *a, const void *b)
{
	const struct nv_policy_subnet *w = a, *h = b;
	struct nv_subnet s;

	if (nv_subnet_complete(w->vsid, &w->s, &s, NULL))
		return false; /* the library will refuse it, and say why */
	return s.rdid == h->s.rdid && s.prefixlen == h->s.prefixlen &&
	       !memcmp(&s.prefix, &h->s.prefix, sizeof(s.prefix)) &&
	       !memcmp(&s.gw_ca, &h->s.gw_ca, sizeof(s.gw_ca)) &&
	       !memcmp(s.gw_mac, h->s.gw_mac, sizeof(s.gw_mac));
}

static bool same_route(const void *a, const void *b)
{
	return ((const struct nv_route_info *)a)->route.metric ==
	       ((const struct nv_route_info *)b)->route.metric;
}

static bool same_port(const void *a, const void *b)
{
	const struct nv_port *w = &((const struct nv_policy_port *)a)->p,
			     *h = &((const struct nv_policy_port *)b)->p;

	return w->vsid == h->vsid && !memcmp(&w->ca, &h->ca, sizeof(w->ca)) &&
	       !memcmp(w->mac, h->mac, sizeof(w->mac)) && w->deliver == h->deliver;
}

static bool same_record(const void *a, const void *b)
{
	const struct nv_record *w = &((const struct nv_policy_record *)a)->r,
			       *h = &((const struct nv_policy_record *)b)->r;

	return !memcmp(&w->pa, &h->pa, sizeof(w->pa)) && !memcmp(w->mac, h->mac, sizeof(w->mac)) &&
	       w->rule == h->rule;
}

struct kind_desc {
	size_t size;
	int (*cmp)(const void *, const void *);
	bool (*same)(const void *, const void *);
};

static const struct kind_desc kinds[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = { sizeof(struct nv_policy_pa), nv_policy_cmp_pa, same_pa },
	[NV_POLICY_SUBNET] = { sizeof(struct nv_policy_subnet), nv_policy_cmp_subnet, same_subnet },
	[NV_POLICY_ROUTE] = { sizeof(struct nv_route_info), nv_policy_cmp_route, same_route },
	[NV_POLICY_PORT] = { sizeof(struct nv_policy_port), nv_policy_cmp_port, same_port },
	[NV_POLICY_RECORD] = { sizeof(struct nv_policy_record), nv_policy_cmp_record, same_record },
};

/* The array of kind k in p. */
static const void *items_of(const struct nv_policy *p, enum nv_policy_kind k, size_t *n)
{
	switch (k) {
	case NV_POLICY_PA:
		*n = p->npas;
		return p->pas;
	case NV_POLICY_SUBNET:
		*n = p->nsubnets;
		return p->subnets;
	case NV_POLICY_ROUTE:
		*n = p->nroutes;
		return p->routes;
	case NV_POLICY_PORT:
		*n = p->nports;
		return p->ports;
	case NV_POLICY_RECORD:
	case NV_POLICY__KINDS:
		break;
	}
	*n = p->nrecords;
	return p->records;
}

const void *nv_policy_item(const struct nv_policy *p, enum nv_policy_kind k, size_t i)
{
	size_t n;
	const char *items = items_of(p, k, &n);

	return i < n ? items + i * kinds[k].size : NULL;
}

struct changes {
	struct nv_policy_change *v;
	size_t n, cap;
};

static int push(struct changes *c, enum nv_policy_kind k, enum nv_policy_op op, size_t want,
		size_t have)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct nv_policy_change *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (struct nv_policy_change){ .kind = k, .op = op, .want = want, .have = have };
	return 0;
}

/* One kind, both arrays walked in step by key: deletions (dels) or the rest. */
static int diff_kind(const struct nv_policy *want, const struct nv_policy *have,
		     enum nv_policy_kind k, bool dels, struct changes *c)
{
	const struct kind_desc *d = &kinds[k];
	size_t nw, nh, i = 0, j = 0;
	const char *w = items_of(want, k, &nw), *h = items_of(have, k, &nh);
	int err = 0;

	while (!err && (i < nw || j < nh)) {
		int order = i == nw ? 1 : j == nh ? -1 : d->cmp(w + i * d->size, h + j * d->size);

		if (order < 0) {
			if (!dels)
				err = push(c, k, NV_POLICY_ADD, i, NV_POLICY_NONE);
			i++;
		} else if (order > 0) {
			if (dels)
				err = push(c, k, NV_POLICY_DEL, NV_POLICY_NONE, j);
			j++;
		} else {
			if (!dels && !d->same(w + i * d->size, h + j * d->size))
				err = push(c, k, NV_POLICY_CHANGE, i, j);
			i++;
			j++;
		}
	}
	return err;
}

int nv_policy_diff(const struct nv_policy *want, const struct nv_policy *have, bool prune,
		   struct nv_policy_change **out, size_t *n)
{
	/* What depends on what: a port on its record and subnet, a record on its subnet, ... */
	static const enum nv_policy_kind order[] = { NV_POLICY_PA, NV_POLICY_SUBNET,
						     NV_POLICY_RECORD, NV_POLICY_ROUTE,
						     NV_POLICY_PORT };
	struct changes c = { 0 };
	int err = 0;

	for (size_t i = sizeof(order) / sizeof(order[0]); prune && !err && i--;)
		err = diff_kind(want, have, order[i], true, &c);
	for (size_t i = 0; !err && i < sizeof(order) / sizeof(order[0]); i++)
		err = diff_kind(want, have, order[i], false, &c);
	if (err) {
		free(c.v);
		return err;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}
