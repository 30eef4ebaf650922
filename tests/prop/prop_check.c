// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One frame through its real program (BPF_PROG_TEST_RUN), what it produced decoded here, and the
 * properties: the verdict is one of its program's; delivered only where the model says (so never
 * to a port of another RDID, never from a source the table does not hold); the output well
 * formed; one event naming the verdict; counters moved by exactly the model's count (per batch).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "nv_features.h"
#include "nv_maps.h"
#include "prop/prop.h"

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static int prog_of(const struct world *w, enum hook h)
{
	static const enum nv_prog_id ids[H__COUNT] = { NV_PROG_FROM_VM, NV_PROG_FROM_WIRE,
						       NV_PROG_WIRE_TC };

	return nv_objects_prog_fd(&w->o, ids[h]);
}

int check_run(struct world *w, const struct frame *f, struct observed *obs)
{
	struct __sk_buff skb = { .ifindex = f->ifindex };
	struct xdp_md xdp = { .data_end = (__u32)f->len, .ingress_ifindex = f->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .data_out = obs->out, .data_size_out = sizeof(obs->out), .repeat = 1);

	obs->err = 0;
	obs->retval = obs->out_len = obs->meta_len = 0;
	obs->nevents = 0;
	memset(&obs->ev, 0, sizeof(obs->ev));
	if (f->hook == H_FROM_WIRE) {
		opts.ctx_in = opts.ctx_out = &xdp;
		opts.ctx_size_in = opts.ctx_size_out = sizeof(xdp);
	} else {
		opts.ctx_in = opts.ctx_out = &skb;
		opts.ctx_size_in = opts.ctx_size_out = sizeof(skb);
	}
	obs->err = bpf_prog_test_run_opts(prog_of(w, f->hook), &opts);
	obs->retval = opts.retval;
	if (!obs->err) {
		obs->out_len = opts.data_size_out;
		if (f->hook == H_FROM_WIRE)
			obs->meta_len = xdp.data - xdp.data_meta;
	}
	return 0;
}

#define FAIL(...) (snprintf(why, len, __VA_ARGS__), false)

/* Verdicts: each program's own, and what each outcome must return. */
static bool verdict_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
		       char *why, size_t len)
{
	__u32 want;

	if (f->hook == H_FROM_WIRE) {
		if (obs->retval != XDP_PASS && obs->retval != XDP_DROP &&
		    obs->retval != XDP_REDIRECT)
			return FAIL("XDP verdict %u is not pass, drop or redirect", obs->retval);
		want = e->o == O_PASS			    ? XDP_PASS
		       : e->o == O_DROP			    ? XDP_DROP
		       : e->port->deliver == NV_DELIVER_XDP ? XDP_REDIRECT
							    : XDP_PASS;
	} else {
		if (obs->retval != TC_ACT_OK && obs->retval != TC_ACT_SHOT &&
		    obs->retval != TC_ACT_REDIRECT)
			return FAIL("TC verdict %u is not ok, shot or redirect", obs->retval);
		want = e->o == O_PASS ? TC_ACT_OK : e->o == O_DROP ? TC_ACT_SHOT : TC_ACT_REDIRECT;
	}
	if ((e->o == O_TTL || e->o == O_FRAG) && obs->retval == TC_ACT_SHOT)
		return true; /* the ICMP error was rate-limited */
	if (obs->retval != want)
		return FAIL("verdict %u, the model says %u (%s)", obs->retval, want, e->why);
	return true;
}

/* The event of the run: one, of the hook, naming the verdict, the reason and the target. */
static bool event_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
		     char *why, size_t len)
{
	const struct nv_event *ev = &obs->ev;
	static const __u8 hooks[H__COUNT] = { NV_HOOK_FROM_VM, NV_HOOK_FROM_WIRE, NV_HOOK_WIRE_TC };

	if (obs->nevents != 1)
		return FAIL("%d events for one frame", obs->nevents);
	if (ev->hook != hooks[f->hook])
		return FAIL("event of hook %u", ev->hook);
	switch (e->o) {
	case O_PASS:
		if (ev->verdict != NV_VERDICT_PASS)
			return FAIL("event verdict %u, not pass (%s)", ev->verdict, e->why);
		return true;
	case O_DROP:
		if (ev->verdict != NV_VERDICT_DROP)
			return FAIL("event verdict %u, not drop (%s)", ev->verdict, e->why);
		if (ev->reason >= 64 || !(e->reasons & (1ull << ev->reason)))
			return FAIL("dropped by %s, the model says %s",
				    nv_drop_reason_name(ev->reason), e->why);
		return true;
	case O_TTL:
		if (ev->verdict == NV_VERDICT_DROP)
			return ev->reason == NV_DROP_ICMP_RATE
				       ? true
				       : FAIL("TTL expiry dropped by %s",
					      nv_drop_reason_name(ev->reason));
		/* The answer goes back to the port. */
		__attribute__((fallthrough));
	case O_FRAG:
		if (e->o == O_FRAG && ev->verdict == NV_VERDICT_DROP)
			return ev->reason == NV_DROP_MTU_RATE
				       ? true
				       : FAIL("too big frame dropped by %s",
					      nv_drop_reason_name(ev->reason));
		__attribute__((fallthrough));
	case O_ARP:
	case O_LOCAL:
	case O_DELIVER:
		if (ev->verdict != NV_VERDICT_REDIRECT && ev->verdict != NV_VERDICT_TO_TC)
			return FAIL("event verdict %u (%s): not delivered", ev->verdict, e->why);
		if (ev->target != e->port->ifindex)
			return FAIL("delivered to ifindex %u, the model says %u", ev->target,
				    e->port->ifindex);
		return true;
	case O_ENCAP:
		if (ev->verdict != NV_VERDICT_REDIRECT)
			return FAIL("event verdict %u, not redirect (%s)", ev->verdict, e->why);
		return true;
	default:
		return FAIL("outcome %d has no event", e->o);
	}
}

/* The tenant frame a router hop makes of in: MACs, TTL one less, header checksum still right. */
static bool inner_ok(const __u8 *out, const __u8 *in, size_t n, const struct expect *e, char *why,
		     size_t len)
{
	size_t ihl;

	if (!e->routed)
		return memcmp(out, in, n) ? FAIL("the frame changed on its way (%s)", e->why)
					  : true;
	if (memcmp(out, e->dmac, 6) || memcmp(out + 6, e->smac, 6))
		return FAIL("routed frame's MACs are not the record's and the gateway's");
	if (out[14 + 8] != (__u8)(in[14 + 8] - 1))
		return FAIL("routed TTL %u from %u", out[22], in[22]);
	ihl = (size_t)(in[14] & 0xf) * 4;
	/* Everything else as it was; the checksum right again when it was right. */
	if (memcmp(out + 12, in + 12, 10) || out[23] != in[23] || memcmp(out + 26, in + 26, n - 26))
		return FAIL("routed frame changed beyond MACs, TTL and checksum");
	if (!csum16(in + 14, ihl) && csum16(out + 14, ihl))
		return FAIL("routed frame's header checksum is wrong");
	return true;
}

/* NVGRE as RFC 7637 and the record say: outer IPv4 from src_pa to pa, key VSID, the frame. */
static bool encap_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
		     char *why, size_t len)
{
	const __u8 *o = obs->out, *ip = o + 14, *g = ip + 20;
	__be32 s, d;

	if (obs->out_len != f->len + NV_ENCAP_LEN)
		return FAIL("encapsulated length %u for a %zu-byte frame", obs->out_len, f->len);
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	if (get16(o + 12) != 0x0800 || ip[0] != 0x45 || ip[9] != 47)
		return FAIL("outer header is not IPv4 (IHL 5) carrying GRE");
	if (get16(ip + 2) != obs->out_len - 14 || csum16(ip, 20))
		return FAIL("outer total length or checksum wrong");
	if (get16(ip + 6) & 0x3fff || !ip[8])
		return FAIL("outer header fragmented or TTL 0");
	if (s != e->src_pa || d != e->pa)
		return FAIL("outer addresses not the port's PA and the record's");
	if (get16(g) != 0x2000 || get16(g + 2) != 0x6558)
		return FAIL("GRE flags or protocol not NVGRE's");
	if (((__u32)get16(g + 4) << 8 | g[6]) != e->vsid)
		return FAIL("GRE key VSID %u, the model says %u", (__u32)get16(g + 4) << 8 | g[6],
			    e->vsid);
	return inner_ok(g + 8, f->b, f->len, e, why, len);
}

static bool arp_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
		   char *why, size_t len)
{
	const __u8 *o = obs->out, *a = o + 14, *q = f->b + 14;

	if (obs->out_len != f->len)
		return FAIL("ARP reply of %u bytes for %zu", obs->out_len, f->len);
	if (memcmp(o, e->port->mac, 6) || memcmp(o + 6, e->arp_mac, 6))
		return FAIL("ARP reply's Ethernet addresses");
	if (get16(a + 6) != 2 || memcmp(a + 8, e->arp_mac, 6) || memcmp(a + 14, q + 24, 4))
		return FAIL("ARP reply does not announce the target's MAC for its CA");
	if (memcmp(a + 18, e->port->mac, 6) || memcmp(a + 24, q + 14, 4))
		return FAIL("ARP reply is not addressed to the asker");
	if (memcmp(a, q, 6))
		return FAIL("ARP reply's hardware and protocol types changed");
	return true;
}

/*
 * The ICMP error (RFC 792) of type and code with rest its second word: time exceeded (11/0) from
 * the gateway, frag needed (3/4, the MTU) from the gateway or the destination, to the sender,
 * quoting the packet as it sent it.
 */
static bool icmp_err_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
			__u8 type, __u8 code, __u32 rest, char *why, size_t len)
{
	const __u8 *o = obs->out, *ip = o + 14, *ic;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	__be32 s, d;

	if (obs->out_len < 14 + 20 + 8 + 20 || get16(o + 12) != 0x0800 || ip[0] >> 4 != 4)
		return FAIL("ICMP error is not an IPv4 frame");
	if (memcmp(o, e->port->mac, 6) || memcmp(o + 6, e->gw_mac, 6))
		return FAIL("ICMP error not from the expected MAC to the port");
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	if (s != e->gw || d != e->port->ca || ip[9] != 1)
		return FAIL("ICMP error not from the expected CA to the port's CA");
	if (csum16(ip, ihl) || get16(ip + 2) != obs->out_len - 14)
		return FAIL("ICMP error's IPv4 checksum or length wrong");
	ic = ip + ihl;
	if (ic[0] != type || ic[1] != code || csum16(ic, obs->out_len - 14 - ihl))
		return FAIL("not ICMP type %u code %u with a right checksum", type, code);
	if (((__u32)get16(ic + 4) << 16 | get16(ic + 6)) != rest)
		return FAIL("ICMP error's second word is not 0x%08x", rest);
	if (memcmp(ic + 8, f->b + 14, 20))
		return FAIL("ICMP error does not quote the packet's header");
	return true;
}

static bool output_ok(const struct frame *f, const struct expect *e, const struct observed *obs,
		      char *why, size_t len)
{
	const __u8 *out = obs->out;

	switch (e->o) {
	case O_PASS:
		if (obs->out_len != f->len || memcmp(out + obs->meta_len, f->b, f->len))
			return FAIL("a frame that is not ours changed");
		return true;
	case O_LOCAL:
		if (obs->out_len != f->len)
			return FAIL("delivered %u bytes of %zu", obs->out_len, f->len);
		return inner_ok(out, f->b, f->len, e, why, len);
	case O_ENCAP:
		return encap_ok(f, e, obs, why, len);
	case O_ARP:
		return arp_ok(f, e, obs, why, len);
	case O_TTL:
		return obs->retval == TC_ACT_SHOT ? true
						  : icmp_err_ok(f, e, obs, 11, 0, 0, why, len);
	case O_FRAG:
		return obs->retval == TC_ACT_SHOT ? true
						  : icmp_err_ok(f, e, obs, 3, 4, e->mtu, why, len);
	case O_DELIVER:
		if (f->hook == H_FROM_WIRE && e->port->deliver != NV_DELIVER_XDP) {
			/* The hand-over: the frame as it came, behind the metadata for TC. */
			struct nv_xdp_meta m;

			/* A kernel that refuses bpf_xdp_adjust_meta to XDP gets none
			 * (nv_features.h). */
			if (!nv_kernel_has_xdp_meta()) {
				if (obs->meta_len || obs->out_len != f->len ||
				    memcmp(out, f->b, f->len))
					return FAIL("not the frame as it came, without metadata, "
						    "on a kernel without XDP metadata");
				return true;
			}
			if (obs->meta_len != sizeof(m) || obs->out_len != f->len + sizeof(m))
				return FAIL("no metadata before the frame for the TC stage");
			memcpy(&m, out, sizeof(m));
			if (m.magic != NV_META_MAGIC || m.ifindex != e->port->ifindex ||
			    m.vsid != e->vsid)
				return FAIL("metadata does not name the port and the VSID");
			if (memcmp(out + sizeof(m), f->b, f->len))
				return FAIL("the frame changed before the TC stage");
			return true;
		}
		if (obs->out_len + e->outer_len != f->len + obs->meta_len ||
		    memcmp(out + obs->meta_len, f->b + e->outer_len, f->len - e->outer_len))
			return FAIL("decapsulated frame is not the inner frame");
		return true;
	default:
		return true;
	}
}

bool check_frame(const struct world *w, const struct frame *f, const struct expect *e,
		 const struct observed *obs, char *why, size_t len)
{
	(void)w;
	if (e->o == O_REFUSED)
		return obs->err ? true
				: FAIL("a frame the test run should refuse was run (%s)", e->why);
	if (obs->err)
		return FAIL("BPF_PROG_TEST_RUN failed: %s", strerror(-obs->err));
	return verdict_ok(f, e, obs, why, len) && event_ok(f, e, obs, why, len) &&
	       output_ok(f, e, obs, why, len);
}

static int port_slot(const struct world *w, const struct w_port *p)
{
	return p ? (int)(p - w->port) : -1;
}

void tally_expect(const struct world *w, const struct frame *f, const struct expect *e,
		  const struct observed *obs, struct tally *t)
{
	int src = port_slot(w, e->src), to = port_slot(w, e->port);

	switch (e->o) {
	case O_REFUSED:
	case O_PASS:
		return;
	case O_DROP:
		/* The reason the event named (checked against the model per frame). */
		if (obs->nevents == 1 && obs->ev.reason < NV_DROP__MAX)
			t->drop[obs->ev.reason]++;
		if (f->hook == H_FROM_VM && src >= 0)
			t->port_drop[src]++;
		return;
	case O_TTL:
		t->drop[obs->retval == TC_ACT_SHOT ? NV_DROP_ICMP_RATE : NV_DROP_TTL_EXPIRED]++;
		t->port_drop[src]++;
		return;
	case O_FRAG:
		t->drop[obs->retval == TC_ACT_SHOT ? NV_DROP_MTU_RATE : NV_DROP_MTU]++;
		t->port_drop[src]++;
		return;
	case O_ARP:
		return;
	case O_LOCAL:
		t->tx[src]++;
		t->rx[to]++;
		return;
	case O_ENCAP:
		t->tx[src]++;
		return;
	case O_DELIVER:
		/* XDP counts what it redirects; what it hands to TC is counted there. */
		if (f->hook == H_WIRE_TC || e->port->deliver == NV_DELIVER_XDP)
			t->rx[to]++;
		return;
	}
}

int tally_read(const struct world *w, struct tally *t)
{
	struct nv_drop_stats d[NV_DROP__MAX];
	int err = nv_drops_get(&w->o.maps, d);

	memset(t, 0, sizeof(*t));
	if (err)
		return err;
	for (int i = 0; i < NV_DROP__MAX; i++)
		t->drop[i] = d[i].packets;
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		struct nv_port_stats s;

		if (!w->port[i].present)
			continue;
		err = nv_port_stats_get(&w->o.maps, w->port[i].ifindex, &s);
		if (err)
			return err;
		t->rx[i] = s.rx_packets;
		t->tx[i] = s.tx_packets;
		t->port_drop[i] = s.drop_packets;
	}
	return 0;
}

int tally_compare(const struct tally *before, const struct tally *now, const struct tally *want,
		  char *why, size_t len)
{
	for (int i = 0; i < NV_DROP__MAX; i++)
		if (now->drop[i] - before->drop[i] != want->drop[i]) {
			snprintf(why, len, "drop counter %s moved by %llu, the frames dropped %llu",
				 nv_drop_reason_name((unsigned int)i),
				 (unsigned long long)(now->drop[i] - before->drop[i]),
				 (unsigned long long)want->drop[i]);
			return -1;
		}
	for (int i = 0; i < PROP_MAX_PORTS; i++) {
		const char *what = NULL;
		__u64 got = 0, exp = 0;

		if (now->rx[i] - before->rx[i] != want->rx[i])
			what = "rx", got = now->rx[i] - before->rx[i], exp = want->rx[i];
		else if (now->tx[i] - before->tx[i] != want->tx[i])
			what = "tx", got = now->tx[i] - before->tx[i], exp = want->tx[i];
		else if (now->port_drop[i] - before->port_drop[i] != want->port_drop[i])
			what = "drop", got = now->port_drop[i] - before->port_drop[i],
			exp = want->port_drop[i];
		if (what) {
			snprintf(why, len, "port slot %d: %s packets moved by %llu, expected %llu",
				 i, what, (unsigned long long)got, (unsigned long long)exp);
			return -1;
		}
	}
	return 0;
}

/*
 * The isolation properties, judged from the observed delivery alone (not from the model): a
 * frame reaches only a port of the routing domain it came from, and only from a source the
 * table holds: from a VM, its port's MAC and CA; from the wire, a CA of the key VSID at the outer
 * source PA with its MAC, a CA of the RDID routed by the gateway MAC, or the RDID's gateway
 * wildcard at its PA.
 */
bool check_isolation(const struct world *w, const struct frame *f, const struct observed *obs,
		     char *why, size_t len)
{
	const struct w_port *to, *from;
	const struct w_subnet *ks;
	const struct w_record *x;
	const __u8 *ip, *in;
	__be32 opa, isrc;
	size_t ihl;
	__u32 k;

	if (obs->err || obs->nevents != 1 ||
	    (obs->ev.verdict != NV_VERDICT_REDIRECT && obs->ev.verdict != NV_VERDICT_TO_TC))
		return true;
	to = w_port_at(w, obs->ev.target);
	if (f->hook == H_FROM_VM) {
		from = w_port_at(w, f->ifindex);
		if (!from)
			return FAIL("a frame from a device that is not a port was accepted");
		if (memcmp(f->b + 6, from->mac, 6))
			return FAIL("a frame with a spoofed source MAC was accepted");
		if (get16(f->b + 12) == 0x0800 && memcmp(f->b + 26, &from->ca, 4))
			return FAIL("a frame with a spoofed source CA was accepted");
		if (to && to->rdid != from->rdid)
			return FAIL("delivered to a port of RDID %u from RDID %u", to->rdid,
				    from->rdid);
		return true;
	}
	ip = f->b + 14;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	k = (__u32)get16(ip + ihl + 4) << 8 | ip[ihl + 6];
	in = ip + ihl + 8;
	memcpy(&opa, ip + 12, 4);
	memcpy(&isrc, in + 14 + 12, 4);
	ks = w_subnet_of(w, k);
	if (!to || !ks)
		return FAIL("delivered to ifindex %u, not a port of the key VSID's RDID",
			    obs->ev.target);
	if (to->rdid != ks->rdid)
		return FAIL("delivered to a port of RDID %u from the key VSID's RDID %u", to->rdid,
			    ks->rdid);
	x = w_record_of(w, k, isrc);
	if (x && x->ca && x->pa == opa && !memcmp(in + 6, x->mac, 6))
		return true;
	x = w_record_in_rdid(w, ks->rdid, isrc);
	if (x && x->ca && x->pa == opa && !memcmp(in + 6, ks->gw_mac, 6))
		return true;
	x = w_record_in_rdid(w, ks->rdid, 0);
	if (!w_record_in_rdid(w, ks->rdid, isrc) && x && x->pa == opa &&
	    (!memcmp(in + 6, ks->gw_mac, 6) || (x->vsid == k && !memcmp(in + 6, x->mac, 6))))
		return true;
	return FAIL("accepted from a source (CA, PA, MAC) the table does not hold");
}
