/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Classification of a frame received on the underlay (DESIGN section 2), shared by the XDP stage
 * and the TC stage (which runs it when XDP left no verdict in the metadata). Works on direct
 * packet pointers, so the caller must have the headers in [data, data_end).
 *
 * Not NVGRE to a local PA: NV_WIRE_PASS, untouched. NVGRE to a local PA: NV_WIRE_DELIVER with the
 * resolved port, NV_WIRE_GATEWAY for a tenant's packet to the outside through this host's gateway
 * leg, or NV_WIRE_DROP with the reason.
 */
#ifndef NV_WIRE_H
#define NV_WIRE_H

#include "nv_common.h"
#include "nv_ipv4.h"
#include "nv_l3.h"
#include "nv_route.h"

/*
 * The shortest inner L3 header of any family: an NVGRE frame carries at least this after its
 * inner Ethernet header, and each family's parser checks its own header's length.
 */
#define NV_WIRE_INNER_L3_MIN NV_IPV4_HLEN

/* Outer Ethernet + the longest IPv4 header + GRE + inner Ethernet + inner IPv4. */
#define NV_WIRE_HDRS_MAX (NV_ETH_HLEN + NV_IPV4_HLEN_MAX + NV_GRE_HLEN + NV_ETH_HLEN + NV_IPV4_HLEN)

struct nv_grehdr {
	__be16 flags;
	__be16 proto;
	__be32 key; /* VSID << NV_GRE_KEY_VSID_SHIFT | FlowID */
};

/* RFC 7637: the key's high 24 bits are the VSID, its low 8 bits the FlowID. */
#define NV_GRE_KEY_VSID_SHIFT 8

enum nv_wire_action {
	NV_WIRE_PASS,
	NV_WIRE_DROP,
	NV_WIRE_DELIVER,
	NV_WIRE_GATEWAY,
};

struct nv_wire_result {
	__u32 reason;  /* NV_WIRE_DROP */
	__u32 ifindex; /* NV_WIRE_DELIVER: the port */
	__u32 vsid;
	__u32 outer_len; /* bytes in front of the inner Ethernet header */
	__u32 inner_len; /* the inner frame's length, from the outer IPv4 total length */
	__u8 local;	 /* the destination record's enum nv_record_local */
	__u8 gw_mode;	 /* NV_WIRE_GATEWAY: the leg's enum nv_gw_mode (ifindex: its device) */
	__u8 hook;	 /* NV_WIRE_GATEWAY: what counts the way out (enum nv_hook) */
	__u32 rdid;	 /* NV_WIRE_GATEWAY: the routing domain */
};

/* The key VSID's routing domain and gateway MAC; gw_mac NULL when the VSID has no subnet. */
struct nv_wire_vsid {
	__u32 rdid;
	const __u8 *gw_mac;
};

static __always_inline int nv_wire_drop(struct nv_wire_result *r, enum nv_drop_reason reason)
{
	r->reason = reason;
	return NV_WIRE_DROP;
}

/*
 * The record of an inner source CA must be at exactly the outer source PA, and not at one of this
 * host's (this host never sends itself NVGRE).
 */
static __always_inline int nv_wire_source_pa(const struct nv_record *rec, const struct iphdr *ip,
					     struct nv_wire_result *r)
{
	if (rec->pa.w[3] != ip->saddr || !nv_addr_is_v4(&rec->pa))
		return nv_wire_drop(r, NV_DROP_SRC_PA);
	if (rec->local & NV_LOCAL_PA)
		return nv_wire_drop(r, NV_DROP_SRC_LOCAL);
	return NV_WIRE_DELIVER;
}

/*
 * The key VSID as the destination's record caches it (every record holds its subnet's), else as
 * its subnet says: a destination without a record in the key VSID is routed again or dropped.
 */
static __always_inline void nv_wire_key_vsid(__u32 vsid, const struct nv_record *dst,
					     struct nv_wire_vsid *key)
{
	const struct nv_subnet *subnet;

	if (dst) {
		key->rdid = dst->rdid;
		key->gw_mac = dst->gw_mac;
		return;
	}
	subnet = bpf_map_lookup_elem(&nv_subnets, &vsid);
	key->rdid = subnet ? subnet->rdid : 0;
	key->gw_mac = subnet ? subnet->gw_mac : NULL;
}

/*
 * A routed frame (DESIGN section 7), or a source with no record in the key VSID. Its CA has a
 * record in a VSID of the key VSID's routing domain (the key VSID included: a VM that sent to its
 * gateway a packet for a neighbour), at the outer source PA; or it is outside the routing
 * domain's records and comes from the PA of its gateway wildcard record. Either way the inner
 * source MAC is the key VSID's gateway MAC, as the sending host's router wrote it (or the
 * wildcard record's own MAC when the gateway sits in the key VSID).
 */
static __always_inline int nv_wire_routed_source(__u32 vsid, const struct iphdr *ip,
						 const struct ethhdr *in_eth,
						 const struct nv_l3 *in,
						 const struct nv_wire_vsid *key,
						 struct nv_wire_result *r)
{
	const struct nv_rdid_ca *ix;
	const struct nv_record *rec;
	union nv_addr wildcard;
	int ret;

	if (!key->gw_mac)
		return nv_wire_drop(r, NV_DROP_VSID_UNKNOWN);
	/* The RDID index holds a copy of the record: one lookup. */
	ix = nv_rdid_ca_get(key->rdid, &in->src);
	if (ix) {
		ret = nv_wire_source_pa(&ix->rec, ip, r);
		if (ret != NV_WIRE_DELIVER)
			return ret;
		if (!nv_mac_equal(in_eth->h_source, key->gw_mac))
			return nv_wire_drop(r, NV_DROP_ROUTED_SRC_MAC);
		return NV_WIRE_DELIVER;
	}
	nv_addr_wildcard_v4(&wildcard);
	ix = nv_rdid_ca_get(key->rdid, &wildcard);
	if (!ix)
		return nv_wire_drop(r, NV_DROP_SRC_UNKNOWN);
	rec = &ix->rec;
	if (rec->pa.w[3] != ip->saddr || !nv_addr_is_v4(&rec->pa))
		return nv_wire_drop(r, NV_DROP_GATEWAY_PA);
	if (rec->local & NV_LOCAL_PA)
		return nv_wire_drop(r, NV_DROP_SRC_LOCAL);
	if (!nv_mac_equal(in_eth->h_source, key->gw_mac) &&
	    !(ix->vsid == vsid && nv_mac_equal(in_eth->h_source, rec->mac)))
		return nv_wire_drop(r, NV_DROP_ROUTED_SRC_MAC);
	return NV_WIRE_DELIVER;
}

/*
 * The inner source must be a CA that the outer source PA holds, with its recorded MAC (bridged),
 * or come through a router: the key VSID's gateway MAC as source, whose CA the routing domain's
 * index finds with a copy of its record (one lookup fewer than trying the key VSID first), or no
 * record in the key VSID at all. Both: nv_wire_routed_source.
 */
static __always_inline int nv_wire_check_source(__u32 vsid, const struct iphdr *ip,
						const struct ethhdr *in_eth, const struct nv_l3 *in,
						const struct nv_wire_vsid *key,
						struct nv_wire_result *r)
{
	struct nv_record *rec;
	int ret;

	if (key->gw_mac && nv_mac_equal(in_eth->h_source, key->gw_mac))
		return nv_wire_routed_source(vsid, ip, in_eth, in, key, r);
	rec = nv_record_get(vsid, &in->src);
	if (!rec)
		return nv_wire_routed_source(vsid, ip, in_eth, in, key, r);
	ret = nv_wire_source_pa(rec, ip, r);
	if (ret != NV_WIRE_DELIVER)
		return ret;
	if (nv_mac_equal(in_eth->h_source, rec->mac))
		return NV_WIRE_DELIVER;
	return nv_wire_drop(r, NV_DROP_SRC_MAC);
}

/*
 * A destination CA without a record in the key VSID was routed here through a customer route:
 * this host routes it again in the key VSID's RDID and takes it only when its own table names
 * the same VSID (the key) and a next hop record; the port check below then applies to that.
 */
static __always_inline const struct nv_record *nv_wire_routed_dest(__u32 vsid,
								   const struct nv_l3 *in,
								   const struct nv_wire_vsid *key,
								   const enum nv_family family)
{
	struct nv_route_result route;

	/* A default route must not carry broadcast or multicast to a port (RFC 1812 5.3.5). */
	if (!key->gw_mac || !nv_l3_dst_unicast(family, &in->dst))
		return NULL;
	if (nv_route_resolve(key->rdid, &in->dst, &route) != NV_DROP_NONE)
		return NULL;
	return route.vsid == vsid ? route.rec : NULL;
}

/*
 * The inner destination must be a port of this host bound to (vsid, CA): rec, its record, looked
 * up before the source check; or the next hop a customer route of the RDID names for that CA. The
 * record caches what delivery needs of the port (the maps library keeps it, and a port's MAC
 * equal to its record's), so the port itself is not looked up. Same VSID on both sides: the same
 * routing domain.
 */
/*
 * A destination without a record in the key VSID, in a frame to the MAC of the key VSID's
 * gateway leg on this host (a tenant host's router sent it there, as the route to its CA says):
 * the gateway's, for the outside. Only unicast leaves (RFC 1812 5.3.5).
 */
static __always_inline bool nv_wire_gateway(__u32 vsid, const struct ethhdr *in_eth,
					    const struct nv_l3 *in, const struct nv_wire_vsid *key,
					    struct nv_wire_result *r, const enum nv_family family)
{
	const struct nv_gw_leg *leg;

	if (!key->gw_mac)
		return false;
	leg = bpf_map_lookup_elem(&nv_gw_legs, &key->rdid);
	if (!leg || leg->vsid != vsid || !nv_mac_equal(in_eth->h_dest, leg->mac) ||
	    !nv_l3_dst_unicast(family, &in->dst))
		return false;
	r->ifindex = leg->ext_ifindex;
	r->gw_mode = leg->mode;
	r->hook = NV_HOOK_WIRE_TC;
	r->rdid = key->rdid;
	return true;
}

static __always_inline int nv_wire_resolve_port(__u32 vsid, const struct ethhdr *in_eth,
						const struct nv_l3 *in, const struct nv_record *rec,
						const struct nv_wire_vsid *key,
						struct nv_wire_result *r,
						const enum nv_family family)
{
	if (!rec && nv_wire_gateway(vsid, in_eth, in, key, r, family))
		return NV_WIRE_GATEWAY;
	if (!rec)
		rec = nv_wire_routed_dest(vsid, in, key, family);
	if (!rec || !rec->ifindex)
		return nv_wire_drop(r, NV_DROP_NOT_LOCAL);
	if (!nv_mac_equal(in_eth->h_dest, rec->mac))
		return nv_wire_drop(r, NV_DROP_DST_MAC);
	r->ifindex = rec->ifindex;
	r->local = rec->local;
	return NV_WIRE_DELIVER;
}

/*
 * The configured PA (an array lookup, inlined by the verifier) is checked before the hash of all
 * local PAs: a host's NVGRE traffic mostly goes to that one.
 */
static __always_inline bool nv_is_local_pa(__be32 daddr)
{
	struct nv_config *cfg = nv_config_get();
	union nv_addr pa;

	if (cfg && cfg->pa.w[3] == daddr && nv_addr_is_v4(&cfg->pa))
		return true;
	nv_addr_set_v4(&pa, daddr);
	return bpf_map_lookup_elem(&nv_local_pas, &pa);
}

/*
 * The tenant's packet an NVGRE frame of vsid from outer header ip carries, of the given family (a
 * constant, see nv_l3.h), after the inner Ethernet header (r->inner_len holds both): checked as
 * nv_from_vm checks what a VM sends, then its source and destination. The destination's record
 * is looked up first, for the key VSID's routing domain and gateway MAC, but judged last, so a
 * frame wrong on both sides is still counted by its source.
 */
static __always_inline int nv_wire_inner(__u32 vsid, const struct iphdr *ip,
					 const struct ethhdr *in_eth, void *data_end,
					 struct nv_wire_result *r, const enum nv_family family)
{
	enum nv_drop_reason reason;
	struct nv_wire_vsid key;
	struct nv_record *dst;
	struct nv_l3 in;
	int ret;

	reason = nv_l3_parse(family, (void *)(in_eth + 1), data_end, r->inner_len - NV_ETH_HLEN,
			     &in);
	if (reason != NV_DROP_NONE)
		return nv_wire_drop(r, reason);
	dst = nv_record_get(vsid, &in.dst);
	nv_wire_key_vsid(vsid, dst, &key);
	ret = nv_wire_check_source(vsid, ip, in_eth, &in, &key, r);
	if (ret != NV_WIRE_DELIVER)
		return ret;
	return nv_wire_resolve_port(vsid, in_eth, &in, dst, &key, r, family);
}

/* pkt_len: the whole frame's length (it may extend past data_end on a non-linear skb). */
static __always_inline int nv_wire_classify(void *data, void *data_end, __u32 pkt_len,
					    struct nv_wire_result *r)
{
	struct ethhdr *eth = data, *in_eth;
	struct nv_grehdr *gre;
	__u32 ihl_len, tot_len, vsid;
	struct iphdr *ip;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NV_WIRE_PASS;
	ip = (void *)(eth + 1);
	/* An IPv4 frame too short for its header is nobody's: the stack would drop it too. */
	if ((void *)(ip + 1) > data_end)
		return nv_wire_drop(r, NV_DROP_TRUNCATED);
	if (ip->protocol != NV_IPPROTO_GRE)
		return NV_WIRE_PASS;
	if (!nv_is_local_pa(ip->daddr))
		return NV_WIRE_PASS;

	/* GRE to a local PA: ours from here on, and every defect is a counted drop. */
	if (!nv_ipv4_hdr_ok(ip))
		return nv_wire_drop(r, NV_DROP_MALFORMED);
	if (nv_ipv4_is_fragment(ip))
		return nv_wire_drop(r, NV_DROP_OUTER_FRAGMENT);
	ihl_len = nv_ipv4_hlen(ip);
	tot_len = bpf_ntohs(ip->tot_len);
	if (NV_ETH_HLEN + tot_len > pkt_len)
		return nv_wire_drop(r, NV_DROP_TRUNCATED);
	if (tot_len < ihl_len + NV_GRE_HLEN + NV_ETH_HLEN + NV_WIRE_INNER_L3_MIN)
		return nv_wire_drop(r, NV_DROP_TRUNCATED);

	gre = (void *)ip + ihl_len;
	if ((void *)(gre + 1) > data_end)
		return nv_wire_drop(r, NV_DROP_TRUNCATED);
	if (!nv_ipv4_csum_ok(ip, ihl_len, data_end))
		return nv_wire_drop(r, NV_DROP_OUTER_CSUM);
	if (gre->flags != bpf_htons(NV_GRE_FLAGS_K))
		return nv_wire_drop(r, NV_DROP_GRE_FLAGS);
	if (gre->proto != bpf_htons(NV_ETH_P_TEB))
		return nv_wire_drop(r, NV_DROP_GRE_PROTO);
	vsid = bpf_ntohl(gre->key) >> NV_GRE_KEY_VSID_SHIFT;
	if (vsid < NV_VSID_MIN || vsid > NV_VSID_MAX)
		return nv_wire_drop(r, NV_DROP_VSID_RANGE);
	r->vsid = vsid; /* from here on, drop events name it */

	in_eth = (void *)(gre + 1);
	if ((void *)(in_eth + 1) + NV_WIRE_INNER_L3_MIN > data_end)
		return nv_wire_drop(r, NV_DROP_TRUNCATED);
	if (in_eth->h_proto == bpf_htons(ETH_P_8021Q) || in_eth->h_proto == bpf_htons(ETH_P_8021AD))
		return nv_wire_drop(r, NV_DROP_INNER_VLAN);
	r->outer_len = NV_ETH_HLEN + ihl_len + NV_GRE_HLEN;
	r->inner_len = tot_len - ihl_len - NV_GRE_HLEN; /* >= 14 + NV_WIRE_INNER_L3_MIN */
	if (in_eth->h_proto == bpf_htons(ETH_P_IP))
		return nv_wire_inner(vsid, ip, in_eth, data_end, r, NV_FAMILY_IPV4);
	/* IPv6 inner packets (ETH_P_IPV6) join here once nv_l3.h parses them. */
	return nv_wire_drop(r, NV_DROP_INNER_ETHERTYPE);
}

#endif /* NV_WIRE_H */
