// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "nv_pins.h"

/* "<pin_dir without trailing slashes>/<sub>-v<abi>[/<name>]" */
static int pin_path_abi(const char *pin_dir, const char *sub, unsigned int abi, const char *name,
			char *buf, size_t len)
{
	size_t dlen;
	int n;

	if (!pin_dir || !*pin_dir || !buf)
		return -EINVAL;
	/* "/sys/fs/bpf/nvgre/" and "/sys/fs/bpf/nvgre" name the same instance. */
	dlen = strlen(pin_dir);
	while (dlen > 1 && pin_dir[dlen - 1] == '/')
		dlen--;
	if (dlen == 1 && pin_dir[0] == '/')
		dlen = 0;
	if (dlen > INT_MAX)
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%.*s/%s-v%u%s%s", (int)dlen, pin_dir, sub, abi, name ? "/" : "",
		     name ? name : "");
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int pin_path(const char *pin_dir, const char *sub, const char *name, char *buf, size_t len)
{
	return pin_path_abi(pin_dir, sub, NV_ABI_VERSION, name, buf, len);
}

int nv_pin_abi_dir(const char *pin_dir, const char *sub, unsigned int abi, char *buf, size_t len)
{
	return pin_path_abi(pin_dir, sub, abi, NULL, buf, len);
}

int nv_pin_maps_dir(const char *pin_dir, char *buf, size_t len)
{
	return pin_path(pin_dir, "maps", NULL, buf, len);
}

int nv_pin_progs_dir(const char *pin_dir, char *buf, size_t len)
{
	return pin_path(pin_dir, "progs", NULL, buf, len);
}

int nv_pin_map_path(const char *pin_dir, enum nv_map_id id, char *buf, size_t len)
{
	if ((unsigned int)id >= NV_MAP__COUNT)
		return -EINVAL;
	return pin_path(pin_dir, "maps", nv_map_specs[id].name, buf, len);
}

int nv_pin_prog_path(const char *pin_dir, enum nv_prog_id id, char *buf, size_t len)
{
	if ((unsigned int)id >= NV_PROG__COUNT)
		return -EINVAL;
	return pin_path(pin_dir, "progs", nv_progs[id].name, buf, len);
}

void nv_pinned_progs_close(struct nv_pinned_progs *p)
{
	for (int i = 0; i < NV_PROG__COUNT; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

int nv_pinned_progs_open(const char *pin_dir, struct nv_pinned_progs *p)
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
		nv_pinned_progs_close(p);
	return err;
}

int nv_pinned_progs_pin(const char *pin_dir, const int fd[NV_PROG__COUNT])
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
		/* i is one past the program that failed: unpin the ones before it */
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

int nv_pinned_progs_unpin(const char *pin_dir)
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
