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

int nv_subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out,
		     struct nv_conflict *why)
{
	int err = bpf_map_lookup_elem(m->fd[NV_MAP_SUBNETS], &vsid, out);

	return err == -ENOENT ? NV_RAISE(why, VSID_UNKNOWN, .vsid = vsid) : err;
}

/* What uses a VSID, the first one found: a subnet del names it. */
struct vsid_use {
	__u32 vsid;
	__u32 ifindex;		   /* a port */
	struct nv_record_key rec;  /* a record */
	struct nv_route_key route; /* a route, as stored */
};

static int port_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;
	struct vsid_use *u = arg;

	if (p->vsid != u->vsid)
		return 0;
	memcpy(&u->ifindex, key, sizeof(u->ifindex));
	return 1;
}

static int record_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_record_key *k = key;
	struct vsid_use *u = arg;

	(void)value;
	if (k->vsid != u->vsid)
		return 0;
	u->rec = *k;
	return 1;
}

static int route_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route *r = value;
	struct vsid_use *u = arg;

	if (r->vsid != u->vsid)
		return 0;
	memcpy(&u->route, key, sizeof(u->route));
	return 1;
}

/* Refuses (-EBUSY) while a port, record or route uses u->vsid, looked for in that order. */
static int vsid_unused(const struct nv_maps *m, struct vsid_use *u, struct nv_conflict *why)
{
	int err;

	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_uses_cb, u);
	if (err > 0)
		return NV_RAISE(why, SUBNET_HAS_PORT, .vsid = u->vsid, .ifindex = u->ifindex);
	if (!err)
		err = nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key), 0,
				      record_uses_cb, u);
	if (err > 0)
		return NV_RAISE(why, SUBNET_HAS_RECORD, .vsid = u->vsid, .ca = u->rec.ca);
	if (!err)
		err = nv_map_iter_raw(m->fd[NV_MAP_ROUTES], sizeof(struct nv_route_key),
				      sizeof(struct nv_route), route_uses_cb, u);
	/* The stored prefix length counts the 32 bits of rdid too (nv_route.c). */
	if (err > 0)
		return NV_RAISE(why, SUBNET_HAS_ROUTE, .vsid = u->vsid, .ca = u->route.addr,
				.prefixlen = u->route.prefixlen - 32, .rdid = u->route.rdid);
	return err;
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
	if (!m || !s)
		return -EINVAL;
	if (!nv_vsid_valid(vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = vsid);
	memset(&v, 0, sizeof(v));
	v.rdid = s->rdid;
	memcpy(v.gw_mac, s->gw_mac, sizeof(v.gw_mac));
	v.gw_ca = s->gw_ca;
	err = bpf_map_update_elem(m->fd[NV_MAP_SUBNETS], &vsid, &v, BPF_NOEXIST);
	if (err == -EEXIST)
		return NV_RAISE(why, SUBNET_EXISTS, .vsid = vsid);
	if (err)
		return nv_map_write_err(why, NV_MAP_SUBNETS, err);
	err = stats_zero(m, vsid);
	if (err) {
		bpf_map_delete_elem(m->fd[NV_MAP_SUBNETS], &vsid);
		return nv_map_write_err(why, NV_MAP_STATS, err);
	}
	return 0;
}

int nv_subnet_del(const struct nv_maps *m, __u32 vsid, struct nv_conflict *why)
{
	struct vsid_use u = { .vsid = vsid };
	struct nv_subnet s;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	if (!nv_vsid_valid(vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = vsid);
	err = nv_subnet_lookup(m, vsid, &s, why);
	if (err)
		return err;
	err = vsid_unused(m, &u, why);
	if (err)
		return err;
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
	err = nv_subnet_lookup(m, vsid, &s, NULL);
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
