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
#include "nv_pins.h"
#include "nv_trace.h"

struct nv_trace {
	struct nv_maps live;
	/* Private copies: the live policy maps by fd, private config, counters and events. */
	struct nv_objects objs;
	struct ring_buffer *ring;
	struct nv_trace_stage *cur; /* where the ring callback puts the event */
	char pin_dir[PATH_MAX];
};

/* The program that runs at kind a (the registry has one of each). */
static int prog_at(enum nv_attach a)
{
	for (int i = 0; i < NV_PROG__COUNT; i++)
		if (nv_progs[i].attach == a)
			return i;
	return -1;
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

static int pinned_prog_info(const char *pin_dir, enum nv_prog_id id, struct bpf_prog_info *info)
{
	char path[PATH_MAX];
	int fd, err;

	err = nv_pin_prog_path(pin_dir, id, path, sizeof(path));
	if (err)
		return err;
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
	struct nv_load_opts load = { .reuse_roles = 1u << NV_MAP_ROLE_POLICY };
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
		t->live.fd[i] = t->objs.maps.fd[i] = -1;
	snprintf(t->pin_dir, sizeof(t->pin_dir), "%s", pin_dir);
	err = nv_dp_maps(pin_dir, &t->live);
	if (!err)
		err = nv_config_get(&t->live, &cfg);
	if (err)
		goto fail;
	load.reuse = &t->live;
	err = nv_objects_load(&t->objs, &load);
	if (err)
		goto fail;

	/* The live configuration, except that every verdict leaves an event, at any rate. */
	cfg.events = NV_EVENTS_TRACE;
	cfg.event_rate = 0;
	if (bpf_map_update_elem(t->objs.maps.fd[NV_MAP_CONFIG], &zero, &cfg, BPF_ANY)) {
		err = -errno;
		goto fail;
	}
	t->ring = ring_buffer__new(t->objs.maps.fd[NV_MAP_EVENTS], on_event, t, NULL);
	if (!t->ring) {
		err = -errno ?: -ENOMEM;
		goto fail;
	}

	/* The instance's programs must be these: else the trace would tell another story. */
	for (int i = 0; i < NV_PROG__COUNT && !err; i++) {
		err = pinned_prog_info(pin_dir, i, &pinned);
		if (!err)
			err = same_tag(t->objs.prog_fd[i], &pinned);
	}
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
	nv_objects_destroy(&t->objs);
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
		if (bpf_map_lookup_elem(t->objs.maps.fd[NV_MAP_DROPS], &k, v))
			continue;
		for (int c = 0; c < ncpus; c++) {
			if (v[c].packets) {
				reason = k;
				memset(v, 0, (size_t)ncpus * sizeof(*v));
				bpf_map_update_elem(t->objs.maps.fd[NV_MAP_DROPS], &k, v, BPF_ANY);
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

/* Stage s as the program of kind a on ifindex; its program must be the one attached there. */
static int stage_prep(struct nv_trace_stage *s, enum nv_attach a, __u32 ifindex, __u32 prog_id)
{
	int id = prog_at(a);

	if (id < 0)
		return -ENOENT;
	s->prog = id;
	s->hook = nv_progs[id].hook;
	s->ifindex = ifindex;
	s->prog_id = prog_id;
	return 0;
}

static int stage_run(struct nv_trace *t, struct nv_trace_stage *s, const void *frame, size_t len)
{
	return run_stage(t, s, t->objs.prog_fd[s->prog], nv_progs[s->prog].xdp, frame, len);
}

int nv_trace_port(struct nv_trace *t, __u32 port, const void *frame, size_t len,
		  struct nv_trace_result *r)
{
	struct nv_trace_stage *s = &r->stage[0];
	int err = check_len(len);

	memset(r, 0, sizeof(*r));
	if (!err)
		err = stage_prep(s, NV_ATTACH_PORT_TC, port, nv_tc_prog_id(port));
	if (!err)
		err = check_attached(t->objs.prog_fd[s->prog], s->prog_id);
	if (err)
		return err;
	r->nstages = 1;
	return stage_run(t, s, frame, len);
}

/* The XDP stage: the attached program, or the pinned one that libxdp's dispatcher runs. */
static int xdp_stage_prep(struct nv_trace *t, struct nv_trace_stage *s, __u32 ul)
{
	struct nv_xdp_info xi = { 0 };
	struct bpf_prog_info pinned;
	int err = nv_xdp_info(ul, &xi);

	if (!err)
		err = stage_prep(s, NV_ATTACH_UNDERLAY_XDP, ul, xi.prog_id);
	if (err)
		return err;
	if (!xi.dispatcher || !xi.prog_id)
		return check_attached(t->objs.prog_fd[s->prog], xi.prog_id);
	/* libxdp's dispatcher runs our program as a component: check the pinned one. */
	err = pinned_prog_info(t->pin_dir, s->prog, &pinned);
	if (err)
		return err;
	s->prog_id = pinned.id;
	return same_tag(t->objs.prog_fd[s->prog], &pinned);
}

int nv_trace_underlay(struct nv_trace *t, const void *frame, size_t len, struct nv_trace_result *r)
{
	struct nv_trace_stage *tc;
	struct nv_config cfg;
	__u32 ul;
	int err = check_len(len);

	memset(r, 0, sizeof(*r));
	if (!err)
		err = nv_config_get(&t->live, &cfg);
	if (err)
		return err;
	ul = cfg.underlay_ifindex;
	if (!ul)
		return -ENODEV;
	/* xdp-mode none: TC ingress of the underlay is the only stage. */
	if (!(cfg.flags & NV_CFG_F_NO_XDP)) {
		err = xdp_stage_prep(t, &r->stage[r->nstages++], ul);
		if (err) {
			r->nstages = 0;
			return err;
		}
	}
	tc = &r->stage[r->nstages];
	err = stage_prep(tc, NV_ATTACH_UNDERLAY_TC, ul, nv_tc_prog_id(ul));
	if (!err)
		err = check_attached(t->objs.prog_fd[tc->prog], tc->prog_id);
	if (err) {
		r->nstages = 0;
		return err;
	}
	if (r->nstages) {
		err = stage_run(t, &r->stage[0], frame, len);
		if (err || r->stage[0].retval != XDP_PASS)
			return err;
	}
	/* The stack takes the frame: TC ingress of the underlay sees it next. */
	r->nstages++;
	return stage_run(t, tc, frame, len);
}

const char *nv_trace_retval_name(unsigned int hook, int ret)
{
	int id = nv_prog_of_hook(hook);

	if (id >= 0 && nv_progs[id].xdp) {
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
	if (nv_progs[s->prog].xdp)
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
