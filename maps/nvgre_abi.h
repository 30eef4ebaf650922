/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI between the eBPF datapath and user space: every map key and value, the limits and the
 * drop reasons. Included by the BPF programs (after vmlinux.h) and by C user space (after
 * <linux/types.h>). Rules: fixed-width types only, explicit padding (the kernel hashes padding
 * too, so every byte of a key is named and zeroed), a size assert per struct, and drop reasons
 * are never renumbered: a new reason takes the next free number.
 *
 * Changing the layout of any struct here changes NV_ABI_VERSION, which is part of the pin path,
 * so a datapath never reuses maps pinned with another layout.
 */
#ifndef NVGRE_ABI_H
#define NVGRE_ABI_H

#define NV_ABI_VERSION 9

/* RFC 7637: VSIDs 0..0xfff are reserved, 0xffffff is for vendor use. */
#define NV_VSID_MIN 4096u
#define NV_VSID_MAX 16777214u

#define NV_ETH_ALEN	 6
#define NV_ETH_HLEN	 14
#define NV_IPV4_HLEN	 20
#define NV_IPV4_HLEN_MAX 60 /* ihl 15: the longest IPv4 header, options included */
#define NV_GRE_HLEN	 8  /* flags+version, protocol, key */
#define NV_ETH_P_TEB	 0x6558
#define NV_GRE_FLAGS_K	 0x2000 /* C=0, K=1, S=0, version 0 */
#define NV_IPPROTO_GRE	 47
#define NV_DEFAULT_TTL	 64
#define NV_IPV6_HLEN	 40
/* What NVGRE over IPv4 adds to a tenant frame: outer Ethernet + IPv4 + GRE = 42 bytes. */
#define NV_ENCAP_LEN (NV_ETH_HLEN + NV_IPV4_HLEN + NV_GRE_HLEN)
/* Over IPv6: outer Ethernet + IPv6 + GRE = 62 bytes. */
#define NV_ENCAP6_LEN (NV_ETH_HLEN + NV_IPV6_HLEN + NV_GRE_HLEN)

/* Smallest underlay MTU the loader accepts (IPv6's minimum link MTU). */
#define NV_UNDERLAY_MTU_MIN 1280

/* Map capacities (max_entries). records can be lowered at load time for small test instances. */
#define NV_MAX_PORTS	 4096
#define NV_MAX_RECORDS	 (1u << 20)
#define NV_MAX_ROUTES	 65536
#define NV_MAX_SUBNETS	 65536
#define NV_MAX_LOCAL_PAS 64
/* Gateways: legs (one per RDID), external devices, routes to the physical network, NATs. */
#define NV_MAX_GW_LEGS	 4096
#define NV_MAX_GW_DEVS	 64
#define NV_MAX_GW_ROUTES 65536
#define NV_MAX_NAT_MAPS	 65536
/* Connections a gateway tracks by default (dp attach ct-max); two table entries each. */
#define NV_CT_CONNS_DEFAULT (1u << 18)
#define NV_CT_CONNS_MAX	    (1u << 22)
/* ICMP errors the router sends (time exceeded), per second per CPU (Linux: icmp_ratelimit). */
#define NV_ICMP_RATE	  100u
#define NV_ICMP_WINDOW_NS 1000000000ull
/*
 * ICMP errors a port gets for packets too big for the underlay once encapsulated (frag needed,
 * packet too big): a token bucket per port (Cilium's), NV_PMTU_RATE a second, NV_PMTU_BURST at
 * once, so a VM that ignores them cannot make the host send a flood back.
 */
#define NV_PMTU_RATE  100u
#define NV_PMTU_BURST 1000u

/*
 * A CA or PA. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2) so IPv6 needs no
 * layout change. Always network byte order.
 */
union nv_addr {
	__u8 b[16];
	__u32 w[4];
};

/* ports: key = __u32 ifindex of the host-side device of a local VM NIC. */
enum nv_deliver {
	NV_DELIVER_TC = 0,  /* XDP validates, TC on the underlay decaps on the skb (GRO/TSO kept) */
	NV_DELIVER_XDP = 1, /* XDP decaps and redirects through tx_ports */
};

enum nv_port_flags {
	NV_PORT_F_PEER = 1 << 0, /* veth: TC delivers with bpf_redirect_peer into the VM's netns */
	NV_PORT_F_OWN_CLSACT = 1 << 1, /* the loader created the clsact qdisc: it removes it */
};

struct nv_port {
	__u32 vsid;
	__u32 rdid;
	union nv_addr ca;
	__u8 mac[NV_ETH_ALEN];
	__u8 deliver; /* enum nv_deliver */
	__u8 flags;   /* enum nv_port_flags */
	/*
	 * The PA that the lookup record of (vsid, ca) names, i.e. the outer source of what this
	 * port sends, so that receivers find it where the table says. All zero while the port is
	 * unbound (no record, or the record's PA is not local). Kept by the maps library; callers
	 * of nv_port_add() leave it zero.
	 */
	union nv_addr pa;
	/*
	 * The MAC of the subnet's gateway, copied from the subnet by the maps library (a subnet
	 * cannot change under its ports): the router's frames are told from bridged ones without
	 * a lookup. Callers of nv_port_add() leave it zero.
	 */
	__u8 gw_mac[NV_ETH_ALEN];
	__u8 pad[2];
};

/* records: the lookup table (VSID, CA) -> (PA, MAC), the same on every host. */
struct nv_record_key {
	__u32 vsid;
	union nv_addr ca;
};

enum nv_rule {
	NV_RULE_ENCAP = 1, /* NVGRE encapsulation */
};

/* What this host knows of a record, kept by the maps library (never set by callers). */
enum nv_record_local {
	NV_LOCAL_PA = 1 << 0,	/* pa is a PA of this host */
	NV_LOCAL_XDP = 1 << 1,	/* bound port delivers in XDP (its deliver is NV_DELIVER_XDP) */
	NV_LOCAL_PEER = 1 << 2, /* bound port has NV_PORT_F_PEER */
};

struct nv_record {
	union nv_addr pa;
	__u8 mac[NV_ETH_ALEN];
	__u8 rule;  /* enum nv_rule */
	__u8 local; /* enum nv_record_local */
	/*
	 * Ifindex of the local port bound to (vsid, ca) when pa is a local PA, else 0. With local,
	 * this caches what the receive path needs of the port, so it does not look the port up.
	 */
	__u32 ifindex;
	/*
	 * The routing domain and gateway MAC of the record's subnet, copied by the maps library (a
	 * subnet cannot change or go while it has records): the receive path tells a routed frame
	 * (source MAC = the key VSID's gateway MAC) from a bridged one with the destination's
	 * record, without looking the subnet up. Callers of nv_record_add() leave them zero.
	 */
	__u32 rdid;
	__u8 gw_mac[NV_ETH_ALEN];
	__u8 pad[2];
};

/*
 * routes (LPM_TRIE): the forwarding table the programs read, one route per prefix, the best of
 * route_table's (the lowest metric). The prefix covers rdid (32 bits) then addr.
 */
struct nv_route_key {
	__u32 prefixlen;
	__u32 rdid;
	union nv_addr addr;
};

struct nv_route {
	__u32 vsid; /* on-link: the subnet of the destination; next hop: the next hop's subnet */
	__u32 metric;
	union nv_addr nexthop; /* all zero: on-link */
};

/*
 * route_table (HASH): every customer route, read by user space only (several may share a prefix:
 * they differ in next hop). prefixlen counts address bits (IPv4 as 96 + len), addr has no host
 * bits. A subnet's on-link route is here too, flagged NV_ROUTE_F_SUBNET, kept by the subnet.
 */
enum nv_route_flags {
	NV_ROUTE_F_SUBNET = 1 << 0, /* the on-link route `subnet add` implies */
};

struct nv_route_table_key {
	__u32 rdid;
	__u32 prefixlen;
	union nv_addr addr;
	union nv_addr nexthop; /* all zero: on-link */
};

struct nv_route_entry {
	__u32 vsid;
	__u32 metric;
	__u32 flags; /* enum nv_route_flags */
};

/*
 * rdid_cas (HASH): in which VSID of a routing domain a CA has its record, and a copy of that
 * record, for the router (a routed destination) and the receiver (a routed source): one lookup
 * where the VSID and then the record would take two. Kept equal to nv_records by the maps library
 * (every write of a record writes its copy); prefixes of one RDID never overlap, so a CA is in
 * one VSID. CA 0 (0.0.0.0 / ::) is the RDID's gateway wildcard record (HNV's GatewayWildcard).
 */
struct nv_rdid_ca_key {
	__u32 rdid;
	union nv_addr ca;
};

struct nv_rdid_ca {
	__u32 vsid;
	__u32 pad;
	struct nv_record rec; /* as nv_records holds it; rec.gw_mac: the MAC of frames routed in */
};

/*
 * subnets: key = __u32 vsid. A VSID belongs to exactly one routing domain. prefix/prefixlen is
 * the subnet's on-link prefix (prefixlen counts address bits: IPv4 as 96 + len; 0 while none is
 * declared), gw_ca its default gateway in it, gw_mac the gateway's MAC (the same on every host).
 */
struct nv_subnet {
	__u32 rdid;
	__u8 gw_mac[NV_ETH_ALEN];
	__u8 prefixlen;
	__u8 pad;
	union nv_addr gw_ca;
	union nv_addr prefix;
};

/*
 * The gateway (DESIGN section 8): a host with one more attachment, a device on a physical
 * network. Every instance carries these maps (its underlay program receives the tenants' frames
 * for the outside); only a host with a gateway leg fills them.
 */
enum nv_gw_mode {
	NV_GW_FORWARD = 1, /* routes CAs to and from the physical network unchanged */
	NV_GW_NAT = 2,	   /* SNAT to the RDID's external address, static mappings in */
};

/* gw_legs: HASH, key = __u32 rdid: the gateway's leg in a routing domain, one per RDID. */
struct nv_gw_leg {
	__u32 vsid;	   /* the VSID of its CA: tenants' frames to it carry this GRE key */
	__u32 ext_ifindex; /* the external device its traffic leaves by */
	union nv_addr ca;  /* the next hop of the tenant's routes to the outside */
	__u8 mac[NV_ETH_ALEN];
	__u8 mode; /* enum nv_gw_mode */
	__u8 pad;
};

enum nv_gw_dev_flags {
	NV_GW_DEV_F_OWN_CLSACT = 1 << 0, /* the loader created the clsact qdisc: it removes it */
	/*
	 * The loader turned IPv4 forwarding on for the device (bpf_fib_lookup wants it): it turns
	 * it off again with the device's last leg.
	 */
	NV_GW_DEV_F_OWN_FORWARDING = 1 << 1,
};

/*
 * gw_devs: HASH, key = __u32 ifindex of an external device (nv_from_ext at its TC ingress), kept
 * by the maps library from the legs that name it.
 */
struct nv_gw_dev {
	__u32 fwd_rdid;	       /* the RDID of its forward-mode leg (CAs routed in), 0: none */
	__u32 legs;	       /* legs on the device: the last one's removal detaches */
	__u8 mac[NV_ETH_ALEN]; /* the device's: ARP replies for its external addresses */
	__u8 flags;	       /* enum nv_gw_dev_flags */
	__u8 pad;
};

/*
 * gw_routes (LPM_TRIE, key struct nv_route_key): physical prefixes a routing domain reaches
 * through its gateway. A forward-mode leg sends only there; a NAT leg everywhere, via the route's
 * next hop when one matches.
 */
struct nv_gw_route {
	union nv_addr via; /* next hop on the physical network; zero: the FIB's */
};

/* nats: HASH, key = __u32 rdid: outbound SNAT of the routing domain (a NAT-mode leg's). */
struct nv_nat {
	union nv_addr ext; /* external address: one RDID's alone */
	__u16 port_lo;	   /* external ports, host byte order, inclusive */
	__u16 port_hi;
	__u32 pad;
};

/* nat_addrs: HASH, key = union nv_addr: the external addresses, for the receive side. */
struct nv_nat_addr {
	__u32 rdid;
	__u32 ifindex; /* the external device of the RDID's leg */
};

/* nat_maps: HASH: static mappings (published services), external addr:port -> CA:port. */
struct nv_nat_map_key {
	union nv_addr ext;
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

struct nv_nat_map {
	__u32 rdid;
	__be16 port; /* the CA's */
	__u16 pad;
	union nv_addr ca;
};

/*
 * ct (HASH, BPF_F_NO_PREALLOC: a host that is no gateway holds none): connection tracking and
 * NAT in one table, two entries per connection, inserted together with BPF_NOEXIST and removed
 * together, never evicted (a full table is a counted drop).
 *   NV_CT_OUT: the tuple as the tenant sends it, rdid the tenant's; translates to the external
 *              address and port.
 *   NV_CT_IN:  the reply tuple as it arrives at the external address, rdid 0 (an external
 *              address belongs to one RDID); translates back to the CA and its port.
 * ICMP echo: the identifier is the request's sport and the reply's dport (the other port 0), so
 * a reply tuple is the request's reversed, as for TCP and UDP.
 */
enum nv_ct_dir {
	NV_CT_OUT = 0,
	NV_CT_IN = 1,
};

struct nv_ct_key {
	__u32 rdid;
	union nv_addr src;
	union nv_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir; /* enum nv_ct_dir */
	__u16 pad;
};

enum nv_ct_state {
	NV_CT_NEW = 0,	       /* the opening direction seen (TCP: SYN) */
	NV_CT_ESTABLISHED = 1, /* a reply seen */
	NV_CT_CLOSING = 2,     /* TCP FIN or RST seen */
};

enum nv_ct_flags {
	NV_CT_F_STATIC = 1 << 0, /* opened from outside through a static mapping */
};

struct nv_ct_entry {
	__u64 expires_ns; /* bpf_ktime_get_ns() clock: this direction's last packet + timeout */
	__u64 created_ns;
	__u64 packets; /* this direction's */
	__u64 bytes;
	union nv_addr addr; /* OUT: the external address; IN: the CA */
	__be16 port;	    /* OUT: the external port (ICMP: identifier); IN: the CA's */
	__u8 state;	    /* enum nv_ct_state, the same in both entries */
	__u8 flags;	    /* enum nv_ct_flags */
	__u32 rdid;	    /* the tenant's routing domain */
};

/*
 * ct_timeouts: ARRAY with one entry, key 0: seconds; 0 takes the default below (Cilium's and
 * conntrack's), which the datapath and the maps library both read from here.
 */
#define NV_CT_TIMEOUT_TCP_SYN	      60
#define NV_CT_TIMEOUT_TCP_ESTABLISHED 21600
#define NV_CT_TIMEOUT_TCP_FIN	      10
#define NV_CT_TIMEOUT_UDP	      60
#define NV_CT_TIMEOUT_ICMP	      30
struct nv_ct_timeouts {
	__u32 tcp_syn;
	__u32 tcp_established;
	__u32 tcp_fin;
	__u32 udp;
	__u32 icmp;
	__u32 pad;
};

/* icmp_state: PERCPU_ARRAY with one entry, key 0: the ICMP error rate limiter (NV_ICMP_RATE). */
struct nv_icmp_state {
	__u64 window_ns; /* start of the current window */
	__u32 in_window; /* ICMP errors sent in it */
	__u32 pad;
};

/*
 * pmtu_buckets: LRU_HASH, key = __u32 ifindex of a port: its NV_PMTU_RATE token bucket, made by
 * the datapath at the port's first ICMP error (full), removed by the maps library with the port.
 * Credit is kept in nanoseconds: it grows with time up to NV_PMTU_BURST errors' worth, and each
 * error costs 1 s / NV_PMTU_RATE, so no division runs in BPF.
 */
struct nv_token_bucket {
	__u64 last_ns;	 /* bpf_ktime_get_ns() of the last error sent */
	__u64 credit_ns; /* credit at last_ns, at most NV_PMTU_BURST * (1 s / NV_PMTU_RATE) */
};

/* local_pas: key = union nv_addr (a PA of this host). */
struct nv_local_pa {
	__u32 ifindex; /* underlay device that holds it */
};

/* config: ARRAY with one entry, key 0. */
enum nv_config_flags {
	NV_CFG_F_OWN_CLSACT = 1 << 0, /* the loader created the underlay's clsact qdisc */
	/*
	 * No XDP program on the underlay (dp attach xdp-mode none): nv_wire_tc validates and
	 * decapsulates alone, after GRO, and no port may deliver in XDP.
	 */
	NV_CFG_F_NO_XDP = 1 << 1,
	/* dp attach xdp-mode auto chose the mode (NO_XDP or not): dp show says why. */
	NV_CFG_F_XDP_AUTO = 1 << 2,
};

struct nv_config {
	__u32 underlay_ifindex; /* 0: datapath not attached, encap drops NO_UNDERLAY */
	__u8 ttl;		/* outer TTL, 0 means NV_DEFAULT_TTL */
	__u8 flags;		/* enum nv_config_flags */
	__u8 events;		/* enum nv_events_mode */
	__u8 pad;
	union nv_addr pa; /* outer source of encapsulated packets; also a local PA for receive */
	__u32 event_rate; /* events per second per CPU; 0 means NV_EVENT_RATE_DEFAULT */
	__u32 pad2;
};

/*
 * stats: PERCPU_HASH, key = __u32 vsid; created with the subnet. The datapath does not write it:
 * it counts per port (nv_port_stats). The maps library adds a port's counters here when it
 * deletes the port, so that a VSID's totals (this entry plus its ports) never go backwards.
 */
struct nv_vsid_stats {
	__u64 tx_packets; /* accepted from this VSID's local ports (encapsulated or local) */
	__u64 tx_bytes;
	__u64 rx_packets; /* delivered to this VSID's local ports (from the wire or local) */
	__u64 rx_bytes;
};

/* port_stats: PERCPU_HASH, key = __u32 ifindex of a port; created and removed with the port. */
struct nv_port_stats {
	__u64 tx_packets; /* accepted from the VM: encapsulated or delivered locally (not ARP) */
	__u64 tx_bytes;
	__u64 rx_packets; /* delivered to the VM (from the wire or from a local port) */
	__u64 rx_bytes;
	__u64 drop_packets; /* sent by the VM and dropped (any reason) */
	__u64 drop_bytes;
};

/* drops: PERCPU_ARRAY, key = enum nv_drop_reason. */
struct nv_drop_stats {
	__u64 packets;
	__u64 bytes;
};

/*
 * XDP -> TC hand-over in the packet's metadata (bpf_xdp_adjust_meta) for NV_DELIVER_TC ports: the
 * XDP stage has validated the frame and resolved the port, TC only decaps and delivers.
 */
#define NV_META_MAGIC 0x4e564d33u /* "NVM3" */
struct nv_xdp_meta {
	__u32 magic;
	__u32 ifindex; /* the port */
	__u32 vsid;
	/* No lengths: GRO merges frames with equal metadata between XDP and TC. */
	__u8 local; /* the record's enum nv_record_local */
	__u8 pad[3];
};

/*
 * Events (nvctl monitor, nvctl trace): the datapath writes struct nv_event into the nv_events ring
 * buffer, per config.events: on every drop, or (trace) on every verdict. At most config.event_rate
 * events per second per CPU are written; the rest are counted in nv_event_state, so a flood costs
 * a counter increment, not a ring write.
 */
enum nv_events_mode {
	NV_EVENTS_OFF = 0,
	NV_EVENTS_DROPS = 1, /* every drop */
	NV_EVENTS_TRACE = 2, /* every verdict: drops and accepted frames */
};

/*
 * Hooks, i.e. the datapath's programs as events name them. X(name, number, text): numbers are
 * ABI (event.hook), append only. loader/nv_progs.h says which program runs at each.
 */
#define NV_HOOKS(X)                                                   \
	X(FROM_VM, 1, "from_vm")     /* TC ingress of a port */       \
	X(FROM_WIRE, 2, "from_wire") /* XDP on the underlay */        \
	X(WIRE_TC, 3, "wire_tc")     /* TC ingress of the underlay */ \
	X(FROM_EXT, 4, "from_ext")   /* TC ingress of a gateway's external device */

#define NV_HOOK_ENUM_ENTRY(name, num, text) NV_HOOK_##name = num,
enum nv_hook {
	NV_HOOKS(NV_HOOK_ENUM_ENTRY) NV_HOOK__MAX
};
#undef NV_HOOK_ENUM_ENTRY

enum nv_verdict {
	NV_VERDICT_DROP = 0,
	NV_VERDICT_PASS = 1,	 /* to the host's own stack, untouched (not NVGRE to us) */
	NV_VERDICT_REDIRECT = 2, /* to event.target: a port, the underlay (encap), or back (ARP) */
	NV_VERDICT_TO_TC = 3,	 /* XDP validated, nv_wire_tc decapsulates (metadata hand-over) */
};

#define NV_EVENT_SNAPLEN      128
#define NV_EVENT_RATE_DEFAULT 1000u
#define NV_EVENTS_RING_BYTES  (1u << 20)

struct nv_event {
	__u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex; /* device the program ran on */
	__u32 target;  /* REDIRECT and TO_TC: ifindex of the target (the port for TO_TC), else 0 */
	__u32 vsid;    /* the VSID when the program knew it, else 0 */
	__u32 len;     /* frame length at the decision */
	__u16 reason;  /* enum nv_drop_reason; NV_DROP_NONE unless verdict is NV_VERDICT_DROP */
	__u8 hook;     /* enum nv_hook */
	__u8 verdict;  /* enum nv_verdict */
	__u16 cap_len; /* bytes of data that are valid: min(len, NV_EVENT_SNAPLEN) */
	__u16 pad;
	/*
	 * The frame's first bytes as the program saw it at the decision (after encap or decap for
	 * an accepted frame). Outer and inner addresses are decoded from here by user space.
	 */
	__u8 data[NV_EVENT_SNAPLEN];
};

/* event_state: PERCPU_ARRAY with one entry, key 0: the per-CPU rate limiter and its counts. */
struct nv_event_state {
	__u64 window_ns;    /* start of the current one-second window */
	__u64 emitted;	    /* events written to the ring */
	__u64 rate_limited; /* events not written: over config.event_rate in their window */
	__u64 ring_full;    /* events not written: no room in the ring (reader too slow) */
	__u32 in_window;    /* events written in the current window */
	__u32 pad;
};

/*
 * Drop reasons. X(name, number, text): numbers are fixed forever; append only. "wire" reasons
 * are raised by the underlay programs, "vm" reasons by from_vm.
 */
#define NV_DROP_REASONS(X)                                                                    \
	X(NONE, 0, "none")                                                                    \
	X(TRUNCATED, 1, "frame shorter than its headers")                                     \
	X(MALFORMED, 2, "invalid header field")                                               \
	X(PORT_UNKNOWN, 3, "vm: ingress device is not a port")                                \
	X(SPOOF_MAC, 4, "vm: source MAC is not the port's")                                   \
	X(SPOOF_CA, 5, "vm: source CA is not the port's")                                     \
	X(BROADCAST, 6, "vm: broadcast or multicast that is not ARP")                         \
	X(ARP_NOT_REQUEST, 7, "vm: ARP that is not an IPv4-over-Ethernet request")            \
	X(ARP_UNKNOWN, 8, "vm: ARP request for a CA with no record")                          \
	X(ARP_SELF, 9, "vm: gratuitous ARP or probe for the port's own CA")                   \
	X(ETHERTYPE, 10, "vm: ethertype not supported")                                       \
	X(NO_RECORD, 11, "vm: destination CA has no record in the port's VSID")               \
	X(DST_MAC, 12, "destination MAC is not the destination CA's")                         \
	X(NO_UNDERLAY, 13, "vm: no IPv4 underlay to reach the destination PA")                \
	X(MTU, 14, "vm: too big for the underlay once encapsulated (ICMP error sent)")        \
	X(ENCAP_FAILED, 15, "vm: could not make room for the NVGRE header")                   \
	X(OUTER_FRAGMENT, 16, "wire: fragmented outer IPv4 packet")                           \
	X(GRE_FLAGS, 17, "wire: GRE flags/version is not 0x2000")                             \
	X(GRE_PROTO, 18, "wire: GRE protocol is not 0x6558")                                  \
	X(VSID_RANGE, 19, "wire: VSID outside 4096..16777214")                                \
	X(VSID_UNKNOWN, 20, "wire: VSID has no subnet")                                       \
	X(INNER_VLAN, 21, "wire: inner frame carries an 802.1Q/802.1ad tag")                  \
	X(INNER_ETHERTYPE, 22, "wire: inner frame is not IPv4")                               \
	X(SRC_UNKNOWN, 23, "wire: inner source CA has no record")                             \
	X(SRC_PA, 24, "wire: outer source is not the PA of the inner source CA")              \
	X(SRC_MAC, 25, "wire: inner source MAC is not the inner source CA's")                 \
	X(NOT_LOCAL, 26, "destination CA is not a local port of the VSID")                    \
	X(RDID, 27, "source and destination are in different routing domains")                \
	X(DECAP_FAILED, 28, "wire: could not remove the NVGRE header")                        \
	X(REDIRECT, 29, "redirect to the target device failed")                               \
	X(PORT_UNBOUND, 30, "vm: the port's CA has no record at a local PA")                  \
	X(OUTER_CSUM, 31, "wire: outer IPv4 header checksum is wrong")                        \
	X(SRC_LOCAL, 32, "wire: inner source CA is recorded at a local PA")                   \
	X(TTL_EXPIRED, 33, "routed packet's TTL expired (ICMP time exceeded sent)")           \
	X(ICMP_RATE, 34, "routed packet's TTL expired, ICMP error rate-limited")              \
	X(NO_ROUTE, 35, "vm: no record or route for the destination CA in the RDID")          \
	X(ROUTE_NO_RECORD, 36, "vm: destination CA has no record in the route's VSID")        \
	X(NEXTHOP_UNKNOWN, 37, "vm: the route's next hop CA has no record")                   \
	X(GATEWAY_CA, 38, "vm: packet to the gateway CA (the router answers ARP only)")       \
	X(ROUTED_SRC_MAC, 39, "wire: routed frame's source MAC is not the gateway MAC")       \
	X(GATEWAY_PA, 40, "wire: source outside the RDID and not from its gateway's PA")      \
	X(GW_NO_ROUTE, 41, "gw: no route to the destination out of the external device")      \
	X(NAT_PORTS, 42, "gw: no free external port in the NAT's range")                      \
	X(CT_FULL, 43, "gw: connection table full")                                           \
	X(NAT_UNSUPPORTED, 44, "gw: not TCP, UDP, ICMP echo or an ICMP error NAT translates") \
	X(NAT_NOT_SYN, 45, "gw: TCP packet of no connection that is not a SYN")               \
	X(NAT_NO_CONN, 46, "gw: ICMP error about no tracked connection")                      \
	X(FRAG_NEEDED, 47, "gw: too big for the next link (ICMP frag needed sent)")           \
	X(FRAG_RATE, 48, "gw: too big for the next link, ICMP error rate-limited")            \
	X(EXT_SPOOF, 49, "ext: source address is a CA of the routing domain")                 \
	X(EXT_NO_RECORD, 50, "ext: the destination CA has no record in its routing domain")   \
	X(NAT_NONE, 51, "gw: the routing domain's NAT leg has no external address (nat add)") \
	X(GW_FORWARDING, 52, "gw: IPv4 forwarding is off on the external device (sysctl)")    \
	X(MTU_RATE, 53, "vm: too big for the underlay, the port's ICMP errors rate-limited")

#define NV_DROP_ENUM_ENTRY(name, num, text) NV_DROP_##name = num,
enum nv_drop_reason {
	NV_DROP_REASONS(NV_DROP_ENUM_ENTRY) NV_DROP__MAX
};
#undef NV_DROP_ENUM_ENTRY

/* nv_drops has room for reasons not yet written, so adding one keeps the pinned map's layout. */
#define NV_DROP_SLOTS 64
_Static_assert(NV_DROP__MAX <= NV_DROP_SLOTS,
	       "nv_drops is full: bump NV_ABI_VERSION and NV_DROP_SLOTS");

/* Sizes are ABI: a change here must bump NV_ABI_VERSION. */
#define NV_ASSERT_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " is ABI")
NV_ASSERT_SIZE(union nv_addr, 16);
NV_ASSERT_SIZE(struct nv_port, 56);
NV_ASSERT_SIZE(struct nv_record_key, 20);
NV_ASSERT_SIZE(struct nv_record, 40);
NV_ASSERT_SIZE(struct nv_route_key, 24);
NV_ASSERT_SIZE(struct nv_route, 24);
NV_ASSERT_SIZE(struct nv_route_table_key, 40);
NV_ASSERT_SIZE(struct nv_route_entry, 12);
NV_ASSERT_SIZE(struct nv_rdid_ca_key, 20);
NV_ASSERT_SIZE(struct nv_rdid_ca, 48);
NV_ASSERT_SIZE(struct nv_gw_leg, 32);
NV_ASSERT_SIZE(struct nv_gw_dev, 16);
NV_ASSERT_SIZE(struct nv_gw_route, 16);
NV_ASSERT_SIZE(struct nv_nat, 24);
NV_ASSERT_SIZE(struct nv_nat_addr, 8);
NV_ASSERT_SIZE(struct nv_nat_map_key, 20);
NV_ASSERT_SIZE(struct nv_nat_map, 24);
NV_ASSERT_SIZE(struct nv_ct_key, 44);
NV_ASSERT_SIZE(struct nv_ct_entry, 56);
NV_ASSERT_SIZE(struct nv_ct_timeouts, 24);
NV_ASSERT_SIZE(struct nv_icmp_state, 16);
NV_ASSERT_SIZE(struct nv_token_bucket, 16);
NV_ASSERT_SIZE(struct nv_subnet, 44);
NV_ASSERT_SIZE(struct nv_local_pa, 4);
NV_ASSERT_SIZE(struct nv_config, 32);
NV_ASSERT_SIZE(struct nv_vsid_stats, 32);
NV_ASSERT_SIZE(struct nv_port_stats, 48);
NV_ASSERT_SIZE(struct nv_drop_stats, 16);
NV_ASSERT_SIZE(struct nv_xdp_meta, 16);
NV_ASSERT_SIZE(struct nv_event, 160);
NV_ASSERT_SIZE(struct nv_event_state, 40);

#endif /* NVGRE_ABI_H */
