/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP errors of the routers (RFC 792, RFC 1812 4.3.2.8): time exceeded in transit for a routed
 * packet whose TTL runs out, sent back to the VM from its gateway CA (at most NV_ICMP_RATE per
 * second per CPU); fragmentation needed (RFC 1191) for a packet the gateway cannot forward whole,
 * and for one too big for the underlay once encapsulated (nv_pmtu.h limits those per port).
 */
#ifndef NV_ICMP_H
#define NV_ICMP_H

#include "nv_common.h"
#include "nv_csum.h"
#include "nv_ipv4.h"

#define NV_IPPROTO_ICMP	      1
#define NV_ICMP_ECHO_REPLY    0
#define NV_ICMP_DEST_UNREACH  3
#define NV_ICMP_FRAG_NEEDED   4 /* code of NV_ICMP_DEST_UNREACH */
#define NV_ICMP_ECHO	      8
#define NV_ICMP_TIME_EXCEEDED 11
#define NV_ICMP_EXC_TTL	      0
#define NV_ICMP_PARAMETERPROB 12
#define NV_ICMP_HLEN	      8
/* The quoted packet: its IPv4 header and the first 64 bits of its data (RFC 792). */
#define NV_ICMP_QUOTE_MAX (NV_IPV4_HLEN_MAX + 8)
/* Internetwork control (RFC 1812 4.3.2.5): the precedence of the router's own messages. */
#define NV_ICMP_TOS 0xc0

struct nv_icmphdr {
	__u8 type;
	__u8 code;
	__be16 check;
	__be32 unused;
};

/* One more ICMP error in this CPU's window, or false when the window has had NV_ICMP_RATE. */
static __always_inline bool nv_icmp_allowed(void)
{
	__u32 zero = 0;
	struct nv_icmp_state *st = bpf_map_lookup_elem(&nv_icmp_state, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!st)
		return false;
	if (now - st->window_ns >= NV_ICMP_WINDOW_NS) {
		st->window_ns = now;
		st->in_window = 0;
	}
	if (st->in_window >= NV_ICMP_RATE)
		return false;
	st->in_window++;
	return true;
}

/* An ICMP error's type, code and its second word (RFC 1191: the next-hop MTU's low half). */
struct nv_icmp_err {
	__u8 type;
	__u8 code;
	__be32 rest;
};

/* bpf_skb_adjust_room moves at most this many bytes per call. */
#define NV_ADJ_ROOM_STEP 0xfff

/*
 * The frame made len bytes long, its bytes after the Ethernet header to be rewritten. Not
 * bpf_skb_change_tail: the kernel refuses it on an skb that still has skb->encapsulation set,
 * which a decapsulated frame at the gateway has (no DECAP_L4 flag on this kernel clears it).
 * bpf_skb_adjust_room at the MAC header takes bytes out of (or puts them into) the packet's
 * front instead; all of what remains is overwritten. A GSO packet (a VM's, too big for the
 * underlay) is cut with bpf_skb_change_tail, which also makes it one packet again (it resets the
 * GSO state); one that is also encapsulated is refused (-EINVAL).
 */
static __always_inline int nv_icmp_resize(struct __sk_buff *skb, __u32 len)
{
	__s32 diff = (__s32)len - (__s32)skb->len;

	if (skb->gso_size)
		return bpf_skb_change_tail(skb, len, 0) ? -EINVAL : 0;
	for (int i = 0; i < 4 && diff; i++) {
		__s32 step = diff < -NV_ADJ_ROOM_STEP ? -NV_ADJ_ROOM_STEP : diff;

		if (bpf_skb_adjust_room(skb, step, BPF_ADJ_ROOM_MAC, 0))
			return -EFAULT;
		diff -= step;
	}
	return diff ? -E2BIG : 0;
}

/*
 * Turns skb, an Ethernet frame with an IPv4 packet (header ihl_len bytes) from the host at
 * to_mac / to_ip, into the ICMP error err from from_ip / from_mac to it, quoting the packet's
 * header and first 64 bits. 0, or a negative errno (the caller drops the frame).
 */
static __always_inline int nv_icmp_error(struct __sk_buff *skb, __u32 ihl_len,
					 const struct nv_icmp_err *err, const __u8 *to_mac,
					 __be32 to_ip, const __u8 *from_mac, __be32 from_ip)
{
	/* Zero: the padding of an odd-length checksum. Room for the verifier's bound (below). */
	__u8 quote[NV_IPV4_HLEN + 64] = {};
	struct nv_icmphdr icmp = { .type = err->type, .code = err->code, .unused = err->rest };
	__u32 qlen = ihl_len + 8, avail = skb->len - NV_ETH_HLEN;
	struct ethhdr eth;
	struct iphdr ip;
	__s64 sum;

	if (qlen > avail)
		qlen = avail;
	if (qlen < NV_IPV4_HLEN || qlen > NV_ICMP_QUOTE_MAX)
		return -EINVAL;
	/*
	 * The same value, in a form the verifier bounds by itself (20..83: clang merges the
	 * checks above into one it cannot follow).
	 */
	asm volatile("" : "+r"(qlen));
	qlen = ((qlen - NV_IPV4_HLEN) & 0x3f) + NV_IPV4_HLEN;
	if (bpf_skb_load_bytes(skb, NV_ETH_HLEN, quote, qlen))
		return -EFAULT;

	sum = bpf_csum_diff(NULL, 0, (__be32 *)&icmp, sizeof(icmp), 0);
	if (sum < 0)
		return (int)sum;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)quote, (qlen + 3) & ~3u, (__u32)sum);
	if (sum < 0)
		return (int)sum;
	icmp.check = nv_csum_fold((__u32)sum);

	__builtin_memset(&ip, 0, sizeof(ip));
	ip.version = NV_IPV4_VERSION;
	ip.ihl = NV_IPV4_IHL_MIN;
	ip.tos = NV_ICMP_TOS;
	ip.tot_len = bpf_htons(NV_IPV4_HLEN + NV_ICMP_HLEN + qlen);
	ip.ttl = NV_DEFAULT_TTL;
	ip.protocol = NV_IPPROTO_ICMP;
	ip.saddr = from_ip;
	ip.daddr = to_ip;
	ip.check = nv_ipv4_csum(&ip);

	/* Byte copies: h_source is not 4-byte aligned on the stack, which the verifier refuses. */
	__builtin_memcpy(eth.h_dest, to_mac, NV_ETH_ALEN);
	__builtin_memcpy(eth.h_source, from_mac, NV_ETH_ALEN);
	eth.h_proto = bpf_htons(ETH_P_IP);

	if (nv_icmp_resize(skb, NV_ETH_HLEN + NV_IPV4_HLEN + NV_ICMP_HLEN + qlen) ||
	    bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0) ||
	    bpf_skb_store_bytes(skb, NV_ETH_HLEN, &ip, sizeof(ip), 0) ||
	    bpf_skb_store_bytes(skb, NV_ETH_HLEN + NV_IPV4_HLEN, &icmp, sizeof(icmp), 0) ||
	    bpf_skb_store_bytes(skb, NV_ETH_HLEN + NV_IPV4_HLEN + NV_ICMP_HLEN, quote, qlen, 0))
		return -EFAULT;
	return 0;
}

/* Time exceeded in transit, from the gateway gw_ca / gw_mac to the VM at vm_mac / vm_ca. */
static __always_inline int nv_icmp_time_exceeded(struct __sk_buff *skb, __u32 ihl_len,
						 const __u8 *vm_mac, __be32 vm_ca,
						 const __u8 *gw_mac, __be32 gw_ca)
{
	const struct nv_icmp_err err = { .type = NV_ICMP_TIME_EXCEEDED, .code = NV_ICMP_EXC_TTL };

	return nv_icmp_error(skb, ihl_len, &err, vm_mac, vm_ca, gw_mac, gw_ca);
}

/* Fragmentation needed and DF set (RFC 1191), naming the next hop's MTU. */
static __always_inline int nv_icmp_frag_needed(struct __sk_buff *skb, __u32 ihl_len, __u32 mtu,
					       const __u8 *to_mac, __be32 to_ip,
					       const __u8 *from_mac, __be32 from_ip)
{
	const struct nv_icmp_err err = { .type = NV_ICMP_DEST_UNREACH,
					 .code = NV_ICMP_FRAG_NEEDED,
					 .rest = bpf_htonl(mtu & 0xffff) };

	return nv_icmp_error(skb, ihl_len, &err, to_mac, to_ip, from_mac, from_ip);
}

#endif /* NV_ICMP_H */
