/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nv_rdid_cas: where each CA of a routing domain has its record, and a copy of it, kept with the
 * records. The router reads it for a routed destination, the receiver for a routed source.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "nv_maps_int.h"

static void rdid_ca_key(struct nv_rdid_ca_key *key, __u32 rdid, const union nv_addr *ca)
{
	memset(key, 0, sizeof(*key));
	key->rdid = rdid;
	key->ca = *ca;
}

int nv_rdid_ca_lookup(const struct nv_maps *m, __u32 rdid, const union nv_addr *ca,
		      struct nv_rdid_ca *out)
{
	struct nv_rdid_ca_key key;

	if (!m || !ca || !out)
		return -EINVAL;
	rdid_ca_key(&key, rdid, ca);
	return bpf_map_lookup_elem(m->fd[NV_MAP_RDID_CAS], &key, out) ? -errno : 0;
}

int nv_rdid_ca_get(const struct nv_maps *m, __u32 rdid, const union nv_addr *ca, __u32 *vsid)
{
	struct nv_rdid_ca v;
	int err = nv_rdid_ca_lookup(m, rdid, ca, &v);

	if (!err && vsid)
		*vsid = v.vsid;
	return err;
}

int nv_rdid_ca_add(const struct nv_maps *m, __u32 vsid, const union nv_addr *ca,
		   const struct nv_record *rec, struct nv_conflict *why)
{
	struct nv_rdid_ca v = { .vsid = vsid, .rec = *rec };
	struct nv_rdid_ca_key key;
	__u32 held, rdid = rec->rdid;
	int err;

	/*
	 * Prefixes of one RDID do not overlap and records lie in their prefix, so only the wildcard
	 * (CA 0, outside every prefix) can be held by another VSID.
	 */
	if (!nv_rdid_ca_get(m, rdid, ca, &held) && held != vsid) {
		if (nv_addr_is_wildcard(ca))
			return NV_RAISE(why, WILDCARD_EXISTS, .rdid = rdid, .vsid2 = held);
		return NV_RAISE(why, RECORD_EXISTS, .vsid = held, .ca = *ca);
	}
	rdid_ca_key(&key, rdid, ca);
	err = bpf_map_update_elem(m->fd[NV_MAP_RDID_CAS], &key, &v, BPF_ANY);
	return err ? nv_map_write_err(why, NV_MAP_RDID_CAS, err) : 0;
}

int nv_rdid_ca_sync(const struct nv_maps *m, const struct nv_record_key *k,
		    const struct nv_record *rec)
{
	struct nv_rdid_ca v = { .vsid = k->vsid, .rec = *rec };
	struct nv_rdid_ca_key key;
	__u32 held;
	int err;

	if (nv_rdid_ca_get(m, rec->rdid, &k->ca, &held) || held != k->vsid)
		return 0;
	rdid_ca_key(&key, rec->rdid, &k->ca);
	err = bpf_map_update_elem(m->fd[NV_MAP_RDID_CAS], &key, &v, BPF_EXIST);
	return err == -ENOENT ? 0 : err;
}

int nv_record_write(const struct nv_maps *m, const struct nv_record_key *key,
		    const struct nv_record *v, const struct nv_record *old)
{
	int err = bpf_map_update_elem(m->fd[NV_MAP_RECORDS], key, v, BPF_EXIST);

	if (err)
		return err;
	err = nv_rdid_ca_sync(m, key, v);
	if (err)
		bpf_map_update_elem(m->fd[NV_MAP_RECORDS], key, old, BPF_EXIST);
	return err;
}

void nv_rdid_ca_del(const struct nv_maps *m, __u32 rdid, __u32 vsid, const union nv_addr *ca)
{
	struct nv_rdid_ca_key key;
	__u32 held;

	if (nv_rdid_ca_get(m, rdid, ca, &held) || held != vsid)
		return;
	rdid_ca_key(&key, rdid, ca);
	bpf_map_delete_elem(m->fd[NV_MAP_RDID_CAS], &key);
}
