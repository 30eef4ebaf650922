/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bindings between a port and the record of its (vsid, ca), for the maps library's files only:
 * what each holds of the other (nv_maps.h states the rules), the ports indexed by (vsid, ca), and
 * a journal of binding changes (records' ifindex and local, ports' pa) applied all or nothing.
 */
#ifndef NV_BIND_H
#define NV_BIND_H

#include <stdbool.h>
#include <stddef.h>

#include "nv_maps.h"

/* A port with the (vsid, ca) it binds to, as a record key. */
struct port_ent {
	struct nv_record_key bind; /* (vsid, ca) the port is bound to */
	__u32 ifindex;
	struct nv_port port;
};

/* k = (vsid, ca) with its padding zeroed: the record key a port binds to. */
void nv_bind_key(struct nv_record_key *k, __u32 vsid, const union nv_addr *ca);

/* Sets *out to the port with (vsid, ca) k; out->ifindex is 0 when there is none. */
int nv_port_find_binding(const struct nv_maps *m, const struct nv_record_key *k,
			 struct port_ent *out);

/*
 * A port is bound to the record of its (vsid, ca) when that record's PA is local. The record then
 * holds the port's ifindex and, in local, its delivery mode; the port holds the record's PA.
 * Otherwise the record's ifindex is 0 and local only says whether its PA is local, and the port's
 * pa is all zero. r: the record (NULL: none); p: the port (NULL: none). -EINVAL when binding them
 * would join a port and a record with different MACs: the receive path checks the record's only.
 */
struct bind_want {
	__u32 rec_ifindex;
	__u8 rec_local;
	union nv_addr port_pa;
};

int nv_bind_compute(const struct nv_record *r, bool pa_local, __u32 ifindex,
		    const struct nv_port *p, struct bind_want *w);
/*
 * Raises MAC_DIFFERS for the record r of k and port p (ifindex): both MACs and the record's PA.
 * Returns its errno, -EINVAL.
 */
int nv_bind_mac_differs(struct nv_conflict *why, const struct nv_record_key *k,
			const struct nv_record *r, __u32 ifindex, const struct nv_port *p);

/* ---- the journal: binding changes, applied all or nothing ---- */

struct bind_state {
	__u32 ifindex;	  /* record */
	__u8 local;	  /* record */
	union nv_addr pa; /* port */
};

struct bind_change {
	bool port;		    /* nv_ports[ifindex].pa, else nv_records[key] */
	struct nv_record_key key;   /* record */
	__u32 ifindex;		    /* port */
	struct bind_state from, to; /* record: ifindex, local; port: pa */
};

/* Starts as { 0 }; the caller frees v. */
struct bind_changes {
	struct bind_change *v;
	size_t n, cap;
};

/* Queues the change of record k (now r) to w, if it needs one. */
int nv_bind_rec_change(struct bind_changes *c, const struct nv_record_key *k,
		       const struct nv_record *r, const struct bind_want *w);
/* Queues the change of port ifindex (now p) to w, if it needs one. */
int nv_bind_port_change(struct bind_changes *c, __u32 ifindex, const struct nv_port *p,
			const struct bind_want *w);
/* Applies every change in order; on a failure reverts those applied and returns the error. */
int nv_bind_apply(const struct nv_maps *m, const struct bind_changes *c);
/* Reverts the first n changes, newest first. */
void nv_bind_revert(const struct nv_maps *m, const struct bind_changes *c, size_t n);

/*
 * Collects, for every record with PA pa and the port bound to it, the changes that make them
 * right when pa is (local) or is not local. -EINVAL: a MAC conflict (see nv_bind_compute), raised
 * as MAC_DIFFERS with the port's MAC.
 */
int nv_pa_scan(const struct nv_maps *m, const union nv_addr *pa, bool local,
	       struct bind_changes *out, struct nv_conflict *why);

#endif /* NV_BIND_H */
