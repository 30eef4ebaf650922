// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The large lookup table of `make bench`: filler records written straight into nv_records with
 * bpf_map_update_batch (the maps library adds one record at a time with its consistency checks;
 * timing that is the control-plane bench's business, not this one's). What is written is what the
 * library stores for a remote record (local and ifindex 0, no port bound), at CAs outside the
 * fixture's /24 subnets, which the library would refuse: the bridged lookups they are timed for
 * are by (VSID, CA) alone, and the routed paths are timed on the fixture's own records.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "bench/bench.h"

#define FILL_CHUNK 65536

/* 10.128.0.0 and up: away from the fixture's 10.0.0.0/24. */
__be32 bench_ca(__u32 i)
{
	return htonl(0x0a800000u + i);
}

void bench_mac(__u32 i, __u8 mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x10;
	mac[2] = 0;
	mac[3] = (__u8)(i >> 16);
	mac[4] = (__u8)(i >> 8);
	mac[5] = (__u8)i;
}

__u32 bench_spread_keys(__u32 max_records, __u32 fixture_records)
{
	return max_records > fixture_records ? (max_records - fixture_records) / 2 : 0;
}

int bench_fill_records(const struct host *h, __u32 nkeys)
{
	static struct nv_record_key k[FILL_CHUNK];
	static struct nv_record v[FILL_CHUNK];
	const __u32 vsids[2] = { VSID_A, VSID_B };
	int fd = h->o.maps.fd[NV_MAP_RECORDS];
	LIBBPF_OPTS(bpf_map_batch_opts, o); /* elem_flags: only BPF_F_LOCK allowed */

	struct nv_subnet s[2];
	int err;

	/* The fields the maps library copies from the subnet, as nv_record_add() would store them.
	 */
	for (int t = 0; t < 2; t++) {
		err = nv_subnet_get(&h->o.maps, vsids[t], &s[t]);
		if (err)
			return err;
	}
	for (int t = 0; t < 2; t++)
		for (__u32 base = 0; base < nkeys; base += FILL_CHUNK) {
			__u32 n = nkeys - base < FILL_CHUNK ? nkeys - base : FILL_CHUNK;

			memset(k, 0, n * sizeof(*k));
			memset(v, 0, n * sizeof(*v));
			for (__u32 i = 0; i < n; i++) {
				k[i].vsid = vsids[t];
				nv_addr_from_ipv4(&k[i].ca, bench_ca(base + i));
				nv_addr_from_ipv4(&v[i].pa, BENCH_PA_REMOTE);
				bench_mac(base + i, v[i].mac);
				v[i].rule = NV_RULE_ENCAP;
				v[i].rdid = s[t].rdid;
				memcpy(v[i].gw_mac, s[t].gw_mac, sizeof(v[i].gw_mac));
			}
			if (bpf_map_update_batch(fd, k, v, &n, &o))
				return -errno;
		}
	return 0;
}

__u32 bench_count_records(const struct host *h)
{
	__u32 n = 0;

	return nv_map_count(&h->o.maps, NV_MAP_RECORDS, &n) ? 0 : n;
}
