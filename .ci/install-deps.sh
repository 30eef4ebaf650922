#!/bin/sh
# Installs the Debian packages the project needs, only those missing. Used by make test/bench/demo
# and so by CI on a fresh machine. apt-get update runs once, and only when something is missing.
set -eu

# build: compilers, BPF toolchain, libraries
PKGS="make gcc libc6-dev pkg-config clang clang-format llvm bpftool libbpf-dev libxdp-dev libelf-dev
      zlib1g-dev linux-libc-dev libcriterion-dev libjansson-dev libmicrohttpd-dev libpcap-dev
      libcurl4-openssl-dev libclang-rt-14-dev"
# tests, demo and bench: namespaces, traffic, captures
PKGS="$PKGS iproute2 iputils-ping ethtool iperf3 tshark python3-scapy python3-jsonschema util-linux groff-base
      gnuplot-nox linux-perf curl prometheus traceroute etcd-server etcd-client systemd openssl nftables"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Error: missing Debian packages:$missing; run as root (or install them) first" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# prometheus is here for promtool only, etcd-server for the agent's tests, which start their own
# servers: neither package's service may start, now or at boot. Debian's policy-rc.d (exit 101: no
# service starts) does the first when the machine has none of its own.
policy=""
case " $missing " in
*" prometheus "* | *" etcd-server "*)
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		trap 'rm -f "$policy"' EXIT
		trap 'exit 130' INT TERM
	fi
	;;
esac
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
case " $missing " in
*" prometheus "* | *" etcd-server "*)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus.service etcd.service >/dev/null 2>&1 || true
	fi
	;;
esac
