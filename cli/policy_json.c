// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include "nv_addr.h"
#include "nv_netdev.h"
#include "policy_json.h"

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
	const struct nv_policy_subnet *e = elem;

	return json_pack("{s:I, s:I, s:o, s:o, s:o}", "vsid", (json_int_t)e->vsid, "rdid",
			 (json_int_t)e->s.rdid, "prefix", prefix_json(&e->s.prefix, e->s.prefixlen),
			 "gateway", addr_json(&e->s.gw_ca), "gateway_mac", mac_json(e->s.gw_mac));
}

static json_t *route_json(const void *elem)
{
	const struct nv_route_info *r = elem;
	const union nv_addr *nh = &r->route.nexthop;
	json_t *o = json_pack("{s:I, s:o}", "rdid", (json_int_t)r->rdid, "prefix",
			      prefix_json(&r->prefix, r->prefixlen));

	/* Exactly one of the two, as route add takes them (a next hop's VSID is its record's). */
	if (nh->w[0] | nh->w[1] | nh->w[2] | nh->w[3])
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
	write_array(f, "records", p->records, p->nrecords, sizeof(*p->records), record_json, true);
	fputs("}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
