// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Baseline of `make bench` case 2: the cheapest XDP forwarder, a devmap redirect of every frame to
 * the device in slot 0, with no parsing and no decap. nv_from_wire's rate is compared to this.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nv_bench_tx SEC(".maps");

SEC("xdp")
int nv_redirect_xdp(struct xdp_md *ctx)
{
	return bpf_redirect_map(&nv_bench_tx, 0, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
