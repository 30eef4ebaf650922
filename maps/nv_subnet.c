/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subnets (VSIDs) and their zeroed stats entries. A subnet goes only when no port, record or route
 * uses its VSID.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
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
	__u32 ifindex;			 /* a port */
	struct nv_record_key rec;	 /* a record */
	struct nv_route_table_key route; /* a route */
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

/* A customer route into the VSID (its own on-link route goes with it). */
static int route_uses_cb(const void *key, const void *value, void *arg)
{
	const struct nv_route_entry *r = value;
	struct vsid_use *u = arg;

	if (r->vsid != u->vsid || (r->flags & NV_ROUTE_F_SUBNET))
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
		err = nv_map_iter_raw(m->fd[NV_MAP_ROUTE_TABLE], sizeof(struct nv_route_table_key),
				      sizeof(struct nv_route_entry), route_uses_cb, u);
	if (err > 0)
		return NV_RAISE(why, SUBNET_HAS_ROUTE, .vsid = u->vsid, .ca = u->route.addr,
				.prefixlen = u->route.prefixlen, .rdid = u->route.rdid);
	return err;
}

/* BPF_ANY: a leftover entry of an earlier subnet with this VSID starts from zero. */
static int stats_zero(const struct nv_maps *m, __u32 vsid)
{
	return nv_percpu_zero(m->fd[NV_MAP_STATS], &vsid, sizeof(struct nv_vsid_stats));
}

void nv_subnet_default_gw_mac(__u32 vsid, __u8 mac[NV_ETH_ALEN])
{
	/* Locally administered unicast 02:4e:56 ("NV"), then the 24 bits of the VSID. */
	mac[0] = 0x02;
	mac[1] = 0x4e;
	mac[2] = 0x56;
	mac[3] = (__u8)(vsid >> 16);
	mac[4] = (__u8)(vsid >> 8);
	mac[5] = (__u8)vsid;
}

/* The prefix's first address plus one: HNV's convention (x.y.z.1) for the default gateway. */
static void first_host(const union nv_addr *prefix, union nv_addr *out)
{
	*out = *prefix;
	for (int i = sizeof(out->b) - 1; i >= 0 && ++out->b[i] == 0; i--)
		;
}

/* Whether a is the last address of prefix/len (IPv4's broadcast). */
static bool last_address(const union nv_addr *prefix, __u8 len, const union nv_addr *a)
{
	union nv_addr last = *prefix;

	for (unsigned int bit = len; bit < 128; bit++)
		last.b[bit / 8] |= (__u8)(0x80 >> (bit % 8));
	return !memcmp(&last, a, sizeof(last));
}

/*
 * The subnet as stored: s's fields, checked, with the defaults filled in (gateway: the first host
 * of the prefix; gateway MAC: nv_subnet_default_gw_mac).
 */
int nv_subnet_complete(__u32 vsid, const struct nv_subnet *s, struct nv_subnet *v,
		       struct nv_conflict *why)
{
	static const __u8 zero_mac[NV_ETH_ALEN];
	static const union nv_addr zero;
	bool v4 = nv_addr_is_ipv4(&s->prefix);

	memset(v, 0, sizeof(*v));
	v->rdid = s->rdid;
	v->prefix = s->prefix;
	v->prefixlen = s->prefixlen;
	v->gw_ca = s->gw_ca;
	memcpy(v->gw_mac, s->gw_mac, sizeof(v->gw_mac));
	/* A subnet routes: a prefix, and so a gateway. */
	if (!s->prefixlen)
		return NV_RAISE(why, SUBNET_PREFIX, .vsid = vsid);
	/* IPv4 /1../30 and IPv6 /1../126: room for the gateway and at least one host. */
	if ((v4 ? s->prefixlen < 97 || s->prefixlen > 126 : s->prefixlen > 126) ||
	    !nv_prefix_contains(&s->prefix, s->prefixlen, &s->prefix))
		return NV_RAISE(why, SUBNET_PREFIX, .vsid = vsid, .ca = s->prefix,
				.prefixlen = s->prefixlen);
	if (!memcmp(&v->gw_ca, &zero, sizeof(zero)))
		first_host(&s->prefix, &v->gw_ca);
	if (!nv_prefix_contains(&s->prefix, s->prefixlen, &v->gw_ca) ||
	    !memcmp(&v->gw_ca, &s->prefix, sizeof(zero)) || !nv_addr_unicast(&v->gw_ca) ||
	    (v4 && last_address(&s->prefix, s->prefixlen, &v->gw_ca)))
		return NV_RAISE(why, GATEWAY_INVALID, .vsid = vsid, .ca = s->prefix,
				.prefixlen = s->prefixlen, .gw = v->gw_ca);
	if (!memcmp(v->gw_mac, zero_mac, sizeof(zero_mac)))
		nv_subnet_default_gw_mac(vsid, v->gw_mac);
	if (!nv_mac_unicast(v->gw_mac))
		return NV_RAISE(why, MAC_INVALID,
				.mac = { v->gw_mac[0], v->gw_mac[1], v->gw_mac[2], v->gw_mac[3],
					 v->gw_mac[4], v->gw_mac[5] });
	return 0;
}

/* Two prefixes overlap when the shorter one holds the other's first address. */
static bool prefixes_overlap(const union nv_addr *a, __u8 alen, const union nv_addr *b, __u8 blen)
{
	return alen <= blen ? nv_prefix_contains(a, alen, b) : nv_prefix_contains(b, blen, a);
}

/* The first subnet of the new one's RDID whose prefix overlaps it: its VSID in u->vsid. */
struct overlap {
	const struct nv_subnet *s;
	__u32 vsid;
	struct nv_subnet other;
};

static int overlap_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct overlap *o = arg;

	if (s->rdid != o->s->rdid ||
	    !prefixes_overlap(&s->prefix, s->prefixlen, &o->s->prefix, o->s->prefixlen))
		return 0;
	o->vsid = vsid;
	o->other = *s;
	return 1;
}

/* The on-link route a subnet brings: its prefix in its RDID, to its VSID, metric 0. */
static void onlink_route(__u32 vsid, const struct nv_subnet *s, struct nv_route_table_key *t,
			 struct nv_route_entry *v)
{
	memset(t, 0, sizeof(*t));
	t->rdid = s->rdid;
	t->prefixlen = s->prefixlen;
	t->addr = s->prefix;
	memset(v, 0, sizeof(*v));
	v->vsid = vsid;
	v->flags = NV_ROUTE_F_SUBNET;
}

int nv_subnet_ca_check(__u32 vsid, const struct nv_subnet *s, const union nv_addr *ca,
		       bool wildcard, struct nv_conflict *why)
{
	if (wildcard && nv_addr_is_wildcard(ca))
		return 0;
	if (!nv_prefix_contains(&s->prefix, s->prefixlen, ca))
		return NV_RAISE(why, CA_OUTSIDE_PREFIX, .vsid = vsid, .ca = *ca, .net = s->prefix,
				.netlen = s->prefixlen);
	if (!memcmp(ca, &s->gw_ca, sizeof(*ca)))
		return NV_RAISE(why, CA_IS_GATEWAY, .vsid = vsid, .ca = *ca);
	return 0;
}

int nv_subnet_add(const struct nv_maps *m, __u32 vsid, const struct nv_subnet *s,
		  struct nv_conflict *why)
{
	struct nv_route_table_key rt;
	struct nv_route_entry re;
	struct overlap o = { 0 };
	struct nv_subnet v;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !s)
		return -EINVAL;
	if (!nv_vsid_valid(vsid))
		return NV_RAISE(why, VSID_RANGE, .vsid = vsid);
	err = nv_subnet_complete(vsid, s, &v, why);
	if (err)
		return err;
	if (!nv_subnet_lookup(m, vsid, &o.other, NULL))
		return NV_RAISE(why, SUBNET_EXISTS, .vsid = vsid);
	/* In one routing domain a CA is in one subnet: the router finds it by (RDID, CA). */
	o.s = &v;
	err = nv_subnet_iter(m, overlap_cb, &o);
	if (err > 0)
		return NV_RAISE(why, SUBNET_OVERLAP, .vsid = vsid, .ca = v.prefix,
				.prefixlen = v.prefixlen, .rdid = v.rdid, .vsid2 = o.vsid,
				.net = o.other.prefix, .netlen = o.other.prefixlen);
	if (err)
		return err;
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
	/* Last: the datapath routes into the subnet only once it exists. */
	onlink_route(vsid, &v, &rt, &re);
	err = nv_route_table_add(m, &rt, &re, why);
	if (err) {
		bpf_map_delete_elem(m->fd[NV_MAP_STATS], &vsid);
		bpf_map_delete_elem(m->fd[NV_MAP_SUBNETS], &vsid);
	}
	return err;
}

int nv_subnet_del(const struct nv_maps *m, __u32 vsid, struct nv_conflict *why)
{
	struct vsid_use u = { .vsid = vsid };
	struct nv_route_table_key rt;
	struct nv_route_entry re;
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
	/* The on-link route first: nothing is routed into a subnet on its way out. */
	onlink_route(vsid, &s, &rt, &re);
	err = nv_route_table_del(m, &rt);
	if (err && err != -ENOENT)
		return err;
	err = bpf_map_delete_elem(m->fd[NV_MAP_SUBNETS], &vsid);
	if (!err) {
		err = bpf_map_delete_elem(m->fd[NV_MAP_STATS], &vsid);
		if (err == -ENOENT)
			err = 0;
		if (err)
			bpf_map_update_elem(m->fd[NV_MAP_SUBNETS], &vsid, &s, BPF_NOEXIST);
	}
	if (err)
		nv_route_table_add(m, &rt, &re, NULL);
	return err;
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
