/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Local provider addresses. Adding or removing one binds or unbinds the ports of the records at
 * that PA, all or nothing (nv_bind.h).
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

int nv_local_pa_add(const struct nv_maps *m, const union nv_addr *pa, __u32 ifindex,
		    struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_local_pa v;
	union nv_addr key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !pa)
		return -EINVAL;
	key = *pa;
	if (!nv_addr_unicast(&key))
		return NV_RAISE(why, PA_INVALID, .pa = key);
	if (nv_local_pa_has(m, &key))
		return NV_RAISE(why, PA_EXISTS, .pa = key);
	err = nv_pa_scan(m, &key, true, &c, why);
	if (err)
		goto out;
	memset(&v, 0, sizeof(v));
	v.ifindex = ifindex;
	err = bpf_map_update_elem(m->fd[NV_MAP_LOCAL_PAS], &key, &v, BPF_NOEXIST);
	if (err) {
		err = nv_map_write_err(why, NV_MAP_LOCAL_PAS, err);
		goto out;
	}
	err = nv_bind_apply(m, &c);
	if (err)
		bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
out:
	free(c.v);
	return err;
}

int nv_local_pa_del(const struct nv_maps *m, const union nv_addr *pa, struct nv_conflict *why)
{
	struct bind_changes c = { 0 };
	struct nv_local_pa old;
	struct nv_config cfg;
	union nv_addr key;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !pa)
		return -EINVAL;
	key = *pa;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_LOCAL_PAS], &key, &old);
	if (err == -ENOENT)
		return NV_RAISE(why, PA_NOT_LOCAL, .pa = key);
	if (err)
		return err;
	/* The receive path takes the config PA as local without looking it up here. */
	err = nv_config_get(m, &cfg);
	if (err)
		return err;
	if (nv_addr_eq(&cfg.pa, &key))
		return NV_RAISE(why, PA_IS_CONFIG, .pa = key);
	/* Not local any more: no binding, so no MAC conflict either. */
	err = nv_pa_scan(m, &key, false, &c, NULL);
	if (err)
		goto out;
	/* Records and ports are unbound before the PA stops being local. */
	err = nv_bind_apply(m, &c);
	if (err)
		goto out;
	err = bpf_map_delete_elem(m->fd[NV_MAP_LOCAL_PAS], &key);
	if (err)
		nv_bind_revert(m, &c, c.n);
out:
	free(c.v);
	return err;
}

int nv_local_pa_get(const struct nv_maps *m, const union nv_addr *pa, struct nv_local_pa *out)
{
	struct nv_local_pa v;
	int err;

	if (!m || !pa || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_LOCAL_PAS], pa, &v);
	if (err)
		return err;
	*out = v;
	return 0;
}

bool nv_local_pa_has(const struct nv_maps *m, const union nv_addr *pa)
{
	struct nv_local_pa v;

	return !nv_local_pa_get(m, pa, &v);
}

struct local_pa_iter {
	nv_local_pa_cb cb;
	void *arg;
};

static int local_pa_iter_cb(const void *key, const void *value, void *arg)
{
	struct local_pa_iter *it = arg;

	return it->cb(key, value, it->arg);
}

int nv_local_pa_iter(const struct nv_maps *m, nv_local_pa_cb cb, void *arg)
{
	struct local_pa_iter it = { cb, arg };

	if (!m || !cb)
		return -EINVAL;
	return nv_map_iter_raw(m->fd[NV_MAP_LOCAL_PAS], sizeof(union nv_addr),
			       sizeof(struct nv_local_pa), local_pa_iter_cb, &it);
}
