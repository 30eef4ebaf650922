// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "nv_features.h"

/* r2 = -4; call bpf_xdp_adjust_meta(ctx, r2); r0 = XDP_PASS; exit */
static const struct bpf_insn xdp_meta_probe[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
	{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
	{ .code = BPF_JMP | BPF_EXIT },
};

bool nv_kernel_has_xdp_meta(void)
{
	static int known = -1;
	int fd;

	if (known >= 0)
		return known;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "nv_probe_meta", "GPL", xdp_meta_probe,
			   sizeof(xdp_meta_probe) / sizeof(xdp_meta_probe[0]), NULL);
	known = fd >= 0;
	if (fd >= 0)
		close(fd);
	return known;
}
