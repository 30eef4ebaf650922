// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "nv_instance.h"

#define BPFFS "/sys/fs/bpf"

int nv_lock_dir(const char *dir, int how, int wait_ms)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
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

int nv_instance_lock(const char *pin_dir, int how, int wait_ms)
{
	int fd = nv_lock_dir(pin_dir, how, wait_ms);

	/* Best effort: without the instance (or bpffs) there is little to protect yet. */
	return fd < 0 && fd != -EBUSY ? nv_lock_dir(BPFFS, how, wait_ms) : fd;
}

void nv_instance_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* the last fd of the open file: the lock goes with it */
}
