// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Case 2: packets/s in XDP on a veth. The generator is BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES (repeat = LIVE_FRAMES, batch_size LIVE_BATCH): the program runs on
 * each frame as on a driver's receive path, ingress device the underlay, and its XDP_REDIRECT is
 * carried out for real. The same NVGRE frame (host 1's CA_1 to host 2's A2, a port delivering in
 * XDP) goes to
 *   - nv_from_wire: validate + decap + redirect through nv_tx_ports into A2's veth, with the
 *     small and with the large table (hot key: one frame template serves every run);
 *   - nv_redirect_xdp: a plain devmap redirect of the frame to the same veth, no decap.
 * The VM end of that veth runs nv_rxcount_xdp (count, XDP_DROP): the rate is what arrives there,
 * received frames over the time from the start of the run to the last one counted. Rounds are
 * interleaved; the generator rate (frames / syscall time) and the fraction delivered are shown too.
 * A kernel that refuses live test runs (EPERM, some hardened builds) gets no table, and says so.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/bench.h"
#include "lib/frames.h"
#include "redirect.skel.h"
#include "rxcount.skel.h"

#define ROUNDS	    7
#define LIVE_FRAMES 2000000
#define LIVE_BATCH  64

struct live_case {
	const char *name;
	const char *records;
	int prog_fd;
	double rx_pps[ROUNDS], gen_pps[ROUNDS], delivered[ROUNDS];
};

static __u64 rx_count(int map_fd)
{
	static __u64 v[1024];
	int ncpu = libbpf_num_possible_cpus();
	__u32 k = 0;
	__u64 sum = 0;

	if (ncpu <= 0 || ncpu > 1024 || bpf_map_lookup_elem(map_fd, &k, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* One round: 0, or -errno of the test run. */
static int round_once(struct live_case *c, int r, __u32 ingress, int cnt_fd, const struct pkt *f)
{
	struct xdp_md ctx = { .data_end = (__u32)f->len, .ingress_ifindex = ingress };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->d, .data_size_in = (__u32)f->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = LIVE_FRAMES,
		    .batch_size = LIVE_BATCH, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	__u64 before = rx_count(cnt_fd), seen, last;
	double t0, t_run, t_last;

	t0 = now_s();
	if (bpf_prog_test_run_opts(c->prog_fd, &o))
		return -errno;
	t_run = now_s();
	/* What is still in the veth's ring arrives within microseconds: wait until it stops. */
	last = rx_count(cnt_fd);
	t_last = now_s();
	for (int quiet = 0; quiet < 5;) {
		usleep(1000);
		seen = rx_count(cnt_fd);
		if (seen != last) {
			last = seen;
			t_last = now_s();
			quiet = 0;
		} else {
			quiet++;
		}
	}
	if (t_last < t_run)
		t_last = t_run;
	c->rx_pps[r] = (double)(last - before) / (t_last - t0);
	c->gen_pps[r] = LIVE_FRAMES / (t_run - t0);
	c->delivered[r] = (double)(last - before) / LIVE_FRAMES;
	return 0;
}

int live_run(struct bench_env *e, const char *dir)
{
	struct nv_redirect_bpf *red = nv_redirect_bpf__open_and_load();
	struct nv_rxcount_bpf *cnt = nv_rxcount_bpf__open_and_load();
	const struct host_port *a2 = &e->s2.port[H2_A2];
	struct live_case cases[3] = {
		{ .name = "plain devmap redirect (baseline)", .records = "-", .prog_fd = -1 },
		{ .name = "from_wire: validate+decap+redirect",
		  .records = "small",
		  .prog_fd = e->s2.from_wire },
		{ .name = "from_wire: validate+decap+redirect",
		  .records = "large",
		  .prog_fd = e->l2.from_wire },
	};
	struct pkt inner;
	static struct pkt frame;
	__u32 k0 = 0, target = a2->ifindex;
	FILE *csv = NULL;
	int err = -1, n = 3, cnt_fd;

	if (!red || !cnt) {
		fprintf(stderr, "bench: loading the live-frame programs: %s\n", strerror(errno));
		goto out;
	}
	cases[0].prog_fd = bpf_program__fd(red->progs.nv_redirect_xdp);
	cnt_fd = bpf_map__fd(cnt->maps.nv_bench_rx);
	err = bpf_map_update_elem(bpf_map__fd(red->maps.nv_bench_tx), &k0, &target, BPF_ANY);
	if (!err)
		err = host_attach_xdp(a2->vm_ifindex, bpf_program__fd(cnt->progs.nv_rxcount_xdp));
	if (err) {
		fprintf(stderr, "bench: live setup: %s\n", strerror(err < 0 ? -err : errno));
		err = -1;
		goto out;
	}

	frame_udp(&inner, MAC_1, CA_1, MAC_2, CA_2,
		  60); /* 60 + 42: the smallest, the highest rate */
	frame_nvgre(&frame, &inner, PA_1, PA_2A, VSID_A, 0x5a);

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < n; i++) {
			err = round_once(&cases[i], r, e->s2.underlay, cnt_fd, &frame);
			if (err == -EPERM && r == 0 && i == 0) {
				printf("Case 2: not measured: this kernel refuses "
				       "BPF_F_TEST_XDP_LIVE_FRAMES test runs (EPERM)\n\n");
				err = 0;
				goto out;
			}
			if (err) {
				fprintf(stderr, "bench: live %s: %s\n", cases[i].name,
					strerror(-err));
				err = -1;
				goto out;
			}
		}

	csv = bench_open(dir, "live.csv");
	if (!csv) {
		err = -1;
		goto out;
	}
	fprintf(csv, "program,records,frame_bytes,rx_pps_median,rx_pps_min,rx_pps_max,"
		     "ratio_to_redirect,gen_pps_median,delivered_median\n");
	printf("Case 2: packets/s received on the VM end of a veth (XDP count+drop there), "
	       "generator BPF_F_TEST_XDP_LIVE_FRAMES\n"
	       "%d frames of %zu bytes per run, batch %d, %d interleaved rounds; "
	       "ratio = median / plain-redirect median\n",
	       LIVE_FRAMES, frame.len, LIVE_BATCH, ROUNDS);
	printf("%-36s %7s %9s %21s %7s %10s %9s\n", "program", "records", "Mpps", "min..max",
	       "ratio", "gen Mpps", "delivered");
	{
		double base = summarize(cases[0].rx_pps, ROUNDS).med;

		for (int i = 0; i < n; i++) {
			struct summary s = summarize(cases[i].rx_pps, ROUNDS);
			struct summary g = summarize(cases[i].gen_pps, ROUNDS);
			struct summary d = summarize(cases[i].delivered, ROUNDS);

			printf("%-36s %7s %9.3f %9.3f..%-9.3f %6.2fx %10.3f %8.1f%%\n",
			       cases[i].name, cases[i].records, s.med / 1e6, s.min / 1e6,
			       s.max / 1e6, s.med / base, g.med / 1e6, d.med * 100);
			fprintf(csv, "\"%s\",%s,%zu,%.0f,%.0f,%.0f,%.3f,%.0f,%.4f\n", cases[i].name,
				cases[i].records, frame.len, s.med, s.min, s.max, s.med / base,
				g.med, d.med);
		}
	}
	printf("\n");
	err = 0;
out:
	if (csv)
		fclose(csv);
	nv_rxcount_bpf__destroy(cnt);
	nv_redirect_bpf__destroy(red);
	return err;
}
