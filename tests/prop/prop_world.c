// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Random worlds: a policy drawn from a seed, written through the maps library into a fresh,
 * unpinned datapath, and kept as the intent the library accepted (a refused add is not in the
 * world: the model judges frames by what the control plane agreed to).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "lib/fixture.h"
#include "prop/prop.h"

#define IP4(a, b, c, d) htonl((__u32)(a) << 24 | (b) << 16 | (c) << 8 | (d))

__u64 rng_next(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

__u32 rng_below(struct rng *r, __u32 n)
{
	return n ? (__u32)(rng_next(r) % n) : 0;
}

bool rng_chance(struct rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

__u64 rng_mix(__u64 a, __u64 b)
{
	struct rng r = { a ^ (b * 0xd1b54a32d192ed03ull) };

	return rng_next(&r);
}

int devices_make(struct devices *d)
{
	char cmds[2048], name[16];
	size_t n = 0;
	int err;

	n += snprintf(
		cmds + n, sizeof(cmds) - n,
		"link add pul0 type veth peer name pul1\nlink set pul0 up\nlink set pul1 up\n");
	for (int i = 0; i < PROP_MAX_PORTS; i++)
		n += snprintf(cmds + n, sizeof(cmds) - n,
			      "link add pp%d type veth peer name pv%d\nlink set pp%d up\n"
			      "link set pv%d up\n",
			      i, i, i, i);
	err = fixture_ip_batch("%s", cmds);
	if (err)
		return err;
	d->underlay = if_nametoindex("pul0");
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "pp%d", i);
		d->port_dev[i] = if_nametoindex(name);
		snprintf(name, sizeof(name), "pv%d", i);
		d->vm_end[i] = if_nametoindex(name);
		if (!d->port_dev[i] || !d->vm_end[i])
			return -ENODEV;
	}
	return d->underlay ? 0 : -ENODEV;
}

/* MACs from a small pool shared by every tenant, so tenants reuse each other's. */
static void pool_mac(struct rng *r, __u8 mac[6])
{
	const __u8 m[6] = { 0x02, 0, 0, 0, 0, (__u8)(1 + rng_below(r, 8)) };

	memcpy(mac, m, 6);
}

static void v4(union nv_addr *a, __be32 ip)
{
	nv_addr_from_ipv4(a, ip);
}

static int add_record(struct world *w, __u32 vsid, __be32 ca, __be32 pa, const __u8 mac[6])
{
	struct nv_record_key k = { .vsid = vsid };
	struct nv_record rec = { .rule = NV_RULE_ENCAP };
	struct w_record *x;

	if (w->nrecords >= PROP_MAX_RECORDS)
		return 0;
	v4(&k.ca, ca);
	v4(&rec.pa, pa);
	memcpy(rec.mac, mac, 6);
	if (nv_record_add(&w->o.maps, &k, &rec, NULL)) {
		w->refused++;
		return 0;
	}
	x = &w->record[w->nrecords++];
	x->vsid = vsid;
	x->ca = ca;
	x->pa = pa;
	memcpy(x->mac, mac, 6);
	return 0;
}

static void add_port(struct world *w, int i)
{
	struct w_port *p = &w->port[i];
	struct nv_port cfg = {
		.vsid = p->vsid, .rdid = p->rdid, .deliver = p->deliver, .flags = p->flags
	};

	v4(&cfg.ca, p->ca);
	memcpy(cfg.mac, p->mac, 6);
	p->present = !nv_port_add(&w->o.maps, p->ifindex, &cfg, NULL);
	if (!p->present)
		w->refused++;
}

static void add_route(struct world *w, __u32 rdid, __be32 prefix, __u8 len, __u32 vsid,
		      __be32 nexthop)
{
	struct nv_route_key k = { .prefixlen = 96 + len, .rdid = rdid };
	struct nv_route rt = { .vsid = vsid };
	struct w_route *x;

	if (w->nroutes >= PROP_MAX_ROUTES)
		return;
	v4(&k.addr, prefix);
	if (nexthop)
		v4(&rt.nexthop, nexthop);
	if (nv_route_add(&w->o.maps, &k, &rt, NULL)) {
		w->refused++;
		return;
	}
	x = &w->route[w->nroutes++];
	*x = (struct w_route){
		.rdid = rdid, .prefix = prefix, .len = len, .vsid = vsid, .nexthop = nexthop
	};
}

static const struct w_record *random_record_in(struct rng *r, const struct world *w, __u32 rdid)
{
	const struct w_record *pick[PROP_MAX_RECORDS];
	int n = 0;

	for (int i = 0; i < w->nrecords; i++) {
		const struct w_subnet *s = w_subnet_of(w, w->record[i].vsid);

		if (s && s->rdid == rdid && w->record[i].ca)
			pick[n++] = &w->record[i];
	}
	return n ? pick[rng_below(r, n)] : NULL;
}

static const struct w_subnet *random_subnet_in(struct rng *r, const struct world *w, __u32 rdid)
{
	const struct w_subnet *pick[PROP_MAX_SUBNETS];
	int n = 0;

	for (int i = 0; i < w->nsubnets; i++)
		if (w->subnet[i].rdid == rdid)
			pick[n++] = &w->subnet[i];
	return n ? pick[rng_below(r, n)] : NULL;
}

static int make_subnets(struct world *w, struct rng *r, const __u32 *rdids, int nrdid)
{
	for (int t = 0; t < nrdid; t++) {
		int n = 1 + (int)rng_below(r, 3);

		for (int k = 0; k < n && w->nsubnets < PROP_MAX_SUBNETS; k++) {
			struct w_subnet *s = &w->subnet[w->nsubnets];
			struct nv_subnet cfg = { .rdid = rdids[t], .prefixlen = 96 + 24 };
			/* Range ends now and then: the wire checks the key against them. */
			__u32 vsid = rng_chance(r, 10)
					     ? (rng_chance(r, 50) ? NV_VSID_MIN : NV_VSID_MAX)
					     : NV_VSID_MIN + rng_below(r, 1u << 23);

			s->vsid = vsid - (vsid == NV_VSID_MAX ? (__u32)w->nsubnets : 0);
			s->rdid = rdids[t];
			s->prefix = IP4(10, 0, k, 0);
			s->gw = rng_chance(r, 20) ? IP4(10, 0, k, 1) : IP4(10, 0, k, 254);
			v4(&cfg.prefix, s->prefix);
			v4(&cfg.gw_ca, s->gw);
			/* Sometimes a MAC from the VMs' pool: routed and bridged frames then meet.
			 */
			if (rng_chance(r, 25)) {
				pool_mac(r, s->gw_mac);
				memcpy(cfg.gw_mac, s->gw_mac, 6);
			} else {
				nv_subnet_default_gw_mac(s->vsid, s->gw_mac);
			}
			if (nv_subnet_add(&w->o.maps, s->vsid, &cfg, NULL)) {
				w->refused++;
				continue;
			}
			w->nsubnets++;
		}
	}
	return w->nsubnets ? 0 : -EINVAL;
}

static void make_ports(struct world *w, struct rng *r)
{
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		const struct w_subnet *s = &w->subnet[rng_below(r, (__u32)w->nsubnets)];
		struct w_port *p = &w->port[i];

		p->ifindex = w->dev->port_dev[i];
		p->present = false;
		if (!rng_chance(r, 85))
			continue;
		p->vsid = s->vsid;
		p->rdid = s->rdid;
		p->ca = htonl(ntohl(s->prefix) + 1 + rng_below(r, 6));
		pool_mac(r, p->mac);
		p->deliver = rng_chance(r, 50) ? NV_DELIVER_XDP : NV_DELIVER_TC;
		p->flags = rng_chance(r, 50) ? NV_PORT_F_PEER : 0;
		p->present = true; /* a candidate until add_port says */
	}
}

static void make_records(struct world *w, struct rng *r, const __u32 *rdids, int nrdid)
{
	__u8 mac[6];

	/* The ports' own records, mostly at a local PA (bound), sometimes not. */
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		const struct w_port *p = &w->port[i];

		if (!p->present || !rng_chance(r, 85))
			continue;
		memcpy(mac, p->mac, 6);
		if (rng_chance(r, 5))
			pool_mac(r, mac);
		add_record(w, p->vsid, p->ca,
			   rng_chance(r, 90) ? w->local_pa[rng_below(r, (__u32)w->nlocal)]
					     : w->remote_pa[rng_below(r, (__u32)w->nremote)],
			   mac);
	}
	/* Other hosts' VMs, and now and then a local PA whose VM has no port (down). */
	for (int i = 0; i < w->nsubnets; i++) {
		const struct w_subnet *s = &w->subnet[i];
		int n = 2 + (int)rng_below(r, 4);

		for (int k = 0; k < n; k++) {
			pool_mac(r, mac);
			add_record(w, s->vsid, htonl(ntohl(s->prefix) + 1 + rng_below(r, 8)),
				   rng_chance(r, 90) ? w->remote_pa[rng_below(r, (__u32)w->nremote)]
						     : w->local_pa[rng_below(r, (__u32)w->nlocal)],
				   mac);
		}
	}
	/* Gateway wildcard records (CA 0): sources outside the RDID come from their PA. */
	for (int t = 0; t < nrdid; t++) {
		const struct w_subnet *s = random_subnet_in(r, w, rdids[t]);

		if (!s || !rng_chance(r, 60))
			continue;
		pool_mac(r, mac);
		add_record(w, s->vsid, 0, w->remote_pa[rng_below(r, (__u32)w->nremote)], mac);
	}
}

static void make_routes(struct world *w, struct rng *r, const __u32 *rdids, int nrdid)
{
	for (int t = 0; t < nrdid; t++) {
		const struct w_record *nh = random_record_in(r, w, rdids[t]);
		const struct w_subnet *s = random_subnet_in(r, w, rdids[t]);

		if (nh && rng_chance(r, 50))
			add_route(w, rdids[t], IP4(172, 16, 0, 0), 16, nh->vsid, nh->ca);
		nh = random_record_in(r, w, rdids[t]);
		if (nh && rng_chance(r, 30))
			add_route(w, rdids[t], 0, 0, nh->vsid, nh->ca);
		if (s && rng_chance(r, 30))
			add_route(w, rdids[t], IP4(10, 0, 0, 0), 16, s->vsid, 0);
	}
}

static void del_nexthop(struct world *w, const struct w_route *rt)
{
	struct nv_record_key k = { .vsid = rt->vsid };

	for (int i = 0; rt->nexthop && i < w->nrecords; i++) {
		if (w->record[i].vsid != rt->vsid || w->record[i].ca != rt->nexthop)
			continue;
		v4(&k.ca, rt->nexthop);
		if (nv_record_del(&w->o.maps, &k, NULL)) {
			w->refused++;
			return;
		}
		w->record[i] = w->record[--w->nrecords];
		return;
	}
}

int world_make(struct world *w, const struct devices *d, __u64 seed)
{
	struct nv_load_opts opts = { .max_records = 1024 };
	struct rng r = { rng_mix(seed, 0x776f726c64ull) };
	struct nv_config cfg = { 0 };
	__u32 rdids[3];
	int nrdid, err;
	union nv_addr a;

	memset(w, 0, sizeof(*w));
	w->dev = d;
	err = nv_objects_load(&w->o, &opts);
	if (err)
		return err;
	w->loaded = true;
	w->mtu = rng_chance(&r, 50) ? 1500 : 1600;
	err = fixture_set_mtu("pul0", w->mtu);
	if (err)
		goto fail;

	w->local_pa[w->nlocal++] = IP4(192, 0, 2, 1);
	if (rng_chance(&r, 50))
		w->local_pa[w->nlocal++] = IP4(192, 0, 2, 4);
	w->remote_pa[w->nremote++] = IP4(192, 0, 2, 2);
	w->remote_pa[w->nremote++] = IP4(192, 0, 2, 3);
	w->remote_pa[w->nremote++] = IP4(192, 0, 2, 5);
	for (int i = 0; i < w->nlocal && !err; i++) {
		v4(&a, w->local_pa[i]);
		err = nv_local_pa_add(&w->o.maps, &a, d->underlay, NULL);
	}
	/* Now and then not attached to an underlay: nothing may leave for another host. */
	w->underlay = rng_chance(&r, 10) ? 0 : d->underlay;
	cfg.underlay_ifindex = w->underlay;
	v4(&cfg.pa, w->local_pa[0]);
	if (!err)
		err = nv_config_set(&w->o.maps, &cfg, NULL);
	/* Every verdict an event, none rate-limited: the check reads the target from it. */
	if (!err)
		err = nv_events_set(&w->o.maps, NV_EVENTS_TRACE, ~0u);
	if (err)
		goto fail;

	/* Tenants reusing each other's prefixes; RDIDs small and not in order. */
	nrdid = 2 + rng_chance(&r, 30);
	rdids[0] = 1 + rng_below(&r, 3);
	rdids[1] = rdids[0] % 3 + 1;
	rdids[2] = rdids[1] % 3 + 1;
	err = make_subnets(w, &r, rdids, nrdid);
	if (err)
		goto fail;
	make_ports(w, &r);
	/* Ports before or after their records: binding must come out the same. */
	if (rng_chance(&r, 50)) {
		for (int i = 0; i < PROP_MAX_PORTS; i++)
			if (w->port[i].present)
				add_port(w, i);
		make_records(w, &r, rdids, nrdid);
	} else {
		make_records(w, &r, rdids, nrdid);
		for (int i = 0; i < PROP_MAX_PORTS; i++)
			if (w->port[i].present)
				add_port(w, i);
	}
	make_routes(w, &r, rdids, nrdid);
	/* Now and then this second's ICMP errors already spent: time exceeded is then counted. */
	if (rng_chance(&r, 20))
		fixture_icmp_budget_spend(w->o.maps.fd[NV_MAP_ICMP_STATE]);
	/* A next hop's record deleted under its route (the library keeps the route). */
	if (w->nroutes && rng_chance(&r, 25))
		del_nexthop(w, &w->route[rng_below(&r, (__u32)w->nroutes)]);
	return 0;
fail:
	world_free(w);
	return err;
}

void world_free(struct world *w)
{
	if (w->loaded)
		nv_objects_destroy(&w->o);
	w->loaded = false;
}

const struct w_subnet *w_subnet_of(const struct world *w, __u32 vsid)
{
	for (int i = 0; i < w->nsubnets; i++)
		if (w->subnet[i].vsid == vsid)
			return &w->subnet[i];
	return NULL;
}

const struct w_record *w_record_of(const struct world *w, __u32 vsid, __be32 ca)
{
	for (int i = 0; i < w->nrecords; i++)
		if (w->record[i].vsid == vsid && w->record[i].ca == ca)
			return &w->record[i];
	return NULL;
}

const struct w_record *w_record_in_rdid(const struct world *w, __u32 rdid, __be32 ca)
{
	for (int i = 0; i < w->nrecords; i++) {
		const struct w_subnet *s = w_subnet_of(w, w->record[i].vsid);

		if (s && s->rdid == rdid && w->record[i].ca == ca)
			return &w->record[i];
	}
	return NULL;
}

const struct w_port *w_port_at(const struct world *w, __u32 ifindex)
{
	for (int i = 0; i < PROP_MAX_PORTS; i++)
		if (w->port[i].present && w->port[i].ifindex == ifindex)
			return &w->port[i];
	return NULL;
}

bool w_pa_local(const struct world *w, __be32 pa)
{
	for (int i = 0; i < w->nlocal; i++)
		if (w->local_pa[i] == pa)
			return true;
	return false;
}

static const char *ip(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

void world_print(const struct world *w, FILE *f)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	fprintf(f, "world: underlay mtu %u, local PAs", w->mtu);
	for (int i = 0; i < w->nlocal; i++)
		fprintf(f, " %s", ip(w->local_pa[i], a));
	fprintf(f, ", %u adds refused\n", w->refused);
	for (int i = 0; i < w->nsubnets; i++) {
		const struct w_subnet *s = &w->subnet[i];
		const __u8 *m = s->gw_mac;

		fprintf(f, "  subnet vsid %u rdid %u %s/24 gw %s %02x:%02x:%02x:%02x:%02x:%02x\n",
			s->vsid, s->rdid, ip(s->prefix, a), ip(s->gw, b), m[0], m[1], m[2], m[3],
			m[4], m[5]);
	}
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		const struct w_port *p = &w->port[i];

		if (p->present)
			fprintf(f, "  port %u vsid %u ca %s mac ..:%02x deliver %u flags %u\n",
				p->ifindex, p->vsid, ip(p->ca, a), p->mac[5], p->deliver, p->flags);
	}
	for (int i = 0; i < w->nrecords; i++) {
		const struct w_record *x = &w->record[i];

		fprintf(f, "  record vsid %u ca %s pa %s mac ..:%02x\n", x->vsid, ip(x->ca, a),
			ip(x->pa, b), x->mac[5]);
	}
	for (int i = 0; i < w->nroutes; i++) {
		const struct w_route *x = &w->route[i];

		fprintf(f, "  route rdid %u %s/%u vsid %u via %s\n", x->rdid, ip(x->prefix, a),
			x->len, x->vsid, x->nexthop ? ip(x->nexthop, b) : "on-link");
	}
}
