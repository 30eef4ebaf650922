/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The status file of a running nvctl agent: one JSON object, replaced whole (rename) so that a
 * reader never sees half of it, removed when the agent stops. nvctl agent status and nvctl
 * metrics read it; the agent holds no socket for them.
 */
#ifndef NV_AGENT_STATUS_H
#define NV_AGENT_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define NV_AGENT_STATUS_DIR "/run/nvgre-xdp"

/* The default file of the instance at pin_dir: NV_AGENT_STATUS_DIR/agent-<last component>.json */
int nv_agent_status_path(const char *pin_dir, char *buf, size_t len);
/* Writes st to path (its directory made), atomically. 0 or -errno. */
int nv_agent_status_write(const char *path, const json_t *st);
/*
 * Reads path into *st (a new reference) with "running" set: its agent's process still exists.
 * 0, -ENOENT (no agent has run, or it stopped cleanly), -EINVAL (not a status file), -errno.
 */
int nv_agent_status_read(const char *path, json_t **st);

#endif /* NV_AGENT_STATUS_H */
