// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nv_netdev.h"

int nv_netdev_index(const char *name, __u32 *ifindex)
{
	unsigned int i;

	if (!name || strlen(name) >= IF_NAMESIZE || !(i = if_nametoindex(name)))
		return -ENODEV;
	*ifindex = i;
	return 0;
}

const char *nv_netdev_name(__u32 ifindex, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "#%u", ifindex);
	return buf;
}

bool nv_netdev_exists(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

static int ifreq_ioctl(__u32 ifindex, unsigned long req, struct ifreq *ifr)
{
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr->ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int nv_netdev_mtu(__u32 ifindex, unsigned int *mtu)
{
	struct ifreq ifr = { 0 };
	int err = ifreq_ioctl(ifindex, SIOCGIFMTU, &ifr);

	if (!err)
		*mtu = ifr.ifr_mtu;
	return err;
}

int nv_netdev_mac(__u32 ifindex, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int err = ifreq_ioctl(ifindex, SIOCGIFHWADDR, &ifr);

	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

bool nv_netdev_is_loopback(__u32 ifindex)
{
	struct ifreq ifr = { 0 };

	return !ifreq_ioctl(ifindex, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_LOOPBACK);
}

int nv_netdev_driver(__u32 ifindex, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int err = ifreq_ioctl(ifindex, SIOCETHTOOL, &ifr);

	if (!err)
		snprintf(buf, len, "%s", info.driver);
	return err;
}

bool nv_netdev_is_veth(__u32 ifindex)
{
	char driver[32];

	return !nv_netdev_driver(ifindex, driver, sizeof(driver)) && !strcmp(driver, "veth");
}

static int forwarding_path(__u32 ifindex, char *path, size_t len)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(ifindex, name))
		return -errno;
	snprintf(path, len, "/proc/sys/net/ipv4/conf/%s/forwarding", name);
	return 0;
}

int nv_netdev_ipv4_forwarding(__u32 ifindex, int *on)
{
	char path[96];
	FILE *f;
	int err = forwarding_path(ifindex, path, sizeof(path)), n;

	if (err)
		return err;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%d", on);
	fclose(f);
	return n == 1 ? 0 : -EIO;
}

int nv_netdev_set_ipv4_forwarding(__u32 ifindex, int on)
{
	char path[96];
	FILE *f;
	int err = forwarding_path(ifindex, path, sizeof(path));

	if (err)
		return err;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", on ? 1 : 0) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
