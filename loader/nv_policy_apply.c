// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nv_datapath.h"
#include "nv_policy_apply.h"
#include "nv_txn.h"

struct exec {
	const char *pin_dir;
	const struct nv_maps *m;
	const struct nv_policy *want, *have;
	struct nv_txn txn;
};

const void *nv_policy_change_object(const struct nv_policy *want, const struct nv_policy *have,
				    const struct nv_policy_change *c)
{
	if (c->op == NV_POLICY_DEL)
		return nv_policy_item(have, c->kind, c->have);
	return nv_policy_item(want, c->kind, c->want);
}

/* The FIB key of a route, as route add and del take it. */
static struct nv_route_key route_key(const struct nv_route_info *r)
{
	return (struct nv_route_key){ .prefixlen = r->prefixlen,
				      .rdid = r->rdid,
				      .addr = r->prefix };
}

static int logged(struct exec *x, int err, const struct nv_undo *u)
{
	if (!err)
		nv_txn_push(&x->txn, u); /* reserved: cannot fail */
	return err;
}

/* A gateway route as the undo log keeps it: rdid, prefix, prefixlen in address bits. */
static struct nv_route_key gw_route_key(const struct nv_policy_gw_route *r)
{
	return (struct nv_route_key){ .prefixlen = r->prefixlen,
				      .rdid = r->rdid,
				      .addr = r->prefix };
}

/* The timeouts set to t, the values before logged. Room reserved by the caller. */
static int set_timeouts(struct exec *x, const struct nv_ct_timeouts *t, struct nv_conflict *why)
{
	struct nv_undo u = { .kind = NV_UNDO_CT_TIMEOUTS_SET };
	int err = nv_ct_timeouts_get(x->m, &u.timeouts);

	return err ?: logged(x, nv_ct_timeouts_set(x->m, t, why), &u);
}

static int del_object(struct exec *x, const struct nv_policy_change *c, struct nv_conflict *why)
{
	const struct nv_policy *h = x->have;
	size_t i = c->have;

	/* Room in the log first: a change made is always logged. */
	if (nv_txn_reserve(&x->txn))
		return -ENOMEM;
	switch (c->kind) {
	case NV_POLICY_PA:
		return logged(x, nv_local_pa_del(x->m, &h->pas[i].pa, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PA_ADD,
						 .addr = h->pas[i].pa,
						 .id = h->pas[i].ifindex });
	case NV_POLICY_SUBNET:
		return logged(x, nv_subnet_del(x->m, h->subnets[i].vsid, why),
			      &(struct nv_undo){ .kind = NV_UNDO_SUBNET_ADD,
						 .id = h->subnets[i].vsid,
						 .subnet = h->subnets[i].s });
	case NV_POLICY_ROUTE: {
		const struct nv_route_info *r = &h->routes[i];
		struct nv_route_key k = route_key(r);
		/* On-link: the prefix's one customer route (route del without nexthop). */
		const union nv_addr *nh =
			nv_route_onlink(&r->route.nexthop) ? NULL : &r->route.nexthop;

		return logged(x, nv_route_del(x->m, &k, nh, why),
			      &(struct nv_undo){ .kind = NV_UNDO_ROUTE_ADD,
						 .route_key = k,
						 .route = r->route });
	}
	case NV_POLICY_PORT:
		return logged(x, nv_dp_port_del(x->pin_dir, h->ports[i].ifindex, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PORT_ADD,
						 .id = h->ports[i].ifindex,
						 .port = h->ports[i].p });
	case NV_POLICY_GATEWAY:
		/* The device's last leg takes nv_from_ext off it (and forwarding, when ours). */
		return logged(x, nv_dp_gateway_del(x->pin_dir, h->gateways[i].rdid, why),
			      &(struct nv_undo){ .kind = NV_UNDO_GW_ADD,
						 .id = h->gateways[i].rdid,
						 .leg = h->gateways[i].leg });
	case NV_POLICY_GW_ROUTE: {
		const struct nv_policy_gw_route *r = &h->gw_routes[i];

		return logged(x, nv_gw_route_del(x->m, r->rdid, &r->prefix, r->prefixlen, why),
			      &(struct nv_undo){ .kind = NV_UNDO_GW_ROUTE_ADD,
						 .route_key = gw_route_key(r),
						 .addr = r->via });
	}
	case NV_POLICY_NAT:
		/* Its connections go with it: state, which the tenants' next packets make again. */
		return logged(x, nv_nat_del(x->m, h->nats[i].rdid, why),
			      &(struct nv_undo){ .kind = NV_UNDO_NAT_ADD,
						 .id = h->nats[i].rdid,
						 .nat = h->nats[i].n });
	case NV_POLICY_NAT_MAP:
		return logged(x, nv_nat_map_del(x->m, &h->nat_maps[i].k, why),
			      &(struct nv_undo){ .kind = NV_UNDO_NAT_MAP_ADD,
						 .nat_key = h->nat_maps[i].k,
						 .nat_map = h->nat_maps[i].v });
	case NV_POLICY_TIMEOUTS:
		/* No timeouts declared: the defaults again. */
		return set_timeouts(x, &(struct nv_ct_timeouts){ 0 }, why);
	default:
		return logged(x, nv_record_del(x->m, &h->records[i].k, why),
			      &(struct nv_undo){ .kind = NV_UNDO_RECORD_ADD,
						 .rkey = h->records[i].k,
						 .rec = h->records[i].r });
	}
}

static int add_object(struct exec *x, const struct nv_policy_change *c, struct nv_conflict *why)
{
	const struct nv_policy *w = x->want;
	size_t i = c->want;

	if (nv_txn_reserve(&x->txn))
		return -ENOMEM;
	switch (c->kind) {
	case NV_POLICY_PA:
		return logged(x, nv_local_pa_add(x->m, &w->pas[i].pa, w->pas[i].ifindex, why),
			      &(struct nv_undo){ .kind = NV_UNDO_PA_DEL, .addr = w->pas[i].pa });
	case NV_POLICY_SUBNET:
		return logged(
			x, nv_subnet_add(x->m, w->subnets[i].vsid, &w->subnets[i].s, why),
			&(struct nv_undo){ .kind = NV_UNDO_SUBNET_DEL, .id = w->subnets[i].vsid });
	case NV_POLICY_ROUTE: {
		const struct nv_route_info *r = &w->routes[i];
		struct nv_route_key k = route_key(r);

		return logged(x, nv_route_add(x->m, &k, &r->route, why),
			      &(struct nv_undo){ .kind = NV_UNDO_ROUTE_DEL,
						 .route_key = k,
						 .addr = r->route.nexthop });
	}
	case NV_POLICY_PORT: {
		/* Its RDID is its subnet's, as port add takes it (added before ports). */
		struct nv_port p = w->ports[i].p;
		struct nv_subnet sub;

		p.rdid = nv_subnet_get(x->m, p.vsid, &sub) ? 0 : sub.rdid;
		return logged(
			x, nv_dp_port_add(x->pin_dir, w->ports[i].ifindex, &p, why),
			&(struct nv_undo){ .kind = NV_UNDO_PORT_DEL, .id = w->ports[i].ifindex });
	}
	case NV_POLICY_GATEWAY:
		/* The device's first leg attaches nv_from_ext to it. */
		return logged(
			x,
			nv_dp_gateway_add(x->pin_dir, w->gateways[i].rdid, &w->gateways[i].leg,
					  why),
			&(struct nv_undo){ .kind = NV_UNDO_GW_DEL, .id = w->gateways[i].rdid });
	case NV_POLICY_GW_ROUTE: {
		const struct nv_policy_gw_route *r = &w->gw_routes[i];

		return logged(
			x, nv_gw_route_add(x->m, r->rdid, &r->prefix, r->prefixlen, &r->via, why),
			&(struct nv_undo){ .kind = NV_UNDO_GW_ROUTE_DEL,
					   .route_key = gw_route_key(r) });
	}
	case NV_POLICY_NAT:
		return logged(x, nv_nat_add(x->m, w->nats[i].rdid, &w->nats[i].n, why),
			      &(struct nv_undo){ .kind = NV_UNDO_NAT_DEL, .id = w->nats[i].rdid });
	case NV_POLICY_NAT_MAP:
		return logged(x, nv_nat_map_add(x->m, &w->nat_maps[i].k, &w->nat_maps[i].v, why),
			      &(struct nv_undo){ .kind = NV_UNDO_NAT_MAP_DEL,
						 .nat_key = w->nat_maps[i].k });
	case NV_POLICY_TIMEOUTS:
		return set_timeouts(x, &w->timeouts[i], why);
	default:
		return logged(
			x, nv_record_add(x->m, &w->records[i].k, &w->records[i].r, why),
			&(struct nv_undo){ .kind = NV_UNDO_RECORD_DEL, .rkey = w->records[i].k });
	}
}

static int change_object(struct exec *x, const struct nv_policy_change *c, struct nv_conflict *why)
{
	int err;

	/* The timeouts are one value: set to the new ones. */
	if (c->kind == NV_POLICY_TIMEOUTS)
		return add_object(x, c, why);
	if (c->kind != NV_POLICY_RECORD) {
		err = del_object(x, c, why);
		return err ?: add_object(x, c, why);
	}
	if (nv_txn_reserve(&x->txn))
		return -ENOMEM;
	return logged(x,
		      nv_record_update(x->m, &x->want->records[c->want].k,
				       &x->want->records[c->want].r, why),
		      &(struct nv_undo){ .kind = NV_UNDO_RECORD_SET,
					 .rkey = x->have->records[c->have].k,
					 .rec = x->have->records[c->have].r });
}

static bool is_record_add(const struct nv_policy_change *c)
{
	return c->kind == NV_POLICY_RECORD && c->op == NV_POLICY_ADD;
}

/*
 * The record additions v[0..n) in one library call, logged as one entry. -ENOMEM before anything
 * is applied; otherwise as nv_record_add_many (*failed relative to v).
 */
static int add_records(struct exec *x, const struct nv_policy_change *v, size_t n, size_t *failed,
		       struct nv_conflict *why)
{
	struct nv_undo u = { .kind = NV_UNDO_RECORDS_DEL, .nkeys = n };
	struct nv_record *r = malloc(n * sizeof(*r));
	int err;

	u.keys = malloc(n * sizeof(*u.keys));
	if (!r || !u.keys || nv_txn_reserve(&x->txn)) {
		free(r);
		free(u.keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		u.keys[i] = x->want->records[v[i].want].k;
		r[i] = x->want->records[v[i].want].r;
	}
	err = nv_record_add_many(x->m, u.keys, r, n, failed, why);
	free(r);
	if (err) {
		free(u.keys);
		return err;
	}
	nv_txn_push(&x->txn, &u); /* reserved; the log owns the keys now */
	return 0;
}

int nv_policy_apply(const char *pin_dir, const struct nv_maps *m, const struct nv_policy *want,
		    const struct nv_policy *have, const struct nv_policy_change *v, size_t n,
		    size_t *failed, struct nv_conflict *why, int *undo_err)
{
	struct exec x = { .pin_dir = pin_dir, .m = m, .want = want, .have = have };
	size_t i = 0, run, at = 0;
	int err = 0;

	*undo_err = 0;
	while (i < n && !err) {
		memset(why, 0, sizeof(*why)); /* NV_CONFLICT_NONE until the library says more */
		for (run = 0; i + run < n && is_record_add(&v[i + run]); run++)
			;
		if (run > 1) {
			err = add_records(&x, &v[i], run, &at, why);
			if (err) {
				at = err == -ENOMEM ? 0 : at;
				break;
			}
			i += run;
			continue;
		}
		at = 0;
		switch (v[i].op) {
		case NV_POLICY_ADD:
			err = add_object(&x, &v[i], why);
			break;
		case NV_POLICY_DEL:
			err = del_object(&x, &v[i], why);
			break;
		case NV_POLICY_CHANGE:
			err = change_object(&x, &v[i], why);
			break;
		}
		if (!err)
			i++;
	}
	if (err) {
		*failed = i + at;
		*undo_err = nv_txn_rollback(&x.txn, pin_dir);
	}
	nv_txn_free(&x.txn);
	return err;
}

int nv_policy_keep_main_pa(const struct nv_maps *m, const struct nv_policy *have,
			   struct nv_policy_change *v, size_t *n)
{
	struct nv_config cfg;
	size_t k = 0;
	int err = nv_config_get(m, &cfg);

	if (err)
		return err;
	for (size_t i = 0; i < *n; i++)
		if (!(v[i].kind == NV_POLICY_PA && v[i].op == NV_POLICY_DEL &&
		      !memcmp(&have->pas[v[i].have].pa, &cfg.pa, sizeof(cfg.pa))))
			v[k++] = v[i];
	*n = k;
	return 0;
}
