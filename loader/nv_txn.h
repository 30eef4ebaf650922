/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A transaction over an instance, all or nothing (nvctl batch; nvctl apply and the agent too):
 * every change applied records its inverse here; when a later change fails, the inverses run
 * newest first. Callers hold the instance lock (nv_instance.h) for the whole transaction.
 */
#ifndef NV_TXN_H
#define NV_TXN_H

#include <stddef.h>

#include "nv_maps.h"

enum nv_undo_kind {
	NV_UNDO_PA_DEL,
	NV_UNDO_PA_ADD,
	NV_UNDO_SUBNET_DEL,
	NV_UNDO_SUBNET_ADD,
	NV_UNDO_PORT_DEL,
	NV_UNDO_PORT_ADD,
	NV_UNDO_RECORD_DEL,
	NV_UNDO_RECORD_ADD,
	NV_UNDO_RECORDS_DEL, /* keys[0..nkeys), newest last */
	NV_UNDO_EVENTS_SET,  /* id: the mode, rate: the rate */
	NV_UNDO_ROUTE_DEL,   /* route_key, addr: the next hop (zero: on-link) */
	NV_UNDO_ROUTE_ADD,   /* route_key, route */
	NV_UNDO_RECORD_SET,  /* rkey, rec: the value before an update in place */
	/* the gateway (id: the rdid) */
	NV_UNDO_GW_DEL,		 /* id */
	NV_UNDO_GW_ADD,		 /* id, leg */
	NV_UNDO_GW_ROUTE_DEL,	 /* route_key: rdid, prefix, prefixlen (address bits) */
	NV_UNDO_GW_ROUTE_ADD,	 /* route_key, addr: the next hop (zero: the FIB's) */
	NV_UNDO_NAT_DEL,	 /* id */
	NV_UNDO_NAT_ADD,	 /* id, nat */
	NV_UNDO_NAT_MAP_DEL,	 /* nat_key */
	NV_UNDO_NAT_MAP_ADD,	 /* nat_key, nat_map */
	NV_UNDO_CT_TIMEOUTS_SET, /* timeouts: the values before */
};

struct nv_undo {
	enum nv_undo_kind kind;
	__u32 id; /* ifindex or vsid */
	__u32 rate;
	union nv_addr addr;
	struct nv_subnet subnet;
	struct nv_port port;
	struct nv_record_key rkey;
	struct nv_record rec;
	struct nv_route_key route_key;
	struct nv_route route;
	struct nv_gw_leg leg;
	struct nv_nat nat;
	struct nv_nat_map_key nat_key;
	struct nv_nat_map nat_map;
	struct nv_ct_timeouts timeouts;
	struct nv_record_key *keys; /* owned by the log */
	size_t nkeys;
};

struct nv_txn {
	struct nv_undo *v;
	size_t n, cap;
};

/*
 * Room for one more entry, 0 or -ENOMEM. A transaction reserves it before each change is applied,
 * so that nv_txn_push after the change cannot fail: nothing is ever applied unlogged.
 */
int nv_txn_reserve(struct nv_txn *t);
/* Record an inverse; a no-op when t is NULL (no transaction). 0, or -ENOMEM without a reservation.
 */
int nv_txn_push(struct nv_txn *t, const struct nv_undo *u);
/* Apply the inverses newest first; returns the first error (and keeps going). */
int nv_txn_rollback(struct nv_txn *t, const char *pin_dir);
void nv_txn_free(struct nv_txn *t);

/* A transaction's consecutive record adds, applied together (nv_record_add_many). */
struct nv_record_queue {
	struct nv_record_key *k;
	struct nv_record *r;
	size_t n, cap;
};

/* Queue a record add. 0 or -ENOMEM. */
int nv_record_queue_push(struct nv_record_queue *q, const struct nv_record_key *k,
			 const struct nv_record *r);
void nv_record_queue_free(struct nv_record_queue *q);

#endif /* NV_TXN_H */
