// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The instance's lifecycle: attach, detach, reload, status, ports. Every program comes from the
 * registry (nv_progs.h); where it runs is its attach kind, and each kind is one case below.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "nv_datapath.h"
#include "nv_migrate.h"
#include "nv_netdev.h"
#include "nv_objects.h"
#include "nv_pins.h"

#define BPFFS "/sys/fs/bpf"

/*
 * Receivers before senders: a stage that hands frames on (XDP to TC through the metadata) is
 * attached after its receiver and replaced after it; detach goes the other way.
 */
static const enum nv_attach attach_order[] = { NV_ATTACH_UNDERLAY_TC, NV_ATTACH_PORT_TC,
					       NV_ATTACH_UNDERLAY_XDP };
#define NV_ATTACH_KINDS (sizeof(attach_order) / sizeof(attach_order[0]))

int nv_bpffs_mount(void)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* The one program that runs on ports. */
static int port_prog(void)
{
	for (int i = 0; i < NV_PROG__COUNT; i++)
		if (nv_progs[i].attach == NV_ATTACH_PORT_TC)
			return i;
	return -1;
}

/* Does the instance (its config) run this kind on the underlay? */
static bool on_underlay(enum nv_attach a, const struct nv_config *cfg)
{
	return a == NV_ATTACH_UNDERLAY_TC ||
	       (a == NV_ATTACH_UNDERLAY_XDP && !(cfg->flags & NV_CFG_F_NO_XDP));
}

static int underlay_attach(enum nv_attach a, __u32 ul, int fd, enum nv_xdp_mode mode,
			   bool *own_clsact)
{
	switch (a) {
	case NV_ATTACH_UNDERLAY_TC:
		return nv_tc_attach(ul, fd, own_clsact);
	case NV_ATTACH_UNDERLAY_XDP:
		return nv_xdp_attach(ul, fd, mode);
	case NV_ATTACH_PORT_TC:
		break;
	}
	return 0;
}

static int underlay_replace(enum nv_attach a, __u32 ul, int old_fd, int new_fd)
{
	switch (a) {
	case NV_ATTACH_UNDERLAY_TC:
		return nv_tc_replace(ul, new_fd);
	case NV_ATTACH_UNDERLAY_XDP:
		return nv_xdp_replace(ul, old_fd, new_fd);
	case NV_ATTACH_PORT_TC:
		break;
	}
	return 0;
}

/* Ours only: a hook someone else took over, or a device that is gone, leaves nothing to do. */
static int underlay_detach(enum nv_attach a, const struct nv_config *cfg, int pinned_fd)
{
	__u32 ul = cfg->underlay_ifindex, id;
	int err = 0;

	switch (a) {
	case NV_ATTACH_UNDERLAY_TC:
		err = nv_tc_detach(ul, cfg->flags & NV_CFG_F_OWN_CLSACT);
		break;
	case NV_ATTACH_UNDERLAY_XDP:
		id = prog_id(pinned_fd);
		err = id ? nv_xdp_detach(ul, id) : 0;
		if (err == -ENOENT)
			err = 0;
		break;
	case NV_ATTACH_PORT_TC:
		break;
	}
	return err == -ENODEV ? 0 : err;
}

int nv_dp_maps(const char *pin_dir, struct nv_maps *m)
{
	char dir[PATH_MAX];
	unsigned int groups;
	int err = nv_pin_maps_dir(pin_dir, dir, sizeof(dir));

	if (err)
		return err;
	err = nv_bpffs_mount();
	if (err)
		return err;
	/* Every host has the core and routing maps; a gateway has its own group too. */
	groups = nv_maps_pinned_groups(dir) | NV_MAP_GROUPS_HOST;
	return nv_maps_open_pinned(m, dir, groups);
}

static void remove_instance(const char *pin_dir)
{
	nv_pinned_progs_unpin(pin_dir);
	nv_objects_unpin(pin_dir);
}

/*
 * A directory made before dp attach (bpffs lets anyone make one) is used only when it is ours
 * and nobody else may write it: its owner could unlink or replace the pins, and anyone who can
 * open it could hold the instance lock (a flock on it) forever. Made private (0700) as dp attach
 * makes it. 0 also when it does not exist yet.
 */
static int pin_dir_check(const char *pin_dir, struct nv_conflict *why)
{
	struct stat st;

	if (lstat(pin_dir, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode) && st.st_uid == geteuid() && stat(pin_dir, &st))
		return -errno;
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return nv_conflict_set(why, NV_CONFLICT_PIN_DIR_UNSAFE);
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 077) && chmod(pin_dir, 0700))
		return -errno;
	return 0;
}

/* The checks that need no load: the device's MTU, and an instance already there. */
static int attach_check(const char *pin_dir, const struct nv_dp_attach_opts *o,
			struct nv_conflict *why)
{
	char maps_dir[PATH_MAX];
	unsigned int mtu, abi;
	int err;

	err = nv_netdev_mtu(o->underlay_ifindex, &mtu);
	if (err)
		return err == -ENODEV ? nv_conflict_set(why, NV_CONFLICT_NO_DEVICE) : err;
	if (mtu < NV_UNDERLAY_MTU_MIN) {
		err = nv_conflict_set(why, NV_CONFLICT_UNDERLAY_MTU);
		if (why)
			why->ifindex = o->underlay_ifindex;
		return err;
	}
	err = nv_bpffs_mount();
	if (!err)
		err = nv_pin_maps_dir(pin_dir, maps_dir, sizeof(maps_dir));
	if (err)
		return err;
	/* An instance's directory holds one datapath: never adopt another's pins. */
	if (access(maps_dir, F_OK) == 0)
		return nv_conflict_set(why, NV_CONFLICT_INSTANCE_EXISTS);
	abi = nv_migrate_pinned_abi(pin_dir);
	if (abi) {
		err = nv_conflict_set(why, NV_CONFLICT_INSTANCE_OTHER_ABI);
		if (why)
			why->abi = abi;
		return err;
	}
	return pin_dir_check(pin_dir, why);
}

/* Which conflict a refused underlay hook is. */
static int hook_conflict(enum nv_attach a, __u32 ifindex, int err, struct nv_conflict *why)
{
	enum nv_conflict_kind kind = NV_CONFLICT_NONE;

	if (a == NV_ATTACH_UNDERLAY_XDP && err == -EBUSY)
		kind = NV_CONFLICT_XDP_BUSY;
	else if (err == -EEXIST)
		kind = NV_CONFLICT_DEV_HAS_FILTER;
	if (kind == NV_CONFLICT_NONE)
		return err;
	nv_conflict_set(why, kind);
	if (why)
		why->ifindex = ifindex;
	return err;
}

int nv_dp_attach(const char *pin_dir, const struct nv_dp_attach_opts *o, struct nv_conflict *why)
{
	struct nv_load_opts load = { .pin_dir = pin_dir, .max_records = o->max_records };
	struct nv_config cfg = { .underlay_ifindex = o->underlay_ifindex,
				 .ttl = o->ttl,
				 .flags = o->xdp_mode == NV_XDP_MODE_NONE ? NV_CFG_F_NO_XDP : 0 };
	bool attached[NV_PROG__COUNT] = { false };
	__u32 ul = o->underlay_ifindex;
	struct nv_objects objs;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = attach_check(pin_dir, o, why);
	if (err)
		return err;
	err = nv_objects_load(&objs, &load);
	if (err)
		return err;

	err = nv_pinned_progs_pin(pin_dir, objs.prog_fd);
	if (!err)
		err = nv_local_pa_add(&objs.maps, &o->pa, ul, why);
	if (!err) {
		cfg.pa = o->pa;
		err = nv_config_set(&objs.maps, &cfg, why);
	}
	for (size_t k = 0; k < NV_ATTACH_KINDS && !err; k++) {
		enum nv_attach a = attach_order[k];

		if (!on_underlay(a, &cfg))
			continue;
		for (int i = 0; i < NV_PROG__COUNT && !err; i++) {
			bool own = false;

			if (nv_progs[i].attach != a)
				continue;
			err = underlay_attach(a, ul, objs.prog_fd[i], o->xdp_mode, &own);
			if (err) {
				err = hook_conflict(a, ul, err, why);
				break;
			}
			attached[i] = true;
			if (own) {
				/* Detach removes the clsact qdisc only when we made it. */
				cfg.flags |= NV_CFG_F_OWN_CLSACT;
				err = nv_config_set(&objs.maps, &cfg, why);
			}
		}
	}
	if (err) {
		for (size_t k = NV_ATTACH_KINDS; k--;)
			for (int i = 0; i < NV_PROG__COUNT; i++)
				if (attached[i] && nv_progs[i].attach == attach_order[k])
					underlay_detach(attach_order[k], &cfg, objs.prog_fd[i]);
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
	struct nv_pinned_progs progs;
	struct nv_config cfg;
	struct nv_maps m;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_pinned_progs_open(pin_dir, &progs);
	if (err == -ENOENT)
		err = 0; /* a half-removed instance: remove the rest */
	if (!err)
		err = nv_config_get(&m, &cfg);
	/* Senders first: the XDP stage stops handing frames to TC before TC goes. */
	for (size_t k = NV_ATTACH_KINDS; k-- && !err && cfg.underlay_ifindex;) {
		if (!on_underlay(attach_order[k], &cfg))
			continue;
		for (int i = 0; i < NV_PROG__COUNT; i++) {
			int e;

			if (nv_progs[i].attach != attach_order[k])
				continue;
			e = underlay_detach(attach_order[k], &cfg, progs.fd[i]);
			if (e && !err)
				err = e;
		}
	}
	if (!err)
		err = nv_port_iter(&m, port_detach_cb, &ports) ?: ports.err;
	nv_pinned_progs_close(&progs);
	nv_maps_close(&m);
	if (err)
		return err;
	err = nv_pinned_progs_unpin(pin_dir);
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

/* Swap every hook of kind a from the programs old[] to new[]; undo: whatever fails, go on. */
static int replace_kind(enum nv_attach a, const struct nv_maps *m, const struct nv_config *cfg,
			const int old[NV_PROG__COUNT], const int new[NV_PROG__COUNT], bool undo)
{
	int err = 0;

	for (int i = 0; i < NV_PROG__COUNT && (!err || undo); i++) {
		int e;

		if (nv_progs[i].attach != a)
			continue;
		if (a == NV_ATTACH_PORT_TC) {
			struct port_replace_ctx ports = { .fd = new[i], .undo = undo };

			e = nv_port_iter(m, port_replace_cb, &ports) ?: ports.err;
		} else if (on_underlay(a, cfg)) {
			e = underlay_replace(a, cfg->underlay_ifindex, old[i], new[i]);
		} else {
			e = 0;
		}
		if (e && !err)
			err = e;
	}
	return err;
}

int nv_dp_reload(const char *pin_dir)
{
	struct nv_load_opts load = { .pin_dir = pin_dir };
	struct nv_pinned_progs old;
	struct nv_objects objs;
	struct nv_config cfg;
	struct nv_maps m;
	size_t done = 0;
	int err;

	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_pinned_progs_open(pin_dir, &old);
	if (!err)
		err = nv_config_get(&m, &cfg);
	if (err) {
		nv_maps_close(&m);
		return err;
	}
	load.max_records = map_max_entries(m.fd[NV_MAP_RECORDS]);
	err = nv_objects_load(&objs, &load);
	if (err)
		goto out;

	/* Swap every hook in place, receivers first; on a failure put the old programs back. */
	for (; done < NV_ATTACH_KINDS && !err; done++)
		err = replace_kind(attach_order[done], &m, &cfg, old.fd, objs.prog_fd, false);
	if (!err)
		err = nv_pinned_progs_pin(pin_dir, objs.prog_fd);
	if (err) {
		nv_pinned_progs_pin(pin_dir, old.fd); /* the pins name what the hooks run again */
		while (done--)
			replace_kind(attach_order[done], &m, &cfg, objs.prog_fd, old.fd, true);
	}
	nv_objects_destroy(&objs);
out:
	nv_pinned_progs_close(&old);
	nv_maps_close(&m);
	return err;
}

int nv_dp_upgrade(const char *pin_dir, struct nv_dp_upgrade_report *rep, struct nv_conflict *why)
{
	struct nv_load_opts load = { .pin_dir = pin_dir };
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int old[NV_PROG__COUNT], fd, err;
	struct nv_objects objs;
	struct nv_config cfg;
	unsigned int abi;
	size_t done = 0;

	memset(rep, 0, sizeof(*rep));
	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_pin_maps_dir(pin_dir, dir, sizeof(dir));
	if (err)
		return err;
	abi = rep->from_abi = nv_migrate_pinned_abi(pin_dir);
	if (!abi)
		return -ENOENT;
	if (access(dir, F_OK) == 0)
		return nv_conflict_set(why, NV_CONFLICT_INSTANCE_EXISTS);
	if (abi > NV_ABI_VERSION)
		return -EPROTO; /* a newer nvctl's: this one cannot know its layout's meaning */
	/* The new records map as large as the old one. */
	err = nv_pin_abi_dir(pin_dir, "maps", abi, dir, sizeof(dir));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/nv_records", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	load.max_records = map_max_entries(fd);
	close(fd);
	err = nv_migrate_progs_open(pin_dir, abi, old);
	if (err)
		return err;
	err = nv_objects_load(&objs, &load);
	if (err)
		goto out;
	/* The new instance filled first, while the old programs still carry every frame. */
	err = nv_migrate_policy(pin_dir, abi, &objs.maps, &rep->n, why);
	if (!err)
		err = nv_config_get(&objs.maps, &cfg);
	for (int i = 0; i < NV_PROG__COUNT && !err; i++)
		if (old[i] < 0 && (nv_progs[i].attach == NV_ATTACH_PORT_TC ||
				   on_underlay(nv_progs[i].attach, &cfg)))
			err = -ENOENT; /* the old instance lacks a program the hooks need */
	/* Then every hook swapped in place, as dp reload does: no moment without a program. */
	for (; done < NV_ATTACH_KINDS && !err; done++)
		err = replace_kind(attach_order[done], &objs.maps, &cfg, old, objs.prog_fd, false);
	if (!err)
		err = nv_pinned_progs_pin(pin_dir, objs.prog_fd);
	if (err) {
		while (done--)
			replace_kind(attach_order[done], &objs.maps, &cfg, objs.prog_fd, old, true);
		nv_objects_destroy(&objs);
		nv_pinned_progs_unpin(pin_dir);
		nv_objects_unpin(pin_dir); /* the old instance's directories keep pin_dir */
		goto out;
	}
	nv_objects_destroy(&objs);
	err = nv_migrate_remove(pin_dir, abi);
out:
	for (int i = 0; i < NV_PROG__COUNT; i++)
		if (old[i] >= 0)
			close(old[i]);
	return err;
}

int nv_dp_status(const char *pin_dir, struct nv_dp_status *st)
{
	struct nv_pinned_progs progs;
	struct nv_maps m;
	int err;

	memset(st, 0, sizeof(*st));
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_config_get(&m, &st->cfg);
	if (!err && nv_pinned_progs_open(pin_dir, &progs) == 0) {
		for (int i = 0; i < NV_PROG__COUNT; i++)
			if (nv_progs[i].attach == NV_ATTACH_PORT_TC)
				st->prog_id[i] = prog_id(progs.fd[i]);
		nv_pinned_progs_close(&progs);
	}
	for (int i = 0; i < NV_PROG__COUNT && !err && st->cfg.underlay_ifindex; i++) {
		__u32 ul = st->cfg.underlay_ifindex;

		switch (nv_progs[i].attach) {
		case NV_ATTACH_UNDERLAY_XDP:
			if (st->cfg.flags & NV_CFG_F_NO_XDP) {
				st->xdp.mode = NV_XDP_MODE_NONE; /* ours is not there */
			} else {
				nv_xdp_info(ul, &st->xdp);
				st->prog_id[i] = st->xdp.prog_id;
			}
			break;
		case NV_ATTACH_UNDERLAY_TC:
			st->prog_id[i] = nv_tc_prog_id(ul);
			break;
		case NV_ATTACH_PORT_TC:
			break;
		}
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

int nv_dp_port_add(const char *pin_dir, __u32 ifindex, const struct nv_port *p,
		   struct nv_conflict *why)
{
	struct nv_pinned_progs progs;
	struct nv_port port = *p;
	int prog = port_prog();
	bool own_clsact;
	struct nv_maps m;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (prog < 0)
		return -ENOENT;
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_pinned_progs_open(pin_dir, &progs);
	if (err) {
		nv_maps_close(&m);
		return err;
	}
	/* Refuse before touching the device: an existing port keeps its filter. */
	if (!nv_port_get(&m, ifindex, &port))
		err = nv_conflict_set(why, NV_CONFLICT_PORT_EXISTS);
	else if (nv_netdev_is_loopback(ifindex))
		err = nv_conflict_set(why, NV_CONFLICT_PORT_IS_LOOPBACK);
	if (err) {
		if (why)
			why->ifindex = ifindex;
		goto out;
	}
	port = *p;
	if (nv_netdev_is_veth(ifindex))
		port.flags |= NV_PORT_F_PEER;
	/* Every rule of the library too, before the device is touched. */
	err = nv_port_check(&m, ifindex, &port, why);
	if (err)
		goto out;
	err = nv_tc_attach(ifindex, progs.fd[prog], &own_clsact);
	if (err) {
		/* Not a port of ours (checked above), yet it has our handle: another instance's. */
		err = hook_conflict(NV_ATTACH_PORT_TC, ifindex, err, why);
		goto out;
	}
	if (own_clsact)
		port.flags |= NV_PORT_F_OWN_CLSACT;
	err = nv_port_add(&m, ifindex, &port, why);
	if (err)
		nv_tc_detach(ifindex, own_clsact);
out:
	nv_pinned_progs_close(&progs);
	nv_maps_close(&m);
	return err;
}

int nv_dp_port_del(const char *pin_dir, __u32 ifindex, struct nv_conflict *why)
{
	struct nv_port port;
	struct nv_maps m;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	err = nv_port_get(&m, ifindex, &port);
	if (err == -ENOENT) {
		nv_conflict_set(why, NV_CONFLICT_PORT_UNKNOWN);
		if (why)
			why->ifindex = ifindex;
	}
	/* Map entry first: from then on the filter only drops, as for any non-port device. */
	if (!err)
		err = nv_port_del(&m, ifindex, why);
	if (!err) {
		err = nv_tc_detach(ifindex, port.flags & NV_PORT_F_OWN_CLSACT);
		if (err == -ENODEV)
			err = 0;
	}
	nv_maps_close(&m);
	return err;
}
