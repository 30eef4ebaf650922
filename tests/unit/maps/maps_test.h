/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared by the maps library's suites (tests/unit/test_maps_*.c): the maps under test and the
 * helpers that build and check their content (tests/unit/test_maps_helpers.c). The maps are real
 * kernel maps created unpinned by the fixture; each Criterion test is its own process, so they die
 * with it. Tests that need devices unshare a network namespace first and create veths there. Needs
 * root. Every helper asserts: a failed step fails the test.
 */
#ifndef UNIT_MAPS_TEST_H
#define UNIT_MAPS_TEST_H

#include <linux/types.h>
#include <stddef.h>

#include "nv_maps.h"
#include "lib/maps_fixture.h"

#define VSID1 5001u
#define VSID2 5002u
#define VSID3 5003u
#define RDID1 1u
#define RDID2 2u

#define PA_LOCAL  "192.0.2.1"
#define PA_REMOTE "192.0.2.2"
#define PA_LOCAL2 "192.0.2.3"

#define L_PA   NV_LOCAL_PA
#define L_XDP  NV_LOCAL_XDP
#define L_PEER NV_LOCAL_PEER

/* The maps under test: every map of the fixture (maps_setup), closed by maps_teardown. */
extern struct nv_maps m;
void maps_setup(void);
void maps_teardown(void);

/* Parse or assert. */
union nv_addr A(const char *s);
void mac_set(__u8 mac[NV_ETH_ALEN], const char *s);

/* Values: a subnet with a gateway, a TC port, a record key, an encap record, a route key/value. */
struct nv_subnet mk_subnet(__u32 rdid);
/* A subnet with prefix net24/24 and gateway .254: subnets of one RDID must not overlap. */
void subnet_at(__u32 vsid, __u32 rdid, const char *net24);
/* An IPv6 subnet: fd00::/64, gateway fd00::fe. */
void subnet6(__u32 vsid, __u32 rdid);
struct nv_port mk_port(__u32 vsid, __u32 rdid, const char *ca, const char *mac);
struct nv_record_key mk_rkey(__u32 vsid, const char *ca);
struct nv_record mk_record(const char *pa, const char *mac);
struct nv_route_key mk_rtkey(__u32 rdid, const char *addr, __u32 prefixlen);
struct nv_route mk_route(__u32 vsid);
/*
 * The MAC the tests give a CA, in its ports and records alike: 02:00:00:00:00:<last byte of the
 * CA> (a port binds only to a record with its own MAC).
 */
void ca_mac(__u8 mac[NV_ETH_ALEN], const char *ca);

/* Adds that must succeed: a subnet, a record with ca_mac's MAC, a local PA (ifindex 1), a port. */
void subnet(__u32 vsid, __u32 rdid);
void record(__u32 vsid, const char *ca, const char *pa);
void local_pa(const char *pa);
void port_add(__u32 ifindex, const struct nv_port *p);

/* Reads that must succeed. */
__u32 record_ifindex(__u32 vsid, const char *ca);
struct nv_record rec_get(__u32 vsid, const char *ca);
struct nv_port port_get(__u32 ifindex);
/* The record's ifindex and local flags, and that its nv_rdid_cas copy equals it. */
void assert_record(__u32 vsid, const char *ca, __u32 ifindex, __u8 local, const char *what);
void assert_index_copy(__u32 vsid, const char *ca, const char *what);
/* Port ifindex holds pa (NULL: all zero, unbound). */
void assert_port_pa(__u32 ifindex, const char *pa, const char *what);

/* A private network namespace: devices made here vanish with the test process. */
void netns(void);
/* A veth pair name / name-p; the ifindex of name. */
__u32 veth(const char *name);

/* Entries of one map, from a snapshot. */
int map_count(enum nv_map_id id);
struct maps_snapshot *snap(void);
/* The maps are exactly as in before (which is freed). */
void assert_unchanged(struct maps_snapshot *before, const char *what);
/* A read-only fd on the same map: every write through it fails with EPERM (fault injection). */
int ro_fd(int fd);

/* Not a unicast address (nv_addr_unicast): what no CA or PA may be, as the CLI parses them. */
extern const char *const not_unicast[];
extern const size_t not_unicast_n;

#endif /* UNIT_MAPS_TEST_H */
