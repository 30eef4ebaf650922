/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where an instance lives in bpffs, built here and nowhere else:
 *   <pin_dir>/maps-v<NV_ABI_VERSION>/<map name>    every map of nv_map_list.h the instance has
 *   <pin_dir>/progs-v<NV_ABI_VERSION>/<prog name>  every program of nv_progs.h
 * The ABI version is in both names, so a datapath never reuses pins of another layout. A pin_dir
 * with trailing slashes names the same instance. 0, -EINVAL (no pin_dir or buf), -ENAMETOOLONG.
 */
#ifndef NV_PINS_H
#define NV_PINS_H

#include <stddef.h>

#include "nv_maps.h"
#include "nv_progs.h"

int nv_pin_maps_dir(const char *pin_dir, char *buf, size_t len);
/* "<pin_dir>/<sub>-v<abi>": the "maps" or "progs" directory of an instance of ABI version abi. */
int nv_pin_abi_dir(const char *pin_dir, const char *sub, unsigned int abi, char *buf, size_t len);
int nv_pin_progs_dir(const char *pin_dir, char *buf, size_t len);
int nv_pin_map_path(const char *pin_dir, enum nv_map_id id, char *buf, size_t len);
int nv_pin_prog_path(const char *pin_dir, enum nv_prog_id id, char *buf, size_t len);

/* The instance's pinned programs, by fd: -1 where not open. */
struct nv_pinned_progs {
	int fd[NV_PROG__COUNT];
};

/* Open every pinned program; all or none (-ENOENT: one is not pinned). */
int nv_pinned_progs_open(const char *pin_dir, struct nv_pinned_progs *p);
void nv_pinned_progs_close(struct nv_pinned_progs *p);
/*
 * Pin fd[] as the instance's programs: every one under a fresh name first, then each renamed into
 * place (bpffs renames atomically: a reader sees the old or the new program, never none). A
 * failed pin replaces nothing, so the pins always name one set of programs.
 */
int nv_pinned_progs_pin(const char *pin_dir, const int fd[NV_PROG__COUNT]);
/* Remove the program pins and their directory (missing ones are fine). */
int nv_pinned_progs_unpin(const char *pin_dir);

#endif /* NV_PINS_H */
