// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nv_from_ext: TC ingress of a gateway's external device, i.e. every frame from the physical
 * network (DESIGN section 8). What is the gateway's: ARP and ICMP echo for its NAT external
 * addresses, answered here; replies of tracked connections and new ones to a static mapping,
 * translated back (DNAT) to the tenant's CA; and, on a device with a forward-mode leg, packets
 * to a CA of that routing domain. Each goes to its VM: NVGRE to the PA of the CA's record (or its
 * port when it is on this host). Everything else passes to the host's stack untouched, so the
 * gateway host stays reachable and manageable on that device.
 */
#include "nv_common.h"
#include "nv_arp.h"
#include "nv_ct.h"
#include "nv_drop.h"
#include "nv_events.h"
#include "nv_gw.h"
#include "nv_nat.h"
#include "nv_skb.h"

static __always_inline int ext_drop(struct __sk_buff *skb, enum nv_drop_reason reason)
{
	return nv_drop_tc(skb, NV_HOOK_FROM_EXT, reason, 0);
}

static __always_inline int ext_pass(struct __sk_buff *skb)
{
	return nv_trace_tc(skb, NV_HOOK_FROM_EXT, NV_VERDICT_PASS, 0, 0, TC_ACT_OK);
}

/* Back out of the device it came in by: ARP and echo replies, ICMP errors to the sender. */
static __always_inline int ext_reply(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;

	return nv_trace_tc(skb, NV_HOOK_FROM_EXT, NV_VERDICT_REDIRECT, ifindex, 0,
			   bpf_redirect(ifindex, 0));
}

/*
 * An ARP request for an external address of ours is answered with the device's MAC: the
 * addresses are the datapath's, not the host's, and go with `nat del`. Other ARP is the host's.
 */
static __always_inline int ext_arp(struct __sk_buff *skb, struct ethhdr *eth, void *data_end,
				   const struct nv_gw_dev *dev)
{
	struct nv_arp_eth_ipv4 *arp = (void *)(eth + 1);
	union nv_addr target;
	__be32 tpa;

	if ((void *)(arp + 1) > data_end || arp->htype != bpf_htons(ARPHRD_ETHER) ||
	    arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != NV_ETH_ALEN ||
	    arp->plen != sizeof(arp->spa) || arp->oper != bpf_htons(ARPOP_REQUEST))
		return ext_pass(skb);
	tpa = arp->tpa;
	nv_addr_set_v4(&target, tpa);
	if (!bpf_map_lookup_elem(&nv_nat_addrs, &target))
		return ext_pass(skb);
	nv_mac_copy(eth->h_dest, arp->sha);
	nv_mac_copy(eth->h_source, dev->mac);
	arp->oper = bpf_htons(ARPOP_REPLY);
	nv_mac_copy(arp->tha, arp->sha);
	arp->tpa = arp->spa;
	nv_mac_copy(arp->sha, dev->mac);
	arp->spa = tpa;
	return ext_reply(skb);
}

/* An echo request to an external address: answered in place, as a host answers one. */
static __always_inline int ext_echo_reply(struct __sk_buff *skb, const struct nv_ct_pkt *p)
{
	void *data = NV_CTX_PTR(skb, data);
	void *data_end = NV_CTX_PTR(skb, data_end);
	const __be16 request = bpf_htons(NV_ICMP_ECHO << 8),
		     reply = bpf_htons(NV_ICMP_ECHO_REPLY << 8);
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u8 mac[NV_ETH_ALEN];
	__be16 old, new;
	__be32 addr;

	if ((void *)(ip + 1) > data_end)
		return ext_drop(skb, NV_DROP_TRUNCATED);
	__builtin_memcpy(mac, eth->h_dest, NV_ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, NV_ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, NV_ETH_ALEN);
	/* Swapped addresses leave the header checksum as it was; the TTL is ours. */
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	__builtin_memcpy(&old, &ip->ttl, sizeof(old));
	ip->ttl = NV_DEFAULT_TTL;
	__builtin_memcpy(&new, &ip->ttl, sizeof(new));
	ip->check = nv_csum_replace2(ip->check, old, new);
	/* Type and code are the ICMP header's first word. */
	if (bpf_l4_csum_replace(skb, p->l4_off + 2, request, reply, sizeof(reply)) ||
	    bpf_skb_store_bytes(skb, p->l4_off, &reply, sizeof(reply), 0))
		return ext_drop(skb, NV_DROP_TRUNCATED);
	return ext_reply(skb);
}

/*
 * The packet (DNATed or forwarded) for the VM of index entry ix (NULL: the CA has no record):
 * TTL, a size the underlay carries once encapsulated (else ICMP fragmentation needed back to the
 * sender, from the address it sent to), then the rewrite the caller left for last (nat: to
 * x->ca:x->port) and out to the VM.
 */
struct ext_dnat {
	__be32 ca;
	__be16 port;
	bool nat;
};

static __always_inline int ext_to_vm(struct __sk_buff *skb, const struct nv_ct_pkt *p,
				     const struct nv_rdid_ca *ix, const struct ext_dnat *x)
{
	struct nv_config *cfg;
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 mtu = 0;

	if (!ix)
		return ext_drop(skb, NV_DROP_EXT_NO_RECORD);
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return ext_drop(skb, NV_DROP_TRUNCATED);
	if (ip->ttl <= 1) {
		const struct nv_icmp_err err = { .type = NV_ICMP_TIME_EXCEEDED,
						 .code = NV_ICMP_EXC_TTL };
		__u8 to[NV_ETH_ALEN], from[NV_ETH_ALEN];
		__be32 to_ip = ip->saddr, from_ip = ip->daddr;

		__builtin_memcpy(to, eth->h_source, NV_ETH_ALEN);
		__builtin_memcpy(from, eth->h_dest, NV_ETH_ALEN);
		if (!nv_icmp_allowed())
			return ext_drop(skb, NV_DROP_ICMP_RATE);
		nv_count_drop(NV_DROP_TTL_EXPIRED, skb->len);
		if (nv_icmp_error(skb, nv_ipv4_hlen(ip), &err, to, to_ip, from, from_ip))
			return TC_ACT_SHOT;
		return ext_reply(skb);
	}
	cfg = nv_config_get();
	if (!ix->rec.ifindex && cfg && cfg->underlay_ifindex &&
	    bpf_check_mtu(skb, cfg->underlay_ifindex, &mtu, NV_ENCAP_LEN, 0) !=
		    BPF_MTU_CHK_RET_SUCCESS) {
		__u8 to[NV_ETH_ALEN], from[NV_ETH_ALEN];
		__be32 to_ip = ip->saddr, from_ip = ip->daddr;
		__u32 ihl = nv_ipv4_hlen(ip);

		__builtin_memcpy(to, eth->h_source, NV_ETH_ALEN);
		__builtin_memcpy(from, eth->h_dest, NV_ETH_ALEN);
		if (!nv_icmp_allowed())
			return ext_drop(skb, NV_DROP_FRAG_RATE);
		nv_count_drop(NV_DROP_FRAG_NEEDED, skb->len);
		/* What the tenant may receive: the underlay's MTU less the NVGRE overhead. */
		if (nv_icmp_frag_needed(skb, ihl, mtu - NV_ENCAP_LEN, to, to_ip, from, from_ip))
			return TC_ACT_SHOT;
		return ext_reply(skb);
	}
	if (x->nat && nv_nat_rewrite(skb, p, NV_NAT_DST, x->ca, x->port))
		return ext_drop(skb, NV_DROP_TRUNCATED);
	if (nv_ipv4_ttl_dec(skb))
		return ext_drop(skb, NV_DROP_TRUNCATED);
	return nv_gw_to_vm(skb, ix, NV_HOOK_FROM_EXT);
}

/* An ICMP error about a packet the NAT sent out: translated back to the CA that sent it. */
static __always_inline int ext_icmp_error(struct __sk_buff *skb, const struct nv_ct_pkt *p)
{
	struct ext_dnat x = { .nat = false };
	struct nv_nat_quote q;
	struct nv_ct_entry *e;
	struct nv_ct_key k;

	/* About a packet from the address the error came to: never another tenant's connection. */
	if (nv_nat_quote_parse(skb, p, &q) || !nv_addr_equal(&q.key.src, &p->key.dst))
		return ext_pass(skb);
	nv_nat_quote_conn_key(&q, 0, NV_CT_IN, &k);
	e = nv_ct_lookup(&k, bpf_ktime_get_ns());
	if (!e)
		return ext_pass(skb);
	x.ca = e->addr.w[3];
	if (nv_nat_icmp_error(skb, p, &q, NV_NAT_DST, e->addr.w[3], e->port))
		return ext_drop(skb, NV_DROP_TRUNCATED);
	return ext_to_vm(skb, p, nv_rdid_ca_get(e->rdid, &e->addr), &x);
}

/*
 * A new connection from outside to a static mapping (a published service): TCP only from a SYN.
 * Its pair is opened from this side (NV_CT_F_STATIC). NULL with *reason NONE: no mapping, not ours.
 */
static __always_inline struct nv_ct_entry *ext_static_open(const struct nv_ct_pkt *p, __u32 len,
							   enum nv_drop_reason *reason)
{
	struct nv_nat_map_key mk = { .ext = p->key.dst,
				     .port = p->key.dport,
				     .proto = p->key.proto };
	const struct nv_nat_map *map;
	struct nv_ct_entry oe = {};
	int err;

	*reason = NV_DROP_NONE;
	map = bpf_map_lookup_elem(&nv_nat_maps, &mk);
	if (!map)
		return NULL;
	if (p->key.proto == IPPROTO_TCP &&
	    (p->tcp_flags & (NV_TCP_SYN | NV_TCP_ACK | NV_TCP_RST | NV_TCP_FIN)) != NV_TCP_SYN) {
		*reason = NV_DROP_NAT_NOT_SYN;
		return NULL;
	}
	oe.addr = map->ca;
	oe.port = map->port;
	oe.rdid = map->rdid;
	oe.flags = NV_CT_F_STATIC;
	oe.bytes = len;
	err = nv_ct_create(&p->key, &oe);
	if (!err || err == -EAGAIN)
		return bpf_map_lookup_elem(&nv_ct, &p->key);
	/* The CA's port already talks to this remote endpoint through another external port. */
	*reason = err == -EEXIST ? NV_DROP_NAT_PORTS : NV_DROP_CT_FULL;
	return NULL;
}

/* To an external address: a tracked connection's reply, or a new one to a static mapping. */
static __always_inline int ext_nat_in(struct __sk_buff *skb, struct nv_ct_pkt *p)
{
	enum nv_drop_reason reason;
	struct ext_dnat x = { .nat = true };
	struct nv_ct_entry *e;
	__u64 now;

	if (p->kind == NV_CT_KIND_ICMP_ERR)
		return ext_icmp_error(skb, p);
	if (p->key.proto == NV_IPPROTO_ICMP && p->icmp_type == NV_ICMP_ECHO)
		return ext_echo_reply(skb, p);
	if (p->kind != NV_CT_KIND_FLOW)
		return ext_pass(skb);
	p->key.dir = NV_CT_IN;
	now = bpf_ktime_get_ns();
	e = nv_ct_lookup(&p->key, now);
	if (e) {
		nv_ct_update(&p->key, e, p->tcp_flags, skb->len, now);
	} else {
		if (p->key.proto == NV_IPPROTO_ICMP)
			return ext_pass(skb);
		e = ext_static_open(p, skb->len, &reason);
		if (reason != NV_DROP_NONE)
			return ext_drop(skb, reason);
		if (!e)
			return ext_pass(skb);
	}
	x.ca = e->addr.w[3];
	x.port = e->port;
	return ext_to_vm(skb, p, nv_rdid_ca_get(e->rdid, &e->addr), &x);
}

/*
 * To a CA of the routing domain this device forwards (a forward-mode leg): in unchanged, unless
 * its source claims to be one of the domain's own CAs.
 */
static __always_inline int ext_forward_in(struct __sk_buff *skb, const struct nv_ct_pkt *p,
					  __u32 rdid, const struct nv_rdid_ca *ix)
{
	struct ext_dnat x = { .ca = p->key.dst.w[3], .nat = false };

	if (nv_rdid_ca_get(rdid, &p->key.src))
		return ext_drop(skb, NV_DROP_EXT_SPOOF);
	return ext_to_vm(skb, p, ix, &x);
}

SEC("tc")
int nv_from_ext(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	const struct nv_rdid_ca *ix;
	const struct nv_gw_dev *dev;
	void *data, *data_end;
	struct ethhdr *eth;
	struct nv_ct_pkt p;
	struct iphdr *ip;

	nv_skb_pull(skb, NV_GW_HDRS_MAX);
	data = NV_CTX_PTR(skb, data);
	data_end = NV_CTX_PTR(skb, data_end);
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return ext_pass(skb);
	dev = bpf_map_lookup_elem(&nv_gw_devs, &ifindex);
	if (!dev)
		return ext_pass(skb);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return ext_arp(skb, eth, data_end, dev);
	/* Only what is sent to the device (a promiscuous one sees others' frames too). */
	if (eth->h_proto != bpf_htons(ETH_P_IP) || !nv_mac_equal(eth->h_dest, dev->mac))
		return ext_pass(skb);
	ip = (void *)(eth + 1);
	/* A header the host's stack would refuse is not ours to judge either. */
	if (nv_ipv4_check(ip, data_end, skb->len - NV_ETH_HLEN) != NV_DROP_NONE)
		return ext_pass(skb);
	nv_ct_parse(ip, data_end, &p);
	if (bpf_map_lookup_elem(&nv_nat_addrs, &p.key.dst))
		return ext_nat_in(skb, &p);
	if (!dev->fwd_rdid)
		return ext_pass(skb);
	/* Looked up once: the destination's entry decides and is what the VM is reached by. */
	ix = nv_rdid_ca_get(dev->fwd_rdid, &p.key.dst);
	if (ix)
		return ext_forward_in(skb, &p, dev->fwd_rdid, ix);
	return ext_pass(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
