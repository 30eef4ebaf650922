// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The instance's lifecycle: attach, detach, reload, status, ports, gateway legs. Every program
 * comes from the registry (nv_progs.h); where it runs is its attach kind, and each kind is one case
 * below: the underlay's hooks, or a TC hook on each of a set of devices (ports, external devices).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_instance.h"
#include "nv_migrate.h"
#include "nv_netdev.h"
#include "nv_objects.h"
#include "nv_pins.h"

#define BPFFS "/sys/fs/bpf"

/*
 * Receivers before senders: a stage that hands frames on (XDP to TC through the metadata) is
 * attached after its receiver and replaced after it; detach goes the other way. The external
 * devices come first: what nv_from_ext receives from outside are the replies to connections that
 * tenants open through the underlay's programs (and NAT's static mappings), so the programs that
 * open connections are swapped after the one that takes their replies, never before. It hands
 * frames only to the underlay and to ports, none of our stages on this host.
 */
static const enum nv_attach attach_order[] = { NV_ATTACH_EXT_TC, NV_ATTACH_UNDERLAY_TC,
					       NV_ATTACH_PORT_TC, NV_ATTACH_UNDERLAY_XDP };
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

/* The one program of kind a (ports: nv_from_vm, external devices: nv_from_ext), or -1. */
static int prog_of(enum nv_attach a)
{
	for (int i = 0; i < NV_PROG__COUNT; i++)
		if (nv_progs[i].attach == a)
			return i;
	return -1;
}

/* Does the instance (its config) run this kind on the underlay? */
static bool on_underlay(enum nv_attach a, const struct nv_config *cfg)
{
	return a == NV_ATTACH_UNDERLAY_TC ||
	       (a == NV_ATTACH_UNDERLAY_XDP && !(cfg->flags & NV_CFG_F_NO_XDP));
}

/* Does this kind run at the TC ingress of each of a set of devices the maps list? */
static bool on_devices(enum nv_attach a)
{
	return a == NV_ATTACH_PORT_TC || a == NV_ATTACH_EXT_TC;
}

/*
 * The devices of a kind that runs on devices, each with whether the loader created its clsact
 * qdisc: every port (nv_ports), every gateway external device (nv_gw_devs).
 */
typedef int (*dev_fn)(__u32 ifindex, bool own_clsact, void *arg);
struct dev_iter {
	dev_fn fn;
	void *arg;
};

static int port_dev_cb(__u32 ifindex, const struct nv_port *p, void *arg)
{
	const struct dev_iter *it = arg;

	return it->fn(ifindex, p->flags & NV_PORT_F_OWN_CLSACT, it->arg);
}

static int ext_dev_cb(__u32 ifindex, const struct nv_gw_dev *d, void *arg)
{
	const struct dev_iter *it = arg;

	return it->fn(ifindex, d->flags & NV_GW_DEV_F_OWN_CLSACT, it->arg);
}

static int each_dev(enum nv_attach a, const struct nv_maps *m, dev_fn fn, void *arg)
{
	struct dev_iter it = { .fn = fn, .arg = arg };

	switch (a) {
	case NV_ATTACH_PORT_TC:
		return nv_port_iter(m, port_dev_cb, &it);
	case NV_ATTACH_EXT_TC:
		return nv_gw_dev_iter(m, ext_dev_cb, &it);
	case NV_ATTACH_UNDERLAY_XDP:
	case NV_ATTACH_UNDERLAY_TC:
		break;
	}
	return 0;
}

/*
 * xdp-mode auto on underlay ul (NV_XDP_MODE_AUTO): none on a veth, else native; a driver without
 * native XDP turns out at the attach (-EOPNOTSUPP), and then none too.
 */
static enum nv_xdp_mode auto_mode(__u32 ul)
{
	return nv_netdev_is_veth(ul) ? NV_XDP_MODE_NONE : NV_XDP_MODE_NATIVE;
}

const char *nv_dp_xdp_auto_reason(const struct nv_dp_status *st)
{
	if (!(st->cfg.flags & NV_CFG_F_XDP_AUTO))
		return NULL;
	if (!(st->cfg.flags & NV_CFG_F_NO_XDP))
		return "the underlay's driver has native XDP";
	if (nv_netdev_is_veth(st->cfg.underlay_ifindex))
		return "the underlay is a veth, where XDP copies every frame before the program "
		       "runs: TC alone is faster";
	return "the underlay's driver has no native XDP, and generic XDP copies every frame: TC "
	       "alone is faster";
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
	case NV_ATTACH_EXT_TC:
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
	case NV_ATTACH_EXT_TC:
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
	case NV_ATTACH_EXT_TC:
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
	struct nv_load_opts load = { .pin_dir = pin_dir,
				     .max_records = o->max_records,
				     .max_conns = o->max_conns };
	struct nv_config cfg = { .underlay_ifindex = o->underlay_ifindex, .ttl = o->ttl };
	bool attached[NV_PROG__COUNT] = { false };
	__u32 ul = o->underlay_ifindex;
	enum nv_xdp_mode mode = o->xdp_mode;
	struct nv_objects objs;
	int err, lock;

	if (mode == NV_XDP_MODE_AUTO) {
		mode = auto_mode(ul);
		cfg.flags |= NV_CFG_F_XDP_AUTO;
	}
	if (mode == NV_XDP_MODE_NONE)
		cfg.flags |= NV_CFG_F_NO_XDP;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (o->max_conns > NV_CT_CONNS_MAX)
		return -EINVAL;
	err = attach_check(pin_dir, o, why);
	if (err)
		return err;
	/*
	 * The instance directory is made and locked before anything is pinned in it: nvctl holds
	 * the lock of /run/nvgre-xdp.lock while the directory does not exist, and the agent, which
	 * locks the directory once it exists, would otherwise see (and fill) a half-made instance.
	 */
	if (mkdir(pin_dir, 0700) && errno != EEXIST)
		return -errno;
	lock = nv_lock_dir(pin_dir, LOCK_EX, -1);
	if (lock < 0) {
		remove_instance(pin_dir);
		return lock;
	}
	err = nv_objects_load(&objs, &load);
	if (err) {
		remove_instance(pin_dir);
		nv_instance_unlock(lock);
		return err;
	}

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
			err = underlay_attach(a, ul, objs.prog_fd[i], mode, &own);
			if (err == -EOPNOTSUPP && a == NV_ATTACH_UNDERLAY_XDP &&
			    (cfg.flags & NV_CFG_F_XDP_AUTO)) {
				/* auto: the driver has no native XDP, so TC alone. */
				cfg.flags |= NV_CFG_F_NO_XDP;
				err = nv_config_set(&objs.maps, &cfg, why);
				continue;
			}
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
		nv_instance_unlock(lock);
		return err;
	}
	nv_objects_destroy(&objs); /* programs live on: pinned and attached */
	nv_instance_unlock(lock);
	return 0;
}

/* Every device of a kind, whatever fails (the first error is kept); a device that is gone: 0. */
static int dev_detach_cb(__u32 ifindex, bool own_clsact, void *arg)
{
	int *first = arg;
	int err = nv_tc_detach(ifindex, own_clsact);

	if (err && err != -ENODEV && !*first)
		*first = err;
	return 0;
}

/* IPv4 forwarding back off on an external device that gateway add turned it on for. */
static int forwarding_restore_cb(__u32 ifindex, const struct nv_gw_dev *d, void *arg)
{
	int err = 0;

	(void)arg;
	if (d->flags & NV_GW_DEV_F_OWN_FORWARDING)
		err = nv_netdev_set_ipv4_forwarding(ifindex, 0);
	return err == -ENXIO || err == -ENODEV ? 0 : err;
}

int nv_dp_detach(const char *pin_dir)
{
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
	if (!err)
		err = nv_gw_dev_iter(&m, forwarding_restore_cb, NULL);
	/* Senders first: the XDP stage stops handing frames to TC before TC goes. */
	for (size_t k = NV_ATTACH_KINDS; k-- && !err;) {
		enum nv_attach a = attach_order[k];

		if (on_devices(a)) {
			int first = 0;

			err = each_dev(a, &m, dev_detach_cb, &first) ?: first;
			continue;
		}
		if (!cfg.underlay_ifindex || !on_underlay(a, &cfg))
			continue;
		for (int i = 0; i < NV_PROG__COUNT; i++) {
			int e;

			if (nv_progs[i].attach != a)
				continue;
			e = underlay_detach(a, &cfg, progs.fd[i]);
			if (e && !err)
				err = e;
		}
	}
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

struct dev_replace_ctx {
	int fd;	   /* program to put on each device */
	bool undo; /* putting the old programs back: every device, whatever fails */
	int err;   /* the first error */
};

static int dev_replace_cb(__u32 ifindex, bool own_clsact, void *arg)
{
	struct dev_replace_ctx *c = arg;
	int err = nv_tc_replace(ifindex, c->fd);

	(void)own_clsact;
	/* A device that is gone (see port del ifindex) has no hook left to replace. */
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
		if (on_devices(a)) {
			struct dev_replace_ctx devs = { .fd = new[i], .undo = undo };

			e = each_dev(a, m, dev_replace_cb, &devs) ?: devs.err;
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
	/* The pinned maps are reused, whatever their size: as they are. */
	load.max_records = map_max_entries(m.fd[NV_MAP_RECORDS]);
	load.max_conns = map_max_entries(m.fd[NV_MAP_CT]) / 2;
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

/* max_entries of the map pinned as name in dir, 0 when none is (an older ABI may lack it). */
static int pinned_max_entries(const char *dir, const char *name, __u32 *max)
{
	char path[PATH_MAX + 32];
	int fd;

	*max = 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	*max = map_max_entries(fd);
	close(fd);
	return 0;
}

/* Does the kind of program i need a program of the old instance to swap on this instance? */
static bool hook_needed(int i, const struct nv_maps *m, const struct nv_config *cfg)
{
	__u32 devs = 0;

	switch (nv_progs[i].attach) {
	case NV_ATTACH_PORT_TC:
		return true;
	case NV_ATTACH_EXT_TC:
		/* An older ABI may have had no gateway: then no device runs it. */
		return nv_map_count(m, NV_MAP_GW_DEVS, &devs) || devs;
	case NV_ATTACH_UNDERLAY_XDP:
	case NV_ATTACH_UNDERLAY_TC:
		break;
	}
	return on_underlay(nv_progs[i].attach, cfg);
}

int nv_dp_upgrade(const char *pin_dir, struct nv_dp_upgrade_report *rep, struct nv_conflict *why)
{
	struct nv_load_opts load = { .pin_dir = pin_dir };
	int old[NV_PROG__COUNT], err;
	struct nv_objects objs;
	struct nv_config cfg;
	char dir[PATH_MAX];
	unsigned int abi;
	size_t done = 0;
	__u32 conns_max;

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
	/* The new records map and connection table as large as the old ones (none: the default). */
	err = nv_pin_abi_dir(pin_dir, "maps", abi, dir, sizeof(dir));
	if (!err)
		err = pinned_max_entries(dir, nv_map_name(NV_MAP_RECORDS), &load.max_records);
	if (!err && !load.max_records)
		err = -ENOENT; /* every ABI has it: not a datapath */
	if (!err)
		err = pinned_max_entries(dir, nv_map_name(NV_MAP_CT), &conns_max);
	if (err)
		return err;
	load.max_conns = conns_max / 2 <= NV_CT_CONNS_MAX ? conns_max / 2 : NV_CT_CONNS_MAX;
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
		if (old[i] < 0 && hook_needed(i, &objs.maps, &cfg))
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

unsigned int nv_dp_overhead(const union nv_addr *pa)
{
	return nv_addr_is_ipv4(pa) ? NV_ENCAP_LEN : NV_ENCAP6_LEN;
}

/* The underlay's MTU and what it leaves a VM; all 0 while it has none (or it is gone). */
static void status_mtu(struct nv_dp_status *st)
{
	st->overhead = nv_dp_overhead(&st->cfg.pa);
	if (!st->cfg.underlay_ifindex || nv_netdev_mtu(st->cfg.underlay_ifindex, &st->underlay_mtu))
		st->underlay_mtu = 0;
	st->vm_mtu = st->underlay_mtu > st->overhead ? st->underlay_mtu - st->overhead : 0;
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
			if (on_devices(nv_progs[i].attach))
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
		case NV_ATTACH_EXT_TC:
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
	if (!err)
		err = nv_map_count(&m, NV_MAP_GW_LEGS, &st->gw_legs);
	if (!err)
		err = nv_map_count(&m, NV_MAP_GW_DEVS, &st->gw_devs);
	if (!err)
		err = nv_ct_count(&m, &st->conns);
	st->records_max = map_max_entries(m.fd[NV_MAP_RECORDS]);
	st->conns_max = map_max_entries(m.fd[NV_MAP_CT]) / 2;
	status_mtu(st);
	nv_maps_close(&m);
	return err;
}

/* The instance's maps and pinned programs, both or neither (the device calls below). */
static int instance_open(const char *pin_dir, struct nv_maps *m, struct nv_pinned_progs *progs)
{
	int err = nv_dp_maps(pin_dir, m);

	if (err)
		return err;
	err = nv_pinned_progs_open(pin_dir, progs);
	if (err)
		nv_maps_close(m);
	return err;
}

int nv_dp_port_add(const char *pin_dir, __u32 ifindex, const struct nv_port *p,
		   struct nv_conflict *why)
{
	struct nv_pinned_progs progs;
	struct nv_port port = *p;
	int prog = prog_of(NV_ATTACH_PORT_TC);
	bool own_clsact;
	struct nv_maps m;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (prog < 0)
		return -ENOENT;
	err = instance_open(pin_dir, &m, &progs);
	if (err)
		return err;
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

/* Sets why to kind about the device ifindex; returns its errno. */
static int dev_conflict(struct nv_conflict *why, enum nv_conflict_kind kind, __u32 ifindex)
{
	int err = nv_conflict_set(why, kind);

	if (why)
		why->ifindex = ifindex;
	return err;
}

int nv_dp_gateway_add(const char *pin_dir, __u32 rdid, const struct nv_gw_leg *leg,
		      struct nv_conflict *why)
{
	int prog = prog_of(NV_ATTACH_EXT_TC), err;
	__u32 ifindex = leg->ext_ifindex;
	struct nv_gw_dev_info info = { 0 };
	struct nv_pinned_progs progs;
	bool attach, attached = false, own_clsact = false;
	struct nv_gw_dev dev;
	int forwarding = 1;
	struct nv_maps m;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	if (prog < 0)
		return -ENOENT;
	err = instance_open(pin_dir, &m, &progs);
	if (err)
		return err;
	/* Refuse before touching the device: every rule of ours, then the library's. */
	if (!nv_netdev_exists(ifindex))
		err = dev_conflict(why, NV_CONFLICT_NO_DEVICE, ifindex);
	else if (nv_netdev_is_loopback(ifindex))
		err = dev_conflict(why, NV_CONFLICT_PORT_IS_LOOPBACK, ifindex);
	if (!err)
		err = nv_gw_leg_check(&m, rdid, leg, why);
	if (err)
		goto out;
	/* The device's first leg attaches; the others find nv_from_ext there already. */
	err = nv_gw_dev_get(&m, ifindex, &dev);
	attach = err == -ENOENT;
	if (attach)
		err = nv_netdev_mac(ifindex, info.mac);
	/*
	 * The way out looks the next hop up with bpf_fib_lookup, which refuses a device that does
	 * not forward: on with the first leg, back off with the last (NV_GW_DEV_F_OWN_FORWARDING).
	 */
	if (!err && attach)
		err = nv_netdev_ipv4_forwarding(ifindex, &forwarding);
	if (!err && attach && !forwarding) {
		err = nv_netdev_set_ipv4_forwarding(ifindex, 1);
		if (!err)
			info.flags |= NV_GW_DEV_F_OWN_FORWARDING;
	}
	if (!err && attach) {
		err = nv_tc_attach(ifindex, progs.fd[prog], &own_clsact);
		/* Not a port or underlay of ours (checked above): another instance's filter. */
		if (err)
			err = hook_conflict(NV_ATTACH_EXT_TC, ifindex, err, why);
		attached = !err;
	}
	if (own_clsact)
		info.flags |= NV_GW_DEV_F_OWN_CLSACT;
	if (!err)
		err = nv_gw_leg_add(&m, rdid, leg, &info, why);
	if (err && attached)
		nv_tc_detach(ifindex, own_clsact);
	if (err && (info.flags & NV_GW_DEV_F_OWN_FORWARDING))
		nv_netdev_set_ipv4_forwarding(ifindex, 0);
out:
	nv_pinned_progs_close(&progs);
	nv_maps_close(&m);
	return err;
}

int nv_dp_gateway_del(const char *pin_dir, __u32 rdid, struct nv_conflict *why)
{
	struct nv_gw_dev dev = { 0 }, left;
	struct nv_gw_leg leg = { 0 };
	struct nv_maps m;
	int err;

	nv_conflict_set(why, NV_CONFLICT_NONE);
	err = nv_dp_maps(pin_dir, &m);
	if (err)
		return err;
	/* The device's flags, for its detach; an RDID without a leg is the library's to refuse. */
	err = nv_gw_leg_get(&m, rdid, &leg);
	if (!err)
		err = nv_gw_dev_get(&m, leg.ext_ifindex, &dev);
	if (err == -ENOENT)
		err = 0;
	/* Map entries first: from then on the device is no gateway's, as any other device. */
	if (!err)
		err = nv_gw_leg_del(&m, rdid, NULL, why);
	/* The device's last leg took its entry: nothing runs there for us any more. */
	if (!err && nv_gw_dev_get(&m, leg.ext_ifindex, &left) == -ENOENT) {
		err = nv_tc_detach(leg.ext_ifindex, dev.flags & NV_GW_DEV_F_OWN_CLSACT);
		if (!err && (dev.flags & NV_GW_DEV_F_OWN_FORWARDING))
			err = nv_netdev_set_ipv4_forwarding(leg.ext_ifindex, 0);
		if (err == -ENODEV || err == -ENXIO)
			err = 0;
	}
	nv_maps_close(&m);
	return err;
}
