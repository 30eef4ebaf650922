/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nv_addr.h"
#include "nv_maps.h"
#include "lib/fixture.h"

const __u8 MAC_1[6] = MAC_1_INIT;
const __u8 MAC_2[6] = MAC_2_INIT;
const __u8 MAC_3[6] = MAC_3_INIT;
const __u8 MAC_4[6] = MAC_4_INIT;
const __u8 MAC_5[6] = MAC_5_INIT;
const __u8 MAC_6[6] = MAC_6_INIT;
/* clang-format off */
const __u8 MAC_GW_A[6] = { 0x02, 0x4e, 0x56, 0, VSID_A >> 8, VSID_A & 0xff };
const __u8 MAC_GW_A2[6] = { 0x02, 0x4e, 0x56, 0, VSID_A2 >> 8, VSID_A2 & 0xff };
const __u8 MAC_GW_B[6] = { 0x02, 0x4e, 0x56, 0, VSID_B >> 8, VSID_B & 0xff };
const __u8 MAC_GW_B2[6] = { 0x02, 0x4e, 0x56, 0, VSID_B2 >> 8, VSID_B2 & 0xff };
/* clang-format on */
const __u8 MAC_UNKNOWN[6] = MAC_UNKNOWN_INIT;
const __u8 MAC_BCAST[6] = MAC_BCAST_INIT;

struct port_def {
	const char *name, *vm_name;
	__u32 vsid, rdid;
	__be32 ca;
	const __u8 *mac;
};

static const struct port_def h1_ports[H1_NPORTS] = {
	[H1_A1] = { "h1a1", "vm-h1a1", VSID_A, RDID_A, CA_1, MAC_1 },
	[H1_A3] = { "h1a3", "vm-h1a3", VSID_A, RDID_A, CA_3, MAC_3 },
	[H1_B1] = { "h1b1", "vm-h1b1", VSID_B, RDID_B, CA_1, MAC_1 },
	[H1_A5] = { "h1a5", "vm-h1a5", VSID_A2, RDID_A, CA_5, MAC_5 },
};

static const struct port_def h2_ports[H2_NPORTS] = {
	[H2_A2] = { "h2a2", "vm-h2a2", VSID_A, RDID_A, CA_2, MAC_2 },
	[H2_B2] = { "h2b2", "vm-h2b2", VSID_B, RDID_B, CA_2, MAC_2 },
	[H2_A6] = { "h2a6", "vm-h2a6", VSID_A2, RDID_A, CA_6, MAC_6 },
};

/* The global lookup table, pushed unchanged to every host. */
static const struct {
	__u32 vsid;
	__be32 ca, pa;
	const __u8 *mac;
} records[] = {
	{ VSID_A, CA_1, PA_1, MAC_1 },	 { VSID_A, CA_3, PA_1, MAC_3 },
	{ VSID_A, CA_2, PA_2A, MAC_2 },	 { VSID_B, CA_1, PA_1, MAC_1 },
	{ VSID_B, CA_2, PA_2B, MAC_2 },	 { VSID_A2, CA_5, PA_1, MAC_5 },
	{ VSID_A2, CA_6, PA_2A, MAC_6 },
};

/* The subnets, the same on every host: two per tenant, B reusing A's prefixes. */
static const struct {
	__u32 vsid, rdid;
	__be32 prefix, gw;
} subnets[] = {
	{ VSID_A, RDID_A, PKT_IP4(10, 0, 0, 0), GW_A },
	{ VSID_B, RDID_B, PKT_IP4(10, 0, 0, 0), GW_A },
	{ VSID_A2, RDID_A, PKT_IP4(10, 0, 1, 0), GW_A2 },
	{ VSID_B2, RDID_B, PKT_IP4(10, 0, 1, 0), GW_A2 },
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Runs ip(8) with a batch of commands; iproute2's own messages go to stderr. */
int fixture_ip_batch(const char *fmt, ...)
{
	char cmds[2048];
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmds, sizeof(cmds), fmt, ap);
	va_end(ap);
	f = popen("ip -batch -", "w");
	if (!f)
		return -errno;
	fputs(cmds, f);
	st = pclose(f);
	if (st == -1)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

int fixture_netns(void)
{
	int err;

	libbpf_set_print(libbpf_quiet);
	if (unshare(CLONE_NEWNET))
		return -errno;
	/* No IPv6 on the devices created next: no router solicitations in the captures. */
	err = write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1\n");
	if (err && err != -ENOENT)
		return err;
	return fixture_ip_batch("link set lo up\n");
}

int fixture_set_mtu(const char *ifname, unsigned int mtu)
{
	return fixture_ip_batch("link set %s mtu %u\n", ifname, mtu);
}

static void v4(union nv_addr *a, __be32 ip)
{
	nv_addr_from_ipv4(a, ip);
}

int host_config(struct host *h, __u32 underlay, __u8 ttl, __be32 pa)
{
	struct nv_config c = { .underlay_ifindex = underlay, .ttl = ttl };

	if (pa)
		v4(&c.pa, pa);
	return nv_config_set(&h->o.maps, &c, NULL);
}

int host_local_pa_add(struct host *h, __be32 pa)
{
	union nv_addr a;

	v4(&a, pa);
	return nv_local_pa_add(&h->o.maps, &a, h->underlay, NULL);
}

int host_local_pa_del(struct host *h, __be32 pa)
{
	union nv_addr a;

	v4(&a, pa);
	return nv_local_pa_del(&h->o.maps, &a, NULL);
}

int host_record_add(struct host *h, __u32 vsid, __be32 ca, __be32 pa, const __u8 mac[6])
{
	struct nv_record_key k = { .vsid = vsid };
	struct nv_record r = { .rule = NV_RULE_ENCAP };

	v4(&k.ca, ca);
	v4(&r.pa, pa);
	memcpy(r.mac, mac, 6);
	return nv_record_add(&h->o.maps, &k, &r, NULL);
}

int host_record_move(struct host *h, __u32 vsid, __be32 ca, __be32 pa)
{
	struct nv_record_key k = { .vsid = vsid };
	struct nv_record r;
	int err;

	v4(&k.ca, ca);
	err = nv_record_get(&h->o.maps, &k, &r);
	if (!err)
		err = nv_record_del(&h->o.maps, &k, NULL);
	if (err)
		return err;
	v4(&r.pa, pa);
	return nv_record_add(&h->o.maps, &k, &r, NULL);
}

static int add_port(struct host *h, int i)
{
	struct host_port *p = &h->port[i];

	return nv_port_add(&h->o.maps, p->ifindex, &p->cfg, NULL);
}

int host_port_rebind(struct host *h, int port, __u8 deliver, __u8 flags)
{
	int err = nv_port_del(&h->o.maps, h->port[port].ifindex, NULL);

	if (err)
		return err;
	h->port[port].cfg.deliver = deliver;
	h->port[port].cfg.flags = flags;
	return add_port(h, port);
}

static int create_devices(struct host *h, const struct port_def *defs)
{
	char cmds[1536];
	size_t n = 0;

	/* One underlay pair for both hosts: whoever comes first creates it. */
	if (!if_nametoindex("h1ul"))
		n += snprintf(cmds + n, sizeof(cmds) - n,
			      "link add h1ul mtu %u type veth peer name h2ul mtu %u\n"
			      "link set h1ul up\nlink set h2ul up\n",
			      FIXTURE_UNDERLAY_MTU, FIXTURE_UNDERLAY_MTU);
	/* Ports too: a second instance of a host (host_setup_records) shares the first one's. */
	for (int i = 0; i < h->nports; i++)
		if (!if_nametoindex(defs[i].name))
			n += snprintf(cmds + n, sizeof(cmds) - n,
				      "link add %s type veth peer name %s\n"
				      "link set %s up\nlink set %s up\n",
				      defs[i].name, defs[i].vm_name, defs[i].name, defs[i].vm_name);
	if (n >= sizeof(cmds))
		return -E2BIG;
	return n ? fixture_ip_batch("%s", cmds) : 0;
}

static int fill_policy(struct host *h)
{
	const __be32 pas_h1[] = { PA_1 }, pas_h2[] = { PA_2A, PA_2B };
	const __be32 *pas = h->id == HOST_1 ? pas_h1 : pas_h2;
	int npas = h->id == HOST_1 ? 1 : 2;
	union nv_addr pa;
	int err = 0;

	for (size_t i = 0; i < sizeof(subnets) / sizeof(subnets[0]) && !err; i++) {
		struct nv_subnet s = { .rdid = subnets[i].rdid, .prefixlen = 96 + 24 };

		v4(&s.prefix, subnets[i].prefix);
		v4(&s.gw_ca, subnets[i].gw);
		err = nv_subnet_add(&h->o.maps, subnets[i].vsid, &s, NULL);
	}
	/* The local PAs first: the library takes only one of them as the config PA. */
	for (int i = 0; i < npas && !err; i++) {
		v4(&pa, pas[i]);
		err = nv_local_pa_add(&h->o.maps, &pa, h->underlay, NULL);
	}
	if (!err)
		err = host_config(h, h->underlay, 0, h->pa);
	for (int i = 0; i < h->nports && !err; i++)
		err = add_port(h, i);
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]) && !err; i++)
		err = host_record_add(h, records[i].vsid, records[i].ca, records[i].pa,
				      records[i].mac);
	return err;
}

static int host_setup_opts(struct host *h, enum host_id id, const struct nv_load_opts *opts);

int host_setup(struct host *h, enum host_id id)
{
	return host_setup_records(h, id, 1024);
}

int host_setup_records(struct host *h, enum host_id id, __u32 max_records)
{
	struct nv_load_opts opts = { .pin_dir = NULL, .max_records = max_records };

	return host_setup_opts(h, id, &opts);
}

int host_setup_conns(struct host *h, enum host_id id, __u32 max_conns)
{
	struct nv_load_opts opts = { .pin_dir = NULL, .max_records = 1024, .max_conns = max_conns };

	return host_setup_opts(h, id, &opts);
}

static int host_setup_opts(struct host *h, enum host_id id, const struct nv_load_opts *opts)
{
	const struct port_def *defs = id == HOST_1 ? h1_ports : h2_ports;
	int err;

	memset(h, 0, sizeof(*h));
	h->id = id;
	h->nports = id == HOST_1 ? H1_NPORTS : H2_NPORTS;
	h->pa = id == HOST_1 ? PA_1 : PA_2A;
	snprintf(h->ul_name, sizeof(h->ul_name), "%s", id == HOST_1 ? "h1ul" : "h2ul");
	err = create_devices(h, defs);
	if (err)
		return err;
	h->underlay = if_nametoindex(h->ul_name);
	if (!h->underlay)
		return -ENODEV;
	for (int i = 0; i < h->nports; i++) {
		struct host_port *p = &h->port[i];

		snprintf(p->name, sizeof(p->name), "%s", defs[i].name);
		snprintf(p->vm_name, sizeof(p->vm_name), "%s", defs[i].vm_name);
		p->ifindex = if_nametoindex(p->name);
		p->vm_ifindex = if_nametoindex(p->vm_name);
		if (!p->ifindex || !p->vm_ifindex)
			return -ENODEV;
		p->cfg.vsid = defs[i].vsid;
		p->cfg.rdid = defs[i].rdid;
		v4(&p->cfg.ca, defs[i].ca);
		memcpy(p->cfg.mac, defs[i].mac, 6);
		p->cfg.deliver = NV_DELIVER_TC;
	}

	err = nv_objects_load(&h->o, opts);
	if (err)
		return err;
	h->loaded = true;
	h->from_vm = nv_objects_prog_fd(&h->o, NV_PROG_FROM_VM);
	h->from_wire = nv_objects_prog_fd(&h->o, NV_PROG_FROM_WIRE);
	h->wire_tc = nv_objects_prog_fd(&h->o, NV_PROG_WIRE_TC);
	h->from_ext = nv_objects_prog_fd(&h->o, NV_PROG_FROM_EXT);
	err = fill_policy(h);
	if (err)
		host_teardown(h);
	return err;
}

void host_teardown(struct host *h)
{
	if (h->loaded)
		nv_objects_destroy(&h->o);
	h->loaded = false;
}

int run_tc(int prog_fd, __u32 ifindex, const void *frame, size_t len, __u32 gso_size, struct run *r)
{
	struct __sk_buff ctx = { .ifindex = ifindex, .gso_size = gso_size, .gso_segs = !!gso_size };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &r->skb, .ctx_size_out = sizeof(r->skb),
		    .repeat = 1);

	memset(r->out, 0, sizeof(r->out));
	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	r->retval = opts.retval;
	r->out_len = r->err ? 0 : opts.data_size_out;
	r->meta_len = 0;
	return r->err;
}

int run_xdp(int prog_fd, __u32 ifindex, const void *frame, size_t len, struct run *r)
{
	/* The kernel wants data_end == data_size_in and no metadata in. */
	struct xdp_md ctx = { .data = 0, .data_end = (__u32)len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &r->xdp, .ctx_size_out = sizeof(r->xdp),
		    .repeat = 1);

	memset(r->out, 0, sizeof(r->out));
	memset(&r->xdp, 0, sizeof(r->xdp));
	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	r->retval = opts.retval;
	r->out_len = r->err ? 0 : opts.data_size_out;
	r->meta_len = r->err ? 0 : r->xdp.data - r->xdp.data_meta;
	return r->err;
}

int host_attach_tc(__u32 ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int host_attach_xdp(__u32 ifindex, int prog_fd)
{
	return bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
}

int fixture_netdev_sysfs_set(const char *ifname, const char *attr, const char *value)
{
	static bool own_sysfs;
	char path[128];

	/* The /sys of the test's parent shows the devices of the namespace that mounted it. */
	if (!own_sysfs) {
		if (unshare(CLONE_NEWNS))
			return -errno;
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return -errno;
		if (mount("sysfs", "/sys", "sysfs", 0, NULL))
			return -errno;
		own_sysfs = true;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	return write_file(path, value);
}

int fixture_gro_on(const char *ifname)
{
	char cmd[128];
	int st;

	snprintf(cmd, sizeof(cmd), "ethtool -K %s gro on >/dev/null", ifname);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int if_mac(const char *name, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int host_underlay_neigh(const struct host *h, __be32 next_pa, __u8 local_mac[6], __u8 peer_mac[6])
{
	const char *peer = h->id == HOST_1 ? "h2ul" : "h1ul";
	const __u8 *a = (const __u8 *)&h->pa, *n = (const __u8 *)&next_pa;
	int err = if_mac(h->ul_name, local_mac);

	if (!err)
		err = if_mac(peer, peer_mac);
	if (err)
		return err;
	return fixture_ip_batch(
		"addr add %u.%u.%u.%u/24 dev %s\n"
		"neigh replace %u.%u.%u.%u lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s "
		"nud permanent\n",
		a[0], a[1], a[2], a[3], h->ul_name, n[0], n[1], n[2], n[3], peer_mac[0],
		peer_mac[1], peer_mac[2], peer_mac[3], peer_mac[4], peer_mac[5], h->ul_name);
}

int cap_open(__u32 ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)ifindex };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int cap_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, timeout_ms) > 0) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fl);
		__u16 proto;

		if (n < 0)
			return -1;
		proto = n >= PKT_ETH_HLEN ? pkt_get16((__u8 *)buf + 12) : 0;
		/* Our own sends, and anything the kernel may emit on its own, are not the test's.
		 */
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    (proto != PKT_ETH_P_IP && proto != PKT_ETH_P_ARP))
			continue;
		return (int)n;
	}
	return -1;
}

int cap_send(int fd, const void *frame, size_t len)
{
	return send(fd, frame, len, 0) == (ssize_t)len ? 0 : -errno;
}

int counters_read(const struct host *h, struct counters *c)
{
	int err = nv_drops_get(&h->o.maps, c->drop);

	if (!err)
		err = nv_stats_get(&h->o.maps, VSID_A, &c->a);
	if (!err)
		err = nv_stats_get(&h->o.maps, VSID_B, &c->b);
	return err;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int stats_check(const char *tenant, const struct nv_vsid_stats *b,
		       const struct nv_vsid_stats *a, const struct nv_vsid_stats *want, char *err,
		       size_t errlen)
{
	const struct {
		const char *name;
		__u64 got, want;
	} f[] = {
		{ "tx_packets", a->tx_packets - b->tx_packets, want->tx_packets },
		{ "tx_bytes", a->tx_bytes - b->tx_bytes, want->tx_bytes },
		{ "rx_packets", a->rx_packets - b->rx_packets, want->rx_packets },
		{ "rx_bytes", a->rx_bytes - b->rx_bytes, want->rx_bytes },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].got != f[i].want)
			return fail(err, errlen, "tenant %s %s moved by %llu, want %llu", tenant,
				    f[i].name, (unsigned long long)f[i].got,
				    (unsigned long long)f[i].want);
	return 0;
}

int counters_check(const struct counters *before, const struct counters *after,
		   const struct counters_expect *e, char *err, size_t errlen)
{
	for (int r = 1; r < NV_DROP__MAX; r++) {
		__u64 pk = after->drop[r].packets - before->drop[r].packets;
		__u64 by = after->drop[r].bytes - before->drop[r].bytes;
		__u64 want_pk = r == (int)e->drop ? 1 : 0;

		if (pk != want_pk)
			return fail(err, errlen,
				    "drop %s moved by %llu packets, want %llu (expected %s)",
				    nv_drop_reason_name(r), (unsigned long long)pk,
				    (unsigned long long)want_pk, nv_drop_reason_name(e->drop));
		if (want_pk && by != e->drop_bytes)
			return fail(err, errlen, "drop %s moved by %llu bytes, want %llu",
				    nv_drop_reason_name(r), (unsigned long long)by,
				    (unsigned long long)e->drop_bytes);
	}
	if (after->drop[0].packets != before->drop[0].packets)
		return fail(err, errlen, "drop NONE moved");
	if (stats_check("A", &before->a, &after->a, &e->a, err, errlen))
		return -1;
	return stats_check("B", &before->b, &after->b, &e->b, err, errlen);
}

double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

const char *tc_verdict_name(__u32 v)
{
	switch ((int)v) {
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT:
		return "TC_ACT_REDIRECT";
	case TC_ACT_UNSPEC:
		return "TC_ACT_UNSPEC";
	}
	return "TC_ACT_?";
}

const char *xdp_verdict_name(__u32 v)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					 "XDP_REDIRECT" };

	return v < sizeof(n) / sizeof(n[0]) ? n[v] : "XDP_?";
}

static __u64 monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t); /* bpf_ktime_get_ns's clock */
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

int fixture_pmtu_bucket_set(int buckets_fd, __u32 ifindex, __u64 age_ns, __u64 credit_ns)
{
	struct nv_token_bucket b = { .last_ns = monotonic_ns() - age_ns, .credit_ns = credit_ns };

	return bpf_map_update_elem(buckets_fd, &ifindex, &b, BPF_ANY) ? -errno : 0;
}

int fixture_icmp_budget_spend(int icmp_state_fd)
{
	int ncpus = libbpf_num_possible_cpus();
	struct timespec t;
	__u32 zero = 0;

	if (ncpus <= 0)
		return ncpus ?: -EINVAL;
	struct nv_icmp_state st[ncpus];

	clock_gettime(CLOCK_MONOTONIC, &t); /* bpf_ktime_get_ns's clock */
	for (int i = 0; i < ncpus; i++)
		st[i] = (struct nv_icmp_state){
			.window_ns = (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec,
			.in_window = NV_ICMP_RATE,
		};
	return bpf_map_update_elem(icmp_state_fd, &zero, st, BPF_ANY) ? -errno : 0;
}
