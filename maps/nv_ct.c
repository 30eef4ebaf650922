/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The connection table nv_ct (nvgre_abi.h): two entries per connection, NV_CT_OUT (as the tenant
 * sends) and NV_CT_IN (the reply as it arrives at the external address), each naming the other
 * through its translation. Walked with BPF_MAP_LOOKUP_BATCH and pruned with BPF_MAP_DELETE_BATCH:
 * a table of a million entries is read in a few hundred calls, not two million. The batch cursor
 * of a hash map is a bucket index, so removing entries while walking skips and repeats nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

#define CT_BATCH   4096u
#define NSEC_PER_S 1000000000ull
/* The longest a datapath insert of a pair takes, by far: a lone half younger than this stays. */
#define CT_ORPHAN_NS NSEC_PER_S

void nv_ct_in_key(const struct nv_ct_key *out, const struct nv_ct_entry *oe, struct nv_ct_key *in)
{
	struct nv_ct_key k;

	/* The reply of the translated packet: its addresses and ports swapped, rdid 0. */
	memset(&k, 0, sizeof(k));
	k.src = out->dst;
	k.dst = oe->addr;
	k.sport = out->dport;
	k.dport = oe->port;
	k.proto = out->proto;
	k.dir = NV_CT_IN;
	*in = k;
}

void nv_ct_out_key(const struct nv_ct_key *in, const struct nv_ct_entry *ie, struct nv_ct_key *out)
{
	struct nv_ct_key k;

	memset(&k, 0, sizeof(k));
	k.rdid = ie->rdid;
	k.src = ie->addr;
	k.dst = in->src;
	k.sport = ie->port;
	k.dport = in->sport;
	k.proto = in->proto;
	k.dir = NV_CT_OUT;
	*out = k;
}

struct ct_walk;
typedef int (*ct_cb)(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		     void *arg);

/* A walk of nv_ct: a batch of entries, and the keys its callbacks queued for removal. */
struct ct_walk {
	const struct nv_maps *m;
	struct nv_ct_key *keys;
	struct nv_ct_entry *vals;
	struct nv_ct_key *del; /* 2 * CT_BATCH: at most both halves of each entry */
	__u32 ndel;
};

/* Queues k for removal at the end of the batch: ct_walk removes it. */
static void ct_queue_del(struct ct_walk *w, const struct nv_ct_key *k)
{
	w->del[w->ndel++] = *k;
}

/* The queued keys, in few syscalls; one that is gone already (ENOENT) is skipped. */
static int ct_del_queued(struct ct_walk *w)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 i = 0;
	int err = 0;

	while (i < w->ndel) {
		__u32 n = w->ndel - i;

		err = bpf_map_delete_batch(w->m->fd[NV_MAP_CT], &w->del[i], &n, &opts);
		/* n: the keys removed before the one that failed. */
		i += n;
		if (err == -ENOENT) {
			i++;
			err = 0;
		} else if (err) {
			break;
		}
	}
	w->ndel = 0;
	return err;
}

/*
 * Calls cb for every entry of nv_ct, read a batch at a time. The removals cb queues are made at
 * the end of each batch, so that all of a batch is judged on the table as it was read: an entry
 * whose other half is in the same batch finds it there, whatever their order. The next batch
 * starts after the removals and does not hold what they removed. Returns 0, a negative errno,
 * or the first nonzero value of cb.
 */
static int ct_walk(const struct nv_maps *m, ct_cb cb, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct ct_walk w = { .m = m };
	__u64 cursor[2] = { 0 }, next[2] = { 0 }; /* a hash map's: a __u32 bucket index */
	bool first = true;
	int err = -ENOMEM;

	w.keys = malloc(CT_BATCH * sizeof(*w.keys));
	w.vals = malloc(CT_BATCH * sizeof(*w.vals));
	w.del = malloc(2 * CT_BATCH * sizeof(*w.del));
	while (w.keys && w.vals && w.del) {
		__u32 n = CT_BATCH;
		int last;

		last = bpf_map_lookup_batch(m->fd[NV_MAP_CT], first ? NULL : cursor, next, w.keys,
					    w.vals, &n, &opts);
		/* ENOENT: the last batch, n entries in it (maybe none). */
		if (last && last != -ENOENT) {
			err = last;
			break;
		}
		err = 0;
		for (__u32 i = 0; i < n && !err; i++)
			err = cb(&w, &w.keys[i], &w.vals[i], arg);
		if (w.ndel) {
			int derr = ct_del_queued(&w);

			if (!err)
				err = derr;
		}
		if (err || last)
			break;
		memcpy(cursor, next, sizeof(cursor));
		first = false;
	}
	free(w.keys);
	free(w.vals);
	free(w.del);
	return err;
}

/* 1 when the entry is there (into e, may be NULL), 0 when not, or a negative errno. */
static int ct_get(const struct nv_maps *m, const struct nv_ct_key *k, struct nv_ct_entry *e)
{
	struct nv_ct_entry v;
	int err = bpf_map_lookup_elem(m->fd[NV_MAP_CT], k, &v);

	if (err)
		return err == -ENOENT ? 0 : err;
	if (e)
		*e = v;
	return 1;
}

/*
 * Whether an IN half is alone: 1 when its OUT half is not there, 0 when it is (the OUT half
 * speaks for the connection), or a negative errno.
 */
static int in_alone(const struct nv_maps *m, const struct nv_ct_key *k, const struct nv_ct_entry *e)
{
	struct nv_ct_key o;
	int err;

	nv_ct_out_key(k, e, &o);
	err = ct_get(m, &o, NULL);
	return err < 0 ? err : !err;
}

/* ---- reading ---- */

struct ct_iter {
	__u32 rdid;
	nv_ct_cb cb;
	void *arg;
};

static int ct_iter_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		      void *arg)
{
	struct ct_iter *it = arg;
	struct nv_ct_conn c;
	int err;

	if (k->dir != NV_CT_OUT || (it->rdid && k->rdid != it->rdid))
		return 0;
	memset(&c, 0, sizeof(c));
	c.out = *k;
	c.out_e = *e;
	nv_ct_in_key(k, e, &c.in);
	err = ct_get(w->m, &c.in, &c.in_e);
	if (err < 0)
		return err;
	c.has_in = err;
	return it->cb(&c, it->arg);
}

int nv_ct_iter(const struct nv_maps *m, __u32 rdid, nv_ct_cb cb, void *arg)
{
	struct ct_iter it = { rdid, cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return ct_walk(m, ct_iter_cb, &it);
}

static int ct_count_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		       void *arg)
{
	(void)w, (void)e;
	if (k->dir == NV_CT_OUT)
		++*(__u32 *)arg;
	return 0;
}

int nv_ct_count(const struct nv_maps *m, __u32 *conns)
{
	__u32 n = 0;
	int err;

	if (!m || !conns)
		return -EINVAL;
	err = ct_walk(m, ct_count_cb, &n);
	if (!err)
		*conns = n;
	return err;
}

/* ---- removing ---- */

struct ct_flush {
	bool all;
	__u32 rdid;
	__u64 removed;
};

static int ct_flush_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		       void *arg)
{
	struct ct_flush *f = arg;
	struct nv_ct_key in;
	int err;

	if (k->dir == NV_CT_OUT) {
		if (!f->all && k->rdid != f->rdid)
			return 0;
		/* Both halves, the reply's first: never a reply with no way back. */
		nv_ct_in_key(k, e, &in);
		ct_queue_del(w, &in);
		ct_queue_del(w, k);
		f->removed++;
		return 0;
	}
	if (!f->all && e->rdid != f->rdid)
		return 0;
	err = in_alone(w->m, k, e);
	if (err <= 0)
		return err;
	ct_queue_del(w, k);
	f->removed++;
	return 0;
}

static int ct_flush(const struct nv_maps *m, bool all, __u32 rdid, __u64 *removed)
{
	struct ct_flush f = { .all = all, .rdid = rdid };
	int err = ct_walk(m, ct_flush_cb, &f);

	if (removed)
		*removed = f.removed;
	return err;
}

/* rdid 0 of the API is every RDID; here it is RDID 0, a routing domain like any other. */
int nv_ct_remove_rdid(const struct nv_maps *m, __u32 rdid, __u64 *removed)
{
	return ct_flush(m, false, rdid, removed);
}

int nv_ct_flush(const struct nv_maps *m, __u32 rdid, __u64 *removed)
{
	if (removed)
		*removed = 0;
	if (!m)
		return -EINVAL;
	return ct_flush(m, !rdid, rdid, removed);
}

/*
 * The halves opened through static mapping k, each matched by its own fields (both halves of a
 * pair match), so no lookup of the other half is needed: an IN half arrived at k's address and
 * port, an OUT half translates to them.
 */
static int ct_static_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
			void *arg)
{
	const struct nv_nat_map_key *mk = arg;
	bool match;

	if (!(e->flags & NV_CT_F_STATIC) || k->proto != mk->proto)
		return 0;
	if (k->dir == NV_CT_IN)
		match = nv_addr_eq(&k->dst, &mk->ext) && k->dport == mk->port;
	else
		match = nv_addr_eq(&e->addr, &mk->ext) && e->port == mk->port;
	if (match)
		ct_queue_del(w, k);
	return 0;
}

int nv_ct_remove_static(const struct nv_maps *m, const struct nv_nat_map_key *k)
{
	return ct_walk(m, ct_static_cb, (void *)k);
}

/* ---- the collector ---- */

/*
 * The collector pairs the halves in user space rather than looking each one's other half up (a
 * syscall per entry, most of the time of a walk): each entry is filed under its connection, the
 * 64-bit hash of the connection's OUT key, in a set of the connections one half of which has been
 * seen; the second half to come takes the first one out and the pair is judged. What the set
 * still holds at the end are lone halves. A slot is the hash with its low 3 bits replaced by
 * what the collector needs of the half: its direction, expired, created more than 1 s ago. Only
 * the pairs to remove (and the lone halves) are looked up again, fresh, before they go: a hash
 * collision or a half the datapath refreshed meanwhile never removes a live connection.
 */
#define GC_IN	 1ull /* the half is NV_CT_IN */
#define GC_EXP	 2ull /* it had expired */
#define GC_OLD	 4ull /* created more than CT_ORPHAN_NS before now */
#define GC_BITS	 7ull
#define GC_TOMB	 1ull /* a slot taken out (a real slot's hash bits are never all zero) */
#define GC_SLOTS (1u << 16)

struct gc_set {
	__u64 *slot; /* 0: empty */
	size_t cap;  /* a power of two */
	size_t used; /* slots not empty: entries and tombstones */
};

/* The connection's slot: its OUT key mixed 8 bytes at a time (murmur3's finalizer). */
static __u64 ct_hash(const struct nv_ct_key *k)
{
	__u64 w[(sizeof(*k) + 7) / 8] = { 0 }, h = 0x9e3779b97f4a7c15ull;

	memcpy(w, k, sizeof(*k));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h ^= w[i];
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 33;
	}
	/* Never 0 in the hash bits: 0 and GC_TOMB mark free slots. */
	return (h & ~GC_BITS) ? h & ~GC_BITS : 1ull << 3;
}

static size_t gc_index(const struct gc_set *s, __u64 v)
{
	return (size_t)(v >> 3 ^ v >> 35) & (s->cap - 1);
}

static int gc_grow(struct gc_set *s)
{
	size_t cap = s->cap ? 2 * s->cap : GC_SLOTS;
	struct gc_set n = { .slot = calloc(cap, sizeof(__u64)), .cap = cap };

	if (!n.slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		__u64 v = s->slot[i];
		size_t j;

		if (v <= GC_TOMB)
			continue;
		for (j = gc_index(&n, v); n.slot[j]; j = (j + 1) & (cap - 1))
			;
		n.slot[j] = v;
		n.used++;
	}
	free(s->slot);
	*s = n;
	return 0;
}

/* Files the half v (hash | bits); load kept under one half. */
static int gc_put(struct gc_set *s, __u64 v)
{
	size_t j;
	int err;

	if (2 * (s->used + 1) > s->cap) {
		err = gc_grow(s);
		if (err)
			return err;
	}
	for (j = gc_index(s, v); s->slot[j] > GC_TOMB; j = (j + 1) & (s->cap - 1))
		;
	if (!s->slot[j])
		s->used++;
	s->slot[j] = v;
	return 0;
}

/* Takes out a half of connection h in direction dir (GC_IN or 0): its bits, or -1 when none. */
static int gc_take(struct gc_set *s, __u64 h, __u64 dir)
{
	if (!s->cap)
		return -1;
	for (size_t j = gc_index(s, h); s->slot[j]; j = (j + 1) & (s->cap - 1)) {
		__u64 v = s->slot[j];

		if (v > GC_TOMB && (v & ~GC_BITS) == h && (v & GC_IN) == dir) {
			s->slot[j] = GC_TOMB;
			return (int)(v & GC_BITS);
		}
	}
	return -1;
}

struct ct_gc {
	__u64 now_ns;
	struct nv_ct_gc_stats st;
	struct gc_set pending; /* one half seen */
	struct gc_set orphans; /* lone halves old enough to go: the second walk removes them */
};

static bool expired(const struct nv_ct_entry *e, __u64 now_ns)
{
	return e->expires_ns < now_ns;
}

static bool orphan_old(const struct nv_ct_entry *e, __u64 now_ns)
{
	return now_ns > e->created_ns && now_ns - e->created_ns > CT_ORPHAN_NS;
}

/* The connection's OUT key, from either half; and the other half's key. */
static void ct_conn_keys(const struct nv_ct_key *k, const struct nv_ct_entry *e,
			 struct nv_ct_key *out, struct nv_ct_key *other)
{
	if (k->dir == NV_CT_OUT) {
		*out = *k;
		nv_ct_in_key(k, e, other);
	} else {
		nv_ct_out_key(k, e, out);
		*other = *out;
	}
}

/* Queues both halves, the reply's first (as flush): never a reply with no way back. */
static void gc_queue_pair(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_key *o)
{
	ct_queue_del(w, k->dir == NV_CT_IN ? k : o);
	ct_queue_del(w, k->dir == NV_CT_IN ? o : k);
}

/* A half found alone, by a fresh lookup: removed once it is old enough, else kept. */
static void gc_lone(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		    struct ct_gc *g)
{
	g->st.scanned++;
	if (orphan_old(e, g->now_ns)) {
		ct_queue_del(w, k);
		g->st.orphans++;
	} else {
		g->st.live++;
	}
}

/* Both halves seen, this one (k, e) second, the first one's bits in first. */
static int gc_pair(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		   int first, struct ct_gc *g)
{
	struct nv_ct_key out, o;
	struct nv_ct_entry oe = { 0 };
	int err;

	/* A pair goes when both directions have expired: one live direction keeps it. */
	if (!expired(e, g->now_ns) || !(first & GC_EXP)) {
		g->st.scanned++;
		g->st.live++;
		return 0;
	}
	ct_conn_keys(k, e, &out, &o);
	err = ct_get(w->m, &o, &oe);
	if (err < 0)
		return err;
	if (!err) {
		gc_lone(w, k, e, g); /* its other half went meanwhile */
		return 0;
	}
	g->st.scanned++;
	if (!expired(&oe, g->now_ns)) {
		g->st.live++;
		return 0;
	}
	gc_queue_pair(w, k, &o);
	g->st.expired++;
	return 0;
}

static int ct_gc_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
		    void *arg)
{
	__u64 dir = k->dir == NV_CT_IN ? GC_IN : 0, h;
	struct nv_ct_key out, o;
	struct ct_gc *g = arg;
	int first;

	ct_conn_keys(k, e, &out, &o);
	h = ct_hash(&out);
	first = gc_take(&g->pending, h, dir ^ GC_IN);
	if (first >= 0)
		return gc_pair(w, k, e, first, g);
	return gc_put(&g->pending, h | dir | (expired(e, g->now_ns) ? GC_EXP : 0) |
					   (orphan_old(e, g->now_ns) ? GC_OLD : 0));
}

/* The second walk: the lone halves old enough to go, checked alone by a fresh lookup. */
static int ct_orphan_cb(struct ct_walk *w, const struct nv_ct_key *k, const struct nv_ct_entry *e,
			void *arg)
{
	__u64 dir = k->dir == NV_CT_IN ? GC_IN : 0;
	struct nv_ct_key out, o;
	struct ct_gc *g = arg;
	int err;

	ct_conn_keys(k, e, &out, &o);
	if (gc_take(&g->orphans, ct_hash(&out), dir) < 0)
		return 0;
	err = ct_get(w->m, &o, NULL);
	if (err < 0)
		return err;
	if (err) {
		/* Its other half is there now: a pair, judged by the next run. */
		g->st.scanned++;
		g->st.live++;
		return 0;
	}
	gc_lone(w, k, e, g);
	return 0;
}

int nv_ct_gc(const struct nv_maps *m, __u64 now_ns, struct nv_ct_gc_stats *st)
{
	struct ct_gc g = { .now_ns = now_ns };
	size_t old = 0;
	int err;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!m)
		return -EINVAL;
	err = ct_walk(m, ct_gc_cb, &g);
	/* What is still pending is alone: young halves stay (maybe being inserted), old ones go. */
	for (size_t i = 0; !err && i < g.pending.cap; i++) {
		__u64 v = g.pending.slot[i];

		if (v <= GC_TOMB)
			continue;
		if (v & GC_OLD) {
			err = gc_put(&g.orphans, v);
			old++;
		} else {
			g.st.scanned++;
			g.st.live++;
		}
	}
	free(g.pending.slot);
	if (!err && old)
		err = ct_walk(m, ct_orphan_cb, &g);
	free(g.orphans.slot);
	if (st)
		*st = g.st;
	return err;
}
