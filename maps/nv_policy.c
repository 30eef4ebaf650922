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

static bool onlink(const struct nv_route_info *r)
{
	const union nv_addr *nh = &r->route.nexthop;

	return !(nh->w[0] | nh->w[1] | nh->w[2] | nh->w[3]);
}

/* A route is (rdid, prefix, next hop), or (rdid, prefix, vsid) on-link: what route del names. */
int nv_policy_cmp_route(const void *a, const void *b)
{
	const struct nv_route_info *x = a, *y = b;

	return cmp_u32(x->rdid, y->rdid) ?: cmp_u32(x->prefixlen, y->prefixlen)
		       ?: cmp_addr(&x->prefix, &y->prefix) ?: cmp_addr(&x->route.nexthop, &y->route.nexthop)
		       ?: (onlink(x) ? cmp_u32(x->route.vsid, y->route.vsid) : 0);
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

void nv_policy_sort(struct nv_policy *p)
{
	qsort(p->pas, p->npas, sizeof(*p->pas), nv_policy_cmp_pa);
	qsort(p->subnets, p->nsubnets, sizeof(*p->subnets), nv_policy_cmp_subnet);
	qsort(p->routes, p->nroutes, sizeof(*p->routes), nv_policy_cmp_route);
	qsort(p->ports, p->nports, sizeof(*p->ports), nv_policy_cmp_port);
	qsort(p->records, p->nrecords, sizeof(*p->records), nv_policy_cmp_record);
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

void nv_policy_free(struct nv_policy *p)
{
	free(p->pas);
	free(p->subnets);
	free(p->routes);
	free(p->ports);
	free(p->records);
	memset(p, 0, sizeof(*p));
}
