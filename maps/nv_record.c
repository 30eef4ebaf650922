/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Lookup records, one at a time. A record at a local PA binds the port of its (vsid, ca)
 * (nv_bind.h); many records at once: nv_record_many.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_bind.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

int nv_record_key_check(const struct nv_maps *m, const struct nv_record_key *k,
			struct nv_record_key *out, struct nv_conflict *why)
{
	if (!m || !k)
		return -EINVAL;
	if (!nv_vsid_valid(k->vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = k->vsid);
	nv_bind_key(out, k->vsid, &k->ca);
	return 0;
}

int nv_record_value_check(const struct nv_record_key *key, const struct nv_record *r,
			  struct nv_conflict *why)
{
	if (!r)
		return -EINVAL;
	/* CA 0: the routing domain's gateway wildcard record. */
	if (!nv_addr_unicast(&key->ca) && !nv_addr_is_wildcard(&key->ca))
		return NV_RAISE(why, CA_INVALID, .ca = key->ca);
	if (!nv_addr_unicast(&r->pa))
		return NV_RAISE(why, PA_INVALID, .pa = r->pa);
	if (!nv_mac_unicast(r->mac))
		return nv_raised_mac(why, NV_RAISE(why, MAC_INVALID), r->mac);
	if (r->rule != NV_RULE_ENCAP)
		return NV_RAISE(why, RULE_INVALID);
	return 0;
}

/*
 * The binding of record value v of key: its ifindex and local set, the change of its port queued
 * in c. The port table (a scan) is read for records at local PAs, or always with any_pa (a record
 * that may be bound now). -EINVAL (MAC_DIFFERS) when the port has another MAC.
 */
static int bind_value(const struct nv_maps *m, const struct nv_record_key *key, struct nv_record *v,
		      bool any_pa, struct bind_changes *c, struct nv_conflict *why)
{
	bool pa_local = nv_local_pa_has(m, &v->pa);
	struct port_ent port;
	struct bind_want w;
	int err;

	memset(&port, 0, sizeof(port));
	if (pa_local || any_pa) {
		err = nv_port_find_binding(m, key, &port);
		if (err)
			return err;
	}
	err = nv_bind_compute(v, pa_local, port.ifindex, port.ifindex ? &port.port : NULL, &w);
	if (err)
		return nv_bind_mac_differs(why, key, v, port.ifindex, &port.port);
	v->ifindex = w.rec_ifindex;
	v->local = w.rec_local;
	return port.ifindex ? nv_bind_port_change(c, port.ifindex, &port.port, &w) : 0;
}

int nv_record_add(const struct nv_maps *m, const struct nv_record_key *k, const struct nv_record *r,
		  struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key key;
	struct nv_subnet s;
	struct nv_record v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_record_key_check(m, k, &key, why);
	if (!err)
		err = nv_record_value_check(&key, r, why);
	if (!err)
		err = nv_subnet_lookup(m, key.vsid, &s, why);
	if (!err)
		err = nv_subnet_ca_check(key.vsid, &s, &key.ca, true, why);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &v))
		return NV_RAISE(why, RECORD_EXISTS, .vsid = key.vsid, .ca = key.ca);

	/* The caller's local and ifindex are ignored: computed from the PA and the port. */
	memset(&v, 0, sizeof(v));
	v.pa = r->pa;
	memcpy(v.mac, r->mac, sizeof(v.mac));
	v.rule = r->rule;
	v.rdid = s.rdid;
	memcpy(v.gw_mac, s.gw_mac, sizeof(v.gw_mac));
	/*
	 * Only a record at a local PA binds a port, and a port is unbound (pa zero) while no such
	 * record exists: a record at a remote PA changes no port, and the port table (a scan) is
	 * read only for records at local PAs.
	 */
	err = bind_value(m, &key, &v, false, &c, why);
	if (err)
		goto out;
	/* The index first: it refuses a second wildcard of the RDID before anything is written. */
	err = nv_rdid_ca_add(m, key.vsid, &key.ca, &v, why);
	if (err)
		goto out;
	/* The record next, so that a port never holds a PA that no record gives it. */
	err = bpf_map_update_elem(m->fd[NV_MAP_RECORDS], &key, &v, BPF_NOEXIST);
	if (err) {
		err = nv_map_write_err(why, NV_MAP_RECORDS, err);
		nv_rdid_ca_del(m, s.rdid, key.vsid, &key.ca);
		goto out;
	}
	err = nv_bind_apply(m, &c);
	if (err) {
		bpf_map_delete_elem(m->fd[NV_MAP_RECORDS], &key);
		nv_rdid_ca_del(m, s.rdid, key.vsid, &key.ca);
	}
out:
	free(c.v);
	return err;
}

int nv_record_update(const struct nv_maps *m, const struct nv_record_key *k,
		     const struct nv_record *r, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key key;
	struct nv_record old, v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_record_key_check(m, k, &key, why);
	if (!err)
		err = nv_record_value_check(&key, r, why);
	if (err)
		return err;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &old);
	if (err == -ENOENT)
		return NV_RAISE(why, RECORD_UNKNOWN, .vsid = key.vsid, .ca = key.ca);
	if (err)
		return err;
	/* Its subnet, and so its RDID and gateway MAC, stay: only where the CA is changes. */
	v = old;
	v.pa = r->pa;
	memcpy(v.mac, r->mac, sizeof(v.mac));
	v.rule = r->rule;
	/* The port of (vsid, ca) is bound now, or will be: looked for either way. */
	err = bind_value(m, &key, &v, true, &c, why);
	if (err)
		goto out;
	/* In place: the datapath finds the old record or the new one, never none. */
	err = nv_record_write(m, &key, &v, &old);
	if (err) {
		err = nv_map_write_err(why, NV_MAP_RECORDS, err);
		goto out;
	}
	err = nv_bind_apply(m, &c);
	if (err)
		nv_record_write(m, &key, &old, &v);
out:
	free(c.v);
	return err;
}

int nv_record_del(const struct nv_maps *m, const struct nv_record_key *k, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key key;
	struct port_ent port;
	struct bind_want w;
	struct nv_subnet s;
	struct nv_record r;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_record_key_check(m, k, &key, why);
	if (err)
		return err;
	/* A record exists only in a subnet: its RDID names its index entry. */
	if (nv_subnet_lookup(m, key.vsid, &s, NULL))
		memset(&s, 0, sizeof(s));
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &key, &r);
	if (err == -ENOENT)
		return NV_RAISE(why, RECORD_UNKNOWN, .vsid = key.vsid, .ca = key.ca);
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
		    (!err && (port.port.vsid != key.vsid || !nv_addr_eq(&port.port.ca, &key.ca))))
			err = nv_port_find_binding(m, &key, &port); /* not as kept: look for it */
		if (err)
			return err;
	}
	if (port.ifindex) {
		memset(&w, 0, sizeof(w));
		err = nv_bind_port_change(&c, port.ifindex, &port.port, &w);
		if (err)
			goto out;
	}
	err = nv_bind_apply(m, &c);
	if (err)
		goto out;
	err = bpf_map_delete_elem(m->fd[NV_MAP_RECORDS], &key);
	if (err)
		nv_bind_revert(m, &c, c.n);
	else
		nv_rdid_ca_del(m, s.rdid, key.vsid, &key.ca);
out:
	free(c.v);
	return err;
}

int nv_record_get(const struct nv_maps *m, const struct nv_record_key *k, struct nv_record *out)
{
	struct nv_record_key key;
	struct nv_record r;
	int err;

	err = nv_record_key_check(m, k, &key, NULL);
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
