// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "nv_migrate.h"
#include "nv_pins.h"

unsigned int nv_migrate_pinned_abi(const char *pin_dir)
{
	unsigned int found = 0, v;
	struct dirent *e;
	DIR *d = opendir(pin_dir);
	char tail;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		if (sscanf(e->d_name, "maps-v%u%c", &v, &tail) == 1 && v != NV_ABI_VERSION)
			found = v;
	closedir(d);
	return found;
}

/* One map's layout as the kernel keeps it: sizes and, when it has BTF, the types. */
struct layout {
	struct btf *btf;
	__u32 key_type, value_type, key_size, value_size;
};

static int layout_of(int fd, struct layout *l)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	memset(l, 0, sizeof(*l));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	l->key_size = info.key_size;
	l->value_size = info.value_size;
	l->key_type = info.btf_key_type_id;
	l->value_type = info.btf_value_type_id;
	if (info.btf_id) {
		l->btf = btf__load_from_kernel_by_id(info.btf_id);
		if (!l->btf)
			return -errno;
	}
	return 0;
}

static const struct btf_member *member_named(const struct btf *b, const struct btf_type *t,
					     const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(b, m->name_off), name))
			return m;
	return NULL;
}

/*
 * The value at from (type fid of fb) into to (type tid of tb), field by field by name, recursing
 * into structs, unions and arrays; scalars of the same size are copied, anything else stays zero.
 */
static void convert(const struct btf *fb, __u32 fid, const __u8 *from, const struct btf *tb,
		    __u32 tid, __u8 *to, int depth)
{
	const struct btf_type *f, *t;
	int fr = btf__resolve_type(fb, fid), tr = btf__resolve_type(tb, tid);

	if (fr < 0 || tr < 0 || depth > 8)
		return;
	f = btf__type_by_id(fb, fr);
	t = btf__type_by_id(tb, tr);
	if (btf_is_composite(t)) {
		const struct btf_member *m = btf_members(t);

		if (!btf_is_composite(f))
			return;
		for (int i = 0; i < btf_vlen(t); i++, m++) {
			const char *name = btf__name_by_offset(tb, m->name_off);
			const struct btf_member *o =
				name && *name ? member_named(fb, f, name) : NULL;
			int oi = o ? (int)(o - btf_members(f)) : -1;

			/* No bitfields in the ABI: one would not be carried over. */
			if (!o || btf_member_bitfield_size(t, i) || btf_member_bitfield_size(f, oi))
				continue;
			convert(fb, o->type, from + btf_member_bit_offset(f, oi) / 8, tb, m->type,
				to + btf_member_bit_offset(t, i) / 8, depth + 1);
		}
		return;
	}
	if (btf_is_array(t)) {
		const struct btf_array *ta = btf_array(t), *fa;
		__s64 ts = btf__resolve_size(tb, ta->type), fs;

		if (!btf_is_array(f) || ts <= 0)
			return;
		fa = btf_array(f);
		fs = btf__resolve_size(fb, fa->type);
		for (__u32 i = 0; fs > 0 && i < ta->nelems && i < fa->nelems; i++)
			convert(fb, fa->type, from + i * fs, tb, ta->type, to + i * ts, depth + 1);
		return;
	}
	if ((btf_is_int(t) || btf_is_enum(t)) && btf_kind(f) == btf_kind(t) && f->size == t->size)
		memcpy(to, from, t->size);
}

/* Old key or value into the new layout: by BTF when both have it, else as is if sizes agree. */
static int carry(const struct layout *o, __u32 otype, __u32 osize, const void *from,
		 const struct layout *n, __u32 ntype, __u32 nsize, void *to)
{
	memset(to, 0, nsize);
	if (o->btf && n->btf && otype && ntype) {
		convert(o->btf, otype, from, n->btf, ntype, to, 0);
		return 0;
	}
	if (osize != nsize)
		return -EPROTO; /* another layout, and nothing says which field is which */
	memcpy(to, from, nsize);
	return 0;
}

typedef int (*entry_fn)(const struct nv_maps *m, const void *key, const void *value, void *arg,
			struct nv_conflict *why);

/* Every entry of the old map of id (missing: nothing to carry), converted, to fn. */
static int each_old_entry(const char *maps_dir, const struct nv_maps *m, enum nv_map_id id,
			  entry_fn fn, void *arg, struct nv_conflict *why)
{
	struct layout o, n;
	char path[PATH_MAX];
	__u8 *buf = NULL;
	int fd, err;

	if (m->fd[id] < 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", maps_dir, nv_map_specs[id].name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = layout_of(fd, &o);
	if (!err)
		err = layout_of(m->fd[id], &n);
	if (!err) {
		/* old key, next key, old value, new key, new value */
		buf = calloc(1, 2 * (size_t)o.key_size + o.value_size + n.key_size + n.value_size);
		if (!buf)
			err = -ENOMEM;
	}
	if (!err) {
		__u8 *ok = buf, *next = ok + o.key_size, *ov = next + o.key_size;
		__u8 *nk = ov + o.value_size, *nv = nk + n.key_size;
		void *prev = NULL;

		while (!err && !bpf_map_get_next_key(fd, prev, next)) {
			memcpy(ok, next, o.key_size);
			prev = ok;
			if (bpf_map_lookup_elem(fd, ok, ov))
				continue; /* deleted meanwhile */
			err = carry(&o, o.key_type, o.key_size, ok, &n, n.key_type, n.key_size, nk) ?:
				      carry(&o, o.value_type, o.value_size, ov, &n, n.value_type,
					    n.value_size, nv) ?:
				      fn(m, nk, nv, arg, why);
		}
	}
	free(buf);
	btf__free(o.btf);
	btf__free(n.btf);
	close(fd);
	return err;
}

static int subnet_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		     struct nv_conflict *why)
{
	struct nv_migrate_counts *n = arg;

	n->subnets++;
	return nv_subnet_add(m, *(const __u32 *)k, v, why);
}

static int local_pa_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		       struct nv_conflict *why)
{
	struct nv_migrate_counts *n = arg;

	n->local_pas++;
	return nv_local_pa_add(m, k, ((const struct nv_local_pa *)v)->ifindex, why);
}

static int config_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		     struct nv_conflict *why)
{
	(void)k;
	(void)arg;
	return nv_config_set(m, v, why);
}

static int port_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		   struct nv_conflict *why)
{
	struct nv_migrate_counts *n = arg;
	struct nv_port p = *(const struct nv_port *)v;

	/* Its binding is the library's to compute again. */
	memset(&p.pa, 0, sizeof(p.pa));
	memset(p.gw_mac, 0, sizeof(p.gw_mac));
	n->ports++;
	return nv_port_add(m, *(const __u32 *)k, &p, why);
}

struct records {
	struct nv_record_key *k;
	struct nv_record *r;
	size_t n, cap;
};

static int record_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		     struct nv_conflict *why)
{
	struct records *rs = arg;

	(void)m;
	(void)why;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 1024;
		struct nv_record_key *nk = realloc(rs->k, cap * sizeof(*nk));
		struct nv_record *nr;

		if (!nk)
			return -ENOMEM;
		rs->k = nk;
		nr = realloc(rs->r, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		rs->r = nr;
		rs->cap = cap;
	}
	rs->k[rs->n] = *(const struct nv_record_key *)k;
	rs->r[rs->n] = *(const struct nv_record *)v;
	/* What this host knows of it is the library's to compute again. */
	rs->r[rs->n].local = 0;
	rs->r[rs->n].ifindex = 0;
	rs->r[rs->n].rdid = 0;
	memset(rs->r[rs->n].gw_mac, 0, sizeof(rs->r[rs->n].gw_mac));
	rs->n++;
	return 0;
}

static int route_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		    struct nv_conflict *why)
{
	const struct nv_route_table_key *tk = k;
	const struct nv_route_entry *e = v;
	struct nv_route_key rk = { .prefixlen = tk->prefixlen, .rdid = tk->rdid, .addr = tk->addr };
	struct nv_route r = { .vsid = e->vsid, .metric = e->metric, .nexthop = tk->nexthop };
	struct nv_migrate_counts *n = arg;

	/* A subnet's on-link route comes with the subnet. */
	if (e->flags & NV_ROUTE_F_SUBNET)
		return 0;
	n->routes++;
	return nv_route_add(m, &rk, &r, why);
}

/* The old instance's external devices, for the legs that name them (their MAC and flags). */
struct gw_devs {
	struct {
		__u32 ifindex;
		struct nv_gw_dev d;
	} * v;
	size_t n, cap;
};

static int gw_dev_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		     struct nv_conflict *why)
{
	struct gw_devs *ds = arg;

	(void)m;
	(void)why;
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? 2 * ds->cap : 16;
		void *p = realloc(ds->v, cap * sizeof(*ds->v));

		if (!p)
			return -ENOMEM;
		ds->v = p;
		ds->cap = cap;
	}
	ds->v[ds->n].ifindex = *(const __u32 *)k;
	ds->v[ds->n++].d = *(const struct nv_gw_dev *)v;
	return 0;
}

struct gw_legs {
	const struct gw_devs *devs;
	struct nv_migrate_counts *n;
};

static int gw_leg_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		     struct nv_conflict *why)
{
	const struct nv_gw_leg *leg = v;
	struct nv_gw_dev_info info = { 0 };
	struct gw_legs *c = arg;

	/* The device's entry is the library's to rebuild (its legs, its forward RDID) from these.
	 */
	for (size_t i = 0; i < c->devs->n; i++)
		if (c->devs->v[i].ifindex == leg->ext_ifindex) {
			memcpy(info.mac, c->devs->v[i].d.mac, sizeof(info.mac));
			info.flags = c->devs->v[i].d.flags;
		}
	c->n->gw_legs++;
	return nv_gw_leg_add(m, *(const __u32 *)k, leg, &info, why);
}

static int gw_route_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		       struct nv_conflict *why)
{
	const struct nv_route_key *rk = k;
	struct nv_migrate_counts *n = arg;

	/* The trie's prefix covers the RDID's 32 bits, then the address. */
	if (rk->prefixlen < 32)
		return -EPROTO;
	n->gw_routes++;
	return nv_gw_route_add(m, rk->rdid, &rk->addr, rk->prefixlen - 32,
			       &((const struct nv_gw_route *)v)->via, why);
}

static int nat_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		  struct nv_conflict *why)
{
	struct nv_migrate_counts *n = arg;

	n->nats++;
	return nv_nat_add(m, *(const __u32 *)k, v, why);
}

static int nat_map_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
		      struct nv_conflict *why)
{
	struct nv_migrate_counts *n = arg;

	n->nat_maps++;
	return nv_nat_map_add(m, k, v, why);
}

static int ct_timeouts_fn(const struct nv_maps *m, const void *k, const void *v, void *arg,
			  struct nv_conflict *why)
{
	(void)k;
	(void)arg;
	return nv_ct_timeouts_set(m, v, why);
}

/* The gateway's policy, in the order its objects need each other: legs, then their NATs. */
static int migrate_gateway(const char *dir, const struct nv_maps *m, struct nv_migrate_counts *n,
			   struct nv_conflict *why)
{
	struct gw_devs devs = { 0 };
	struct gw_legs legs = { .devs = &devs, .n = n };
	int err;

	err = each_old_entry(dir, m, NV_MAP_GW_DEVS, gw_dev_fn, &devs, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_GW_LEGS, gw_leg_fn, &legs, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_GW_ROUTES, gw_route_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_NATS, nat_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_NAT_MAPS, nat_map_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_CT_TIMEOUTS, ct_timeouts_fn, NULL, why);
	free(devs.v);
	return err;
}

int nv_migrate_policy(const char *pin_dir, unsigned int abi, const struct nv_maps *m,
		      struct nv_migrate_counts *n, struct nv_conflict *why)
{
	struct records rs = { 0 };
	char dir[PATH_MAX];
	size_t failed = 0;
	int err;

	memset(n, 0, sizeof(*n));
	err = nv_pin_abi_dir(pin_dir, "maps", abi, dir, sizeof(dir));
	/* In the order the library wants: what each object needs exists before it. */
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_SUBNETS, subnet_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_LOCAL_PAS, local_pa_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_CONFIG, config_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_PORTS, port_fn, n, why);
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_RECORDS, record_fn, &rs, why);
	if (!err && rs.n)
		err = nv_record_add_many(m, rs.k, rs.r, rs.n, &failed, why);
	if (!err)
		n->records = (__u32)rs.n;
	if (!err)
		err = each_old_entry(dir, m, NV_MAP_ROUTE_TABLE, route_fn, n, why);
	if (!err)
		err = migrate_gateway(dir, m, n, why);
	free(rs.k);
	free(rs.r);
	return err;
}

int nv_migrate_progs_open(const char *pin_dir, unsigned int abi, int fd[NV_PROG__COUNT])
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int err = nv_pin_abi_dir(pin_dir, "progs", abi, dir, sizeof(dir));

	for (int i = 0; i < NV_PROG__COUNT; i++)
		fd[i] = -1;
	for (int i = 0; i < NV_PROG__COUNT && !err; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, nv_progs[i].name);
		fd[i] = bpf_obj_get(path);
		if (fd[i] < 0 && errno != ENOENT)
			err = -errno;
	}
	if (err)
		for (int i = 0; i < NV_PROG__COUNT; i++)
			if (fd[i] >= 0)
				close(fd[i]), fd[i] = -1;
	return err;
}

static int remove_dir(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path) && !err)
				err = -errno;
		}
	closedir(d);
	if (!err && rmdir(dir))
		err = -errno;
	return err;
}

int nv_migrate_remove(const char *pin_dir, unsigned int abi)
{
	char dir[PATH_MAX];
	int err = nv_pin_abi_dir(pin_dir, "progs", abi, dir, sizeof(dir));

	if (!err)
		err = remove_dir(dir);
	if (!err)
		err = nv_pin_abi_dir(pin_dir, "maps", abi, dir, sizeof(dir));
	if (!err)
		err = remove_dir(dir);
	return err;
}
