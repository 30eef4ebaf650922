/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * "Host" fixture for the datapath unit tests: the real BPF objects loaded unpinned, veth devices
 * for the underlay and the ports, and policy written only through the maps library. Call
 * fixture_netns() first in each test process: every device then lives in a network namespace
 * that dies with the process, so nothing is left behind, even after a crash.
 *
 * Topology (the same lookup table on every host, as HNV pushes it):
 *   tenant A: RDID 1, subnets VSID 5001 10.0.0.0/24 and VSID 5002 10.0.1.0/24
 *   tenant B: RDID 2, subnets VSID 6001 10.0.0.0/24 and VSID 6002 10.0.1.0/24 (B reuses A's
 *             prefixes, CAs and MACs); every gateway is .254, its MAC the default of its VSID
 *   host 1, PA 192.0.2.1: ports A1 (10.0.0.1, 02:..:01), A3 (10.0.0.3, 02:..:03),
 *                         B1 (10.0.0.1, 02:..:01), A5 (VSID 5002, 10.0.1.5, 02:..:01:05)
 *   host 2, PAs 192.0.2.2 (tenant A) and 192.0.2.3 (tenant B), config PA 192.0.2.2:
 *                         ports A2 (10.0.0.2, 02:..:02), B2 (10.0.0.2, 02:..:02),
 *                         A6 (VSID 5002, 10.0.1.6, 02:..:01:06)
 * The underlay is one veth pair, h1ul <-> h2ul, MTU FIXTURE_UNDERLAY_MTU.
 *
 * Every port is bound: the record of its (VSID, CA) is at a local PA, so the maps library gives
 * the port that PA (the outer source of what it sends: 192.0.2.1 on host 1, 192.0.2.2 for A2 and
 * 192.0.2.3 for B2 on host 2) and the record the port's ifindex and delivery flags. The config PA
 * is only the PA the receive path checks first; the library wants it to be a local PA.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>

#include "nv_objects.h"
#include "lib/pkt.h"

#define VSID_A	     5001
#define RDID_A	     1
#define VSID_B	     6001
#define RDID_B	     2
#define VSID_UNKNOWN 7001 /* valid, no subnet */
#define VSID_A2	     5002 /* tenant A's second subnet */
#define VSID_B2	     6002 /* tenant B's second subnet */

#define GW_A  PKT_IP4(10, 0, 0, 254) /* gateway CA of VSID_A and VSID_B */
#define GW_A2 PKT_IP4(10, 0, 1, 254) /* gateway CA of VSID_A2 and VSID_B2 */
#define CA_5  PKT_IP4(10, 0, 1, 5)   /* A5 on host 1 */
#define CA_6  PKT_IP4(10, 0, 1, 6)   /* A6 on host 2 */

#define PA_1	   PKT_IP4(192, 0, 2, 1)
#define PA_2A	   PKT_IP4(192, 0, 2, 2)
#define PA_2B	   PKT_IP4(192, 0, 2, 3)
#define PA_FOREIGN PKT_IP4(192, 0, 2, 99) /* not a PA of any host here */
#define PA_1B	   PKT_IP4(192, 0, 2, 4)  /* a second PA some tests give host 1 */

#define CA_1	   PKT_IP4(10, 0, 0, 1)
#define CA_2	   PKT_IP4(10, 0, 0, 2)
#define CA_3	   PKT_IP4(10, 0, 0, 3)
#define CA_UNKNOWN PKT_IP4(10, 0, 0, 9)
#define CA_4	   PKT_IP4(10, 0, 0, 4) /* no record and no port unless a test adds them */

/* MACs of the CAs, the same in both tenants (unformatted: braces in a macro become a block). */
/* clang-format off */
#define MAC_1_INIT       { 0x02, 0, 0, 0, 0, 0x01 }
#define MAC_2_INIT       { 0x02, 0, 0, 0, 0, 0x02 }
#define MAC_3_INIT       { 0x02, 0, 0, 0, 0, 0x03 }
#define MAC_4_INIT       { 0x02, 0, 0, 0, 0, 0x04 }
#define MAC_5_INIT       { 0x02, 0, 0, 0, 0x01, 0x05 }
#define MAC_6_INIT       { 0x02, 0, 0, 0, 0x01, 0x06 }
#define MAC_UNKNOWN_INIT { 0x02, 0, 0, 0, 0, 0x09 }
#define MAC_BCAST_INIT   { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
#define MAC_GW_INIT(vsid) { 0x02, 0x4e, 0x56, 0, ((vsid) >> 8) & 0xff, (vsid) & 0xff }
/* clang-format on */
extern const __u8 MAC_1[6], MAC_2[6], MAC_3[6], MAC_4[6], MAC_5[6], MAC_6[6], MAC_UNKNOWN[6],
	MAC_BCAST[6];
/* Gateway MACs: nv_subnet_default_gw_mac of each VSID. */
extern const __u8 MAC_GW_A[6], MAC_GW_A2[6], MAC_GW_B[6], MAC_GW_B2[6];

/*
 * 1514-byte frames (a VM MTU of 1500) plus 42 bytes of NVGRE need an underlay MTU of at least
 * 1542: overlay underlays carry larger frames, as datacenters do for VXLAN/NVGRE.
 */
#define FIXTURE_UNDERLAY_MTU 1600

enum host_id {
	HOST_1,
	HOST_2,
};

enum {
	H1_A1,
	H1_A3,
	H1_B1,
	H1_A5,
	H1_NPORTS,
};

enum {
	H2_A2,
	H2_B2,
	H2_A6,
	H2_NPORTS,
};

#define HOST_MAX_PORTS 4

struct host_port {
	char name[16], vm_name[16];
	__u32 ifindex;	    /* host side: the port */
	__u32 vm_ifindex;   /* the VM's end: a device that is not a port */
	struct nv_port cfg; /* as bound */
};

struct host {
	enum host_id id;
	bool loaded;
	struct nv_objects o;
	int from_vm, from_wire, wire_tc, from_ext; /* program fds */
	char ul_name[16];
	__u32 underlay; /* ifindex of this host's underlay device */
	__be32 pa;	/* config PA */
	int nports;
	struct host_port port[HOST_MAX_PORTS];
};

/* Own network namespace for this process, lo up, libbpf quiet. 0 or -errno. */
int fixture_netns(void);
/* Devices, objects and policy of one host. 0 or -errno; on error h holds nothing. */
int host_setup(struct host *h, enum host_id id);
/*
 * The same with nv_records sized max_records (host_setup: 1024). A second instance of a host in
 * the same namespace shares the first one's devices and has its own objects and maps.
 */
int host_setup_records(struct host *h, enum host_id id, __u32 max_records);
/* The same with room for max_conns connections in nv_ct (0: the loader's default). */
int host_setup_conns(struct host *h, enum host_id id, __u32 max_conns);
void host_teardown(struct host *h);

/* Rebind a port with another delivery mode and flags (nv_port_del + nv_port_add). */
int host_port_rebind(struct host *h, int port, __u8 deliver, __u8 flags);
/* Change the config through nv_config_set: TTL (0: default), underlay ifindex, PA. */
int host_config(struct host *h, __u32 underlay, __u8 ttl, __be32 pa);
/* nv_local_pa_add / nv_local_pa_del of an IPv4 PA on this host's underlay. */
int host_local_pa_add(struct host *h, __be32 pa);
int host_local_pa_del(struct host *h, __be32 pa);
/* nv_record_add of (vsid, ca) -> (pa, mac), rule encap, IPv4 CA and PA. */
int host_record_add(struct host *h, __u32 vsid, __be32 ca, __be32 pa, const __u8 mac[6]);
/* The record of (vsid, ca) deleted and added again at pa (an IPv4 PA), MAC kept. */
int host_record_move(struct host *h, __u32 vsid, __be32 ca, __be32 pa);
/* ip -batch - with these commands (printf format); iproute2's messages go to stderr. 0 or -EIO. */
int fixture_ip_batch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* This second's ICMP errors spent on every CPU (nv_icmp_state of icmp_state_fd). 0 or -errno. */
int fixture_icmp_budget_spend(int icmp_state_fd);
/* Port ifindex's ICMP token bucket (nv_pmtu_buckets): credit_ns at its last error, age_ns ago. */
int fixture_pmtu_bucket_set(int buckets_fd, __u32 ifindex, __u64 age_ns, __u64 credit_ns);
/* ip link set DEV mtu MTU */
int fixture_set_mtu(const char *ifname, unsigned int mtu);

/* One BPF_PROG_TEST_RUN (repeat 1: encap and decap change the packet, DESIGN section 7). */
struct run {
	int err; /* bpf_prog_test_run_opts: 0 or -errno */
	__u32 retval;
	__u8 out[PKT_MAX]; /* data_out: XDP output starts at data_meta */
	__u32 out_len;
	__u32 meta_len;	      /* XDP: ctx_out.data - ctx_out.data_meta */
	struct __sk_buff skb; /* TC ctx_out */
	struct xdp_md xdp;    /* XDP ctx_out */
};

/* TC: ctx .ifindex is the device the frame arrives on (skb->dev); gso_size 0 for none. */
int run_tc(int prog_fd, __u32 ifindex, const void *frame, size_t len, __u32 gso_size,
	   struct run *r);
/* XDP: ctx .ingress_ifindex = ifindex, no metadata in. */
int run_xdp(int prog_fd, __u32 ifindex, const void *frame, size_t len, struct run *r);

/* Drop counters (all reasons) and the per-VSID stats of both tenants. */
struct counters {
	struct nv_drop_stats drop[NV_DROP__MAX];
	struct nv_vsid_stats a, b;
};
int counters_read(const struct host *h, struct counters *c);

/* What one run must have changed: at most one drop, and the stats of each tenant. */
struct counters_expect {
	enum nv_drop_reason drop; /* NV_DROP_NONE: no drop counter moves */
	__u64 drop_bytes;
	struct nv_vsid_stats a, b; /* deltas */
};
/* 0 if after - before is exactly e; else -1 with what differs. */
int counters_check(const struct counters *before, const struct counters *after,
		   const struct counters_expect *e, char *err, size_t errlen);

/*
 * Live traffic, for what a test run cannot show (where a redirect goes, the XDP -> TC metadata
 * hand-over): programs attached for real, frames captured on the VMs' ends.
 */
/* Attach prog_fd at the TC ingress of ifindex (clsact created; it dies with the netns). */
int host_attach_tc(__u32 ifindex, int prog_fd);
/* Attach prog_fd as the native (driver mode) XDP program of ifindex; it dies with the netns. */
int host_attach_xdp(__u32 ifindex, int prog_fd);
/*
 * A mount namespace of this process's own with a sysfs at /sys that shows this network
 * namespace's devices, then echo value > /sys/class/net/<ifname>/<attr>. Both die with the
 * process.
 */
int fixture_netdev_sysfs_set(const char *ifname, const char *attr, const char *value);
/* ethtool -K DEV gro on: a veth accepts XDP redirects only with GRO or an XDP program. */
int fixture_gro_on(const char *ifname);
/*
 * Make the underlay route: this host's PA on its underlay device and a permanent neighbour
 * entry for next_pa at the other end of the veth. Returns both MACs.
 */
int host_underlay_neigh(const struct host *h, __be32 next_pa, __u8 local_mac[6], __u8 peer_mac[6]);
/* A packet socket on ifindex; frames sent from it enter the device's peer. fd or -errno. */
int cap_open(__u32 ifindex);
/* The next IPv4 or ARP frame received on the socket within timeout_ms: length, or -1. */
int cap_recv(int fd, void *buf, size_t len, int timeout_ms);
int cap_send(int fd, const void *frame, size_t len);

/* CLOCK_MONOTONIC in seconds, for what tests and benchmarks time. */
double now_s(void);

/* Name of a TC or XDP verdict for messages. */
const char *tc_verdict_name(__u32 v);
const char *xdp_verdict_name(__u32 v);

#endif /* FIXTURE_H */
