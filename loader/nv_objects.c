// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "nv_features.h"
#include "nv_objects.h"
#include "nv_pins.h"

/*
 * Private hash maps of a trace: small enough to cost nothing, big enough for one frame. Maps
 * whose size is ABI (the ring, drops, event state) keep it: they are checked as any map set.
 */
#define PRIVATE_HASH_ENTRIES 64

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The map groups the registry's objects define together. */
static unsigned int all_groups(void)
{
	unsigned int g = 0;

	for (int i = 0; i < NV_PROG__COUNT; i++)
		g |= nv_progs[i].map_groups;
	return g;
}

/* The first object creates the maps (pinned, unpinned or private), reusing what opts says. */
static int prepare_first(struct bpf_object *obj, const struct nv_load_opts *opts)
{
	struct bpf_map *map;
	int err = 0;

	bpf_object__for_each_map(map, obj)
	{
		int id = nv_map_id(bpf_map__name(map));

		if (id < 0)
			continue; /* the object's own data (.rodata, ...) */
		if (!opts->pin_dir)
			err = bpf_map__set_pin_path(map, NULL);
		if (!err && opts->reuse && (opts->reuse_roles & 1u << nv_map_specs[id].role))
			err = bpf_map__reuse_fd(map, opts->reuse->fd[id]);
		else if (!err && opts->reuse && !nv_map_specs[id].fixed_max &&
			 (bpf_map__type(map) == BPF_MAP_TYPE_HASH ||
			  bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH))
			err = bpf_map__set_max_entries(map, PRIVATE_HASH_ENTRIES);
		else if (!err && opts->max_records &&
			 (id == NV_MAP_RECORDS || id == NV_MAP_RDID_CAS))
			err = bpf_map__set_max_entries(map, opts->max_records);
		else if (!err && opts->max_conns && id == NV_MAP_CT)
			err = bpf_map__set_max_entries(map, 2 * opts->max_conns);
		if (err)
			return err;
	}
	return 0;
}

/* The objects after the first take its maps, by fd. */
static int share_maps(struct bpf_object *obj, const int fds[NV_MAP__COUNT])
{
	struct bpf_map *map;
	int err, id;

	bpf_object__for_each_map(map, obj)
	{
		id = nv_map_id(bpf_map__name(map));
		if (id < 0)
			continue;
		if (fds[id] < 0)
			return -ENOENT; /* a group the first object does not define */
		err = bpf_map__set_pin_path(map, NULL);
		if (!err)
			err = bpf_map__reuse_fd(map, fds[id]);
		if (err)
			return err;
	}
	return 0;
}

static int collect_map_fds(struct bpf_object *obj, unsigned int groups, struct nv_maps *maps)
{
	int fds[NV_MAP__COUNT];

	for (int i = 0; i < NV_MAP__COUNT; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, nv_map_name(i));

		fds[i] = -1;
		if (!(nv_map_specs[i].group & groups))
			continue;
		if (!map)
			return -ENOENT;
		fds[i] = bpf_map__fd(map);
	}
	return nv_maps_from_fds(maps, fds, groups);
}

/* Write a const volatile variable of obj before load; -ENOENT if obj does not declare it. */
static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t size)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf_var_secinfo *vi;
	const struct btf_type *sec;
	const void *init;
	size_t map_size;
	char *data;
	int id, err;

	if (!btf || !map)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	init = bpf_map__initial_value(map, &map_size);
	vi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vi++) {
		const struct btf_type *t = btf__type_by_id(btf, vi->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		if (!init || vi->size != size || vi->offset + size > map_size)
			return -EINVAL;
		/* libbpf 1.1 hands out the initial value read-only: write a copy back. */
		data = malloc(map_size);
		if (!data)
			return -ENOMEM;
		memcpy(data, init, map_size);
		memcpy(data + vi->offset, val, size);
		err = bpf_map__set_initial_value(map, data, map_size);
		free(data);
		return err;
	}
	return -ENOENT;
}

/* What the kernel allows, for the objects whose programs adapt (nv_features.h). */
static int set_kernel_features(struct bpf_object *obj)
{
	__u8 xdp_meta = nv_kernel_has_xdp_meta();
	int err = set_rodata(obj, "nv_xdp_meta_ok", &xdp_meta, sizeof(xdp_meta));

	return err == -ENOENT ? 0 : err;
}

static int open_prog(struct nv_objects *o, int id, const struct bpf_object_open_opts *opts)
{
	const struct nv_prog_desc *d = &nv_progs[id];
	struct bpf_object *obj;
	size_t size;
	const void *elf = d->elf(&size);

	obj = bpf_object__open_mem(elf, size, opts);
	if (!obj)
		return -errno ?: -EINVAL;
	o->obj[id] = obj;
	return set_kernel_features(obj);
}

static int load_prog(struct nv_objects *o, int id)
{
	struct bpf_program *prog;
	int err = bpf_object__load(o->obj[id]);

	if (err)
		return err;
	prog = bpf_object__find_program_by_name(o->obj[id], nv_progs[id].name);
	if (!prog)
		return -ENOENT;
	o->prog_fd[id] = bpf_program__fd(prog);
	return o->prog_fd[id] < 0 ? o->prog_fd[id] : 0;
}

int nv_objects_load(struct nv_objects *o, const struct nv_load_opts *opts)
{
	static const struct nv_load_opts defaults;
	unsigned int groups = all_groups();
	char maps_dir[PATH_MAX];
	bool created_pins = false, reuse_pins = false;
	int err;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < NV_MAP__COUNT; i++)
		o->maps.fd[i] = -1;
	for (int i = 0; i < NV_PROG__COUNT; i++)
		o->prog_fd[i] = -1;
	if (!opts)
		opts = &defaults;
	if ((opts->pin_dir && opts->reuse) || opts->max_conns > NV_CT_CONNS_MAX)
		return -EINVAL;
	if (opts->pin_dir) {
		err = nv_pin_maps_dir(opts->pin_dir, maps_dir, sizeof(maps_dir));
		if (!err)
			err = mkdir_p(opts->pin_dir);
		if (!err)
			err = mkdir_p(maps_dir);
		if (err)
			return err;
		reuse_pins = nv_maps_pinned_groups(maps_dir) != 0;
		created_pins = !reuse_pins;
	}

	LIBBPF_OPTS(bpf_object_open_opts, open_opts,
		    .pin_root_path = opts->pin_dir ? maps_dir : NULL);
	for (int i = 0; i < NV_PROG__COUNT; i++) {
		open_opts.object_name = nv_progs[i].name;
		err = open_prog(o, i, &open_opts);
		if (err)
			goto fail;
	}
	if (reuse_pins) {
		/*
		 * Reuse the instance's maps by fd, after our own layout check: libbpf 1.1's pinned
		 * map check fails on devmaps (the kernel adds BPF_F_RDONLY_PROG to their flags).
		 */
		err = nv_maps_open_pinned(&o->maps, maps_dir, groups);
		if (!err)
			err = share_maps(o->obj[0], o->maps.fd);
		if (!err)
			err = load_prog(o, 0);
	} else {
		err = prepare_first(o->obj[0], opts);
		if (!err)
			err = load_prog(o, 0);
		if (!err)
			err = collect_map_fds(o->obj[0], groups, &o->maps);
	}
	for (int i = 1; i < NV_PROG__COUNT && !err; i++) {
		err = share_maps(o->obj[i], o->maps.fd);
		if (!err)
			err = load_prog(o, i);
	}
	if (err)
		goto fail;
	return 0;

fail:
	nv_objects_destroy(o);
	if (created_pins)
		nv_objects_unpin(opts->pin_dir);
	return err < 0 ? err : -EINVAL;
}

void nv_objects_destroy(struct nv_objects *o)
{
	for (int i = NV_PROG__COUNT; i--;) {
		bpf_object__close(o->obj[i]);
		o->obj[i] = NULL;
		o->prog_fd[i] = -1;
	}
	nv_maps_close(&o->maps);
}

int nv_objects_prog_fd(const struct nv_objects *o, enum nv_prog_id id)
{
	return (unsigned int)id < NV_PROG__COUNT ? o->prog_fd[id] : -EINVAL;
}

int nv_objects_unpin(const char *pin_dir)
{
	char maps_dir[PATH_MAX], path[PATH_MAX];
	int err = nv_pin_maps_dir(pin_dir, maps_dir, sizeof(maps_dir));

	if (err)
		return err;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		err = nv_pin_map_path(pin_dir, i, path, sizeof(path));
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	if (rmdir(maps_dir) && errno != ENOENT)
		return -errno;
	if (rmdir(pin_dir) && errno != ENOENT)
		return -errno;
	return 0;
}
