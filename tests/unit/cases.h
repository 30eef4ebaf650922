/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The case tables of the datapath suites, exported so that test_drop_coverage.c can check that
 * every drop reason has at least one case. Fields left zero take the defaults named in the
 * comments, so a row only says what makes the case special.
 */
#ifndef UNIT_CASES_H
#define UNIT_CASES_H

#include <stddef.h>

#include "lib/fixture.h"

/* ---- nv_from_vm (TC on a port of host 1) ---- */

enum vm_kind {
	VF_IPV4, /* IPv4 + UDP/TCP/ICMP */
	VF_ARP,	 /* ARP for IPv4 over Ethernet */
	VF_ETH,	 /* any ethertype, patterned payload */
};

enum vm_out {
	VO_NONE,      /* a drop: the output is not looked at */
	VO_ENCAP,     /* NVGRE of the input, checked field by field */
	VO_SAME,      /* the input, byte for byte (same-host delivery) */
	VO_ARP_REPLY, /* the ARP reply, checked field by field */
	VO_ICMP_TE,   /* ICMP time exceeded back to the VM, checked field by field */
	VO_ICMP_FN,   /* ICMP fragmentation needed back to the VM, checked field by field */
};

struct vm_case {
	const char *name;
	int port;	    /* H1_*: ingress port */
	bool from_vm_end;   /* ingress is the VM's end of that port: not a port */
	bool from_underlay; /* ingress is the underlay: not a port */
	enum vm_kind kind;
	__u8 smac[6]; /* zero: the port's MAC (ARP: also sha) */
	__u8 dmac[6]; /* zero: MAC_2 (ARP: broadcast) */
	__be32 saddr; /* zero: the port's CA (ARP: spa) */
	__be32 daddr; /* zero: CA_2 (ARP: tpa) */
	__u8 proto;   /* zero: UDP */
	__u8 tos;
	__u8 ttl_in; /* zero: 64 */
	__u8 opt_words;
	__u16 ethertype; /* VF_ETH */
	__u16 oper;	 /* VF_ARP, zero: request */
	size_t len;	 /* zero: 100 (ARP: 42) */
	void (*mutate)(struct pkt *p);
	void (*tweak)(struct host *h); /* map or device state before the run */
	__u32 gso_size;
	/* expected */
	int verdict; /* TC_ACT_* */
	enum nv_drop_reason drop;
	enum vm_out out;
	__be32 src_pa;	     /* VO_ENCAP: outer source, the sending port's PA; zero: PA_1 */
	__be32 pa;	     /* VO_ENCAP: outer destination */
	__u32 vsid;	     /* VO_ENCAP: VSID in the key */
	__u8 ttl;	     /* VO_ENCAP: zero: 64 */
	const __u8 *arp_mac; /* VO_ARP_REPLY: the MAC the reply announces; VO_ICMP_*: from */
	__be32 icmp_src;     /* VO_ICMP_*: the CA it comes from */
	__u16 icmp_mtu;	     /* VO_ICMP_FN: the next-hop MTU it names */
	/* routed VO_ENCAP / VO_SAME: the input with these MACs, TTL one less (NULL: as is) */
	const __u8 *routed_smac, *routed_dmac;
	__u32 tx_vsid, rx_vsid; /* stats moved by one packet of len bytes; zero: none */
};

/*
 * A row's expected outcome, one macro per kind (as W_* for wire_cases), after the fields that
 * make the case special: encapsulated to pa with vsid in the key (tx counted to that tenant),
 * delivered as is to a port of this host, answered with an ARP reply announcing mac, or dropped,
 * counted by reason. TC verdicts are <linux/pkt_cls.h>'s.
 */
#define ENCAP_TO(pa_, vsid_)                                                       \
	.verdict = TC_ACT_REDIRECT, .out = VO_ENCAP, .pa = (pa_), .vsid = (vsid_), \
	.tx_vsid = (vsid_)
#define DELIVERED(vsid_) \
	.verdict = TC_ACT_REDIRECT, .out = VO_SAME, .tx_vsid = (vsid_), .rx_vsid = (vsid_)
#define ARP_REPLY(mac_) .verdict = TC_ACT_REDIRECT, .out = VO_ARP_REPLY, .arp_mac = (mac_)
/*
 * Routed by the distributed router: as ENCAP_TO / DELIVERED (tx_, rx_: the tenants counted), the
 * inner frame from the destination subnet's gateway MAC smac_ to the record's MAC dmac_, its TTL
 * one less.
 */
#define ROUTED_TO(pa_, vsid_, tx_, smac_, dmac_)                                   \
	.verdict = TC_ACT_REDIRECT, .out = VO_ENCAP, .pa = (pa_), .vsid = (vsid_), \
	.tx_vsid = (tx_), .routed_smac = (smac_), .routed_dmac = (dmac_)
#define ROUTED_HERE(tx_, rx_, smac_, dmac_)                                             \
	.verdict = TC_ACT_REDIRECT, .out = VO_SAME, .tx_vsid = (tx_), .rx_vsid = (rx_), \
	.routed_smac = (smac_), .routed_dmac = (dmac_)
/* TTL expired: ICMP time exceeded from gateway gw_ (MAC mac_) back to the VM, counted. */
#define TIME_EXCEEDED(gw_, mac_)                                                             \
	.verdict = TC_ACT_REDIRECT, .out = VO_ICMP_TE, .icmp_src = (gw_), .arp_mac = (mac_), \
	.drop = NV_DROP_TTL_EXPIRED
/* Too big for the underlay: ICMP frag needed naming mtu_, from src_ (MAC mac_), counted as MTU. */
#define FRAG_NEEDED(src_, mac_, mtu_)                                                         \
	.verdict = TC_ACT_REDIRECT, .out = VO_ICMP_FN, .icmp_src = (src_), .arp_mac = (mac_), \
	.icmp_mtu = (mtu_), .drop = NV_DROP_MTU
#define VM_DROP(name) .verdict = TC_ACT_SHOT, .drop = NV_DROP_##name

extern const struct vm_case vm_cases[];
extern const size_t vm_cases_n;

/* ---- nv_from_wire (XDP) and nv_wire_tc (TC) on the underlay of host 1 ---- */

enum wire_kind {
	WO_PASS,    /* not ours: passed untouched, nothing counted */
	WO_DROP,    /* dropped, counted by reason */
	WO_DELIVER, /* to the case's port: redirect, or the XDP -> TC metadata for a TC port */
	WO_REFUSED, /* BPF_PROG_TEST_RUN itself refuses the frame (see tc_refused_short_ip) */
};

struct wire_outcome {
	enum wire_kind kind;
	enum nv_drop_reason reason;
};

#define W_PASS                  \
	{                       \
		.kind = WO_PASS \
	}
#define W_DELIVER                  \
	{                          \
		.kind = WO_DELIVER \
	}
#define W_DROP(name)                                      \
	{                                                 \
		.kind = WO_DROP, .reason = NV_DROP_##name \
	}
#define W_REFUSED                  \
	{                          \
		.kind = WO_REFUSED \
	}

struct wire_case {
	const char *name;
	/* the wire frame: an NVGRE frame from host 2 unless changed */
	__u32 vsid;		     /* zero: VSID_A */
	__be32 out_src, out_dst;     /* zero: PA_2A, PA_1 */
	__be32 in_src, in_dst;	     /* zero: CA_2, CA_1 */
	__u8 in_smac[6], in_dmac[6]; /* zero: MAC_2, MAC_1 */
	__u8 proto;		     /* inner, zero: UDP */
	size_t len;		     /* inner frame, zero: 100 */
	void (*outer)(struct pkt_nvgre_spec *o);
	void (*inner)(struct pkt *in);
	void (*wire)(struct pkt *w); /* the whole frame, last */
	void (*tweak)(struct host *h);
	int port;	 /* H1_*: the port a delivery goes to */
	__u8 deliver;	 /* the delivery mode that port is given for the case */
	__u8 port_flags; /* and its flags (NV_PORT_F_*) */
	__u32 gso_size;	 /* TC only */
	/* expected: a drop counts the frame as received; a delivery, the inner frame */
	struct wire_outcome xdp, tc;
};

/* Both programs run every row of wire_cases; wiretc_cases are for nv_wire_tc alone. */
extern const struct wire_case wire_cases[];
extern const size_t wire_cases_n;
extern const struct wire_case wiretc_cases[];
extern const size_t wiretc_cases_n;

/* Builds a case's wire frame and the inner frame it carries. */
void wire_case_build(const struct wire_case *c, struct pkt *wire, struct pkt *inner);

/* ---- the gateway (test_gateway.c): host 2 with an external device, legs in A and B ---- */

enum gw_hook {
	GW_OUT, /* a tenant's NVGRE frame from host 1 into nv_wire_tc on host 2's underlay */
	GW_XDP, /* the same frame into nv_from_wire */
	GW_IN,	/* a frame from the physical network into nv_from_ext on the external device */
};

enum gw_out {
	GO_NONE,     /* a drop: the output is not looked at */
	GO_SAME,     /* passed on untouched: the input, byte for byte (XDP: no metadata) */
	GO_SNAT,     /* out of the external device: source translated, next hop's MAC, TTL - 1 */
	GO_TO_VM,    /* NVGRE to the VM: destination translated, subnet's gateway MAC, TTL - 1 */
	GO_ICMP_VM,  /* an ICMP error from the leg's CA back to the VM, in NVGRE */
	GO_ICMP_EXT, /* an ICMP error from the address the packet was for, back out of the device */
	GO_ECHO_REPLY, /* an echo reply from the external address, back out of the device */
	GO_ARP_REPLY,  /* an ARP reply announcing the device's MAC, back out of it */
	GO_WANT,       /* exactly .want (a plain frame out of the device) */
	GO_WANT_VM,    /* .want in NVGRE to the VM (PA_1, .x_vsid) */
};

struct gw_case {
	const char *name;
	enum gw_hook hook;
	__u32 max_conns;		 /* what nv_ct holds; zero: the loader's default */
	void (*prepare)(struct host *h); /* policy, devices and earlier packets, before the run */
	/* the IPv4 packet: the tenant's inner one (GW_OUT, GW_XDP) or the frame (GW_IN) */
	__u32 vsid;	 /* GW_OUT: the GRE key, zero: VSID_A; inner source MAC: its gateway MAC */
	__be32 src, dst; /* zero: CA_1 -> the server (out), the server -> A's address (in) */
	__u8 proto;	 /* zero: UDP */
	__u16 sport, dport; /* zero: 40000 -> 53 (out), 53 -> 40000 (in); ICMP echo: id, seq */
	__u8 tcp_flags;	    /* zero: PSH | ACK */
	__u8 ttl;	    /* zero: 64 */
	__u8 tos;
	__u16 frag;	/* IPv4 flags and fragment offset */
	__u8 opt_words; /* IPv4 options, in 32-bit words */
	bool echo_reply, udp_no_csum;
	size_t len;		       /* zero: 100 */
	__u8 dmac[6];		       /* zero: the leg's MAC (out), the device's (in) */
	bool on_underlay;	       /* GW_IN: run on the underlay, which is no external device */
	void (*mutate)(struct pkt *p); /* the IPv4 frame once built */
	void (*build)(struct pkt *p);  /* instead of the fields above: builds the IPv4 frame */
	const struct pkt *frame;       /* instead of the fields above (scenario steps) */
	/* expected */
	int verdict; /* TC_ACT_* (XDP_* for GW_XDP) */
	enum nv_drop_reason drop;
	bool drop_wire; /* GW_OUT: counted at classification, with the NVGRE frame's length */
	enum gw_out out;
	/*
	 * GO_SNAT: the new source, zero: the tenant's NAT address (x_addr = src: unchanged).
	 * GO_TO_VM: the new destination, zero: CA_1.
	 */
	__be32 x_addr;
	__u16 x_port;	 /* the translated port (ICMP: identifier); zero: kept */
	bool x_port_any; /* any port of x_port_lo..x_port_hi (zero: 1024..65535) but the own */
	__u16 x_port_lo, x_port_hi;
	__u32 x_vsid; /* GO_TO_VM, GO_WANT_VM: the VM's VSID, zero: VSID_A */
	const __u8
		*x_mac; /* GO_SNAT: next hop's MAC, zero: the server's. GO_TO_VM: the VM's, MAC_1 */
	bool x_mac_kept; /* GO_SNAT by bpf_redirect_neigh: MACs are left for it to write */
	__u8 icmp_type, icmp_code;
	__u16 icmp_mtu; /* GO_ICMP_*: the next-hop MTU of a fragmentation needed */
	const struct pkt *want;
};

extern const struct gw_case gw_cases[];
extern const size_t gw_cases_n;

#endif /* UNIT_CASES_H */
