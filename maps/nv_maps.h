/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Typed access to the datapath's maps for user space (the CLI, the loader and the tests). Nothing
 * else touches raw map fds. Every function returns 0 or a negative errno and never exits.
 *
 * Consistency rules the library keeps (the datapath relies on them and does not check them again):
 * - a port or record names a VSID that has a subnet; a port's rdid is its subnet's rdid;
 * - a PA is local when it is in nv_local_pas; the config PA, when not zero, is one of them;
 * - a port is bound when the record of its (vsid, ca) exists and that record's PA is local. A
 *   bound port and its record have the same MAC (calls that would bind different MACs fail);
 * - a port's pa is the PA of the record it is bound to, all zero while it is unbound;
 * - a record's local has NV_LOCAL_PA when its PA is local, and when a port is bound to it
 *   NV_LOCAL_XDP if that port's deliver is NV_DELIVER_XDP and NV_LOCAL_PEER if it has
 *   NV_PORT_F_PEER; its ifindex is the bound port's, else 0;
 * - every subnet has a (zeroed) stats entry; every port has a tx_ports entry;
 * - a call that fails leaves the maps as they were.
 * The library computes the port's pa and the record's local and ifindex: what callers pass there is
 * ignored. Reads (get, iter) return them as stored.
 */
#ifndef NV_MAPS_H
#define NV_MAPS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "nv_conflict.h"
#include "nvgre_abi.h"

#include "nv_map_list.h"

#define NV_MAP_ENUM_ENTRY(id, ...) NV_MAP_##id,
enum nv_map_id {
	NV_MAP_LIST(NV_MAP_ENUM_ENTRY) NV_MAP__COUNT
};
#undef NV_MAP_ENUM_ENTRY

/* Map groups (nv_map_list.h): what an instance carries and what a caller opens. */
enum nv_map_group {
	NV_MAP_GROUP_CORE = 1 << 0,
	NV_MAP_GROUP_ROUTING = 1 << 1,
	NV_MAP_GROUP_GATEWAY = 1 << 2,
	/*
	 * What every host's programs use: the maps nv_dp_maps() opens at least. The gateway's
	 * too: the underlay program that receives tenants' frames is every host's, and the
	 * connection table is not preallocated, so a host that is no gateway pays nothing.
	 */
	NV_MAP_GROUPS_HOST = NV_MAP_GROUP_CORE | NV_MAP_GROUP_ROUTING | NV_MAP_GROUP_GATEWAY,
	NV_MAP_GROUPS_ALL = NV_MAP_GROUPS_HOST,
};

enum nv_map_role {
	NV_MAP_ROLE_POLICY, /* written by user space, read by the programs */
	NV_MAP_ROLE_CONFIG, /* the config entry */
	NV_MAP_ROLE_STATE,  /* written by the programs: counters, events */
};

/* A row of nv_map_list.h as user space checks it. */
struct nv_map_spec {
	const char *name;   /* "nv_ports": the BPF map's name and its pin name */
	unsigned int group; /* enum nv_map_group */
	unsigned int role;  /* enum nv_map_role */
	__u32 type;
	__u32 key_size, value_size; /* 0 for the ring buffer */
	__u32 max_entries;
	__u32 map_flags;
	bool fixed_max; /* max_entries is ABI: a map of another size is refused */
};
extern const struct nv_map_spec nv_map_specs[NV_MAP__COUNT];

struct nv_maps {
	int fd[NV_MAP__COUNT]; /* owned: closed by nv_maps_close(); -1 for a group not open */
	unsigned int groups;   /* enum nv_map_group: the groups whose maps are open */
};

/*
 * Open the maps of groups (enum nv_map_group) pinned under dir, the instance's versioned maps
 * directory (loader/nv_pins.h). All or none; the other groups' fds are -1. -ENOENT: a map of
 * those groups is not pinned there. -EPROTO: a map of another type, key or value size than
 * nv_map_list.h declares, or of another max_entries where that is ABI.
 */
int nv_maps_open_pinned(struct nv_maps *m, const char *dir, unsigned int groups);
/* The groups whose maps are pinned under dir (a group counts when its first map is there). */
unsigned int nv_maps_pinned_groups(const char *dir);
/* Take duplicates of fds[i] for the maps of groups (e.g. from a loaded bpf_object). */
int nv_maps_from_fds(struct nv_maps *m, const int fds[NV_MAP__COUNT], unsigned int groups);
void nv_maps_close(struct nv_maps *m);

/* The enum nv_map_id of a map named name ("nv_ports", ...), or -1 (an object's own data). */
int nv_map_id(const char *name);
/* "nv_ports" for NV_MAP_PORTS; NULL out of range. */
const char *nv_map_name(enum nv_map_id id);
/* Entries in a map (keys only, no lookups); -EINVAL for the ring buffer, which has no keys. */
int nv_map_count(const struct nv_maps *m, enum nv_map_id id, __u32 *n);
bool nv_vsid_valid(__u32 vsid);

/*
 * Policy: subnets, local PAs, ports, records, routes. Every call that can refuse takes why
 * (nv_conflict.h, may be NULL) and sets it to the rule the request broke; the errnos below are
 * the same as without it. A call that fails leaves the maps as they were. Values are checked
 * once, here, by the rules the CLI parses with: a CA or PA is unicast (nv_addr_unicast), a MAC is
 * unicast and not zero (nv_mac_unicast), a VSID is in range (nv_vsid_valid). Any add: -E2BIG
 * when a hash map it writes has no room (TABLE_FULL names the map).
 */

/*
 * Subnets. add: -EINVAL vsid out of range, -EEXIST. del: -ENOENT, -EBUSY while a port, record or
 * route uses the VSID (needs the routing group open).
 */
/*
 * s->prefix/prefixlen (prefixlen in address bits, IPv4 as 96 + len; required: SUBNET_PREFIX),
 * not overlapping another subnet's prefix in s->rdid (SUBNET_OVERLAP), with s->gw_ca in it
 * (zero: the prefix's first host) and s->gw_mac (zero: the MAC nv_subnet_default_gw_mac derives
 * from the VSID). add also adds the subnet's on-link route; del removes it.
 */
int nv_subnet_add(const struct nv_maps *m, __u32 vsid, const struct nv_subnet *s,
		  struct nv_conflict *why);
int nv_subnet_del(const struct nv_maps *m, __u32 vsid, struct nv_conflict *why);
int nv_subnet_get(const struct nv_maps *m, __u32 vsid, struct nv_subnet *out);
/* The default gateway MAC of a VSID: 02:4e:56 and its 24 bits, the same on every host. */
void nv_subnet_default_gw_mac(__u32 vsid, __u8 mac[NV_ETH_ALEN]);
/* s as add would store it (checked, defaults filled in: out), without looking at the maps. */
int nv_subnet_complete(__u32 vsid, const struct nv_subnet *s, struct nv_subnet *out,
		       struct nv_conflict *why);
typedef int (*nv_subnet_cb)(__u32 vsid, const struct nv_subnet *s, void *arg);
int nv_subnet_iter(const struct nv_maps *m, nv_subnet_cb cb, void *arg);

/*
 * Local provider addresses. add/del bind and unbind the ports of the records at pa (their local,
 * ifindex and the ports' pa). add: -EINVAL pa not unicast, or a record at pa whose MAC differs
 * from the port of its (vsid, ca), -EEXIST. del: -ENOENT, -EBUSY while pa is the config PA.
 * get: the entry of a local PA, -ENOENT when pa is not one.
 */
int nv_local_pa_add(const struct nv_maps *m, const union nv_addr *pa, __u32 ifindex,
		    struct nv_conflict *why);
int nv_local_pa_del(const struct nv_maps *m, const union nv_addr *pa, struct nv_conflict *why);
int nv_local_pa_get(const struct nv_maps *m, const union nv_addr *pa, struct nv_local_pa *out);
bool nv_local_pa_has(const struct nv_maps *m, const union nv_addr *pa);
typedef int (*nv_local_pa_cb)(const union nv_addr *pa, const struct nv_local_pa *v, void *arg);
int nv_local_pa_iter(const struct nv_maps *m, nv_local_pa_cb cb, void *arg);

/*
 * Ports. add: p->pa is ignored and computed (bound: the record's PA); the record of (vsid, ca) is
 * bound to the port. The CA lies in the subnet's prefix and is not its gateway. -ENOENT no subnet,
 * -EINVAL bad vsid, CA, MAC, deliver or flags, rdid differs from the subnet's, ifindex is the
 * config's underlay, or the record of (vsid, ca) is at a local PA with another MAC, -EEXIST ifindex
 * already a port or another port has (vsid, ca), -EOPNOTSUPP deliver xdp on a datapath without XDP,
 * -ENODEV (from the devmap) unknown ifindex. del: -ENOENT; the record is unbound (ifindex 0, local
 * only NV_LOCAL_PA if its PA is local). find: the port with (vsid, ca): its ifindex and entry
 * (either may be NULL), -ENOENT when none.
 */
int nv_port_add(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		struct nv_conflict *why);
/* Every rule of nv_port_add, without writing anything: 0 when add would accept p at ifindex. */
int nv_port_check(const struct nv_maps *m, __u32 ifindex, const struct nv_port *p,
		  struct nv_conflict *why);
int nv_port_del(const struct nv_maps *m, __u32 ifindex, struct nv_conflict *why);
int nv_port_get(const struct nv_maps *m, __u32 ifindex, struct nv_port *out);
int nv_port_find(const struct nv_maps *m, __u32 vsid, const union nv_addr *ca, __u32 *ifindex,
		 struct nv_port *out);
typedef int (*nv_port_cb)(__u32 ifindex, const struct nv_port *p, void *arg);
int nv_port_iter(const struct nv_maps *m, nv_port_cb cb, void *arg);

/*
 * Lookup records. add: r->local and r->ifindex are ignored and computed; a port with (vsid, ca)
 * is bound when r->pa is local (its pa set to it). The CA lies in the subnet's prefix and is not
 * its gateway (CA_OUTSIDE_PREFIX, CA_IS_GATEWAY), except CA 0 (0.0.0.0 or ::): the routing
 * domain's gateway wildcard record, one per RDID and family (WILDCARD_EXISTS). Each record is
 * also indexed by (rdid, ca) in nv_rdid_cas. -EINVAL bad vsid, CA, PA, MAC or rule, or r->pa
 * is local and the port with (vsid, ca) has another MAC, -ENOENT no subnet, -EEXIST, -E2BIG the
 * table is full. del: -ENOENT; the bound port, if any, is unbound (its pa zeroed).
 */
int nv_record_add(const struct nv_maps *m, const struct nv_record_key *k, const struct nv_record *r,
		  struct nv_conflict *why);
/*
 * A record's new PA, MAC or rule (a VM that moved host), replaced in place: the datapath finds the
 * old value or the new one, never none; the port of (vsid, ca) is bound or unbound as the new PA
 * says, and the index copy follows. All or nothing. -ENOENT (RECORD_UNKNOWN) when there is none;
 * otherwise as add.
 */
int nv_record_update(const struct nv_maps *m, const struct nv_record_key *k,
		     const struct nv_record *r, struct nv_conflict *why);
/*
 * Adds k[i] -> r[i] for i in 0..n as n nv_record_add calls in that order would, all or nothing,
 * with far fewer syscalls (records at remote PAs are written by batch updates). On failure returns
 * the error of the first record that nv_record_add would refuse (a key given twice: -EEXIST at the
 * second), sets *failed (may be NULL) to its index and why to its conflict, and the maps are as
 * they were.
 */
int nv_record_add_many(const struct nv_maps *m, const struct nv_record_key *k,
		       const struct nv_record *r, size_t n, size_t *failed,
		       struct nv_conflict *why);
int nv_record_del(const struct nv_maps *m, const struct nv_record_key *k, struct nv_conflict *why);
int nv_record_get(const struct nv_maps *m, const struct nv_record_key *k, struct nv_record *out);
typedef int (*nv_record_cb)(const struct nv_record_key *k, const struct nv_record *r, void *arg);
int nv_record_iter(const struct nv_maps *m, nv_record_cb cb, void *arg);

/*
 * Customer routes (the routing group; DESIGN section 7). Every route is kept in nv_route_table;
 * nv_routes, the LPM trie the programs read, holds the best one of each prefix: the lowest
 * metric, then on-link before a next hop, then the lowest next hop address (the same choice on
 * every host, whatever the order of the calls). Each subnet brings its on-link route (metric 0,
 * NV_ROUTE_F_SUBNET), added and removed with it.
 *
 * k->prefixlen counts address bits (IPv4 as 96 + len); host bits are cleared. r->nexthop zero:
 * on-link in r->vsid, a subnet of k->rdid (ROUTE_RDID otherwise). r->nexthop set: a CA that has a
 * record in k->rdid (NEXTHOP_UNKNOWN), whose VSID the route takes (r->vsid: 0 or that VSID,
 * NEXTHOP_VSID). Next hops are never resolved through other routes.
 * add: -EINVAL, -ENOENT, -EEXIST (same rdid, prefix and next hop), -E2BIG / -ENOSPC full.
 * del: the route of k with next hop nexthop (NULL: the prefix's only customer route,
 * ROUTE_AMBIGUOUS when it has several); -ENOENT, -EBUSY for a subnet's on-link route
 * (ROUTE_IS_SUBNET). A change reaches the datapath in one update of nv_routes: never a moment
 * without a route.
 */
int nv_route_add(const struct nv_maps *m, const struct nv_route_key *k, const struct nv_route *r,
		 struct nv_conflict *why);
int nv_route_del(const struct nv_maps *m, const struct nv_route_key *k,
		 const union nv_addr *nexthop, struct nv_conflict *why);

/* A route as nv_route_iter and nv_route_lookup give it. */
struct nv_route_info {
	__u32 rdid;
	__u32 prefixlen; /* address bits */
	union nv_addr prefix;
	struct nv_route route; /* vsid, metric, nexthop (zero: on-link) */
	__u32 flags;	       /* enum nv_route_flags */
	bool active;	       /* the best of its prefix: the one in nv_routes */
};
typedef int (*nv_route_cb)(const struct nv_route_info *r, void *arg);
/* Every route, ordered by rdid, address family, prefix, length (longest first), preference. */
int nv_route_iter(const struct nv_maps *m, nv_route_cb cb, void *arg);
/* A route's next hop all zero: on-link (in its VSID), not via a next hop CA. */
bool nv_route_onlink(const union nv_addr *nexthop);
/* The route the datapath takes to addr in rdid (longest prefix, then the best): -ENOENT none. */
int nv_route_lookup(const struct nv_maps *m, __u32 rdid, const union nv_addr *addr,
		    struct nv_route_info *out);
/*
 * The index entry of ca in rdid (nv_rdid_cas: its record's VSID and a copy of the record, with
 * that VSID's gateway MAC): 0, or -ENOENT when ca has no record there. _get gives the VSID alone.
 */
int nv_rdid_ca_lookup(const struct nv_maps *m, __u32 rdid, const union nv_addr *ca,
		      struct nv_rdid_ca *out);
int nv_rdid_ca_get(const struct nv_maps *m, __u32 rdid, const union nv_addr *ca, __u32 *vsid);

/*
 * Gateways (the gateway group; DESIGN section 8). A gateway is a host with a leg in each routing
 * domain it serves: its CA and MAC in leg->vsid (a subnet of rdid: VSID_UNKNOWN, RDID_DIFFERS;
 * the CA in its prefix and not its gateway, as a port's; not a port's CA: CA_HELD) and the
 * external device leg->ext_ifindex its traffic leaves by (not the underlay nor a port:
 * GW_DEV_INVALID). One leg per RDID (GW_EXISTS); a device carries at most one forward-mode leg
 * (GW_DEV_FORWARD, rdid: the holder), since the physical network routes CAs to it by address
 * alone. The library keeps nv_gw_devs: the entry of a device is created with its first leg (dev:
 * the device's MAC and flags, given by the caller: the loader reads the MAC and attaches) and
 * removed with its last; dev is ignored when the device has an entry.
 * add: -EINVAL (mode, MAC, CA, VSID), -ENOENT, -EEXIST. del: GW_UNKNOWN; GW_IN_USE (-EBUSY) while
 * the RDID has a NAT or a gateway route (rdid). *last_dev (may be NULL) is set when the device's
 * entry went with it (the loader detaches then).
 */
struct nv_gw_dev_info {
	__u8 mac[NV_ETH_ALEN];
	__u8 flags; /* enum nv_gw_dev_flags */
};
int nv_gw_leg_add(const struct nv_maps *m, __u32 rdid, const struct nv_gw_leg *leg,
		  const struct nv_gw_dev_info *dev, struct nv_conflict *why);
/* Every rule of nv_gw_leg_add, writing nothing. */
int nv_gw_leg_check(const struct nv_maps *m, __u32 rdid, const struct nv_gw_leg *leg,
		    struct nv_conflict *why);
int nv_gw_leg_del(const struct nv_maps *m, __u32 rdid, bool *last_dev, struct nv_conflict *why);
int nv_gw_leg_get(const struct nv_maps *m, __u32 rdid, struct nv_gw_leg *out);
typedef int (*nv_gw_leg_cb)(__u32 rdid, const struct nv_gw_leg *leg, void *arg);
int nv_gw_leg_iter(const struct nv_maps *m, nv_gw_leg_cb cb, void *arg);
int nv_gw_dev_get(const struct nv_maps *m, __u32 ifindex, struct nv_gw_dev *out);
typedef int (*nv_gw_dev_cb)(__u32 ifindex, const struct nv_gw_dev *d, void *arg);
int nv_gw_dev_iter(const struct nv_maps *m, nv_gw_dev_cb cb, void *arg);
/* "forward" "nat"; parse: the enum nv_gw_mode for a name, -EINVAL when none. */
const char *nv_gw_mode_name(unsigned int mode);
int nv_gw_mode_parse(const char *name);

/*
 * Gateway routes: physical prefixes rdid reaches through its leg (GW_UNKNOWN without one).
 * prefixlen counts address bits (IPv4 as 96 + len); host bits are cleared; via (NULL or zero:
 * the FIB's next hop) is a unicast address of the prefix's family. add: -EEXIST
 * GW_ROUTE_EXISTS (one route per prefix), -E2BIG full. del: GW_ROUTE_UNKNOWN.
 */
int nv_gw_route_add(const struct nv_maps *m, __u32 rdid, const union nv_addr *prefix,
		    __u32 prefixlen, const union nv_addr *via, struct nv_conflict *why);
int nv_gw_route_del(const struct nv_maps *m, __u32 rdid, const union nv_addr *prefix,
		    __u32 prefixlen, struct nv_conflict *why);
typedef int (*nv_gw_route_cb)(__u32 rdid, const union nv_addr *prefix, __u32 prefixlen,
			      const union nv_addr *via, void *arg);
/* Ordered by rdid, then prefix. */
int nv_gw_route_iter(const struct nv_maps *m, nv_gw_route_cb cb, void *arg);

/*
 * NAT. nat_add: outbound SNAT of rdid, whose leg is in NAT mode (GW_UNKNOWN, GW_NOT_NAT), to
 * n->ext, an IPv4 unicast address (NAT_ADDR_INVALID) that no other RDID has (NAT_ADDR_TAKEN,
 * rdid: the holder), external ports n->port_lo..n->port_hi (both 0: NV_NAT_PORT_LO..HI;
 * otherwise 1 <= lo <= hi: NAT_PORTS_INVALID). One per RDID: NAT_EXISTS. Also writes the
 * address's nv_nat_addrs entry (the leg's device). del: NAT_UNKNOWN; NAT_HAS_MAP (-EBUSY) while
 * a static mapping uses the address; removes the RDID's connections with it.
 */
#define NV_NAT_PORT_LO 1024
#define NV_NAT_PORT_HI 65535
int nv_nat_add(const struct nv_maps *m, __u32 rdid, const struct nv_nat *n,
	       struct nv_conflict *why);
int nv_nat_del(const struct nv_maps *m, __u32 rdid, struct nv_conflict *why);
int nv_nat_get(const struct nv_maps *m, __u32 rdid, struct nv_nat *out);
typedef int (*nv_nat_cb)(__u32 rdid, const struct nv_nat *n, void *arg);
int nv_nat_iter(const struct nv_maps *m, nv_nat_cb cb, void *arg);

/*
 * Static mappings (published services): k->ext:k->port (k->proto IPPROTO_TCP or IPPROTO_UDP:
 * NAT_PROTO_INVALID; port not 0: NAT_PORT_INVALID) -> v->ca:v->port in v->rdid, whose NAT has
 * the address k->ext (NAT_MAP_ADDR). Ports in network byte order. add: NAT_MAP_EXISTS. del:
 * NAT_MAP_UNKNOWN; the connections opened through it are removed with it.
 */
int nv_nat_map_add(const struct nv_maps *m, const struct nv_nat_map_key *k,
		   const struct nv_nat_map *v, struct nv_conflict *why);
int nv_nat_map_del(const struct nv_maps *m, const struct nv_nat_map_key *k,
		   struct nv_conflict *why);
typedef int (*nv_nat_map_cb)(const struct nv_nat_map_key *k, const struct nv_nat_map *v, void *arg);
int nv_nat_map_iter(const struct nv_maps *m, nv_nat_map_cb cb, void *arg);

/*
 * Connection tracking timeouts, in seconds (defaults: NV_CT_TIMEOUT_*, nvgre_abi.h). set: 0
 * keeps the default; over NV_CT_TIMEOUT_MAX is TIMEOUT_INVALID. get fills the defaults in.
 */
#define NV_CT_TIMEOUT_MAX (7 * 86400)
int nv_ct_timeouts_set(const struct nv_maps *m, const struct nv_ct_timeouts *t,
		       struct nv_conflict *why);
int nv_ct_timeouts_get(const struct nv_maps *m, struct nv_ct_timeouts *out);

/*
 * Connections: the pairs of nv_ct. The reply key of an NV_CT_OUT entry, and the opening key of an
 * NV_CT_IN entry, as the datapath derives them (nvgre_abi.h, struct nv_ct_key).
 */
void nv_ct_in_key(const struct nv_ct_key *out, const struct nv_ct_entry *oe, struct nv_ct_key *in);
void nv_ct_out_key(const struct nv_ct_key *in, const struct nv_ct_entry *ie, struct nv_ct_key *out);
struct nv_ct_conn {
	struct nv_ct_key out, in;
	struct nv_ct_entry out_e, in_e;
	bool has_in; /* false: a half the datapath is still inserting, or an orphan */
};
typedef int (*nv_ct_cb)(const struct nv_ct_conn *c, void *arg);
/* Every connection of rdid (0: all), by its NV_CT_OUT entry. */
int nv_ct_iter(const struct nv_maps *m, __u32 rdid, nv_ct_cb cb, void *arg);
/* Removes every connection of rdid (0: all), both entries; *removed (may be NULL) counts them. */
int nv_ct_flush(const struct nv_maps *m, __u32 rdid, __u64 *removed);
/*
 * The collector: removes each connection whose two entries have expired by now_ns (the
 * datapath's clock, CLOCK_MONOTONIC), both entries together, and each half without its other
 * half that was created more than a second before now_ns (a datapath insert of a pair never
 * takes that long).
 */
struct nv_ct_gc_stats {
	__u64 scanned; /* connections looked at */
	__u64 expired; /* removed: both halves expired */
	__u64 orphans; /* halves removed alone */
	__u64 live;    /* kept */
};
int nv_ct_gc(const struct nv_maps *m, __u64 now_ns, struct nv_ct_gc_stats *st);
/* Connections in the table (NV_CT_OUT entries). */
int nv_ct_count(const struct nv_maps *m, __u32 *conns);

/*
 * Configuration (the single config entry). set: -EINVAL when c->pa is not zero and not a local PA
 * (the receive path takes it as local without looking it up in nv_local_pas), or c->events is not
 * an enum nv_events_mode.
 */
int nv_config_get(const struct nv_maps *m, struct nv_config *out);
int nv_config_set(const struct nv_maps *m, const struct nv_config *c, struct nv_conflict *why);

/*
 * Counters, summed over all possible CPUs. stats_get: a VSID's totals, i.e. its nv_stats entry
 * (ports deleted so far) plus the counters of its current ports. port_stats_get: -ENOENT when
 * ifindex is not a port. drops_get fills the NV_DROP__MAX reasons this build knows (nv_drops has
 * NV_DROP_SLOTS); reset zeroes every stats and port stats entry and every drop slot.
 */
int nv_stats_get(const struct nv_maps *m, __u32 vsid, struct nv_vsid_stats *out);
int nv_port_stats_get(const struct nv_maps *m, __u32 ifindex, struct nv_port_stats *out);
int nv_drops_get(const struct nv_maps *m, struct nv_drop_stats out[NV_DROP__MAX]);
int nv_stats_reset(const struct nv_maps *m);

/*
 * Events (config.events and config.event_rate): set changes only those two fields of the config
 * entry. mode: enum nv_events_mode (-EINVAL otherwise); rate: events per second per CPU, 0 for
 * NV_EVENT_RATE_DEFAULT. totals: nv_event_state summed over CPUs (window_ns and in_window 0).
 */
int nv_events_set(const struct nv_maps *m, unsigned int mode, __u32 rate);
int nv_events_get(const struct nv_maps *m, unsigned int *mode, __u32 *rate);
int nv_event_totals(const struct nv_maps *m, struct nv_event_state *out);

/* Names: "off" "drops" "trace"; "from_vm" "from_wire" "wire_tc"; "drop" "pass" "redirect"
 * "to_tc". NULL when out of range. parse: the mode for a name, -EINVAL when none. */
const char *nv_events_mode_name(unsigned int mode);
/* The modes' names by enum nv_events_mode, NULL-terminated (the CLI's choices). */
extern const char *const nv_events_mode_names[];
int nv_events_mode_parse(const char *name);
const char *nv_hook_name(unsigned int hook);
const char *nv_verdict_name(unsigned int verdict);

/* Drop reasons: "TRUNCATED" and "frame shorter than its headers"; NULL when out of range. */
const char *nv_drop_reason_name(unsigned int reason);
const char *nv_drop_reason_text(unsigned int reason);

#endif /* NV_MAPS_H */
