/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking for the gateway's NAT (DESIGN section 8), after Cilium's conntrack.h and
 * nat.h: a connection is two entries of nv_ct, the tuple as the tenant sends it (NV_CT_OUT) and
 * the reply tuple as it arrives at the external address (NV_CT_IN), each holding the translation
 * of its direction. Both are inserted with BPF_NOEXIST, the reply first (it reserves the external
 * port), and removed together; nothing is ever evicted, so a full table drops new connections
 * (CT_FULL) and never breaks a live one. A pair is live while either half has not expired; each
 * packet renews its own half, and the state changes (a reply seen, FIN or RST) are written to
 * both. The collector in user space (nv_ct_gc) removes expired pairs; a packet that meets an
 * expired pair removes it at once.
 */
#ifndef NV_CT_H
#define NV_CT_H

#include "nv_common.h"
#include "nv_events.h"
#include "nv_icmp.h"
#include "nv_ipv4.h"

#define NV_TCP_FIN 0x01
#define NV_TCP_SYN 0x02
#define NV_TCP_RST 0x04
#define NV_TCP_ACK 0x10

/* Ports tried for a new connection before NAT_PORTS: the first is the tenant's own. */
#define NV_NAT_PORT_TRIES 32
/* A half is renewed when its expiry would move by more than this: fewer writes per flow. */
#define NV_CT_RENEW_NS (NV_NSEC_PER_SEC / 4)

enum nv_ct_kind {
	NV_CT_KIND_FLOW,      /* TCP, UDP, ICMP echo: tracked by its own tuple */
	NV_CT_KIND_ICMP_ERR,  /* an ICMP error: tracked by the packet it quotes */
	NV_CT_KIND_UNTRACKED, /* anything else, or a fragment */
};

/* A packet as conntrack sees it: its tuple (key, rdid and dir still to fill) and its offsets. */
struct nv_ct_pkt {
	struct nv_ct_key key;
	__u32 l4_off;	/* from the start of the frame */
	__u8 tcp_flags; /* TCP only */
	__u8 kind;	/* enum nv_ct_kind */
	__u8 icmp_type;
};

/*
 * The tuple of the IPv4 packet at ip (ETH_HLEN into the frame), whose L4 header must be in
 * [.., data_end) when there is one to read. ICMP echo's identifier is the request's sport and the
 * reply's dport (nvgre_abi.h, struct nv_ct_key).
 */
static __always_inline void nv_ct_parse(const struct iphdr *ip, void *data_end, struct nv_ct_pkt *p)
{
	void *l4 = (void *)ip + nv_ipv4_hlen(ip);

	__builtin_memset(&p->key, 0, sizeof(p->key));
	p->kind = NV_CT_KIND_UNTRACKED;
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->l4_off = NV_ETH_HLEN + nv_ipv4_hlen(ip);
	nv_addr_set_v4(&p->key.src, ip->saddr);
	nv_addr_set_v4(&p->key.dst, ip->daddr);
	p->key.proto = ip->protocol;
	if (nv_ipv4_is_fragment(ip))
		return;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->kind = NV_CT_KIND_FLOW;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
		p->kind = NV_CT_KIND_FLOW;
	} else if (ip->protocol == NV_IPPROTO_ICMP) {
		struct nv_icmphdr *ih = l4;
		__be16 id;

		if ((void *)(ih + 1) > data_end)
			return;
		p->icmp_type = ih->type;
		id = ((__be16 *)&ih->unused)[0];
		if (ih->type == NV_ICMP_ECHO) {
			p->key.sport = id;
			p->kind = NV_CT_KIND_FLOW;
		} else if (ih->type == NV_ICMP_ECHO_REPLY) {
			p->key.dport = id;
			p->kind = NV_CT_KIND_FLOW;
		} else if (ih->type == NV_ICMP_DEST_UNREACH || ih->type == NV_ICMP_TIME_EXCEEDED ||
			   ih->type == NV_ICMP_PARAMETERPROB) {
			p->kind = NV_CT_KIND_ICMP_ERR;
		}
	}
}

/* The other half's key (maps/nv_ct.c derives it the same way, nv_ct_in_key / nv_ct_out_key). */
static __always_inline void nv_ct_peer_key(const struct nv_ct_key *k, const struct nv_ct_entry *e,
					   struct nv_ct_key *peer)
{
	__builtin_memset(peer, 0, sizeof(*peer));
	peer->proto = k->proto;
	peer->src = k->dir == NV_CT_OUT ? k->dst : e->addr;
	peer->dst = k->dir == NV_CT_OUT ? e->addr : k->src;
	peer->sport = k->dir == NV_CT_OUT ? k->dport : e->port;
	peer->dport = k->dir == NV_CT_OUT ? e->port : k->sport;
	peer->rdid = k->dir == NV_CT_OUT ? 0 : e->rdid;
	peer->dir = k->dir == NV_CT_OUT ? NV_CT_IN : NV_CT_OUT;
}

static __always_inline __u64 nv_ct_lifetime(__u8 proto, __u8 state)
{
	__u32 zero = 0, s;
	const struct nv_ct_timeouts *t = bpf_map_lookup_elem(&nv_ct_timeouts, &zero);

	if (proto == IPPROTO_TCP) {
		if (state == NV_CT_ESTABLISHED)
			s = t && t->tcp_established ? t->tcp_established
						    : NV_CT_TIMEOUT_TCP_ESTABLISHED;
		else if (state == NV_CT_CLOSING)
			s = t && t->tcp_fin ? t->tcp_fin : NV_CT_TIMEOUT_TCP_FIN;
		else
			s = t && t->tcp_syn ? t->tcp_syn : NV_CT_TIMEOUT_TCP_SYN;
	} else if (proto == IPPROTO_UDP) {
		s = t && t->udp ? t->udp : NV_CT_TIMEOUT_UDP;
	} else {
		s = t && t->icmp ? t->icmp : NV_CT_TIMEOUT_ICMP;
	}
	return (__u64)s * NV_NSEC_PER_SEC;
}

/* Both halves gone: the pair of k (e is k's entry, already looked up). */
static __always_inline void nv_ct_remove(const struct nv_ct_key *k, const struct nv_ct_entry *e)
{
	struct nv_ct_key peer;

	nv_ct_peer_key(k, e, &peer);
	bpf_map_delete_elem(&nv_ct, &peer);
	bpf_map_delete_elem(&nv_ct, k);
}

/*
 * The live entry of k, or NULL. An expired half whose other half has expired too (or is gone)
 * takes its pair with it: the connection is over, and what arrives now starts a new one.
 */
static __always_inline struct nv_ct_entry *nv_ct_lookup(const struct nv_ct_key *k, __u64 now)
{
	struct nv_ct_entry *e = bpf_map_lookup_elem(&nv_ct, k), *pe;
	struct nv_ct_key peer;

	if (!e || e->expires_ns > now)
		return e;
	nv_ct_peer_key(k, e, &peer);
	pe = bpf_map_lookup_elem(&nv_ct, &peer);
	if (pe && pe->expires_ns > now)
		return e;
	bpf_map_delete_elem(&nv_ct, &peer);
	bpf_map_delete_elem(&nv_ct, k);
	return NULL;
}

/*
 * A packet of k's direction on its live entry e: counted, its half renewed, and the state moved
 * on: a packet against the opening direction establishes, TCP FIN or RST closes, a new SYN of a
 * closing connection opens it again. A state change
 * is written to both halves (the other one's lifetime follows the new state).
 */
static __always_inline void nv_ct_update(const struct nv_ct_key *k, struct nv_ct_entry *e,
					 __u8 tcp_flags, __u32 bytes, __u64 now)
{
	__u8 opening = e->flags & NV_CT_F_STATIC ? NV_CT_IN : NV_CT_OUT;
	__u8 state = e->state;
	struct nv_ct_entry *pe;
	struct nv_ct_key peer;
	__u64 expires;

	__sync_fetch_and_add(&e->packets, 1);
	__sync_fetch_and_add(&e->bytes, bytes);
	if (k->proto == IPPROTO_TCP && (tcp_flags & (NV_TCP_FIN | NV_TCP_RST)))
		state = NV_CT_CLOSING;
	else if (k->proto == IPPROTO_TCP && state == NV_CT_CLOSING && k->dir == opening &&
		 (tcp_flags & (NV_TCP_SYN | NV_TCP_ACK)) == NV_TCP_SYN)
		state = NV_CT_NEW; /* the tuple opened again (RFC 793 TIME-WAIT reuse) */
	else if (state == NV_CT_NEW && k->dir != opening)
		state = NV_CT_ESTABLISHED;
	expires = now + nv_ct_lifetime(k->proto, state);
	if (state == e->state) {
		if (expires > e->expires_ns + NV_CT_RENEW_NS)
			e->expires_ns = expires;
		return;
	}
	e->state = state;
	e->expires_ns = expires;
	nv_ct_peer_key(k, e, &peer);
	pe = bpf_map_lookup_elem(&nv_ct, &peer);
	if (pe) {
		pe->state = state;
		pe->expires_ns = expires;
	}
}

/*
 * A new connection whose opening packet has tuple open (rdid and dir set), with oe its half: the
 * translation in that direction (addr, port), rdid, flags and the packet's bytes (the rest is
 * filled here). The other half translates back to open's own. Returns 0, -EEXIST when the other
 * half's tuple is taken (another connection has it: try another port), -EAGAIN when the opening
 * tuple was inserted meanwhile by another CPU (look it up again), or another error of the map
 * (full: -E2BIG, or -ENOMEM). Not inlined: its two entries and key get a stack frame of their own.
 */
static __noinline int nv_ct_create(const struct nv_ct_key *open, struct nv_ct_entry *oe)
{
	__u64 now = bpf_ktime_get_ns();
	struct nv_ct_entry pe = {};
	struct nv_ct_key peer;
	int err;

	oe->created_ns = now;
	oe->expires_ns = now + nv_ct_lifetime(open->proto, NV_CT_NEW);
	oe->packets = 1;
	oe->state = NV_CT_NEW;
	/* OUT translates the source (SNAT), IN the destination (DNAT): back to open's own. */
	pe.created_ns = now;
	pe.expires_ns = oe->expires_ns;
	pe.addr = open->dir == NV_CT_OUT ? open->src : open->dst;
	pe.port = open->dir == NV_CT_OUT ? open->sport : open->dport;
	pe.state = NV_CT_NEW;
	pe.flags = oe->flags;
	pe.rdid = oe->rdid;
	nv_ct_peer_key(open, oe, &peer);
	err = bpf_map_update_elem(&nv_ct, &peer, &pe, BPF_NOEXIST);
	if (err)
		return err;
	err = bpf_map_update_elem(&nv_ct, open, oe, BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&nv_ct, &peer);
		return err == -EEXIST ? -EAGAIN : err;
	}
	return 0;
}

#endif /* NV_CT_H */
