/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a test run cannot show: where a redirect goes. The programs of host 1 are attached for
 * real (nv_from_wire and nv_wire_tc on the underlay, nv_from_vm on each port), wire frames are
 * sent from host 2's end of the underlay, VM frames from the VMs' ends, and every VM end is
 * captured: a frame must come out at its own port, byte for byte, and nowhere else. This also
 * drives the XDP -> TC metadata hand-over (nv_wire_tc's metadata path, where the kernel lets XDP
 * write metadata), which a TC test run cannot feed, and GRO between the two stages.
 *
 * Frames are sent rather than run with BPF_F_TEST_XDP_LIVE_FRAMES: some kernels refuse live
 * test runs (EPERM), and a frame that crosses the veth takes the path a real one takes.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "nv_maps.h"
#include "lib/frames.h"
#include "unit/cases.h"
#include "unit/suite.h"

static struct host h1;
static int cap[H1_NPORTS]; /* on each port's VM end */
static int cap_wire;	   /* on host 2's end of the underlay */

#define QUIET_MS 50 /* deliveries are synchronous: a frame not there by then never comes */

static void setup(void)
{
	int err;

	host_up(&h1, HOST_1);
	err = host_attach_xdp(h1.underlay, h1.from_wire);
	cr_assert_eq(err, 0, "attach nv_from_wire: %s", strerror(-err));
	err = host_attach_tc(h1.underlay, h1.wire_tc);
	cr_assert_eq(err, 0, "attach nv_wire_tc: %s", strerror(-err));
	for (int i = 0; i < H1_NPORTS; i++) {
		err = host_attach_tc(h1.port[i].ifindex, h1.from_vm);
		cr_assert_eq(err, 0, "attach nv_from_vm to %s: %s", h1.port[i].name,
			     strerror(-err));
		cr_assert_eq(fixture_gro_on(h1.port[i].vm_name), 0);
		cap[i] = cap_open(h1.port[i].vm_ifindex);
		cr_assert_geq(cap[i], 0, "capture on %s: %s", h1.port[i].vm_name,
			      strerror(-cap[i]));
	}
	cap_wire = cap_open(if_nametoindex("h2ul"));
	cr_assert_geq(cap_wire, 0);
}

static void teardown(void)
{
	host_teardown(&h1);
}

/* The frame arrives at port `at`'s VM, identical, and at no other VM. */
static void expect_only_at(int at, const struct pkt *frame, const char *what)
{
	__u8 buf[PKT_MAX];
	char err[200];
	int n;

	n = cap_recv(cap[at], buf, sizeof(buf), 1000);
	cr_assert_gt(n, 0, "%s: nothing arrived at %s", what, h1.port[at].vm_name);
	cr_expect(pkt_diff(buf, (size_t)n, frame->d, frame->len, err, sizeof(err)) == 0,
		  "%s: frame at %s: %s", what, h1.port[at].vm_name, err);
	for (int i = 0; i < H1_NPORTS; i++) {
		n = cap_recv(cap[i], buf, sizeof(buf), QUIET_MS);
		cr_expect_lt(n, 0, "%s: a %d-byte frame also arrived at %s", what, n,
			     h1.port[i].vm_name);
	}
}

static void expect_nowhere(const char *what)
{
	__u8 buf[PKT_MAX];

	for (int i = 0; i < H1_NPORTS; i++)
		cr_expect_lt(cap_recv(cap[i], buf, sizeof(buf), QUIET_MS), 0,
			     "%s: a frame arrived at %s", what, h1.port[i].vm_name);
}

static void wire_frame(__u32 vsid, __be32 src_pa, struct pkt *wire, struct pkt *inner)
{
	const struct wire_case c = { .name = "live", .vsid = vsid, .out_src = src_pa };

	wire_case_build(&c, wire, inner);
}

/* From host 2's end of the underlay, into nv_from_wire attached for real. */
static void inject_wire(const struct pkt *wire)
{
	int err = cap_send(cap_wire, wire->d, wire->len);

	cr_assert_eq(err, 0, "send on h2ul: %s", strerror(-err));
}

static void expect_counters(const struct counters *before, enum nv_drop_reason drop,
			    size_t drop_bytes, __u32 rx_vsid, size_t rx_bytes)
{
	struct counters_expect e = { .drop = drop, .drop_bytes = drop_bytes };
	struct counters after;
	char err[256];

	if (rx_vsid) {
		struct nv_vsid_stats *s = rx_vsid == VSID_A ? &e.a : &e.b;

		s->rx_packets = 1;
		s->rx_bytes = rx_bytes;
	}
	cr_assert_eq(counters_read(&h1, &after), 0);
	cr_expect(counters_check(before, &after, &e, err, sizeof(err)) == 0, "%s", err);
}

/* A frame of each tenant from host 2, injected on the underlay: at its own port only, counted. */
static void wire_to_each_tenant(void)
{
	const struct {
		__u32 vsid;
		__be32 pa;
		int port;
	} t[] = { { VSID_A, PA_2A, H1_A1 }, { VSID_B, PA_2B, H1_B1 } };
	struct pkt wire, inner;
	struct counters before;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wire_frame(t[i].vsid, t[i].pa, &wire, &inner);
		cr_assert_eq(counters_read(&h1, &before), 0);
		inject_wire(&wire);
		expect_only_at(t[i].port, &inner, t[i].vsid == VSID_A ? "tenant A" : "tenant B");
		expect_counters(&before, NV_DROP_NONE, 0, t[i].vsid, inner.len);
	}
}

/* TC delivery: XDP validates and resolves, hands over in the metadata, TC decaps and delivers. */
Test(live, wire_to_tc_ports_through_metadata, .init = setup, .fini = teardown)
{
	wire_to_each_tenant();
}

/* XDP delivery: decap in XDP and XDP_REDIRECT through the devmap. */
Test(live, wire_to_xdp_ports_through_devmap, .init = setup, .fini = teardown)
{
	cr_assert_eq(host_port_rebind(&h1, H1_A1, NV_DELIVER_XDP, 0), 0);
	cr_assert_eq(host_port_rebind(&h1, H1_B1, NV_DELIVER_XDP, 0), 0);
	wire_to_each_tenant();
}

/* A spoofing host's frame is dropped in XDP and reaches no VM, whatever the delivery mode. */
Test(live, spoofed_wire_frame_reaches_no_vm, .init = setup, .fini = teardown)
{
	struct pkt wire, inner;
	struct counters before;

	for (int mode = 0; mode < 2; mode++) {
		cr_assert_eq(host_port_rebind(&h1, H1_A1, mode ? NV_DELIVER_XDP : NV_DELIVER_TC, 0),
			     0);
		wire_frame(VSID_A, PA_2B, &wire, &inner); /* A's CA from B's PA */
		cr_assert_eq(counters_read(&h1, &before), 0);
		inject_wire(&wire);
		expect_nowhere("SRC_PA frame");
		expect_counters(&before, NV_DROP_SRC_PA, wire.len, 0, 0);
	}
}

static void vm_frame(struct pkt *p, int port, __be32 daddr, const __u8 *dmac)
{
	const struct nv_port *cfg = &h1.port[port].cfg;

	cr_assert_eq(frame_udp(p, cfg->mac, cfg->ca.w[3], dmac, daddr, 120), 120);
}

Test(live, vm_to_vm_on_the_same_host, .init = setup, .fini = teardown)
{
	struct counters before;
	struct pkt a, b;
	char err[200];

	vm_frame(&a, H1_A1, CA_3, MAC_3);
	cr_assert_eq(counters_read(&h1, &before), 0);
	cr_assert_eq(cap_send(cap[H1_A1], a.d, a.len), 0);
	expect_only_at(H1_A3, &a, "A1 -> A3");

	/* The very same bytes from B1: B has no 10.0.0.3, A3 must not get them. */
	vm_frame(&b, H1_B1, CA_3, MAC_3);
	cr_assert(pkt_diff(a.d, a.len, b.d, b.len, err, sizeof(err)) == 0, "%s", err);
	cr_assert_eq(counters_read(&h1, &before), 0);
	cr_assert_eq(cap_send(cap[H1_B1], b.d, b.len), 0);
	expect_nowhere("B1 -> 10.0.0.3");
	expect_counters(&before, NV_DROP_NO_RECORD, b.len, 0, 0);
}

Test(live, arp_reply_reaches_the_asking_vm_only, .init = setup, .fini = teardown)
{
	static const int askers[] = { H1_B1, H1_A1 };
	struct pkt_arp_spec a = { .dmac = MAC_1_INIT,
				  .smac = MAC_2_INIT,
				  .oper = 2,
				  .sha = MAC_2_INIT,
				  .spa = CA_2,
				  .tha = MAC_1_INIT,
				  .tpa = CA_1 };
	struct pkt req, reply;

	/* A1 and B1 are identical VMs: each reply goes back to the one that asked. */
	cr_assert_eq(frame_arp_request(&req, MAC_1, CA_1, CA_2), PKT_ARP_LEN);
	cr_assert_eq(pkt_arp(&reply, &a), PKT_ARP_LEN);
	for (size_t i = 0; i < sizeof(askers) / sizeof(askers[0]); i++) {
		cr_assert_eq(cap_send(cap[askers[i]], req.d, req.len), 0);
		expect_only_at(askers[i], &reply, askers[i] == H1_A1 ? "A1 asks" : "B1 asks");
	}
}

/* Encapsulation for real: bpf_redirect_neigh fills the outer MACs from the neighbour table. */
Test(live, vm_to_remote_leaves_on_the_underlay, .init = setup, .fini = teardown)
{
	const struct pkt_nvgre_expect x_base = {
		.saddr = PA_1, .daddr = PA_2A, .ttl = 64, .vsid = VSID_A
	};
	struct pkt_nvgre_expect x = x_base;
	__u8 buf[PKT_MAX], ul_mac[6], peer_mac[6];
	struct pkt f;
	char err[256];
	int n;

	cr_assert_eq(host_underlay_neigh(&h1, PA_2A, ul_mac, peer_mac), 0);
	vm_frame(&f, H1_A1, CA_2, MAC_2);
	x.inner = f.d;
	x.inner_len = f.len;
	cr_assert_eq(cap_send(cap[H1_A1], f.d, f.len), 0);
	n = cap_recv(cap_wire, buf, sizeof(buf), 1000);
	cr_assert_gt(n, 0, "nothing left on the underlay");
	cr_expect(pkt_check_nvgre(buf, (size_t)n, &x, NULL, err, sizeof(err)) == 0, "%s", err);
	cr_expect_arr_eq(buf, peer_mac, 6, "outer destination MAC is not the next hop's");
	cr_expect_arr_eq(buf + 6, ul_mac, 6, "outer source MAC is not the underlay's");
	expect_nowhere("A1 -> remote");
}

/*
 * GRO on the underlay: host 2 sends one TCP flow's segments back to back, XDP hands each over to
 * TC (with the same metadata, where the kernel allows it), the veth's GRO merges them (a flush
 * timeout keeps them together) and nv_wire_tc decapsulates the merged skb. The VM must get every
 * payload byte, and tenant A's rx counters must say what the VM got: one packet per skb, its bytes.
 */
#define GRO_SEGS    8
#define GRO_PAYLOAD 1000

static void gro_segment(struct pkt *wire, struct pkt *inner, int i)
{
	struct pkt_ipv4_spec s;
	struct pkt_nvgre_spec o;
	size_t len = PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN + GRO_PAYLOAD;

	frame_spec(&s, MAC_2, CA_2, MAC_1, CA_1);
	s.proto = PKT_IPPROTO_TCP;
	s.dport = 5001;
	s.frag = PKT_IP_DF;
	s.id = (__u16)(100 + i);
	s.fill = (__u8)i;
	s.tcp_seq = 0x10000000u + (__u32)i * GRO_PAYLOAD;
	s.tcp_flags = 0x10; /* ACK */
	cr_assert_eq(pkt_ipv4(inner, &s, len), len);
	pkt_nvgre_spec_init(&o, PA_2A, PA_1, VSID_A, 0x33);
	o.id = (__u16)(500 + i);
	cr_assert_gt(pkt_nvgre(wire, &o, inner->d, inner->len), 0);
}

Test(live, gro_merged_wire_frames_counted_whole, .init = setup, .fini = teardown)
{
	static __u8 buf[65536];
	struct counters before, after;
	struct pkt wire, inner;
	size_t got_bytes = 0, got_payload = 0;
	int err, got = 0, n;

	cr_assert_eq(fixture_gro_on(h1.ul_name), 0);
	err = fixture_netdev_sysfs_set(h1.ul_name, "gro_flush_timeout", "50000000\n");
	cr_assert_eq(err, 0, "gro_flush_timeout: %s", strerror(-err));

	cr_assert_eq(counters_read(&h1, &before), 0);
	for (int i = 0; i < GRO_SEGS; i++) {
		gro_segment(&wire, &inner, i);
		cr_assert_eq(cap_send(cap_wire, wire.d, wire.len), 0);
	}
	while ((n = cap_recv(cap[H1_A1], buf, sizeof(buf), 300)) > 0) {
		cr_assert_geq(n, PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN, "%d-byte frame", n);
		got++;
		got_bytes += (size_t)n;
		got_payload += (size_t)n - (PKT_ETH_HLEN + PKT_IPV4_HLEN + PKT_TCP_HLEN);
	}
	cr_assert_eq(counters_read(&h1, &after), 0);

	cr_expect_eq(got_payload, GRO_SEGS * GRO_PAYLOAD, "the VM got %zu payload bytes, want %d",
		     got_payload, GRO_SEGS * GRO_PAYLOAD);
	/* Without a merge this test shows nothing: the precondition, checked. */
	cr_assert_lt(got, GRO_SEGS, "no GRO: %d frames for %d segments", got, GRO_SEGS);
	cr_expect_eq(after.a.rx_packets - before.a.rx_packets, (__u64)got,
		     "rx_packets moved by %llu, the VM got %d skbs",
		     (unsigned long long)(after.a.rx_packets - before.a.rx_packets), got);
	cr_expect_eq(after.a.rx_bytes - before.a.rx_bytes, (__u64)got_bytes,
		     "rx_bytes moved by %llu, the VM got %zu bytes in %d skbs",
		     (unsigned long long)(after.a.rx_bytes - before.a.rx_bytes), got_bytes, got);
	for (int r = 1; r < NV_DROP__MAX; r++)
		cr_expect_eq(after.drop[r].packets, before.drop[r].packets, "%s drops",
			     nv_drop_reason_name(r));
}
