/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ARP responder for VMs: a request for a CA of the port's VSID is answered in place from the
 * lookup records, one for the subnet's gateway CA with the gateway MAC (the distributed router),
 * and sent back out of the port. No ARP ever reaches the wire.
 */
#ifndef NV_ARP_H
#define NV_ARP_H

#include "nv_common.h"

/* ARP for IPv4 over Ethernet (RFC 826), the only kind answered. */
struct nv_arp_eth_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 oper;
	__u8 sha[NV_ETH_ALEN];
	__be32 spa;
	__u8 tha[NV_ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* Returns NV_DROP_NONE after turning the request at data into the reply, or why it can't. */
static __always_inline enum nv_drop_reason nv_arp_reply(struct ethhdr *eth, void *data_end,
							const struct nv_port *port)
{
	struct nv_arp_eth_ipv4 *arp = (void *)(eth + 1);
	struct nv_record_key key = { .vsid = port->vsid };
	struct nv_subnet *subnet;
	struct nv_record *rec;
	const __u8 *mac;
	__be32 target;

	if ((void *)(arp + 1) > data_end)
		return NV_DROP_TRUNCATED;
	if (arp->htype != bpf_htons(ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != NV_ETH_ALEN || arp->plen != sizeof(arp->spa) ||
	    arp->oper != bpf_htons(ARPOP_REQUEST))
		return NV_DROP_ARP_NOT_REQUEST;
	/* The sender fields speak for the VM too: the same anti-spoofing as for its frames. */
	if (!nv_mac_equal(arp->sha, port->mac))
		return NV_DROP_SPOOF_MAC;
	if (arp->spa != port->ca.w[3] && arp->spa != 0)
		return NV_DROP_SPOOF_CA;
	target = arp->tpa;
	if (target == port->ca.w[3])
		return NV_DROP_ARP_SELF;
	/* 0.0.0.0 is the key of the gateway wildcard record, not a host to announce. */
	if (!target)
		return NV_DROP_ARP_UNKNOWN;
	nv_addr_set_v4(&key.ca, target);
	rec = bpf_map_lookup_elem(&nv_records, &key);
	if (rec) {
		mac = rec->mac;
	} else {
		/* The gateway has no record (the library keeps CAs off it): its subnet names it. */
		subnet = bpf_map_lookup_elem(&nv_subnets, &port->vsid);
		if (!subnet || subnet->gw_ca.w[3] != target || !nv_addr_is_v4(&subnet->gw_ca))
			return NV_DROP_ARP_UNKNOWN;
		mac = subnet->gw_mac;
	}

	nv_mac_copy(eth->h_dest, port->mac);
	nv_mac_copy(eth->h_source, mac);
	arp->oper = bpf_htons(ARPOP_REPLY);
	nv_mac_copy(arp->tha, port->mac);
	arp->tpa = arp->spa;
	nv_mac_copy(arp->sha, mac);
	arp->spa = target;
	return NV_DROP_NONE;
}

#endif /* NV_ARP_H */
