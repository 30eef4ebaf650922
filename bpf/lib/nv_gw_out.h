/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The gateway's way out (DESIGN section 8), in nv_wire_tc once a tenant's frame for the outside is
 * decapsulated, and in nv_from_vm for a VM on the gateway host once routed: TTL, the RDID's gateway
 * route, the FIB (which must lead out of the leg's external device and says whether the packet fits
 * it), SNAT by the connection table in NAT mode, then out with the next hop's MAC. What does not
 * fit gets ICMP fragmentation needed, back to the VM.
 */
#ifndef NV_GW_OUT_H
#define NV_GW_OUT_H

#include "nv_common.h"
#include "nv_ct.h"
#include "nv_gw.h"
#include "nv_nat.h"
#include "nv_wire.h"

/*
 * What the gateway does not send on is a drop counted by reason; for a VM on this host (hook
 * FROM_VM, skb->ifindex its port), also against its port, as nv_from_vm counts its drops.
 */
static __always_inline void gw_out_count_port_drop(struct __sk_buff *skb,
						   const struct nv_wire_result *r)
{
	if (r->hook == NV_HOOK_FROM_VM)
		nv_count_port_drop(skb->ifindex, skb->len);
}

static __always_inline int gw_out_drop(struct __sk_buff *skb, const struct nv_wire_result *r,
				       enum nv_drop_reason reason)
{
	gw_out_count_port_drop(skb, r);
	return nv_drop_tc(skb, r->hook, reason, r->vsid);
}

/* An ICMP error for a VM: what it answers and the drop reasons of the packet it answers. */
struct nv_gw_icmp {
	struct nv_icmp_err err;
	__u32 ihl;		   /* the packet's IPv4 header length */
	__be32 vm_ca;		   /* its source */
	__u16 reason, rate_reason; /* enum nv_drop_reason: answered, rate-limited */
};

/*
 * Turns the VM's packet in skb (decapsulated) into the ICMP error q->err back to it, from the CA
 * of the RDID's gateway leg, at most NV_ICMP_RATE a second per CPU. The packet itself is a drop
 * counted as q->reason (q->rate_reason when not answered). 0 when skb is the error, for
 * gw_icmp_send; else the drop's verdict.
 */
static __noinline int gw_icmp_build(struct __sk_buff *skb, const struct nv_wire_result *r,
				    const struct nv_gw_icmp *q)
{
	__u32 rdid = r->rdid;
	const struct nv_gw_leg *leg = bpf_map_lookup_elem(&nv_gw_legs, &rdid);
	const struct nv_rdid_ca *ix;
	union nv_addr ca;

	nv_addr_set_v4(&ca, q->vm_ca);
	ix = nv_rdid_ca_get(rdid, &ca);
	if (!leg || !ix)
		return gw_out_drop(skb, r, q->reason);
	if (!nv_icmp_allowed())
		return gw_out_drop(skb, r, q->rate_reason);
	nv_count_drop(q->reason, skb->len);
	gw_out_count_port_drop(skb, r);
	if (nv_icmp_error(skb, q->ihl, &q->err, ix->rec.mac, q->vm_ca, ix->rec.gw_mac,
			  leg->ca.w[3]))
		return TC_ACT_SHOT;
	return 0;
}

/* The error gw_icmp_build made, to the VM (its record looked up again: a rare path). */
static __always_inline int gw_icmp_to_vm(struct __sk_buff *skb, const struct nv_wire_result *r,
					 const struct nv_gw_icmp *q)
{
	const struct nv_rdid_ca *ix;
	union nv_addr ca;
	int ret = gw_icmp_build(skb, r, q);

	if (ret)
		return ret;
	nv_addr_set_v4(&ca, q->vm_ca);
	ix = nv_rdid_ca_get(r->rdid, &ca);
	if (!ix)
		return TC_ACT_SHOT;
	return nv_gw_to_vm(skb, ix, r->hook);
}

/*
 * A new outbound connection of p (TCP: a SYN; ICMP: an echo request): an external port of the
 * NAT's range, the tenant's own when it is free, else random ones, at most NV_NAT_PORT_TRIES.
 */
static __always_inline enum nv_drop_reason
gw_snat_open(const struct nv_ct_pkt *p, const struct nv_nat *nat, __u32 len, __be16 *xport)
{
	__u32 lo = nat->port_lo, hi = nat->port_hi, range, port;
	struct nv_ct_entry *e;
	int err = -EEXIST;

	if (p->key.proto == IPPROTO_TCP &&
	    (p->tcp_flags & (NV_TCP_SYN | NV_TCP_ACK | NV_TCP_RST | NV_TCP_FIN)) != NV_TCP_SYN)
		return NV_DROP_NAT_NOT_SYN;
	if (p->key.proto == NV_IPPROTO_ICMP && p->icmp_type != NV_ICMP_ECHO)
		return NV_DROP_NAT_UNSUPPORTED;
	if (!lo || hi < lo)
		return NV_DROP_NAT_PORTS;
	range = hi - lo + 1;
	port = bpf_ntohs(p->key.sport);
	if (port < lo || port > hi)
		port = lo + bpf_get_prandom_u32() % range;
	for (int i = 0; i < NV_NAT_PORT_TRIES; i++) {
		struct nv_ct_entry oe = {
			.addr = nat->ext, .port = bpf_htons(port), .rdid = p->key.rdid, .bytes = len
		};

		err = nv_ct_create(&p->key, &oe);
		if (err != -EEXIST)
			break;
		port = lo + bpf_get_prandom_u32() % range;
	}
	if (!err) {
		*xport = bpf_htons(port);
		return NV_DROP_NONE;
	}
	if (err == -EEXIST)
		return NV_DROP_NAT_PORTS;
	if (err == -EAGAIN) {
		/* Another CPU opened this very connection meanwhile: its port is ours. */
		e = bpf_map_lookup_elem(&nv_ct, &p->key);
		if (e) {
			*xport = e->port;
			return NV_DROP_NONE;
		}
	}
	return NV_DROP_CT_FULL;
}

/* An ICMP error a VM sends about a packet that came in through the NAT: translated back out. */
static __noinline enum nv_drop_reason gw_snat_icmp_error(struct __sk_buff *skb,
							 const struct nv_ct_pkt *p, __u64 now)
{
	struct nv_nat_quote q;
	struct nv_ct_entry *e;
	struct nv_ct_key k;

	if (nv_nat_quote_parse(skb, p, &q))
		return NV_DROP_NAT_UNSUPPORTED;
	/* About a packet the VM received: to its own address. */
	if (!nv_addr_equal(&q.key.dst, &p->key.src))
		return NV_DROP_NAT_NO_CONN;
	nv_nat_quote_conn_key(&q, p->key.rdid, NV_CT_OUT, &k);
	e = nv_ct_lookup(&k, now);
	if (!e)
		return NV_DROP_NAT_NO_CONN;
	if (nv_nat_icmp_error(skb, p, &q, NV_NAT_SRC, e->addr.w[3], e->port))
		return NV_DROP_TRUNCATED;
	return NV_DROP_NONE;
}

/* SNAT of the packet p of rdid: by its connection, or a new one. */
static __noinline enum nv_drop_reason gw_snat(struct __sk_buff *skb, __u32 rdid,
					      const struct nv_nat *nat, struct nv_ct_pkt *p)
{
	__u64 now = bpf_ktime_get_ns();
	enum nv_drop_reason reason;
	struct nv_ct_entry *e;
	__be32 xaddr;
	__be16 xport;

	/* Checked again here: clang may test the leg's mode instead of nat at the call. */
	if (!nat)
		return NV_DROP_NAT_NONE;
	xaddr = nat->ext.w[3];

	p->key.rdid = rdid;
	p->key.dir = NV_CT_OUT;
	if (p->kind != NV_CT_KIND_FLOW)
		return NV_DROP_NAT_UNSUPPORTED;
	e = nv_ct_lookup(&p->key, now);
	if (e) {
		nv_ct_update(&p->key, e, p->tcp_flags, skb->len, now);
		xaddr = e->addr.w[3];
		xport = e->port;
	} else {
		reason = gw_snat_open(p, nat, skb->len, &xport);
		if (reason != NV_DROP_NONE)
			return reason;
	}
	if (nv_nat_rewrite(skb, p, NV_NAT_SRC, xaddr, xport))
		return NV_DROP_TRUNCATED;
	return NV_DROP_NONE;
}

/* Where a packet leaves: the FIB's answer, kept small (the lookup's own struct is 64 bytes). */
struct gw_next {
	__u8 dmac[NV_ETH_ALEN]; /* rc NV_GW_NEXT_MAC */
	__u8 smac[NV_ETH_ALEN];
	__be32 nexthop; /* rc NV_GW_NEXT_NEIGH: for bpf_redirect_neigh */
	__u32 mtu;	/* rc NV_GW_NEXT_TOO_BIG: the link's */
	__u32 rc;
};

enum {
	NV_GW_NEXT_MAC,	    /* the neighbour is known: its MAC and ours */
	NV_GW_NEXT_NEIGH,   /* not yet: bpf_redirect_neigh resolves it */
	NV_GW_NEXT_TOO_BIG, /* the packet does not fit the link */
};

/*
 * The next hop of the tenant's packet at ip out of the leg's device r->ifindex: the RDID's gateway
 * route (required in forward mode) names it, else the FIB does; src is the source the packet will
 * leave with. Out of that device only, the way the FIB goes; the FIB wants the device to forward
 * (net.ipv4.conf.DEV.forwarding, which gateway add sets).
 */
static __noinline enum nv_drop_reason gw_next_hop(struct __sk_buff *skb,
						  const struct nv_wire_result *r,
						  const struct iphdr *ip, __be32 src,
						  struct gw_next *out)
{
	struct nv_route_key rkey = { .prefixlen = 32 + 128, .rdid = r->rdid };
	struct bpf_fib_lookup fib = {};
	const struct nv_gw_route *route;
	__u32 mtu = 0;
	int rc;

	nv_addr_set_v4(&rkey.addr, ip->daddr);
	route = bpf_map_lookup_elem(&nv_gw_routes, &rkey);
	if (r->gw_mode == NV_GW_FORWARD && !route)
		return NV_DROP_GW_NO_ROUTE;
	fib.family = AF_INET;
	fib.l4_protocol = ip->protocol;
	fib.tos = ip->tos;
	fib.ifindex = r->ifindex;
	fib.ipv4_src = src;
	fib.ipv4_dst = route && route->via.w[3] ? route->via.w[3] : ip->daddr;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	/* The FIB refuses a device that does not forward (gateway add turns it on). */
	if (rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return NV_DROP_GW_FORWARDING;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		out->rc = NV_GW_NEXT_TOO_BIG;
		out->mtu = fib.mtu_result;
		return NV_DROP_NONE;
	}
	if ((rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) ||
	    fib.ifindex != r->ifindex)
		return NV_DROP_GW_NO_ROUTE;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* The FIB checks the MTU only once it has a neighbour. */
		if (bpf_check_mtu(skb, r->ifindex, &mtu, 0, 0) != BPF_MTU_CHK_RET_SUCCESS) {
			out->rc = NV_GW_NEXT_TOO_BIG;
			out->mtu = mtu;
			return NV_DROP_NONE;
		}
		out->rc = NV_GW_NEXT_NEIGH;
		out->nexthop = fib.ipv4_dst;
		return NV_DROP_NONE;
	}
	out->rc = NV_GW_NEXT_MAC;
	__builtin_memcpy(out->dmac, fib.dmac, NV_ETH_ALEN);
	__builtin_memcpy(out->smac, fib.smac, NV_ETH_ALEN);
	return NV_DROP_NONE;
}

/*
 * The decapsulated frame (Ethernet + the tenant's IPv4 packet) of r, whose RDID's leg sends it
 * out of r->ifindex. Returns the TC verdict.
 */
static __noinline int nv_gw_out(struct __sk_buff *skb, const struct nv_wire_result *r)
{
	struct bpf_redir_neigh nh = { .nh_family = AF_INET };
	const struct nv_nat *nat = NULL;
	struct nv_gw_icmp icmp = {};
	enum nv_drop_reason reason;
	void *data, *data_end;
	struct gw_next next;
	struct nv_ct_pkt p;
	struct iphdr *ip;
	__u32 rdid = r->rdid;
	int ret;

	nv_skb_pull(skb, NV_GW_HDRS_MAX);
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	ip = data + NV_ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return gw_out_drop(skb, r, NV_DROP_TRUNCATED);
	icmp.vm_ca = ip->saddr;
	icmp.ihl = nv_ipv4_hlen(ip);
	nv_ct_parse(ip, data_end, &p);
	if (ip->ttl <= 1) {
		icmp.err.type = NV_ICMP_TIME_EXCEEDED;
		icmp.err.code = NV_ICMP_EXC_TTL;
		icmp.reason = NV_DROP_TTL_EXPIRED;
		icmp.rate_reason = NV_DROP_ICMP_RATE;
		return gw_icmp_to_vm(skb, r, &icmp);
	}
	if (r->gw_mode == NV_GW_NAT) {
		nat = bpf_map_lookup_elem(&nv_nats, &rdid);
		if (!nat)
			return gw_out_drop(skb, r, NV_DROP_NAT_NONE);
	}
	reason = gw_next_hop(skb, r, ip, nat ? nat->ext.w[3] : ip->saddr, &next);
	if (reason != NV_DROP_NONE)
		return gw_out_drop(skb, r, reason);
	if (next.rc == NV_GW_NEXT_TOO_BIG) {
		/* The gateway fragments nothing, DF or not (README: Gateway). */
		icmp.err.type = NV_ICMP_DEST_UNREACH;
		icmp.err.code = NV_ICMP_FRAG_NEEDED;
		icmp.err.rest = bpf_htonl(next.mtu & 0xffff);
		icmp.reason = NV_DROP_FRAG_NEEDED;
		icmp.rate_reason = NV_DROP_FRAG_RATE;
		return gw_icmp_to_vm(skb, r, &icmp);
	}
	if (nat && p.kind == NV_CT_KIND_ICMP_ERR) {
		/* Not within gw_snat: a frame of its own beside the connection's insert. */
		p.key.rdid = rdid;
		reason = gw_snat_icmp_error(skb, &p, bpf_ktime_get_ns());
		if (reason != NV_DROP_NONE)
			return gw_out_drop(skb, r, reason);
	} else if (nat) {
		reason = gw_snat(skb, rdid, nat, &p);
		if (reason != NV_DROP_NONE)
			return gw_out_drop(skb, r, reason);
	}
	if (nv_ipv4_ttl_dec(skb))
		return gw_out_drop(skb, r, NV_DROP_TRUNCATED);
	/* Sent by the VM's port when it is on this host (nv_from_vm's tx counter). */
	if (r->hook == NV_HOOK_FROM_VM)
		nv_count_tx(skb->ifindex, skb->len);
	if (next.rc == NV_GW_NEXT_MAC) {
		if (bpf_skb_store_bytes(skb, 0, next.dmac, 2 * NV_ETH_ALEN, 0))
			return gw_out_drop(skb, r, NV_DROP_TRUNCATED);
		ret = bpf_redirect(r->ifindex, 0);
	} else {
		nh.ipv4_nh = next.nexthop;
		ret = bpf_redirect_neigh(r->ifindex, &nh, sizeof(nh), 0);
	}
	return nv_trace_tc(skb, r->hook, NV_VERDICT_REDIRECT, r->ifindex, r->vsid, ret);
}

#endif /* NV_GW_OUT_H */
