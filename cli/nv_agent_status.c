// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* basename */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nv_agent_status.h"

int nv_agent_status_path(const char *pin_dir, char *buf, size_t len)
{
	char dir[4096];
	size_t n;
	int w;

	snprintf(dir, sizeof(dir), "%s", pin_dir);
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	w = snprintf(buf, len, "%s/agent-%s.json", NV_AGENT_STATUS_DIR, basename(dir));
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int nv_agent_status_write(const char *path, const json_t *st)
{
	char tmp[4200], dir[4096], *slash;
	int err = 0, fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		struct stat sb;

		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		/*
		 * Readers (agent status, metrics) trust what is there: the directory is ours and
		 * nobody else's to write, made so when it is ours but loose, refused otherwise.
		 */
		if (lstat(dir, &sb))
			return -errno;
		if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid())
			return -EPERM;
		if ((sb.st_mode & 022) && chmod(dir, sb.st_mode & 0755))
			return -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	/* 0644 whatever the umask: root's to write, anyone's to read (it holds no secret). */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) || json_dumpfd(st, fd, JSON_COMPACT | JSON_PRESERVE_ORDER)) {
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	if (close(fd)) {
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
	}
	return err;
}

int nv_agent_status_read(const char *path, json_t **st)
{
	json_error_t jerr;
	json_t *pid;
	bool running;

	*st = json_load_file(path, 0, &jerr);
	if (!*st)
		return access(path, F_OK) ? -ENOENT : -EINVAL;
	pid = json_object_get(*st, "pid");
	if (!json_is_object(*st) || !json_is_integer(pid)) {
		json_decref(*st);
		*st = NULL;
		return -EINVAL;
	}
	/* A file left by an agent that was killed: its process is gone. */
	running = !kill((pid_t)json_integer_value(pid), 0) || errno == EPERM;
	json_object_set_new(*st, "running", json_boolean(running));
	return 0;
}
