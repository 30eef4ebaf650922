// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy file of nvctl apply (loader/nv_policy_json.c): the input is the file, read whole
 * (nv_policy_json_read) and as the one object an etcd value holds, of each kind
 * (nv_policy_json_read_object). What parses then goes through the policy diff (maps/nv_policy.c).
 * Oracles:
 *   - a policy read is sorted by key with no two objects of one key, and what nvctl export writes
 *     of it reads back as the same policy; each object, written alone, reads back the same;
 *   - a refused file leaves the policy empty and says why;
 *   - the diff of the policy against itself as the maps would hold it (subnets completed with
 *     their defaults) is empty, but for subnets the library refuses; against an empty policy it
 *     adds every object once (but timeouts that are the defaults: as good as none; deletes every
 *     one, with prune, the other way round), dependencies first (deletions in the reverse
 *     order).
 */
#include "fuzz_common.h" /* first: _GNU_SOURCE */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nv_policy.h"
#include "nv_policy_json.h"

static const size_t elem_size[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = sizeof(struct nv_policy_pa),
	[NV_POLICY_SUBNET] = sizeof(struct nv_policy_subnet),
	[NV_POLICY_ROUTE] = sizeof(struct nv_route_info),
	[NV_POLICY_PORT] = sizeof(struct nv_policy_port),
	[NV_POLICY_RECORD] = sizeof(struct nv_policy_record),
	[NV_POLICY_GATEWAY] = sizeof(struct nv_policy_gateway),
	[NV_POLICY_GW_ROUTE] = sizeof(struct nv_policy_gw_route),
	[NV_POLICY_NAT] = sizeof(struct nv_policy_nat),
	[NV_POLICY_NAT_MAP] = sizeof(struct nv_policy_nat_map),
	[NV_POLICY_TIMEOUTS] = sizeof(struct nv_ct_timeouts),
};
static int (*const cmp_of[NV_POLICY__KINDS])(const void *, const void *) = {
	[NV_POLICY_PA] = nv_policy_cmp_pa,
	[NV_POLICY_SUBNET] = nv_policy_cmp_subnet,
	[NV_POLICY_ROUTE] = nv_policy_cmp_route,
	[NV_POLICY_PORT] = nv_policy_cmp_port,
	[NV_POLICY_RECORD] = nv_policy_cmp_record,
	[NV_POLICY_GATEWAY] = nv_policy_cmp_gateway,
	[NV_POLICY_GW_ROUTE] = nv_policy_cmp_gw_route,
	[NV_POLICY_NAT] = nv_policy_cmp_nat,
	[NV_POLICY_NAT_MAP] = nv_policy_cmp_nat_map,
	[NV_POLICY_TIMEOUTS] = nv_policy_cmp_timeouts,
};
/* The order nv_policy_diff promises for additions and changes: what others depend on first. */
static const int rank[NV_POLICY__KINDS] = {
	[NV_POLICY_PA] = 0,	  [NV_POLICY_SUBNET] = 1, [NV_POLICY_RECORD] = 2,
	[NV_POLICY_ROUTE] = 3,	  [NV_POLICY_PORT] = 4,	  [NV_POLICY_GATEWAY] = 5,
	[NV_POLICY_GW_ROUTE] = 6, [NV_POLICY_NAT] = 7,	  [NV_POLICY_NAT_MAP] = 8,
	[NV_POLICY_TIMEOUTS] = 9,
};

static size_t count(const struct nv_policy *p, enum nv_policy_kind k)
{
	size_t n = 0;

	while (nv_policy_item(p, k, n))
		n++;
	return n;
}

static size_t total(const struct nv_policy *p)
{
	size_t n = 0;

	for (int k = 0; k < NV_POLICY__KINDS; k++)
		n += count(p, k);
	return n;
}

static bool empty(const struct nv_policy *p)
{
	return !p->pas && !p->subnets && !p->routes && !p->ports && !p->records && !p->gateways &&
	       !p->gw_routes && !p->nats && !p->nat_maps && !p->timeouts && !total(p);
}

static void check_same(const struct nv_policy *a, const struct nv_policy *b, const char *what)
{
	for (int k = 0; k < NV_POLICY__KINDS; k++) {
		size_t n = count(a, k);

		FUZZ_CHECK(n == count(b, k), "%s: kind %d: %zu objects, then %zu", what, k, n,
			   count(b, k));
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(!memcmp(nv_policy_item(a, k, i), nv_policy_item(b, k, i),
					   elem_size[k]),
				   "%s: kind %d object %zu differs", what, k, i);
	}
}

/* One object written as a file holds it, read back by nv_policy_json_read_object. */
static void check_object(unsigned int kind, const void *elem)
{
	union nv_policy_any back;
	json_t *o = nv_policy_json_object(kind, elem);
	char err[256], *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	FUZZ_CHECK(text, "kind %u: no JSON", kind);
	FUZZ_CHECK(!nv_policy_json_read_object(kind, text, strlen(text), &back, err, sizeof(err)),
		   "kind %u: %s reads back as: %s", kind, text, err);
	FUZZ_CHECK(!memcmp(&back, elem, elem_size[kind]), "kind %u: %s reads back otherwise", kind,
		   text);
	free(text);
	json_decref(o);
}

/* p as the maps hold it: subnets with the library's defaults; those it refuses are left out. */
static void as_stored(const struct nv_policy *p, struct nv_policy *h, size_t *refused)
{
	*h = *p;
	h->subnets = calloc(p->nsubnets ?: 1, sizeof(*h->subnets));
	if (!h->subnets)
		abort();
	h->nsubnets = 0;
	*refused = 0;
	for (size_t i = 0; i < p->nsubnets; i++) {
		struct nv_policy_subnet *s = &h->subnets[h->nsubnets];

		s->vsid = p->subnets[i].vsid;
		if (nv_subnet_complete(s->vsid, &p->subnets[i].s, &s->s, NULL))
			(*refused)++;
		else
			h->nsubnets++;
	}
}

static void check_diff(const struct nv_policy *p)
{
	struct nv_policy none = { 0 }, have;
	struct nv_policy_change *v;
	size_t n, refused, dflt;

	/* Against itself as stored: nothing, but the refused subnets (added again, to be refused
	 * by the library with its reason). */
	as_stored(p, &have, &refused);
	FUZZ_CHECK(!nv_policy_diff(p, &have, true, &v, &n), "diff failed");
	FUZZ_CHECK(n == refused, "%zu changes against itself, %zu refused subnets", n, refused);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(v[i].kind == NV_POLICY_SUBNET && v[i].op == NV_POLICY_ADD,
			   "change %zu: kind %d op %d against itself", i, v[i].kind, v[i].op);
	free(v);
	free(have.subnets);

	/* From nothing: every object added once, in dependency order; timeouts that are the
	 * defaults are as good as none. */
	FUZZ_CHECK(!nv_policy_diff(p, &none, true, &v, &n), "diff failed");
	dflt = p->ntimeouts && nv_policy_timeouts_default(p->timeouts);
	FUZZ_CHECK(n == total(p) - dflt, "%zu changes for %zu objects", n, total(p));
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].op == NV_POLICY_ADD && v[i].have == NV_POLICY_NONE &&
				   nv_policy_item(p, v[i].kind, v[i].want),
			   "change %zu: op %d", i, v[i].op);
		FUZZ_CHECK(!i || rank[v[i - 1].kind] < rank[v[i].kind] ||
				   (v[i - 1].kind == v[i].kind && v[i - 1].want < v[i].want),
			   "change %zu out of order", i);
	}
	free(v);

	/* To nothing: every object deleted with prune, dependents first; none without. */
	FUZZ_CHECK(!nv_policy_diff(&none, p, true, &v, &n), "diff failed");
	FUZZ_CHECK(n == total(p), "%zu deletions for %zu objects", n, total(p));
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].op == NV_POLICY_DEL && v[i].want == NV_POLICY_NONE &&
				   nv_policy_item(p, v[i].kind, v[i].have),
			   "deletion %zu: op %d", i, v[i].op);
		FUZZ_CHECK(!i || rank[v[i - 1].kind] > rank[v[i].kind] ||
				   (v[i - 1].kind == v[i].kind && v[i - 1].have < v[i].have),
			   "deletion %zu out of order", i);
	}
	free(v);
	FUZZ_CHECK(!nv_policy_diff(&none, p, false, &v, &n) && !n, "deletions without prune");
	free(v);
}

static void check_policy(const struct nv_policy *p)
{
	struct nv_policy back;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	for (int k = 0; k < NV_POLICY__KINDS; k++)
		for (size_t i = 0; nv_policy_item(p, k, i); i++) {
			FUZZ_CHECK(!i || cmp_of[k](nv_policy_item(p, k, i - 1),
						   nv_policy_item(p, k, i)) < 0,
				   "kind %d: objects %zu and %zu not sorted or one key", k, i - 1,
				   i);
			check_object(k, nv_policy_item(p, k, i));
		}
	/* nvctl export's file of it. */
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	FUZZ_CHECK(!nv_policy_json_write(f, p), "write failed");
	fclose(f);
	FUZZ_CHECK(!nv_policy_json_read(text, len, &back, err, sizeof(err)),
		   "the written file reads as: %s\n%s", err, text);
	check_same(p, &back, "written and read back");
	nv_policy_free(&back);
	free(text);
	check_diff(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nv_policy p;
	char err[256];
	int ret;

	err[0] = '\0';
	ret = nv_policy_json_read((const char *)data, size, &p, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM, "read: %d", ret);
	if (ret) {
		FUZZ_CHECK(err[0], "refused without a reason");
		FUZZ_CHECK(empty(&p), "a refused file left objects");
	} else {
		check_policy(&p);
		nv_policy_free(&p);
	}

	/* The input as one object of each kind, as an agent reads an etcd value. */
	for (unsigned int k = 0; k < NV_POLICY__KINDS; k++) {
		union nv_policy_any e;

		err[0] = '\0';
		ret = nv_policy_json_read_object(k, (const char *)data, size, &e, err, sizeof(err));
		FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENODEV, "kind %u: %d", k, ret);
		FUZZ_CHECK(!ret || err[0], "kind %u refused without a reason", k);
		if (!ret)
			check_object(k, &e);
	}
	return 0;
}
