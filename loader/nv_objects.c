// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "nv_pins.h"
#include "nv_objects.h"
#include "from_vm.skel.h"
#include "from_wire.skel.h"
#include "wire_tc.skel.h"

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int pin_path(char *buf, size_t len, const char *maps_dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", maps_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool pinned_maps_exist(const char *maps_dir)
{
	char path[PATH_MAX];

	return !pin_path(path, sizeof(path), maps_dir, nv_map_name(NV_MAP_PORTS)) &&
	       access(path, F_OK) == 0;
}

/* The first object creates (or, pinned, reuses) the maps; the others take its fds. */
static int prepare_first(struct bpf_object *obj, const struct nv_load_opts *opts)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
	{
		if (!opts->pin_dir) {
			err = bpf_map__set_pin_path(map, NULL);
			if (err)
				return err;
		}
		if (opts->max_records && !strcmp(bpf_map__name(map), nv_map_name(NV_MAP_RECORDS))) {
			err = bpf_map__set_max_entries(map, opts->max_records);
			if (err)
				return err;
		}
	}
	return 0;
}

int nv_objects_share_maps(struct bpf_object *obj, const int fds[NV_MAP__COUNT])
{
	struct bpf_map *map;
	int err, id;

	bpf_object__for_each_map(map, obj)
	{
		id = nv_map_id(bpf_map__name(map));
		if (id < 0)
			continue; /* a map of that object alone (.rodata, ...) */
		err = bpf_map__set_pin_path(map, NULL);
		if (!err)
			err = bpf_map__reuse_fd(map, fds[id]);
		if (err)
			return err;
	}
	return 0;
}

static int collect_map_fds(struct bpf_object *obj, struct nv_maps *maps)
{
	int fds[NV_MAP__COUNT];

	for (int i = 0; i < NV_MAP__COUNT; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, nv_map_name(i));

		if (!map)
			return -ENOENT;
		fds[i] = bpf_map__fd(map);
	}
	return nv_maps_from_fds(maps, fds, NV_MAP_GROUPS_HOST);
}

int nv_objects_load(struct nv_objects *o, const struct nv_load_opts *opts)
{
	static const struct nv_load_opts defaults;
	char maps_dir[PATH_MAX];
	bool created_pins = false;
	int err;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < NV_MAP__COUNT; i++)
		o->maps.fd[i] = -1;
	if (!opts)
		opts = &defaults;
	if (opts->pin_dir) {
		err = nv_pin_maps_dir(opts->pin_dir, maps_dir, sizeof(maps_dir));
		if (err)
			return err;
		err = mkdir_p(opts->pin_dir);
		if (!err)
			err = mkdir_p(maps_dir);
		if (err)
			return err;
		created_pins = !pinned_maps_exist(maps_dir);
	}

	LIBBPF_OPTS(bpf_object_open_opts, open_opts,
		    .pin_root_path = opts->pin_dir ? maps_dir : NULL);
	o->from_vm = nv_from_vm_bpf__open_opts(&open_opts);
	if (!o->from_vm) {
		err = -errno;
		goto fail;
	}
	if (opts->pin_dir && !created_pins) {
		/*
		 * Reuse the instance's maps by fd, after our own layout check: libbpf 1.1's pinned
		 * map check fails on devmaps (the kernel adds BPF_F_RDONLY_PROG to their flags).
		 */
		err = nv_maps_open_pinned(&o->maps, maps_dir, NV_MAP_GROUPS_HOST);
		if (!err)
			err = nv_objects_share_maps(o->from_vm->obj, o->maps.fd);
		if (!err)
			err = nv_from_vm_bpf__load(o->from_vm);
	} else {
		err = prepare_first(o->from_vm->obj, opts);
		if (!err)
			err = nv_from_vm_bpf__load(o->from_vm);
		if (!err)
			err = collect_map_fds(o->from_vm->obj, &o->maps);
	}
	if (err)
		goto fail;

	o->from_wire = nv_from_wire_bpf__open();
	o->wire_tc = nv_wire_tc_bpf__open();
	if (!o->from_wire || !o->wire_tc) {
		err = -errno;
		goto fail;
	}
	err = nv_objects_share_maps(o->from_wire->obj, o->maps.fd);
	if (!err)
		err = nv_objects_share_maps(o->wire_tc->obj, o->maps.fd);
	if (!err)
		err = nv_from_wire_bpf__load(o->from_wire);
	if (!err)
		err = nv_wire_tc_bpf__load(o->wire_tc);
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
	nv_wire_tc_bpf__destroy(o->wire_tc);
	nv_from_wire_bpf__destroy(o->from_wire);
	nv_from_vm_bpf__destroy(o->from_vm);
	nv_maps_close(&o->maps);
	o->wire_tc = NULL;
	o->from_wire = NULL;
	o->from_vm = NULL;
}

int nv_objects_from_vm_fd(const struct nv_objects *o)
{
	return bpf_program__fd(o->from_vm->progs.nv_from_vm);
}

int nv_objects_from_wire_fd(const struct nv_objects *o)
{
	return bpf_program__fd(o->from_wire->progs.nv_from_wire);
}

int nv_objects_wire_tc_fd(const struct nv_objects *o)
{
	return bpf_program__fd(o->wire_tc->progs.nv_wire_tc);
}

int nv_objects_unpin(const char *pin_dir)
{
	char maps_dir[PATH_MAX], path[PATH_MAX];
	int err = nv_pin_maps_dir(pin_dir, maps_dir, sizeof(maps_dir));

	if (err)
		return err;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		err = pin_path(path, sizeof(path), maps_dir, nv_map_name(i));
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
