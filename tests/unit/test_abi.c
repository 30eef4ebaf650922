/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI's versioning rule (nvgre_abi.h): a change of any map key or value layout changes
 * NV_ABI_VERSION, which is part of the pin path, so that a datapath never reuses maps pinned with
 * another layout. Version 1 is what commit 57aacdd released (its nv_ports had 32-byte values).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_maps.h"
#include "nv_objects.h"

/*
 * The layout that NV_ABI_VERSION names. nvgre_abi.h's size asserts make a layout change edit the
 * header; this makes it bump the version too: a size that differs from this table, with the
 * version unchanged, fails here (bump NV_ABI_VERSION, then update the table).
 */
#define LAYOUT_VERSION 9
static const struct {
	const char *what;
	size_t want, now;
} layout[] = {
	{ "struct nv_port", 56, sizeof(struct nv_port) },
	{ "struct nv_record_key", 20, sizeof(struct nv_record_key) },
	{ "struct nv_record", 40, sizeof(struct nv_record) },
	{ "struct nv_route_key", 24, sizeof(struct nv_route_key) },
	{ "struct nv_route", 24, sizeof(struct nv_route) },
	{ "struct nv_route_table_key", 40, sizeof(struct nv_route_table_key) },
	{ "struct nv_route_entry", 12, sizeof(struct nv_route_entry) },
	{ "struct nv_rdid_ca_key", 20, sizeof(struct nv_rdid_ca_key) },
	{ "struct nv_rdid_ca", 48, sizeof(struct nv_rdid_ca) },
	{ "struct nv_icmp_state", 16, sizeof(struct nv_icmp_state) },
	{ "struct nv_token_bucket", 16, sizeof(struct nv_token_bucket) },
	{ "struct nv_gw_leg", 32, sizeof(struct nv_gw_leg) },
	{ "struct nv_gw_dev", 16, sizeof(struct nv_gw_dev) },
	{ "struct nv_gw_route", 16, sizeof(struct nv_gw_route) },
	{ "struct nv_nat", 24, sizeof(struct nv_nat) },
	{ "struct nv_nat_addr", 8, sizeof(struct nv_nat_addr) },
	{ "struct nv_nat_map_key", 20, sizeof(struct nv_nat_map_key) },
	{ "struct nv_nat_map", 24, sizeof(struct nv_nat_map) },
	{ "struct nv_ct_key", 44, sizeof(struct nv_ct_key) },
	{ "struct nv_ct_entry", 56, sizeof(struct nv_ct_entry) },
	{ "struct nv_ct_timeouts", 24, sizeof(struct nv_ct_timeouts) },
	{ "struct nv_subnet", 44, sizeof(struct nv_subnet) },
	{ "struct nv_local_pa", 4, sizeof(struct nv_local_pa) },
	{ "struct nv_config", 32, sizeof(struct nv_config) },
	{ "struct nv_vsid_stats", 32, sizeof(struct nv_vsid_stats) },
	{ "struct nv_port_stats", 48, sizeof(struct nv_port_stats) },
	{ "struct nv_drop_stats", 16, sizeof(struct nv_drop_stats) },
	{ "struct nv_xdp_meta", 16, sizeof(struct nv_xdp_meta) },
	{ "struct nv_event", 160, sizeof(struct nv_event) },
	{ "struct nv_event_state", 40, sizeof(struct nv_event_state) },
};

Test(abi, layout_change_bumps_the_version)
{
	cr_assert_eq(NV_ABI_VERSION, LAYOUT_VERSION,
		     "NV_ABI_VERSION is %d: update this table to that version's layout",
		     NV_ABI_VERSION);
	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++)
		cr_expect_eq(layout[i].now, layout[i].want,
			     "%s is %zu bytes, %zu in ABI version %d: bump NV_ABI_VERSION",
			     layout[i].what, layout[i].now, layout[i].want, LAYOUT_VERSION);
}

/* An instance of version 1 left pinned (its nv_ports, 32-byte values) in a pin directory. */
static char pin_dir[64], v1_dir[96], v1_ports[128];

static void v1_setup(void)
{
	int fd, err;

	libbpf_set_print(NULL);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/nvgre-test-abi-%d", (int)getpid());
	snprintf(v1_dir, sizeof(v1_dir), "%s/maps-v1", pin_dir);
	snprintf(v1_ports, sizeof(v1_ports), "%s/nv_ports", v1_dir);
	cr_assert_eq(mkdir(pin_dir, 0700), 0, "%s: %s", pin_dir, strerror(errno));
	cr_assert_eq(mkdir(v1_dir, 0700), 0, "%s: %s", v1_dir, strerror(errno));
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "nv_ports", sizeof(__u32), 32, NV_MAX_PORTS, NULL);
	cr_assert_geq(fd, 0, "v1 nv_ports: %s", strerror(-fd));
	err = bpf_obj_pin(fd, v1_ports);
	close(fd);
	cr_assert_eq(err, 0, "pin %s: %s", v1_ports, strerror(-err));
}

static void v1_teardown(void)
{
	unlink(v1_ports);
	rmdir(v1_dir);
	nv_objects_unpin(pin_dir);
	rmdir(pin_dir);
}

Test(abi, pins_of_version_1_are_not_reused, .init = v1_setup, .fini = v1_teardown)
{
	struct nv_load_opts opts = { .pin_dir = pin_dir, .max_records = 1024 };
	struct nv_objects o;
	int err;

	err = nv_objects_load(&o, &opts);
	cr_expect_eq(err, 0,
		     "loading into %s, which holds version 1's maps: %s (the layout changed, "
		     "the pin path did not: NV_ABI_VERSION %d)",
		     pin_dir, strerror(-err), NV_ABI_VERSION);
	if (!err)
		nv_objects_destroy(&o);
}
