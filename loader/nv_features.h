/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the running kernel lets the programs do, where kernels differ and the programs adapt.
 * The loader writes each answer into the programs' read-only data before load, so the verifier
 * prunes the path a kernel would refuse instead of refusing the whole program.
 */
#ifndef NV_FEATURES_H
#define NV_FEATURES_H

#include <stdbool.h>

/*
 * XDP may grow packet metadata (bpf_xdp_adjust_meta). Some kernel builds refuse the helper;
 * libbpf 1.1's helper probe misses that refusal, hence a probe of our own. Probed once.
 */
bool nv_kernel_has_xdp_meta(void);

#endif /* NV_FEATURES_H */
