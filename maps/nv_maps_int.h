/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Helpers shared by the maps library's files; not part of its API. The policy calls (nv_subnet.c,
 * nv_local_pa.c, nv_port.c, nv_record.c, nv_record_many.c, nv_route.c, nv_config.c, nv_gateway.c,
 * nv_nat.c) check everything they can before writing, and undo their earlier writes when a later
 * one fails, so the consistency rules of nv_maps.h hold after every call. Not safe against
 * concurrent writers: callers serialize.
 */
#ifndef NV_MAPS_INT_H
#define NV_MAPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "nv_maps.h"

/* Largest key or value of any map, rounded up (buffers for the generic iterator). */
#define NV_MAP_MAX_KV 64

typedef int (*nv_raw_cb)(const void *key, const void *value, void *arg);

/*
 * Calls cb for every entry of a map that is not per-CPU (value_size 0: keys only, no lookup). The
 * next key is fetched before cb runs, so cb may delete the entry it is given. An entry deleted
 * under our feet is skipped. Returns 0, a negative errno, or the first nonzero value of cb.
 */
int nv_map_iter_raw(int fd, size_t key_size, size_t value_size, nv_raw_cb cb, void *arg);

/* Writes a zeroed per-CPU value (every CPU) at key, BPF_ANY; value_size a multiple of 8. */
int nv_percpu_zero(int fd, const void *key, size_t value_size);

/* A port's counters: created zeroed by port add, moved into its VSID's entry by port del. */
int nv_port_stats_create(const struct nv_maps *m, __u32 ifindex);
int nv_port_stats_retire(const struct nv_maps *m, __u32 ifindex, __u32 vsid);

/* All 16 bytes: an IPv4 address has one spelling (IPv4-mapped), so this is address equality. */
static inline bool nv_addr_eq(const union nv_addr *a, const union nv_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* ---- conflicts (nv_conflict.h) ---- */

/* 1 for each kind of NV_CONFLICTS_MAPS: NV_RAISE takes no other. */
#define NV_RAISES_ENTRY(name, err, fields) NV_RAISES_##name = 1,
enum nv_raises {
	NV_CONFLICTS_MAPS(NV_RAISES_ENTRY)
};
#undef NV_RAISES_ENTRY

/*
 * Sets why (when not NULL) to conflict NAME with the fields given as designated initializers,
 * and is NAME's errno: return NV_RAISE(why, VSID_RANGE, .vsid = vsid). NAME must be a kind of
 * NV_CONFLICTS_MAPS, or this does not compile: the list is what the library can raise, and the
 * conflict tests cover every kind of it.
 */
#define NV_RAISE(why, name, ...)                                                                  \
	({                                                                                        \
		_Static_assert(NV_RAISES_##name, #name " is in NV_CONFLICTS_MAPS");               \
		nv_conflict_raise(                                                                \
			(why), &(struct nv_conflict){ .kind = NV_CONFLICT_##name, __VA_ARGS__ }); \
	})

/* For the kinds that name a MAC, which an initializer cannot copy: why->mac = mac; returns err. */
static inline int nv_raised_mac(struct nv_conflict *why, int err, const __u8 mac[NV_ETH_ALEN])
{
	if (why)
		memcpy(why->mac, mac, NV_ETH_ALEN);
	return err;
}

/* err from a write to map id: -E2BIG (a hash map without room) raises TABLE_FULL. Returns err. */
int nv_map_write_err(struct nv_conflict *why, enum nv_map_id id, int err);

/* nv_subnets[vsid] into out (nv_subnet.c); -ENOENT raises VSID_UNKNOWN. */
int nv_subnet_lookup(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out,
		     struct nv_conflict *why);

/*
 * The checks nv_record_add and nv_record_add_many share (nv_record.c), in their order. key: a VSID
 * in range; sets out to k with its padding zeroed. value: a unicast CA, PA and MAC, a known rule.
 */
int nv_record_key_check(const struct nv_maps *m, const struct nv_record_key *k,
			struct nv_record_key *out, struct nv_conflict *why);
int nv_record_value_check(const struct nv_record_key *key, const struct nv_record *r,
			  struct nv_conflict *why);

/*
 * A route table entry and the trie's best route of its prefix (nv_route.c): add refuses an entry
 * that exists (ROUTE_EXISTS) and undoes itself when the trie refuses; del takes it back (-ENOENT).
 * nv_subnet.c adds and removes a subnet's on-link route with these.
 */
int nv_route_table_add(const struct nv_maps *m, const struct nv_route_table_key *t,
		       const struct nv_route_entry *v, struct nv_conflict *why);
int nv_route_table_del(const struct nv_maps *m, const struct nv_route_table_key *t);

/*
 * nv_rdid_cas, kept with the records (nv_record.c, nv_bind.c): the index entry of the record
 * (vsid, ca) in rec->rdid, its subnet's RDID, holding a copy of rec. add refuses a second
 * wildcard record of the RDID (WILDCARD_EXISTS) or a CA indexed in another VSID; sync rewrites
 * the copy after the record changed (an entry that names another VSID, or none, is left alone);
 * del removes the entry when it names vsid.
 */
int nv_rdid_ca_add(const struct nv_maps *m, __u32 vsid, const union nv_addr *ca,
		   const struct nv_record *rec, struct nv_conflict *why);
int nv_rdid_ca_sync(const struct nv_maps *m, const struct nv_record_key *k,
		    const struct nv_record *rec);
void nv_rdid_ca_del(const struct nv_maps *m, __u32 rdid, __u32 vsid, const union nv_addr *ca);
/*
 * Record key, which exists, set to v in place (BPF_EXIST: the datapath finds old or v, never
 * none) with its index copy; when the copy cannot follow, old goes back: both or neither.
 */
int nv_record_write(const struct nv_maps *m, const struct nv_record_key *key,
		    const struct nv_record *v, const struct nv_record *old);

/*
 * The rules a CA of a port or a record meets in its subnet s: inside its prefix, not its gateway
 * (CA_OUTSIDE_PREFIX, CA_IS_GATEWAY). wildcard: CA 0 is allowed (a record's, not a port's).
 */
int nv_subnet_ca_check(__u32 vsid, const struct nv_subnet *s, const union nv_addr *ca,
		       bool wildcard, struct nv_conflict *why);

/* a with the bits after len (address bits) cleared: a prefix has one spelling. */
static inline void nv_prefix_clear_host_bits(union nv_addr *a, __u32 len)
{
	for (unsigned int i = 0; i < sizeof(a->b); i++) {
		if (len >= 8) {
			len -= 8;
		} else {
			a->b[i] &= (__u8)(0xff00 >> len);
			len = 0;
		}
	}
}

/*
 * Connections (nv_ct.c) that nv_nat.c removes with what they depend on: every connection of
 * rdid, both halves (a lone half by its own rdid), with *removed (may be NULL) counting them; and
 * every half opened through the static mapping k. -errno when the table cannot be read.
 */
int nv_ct_remove_rdid(const struct nv_maps *m, __u32 rdid, __u64 *removed);
int nv_ct_remove_static(const struct nv_maps *m, const struct nv_nat_map_key *k);

#endif /* NV_MAPS_INT_H */
