/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the loader and nvctl need to know of a network device, in one place. 0 or -errno. */
#ifndef NV_NETDEV_H
#define NV_NETDEV_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest name (IF_NAMESIZE) plus room for the "#IFINDEX" of a device that is gone. */
#define NV_NETDEV_NAMELEN 24

/* The ifindex of the device called name: -ENODEV when there is none (or the name is too long). */
int nv_netdev_index(const char *name, __u32 *ifindex);
/* The device's name, or "#IFINDEX" when it is gone (a port whose device was deleted). */
const char *nv_netdev_name(__u32 ifindex, char *buf, size_t len);
/* Whether a device has that ifindex. */
bool nv_netdev_exists(__u32 ifindex);

/* The driver's name ("veth", "tun", ...) from ETHTOOL_GDRVINFO. */
int nv_netdev_driver(__u32 ifindex, char *buf, size_t len);
bool nv_netdev_is_veth(__u32 ifindex);
bool nv_netdev_is_loopback(__u32 ifindex);
int nv_netdev_mtu(__u32 ifindex, unsigned int *mtu);
int nv_netdev_mac(__u32 ifindex, __u8 mac[6]);

/*
 * net.ipv4.conf.<dev>.forwarding of ifindex (in this network namespace): get into *on (0 or 1),
 * set to on. 0 or -errno.
 */
int nv_netdev_ipv4_forwarding(__u32 ifindex, int *on);
int nv_netdev_set_ipv4_forwarding(__u32 ifindex, int on);

#endif /* NV_NETDEV_H */
