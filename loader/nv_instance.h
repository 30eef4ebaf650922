/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One writer at a time per instance: the maps library keeps invariants across several maps (a
 * record's bound port, a port's PA), which two writers could interleave. Every nvctl command,
 * nvctl apply and the agent take the instance lock before they change anything; readers that
 * must see one consistent state (a metrics scrape) take it shared for a moment. The lock is a
 * flock on the instance's directory when only we can open it (dp attach makes it 0700), else on
 * the root-only /run/nvgre-xdp.lock (before the instance exists, or a directory someone else could
 * open and hold locked); it goes with the process (or the fd).
 */
#ifndef NV_INSTANCE_H
#define NV_INSTANCE_H

/*
 * flock how (LOCK_EX, LOCK_SH) on dir, waiting forever (wait_ms < 0) or at most wait_ms. The fd
 * that holds it (close it, or nv_instance_unlock, to release), -EBUSY when the wait ran out, or
 * -errno.
 */
int nv_lock_dir(const char *dir, int how, int wait_ms);
/* The same on the instance at pin_dir, or on /run/nvgre-xdp.lock (see above). */
int nv_instance_lock(const char *pin_dir, int how, int wait_ms);
/* Release a lock fd (< 0: nothing held). */
void nv_instance_unlock(int fd);

#endif /* NV_INSTANCE_H */
