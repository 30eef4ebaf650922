// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Baselines for `make bench`: the cheapest program of each hook, timed the same way. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int nv_noop_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int nv_noop_tc(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
