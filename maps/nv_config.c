/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The single config entry: underlay, TTL, flags, events and the config PA (a local PA). */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "nv_maps.h"
#include "nv_maps_int.h"

int nv_config_get(const struct nv_maps *m, struct nv_config *out)
{
	struct nv_config c;
	__u32 key = 0;
	int err;

	if (!m || !out)
		return -EINVAL;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_CONFIG], &key, &c);
	if (err)
		return err;
	*out = c;
	return 0;
}

int nv_config_set(const struct nv_maps *m, const struct nv_config *c, struct nv_conflict *why)
{
	static const union nv_addr zero;
	struct nv_config v;
	__u32 key = 0;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (!m || !c)
		return -EINVAL;
	if (c->events > NV_EVENTS_TRACE)
		return NV_RAISE(why, EVENTS_INVALID);
	/* The receive path takes the config PA as local without looking it up: it must be one. */
	if (!nv_addr_eq(&c->pa, &zero) && !nv_local_pa_has(m, &c->pa))
		return NV_RAISE(why, CONFIG_PA_NOT_LOCAL, .pa = c->pa);
	memset(&v, 0, sizeof(v));
	v.underlay_ifindex = c->underlay_ifindex;
	v.ttl = c->ttl;
	v.flags = c->flags;
	v.events = c->events;
	v.pa = c->pa;
	v.event_rate = c->event_rate;
	return bpf_map_update_elem(m->fd[NV_MAP_CONFIG], &key, &v, BPF_ANY);
}
