/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A writer for the Prometheus text exposition format, version 0.0.4: one "# HELP" and "# TYPE" per
 * family, then its samples, label values escaped. Debian has no C client library for it, and
 * nvctl only ever writes a snapshot of its counters, so this is all it needs.
 */
#ifndef NV_PROM_H
#define NV_PROM_H

#include <stddef.h>
#include <stdio.h>

#define NV_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct nv_prom_label {
	const char *name;
	const char *value; /* any UTF-8: escaped on output */
};

/*
 * Starts a family. type: "counter" or "gauge" (a counter's name ends in _total). Every sample of
 * the family must follow before the next family starts: the format wants them together.
 */
void nv_prom_family(FILE *f, const char *name, const char *type, const char *help);
void nv_prom_sample(FILE *f, const char *name, const struct nv_prom_label *labels, size_t nlabels,
		    unsigned long long value);

#endif /* NV_PROM_H */
