/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* nvctl: what the command files share. */
#ifndef NVCTL_H
#define NVCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "nv_maps.h"

/* Exit codes: the CLI's contract with scripts. */
enum nv_exit {
	NV_EXIT_OK = 0,
	NV_EXIT_RUNTIME = 1,
	NV_EXIT_USAGE = 2,
};

struct nv_undo_log;

/* A batch's maps, opened by its first line that needs them and shared by the others. */
struct nv_maps_cache {
	bool open;
	struct nv_maps m;
};

/* A batch's consecutive `record add` lines, applied together (nv_record_add_many). */
struct nv_record_queue {
	struct nv_record_key *k;
	struct nv_record *r;
	size_t n, cap;
};

struct nv_ctx {
	const char *pin_dir;
	bool json, pretty, debug;
	bool dry_run;			 /* batch, first pass: parse and check arguments only */
	struct nv_undo_log *undo;	 /* batch, second pass: how to take back what was applied */
	const char *prefix;		 /* batch: "line N: " before every error */
	struct nv_maps_cache *maps;	 /* batch: the maps, opened once */
	struct nv_record_queue *records; /* batch, second pass: record add queues its record here */
};

struct nv_cmd {
	const char *object;
	const char *command;
	const char *args; /* usage of the arguments, "" for none */
	const char *summary;
	int (*run)(struct nv_ctx *ctx, int argc, char **argv);
	bool batch; /* allowed in batch files */
};

/* Every command, in the order help shows them; ends with a zeroed entry. */
extern const struct nv_cmd nv_cmds[];

int nv_dispatch(struct nv_ctx *ctx, int argc, char **argv);

/* Errors: "Error: ..." on stderr, or {"error": "..."} on stdout under -j. Return the exit code. */
int nv_usage_error(const struct nv_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nv_runtime_error(const struct nv_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A runtime error from a library call: "what: strerror". */
int nv_errno_error(const struct nv_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a JSON value (steals the reference) with the ctx's formatting. */
void nv_json_print(const struct nv_ctx *ctx, json_t *v);

/* The name of a device, or "#IFINDEX" when it is gone (a port whose device was deleted). */
const char *nv_ifname(__u32 ifindex, char *buf, size_t len);
/* The same for JSON: the device's name, or null when no device has that ifindex. */
json_t *nv_ifname_json(__u32 ifindex);

/*
 * The instance's maps; prints the error and returns the exit code when it is not attached. In a
 * batch the maps are opened once: m is then a copy of the batch's, which nv_close_maps leaves
 * open (they are closed by nv_maps_cache_close at the end of the batch).
 */
int nv_open_maps(const struct nv_ctx *ctx, struct nv_maps *m);
void nv_close_maps(const struct nv_ctx *ctx, struct nv_maps *m);
void nv_maps_cache_close(struct nv_maps_cache *c);

/*
 * Give up the instance lock that main() takes before running a command: for commands that run
 * until stopped (metrics listen), which would otherwise block every other nvctl of the instance.
 */
void nv_unlock_instance(void);
/*
 * The instance lock taken on a directory: flock how (LOCK_EX, LOCK_SH), waiting forever
 * (wait_ms < 0) or at most wait_ms. The fd that holds it (close it to release), -EBUSY when the
 * wait ran out, or -errno.
 */
int nv_lock_dir(const char *dir, int how, int wait_ms);

/* Per-object command tables, joined into nv_cmds. */
int nv_cmd_dp_attach(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_dp_detach(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_dp_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_dp_reload(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_pa_add(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_pa_del(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_pa_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_subnet_add(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_subnet_del(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_subnet_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_port_add(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_port_del(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_port_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_record_add(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_record_del(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_record_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_stats_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_stats_reset(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_batch(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_events_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_events_set(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_metrics_show(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_metrics_listen(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_monitor_drops(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_monitor_trace(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_trace_port(struct nv_ctx *ctx, int argc, char **argv);
int nv_cmd_trace_underlay(struct nv_ctx *ctx, int argc, char **argv);

#endif /* NVCTL_H */
