/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Ports: the port entry, its tx_ports (devmap) entry and counters, and the binding to the record
 * of its (vsid, ca), written in that order and undone in reverse.
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

/* Every flag of enum nv_port_flags: others are refused. */
#define PORT_FLAGS_KNOWN (NV_PORT_F_PEER | NV_PORT_F_OWN_CLSACT)

/*
 * Queues the change that the record of (vsid, ca) k needs when port p (ifindex) is added, or when
 * the port of k is removed (p NULL: no port has k any more). Sets *pa, if given, to the pa that p
 * must have. -EINVAL: the record is at a local PA with another MAC than p's (MAC_DIFFERS).
 */
static int port_record_change(const struct nv_maps *m, const struct nv_record_key *k, __u32 ifindex,
			      const struct nv_port *p, union nv_addr *pa, struct bind_changes *c,
			      struct nv_conflict *why)
{
	struct bind_want w;
	struct nv_record r;
	int err;

	if (pa)
		memset(pa, 0, sizeof(*pa));
	err = bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], k, &r);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = nv_bind_compute(&r, nv_local_pa_has(m, &r.pa), ifindex, p, &w);
	if (err == -EINVAL)
		return nv_bind_mac_differs(why, k, &r, ifindex, p);
	if (err)
		return err;
	if (pa)
		*pa = w.port_pa;
	return nv_bind_rec_change(c, k, &r, &w);
}

/* The port's own values: what no map may hold. */
static int port_value_check(const struct nv_port *p, struct nv_conflict *why)
{
	if (!nv_vsid_valid(p->vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = p->vsid);
	if (!nv_addr_unicast(&p->ca))
		return NV_RAISE(why, CA_INVALID, .ca = p->ca);
	if (!nv_mac_unicast(p->mac))
		return nv_raised_mac(why, NV_RAISE(why, MAC_INVALID), p->mac);
	if (p->deliver != NV_DELIVER_TC && p->deliver != NV_DELIVER_XDP)
		return NV_RAISE(why, DELIVER_INVALID);
	if (p->flags & ~PORT_FLAGS_KNOWN)
		return NV_RAISE(why, FLAGS_INVALID);
	return 0;
}

/*
 * The rules of nv_port_add that need no write, in its order; *bind is (vsid, ca) and *v the entry
 * as it would be stored (its pa still zero).
 */
static int port_rules(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		      struct nv_record_key *bind, struct nv_port *v, struct nv_conflict *why)
{
	struct port_ent other;
	struct nv_config cfg;
	struct nv_subnet s;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !p)
		return -EINVAL;
	err = port_value_check(p, why);
	if (err)
		return err;
	if (!ifindex)
		return NV_RAISE(why, NO_DEVICE, .ifindex = ifindex);
	err = nv_subnet_lookup(m, p->vsid, &s, why);
	if (err)
		return err;
	if (s.rdid != p->rdid)
		return NV_RAISE(why, RDID_DIFFERS, .vsid = p->vsid, .rdid = s.rdid);
	err = nv_subnet_ca_check(p->vsid, &s, &p->ca, false, why);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_PORTS], &ifindex, v))
		return NV_RAISE(why, PORT_EXISTS, .ifindex = ifindex);
	/* A config that cannot be read refuses nothing, as before the underlay rule. */
	if (nv_config_get(m, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	/* XDP delivery needs nv_from_wire on the underlay, which xdp-mode none leaves out. */
	if (p->deliver == NV_DELIVER_XDP && (cfg.flags & NV_CFG_F_NO_XDP))
		return NV_RAISE(why, XDP_NONE);
	nv_bind_key(bind, p->vsid, &p->ca);
	err = nv_port_find_binding(m, bind, &other);
	if (err)
		return err;
	if (other.ifindex)
		return NV_RAISE(why, CA_HELD, .vsid = p->vsid, .ca = p->ca,
				.ifindex = other.ifindex);
	/*
	 * The underlay carries the wire programs, never nv_from_vm. Checked after the rules above,
	 * whose errnos predate it, so that a request they refuse gets the errno it always got.
	 */
	if (ifindex == cfg.underlay_ifindex)
		return NV_RAISE(why, PORT_IS_UNDERLAY, .ifindex = ifindex);

	/* The caller's pa is ignored: computed from the record, if any binds the port. */
	memset(v, 0, sizeof(*v));
	v->vsid = p->vsid;
	v->rdid = p->rdid;
	v->ca = p->ca;
	memcpy(v->mac, p->mac, sizeof(v->mac));
	v->deliver = p->deliver;
	v->flags = p->flags;
	memcpy(v->gw_mac, s.gw_mac, sizeof(v->gw_mac));
	return 0;
}

int nv_port_check(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		  struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key bind;
	struct nv_port v;
	int err = port_rules(m, ifindex, p, &bind, &v, why);

	/* The record it would bind must agree on the MAC: computed, not applied. */
	if (!err)
		err = port_record_change(m, &bind, ifindex, &v, &v.pa, &c, why);
	free(c.v);
	return err;
}

int nv_port_add(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_record_key bind;
	struct nv_port v;
	int err = port_rules(m, ifindex, p, &bind, &v, why);

	if (err)
		return err;
	err = port_record_change(m, &bind, ifindex, &v, &v.pa, &c, why);
	if (err)
		goto out;
	err = bpf_map_update_elem(m->fd[NV_MAP_PORTS], &ifindex, &v, BPF_NOEXIST);
	if (err) {
		err = nv_map_write_err(why, NV_MAP_PORTS, err);
		goto out;
	}
	/* BPF_ANY: a tx entry left without its port (e.g. by a crash in port del) is taken over. */
	err = bpf_map_update_elem(m->fd[NV_MAP_TX_PORTS], &ifindex, &ifindex, BPF_ANY);
	if (err) {
		/* The devmap reports an ifindex with no device as EINVAL. */
		if (err == -EINVAL)
			err = NV_RAISE(why, NO_DEVICE, .ifindex = ifindex);
		else
			err = nv_map_write_err(why, NV_MAP_TX_PORTS, err);
		goto undo_port;
	}
	/* Counters before the binding: the datapath finds the port's entry from its first frame. */
	err = nv_port_stats_create(m, ifindex);
	if (err) {
		err = nv_map_write_err(why, NV_MAP_PORT_STATS, err);
		goto undo_tx;
	}
	err = nv_bind_apply(m, &c);
	if (err)
		goto undo_stats;
	/* A new port starts with a full ICMP bucket, not one a former port of its ifindex left. */
	bpf_map_delete_elem(m->fd[NV_MAP_PMTU_BUCKETS], &ifindex);
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
	if (err == -ENOENT)
		return NV_RAISE(why, PORT_UNKNOWN, .ifindex = ifindex);
	if (err)
		return err;
	/* The reverse of port add: record, tx entry, port. */
	nv_bind_key(&bind, p.vsid, &p.ca);
	err = port_record_change(m, &bind, 0, NULL, NULL, &c, why);
	if (err)
		goto out;
	err = nv_bind_apply(m, &c);
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
	/* Its ICMP token bucket goes too (an LRU map would evict it, later). */
	bpf_map_delete_elem(m->fd[NV_MAP_PMTU_BUCKETS], &ifindex);
	goto out;

undo_rec:
	nv_bind_revert(m, &c, c.n);
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

struct port_find {
	__u32 vsid;
	const union nv_addr *ca;
	__u32 ifindex;
	struct nv_port port;
};

static int port_find_cb(const void *key, const void *value, void *arg)
{
	const struct nv_port *p = value;
	struct port_find *f = arg;

	if (p->vsid != f->vsid || !nv_addr_eq(&p->ca, f->ca))
		return 0;
	memcpy(&f->ifindex, key, sizeof(__u32));
	f->port = *p;
	return 1;
}

/* A scan: nv_ports is keyed by ifindex. The library keeps (vsid, ca) unique among ports. */
int nv_port_find(const struct nv_maps *m, __u32 vsid, const union nv_addr *ca, __u32 *ifindex,
		 struct nv_port *out)
{
	struct port_find f = { .vsid = vsid, .ca = ca };
	int err;

	if (!m || !ca)
		return -EINVAL;
	err = nv_map_iter_raw(m->fd[NV_MAP_PORTS], sizeof(__u32), sizeof(struct nv_port),
			      port_find_cb, &f);
	if (err < 0)
		return err;
	if (!err)
		return -ENOENT;
	if (ifindex)
		*ifindex = f.ifindex;
	if (out)
		*out = f.port;
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
