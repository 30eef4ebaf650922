/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Property fuzzing of the real BPF programs (BPF_PROG_TEST_RUN) against a reference model.
 *
 * A world is a random policy (tenants reusing each other's prefixes, CAs and MACs, ports, records
 * of several hosts, wildcard gateway records, customer routes) written through the maps library
 * and kept here as the intent that was accepted. Frames are generated from it, then mutated. The
 * model (prop_model.c) decides from the world and the frame's bytes alone what a correct datapath
 * does; it shares no code with bpf/ (only the ABI's numbers). prop_check.c runs the program,
 * decodes what it produced with its own decoder and checks the properties.
 */
#ifndef PROP_H
#define PROP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "nvgre_abi.h"
#include "nv_objects.h"

#define PROP_FRAME_MAX	 1700
#define PROP_MAX_SUBNETS 9
#define PROP_MAX_RECORDS 96
#define PROP_MAX_PORTS	 6
#define PROP_MAX_ROUTES	 9
#define PROP_MAX_PAS	 4

/* splitmix64: one 64-bit state, reproducible from a seed on every machine. */
struct rng {
	__u64 s;
};
__u64 rng_next(struct rng *r);
__u32 rng_below(struct rng *r, __u32 n); /* 0 .. n-1 */
bool rng_chance(struct rng *r, unsigned int percent);
__u64 rng_mix(__u64 a, __u64 b); /* a seed for stream b of seed a */

struct w_subnet {
	__u32 vsid, rdid;
	__be32 prefix, gw; /* a /24 */
	__u8 gw_mac[6];
};

struct w_record {
	__u32 vsid;
	__be32 ca, pa; /* ca 0: the RDID's gateway wildcard record */
	__u8 mac[6];
};

struct w_port {
	bool present; /* accepted by nv_port_add */
	__u32 ifindex;
	__u32 vsid, rdid;
	__be32 ca;
	__u8 mac[6];
	__u8 deliver, flags;
};

struct w_route {
	__u32 rdid;
	__be32 prefix;
	__u8 len; /* IPv4 prefix length */
	__u32 vsid;
	__be32 nexthop; /* 0: on-link in vsid */
};

/* The devices of the test's namespace, made once. */
struct devices {
	__u32 underlay, port_dev[PROP_MAX_PORTS], vm_end[PROP_MAX_PORTS];
};

struct world {
	struct nv_objects o;
	bool loaded;
	const struct devices *dev;
	unsigned int mtu; /* the underlay's */
	__u32 underlay;	  /* the config's underlay: 0 now and then (not attached) */
	__be32 local_pa[PROP_MAX_PAS], remote_pa[PROP_MAX_PAS];
	int nlocal, nremote;
	struct w_subnet subnet[PROP_MAX_SUBNETS];
	int nsubnets;
	struct w_record record[PROP_MAX_RECORDS];
	int nrecords;
	struct w_port port[PROP_MAX_PORTS];
	struct w_route route[PROP_MAX_ROUTES];
	int nroutes;
	unsigned int refused; /* adds the library refused (not in the world) */
};

int devices_make(struct devices *d);
/* A fresh datapath (objects loaded unpinned) holding a random policy drawn from seed. */
int world_make(struct world *w, const struct devices *d, __u64 seed);
void world_free(struct world *w);
void world_print(const struct world *w, FILE *f);

/* Lookups of the intent, for the generator and the model. */
const struct w_subnet *w_subnet_of(const struct world *w, __u32 vsid);
const struct w_record *w_record_of(const struct world *w, __u32 vsid, __be32 ca);
/* The record of ca in any VSID of rdid (prefixes of one RDID never overlap); ca 0: its gateway
 * wildcard record. */
const struct w_record *w_record_in_rdid(const struct world *w, __u32 rdid, __be32 ca);
const struct w_port *w_port_at(const struct world *w, __u32 ifindex);
bool w_pa_local(const struct world *w, __be32 pa);

enum hook {
	H_FROM_VM,
	H_FROM_WIRE,
	H_WIRE_TC,
	H__COUNT,
};

struct frame {
	enum hook hook;
	__u32 ifindex; /* where it arrives */
	__u8 b[PROP_FRAME_MAX];
	size_t len;
	unsigned int mutations;
};

/* Frame number n of a run seeded seed, in world w. */
void gen_frame(const struct world *w, __u64 seed, __u64 n, struct frame *f);

/* What a correct datapath does with a frame. */
enum outcome {
	O_REFUSED, /* too short for BPF_PROG_TEST_RUN itself */
	O_PASS,	   /* not ours: to the host's stack, untouched, nothing counted */
	O_DROP,	   /* one drop counter moves, by one of the reasons */
	O_LOCAL,   /* from_vm: to the port, as is (or routed: MACs and TTL) */
	O_ENCAP,   /* from_vm: NVGRE to pa with vsid, from src_pa */
	O_ARP,	   /* from_vm: the ARP reply, back to the asking port */
	O_TTL,	   /* from_vm: ICMP time exceeded back to the port, or drop ICMP_RATE */
	O_FRAG,	   /* from_vm: ICMP frag needed back to the port, or drop MTU_RATE */
	O_DELIVER, /* wire: decapsulated to the port (XDP: redirect or the TC hand-over) */
};
#define O__COUNT (O_DELIVER + 1)

struct expect {
	enum outcome o;
	__u64 reasons; /* O_DROP: the acceptable reasons (bit per enum nv_drop_reason) */
	const struct w_port *port; /* O_LOCAL, O_DELIVER, O_ARP, O_TTL, O_FRAG: its port */
	const struct w_port *src;  /* from_vm: the sending port, when the ingress is one */
	__be32 pa, src_pa;	   /* O_ENCAP */
	__u32 vsid;		   /* O_ENCAP: the key's; O_DELIVER: the key's */
	bool routed;		   /* O_LOCAL, O_ENCAP: the router rewrote MACs and TTL */
	__u8 smac[6], dmac[6];	   /* routed: the new MACs */
	__u8 arp_mac[6];	   /* O_ARP: the MAC announced */
	__be32 gw;	  /* O_TTL, O_FRAG: the CA it comes from (O_FRAG on-link: the dst) */
	__u8 gw_mac[6];	  /* and its MAC */
	__u16 mtu;	  /* O_FRAG: the next-hop MTU it names */
	size_t outer_len; /* O_DELIVER: bytes before the inner frame */
	const char *why;  /* the rule that decided, for failure reports */
};

#define R(name) (1ull << NV_DROP_##name)

void model_expect(const struct world *w, const struct frame *f, struct expect *e);

/* What one run did, seen from outside: verdict, output, its event and counters (per batch). */
struct observed {
	int err;
	__u32 retval;
	__u8 out[PROP_FRAME_MAX + 128];
	__u32 out_len, meta_len;
	int nevents;
	struct nv_event ev;
};

/* Runs f through its program; 0, or -errno when the run could not be made at all. */
int check_run(struct world *w, const struct frame *f, struct observed *obs);
/* The per-frame properties; false with a message in why. */
bool check_frame(const struct world *w, const struct frame *f, const struct expect *e,
		 const struct observed *obs, char *why, size_t len);

/* Isolation judged from the observed delivery alone (no model): the RDID and the source. */
bool check_isolation(const struct world *w, const struct frame *f, const struct observed *obs,
		     char *why, size_t len);

/* Counters of a batch: what the model expects them to move by, and what they moved by. */
struct tally {
	__u64 drop[NV_DROP__MAX];
	__u64 rx[PROP_MAX_PORTS], tx[PROP_MAX_PORTS], port_drop[PROP_MAX_PORTS];
};
void tally_expect(const struct world *w, const struct frame *f, const struct expect *e,
		  const struct observed *obs, struct tally *t);
int tally_read(const struct world *w, struct tally *t);
/* 0 when now - before == want; else -1 with the first difference in why. */
int tally_compare(const struct tally *before, const struct tally *now, const struct tally *want,
		  char *why, size_t len);

/* Independent one's complement sum (RFC 1071) over len bytes. */
__u16 csum16(const void *data, size_t len);

#endif /* PROP_H */
