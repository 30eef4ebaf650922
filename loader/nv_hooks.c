// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <linux/if_link.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "nv_hooks.h"

#define TC_HOOK(name, ifx) \
	LIBBPF_OPTS(bpf_tc_hook, name, .ifindex = (int)(ifx), .attach_point = BPF_TC_INGRESS)

int nv_tc_attach(__u32 ifindex, int prog_fd, bool *own_clsact)
{
	TC_HOOK(hook, ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NV_TC_HANDLE, .priority = NV_TC_PRIORITY,
		    .prog_fd = prog_fd);
	int err;

	*own_clsact = false;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	*own_clsact = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && *own_clsact) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		*own_clsact = false;
	}
	return err;
}

int nv_tc_replace(__u32 ifindex, int prog_fd)
{
	TC_HOOK(hook, ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NV_TC_HANDLE, .priority = NV_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

int nv_tc_detach(__u32 ifindex, bool own_clsact)
{
	TC_HOOK(hook, ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NV_TC_HANDLE, .priority = NV_TC_PRIORITY);
	int err;

	err = bpf_tc_detach(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL)
		err = 0; /* already gone (the device or the qdisc went away) */
	if (own_clsact) {
		/* Destroying the clsact qdisc takes both directions: ask for both. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		int e = bpf_tc_hook_destroy(&hook);

		if (e && e != -ENOENT && e != -EINVAL && !err)
			err = e;
	}
	return err;
}

__u32 nv_tc_prog_id(__u32 ifindex)
{
	TC_HOOK(hook, ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NV_TC_HANDLE, .priority = NV_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

static enum xdp_attach_mode to_libxdp(enum nv_xdp_mode mode)
{
	return mode == NV_XDP_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

static __u32 to_flags(enum nv_xdp_mode mode)
{
	return mode == NV_XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

int nv_xdp_attach(__u32 ifindex, int prog_fd, enum nv_xdp_mode mode)
{
	struct xdp_program *prog = xdp_program__from_fd(prog_fd);
	int err;

	err = libxdp_get_error(prog);
	if (err)
		return err;
	err = xdp_program__attach(prog, ifindex, to_libxdp(mode), 0);
	xdp_program__close(prog);
	/* libxdp says -EEXIST where a non-libxdp program holds the device. */
	return err == -EEXIST ? -EBUSY : err;
}

int nv_xdp_info(__u32 ifindex, struct nv_xdp_info *info)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *main;
	int err = libxdp_get_error(mp);

	memset(info, 0, sizeof(*info));
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!mp)
		return 0;
	info->dispatcher = !xdp_multiprog__is_legacy(mp);
	info->mode = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ? NV_XDP_MODE_SKB
								    : NV_XDP_MODE_NATIVE;
	if (info->dispatcher) {
		/* The first program the dispatcher runs: ours, when we attached it. */
		struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp);

		info->prog_id = p ? xdp_program__id(p) : 0;
	} else {
		main = xdp_multiprog__main_prog(mp);
		info->prog_id = main ? xdp_program__id(main) : 0;
	}
	xdp_multiprog__close(mp);
	return 0;
}

int nv_xdp_replace(__u32 ifindex, int old_fd, int new_fd)
{
	struct nv_xdp_info info;
	int err = nv_xdp_info(ifindex, &info);

	if (err)
		return err;
	if (info.dispatcher)
		return -EOPNOTSUPP; /* not on this kernel: the dispatcher needs freplace */
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	return bpf_xdp_attach(ifindex, new_fd, XDP_FLAGS_REPLACE | to_flags(info.mode), &opts);
}

int nv_xdp_detach(__u32 ifindex, __u32 prog_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int err = libxdp_get_error(mp);

	if (err)
		return err;
	if (!mp)
		return -ENOENT;
	if (xdp_multiprog__is_legacy(mp)) {
		struct xdp_program *main = xdp_multiprog__main_prog(mp);

		err = main && xdp_program__id(main) == prog_id ? xdp_multiprog__detach(mp)
							       : -ENOENT;
	} else {
		struct xdp_program *p;

		err = -ENOENT;
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == prog_id) {
				err = xdp_program__detach(p, ifindex,
							  xdp_multiprog__attach_mode(mp), 0);
				break;
			}
	}
	xdp_multiprog__close(mp);
	return err;
}
