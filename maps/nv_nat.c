/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * NAT of the gateway's NAT-mode legs (DESIGN section 8): a NAT per RDID with its external
 * address (nv_nats, and nv_nat_addrs for the receive side), static mappings that publish tenant
 * services, and the connection timeouts. Removing a NAT or a mapping removes the connections
 * that went through it, so that no translation outlives its policy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

/* ---- NATs ---- */

int nv_nat_add(const struct nv_maps *m, __u32 rdid, const struct nv_nat *n, struct nv_conflict *why)
{
	struct nv_nat_addr a, old;
	struct nv_gw_leg leg;
	struct nv_nat v, cur;
	bool had;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !n)
		return -EINVAL;
	/* The datapath translates IPv4 only. */
	if (!nv_addr_is_ipv4(&n->ext) || !nv_addr_unicast(&n->ext))
		return NV_RAISE(why, NAT_ADDR_INVALID, .pa = n->ext);
	memset(&v, 0, sizeof(v));
	v.ext = n->ext;
	v.port_lo = n->port_lo;
	v.port_hi = n->port_hi;
	if (!v.port_lo && !v.port_hi) {
		v.port_lo = NV_NAT_PORT_LO;
		v.port_hi = NV_NAT_PORT_HI;
	}
	if (!v.port_lo || v.port_lo > v.port_hi)
		return NV_RAISE(why, NAT_PORTS_INVALID);
	err = bpf_map_lookup_elem(m->fd[NV_MAP_GW_LEGS], &rdid, &leg);
	if (err == -ENOENT)
		return NV_RAISE(why, GW_UNKNOWN, .rdid = rdid);
	if (err)
		return err;
	if (leg.mode != NV_GW_NAT)
		return NV_RAISE(why, GW_NOT_NAT, .rdid = rdid);
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_NATS], &rdid, &cur))
		return NV_RAISE(why, NAT_EXISTS, .rdid = rdid);
	/* The receive side finds the RDID by address: an address is one RDID's. */
	err = bpf_map_lookup_elem(m->fd[NV_MAP_NAT_ADDRS], &v.ext, &old);
	if (err && err != -ENOENT)
		return err;
	had = !err;
	if (had && old.rdid != rdid)
		return NV_RAISE(why, NAT_ADDR_TAKEN, .pa = v.ext, .rdid = old.rdid);

	/* The address first: replies are taken in before the first packet is translated. */
	memset(&a, 0, sizeof(a));
	a.rdid = rdid;
	a.ifindex = leg.ext_ifindex;
	/* BPF_ANY: an entry of this RDID left without its NAT (a crash in nat del) is taken over.
	 */
	err = bpf_map_update_elem(m->fd[NV_MAP_NAT_ADDRS], &v.ext, &a, BPF_ANY);
	if (err)
		return nv_map_write_err(why, NV_MAP_NAT_ADDRS, err);
	err = bpf_map_update_elem(m->fd[NV_MAP_NATS], &rdid, &v, BPF_NOEXIST);
	if (err) {
		err = err == -EEXIST ? NV_RAISE(why, NAT_EXISTS, .rdid = rdid)
				     : nv_map_write_err(why, NV_MAP_NATS, err);
		if (had)
			bpf_map_update_elem(m->fd[NV_MAP_NAT_ADDRS], &v.ext, &old, BPF_EXIST);
		else
			bpf_map_delete_elem(m->fd[NV_MAP_NAT_ADDRS], &v.ext);
	}
	return err;
}

/* The first static mapping of an external address. */
struct map_of_addr {
	const union nv_addr *ext;
	struct nv_nat_map_key k;
};

static int map_of_addr_cb(const void *key, const void *value, void *arg)
{
	const struct nv_nat_map_key *k = key;
	struct map_of_addr *f = arg;

	(void)value;
	if (!nv_addr_eq(&k->ext, f->ext))
		return 0;
	f->k = *k;
	return 1;
}

int nv_nat_del(const struct nv_maps *m, __u32 rdid, struct nv_conflict *why)
{
	struct map_of_addr f;
	struct nv_nat_addr a;
	struct nv_nat n;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_NATS], &rdid, &n);
	if (err == -ENOENT)
		return NV_RAISE(why, NAT_UNKNOWN, .rdid = rdid);
	if (err)
		return err;
	f.ext = &n.ext;
	err = nv_map_iter_raw(m->fd[NV_MAP_NAT_MAPS], sizeof(struct nv_nat_map_key), 0,
			      map_of_addr_cb, &f);
	if (err > 0)
		return NV_RAISE(why, NAT_HAS_MAP, .rdid = rdid, .pa = n.ext,
				.port = ntohs(f.k.port), .proto = f.k.proto);
	if (err)
		return err;
	/* The NAT first: no connection is opened while its connections go. */
	err = bpf_map_delete_elem(m->fd[NV_MAP_NATS], &rdid);
	if (err)
		return err;
	/*
	 * On a failure the NAT comes back; the connections removed so far stay removed: they are
	 * state, which the tenants' next packets build again.
	 */
	err = nv_ct_remove_rdid(m, rdid, NULL);
	if (!err) {
		err = bpf_map_lookup_elem(m->fd[NV_MAP_NAT_ADDRS], &n.ext, &a);
		if (!err && a.rdid == rdid)
			err = bpf_map_delete_elem(m->fd[NV_MAP_NAT_ADDRS], &n.ext);
		if (err == -ENOENT)
			err = 0;
	}
	if (err)
		bpf_map_update_elem(m->fd[NV_MAP_NATS], &rdid, &n, BPF_NOEXIST);
	return err;
}

int nv_nat_get(const struct nv_maps *m, __u32 rdid, struct nv_nat *out)
{
	struct nv_nat v;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_NATS], &rdid, &v);
	if (err)
		return err;
	*out = v;
	return 0;
}

struct nat_iter {
	nv_nat_cb cb;
	void *arg;
};

static int nat_iter_cb(const void *key, const void *value, void *arg)
{
	struct nat_iter *it = arg;
	__u32 rdid;

	memcpy(&rdid, key, sizeof(rdid));
	return it->cb(rdid, value, it->arg);
}

int nv_nat_iter(const struct nv_maps *m, nv_nat_cb cb, void *arg)
{
	struct nat_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_NATS], sizeof(__u32), sizeof(struct nv_nat),
			       nat_iter_cb, &it);
}

/* ---- static mappings ---- */

/* k with its padding zeroed: the key as stored. */
static int map_key(const struct nv_nat_map_key *k, struct nv_nat_map_key *out)
{
	if (!k)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ext = k->ext;
	out->port = k->port;
	out->proto = k->proto;
	return 0;
}

#define NAT_MAP_RAISE(why, name, k) \
	NV_RAISE(why, name, .pa = (k)->ext, .port = ntohs((k)->port), .proto = (k)->proto)

int nv_nat_map_add(const struct nv_maps *m, const struct nv_nat_map_key *k,
		   const struct nv_nat_map *v, struct nv_conflict *why)
{
	struct nv_nat_map_key key;
	struct nv_nat_map val, old;
	struct nv_nat n;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !v || map_key(k, &key))
		return -EINVAL;
	/* Ports: what the datapath translates (ICMP echo is outbound only). */
	if (key.proto != IPPROTO_TCP && key.proto != IPPROTO_UDP)
		return NV_RAISE(why, NAT_PROTO_INVALID, .proto = key.proto);
	if (!key.port || !v->port)
		return NV_RAISE(why, NAT_PORT_INVALID);
	if (!nv_addr_is_ipv4(&v->ca) || !nv_addr_unicast(&v->ca))
		return NV_RAISE(why, CA_INVALID, .ca = v->ca);
	/* Published on the address of the RDID's own NAT, which the receive side maps to it. */
	err = bpf_map_lookup_elem(m->fd[NV_MAP_NATS], &v->rdid, &n);
	if (err && err != -ENOENT)
		return err;
	if (err || !nv_addr_eq(&n.ext, &key.ext))
		return NV_RAISE(why, NAT_MAP_ADDR, .rdid = v->rdid, .pa = key.ext);
	if (!bpf_map_lookup_elem(m->fd[NV_MAP_NAT_MAPS], &key, &old))
		return NAT_MAP_RAISE(why, NAT_MAP_EXISTS, &key);
	memset(&val, 0, sizeof(val));
	val.rdid = v->rdid;
	val.port = v->port;
	val.ca = v->ca;
	err = bpf_map_update_elem(m->fd[NV_MAP_NAT_MAPS], &key, &val, BPF_NOEXIST);
	if (err == -EEXIST)
		return NAT_MAP_RAISE(why, NAT_MAP_EXISTS, &key);
	return err ? nv_map_write_err(why, NV_MAP_NAT_MAPS, err) : 0;
}

int nv_nat_map_del(const struct nv_maps *m, const struct nv_nat_map_key *k, struct nv_conflict *why)
{
	struct nv_nat_map_key key;
	struct nv_nat_map old;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || map_key(k, &key))
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_NAT_MAPS], &key, &old);
	if (err == -ENOENT)
		return NAT_MAP_RAISE(why, NAT_MAP_UNKNOWN, &key);
	if (err)
		return err;
	/* The mapping first: no connection is opened through it while its connections go. */
	err = bpf_map_delete_elem(m->fd[NV_MAP_NAT_MAPS], &key);
	if (err)
		return err;
	err = nv_ct_remove_static(m, &key);
	if (err)
		bpf_map_update_elem(m->fd[NV_MAP_NAT_MAPS], &key, &old, BPF_NOEXIST);
	return err;
}

struct nat_map_iter {
	nv_nat_map_cb cb;
	void *arg;
};

static int nat_map_iter_cb(const void *key, const void *value, void *arg)
{
	struct nat_map_iter *it = arg;

	return it->cb(key, value, it->arg);
}

int nv_nat_map_iter(const struct nv_maps *m, nv_nat_map_cb cb, void *arg)
{
	struct nat_map_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_NAT_MAPS], sizeof(struct nv_nat_map_key),
			       sizeof(struct nv_nat_map), nat_map_iter_cb, &it);
}

/* ---- connection timeouts ---- */

int nv_ct_timeouts_set(const struct nv_maps *m, const struct nv_ct_timeouts *t,
		       struct nv_conflict *why)
{
	struct nv_ct_timeouts v;
	__u32 key = 0;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !t)
		return -EINVAL;
	if (t->tcp_syn > NV_CT_TIMEOUT_MAX || t->tcp_established > NV_CT_TIMEOUT_MAX ||
	    t->tcp_fin > NV_CT_TIMEOUT_MAX || t->udp > NV_CT_TIMEOUT_MAX ||
	    t->icmp > NV_CT_TIMEOUT_MAX)
		return NV_RAISE(why, TIMEOUT_INVALID);
	/* 0 is stored as 0: the datapath takes the default then, as get reports it. */
	memset(&v, 0, sizeof(v));
	v.tcp_syn = t->tcp_syn;
	v.tcp_established = t->tcp_established;
	v.tcp_fin = t->tcp_fin;
	v.udp = t->udp;
	v.icmp = t->icmp;
	return bpf_map_update_elem(m->fd[NV_MAP_CT_TIMEOUTS], &key, &v, BPF_ANY);
}

static __u32 or_default(__u32 v, __u32 def)
{
	return v ? v : def;
}

int nv_ct_timeouts_get(const struct nv_maps *m, struct nv_ct_timeouts *out)
{
	struct nv_ct_timeouts v;
	__u32 key = 0;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_CT_TIMEOUTS], &key, &v);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->tcp_syn = or_default(v.tcp_syn, NV_CT_TIMEOUT_TCP_SYN);
	out->tcp_established = or_default(v.tcp_established, NV_CT_TIMEOUT_TCP_ESTABLISHED);
	out->tcp_fin = or_default(v.tcp_fin, NV_CT_TIMEOUT_TCP_FIN);
	out->udp = or_default(v.udp, NV_CT_TIMEOUT_UDP);
	out->icmp = or_default(v.icmp, NV_CT_TIMEOUT_ICMP);
	return 0;
}
