// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Receiver of `make bench` case 2, attached to the VM end of the port: counts every frame that
 * arrives (per CPU, no atomics) and drops it. A veth accepts XDP redirects only when its peer has
 * an XDP program or GRO (DESIGN section 7); this one is also the cheapest possible sink.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nv_bench_rx SEC(".maps");

SEC("xdp")
int nv_rxcount_xdp(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&nv_bench_rx, &k);

	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
