// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "nv_pins.h"

/* "<pin_dir without trailing slashes>/<sub>-v<ABI>[/<name>]" */
static int pin_path(const char *pin_dir, const char *sub, const char *name, char *buf, size_t len)
{
	size_t dlen;
	int n;

	if (!pin_dir || !*pin_dir || !buf)
		return -EINVAL;
	/* "/sys/fs/bpf/nvgre/" and "/sys/fs/bpf/nvgre" name the same instance. */
	dlen = strlen(pin_dir);
	while (dlen > 1 && pin_dir[dlen - 1] == '/')
		dlen--;
	if (dlen == 1 && pin_dir[0] == '/')
		dlen = 0;
	if (dlen > INT_MAX)
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%.*s/%s-v%d%s%s", (int)dlen, pin_dir, sub, NV_ABI_VERSION,
		     name ? "/" : "", name ? name : "");
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int nv_pin_maps_dir(const char *pin_dir, char *buf, size_t len)
{
	return pin_path(pin_dir, "maps", NULL, buf, len);
}

int nv_pin_progs_dir(const char *pin_dir, char *buf, size_t len)
{
	return pin_path(pin_dir, "progs", NULL, buf, len);
}

int nv_pin_map_path(const char *pin_dir, enum nv_map_id id, char *buf, size_t len)
{
	if ((unsigned int)id >= NV_MAP__COUNT)
		return -EINVAL;
	return pin_path(pin_dir, "maps", nv_map_specs[id].name, buf, len);
}

int nv_pin_prog_path(const char *pin_dir, enum nv_prog_id id, char *buf, size_t len)
{
	if ((unsigned int)id >= NV_PROG__COUNT)
		return -EINVAL;
	return pin_path(pin_dir, "progs", nv_progs[id].name, buf, len);
}
