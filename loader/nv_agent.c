// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* strndup */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_agent.h"
#include "nv_datapath.h"
#include "nv_instance.h"
#include "nv_netdev.h"
#include "nv_pins.h"
#include "nv_policy_apply.h"
#include "nv_policy_json.h"

/* ---- the key layout ---- */

static int key_text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int nv_agent_key_format(const struct nv_agent_object *o, const char *host, char *buf, size_t len)
{
	char a[NV_PREFIX_STRLEN], b[NV_ADDR_STRLEN], dev[IF_NAMESIZE];
	const struct nv_route_info *r = &o->e.route;

	switch (o->kind) {
	case NV_POLICY_PA:
		return key_text(buf, len, "hosts/%s/pas/%s", host,
				nv_addr_format(&o->e.pa.pa, a, sizeof(a)));
	case NV_POLICY_SUBNET:
		return key_text(buf, len, "subnets/%u", o->e.subnet.vsid);
	case NV_POLICY_ROUTE:
		nv_prefix_format(&r->prefix, (__u8)r->prefixlen, a, sizeof(a));
		if (nv_route_onlink(&r->route.nexthop))
			return key_text(buf, len, "routes/%u/%s/vsid/%u", r->rdid, a,
					r->route.vsid);
		return key_text(buf, len, "routes/%u/%s/nexthop/%s", r->rdid, a,
				nv_addr_format(&r->route.nexthop, b, sizeof(b)));
	case NV_POLICY_PORT:
		if (!nv_netdev_exists(o->e.port.ifindex) ||
		    !nv_netdev_name(o->e.port.ifindex, dev, sizeof(dev)))
			return -ENODEV;
		return key_text(buf, len, "hosts/%s/ports/%s", host, dev);
	case NV_POLICY_RECORD:
		return key_text(buf, len, "records/%u/%s", o->e.record.k.vsid,
				nv_addr_format(&o->e.record.k.ca, a, sizeof(a)));
	case NV_POLICY_GATEWAY:
		return key_text(buf, len, "hosts/%s/gateways/%u", host, o->e.gateway.rdid);
	case NV_POLICY_GW_ROUTE:
		return key_text(buf, len, "hosts/%s/gateway-routes/%u/%s", host, o->e.gw_route.rdid,
				nv_prefix_format(&o->e.gw_route.prefix,
						 (__u8)o->e.gw_route.prefixlen, a, sizeof(a)));
	case NV_POLICY_NAT:
		return key_text(buf, len, "hosts/%s/nats/%u", host, o->e.nat.rdid);
	case NV_POLICY_NAT_MAP: {
		const struct nv_nat_map_key *k = &o->e.nat_map.k;

		if ((k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) ||
		    !nv_addr_is_ipv4(&k->ext))
			return -EINVAL;
		return key_text(buf, len, "hosts/%s/nat-maps/%s/%s:%u", host,
				k->proto == IPPROTO_TCP ? "tcp" : "udp",
				nv_addr_format(&k->ext, b, sizeof(b)), ntohs(k->port));
	}
	case NV_POLICY_TIMEOUTS:
		return key_text(buf, len, "hosts/%s/nat-timeouts", host);
	default:
		return -EINVAL;
	}
}

static int bad_key(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

/* A decimal with no sign, no leading zero, no trailing text. */
static int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

#define KEY_PARTS 8

/* key cut at '/' into part[0..*n): pointers into buf, a copy of key. */
static int split(const char *key, char *buf, size_t len, char *part[KEY_PARTS], size_t *n)
{
	char *save, *p;

	if (strlen(key) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, key);
	*n = 0;
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (*n == KEY_PARTS)
			return -EINVAL;
		part[(*n)++] = p;
	}
	return 0;
}

/* The object of a key under hosts/<host>/ (part: what follows), its key fields. */
static int host_key_object(char **part, size_t n, struct nv_agent_object *id, char *err,
			   size_t errlen)
{
	char joined[NV_PREFIX_STRLEN + 2];
	__u16 port;
	__u8 len;

	if (n == 2 && !strcmp(part[0], "pas")) {
		id->kind = NV_POLICY_PA;
		if (nv_addr_parse(part[1], &id->e.pa.pa))
			return bad_key(err, errlen, "hosts/<host>/pas/<pa>: not an address");
		return 0;
	}
	if (n == 2 && !strcmp(part[0], "ports")) {
		id->kind = NV_POLICY_PORT;
		if (nv_netdev_index(part[1], &id->e.port.ifindex)) {
			snprintf(err, errlen, "no network device %s", part[1]);
			return -ENODEV;
		}
		return 0;
	}
	if (n == 2 && !strcmp(part[0], "gateways")) {
		id->kind = NV_POLICY_GATEWAY;
		if (parse_u32(part[1], 0, UINT32_MAX, &id->e.gateway.rdid))
			return bad_key(err, errlen, "hosts/<host>/gateways/<rdid>: not an RDID");
		return 0;
	}
	if (n == 2 && !strcmp(part[0], "nats")) {
		id->kind = NV_POLICY_NAT;
		if (parse_u32(part[1], 0, UINT32_MAX, &id->e.nat.rdid))
			return bad_key(err, errlen, "hosts/<host>/nats/<rdid>: not an RDID");
		return 0;
	}
	if (n == 4 && !strcmp(part[0], "gateway-routes")) {
		struct nv_policy_gw_route *r = &id->e.gw_route;

		id->kind = NV_POLICY_GW_ROUTE;
		if (parse_u32(part[1], 0, UINT32_MAX, &r->rdid))
			return bad_key(err, errlen,
				       "hosts/<host>/gateway-routes/<rdid>/...: not an RDID");
		snprintf(joined, sizeof(joined), "%s/%s", part[2], part[3]);
		if (nv_prefix_parse(joined, &r->prefix, &len) || !nv_addr_is_ipv4(&r->prefix))
			return bad_key(err, errlen,
				       "hosts/<host>/gateway-routes/<rdid>/<prefix>: not an IPv4 "
				       "prefix");
		r->prefixlen = len;
		return 0;
	}
	if (n == 3 && !strcmp(part[0], "nat-maps")) {
		struct nv_nat_map_key *k = &id->e.nat_map.k;

		id->kind = NV_POLICY_NAT_MAP;
		if (strcmp(part[1], "tcp") && strcmp(part[1], "udp"))
			return bad_key(err, errlen,
				       "hosts/<host>/nat-maps/<proto>/...: expected tcp or udp");
		k->proto = !strcmp(part[1], "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
		if (nv_policy_json_addr_port(part[2], &k->ext, &port))
			return bad_key(err, errlen,
				       "hosts/<host>/nat-maps/<proto>/<addr>:<port>: not an IPv4 "
				       "address and port");
		k->port = htons(port);
		return 0;
	}
	if (n == 1 && !strcmp(part[0], "nat-timeouts")) {
		id->kind = NV_POLICY_TIMEOUTS;
		return 0;
	}
	return bad_key(
		err, errlen,
		"hosts/<host>/: expected pas, ports, gateways, gateway-routes, nats, nat-maps "
		"or nat-timeouts");
}

/* The object of a key, its key fields; key's spelling not yet checked. */
static int key_object(char **part, size_t n, const char *host, struct nv_agent_object *id,
		      char *err, size_t errlen)
{
	char joined[NV_PREFIX_STRLEN + 2];
	__u8 len;

	memset(id, 0, sizeof(*id));
	if (!strcmp(part[0], "subnets") && n == 2) {
		id->kind = NV_POLICY_SUBNET;
		if (parse_u32(part[1], NV_VSID_MIN, NV_VSID_MAX, &id->e.subnet.vsid))
			return bad_key(err, errlen, "subnets/<vsid>: not a VSID");
		return 0;
	}
	if (!strcmp(part[0], "records") && n == 3) {
		id->kind = NV_POLICY_RECORD;
		if (parse_u32(part[1], NV_VSID_MIN, NV_VSID_MAX, &id->e.record.k.vsid))
			return bad_key(err, errlen, "records/<vsid>/<ca>: not a VSID");
		if (nv_addr_parse(part[2], &id->e.record.k.ca))
			return bad_key(err, errlen, "records/<vsid>/<ca>: not an address");
		return 0;
	}
	if (!strcmp(part[0], "routes") && n == 6) {
		struct nv_route_info *r = &id->e.route;

		id->kind = NV_POLICY_ROUTE;
		if (parse_u32(part[1], 0, UINT32_MAX, &r->rdid))
			return bad_key(err, errlen, "routes/<rdid>/...: not an RDID");
		snprintf(joined, sizeof(joined), "%s/%s", part[2], part[3]);
		if (nv_prefix_parse(joined, &r->prefix, &len))
			return bad_key(err, errlen, "routes/<rdid>/<prefix>/...: not a prefix");
		r->prefixlen = len;
		if (!strcmp(part[4], "vsid")) {
			if (parse_u32(part[5], NV_VSID_MIN, NV_VSID_MAX, &r->route.vsid))
				return bad_key(err, errlen, "routes/.../vsid/<vsid>: not a VSID");
			return 0;
		}
		if (!strcmp(part[4], "nexthop")) {
			if (nv_addr_parse(part[5], &r->route.nexthop) ||
			    nv_addr_is_wildcard(&r->route.nexthop))
				return bad_key(err, errlen,
					       "routes/.../nexthop/<ca>: not a next hop address");
			return 0;
		}
		return bad_key(err, errlen, "routes/<rdid>/<prefix>/: expected vsid or nexthop");
	}
	if (!strcmp(part[0], "hosts") && n >= 2 && strcmp(part[1], host))
		return 1;
	if (!strcmp(part[0], "hosts") && n >= 3)
		return host_key_object(part + 2, n - 2, id, err, errlen);
	return bad_key(err, errlen,
		       "not a key of the layout (subnets/, routes/, records/, hosts/)");
}

int nv_agent_key_parse(const char *key, const char *host, struct nv_agent_object *id, char *err,
		       size_t errlen)
{
	char buf[NV_AGENT_KEY_MAX], canon[NV_AGENT_KEY_MAX], *part[KEY_PARTS];
	size_t n;
	int ret;

	if (split(key, buf, sizeof(buf), part, &n) || !n)
		return bad_key(err, errlen, "not a key of the layout");
	ret = key_object(part, n, host, id, err, errlen);
	/* Another host's key only when spelled so: "hosts/NAME/..." ("/hosts//NAME" is none). */
	if (ret == 1) {
		size_t hl = strlen(part[1]);

		if (strncmp(key, "hosts/", 6) || strncmp(key + 6, part[1], hl) ||
		    (key[6 + hl] && key[6 + hl] != '/'))
			return bad_key(err, errlen, "not a key of the layout");
	}
	if (ret)
		return ret;
	ret = nv_agent_key_format(id, host, canon, sizeof(canon));
	if (ret)
		return bad_key(err, errlen, "not a key of the layout");
	if (strcmp(canon, key)) {
		snprintf(err, errlen, "not in the canonical spelling (%s)", canon);
		return -EINVAL;
	}
	return 0;
}

int nv_agent_value_read(const char *key, const char *value, size_t len, const char *host,
			struct nv_agent_object *o, char *err, size_t errlen)
{
	char canon[NV_AGENT_KEY_MAX];
	int ret = nv_agent_key_parse(key, host, o, err, errlen);

	if (ret)
		return ret;
	memset(&o->e, 0, sizeof(o->e));
	ret = nv_policy_json_read_object(o->kind, value, len, &o->e, err, errlen);
	/* A port's device is its key's, which exists: another one in the value is a bad value. */
	if (ret == -ENODEV && o->kind == NV_POLICY_PORT)
		ret = -EINVAL;
	if (ret)
		return ret;
	ret = nv_agent_key_format(o, host, canon, sizeof(canon));
	if (ret == -ENODEV) {
		snprintf(err, errlen, "the value names a device that is gone");
		return -EINVAL;
	}
	if (!ret && strcmp(canon, key)) {
		snprintf(err, errlen, "the value is the object of %s", canon);
		return -EINVAL;
	}
	return ret;
}

/* ---- objects gathered into a policy ---- */

struct build {
	struct nv_policy p;
	size_t cap[NV_POLICY__KINDS];
};

static void kind_array(struct nv_policy *p, enum nv_policy_kind k, void ***items, size_t **n,
		       size_t *size)
{
	nv_policy_array(p, k, items, n);
	*size = nv_policy_item_size(k);
}

static int push(struct build *b, const struct nv_agent_object *o)
{
	size_t *n, size, *cap = &b->cap[o->kind];
	void **items;

	kind_array(&b->p, o->kind, &items, &n, &size);
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *v = realloc(*items, c * size);

		if (!v)
			return -ENOMEM;
		*items = v;
		*cap = c;
	}
	memcpy((char *)*items + *n * size, &o->e, size);
	(*n)++;
	return 0;
}

static bool holds(struct nv_policy *p, enum nv_policy_kind k, const void *elem)
{
	size_t *n, size;
	void **items;

	kind_array(p, k, &items, &n, &size);
	return *n && bsearch(elem, *items, *n, size, nv_policy_cmp_of(k));
}

/* ---- logging ---- */

static void say(struct nv_agent *a, bool error, const char *fmt, ...)
{
	char msg[sizeof(a->st.last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (error) {
		memcpy(a->st.last_error, msg, sizeof(msg));
		a->st.last_error_time = (int64_t)time(NULL);
	}
	if (a->log)
		a->log(a->log_arg, msg);
}

/* "records/5001/10.0.0.11" of the object a change is about. */
static void change_key(struct nv_agent *a, const struct nv_policy *want,
		       const struct nv_policy *have, const struct nv_policy_change *c, char *buf,
		       size_t len)
{
	struct nv_agent_object o = { .kind = c->kind };
	size_t *n, size;
	void **items;

	kind_array((struct nv_policy *)want, c->kind, &items, &n, &size);
	memcpy(&o.e, nv_policy_change_object(want, have, c), size);
	if (nv_agent_key_format(&o, a->host, buf, len))
		snprintf(buf, len, "a %s", c->kind == NV_POLICY_PORT ? "port" : "object");
}

static void refused(struct nv_agent *a, const struct nv_policy *want, const struct nv_policy *have,
		    const struct nv_policy_change *c, int err, const struct nv_conflict *why,
		    int64_t revision)
{
	static const char sign[] = {
		[NV_POLICY_ADD] = '+', [NV_POLICY_CHANGE] = '~', [NV_POLICY_DEL] = '-'
	};
	char key[NV_AGENT_KEY_MAX], text[256];

	change_key(a, want, have, c, key, sizeof(key));
	if (!why || why->kind == NV_CONFLICT_NONE ||
	    nv_conflict_format(why, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "%s", strerror(-err));
	say(a, true, "revision %lld: %c %s%s: refused: %s", (long long)revision, sign[c->op],
	    a->prefix, key, text);
}

/* ---- applying ---- */

__u32 nv_agent_datapath_id(const char *pin_dir)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd;

	if (nv_pin_maps_dir(pin_dir, dir, sizeof(dir)))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, nv_map_name(NV_MAP_CONFIG));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

struct session {
	int lock;
	struct nv_maps m;
	__u32 id;
};

/* The instance locked against other nvctl commands, its maps open. */
static int session_open(struct nv_agent *a, struct session *s)
{
	int err;

	s->lock = nv_instance_lock(a->pin_dir, LOCK_EX, -1);
	if (s->lock < 0)
		return s->lock;
	s->id = nv_agent_datapath_id(a->pin_dir);
	err = s->id ? nv_dp_maps(a->pin_dir, &s->m) : -ENOENT;
	if (err)
		nv_instance_unlock(s->lock);
	return err;
}

static void session_close(struct session *s)
{
	nv_maps_close(&s->m);
	nv_instance_unlock(s->lock);
}

/*
 * The difference of want and have applied in one transaction, or when that is refused and
 * alone is set, each change by itself. The number of changes refused, or -errno when what was
 * applied could not be taken back.
 */
static int apply_changes(struct nv_agent *a, const struct nv_maps *m, const struct nv_policy *want,
			 const struct nv_policy *have, const struct nv_policy_change *v, size_t n,
			 bool alone, int64_t revision)
{
	struct nv_conflict why;
	size_t failed;
	int err, undo, nrefused = 0;

	err = nv_policy_apply(a->pin_dir, m, want, have, v, n, &failed, &why, &undo);
	if (!err)
		return 0;
	refused(a, want, have, &v[failed], err, &why, revision);
	if (undo) {
		say(a, true, "revision %lld: taking back the changes applied: %s",
		    (long long)revision, strerror(-undo));
		return undo;
	}
	if (!alone)
		return 1;
	for (size_t i = 0; i < n; i++) {
		err = nv_policy_apply(a->pin_dir, m, want, have, &v[i], 1, &failed, &why, &undo);
		if (err) {
			refused(a, want, have, &v[i], err, &why, revision);
			nrefused++;
		}
		if (undo)
			return undo;
	}
	return nrefused;
}

/* want applied against the live objects of keys (all, for a sync), as one diff. */
static int converge(struct nv_agent *a, const struct session *s, struct nv_policy *want,
		    struct nv_policy *keep, const struct nv_policy *keys, bool alone,
		    int64_t revision, size_t *nchanges)
{
	struct nv_policy have = { 0 };
	struct nv_policy_change *v = NULL;
	size_t n = 0, k = 0;
	int err;

	err = keys ? nv_policy_read_some(&s->m, keys, &have) : nv_policy_read(&s->m, &have);
	/* Some objects only: what a leg or NAT changed in place takes down comes back with it. */
	if (!err && keys)
		err = nv_policy_read_dependents(&s->m, want, &have);
	if (!err)
		err = nv_policy_diff(want, &have, true, &v, &n);
	if (!err)
		err = nv_policy_keep_main_pa(&s->m, &have, v, &n);
	if (!err && keep) {
		/* A key whose value does not parse keeps the object it had. */
		for (size_t i = 0; i < n; i++)
			if (!(v[i].op == NV_POLICY_DEL &&
			      holds(keep, v[i].kind, nv_policy_item(&have, v[i].kind, v[i].have))))
				v[k++] = v[i];
		n = k;
	}
	*nchanges = n;
	if (!err && n)
		err = apply_changes(a, &s->m, want, &have, v, n, alone, revision);
	free(v);
	nv_policy_free(&have);
	return err;
}

/* The key under the prefix, or NULL for one outside it. */
static const char *relative(const struct nv_agent *a, const char *key)
{
	size_t n = strlen(a->prefix);

	return strncmp(key, a->prefix, n) ? NULL : key + n;
}

int nv_agent_sync(struct nv_agent *a, const struct nv_etcd_kv *kvs, size_t n, int64_t revision)
{
	struct build want = { 0 }, keep = { 0 };
	struct nv_agent_object o;
	struct session s;
	size_t nchanges = 0, ours = 0;
	char err[256];
	int ret = 0;

	a->incomplete = false;
	for (size_t i = 0; i < n && !ret; i++) {
		const char *key = relative(a, kvs[i].key);
		int r = key ? nv_agent_value_read(key, kvs[i].value, kvs[i].value_len, a->host, &o,
						  err, sizeof(err))
			    : 1;

		if (r == 1)
			continue;
		ours++;
		if (r == -ENODEV) {
			/* Its device comes with its VM: the next sync tries again. */
			say(a, false, "%s: %s yet: not applied", kvs[i].key, err);
			a->incomplete = true;
			/* A gateway leg (keyed by its RDID) stays as it is meanwhile. */
			if (nv_agent_key_parse(key, a->host, &o, err, sizeof(err)) == 0)
				ret = push(&keep, &o);
			continue;
		}
		if (r) {
			say(a, true, "%s: skipped: %s", kvs[i].key, err);
			a->st.events_skipped++;
			if (nv_agent_key_parse(key, a->host, &o, err, sizeof(err)) == 0)
				ret = push(&keep, &o);
			continue;
		}
		ret = push(&want, &o);
	}
	if (!ret) {
		nv_policy_sort(&want.p);
		nv_policy_sort(&keep.p);
		ret = session_open(a, &s);
	}
	if (!ret) {
		ret = converge(a, &s, &want.p, &keep.p, NULL, true, revision, &nchanges);
		if (ret > 0) {
			a->st.events_failed += (uint64_t)ret;
			a->incomplete = true;
			ret = 0;
		}
		a->maps_id = s.id;
		session_close(&s);
	}
	if (!ret) {
		a->st.revision = revision;
		if (a->st.store_revision < revision)
			a->st.store_revision = revision;
		a->st.syncs++;
		a->st.objects = ours;
		say(a, false, "synced at revision %lld: %zu keys of this host, %zu changes%s",
		    (long long)revision, ours, nchanges, a->incomplete ? ", some not applied" : "");
	}
	nv_policy_free(&want.p);
	nv_policy_free(&keep.p);
	return ret;
}

/* One revision's events: what they make and the keys they touch, applied as one diff. */
static int apply_revision(struct nv_agent *a, const struct session *s,
			  const struct nv_etcd_event *ev, size_t n, int64_t revision)
{
	struct build want = { 0 }, keys = { 0 };
	struct nv_agent_object o;
	size_t nchanges, ours = 0;
	char err[256];
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const struct nv_etcd_kv *kv = &ev[i].kv;
		const char *key = relative(a, kv->key);
		int r;

		if (!key)
			continue;
		r = ev[i].deleted ? nv_agent_key_parse(key, a->host, &o, err, sizeof(err))
				  : nv_agent_value_read(key, kv->value, kv->value_len, a->host, &o,
							err, sizeof(err));
		if (r == 1)
			continue;
		if (r == -ENODEV && ev[i].deleted) {
			/* A port whose device went first: a sync finds it by ifindex. */
			a->incomplete = true;
			continue;
		}
		if (r == -ENODEV) {
			say(a, false, "%s: %s yet: not applied", kv->key, err);
			a->st.events_failed++;
			a->incomplete = true;
			continue;
		}
		if (r) {
			say(a, true, "revision %lld: %s: skipped: %s", (long long)revision, kv->key,
			    err);
			a->st.events_skipped++;
			continue;
		}
		ours++;
		ret = push(&keys, &o);
		if (!ret && !ev[i].deleted)
			ret = push(&want, &o);
	}
	if (!ret && ours) {
		nv_policy_sort(&want.p);
		nv_policy_sort(&keys.p);
		ret = converge(a, s, &want.p, NULL, &keys.p, false, revision, &nchanges);
		if (ret > 0) {
			a->st.events_failed += ours;
			a->incomplete = true;
			ret = 0;
		} else if (!ret) {
			a->st.events_applied += ours;
		}
	}
	nv_policy_free(&want.p);
	nv_policy_free(&keys.p);
	return ret;
}

int nv_agent_events(struct nv_agent *a, const struct nv_etcd_event *ev, size_t n)
{
	struct session s;
	size_t i = 0, j;
	int ret;

	while (i < n && ev[i].kv.mod_revision <= a->st.revision)
		i++;
	if (i == n)
		return 0;
	ret = session_open(a, &s);
	if (ret)
		return ret;
	if (s.id != a->maps_id) {
		session_close(&s);
		return 1;
	}
	for (; i < n && !ret; i = j) {
		int64_t rev = ev[i].kv.mod_revision;

		for (j = i; j < n && ev[j].kv.mod_revision == rev; j++)
			;
		if (rev <= a->st.revision)
			continue;
		ret = apply_revision(a, &s, ev + i, j - i, rev);
		if (!ret)
			a->st.revision = rev;
	}
	session_close(&s);
	return ret;
}
