/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's programs, one row each: what the loader loads, pins and attaches, what trace
 * runs and checks, and what `dp show` lists. A new program is a row here, its bpf/NAME.bpf.c, its
 * name in the Makefile's BPF_PROGS, and its hook in nvgre_abi.h's NV_HOOKS.
 *
 * X(ID, obj, hook, attach, map_groups)
 *   ID          enum nv_prog_id NV_PROG_<ID>
 *   obj         the object bpf/<obj>.bpf.c, whose skeleton is nv_<obj>_bpf; its program is
 *               nv_<obj>, also its pin name
 *   hook        enum nv_hook, as its events name it
 *   attach      where it runs (enum nv_attach)
 *   map_groups  the map groups its object defines (enum nv_map_group)
 */
#ifndef NV_PROGS_H
#define NV_PROGS_H

#include <stddef.h>

#include "nv_maps.h"

#define NV_PROG_LIST(X)                                                                        \
	X(FROM_VM, from_vm, NV_HOOK_FROM_VM, NV_ATTACH_PORT_TC, NV_MAP_GROUPS_HOST)            \
	X(FROM_WIRE, from_wire, NV_HOOK_FROM_WIRE, NV_ATTACH_UNDERLAY_XDP, NV_MAP_GROUPS_HOST) \
	X(WIRE_TC, wire_tc, NV_HOOK_WIRE_TC, NV_ATTACH_UNDERLAY_TC, NV_MAP_GROUPS_HOST)        \
	X(FROM_EXT, from_ext, NV_HOOK_FROM_EXT, NV_ATTACH_EXT_TC, NV_MAP_GROUPS_HOST)

#define NV_PROG_ENUM_ENTRY(id, ...) NV_PROG_##id,
enum nv_prog_id {
	NV_PROG_LIST(NV_PROG_ENUM_ENTRY) NV_PROG__COUNT
};
#undef NV_PROG_ENUM_ENTRY

enum nv_attach {
	NV_ATTACH_PORT_TC,	/* TC ingress of every port */
	NV_ATTACH_UNDERLAY_XDP, /* XDP on the underlay (none with xdp-mode none) */
	NV_ATTACH_UNDERLAY_TC,	/* TC ingress of the underlay */
	/*
	 * TC ingress of every gateway external device (each key of nv_gw_devs): attached by the
	 * first gateway leg on the device, detached with its last (nv_dp_gateway_add/del).
	 */
	NV_ATTACH_EXT_TC,
};

struct nv_prog_desc {
	const char *name;		  /* "nv_from_vm": the program, and its pin */
	unsigned int hook;		  /* enum nv_hook */
	enum nv_attach attach;		  /* where it runs */
	unsigned int map_groups;	  /* enum nv_map_group */
	bool xdp;			  /* an XDP program (else TC) */
	const void *(*elf)(size_t *size); /* the object file, built into the binary */
};

extern const struct nv_prog_desc nv_progs[NV_PROG__COUNT];

/* The program whose hook is hook (enum nv_hook), or -1. */
int nv_prog_of_hook(unsigned int hook);

#endif /* NV_PROGS_H */
