// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nv_wire_tc: TC ingress of the underlay. Decapsulates on the skb (FIXED_GSO keeps GRO'd skbs
 * intact) and hands the inner frame to the port: into the VM's namespace with bpf_redirect_peer
 * for veth, out of the device with bpf_redirect otherwise. Trusts what nv_from_wire resolved and
 * left in the metadata; without it (no XDP stage, or metadata unsupported) classifies itself.
 */
#include "nv_common.h"
#include "nv_drop.h"
#include "nv_events.h"
#include "nv_eth.h"
#include "nv_gw_out.h"
#include "nv_skb.h"
#include "nv_stats.h"
#include "nv_wire.h"

/* What nv_from_wire resolved, if it ran and could leave metadata. */
static __always_inline bool meta_result(struct __sk_buff *skb, struct nv_wire_result *r)
{
	struct nv_xdp_meta *meta = NV_CTX_PTR(skb, data_meta);
	void *data = NV_CTX_PTR(skb, data);

	if ((void *)(meta + 1) > data || meta->magic != NV_META_MAGIC)
		return false;
	r->ifindex = meta->ifindex;
	r->vsid = meta->vsid;
	r->local = meta->local;
	return true;
}

/*
 * Lengths of a frame XDP has validated, read again from the skb: GRO may have merged several
 * frames since, updating the outer IPv4 total length. Only the IPv4 header length varies.
 */
static __always_inline int lengths_of(struct __sk_buff *skb, struct nv_wire_result *r)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);
	struct iphdr *ip = data + NV_ETH_HLEN;

	if ((void *)(ip + 1) > data_end)
		return -1;
	r->outer_len = NV_ETH_HLEN + nv_ipv4_hlen(ip) + NV_GRE_HLEN;
	r->inner_len = bpf_ntohs(ip->tot_len) - nv_ipv4_hlen(ip) - NV_GRE_HLEN;
	return 0;
}

static __always_inline int wire_drop(struct __sk_buff *skb, enum nv_drop_reason reason, __u32 vsid)
{
	return nv_drop_tc(skb, NV_HOOK_WIRE_TC, reason, vsid);
}

/* The outer headers of r's frame removed: the inner frame is the skb's. NV_DROP_NONE or why not. */
static __always_inline enum nv_drop_reason decap(struct __sk_buff *skb,
						 const struct nv_wire_result *r)
{
	__u32 outer_len = r->outer_len;
	struct nv_eth_words inner_eth;
	void *data, *data_end;

	if (outer_len < NV_ETH_HLEN + NV_IPV4_HLEN + NV_GRE_HLEN ||
	    outer_len > NV_ETH_HLEN + NV_IPV4_HLEN_MAX + NV_GRE_HLEN)
		return NV_DROP_MALFORMED;
	if (nv_eth_save(skb, outer_len, &inner_eth))
		return NV_DROP_TRUNCATED;
	/*
	 * Removes outer IPv4 + GRE + inner Ethernet after the MAC header, then the inner Ethernet
	 * header takes the outer one's place.
	 */
	if (bpf_skb_adjust_room(skb, -(__s32)outer_len, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
		return NV_DROP_DECAP_FAILED;
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	if (data + NV_ETH_HLEN > data_end)
		return NV_DROP_DECAP_FAILED;
	nv_eth_write(data, &inner_eth);
	return NV_DROP_NONE;
}

/* A tenant's frame for the outside, through this host's gateway leg (nv_gw_out.h). */
static __always_inline int decap_and_gateway(struct __sk_buff *skb, const struct nv_wire_result *r)
{
	enum nv_drop_reason reason = decap(skb, r);

	if (reason != NV_DROP_NONE)
		return wire_drop(skb, reason, r->vsid);
	return nv_gw_out(skb, r);
}

static __always_inline int decap_and_deliver(struct __sk_buff *skb, const struct nv_wire_result *r)
{
	enum nv_drop_reason reason = decap(skb, r);
	int ret;

	if (reason != NV_DROP_NONE)
		return wire_drop(skb, reason, r->vsid);
	nv_count_rx(r->ifindex, r->inner_len);
	if (r->local & NV_LOCAL_PEER)
		ret = bpf_redirect_peer(r->ifindex, 0);
	else
		ret = bpf_redirect(r->ifindex, 0);
	return nv_trace_tc(skb, NV_HOOK_WIRE_TC, NV_VERDICT_REDIRECT, r->ifindex, r->vsid, ret);
}

/*
 * The classification, not inlined here: its frame is gone by the time a gateway frame goes on to
 * nv_gw_out, whose calls then have the most of the 512 bytes of stack a call chain may use.
 */
static __noinline int classify(void *data, void *data_end, __u32 len, struct nv_wire_result *r)
{
	return nv_wire_classify(data, data_end, len, r);
}

SEC("tc")
int nv_wire_tc(struct __sk_buff *skb)
{
	struct nv_wire_result r = {};
	void *data, *data_end;

	if (meta_result(skb, &r)) {
		nv_skb_pull(skb, NV_WIRE_HDRS_MAX);
		if (lengths_of(skb, &r))
			return wire_drop(skb, NV_DROP_TRUNCATED, r.vsid);
		return decap_and_deliver(skb, &r);
	}

	nv_skb_pull(skb, NV_WIRE_HDRS_MAX);
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	switch (classify(data, data_end, skb->len, &r)) {
	case NV_WIRE_PASS:
		return nv_trace_tc(skb, NV_HOOK_WIRE_TC, NV_VERDICT_PASS, 0, 0, TC_ACT_OK);
	case NV_WIRE_DROP:
		return wire_drop(skb, r.reason, r.vsid);
	case NV_WIRE_GATEWAY:
		return decap_and_gateway(skb, &r);
	}
	return decap_and_deliver(skb, &r);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
