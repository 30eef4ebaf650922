/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/maps_fixture.h"

static bool is_percpu(enum nv_map_id id)
{
	return nv_map_specs[id].type == BPF_MAP_TYPE_PERCPU_HASH ||
	       nv_map_specs[id].type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int maps_fixture_create_one(enum nv_map_id id, __u32 max_entries)
{
	const struct nv_map_spec *spec;

	if ((unsigned int)id >= NV_MAP__COUNT)
		return -EINVAL;
	spec = &nv_map_specs[id];
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = spec->map_flags);
	if (!max_entries)
		max_entries = id == NV_MAP_RECORDS || id == NV_MAP_RDID_CAS ? MAPS_FIXTURE_RECORDS
									    : spec->max_entries;
	return bpf_map_create(spec->type, spec->name, spec->key_size, spec->value_size, max_entries,
			      &opts);
}

int maps_fixture_create(struct nv_maps *m, __u32 max_records)
{
	for (int i = 0; i < NV_MAP__COUNT; i++)
		m->fd[i] = -1;
	m->groups = NV_MAP_GROUPS_ALL;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		int fd = maps_fixture_create_one(
			i, i == NV_MAP_RECORDS || i == NV_MAP_RDID_CAS ? max_records : 0);

		if (fd < 0) {
			nv_maps_close(m);
			return fd;
		}
		m->fd[i] = fd;
	}
	return 0;
}

struct map_snap {
	size_t n, esize; /* entries, bytes per entry (key then value) */
	unsigned char *v;
};

struct maps_snapshot {
	struct map_snap map[NV_MAP__COUNT];
};

static size_t g_esize; /* qsort has no context argument */

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, g_esize);
}

static int snap_map(int fd, enum nv_map_id id, struct map_snap *s)
{
	size_t ks = nv_map_specs[id].key_size, vs = nv_map_specs[id].value_size;
	unsigned char key[64], next[64];
	size_t cap = 0;
	int err;

	if (is_percpu(id))
		vs = libbpf_num_possible_cpus() * ((vs + 7) & ~(size_t)7);
	s->esize = ks + vs;
	err = bpf_map_get_next_key(fd, NULL, key);
	while (!err) {
		if (s->n == cap) {
			unsigned char *v;

			cap = cap ? 2 * cap : 64;
			v = realloc(s->v, cap * s->esize);
			if (!v)
				return -ENOMEM;
			s->v = v;
		}
		memcpy(s->v + s->n * s->esize, key, ks);
		err = bpf_map_lookup_elem(fd, key, s->v + s->n * s->esize + ks);
		if (err)
			return err;
		s->n++;
		err = bpf_map_get_next_key(fd, key, next);
		memcpy(key, next, ks);
	}
	if (err != -ENOENT)
		return err;
	g_esize = s->esize;
	if (s->n)
		qsort(s->v, s->n, s->esize, entry_cmp);
	return 0;
}

struct maps_snapshot *maps_snapshot_take(const struct nv_maps *m)
{
	struct maps_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		/* A ring buffer has no entries to compare. */
		if (!nv_map_specs[i].key_size)
			continue;
		if (snap_map(m->fd[i], i, &s->map[i])) {
			maps_snapshot_free(s);
			return NULL;
		}
	}
	return s;
}

bool maps_snapshot_equal(const struct maps_snapshot *a, const struct maps_snapshot *b)
{
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		const struct map_snap *x = &a->map[i], *y = &b->map[i];

		if (x->n != y->n || x->esize != y->esize)
			return false;
		if (x->n && memcmp(x->v, y->v, x->n * x->esize))
			return false;
	}
	return true;
}

size_t maps_snapshot_count(const struct maps_snapshot *s, enum nv_map_id id)
{
	return s->map[id].n;
}

void maps_snapshot_free(struct maps_snapshot *s)
{
	if (!s)
		return;
	for (int i = 0; i < NV_MAP__COUNT; i++)
		free(s->map[i].v);
	free(s);
}
