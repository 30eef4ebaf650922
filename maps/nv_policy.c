/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Policy maps: subnets, local PAs, ports, records, routes. Each call checks everything it can
 * before writing, and undoes its earlier writes when a later one fails, so the consistency rules
 * of nv_maps.h hold after every call. Not safe against concurrent writers: callers serialize.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

static bool addr_eq(const union nv_addr *a, const union nv_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static int subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out)
{
	return bpf_map_lookup_elem(m->fd[NV_MAP_SUBNETS], &vsid, out);
}

/* ---- ports in memory: (vsid, ca) -> port, sorted for bsearch ---- */

struct port_ent {
	struct nv_record_key bind; /* (vsid, ca) the port is bound to */
	__u32 ifindex;
	struct nv_port port;
};

struct port_list {
	struct port_ent *v;
	size_t n, cap;
};

static int bind_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct nv_record_key));
}

static void bind_key(struct nv_record_key *k, __u32 vsid, const union nv_addr *ca)
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
	bind_key(&pl->v[pl->n].bind, p->vsid, &p->ca);
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

struct port_find {
	struct nv_record_key bind;
	struct port_ent *out;
};

static int port_find_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;
	struct port_find *f = arg;

	if (p->vsid != f->bind.vsid || !addr_eq(&p->ca, &f->bind.ca))
		return 0;
	f->out->bind = f->bind;
	memcpy(&f->out->ifindex, key, sizeof(__u32));
	f->out->port = *p;
	return 1;
}

/* Sets *out to the port with (vsid, ca) k; out->ifindex is 0 when there is none. */
static int port_find_binding(const struct nv_maps *m, const struct nv_record_key *k,
			     struct port_ent *out)
{
	struct port_find f = { .bind = *k, .out = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_find_cb, &f);
	return err < 0 ? err : 0;
}

/* ---- bindings: what a record and the port of its (vsid, ca) hold of each other ---- */

/*
 * A port is bound to the record of its (vsid, ca) when that record's PA is local. The record then
 * holds the port's ifindex and, in local, its delivery mode; the port holds the record's PA.
 * Otherwise the record's ifindex is 0 and local only says whether its PA is local, and the port's
 * pa is all zero. r: the record (NULL: none); p: the port (NULL: none). -EINVAL when binding them
 * would join a port and a record with different MACs: the receive path checks the record's only.
 */
struct bind_want {
	__u32 rec_ifindex;
	__u8 rec_local;
	union nv_addr port_pa;
};

static int bind_compute(const struct nv_record *r, bool pa_local, __u32 ifindex,
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

/* ---- binding changes (records' ifindex and local, ports' pa), applied all or nothing ---- */

struct bind_state {
	__u32 ifindex;	  /* record */
	__u8 local;	  /* record */
	union nv_addr pa; /* port */
};

struct bind_change {
	bool port;		    /* nv_ports[ifindex].pa, else nv_records[key] */
	struct nv_record_key key;   /* record */
	__u32 ifindex;		    /* port */
	struct bind_state from, to; /* record: ifindex, local; port: pa */
};

struct bind_changes {
	struct bind_change *v;
	size_t n, cap;
};

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

/* Queues the change of record k (now r) to w, if it needs one. */
static int rec_change(struct bind_changes *c, const struct nv_record_key *k,
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

/* Queues the change of port ifindex (now p) to w, if it needs one. */
static int port_change(struct bind_changes *c, __u32 ifindex, const struct nv_port *p,
		       const struct bind_want *w)
{
	struct bind_change *e;

	if (addr_eq(&p->pa, &w->port_pa))
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
		if (addr_eq(&p.pa, &s->pa))
			return 0;
		p.pa = s->pa;
		err = bpf_map_update_elem(m->fd[NV_MAP_PORTS], &e->ifindex, &p, BPF_EXIST);
	} else {
		struct nv_record r;

		err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &e->key, &r);
		if (err)
			return err == -ENOENT ? 0 : err;
		if (r.ifindex == s->ifindex && r.local == s->local)
			return 0;
		r.ifindex = s->ifindex;
		r.local = s->local;
		err = bpf_map_update_elem(m->fd[NV_MAP_RECORDS], &e->key, &r, BPF_EXIST);
	}
	return err == -ENOENT ? 0 : err;
}

static void bind_changes_revert(const struct nv_maps *m, const struct bind_changes *c, size_t n)
{
	while (n--)
		bind_set(m, &c->v[n], &c->v[n].from);
}

static int bind_changes_apply(const struct nv_maps *m, const struct bind_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int err = bind_set(m, &c->v[i], &c->v[i].to);

		if (err) {
			bind_changes_revert(m, c, i);
			return err;
		}
	}
	return 0;
}

/*
 * Collects, for every record with PA pa and the port bound to it, the changes that make them
 * right when pa is (local) or is not local. -EINVAL: a MAC conflict (see bind_compute).
 */
struct pa_scan {
	const union nv_addr *pa;
	bool local;
	const struct port_list *ports;
	struct bind_changes *out;
};

static int pa_scan_cb(const void *key, const void *value, void *arg)
{
	const struct nv_record *r = value;
	const struct port_ent *pe;
	struct pa_scan *s = arg;
	struct bind_want w;
	int err;

	if (!addr_eq(&r->pa, s->pa))
		return 0;
	pe = port_list_find(s->ports, key);
	err = bind_compute(r, s->local, pe ? pe->ifindex : 0, pe ? &pe->port : NULL, &w);
	if (!err)
		err = rec_change(s->out, key, r, &w);
	if (!err && pe)
		err = port_change(s->out, pe->ifindex, &pe->port, &w);
	return err;
}

static int pa_scan(const struct nv_maps *m, const union nv_addr *pa, bool local,
		   struct bind_changes *out)
{
	struct port_list pl;
	struct pa_scan s = { .pa = pa, .local = local, .ports = &pl, .out = out };
	int err;

	err = port_list_load(m, &pl);
	if (err)
		return err;
	err = nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key),
			      sizeof(struct nv_record), pa_scan_cb, &s);
	free(pl.v);
	return err;
}

/* ---- subnets ---- */

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
	err = subnet_lookup(m, vsid, &s);
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
	err = subnet_lookup(m, vsid, &s);
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

/* ---- local PAs ---- */

int nv_local_pa_add(const struct nv_maps *m, const union nv_addr *pa, __u32 ifindex,
		    struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_local_pa v;
	union nv_addr key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !pa || !nv_addr_unicast(pa))
		return -EINVAL;
	key = *pa;
	if (nv_local_pa_has(m, &key))
		return -EEXIST;
	err = pa_scan(m, &key, true, &c);
	if (err)
		goto out;
	memset(&v, 0, sizeof(v));
	v.ifindex = ifindex;
	err = bpf_map_update_elem(m->fd[NV_MAP_LOCAL_PAS], &key, &v, BPF_NOEXIST);
	if (err)
		goto out;
	err = bind_changes_apply(m, &c);
	if (err)
		bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
out:
	free(c.v);
	return err;
}

int nv_local_pa_del(const struct nv_maps *m, const union nv_addr *pa, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_local_pa old;
	struct nv_config cfg;
	union nv_addr key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !pa)
		return -EINVAL;
	key = *pa;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_LOCAL_PAS], &key, &old);
	if (err)
		return err;
	/* The receive path takes the config PA as local without looking it up here. */
	err = nv_config_get(m, &cfg);
	if (err)
		return err;
	if (addr_eq(&cfg.pa, &key))
		return -EBUSY;
	err = pa_scan(m, &key, false, &c);
	if (err)
		goto out;
	/* Records and ports are unbound before the PA stops being local. */
	err = bind_changes_apply(m, &c);
	if (err)
		goto out;
	err = bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
	if (err)
		bind_changes_revert(m, &c, c.n);
out:
	free(c.v);
	return err;
}

bool nv_local_pa_has(const struct nv_maps *m, const union nv_addr *pa)
{
	struct nv_local_pa v;

	if (!m || !pa)
		return false;
	return !bpf_map_lookup_elem(m->fd[NV_MAP_LOCAL_PAS], pa, &v);
}

struct local_pa_iter {
	nv_local_pa_cb cb;
	void *arg;
};

static int local_pa_iter_cb(const void *key, const void *value, void *arg)
{
	struct local_pa_iter *it = arg;

	return it->cb(key, value, it->arg);
}

int nv_local_pa_iter(const struct nv_maps *m, nv_local_pa_cb cb, void *arg)
{
	struct local_pa_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_LOCAL_PAS], sizeof(union nv_addr),
			       sizeof(struct nv_local_pa), local_pa_iter_cb, &it);
}

/* ---- ports ---- */

/* Every flag of enum nv_port_flags: others are refused. */
#define PORT_FLAGS_KNOWN (NV_PORT_F_PEER | NV_PORT_F_OWN_CLSACT)

/*
 * Queues the change that the record of (vsid, ca) k needs when port p (ifindex) is added, or when
 * the port of k is removed (p NULL: no port has k any more). Sets *pa, if given, to the pa that p
 * must have. -EINVAL: the record is at a local PA with another MAC than p's.
 */
static int port_record_change(const struct nv_maps *m, const struct nv_record_key *k, __u32 ifindex,
			      const struct nv_port *p, union nv_addr *pa, struct bind_changes *c)
{
	struct bind_want w;
	struct nv_record r;
	int err;

	if (pa)
		memset(pa, 0, sizeof(*pa));
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], k, &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = bind_compute(&r, nv_local_pa_has(m, &r.pa), ifindex, p, &w);
	if (err)
		return err;
	if (pa)
		*pa = w.port_pa;
	return rec_change(c, k, &r, &w);
}

int nv_port_add(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key bind;
	struct port_ent other;
	struct nv_config cfg;
	struct nv_subnet s;
	struct nv_port v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !p || !nv_vsid_valid(p->vsid) || !nv_addr_unicast(&p->ca) ||
	    !nv_mac_unicast(p->mac) ||
	    (p->deliver != NV_DELIVER_TC && p->deliver != NV_DELIVER_XDP) ||
	    (p->flags & ~PORT_FLAGS_KNOWN))
		return -EINVAL;
	if (!ifindex)
		return -ENODEV;
	err = subnet_lookup(m, p->vsid, &s);
	if (err)
		return err;
	if (s.rdid != p->rdid)
		return -EINVAL;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &ifindex, &v))
		return -EEXIST;
	/* XDP delivery needs nv_from_wire on the underlay, which xdp-mode none leaves out. */
	if (p->deliver == NV_DELIVER_XDP && !nv_config_get(m, &cfg) &&
	    (cfg.flags & NV_CFG_F_NO_XDP))
		return -EOPNOTSUPP;
	bind_key(&bind, p->vsid, &p->ca);
	err = port_find_binding(m, &bind, &other);
	if (err)
		return err;
	if (other.ifindex)
		return -EEXIST;

	/* The caller's pa is ignored: computed from the record, if any binds the port. */
	memset(&v, 0, sizeof(v));
	v.vsid = p->vsid;
	v.rdid = p->rdid;
	v.ca = p->ca;
	memcpy(v.mac, p->mac, sizeof(v.mac));
	v.deliver = p->deliver;
	v.flags = p->flags;
	err = port_record_change(m, &bind, ifindex, &v, &v.pa, &c);
	if (err)
		goto out;
	err = bpf_map_update_elem(m->fd[NV_MAP_PORTS], &ifindex, &v, BPF_NOEXIST);
	if (err)
		goto out;
	/* BPF_ANY: a tx entry left without its port (e.g. by a crash in port del) is taken over. */
	err = bpf_map_update_elem(m->fd[NV_MAP_TX_PORTS], &ifindex, &ifindex, BPF_ANY);
	if (err) {
		/* The devmap reports an ifindex with no device as EINVAL. */
		if (err == -EINVAL)
			err = -ENODEV;
		goto undo_port;
	}
	/* Counters before the binding: the datapath finds the port's entry from its first frame. */
	err = nv_port_stats_create(m, ifindex);
	if (err)
		goto undo_tx;
	err = bind_changes_apply(m, &c);
	if (err)
		goto undo_stats;
	goto out;

undo_stats:
	bpf_map_delete_elem(m->fd[NV_MAP_PORT_STATS], &ifindex);
undo_tx:
	bpf_map_delete_elem(m->fd[NV_MAP_TX_PORTS], &ifindex);
undo_port:
	bpf_map_delete_elem(m->fd[NV_MAP_PORTS], &ifindex);
out:
	free(c.v);
	return err;
}

int nv_port_del(const struct nv_maps *m, __u32 ifindex, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key bind;
	struct nv_port p;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &ifindex, &p);
	if (err)
		return err;
	/* The reverse of port add: record, tx entry, port. */
	bind_key(&bind, p.vsid, &p.ca);
	err = port_record_change(m, &bind, 0, NULL, NULL, &c);
	if (err)
		goto out;
	err = bind_changes_apply(m, &c);
	if (err)
		goto out;
	/* ENOENT: the kernel drops devmap entries of unregistered devices by itself. */
	err = bpf_map_delete_elem(m->fd[NV_MAP_TX_PORTS], &ifindex);
	if (err && err != -ENOENT)
		goto undo_rec;
	err = bpf_map_delete_elem(m->fd[NV_MAP_PORTS], &ifindex);
	if (err) {
		bpf_map_update_elem(m->fd[NV_MAP_TX_PORTS], &ifindex, &ifindex, BPF_ANY);
		goto undo_rec;
	}
	/*
	 * The port is gone: its counters join its VSID's. Not undoable and not worth failing the
	 * delete for: on an error its entry stays and only `stats show` misses it.
	 */
	nv_port_stats_retire(m, ifindex, p.vsid);
	goto out;

undo_rec:
	bind_changes_revert(m, &c, c.n);
out:
	free(c.v);
	return err;
}

int nv_port_get(const struct nv_maps *m, __u32 ifindex, struct nv_port *out)
{
	struct nv_port p;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &ifindex, &p);
	if (err)
		return err;
	*out = p;
	return 0;
}

struct port_iter {
	nv_port_cb cb;
	void *arg;
};

static int port_iter_cb(const void *key, const void *value, void *arg)
{
	struct port_iter *it = arg;
	__u32 ifindex;

	memcpy(&ifindex, key, sizeof(ifindex));
	return it->cb(ifindex, value, it->arg);
}

int nv_port_iter(const struct nv_maps *m, nv_port_cb cb, void *arg)
{
	struct port_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			       port_iter_cb, &it);
}

/* ---- records ---- */

static int record_key_check(const struct nv_maps *m, const struct nv_record_key *k,
			    struct nv_record_key *out)
{
	if (!m || !k || !nv_vsid_valid(k->vsid))
		return -EINVAL;
	bind_key(out, k->vsid, &k->ca);
	return 0;
}

/* What a record must hold besides its key: a unicast CA, PA and MAC, a known rule. */
static bool record_value_ok(const struct nv_record_key *key, const struct nv_record *r)
{
	return r && nv_addr_unicast(&key->ca) && nv_addr_unicast(&r->pa) &&
	       nv_mac_unicast(r->mac) && r->rule == NV_RULE_ENCAP;
}

int nv_record_add(const struct nv_maps *m, const struct nv_record_key *k, const struct nv_record *r,
		  struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key key;
	struct port_ent port;
	struct bind_want w;
	struct nv_subnet s;
	struct nv_record v;
	bool pa_local;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = record_key_check(m, k, &key);
	if (err)
		return err;
	if (!record_value_ok(&key, r))
		return -EINVAL;
	err = subnet_lookup(m, key.vsid, &s);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &v))
		return -EEXIST;

	/* The caller's local and ifindex are ignored: computed from the PA and the port. */
	memset(&v, 0, sizeof(v));
	v.pa = r->pa;
	memcpy(v.mac, r->mac, sizeof(v.mac));
	v.rule = r->rule;
	/*
	 * Only a record at a local PA binds a port, and a port is unbound (pa zero) while no such
	 * record exists: a record at a remote PA changes no port, and the port table (a scan) is
	 * read only for records at local PAs.
	 */
	pa_local = nv_local_pa_has(m, &v.pa);
	memset(&port, 0, sizeof(port));
	if (pa_local) {
		err = port_find_binding(m, &key, &port);
		if (err)
			return err;
	}
	err = bind_compute(&v, pa_local, port.ifindex, port.ifindex ? &port.port : NULL, &w);
	if (err)
		return err;
	v.ifindex = w.rec_ifindex;
	v.local = w.rec_local;
	if (port.ifindex) {
		err = port_change(&c, port.ifindex, &port.port, &w);
		if (err)
			goto out;
	}
	/* The record first, so that a port never holds a PA that no record gives it. */
	err = bpf_map_update_elem(m->fd[NV_MAP_RECORDS], &key, &v, BPF_NOEXIST);
	if (err)
		goto out;
	err = bind_changes_apply(m, &c);
	if (err)
		bpf_map_delete_elem(m->fd[NV_MAP_RECORDS], &key);
out:
	free(c.v);
	return err;
}

/* ---- many records at once ---- */

/* Keys seen by one nv_record_add_many call: open addressing over indices into its keys. */
struct key_set {
	const struct nv_record_key *keys;
	__u32 *slot; /* index + 1, 0: empty */
	size_t mask;
};

static size_t key_hash(const struct nv_record_key *k)
{
	const __u8 *b = (const __u8 *)k;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 29));
}

/* Inserts keys[i]; false when an equal key is already in the set. */
static bool key_set_insert(struct key_set *s, __u32 i)
{
	size_t h = key_hash(&s->keys[i]) & s->mask;

	for (;; h = (h + 1) & s->mask) {
		if (!s->slot[h]) {
			s->slot[h] = i + 1;
			return true;
		}
		if (!memcmp(&s->keys[s->slot[h] - 1], &s->keys[i], sizeof(s->keys[i])))
			return false;
	}
}

#define ADD_MANY_CHUNK 4096

/* The local PAs (at most NV_MAX_LOCAL_PAS), read once per nv_record_add_many call. */
struct pa_set {
	union nv_addr v[NV_MAX_LOCAL_PAS];
	size_t n;
	bool overflow; /* more than fit: ask the map */
};

static int pa_set_cb(const union nv_addr *pa, const struct nv_local_pa *v, void *arg)
{
	struct pa_set *s = arg;

	(void)v;
	if (s->n == NV_MAX_LOCAL_PAS)
		s->overflow = true;
	else
		s->v[s->n++] = *pa;
	return 0;
}

static bool pa_set_has(const struct nv_maps *m, const struct pa_set *s, const union nv_addr *pa)
{
	for (size_t i = 0; i < s->n; i++)
		if (addr_eq(&s->v[i], pa))
			return true;
	return s->overflow && nv_local_pa_has(m, pa);
}

struct add_many {
	const struct nv_maps *m;
	struct nv_record_key *key; /* normalized keys, all n */
	struct nv_record *val;	   /* values waiting for one batch update, from index first */
	size_t first, pending;
	size_t done; /* keys[0..done) are in the map */
};

/* Writes the waiting records; on failure *failed is the index of the record that failed. */
static int add_many_flush(struct add_many *a, size_t *failed)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = a->pending;
	int err;

	if (!a->pending)
		return 0;
	/*
	 * BPF_ANY: the batch update takes no BPF_NOEXIST. Every key was checked absent just before
	 * (and callers serialize writers; the programs never write nv_records).
	 */
	err = bpf_map_update_batch(a->m->fd[NV_MAP_RECORDS], &a->key[a->first], a->val, &count,
				   &opts);
	if (count > a->pending)
		count = a->pending;
	a->done = a->first + count;
	if (err) {
		*failed = a->done;
		return err;
	}
	a->first += a->pending;
	a->pending = 0;
	return 0;
}

int nv_record_add_many(const struct nv_maps *m, const struct nv_record_key *k,
		       const struct nv_record *r, size_t n, size_t *failed, struct nv_conflict *why)
{
	struct add_many a = { .m = m };
	struct key_set set = { 0 };
	struct pa_set pas = { 0 };
	union nv_addr last_pa;
	__u32 last_vsid = 0;
	bool last_local = false, have_pa = false, was_empty;
	struct nv_record_key first_key;
	size_t i, size = 2, dummy;
	int err = 0;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!failed)
		failed = &dummy;
	*failed = 0;
	if (!m || (n && (!k || !r)) || n >= 0x7fffffff)
		return -EINVAL;
	if (!n)
		return 0;
	while (size < 2 * n)
		size *= 2;
	a.key = malloc(n * sizeof(*a.key));
	a.val = malloc((n < ADD_MANY_CHUNK ? n : ADD_MANY_CHUNK) * sizeof(*a.val));
	set.slot = calloc(size, sizeof(*set.slot));
	if (!a.key || !a.val || !set.slot) {
		err = -ENOMEM;
		goto out;
	}
	set.keys = a.key;
	set.mask = size - 1;
	/* An empty table (a first load) holds none of the keys: the set alone finds duplicates. */
	err = bpf_map_get_next_key(m->fd[NV_MAP_RECORDS], NULL, &first_key);
	if (err && err != -ENOENT)
		goto out;
	was_empty = err == -ENOENT;
	err = nv_local_pa_iter(m, pa_set_cb, &pas);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		struct nv_record *v;
		struct nv_subnet s;
		struct nv_record old;

		/* The checks of nv_record_add, in its order. */
		err = record_key_check(m, &k[i], &a.key[i]);
		if (err)
			break;
		if (!record_value_ok(&a.key[i], &r[i])) {
			err = -EINVAL;
			break;
		}
		if (a.key[i].vsid != last_vsid) {
			err = subnet_lookup(m, a.key[i].vsid, &s);
			if (err)
				break;
			last_vsid = a.key[i].vsid;
		}
		if (!key_set_insert(&set, i) ||
		    (!was_empty && !bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &a.key[i], &old))) {
			err = -EEXIST;
			break;
		}
		if (!have_pa || !addr_eq(&last_pa, &r[i].pa)) {
			last_pa = r[i].pa;
			last_local = pa_set_has(m, &pas, &last_pa);
			have_pa = true;
		}
		if (last_local) {
			/* It may bind a port: the one-record path, in order. */
			err = add_many_flush(&a, failed);
			if (err)
				goto undo;
			err = nv_record_add(m, &a.key[i], &r[i], why);
			if (err)
				break;
			a.first = a.done = i + 1;
			continue;
		}
		/* At a remote PA: no port to bind, the record as nv_record_add would store it. */
		v = &a.val[a.pending++];
		memset(v, 0, sizeof(*v));
		v->pa = r[i].pa;
		memcpy(v->mac, r[i].mac, sizeof(v->mac));
		v->rule = r[i].rule;
		if (a.pending == ADD_MANY_CHUNK) {
			err = add_many_flush(&a, failed);
			if (err)
				goto undo;
		}
	}
	if (err) {
		*failed = i;
		goto undo;
	}
	err = add_many_flush(&a, failed);
	if (!err)
		goto out;
undo:
	/* Newest first, each as nv_record_del takes it back (a local one may have bound a port). */
	while (a.done--)
		nv_record_del(m, &a.key[a.done], NULL);
out:
	free(set.slot);
	free(a.val);
	free(a.key);
	return err;
}

int nv_record_del(const struct nv_maps *m, const struct nv_record_key *k, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key key;
	struct port_ent port;
	struct bind_want w;
	struct nv_record r;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = record_key_check(m, k, &key);
	if (err)
		return err;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &r);
	if (err)
		return err;
	/*
	 * The bound port, if any, is unbound first: it stops sending from the record's PA. A bound
	 * record names its port; an unbound one has none to change (its port's pa is zero).
	 */
	memset(&port, 0, sizeof(port));
	if (r.ifindex) {
		port.ifindex = r.ifindex;
		err = bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &port.ifindex, &port.port);
		if (err == -ENOENT ||
		    (!err && (port.port.vsid != key.vsid || !addr_eq(&port.port.ca, &key.ca))))
			err = port_find_binding(m, &key, &port); /* not as kept: look for it */
		if (err)
			return err;
	}
	if (port.ifindex) {
		memset(&w, 0, sizeof(w));
		err = port_change(&c, port.ifindex, &port.port, &w);
		if (err)
			goto out;
	}
	err = bind_changes_apply(m, &c);
	if (err)
		goto out;
	err = bpf_map_delete_elem(m->fd[NV_MAP_RECORDS], &key);
	if (err)
		bind_changes_revert(m, &c, c.n);
out:
	free(c.v);
	return err;
}

int nv_record_get(const struct nv_maps *m, const struct nv_record_key *k, struct nv_record *out)
{
	struct nv_record_key key;
	struct nv_record r;
	int err;

	err = record_key_check(m, k, &key);
	if (err)
		return err;
	if (!out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &r);
	if (err)
		return err;
	*out = r;
	return 0;
}

struct record_iter {
	nv_record_cb cb;
	void *arg;
};

static int record_iter_cb(const void *key, const void *value, void *arg)
{
	struct record_iter *it = arg;

	return it->cb(key, value, it->arg);
}

int nv_record_iter(const struct nv_maps *m, nv_record_cb cb, void *arg)
{
	struct record_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key),
			       sizeof(struct nv_record), record_iter_cb, &it);
}

/* ---- routes ---- */

/*
 * The caller's prefixlen counts address bits only (0..128); an IPv4 prefix a.b.c.d/len is passed
 * IPv4-mapped as 96 + len. The trie's prefix also covers the 32 bits of rdid, which always match
 * in full. Host bits are cleared so that a prefix has a single spelling (lookups, iteration).
 */
static int route_key_build(const struct nv_route_key *k, struct nv_route_key *out)
{
	__u32 len;

	if (!k || k->prefixlen > 128)
		return -EINVAL;
	len = k->prefixlen;
	memset(out, 0, sizeof(*out));
	out->prefixlen = 32 + len;
	out->rdid = k->rdid;
	for (unsigned int i = 0; i < sizeof(out->addr.b); i++) {
		if (len >= 8) {
			out->addr.b[i] = k->addr.b[i];
			len -= 8;
		} else {
			out->addr.b[i] = k->addr.b[i] & (__u8)(0xff00 >> len);
			len = 0;
		}
	}
	return 0;
}

int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r,
		 struct nv_conflict *why)
{
	struct nv_route_key key;
	struct nv_subnet s;
	struct nv_route v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !r)
		return -EINVAL;
	err = route_key_build(k, &key);
	if (err)
		return err;
	if (!nv_vsid_valid(r->vsid))
		return -EINVAL;
	/* A route leads to a subnet of its own routing domain, never into another one. */
	err = subnet_lookup(m, r->vsid, &s);
	if (err)
		return err;
	if (s.rdid != key.rdid)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.vsid = r->vsid;
	v.metric = r->metric;
	v.nexthop = r->nexthop;
	return bpf_map_update_elem(m->fd[NV_MAP_ROUTES], &key, &v, BPF_NOEXIST);
}

int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k, struct nv_conflict *why)
{
	struct nv_route_key key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = route_key_build(k, &key);
	if (err)
		return err;
	return bpf_map_delete_elem(m->fd[NV_MAP_ROUTES], &key);
}
