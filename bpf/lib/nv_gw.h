/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The gateway (DESIGN section 8), the part both directions share: handing a packet to a tenant's
 * VM. A tenant's frames for the outside arrive
 * at the underlay (nv_wire_tc, nv_gw_out.h); the outside's at the external device (nv_from_ext).
 */
#ifndef NV_GW_H
#define NV_GW_H

#include "nv_common.h"
#include "nv_drop.h"
#include "nv_encap.h"
#include "nv_eth.h"
#include "nv_events.h"
#include "nv_icmp.h"
#include "nv_route.h"
#include "nv_skb.h"
#include "nv_stats.h"

#define AF_INET 2

/* Ethernet + the longest IPv4 header + a TCP header: what the gateway reads of a packet. */
#define NV_GW_HDRS_MAX (NV_ETH_HLEN + NV_IPV4_HLEN_MAX + 20)

static __always_inline void nv_eth_words_set(struct nv_eth_words *e, const __u8 *dst,
					     const __u8 *src)
{
	__u8 b[NV_ETH_HLEN];

	__builtin_memcpy(b, dst, NV_ETH_ALEN);
	__builtin_memcpy(b + NV_ETH_ALEN, src, NV_ETH_ALEN);
	*(__be16 *)(b + 2 * NV_ETH_ALEN) = bpf_htons(ETH_P_IP);
	__builtin_memcpy(e, b, NV_ETH_HLEN);
}

/*
 * A packet (IPv4 at ETH_HLEN) for the VM whose index entry is ix: from its subnet's gateway MAC
 * (the VM's next hop for all that is not on-link, as the tenant hosts' router writes it and as
 * their receive check wants it) to the record's MAC, then to its port when it is on this host,
 * else NVGRE with its VSID from this host's PA to the record's. hook counts what happens. Not
 * inlined, as the other large steps of the gateway: each gets a stack frame of its own (the
 * verifier allows 512 bytes along a call chain, which the inlined whole exceeded).
 */
static __noinline int nv_gw_to_vm(struct __sk_buff *skb, const struct nv_rdid_ca *ix, __u8 hook)
{
	const struct nv_record *rec = &ix->rec;
	struct nv_eth_words eth;
	void *data, *data_end;
	struct nv_config *cfg;
	struct nv_l3 l3 = {};
	__u32 ul, len = skb->len;
	int ret;

	nv_eth_words_set(&eth, rec->mac, rec->gw_mac);
	if (rec->ifindex) {
		if (bpf_skb_store_bytes(skb, 0, &eth, NV_ETH_HLEN, 0))
			return nv_drop_tc(skb, hook, NV_DROP_TRUNCATED, ix->vsid);
		nv_count_rx(rec->ifindex, len);
		ret = rec->local & NV_LOCAL_PEER ? bpf_redirect_peer(rec->ifindex, 0)
						 : bpf_redirect(rec->ifindex, 0);
		return nv_trace_tc(skb, hook, NV_VERDICT_REDIRECT, rec->ifindex, ix->vsid, ret);
	}
	/* At one of our PAs but no port bound (VM down): never sent to ourselves. */
	if (rec->local & NV_LOCAL_PA)
		return nv_drop_tc(skb, hook, NV_DROP_NOT_LOCAL, ix->vsid);
	cfg = nv_config_get();
	if (!cfg || !cfg->underlay_ifindex || !nv_addr_is_v4(&cfg->pa) || !nv_addr_is_v4(&rec->pa))
		return nv_drop_tc(skb, hook, NV_DROP_NO_UNDERLAY, ix->vsid);
	ul = cfg->underlay_ifindex;
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	/* The tuple the FlowID hashes, parsed as both directions parse a tenant's packet. */
	if (nv_l3_parse(NV_FAMILY_IPV4, data + NV_ETH_HLEN, data_end, skb->len - NV_ETH_HLEN,
			&l3) != NV_DROP_NONE)
		return nv_drop_tc(skb, hook, NV_DROP_TRUNCATED, ix->vsid);
	/* What the gateway sends back from the underlay was decapsulated there (nv_encap.h). */
	if (nv_encap_ipv4(skb, &eth, l3.tos, nv_flow_id(&l3, NV_FAMILY_IPV4), ix->vsid,
			  cfg->pa.w[3], rec->pa.w[3], cfg->ttl ?: NV_DEFAULT_TTL,
			  hook == NV_HOOK_WIRE_TC ? 0 : NV_ENCAP_GSO_FLAGS))
		return nv_drop_tc(skb, hook, NV_DROP_ENCAP_FAILED, ix->vsid);
	return nv_trace_tc(skb, hook, NV_VERDICT_REDIRECT, ul, ix->vsid,
			   bpf_redirect_neigh(ul, NULL, 0, 0));
}

#endif /* NV_GW_H */
