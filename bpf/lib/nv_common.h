/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What every datapath program includes: kernel types, helpers, the ABI and the maps. */
#ifndef NV_COMMON_H
#define NV_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nvgre_abi.h"
#include "nvgre_maps.bpf.h"

/* uapi #defines that vmlinux.h (types only) does not carry */
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT 7
#define IP_MF		0x2000
#define IP_OFFSET	0x1fff
#define IP_DF		0x4000
#define ARPOP_REQUEST	1
#define ARPOP_REPLY	2
#define ARPHRD_ETHER	1
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EEXIST		17
#define EINVAL		22

#define NV_ADJ_ROOM_ENCAP_L2(len) \
	(((__u64)(len)&BPF_ADJ_ROOM_ENCAP_L2_MASK) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT)

/*
 * Packet pointers from the context, loaded with one instruction at a constant offset. The plain C
 * of Katran and Cilium, (void *)(long)skb->data, lets clang put the field's offset in a register
 * and add it to ctx, and the verifier accepts ctx accesses only at a constant offset from ctx
 * itself. In nv_from_vm (clang 14, kernel 6.18) the two paths around nv_skb_pull()'s
 * bpf_skb_pull_data() join, clang materializes 76 (data) and 80 (data_end) once for both, and
 * the load is refused:
 *	13: (b7) r6 = 80
 *	...
 *	24: (bf) r2 = r8                      ; R2=ctx() R8=ctx()
 *	25: (0f) r2 += r6
 *	26: (61) r9 = *(u32 *)(r2 +0)
 *	dereference of modified ctx ptr R2 off=80 disallowed
 * nv_wire_tc the same ("... ctx ptr R5 off=76 disallowed"). The asm keeps "r = *(u32 *)(ctx +
 * offsetof(field))" one instruction, which the verifier rewrites into the real pointer load.
 */
#define NV_CTX_PTR(ctx, field)                                                            \
	({                                                                                \
		void *__p;                                                                \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                                     \
			     : "=r"(__p)                                                  \
			     : "r"(ctx), "i"(__builtin_offsetof(typeof(*(ctx)), field))); \
		__p;                                                                      \
	})

/* ::ffff:0:0/96, network byte order */
#define NV_V4MAPPED_W2 bpf_htonl(0x0000ffff)

static __always_inline void nv_addr_set_v4(union nv_addr *a, __be32 ip)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = NV_V4MAPPED_W2;
	a->w[3] = ip;
}

static __always_inline bool nv_addr_is_v4(const union nv_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == NV_V4MAPPED_W2;
}

static __always_inline bool nv_addr_equal(const union nv_addr *a, const union nv_addr *b)
{
	return a->w[3] == b->w[3] && a->w[2] == b->w[2] && a->w[1] == b->w[1] && a->w[0] == b->w[0];
}

static __always_inline bool nv_mac_equal(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline void nv_mac_copy(__u8 *dst, const __u8 *src)
{
	*(__u32 *)dst = *(const __u32 *)src;
	*(__u16 *)(dst + 4) = *(const __u16 *)(src + 4);
}

/* Group bit: broadcast and multicast destinations. */
static __always_inline bool nv_mac_is_group(const __u8 *mac)
{
	return mac[0] & 1;
}

static __always_inline struct nv_config *nv_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nv_config, &zero);
}

#endif /* NV_COMMON_H */
