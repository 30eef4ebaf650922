// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl batch file FILE|-: one command per line ("OBJECT COMMAND ARGS", # comments), all or
 * nothing. First every line is parsed and checked without touching anything; then the lines run
 * in order, each recording its inverse, and the first failure takes back what ran before it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nv_undo.h"

#define BATCH_MAX_ARGS 32

struct batch_line {
	char *text; /* owned copy the words point into */
	int no;
	int argc;
	char *argv[BATCH_MAX_ARGS];
};

/* Splits line in place; returns the number of words or -E2BIG. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *save, *tok;

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == BATCH_MAX_ARGS)
			return -E2BIG;
		argv[argc++] = tok;
	}
	return argc;
}

static int run_lines(struct nv_ctx *ctx, struct batch_line *lines, size_t n)
{
	char prefix[32];
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		snprintf(prefix, sizeof(prefix), "line %d: ", lines[i].no);
		ctx->prefix = prefix;
		ret = nv_dispatch(ctx, lines[i].argc, lines[i].argv);
	}
	ctx->prefix = NULL;
	return ret;
}

int nv_cmd_batch(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_undo_log undo = { 0 };
	struct batch_line *lines = NULL;
	size_t n = 0, cap = 0, len = 0;
	char *buf = NULL;
	int ret = 0, no = 0;
	FILE *f;

	if (argc != 1)
		return nv_usage_error(ctx, "batch file: expected one FILE (or - for stdin)");
	if (ctx->undo)
		return nv_usage_error(ctx, "batch file: batches do not nest");
	f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f)
		return nv_errno_error(ctx, errno, "batch file: %s", argv[0]);
	while (getline(&buf, &len, f) >= 0) {
		char *copy;
		int words;

		no++;
		if (n == cap) {
			struct batch_line *l =
				realloc(lines, (cap = cap ? 2 * cap : 64) * sizeof(*l));

			if (!l) {
				ret = nv_errno_error(ctx, ENOMEM, "batch file");
				goto out;
			}
			lines = l;
		}
		copy = strdup(buf);
		if (!copy) {
			ret = nv_errno_error(ctx, ENOMEM, "batch file");
			goto out;
		}
		words = split(copy, lines[n].argv);
		if (words <= 0) {
			free(copy);
			if (words < 0) {
				ret = nv_usage_error(ctx, "line %d: more than %d words", no,
						     BATCH_MAX_ARGS);
				goto out;
			}
			continue;
		}
		lines[n].text = copy;
		lines[n].no = no;
		lines[n++].argc = words;
	}
	if (ferror(f)) {
		ret = nv_errno_error(ctx, errno, "batch file: %s", argv[0]);
		goto out;
	}

	/* Pass 1: everything parsed and checked, nothing touched. */
	ctx->dry_run = true;
	ctx->undo = &undo;
	ret = run_lines(ctx, lines, n);
	ctx->dry_run = false;
	/* Pass 2: apply; on failure take back what was applied. */
	if (!ret) {
		ret = run_lines(ctx, lines, n);
		if (ret) {
			int err = nv_undo_rollback(ctx->pin_dir, &undo);

			if (err) {
				ctx->undo = NULL;
				nv_errno_error(ctx, err,
					       "batch file: taking back the applied lines");
			}
		}
	}
	ctx->undo = NULL;
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	free(buf);
	nv_undo_free(&undo);
	if (f != stdin)
		fclose(f);
	return ret;
}
