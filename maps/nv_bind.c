/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bindings (nv_bind.h): the port index by (vsid, ca), the binding computation, the journal of
 * binding changes and the scan of the records at one PA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_bind.h"
#include "nv_maps_int.h"

/* ---- ports in memory: (vsid, ca) -> port, sorted for bsearch ---- */

struct port_list {
	struct port_ent *v;
	size_t n, cap;
};

static int bind_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct nv_record_key));
}

void nv_bind_key(struct nv_record_key *k, __u32 vsid, const union nv_addr *ca)
{
	memset(k, 0, sizeof(*k));
	k->vsid = vsid;
	k->ca = *ca;
}

static int port_list_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;
	struct port_list *pl = arg;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? 2 * pl->cap : 64;
		struct port_ent *v = realloc(pl->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pl->v = v;
		pl->cap = cap;
	}
	nv_bind_key(&pl->v[pl->n].bind, p->vsid, &p->ca);
	memcpy(&pl->v[pl->n].ifindex, key, sizeof(__u32));
	pl->v[pl->n].port = *p;
	pl->n++;
	return 0;
}

static int port_list_load(const struct nv_maps *m, struct port_list *pl)
{
	int err;

	memset(pl, 0, sizeof(*pl));
	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_list_cb, pl);
	if (err) {
		free(pl->v);
		memset(pl, 0, sizeof(*pl));
		return err;
	}
	if (pl->n)
		qsort(pl->v, pl->n, sizeof(*pl->v), bind_cmp);
	return 0;
}

/* The port bound to (vsid, ca), or NULL. */
static const struct port_ent *port_list_find(const struct port_list *pl,
					     const struct nv_record_key *k)
{
	if (!pl->n)
		return NULL;
	return bsearch(k, pl->v, pl->n, sizeof(*pl->v), bind_cmp);
}

int nv_port_find_binding(const struct nv_maps *m, const struct nv_record_key *k,
			 struct port_ent *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = nv_port_find(m, k->vsid, &k->ca, &out->ifindex, &out->port);
	if (err == -ENOENT)
		return 0;
	if (!err)
		out->bind = *k;
	return err;
}

/* ---- bindings: what a record and the port of its (vsid, ca) hold of each other ---- */

int nv_bind_compute(const struct nv_record *r, bool pa_local, __u32 ifindex,
		    const struct nv_port *p, struct bind_want *w)
{
	memset(w, 0, sizeof(*w));
	if (!r || !pa_local)
		return 0;
	w->rec_local = NV_LOCAL_PA;
	if (!p)
		return 0;
	if (memcmp(p->mac, r->mac, NV_ETH_ALEN))
		return -EINVAL;
	w->rec_ifindex = ifindex;
	if (p->deliver == NV_DELIVER_XDP)
		w->rec_local |= NV_LOCAL_XDP;
	if (p->flags & NV_PORT_F_PEER)
		w->rec_local |= NV_LOCAL_PEER;
	w->port_pa = r->pa;
	return 0;
}

int nv_bind_mac_differs(struct nv_conflict *why, const struct nv_record_key *k,
			const struct nv_record *r, __u32 ifindex, const struct nv_port *p)
{
	int err = NV_RAISE(why, MAC_DIFFERS, .vsid = k->vsid, .ca = k->ca, .pa = r->pa,
			   .ifindex = ifindex);

	if (why) {
		memcpy(why->mac, r->mac, NV_ETH_ALEN);
		memcpy(why->port_mac, p->mac, NV_ETH_ALEN);
	}
	return err;
}

/* ---- binding changes (records' ifindex and local, ports' pa), applied all or nothing ---- */

static struct bind_change *bind_changes_push(struct bind_changes *c)
{
	struct bind_change *e;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct bind_change *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

int nv_bind_rec_change(struct bind_changes *c, const struct nv_record_key *k,
		       const struct nv_record *r, const struct bind_want *w)
{
	struct bind_change *e;

	if (r->ifindex == w->rec_ifindex && r->local == w->rec_local)
		return 0;
	e = bind_changes_push(c);
	if (!e)
		return -ENOMEM;
	e->key = *k;
	e->from.ifindex = r->ifindex;
	e->from.local = r->local;
	e->to.ifindex = w->rec_ifindex;
	e->to.local = w->rec_local;
	return 0;
}

int nv_bind_port_change(struct bind_changes *c, __u32 ifindex, const struct nv_port *p,
			const struct bind_want *w)
{
	struct bind_change *e;

	if (nv_addr_eq(&p->pa, &w->port_pa))
		return 0;
	e = bind_changes_push(c);
	if (!e)
		return -ENOMEM;
	e->port = true;
	e->ifindex = ifindex;
	e->from.pa = p->pa;
	e->to.pa = w->port_pa;
	return 0;
}

/* An entry deleted meanwhile has nothing left to keep right. */
static int bind_set(const struct nv_maps *m, const struct bind_change *e,
		    const struct bind_state *s)
{
	int err;

	if (e->port) {
		struct nv_port p;

		err = bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &e->ifindex, &p);
		if (err)
			return err == -ENOENT ? 0 : err;
		if (nv_addr_eq(&p.pa, &s->pa))
			return 0;
		p.pa = s->pa;
		err = bpf_map_update_elem(m->fd[NV_MAP_PORTS], &e->ifindex, &p, BPF_EXIST);
	} else {
		struct nv_record r, old;

		err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &e->key, &r);
		if (err)
			return err == -ENOENT ? 0 : err;
		if (r.ifindex == s->ifindex && r.local == s->local)
			return 0;
		old = r;
		r.ifindex = s->ifindex;
		r.local = s->local;
		err = nv_record_write(m, &e->key, &r, &old);
	}
	return err == -ENOENT ? 0 : err;
}

void nv_bind_revert(const struct nv_maps *m, const struct bind_changes *c, size_t n)
{
	while (n--)
		bind_set(m, &c->v[n], &c->v[n].from);
}

int nv_bind_apply(const struct nv_maps *m, const struct bind_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int err = bind_set(m, &c->v[i], &c->v[i].to);

		if (err) {
			nv_bind_revert(m, c, i);
			return err;
		}
	}
	return 0;
}

struct pa_scan {
	const union nv_addr *pa;
	bool local;
	const struct port_list *ports;
	struct bind_changes *out;
	struct nv_conflict *why;
};

static int pa_scan_cb(const void *key, const void *value, void *arg)
{
	const struct nv_record *r = value;
	const struct port_ent *pe;
	struct pa_scan *s = arg;
	struct bind_want w;
	int err;

	if (!nv_addr_eq(&r->pa, s->pa))
		return 0;
	pe = port_list_find(s->ports, key);
	err = nv_bind_compute(r, s->local, pe ? pe->ifindex : 0, pe ? &pe->port : NULL, &w);
	if (err == -EINVAL)
		return nv_bind_mac_differs(s->why, key, r, pe->ifindex, &pe->port);
	if (!err)
		err = nv_bind_rec_change(s->out, key, r, &w);
	if (!err && pe)
		err = nv_bind_port_change(s->out, pe->ifindex, &pe->port, &w);
	return err;
}

int nv_pa_scan(const struct nv_maps *m, const union nv_addr *pa, bool local,
	       struct bind_changes *out, struct nv_conflict *why)
{
	struct port_list pl;
	struct pa_scan s = { .pa = pa, .local = local, .ports = &pl, .out = out, .why = why };
	int err;

	err = port_list_load(m, &pl);
	if (err)
		return err;
	err = nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key),
			      sizeof(struct nv_record), pa_scan_cb, &s);
	free(pl.v);
	return err;
}
