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

#include "nv_maps.h"
#include "nv_maps_int.h"

static bool addr_is_zero(const union nv_addr *a)
{
	return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static bool addr_eq(const union nv_addr *a, const union nv_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* A VM NIC's MAC: unicast and not all zero. */
static bool mac_valid(const __u8 mac[NV_ETH_ALEN])
{
	static const __u8 zero[NV_ETH_ALEN];

	return !(mac[0] & 1) && memcmp(mac, zero, NV_ETH_ALEN);
}

static int subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out)
{
	return bpf_map_lookup_elem(m->fd[NV_MAP_SUBNETS], &vsid, out);
}

/* ---- ports in memory: (vsid, ca) -> ifindex, sorted for bsearch ---- */

struct port_ent {
	struct nv_record_key bind; /* (vsid, ca) the port is bound to */
	__u32 ifindex;
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

/* The ifindex of the port bound to (vsid, ca), or 0. */
static __u32 port_list_find(const struct port_list *pl, const struct nv_record_key *k)
{
	const struct port_ent *e;

	if (!pl->n)
		return 0;
	e = bsearch(k, pl->v, pl->n, sizeof(*pl->v), bind_cmp);
	return e ? e->ifindex : 0;
}

struct port_find {
	struct nv_record_key bind;
	__u32 ifindex; /* out */
};

static int port_find_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;
	struct port_find *f = arg;

	if (p->vsid != f->bind.vsid || !addr_eq(&p->ca, &f->bind.ca))
		return 0;
	memcpy(&f->ifindex, key, sizeof(__u32));
	return 1;
}

/* Sets *ifindex to the port bound to (vsid, ca), or 0. */
static int port_find_binding(const struct nv_maps *m, const struct nv_record_key *k, __u32 *ifindex)
{
	struct port_find f = { .bind = *k };
	int err;

	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_find_cb, &f);
	if (err < 0)
		return err;
	*ifindex = f.ifindex;
	return 0;
}

/* ---- record ifindex changes, applied all or nothing ---- */

struct rec_change {
	struct nv_record_key key;
	__u32 from, to;
};

struct rec_changes {
	struct rec_change *v;
	size_t n, cap;
};

static int rec_changes_push(struct rec_changes *c, const struct nv_record_key *k, __u32 from,
			    __u32 to)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct rec_change *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].key = *k;
	c->v[c->n].from = from;
	c->v[c->n].to = to;
	c->n++;
	return 0;
}

static int rec_set_ifindex(const struct nv_maps *m, const struct nv_record_key *k, __u32 ifindex)
{
	int fd = m->fd[NV_MAP_RECORDS];
	struct nv_record r;
	int err;

	err = bpf_map_lookup_elem(fd, k, &r);
	if (err)
		return err == -ENOENT ? 0 : err; /* deleted meanwhile: nothing to keep right */
	if (r.ifindex == ifindex)
		return 0;
	r.ifindex = ifindex;
	err = bpf_map_update_elem(fd, k, &r, BPF_EXIST);
	return err == -ENOENT ? 0 : err;
}

static void rec_changes_revert(const struct nv_maps *m, const struct rec_changes *c, size_t n)
{
	while (n--)
		rec_set_ifindex(m, &c->v[n].key, c->v[n].from);
}

static int rec_changes_apply(const struct nv_maps *m, const struct rec_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int err = rec_set_ifindex(m, &c->v[i].key, c->v[i].to);

		if (err) {
			rec_changes_revert(m, c, i);
			return err;
		}
	}
	return 0;
}

/* Collects, for every record with PA pa, the change to the ifindex it must have. */
struct pa_scan {
	const union nv_addr *pa;
	const struct port_list *ports; /* NULL: the PA is not local, every ifindex must be 0 */
	struct rec_changes *out;
};

static int pa_scan_cb(const void *key, const void *value, void *arg)
{
	const struct nv_record *r = value;
	struct pa_scan *s = arg;
	__u32 want;

	if (!addr_eq(&r->pa, s->pa))
		return 0;
	want = s->ports ? port_list_find(s->ports, key) : 0;
	if (r->ifindex == want)
		return 0;
	return rec_changes_push(s->out, key, r->ifindex, want);
}

static int pa_scan(const struct nv_maps *m, const union nv_addr *pa, bool local,
		   struct rec_changes *out)
{
	struct port_list pl;
	struct pa_scan s = { .pa = pa, .out = out };
	int err;

	if (local) {
		err = port_list_load(m, &pl);
		if (err)
			return err;
		s.ports = &pl;
	}
	err = nv_map_iter_raw(m->fd[NV_MAP_RECORDS], sizeof(struct nv_record_key),
			      sizeof(struct nv_record), pa_scan_cb, &s);
	if (local)
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

static int stats_zero(const struct nv_maps *m, __u32 vsid)
{
	struct nv_vsid_stats *zero;
	int ncpus = libbpf_num_possible_cpus();
	int err;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(*zero)); /* 32 bytes: already the per-CPU stride of 8 */
	if (!zero)
		return -ENOMEM;
	/* BPF_ANY: a leftover entry of an earlier subnet with this VSID starts from zero. */
	err = bpf_map_update_elem(m->fd[NV_MAP_STATS], &vsid, zero, BPF_ANY);
	free(zero);
	return err;
}

int nv_subnet_add(const struct nv_maps *m, __u32 vsid, const struct nv_subnet *s)
{
	struct nv_subnet v;
	int err;

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

int nv_subnet_del(const struct nv_maps *m, __u32 vsid)
{
	struct vsid_use u = { .vsid = vsid };
	struct nv_subnet s;
	int err;

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

int nv_local_pa_add(const struct nv_maps *m, const union nv_addr *pa, __u32 ifindex)
{
	struct rec_changes c = { 0 };
	struct nv_local_pa v;
	union nv_addr key;
	int err;

	if (!m || !pa || addr_is_zero(pa))
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
	err = rec_changes_apply(m, &c);
	if (err)
		bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
out:
	free(c.v);
	return err;
}

int nv_local_pa_del(const struct nv_maps *m, const union nv_addr *pa)
{
	struct rec_changes c = { 0 };
	struct nv_local_pa old;
	union nv_addr key;
	int err;

	if (!m || !pa)
		return -EINVAL;
	key = *pa;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_LOCAL_PAS], &key, &old);
	if (err)
		return err;
	err = pa_scan(m, &key, false, &c);
	if (err)
		goto out;
	/* Records stop pointing at local ports before the PA stops being local. */
	err = rec_changes_apply(m, &c);
	if (err)
		goto out;
	err = bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
	if (err)
		rec_changes_revert(m, &c, c.n);
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

/*
 * The change the record (vsid, ca) of port p needs: on add, point at ifindex if its PA is local;
 * on removal, no port is bound to (vsid, ca) any more, so 0.
 */
static int port_record_change(const struct nv_maps *m, const struct nv_port *p, __u32 ifindex,
			      bool add, struct rec_changes *c)
{
	struct nv_record_key k;
	struct nv_record r;
	__u32 want;
	int err;

	bind_key(&k, p->vsid, &p->ca);
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &k, &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	want = add && nv_local_pa_has(m, &r.pa) ? ifindex : 0;
	if (r.ifindex == want)
		return 0;
	return rec_changes_push(c, &k, r.ifindex, want);
}

int nv_port_add(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p)
{
	struct rec_changes c = { 0 };
	struct nv_record_key bind;
	struct nv_subnet s;
	struct nv_port v;
	__u32 other;
	int err;

	if (!m || !p || !nv_vsid_valid(p->vsid) || addr_is_zero(&p->ca) || !mac_valid(p->mac) ||
	    (p->deliver != NV_DELIVER_TC && p->deliver != NV_DELIVER_XDP) ||
	    (p->flags & ~NV_PORT_F_PEER))
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
	bind_key(&bind, p->vsid, &p->ca);
	err = port_find_binding(m, &bind, &other);
	if (err)
		return err;
	if (other)
		return -EEXIST;

	memset(&v, 0, sizeof(v));
	v.vsid = p->vsid;
	v.rdid = p->rdid;
	v.ca = p->ca;
	memcpy(v.mac, p->mac, sizeof(v.mac));
	v.deliver = p->deliver;
	v.flags = p->flags;
	err = port_record_change(m, &v, ifindex, true, &c);
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
	err = rec_changes_apply(m, &c);
	if (err)
		goto undo_tx;
	goto out;

undo_tx:
	bpf_map_delete_elem(m->fd[NV_MAP_TX_PORTS], &ifindex);
undo_port:
	bpf_map_delete_elem(m->fd[NV_MAP_PORTS], &ifindex);
out:
	free(c.v);
	return err;
}

int nv_port_del(const struct nv_maps *m, __u32 ifindex)
{
	struct rec_changes c = { 0 };
	struct nv_port p;
	int err;

	if (!m)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &ifindex, &p);
	if (err)
		return err;
	/* The reverse of port add: record, tx entry, port. */
	err = port_record_change(m, &p, ifindex, false, &c);
	if (err)
		goto out;
	err = rec_changes_apply(m, &c);
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
	goto out;

undo_rec:
	rec_changes_revert(m, &c, c.n);
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

int nv_record_add(const struct nv_maps *m, const struct nv_record_key *k, const struct nv_record *r)
{
	struct nv_record_key key;
	struct nv_subnet s;
	struct nv_record v;
	int err;

	err = record_key_check(m, k, &key);
	if (err)
		return err;
	if (!r || addr_is_zero(&key.ca) || addr_is_zero(&r->pa) || !mac_valid(r->mac) ||
	    r->rule != NV_RULE_ENCAP)
		return -EINVAL;
	err = subnet_lookup(m, key.vsid, &s);
	if (err)
		return err;

	memset(&v, 0, sizeof(v));
	v.pa = r->pa;
	memcpy(v.mac, r->mac, sizeof(v.mac));
	v.rule = r->rule;
	if (nv_local_pa_has(m, &v.pa)) {
		err = port_find_binding(m, &key, &v.ifindex);
		if (err)
			return err;
	}
	return bpf_map_update_elem(m->fd[NV_MAP_RECORDS], &key, &v, BPF_NOEXIST);
}

int nv_record_del(const struct nv_maps *m, const struct nv_record_key *k)
{
	struct nv_record_key key;
	int err;

	err = record_key_check(m, k, &key);
	if (err)
		return err;
	return bpf_map_delete_elem(m->fd[NV_MAP_RECORDS], &key);
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

int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r)
{
	struct nv_route_key key;
	struct nv_subnet s;
	struct nv_route v;
	int err;

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

int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k)
{
	struct nv_route_key key;
	int err;

	if (!m)
		return -EINVAL;
	err = route_key_build(k, &key);
	if (err)
		return err;
	return bpf_map_delete_elem(m->fd[NV_MAP_ROUTES], &key);
}
