// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The rule a refused request broke, as a name and in words. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "nv_addr.h"
#include "nv_conflict.h"
#include "nv_maps.h"

#define NV_CONFLICT_ERRNO(name, err, fields) [NV_CONFLICT_##name] = err,
static const int conflict_errno[NV_CONFLICT__COUNT] = { NV_CONFLICTS(NV_CONFLICT_ERRNO) };
#undef NV_CONFLICT_ERRNO

int nv_conflict_set(struct nv_conflict *why, enum nv_conflict_kind kind)
{
	if (why) {
		memset(why, 0, sizeof(*why));
		why->kind = kind;
	}
	return (unsigned int)kind < NV_CONFLICT__COUNT ? -conflict_errno[kind] : -EINVAL;
}

int nv_conflict_raise(struct nv_conflict *why, const struct nv_conflict *c)
{
	if (why)
		*why = *c;
	return nv_conflict_set(NULL, c->kind);
}

/* "vsid-unknown" from VSID_UNKNOWN: lower case, '-' for '_'. */
#define NV_CONFLICT_NAME(name, err, fields) [NV_CONFLICT_##name] = #name,
static const char *const conflict_upper[NV_CONFLICT__COUNT] = { NV_CONFLICTS(NV_CONFLICT_NAME) };
#undef NV_CONFLICT_NAME

const char *nv_conflict_name(enum nv_conflict_kind kind)
{
	static char names[NV_CONFLICT__COUNT][32];

	if ((unsigned int)kind >= NV_CONFLICT__COUNT)
		return NULL;
	if (!names[kind][0]) {
		const char *u = conflict_upper[kind];
		size_t i;

		for (i = 0; u[i] && i + 1 < sizeof(names[kind]); i++)
			names[kind][i] = u[i] == '_' ? '-' : (char)(u[i] | 0x20);
		names[kind][i] = '\0';
	}
	return names[kind];
}

/* "port vm2", or "port #7 (its device is gone)". */
static const char *port_name(__u32 ifindex, char *buf, size_t len)
{
	char dev[IF_NAMESIZE];

	if (if_indextoname(ifindex, dev))
		snprintf(buf, len, "port %s", dev);
	else
		snprintf(buf, len, "port #%u (its device is gone)", ifindex);
	return buf;
}

/* How the caller named the device (label), else "dev NAME", or "ifindex N" when it is gone. */
static const char *dev_name(__u32 ifindex, const char *label, char *buf, size_t len)
{
	char dev[IF_NAMESIZE];

	if (label)
		snprintf(buf, len, "%s", label);
	else if (if_indextoname(ifindex, dev))
		snprintf(buf, len, "dev %s", dev);
	else
		snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}

/* "tcp", "udp", or "proto N". */
static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		snprintf(buf, len, "tcp");
	else if (proto == IPPROTO_UDP)
		snprintf(buf, len, "udp");
	else
		snprintf(buf, len, "proto %u", proto);
	return buf;
}

int nv_conflict_format(const struct nv_conflict *c, char *buf, size_t len)
{
	return nv_conflict_format_dev(c, NULL, buf, len);
}

int nv_conflict_format_dev(const struct nv_conflict *c, const char *dev, char *buf, size_t len)
{
	char ca[NV_ADDR_STRLEN], pa[NV_ADDR_STRLEN], mac[NV_MAC_STRLEN], pmac[NV_MAC_STRLEN];
	char gw[NV_ADDR_STRLEN], pfx[NV_PREFIX_STRLEN], port[IF_NAMESIZE + 40];
	char net[NV_PREFIX_STRLEN], nh[NV_ADDR_STRLEN + 16], proto[16];

	nv_addr_format(&c->ca, ca, sizeof(ca));
	nv_addr_format(&c->pa, pa, sizeof(pa));
	nv_mac_format(c->mac, mac, sizeof(mac));
	nv_addr_format(&c->gw, gw, sizeof(gw));
	nv_prefix_format(&c->net, (__u8)c->netlen, net, sizeof(net));
	nv_prefix_format(&c->ca, (__u8)c->prefixlen, pfx, sizeof(pfx));
	/* A route's next hop, when it has one: " via 10.0.0.9". */
	if (nv_addr_unicast(&c->gw))
		snprintf(nh, sizeof(nh), " via %s", gw);
	else
		nh[0] = '\0';
	switch (c->kind) {
	case NV_CONFLICT_NONE:
		return snprintf(buf, len, "no conflict");
	case NV_CONFLICT_VSID_RANGE:
		return snprintf(buf, len, "vsid %u is outside %u..%u", c->vsid, NV_VSID_MIN,
				NV_VSID_MAX);
	case NV_CONFLICT_CA_INVALID:
		return snprintf(buf, len,
				"ca %s is not a unicast address (unspecified, broadcast or "
				"multicast)",
				ca);
	case NV_CONFLICT_PA_INVALID:
		/* Also a gateway route's next hop, which may be unicast of the other family. */
		return snprintf(buf, len,
				"pa %s is not a unicast address (unspecified, broadcast or "
				"multicast), or is a next hop of another family than its route",
				pa);
	case NV_CONFLICT_MAC_INVALID:
		return snprintf(buf, len,
				"mac %s is not a unicast MAC (zero, broadcast or multicast)", mac);
	case NV_CONFLICT_DELIVER_INVALID:
		return snprintf(buf, len, "unknown delivery mode");
	case NV_CONFLICT_FLAGS_INVALID:
		return snprintf(buf, len, "unknown port or gateway device flags");
	case NV_CONFLICT_RULE_INVALID:
		return snprintf(buf, len, "unknown record rule");
	case NV_CONFLICT_PREFIX_INVALID:
		return snprintf(buf, len,
				"prefix length %u is out of range (address bits: at most 128, IPv4 "
				"as 96 + its length)",
				c->prefixlen);
	case NV_CONFLICT_EVENTS_INVALID:
		return snprintf(buf, len, "unknown event mode");
	case NV_CONFLICT_VSID_UNKNOWN:
		return snprintf(buf, len, "vsid %u has no subnet", c->vsid);
	case NV_CONFLICT_SUBNET_PREFIX:
		if (!c->prefixlen)
			return snprintf(buf, len, "vsid %u: a subnet needs a prefix", c->vsid);
		return snprintf(buf, len,
				"vsid %u: prefix %s is not a subnet prefix (host bits set, or no "
				"room for a gateway and hosts)",
				c->vsid,
				nv_prefix_format(&c->ca, (__u8)c->prefixlen, pfx, sizeof(pfx)));
	case NV_CONFLICT_GATEWAY_INVALID:
		if (!c->prefixlen)
			return snprintf(buf, len, "vsid %u: a gateway needs a prefix", c->vsid);
		return snprintf(buf, len, "vsid %u: gateway %s is not a host address of prefix %s",
				c->vsid, gw,
				nv_prefix_format(&c->ca, (__u8)c->prefixlen, pfx, sizeof(pfx)));
	case NV_CONFLICT_SUBNET_OVERLAP:
		return snprintf(buf, len, "vsid %u: prefix %s overlaps %s of vsid %u in rdid %u",
				c->vsid, pfx, net, c->vsid2, c->rdid);
	case NV_CONFLICT_CA_OUTSIDE_PREFIX:
		return snprintf(buf, len, "ca %s is outside prefix %s of vsid %u", ca, net,
				c->vsid);
	case NV_CONFLICT_CA_IS_GATEWAY:
		return snprintf(buf, len, "ca %s is the gateway of vsid %u", ca, c->vsid);
	case NV_CONFLICT_WILDCARD_EXISTS:
		return snprintf(buf, len,
				"rdid %u already has its gateway wildcard record (ca 0) in vsid %u",
				c->rdid, c->vsid2);
	case NV_CONFLICT_NEXTHOP_UNKNOWN:
		return snprintf(buf, len, "next hop %s has no record in rdid %u", gw, c->rdid);
	case NV_CONFLICT_NEXTHOP_VSID:
		return snprintf(buf, len, "next hop %s has its record in vsid %u, not in vsid %u",
				gw, c->vsid2, c->vsid);
	case NV_CONFLICT_ROUTE_AMBIGUOUS:
		return snprintf(buf, len, "rdid %u has several routes %s: name the next hop",
				c->rdid, pfx);
	case NV_CONFLICT_ROUTE_IS_SUBNET:
		return snprintf(buf, len,
				"route %s of rdid %u is the on-link route of vsid %u (subnet del "
				"removes it)",
				pfx, c->rdid, c->vsid);
	case NV_CONFLICT_SUBNET_EXISTS:
		return snprintf(buf, len, "vsid %u already exists", c->vsid);
	case NV_CONFLICT_SUBNET_HAS_PORT:
		return snprintf(buf, len, "vsid %u is still used by %s", c->vsid,
				port_name(c->ifindex, port, sizeof(port)));
	case NV_CONFLICT_SUBNET_HAS_RECORD:
		return snprintf(buf, len, "vsid %u is still used by the record of ca %s", c->vsid,
				ca);
	case NV_CONFLICT_SUBNET_HAS_ROUTE:
		return snprintf(buf, len, "vsid %u is still used by the route %s of rdid %u",
				c->vsid, pfx, c->rdid);
	case NV_CONFLICT_RDID_DIFFERS:
		return snprintf(buf, len, "vsid %u is in rdid %u", c->vsid, c->rdid);
	case NV_CONFLICT_PA_EXISTS:
		return snprintf(buf, len, "%s is already a local PA", pa);
	case NV_CONFLICT_PA_NOT_LOCAL:
		return snprintf(buf, len, "%s is not a local PA", pa);
	case NV_CONFLICT_PA_IS_CONFIG:
		return snprintf(buf, len, "%s is the datapath's main PA (given to dp attach)", pa);
	case NV_CONFLICT_NO_DEVICE:
		return snprintf(buf, len, "ifindex %u is no network device", c->ifindex);
	case NV_CONFLICT_PORT_EXISTS:
		return snprintf(buf, len, "%s is already a port",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_PORT_UNKNOWN:
		return snprintf(buf, len, "%s is not a port",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_PORT_IS_UNDERLAY:
		return snprintf(buf, len, "%s is the datapath's underlay",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_PORT_IS_LOOPBACK:
		return snprintf(buf, len, "%s is a loopback device, not a VM NIC",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_CA_HELD:
		return snprintf(buf, len, "ca %s in vsid %u is already %s", ca, c->vsid,
				port_name(c->ifindex, port, sizeof(port)));
	case NV_CONFLICT_XDP_NONE:
		return snprintf(buf, len,
				"deliver xdp needs nv_from_wire on the underlay, and the datapath "
				"runs without it (xdp-mode none, or auto on a veth underlay: "
				"dp attach ... xdp-mode native)");
	case NV_CONFLICT_DEV_HAS_FILTER:
		return snprintf(buf, len,
				"%s already has nvgre's TC filter (a port or the underlay of "
				"another instance)",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_RECORD_EXISTS:
		return snprintf(buf, len, "ca %s already has a record in vsid %u", ca, c->vsid);
	case NV_CONFLICT_RECORD_UNKNOWN:
		return snprintf(buf, len, "ca %s has no record in vsid %u", ca, c->vsid);
	case NV_CONFLICT_TABLE_FULL:
		if (!nv_map_name(c->map))
			return snprintf(buf, len, "map %u is full", c->map);
		return snprintf(buf, len, "map %s is full", nv_map_name(c->map));
	case NV_CONFLICT_CONFIG_PA_NOT_LOCAL:
		return snprintf(buf, len, "the config PA %s is not a local PA", pa);
	case NV_CONFLICT_MAC_DIFFERS:
		nv_mac_format(c->port_mac, pmac, sizeof(pmac));
		return snprintf(buf, len,
				"mac %s of %s differs from mac %s of the lookup record of ca %s in "
				"vsid %u (at pa %s)",
				pmac, port_name(c->ifindex, port, sizeof(port)), mac, ca, c->vsid,
				pa);
	case NV_CONFLICT_ROUTE_EXISTS:
		return snprintf(buf, len, "rdid %u already has a route %s%s", c->rdid, pfx, nh);
	case NV_CONFLICT_ROUTE_UNKNOWN:
		return snprintf(buf, len, "rdid %u has no route %s%s", c->rdid, pfx, nh);
	case NV_CONFLICT_ROUTE_RDID:
		return snprintf(buf, len, "vsid %u is in rdid %u, not the route's", c->vsid,
				c->rdid);
	case NV_CONFLICT_INSTANCE_EXISTS:
		return snprintf(buf, len, "a datapath is already attached there");
	case NV_CONFLICT_INSTANCE_OTHER_ABI:
		return snprintf(buf, len,
				"a datapath of ABI v%u is attached there (this nvctl is ABI v%d): "
				"nvctl dp upgrade takes it over with its state",
				c->abi, NV_ABI_VERSION);
	case NV_CONFLICT_UNDERLAY_MTU:
		return snprintf(buf, len, "%s: MTU under %d, too small to carry tenants",
				dev_name(c->ifindex, dev, port, sizeof(port)), NV_UNDERLAY_MTU_MIN);
	case NV_CONFLICT_PIN_DIR_UNSAFE:
		return snprintf(buf, len,
				"the instance directory exists and is another user's or writable "
				"by group or others: remove it (dp attach makes it, mode 0700)");
	case NV_CONFLICT_XDP_BUSY:
		return snprintf(buf, len,
				"another XDP program holds %s (this kernel refuses libxdp's "
				"dispatcher, so programs cannot share the device)",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_GW_MODE_INVALID:
		return snprintf(buf, len, "unknown gateway mode (forward or nat)");
	case NV_CONFLICT_GW_EXISTS:
		return snprintf(buf, len, "rdid %u already has a gateway leg", c->rdid);
	case NV_CONFLICT_GW_UNKNOWN:
		return snprintf(buf, len, "rdid %u has no gateway leg", c->rdid);
	case NV_CONFLICT_GW_DEV_INVALID:
		if (!c->ifindex && !dev)
			return snprintf(buf, len, "a gateway leg needs an external device");
		return snprintf(buf, len,
				"%s cannot be a gateway's external device (it is the underlay or a "
				"port)",
				dev_name(c->ifindex, dev, port, sizeof(port)));
	case NV_CONFLICT_GW_DEV_FORWARD:
		return snprintf(buf, len,
				"%s already carries the forward-mode leg of rdid %u (a device has "
				"one: the physical network routes to it by address alone)",
				dev_name(c->ifindex, dev, port, sizeof(port)), c->rdid);
	case NV_CONFLICT_GW_IN_USE:
		return snprintf(buf, len,
				"the gateway leg of rdid %u still has a NAT or gateway routes",
				c->rdid);
	case NV_CONFLICT_GW_ROUTE_EXISTS:
		return snprintf(buf, len, "rdid %u already has a gateway route %s", c->rdid, pfx);
	case NV_CONFLICT_GW_ROUTE_UNKNOWN:
		return snprintf(buf, len, "rdid %u has no gateway route %s", c->rdid, pfx);
	case NV_CONFLICT_GW_NOT_NAT:
		return snprintf(buf, len, "the gateway leg of rdid %u is in forward mode, not nat",
				c->rdid);
	case NV_CONFLICT_NAT_EXISTS:
		return snprintf(buf, len, "rdid %u already has a NAT", c->rdid);
	case NV_CONFLICT_NAT_UNKNOWN:
		return snprintf(buf, len, "rdid %u has no NAT", c->rdid);
	case NV_CONFLICT_NAT_ADDR_INVALID:
		return snprintf(buf, len, "external address %s is not an IPv4 unicast address", pa);
	case NV_CONFLICT_NAT_ADDR_TAKEN:
		return snprintf(buf, len, "external address %s is the NAT address of rdid %u", pa,
				c->rdid);
	case NV_CONFLICT_NAT_PORTS_INVALID:
		return snprintf(buf, len,
				"NAT port range: 1 <= low <= high (or neither given: %u-%u)",
				NV_NAT_PORT_LO, NV_NAT_PORT_HI);
	case NV_CONFLICT_NAT_HAS_MAP:
		return snprintf(buf, len,
				"the NAT of rdid %u still has the static mapping %s %s:%u", c->rdid,
				proto_name(c->proto, proto, sizeof(proto)), pa, c->port);
	case NV_CONFLICT_NAT_PROTO_INVALID:
		return snprintf(buf, len, "static mappings are tcp or udp, not protocol %u",
				c->proto);
	case NV_CONFLICT_NAT_PORT_INVALID:
		return snprintf(buf, len, "a static mapping's ports cannot be 0");
	case NV_CONFLICT_NAT_MAP_ADDR:
		return snprintf(buf, len, "%s is not the NAT address of rdid %u", pa, c->rdid);
	case NV_CONFLICT_NAT_MAP_EXISTS:
		return snprintf(buf, len, "static mapping %s %s:%u already exists",
				proto_name(c->proto, proto, sizeof(proto)), pa, c->port);
	case NV_CONFLICT_NAT_MAP_UNKNOWN:
		return snprintf(buf, len, "no static mapping %s %s:%u",
				proto_name(c->proto, proto, sizeof(proto)), pa, c->port);
	case NV_CONFLICT_TIMEOUT_INVALID:
		return snprintf(buf, len, "a connection timeout is over %u seconds (7 days)",
				NV_CT_TIMEOUT_MAX);
	case NV_CONFLICT__COUNT:
		break;
	}
	return snprintf(buf, len, "conflict %u", (unsigned int)c->kind);
}
