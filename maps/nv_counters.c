/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters (per port, per VSID, drops by reason), summed over CPUs, and the drop reasons' names. */
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
_Static_assert(sizeof(struct nv_port_stats) % 8 == 0, "per-CPU stride");

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

static void vsid_stats_add(struct nv_vsid_stats *sum, const struct nv_vsid_stats *v)
{
	sum->tx_packets += v->tx_packets;
	sum->tx_bytes += v->tx_bytes;
	sum->rx_packets += v->rx_packets;
	sum->rx_bytes += v->rx_bytes;
}

static void port_stats_add(struct nv_port_stats *sum, const struct nv_port_stats *v)
{
	sum->tx_packets += v->tx_packets;
	sum->tx_bytes += v->tx_bytes;
	sum->rx_packets += v->rx_packets;
	sum->rx_bytes += v->rx_bytes;
	sum->drop_packets += v->drop_packets;
	sum->drop_bytes += v->drop_bytes;
}

int nv_port_stats_get(const struct nv_maps *m, __u32 ifindex, struct nv_port_stats *out)
{
	struct nv_port_stats *v, sum;
	int ncpus, err;

	if (!m || !out)
		return -EINVAL;
	v = percpu_alloc(sizeof(*v), &ncpus);
	if (!v)
		return ncpus < 0 ? ncpus : -ENOMEM;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_PORT_STATS], &ifindex, v);
	if (!err) {
		memset(&sum, 0, sizeof(sum));
		for (int i = 0; i < ncpus; i++)
			port_stats_add(&sum, &v[i]);
		*out = sum;
	}
	free(v);
	return err;
}

struct vsid_sum {
	const struct nv_maps *m;
	__u32 vsid;
	struct nv_vsid_stats sum;
};

static int vsid_sum_port(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct vsid_sum *vs = arg;
	struct nv_port_stats ps;
	int err;

	if (p->vsid != vs->vsid)
		return 0;
	err = nv_port_stats_get(vs->m, ifindex, &ps);
	if (err)
		return err == -ENOENT ? 0 : err; /* deleted meanwhile: folded into nv_stats */
	vs->sum.tx_packets += ps.tx_packets;
	vs->sum.tx_bytes += ps.tx_bytes;
	vs->sum.rx_packets += ps.rx_packets;
	vs->sum.rx_bytes += ps.rx_bytes;
	return 0;
}

/* The VSID's entry (ports deleted so far) plus its ports: the datapath counts per port only. */
int nv_stats_get(const struct nv_maps *m, __u32 vsid, struct nv_vsid_stats *out)
{
	struct vsid_sum vs = { .m = m, .vsid = vsid };
	struct nv_vsid_stats *v;
	int ncpus, err;

	if (!m || !out || !nv_vsid_valid(vsid))
		return -EINVAL;
	v = percpu_alloc(sizeof(*v), &ncpus);
	if (!v)
		return ncpus < 0 ? ncpus : -ENOMEM;
	err = bpf_map_lookup_elem(m->fd[NV_MAP_STATS], &vsid, v);
	for (int i = 0; i < ncpus && !err; i++)
		vsid_stats_add(&vs.sum, &v[i]);
	free(v);
	if (!err)
		err = nv_port_iter(m, vsid_sum_port, &vs);
	if (!err)
		*out = vs.sum;
	return err;
}

/*
 * Called by port del once the port is gone from every map the datapath reads: its counters move
 * into its VSID's entry, per CPU, so the VSID's totals stay monotonic. On an error the port's
 * entry stays (a later port add on the ifindex zeroes it), except when the VSID has no entry
 * (its subnet is gone): there is nowhere to keep the counts, and the entry goes.
 */
int nv_port_stats_retire(const struct nv_maps *m, __u32 ifindex, __u32 vsid)
{
	struct nv_port_stats *ps;
	struct nv_vsid_stats *vs;
	int ncpus, err;

	ps = percpu_alloc(sizeof(*ps), &ncpus);
	vs = percpu_alloc(sizeof(*vs), &ncpus);
	err = ps && vs ? 0 : ncpus < 0 ? ncpus : -ENOMEM;
	if (!err)
		err = bpf_map_lookup_elem(m->fd[NV_MAP_PORT_STATS], &ifindex, ps);
	if (!err)
		err = bpf_map_lookup_elem(m->fd[NV_MAP_STATS], &vsid, vs);
	if (!err) {
		for (int i = 0; i < ncpus; i++) {
			vs[i].tx_packets += ps[i].tx_packets;
			vs[i].tx_bytes += ps[i].tx_bytes;
			vs[i].rx_packets += ps[i].rx_packets;
			vs[i].rx_bytes += ps[i].rx_bytes;
		}
		err = bpf_map_update_elem(m->fd[NV_MAP_STATS], &vsid, vs, BPF_EXIST);
	}
	if (!err || err == -ENOENT)
		err = bpf_map_delete_elem(m->fd[NV_MAP_PORT_STATS], &ifindex);
	free(ps);
	free(vs);
	return err == -ENOENT ? 0 : err;
}

int nv_percpu_zero(int fd, const void *key, size_t value_size)
{
	void *zero;
	int ncpus, err;

	zero = percpu_alloc(value_size, &ncpus);
	if (!zero)
		return ncpus < 0 ? ncpus : -ENOMEM;
	err = bpf_map_update_elem(fd, key, zero, BPF_ANY);
	free(zero);
	return err;
}

/* A port's counters start at zero (BPF_ANY: an entry left by a failed retire is taken over). */
int nv_port_stats_create(const struct nv_maps *m, __u32 ifindex)
{
	return nv_percpu_zero(m->fd[NV_MAP_PORT_STATS], &ifindex, sizeof(struct nv_port_stats));
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
	if (err)
		return err;
	zero = percpu_alloc(sizeof(struct nv_port_stats), &ncpus);
	if (!zero)
		return ncpus < 0 ? ncpus : -ENOMEM;
	s.fd = m->fd[NV_MAP_PORT_STATS];
	s.zero = zero;
	err = nv_map_iter_raw(s.fd, sizeof(__u32), 0, stats_reset_cb, &s);
	free(zero);
	return err;
}
