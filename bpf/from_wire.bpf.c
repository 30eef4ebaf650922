// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nv_from_wire: XDP on the underlay NIC, before the kernel allocates anything. Frames that are not
 * NVGRE to a local PA pass untouched. NVGRE is validated and resolved to a local port; bad frames
 * are dropped here, the cheapest place to shed a flood or a spoofing host. Delivery depends on
 * the port: decap + XDP_REDIRECT through nv_tx_ports, or hand-over to nv_wire_tc through the
 * packet metadata (decap on the skb keeps GRO/TSO and checksum offload).
 */
#include "nv_common.h"
#include "nv_drop.h"
#include "nv_events.h"
#include "nv_stats.h"
#include "nv_wire.h"

/* Set by the loader (nv_features.h): some kernels refuse bpf_xdp_adjust_meta to XDP. */
const volatile __u8 nv_xdp_meta_ok = 1;

static __always_inline int hand_to_tc(struct xdp_md *ctx, const struct nv_wire_result *r)
{
	struct nv_xdp_meta *meta;
	void *data;

	/* Without metadata support TC simply validates again: still correct, a bit slower. */
	if (!nv_xdp_meta_ok || bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return nv_trace_xdp(ctx, NV_VERDICT_TO_TC, r->ifindex, r->vsid, XDP_PASS);
	meta = NV_CTX_PTR(ctx, data_meta);
	data = NV_CTX_PTR(ctx, data);
	if ((void *)(meta + 1) > data)
		return nv_trace_xdp(ctx, NV_VERDICT_TO_TC, r->ifindex, r->vsid, XDP_PASS);
	meta->magic = NV_META_MAGIC;
	meta->ifindex = r->ifindex;
	meta->vsid = r->vsid;
	meta->local = r->local;
	meta->pad[0] = meta->pad[1] = meta->pad[2] = 0;
	return nv_trace_xdp(ctx, NV_VERDICT_TO_TC, r->ifindex, r->vsid, XDP_PASS);
}

static __always_inline int decap_and_redirect(struct xdp_md *ctx, const struct nv_wire_result *r)
{
	/* The target first: a failed redirect is then counted with the frame as received. */
	if (bpf_redirect_map(&nv_tx_ports, r->ifindex, 0) != XDP_REDIRECT)
		return nv_drop_xdp(ctx, NV_DROP_REDIRECT, r->vsid);
	if (bpf_xdp_adjust_head(ctx, r->outer_len))
		return nv_drop_xdp(ctx, NV_DROP_DECAP_FAILED, r->vsid);
	nv_count_rx(r->ifindex, r->inner_len);
	return nv_trace_xdp(ctx, NV_VERDICT_REDIRECT, r->ifindex, r->vsid, XDP_REDIRECT);
}

SEC("xdp")
int nv_from_wire(struct xdp_md *ctx)
{
	void *data = NV_CTX_PTR(ctx, data);
	void *data_end = NV_CTX_PTR(ctx, data_end);
	struct nv_wire_result r = {};

	switch (nv_wire_classify(data, data_end, data_end - data, &r)) {
	case NV_WIRE_PASS:
		return nv_trace_xdp(ctx, NV_VERDICT_PASS, 0, 0, XDP_PASS);
	case NV_WIRE_DROP:
		return nv_drop_xdp(ctx, r.reason, r.vsid);
	case NV_WIRE_GATEWAY:
		/* No metadata: nv_wire_tc classifies again and takes it out of the gateway. */
		return nv_trace_xdp(ctx, NV_VERDICT_TO_TC, r.ifindex, r.vsid, XDP_PASS);
	}
	if (r.local & NV_LOCAL_XDP)
		return decap_and_redirect(ctx, &r);
	return hand_to_tc(ctx, &r);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
