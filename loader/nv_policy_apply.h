/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Carrying out a policy difference (nv_policy_diff) on an instance, all or nothing: nvctl apply
 * and the agent. The caller holds the instance lock.
 */
#ifndef NV_POLICY_APPLY_H
#define NV_POLICY_APPLY_H

#include <stddef.h>

#include "nv_conflict.h"
#include "nv_maps.h"
#include "nv_policy.h"

/*
 * Applies v[0..n) (changes of want against have) in order, in one transaction: a record changes
 * in place (nv_record_update: no moment without it, a VM that moved), the timeouts are set (a
 * deletion sets the defaults), every other change of kind is a delete and an add (a gateway leg
 * through nv_dp_gateway_del and _add: the external device's first leg attaches nv_from_ext, its
 * last detaches it), and consecutive record additions go to the maps together
 * (nv_record_add_many). 0, or the error of the first change refused, with *failed its index and
 * why its conflict: every change before it is then taken back (*undo_err: the first error of
 * that, 0 when all went back; connections a NAT or static mapping deleted took with it are
 * state, and stay gone).
 */
int nv_policy_apply(const char *pin_dir, const struct nv_maps *m, const struct nv_policy *want,
		    const struct nv_policy *have, const struct nv_policy_change *v, size_t n,
		    size_t *failed, struct nv_conflict *why, int *undo_err);

/* Drops from v the deletion of the instance's main PA: dp attach gave it, dp detach takes it. */
int nv_policy_keep_main_pa(const struct nv_maps *m, const struct nv_policy *have,
			   struct nv_policy_change *v, size_t *n);

/* The object a change is about: want's, or for a deletion have's. */
const void *nv_policy_change_object(const struct nv_policy *want, const struct nv_policy *have,
				    const struct nv_policy_change *c);

#endif /* NV_POLICY_APPLY_H */
