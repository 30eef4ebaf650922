// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The frames nvctl trace takes (cli/trace_input.c) and how nvctl shows a frame (maps/nv_frame.c,
 * nv_frame_print.c): the first byte picks the input, the rest is it:
 *   0 "frame HEX": the text after "frame" (trace_frame_hex);
 *   1 "pcap FILE": the file's bytes, given by a memfd's path (trace_frame_pcap, libpcap);
 *   2 bytes as a frame, and as an event of the datapath (struct nv_event, what nvctl monitor
 *     decodes: the bytes of a frame from the wire), decoded and printed as text and JSON.
 * A frame that trace takes is decoded and printed as trace prints its input.
 * Oracles: HEX is taken exactly when it is an even number of hex digits (14 to
 * NV_TRACE_FRAME_MAX bytes) among separators, and the frame printed back in hex with any
 * separator reads back the same; a pcap's frame is bytes of the file; the decoder's layers come
 * in order, its text fits any buffer, and it never reads past the bytes given (ASan).
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nv_frame.h"
#include "trace.h"

static const struct nv_ctx quiet = { .pin_dir = "/nonexistent/nvgre-fuzz",
				     .json = true,
				     .lock_fd = -1 };

/* The view as nvctl shows it: text into a buffer of any size, and JSON. */
static void show(const struct nv_frame_view *v, size_t small)
{
	char line[1024], cut[64];
	int n = nv_frame_format(v, line, sizeof(line));
	json_t *o = nv_frame_json(v);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	FUZZ_CHECK(n >= 0 && strlen(line) == (size_t)n && (size_t)n < sizeof(line),
		   "frame text of %d bytes, %zu written", n, strlen(line));
	small %= sizeof(cut);
	n = nv_frame_format(v, cut, small);
	FUZZ_CHECK(!small || (strlen(cut) < small && !strncmp(cut, line, strlen(cut))),
		   "frame text cut at %zu: \"%s\"", small, cut);
	FUZZ_CHECK(text, "frame JSON");
	free(text);
	json_decref(o);
}

static void check_layers(const struct nv_fv_frame *f)
{
	FUZZ_CHECK(!(f->have & NV_FV_IPV4) || (f->have & NV_FV_ETH), "IPv4 without Ethernet");
	FUZZ_CHECK(!(f->have & NV_FV_L4) || (f->have & NV_FV_IPV4), "L4 without IPv4");
	FUZZ_CHECK(!(f->have & NV_FV_ARP) || ((f->have & NV_FV_ETH) && !(f->have & NV_FV_IPV4)),
		   "ARP and IPv4, or ARP without Ethernet");
}

static void decode(const uint8_t *frame, size_t len, size_t small)
{
	struct nv_frame_view v;
	uint8_t *copy = malloc(len ?: 1);

	/* Its own allocation, exactly len bytes: a read past them is ASan's to report. */
	if (!copy)
		abort();
	memcpy(copy, frame, len);
	nv_frame_decode(len ? copy : NULL, len, &v);
	FUZZ_CHECK(v.len == len, "decoded %zu of %zu bytes", v.len, len);
	check_layers(&v.f);
	if (v.nvgre) {
		FUZZ_CHECK((v.outer.have & (NV_FV_ETH | NV_FV_IPV4)) == (NV_FV_ETH | NV_FV_IPV4),
			   "NVGRE without its outer headers");
		FUZZ_CHECK(v.vsid <= 0xffffff, "vsid %u", v.vsid);
		check_layers(&v.outer);
	}
	show(&v, small);
	free(copy);
}

static void fuzz_hex(const uint8_t *data, size_t size, size_t small)
{
	__u8 frame[NV_TRACE_FRAME_MAX];
	char *s = fuzz_str(data, size), *back, seps[] = ": -.";
	size_t len = 0, digits = 0, other = 0, n;
	int ret = trace_frame_hex(&quiet, "trace", s, frame, &len);

	for (const char *p = s; *p; p++) {
		if (isxdigit((unsigned char)*p))
			digits++;
		else if (!strchr(seps, *p))
			other++;
	}
	n = digits / 2;
	FUZZ_CHECK(
		!ret == (!other && digits % 2 == 0 && n >= NV_ETH_HLEN && n <= NV_TRACE_FRAME_MAX),
		"hex of %zu digits and %zu other characters: %d", digits, other, ret);
	if (!ret) {
		char sep = seps[small % 5]; /* the NUL of seps too: no separator */

		FUZZ_CHECK(len == n, "%zu bytes from %zu digits", len, digits);
		back = malloc(3 * len + 1);
		if (!back)
			abort();
		for (size_t i = 0; i < len; i++)
			snprintf(back + (sep ? 3 : 2) * i, 4, "%02x%c", frame[i], sep);
		ret = trace_frame_hex(&quiet, "trace", back, (__u8[NV_TRACE_FRAME_MAX]){ 0 }, &n);
		FUZZ_CHECK(!ret && n == len, "printed back as \"%s\": %d", back, ret);
		free(back);
		decode(frame, len, small);
	}
	free(s);
}

static void fuzz_pcap(const uint8_t *data, size_t size, size_t small)
{
	__u8 frame[NV_TRACE_FRAME_MAX];
	char path[64];
	size_t len = 0;
	int fd = memfd_create("fuzz.pcap", MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!trace_frame_pcap(&quiet, "trace", path, frame, &len)) {
		FUZZ_CHECK(len >= NV_ETH_HLEN && len <= NV_TRACE_FRAME_MAX, "a %zu-byte frame",
			   len);
		FUZZ_CHECK(memmem(data, size, frame, len), "the frame is not in the file");
		decode(frame, len, small);
	}
	close(fd);
}

/* Bytes as the datapath writes an event: the frame's first bytes, cap_len of them valid. */
static void fuzz_event(const uint8_t *data, size_t size, size_t small)
{
	struct nv_event *e = calloc(1, sizeof(*e));
	char line[1024], cut[64];
	json_t *o;
	char *text;
	int n;

	if (!e)
		abort();
	memcpy(e, data, size < sizeof(*e) ? size : sizeof(*e));
	n = nv_event_format(e, "dev0", small & 1 ? "target0" : NULL, line, sizeof(line));
	FUZZ_CHECK(n >= 0 && strlen(line) == (size_t)n && (size_t)n < sizeof(line),
		   "event text of %d bytes", n);
	small %= sizeof(cut);
	nv_event_format(e, NULL, NULL, cut, small);
	FUZZ_CHECK(!small || strlen(cut) < small, "event text overran %zu bytes", small);
	o = nv_event_json(e, small & 2 ? "dev0" : NULL, "target0");
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	FUZZ_CHECK(text, "event JSON");
	free(text);
	json_decref(o);
	free(e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t small;

	if (size < 2)
		return 0;
	small = data[1];
	switch (data[0] % 3) {
	case 0:
		fuzz_hex(data + 2, size - 2, small);
		break;
	case 1:
		fuzz_pcap(data + 2, size - 2, small);
		break;
	default:
		decode(data + 2, size - 2, small);
		fuzz_event(data + 2, size - 2, small);
		break;
	}
	return 0;
}
