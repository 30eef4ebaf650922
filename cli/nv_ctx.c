// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a command has of its invocation: the instance's maps (opened once in a batch), the lock,
 * and the two shapes most commands take (a change in the transaction, a listing).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "nv_datapath.h"
#include "nv_instance.h"
#include "nv_output.h"
#include "nvctl.h"

int nv_not_attached(const struct nv_ctx *ctx)
{
	return nv_runtime_error(ctx, "no datapath attached at %s (see: nvctl dp attach)",
				ctx->pin_dir);
}

int nv_open_maps(const struct nv_ctx *ctx, struct nv_maps *m)
{
	int err;

	if (ctx->maps && ctx->maps->open) {
		*m = ctx->maps->m;
		return 0;
	}
	err = nv_dp_maps(ctx->pin_dir, m);
	if (!err && ctx->maps) {
		ctx->maps->m = *m;
		ctx->maps->open = true;
	}
	if (err == -ENOENT)
		return nv_not_attached(ctx);
	if (err)
		return nv_errno_error(ctx, err, "open the maps under %s", ctx->pin_dir);
	return 0;
}

void nv_close_maps(const struct nv_ctx *ctx, struct nv_maps *m)
{
	if (ctx->maps && ctx->maps->open)
		return; /* the batch's: closed at its end */
	nv_maps_close(m);
}

void nv_maps_cache_close(struct nv_maps_cache *c)
{
	if (c->open)
		nv_maps_close(&c->m);
	c->open = false;
}

void nv_ctx_unlock(struct nv_ctx *ctx)
{
	nv_instance_unlock(ctx->lock_fd);
	ctx->lock_fd = -1;
}

void nv_signals_hold(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigaddset(&s, SIGPIPE);
	sigprocmask(SIG_BLOCK, &s, old);
}

void nv_signals_release(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

int nv_change(struct nv_ctx *ctx, const struct nv_args *a, nv_change_fn change)
{
	struct nv_conflict why = { 0 };
	struct nv_undo undo = { 0 };
	struct nv_maps m;
	int err;

	if (ctx->dry_run)
		return 0;
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = change(&m, a, &undo, &why);
	if (!err)
		err = nv_txn_push(ctx->txn, &undo);
	nv_close_maps(ctx, &m);
	return err ? nv_conflict_error(ctx, a->cmd, err, &why, NULL) : 0;
}

int nv_list(struct nv_ctx *ctx, const struct nv_args *a, nv_list_fn list, const char *fmt, ...)
{
	char header[256];
	struct nv_maps m;
	va_list ap;
	int err = nv_open_maps(ctx, &m);

	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(header, sizeof(header), fmt, ap);
	va_end(ap);
	nv_out_begin(ctx, true);
	nv_print_text(ctx, "%s", header);
	err = list(&m, ctx, a);
	nv_close_maps(ctx, &m);
	if (err) {
		nv_out_abort(ctx);
		return nv_errno_error(ctx, err, "%s", a->cmd);
	}
	nv_out_end(ctx);
	return 0;
}
