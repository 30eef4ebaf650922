/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Two hosts, two independent instances of the datapath in one network namespace: what nv_from_vm
 * of one host sends, nv_from_wire and nv_wire_tc of the other must turn back into the very frame
 * the VM sent, to the port of the right tenant only. And the policy's round trip on an attached
 * instance: what nvctl apply makes of a file, nvctl export writes back, and that file applied to
 * the instance attached again makes the same instance (the gateway's legs, routes, NATs, static
 * mappings and timeouts included, nv_from_ext attached and detached with the legs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_datapath.h"
#include "nv_netdev.h"
#include "nv_policy.h"
#include "nv_policy_apply.h"
#include "nv_policy_json.h"

#include "lib/frames.h"
#include "unit/cases.h"
#include "unit/suite.h"

static struct host h1, h2;

static void setup(void)
{
	int err;

	err = fixture_netns();
	cr_assert_eq(err, 0, "fixture_netns: %s", strerror(-err));
	err = host_setup(&h1, HOST_1);
	cr_assert_eq(err, 0, "host_setup(1): %s", strerror(-err));
	err = host_setup(&h2, HOST_2);
	cr_assert_eq(err, 0, "host_setup(2): %s", strerror(-err));
}

static void teardown(void)
{
	host_teardown(&h2);
	host_teardown(&h1);
}

/* A VM's frame of len bytes from (smac, saddr) to (dmac, daddr); the protocol cycles by length. */
static void vm_frame(struct pkt *p, const __u8 *smac, __be32 saddr, const __u8 *dmac, __be32 daddr,
		     size_t len)
{
	static const __u8 protos[] = { PKT_IPPROTO_UDP, PKT_IPPROTO_TCP, PKT_IPPROTO_ICMP };
	struct pkt_ipv4_spec s;

	frame_spec(&s, smac, saddr, dmac, daddr);
	s.sport = (__u16)(1024 + len);
	s.fill = (__u8)len;
	s.proto = protos[len % 3];
	/* Every DSCP with every ECN value, CE included (copied too, RFC 6040 normal mode). */
	s.tos = (__u8)((len << 2) | ((len >> 6) & 3));
	cr_assert_eq(pkt_ipv4(p, &s, len), len);
	cr_assert(pkt_l4_csum_ok(p->d, p->len), "builder: bad L4 checksum at %zu bytes", len);
}

/* nv_from_vm of src on port: must encapsulate to (pa, vsid). */
static void encap(struct host *src, int port, const struct pkt *frame, __be32 src_pa, __be32 pa,
		  __u32 vsid, struct pkt *wire)
{
	struct pkt_nvgre_expect x = { .saddr = src_pa,
				      .daddr = pa,
				      .ttl = NV_DEFAULT_TTL,
				      .vsid = vsid,
				      .inner = frame->d,
				      .inner_len = frame->len };
	struct run r;
	char err[256];

	run_tc(src->from_vm, src->port[port].ifindex, frame->d, frame->len, 0, &r);
	cr_assert_eq(r.err, 0, "encap of %zu bytes: test run: %s", frame->len, strerror(-r.err));
	cr_assert_eq(r.retval, TC_ACT_REDIRECT, "encap of %zu bytes: verdict %s", frame->len,
		     tc_verdict_name(r.retval));
	cr_assert(pkt_check_nvgre(r.out, r.out_len, &x, NULL, err, sizeof(err)) == 0,
		  "encap of %zu bytes: %s", frame->len, err);
	memcpy(wire->d, r.out, r.out_len);
	wire->len = r.out_len;
}

/* XDP delivery: the test run's output after adjust_head is the inner frame. */
static void decap_xdp(struct host *dst, const struct pkt *wire, const struct pkt *frame)
{
	struct run r;
	char err[256];

	run_xdp(dst->from_wire, dst->underlay, wire->d, wire->len, &r);
	cr_assert_eq(r.err, 0, "XDP decap of %zu bytes: %s", frame->len, strerror(-r.err));
	cr_assert_eq(r.retval, XDP_REDIRECT, "XDP decap of %zu bytes: verdict %s", frame->len,
		     xdp_verdict_name(r.retval));
	cr_assert_eq(r.meta_len, 0);
	cr_assert(pkt_diff(r.out, r.out_len, frame->d, frame->len, err, sizeof(err)) == 0,
		  "XDP decap(encap(frame of %zu bytes)) != frame: %s", frame->len, err);
}

/* TC delivery, XDP stage: validated, frame untouched, the port in the metadata. */
static void handover_xdp(struct host *dst, const struct pkt *wire, const struct host_port *port)
{
	struct run r;
	char err[256];

	run_xdp(dst->from_wire, dst->underlay, wire->d, wire->len, &r);
	cr_assert_eq(r.err, 0);
	cr_assert_eq(r.retval, XDP_PASS, "hand-over: verdict %s", xdp_verdict_name(r.retval));
	expect_meta("hand-over", &r, port);
	cr_assert(pkt_diff(r.out + r.meta_len, r.out_len - r.meta_len, wire->d, wire->len, err,
			   sizeof(err)) == 0,
		  "hand-over changed the frame: %s", err);
}

/* nv_wire_tc without metadata: classifies, decapsulates on the skb. */
static void decap_tc(struct host *dst, const struct pkt *wire, const struct pkt *frame)
{
	struct run r;
	char err[256];

	run_tc(dst->wire_tc, dst->underlay, wire->d, wire->len, 0, &r);
	cr_assert_eq(r.err, 0, "TC decap of %zu bytes: %s", frame->len, strerror(-r.err));
	cr_assert_eq(r.retval, TC_ACT_REDIRECT, "TC decap of %zu bytes: verdict %s", frame->len,
		     tc_verdict_name(r.retval));
	cr_assert(pkt_diff(r.out, r.out_len, frame->d, frame->len, err, sizeof(err)) == 0,
		  "TC decap(encap(frame of %zu bytes)) != frame: %s", frame->len, err);
}

static void expect_no_drops(const struct host *h, const char *which)
{
	struct nv_drop_stats d[NV_DROP__MAX];

	cr_assert_eq(nv_drops_get(&h->o.maps, d), 0);
	for (int i = 0; i < NV_DROP__MAX; i++)
		cr_expect_eq(d[i].packets, 0, "%s: %llu %s drops", which,
			     (unsigned long long)d[i].packets, nv_drop_reason_name(i));
}

#define LEN_MIN 60
#define LEN_MAX 1514

Test(roundtrip, every_length_xdp_delivery_and_wire_tc, .init = setup, .fini = teardown)
{
	struct nv_vsid_stats tx, rx, b1, b2;
	struct pkt frame, wire;
	__u64 bytes = 0, n = 0;

	cr_assert_eq(host_port_rebind(&h2, H2_A2, NV_DELIVER_XDP, 0), 0);
	for (size_t len = LEN_MIN; len <= LEN_MAX; len++) {
		vm_frame(&frame, MAC_1, CA_1, MAC_2, CA_2, len);
		encap(&h1, H1_A1, &frame, PA_1, PA_2A, VSID_A, &wire);
		decap_xdp(&h2, &wire, &frame);
		decap_tc(&h2, &wire, &frame);
		bytes += len;
		n++;
	}
	cr_assert_eq(nv_stats_get(&h1.o.maps, VSID_A, &tx), 0);
	cr_assert_eq(nv_stats_get(&h2.o.maps, VSID_A, &rx), 0);
	cr_expect_eq(tx.tx_packets, n);
	cr_expect_eq(tx.tx_bytes, bytes);
	cr_expect_eq(rx.rx_packets, 2 * n, "XDP and TC each delivered: %llu, want %llu",
		     (unsigned long long)rx.rx_packets, (unsigned long long)(2 * n));
	cr_expect_eq(rx.rx_bytes, 2 * bytes);
	cr_assert_eq(nv_stats_get(&h1.o.maps, VSID_B, &b1), 0);
	cr_assert_eq(nv_stats_get(&h2.o.maps, VSID_B, &b2), 0);
	cr_expect(!b1.tx_packets && !b1.rx_packets && !b2.tx_packets && !b2.rx_packets,
		  "tenant B counted traffic of tenant A");
	expect_no_drops(&h1, "host 1");
	expect_no_drops(&h2, "host 2");
}

Test(roundtrip, every_length_tc_delivery, .init = setup, .fini = teardown)
{
	struct pkt frame, wire;

	for (size_t len = LEN_MIN; len <= LEN_MAX; len++) {
		vm_frame(&frame, MAC_1, CA_1, MAC_2, CA_2, len);
		encap(&h1, H1_A1, &frame, PA_1, PA_2A, VSID_A, &wire);
		handover_xdp(&h2, &wire, &h2.port[H2_A2]);
		decap_tc(&h2, &wire, &frame);
	}
	expect_no_drops(&h1, "host 1");
	expect_no_drops(&h2, "host 2");
}

Test(roundtrip, host2_to_host1, .init = setup, .fini = teardown)
{
	static const size_t lens[] = { 60, 61, 98, 576, 1000, 1513, 1514 };
	struct pkt frame, wire;

	cr_assert_eq(host_port_rebind(&h1, H1_A1, NV_DELIVER_XDP, 0), 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		vm_frame(&frame, MAC_2, CA_2, MAC_1, CA_1, lens[i]);
		encap(&h2, H2_A2, &frame, PA_2A, PA_1, VSID_A, &wire);
		decap_xdp(&h1, &wire, &frame);
		decap_tc(&h1, &wire, &frame);
	}
	expect_no_drops(&h1, "host 1");
	expect_no_drops(&h2, "host 2");
}

/*
 * Tenant isolation with identical CAs and MACs: the A and B VMs send the very same bytes. Each
 * frame must come out at its own tenant's port of host 2, never at the other's. The XDP redirect
 * target is not visible in a test run, so the devmap is left holding only the wrong tenant's
 * port: a frame aimed at it would be redirected, a frame aimed at its own port fails REDIRECT.
 */
static void isolation(struct host *src, const int src_port[2], struct host *dst,
		      const int dst_port[2], const __be32 src_pa[2], const __be32 dst_pa[2])
{
	static const __u32 vsid[2] = { VSID_A, VSID_B };
	struct pkt frame[2], wire[2];
	const __u8 *smac = src->port[src_port[0]].cfg.mac, *dmac = dst->port[dst_port[0]].cfg.mac;
	__be32 saddr = src->port[src_port[0]].cfg.ca.w[3],
	       daddr = dst->port[dst_port[0]].cfg.ca.w[3];
	char err[256];
	bool same;

	for (int t = 0; t < 2; t++) {
		vm_frame(&frame[t], smac, saddr, dmac, daddr, 200);
		encap(src, src_port[t], &frame[t], src_pa[t], dst_pa[t], vsid[t], &wire[t]);
	}
	same = pkt_diff(frame[0].d, frame[0].len, frame[1].d, frame[1].len, err, sizeof(err)) == 0;
	cr_assert(same, "the two tenants' frames should be identical: %s", err);

	for (int t = 0; t < 2; t++) {
		const struct host_port *own = &dst->port[dst_port[t]];
		const char *other = dst->port[dst_port[!t]].name;
		struct counters before, after;
		/* The redirect fails before the decapsulation: the frame is counted as received. */
		struct counters_expect e = { .drop = NV_DROP_REDIRECT, .drop_bytes = wire[t].len };
		struct run r;

		/* TC delivery: the resolved port is in the metadata. */
		handover_xdp(dst, &wire[t], own);

		/* XDP delivery, with only the other tenant's port in the devmap. */
		cr_assert_eq(host_port_rebind(dst, dst_port[t], NV_DELIVER_XDP, 0), 0);
		cr_assert_eq(host_port_rebind(dst, dst_port[!t], NV_DELIVER_XDP, 0), 0);
		cr_assert_eq(bpf_map_delete_elem(dst->o.maps.fd[NV_MAP_TX_PORTS], &own->ifindex),
			     0);
		cr_assert_eq(counters_read(dst, &before), 0);
		run_xdp(dst->from_wire, dst->underlay, wire[t].d, wire[t].len, &r);
		cr_assert_eq(counters_read(dst, &after), 0);
		cr_expect_eq(r.retval, XDP_DROP,
			     "tenant %c frame redirected with only %s in the devmap", "AB"[t],
			     other);
		cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s", err);
		cr_assert_eq(host_port_rebind(dst, dst_port[t], NV_DELIVER_TC, 0), 0);
		cr_assert_eq(host_port_rebind(dst, dst_port[!t], NV_DELIVER_TC, 0), 0);

		/* TC decap: counted on the destination port's tenant only. */
		memset(&e, 0, sizeof(e));
		if (t == 0) {
			e.a.rx_packets = 1;
			e.a.rx_bytes = frame[t].len;
		} else {
			e.b.rx_packets = 1;
			e.b.rx_bytes = frame[t].len;
		}
		cr_assert_eq(counters_read(dst, &before), 0);
		decap_tc(dst, &wire[t], &frame[t]);
		cr_assert_eq(counters_read(dst, &after), 0);
		cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0,
			  "tenant %c via TC: %s", "AB"[t], err);
	}
}

Test(roundtrip, tenant_isolation_host1_to_host2, .init = setup, .fini = teardown)
{
	const int src[2] = { H1_A1, H1_B1 }, dst[2] = { H2_A2, H2_B2 };
	const __be32 src_pa[2] = { PA_1, PA_1 }, dst_pa[2] = { PA_2A, PA_2B };

	isolation(&h1, src, &h2, dst, src_pa, dst_pa);
}

Test(roundtrip, tenant_isolation_host2_to_host1, .init = setup, .fini = teardown)
{
	const int src[2] = { H2_A2, H2_B2 }, dst[2] = { H1_A1, H1_B1 };
	const __be32 src_pa[2] = { PA_2A, PA_2B }, dst_pa[2] = { PA_1, PA_1 };

	isolation(&h2, src, &h1, dst, src_pa, dst_pa);
}

/*
 * Host 2 holds two PAs: tenant A's CAs are behind 192.0.2.2, tenant B's behind 192.0.2.3. The
 * receiver accepts a frame only from the PA the lookup table gives for its inner source CA
 * (DESIGN section 2), so B2's frames must leave host 2 from 192.0.2.3.
 */
Test(roundtrip, second_pa_is_the_source, .init = setup, .fini = teardown)
{
	struct pkt frame, wire;
	struct run r;

	vm_frame(&frame, MAC_2, CA_2, MAC_1, CA_1, 300);
	run_tc(h2.from_vm, h2.port[H2_B2].ifindex, frame.d, frame.len, 0, &r);
	cr_assert_eq(r.err, 0);
	cr_assert_eq(r.retval, TC_ACT_REDIRECT, "verdict %s", tc_verdict_name(r.retval));
	memcpy(wire.d, r.out, r.out_len);
	wire.len = r.out_len;
	cr_expect_eq(pkt_get32(wire.d + 14 + 12), pkt_get32(&(__be32){ PA_2B }),
		     "B2's frame leaves host 2 from 192.0.2.%u, not from B's PA 192.0.2.3",
		     wire.d[14 + 15]);
	decap_tc(&h1, &wire, &frame);
}

/* The config PA only speeds up the receive path: A2 still sends from its own PA, 192.0.2.2. */
Test(roundtrip, config_pa_is_not_the_source, .init = setup, .fini = teardown)
{
	struct pkt frame, wire;

	cr_assert_eq(host_config(&h2, h2.underlay, 0, PA_2B), 0);
	vm_frame(&frame, MAC_2, CA_2, MAC_1, CA_1, 300);
	encap(&h2, H2_A2, &frame, PA_2A, PA_1, VSID_A, &wire);
	decap_tc(&h1, &wire, &frame);
	expect_no_drops(&h1, "host 1");
	expect_no_drops(&h2, "host 2");
}

/*
 * The lookup table moves CA 10.0.0.2 of tenant A to host 2's other PA, on both hosts (it is the
 * same everywhere): A2 sends from there at once, and host 1 accepts it from there only.
 */
Test(roundtrip, moved_ca_sends_from_its_new_pa, .init = setup, .fini = teardown)
{
	struct counters before, after;
	struct counters_expect e = { .drop = NV_DROP_SRC_PA };
	struct pkt frame, wire, stale;
	char err[256];
	struct run r;

	vm_frame(&frame, MAC_2, CA_2, MAC_1, CA_1, 400);
	encap(&h2, H2_A2, &frame, PA_2A, PA_1, VSID_A, &stale);
	cr_assert_eq(host_record_move(&h2, VSID_A, CA_2, PA_2B), 0);
	cr_assert_eq(host_record_move(&h1, VSID_A, CA_2, PA_2B), 0);
	encap(&h2, H2_A2, &frame, PA_2B, PA_1, VSID_A, &wire);
	decap_tc(&h1, &wire, &frame);
	cr_assert_eq(host_port_rebind(&h1, H1_A1, NV_DELIVER_XDP, 0), 0);
	decap_xdp(&h1, &wire, &frame);

	/* A frame sent from the old PA before the move is no longer accepted. */
	e.drop_bytes = stale.len;
	cr_assert_eq(counters_read(&h1, &before), 0);
	run_xdp(h1.from_wire, h1.underlay, stale.d, stale.len, &r);
	cr_assert_eq(counters_read(&h1, &after), 0);
	cr_expect_eq(r.retval, XDP_DROP, "frame from the old PA: verdict %s",
		     xdp_verdict_name(r.retval));
	cr_expect(counters_check(&before, &after, &e, err, sizeof(err)) == 0, "%s", err);
	expect_no_drops(&h2, "host 2");
}

/* ---- the policy: export -> apply ---- */

static char pin[64];

static void pol_teardown(void)
{
	if (pin[0])
		nv_dp_detach(pin);
}

/* The instance attached (TC only) to ul0 of this test's namespace, pinned in pin. */
static void pol_attach(void)
{
	struct nv_dp_attach_opts o = { .xdp_mode = NV_XDP_MODE_NONE };
	struct nv_conflict why = { 0 };
	int err;

	cr_assert_eq(nv_netdev_index("ul0", &o.underlay_ifindex), 0);
	nv_addr_parse("192.0.2.1", &o.pa);
	err = nv_dp_attach(pin, &o, &why);
	cr_assert_eq(err, 0, "dp attach: %s", strerror(-err));
}

static void pol_setup(void)
{
	int err = fixture_netns();

	cr_assert_eq(err, 0, "fixture_netns: %s", strerror(-err));
	cr_assert_eq(fixture_ip_batch("link add ul0 type veth peer name ul1\n"
				      "link add ext0 type veth peer name ext1\n"
				      "link set ul0 up\nlink set ul1 up\n"
				      "link set ext0 up\nlink set ext1 up\n"),
		     0);
	cr_assert_eq(nv_bpffs_mount(), 0);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/nvgre-unit-policy-%d", (int)getpid());
	pol_attach();
}

/*
 * doc applied to the instance (prune as given): 0 or the error, *failed the refused change.
 * *changes: how many there were.
 */
static int pol_apply(const char *doc, bool prune, size_t *changes)
{
	struct nv_policy want, have;
	struct nv_policy_change *v = NULL;
	struct nv_conflict why;
	char err[256] = "";
	size_t n = 0, failed = 0;
	struct nv_maps m;
	int ret, undo = 0;

	cr_assert_eq(nv_policy_json_read(doc, strlen(doc), &want, err, sizeof(err)), 0, "%s: %s",
		     err, doc);
	cr_assert_eq(nv_dp_maps(pin, &m), 0);
	cr_assert_eq(nv_policy_read(&m, &have), 0);
	if (!prune)
		cr_assert_eq(nv_policy_keep_dependents(&want, &have), 0);
	cr_assert_eq(nv_policy_diff(&want, &have, prune, &v, &n), 0);
	cr_assert_eq(nv_policy_keep_main_pa(&m, &have, v, &n), 0);
	ret = nv_policy_apply(pin, &m, &want, &have, v, n, &failed, &why, &undo);
	cr_assert_eq(undo, 0, "taken back: %s", strerror(-undo));
	if (changes)
		*changes = n;
	free(v);
	nv_policy_free(&want);
	nv_policy_free(&have);
	nv_maps_close(&m);
	return ret;
}

/* nvctl export of the instance (malloc'd text). */
static char *pol_export(void)
{
	struct nv_policy p;
	struct nv_maps m;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_eq(nv_dp_maps(pin, &m), 0);
	cr_assert_eq(nv_policy_read(&m, &p), 0);
	nv_maps_close(&m);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(nv_policy_json_write(f, &p), 0);
	fclose(f);
	nv_policy_free(&p);
	return text;
}

static void pol_status(__u32 legs, __u32 devs, const char *what)
{
	struct nv_dp_status st;

	cr_assert_eq(nv_dp_status(pin, &st), 0);
	cr_assert_eq(st.gw_legs, legs, "%s: %u legs", what, st.gw_legs);
	cr_assert_eq(st.gw_devs, devs, "%s: %u external devices", what, st.gw_devs);
}

#define POL_SUBNETS "\"subnets\": [{\"vsid\": 5001, \"rdid\": 1, \"prefix\": \"10.0.0.0/24\"}]"
#define POL_LEG(mac)                                                                           \
	"\"gateways\": [{\"rdid\": 1, \"vsid\": 5001, \"ca\": \"10.0.0.100\", \"mac\": \"" mac \
	"\", \"dev\": \"ext0\"}]"
#define POL_NAT                                                                                  \
	"\"gateway_routes\": [{\"rdid\": 1, \"prefix\": \"203.0.113.0/24\", \"via\": "           \
	"\"198.51.100.254\"}, {\"rdid\": 1, \"prefix\": \"0.0.0.0/0\"}], \"nats\": [{\"rdid\": " \
	"1, \"external\": \"198.51.100.1\", \"ports\": \"2000-2999\"}]"
#define POL_MAP                                                                               \
	"{\"rdid\": 1, \"proto\": \"tcp\", \"external\": \"198.51.100.1:80\", \"internal\": " \
	"\"10.0.0.5:8080\"}"
#define POL_DOC(leg, maps, udp)                                                              \
	"{\"version\": 1, " POL_SUBNETS ", " leg ", " POL_NAT ", \"nat_maps\": [" maps "], " \
	"\"nat_timeouts\": {\"udp\": " udp "}}"

Test(roundtrip, policy_export_apply_with_the_gateway, .init = pol_setup, .fini = pol_teardown)
{
	static const char doc[] = POL_DOC(POL_LEG("02:00:00:00:00:64"), POL_MAP, "120");
	static const char moved[] = POL_DOC(POL_LEG("02:00:00:00:00:65"), POL_MAP, "120");
	/* A leg changed, the timeouts too, then a static mapping on no NAT's address: refused. */
	static const char refused[] = POL_DOC(
		POL_LEG("02:00:00:00:00:66"),
		POL_MAP ", {\"rdid\": 1, \"proto\": \"udp\", \"external\": \"198.51.100.9:53\", "
			"\"internal\": \"10.0.0.5:53\"}",
		"30");
	char *a, *b, *c;
	size_t n;
	__u32 ext;
	int on = -1;

	cr_assert_eq(nv_netdev_index("ext0", &ext), 0);
	cr_assert_eq(pol_apply(doc, false, &n), 0);
	cr_assert_eq(n, 7, "subnet, leg, 2 routes, NAT, mapping, timeouts: %zu changes", n);
	pol_status(1, 1, "applied");
	cr_assert_eq(nv_netdev_ipv4_forwarding(ext, &on), 0);
	cr_assert_eq(on, 1, "the leg's device forwards");
	a = pol_export();
	cr_assert(strstr(a, "\"dev\":\"ext0\",\"mode\":\"nat\""), "%s", a);
	cr_assert(strstr(a, "\"nat_timeouts\": {\"tcp_syn\":60,"), "%s", a);
	/* The export applied to the instance it came from: nothing. */
	cr_assert_eq(pol_apply(a, true, &n), 0);
	cr_assert_eq(n, 0, "%zu changes applying the instance's own export", n);

	/* Attached again (empty), the export applied: the same export, byte for byte. */
	cr_assert_eq(nv_dp_detach(pin), 0);
	cr_assert_eq(nv_netdev_ipv4_forwarding(ext, &on), 0);
	cr_assert_eq(on, 0, "dp detach turned the device's forwarding off again");
	pol_attach();
	pol_status(0, 0, "attached again");
	cr_assert_eq(pol_apply(a, false, &n), 0);
	pol_status(1, 1, "the export applied");
	b = pol_export();
	cr_assert_str_eq(a, b);

	/* A refused apply after a leg changed in place: all taken back. */
	cr_assert_neq(pol_apply(refused, false, &n), 0, "a mapping on no NAT's address applied");
	c = pol_export();
	cr_assert_str_eq(a, c, "a refused apply left changes");
	pol_status(1, 1, "after a refused apply");
	free(c);

	/* The leg's MAC changed in place: its NAT, routes and mapping come back with it. */
	cr_assert_eq(pol_apply(moved, false, &n), 0);
	cr_assert_eq(n, 9, "~leg, - and + of the NAT, 2 routes, mapping: %zu changes", n);
	c = pol_export();
	cr_assert(strstr(c, "\"mac\":\"02:00:00:00:00:65\",\"dev\":\"ext0\""), "%s", c);
	cr_assert(strstr(c, "{\"rdid\":1,\"external\":\"198.51.100.1\",\"ports\":\"2000-2999\"}"),
		  "%s", c);
	cr_assert(strstr(c, "\"internal\":\"10.0.0.5:8080\""), "%s", c);
	pol_status(1, 1, "leg changed");
	free(c);

	/* Everything pruned: the leg's device detached, its forwarding off again. */
	cr_assert_eq(pol_apply("{\"version\": 1}", true, &n), 0);
	pol_status(0, 0, "pruned");
	cr_assert_eq(nv_netdev_ipv4_forwarding(ext, &on), 0);
	cr_assert_eq(on, 0, "the last leg turned the device's forwarding off again");
	c = pol_export();
	cr_assert(!strstr(c, "nat_timeouts"), "the timeouts are the defaults again: %s", c);
	free(c);
	free(a);
	free(b);
}
