/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters (per-VSID stats, drops by reason), summed over CPUs, and the drop reasons' names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"
#include "nv_maps_int.h"

/* The kernel lays per-CPU values out 8-byte aligned; these already are, so an array fits. */
_Static_assert(sizeof(struct nv_vsid_stats) % 8 == 0, "per-CPU stride");
_Static_assert(sizeof(struct nv_drop_stats) % 8 == 0, "per-CPU stride");

#define NV_DROP_NAME(name, num, text) [num] = #name,
#define NV_DROP_TEXT(name, num, text) [num] = text,
static const char *const drop_names[NV_DROP__MAX] = { NV_DROP_REASONS(NV_DROP_NAME) };
static const char *const drop_texts[NV_DROP__MAX] = { NV_DROP_REASONS(NV_DROP_TEXT) };
#undef NV_DROP_NAME
#undef NV_DROP_TEXT

const char *nv_drop_reason_name(unsigned int reason)
{
	return reason < NV_DROP__MAX ? drop_names[reason] : NULL;
}

const char *nv_drop_reason_text(unsigned int reason)
{
	return reason < NV_DROP__MAX ? drop_texts[reason] : NULL;
}

/* A buffer for one per-CPU value of size elem; *ncpus is set. */
static void *percpu_alloc(size_t elem, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus <= 0)
		return NULL;
	return calloc(*ncpus, elem);
}

int nv_stats_get(const struct nv_maps *m, __u32 vsid, struct nv_vsid_stats *out)
{
	struct nv_vsid_stats *v, sum;
	int ncpus, err;

	if (!m || !out || !nv_vsid_valid(vsid))
		return -EINVAL;
	v = percpu_alloc(sizeof(*v), &ncpus);
	if (!v)
		return ncpus < 0 ? ncpus : -ENOMEM;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_STATS], &vsid, v);
	if (!err) {
		memset(&sum, 0, sizeof(sum));
		for (int i = 0; i < ncpus; i++) {
			sum.tx_packets += v[i].tx_packets;
			sum.tx_bytes += v[i].tx_bytes;
			sum.rx_packets += v[i].rx_packets;
			sum.rx_bytes += v[i].rx_bytes;
		}
		*out = sum;
	}
	free(v);
	return err;
}

int nv_drops_get(const struct nv_maps *m, struct nv_drop_stats out[NV_DROP__MAX])
{
	struct nv_drop_stats sum[NV_DROP__MAX], *v;
	int ncpus, err = 0;

	if (!m || !out)
		return -EINVAL;
	v = percpu_alloc(sizeof(*v), &ncpus);
	if (!v)
		return ncpus < 0 ? ncpus : -ENOMEM;
	memset(sum, 0, sizeof(sum));
	for (__u32 r = 0; r < NV_DROP__MAX && !err; r++) {
		err = bpf_map_lookup_elem(m->fd[NV_MAP_DROPS], &r, v);
		for (int i = 0; i < ncpus && !err; i++) {
			sum[r].packets += v[i].packets;
			sum[r].bytes += v[i].bytes;
		}
	}
	free(v);
	if (!err)
		memcpy(out, sum, sizeof(sum));
	return err;
}

struct stats_reset {
	int fd;
	const void *zero;
};

static int stats_reset_cb(const void *key, const void *value, void *arg)
{
	struct stats_reset *s = arg;
	int err;

	(void)value;
	/* BPF_EXIST: a subnet deleted meanwhile must not get its entry back. */
	err = bpf_map_update_elem(s->fd, key, s->zero, BPF_EXIST);
	return err == -ENOENT ? 0 : err;
}

/*
 * Live counters cannot be put back as they were, so this is the one call that is not all or
 * nothing: it stops at the first error, with the entries before it zeroed.
 */
int nv_stats_reset(const struct nv_maps *m)
{
	struct stats_reset s;
	void *zero;
	int ncpus, err;

	if (!m)
		return -EINVAL;
	zero = percpu_alloc(sizeof(struct nv_vsid_stats), &ncpus);
	if (!zero)
		return ncpus < 0 ? ncpus : -ENOMEM;
	s.fd = m->fd[NV_MAP_STATS];
	s.zero = zero;
	err = nv_map_iter_raw(s.fd, sizeof(__u32), 0, stats_reset_cb, &s);
	/*
	 * nv_drop_stats is smaller than nv_vsid_stats: the same zero buffer serves. Every slot,
	 * also those of reasons this build does not know (a newer datapath may count them).
	 */
	for (__u32 r = 0; r < NV_DROP_SLOTS && !err; r++)
		err = bpf_map_update_elem(m->fd[NV_MAP_DROPS], &r, zero, BPF_ANY);
	free(zero);
	return err;
}
