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
	const __u8 *arp_mac; /* VO_ARP_REPLY: the MAC the reply announces; VO_ICMP_TE: from */
	__be32 icmp_src;     /* VO_ICMP_TE: the gateway CA it comes from */
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

#endif /* UNIT_CASES_H */
