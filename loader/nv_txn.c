// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "nv_datapath.h"
#include "nv_txn.h"

int nv_txn_reserve(struct nv_txn *log)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 16;
		struct nv_undo *v = realloc(log->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		log->v = v;
		log->cap = cap;
	}
	return 0;
}

int nv_txn_push(struct nv_txn *log, const struct nv_undo *u)
{
	int err;

	if (!log)
		return 0;
	err = nv_txn_reserve(log);
	if (!err)
		log->v[log->n++] = *u;
	return err;
}

static int undo_one(const char *pin_dir, const struct nv_maps *m, const struct nv_undo *u)
{
	switch (u->kind) {
	case NV_UNDO_PA_DEL:
		return nv_local_pa_del(m, &u->addr, NULL);
	case NV_UNDO_PA_ADD:
		return nv_local_pa_add(m, &u->addr, u->id, NULL);
	case NV_UNDO_SUBNET_DEL:
		return nv_subnet_del(m, u->id, NULL);
	case NV_UNDO_SUBNET_ADD:
		return nv_subnet_add(m, u->id, &u->subnet, NULL);
	case NV_UNDO_PORT_DEL:
		return nv_dp_port_del(pin_dir, u->id, NULL);
	case NV_UNDO_PORT_ADD:
		return nv_dp_port_add(pin_dir, u->id, &u->port, NULL);
	case NV_UNDO_RECORD_DEL:
		return nv_record_del(m, &u->rkey, NULL);
	case NV_UNDO_RECORD_ADD:
		return nv_record_add(m, &u->rkey, &u->rec, NULL);
	case NV_UNDO_RECORD_SET:
		return nv_record_update(m, &u->rkey, &u->rec, NULL);
	case NV_UNDO_EVENTS_SET:
		return nv_events_set(m, u->id, u->rate);
	case NV_UNDO_ROUTE_DEL:
		return nv_route_del(m, &u->route_key, &u->addr, NULL);
	case NV_UNDO_ROUTE_ADD:
		return nv_route_add(m, &u->route_key, &u->route, NULL);
	case NV_UNDO_GW_DEL:
		return nv_dp_gateway_del(pin_dir, u->id, NULL);
	case NV_UNDO_GW_ADD:
		return nv_dp_gateway_add(pin_dir, u->id, &u->leg, NULL);
	case NV_UNDO_GW_ROUTE_DEL:
		return nv_gw_route_del(m, u->route_key.rdid, &u->route_key.addr,
				       u->route_key.prefixlen, NULL);
	case NV_UNDO_GW_ROUTE_ADD:
		return nv_gw_route_add(m, u->route_key.rdid, &u->route_key.addr,
				       u->route_key.prefixlen, &u->addr, NULL);
	case NV_UNDO_NAT_DEL:
		return nv_nat_del(m, u->id, NULL);
	case NV_UNDO_NAT_ADD:
		return nv_nat_add(m, u->id, &u->nat, NULL);
	case NV_UNDO_NAT_MAP_DEL:
		return nv_nat_map_del(m, &u->nat_key, NULL);
	case NV_UNDO_NAT_MAP_ADD:
		return nv_nat_map_add(m, &u->nat_key, &u->nat_map, NULL);
	case NV_UNDO_CT_TIMEOUTS_SET:
		return nv_ct_timeouts_set(m, &u->timeouts, NULL);
	case NV_UNDO_RECORDS_DEL: {
		int err, first = 0;

		for (size_t i = u->nkeys; i--;) {
			err = nv_record_del(m, &u->keys[i], NULL);
			if (err && !first)
				first = err;
		}
		return first;
	}
	}
	return -EINVAL;
}

int nv_txn_rollback(struct nv_txn *log, const char *pin_dir)
{
	struct nv_maps m;
	int err, first = 0;

	if (!log->n)
		return 0;
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	while (log->n) {
		struct nv_undo *u = &log->v[--log->n];

		err = undo_one(pin_dir, &m, u);
		if (err && !first)
			first = err;
		free(u->keys);
		u->keys = NULL;
	}
	nv_maps_close(&m);
	return first;
}

void nv_txn_free(struct nv_txn *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].keys);
	free(log->v);
	log->v = NULL;
	log->n = log->cap = 0;
}

int nv_record_queue_push(struct nv_record_queue *q, const struct nv_record_key *k,
			 const struct nv_record *r)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		struct nv_record_key *nk = realloc(q->k, cap * sizeof(*nk));
		struct nv_record *nr;

		if (!nk)
			return -ENOMEM;
		q->k = nk;
		nr = realloc(q->r, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		q->r = nr;
		q->cap = cap;
	}
	q->k[q->n] = *k;
	q->r[q->n++] = *r;
	return 0;
}

void nv_record_queue_free(struct nv_record_queue *q)
{
	free(q->k);
	free(q->r);
	q->k = NULL;
	q->r = NULL;
	q->n = q->cap = 0;
}
