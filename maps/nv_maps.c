/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The map set: its specs (nv_map_list.h), opening by group (pinned or from fds), closing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_maps.h"
#include "nv_maps_int.h"

#define NV_SIZE_KV(t)	sizeof(t)
#define NV_SIZE_RING(t) 0
#define NV_MAP_SPEC(id, name_, group_, role_, kind, type_, key, value, max, flags, fixed) \
	[NV_MAP_##id] = { .name = #name_,                                                 \
			  .group = NV_MAP_GROUP_##group_,                                 \
			  .role = NV_MAP_ROLE_##role_,                                    \
			  .type = type_,                                                  \
			  .key_size = NV_SIZE_##kind(key),                                \
			  .value_size = NV_SIZE_##kind(value),                            \
			  .max_entries = max,                                             \
			  .map_flags = flags,                                             \
			  .fixed_max = fixed },
const struct nv_map_spec nv_map_specs[NV_MAP__COUNT] = { NV_MAP_LIST(NV_MAP_SPEC) };
#undef NV_MAP_SPEC

/* What nv_map_list.h declares: a map of another layout is refused rather than misread. */
static int map_check(enum nv_map_id id, int fd)
{
	const struct nv_map_spec *spec = &nv_map_specs[id];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	if (info.type != spec->type || info.key_size != spec->key_size ||
	    info.value_size != spec->value_size ||
	    (spec->fixed_max && info.max_entries != spec->max_entries))
		return -EPROTO;
	return 0;
}

static bool in_groups(enum nv_map_id id, unsigned int groups)
{
	return nv_map_specs[id].group & groups;
}

static void fds_reset(struct nv_maps *m)
{
	for (int i = 0; i < NV_MAP__COUNT; i++)
		m->fd[i] = -1;
	m->groups = 0;
}

void nv_maps_close(struct nv_maps *m)
{
	if (!m)
		return;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
	}
	fds_reset(m);
}

static int map_path(char *buf, size_t len, const char *dir, enum nv_map_id id)
{
	int n = snprintf(buf, len, "%s/%s", dir, nv_map_specs[id].name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nv_maps_open_pinned(struct nv_maps *m, const char *dir, unsigned int groups)
{
	char path[4096];
	int err = 0;

	if (!m)
		return -EINVAL;
	fds_reset(m);
	if (!dir || !*dir || !groups || (groups & ~NV_MAP_GROUPS_ALL))
		return -EINVAL;
	for (int i = 0; i < NV_MAP__COUNT && !err; i++) {
		if (!in_groups(i, groups))
			continue;
		err = map_path(path, sizeof(path), dir, i);
		if (err)
			break;
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			err = m->fd[i];
			m->fd[i] = -1;
			break;
		}
		err = map_check(i, m->fd[i]);
	}
	if (err)
		nv_maps_close(m);
	else
		m->groups = groups;
	return err;
}

unsigned int nv_maps_pinned_groups(const char *dir)
{
	unsigned int seen = 0, groups = 0;
	char path[4096];

	if (!dir || !*dir)
		return 0;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		unsigned int g = nv_map_specs[i].group;

		if (seen & g)
			continue;
		seen |= g;
		if (!map_path(path, sizeof(path), dir, i) && access(path, F_OK) == 0)
			groups |= g;
	}
	return groups;
}

int nv_maps_from_fds(struct nv_maps *m, const int fds[NV_MAP__COUNT], unsigned int groups)
{
	int err = 0;

	if (!m)
		return -EINVAL;
	fds_reset(m);
	if (!fds || !groups || (groups & ~NV_MAP_GROUPS_ALL))
		return -EINVAL;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		if (!in_groups(i, groups))
			continue;
		err = map_check(i, fds[i]);
		if (err)
			break;
		/* Above stdio, like libbpf, so a stray close(0..2) elsewhere cannot hit a map. */
		m->fd[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (m->fd[i] < 0) {
			err = -errno;
			m->fd[i] = -1;
			break;
		}
	}
	if (err)
		nv_maps_close(m);
	else
		m->groups = groups;
	return err;
}

bool nv_vsid_valid(__u32 vsid)
{
	return vsid >= NV_VSID_MIN && vsid <= NV_VSID_MAX;
}

int nv_map_iter_raw(int fd, size_t key_size, size_t value_size, nv_raw_cb cb, void *arg)
{
	__u64 key[NV_MAP_MAX_KV / 8], next[NV_MAP_MAX_KV / 8], val[NV_MAP_MAX_KV / 8];
	int err;

	if (key_size > NV_MAP_MAX_KV || value_size > NV_MAP_MAX_KV)
		return -EINVAL;
	err = bpf_map_get_next_key(fd, NULL, key);
	while (!err) {
		bool last;

		err = bpf_map_get_next_key(fd, key, next);
		if (err && err != -ENOENT)
			return err;
		last = err == -ENOENT;
		if (value_size) {
			err = bpf_map_lookup_elem(fd, key, val);
			if (err && err != -ENOENT)
				return err;
		} else {
			err = 0;
		}
		if (!err) {
			err = cb(key, value_size ? val : NULL, arg);
			if (err)
				return err;
		}
		if (last)
			return 0;
		memcpy(key, next, key_size);
	}
	return err == -ENOENT ? 0 : err;
}

int nv_map_id(const char *name)
{
	for (int i = 0; i < NV_MAP__COUNT; i++)
		if (!strcmp(name, nv_map_specs[i].name))
			return i;
	return -1;
}

const char *nv_map_name(enum nv_map_id id)
{
	return (unsigned int)id < NV_MAP__COUNT ? nv_map_specs[id].name : NULL;
}

static int count_cb(const void *key, const void *value, void *arg)
{
	(void)key, (void)value;
	++*(__u32 *)arg;
	return 0;
}

int nv_map_count(const struct nv_maps *m, enum nv_map_id id, __u32 *n)
{
	if (!m || !n || id >= NV_MAP__COUNT || !nv_map_specs[id].key_size)
		return -EINVAL;
	*n = 0;
	return nv_map_iter_raw(m->fd[id], nv_map_specs[id].key_size, 0, count_cb, n);
}

int nv_map_write_err(struct nv_conflict *why, enum nv_map_id id, int err)
{
	return err == -E2BIG ? NV_RAISE(why, TABLE_FULL, .map = id) : err;
}
