// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "nv_pins.h"
#include "nv_datapath.h"
#include "nv_netdev.h"
#include "nv_objects.h"
#include "from_vm.skel.h"
#include "from_wire.skel.h"
#include "wire_tc.skel.h"

#define BPFFS "/sys/fs/bpf"

/* The instance's pinned programs, by fd. */
struct pinned_progs {
	int fd[NV_PROG__COUNT];
};

int nv_bpffs_mount(void)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static void progs_close(struct pinned_progs *p)
{
	for (int i = 0; i < NV_PROG__COUNT; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

static int progs_open(const char *pin_dir, struct pinned_progs *p)
{
	char path[PATH_MAX];
	int err = 0;

	for (int i = 0; i < NV_PROG__COUNT; i++)
		p->fd[i] = -1;
	for (int i = 0; i < NV_PROG__COUNT && !err; i++) {
		err = nv_pin_prog_path(pin_dir, i, path, sizeof(path));
		if (!err && (p->fd[i] = bpf_obj_get(path)) < 0)
			err = -errno;
	}
	if (err)
		progs_close(p);
	return err;
}

static int progs_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	for (int i = 0; i < NV_PROG__COUNT; i++) {
		err = nv_pin_prog_path(pin_dir, i, path, sizeof(path));
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	err = nv_pin_progs_dir(pin_dir, path, sizeof(path));
	if (!err && rmdir(path) && errno != ENOENT)
		err = -errno;
	return err;
}

static void object_fds(const struct nv_objects *o, int fd[NV_PROG__COUNT])
{
	fd[NV_PROG_FROM_VM] = nv_objects_from_vm_fd(o);
	fd[NV_PROG_FROM_WIRE] = nv_objects_from_wire_fd(o);
	fd[NV_PROG_WIRE_TC] = nv_objects_wire_tc_fd(o);
}

/*
 * Pin the programs fd[] as the instance's: all three under a fresh name first, then each moved into
 * place (bpffs supports rename: a reader sees the old or the new program, never none). A failed pin
 * replaces nothing, so the pins always name one set of programs.
 */
static int progs_pin(const char *pin_dir, const int fd[NV_PROG__COUNT])
{
	char dir[PATH_MAX], path[NV_PROG__COUNT][PATH_MAX], tmp[NV_PROG__COUNT][PATH_MAX + 8];
	int err = nv_pin_progs_dir(pin_dir, dir, sizeof(dir)), i;

	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < NV_PROG__COUNT && !err; i++) {
		err = nv_pin_prog_path(pin_dir, i, path[i], sizeof(path[i]));
		if (!err) {
			/* bpffs refuses dots in names */
			snprintf(tmp[i], sizeof(tmp[i]), "%.*s_new", PATH_MAX - 1, path[i]);
			err = bpf_obj_pin(fd[i], tmp[i]);
		}
	}
	if (err) {
		while (--i > 0)
			unlink(tmp[i - 1]);
		return err;
	}
	for (i = 0; i < NV_PROG__COUNT; i++) {
		if (rename(tmp[i], path[i]))
			return -errno;
	}
	return 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int nv_dp_maps(const char *pin_dir, struct nv_maps *m)
{
	char dir[PATH_MAX];
	int err = nv_pin_maps_dir(pin_dir, dir, sizeof(dir));

	if (err)
		return err;
	err = nv_bpffs_mount();
	return err ?: nv_maps_open_pinned(m, dir, NV_MAP_GROUPS_HOST);
}

static void remove_instance(const char *pin_dir)
{
	progs_unpin(pin_dir);
	nv_objects_unpin(pin_dir);
}

int nv_dp_attach(const char *pin_dir, const struct nv_dp_attach_opts *o)
{
	struct nv_load_opts load = { .pin_dir = pin_dir, .max_records = o->max_records };
	struct nv_config cfg = { .underlay_ifindex = o->underlay_ifindex,
				 .ttl = o->ttl,
				 .flags = o->xdp_mode == NV_XDP_MODE_NONE ? NV_CFG_F_NO_XDP : 0 };
	char maps_dir[PATH_MAX];
	struct nv_objects objs;
	int new_fds[NV_PROG__COUNT];
	bool own_clsact = false, tc_attached = false;
	unsigned int mtu;
	int err;

	err = nv_netdev_mtu(o->underlay_ifindex, &mtu);
	if (err)
		return err;
	if (mtu < NV_UNDERLAY_MTU_MIN)
		return -EMSGSIZE;
	err = nv_bpffs_mount();
	if (!err)
		err = nv_pin_maps_dir(pin_dir, maps_dir, sizeof(maps_dir));
	if (err)
		return err;
	/* An instance's directory holds one datapath: never adopt another's pins. */
	if (access(maps_dir, F_OK) == 0)
		return -EEXIST;
	err = nv_objects_load(&objs, &load);
	if (err)
		return err;

	object_fds(&objs, new_fds);
	err = progs_pin(pin_dir, new_fds);
	if (!err)
		err = nv_local_pa_add(&objs.maps, &o->pa, o->underlay_ifindex, NULL);
	if (!err) {
		cfg.pa = o->pa;
		err = nv_config_set(&objs.maps, &cfg, NULL);
	}
	/* TC first: the XDP stage hands frames of TC-mode ports to it. */
	if (!err) {
		err = nv_tc_attach(o->underlay_ifindex, nv_objects_wire_tc_fd(&objs), &own_clsact);
		tc_attached = !err;
	}
	if (!err && own_clsact) {
		cfg.flags |= NV_CFG_F_OWN_CLSACT;
		err = nv_config_set(&objs.maps, &cfg, NULL);
	}
	if (!err && o->xdp_mode != NV_XDP_MODE_NONE)
		err = nv_xdp_attach(o->underlay_ifindex, nv_objects_from_wire_fd(&objs),
				    o->xdp_mode);
	if (err) {
		if (tc_attached)
			nv_tc_detach(o->underlay_ifindex, own_clsact);
		nv_objects_destroy(&objs);
		remove_instance(pin_dir);
		return err;
	}
	nv_objects_destroy(&objs); /* programs live on: pinned and attached */
	return 0;
}

struct port_detach_ctx {
	int err;
};

static int port_detach_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct port_detach_ctx *c = arg;
	int err = nv_tc_detach(ifindex, p->flags & NV_PORT_F_OWN_CLSACT);

	if (err && err != -ENODEV && !c->err)
		c->err = err;
	return 0;
}

int nv_dp_detach(const char *pin_dir)
{
	struct port_detach_ctx ports = { 0 };
	struct pinned_progs progs;
	struct nv_config cfg;
	struct nv_maps m;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = progs_open(pin_dir, &progs);
	if (err == -ENOENT)
		err = 0; /* a half-removed instance: remove the rest */
	if (!err)
		err = nv_config_get(&m, &cfg);
	if (!err && cfg.underlay_ifindex) {
		__u32 id = progs.fd[NV_PROG_FROM_WIRE] >= 0 && !(cfg.flags & NV_CFG_F_NO_XDP)
				   ? prog_id(progs.fd[NV_PROG_FROM_WIRE])
				   : 0;
		int e = id ? nv_xdp_detach(cfg.underlay_ifindex, id) : 0;

		/* Gone with the device, or replaced by someone else: nothing of ours is left. */
		if (e == -ENOENT || e == -ENODEV)
			e = 0;
		err = e;
		e = nv_tc_detach(cfg.underlay_ifindex, cfg.flags & NV_CFG_F_OWN_CLSACT);
		if (e && e != -ENODEV && !err)
			err = e;
	}
	if (!err)
		err = nv_port_iter(&m, port_detach_cb, &ports) ?: ports.err;
	progs_close(&progs);
	nv_maps_close(&m);
	if (err)
		return err;
	err = progs_unpin(pin_dir);
	if (!err)
		err = nv_objects_unpin(pin_dir);
	/* libxdp's lock directory, made for our attach; left alone while anyone keeps files there.
	 */
	rmdir(BPFFS "/xdp");
	return err;
}

struct port_replace_ctx {
	int fd;	   /* program to put on each port */
	bool undo; /* putting the old programs back: every port, whatever fails */
	int err;   /* the first error */
};

static int port_replace_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	struct port_replace_ctx *c = arg;
	int err = nv_tc_replace(ifindex, c->fd);

	(void)p;
	/* A port whose device is gone (see port del ifindex) has no hook left to replace. */
	if (!err || err == -ENODEV)
		return 0;
	if (!c->err)
		c->err = err;
	return c->undo ? 0 : err;
}

int nv_dp_reload(const char *pin_dir)
{
	struct nv_load_opts load = { .pin_dir = pin_dir };
	struct port_replace_ctx ports;
	struct pinned_progs old;
	struct nv_objects objs;
	int new_fds[NV_PROG__COUNT];
	struct nv_config cfg;
	struct nv_maps m;
	bool no_xdp;
	__u32 ul;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = progs_open(pin_dir, &old);
	if (!err)
		err = nv_config_get(&m, &cfg);
	if (err) {
		nv_maps_close(&m);
		return err;
	}
	load.max_records = map_max_entries(m.fd[NV_MAP_RECORDS]);
	ul = cfg.underlay_ifindex;
	no_xdp = cfg.flags & NV_CFG_F_NO_XDP;
	err = nv_objects_load(&objs, &load);
	if (err)
		goto out;

	/* Swap every hook in place; on a failure put the old programs back. */
	ports = (struct port_replace_ctx){ .fd = nv_objects_from_vm_fd(&objs) };
	err = nv_tc_replace(ul, nv_objects_wire_tc_fd(&objs));
	if (!err)
		err = nv_port_iter(&m, port_replace_cb, &ports) ?: ports.err;
	if (!err && !no_xdp)
		err = nv_xdp_replace(ul, old.fd[NV_PROG_FROM_WIRE], nv_objects_from_wire_fd(&objs));
	if (!err) {
		object_fds(&objs, new_fds);
		err = progs_pin(pin_dir, new_fds);
	}
	if (err) {
		progs_pin(pin_dir, old.fd); /* the pins name what the hooks run again */
		ports = (struct port_replace_ctx){ .fd = old.fd[NV_PROG_FROM_VM], .undo = true };
		nv_port_iter(&m, port_replace_cb, &ports);
		nv_tc_replace(ul, old.fd[NV_PROG_WIRE_TC]);
		if (!no_xdp)
			nv_xdp_replace(ul, nv_objects_from_wire_fd(&objs),
				       old.fd[NV_PROG_FROM_WIRE]);
	}
	nv_objects_destroy(&objs);
out:
	progs_close(&old);
	nv_maps_close(&m);
	return err;
}

int nv_dp_status(const char *pin_dir, struct nv_dp_status *st)
{
	struct nv_maps m;
	int err;

	memset(st, 0, sizeof(*st));
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_config_get(&m, &st->cfg);
	if (!err && st->cfg.underlay_ifindex) {
		if (st->cfg.flags & NV_CFG_F_NO_XDP)
			st->xdp.mode = NV_XDP_MODE_NONE; /* ours is not there: nothing to ask */
		else
			nv_xdp_info(st->cfg.underlay_ifindex, &st->xdp);
		st->wire_tc_id = nv_tc_prog_id(st->cfg.underlay_ifindex);
	}
	if (!err)
		err = nv_map_count(&m, NV_MAP_PORTS, &st->ports);
	if (!err)
		err = nv_map_count(&m, NV_MAP_RECORDS, &st->records);
	if (!err)
		err = nv_map_count(&m, NV_MAP_SUBNETS, &st->subnets);
	if (!err)
		err = nv_map_count(&m, NV_MAP_LOCAL_PAS, &st->local_pas);
	st->records_max = map_max_entries(m.fd[NV_MAP_RECORDS]);
	nv_maps_close(&m);
	return err;
}

int nv_dp_port_add(const char *pin_dir, __u32 ifindex, const struct nv_port *p)
{
	struct pinned_progs progs;
	struct nv_port port = *p;
	bool own_clsact;
	struct nv_maps m;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = progs_open(pin_dir, &progs);
	if (err) {
		nv_maps_close(&m);
		return err;
	}
	/* Refuse before touching the device: an existing port keeps its filter. */
	if (!nv_port_get(&m, ifindex, &port)) {
		err = -EEXIST;
		goto out;
	}
	port = *p;
	if (nv_netdev_is_veth(ifindex))
		port.flags |= NV_PORT_F_PEER;
	err = nv_tc_attach(ifindex, progs.fd[NV_PROG_FROM_VM], &own_clsact);
	if (err)
		goto out;
	if (own_clsact)
		port.flags |= NV_PORT_F_OWN_CLSACT;
	err = nv_port_add(&m, ifindex, &port, NULL);
	if (err)
		nv_tc_detach(ifindex, own_clsact);
out:
	progs_close(&progs);
	nv_maps_close(&m);
	return err;
}

int nv_dp_port_del(const char *pin_dir, __u32 ifindex)
{
	struct nv_port port;
	struct nv_maps m;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_port_get(&m, ifindex, &port);
	/* Map entry first: from then on the filter only drops, as for any non-port device. */
	if (!err)
		err = nv_port_del(&m, ifindex, NULL);
	if (!err) {
		err = nv_tc_detach(ifindex, port.flags & NV_PORT_F_OWN_CLSACT);
		if (err == -ENODEV)
			err = 0;
	}
	nv_maps_close(&m);
	return err;
}
