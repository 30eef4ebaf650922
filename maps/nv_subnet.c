/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subnets (VSIDs) and their zeroed stats entries. A subnet goes only when no port, record or route
 * uses its VSID.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_maps.h"
#include "nv_maps_int.h"

int nv_subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out)
{
	return bpf_map_lookup_elem(m->fd[NV_MAP_SUBNETS], &vsid, out);
}

struct vsid_use {
	__u32 vsid;
};

static int port_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;

	(void)key;
	return p->vsid == ((struct vsid_use *)arg)->vsid;
}

static int record_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_record_key *k = key;

	(void)value;
	return k->vsid == ((struct vsid_use *)arg)->vsid;
}

static int route_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route *r = value;

	(void)key;
	return r->vsid == ((struct vsid_use *)arg)->vsid;
}

/* BPF_ANY: a leftover entry of an earlier subnet with this VSID starts from zero. */
static int stats_zero(const struct nv_maps *m, __u32 vsid)
{
	return nv_percpu_zero(m->fd[NV_MAP_STATS], &vsid, sizeof(struct nv_vsid_stats));
}

int nv_subnet_add(const struct nv_maps *m, __u32 vsid, const struct nv_subnet *s,
		  struct nv_conflict *why)
{
	struct nv_subnet v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !s || !nv_vsid_valid(vsid))
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.rdid = s->rdid;
	memcpy(v.gw_mac, s->gw_mac, sizeof(v.gw_mac));
	v.gw_ca = s->gw_ca;
	err = bpf_map_update_elem(m->fd[NV_MAP_SUBNETS], &vsid, &v, BPF_NOEXIST);
	if (err)
		return err;
	err = stats_zero(m, vsid);
	if (err)
		bpf_map_delete_elem(m->fd[NV_MAP_SUBNETS], &vsid);
	return err;
}

int nv_subnet_del(const struct nv_maps *m, __u32 vsid, struct nv_conflict *why)
{
	struct vsid_use u = { .vsid = vsid };
	struct nv_subnet s;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !nv_vsid_valid(vsid))
		return -EINVAL;
	err = nv_subnet_lookup(m, vsid, &s);
	if (err)
		return err;
	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_uses_cb, &u);
	if (!err)
		err = nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key), 0,
				      record_uses_cb, &u);
	if (!err)
		err = nv_map_iter_raw(m->fd[NV_MAP_ROUTES], sizeof(struct nv_route_key),
				      sizeof(struct nv_route), route_uses_cb, &u);
	if (err)
		return err > 0 ? -EBUSY : err;
	err = bpf_map_delete_elem(m->fd[NV_MAP_SUBNETS], &vsid);
	if (err)
		return err;
	err = bpf_map_delete_elem(m->fd[NV_MAP_STATS], &vsid);
	if (err && err != -ENOENT) {
		bpf_map_update_elem(m->fd[NV_MAP_SUBNETS], &vsid, &s, BPF_NOEXIST);
		return err;
	}
	return 0;
}

int nv_subnet_get(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out)
{
	struct nv_subnet s;
	int err;

	if (!m || !out || !nv_vsid_valid(vsid))
		return -EINVAL;
	err = nv_subnet_lookup(m, vsid, &s);
	if (err)
		return err;
	*out = s;
	return 0;
}

struct subnet_iter {
	nv_subnet_cb cb;
	void *arg;
};

static int subnet_iter_cb(const void *key, const void *value, void *arg)
{
	struct subnet_iter *it = arg;
	__u32 vsid;

	memcpy(&vsid, key, sizeof(vsid));
	return it->cb(vsid, value, it->arg);
}

int nv_subnet_iter(const struct nv_maps *m, nv_subnet_cb cb, void *arg)
{
	struct subnet_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_SUBNETS], sizeof(__u32), sizeof(struct nv_subnet),
			       subnet_iter_cb, &it);
}
