// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nvctl stats: traffic per VSID and drops per reason, summed over CPUs. */
#include <errno.h>

#include "nv_args.h"

struct stats_show {
	const struct nv_maps *m;
	json_t *list;
	bool filter;
	__u32 vsid;
	int err;
};

static int stats_show_cb(__u32 vsid, const struct nv_subnet *s, void *arg)
{
	struct stats_show *ss = arg;
	struct nv_vsid_stats st;

	(void)s;
	if (ss->filter && vsid != ss->vsid)
		return 0;
	ss->err = nv_stats_get(ss->m, vsid, &st);
	if (ss->err)
		return ss->err;
	if (ss->list)
		json_array_append_new(ss->list, json_pack("{s:I, s:I, s:I, s:I, s:I}", "vsid",
							  (json_int_t)vsid, "tx_packets",
							  (json_int_t)st.tx_packets, "tx_bytes",
							  (json_int_t)st.tx_bytes, "rx_packets",
							  (json_int_t)st.rx_packets, "rx_bytes",
							  (json_int_t)st.rx_bytes));
	else
		printf("%-10u %12llu %14llu %12llu %14llu\n", vsid,
		       (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
		       (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes);
	return 0;
}

int nv_cmd_stats_show(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_arg a[] = { { .key = "vsid", .type = NV_ARG_VSID } };
	struct nv_drop_stats drops[NV_DROP__MAX];
	struct stats_show ss = { 0 };
	json_t *dlist = NULL;
	struct nv_maps m;
	int err = nv_args_parse(ctx, "stats show", a, 1, argc, argv);

	if (!err)
		err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	ss.m = &m;
	ss.filter = a[0].set;
	ss.vsid = a[0].v.u32;
	if (ss.filter) {
		struct nv_subnet s;

		if (nv_subnet_get(&m, ss.vsid, &s)) {
			nv_close_maps(ctx, &m);
			return nv_runtime_error(ctx, "stats show: vsid %u does not exist", ss.vsid);
		}
	}
	if (ctx->json) {
		ss.list = json_array();
		dlist = json_array();
	} else {
		printf("%-10s %12s %14s %12s %14s\n", "VSID", "TX_PACKETS", "TX_BYTES",
		       "RX_PACKETS", "RX_BYTES");
	}
	err = nv_subnet_iter(&m, stats_show_cb, &ss);
	if (!err)
		err = ss.err;
	if (!err)
		err = nv_drops_get(&m, drops);
	nv_close_maps(ctx, &m);
	if (err) {
		json_decref(ss.list);
		json_decref(dlist);
		return nv_errno_error(ctx, err, "stats show");
	}
	if (!ctx->json)
		printf("\n%-16s %12s %14s  %s\n", "DROP", "PACKETS", "BYTES", "WHY");
	for (unsigned int r = 1; r < NV_DROP__MAX; r++) {
		if (dlist)
			json_array_append_new(
				dlist, json_pack("{s:s, s:I, s:I, s:I}", "reason",
						 nv_drop_reason_name(r), "code", (json_int_t)r,
						 "packets", (json_int_t)drops[r].packets, "bytes",
						 (json_int_t)drops[r].bytes));
		else if (drops[r].packets)
			printf("%-16s %12llu %14llu  %s\n", nv_drop_reason_name(r),
			       (unsigned long long)drops[r].packets,
			       (unsigned long long)drops[r].bytes, nv_drop_reason_text(r));
	}
	if (ctx->json)
		nv_json_print(ctx, json_pack("{s:o, s:o}", "vsids", ss.list, "drops", dlist));
	return 0;
}

int nv_cmd_stats_reset(struct nv_ctx *ctx, int argc, char **argv)
{
	struct nv_maps m;
	int err;

	if (argc)
		return nv_usage_error(ctx, "stats reset: unexpected argument \"%s\"", argv[0]);
	err = nv_open_maps(ctx, &m);
	if (err)
		return err;
	err = nv_stats_reset(&m);
	nv_close_maps(ctx, &m);
	if (err)
		return nv_errno_error(ctx, err, "stats reset");
	return 0;
}
