/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * How `batch` stays all or nothing: every change a command applies records its inverse here;
 * when a later command fails, the inverses run newest first.
 */
#ifndef NV_UNDO_H
#define NV_UNDO_H

#include <stddef.h>

#include "nvctl.h"

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
	struct nv_record_key *keys; /* owned by the log */
	size_t nkeys;
};

struct nv_undo_log {
	struct nv_undo *v;
	size_t n, cap;
};

/*
 * Room for one more entry, 0 or -ENOMEM. The batch reserves it before each line is applied, so
 * that a command's nv_undo_push after its change cannot fail: nothing is ever applied unlogged.
 */
int nv_undo_reserve(struct nv_undo_log *log);
/* Record an inverse; a no-op outside a batch. 0, or -ENOMEM only without a reservation. */
int nv_undo_push(const struct nv_ctx *ctx, const struct nv_undo *u);
/* Apply the inverses newest first; returns the first error (and keeps going). */
int nv_undo_rollback(const char *pin_dir, struct nv_undo_log *log);
void nv_undo_free(struct nv_undo_log *log);

/* Queue a record add of a batch (see struct nv_record_queue). 0 or -ENOMEM. */
int nv_record_queue_push(struct nv_record_queue *q, const struct nv_record_key *k,
			 const struct nv_record *r);

#endif /* NV_UNDO_H */
