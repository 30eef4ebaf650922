// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl batch file FILE|-: one command per line ("OBJECT COMMAND ARGS", # comments), all or
 * nothing. First every line is parsed and checked without touching anything; then the lines run
 * in order, each recording its inverse, and the first failure takes back what ran before it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nv_output.h"
#include "nvctl.h"

/*
 * Record adds applied together at most; each group is one entry of the undo log. As large as the
 * default table (NV_MAX_RECORDS): a first load into an empty table is one group, which then needs
 * no lookup per record to find duplicates.
 */
#define BATCH_RECORDS_GROUP NV_MAX_RECORDS

/*
 * A line (struct nv_batch_line) is split in place into argc words inside the file's buffer: the
 * words are text's first argc runs of characters that are neither separators nor NUL (see
 * nv_batch_line_argv).
 */
static const char seps[] = " \t\r\n";

/* Splits line in place; returns the number of words or -E2BIG. */
static int split(char *line)
{
	int argc = 0;
	char *save, *tok;

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
		if (argc == NV_BATCH_MAX_ARGS)
			return -E2BIG;
		argc++;
	}
	return argc;
}

void nv_batch_line_argv(const struct nv_batch_line *l, char **argv)
{
	char *p = l->text;

	for (int i = 0; i < l->argc; i++) {
		while (!*p || strchr(seps, *p))
			p++;
		argv[i] = p;
		p += strlen(p) + 1;
	}
}

static bool is_record_add(const struct nv_batch_line *l, char **argv)
{
	return l->argc >= 2 && !strcmp(argv[0], "record") && !strcmp(argv[1], "add");
}

static int run_line(struct nv_ctx *ctx, const struct nv_batch_line *l, char *prefix, size_t len)
{
	char *argv[NV_BATCH_MAX_ARGS];

	snprintf(prefix, len, "line %d: ", l->no);
	ctx->prefix = prefix;
	if (ctx->txn && nv_txn_reserve(ctx->txn))
		return nv_errno_error(ctx, -ENOMEM, "batch");
	nv_batch_line_argv(l, argv);
	return nv_dispatch(ctx, l->argc, argv);
}

/*
 * Applies the queued record adds of lines[first..end) (all `record add`) in one library call, and
 * logs their inverse as one undo entry. When the group fails, nothing of it was applied: its lines
 * run again one by one, so the failing line reports its error exactly as on its own.
 */
static int flush_records(struct nv_ctx *ctx, struct nv_record_queue *q,
			 const struct nv_batch_line *lines, size_t first, size_t end)
{
	struct nv_undo u = { .kind = NV_UNDO_RECORDS_DEL };
	struct nv_maps m;
	char prefix[32];
	int ret, err;

	if (!q->n)
		return 0;
	snprintf(prefix, sizeof(prefix), "line %d: ", lines[first].no);
	ctx->prefix = prefix;
	ret = nv_open_maps(ctx, &m);
	if (ret)
		return ret;
	/* Room for the log's entry first: once the records are in, logging them must not fail. */
	u.keys = q->k;
	u.nkeys = q->n;
	err = ctx->txn ? nv_txn_reserve(ctx->txn) : 0;
	if (!err)
		err = nv_record_add_many(&m, q->k, q->r, q->n, NULL, NULL);
	nv_close_maps(ctx, &m);
	if (!err) {
		nv_txn_push(ctx->txn, &u); /* reserved: cannot fail */
		/* The log owns the keys now; the values were only for the add. */
		free(q->r);
		q->k = NULL;
		q->r = NULL;
		q->n = q->cap = 0;
		return 0;
	}
	q->n = 0; /* not applied: its lines run one by one (q keeps the keys) */
	for (size_t i = first; i < end && !ret; i++)
		ret = run_line(ctx, &lines[i], prefix, sizeof(prefix));
	return ret;
}

static int run_lines(struct nv_ctx *ctx, struct nv_batch_line *lines, size_t n, bool apply)
{
	struct nv_record_queue q = { 0 };
	char prefix[32];
	char *argv[NV_BATCH_MAX_ARGS];
	size_t first = 0;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		bool radd;

		nv_batch_line_argv(&lines[i], argv);
		radd = apply && is_record_add(&lines[i], argv);
		if (!radd || q.n == BATCH_RECORDS_GROUP) {
			ret = flush_records(ctx, &q, lines, first, i);
			if (ret)
				break;
		}
		if (radd && !q.n)
			first = i;
		snprintf(prefix, sizeof(prefix), "line %d: ", lines[i].no);
		ctx->prefix = prefix;
		ctx->records = radd ? &q : NULL;
		ret = nv_dispatch(ctx, lines[i].argc, argv);
		ctx->records = NULL;
		/* A record add that failed before queueing (e.g. not attached) queued nothing. */
	}
	if (!ret)
		ret = flush_records(ctx, &q, lines, first, n);
	ctx->records = NULL;
	ctx->prefix = NULL;
	nv_record_queue_free(&q);
	return ret;
}

int nv_read_all(FILE *f, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t got;

		if (cap - n < 2) {
			char *b = realloc(buf, cap *= 2);

			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int nv_batch_parse(char *buf, size_t len, struct nv_batch_line **lines, size_t *n, int *bad)
{
	struct nv_batch_line *v = NULL;
	size_t cap = 0;
	int no = 0;

	*lines = NULL;
	*n = 0;
	for (char *p = buf; p < buf + len;) {
		char *nl = memchr(p, '\n', buf + len - p);
		int words;

		no++;
		/* A NUL would end the line early: what ran would not be what the file says. */
		if (memchr(p, '\0', (nl ? nl : buf + len) - p)) {
			free(v);
			*n = 0;
			*bad = no;
			return -EINVAL;
		}
		if (nl)
			*nl = '\0';
		if (*n == cap) {
			struct nv_batch_line *l =
				realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*l));

			if (!l) {
				free(v);
				*n = 0;
				return -ENOMEM;
			}
			v = l;
		}
		words = split(p);
		if (words < 0) {
			free(v);
			*n = 0;
			*bad = no;
			return -E2BIG;
		}
		if (words > 0) {
			v[*n].text = p;
			v[*n].no = no;
			v[(*n)++].argc = words;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*lines = v;
	return 0;
}

static const struct nv_arg_spec batch_args[] = { NV_ARG_POS(NV_ARG_STRING, "FILE|-") };

static int batch_file(struct nv_ctx *ctx, const struct nv_args *a)
{
	const char *file = a->a[0].raw;
	struct nv_txn txn = { 0 };
	struct nv_maps_cache maps = { 0 };
	struct nv_batch_line *lines = NULL;
	size_t n = 0, len = 0;
	char *buf = NULL;
	int ret = 0, no = 0, err;
	FILE *f;

	if (ctx->txn)
		return nv_usage_error(ctx, "batch file: batches do not nest");
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		return nv_errno_error(ctx, errno, "batch file: %s", file);
	err = nv_read_all(f, &buf, &len);
	if (err) {
		ret = err == -EIO ? nv_errno_error(ctx, errno, "batch file: %s", file)
				  : nv_errno_error(ctx, ENOMEM, "batch file");
		goto out;
	}
	err = nv_batch_parse(buf, len, &lines, &n, &no);
	if (err) {
		if (err == -E2BIG)
			ret = nv_usage_error(ctx, "line %d: more than %d words", no,
					     NV_BATCH_MAX_ARGS);
		else if (err == -EINVAL)
			ret = nv_usage_error(ctx, "line %d: a NUL byte (not a text file)", no);
		else
			ret = nv_errno_error(ctx, ENOMEM, "batch file");
		goto out;
	}

	/* Pass 1: everything parsed and checked, nothing touched. */
	ctx->dry_run = true;
	ctx->txn = &txn;
	ctx->maps = &maps;
	ret = run_lines(ctx, lines, n, false);
	ctx->dry_run = false;
	/*
	 * Pass 2: apply; on failure take back what was applied. SIGINT or SIGTERM meanwhile waits
	 * for the end: every line applied, or none.
	 */
	if (!ret) {
		sigset_t old;

		nv_signals_hold(&old);
		ret = run_lines(ctx, lines, n, true);
		if (ret) {
			err = nv_txn_rollback(&txn, ctx->pin_dir);

			if (err) {
				ctx->txn = NULL;
				nv_errno_error(ctx, err,
					       "batch file: taking back the applied lines");
			}
		}
		nv_signals_release(&old);
	}
	ctx->txn = NULL;
	ctx->maps = NULL;
out:
	nv_maps_cache_close(&maps);
	free(lines);
	free(buf);
	nv_txn_free(&txn);
	if (f != stdin)
		fclose(f);
	return ret;
}

const struct nv_cmd nv_batch_cmds[] = {
	NV_CMD("file", batch_args, "run commands from FILE (- for stdin), all or nothing",
	       batch_file, 0),
	{ 0 },
};
