/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the loader needs to know of a network device. 0 or -errno. */
#ifndef NV_NETDEV_H
#define NV_NETDEV_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

/* The driver's name ("veth", "tun", ...) from ETHTOOL_GDRVINFO. */
int nv_netdev_driver(__u32 ifindex, char *buf, size_t len);
bool nv_netdev_is_veth(__u32 ifindex);
int nv_netdev_mtu(__u32 ifindex, unsigned int *mtu);

#endif /* NV_NETDEV_H */
