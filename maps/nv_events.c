/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Events: the mode and rate in the config entry, the rate limiter's totals, and the names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"

_Static_assert(sizeof(struct nv_event_state) % 8 == 0, "per-CPU stride");

const char *const nv_events_mode_names[] = {
	[NV_EVENTS_OFF] = "off",
	[NV_EVENTS_DROPS] = "drops",
	[NV_EVENTS_TRACE] = "trace",
	NULL,
};

#define NV_HOOK_NAME(name, num, text) [num] = text,
static const char *const hook_names[NV_HOOK__MAX] = { NV_HOOKS(NV_HOOK_NAME) };
#undef NV_HOOK_NAME

static const char *const verdict_names[] = {
	[NV_VERDICT_DROP] = "drop",
	[NV_VERDICT_PASS] = "pass",
	[NV_VERDICT_REDIRECT] = "redirect",
	[NV_VERDICT_TO_TC] = "to_tc",
};

#define NAME_OF(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? table[i] : NULL)

const char *nv_events_mode_name(unsigned int mode)
{
	return mode <= NV_EVENTS_TRACE ? nv_events_mode_names[mode] : NULL;
}

const char *nv_hook_name(unsigned int hook)
{
	return NAME_OF(hook_names, hook);
}

const char *nv_verdict_name(unsigned int verdict)
{
	return NAME_OF(verdict_names, verdict);
}

int nv_events_mode_parse(const char *name)
{
	for (unsigned int i = 0; name && nv_events_mode_names[i]; i++) {
		if (!strcmp(name, nv_events_mode_names[i]))
			return i;
	}
	return -EINVAL;
}

int nv_events_get(const struct nv_maps *m, unsigned int *mode, __u32 *rate)
{
	struct nv_config c;
	int err;

	if (!mode || !rate)
		return -EINVAL;
	err = nv_config_get(m, &c);
	if (err)
		return err;
	*mode = c.events;
	*rate = c.event_rate;
	return 0;
}

/*
 * Read, change two fields, write back: callers hold the instance lock (nvctl does), so nothing
 * else of the config can change in between.
 */
int nv_events_set(const struct nv_maps *m, unsigned int mode, __u32 rate)
{
	struct nv_config c;
	int err;

	if (mode > NV_EVENTS_TRACE)
		return -EINVAL;
	err = nv_config_get(m, &c);
	if (err)
		return err;
	c.events = mode;
	c.event_rate = rate;
	return nv_config_set(m, &c, NULL);
}

int nv_event_totals(const struct nv_maps *m, struct nv_event_state *out)
{
	struct nv_event_state *v, sum;
	__u32 key = 0;
	int ncpus, err;

	if (!m || !out)
		return -EINVAL;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_EVENT_STATE], &key, v);
	if (!err) {
		memset(&sum, 0, sizeof(sum));
		for (int i = 0; i < ncpus; i++) {
			sum.emitted += v[i].emitted;
			sum.rate_limited += v[i].rate_limited;
			sum.ring_full += v[i].ring_full;
		}
		*out = sum;
	}
	free(v);
	return err;
}
