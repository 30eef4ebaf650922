// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl trace: private copies of the programs on the live lookup maps (see nv_trace.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>

#include "nv_datapath.h"
#include "nv_hooks.h"
#include "nv_objects.h"
#include "nv_trace.h"
#include "from_vm.skel.h"
#include "from_wire.skel.h"
#include "wire_tc.skel.h"

/* The maps the programs only read: the live ones, so the trace decides as live traffic does. */
static const int live_lookup[] = { NV_MAP_PORTS,   NV_MAP_RECORDS,   NV_MAP_ROUTES,
				   NV_MAP_SUBNETS, NV_MAP_LOCAL_PAS, NV_MAP_TX_PORTS };

/* Small private maps are enough for one frame, and cost no memory worth naming. */
#define PRIVATE_HASH_ENTRIES 64
#define PRIVATE_RING_PAGES   4

struct nv_trace {
	struct nv_maps live;
	struct nv_from_vm_bpf *from_vm;
	struct nv_from_wire_bpf *from_wire;
	struct nv_wire_tc_bpf *wire_tc;
	int priv[NV_MAP__COUNT]; /* the private objects' maps (fds owned by from_vm) */
	struct ring_buffer *ring;
	struct nv_trace_stage *cur; /* where the ring callback puts the event */
	char pin_dir[PATH_MAX];
};

static bool is_live_lookup(int id)
{
	for (size_t i = 0; i < sizeof(live_lookup) / sizeof(live_lookup[0]); i++)
		if (live_lookup[i] == id)
			return true;
	return false;
}

/* The first object: live lookup maps by fd, fresh private maps for everything it writes. */
static int prepare_first(struct bpf_object *obj, const struct nv_maps *live)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj)
	{
		int id = nv_map_id(bpf_map__name(map));

		if (id < 0)
			continue; /* the object's own data (.rodata, ...) */
		/* Never the pins: a private map must not be pinned, nor reuse one by name. */
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
		if (is_live_lookup(id))
			err = bpf_map__reuse_fd(map, live->fd[id]);
		else if (id == NV_MAP_EVENTS)
			err = bpf_map__set_max_entries(map, PRIVATE_RING_PAGES * getpagesize());
		else if (bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH ||
			 bpf_map__type(map) == BPF_MAP_TYPE_HASH)
			err = bpf_map__set_max_entries(map, PRIVATE_HASH_ENTRIES);
		if (err)
			return err;
	}
	return 0;
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int prog_info_by_id(__u32 id, struct bpf_prog_info *info)
{
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = prog_info(fd, info);
	close(fd);
	return err;
}

static int pinned_prog_info(const char *pin_dir, const char *name, struct bpf_prog_info *info)
{
	char path[PATH_MAX];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/progs-v%d/%s", pin_dir, NV_ABI_VERSION, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = prog_info(fd, info);
	close(fd);
	return err;
}

/* Our program and the one given: the same code, whatever maps each refers to. */
static int same_tag(int fd, const struct bpf_prog_info *other)
{
	struct bpf_prog_info mine;
	int err = prog_info(fd, &mine);

	if (err)
		return err;
	return memcmp(mine.tag, other->tag, sizeof(mine.tag)) ? -ESTALE : 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct nv_trace *t = ctx;

	if (!t->cur || size < sizeof(struct nv_event))
		return 0;
	memcpy(&t->cur->event, data, sizeof(struct nv_event));
	t->cur->have_event = true;
	return 0;
}

int nv_trace_open(const char *pin_dir, struct nv_trace **out)
{
	struct bpf_prog_info pinned;
	struct nv_config cfg;
	struct nv_trace *t;
	__u32 zero = 0;
	int err;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int i = 0; i < NV_MAP__COUNT; i++)
		t->live.fd[i] = t->priv[i] = -1;
	snprintf(t->pin_dir, sizeof(t->pin_dir), "%s", pin_dir);
	err = nv_dp_maps(pin_dir, &t->live);
	if (!err)
		err = nv_config_get(&t->live, &cfg);
	if (err)
		goto fail;

	t->from_vm = nv_from_vm_bpf__open();
	t->from_wire = nv_from_wire_bpf__open();
	t->wire_tc = nv_wire_tc_bpf__open();
	if (!t->from_vm || !t->from_wire || !t->wire_tc) {
		err = -errno ?: -ENOMEM;
		goto fail;
	}
	err = prepare_first(t->from_vm->obj, &t->live);
	if (!err)
		err = nv_from_vm_bpf__load(t->from_vm);
	if (err)
		goto fail;
	for (int i = 0; i < NV_MAP__COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(t->from_vm->obj, nv_map_name(i));

		t->priv[i] = m ? bpf_map__fd(m) : -1;
		if (t->priv[i] < 0) {
			err = -ENOENT;
			goto fail;
		}
	}
	err = nv_objects_share_maps(t->from_wire->obj, t->priv); /* live and private alike */
	if (!err)
		err = nv_objects_share_maps(t->wire_tc->obj, t->priv);
	if (!err)
		err = nv_from_wire_bpf__load(t->from_wire);
	if (!err)
		err = nv_wire_tc_bpf__load(t->wire_tc);
	if (err)
		goto fail;

	/* The live configuration, except that every verdict leaves an event, at any rate. */
	cfg.events = NV_EVENTS_TRACE;
	cfg.event_rate = 0;
	if (bpf_map_update_elem(t->priv[NV_MAP_CONFIG], &zero, &cfg, BPF_ANY)) {
		err = -errno;
		goto fail;
	}
	t->ring = ring_buffer__new(t->priv[NV_MAP_EVENTS], on_event, t, NULL);
	if (!t->ring) {
		err = -errno ?: -ENOMEM;
		goto fail;
	}

	/* The instance's programs must be these: else the trace would tell another story. */
	err = pinned_prog_info(pin_dir, "nv_from_vm", &pinned);
	if (!err)
		err = same_tag(bpf_program__fd(t->from_vm->progs.nv_from_vm), &pinned);
	if (!err)
		err = pinned_prog_info(pin_dir, "nv_from_wire", &pinned);
	if (!err)
		err = same_tag(bpf_program__fd(t->from_wire->progs.nv_from_wire), &pinned);
	if (!err)
		err = pinned_prog_info(pin_dir, "nv_wire_tc", &pinned);
	if (!err)
		err = same_tag(bpf_program__fd(t->wire_tc->progs.nv_wire_tc), &pinned);
	if (err)
		goto fail;
	*out = t;
	return 0;

fail:
	nv_trace_close(t);
	return err < 0 ? err : -EINVAL;
}

void nv_trace_close(struct nv_trace *t)
{
	if (!t)
		return;
	ring_buffer__free(t->ring);
	nv_wire_tc_bpf__destroy(t->wire_tc);
	nv_from_wire_bpf__destroy(t->from_wire);
	nv_from_vm_bpf__destroy(t->from_vm);
	nv_maps_close(&t->live);
	free(t);
}

const struct nv_maps *nv_trace_live_maps(const struct nv_trace *t)
{
	return &t->live;
}

/* The attached program of a hook must be ours: the same tag as the private copy we run. */
static int check_attached(int fd, __u32 id)
{
	struct bpf_prog_info info;
	int err;

	if (!id)
		return -ENODEV;
	err = prog_info_by_id(id, &info);
	return err ?: same_tag(fd, &info);
}

/* The one drop reason the private nv_drops counted (then zeroed for the next stage). */
static __u32 take_drop_reason(const struct nv_trace *t)
{
	int ncpus = libbpf_num_possible_cpus();
	struct nv_drop_stats *v;
	__u32 reason = NV_DROP_NONE;

	if (ncpus <= 0)
		return reason;
	v = calloc((size_t)ncpus, sizeof(*v));
	if (!v)
		return reason;
	for (__u32 k = 0; k < NV_DROP_SLOTS; k++) {
		if (bpf_map_lookup_elem(t->priv[NV_MAP_DROPS], &k, v))
			continue;
		for (int c = 0; c < ncpus; c++) {
			if (v[c].packets) {
				reason = k;
				memset(v, 0, (size_t)ncpus * sizeof(*v));
				bpf_map_update_elem(t->priv[NV_MAP_DROPS], &k, v, BPF_ANY);
				break;
			}
		}
	}
	free(v);
	return reason;
}

static int run_stage(struct nv_trace *t, struct nv_trace_stage *s, int fd, bool xdp,
		     const void *frame, size_t len)
{
	struct __sk_buff skb = { .ifindex = s->ifindex };
	struct xdp_md md = { .data_end = (__u32)len, .ingress_ifindex = s->ifindex };
	struct xdp_md md_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = s->out, .data_size_out = sizeof(s->out), .repeat = 1);
	int err;

	if (xdp) {
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
		opts.ctx_out = &md_out;
		opts.ctx_size_out = sizeof(md_out);
	} else {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	ring_buffer__consume(t->ring); /* nothing of an earlier stage is taken for this one's */
	t->cur = s;
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err) {
		t->cur = NULL;
		return err < 0 ? err : -EINVAL;
	}
	s->retval = (int)opts.retval;
	s->out_len = opts.data_size_out;
	s->meta_len = xdp ? md_out.data - md_out.data_meta : 0;
	if (s->meta_len > s->out_len)
		s->meta_len = 0;
	ring_buffer__consume(t->ring);
	t->cur = NULL;
	s->reason = take_drop_reason(t);
	return 0;
}

static int check_len(size_t len)
{
	return len < NV_ETH_HLEN || len > NV_TRACE_FRAME_MAX ? -EINVAL : 0;
}

int nv_trace_port(struct nv_trace *t, __u32 port, const void *frame, size_t len,
		  struct nv_trace_result *r)
{
	int fd = bpf_program__fd(t->from_vm->progs.nv_from_vm);
	struct nv_trace_stage *s = &r->stage[0];
	int err = check_len(len);

	memset(r, 0, sizeof(*r));
	if (err)
		return err;
	s->hook = NV_HOOK_FROM_VM;
	s->ifindex = port;
	s->prog_id = nv_tc_prog_id(port);
	err = check_attached(fd, s->prog_id);
	if (err)
		return err;
	r->nstages = 1;
	return run_stage(t, s, fd, false, frame, len);
}

int nv_trace_underlay(struct nv_trace *t, const void *frame, size_t len, struct nv_trace_result *r)
{
	int xdp_fd = bpf_program__fd(t->from_wire->progs.nv_from_wire);
	int tc_fd = bpf_program__fd(t->wire_tc->progs.nv_wire_tc);
	struct nv_xdp_info xi = { 0 };
	struct bpf_prog_info pinned;
	struct nv_config cfg;
	int err = check_len(len);

	memset(r, 0, sizeof(*r));
	if (err)
		return err;
	err = nv_config_get(&t->live, &cfg);
	if (err)
		return err;
	if (!cfg.underlay_ifindex)
		return -ENODEV;
	if (cfg.flags & NV_CFG_F_NO_XDP) {
		/* xdp-mode none: TC ingress of the underlay is the only stage. */
		r->stage[0].hook = NV_HOOK_WIRE_TC;
		r->stage[0].ifindex = cfg.underlay_ifindex;
		r->stage[0].prog_id = nv_tc_prog_id(cfg.underlay_ifindex);
		err = check_attached(tc_fd, r->stage[0].prog_id);
		if (err)
			return err;
		r->nstages = 1;
		return run_stage(t, &r->stage[0], tc_fd, false, frame, len);
	}
	r->stage[0].hook = NV_HOOK_FROM_WIRE;
	r->stage[0].ifindex = cfg.underlay_ifindex;
	r->stage[1].hook = NV_HOOK_WIRE_TC;
	r->stage[1].ifindex = cfg.underlay_ifindex;
	err = nv_xdp_info(cfg.underlay_ifindex, &xi);
	if (err)
		return err;
	r->stage[0].prog_id = xi.prog_id;
	if (xi.dispatcher && xi.prog_id) {
		/* libxdp's dispatcher runs our program as a component: check the pinned one. */
		err = pinned_prog_info(t->pin_dir, "nv_from_wire", &pinned);
		if (!err) {
			r->stage[0].prog_id = pinned.id;
			err = same_tag(xdp_fd, &pinned);
		}
	} else {
		err = check_attached(xdp_fd, xi.prog_id);
	}
	if (err)
		return err;
	r->stage[1].prog_id = nv_tc_prog_id(cfg.underlay_ifindex);
	err = check_attached(tc_fd, r->stage[1].prog_id);
	if (err)
		return err;

	r->nstages = 1;
	err = run_stage(t, &r->stage[0], xdp_fd, true, frame, len);
	if (err || r->stage[0].retval != XDP_PASS)
		return err;
	/* The stack takes the frame: TC ingress of the underlay sees it next. */
	r->nstages = 2;
	return run_stage(t, &r->stage[1], tc_fd, false, frame, len);
}

const char *nv_trace_retval_name(unsigned int hook, int ret)
{
	if (hook == NV_HOOK_FROM_WIRE) {
		switch (ret) {
		case XDP_ABORTED:
			return "XDP_ABORTED";
		case XDP_DROP:
			return "XDP_DROP";
		case XDP_PASS:
			return "XDP_PASS";
		case XDP_TX:
			return "XDP_TX";
		case XDP_REDIRECT:
			return "XDP_REDIRECT";
		}
		return "?";
	}
	switch (ret) {
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT:
		return "TC_ACT_REDIRECT";
	}
	return "?";
}

unsigned int nv_trace_verdict(const struct nv_trace_stage *s)
{
	if (s->have_event)
		return s->event.verdict;
	if (s->hook == NV_HOOK_FROM_WIRE)
		return s->retval == XDP_PASS	   ? NV_VERDICT_PASS
		       : s->retval == XDP_REDIRECT ? NV_VERDICT_REDIRECT
						   : NV_VERDICT_DROP;
	return s->retval == TC_ACT_OK	      ? NV_VERDICT_PASS
	       : s->retval == TC_ACT_REDIRECT ? NV_VERDICT_REDIRECT
					      : NV_VERDICT_DROP;
}

__u32 nv_trace_reason(const struct nv_trace_stage *s)
{
	if (s->have_event && s->event.verdict == NV_VERDICT_DROP)
		return s->event.reason;
	return s->reason;
}
