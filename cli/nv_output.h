/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What nvctl prints. Errors: "Error: ..." on stderr, or {"error": "..."} on stdout under -j.
 * Results: one call per field for text and JSON alike (iproute2's print_*(PRINT_ANY, ...)): under
 * -j the call adds key: value to the open JSON object or array, else it prints value with fmt. So
 * a field has one place, and text and JSON cannot disagree on what is shown.
 */
#ifndef NV_OUTPUT_H
#define NV_OUTPUT_H

#include <linux/types.h>
#include <stdbool.h>

#include <jansson.h>

#include "nv_conflict.h"

struct nv_ctx;

/* Return the exit code: NV_EXIT_USAGE, NV_EXIT_RUNTIME. */
int nv_usage_error(const struct nv_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nv_runtime_error(const struct nv_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A runtime error from a library call: "what: strerror". */
int nv_errno_error(const struct nv_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A refused library call: "cmd: <the rule it broke>" from why (nv_conflict_format), with a hint
 * where nvctl has one; without a conflict (NONE) the errno as nv_errno_error. dev, when not NULL,
 * is how the user named the device of why->ifindex ("dev vm1", "ifindex 7").
 */
int nv_conflict_error(const struct nv_ctx *ctx, const char *cmd, int err,
		      const struct nv_conflict *why, const char *dev);

/* Print a JSON value (steals the reference) with the ctx's formatting. */
void nv_json_print(const struct nv_ctx *ctx, json_t *v);

/* ---- results ---- */

/* The document: an object (array false) or an array. nv_out_end prints it under -j. */
void nv_out_begin(struct nv_ctx *ctx, bool array);
void nv_out_end(struct nv_ctx *ctx);
/* Drop the document unprinted (a command that fails half way prints only its error). */
void nv_out_abort(struct nv_ctx *ctx);
/* Nested objects and arrays (key NULL inside an array). Nothing in text. */
void nv_open_object(struct nv_ctx *ctx, const char *key);
void nv_open_array(struct nv_ctx *ctx, const char *key);
void nv_close(struct nv_ctx *ctx);

/* fmt NULL: JSON only. A string value NULL: JSON null, "-" in text. */
void nv_print_string(struct nv_ctx *ctx, const char *key, const char *fmt, const char *value);
void nv_print_uint(struct nv_ctx *ctx, const char *key, const char *fmt, unsigned long long value);
void nv_print_int(struct nv_ctx *ctx, const char *key, const char *fmt, long long value);
void nv_print_bool(struct nv_ctx *ctx, const char *key, const char *fmt, bool value);
/* A device: its name in both, or "#IFINDEX" in text and null in JSON when it is gone. */
void nv_print_ifname(struct nv_ctx *ctx, const char *key, const char *fmt, __u32 ifindex);
/* JSON only (steals the reference). */
void nv_print_json(struct nv_ctx *ctx, const char *key, json_t *value);
/* Text only. */
void nv_print_text(const struct nv_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* NV_OUTPUT_H */
