/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The map set: names, opening (pinned or from fds), closing, the pin path, config. */
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

const char *const nv_map_names[NV_MAP__COUNT] = {
	[NV_MAP_PORTS] = "nv_ports",	     [NV_MAP_RECORDS] = "nv_records",
	[NV_MAP_ROUTES] = "nv_routes",	     [NV_MAP_SUBNETS] = "nv_subnets",
	[NV_MAP_LOCAL_PAS] = "nv_local_pas", [NV_MAP_CONFIG] = "nv_config",
	[NV_MAP_TX_PORTS] = "nv_tx_ports",   [NV_MAP_STATS] = "nv_stats",
	[NV_MAP_DROPS] = "nv_drops",	     [NV_MAP_PORT_STATS] = "nv_port_stats",
	[NV_MAP_EVENTS] = "nv_events",	     [NV_MAP_EVENT_STATE] = "nv_event_state",
};

/*
 * What nvgre_maps.bpf.h declares: a map of another layout is refused rather than misread.
 * max_entries is checked only where it is ABI (0: not checked; nv_records can be made smaller).
 */
static const struct {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
} map_specs[NV_MAP__COUNT] = {
	[NV_MAP_PORTS] = { BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(struct nv_port) },
	[NV_MAP_RECORDS] = { BPF_MAP_TYPE_HASH, sizeof(struct nv_record_key),
			     sizeof(struct nv_record) },
	[NV_MAP_ROUTES] = { BPF_MAP_TYPE_LPM_TRIE, sizeof(struct nv_route_key),
			    sizeof(struct nv_route) },
	[NV_MAP_SUBNETS] = { BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(struct nv_subnet) },
	[NV_MAP_LOCAL_PAS] = { BPF_MAP_TYPE_HASH, sizeof(union nv_addr),
			       sizeof(struct nv_local_pa) },
	[NV_MAP_CONFIG] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct nv_config) },
	[NV_MAP_TX_PORTS] = { BPF_MAP_TYPE_DEVMAP_HASH, sizeof(__u32), sizeof(__u32) },
	[NV_MAP_STATS] = { BPF_MAP_TYPE_PERCPU_HASH, sizeof(__u32), sizeof(struct nv_vsid_stats) },
	[NV_MAP_DROPS] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct nv_drop_stats),
			   NV_DROP_SLOTS },
	[NV_MAP_PORT_STATS] = { BPF_MAP_TYPE_PERCPU_HASH, sizeof(__u32),
				sizeof(struct nv_port_stats) },
	/* A ring buffer has no key or value; its size is max_entries. */
	[NV_MAP_EVENTS] = { BPF_MAP_TYPE_RINGBUF, 0, 0, NV_EVENTS_RING_BYTES },
	[NV_MAP_EVENT_STATE] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
				 sizeof(struct nv_event_state), 1 },
};

static int map_check(enum nv_map_id id, int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	if (info.type != map_specs[id].type || info.key_size != map_specs[id].key_size ||
	    info.value_size != map_specs[id].value_size ||
	    (map_specs[id].max_entries && info.max_entries != map_specs[id].max_entries))
		return -EPROTO;
	return 0;
}

static void fds_reset(struct nv_maps *m)
{
	for (int i = 0; i < NV_MAP__COUNT; i++)
		m->fd[i] = -1;
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

int nv_maps_open_pinned(struct nv_maps *m, const char *dir)
{
	char path[4096];
	int err = 0;

	if (!m)
		return -EINVAL;
	fds_reset(m);
	if (!dir || !*dir)
		return -EINVAL;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", dir, nv_map_names[i]);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			err = -ENAMETOOLONG;
			break;
		}
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			err = m->fd[i];
			m->fd[i] = -1;
			break;
		}
		err = map_check(i, m->fd[i]);
		if (err)
			break;
	}
	if (err)
		nv_maps_close(m);
	return err;
}

int nv_maps_from_fds(struct nv_maps *m, const int fds[NV_MAP__COUNT])
{
	int err = 0;

	if (!m)
		return -EINVAL;
	fds_reset(m);
	if (!fds)
		return -EINVAL;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
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
	return err;
}

int nv_pin_maps_dir(const char *pin_dir, char *buf, size_t len)
{
	size_t dlen;
	int n;

	if (!pin_dir || !*pin_dir || !buf)
		return -EINVAL;
	/* "/sys/fs/bpf/nvgre/" and "/sys/fs/bpf/nvgre" name the same instance. */
	dlen = strlen(pin_dir);
	while (dlen > 1 && pin_dir[dlen - 1] == '/')
		dlen--;
	if (dlen == 1 && pin_dir[0] == '/')
		dlen = 0;
	if (dlen > INT_MAX)
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%.*s/maps-v%d", (int)dlen, pin_dir, NV_ABI_VERSION);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
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
		if (!strcmp(name, nv_map_names[i]))
			return i;
	return -1;
}

static int count_cb(const void *key, const void *value, void *arg)
{
	(void)key, (void)value;
	++*(__u32 *)arg;
	return 0;
}

int nv_map_count(const struct nv_maps *m, enum nv_map_id id, __u32 *n)
{
	if (!m || !n || id >= NV_MAP__COUNT || !map_specs[id].key_size)
		return -EINVAL;
	*n = 0;
	return nv_map_iter_raw(m->fd[id], map_specs[id].key_size, 0, count_cb, n);
}

int nv_config_get(const struct nv_maps *m, struct nv_config *out)
{
	struct nv_config c;
	__u32 key = 0;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_CONFIG], &key, &c);
	if (err)
		return err;
	*out = c;
	return 0;
}

int nv_config_set(const struct nv_maps *m, const struct nv_config *c)
{
	static const union nv_addr zero;
	struct nv_config v;
	__u32 key = 0;

	if (!m || !c || c->events > NV_EVENTS_TRACE)
		return -EINVAL;
	/* The receive path takes the config PA as local without looking it up: it must be one. */
	if (memcmp(&c->pa, &zero, sizeof(zero)) && !nv_local_pa_has(m, &c->pa))
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.underlay_ifindex = c->underlay_ifindex;
	v.ttl = c->ttl;
	v.flags = c->flags;
	v.events = c->events;
	v.pa = c->pa;
	v.event_rate = c->event_rate;
	return bpf_map_update_elem(m->fd[NV_MAP_CONFIG], &key, &v, BPF_ANY);
}
