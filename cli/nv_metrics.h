/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The Prometheus page of an instance, for nvctl metrics show and listen. */
#ifndef NV_METRICS_H
#define NV_METRICS_H

#include <stddef.h>

/*
 * The page of the instance at pin_dir in a malloc'ed buffer (*buf, *len). -ENOENT: nothing
 * attached there. Callers hold the instance lock (shared is enough) for a consistent page.
 */
int nv_metrics_render(const char *pin_dir, char **buf, size_t *len);

#endif /* NV_METRICS_H */
