// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The program table: nv_progs.h's list, with each object's ELF from its skeleton. */
#include <bpf/libbpf.h>

#include "nv_progs.h"
#include "from_ext.skel.h"
#include "from_vm.skel.h"
#include "from_wire.skel.h"
#include "wire_tc.skel.h"

#define NV_PROG_ROW(id, obj, hook_, attach_, groups)                 \
	[NV_PROG_##id] = { .name = "nv_" #obj,                       \
			   .hook = hook_,                            \
			   .attach = attach_,                        \
			   .map_groups = groups,                     \
			   .xdp = attach_ == NV_ATTACH_UNDERLAY_XDP, \
			   .elf = nv_##obj##_bpf__elf_bytes },
const struct nv_prog_desc nv_progs[NV_PROG__COUNT] = { NV_PROG_LIST(NV_PROG_ROW) };
#undef NV_PROG_ROW

int nv_prog_of_hook(unsigned int hook)
{
	for (int i = 0; i < NV_PROG__COUNT; i++)
		if (nv_progs[i].hook == hook)
			return i;
	return -1;
}
