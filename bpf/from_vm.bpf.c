// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nv_from_vm: TC ingress of a port's host-side device, i.e. every frame a VM sends.
 * Anti-spoofing, ARP answered locally, destination resolved in the port's VSID, then delivered to
 * a local port or NVGRE-encapsulated and sent out of the underlay. Anything else is dropped,
 * counted by reason.
 */
#include "nv_common.h"
#include "nv_arp.h"
#include "nv_drop.h"
#include "nv_encap.h"
#include "nv_events.h"
#include "nv_l3.h"
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
};

/*
 * The destination of a packet l3 from port, in a frame addressed to eth->h_dest: the exact
 * record (port's VSID, l3->dst), whose MAC the frame must be sent to. NV_DROP_NONE with
 * dst filled, else NV_DROP_NO_RECORD or NV_DROP_DST_MAC. Routing between the VSIDs of the port's
 * RDID plugs in here (DESIGN section 7: for a frame to the subnet's gateway MAC, the exact record
 * in the RDID first, else the longest nv_routes prefix of the RDID, then the record of its next
 * hop or of the CA in its on-link VSID), setting dst->vsid to that VSID: delivery and
 * encapsulation below already take the destination's VSID from there.
 */
static __always_inline enum nv_drop_reason resolve_dst(const struct nv_port *port,
						       const struct ethhdr *eth,
						       const struct nv_l3 *l3, struct nv_dst *dst)
{
	struct nv_record_key key = { .vsid = port->vsid, .ca = l3->dst };

	dst->rec = bpf_map_lookup_elem(&nv_records, &key);
	if (!dst->rec)
		return NV_DROP_NO_RECORD;
	if (!nv_mac_equal(eth->h_dest, dst->rec->mac))
		return NV_DROP_DST_MAC;
	dst->vsid = port->vsid;
	return NV_DROP_NONE;
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

/* To another host: NVGRE over the underlay, the outer header IPv4 whatever the inner family. */
static __always_inline int send_remote(struct __sk_buff *skb, const struct nv_port *src,
				       const struct nv_dst *dst, const struct nv_l3 *l3,
				       const enum nv_family family)
{
	const struct nv_record *rec = dst->rec;
	struct nv_config *cfg = nv_config_get();
	struct nv_eth_words inner_eth;
	__u32 mtu = 0, len = skb->len, underlay;

	/* The outer source is where the table says this CA is: receivers check exactly that. */
	if (!nv_addr_is_v4(&src->pa))
		return vm_drop(skb, NV_DROP_PORT_UNBOUND, src);
	if (!cfg || !cfg->underlay_ifindex || !nv_addr_is_v4(&rec->pa))
		return vm_drop(skb, NV_DROP_NO_UNDERLAY, src);
	underlay = cfg->underlay_ifindex;
	/*
	 * bpf_check_mtu costs about 50 ns, so only frames that can exceed the MTU meet it: the
	 * loader refuses underlays under NV_UNDERLAY_MTU_MIN, and GSO packets pass it anyway (the
	 * encap lowers their gso_size by what it adds, segments keep the VM's MTU).
	 */
	if (len - NV_ETH_HLEN + NV_ENCAP_LEN > NV_UNDERLAY_MTU_MIN && !skb->gso_size &&
	    bpf_check_mtu(skb, underlay, &mtu, NV_ENCAP_LEN, 0) != BPF_MTU_CHK_RET_SUCCESS)
		return vm_drop(skb, NV_DROP_MTU, src);
	if (nv_eth_save(skb, 0, &inner_eth))
		return vm_drop(skb, NV_DROP_TRUNCATED, src);
	if (nv_encap_ipv4(skb, &inner_eth, l3->tos, nv_flow_id(l3, family), dst->vsid, src->pa.w[3],
			  rec->pa.w[3], cfg->ttl ?: NV_DEFAULT_TTL))
		return vm_drop(skb, NV_DROP_ENCAP_FAILED, src);
	nv_count_tx(skb->ifindex, len);
	return vm_sent(skb, src, underlay, bpf_redirect_neigh(underlay, NULL, 0, 0));
}

/*
 * The L3 packet of a frame from port, of the given family (a constant, see nv_l3.h): checked,
 * its source the port's CA, its destination resolved, then delivered on this host or
 * encapsulated to the destination's PA.
 */
static __always_inline int forward_l3(struct __sk_buff *skb, const struct nv_port *port,
				      const struct ethhdr *eth, void *data_end,
				      const enum nv_family family)
{
	enum nv_drop_reason reason;
	struct nv_dst dst;
	struct nv_l3 l3;

	reason = nv_l3_parse(family, (void *)(eth + 1), data_end, skb->len - NV_ETH_HLEN, &l3);
	if (reason != NV_DROP_NONE)
		return vm_drop(skb, reason, port);
	if (!nv_addr_equal(&l3.src, &port->ca))
		return vm_drop(skb, NV_DROP_SPOOF_CA, port);

	reason = resolve_dst(port, eth, &l3, &dst);
	if (reason != NV_DROP_NONE)
		return vm_drop(skb, reason, port);
	if (dst.rec->ifindex)
		return deliver_local(skb, port, &dst);
	/* At one of our PAs but no port bound (VM down): never sent to ourselves. */
	if (dst.rec->local & NV_LOCAL_PA)
		return vm_drop(skb, NV_DROP_NOT_LOCAL, port);
	return send_remote(skb, port, &dst, &l3, family);
}

SEC("tc")
int nv_from_vm(struct __sk_buff *skb)
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
		return forward_l3(skb, port, eth, data_end, NV_FAMILY_IPV4);
	/* IPv6 (ETH_P_IPV6, ND answered beside ARP) joins here once nv_l3.h parses it. */
	return vm_drop(skb, NV_DROP_ETHERTYPE, port);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
