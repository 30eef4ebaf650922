// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nvctl batch's file parser (cli/cmd_batch.c, nv_batch_parse): lines, # comments, words split on
 * blanks, long lines and lines of too many words, then every line dispatched as the batch's first
 * pass does (dry run in a transaction: parsed and checked, nothing applied). The input is the
 * file.
 * Oracle: the lines and words nv_batch_parse gives are those of a plain reading of the file
 * (one line per \n, text from # on ignored, words separated by space, tab or CR), numbered as
 * the file numbers them.
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nvctl.h"

/* Lines dispatched at most: the parser sees them all, dispatch is nv_dispatch's harness too. */
#define DISPATCH_MAX 64

static bool is_sep(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The file read plainly. Line no (from 1) is data[start, end); its words are compared with the
 * parser's line *next (lines NULL: the parser refused the file, nothing to compare). Returns 0,
 * or -E2BIG for a line of too many words.
 */
static int expect_line(const uint8_t *data, size_t start, size_t end, int no,
		       const struct nv_batch_line *lines, size_t n, size_t *next)
{
	char *argv[NV_BATCH_MAX_ARGS];
	size_t i = start, w = 0;

	for (size_t k = start; k < end; k++)
		if (data[k] == '#') {
			end = k;
			break;
		}
	for (;;) {
		size_t len;

		while (i < end && is_sep(data[i]))
			i++;
		if (i == end)
			break;
		for (len = 0; i + len < end && !is_sep(data[i + len]); len++)
			;
		if (w == NV_BATCH_MAX_ARGS)
			return -E2BIG;
		if (!lines) { /* the parser refused the file: only where counts */
			w++;
			i += len;
			continue;
		}
		if (!w) {
			FUZZ_CHECK(*next < n, "line %d has words, the parser found no line", no);
			FUZZ_CHECK(lines[*next].no == no, "line %d parsed as line %d", no,
				   lines[*next].no);
			nv_batch_line_argv(&lines[*next], argv);
		}
		FUZZ_CHECK((int)w < lines[*next].argc, "line %d: word %zu missing", no, w);
		FUZZ_CHECK(strlen(argv[w]) == len && !memcmp(argv[w], data + i, len),
			   "line %d: word %zu is \"%s\", want \"%.*s\"", no, w, argv[w], (int)len,
			   (const char *)data + i);
		w++;
		i += len;
	}
	if (w && lines) {
		FUZZ_CHECK((int)w == lines[*next].argc, "line %d: %d words, want %zu", no,
			   lines[*next].argc, w);
		(*next)++;
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nv_maps_cache maps = { 0 };
	struct nv_batch_line *lines;
	struct nv_txn txn = { 0 };
	struct nv_ctx ctx = { .pin_dir = "/nonexistent/nvgre-fuzz", .json = true, .lock_fd = -1 };
	char *buf = fuzz_str(data, size), prefix[32];
	size_t n, next = 0, start = 0;
	int bad = 0, err, no = 0, want = 0;

	/* The file as nv_read_all leaves it: its bytes and a NUL. */
	err = nv_batch_parse(buf, size, &lines, &n, &bad);
	FUZZ_CHECK(err == 0 || err == -E2BIG || err == -EINVAL, "nv_batch_parse: %d", err);
	if (err) {
		FUZZ_CHECK(!lines && !n, "a refused file left lines");
		FUZZ_CHECK(bad >= 1, "a refused file names line %d", bad);
	}
	/* The plain reading: the same lines and words, or the same refusal at the same line. */
	for (size_t i = 0; i <= size && !want; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i == size && start == size && size)
			break; /* a last \n ends the last line: no empty line after it */
		no++;
		if (memchr(data + start, '\0', i - start))
			want = -EINVAL; /* a NUL byte: not a text file */
		else
			want = expect_line(data, start, i, no, err ? NULL : lines, n, &next);
		start = i + 1;
	}
	FUZZ_CHECK(err == want, "nv_batch_parse: %d, the plain reading %d", err, want);
	FUZZ_CHECK(!err || bad == no, "refused at line %d, the plain reading at line %d", bad, no);
	FUZZ_CHECK(err || next == n, "%zu lines parsed, %zu in the file", n, next);

	/* Pass 1 of the batch: each line parsed and checked by its command, nothing applied. */
	ctx.dry_run = true;
	ctx.txn = &txn;
	ctx.maps = &maps;
	for (size_t i = 0; !err && i < n && i < DISPATCH_MAX; i++) {
		char *argv[NV_BATCH_MAX_ARGS];

		snprintf(prefix, sizeof(prefix), "line %d: ", lines[i].no);
		ctx.prefix = prefix;
		nv_batch_line_argv(&lines[i], argv);
		nv_dispatch(&ctx, lines[i].argc, argv);
	}
	FUZZ_CHECK(!maps.open && !txn.n, "a dry run opened the maps or logged an undo");
	nv_txn_free(&txn);
	free(lines);
	free(buf);
	return 0;
}
