/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Gateways (DESIGN section 8): a leg per routing domain, the external devices the legs name
 * (nv_gw_devs, kept here from the legs), and the routes to the physical network. A leg add writes
 * the device entry first, then the leg; del the reverse: the datapath never finds a leg whose
 * device it does not know.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

/* Every flag of enum nv_gw_dev_flags: others are refused. */
#define GW_DEV_FLAGS_KNOWN (NV_GW_DEV_F_OWN_CLSACT | NV_GW_DEV_F_OWN_FORWARDING)

const char *nv_gw_mode_name(unsigned int mode)
{
	switch (mode) {
	case NV_GW_FORWARD:
		return "forward";
	case NV_GW_NAT:
		return "nat";
	}
	return NULL;
}

int nv_gw_mode_parse(const char *name)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "forward"))
		return NV_GW_FORWARD;
	if (!strcmp(name, "nat"))
		return NV_GW_NAT;
	return -EINVAL;
}

/* The leg's own values: what no map may hold. */
static int leg_value_check(const struct nv_gw_leg *leg, struct nv_conflict *why)
{
	if (leg->mode != NV_GW_FORWARD && leg->mode != NV_GW_NAT)
		return NV_RAISE(why, GW_MODE_INVALID);
	if (!nv_vsid_valid(leg->vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = leg->vsid);
	if (!nv_addr_unicast(&leg->ca))
		return NV_RAISE(why, CA_INVALID, .ca = leg->ca);
	if (!nv_mac_unicast(leg->mac))
		return nv_raised_mac(why, NV_RAISE(why, MAC_INVALID), leg->mac);
	if (!leg->ext_ifindex)
		return NV_RAISE(why, GW_DEV_INVALID, .ifindex = 0);
	return 0;
}

/*
 * The rules of nv_gw_leg_add that need no write, in its order: *v is the leg as it would be
 * stored, *d the device's entry and *has_dev whether it has one.
 */
static int leg_rules(const struct nv_maps *m, __u32 rdid, const struct nv_gw_leg *leg,
		     struct nv_gw_leg *v, struct nv_gw_dev *d, bool *has_dev,
		     struct nv_conflict *why)
{
	struct nv_config cfg;
	struct nv_subnet s;
	struct nv_port p;
	__u32 ifindex;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !leg)
		return -EINVAL;
	err = leg_value_check(leg, why);
	if (err)
		return err;
	err = nv_subnet_lookup(m, leg->vsid, &s, why);
	if (err)
		return err;
	if (s.rdid != rdid)
		return NV_RAISE(why, RDID_DIFFERS, .vsid = leg->vsid, .rdid = s.rdid);
	/*
	 * The datapath reads a device's fwd_rdid 0 as "no forward leg": a forward leg of RDID 0
	 * could not be found from its device.
	 */
	if (leg->mode == NV_GW_FORWARD && !rdid)
		return NV_RAISE(why, RDID_DIFFERS, .vsid = leg->vsid, .rdid = 0);
	/* The leg's CA is the tenant's next hop: a host address of its subnet, as a port's. */
	err = nv_subnet_ca_check(leg->vsid, &s, &leg->ca, false, why);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_GW_LEGS], &rdid, v))
		return NV_RAISE(why, GW_EXISTS, .rdid = rdid);
	/* No host speaks for a CA that a VM of its own holds. */
	err = nv_port_find(m, leg->vsid, &leg->ca, &ifindex, NULL);
	if (!err)
		return NV_RAISE(why, CA_HELD, .vsid = leg->vsid, .ca = leg->ca, .ifindex = ifindex);
	if (err != -ENOENT)
		return err;
	/* The underlay and the ports carry other programs at their TC ingress. */
	if (nv_config_get(m, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	if (leg->ext_ifindex == cfg.underlay_ifindex || !nv_port_get(m, leg->ext_ifindex, &p))
		return NV_RAISE(why, GW_DEV_INVALID, .ifindex = leg->ext_ifindex);
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_DEVS], &leg->ext_ifindex, d);
	if (err && err != -ENOENT)
		return err;
	*has_dev = !err;
	/* The physical network reaches a device's CAs by address alone: one RDID forwards there. */
	if (*has_dev && leg->mode == NV_GW_FORWARD && d->fwd_rdid)
		return NV_RAISE(why, GW_DEV_FORWARD, .ifindex = leg->ext_ifindex,
				.rdid = d->fwd_rdid);

	memset(v, 0, sizeof(*v));
	v->vsid = leg->vsid;
	v->ext_ifindex = leg->ext_ifindex;
	v->ca = leg->ca;
	memcpy(v->mac, leg->mac, sizeof(v->mac));
	v->mode = leg->mode;
	return 0;
}

int nv_gw_leg_check(const struct nv_maps *m, __u32 rdid, const struct nv_gw_leg *leg,
		    struct nv_conflict *why)
{
	struct nv_gw_leg v;
	struct nv_gw_dev d;
	bool has_dev;

	return leg_rules(m, rdid, leg, &v, &d, &has_dev, why);
}

int nv_gw_leg_add(const struct nv_maps *m, __u32 rdid, const struct nv_gw_leg *leg,
		  const struct nv_gw_dev_info *dev, struct nv_conflict *why)
{
	struct nv_gw_dev d, old;
	struct nv_gw_leg v;
	bool has_dev;
	int err;

	err = leg_rules(m, rdid, leg, &v, &d, &has_dev, why);
	if (err)
		return err;
	old = d;
	if (!has_dev) {
		/* The device's first leg: its entry comes from the caller, who read the device. */
		if (!dev)
			return -EINVAL;
		if (!nv_mac_unicast(dev->mac))
			return nv_raised_mac(why, NV_RAISE(why, MAC_INVALID), dev->mac);
		if (dev->flags & ~GW_DEV_FLAGS_KNOWN)
			return NV_RAISE(why, FLAGS_INVALID);
		memset(&d, 0, sizeof(d));
		memcpy(d.mac, dev->mac, sizeof(d.mac));
		d.flags = dev->flags;
	}
	d.legs++;
	if (v.mode == NV_GW_FORWARD)
		d.fwd_rdid = rdid;
	err = bpf_map_update_elem(m->fd[NV_MAP_GW_DEVS], &v.ext_ifindex, &d,
				  has_dev ? BPF_EXIST : BPF_NOEXIST);
	if (err)
		return nv_map_write_err(why, NV_MAP_GW_DEVS, err);
	err = bpf_map_update_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &v, BPF_NOEXIST);
	if (err) {
		err = err == -EEXIST ? NV_RAISE(why, GW_EXISTS, .rdid = rdid)
				     : nv_map_write_err(why, NV_MAP_GW_LEGS, err);
		if (has_dev)
			bpf_map_update_elem(m->fd[NV_MAP_GW_DEVS], &v.ext_ifindex, &old, BPF_EXIST);
		else
			bpf_map_delete_elem(m->fd[NV_MAP_GW_DEVS], &v.ext_ifindex);
	}
	return err;
}

/* Whether rdid has a gateway route (the trie's keys carry the RDID in full). */
static int route_of_rdid_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route_key *k = key;

	(void)value;
	return k->rdid == *(const __u32 *)arg;
}

int nv_gw_leg_del(const struct nv_maps *m, __u32 rdid, bool *last_dev, struct nv_conflict *why)
{
	struct nv_gw_leg leg;
	struct nv_nat nat;
	bool has_dev, last;
	struct nv_gw_dev d;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (last_dev)
		*last_dev = false;
	if (!m)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &leg);
	if (err == -ENOENT)
		return NV_RAISE(why, GW_UNKNOWN, .rdid = rdid);
	if (err)
		return err;
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_NATS], &rdid, &nat))
		return NV_RAISE(why, GW_IN_USE, .rdid = rdid);
	err = nv_map_iter_raw(m->fd[NV_MAP_GW_ROUTES], sizeof(struct nv_route_key), 0,
			      route_of_rdid_cb, &rdid);
	if (err > 0)
		return NV_RAISE(why, GW_IN_USE, .rdid = rdid);
	if (err)
		return err;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_DEVS], &leg.ext_ifindex, &d);
	if (err && err != -ENOENT)
		return err;
	/* A device entry lost (e.g. by a crash between the writes) leaves the leg alone to go. */
	has_dev = !err && d.legs;
	/* The leg first: the datapath stops sending out of the device before it loses it. */
	err = bpf_map_delete_elem(m->fd[NV_MAP_GW_LEGS], &rdid);
	if (err || !has_dev)
		return err;
	last = d.legs == 1;
	if (last) {
		err = bpf_map_delete_elem(m->fd[NV_MAP_GW_DEVS], &leg.ext_ifindex);
	} else {
		d.legs--;
		if (d.fwd_rdid == rdid && leg.mode == NV_GW_FORWARD)
			d.fwd_rdid = 0;
		err = bpf_map_update_elem(m->fd[NV_MAP_GW_DEVS], &leg.ext_ifindex, &d, BPF_EXIST);
	}
	if (err) {
		/* The device entry is as it was: the leg goes back. */
		bpf_map_update_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &leg, BPF_NOEXIST);
		return err;
	}
	if (last_dev)
		*last_dev = last;
	return 0;
}

int nv_gw_leg_get(const struct nv_maps *m, __u32 rdid, struct nv_gw_leg *out)
{
	struct nv_gw_leg v;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &v);
	if (err)
		return err;
	*out = v;
	return 0;
}

struct u32_iter {
	int (*cb)(__u32 key, const void *value, void *arg);
	void *arg;
};

static int u32_iter_cb(const void *key, const void *value, void *arg)
{
	struct u32_iter *it = arg;
	__u32 k;

	memcpy(&k, key, sizeof(k));
	return it->cb(k, value, it->arg);
}

/* Every entry of a map keyed by a __u32, the value as the typed callback cb takes it. */
static int u32_iter(int fd, size_t value_size, int (*cb)(__u32, const void *, void *), void *arg)
{
	struct u32_iter it = { cb, arg };

	return nv_map_iter_raw(fd, sizeof(__u32), value_size, u32_iter_cb, &it);
}

struct leg_iter {
	nv_gw_leg_cb cb;
	void *arg;
};

static int leg_iter_cb(__u32 rdid, const void *value, void *arg)
{
	struct leg_iter *it = arg;

	return it->cb(rdid, value, it->arg);
}

int nv_gw_leg_iter(const struct nv_maps *m, nv_gw_leg_cb cb, void *arg)
{
	struct leg_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return u32_iter(m->fd[NV_MAP_GW_LEGS], sizeof(struct nv_gw_leg), leg_iter_cb, &it);
}

int nv_gw_dev_get(const struct nv_maps *m, __u32 ifindex, struct nv_gw_dev *out)
{
	struct nv_gw_dev v;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_DEVS], &ifindex, &v);
	if (err)
		return err;
	*out = v;
	return 0;
}

struct dev_iter {
	nv_gw_dev_cb cb;
	void *arg;
};

static int dev_iter_cb(__u32 ifindex, const void *value, void *arg)
{
	struct dev_iter *it = arg;

	return it->cb(ifindex, value, it->arg);
}

int nv_gw_dev_iter(const struct nv_maps *m, nv_gw_dev_cb cb, void *arg)
{
	struct dev_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return u32_iter(m->fd[NV_MAP_GW_DEVS], sizeof(struct nv_gw_dev), dev_iter_cb, &it);
}

/* ---- gateway routes ---- */

/*
 * The trie's key of (rdid, prefix/prefixlen), host bits cleared: its prefix also covers the 32
 * bits of rdid. PREFIX_INVALID over 128 bits, or an IPv4 prefix under 96 (it would spill into
 * the IPv4-mapped prefix and cover IPv6 too).
 */
static int route_key(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
		     struct nv_route_key *out, struct nv_conflict *why)
{
	if (!prefix)
		return -EINVAL;
	if (prefixlen > 128 || (nv_addr_is_ipv4(prefix) && prefixlen < 96))
		return NV_RAISE(why, PREFIX_INVALID, .prefixlen = prefixlen);
	memset(out, 0, sizeof(*out));
	out->prefixlen = 32 + prefixlen;
	out->rdid = rdid;
	out->addr = *prefix;
	nv_prefix_clear_host_bits(&out->addr, prefixlen);
	return 0;
}

#define GW_ROUTE_RAISE(why, name, k) \
	NV_RAISE(why, name, .rdid = (k)->rdid, .ca = (k)->addr, .prefixlen = (k)->prefixlen - 32)

int nv_gw_route_add(const struct nv_maps *m, __u32 rdid, const union nv_addr *prefix,
		    __u32 prefixlen, const union nv_addr *via, struct nv_conflict *why)
{
	struct nv_gw_route v;
	struct nv_gw_leg leg;
	struct nv_route_key k;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = route_key(rdid, prefix, prefixlen, &k, why);
	if (err)
		return err;
	/* No next hop (NULL, 0.0.0.0 or ::): all zero, the FIB's. */
	memset(&v, 0, sizeof(v));
	if (via && !nv_addr_is_wildcard(via))
		v.via = *via;
	/*
	 * A next hop is an address of the physical network, the provider side: PA_INVALID when it
	 * is not unicast, or not of the prefix's family (the FIB resolves it on the device).
	 */
	if (!nv_route_onlink(&v.via) &&
	    (!nv_addr_unicast(&v.via) || nv_addr_is_ipv4(&v.via) != nv_addr_is_ipv4(&k.addr)))
		return NV_RAISE(why, PA_INVALID, .pa = v.via);
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &leg);
	if (err == -ENOENT)
		return NV_RAISE(why, GW_UNKNOWN, .rdid = rdid);
	if (err)
		return err;
	/* BPF_NOEXIST: the trie refuses an exact prefix it has (a lookup would match a shorter). */
	err = bpf_map_update_elem(m->fd[NV_MAP_GW_ROUTES], &k, &v, BPF_NOEXIST);
	if (err == -EEXIST)
		return GW_ROUTE_RAISE(why, GW_ROUTE_EXISTS, &k);
	/* A full LPM trie says ENOSPC, a hash map E2BIG: both are TABLE_FULL. */
	if (err == -ENOSPC)
		err = -E2BIG;
	return err ? nv_map_write_err(why, NV_MAP_GW_ROUTES, err) : 0;
}

int nv_gw_route_del(const struct nv_maps *m, __u32 rdid, const union nv_addr *prefix,
		    __u32 prefixlen, struct nv_conflict *why)
{
	struct nv_route_key k;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = route_key(rdid, prefix, prefixlen, &k, why);
	if (err)
		return err;
	/* The trie deletes exact prefixes only. */
	err = bpf_map_delete_elem(m->fd[NV_MAP_GW_ROUTES], &k);
	if (err == -ENOENT)
		return GW_ROUTE_RAISE(why, GW_ROUTE_UNKNOWN, &k);
	return err;
}

struct gw_route_ent {
	struct nv_route_key k;
	struct nv_gw_route v;
};

struct gw_route_list {
	struct gw_route_ent *v;
	size_t n, cap;
};

static int gw_route_list_cb(const void *key, const void *value, void *arg)
{
	struct gw_route_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	memcpy(&l->v[l->n].k, key, sizeof(l->v[l->n].k));
	memcpy(&l->v[l->n].v, value, sizeof(l->v[l->n].v));
	l->n++;
	return 0;
}

/* By rdid, then prefix address, then length (longest first), as nv_route_iter. */
static int gw_route_cmp(const void *pa, const void *pb)
{
	const struct gw_route_ent *a = pa, *b = pb;
	int c;

	if (a->k.rdid != b->k.rdid)
		return a->k.rdid < b->k.rdid ? -1 : 1;
	c = memcmp(&a->k.addr, &b->k.addr, sizeof(a->k.addr));
	if (c)
		return c;
	if (a->k.prefixlen != b->k.prefixlen)
		return a->k.prefixlen > b->k.prefixlen ? -1 : 1;
	return 0;
}

int nv_gw_route_iter(const struct nv_maps *m, nv_gw_route_cb cb, void *arg)
{
	struct gw_route_list l = { 0 };
	int err;

	if (!m || !cb)
		return -EINVAL;
	err = nv_map_iter_raw(m->fd[NV_MAP_GW_ROUTES], sizeof(struct nv_route_key),
			      sizeof(struct nv_gw_route), gw_route_list_cb, &l);
	if (!err && l.n)
		qsort(l.v, l.n, sizeof(*l.v), gw_route_cmp);
	for (size_t i = 0; !err && i < l.n; i++)
		err = cb(l.v[i].k.rdid, &l.v[i].k.addr, l.v[i].k.prefixlen - 32, &l.v[i].v.via,
			 arg);
	free(l.v);
	return err;
}
