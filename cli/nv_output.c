// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Errors and results, as text or JSON (see nv_output.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nv_netdev.h"
#include "nv_output.h"
#include "nvctl.h"

static void verror(const struct nv_ctx *ctx, const char *fmt, va_list ap)
{
	char msg[768];
	int n = snprintf(msg, sizeof(msg), "%s", ctx->prefix ? ctx->prefix : "");

	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (ctx->json) {
		json_t *o = json_pack("{s:s}", "error", msg);

		json_dumpf(o, stdout, ctx->pretty ? JSON_INDENT(2) : JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

int nv_usage_error(const struct nv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, fmt, ap);
	va_end(ap);
	return NV_EXIT_USAGE;
}

int nv_runtime_error(const struct nv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, fmt, ap);
	va_end(ap);
	return NV_EXIT_RUNTIME;
}

int nv_errno_error(const struct nv_ctx *ctx, int err, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return nv_runtime_error(ctx, "%s: %s", what, strerror(err < 0 ? -err : err));
}

/* What to do about a conflict, where nvctl has a command for it. */
static const char *hint(const struct nv_conflict *why, char *buf, size_t len)
{
	switch (why->kind) {
	case NV_CONFLICT_VSID_UNKNOWN:
		return " (see: nvctl subnet add)";
	case NV_CONFLICT_CA_HELD:
		if (nv_netdev_exists(why->ifindex))
			return "";
		snprintf(buf, len, " (see: nvctl port del ifindex %u)", why->ifindex);
		return buf;
	case NV_CONFLICT_INSTANCE_EXISTS:
		return " (see: nvctl dp detach)";
	default:
		return "";
	}
}

int nv_conflict_error(const struct nv_ctx *ctx, const char *cmd, int err,
		      const struct nv_conflict *why, const char *dev)
{
	char text[512], h[64];

	if (!why || why->kind == NV_CONFLICT_NONE)
		return nv_errno_error(ctx, err, "%s", cmd);
	if (why->kind == NV_CONFLICT_INSTANCE_EXISTS) /* the library does not know our pin dir */
		snprintf(text, sizeof(text), "a datapath is already attached at %s", ctx->pin_dir);
	else
		nv_conflict_format_dev(why, dev, text, sizeof(text));
	return nv_runtime_error(ctx, "%s: %s%s", cmd, text, hint(why, h, sizeof(h)));
}

void nv_json_print(const struct nv_ctx *ctx, json_t *v)
{
	json_dumpf(v, stdout, ctx->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(v);
}

/* ---- results ---- */

static void push(struct nv_ctx *ctx, const char *key, json_t *v)
{
	struct nv_out *o = &ctx->out;
	json_t *top;

	if (!v)
		return;
	if (!o->depth) {
		json_decref(v); /* a field outside nv_out_begin/end: a bug, not a crash */
		return;
	}
	top = o->stack[o->depth - 1];
	if (json_is_array(top))
		json_array_append_new(top, v);
	else
		json_object_set_new(top, key ? key : "?", v);
}

static void open_container(struct nv_ctx *ctx, const char *key, json_t *c)
{
	struct nv_out *o = &ctx->out;

	if (!c)
		return;
	if (o->depth == NV_OUT_DEPTH) {
		json_decref(c);
		return;
	}
	if (o->depth) {
		json_incref(c);
		push(ctx, key, c);
	}
	o->stack[o->depth++] = c;
}

void nv_out_begin(struct nv_ctx *ctx, bool array)
{
	ctx->out.depth = 0;
	if (ctx->json)
		open_container(ctx, NULL, array ? json_array() : json_object());
}

void nv_out_end(struct nv_ctx *ctx)
{
	struct nv_out *o = &ctx->out;

	if (!ctx->json || !o->depth)
		return;
	while (o->depth > 1)
		nv_close(ctx);
	o->depth = 0;
	nv_json_print(ctx, o->stack[0]);
}

void nv_out_abort(struct nv_ctx *ctx)
{
	struct nv_out *o = &ctx->out;

	if (!o->depth)
		return;
	json_decref(o->stack[0]); /* nested containers are held by it */
	for (int i = 1; i < o->depth; i++)
		json_decref(o->stack[i]);
	o->depth = 0;
}

void nv_open_object(struct nv_ctx *ctx, const char *key)
{
	if (ctx->json)
		open_container(ctx, key, json_object());
}

void nv_open_array(struct nv_ctx *ctx, const char *key)
{
	if (ctx->json)
		open_container(ctx, key, json_array());
}

void nv_close(struct nv_ctx *ctx)
{
	struct nv_out *o = &ctx->out;

	/* The document (stack[0]) is closed by nv_out_end; nested ones are held by their parent. */
	if (ctx->json && o->depth > 1)
		json_decref(o->stack[--o->depth]);
}

void nv_print_string(struct nv_ctx *ctx, const char *key, const char *fmt, const char *value)
{
	if (ctx->json)
		push(ctx, key, value ? json_string(value) : json_null());
	else if (fmt)
		printf(fmt, value ? value : "-");
}

void nv_print_uint(struct nv_ctx *ctx, const char *key, const char *fmt, unsigned long long value)
{
	if (ctx->json)
		push(ctx, key, json_integer((json_int_t)value));
	else if (fmt)
		printf(fmt, value);
}

void nv_print_int(struct nv_ctx *ctx, const char *key, const char *fmt, long long value)
{
	if (ctx->json)
		push(ctx, key, json_integer((json_int_t)value));
	else if (fmt)
		printf(fmt, value);
}

void nv_print_bool(struct nv_ctx *ctx, const char *key, const char *fmt, bool value)
{
	if (ctx->json)
		push(ctx, key, json_boolean(value));
	else if (fmt)
		printf(fmt, value ? "yes" : "no");
}

void nv_print_ifname(struct nv_ctx *ctx, const char *key, const char *fmt, __u32 ifindex)
{
	char name[NV_NETDEV_NAMELEN];

	nv_netdev_name(ifindex, name, sizeof(name));
	if (ctx->json)
		push(ctx, key, nv_netdev_exists(ifindex) ? json_string(name) : json_null());
	else if (fmt)
		printf(fmt, name);
}

void nv_print_json(struct nv_ctx *ctx, const char *key, json_t *value)
{
	if (ctx->json)
		push(ctx, key, value);
	else
		json_decref(value);
}

void nv_print_text(const struct nv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
