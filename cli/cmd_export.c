// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl export: the instance's policy as a policy file (cli/nvctl-policy.schema.json). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nv_output.h"
#include "nv_policy.h"
#include "nvctl.h"
#include "nv_policy_json.h"

static const struct nv_arg_spec export_args[] = { NV_ARG_POS_OPT(NV_ARG_STRING, "FILE|-") };

/* To FILE through a temporary beside it and a rename: FILE is whole or as it was. */
static int write_file(const struct nv_ctx *ctx, const char *file, const struct nv_policy *p)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()) >= (int)sizeof(tmp))
		return nv_errno_error(ctx, ENAMETOOLONG, "export: %s", file);
	f = fopen(tmp, "w");
	if (!f)
		return nv_errno_error(ctx, errno, "export: %s", tmp);
	err = nv_policy_json_write(f, p);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, file))
		err = -errno;
	if (err) {
		unlink(tmp);
		return nv_errno_error(ctx, err, "export: %s", file);
	}
	return NV_EXIT_OK;
}

static int export_run(struct nv_ctx *ctx, const struct nv_args *a)
{
	const char *file = a->a[0].set ? a->a[0].raw : "-";
	struct nv_policy p;
	struct nv_maps m;
	int ret, err;

	ret = nv_open_maps(ctx, &m);
	if (ret)
		return ret;
	err = nv_policy_read(&m, &p);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "export");
	if (strcmp(file, "-"))
		ret = write_file(ctx, file, &p);
	else if (nv_policy_json_write(stdout, &p))
		ret = nv_errno_error(ctx, EIO, "export: standard output");
	else
		ret = NV_EXIT_OK;
	nv_policy_free(&p);
	return ret;
}

const struct nv_cmd nv_export_cmds[] = {
	NV_CMD("file", export_args,
	       "write the instance's policy as a policy file to FILE (default or -: stdout)",
	       export_run, NV_CMD_DEFAULT | NV_CMD_DEFAULT_ARGS),
	{ 0 },
};
