/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_record_add_many: the checks of nv_record_add per record, with a hash set of the call's keys
 * for duplicates, and the records at remote PAs written by batch updates.
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
		if (nv_addr_eq(&s->v[i], pa))
			return true;
	return s->overflow && nv_local_pa_has(m, pa);
}

struct add_many {
	const struct nv_maps *m;
	struct nv_record_key *key;     /* normalized keys, all n */
	struct nv_record *val;	       /* values waiting for one batch update, from index first */
	struct nv_rdid_ca_key *ix_key; /* their nv_rdid_cas entries (copies), written just before */
	struct nv_rdid_ca *ix_val;
	size_t first, pending;
	size_t done; /* keys[0..done) are in the map */
};

/* The index entries of the waiting records from the one at index from on: taken back. */
static void index_undo(struct add_many *a, size_t from)
{
	for (size_t i = from; i < a->pending; i++)
		bpf_map_delete_elem(a->m->fd[NV_MAP_RDID_CAS], &a->ix_key[i]);
}

/* Writes the waiting records; on failure *failed is the index of the record that failed. */
static int add_many_flush(struct add_many *a, size_t *failed, struct nv_conflict *why)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = a->pending;
	int err;

	if (!a->pending)
		return 0;
	/* The index first, as nv_record_add writes it: no wildcard goes this way (see below). */
	err = bpf_map_update_batch(a->m->fd[NV_MAP_RDID_CAS], a->ix_key, a->ix_val, &count, &opts);
	if (err) {
		/* count: the entries written before the one that failed, which is the record's. */
		index_undo(a, 0);
		*failed = a->first + (count < a->pending ? count : 0);
		return nv_map_write_err(why, NV_MAP_RDID_CAS, err);
	}
	count = a->pending;
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
		index_undo(a, count);
		*failed = a->done;
		return nv_map_write_err(why, NV_MAP_RECORDS, err);
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
	struct nv_subnet s;
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
	a.ix_key = malloc((n < ADD_MANY_CHUNK ? n : ADD_MANY_CHUNK) * sizeof(*a.ix_key));
	a.ix_val = malloc((n < ADD_MANY_CHUNK ? n : ADD_MANY_CHUNK) * sizeof(*a.ix_val));
	set.slot = calloc(size, sizeof(*set.slot));
	if (!a.key || !a.val || !a.ix_key || !a.ix_val || !set.slot) {
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
		struct nv_record old;

		/* The checks of nv_record_add, in its order. */
		err = nv_record_key_check(m, &k[i], &a.key[i], why);
		if (!err)
			err = nv_record_value_check(&a.key[i], &r[i], why);
		if (!err && a.key[i].vsid != last_vsid) {
			err = nv_subnet_lookup(m, a.key[i].vsid, &s, why);
			if (!err)
				last_vsid = a.key[i].vsid;
		}
		if (!err)
			err = nv_subnet_ca_check(a.key[i].vsid, &s, &a.key[i].ca, true, why);
		if (err)
			break;
		if (!key_set_insert(&set, i) ||
		    (!was_empty && !bpf_map_lookup_elem(m->fd[NV_MAP_RECORDS], &a.key[i], &old))) {
			err = NV_RAISE(why, RECORD_EXISTS, .vsid = a.key[i].vsid,
				       .ca = a.key[i].ca);
			break;
		}
		if (!have_pa || !nv_addr_eq(&last_pa, &r[i].pa)) {
			last_pa = r[i].pa;
			last_local = pa_set_has(m, &pas, &last_pa);
			have_pa = true;
		}
		/* A wildcard is one per RDID, which only nv_record_add checks against the index. */
		if (last_local || nv_addr_is_wildcard(&a.key[i].ca)) {
			/* It may bind a port: the one-record path, in order. */
			err = add_many_flush(&a, failed, why);
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
		v->rdid = s.rdid;
		memcpy(v->gw_mac, s.gw_mac, sizeof(v->gw_mac));
		memset(&a.ix_key[a.pending - 1], 0, sizeof(a.ix_key[0]));
		a.ix_key[a.pending - 1].rdid = s.rdid;
		a.ix_key[a.pending - 1].ca = a.key[i].ca;
		memset(&a.ix_val[a.pending - 1], 0, sizeof(a.ix_val[0]));
		a.ix_val[a.pending - 1].vsid = a.key[i].vsid;
		a.ix_val[a.pending - 1].rec = *v;
		if (a.pending == ADD_MANY_CHUNK) {
			err = add_many_flush(&a, failed, why);
			if (err)
				goto undo;
		}
	}
	if (err) {
		*failed = i;
		goto undo;
	}
	err = add_many_flush(&a, failed, why);
	if (!err)
		goto out;
undo:
	/* Newest first, each as nv_record_del takes it back (a local one may have bound a port). */
	while (a.done--)
		nv_record_del(m, &a.key[a.done], NULL);
out:
	free(set.slot);
	free(a.ix_val);
	free(a.ix_key);
	free(a.val);
	free(a.key);
	return err;
}
