// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
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
	write_array(f, "records", p->records, p->nrecords, sizeof(*p->records), record_json, true);
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
	if (nv_netdev_index(s, ifindex))
		return bad(w, "dev", "no such network device");
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

typedef int (*read_fn)(struct where *w, json_t *o, void *elem);

/* The array doc[name] (absent: empty) into *items, each element by read. */
static int read_array(struct where *w, json_t *doc, const char *name, void **items, size_t *n,
		      size_t size, read_fn read)
{
	json_t *a = json_object_get(doc, name), *o;
	size_t i;
	int err;

	*n = 0;
	if (!a)
		return 0;
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
		err = read((struct where *)w, o, (char *)*items + i * size);
		if (err)
			return err;
		(*n)++;
	}
	w->ptr[0] = '\0';
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
	static const char *const names[] = { "version", "pas",	   "subnets", "routes",
					     "ports",	"records", NULL };
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
		ret = only_members(&w, doc, names);
	if (!ret)
		ret = read_array(&w, doc, "pas", (void **)&p->pas, &p->npas, sizeof(*p->pas),
				 read_pa);
	if (!ret)
		ret = read_array(&w, doc, "subnets", (void **)&p->subnets, &p->nsubnets,
				 sizeof(*p->subnets), read_subnet);
	if (!ret)
		ret = read_array(&w, doc, "routes", (void **)&p->routes, &p->nroutes,
				 sizeof(*p->routes), read_route);
	if (!ret)
		ret = read_array(&w, doc, "ports", (void **)&p->ports, &p->nports,
				 sizeof(*p->ports), read_port);
	if (!ret)
		ret = read_array(&w, doc, "records", (void **)&p->records, &p->nrecords,
				 sizeof(*p->records), read_record);
	json_decref(doc);
	if (!ret)
		ret = no_duplicates(&w, "pas", p->pas, p->npas, sizeof(*p->pas), nv_policy_cmp_pa)
			      ?: no_duplicates(&w, "subnets", p->subnets, p->nsubnets,
					       sizeof(*p->subnets), nv_policy_cmp_subnet)
			      ?: no_duplicates(&w, "routes", p->routes, p->nroutes,
					       sizeof(*p->routes), nv_policy_cmp_route)
			      ?: no_duplicates(&w, "ports", p->ports, p->nports, sizeof(*p->ports),
					       nv_policy_cmp_port)
			      ?: no_duplicates(&w, "records", p->records, p->nrecords,
					       sizeof(*p->records), nv_policy_cmp_record);
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
	static const read_fn readers[NV_POLICY__KINDS] = {
		[NV_POLICY_PA] = read_pa,	  [NV_POLICY_SUBNET] = read_subnet,
		[NV_POLICY_ROUTE] = read_route,	  [NV_POLICY_PORT] = read_port,
		[NV_POLICY_RECORD] = read_record,
	};
	static const size_t sizes[NV_POLICY__KINDS] = {
		[NV_POLICY_PA] = sizeof(struct nv_policy_pa),
		[NV_POLICY_SUBNET] = sizeof(struct nv_policy_subnet),
		[NV_POLICY_ROUTE] = sizeof(struct nv_route_info),
		[NV_POLICY_PORT] = sizeof(struct nv_policy_port),
		[NV_POLICY_RECORD] = sizeof(struct nv_policy_record),
	};
	struct where w = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *o;
	int ret;

	if (kind >= NV_POLICY__KINDS)
		return -EINVAL;
	memset(elem, 0, sizes[kind]);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return -EINVAL;
	}
	ret = json_is_object(o) ? readers[kind](&w, o, elem) : bad(&w, NULL, "expected an object");
	json_decref(o);
	return ret;
}
