// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
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

static int gateway_cb(__u32 rdid, const struct nv_gw_leg *leg, void *arg)
{
	struct nv_policy_gateway e = { .rdid = rdid, .leg = *leg };

	return vec_push(arg, &e);
}

static int gw_route_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
		       const union nv_addr *via, void *arg)
{
	struct nv_policy_gw_route e = {
		.rdid = rdid, .prefixlen = prefixlen, .prefix = *prefix, .via = *via
	};

	return vec_push(arg, &e);
}

static int nat_cb(__u32 rdid, const struct nv_nat *n, void *arg)
{
	struct nv_policy_nat e = { .rdid = rdid, .n = *n };

	return vec_push(arg, &e);
}

static int nat_map_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct nv_policy_nat_map e = { .k = *k, .v = *v };

	return vec_push(arg, &e);
}

/* The timeouts with each 0 as its default. */
static struct nv_ct_timeouts timeouts_complete(const struct nv_ct_timeouts *t)
{
	return (struct nv_ct_timeouts){
		.tcp_syn = t->tcp_syn ?: NV_CT_TIMEOUT_TCP_SYN,
		.tcp_established = t->tcp_established ?: NV_CT_TIMEOUT_TCP_ESTABLISHED,
		.tcp_fin = t->tcp_fin ?: NV_CT_TIMEOUT_TCP_FIN,
		.udp = t->udp ?: NV_CT_TIMEOUT_UDP,
		.icmp = t->icmp ?: NV_CT_TIMEOUT_ICMP,
	};
}

static bool same_timeouts(const void *a, const void *b)
{
	struct nv_ct_timeouts x = timeouts_complete(a), y = timeouts_complete(b);

	return x.tcp_syn == y.tcp_syn && x.tcp_established == y.tcp_established &&
	       x.tcp_fin == y.tcp_fin && x.udp == y.udp && x.icmp == y.icmp;
}

bool nv_policy_timeouts_default(const struct nv_ct_timeouts *t)
{
	static const struct nv_ct_timeouts none;

	return same_timeouts(t, &none);
}

static bool timeouts_none(const void *t)
{
	return nv_policy_timeouts_default(t);
}

/* The live timeouts, as an object only when they are not the defaults. */
static int timeouts_read(const struct nv_maps *m, struct vec *v)
{
	struct nv_ct_timeouts t;
	int err = nv_ct_timeouts_get(m, &t);

	if (err)
		return err;
	return nv_policy_timeouts_default(&t) ? 0 : vec_push(v, &t);
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

int nv_policy_cmp_gateway(const void *a, const void *b)
{
	return cmp_u32(((const struct nv_policy_gateway *)a)->rdid,
		       ((const struct nv_policy_gateway *)b)->rdid);
}

/* A gateway route is (rdid, prefix): one route per prefix, as gateway route del names it. */
int nv_policy_cmp_gw_route(const void *a, const void *b)
{
	const struct nv_policy_gw_route *x = a, *y = b;

	return cmp_u32(x->rdid, y->rdid) ?: cmp_u32(x->prefixlen, y->prefixlen)
						  ?: cmp_addr(&x->prefix, &y->prefix);
}

int nv_policy_cmp_nat(const void *a, const void *b)
{
	return cmp_u32(((const struct nv_policy_nat *)a)->rdid,
		       ((const struct nv_policy_nat *)b)->rdid);
}

/* A static mapping is (protocol, external address, port): by address, port, protocol. */
int nv_policy_cmp_nat_map(const void *a, const void *b)
{
	const struct nv_nat_map_key *x = &((const struct nv_policy_nat_map *)a)->k,
				    *y = &((const struct nv_policy_nat_map *)b)->k;

	return cmp_addr(&x->ext, &y->ext) ?: cmp_u32(ntohs(x->port), ntohs(y->port))
						   ?: cmp_u32(x->proto, y->proto);
}

int nv_policy_cmp_timeouts(const void *a, const void *b)
{
	(void)a, (void)b;
	return 0;
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
	sort(p->gateways, p->ngateways, sizeof(*p->gateways), nv_policy_cmp_gateway);
	sort(p->gw_routes, p->ngw_routes, sizeof(*p->gw_routes), nv_policy_cmp_gw_route);
	sort(p->nats, p->nnats, sizeof(*p->nats), nv_policy_cmp_nat);
	sort(p->nat_maps, p->nnat_maps, sizeof(*p->nat_maps), nv_policy_cmp_nat_map);
}

int nv_policy_read(const struct nv_maps *m, struct nv_policy *p)
{
	struct vec pas = VEC(p->pas, p->npas), subnets = VEC(p->subnets, p->nsubnets),
		   routes = VEC(p->routes, p->nroutes), ports = VEC(p->ports, p->nports),
		   records = VEC(p->records, p->nrecords),
		   gateways = VEC(p->gateways, p->ngateways),
		   gw_routes = VEC(p->gw_routes, p->ngw_routes), nats = VEC(p->nats, p->nnats),
		   nat_maps = VEC(p->nat_maps, p->nnat_maps),
		   timeouts = VEC(p->timeouts, p->ntimeouts);
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
	if (!err)
		err = nv_gw_leg_iter(m, gateway_cb, &gateways);
	if (!err)
		err = nv_gw_route_iter(m, gw_route_cb, &gw_routes);
	if (!err)
		err = nv_nat_iter(m, nat_cb, &nats);
	if (!err)
		err = nv_nat_map_iter(m, nat_map_cb, &nat_maps);
	if (!err)
		err = timeouts_read(m, &timeouts);
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

/* Gateway routes and static mappings of the instance whose keys are in keys. */
struct some_gw {
	const struct nv_policy *keys;
	struct vec *out;
	__u32 rdid; /* some_rdid_gw_route_cb: the routes of one RDID, whatever their prefix */
};

static int some_gw_route_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
			    const union nv_addr *via, void *arg)
{
	struct nv_policy_gw_route e = {
		.rdid = rdid, .prefixlen = prefixlen, .prefix = *prefix, .via = *via
	};
	struct some_gw *s = arg;

	if (!bsearch(&e, s->keys->gw_routes, s->keys->ngw_routes, sizeof(e),
		     nv_policy_cmp_gw_route))
		return 0;
	return vec_push(s->out, &e);
}

static int some_nat_map_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct nv_policy_nat_map e = { .k = *k, .v = *v };
	struct some_gw *s = arg;

	if (!bsearch(&e, s->keys->nat_maps, s->keys->nnat_maps, sizeof(e), nv_policy_cmp_nat_map))
		return 0;
	return vec_push(s->out, &e);
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
		   records = VEC(p->records, p->nrecords),
		   gateways = VEC(p->gateways, p->ngateways),
		   gw_routes = VEC(p->gw_routes, p->ngw_routes), nats = VEC(p->nats, p->nnats),
		   nat_maps = VEC(p->nat_maps, p->nnat_maps),
		   timeouts = VEC(p->timeouts, p->ntimeouts);
	struct some_routes sr = { .keys = keys, .out = &routes };
	struct some_gw sg = { .keys = keys, .out = &gw_routes },
		       sm = { .keys = keys, .out = &nat_maps };
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
	for (size_t i = 0; i < keys->ngateways && !err; i++) {
		struct nv_policy_gateway e = { .rdid = keys->gateways[i].rdid };

		err = found(nv_gw_leg_get(m, e.rdid, &e.leg), &gateways, &e);
	}
	if (!err && keys->ngw_routes)
		err = nv_gw_route_iter(m, some_gw_route_cb, &sg);
	for (size_t i = 0; i < keys->nnats && !err; i++) {
		struct nv_policy_nat e = { .rdid = keys->nats[i].rdid };

		err = found(nv_nat_get(m, e.rdid, &e.n), &nats, &e);
	}
	if (!err && keys->nnat_maps)
		err = nv_nat_map_iter(m, some_nat_map_cb, &sm);
	if (!err && keys->ntimeouts)
		err = timeouts_read(m, &timeouts);
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
	free(p->gateways);
	free(p->gw_routes);
	free(p->nats);
	free(p->nat_maps);
	free(p->timeouts);
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

static bool same_gateway(const void *a, const void *b)
{
	const struct nv_gw_leg *w = &((const struct nv_policy_gateway *)a)->leg,
			       *h = &((const struct nv_policy_gateway *)b)->leg;

	return w->vsid == h->vsid && w->ext_ifindex == h->ext_ifindex &&
	       !memcmp(&w->ca, &h->ca, sizeof(w->ca)) && !memcmp(w->mac, h->mac, sizeof(w->mac)) &&
	       w->mode == h->mode;
}

static bool same_gw_route(const void *a, const void *b)
{
	return !memcmp(&((const struct nv_policy_gw_route *)a)->via,
		       &((const struct nv_policy_gw_route *)b)->via, sizeof(union nv_addr));
}

/* Ports 0-0 are the library's default range. */
static void nat_ports(const struct nv_nat *n, __u16 *lo, __u16 *hi)
{
	bool dflt = !n->port_lo && !n->port_hi;

	*lo = dflt ? NV_NAT_PORT_LO : n->port_lo;
	*hi = dflt ? NV_NAT_PORT_HI : n->port_hi;
}

static bool same_nat(const void *a, const void *b)
{
	const struct nv_nat *w = &((const struct nv_policy_nat *)a)->n,
			    *h = &((const struct nv_policy_nat *)b)->n;
	__u16 wlo, whi, hlo, hhi;

	nat_ports(w, &wlo, &whi);
	nat_ports(h, &hlo, &hhi);
	return !memcmp(&w->ext, &h->ext, sizeof(w->ext)) && wlo == hlo && whi == hhi;
}

static bool same_nat_map(const void *a, const void *b)
{
	const struct nv_nat_map *w = &((const struct nv_policy_nat_map *)a)->v,
				*h = &((const struct nv_policy_nat_map *)b)->v;

	return w->rdid == h->rdid && w->port == h->port && !memcmp(&w->ca, &h->ca, sizeof(w->ca));
}

struct kind_desc {
	size_t size;
	int (*cmp)(const void *, const void *);
	bool (*same)(const void *, const void *);
	bool (*none)(const void *); /* an object of want that is as good as none (NULL: never) */
};

static const struct kind_desc kinds[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = { sizeof(struct nv_policy_pa), nv_policy_cmp_pa, same_pa, NULL },
	[NV_POLICY_SUBNET] = { sizeof(struct nv_policy_subnet), nv_policy_cmp_subnet, same_subnet,
			       NULL },
	[NV_POLICY_ROUTE] = { sizeof(struct nv_route_info), nv_policy_cmp_route, same_route, NULL },
	[NV_POLICY_PORT] = { sizeof(struct nv_policy_port), nv_policy_cmp_port, same_port, NULL },
	[NV_POLICY_RECORD] = { sizeof(struct nv_policy_record), nv_policy_cmp_record, same_record,
			       NULL },
	[NV_POLICY_GATEWAY] = { sizeof(struct nv_policy_gateway), nv_policy_cmp_gateway,
				same_gateway, NULL },
	[NV_POLICY_GW_ROUTE] = { sizeof(struct nv_policy_gw_route), nv_policy_cmp_gw_route,
				 same_gw_route, NULL },
	[NV_POLICY_NAT] = { sizeof(struct nv_policy_nat), nv_policy_cmp_nat, same_nat, NULL },
	[NV_POLICY_NAT_MAP] = { sizeof(struct nv_policy_nat_map), nv_policy_cmp_nat_map,
				same_nat_map, NULL },
	[NV_POLICY_TIMEOUTS] = { sizeof(struct nv_ct_timeouts), nv_policy_cmp_timeouts,
				 same_timeouts, timeouts_none },
};

size_t nv_policy_item_size(enum nv_policy_kind k)
{
	return k < NV_POLICY__KINDS ? kinds[k].size : 0;
}

nv_policy_cmp_fn nv_policy_cmp_of(enum nv_policy_kind k)
{
	return k < NV_POLICY__KINDS ? kinds[k].cmp : NULL;
}

#define ARRAY(arr, count)                  \
	do {                               \
		*items = (void **)&p->arr; \
		*n = &p->count;            \
	} while (0)

void nv_policy_array(struct nv_policy *p, enum nv_policy_kind k, void ***items, size_t **n)
{
	switch (k) {
	case NV_POLICY_PA:
		ARRAY(pas, npas);
		return;
	case NV_POLICY_SUBNET:
		ARRAY(subnets, nsubnets);
		return;
	case NV_POLICY_ROUTE:
		ARRAY(routes, nroutes);
		return;
	case NV_POLICY_PORT:
		ARRAY(ports, nports);
		return;
	case NV_POLICY_GATEWAY:
		ARRAY(gateways, ngateways);
		return;
	case NV_POLICY_GW_ROUTE:
		ARRAY(gw_routes, ngw_routes);
		return;
	case NV_POLICY_NAT:
		ARRAY(nats, nnats);
		return;
	case NV_POLICY_NAT_MAP:
		ARRAY(nat_maps, nnat_maps);
		return;
	case NV_POLICY_TIMEOUTS:
		ARRAY(timeouts, ntimeouts);
		return;
	case NV_POLICY_RECORD:
	case NV_POLICY__KINDS:
		break;
	}
	ARRAY(records, nrecords);
}

/* The array of kind k in p. */
static const void *items_of(const struct nv_policy *p, enum nv_policy_kind k, size_t *n)
{
	void **items;
	size_t *count;

	nv_policy_array((struct nv_policy *)p, k, &items, &count);
	*n = *count;
	return *items;
}

/* The object of kind k in p with the key of key, or NULL. */
static const void *find(const struct nv_policy *p, enum nv_policy_kind k, const void *key)
{
	size_t n;
	const void *items = items_of(p, k, &n);

	return n ? bsearch(key, items, n, kinds[k].size, kinds[k].cmp) : NULL;
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

/* ---- what a leg or NAT changed in place takes down ---- */

/* Whether the leg of rdid is in want and have with other values: deleted and added again. */
static bool leg_changes(const struct nv_policy *want, const struct nv_policy *have, __u32 rdid)
{
	struct nv_policy_gateway key = { .rdid = rdid };
	const void *w = find(want, NV_POLICY_GATEWAY, &key),
		   *h = find(have, NV_POLICY_GATEWAY, &key);

	return w && h && !same_gateway(w, h);
}

/* Whether have's NAT h is in want too and deleted and added again: changed, or its leg is. */
static bool nat_remade(const struct nv_policy *want, const struct nv_policy *have,
		       const struct nv_policy_nat *h)
{
	const void *w = find(want, NV_POLICY_NAT, h);

	return w && (!same_nat(w, h) || leg_changes(want, have, h->rdid));
}

/* Whether the NAT (of have) on the external address of a static mapping is remade. */
static bool map_nat_remade(const struct nv_policy *want, const struct nv_policy *have,
			   const struct nv_policy_nat_map *h)
{
	for (size_t i = 0; i < have->nnats; i++)
		if (!memcmp(&have->nats[i].n.ext, &h->k.ext, sizeof(h->k.ext)) &&
		    nat_remade(want, have, &have->nats[i]))
			return true;
	return false;
}

/* Whether have's object h of kind k must go before what it depends on is remade. */
static bool taken_down(const struct nv_policy *want, const struct nv_policy *have,
		       enum nv_policy_kind k, const void *h)
{
	switch (k) {
	case NV_POLICY_NAT:
		return leg_changes(want, have, ((const struct nv_policy_nat *)h)->rdid);
	case NV_POLICY_GW_ROUTE:
		return leg_changes(want, have, ((const struct nv_policy_gw_route *)h)->rdid);
	case NV_POLICY_NAT_MAP:
		return map_nat_remade(want, have, h);
	default:
		return false;
	}
}

/*
 * One kind, both arrays walked in step by key: deletions (dels: with prune, of what want lacks;
 * always, of what is taken down) or the rest.
 */
static int diff_kind(const struct nv_policy *want, const struct nv_policy *have,
		     enum nv_policy_kind k, bool dels, bool prune, struct changes *c)
{
	const struct kind_desc *d = &kinds[k];
	size_t nw, nh, i = 0, j = 0;
	const char *w = items_of(want, k, &nw), *h = items_of(have, k, &nh);
	int err = 0;

	while (!err && (i < nw || j < nh)) {
		int order = i == nw ? 1 : j == nh ? -1 : d->cmp(w + i * d->size, h + j * d->size);

		if (order < 0) {
			if (!dels && !(d->none && d->none(w + i * d->size)))
				err = push(c, k, NV_POLICY_ADD, i, NV_POLICY_NONE);
			i++;
		} else if (order > 0) {
			if (dels && prune)
				err = push(c, k, NV_POLICY_DEL, NV_POLICY_NONE, j);
			j++;
		} else {
			if (taken_down(want, have, k, h + j * d->size))
				err = dels ? push(c, k, NV_POLICY_DEL, NV_POLICY_NONE, j)
					   : push(c, k, NV_POLICY_ADD, i, NV_POLICY_NONE);
			else if (!dels && !d->same(w + i * d->size, h + j * d->size))
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
	/*
	 * What depends on what: a port on its record and subnet, a record on its subnet, a leg on
	 * its subnet (and no port with its CA or device), a NAT and a gateway route on their leg,
	 * a static mapping on its NAT; the timeouts on nothing.
	 */
	static const enum nv_policy_kind order[] = {
		NV_POLICY_PA,	   NV_POLICY_SUBNET,   NV_POLICY_RECORD,   NV_POLICY_ROUTE,
		NV_POLICY_PORT,	   NV_POLICY_GATEWAY,  NV_POLICY_GW_ROUTE, NV_POLICY_NAT,
		NV_POLICY_NAT_MAP, NV_POLICY_TIMEOUTS,
	};
	struct changes c = { 0 };
	int err = 0;

	for (size_t i = sizeof(order) / sizeof(order[0]); !err && i--;)
		err = diff_kind(want, have, order[i], true, prune, &c);
	for (size_t i = 0; !err && i < sizeof(order) / sizeof(order[0]); i++)
		err = diff_kind(want, have, order[i], false, prune, &c);
	if (err) {
		free(c.v);
		return err;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

/* ---- dependents of what changes in place ---- */

/* elem appended to p's array of kind k (not sorted). 0 or -ENOMEM. */
static int append(struct nv_policy *p, enum nv_policy_kind k, const void *elem)
{
	size_t size = kinds[k].size, *n;
	void **items, *v;

	nv_policy_array(p, k, &items, &n);
	v = realloc(*items, (*n + 1) * size);
	if (!v)
		return -ENOMEM;
	*items = v;
	memcpy((char *)v + *n * size, elem, size);
	(*n)++;
	return 0;
}

/* Whether the first n objects of kind k in p (sorted: those before any append) hold key's. */
static bool holds(const struct nv_policy *p, enum nv_policy_kind k, size_t n, const void *key)
{
	size_t count;
	const void *items = items_of(p, k, &count);

	return n && bsearch(key, items, n, kinds[k].size, kinds[k].cmp);
}

static void sort_kind(struct nv_policy *p, enum nv_policy_kind k)
{
	size_t *n;
	void **items;

	nv_policy_array(p, k, &items, &n);
	sort(*items, *n, kinds[k].size, kinds[k].cmp);
}

int nv_policy_keep_dependents(struct nv_policy *want, const struct nv_policy *have)
{
	size_t nnats = want->nnats, nroutes = want->ngw_routes, nmaps = want->nnat_maps;
	int err = 0;

	/* Those of the changed legs first: a NAT kept is remade, and takes its mappings along. */
	for (size_t i = 0; i < have->nnats && !err; i++)
		if (!holds(want, NV_POLICY_NAT, nnats, &have->nats[i]) &&
		    leg_changes(want, have, have->nats[i].rdid))
			err = append(want, NV_POLICY_NAT, &have->nats[i]);
	for (size_t i = 0; i < have->ngw_routes && !err; i++)
		if (!holds(want, NV_POLICY_GW_ROUTE, nroutes, &have->gw_routes[i]) &&
		    leg_changes(want, have, have->gw_routes[i].rdid))
			err = append(want, NV_POLICY_GW_ROUTE, &have->gw_routes[i]);
	sort_kind(want, NV_POLICY_NAT);
	sort_kind(want, NV_POLICY_GW_ROUTE);
	for (size_t i = 0; i < have->nnat_maps && !err; i++)
		if (!holds(want, NV_POLICY_NAT_MAP, nmaps, &have->nat_maps[i]) &&
		    map_nat_remade(want, have, &have->nat_maps[i]))
			err = append(want, NV_POLICY_NAT_MAP, &have->nat_maps[i]);
	sort_kind(want, NV_POLICY_NAT_MAP);
	return err;
}

/*
 * Live objects of m read into both want and have, unless have held them when the reading began
 * (its first n of the kind): what want lacks then, as want holds only objects of have's keys.
 */
struct live_deps {
	struct nv_policy *want, *have;
	size_t n;		  /* have's objects of the kind before */
	__u32 rdid;		  /* gateway routes of this RDID */
	const union nv_addr *ext; /* static mappings on this address */
};

static int append_both(struct live_deps *d, enum nv_policy_kind k, const void *elem)
{
	if (holds(d->have, k, d->n, elem))
		return 0;
	return append(d->want, k, elem) ?: append(d->have, k, elem);
}

static int live_gw_route_cb(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
			    const union nv_addr *via, void *arg)
{
	struct nv_policy_gw_route e = {
		.rdid = rdid, .prefixlen = prefixlen, .prefix = *prefix, .via = *via
	};
	struct live_deps *d = arg;

	return rdid == d->rdid ? append_both(d, NV_POLICY_GW_ROUTE, &e) : 0;
}

static int live_nat_map_cb(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg)
{
	struct nv_policy_nat_map e = { .k = *k, .v = *v };
	struct live_deps *d = arg;

	return memcmp(&k->ext, d->ext, sizeof(k->ext)) ? 0 : append_both(d, NV_POLICY_NAT_MAP, &e);
}

static void sort_both(struct nv_policy *want, struct nv_policy *have, enum nv_policy_kind k)
{
	sort_kind(want, k);
	sort_kind(have, k);
}

int nv_policy_read_dependents(const struct nv_maps *m, struct nv_policy *want,
			      struct nv_policy *have)
{
	struct live_deps nats = { .want = want, .have = have, .n = have->nnats },
			 routes = { .want = want, .have = have, .n = have->ngw_routes };
	struct live_deps maps = { .want = want, .have = have };
	int err = 0;

	/* The legs of have that change: their live NATs and gateway routes. */
	for (size_t i = 0; i < have->ngateways && !err; i++) {
		struct nv_policy_nat nat = { .rdid = have->gateways[i].rdid };

		if (!leg_changes(want, have, nat.rdid))
			continue;
		err = nv_nat_get(m, nat.rdid, &nat.n);
		err = err == -ENOENT ? 0 : err ?: append_both(&nats, NV_POLICY_NAT, &nat);
		routes.rdid = nat.rdid;
		if (!err)
			err = nv_gw_route_iter(m, live_gw_route_cb, &routes);
	}
	sort_both(want, have, NV_POLICY_NAT);
	sort_both(want, have, NV_POLICY_GW_ROUTE);
	/* The NATs remade (those just read included): their live static mappings. */
	maps.n = have->nnat_maps;
	for (size_t i = 0; i < have->nnats && !err; i++) {
		union nv_addr ext = have->nats[i].n.ext;

		if (!nat_remade(want, have, &have->nats[i]))
			continue;
		maps.ext = &ext;
		err = nv_nat_map_iter(m, live_nat_map_cb, &maps);
	}
	sort_both(want, have, NV_POLICY_NAT_MAP);
	return err < 0 ? err : err ? -EIO : 0;
}
