// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * make bench: ns/packet of each datapath path, as a ratio to a no-op program of the same hook
 * timed the same way in the same run. BPF_PROG_TEST_RUN with repeat = 1 in a loop (with repeat
 * > 1 the kernel reruns the already encapsulated/decapsulated packet); the kernel's own duration
 * of each run is used, so the syscall is not in the figure. Cases are interleaved round by round
 * (A B C A B C ...) so drift hits them all alike. Measures only: asserts nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_cls.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/fixture.h"
#include "lib/pkt.h"
#include "noop.skel.h"

#define ROUNDS 9
#define BATCH  4000

enum hook {
	HOOK_XDP,
	HOOK_TC,
};

struct bench_case {
	const char *name;
	enum hook hook;
	int prog_fd;
	__u32 ifindex;
	struct pkt frame;
	__u32 expect; /* verdict the path must give, else the figure measures a drop */
	double sample[ROUNDS];
	bool baseline;
};

static int run_once(const struct bench_case *c, __u32 *duration, __u32 *retval)
{
	static __u8 out[PKT_MAX + 64];
	struct __sk_buff skb = { .ifindex = c->ifindex };
	struct xdp_md xdp = { .data_end = c->frame.len, .ingress_ifindex = c->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->frame.d, .data_size_in = c->frame.len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err;

	if (c->hook == HOOK_TC) {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	} else {
		o.ctx_in = &xdp;
		o.ctx_size_in = sizeof(xdp);
	}
	err = bpf_prog_test_run_opts(c->prog_fd, &o);
	*duration = o.duration;
	*retval = o.retval;
	return err;
}

static double batch_mean(struct bench_case *c)
{
	__u64 total = 0;
	__u32 d, ret;

	for (int i = 0; i < BATCH; i++) {
		if (run_once(c, &d, &ret) || ret != c->expect)
			return -1;
		total += d;
	}
	return (double)total / BATCH;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *min, double *max)
{
	double s[ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void udp_frame(struct pkt *p, const __u8 *smac, const __u8 *dmac, __be32 src, __be32 dst,
		      size_t len)
{
	struct pkt_ipv4_spec s = { .saddr = src,
				   .daddr = dst,
				   .proto = PKT_IPPROTO_UDP,
				   .sport = 40000,
				   .dport = 5201,
				   .ttl = 64 };

	memcpy(s.smac, smac, 6);
	memcpy(s.dmac, dmac, 6);
	pkt_ipv4(p, &s, len);
}

/* CA 10.0.0.1 on host 1 -> CA 10.0.0.2 on host 2, as host 2's underlay receives it. */
static void wire_frame(struct pkt *p, __be32 outer_src, __be32 outer_dst, __u32 vsid,
		       size_t inner_len)
{
	struct pkt_nvgre_spec o;
	struct pkt inner;

	udp_frame(&inner, MAC_1, MAC_2, CA_1, CA_2, inner_len);
	pkt_nvgre_spec_init(&o, outer_src, outer_dst, vsid, 0x5a);
	pkt_nvgre(p, &o, inner.d, inner.len);
}

int main(void)
{
	static struct host h1, h2;
	static struct bench_case cases[10];
	struct nv_noop_bpf *noop = NULL;
	struct pkt_arp_spec arp = { .oper = 1, .spa = CA_1, .tpa = CA_2 };
	int n = 0, err;

	err = fixture_netns();
	if (!err)
		err = host_setup(&h1, HOST_1);
	if (!err)
		err = host_setup(&h2, HOST_2);
	if (!err)
		err = host_port_rebind(&h2, H2_A2, NV_DELIVER_XDP, 0);
	noop = err ? NULL : nv_noop_bpf__open_and_load();
	if (err || !noop) {
		fprintf(stderr, "bench: setup failed: %s (run as root, with bpffs)\n",
			strerror(err ? -err : errno));
		return 1;
	}

	const __u32 a1 = h1.port[H1_A1].ifindex, ul2 = h2.underlay;
	struct bench_case *c;

#define ADD(n_, hook_, fd_, ifx_, expect_, base_)                                \
	(c = &cases[n++], c->name = (n_), c->hook = (hook_), c->prog_fd = (fd_), \
	 c->ifindex = (ifx_), c->expect = (expect_), c->baseline = (base_), &c->frame)

	udp_frame(ADD("xdp no-op (baseline)", HOOK_XDP, bpf_program__fd(noop->progs.nv_noop_xdp),
		      ul2, XDP_PASS, true),
		  MAC_1, MAC_2, PA_1, PA_2A, 142);
	wire_frame(ADD("from_wire: validate+decap+redirect", HOOK_XDP, h2.from_wire, ul2,
		       XDP_REDIRECT, false),
		   PA_1, PA_2A, VSID_A, 100);
	/* B2 on host 2 stays a TC-delivery port. */
	wire_frame(ADD("from_wire: validate+TC handover", HOOK_XDP, h2.from_wire, ul2, XDP_PASS,
		       false),
		   PA_1, PA_2B, VSID_B, 100);
	wire_frame(
		ADD("from_wire: spoofed PA, dropped", HOOK_XDP, h2.from_wire, ul2, XDP_DROP, false),
		PA_FOREIGN, PA_2A, VSID_A, 100);
	udp_frame(ADD("from_wire: not NVGRE, passed", HOOK_XDP, h2.from_wire, ul2, XDP_PASS, false),
		  MAC_1, MAC_2, PA_1, PA_2A, 142);
	udp_frame(ADD("tc no-op (baseline)", HOOK_TC, bpf_program__fd(noop->progs.nv_noop_tc), a1,
		      TC_ACT_OK, true),
		  MAC_1, MAC_2, CA_1, CA_2, 100);
	udp_frame(ADD("from_vm: encap+redirect_neigh", HOOK_TC, h1.from_vm, a1, TC_ACT_REDIRECT,
		      false),
		  MAC_1, MAC_2, CA_1, CA_2, 100);
	udp_frame(
		ADD("from_vm: same-host delivery", HOOK_TC, h1.from_vm, a1, TC_ACT_REDIRECT, false),
		MAC_1, MAC_3, CA_1, CA_3, 100);
	memcpy(arp.smac, MAC_1, 6);
	memcpy(arp.sha, MAC_1, 6);
	memcpy(arp.dmac, MAC_BCAST, 6);
	pkt_arp(ADD("from_vm: ARP reply", HOOK_TC, h1.from_vm, a1, TC_ACT_REDIRECT, false), &arp);
	wire_frame(ADD("wire_tc: validate+decap+redirect", HOOK_TC, h2.wire_tc, ul2,
		       TC_ACT_REDIRECT, false),
		   PA_1, PA_2B, VSID_B, 100);

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < n; i++) {
			cases[i].sample[r] = batch_mean(&cases[i]);
			if (cases[i].sample[r] < 0) {
				fprintf(stderr, "bench: %s: unexpected verdict or error\n",
					cases[i].name);
				err = 1;
				goto out;
			}
		}

	printf("ns/packet, BPF_PROG_TEST_RUN repeat=1, %d interleaved rounds of %d runs, median (min..max)\n",
	       ROUNDS, BATCH);
	printf("%-38s %5s %8s %18s %9s\n", "path", "hook", "median", "min..max", "ratio");
	for (int hook = HOOK_XDP; hook <= HOOK_TC; hook++) {
		double base = 0, lo, hi, med;

		for (int i = 0; i < n; i++)
			if (cases[i].hook == (enum hook)hook && cases[i].baseline)
				base = median(cases[i].sample, ROUNDS, &lo, &hi);
		for (int i = 0; i < n; i++) {
			if (cases[i].hook != (enum hook)hook)
				continue;
			med = median(cases[i].sample, ROUNDS, &lo, &hi);
			printf("%-38s %5s %8.1f %8.1f..%-8.1f %8.2fx\n", cases[i].name,
			       hook == HOOK_XDP ? "xdp" : "tc", med, lo, hi, med / base);
		}
	}
out:
	nv_noop_bpf__destroy(noop);
	host_teardown(&h2);
	host_teardown(&h1);
	return err;
}
