/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nvctl: what the command files share. The grammar is the tables: each OBJECT's file ends with its
 * command table (struct nv_cmd, bpftool style), each command carries its argument specs
 * (nv_args.h), and nv_cmds.c joins the objects. Dispatch, help, the man page test and the bash
 * completion all read those tables.
 */
#ifndef NVCTL_H
#define NVCTL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "nv_args.h"
#include "nv_maps.h"
#include "nv_txn.h"

/* Exit codes: the CLI's contract with scripts. */
enum nv_exit {
	NV_EXIT_OK = 0,
	NV_EXIT_RUNTIME = 1,
	NV_EXIT_USAGE = 2,
};

/* A batch's maps, opened by its first line that needs them and shared by the others. */
struct nv_maps_cache {
	bool open;
	struct nv_maps m;
};

/* JSON being built by the print helpers (nv_output.h): the open objects and arrays. */
#define NV_OUT_DEPTH 8
struct nv_out {
	json_t *stack[NV_OUT_DEPTH]; /* stack[0]: the document */
	int depth;		     /* 0: nothing open */
};

struct nv_ctx {
	const char *pin_dir;
	bool json, pretty, debug;
	int lock_fd;			 /* the instance lock main() took, -1 once given up */
	bool dry_run;			 /* batch, first pass: parse and check arguments only */
	struct nv_txn *txn;		 /* batch: how to take back what was applied */
	const char *prefix;		 /* batch: "line N: " before every error */
	struct nv_maps_cache *maps;	 /* batch: the maps, opened once */
	struct nv_record_queue *records; /* batch, second pass: record add queues its record here */
	struct nv_out out;
};

enum nv_cmd_flags {
	NV_CMD_BATCH = 1 << 0,	 /* allowed in batch files: the command can be taken back */
	NV_CMD_DEFAULT = 1 << 1, /* runs when the object is given alone ("nvctl metrics") */
	/* ... and with the object's arguments when they start with no command ("monitor vsid 1") */
	NV_CMD_DEFAULT_ARGS = 1 << 2,
	/*
	 * Runs whole: SIGINT and SIGTERM wait until it is done or taken back (nv_signals_hold). Set
	 * for every command that changes several things at once and reads no input meanwhile;
	 * NV_CMD_BATCH commands run so too. apply and batch hold around their change alone, as
	 * they read a file (maybe a terminal) first.
	 */
	NV_CMD_WHOLE = 1 << 3,
};

struct nv_cmd {
	/*
	 * "add", or a group's command in two words ("route add": nvctl gateway route add). The
	 * usage line tells the two apart (tests/cli/test_docs.sh and the completion read it so): a
	 * second word is a plain word followed by nothing, an [optional] or another plain word (a
	 * keyword), never by a value; so a group's command never starts with a positional.
	 */
	const char *name;
	const struct nv_arg_spec *args;
	size_t nargs;
	const char *summary;
	int (*run)(struct nv_ctx *ctx, const struct nv_args *a);
	unsigned int flags; /* enum nv_cmd_flags */
};

#define NV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A command with its argument specs (an array), or with none (NV_CMD_NOARGS). */
#define NV_CMD(name_, specs, summary_, fn, flags_)                                                \
	{                                                                                         \
		.name = name_, .args = specs, .nargs = NV_ARRAY_SIZE(specs), .summary = summary_, \
		.run = fn, .flags = flags_                                                        \
	}
#define NV_CMD_NOARGS(name_, summary_, fn, flags_)                             \
	{                                                                      \
		.name = name_, .summary = summary_, .run = fn, .flags = flags_ \
	}

struct nv_object {
	const char *name;	   /* "port" */
	const struct nv_cmd *cmds; /* ends with a zeroed entry */
};

/* Every object, in the order help shows them; ends with a zeroed entry. */
extern const struct nv_object nv_objects_table[];

/* Each object's commands (cmd_OBJECT.c). */
extern const struct nv_cmd nv_dp_cmds[], nv_pa_cmds[], nv_subnet_cmds[], nv_port_cmds[],
	nv_record_cmds[], nv_route_cmds[], nv_stats_cmds[], nv_events_cmds[], nv_metrics_cmds[],
	nv_monitor_cmds[], nv_trace_cmds[], nv_batch_cmds[], nv_export_cmds[], nv_apply_cmds[],
	nv_agent_cmds[], nv_gateway_cmds[], nv_nat_cmds[];

/* Reads all of f into one NUL-terminated buffer (*out, owned). 0, -ENOMEM or -EIO. */
int nv_read_all(FILE *f, char **out, size_t *len);

/* A batch file's line that holds a command (cmd_batch.c), split in place into argc words. */
#define NV_BATCH_MAX_ARGS 32
struct nv_batch_line {
	char *text;
	int no; /* its number in the file, from 1 */
	int argc;
};
/*
 * Splits buf (len bytes and a NUL after them, as nv_read_all leaves it) in place into the lines
 * that hold a command (# starts a comment): *lines (owned: free) and *n of them. 0, -ENOMEM,
 * -E2BIG with *bad the number of a line of more than NV_BATCH_MAX_ARGS words, or -EINVAL with
 * *bad the number of a line that holds a NUL byte.
 */
int nv_batch_parse(char *buf, size_t len, struct nv_batch_line **lines, size_t *n, int *bad);
/* The words of a parsed line (argv: room for NV_BATCH_MAX_ARGS). */
void nv_batch_line_argv(const struct nv_batch_line *l, char **argv);

/* Run "OBJECT COMMAND ARGS": parse by the command's specs, then run it. Returns the exit code. */
int nv_dispatch(struct nv_ctx *ctx, int argc, char **argv);
/* "nvctl help" and friends (argv after "help"). */
int nv_help(struct nv_ctx *ctx, int argc, char **argv);
void nv_usage(FILE *f);

/*
 * The instance's maps; prints the error and returns the exit code when it is not attached. In a
 * batch the maps are opened once: m is then a copy of the batch's, which nv_close_maps leaves
 * open (they are closed by nv_maps_cache_close at the end of the batch).
 */
int nv_open_maps(const struct nv_ctx *ctx, struct nv_maps *m);
void nv_close_maps(const struct nv_ctx *ctx, struct nv_maps *m);
void nv_maps_cache_close(struct nv_maps_cache *c);
/*
 * One policy change of a command, in the invocation's transaction: the maps opened, change()
 * makes the change and fills in the undo that reverses it, the undo pushed, the maps closed. A
 * refusal is printed as the library's conflict (why). Nothing runs under --dry-run: the
 * arguments were checked by then. Returns the exit code.
 */
typedef int (*nv_change_fn)(const struct nv_maps *m, const struct nv_args *a, struct nv_undo *undo,
			    struct nv_conflict *why);
int nv_change(struct nv_ctx *ctx, const struct nv_args *a, nv_change_fn change);
/*
 * A listing: the text header (fmt, ...), then list() prints one object per entry (a JSON
 * array). Returns the exit code.
 */
typedef int (*nv_list_fn)(const struct nv_maps *m, struct nv_ctx *ctx, const struct nv_args *a);
int nv_list(struct nv_ctx *ctx, const struct nv_args *a, nv_list_fn list, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "no datapath attached at PIN (see: nvctl dp attach)": the runtime error for -ENOENT. */
int nv_not_attached(const struct nv_ctx *ctx);

/*
 * Give up the instance lock that main() takes before running a command: for commands that run
 * until stopped (metrics listen, monitor), which would otherwise block every other nvctl of the
 * instance.
 */
void nv_ctx_unlock(struct nv_ctx *ctx);

/*
 * Hold SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE (old: the mask to give back) while a change
 * runs, so that one sent meanwhile ends the process after the change is made or taken back,
 * never halfway; nv_signals_release delivers what came meanwhile. Nests.
 */
void nv_signals_hold(sigset_t *old);
void nv_signals_release(const sigset_t *old);

#endif /* NVCTL_H */
