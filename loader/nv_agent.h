/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The part of nvctl agent that knows no HTTP: etcd keys as policy objects (the key layout, one
 * key per object, its value the object as a policy file holds it), and what a list or a watch
 * brings applied to the instance. Keys, relative to the agent's prefix:
 *
 *   subnets/<vsid>                                 routes/<rdid>/<prefix>/vsid/<vsid>
 *   records/<vsid>/<ca>                            routes/<rdid>/<prefix>/nexthop/<ca>
 *   hosts/<host>/pas/<pa>                          hosts/<host>/ports/<dev>
 *   hosts/<host>/gateways/<rdid>                   hosts/<host>/gateway-routes/<rdid>/<prefix>
 *   hosts/<host>/nats/<rdid>                       hosts/<host>/nat-maps/<tcp|udp>/<addr>:<port>
 *   hosts/<host>/nat-timeouts
 *
 * Addresses and prefixes in the spelling nvctl export prints ("10.0.0.0/24", "fd00::1"): a key
 * names one object and a value must make exactly the key it is under. The gateway's objects are
 * a host's own, as its PAs and ports are. Another host's keys are not this host's business; a key
 * outside the layout, or a value that does not parse or does not make its key, is skipped, logged
 * and counted, and the rest applies.
 */
#ifndef NV_AGENT_H
#define NV_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nv_etcd_codec.h"
#include "nv_policy.h"

#define NV_AGENT_KEY_MAX 320

/* One policy object: its kind and the array element of struct nv_policy it is. */
struct nv_agent_object {
	enum nv_policy_kind kind;
	union nv_policy_any e;
};

/* The key (relative to the prefix) of an object of this host. 0, -ENAMETOOLONG, or -ENODEV for
 * a port whose device is gone (a port's key names its device; a gateway leg's, its RDID). */
int nv_agent_key_format(const struct nv_agent_object *o, const char *host, char *buf, size_t len);

/*
 * The object a key names, its key fields only (what a DELETE removes). 0; 1 for a key of another
 * host; -EINVAL with err for a key outside the layout; -ENODEV for a port key whose device does
 * not exist (yet: a VM not started).
 */
int nv_agent_key_parse(const char *key, const char *host, struct nv_agent_object *id, char *err,
		       size_t errlen);

/*
 * The object under key: its value parsed as the kind the key says, and checked to make that key.
 * Returns as nv_agent_key_parse; -EINVAL with err for a value that does not parse or make its key;
 * -ENODEV for a gateway leg whose external device does not exist (yet).
 */
int nv_agent_value_read(const char *key, const char *value, size_t len, const char *host,
			struct nv_agent_object *o, char *err, size_t errlen);

/* What nvctl agent status shows and the metrics export. */
struct nv_agent_stats {
	int64_t revision;	/* the store revision the instance has applied */
	int64_t store_revision; /* the newest the agent has seen the store at */
	uint64_t events_applied, events_skipped, events_failed;
	uint64_t syncs, relists, reconnects;
	uint64_t objects; /* objects of this host in the store at the last sync, plus since */
	char last_error[512];
	int64_t last_error_time; /* unix seconds, 0: none */
};

typedef void (*nv_agent_log_fn)(void *arg, const char *msg);

struct nv_agent {
	const char *pin_dir, *prefix, *host;
	nv_agent_log_fn log; /* one line per skipped key, refused change, sync */
	void *log_arg;
	struct nv_agent_stats st;
	__u32 maps_id;	 /* the config map's id at the last sync: another one, another datapath */
	bool incomplete; /* some change was refused: a later sync should retry */
};

/*
 * The id of the config map of the instance at pin_dir (it changes when the datapath is attached
 * again, as after a reboot), 0 when there is none.
 */
__u32 nv_agent_datapath_id(const char *pin_dir);

/*
 * Makes the instance equal to the store as listed at revision (kvs: every key under the prefix,
 * full keys): every valid object of this host added or changed, every live object without a key
 * deleted, except one whose key holds a value that does not parse (kept as it is). All in one
 * transaction; when the library refuses a change, each change alone, the refused ones counted
 * (a->incomplete). Takes the instance lock. 0, -ENOENT when no datapath is attached, -errno.
 */
int nv_agent_sync(struct nv_agent *a, const struct nv_etcd_kv *kvs, size_t n, int64_t revision);

/*
 * Applies a watch's events in order, those of one revision all or nothing (a refused revision
 * is counted failed and sets a->incomplete), skipping revisions already applied. 0; 1 when the
 * datapath is not the one synced (attached again: relist); -ENOENT none attached; -errno.
 */
int nv_agent_events(struct nv_agent *a, const struct nv_etcd_event *ev, size_t n);

#endif /* NV_AGENT_H */
