// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* qsort_r */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nv_addr.h"
#include "nv_netdev.h"
#include "nv_policy_json.h"

static json_t *addr_json(const union nv_addr *a)
{
	char buf[NV_ADDR_STRLEN];

	return json_string(nv_addr_format(a, buf, sizeof(buf)));
}

static json_t *prefix_json(const union nv_addr *a, __u32 len)
{
	char buf[NV_PREFIX_STRLEN];

	return json_string(nv_prefix_format(a, (__u8)len, buf, sizeof(buf)));
}

static json_t *mac_json(const __u8 mac[NV_ETH_ALEN])
{
	char buf[NV_MAC_STRLEN];

	return json_string(nv_mac_format(mac, buf, sizeof(buf)));
}

/* A device by name; a device that is gone by its ifindex, its name null. */
static void set_dev(json_t *o, __u32 ifindex)
{
	char name[NV_NETDEV_NAMELEN];

	if (nv_netdev_exists(ifindex)) {
		json_object_set_new(o, "dev",
				    json_string(nv_netdev_name(ifindex, name, sizeof(name))));
		return;
	}
	json_object_set_new(o, "dev", json_null());
	json_object_set_new(o, "ifindex", json_integer(ifindex));
}

static json_t *pa_json(const void *elem)
{
	const struct nv_policy_pa *e = elem;
	json_t *o = json_object();

	json_object_set_new(o, "pa", addr_json(&e->pa));
	set_dev(o, e->ifindex);
	return o;
}

static json_t *subnet_json(const void *elem)
{
	static const __u8 zero_mac[NV_ETH_ALEN];
	static const union nv_addr zero;
	const struct nv_policy_subnet *e = elem;
	json_t *o = json_pack("{s:I, s:I, s:o}", "vsid", (json_int_t)e->vsid, "rdid",
			      (json_int_t)e->s.rdid, "prefix",
			      prefix_json(&e->s.prefix, e->s.prefixlen));

	/* Zero is "the default" (a subnet read from the maps always has both). */
	if (memcmp(&e->s.gw_ca, &zero, sizeof(zero)))
		json_object_set_new(o, "gateway", addr_json(&e->s.gw_ca));
	if (memcmp(e->s.gw_mac, zero_mac, sizeof(zero_mac)))
		json_object_set_new(o, "gateway_mac", mac_json(e->s.gw_mac));
	return o;
}

static json_t *route_json(const void *elem)
{
	const struct nv_route_info *r = elem;
	const union nv_addr *nh = &r->route.nexthop;
	json_t *o = json_pack("{s:I, s:o}", "rdid", (json_int_t)r->rdid, "prefix",
			      prefix_json(&r->prefix, r->prefixlen));

	/* Exactly one of the two, as route add takes them (a next hop's VSID is its record's). */
	if (!nv_route_onlink(nh))
		json_object_set_new(o, "nexthop", addr_json(nh));
	else
		json_object_set_new(o, "vsid", json_integer(r->route.vsid));
	json_object_set_new(o, "metric", json_integer(r->route.metric));
	return o;
}

static json_t *port_json(const void *elem)
{
	const struct nv_policy_port *e = elem;
	json_t *o = json_object();

	set_dev(o, e->ifindex);
	json_object_set_new(o, "vsid", json_integer(e->p.vsid));
	json_object_set_new(o, "ca", addr_json(&e->p.ca));
	json_object_set_new(o, "mac", mac_json(e->p.mac));
	json_object_set_new(o, "deliver",
			    json_string(e->p.deliver == NV_DELIVER_XDP ? "xdp" : "tc"));
	return o;
}

static json_t *record_json(const void *elem)
{
	const struct nv_policy_record *e = elem;

	return json_pack("{s:I, s:o, s:o, s:o}", "vsid", (json_int_t)e->k.vsid, "ca",
			 addr_json(&e->k.ca), "mac", mac_json(e->r.mac), "pa", addr_json(&e->r.pa));
}

static json_t *gateway_json(const void *elem)
{
	const struct nv_policy_gateway *e = elem;
	const char *mode = nv_gw_mode_name(e->leg.mode);
	json_t *o = json_pack("{s:I, s:I, s:o, s:o}", "rdid", (json_int_t)e->rdid, "vsid",
			      (json_int_t)e->leg.vsid, "ca", addr_json(&e->leg.ca), "mac",
			      mac_json(e->leg.mac));

	set_dev(o, e->leg.ext_ifindex);
	json_object_set_new(o, "mode", mode ? json_string(mode) : json_integer(e->leg.mode));
	return o;
}

static json_t *gw_route_json(const void *elem)
{
	const struct nv_policy_gw_route *e = elem;
	json_t *o = json_pack("{s:I, s:o}", "rdid", (json_int_t)e->rdid, "prefix",
			      prefix_json(&e->prefix, e->prefixlen));

	/* No via: the FIB's next hop. */
	if (!nv_route_onlink(&e->via))
		json_object_set_new(o, "via", addr_json(&e->via));
	return o;
}

static json_t *nat_json(const void *elem)
{
	const struct nv_policy_nat *e = elem;
	char ports[16];

	/* 0-0 is the library's range, as it stores it. */
	if (!e->n.port_lo && !e->n.port_hi)
		snprintf(ports, sizeof(ports), "%u-%u", NV_NAT_PORT_LO, NV_NAT_PORT_HI);
	else
		snprintf(ports, sizeof(ports), "%u-%u", e->n.port_lo, e->n.port_hi);
	return json_pack("{s:I, s:o, s:s}", "rdid", (json_int_t)e->rdid, "external",
			 addr_json(&e->n.ext), "ports", ports);
}

/* "198.51.100.1:80" */
static json_t *addr_port_json(const union nv_addr *a, __be16 port)
{
	char addr[NV_ADDR_STRLEN], buf[NV_ADDR_STRLEN + 8];

	nv_addr_format(a, addr, sizeof(addr));
	snprintf(buf, sizeof(buf), nv_addr_is_ipv4(a) ? "%s:%u" : "[%s]:%u", addr, ntohs(port));
	return json_string(buf);
}

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : NULL;
}

static json_t *nat_map_json(const void *elem)
{
	const struct nv_policy_nat_map *e = elem;
	const char *proto = proto_name(e->k.proto);

	return json_pack("{s:I, s:o, s:o, s:o}", "rdid", (json_int_t)e->v.rdid, "proto",
			 proto ? json_string(proto) : json_integer(e->k.proto), "external",
			 addr_port_json(&e->k.ext, e->k.port), "internal",
			 addr_port_json(&e->v.ca, e->v.port));
}

static json_t *timeouts_json(const void *elem)
{
	const struct nv_ct_timeouts *t = elem;

	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "tcp_syn", (json_int_t)t->tcp_syn,
			 "tcp_established", (json_int_t)t->tcp_established, "tcp_fin",
			 (json_int_t)t->tcp_fin, "udp", (json_int_t)t->udp, "icmp",
			 (json_int_t)t->icmp);
}

json_t *nv_policy_json_object(unsigned int kind, const void *elem)
{
	switch (kind) {
	case NV_POLICY_PA:
		return pa_json(elem);
	case NV_POLICY_SUBNET:
		return subnet_json(elem);
	case NV_POLICY_ROUTE:
		return route_json(elem);
	case NV_POLICY_PORT:
		return port_json(elem);
	case NV_POLICY_GATEWAY:
		return gateway_json(elem);
	case NV_POLICY_GW_ROUTE:
		return gw_route_json(elem);
	case NV_POLICY_NAT:
		return nat_json(elem);
	case NV_POLICY_NAT_MAP:
		return nat_map_json(elem);
	case NV_POLICY_TIMEOUTS:
		return timeouts_json(elem);
	default:
		return record_json(elem);
	}
}

/* One object of an array, as JSON. */
typedef json_t *(*to_json_fn)(const void *elem);

/* "name": [ one object per line ], */
static void write_array(FILE *f, const char *name, const void *items, size_t n, size_t size,
			to_json_fn to_json, bool last)
{
	fprintf(f, "  \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		json_t *o = to_json((const char *)items + i * size);

		fputs(i ? ",\n    " : "\n    ", f);
		json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	fprintf(f, "%s]%s\n", n ? "\n  " : "", last ? "" : ",");
}

int nv_policy_json_write(FILE *f, const struct nv_policy *p)
{
	fprintf(f, "{\n  \"version\": %d,\n", NV_POLICY_FORMAT);
	write_array(f, "pas", p->pas, p->npas, sizeof(*p->pas), pa_json, false);
	write_array(f, "subnets", p->subnets, p->nsubnets, sizeof(*p->subnets), subnet_json, false);
	write_array(f, "routes", p->routes, p->nroutes, sizeof(*p->routes), route_json, false);
	write_array(f, "ports", p->ports, p->nports, sizeof(*p->ports), port_json, false);
	write_array(f, "records", p->records, p->nrecords, sizeof(*p->records), record_json, false);
	write_array(f, "gateways", p->gateways, p->ngateways, sizeof(*p->gateways), gateway_json,
		    false);
	write_array(f, "gateway_routes", p->gw_routes, p->ngw_routes, sizeof(*p->gw_routes),
		    gw_route_json, false);
	write_array(f, "nats", p->nats, p->nnats, sizeof(*p->nats), nat_json, false);
	write_array(f, "nat_maps", p->nat_maps, p->nnat_maps, sizeof(*p->nat_maps), nat_map_json,
		    !p->ntimeouts);
	/* One object, and only when the timeouts are not the defaults. */
	if (p->ntimeouts) {
		json_t *o = timeouts_json(p->timeouts);

		fputs("  \"nat_timeouts\": ", f);
		json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		fputs("\n", f);
	}
	fputs("}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* ---- reading ---- */

/* Where a value is in the file, as a JSON pointer (RFC 6901): "/records/17/mac". */
struct where {
	char ptr[96];
	char *err;
	size_t errlen;
};

static int bad(struct where *w, const char *member, const char *why)
{
	snprintf(w->err, w->errlen, "%s%s%s: %s", w->ptr, member ? "/" : "", member ? member : "",
		 why);
	return -EINVAL;
}

/* The members of o must be among the names (NULL-terminated). */
static int only_members(struct where *w, json_t *o, const char *const *names)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		const char *const *n = names;

		while (*n && strcmp(*n, key))
			n++;
		if (!*n)
			return bad(w, key, "unknown member");
	}
	return 0;
}

static int get_u32(struct where *w, json_t *o, const char *key, bool required, __u32 min, __u32 max,
		   __u32 *out)
{
	json_t *v = json_object_get(o, key);
	char why[64];

	if (!v) {
		if (required)
			return bad(w, key, "missing");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(why, sizeof(why), "expected a number in %u..%u", min, max);
		return bad(w, key, why);
	}
	*out = (__u32)json_integer_value(v);
	return 0;
}

static const char *get_string(struct where *w, json_t *o, const char *key, bool required, int *err)
{
	json_t *v = json_object_get(o, key);

	*err = 0;
	if (!v || json_is_null(v)) {
		if (required)
			*err = bad(w, key, "missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		*err = bad(w, key, "expected a string");
		return NULL;
	}
	return json_string_value(v);
}

/* flags: ADDR_IPV4 (IPv4 only), ADDR_WILDCARD (0.0.0.0 allowed), else unicast. */
enum {
	ADDR_IPV4 = 1,
	ADDR_WILDCARD = 2
};

static int get_addr(struct where *w, json_t *o, const char *key, bool required, int flags,
		    union nv_addr *out)
{
	const char *s;
	int err;

	s = get_string(w, o, key, required, &err);
	if (!s)
		return err;
	if (nv_addr_parse(s, out))
		return bad(w, key, "not an IPv4 or IPv6 address");
	if ((flags & ADDR_IPV4) && !nv_addr_is_ipv4(out))
		return bad(w, key, "not an IPv4 address");
	if ((flags & ADDR_WILDCARD) && nv_addr_is_wildcard(out))
		return 0;
	if (!nv_addr_unicast(out))
		return bad(w, key, "not a unicast address (unspecified, broadcast or multicast)");
	return 0;
}

static int get_mac(struct where *w, json_t *o, const char *key, bool required, __u8 *out)
{
	const char *s;
	int err;

	s = get_string(w, o, key, required, &err);
	if (!s)
		return err;
	if (nv_mac_parse(s, out))
		return bad(w, key, "expected a MAC like 02:00:00:00:00:01");
	if (!nv_mac_unicast(out))
		return bad(w, key, "not a unicast MAC (zero, broadcast or multicast)");
	return 0;
}

static int get_prefix(struct where *w, json_t *o, const char *key, union nv_addr *out, __u32 *len)
{
	const char *s;
	__u8 l;
	int err;

	s = get_string(w, o, key, true, &err);
	if (!s)
		return err;
	if (nv_prefix_parse(s, out, &l))
		return bad(w, key, "expected a prefix like 10.0.0.0/24 (no host bits set)");
	*len = l;
	return 0;
}

/* A device by name (it must exist), or null with the ifindex of a device that is gone. */
static int get_dev(struct where *w, json_t *o, __u32 *ifindex)
{
	json_t *v = json_object_get(o, "dev");
	const char *s;
	int err;

	if (v && json_is_null(v))
		return get_u32(w, o, "ifindex", true, 1, UINT32_MAX, ifindex);
	s = get_string(w, o, "dev", true, &err);
	if (!s)
		return err;
	/* -ENODEV: an agent waits for such a device (nv_policy_json_read says -EINVAL). */
	if (nv_netdev_index(s, ifindex)) {
		bad(w, "dev", "no such network device");
		return -ENODEV;
	}
	return 0;
}

static int read_pa(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "pa", "dev", "ifindex", NULL };
	struct nv_policy_pa *e = elem;

	return only_members(w, o, names) ?: get_addr(w, o, "pa", true, ADDR_IPV4, &e->pa)
						    ?: get_dev(w, o, &e->ifindex);
}

static int read_subnet(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "vsid",	"rdid",	       "prefix",
					     "gateway", "gateway_mac", NULL };
	struct nv_policy_subnet *e = elem;
	__u32 len = 0;
	int err;

	err = only_members(w, o, names)
		      ?: get_u32(w, o, "vsid", true, NV_VSID_MIN, NV_VSID_MAX, &e->vsid)
		      ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->s.rdid)
		      ?: get_prefix(w, o, "prefix", &e->s.prefix, &len)
		      ?: get_addr(w, o, "gateway", false, 0, &e->s.gw_ca)
		      ?: get_mac(w, o, "gateway_mac", false, e->s.gw_mac);
	e->s.prefixlen = (__u8)len;
	return err;
}

static int read_route(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "rdid", "prefix", "vsid", "nexthop", "metric", NULL };
	struct nv_route_info *e = elem;
	bool has_vsid = json_object_get(o, "vsid"), has_nh = json_object_get(o, "nexthop");
	int err;

	err = only_members(w, o, names) ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->rdid)
						  ?: get_prefix(w, o, "prefix", &e->prefix,
								&e->prefixlen);
	if (!err && has_vsid == has_nh)
		err = bad(w, NULL, "exactly one of vsid and nexthop");
	if (!err && has_vsid)
		err = get_u32(w, o, "vsid", true, NV_VSID_MIN, NV_VSID_MAX, &e->route.vsid);
	if (!err && has_nh)
		err = get_addr(w, o, "nexthop", true, 0, &e->route.nexthop);
	return err ?: get_u32(w, o, "metric", false, 0, UINT32_MAX, &e->route.metric);
}

static int read_port(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = {
		"dev", "ifindex", "vsid", "ca", "mac", "deliver", NULL
	};
	struct nv_policy_port *e = elem;
	const char *deliver;
	int err;

	err = only_members(w, o, names) ?: get_dev(w, o, &e->ifindex)
						  ?: get_u32(w, o, "vsid", true, NV_VSID_MIN,
							     NV_VSID_MAX, &e->p.vsid)
						  ?: get_addr(w, o, "ca", true, 0, &e->p.ca)
						  ?: get_mac(w, o, "mac", true, e->p.mac);
	if (err)
		return err;
	deliver = get_string(w, o, "deliver", false, &err);
	if (err)
		return err;
	if (deliver && strcmp(deliver, "tc") && strcmp(deliver, "xdp"))
		return bad(w, "deliver", "expected tc or xdp");
	e->p.deliver = deliver && !strcmp(deliver, "xdp") ? NV_DELIVER_XDP : NV_DELIVER_TC;
	return 0;
}

static int read_record(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "vsid", "ca", "mac", "pa", NULL };
	struct nv_policy_record *e = elem;

	e->r.rule = NV_RULE_ENCAP;
	return only_members(w, o, names)
		       ?: get_u32(w, o, "vsid", true, NV_VSID_MIN, NV_VSID_MAX, &e->k.vsid)
		       ?: get_addr(w, o, "ca", true, ADDR_WILDCARD, &e->k.ca)
		       ?: get_mac(w, o, "mac", true, e->r.mac)
		       ?: get_addr(w, o, "pa", true, ADDR_IPV4, &e->r.pa);
}

static int read_gateway(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "rdid", "vsid",	"ca",	"mac",
					     "dev",  "ifindex", "mode", NULL };
	struct nv_policy_gateway *e = elem;
	const char *mode;
	int err;

	err = only_members(w, o, names) ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->rdid)
						  ?: get_u32(w, o, "vsid", true, NV_VSID_MIN,
							     NV_VSID_MAX, &e->leg.vsid)
						  ?: get_addr(w, o, "ca", true, ADDR_IPV4, &e->leg.ca)
						  ?: get_mac(w, o, "mac", true, e->leg.mac);
	if (err)
		return err;
	mode = get_string(w, o, "mode", false, &err);
	if (err)
		return err;
	if (mode && nv_gw_mode_parse(mode) < 0)
		return bad(w, "mode", "expected forward or nat");
	e->leg.mode = (__u8)(mode ? nv_gw_mode_parse(mode) : NV_GW_NAT);
	/* Last: a device that does not exist is no reason to leave the rest unchecked. */
	return get_dev(w, o, &e->leg.ext_ifindex);
}

static int read_gw_route(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "rdid", "prefix", "via", NULL };
	struct nv_policy_gw_route *e = elem;
	int err;

	err = only_members(w, o, names) ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->rdid)
						  ?: get_prefix(w, o, "prefix", &e->prefix,
								&e->prefixlen)
						  ?: get_addr(w, o, "via", false, ADDR_IPV4, &e->via);
	if (!err && !nv_addr_is_ipv4(&e->prefix))
		err = bad(w, "prefix", "not an IPv4 prefix");
	return err;
}

/* "1024-65535": 1 <= LO <= HI <= 65535. */
static int parse_port(const char *s, size_t len, __u16 *out)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (__u16)v;
	return 0;
}

int nv_policy_json_addr_port(const char *s, union nv_addr *addr, __u16 *port)
{
	const char *colon = strrchr(s, ':');
	char host[NV_ADDR_STRLEN];

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (nv_addr_parse(host, addr) || !nv_addr_is_ipv4(addr) || !nv_addr_unicast(addr))
		return -EINVAL;
	return parse_port(colon + 1, strlen(colon + 1), port);
}

static int read_nat(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "rdid", "external", "ports", NULL };
	struct nv_policy_nat *e = elem;
	const char *ports, *dash;
	int err;

	err = only_members(w, o, names) ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->rdid)
						  ?: get_addr(w, o, "external", true, ADDR_IPV4,
							      &e->n.ext);
	if (err)
		return err;
	ports = get_string(w, o, "ports", false, &err);
	if (err)
		return err;
	/* Left out: the library's range, written as it is so that the object reads back equal. */
	e->n.port_lo = NV_NAT_PORT_LO;
	e->n.port_hi = NV_NAT_PORT_HI;
	if (!ports)
		return 0;
	dash = strchr(ports, '-');
	if (!dash || parse_port(ports, dash - ports, &e->n.port_lo) ||
	    parse_port(dash + 1, strlen(dash + 1), &e->n.port_hi) || e->n.port_lo > e->n.port_hi)
		return bad(w, "ports", "expected LO-HI with 1 <= LO <= HI <= 65535");
	return 0;
}

/* ADDR:PORT (IPv4) of the member key. */
static int get_addr_port(struct where *w, json_t *o, const char *key, union nv_addr *addr,
			 __be16 *port)
{
	const char *s;
	__u16 p;
	int err;

	s = get_string(w, o, key, true, &err);
	if (!s)
		return err;
	if (nv_policy_json_addr_port(s, addr, &p))
		return bad(w, key,
			   "expected ADDR:PORT like 198.51.100.1:80 (an IPv4 unicast address, "
			   "PORT 1..65535)");
	*port = htons(p);
	return 0;
}

static int read_nat_map(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "rdid", "proto", "external", "internal", NULL };
	struct nv_policy_nat_map *e = elem;
	const char *proto;
	int err;

	err = only_members(w, o, names) ?: get_u32(w, o, "rdid", true, 0, UINT32_MAX, &e->v.rdid);
	if (err)
		return err;
	proto = get_string(w, o, "proto", true, &err);
	if (!proto)
		return err;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return bad(w, "proto", "expected tcp or udp");
	e->k.proto = !strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
	return get_addr_port(w, o, "external", &e->k.ext, &e->k.port)
		       ?: get_addr_port(w, o, "internal", &e->v.ca, &e->v.port);
}

static int read_timeouts(struct where *w, json_t *o, void *elem)
{
	static const char *const names[] = { "tcp_syn", "tcp_established", "tcp_fin", "udp", "icmp",
					     NULL };
	struct nv_ct_timeouts *t = elem;

	/* Each left out, or 0, is its default. */
	return only_members(w, o, names)
		       ?: get_u32(w, o, "tcp_syn", false, 0, NV_CT_TIMEOUT_MAX, &t->tcp_syn)
		       ?: get_u32(w, o, "tcp_established", false, 0, NV_CT_TIMEOUT_MAX,
				  &t->tcp_established)
		       ?: get_u32(w, o, "tcp_fin", false, 0, NV_CT_TIMEOUT_MAX, &t->tcp_fin)
		       ?: get_u32(w, o, "udp", false, 0, NV_CT_TIMEOUT_MAX, &t->udp)
		       ?: get_u32(w, o, "icmp", false, 0, NV_CT_TIMEOUT_MAX, &t->icmp);
}

typedef int (*read_fn)(struct where *w, json_t *o, void *elem);

static const read_fn readers[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = read_pa,
	[NV_POLICY_SUBNET] = read_subnet,
	[NV_POLICY_ROUTE] = read_route,
	[NV_POLICY_PORT] = read_port,
	[NV_POLICY_RECORD] = read_record,
	[NV_POLICY_GATEWAY] = read_gateway,
	[NV_POLICY_GW_ROUTE] = read_gw_route,
	[NV_POLICY_NAT] = read_nat,
	[NV_POLICY_NAT_MAP] = read_nat_map,
	[NV_POLICY_TIMEOUTS] = read_timeouts,
};

/* The members of the file and the kinds their arrays hold (the timeouts: one object). */
static const struct {
	const char *name;
	enum nv_policy_kind kind;
} members[] = {
	{ "pas", NV_POLICY_PA },
	{ "subnets", NV_POLICY_SUBNET },
	{ "routes", NV_POLICY_ROUTE },
	{ "ports", NV_POLICY_PORT },
	{ "records", NV_POLICY_RECORD },
	{ "gateways", NV_POLICY_GATEWAY },
	{ "gateway_routes", NV_POLICY_GW_ROUTE },
	{ "nats", NV_POLICY_NAT },
	{ "nat_maps", NV_POLICY_NAT_MAP },
	{ "nat_timeouts", NV_POLICY_TIMEOUTS },
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

/* The array doc[name] (absent: empty) into p's array of kind k, each element by its reader. */
static int read_array(struct where *w, json_t *doc, const char *name, struct nv_policy *p,
		      enum nv_policy_kind k)
{
	json_t *a = json_object_get(doc, name), *o;
	size_t i, size = nv_policy_item_size(k), *n;
	void **items;
	int err;

	nv_policy_array(p, k, &items, &n);
	*n = 0;
	if (!a)
		return 0;
	/* The timeouts are one object, not an array of them. */
	if (k == NV_POLICY_TIMEOUTS) {
		if (!json_is_object(a))
			return bad(w, name, "expected an object");
		*items = calloc(1, size);
		if (!*items)
			return -ENOMEM;
		snprintf(w->ptr, sizeof(w->ptr), "/%s", name);
		err = readers[k](w, a, *items);
		if (err)
			return err;
		*n = 1;
		w->ptr[0] = '\0';
		return 0;
	}
	if (!json_is_array(a))
		return bad(w, name, "expected an array");
	*items = calloc(json_array_size(a) ?: 1, size);
	if (!*items)
		return -ENOMEM;
	json_array_foreach(a, i, o)
	{
		snprintf(w->ptr, sizeof(w->ptr), "/%s/%zu", name, i);
		if (!json_is_object(o))
			return bad(w, NULL, "expected an object");
		err = readers[k](w, o, (char *)*items + i * size);
		if (err)
			return err;
		(*n)++;
	}
	w->ptr[0] = '\0';
	return 0;
}

/* The members of the file: its version and the members above. */
static int only_file_members(struct where *w, json_t *doc)
{
	const char *key;
	json_t *v;

	json_object_foreach(doc, key, v)
	{
		size_t i = 0;

		while (i < NMEMBERS && strcmp(members[i].name, key))
			i++;
		if (i == NMEMBERS && strcmp(key, "version"))
			return bad(w, key, "unknown member");
	}
	return 0;
}

struct dup_ctx {
	const char *items;
	size_t size;
	int (*cmp)(const void *, const void *);
};

static int cmp_at(const void *a, const void *b, void *arg)
{
	const struct dup_ctx *c = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return c->cmp(c->items + i * c->size, c->items + j * c->size) ?: (i > j) - (i < j);
}

/* Two objects of one array with the same key: the later one named, with the first. */
static int no_duplicates(struct where *w, const char *name, const void *items, size_t n,
			 size_t size, int (*cmp)(const void *, const void *))
{
	struct dup_ctx c = { .items = items, .size = size, .cmp = cmp };
	size_t *at = malloc((n ?: 1) * sizeof(*at));
	char why[96];
	int err = 0;

	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		at[i] = i;
	qsort_r(at, n, sizeof(*at), cmp_at, &c);
	for (size_t i = 1; i < n && !err; i++)
		if (!cmp(c.items + at[i - 1] * size, c.items + at[i] * size)) {
			snprintf(w->ptr, sizeof(w->ptr), "/%s/%zu", name, at[i]);
			snprintf(why, sizeof(why), "the same object as /%s/%zu", name, at[i - 1]);
			err = bad(w, NULL, why);
		}
	free(at);
	return err;
}

int nv_policy_json_read(const char *text, size_t len, struct nv_policy *p, char *err, size_t errlen)
{
	struct where w = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *doc;
	int ret;

	memset(p, 0, sizeof(*p));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(doc))
		ret = bad(&w, NULL, "expected an object");
	else if (!json_is_integer(json_object_get(doc, "version")) ||
		 json_integer_value(json_object_get(doc, "version")) != NV_POLICY_FORMAT)
		ret = bad(&w, "version", "expected 1 (the only format this nvctl knows)");
	else
		ret = only_file_members(&w, doc);
	for (size_t i = 0; !ret && i < NMEMBERS; i++)
		ret = read_array(&w, doc, members[i].name, p, members[i].kind);
	json_decref(doc);
	for (size_t i = 0; !ret && i < NMEMBERS; i++) {
		enum nv_policy_kind k = members[i].kind;
		size_t *n;
		void **items;

		nv_policy_array(p, k, &items, &n);
		ret = no_duplicates(&w, members[i].name, *items, *n, nv_policy_item_size(k),
				    nv_policy_cmp_of(k));
	}
	/* A device that does not exist is a bad value of the file, as any other. */
	if (ret == -ENODEV)
		ret = -EINVAL;
	if (!ret)
		nv_policy_sort(p);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (ret)
		nv_policy_free(p);
	return ret;
}

int nv_policy_json_read_object(unsigned int kind, const char *text, size_t len, void *elem,
			       char *err, size_t errlen)
{
	struct where w = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *o;
	int ret;

	if (kind >= NV_POLICY__KINDS)
		return -EINVAL;
	memset(elem, 0, nv_policy_item_size(kind));
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	ret = json_is_object(o) ? readers[kind](&w, o, elem) : bad(&w, NULL, "expected an object");
	json_decref(o);
	return ret;
}
