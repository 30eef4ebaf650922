/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the libFuzzer harnesses share (tests/fuzz/fuzz_*.c, one parser of outside input each):
 * the same devices on every machine, nvctl's output silenced, and a failed invariant as a crash
 * that libFuzzer reports with the input that broke it.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#define _GNU_SOURCE /* unshare, memfd_create */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant of the parser under test: a report and abort(), which libFuzzer takes as a crash.
 */
#define FUZZ_CHECK(cond, ...)                                                                \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, \
				#cond);                                                      \
			fprintf(stderr, __VA_ARGS__);                                        \
			fputc('\n', stderr);                                                 \
			abort();                                                             \
		}                                                                            \
	} while (0)

/*
 * Once per process. A network namespace of its own when it may (root): only lo exists, so a
 * device name parses the same on every machine and whatever else runs on the host. nvctl's
 * messages (the harnesses run it with -j: they go to stdout) are not the fuzzer's output.
 */
static inline void fuzz_setup(void)
{
	if (unshare(CLONE_NEWNET))
		fprintf(stderr, "fuzz: no network namespace of its own (not root?): devices are "
				"the host's\n");
	if (!freopen("/dev/null", "w", stdout))
		abort();
}

/* data as a NUL-terminated string (owned: free), cut at its first NUL as a C string is. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Reads the fuzzer's bytes in order: what a harness takes decisions and values from. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

#endif /* FUZZ_COMMON_H */
