/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy file (nvctl export, nvctl apply): JSON as cli/nvctl-policy.schema.json describes it,
 * one object per line so that files diff well and a million records stream instead of building
 * one tree.
 */
#ifndef NV_POLICY_JSON_H
#define NV_POLICY_JSON_H

#include <stdio.h>

#include "nv_policy.h"

#define NV_POLICY_FORMAT 1 /* the file's "version" */

/* Writes p to f. 0, or -EIO when f failed. */
int nv_policy_json_write(FILE *f, const struct nv_policy *p);

#endif /* NV_POLICY_JSON_H */
