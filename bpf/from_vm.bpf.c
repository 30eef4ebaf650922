// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nv_from_vm: TC ingress of a port's host-side device, i.e. every frame a VM sends.
 * Anti-spoofing, ARP answered locally, destination resolved in the port's VSID (bridged) or, for
 * a frame to the subnet's gateway MAC, in its routing domain (the distributed router), then
 * delivered to a local port or NVGRE-encapsulated with the destination's VSID and sent out of the
 * underlay; routed to this host's gateway leg, out of its external device. Anything else is
 * dropped, counted by reason.
 */
#include "nv_common.h"
#include "nv_arp.h"
#include "nv_drop.h"
#include "nv_encap.h"
#include "nv_events.h"
#include "nv_gw_out.h"
#include "nv_icmp.h"
#include "nv_l3.h"
#include "nv_pmtu.h"
#include "nv_route.h"
#include "nv_skb.h"
#include "nv_stats.h"

/* Longest headers read here: Ethernet + IPv4 with options + L4 ports (ARP is shorter). */
#define FROM_VM_HDRS_MAX (NV_ETH_HLEN + NV_IPV4_HLEN_MAX + 4)

/* A frame the VM sent, dropped: counted by reason and against the port (when it is one). */
static __always_inline int vm_drop(struct __sk_buff *skb, enum nv_drop_reason reason,
				   const struct nv_port *port)
{
	if (port)
		nv_count_port_drop(skb->ifindex, skb->len);
	return nv_drop_tc(skb, NV_HOOK_FROM_VM, reason, port ? port->vsid : 0);
}

static __always_inline int vm_sent(struct __sk_buff *skb, const struct nv_port *port, __u32 target,
				   int ret)
{
	return nv_trace_tc(skb, NV_HOOK_FROM_VM, NV_VERDICT_REDIRECT, target, port->vsid, ret);
}

static __always_inline int answer_arp(struct __sk_buff *skb, const struct nv_port *port)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);
	enum nv_drop_reason reason;

	reason = nv_arp_reply(data, data_end, port);
	if (reason != NV_DROP_NONE)
		return vm_drop(skb, reason, port);
	/* Out of the port's own device: back to the VM that asked. */
	return vm_sent(skb, port, skb->ifindex, bpf_redirect(skb->ifindex, 0));
}

/* Where a VM's packet goes: resolve_dst() decides, delivery or encapsulation follows. */
struct nv_dst {
	const struct nv_record *rec; /* the destination's lookup record */
	__u32 vsid;		     /* its VSID: of the local port, or the GRE key's */
	const __u8 *gw_mac;	     /* routed: the destination subnet's gateway MAC, else NULL */
};

/*
 * A routed packet (to the gateway MAC of the port's subnet): DESIGN section 7's lookups
 * (nv_route.h) in the port's RDID, into a subnet of that RDID only. An exact record costs two
 * lookups (the RDID index gives its VSID and that VSID's gateway MAC); a route also reads the
 * subnet it leads into.
 */
static __always_inline enum nv_drop_reason route_dst(const struct nv_port *port,
						     const struct nv_l3 *l3, struct nv_dst *dst)
{
	const struct nv_subnet *to;
	struct nv_route_result r;
	enum nv_drop_reason reason;

	reason = nv_route_resolve(port->rdid, &l3->dst, &r);
	if (reason == NV_DROP_NONE && r.gw_mac) {
		/* An exact record: the index is per RDID, so the record is in this one. */
		dst->rec = r.rec;
		dst->vsid = r.vsid;
		dst->gw_mac = r.gw_mac;
		return NV_DROP_NONE;
	}
	/* A route: on-link without a record is still the subnet's business (its gateway CA). */
	if (reason != NV_DROP_NONE && reason != NV_DROP_ROUTE_NO_RECORD)
		return reason;
	to = bpf_map_lookup_elem(&nv_subnets, &r.vsid);
	if (!to)
		return NV_DROP_NO_ROUTE;
	/* The library keeps routes in their RDID: checked here all the same. */
	if (to->rdid != port->rdid)
		return NV_DROP_RDID;
	/*
	 * A gateway CA has no record (the library refuses one), so it is routed on-link into its
	 * subnet: the router answers ARP for it, nothing else (as HNV).
	 */
	if (nv_addr_equal(&l3->dst, &to->gw_ca))
		return NV_DROP_GATEWAY_CA;
	if (reason != NV_DROP_NONE)
		return reason;
	dst->rec = r.rec;
	dst->vsid = r.vsid;
	dst->gw_mac = to->gw_mac;
	return NV_DROP_NONE;
}

/*
 * The destination of a packet l3 from port, in a frame addressed to eth->h_dest: for a frame to
 * the subnet's gateway MAC (the port keeps a copy), the router's choice (route_dst); else the
 * exact record (port's VSID, l3->dst), which must have that MAC (bridged: one lookup). A
 * destination that is no host's (nv_l3_dst_unicast) has neither.
 * NV_DROP_NONE with dst filled, else the reason.
 */
static __always_inline enum nv_drop_reason resolve_dst(const struct nv_port *port,
						       const struct ethhdr *eth,
						       const struct nv_l3 *l3, struct nv_dst *dst,
						       const enum nv_family family)
{
	struct nv_record_key key = { .vsid = port->vsid, .ca = l3->dst };
	bool routed = nv_mac_equal(eth->h_dest, port->gw_mac);

	if (!nv_l3_dst_unicast(family, &l3->dst))
		return routed ? NV_DROP_NO_ROUTE : NV_DROP_NO_RECORD;
	if (routed)
		return route_dst(port, l3, dst);
	dst->rec = bpf_map_lookup_elem(&nv_records, &key);
	if (!dst->rec)
		return NV_DROP_NO_RECORD;
	if (!nv_mac_equal(eth->h_dest, dst->rec->mac))
		return NV_DROP_DST_MAC;
	dst->vsid = port->vsid;
	dst->gw_mac = NULL;
	return NV_DROP_NONE;
}

/*
 * TTL 1 or 0 on a routed packet: answered with ICMP time exceeded from the gateway (at most
 * NV_ICMP_RATE a second per CPU), counted as TTL_EXPIRED, or ICMP_RATE when not answered.
 */
static __always_inline int ttl_expired(struct __sk_buff *skb, const struct nv_port *port,
				       __u32 ihl_len)
{
	const struct nv_subnet *gw = bpf_map_lookup_elem(&nv_subnets, &port->vsid);
	__u32 len = skb->len;

	if (!gw)
		return vm_drop(skb, NV_DROP_NO_ROUTE, port);
	if (!nv_icmp_allowed())
		return vm_drop(skb, NV_DROP_ICMP_RATE, port);
	if (nv_icmp_time_exceeded(skb, ihl_len, port->mac, port->ca.w[3], port->gw_mac,
				  gw->gw_ca.w[3]))
		return vm_drop(skb, NV_DROP_TTL_EXPIRED, port);
	/* The expired packet is a drop of the port's, whose answer goes back to it. */
	nv_count_drop(NV_DROP_TTL_EXPIRED, len);
	nv_count_port_drop(skb->ifindex, len);
	return vm_sent(skb, port, skb->ifindex, bpf_redirect(skb->ifindex, 0));
}

/*
 * What the router does to a routed frame (RFC 1812 5.3.1): source MAC the destination subnet's
 * gateway, destination MAC the record's, TTL one less with the header checksum updated
 * incrementally (RFC 1141). Returns false when the headers are out of reach.
 */
static __always_inline bool route_rewrite(struct __sk_buff *skb, const struct nv_dst *dst)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 check;

	if ((void *)(ip + 1) > data_end)
		return false;
	nv_mac_copy(eth->h_source, dst->gw_mac);
	nv_mac_copy(eth->h_dest, dst->rec->mac);
	ip->ttl--;
	check = ip->check + bpf_htons(0x0100);
	ip->check = check + (check >> 16);
	return true;
}

/* Same host: straight to the destination port, no encapsulation. */
static __always_inline int deliver_local(struct __sk_buff *skb, const struct nv_port *src,
					 const struct nv_dst *dst)
{
	__u32 ifindex = dst->rec->ifindex, len = skb->len;
	struct nv_port *to = bpf_map_lookup_elem(&nv_ports, &ifindex);

	if (!to || to->vsid != dst->vsid)
		return vm_drop(skb, NV_DROP_NOT_LOCAL, src);
	if (to->rdid != src->rdid)
		return vm_drop(skb, NV_DROP_RDID, src);
	nv_count_tx(skb->ifindex, len);
	nv_count_rx(ifindex, len);
	return vm_sent(skb, src, ifindex, bpf_redirect(ifindex, 0));
}

/*
 * What a packet to another host must pass before it is touched: the port bound (the outer
 * source is where the table says this CA is: receivers check exactly that), an IPv4 underlay to
 * the record's PA, and room in the underlay's MTU once encapsulated. NV_DROP_MTU with *mtu the
 * underlay's for a packet that does not fit (each of its segments, for a GSO packet).
 */
static __always_inline enum nv_drop_reason remote_check(struct __sk_buff *skb,
							const struct nv_port *src,
							const struct nv_record *rec,
							const struct nv_l3 *l3, __u32 *mtu)
{
	struct nv_config *cfg = nv_config_get();
	__u32 outer = nv_pmtu_l3_len(skb, l3) + NV_ENCAP_LEN;

	if (!nv_addr_is_v4(&src->pa))
		return NV_DROP_PORT_UNBOUND;
	if (!cfg || !cfg->underlay_ifindex || !nv_addr_is_v4(&rec->pa))
		return NV_DROP_NO_UNDERLAY;
	/*
	 * bpf_check_mtu costs about 50 ns, so only packets that can exceed the MTU meet it: the
	 * loader refuses underlays under NV_UNDERLAY_MTU_MIN. It only reads the MTU here: with a
	 * length of its own it passes any GSO packet, whose segments are compared below.
	 */
	if (outer <= NV_UNDERLAY_MTU_MIN)
		return NV_DROP_NONE;
	*mtu = 0;
	if (bpf_check_mtu(skb, cfg->underlay_ifindex, mtu, 0, 0) < 0)
		return NV_DROP_NO_UNDERLAY;
	return outer > *mtu ? NV_DROP_MTU : NV_DROP_NONE;
}

/*
 * A packet too big for the underlay once encapsulated: answered with ICMP fragmentation needed
 * naming the MTU the VM has (the underlay's less NVGRE's overhead), from the router (the
 * subnet's gateway CA and MAC) for a routed packet, else from the destination, which is on-link.
 * Without DF too: nothing fragments here (README: Path MTU). At most NV_PMTU_RATE a second per
 * port (MTU_RATE when not answered); counted as MTU, against the port.
 */
static __always_inline int too_big(struct __sk_buff *skb, const struct nv_port *port,
				   const struct nv_dst *dst, const struct nv_l3 *l3, __u32 mtu)
{
	const __u8 *from_mac = dst->rec->mac;
	__be32 from = l3->dst.w[3];
	__u32 len = skb->len;

	if (dst->gw_mac) {
		const struct nv_subnet *gw = bpf_map_lookup_elem(&nv_subnets, &port->vsid);

		if (!gw)
			return vm_drop(skb, NV_DROP_NO_ROUTE, port);
		from_mac = port->gw_mac;
		from = gw->gw_ca.w[3];
	}
	if (!nv_pmtu_allowed(skb->ifindex))
		return vm_drop(skb, NV_DROP_MTU_RATE, port);
	if (nv_icmp_frag_needed(skb, l3->hlen, mtu - NV_ENCAP_LEN, port->mac, port->ca.w[3],
				from_mac, from))
		return vm_drop(skb, NV_DROP_MTU, port);
	nv_count_drop(NV_DROP_MTU, len);
	nv_count_port_drop(skb->ifindex, len);
	return vm_sent(skb, port, skb->ifindex, bpf_redirect(skb->ifindex, 0));
}

/*
 * To another host, once remote_check passed: NVGRE over the underlay, the outer header IPv4
 * whatever the inner family. FIXED_GSO: a GSO packet's segments fit the underlay as they are
 * (remote_check), so they keep the size the VM chose.
 */
static __always_inline int send_remote(struct __sk_buff *skb, const struct nv_port *src,
				       const struct nv_dst *dst, const struct nv_l3 *l3,
				       const enum nv_family family)
{
	const struct nv_record *rec = dst->rec;
	struct nv_config *cfg = nv_config_get();
	struct nv_eth_words inner_eth;
	__u32 len = skb->len, underlay;

	if (!cfg)
		return vm_drop(skb, NV_DROP_NO_UNDERLAY, src);
	underlay = cfg->underlay_ifindex;
	if (nv_eth_save(skb, 0, &inner_eth))
		return vm_drop(skb, NV_DROP_TRUNCATED, src);
	if (nv_encap_ipv4(skb, &inner_eth, l3->tos, nv_flow_id(l3, family), dst->vsid, src->pa.w[3],
			  rec->pa.w[3], cfg->ttl ?: NV_DEFAULT_TTL,
			  NV_ENCAP_GSO_FLAGS | BPF_F_ADJ_ROOM_FIXED_GSO))
		return vm_drop(skb, NV_DROP_ENCAP_FAILED, src);
	nv_count_tx(skb->ifindex, len);
	return vm_sent(skb, src, underlay, bpf_redirect_neigh(underlay, NULL, 0, 0));
}

/* forward_l3's verdict for a packet that goes on through this host's gateway leg. */
#define TO_GATEWAY (-0x100)

/*
 * A routed packet whose next hop is the record of this host's gateway leg in the port's routing
 * domain (a route to the outside via the leg's CA), for a destination other than the leg itself:
 * the gateway's, as it would be from a tenant host (nv_wire_gateway). gw is filled for nv_gw_out.
 */
static __always_inline bool gateway_leg(const struct nv_port *port, const struct nv_dst *dst,
					const struct nv_l3 *l3, struct nv_wire_result *gw)
{
	__u32 rdid = port->rdid;
	const struct nv_gw_leg *leg;

	if (!dst->gw_mac)
		return false;
	leg = bpf_map_lookup_elem(&nv_gw_legs, &rdid);
	if (!leg || leg->vsid != dst->vsid || !nv_mac_equal(dst->rec->mac, leg->mac) ||
	    nv_addr_equal(&l3->dst, &leg->ca))
		return false;
	gw->ifindex = leg->ext_ifindex;
	gw->vsid = dst->vsid;
	gw->gw_mode = leg->mode;
	gw->hook = NV_HOOK_FROM_VM;
	gw->rdid = rdid;
	return true;
}

/*
 * The L3 packet of a frame from port, of the given family (a constant, see nv_l3.h): checked,
 * its source the port's CA, its destination resolved, then delivered on this host or
 * encapsulated to the destination's PA; TO_GATEWAY with gw filled for this host's gateway.
 */
static __always_inline int forward_l3(struct __sk_buff *skb, const struct nv_port *port,
				      const struct ethhdr *eth, void *data_end,
				      struct nv_wire_result *gw, const enum nv_family family)
{
	enum nv_drop_reason reason;
	struct nv_dst dst;
	struct nv_l3 l3;

	reason = nv_l3_parse(family, (void *)(eth + 1), data_end, skb->len - NV_ETH_HLEN, &l3);
	if (reason != NV_DROP_NONE)
		return vm_drop(skb, reason, port);
	if (!nv_addr_equal(&l3.src, &port->ca))
		return vm_drop(skb, NV_DROP_SPOOF_CA, port);

	reason = resolve_dst(port, eth, &l3, &dst, family);
	if (reason != NV_DROP_NONE)
		return vm_drop(skb, reason, port);
	if (dst.gw_mac && l3.ttl <= 1)
		return ttl_expired(skb, port, l3.hlen);
	/* To another host: checked before the router rewrites, so an ICMP error quotes it as sent.
	 */
	if (!dst.rec->ifindex && !(dst.rec->local & NV_LOCAL_PA)) {
		__u32 mtu;

		reason = remote_check(skb, port, dst.rec, &l3, &mtu);
		if (reason == NV_DROP_MTU)
			return too_big(skb, port, &dst, &l3, mtu);
		if (reason != NV_DROP_NONE)
			return vm_drop(skb, reason, port);
	}
	if (dst.gw_mac && !route_rewrite(skb, &dst))
		return vm_drop(skb, NV_DROP_TRUNCATED, port);
	if (dst.rec->ifindex)
		return deliver_local(skb, port, &dst);
	/* At one of our PAs: our gateway leg's, or no port bound (VM down); never sent to us. */
	if (dst.rec->local & NV_LOCAL_PA)
		return gateway_leg(port, &dst, &l3, gw) ? TO_GATEWAY
							: vm_drop(skb, NV_DROP_NOT_LOCAL, port);
	return send_remote(skb, port, &dst, &l3, family);
}

/*
 * Everything nv_from_vm does but the gateway's way out, not inlined: its frame is gone by the time
 * a packet goes on to nv_gw_out, whose calls need the most of the 512 bytes of stack a call chain
 * may use (as nv_wire_tc's classify). TO_GATEWAY with gw filled, else the verdict.
 */
static __noinline int from_vm(struct __sk_buff *skb, struct nv_wire_result *gw)
{
	void *data, *data_end;
	struct nv_port *port;
	struct ethhdr *eth;
	__u32 ifindex = skb->ifindex;

	nv_skb_pull(skb, FROM_VM_HDRS_MAX);
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return vm_drop(skb, NV_DROP_TRUNCATED, NULL);

	port = bpf_map_lookup_elem(&nv_ports, &ifindex);
	if (!port)
		return vm_drop(skb, NV_DROP_PORT_UNKNOWN, NULL);
	if (!nv_mac_equal(eth->h_source, port->mac))
		return vm_drop(skb, NV_DROP_SPOOF_MAC, port);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return answer_arp(skb, port);
	if (nv_mac_is_group(eth->h_dest))
		return vm_drop(skb, NV_DROP_BROADCAST, port);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return forward_l3(skb, port, eth, data_end, gw, NV_FAMILY_IPV4);
	/* IPv6 (ETH_P_IPV6, ND answered beside ARP) joins here once nv_l3.h parses it. */
	return vm_drop(skb, NV_DROP_ETHERTYPE, port);
}

SEC("tc")
int nv_from_vm(struct __sk_buff *skb)
{
	struct nv_wire_result gw = {};
	int ret = from_vm(skb, &gw);

	/* nv_gw_out counts against the port what it sends and drops (hook FROM_VM). */
	return ret == TO_GATEWAY ? nv_gw_out(skb, &gw) : ret;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
