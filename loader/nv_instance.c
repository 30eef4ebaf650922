// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "nv_instance.h"

/*
 * The lock before an instance directory exists, or when that directory is not private to us: a
 * root-only file (as iptables' /run/xtables.lock), which nobody else can open. bpffs itself is
 * world-writable (1777): anyone could hold a flock on it and stall every nvctl.
 */
#define NV_LOCK_FILE "/run/nvgre-xdp.lock"

static int lock_fd(int fd, int how, int wait_ms)
{
	int err;

	if (wait_ms < 0) {
		if (!flock(fd, how))
			return fd;
	} else {
		for (int waited = 0;; waited += 10) {
			if (!flock(fd, how | LOCK_NB))
				return fd;
			if (errno != EWOULDBLOCK || waited >= wait_ms)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
	}
	err = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(fd);
	return err;
}

int nv_lock_dir(const char *dir, int how, int wait_ms)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : lock_fd(fd, how, wait_ms);
}

/* Nobody but us can open it, so nobody else can hold a flock on it. */
static bool private_to_us(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_uid == geteuid() && !(st.st_mode & 077);
}

static int lock_file(int how, int wait_ms)
{
	int fd = open(NV_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (!private_to_us(fd)) {
		close(fd);
		return -EPERM;
	}
	return lock_fd(fd, how, wait_ms);
}

int nv_instance_lock(const char *pin_dir, int how, int wait_ms)
{
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && private_to_us(fd))
		return lock_fd(fd, how, wait_ms);
	if (fd >= 0)
		close(fd);
	return lock_file(how, wait_ms);
}

void nv_instance_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* the last fd of the open file: the lock goes with it */
}
