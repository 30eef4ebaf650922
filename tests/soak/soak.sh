#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Soak test (make soak; minutes, not part of make test or CI): stable traffic between VMs while
# the policy around it churns for SECONDS, then every leak the churn could leave, as numbers.
#
#             sw: bridge br0 192.0.2.100 (one etcd-server member, client port 2379)
#        ____________________|____________________
#       |                    |                    |
#   h1: ul 192.0.2.1     h2: ul 192.0.2.2     h3: ul 192.0.2.3   (h3: configured by its agent)
#     vm-a1 10.0.0.1 xdp   vm-a2 10.0.0.2 tc    vm-a4 10.0.0.4 xdp
#     vm-a3 10.0.0.3 xdp
#     vm-x5 10.0.0.5 (its port and record come and go)
#   tenant A: vsid 5001, rdid 1, 10.0.0.0/16, gateway 10.0.255.254
#
# During the run:
#   - stable flows, restarted every SOAK_INTERVAL s with a known count: ping at about 100/s
#     a1 -> a2 (h1-h2), a1 -> a3 (on h1), a4 -> a2 (h3-h2: through the agent's host), and iperf3
#     a3 -> a4 (h1-h3; TCP paced at SOAK_IPERF_RATE, or UDP with SOAK_IPERF_PROTO=udp);
#   - record churn on h1 and h2: `nvctl batch` files of SOAK_CHURN_LINES lines (half deletes of
#     the previous set, half adds of the next; CAs 10.0.16.1 and up, never a stable VM's), paced at
#     SOAK_CHURN_RATE changes/s per host (0: as fast as nvctl goes);
#   - x5's port and record added and removed on h1 in a loop (port add / port del, deliver
#     alternating xdp and tc), x5 pinging a1 and a2 while it is up;
#   - h3's agent follows the prefix the test writes: the stable objects, and records
#     10.0.200.1 and up put and deleted at SOAK_ETCD_RATE operations/s with etcdctl (a window of
#     32 keys); the agent is killed (SIGKILL) and restarted at 10% of the run, etcd stopped
#     (SIGTERM) at 35% and killed (SIGKILL) at 70%, each for SOAK_ETCD_DOWN s, then started again.
#   - the agent's VmRSS and open fds sampled at 20% (after the warm-up), 50% and at the end.
# Afterwards (the loops stopped, the agent in step with the store), checked against the baseline
# taken before the churn: 0 echo replies lost on the stable flows, map fill (every hash map's
# entries, the records and ports), pins, qdiscs/filters/XDP, nvctl processes and the agent's fds,
# its RSS growth below SOAK_RSS_LIMIT_KIB. Reported beside them: iperf3's retransmits (or UDP
# loss) with its two ends' TCP/UDP counters (loss probes, fast retransmits, socket buffer
# errors), the datapath's drops by reason and every device's drop counters. Nothing is asserted
# about time or speed: the rates are reported. Prints a table per interval and of the figures,
# then TAP lines and "P passed, F failed" (tests/lib/tap.sh).
#
# Names carry the run's id; the cleanup (EXIT, INT, TERM; tests/lib/netns.sh) stops the loops,
# the agent, etcd and every flow, removes the namespaces, pins, status file, etcd's data
# directory (in TMP) and TMP (kept with SOAK_KEEP=1).
#
# Usage: tests/soak/soak.sh [BUILD_DIR [SECONDS]]   (default: build 300; as root)
# Environment: SOAK_INTERVAL (30), SOAK_CHURN_RATE (10000), SOAK_CHURN_LINES (1000),
# SOAK_CHURN_SETS (8), SOAK_ETCD_RATE (20), SOAK_ETCD_DOWN (5), SOAK_IPERF_PROTO (tcp),
# SOAK_IPERF_RATE (100M), SOAK_PORT_PAUSE (0.2), SOAK_PING_INTERVAL (0.009),
# SOAK_RSS_LIMIT_KIB (10240), SOAK_ID, SOAK_KEEP.
set -euo pipefail
export LC_ALL=C

SOAK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NVCTL=$(realpath -m "${1:-build}/nvctl")
DURATION=${2:-300}
# shellcheck source=tests/lib/tap.sh
source "$SOAK_DIR/../lib/tap.sh"
# shellcheck source=tests/lib/netns.sh
source "$SOAK_DIR/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
source "$SOAK_DIR/../lib/topo.sh"

INTERVAL=${SOAK_INTERVAL:-30}
CHURN_RATE=${SOAK_CHURN_RATE:-10000}
CHURN_LINES=${SOAK_CHURN_LINES:-1000}
CHURN_SETS=${SOAK_CHURN_SETS:-8}
ETCD_RATE=${SOAK_ETCD_RATE:-20}
ETCD_DOWN=${SOAK_ETCD_DOWN:-5}
IPERF_PROTO=${SOAK_IPERF_PROTO:-tcp}
IPERF_RATE=${SOAK_IPERF_RATE:-100M}
PORT_PAUSE=${SOAK_PORT_PAUSE:-0.2}
# iputils ping sleeps in whole ticks from 10 ms up (-i 0.01 gave 16 ms here, 62/s); -i 0.009 is
# its 9 ms, which gave 92-107/s here (the rate is reported).
PING_INTERVAL=${SOAK_PING_INTERVAL:-0.009}
RSS_LIMIT_KIB=${SOAK_RSS_LIMIT_KIB:-10240}
for v in DURATION INTERVAL CHURN_RATE CHURN_LINES CHURN_SETS ETCD_RATE ETCD_DOWN RSS_LIMIT_KIB; do
	[[ "${!v}" =~ ^[0-9]+$ ]] || { echo "Error: $v must be a number, not '${!v}'" >&2; exit 2; }
done
[ "$DURATION" -ge 20 ] || { echo "Error: SECONDS must be at least 20" >&2; exit 2; }
[ "$INTERVAL" -ge 5 ] || { echo "Error: SOAK_INTERVAL must be at least 5" >&2; exit 2; }
if [ "$CHURN_LINES" -lt 2 ] || [ "$CHURN_SETS" -lt 2 ] || [ "$ETCD_RATE" -lt 1 ]; then
	echo "Error: SOAK_CHURN_LINES and SOAK_CHURN_SETS at least 2, SOAK_ETCD_RATE at least 1" >&2
	exit 2
fi
case "$IPERF_PROTO" in tcp | udp) ;; *) echo "Error: SOAK_IPERF_PROTO: tcp or udp" >&2; exit 2 ;; esac

netns_init nvgre-soak "${SOAK_ID:-}"
NETNS_KEEP=${SOAK_KEEP:-0}

TOPO_UL_MTU=1500
TOPO_VM_MTU=1458
topo_switch sw
topo_host h1 sw 192.0.2.1
topo_host h2 sw 192.0.2.2
topo_host h3 sw 192.0.2.3
topo_tenant A 5001 1 10.0.0.0/16 10.0.255.254
while read -r vm t h n; do
	topo_vm "$vm" "$t" "$h" "$n"
done <<'EOF'
a1 A h1 1
a3 A h1 3
x5 A h1 5
a2 A h2 2
a4 A h3 4
EOF
HOSTS="h1 h2 h3"
CHURN_HOSTS="h1 h2"
AGENT_HOST=h3
ETCD_IP=192.0.2.100
ETCD_URL=http://$ETCD_IP:2379
PFX="/nvgre-soak-$RUN_ID/"
# The stable ping flows: NAME FROM TO what.
FLOWS="a1a2 a1 a2 across hosts h1-h2
a1a3 a1 a3 on one host h1
a4a2 a4 a2 across hosts h3-h2 (the agent's host)"
FLOW_NAMES=$(awk '{ print $1 }' <<<"$FLOWS")
IPERF_FROM=a3 IPERF_TO=a4
STOP="" # the file whose existence ends the loops (in TMP)
ETCD_PID="" AGENT_PID="" LOOP_PIDS=() RUN_DIR_WAS=0

now_us() { echo "${EPOCHREALTIME/./}"; }
sleep_until() { # US: sleep until that time (now_us), if it is ahead
	local d=$(($1 - $(now_us)))
	[ "$d" -le 0 ] || sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
}
per_sec() { # N US: N per second
	awk -v n="$1" -v us="$2" 'BEGIN { printf "%.0f", (us > 0 ? n / (us / 1e6) : 0) }'
}
ping_count() { awk -v s="$1" -v i="$PING_INTERVAL" 'BEGIN { printf "%d", s / i }'; } # SECS
secs_since() { awk -v a="$1" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
t_now() { secs_since "$T0"; } # seconds into the run
log() { topo_log "t=$(t_now)s $*"; }

# ---------------------------------------------------------------------------------------------
# etcd and the agent

etcd_start() {
	bg_in_ns sw etcd --name s1 --data-dir "$TMP/etcd" --listen-client-urls "$ETCD_URL" \
		--advertise-client-urls "$ETCD_URL" --listen-peer-urls "http://$ETCD_IP:2380" \
		--initial-advertise-peer-urls "http://$ETCD_IP:2380" \
		--initial-cluster "s1=http://$ETCD_IP:2380" --initial-cluster-token "soak-$RUN_ID" \
		>>"$TMP/etcd.log" 2>&1
	ETCD_PID=$BG_PID
}

etcd_stop() { # [SIGNAL]
	bg_stop "$ETCD_PID" "${1:-TERM}"
	ETCD_PID=""
}

# ctl ARGS...: etcdctl in the switch's namespace (the controller's place).
ctl() {
	in_ns sw env ETCDCTL_API=3 etcdctl --dial-timeout 1s --command-timeout 3s \
		--endpoints "$ETCD_URL" "$@"
}
put() { ctl put -- "$PFX$1" "$2" >/dev/null; }

store_rev() { ctl get --write-out=json -- "$PFX" 2>/dev/null | jq -r .header.revision; }

etcd_healthy() {
	local i
	for i in $(seq 100); do
		ctl endpoint health >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

agent_status_file() { echo "/run/nvgre-xdp/agent-$(basename "$(pin_dir "$AGENT_HOST")").json"; }

agent_start() {
	bg_in_ns "$AGENT_HOST" "$NVCTL" --pin-dir "$(pin_dir "$AGENT_HOST")" agent run etcd "$ETCD_URL" \
		prefix "$PFX" host "$AGENT_HOST" 2>>"$TMP/agent.log"
	AGENT_PID=$BG_PID
}

agent_stop() { # [SIGNAL]; BG_RC is its exit status
	bg_stop "$AGENT_PID" "${1:-TERM}"
	AGENT_PID=""
}

# status FIELD: a field of the agent's status (nvctl agent status -j), empty when none.
status() { nvctl_on "$AGENT_HOST" -j agent status 2>/dev/null | jq -r ".$1 // empty" 2>/dev/null || true; }

# agent_synced REV SECS: the running agent (its own status, not a killed one's) has applied
# revision REV, within SECS.
agent_synced() {
	local rev=$1 end=$(($(now_us) + $2 * 1000000)) st
	while [ "$(now_us)" -lt "$end" ]; do
		st=$(nvctl_on "$AGENT_HOST" -j agent status 2>/dev/null) || st='{}'
		if [ "$(jq -r '.pid // 0' <<<"$st")" = "$AGENT_PID" ] &&
			[ "$(jq -r '.revision // 0' <<<"$st")" -ge "$rev" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# fd_kinds PID: its fds by kind, "socket:2 bpf-map:17 ...".
fd_kinds() {
	local f
	for f in "/proc/$1/fd"/*; do
		readlink "$f" 2>/dev/null || true
	done | sed -e 's/:\[[0-9]*\]$//' -e 's/^anon_inode://' -e 's|^/.*|file|' | sort | uniq -c |
		awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }'
}

# ---------------------------------------------------------------------------------------------
# the world

rec_json() { # VM
	printf '{"vsid":5001,"ca":"%s","mac":"%s","pa":"%s"}' "$(vm_ca "$1")" "$(vm_mac "$1")" \
		"${TOPO_PA[$(vm_host "$1")]}"
}

world_up() {
	local h vm i ok f from to
	topo_prepare ss ping iperf3 etcd etcdctl timeout jq bpftool awk nstat
	[ -d /run/nvgre-xdp ] && RUN_DIR_WAS=1 # the agents' status directory: ours to remove if new
	STOP="$TMP/stop"
	on_cleanup soak_cleanup
	topo_build sw
	ip -n "$(ns_name sw)" addr add "$ETCD_IP/24" dev br0
	etcd_start
	etcd_healthy || die "etcd did not start: $(tail -3 "$TMP/etcd.log")"
	# h1 and h2 by nvctl (x5 starts without its port and its record on h1), h3 by its agent.
	topo_configure_host h1 xdp
	nvctl_on h1 port del dev "$(vm_port x5)" || die "h1: port del x5"
	nvctl_on h1 record del vsid 5001 ca "$(vm_ca x5)" || die "h1: record del x5"
	topo_configure_host h2 tc
	pin_own "$(pin_dir "$AGENT_HOST")" "$AGENT_HOST"
	nvctl_on "$AGENT_HOST" dp attach dev ul pa "${TOPO_PA[$AGENT_HOST]}" || die "h3: dp attach failed"
	put subnets/5001 '{"vsid":5001,"rdid":1,"prefix":"10.0.0.0/16","gateway":"10.0.255.254"}'
	for vm in $TOPO_VM_LIST; do
		put "records/5001/$(vm_ca "$vm")" "$(rec_json "$vm")"
	done
	put "hosts/$AGENT_HOST/pas/${TOPO_PA[$AGENT_HOST]}" "{\"pa\":\"${TOPO_PA[$AGENT_HOST]}\",\"dev\":\"ul\"}"
	for vm in $(host_vms "$AGENT_HOST"); do
		put "hosts/$AGENT_HOST/ports/$(vm_port "$vm")" \
			"$(printf '{"dev":"%s","vsid":5001,"ca":"%s","mac":"%s","deliver":"xdp"}' \
				"$(vm_port "$vm")" "$(vm_ca "$vm")" "$(vm_mac "$vm")")"
	done
	agent_start
	agent_synced "$(store_rev)" 20 || die "h3's agent did not sync: $(tail -3 "$TMP/agent.log")"
	# Every stable flow answers before the churn starts.
	for f in $FLOW_NAMES "$IPERF_FROM$IPERF_TO"; do
		read -r _ from to _ <<<"$(grep "^$f " <<<"$FLOWS" || echo "$f $IPERF_FROM $IPERF_TO")"
		ok=0
		for i in $(seq 10); do
			in_ns "$from" ping -n -q -c 1 -W 1 "$(vm_ca "$to")" >/dev/null 2>&1 && { ok=1; break; }
		done
		[ "$ok" = 1 ] || die "$from cannot ping $to before the churn"
	done
	for h in $HOSTS; do
		HOST_IFS[$h]=$(ip -n "$(ns_name "$h")" -br link show | awk '{ sub(/@.*/, "", $1); print $1 }' | xargs)
	done
}

# Run by the cleanup first: the loops (their nvctl ends its change), the agent (it removes its
# status file on SIGTERM; one killed leaves it), the status directory when the run made it.
soak_cleanup() {
	local pid
	[ -z "$STOP" ] || touch "$STOP" 2>/dev/null
	for pid in "${LOOP_PIDS[@]}"; do
		bg_stop "$pid" TERM
	done
	LOOP_PIDS=()
	[ -z "$AGENT_PID" ] || agent_stop TERM
	rm -f "$(agent_status_file)"
	[ "$RUN_DIR_WAS" = 1 ] || rmdir /run/nvgre-xdp 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------------------------
# snapshots: what the churn must leave as it found it

declare -A HOST_IFS=()
# snap_host HOST DIR: counts, records, ports, map entries, pins, qdiscs/filters/XDP, drops.
snap_host() {
	local h=$1 d=$2 pin m dev
	pin=$(pin_dir "$h")
	mkdir -p "$d"
	nvctl_on "$h" -j dp show |
		jq -r '.maps | "ports \(.ports) records \(.records) subnets \(.subnets) local_pas \(.local_pas)"' >"$d/fill"
	nvctl_on "$h" -j record show | jq -r '.[] | "\(.vsid) \(.ca) \(.mac) \(.pa) \(.port // "-")"' | sort >"$d/records"
	nvctl_on "$h" -j port show |
		jq -r '.[] | "\(.dev) \(.ifindex) \(.vsid) \(.ca) \(.mac) \(.deliver) \(.pa)"' | sort >"$d/ports"
	# Every map that holds entries by key (hash, LPM, devmap hash): how many it holds.
	for m in "$pin"/maps-v*/*; do
		case "$(bpftool -j map show pinned "$m" | jq -r .type)" in
		hash | percpu_hash | lru_hash | lpm_trie | devmap_hash)
			echo "$(basename "$m") $(bpftool -j map dump pinned "$m" | jq length)"
			;;
		esac
	done >"$d/entries"
	find "$pin" | sort >"$d/pins"
	{
		in_ns "$h" tc qdisc show
		for dev in ${HOST_IFS[$h]}; do
			echo "== $dev"
			in_ns "$h" tc filter show dev "$dev" ingress
			in_ns "$h" tc filter show dev "$dev" egress
		done
		in_ns "$h" bpftool net show
	} >"$d/tc" 2>&1
	nvctl_on "$h" -j stats show | jq -r '.drops[] | "\(.reason) \(.packets)"' >"$d/drops"
}

# link_drops NODE...: "NODE/DEV:rx N" and ":tx N" lines, the kernel's dropped counters of every
# device of the nodes (veth: a frame its peer could not take is a tx drop), and ":xdp N", the
# sum of veth's own drop and error counters (ethtool -S: XDP frames its ring could not take).
link_drops() {
	local n dev
	for n in "$@"; do
		ip -n "$(ns_name "$n")" -s -j link show |
			jq -r --arg n "$n" '.[] | "\($n)/\(.ifname):rx \(.stats64.rx.dropped)",
				"\($n)/\(.ifname):tx \(.stats64.tx.dropped)"'
		for dev in $(ip -n "$(ns_name "$n")" -br link show | awk '{ sub(/@.*/, "", $1); print $1 }'); do
			echo "$n/$dev:xdp $(in_ns "$n" ethtool -S "$dev" 2>/dev/null |
				awk '/(drops|errors):/ { s += $2 } END { print s + 0 }')"
		done
	done
}

# The transport counters of the iperf3 sender's and receiver's namespaces (nothing else speaks
# TCP or UDP there): where a retransmit or a lost datagram came from.
flow_counters() {
	in_ns "$IPERF_FROM" nstat -asz TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPTimeouts \
		TcpExtTCPFastRetrans TcpExtTCPSpuriousRTOs TcpExtTCPSackRecovery UdpSndbufErrors |
		awk -v n="$IPERF_FROM" '!/^#/ { print n ":" $1, $2 }'
	in_ns "$IPERF_TO" nstat -asz UdpRcvbufErrors UdpInErrors TcpExtTCPOFOQueue TcpExtTCPRcvQDrop |
		awk -v n="$IPERF_TO" '!/^#/ { print n ":" $1, $2 }'
}

snap_all() { # NAME
	local h
	for h in $HOSTS; do
		snap_host "$h" "$TMP/snap-$1/$h"
	done
	mkdir -p "$TMP/snap-$1/links"
	# shellcheck disable=SC2086 # node names, one word each
	link_drops sw $HOSTS $TOPO_VM_LIST >"$TMP/snap-$1/links/drops"
	flow_counters >"$TMP/snap-$1/links/flow"
}

# ---------------------------------------------------------------------------------------------
# the loops (background subshells; each ends at the stop file and writes its figures)

# prog_put FILE FIGURES...: a loop's figures so far, replaced whole (the main shell reads them
# meanwhile: a file rewritten in place can be read empty).
prog_put() {
	local f=$1
	shift
	echo "$*" >"$f.new" && mv -f "$f.new" "$f"
}

# The batch files: set S is CHURN_LINES/2 records (CAs 10.0.16.1 and up, MACs 02:4e:57:...,
# remote PAs 198.51.100.x); mix-S deletes set S-1 and adds set S; add-0 and del-S.
churn_files() {
	awk -v lines="$CHURN_LINES" -v sets="$CHURN_SETS" -v dir="$TMP" 'function rec(s, j, op,   n) {
		n = s * half + j
		if (op == "add")
			return sprintf("record add vsid 5001 ca 10.0.%d.%d mac 02:4e:57:%02x:%02x:%02x pa 198.51.100.%d",
				16 + int(n / 250), n % 250 + 1, int(n / 65536) % 256, int(n / 256) % 256, n % 256, n % 250 + 1)
		return sprintf("record del vsid 5001 ca 10.0.%d.%d", 16 + int(n / 250), n % 250 + 1)
	}
	BEGIN {
		half = int(lines / 2)
		for (s = 0; s < sets; s++) {
			p = (s + sets - 1) % sets
			f = dir "/churn-mix-" s ".batch"
			printf "# churn: delete set %d, add set %d\n", p, s >f
			for (j = 0; j < half; j++)
				print rec(p, j, "del") >f
			for (j = 0; j < half; j++)
				print rec(s, j, "add") >f
			close(f)
			f = dir "/churn-del-" s ".batch"
			for (j = 0; j < half; j++)
				print rec(s, j, "del") >f
			close(f)
		}
		f = dir "/churn-add-0.batch"
		for (j = 0; j < half; j++)
			print rec(0, j, "add") >f
		close(f)
	}'
}

# churn_loop HOST: batches of CHURN_LINES changes, paced at CHURN_RATE changes/s (0: unpaced).
# HOST.prog: "changes elapsed_us busy_us fails batches" after each batch (busy: inside nvctl).
churn_loop() {
	local h=$1 f="$TMP/churn-$1" s=0 n changes=0 fails=0 batches=0 busy=0 start next b0 period=0
	trap 'exit 0' TERM
	n=$(($(grep -c '^record' "$TMP/churn-mix-1.batch")))
	[ "$CHURN_RATE" = 0 ] || period=$((n * 1000000 / CHURN_RATE))
	nvctl_on "$h" batch file "$TMP/churn-add-0.batch" 2>>"$f.log" || fails=$((fails + 1))
	start=$(now_us)
	next=$start
	while [ ! -e "$STOP" ]; do
		b0=$(now_us)
		if nvctl_on "$h" batch file "$TMP/churn-mix-$(((s + 1) % CHURN_SETS)).batch" 2>>"$f.log"; then
			s=$(((s + 1) % CHURN_SETS))
			changes=$((changes + n))
		else
			fails=$((fails + 1))
		fi
		batches=$((batches + 1))
		busy=$((busy + $(now_us) - b0))
		prog_put "$f.prog" "$changes" $(($(now_us) - start)) "$busy" "$fails" "$batches"
		if [ "$period" -gt 0 ]; then
			next=$((next + period))
			# Behind by more than a second: no burst to catch up.
			[ "$next" -ge $(($(now_us) - 1000000)) ] || next=$(now_us)
			sleep_until "$next"
		fi
	done
	nvctl_on "$h" batch file "$TMP/churn-del-$s.batch" 2>>"$f.log" || fails=$((fails + 1))
	prog_put "$f.prog" "$changes" $(($(now_us) - start)) "$busy" "$fails" "$batches"
	touch "$f.done"
}

# x5's port and record on h1: add (record, then port), ping a1 and a2 from x5, delete (port,
# then record); deliver alternates xdp and tc. ports.prog: "cycles fails pings answered".
port_loop() {
	local f="$TMP/ports" cycles=0 fails=0 pings=0 answered=0 mode=xdp ca mac dst
	trap 'exit 0' TERM
	ca=$(vm_ca x5)
	mac=$(vm_mac x5)
	while [ ! -e "$STOP" ]; do
		if nvctl_on h1 record add vsid 5001 ca "$ca" mac "$mac" pa "${TOPO_PA[h1]}" 2>>"$f.log" &&
			nvctl_on h1 port add dev "$(vm_port x5)" vsid 5001 ca "$ca" mac "$mac" deliver "$mode" 2>>"$f.log"; then
			for dst in "$(vm_ca a1)" "$(vm_ca a2)"; do
				pings=$((pings + 1))
				if in_ns x5 ping -n -q -c 1 -W 1 "$dst" >/dev/null 2>&1; then
					answered=$((answered + 1))
				fi
			done
		else
			fails=$((fails + 1))
		fi
		nvctl_on h1 port del dev "$(vm_port x5)" 2>>"$f.log" || fails=$((fails + 1))
		nvctl_on h1 record del vsid 5001 ca "$ca" 2>>"$f.log" || fails=$((fails + 1))
		cycles=$((cycles + 1))
		[ "$mode" = xdp ] && mode=tc || mode=xdp
		prog_put "$f.prog" "$cycles" "$fails" "$pings" "$answered"
		sleep "$PORT_PAUSE"
	done
	touch "$f.done"
}

# Records 10.0.200.1 and up put and deleted under the prefix at ETCD_RATE operations/s, at most
# 32 keys at a time; at the end the whole range is deleted. etcd-writer.prog: "ops errors".
etcd_key() { # N
	local n=$(($1 % 12500))
	echo "records/5001/10.0.$((200 + n / 250)).$((n % 250 + 1))"
}
etcd_writer() {
	local f="$TMP/etcd-writer" i=0 ops=0 errs=0 next period n k v
	trap 'exit 0' TERM
	period=$((1000000 / ETCD_RATE))
	next=$(now_us)
	while [ ! -e "$STOP" ]; do
		n=$((i % 12500))
		k=$(etcd_key "$i")
		v=$(printf '{"vsid":5001,"ca":"10.0.%d.%d","mac":"02:4e:58:00:%02x:%02x","pa":"198.51.100.%d"}' \
			$((200 + n / 250)) $((n % 250 + 1)) $((n / 256)) $((n % 256)) $((n % 250 + 1)))
		if ctl put -- "$PFX$k" "$v" >/dev/null 2>>"$f.log"; then
			ops=$((ops + 1))
		else
			errs=$((errs + 1))
		fi
		next=$((next + period))
		[ "$next" -ge $(($(now_us) - 1000000)) ] || next=$(now_us)
		sleep_until "$next"
		if [ "$i" -ge 32 ]; then
			if ctl del -- "$PFX$(etcd_key $((i - 32)))" >/dev/null 2>>"$f.log"; then
				ops=$((ops + 1))
			else
				errs=$((errs + 1))
			fi
			next=$((next + period))
			[ "$next" -ge $(($(now_us) - 1000000)) ] || next=$(now_us)
			sleep_until "$next"
		fi
		i=$((i + 1))
		prog_put "$f.prog" "$ops" "$errs"
	done
	for n in $(seq 30); do
		ctl del --prefix -- "${PFX}records/5001/10.0.2" >/dev/null 2>>"$f.log" && break
		sleep 1
	done
	touch "$f.done"
}

loops_start() {
	local h
	for h in $CHURN_HOSTS; do
		churn_loop "$h" &
		bg_own $!
		LOOP_PIDS+=($!)
	done
	port_loop &
	bg_own $!
	LOOP_PIDS+=($!)
	etcd_writer &
	bg_own $!
	LOOP_PIDS+=($!)
}

# The loops end their iteration and clean up after themselves: wait (60 s at most).
loops_stop() {
	local pid i
	touch "$STOP"
	for pid in "${LOOP_PIDS[@]}"; do
		for i in $(seq 600); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		bg_stop "$pid" TERM
	done
	LOOP_PIDS=()
}

# ---------------------------------------------------------------------------------------------
# the stable flows, one interval at a time

declare -A PING_PID=() LOST=() SENT=() PING_MS=() FLOW_ERR=()
declare -a INT_ROWS=()
IPERF_BYTES_ALL=0 IPERF_RETRANS_ALL=0 IPERF_LOST_ALL=0 IPERF_PKTS_ALL=0 IPERF_BAD=0 IPERF_RUNS=0
INT_K=0 INT_SECS=0 FLOWS_RUNNING=0
declare -A PREV_PROG=()

flows_start() { # SECS
	local secs=$1 f from to
	INT_K=$((INT_K + 1))
	INT_SECS=$secs
	while read -r f from to _; do
		bg_in_ns "$from" ping -q -n -i "$PING_INTERVAL" -c "$(ping_count "$secs")" -W 1 "$(vm_ca "$to")" \
			>"$TMP/ping-$f-$INT_K.txt" 2>&1
		PING_PID[$f]=$BG_PID
	done <<<"$FLOWS"
	iperf_serve "$IPERF_TO"
	if [ "$IPERF_PROTO" = udp ]; then
		iperf_client "$IPERF_FROM" "$IPERF_TO" "$secs" "$TMP/iperf-$INT_K.json" -u -b "$IPERF_RATE" -l 1400
	else
		iperf_client "$IPERF_FROM" "$IPERF_TO" "$secs" "$TMP/iperf-$INT_K.json" -b "$IPERF_RATE"
	fi
	FLOWS_RUNNING=1
}

flows_alive() {
	local f
	for f in $FLOW_NAMES; do
		kill -0 "${PING_PID[$f]}" 2>/dev/null && return 0
	done
	kill -0 "$IPERF_CLI" 2>/dev/null
}

# A progress file's fields (0s when the loop has not written it yet).
prog() { cat "$1" 2>/dev/null || echo "0 0 0 0 0"; }

flows_reap() {
	local f sent got ms row rate h c e c0 e0 out
	row=$(printf '%4s %5s' "$INT_K" "$INT_SECS")
	for f in $FLOW_NAMES; do
		wait "${PING_PID[$f]}" 2>/dev/null || true
		bg_forget "${PING_PID[$f]}"
		read -r sent got ms <<<"$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.* time \([0-9]*\)ms$/\1 \2 \3/p' \
			"$TMP/ping-$f-$INT_K.txt")"
		if [ -z "${sent:-}" ]; then
			FLOW_ERR[$f]="${FLOW_ERR[$f]:-}interval $INT_K: no summary from ping: $(head -c 200 "$TMP/ping-$f-$INT_K.txt"); "
			sent=$(ping_count "$INT_SECS") got=0 ms=0
		fi
		SENT[$f]=$((${SENT[$f]:-0} + sent))
		PING_MS[$f]=$((${PING_MS[$f]:-0} + ms))
		LOST[$f]=$((${LOST[$f]:-0} + sent - got))
		row="$row $(printf '%8s' "$((sent - got))/$sent")"
	done
	iperf_reap
	out=$(jq -r --arg p "$IPERF_PROTO" 'if .error then "error \(.error)" elif $p == "udp" then
		"ok \(.end.sum.bytes) \(.end.sum.bits_per_second) 0 \(.end.sum.lost_packets) \(.end.sum.packets)"
		else "ok \(.end.sum_received.bytes) \(.end.sum_received.bits_per_second) \(.end.sum_sent.retransmits // 0) 0 0" end' \
		"$TMP/iperf-$INT_K.json" 2>/dev/null) || out="error no JSON from iperf3"
	IPERF_RUNS=$((IPERF_RUNS + 1))
	if [ "${out%% *}" = ok ]; then
		read -r _ b bps re lo pk <<<"$out"
		IPERF_BYTES_ALL=$((IPERF_BYTES_ALL + b))
		IPERF_RETRANS_ALL=$((IPERF_RETRANS_ALL + re))
		IPERF_LOST_ALL=$((IPERF_LOST_ALL + lo))
		IPERF_PKTS_ALL=$((IPERF_PKTS_ALL + pk))
		if [ "$IPERF_PROTO" = udp ]; then
			row="$row $(printf '%8.1f %9s' "$(awk -v b="$bps" 'BEGIN { print b / 1e6 }')" "$lo/$pk")"
		else
			row="$row $(printf '%8.1f %9s' "$(awk -v b="$bps" 'BEGIN { print b / 1e6 }')" "$re")"
		fi
	else
		IPERF_BAD=$((IPERF_BAD + 1))
		FLOW_ERR[iperf]="${FLOW_ERR[iperf]:-}interval $INT_K: $out; "
		row="$row $(printf '%8s %9s' "-" "-")"
	fi
	# Churn done meanwhile, per host: changes/s of the interval.
	for h in $CHURN_HOSTS; do
		read -r c e _ <<<"$(prog "$TMP/churn-$h.prog")"
		read -r c0 e0 <<<"${PREV_PROG[$h]:-0 0}"
		rate=$(per_sec $((c - c0)) $((e - e0)))
		PREV_PROG[$h]="$c $e"
		row="$row $(printf '%9s' "$rate")"
	done
	read -r c _ <<<"$(prog "$TMP/ports.prog")"
	row="$row $(printf '%7s' "$((c - ${PREV_PROG[ports]:-0}))")"
	PREV_PROG[ports]=$c
	read -r c _ <<<"$(prog "$TMP/etcd-writer.prog")"
	row="$row $(printf '%7s' "$((c - ${PREV_PROG[etcd]:-0}))")"
	PREV_PROG[etcd]=$c
	row="$row $(printf '%8s' "$(rss_kib "$AGENT_PID")")"
	INT_ROWS+=("$row")
	FLOWS_RUNNING=0
	log "interval $INT_K done: $row"
}

# ---------------------------------------------------------------------------------------------
# the disruptions and the samples

EVENTS=()
event() { # WHAT: a line of the events table (time into the run), logged too
	EVENTS+=("$(printf '%7s  %s' "$(t_now)" "$*")")
	log "$*"
}
AGENT_KILLS=0 ETCD_RESTARTS=0 AGENT_DEATHS=0
declare -A S_RSS=() S_FD=() S_KINDS=() S_PID=() S_T=()

ev_agent_kill() {
	local t0 rev
	log "agent: SIGKILL"
	# (stderr: not bash's "Killed" notice of the job)
	agent_stop KILL 2>/dev/null
	AGENT_KILLS=$((AGENT_KILLS + 1))
	t0=$(now_us)
	agent_start
	rev=$(store_rev)
	if agent_synced "${rev:-0}" 30; then
		event "agent killed (SIGKILL), started again: revision $rev applied" \
			"$(secs_since "$t0") s after the start"
	else
		event "agent killed (SIGKILL), started again: revision $rev NOT applied within 30 s"
	fi
}

ev_etcd_down() { # SIGNAL
	local sig=$1 t0 t1 seen=no rev rc0 rc1 i down
	rc0=$(status reconnects)
	log "etcd: SIG$sig for $ETCD_DOWN s"
	etcd_stop "$sig" 2>/dev/null
	ETCD_RESTARTS=$((ETCD_RESTARTS + 1))
	t0=$(now_us)
	for i in $(seq $((ETCD_DOWN * 10))); do
		[ "$(status state)" = disconnected ] && { seen=yes; break; }
		sleep 0.1
	done
	sleep_until $((t0 + ETCD_DOWN * 1000000))
	etcd_start
	etcd_healthy || event "etcd did not come back"
	down=$(secs_since "$t0")
	t1=$(now_us)
	rev=$(store_rev)
	if agent_synced "${rev:-0}" 30; then
		rc1=$(status reconnects)
		event "etcd stopped (SIG$sig), healthy again after $down s: agent said disconnected:" \
			"$seen; revision $rev applied $(secs_since "$t1") s after etcd was back;" \
			"reconnects ${rc0:-?} -> ${rc1:-?}"
	else
		event "etcd stopped (SIG$sig): agent did NOT apply revision $rev within 30 s of its return"
	fi
}

sample() { # NAME
	S_PID[$1]=$AGENT_PID
	S_RSS[$1]=$(rss_kib "$AGENT_PID")
	S_FD[$1]=$(fd_count "$AGENT_PID")
	S_KINDS[$1]=$(fd_kinds "$AGENT_PID")
	S_T[$1]=$(t_now)
	log "agent sample $1: pid $AGENT_PID VmRSS ${S_RSS[$1]} KiB, ${S_FD[$1]} fds (${S_KINDS[$1]})"
}

# ---------------------------------------------------------------------------------------------
# the run

run_soak() {
	local el left ev
	# The schedule, in per mille of the run: done in order, once each.
	local -a at=(100 200 350 500 700)
	local -a what=("ev_agent_kill" "sample start" "ev_etcd_down TERM" "sample middle" "ev_etcd_down KILL")
	local next=0
	churn_files
	snap_all base
	T0=$(now_us)
	log "soak for $DURATION s: churn on $CHURN_HOSTS, x5's port on h1, etcd writes for $AGENT_HOST's agent"
	loops_start
	while :; do
		el=$(($(now_us) - T0))
		left=$(((DURATION * 1000000 - el) / 1000000))
		if [ "$FLOWS_RUNNING" = 1 ] && ! flows_alive; then
			flows_reap
		fi
		if [ "$FLOWS_RUNNING" = 0 ] && [ "$left" -ge 3 ]; then
			flows_start "$((left < INTERVAL ? left : INTERVAL))"
		fi
		if [ "$next" -lt ${#at[@]} ] && [ "$el" -ge $((DURATION * at[next] * 1000)) ]; then
			ev=${what[$next]}
			next=$((next + 1))
			$ev
		fi
		if [ -n "$AGENT_PID" ] && ! kill -0 "$AGENT_PID" 2>/dev/null; then
			wait "$AGENT_PID" 2>/dev/null && BG_RC=0 || BG_RC=$?
			event "the agent exited by itself (status $BG_RC): started again"
			bg_forget "$AGENT_PID"
			AGENT_DEATHS=$((AGENT_DEATHS + 1))
			agent_start
		fi
		[ "$FLOWS_RUNNING" = 1 ] || [ "$left" -ge 3 ] || [ "$next" -lt ${#at[@]} ] || break
		sleep 0.2
	done
	RUN_SECS=$(t_now)
	log "the run is over: stopping the loops"
	loops_stop
	etcd_healthy || log "etcd is not healthy at the end"
	FINAL_REV=$(store_rev)
	FINAL_SYNCED=0
	agent_synced "${FINAL_REV:-0}" 30 && FINAL_SYNCED=1
	sample end
	AGENT_STATUS=$(nvctl_on "$AGENT_HOST" -j agent status 2>/dev/null || echo '{}')
	snap_all end
	# nvctl processes still there, the agent aside (every copy of this run's nvctl).
	NVCTL_LEFT=""
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$NVCTL" ] || continue
		[ "${p#/proc/}" = "$AGENT_PID" ] && continue
		NVCTL_LEFT="$NVCTL_LEFT ${p#/proc/}($(fd_count "${p#/proc/}") fds:"
		NVCTL_LEFT="$NVCTL_LEFT $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-80))"
	done
	agent_stop TERM
	AGENT_EXIT=$BG_RC
	AGENT_FILE_LEFT=0
	[ ! -e "$(agent_status_file)" ] || AGENT_FILE_LEFT=1
}

# ---------------------------------------------------------------------------------------------
# the report

row() { printf '%-60s %s\n' "$1" "$2"; }

# before_after HOST FILE WHAT: WHAT (a command reading the snapshot file on stdin) of the
# baseline and of the end, "B -> E".
before_after() {
	echo "$(eval "$3" <"$TMP/snap-base/$1/$2") -> $(eval "$3" <"$TMP/snap-end/$1/$2")"
}
# changed HOST FILE: "NAME B->E" for each line "NAME N" whose N differs between the snapshots.
changed() {
	paste -d' ' "$TMP/snap-base/$1/$2" "$TMP/snap-end/$1/$2" |
		awk '$2 != $4 { printf "%s%s %+d", (n++ ? ", " : ""), $1, $4 - $2 } END { if (!n) print "none" }'
}

report() {
	local h f from to what c e busy fails batches tot_c=0 tot_e=0 r cap loss=retrans s
	[ "$IPERF_PROTO" = tcp ] || loss=lost
	echo
	echo "== per interval: echo replies lost/sent; iperf3 $IPERF_PROTO at $IPERF_RATE (Mbit/s, $loss);"
	echo "   record changes/s; x5 port cycles; etcdctl operations; the agent's VmRSS (KiB)"
	printf '%4s %5s' int secs
	for f in $FLOW_NAMES; do printf ' %8s' "$f"; done
	printf ' %8s %9s' Mbit/s "$loss"
	for h in $CHURN_HOSTS; do printf ' %9s' "churn-$h"; done
	printf ' %7s %7s %8s\n' ports etcd rss
	printf '%s\n' "${INT_ROWS[@]}"
	echo
	echo "== events (t in s)"
	printf '%s\n' "${EVENTS[@]}"
	echo
	echo "== figures"
	row "run" "$RUN_SECS s ($INT_K intervals of up to $INTERVAL s)"
	while read -r f from to what; do
		r=$(per_sec "${SENT[$f]:-0}" $((${PING_MS[$f]:-0} * 1000)))
		row "ping $from -> $to, $what" "sent ${SENT[$f]:-0} ($r/s), lost ${LOST[$f]:-0}"
	done <<<"$FLOWS"
	r="$IPERF_RUNS runs, $IPERF_BAD failed, $((IPERF_BYTES_ALL / 1000000)) MB"
	if [ "$IPERF_PROTO" = udp ]; then
		row "iperf3 udp $IPERF_FROM -> $IPERF_TO at $IPERF_RATE" \
			"$r, lost $IPERF_LOST_ALL of $IPERF_PKTS_ALL datagrams"
	else
		row "iperf3 tcp $IPERF_FROM -> $IPERF_TO paced at $IPERF_RATE" "$r, $IPERF_RETRANS_ALL retransmits"
	fi
	for h in $CHURN_HOSTS; do
		read -r c e busy fails batches <<<"$(prog "$TMP/churn-$h.prog")"
		tot_c=$((tot_c + c))
		[ "$e" -le "$tot_e" ] || tot_e=$e
		r=$(per_sec "$c" "$e")
		cap=$(per_sec "$c" "$busy")
		CHURN_RATE_OF[$h]=$r
		row "record churn on $h (nvctl batch, $CHURN_LINES lines a file)" \
			"$c changes in $batches batches: $r/s (target $CHURN_RATE; $cap/s inside nvctl), $fails failed"
	done
	row "record churn, both hosts" "$(per_sec "$tot_c" "$tot_e") changes/s"
	read -r c fails e r <<<"$(prog "$TMP/ports.prog")"
	row "x5's port + record on h1 (add/del cycles)" "$c cycles, $fails nvctl failures, x5's pings answered $r of $e"
	read -r c e <<<"$(prog "$TMP/etcd-writer.prog")"
	row "etcdctl put/del under the prefix (target $ETCD_RATE/s)" \
		"$c done ($(per_sec "$c" "$(awk -v s="$RUN_SECS" 'BEGIN { print s * 1e6 }')")/s), $e failed (while etcd was down)"
	row "agent: killed / etcd restarts / exits by itself" "$AGENT_KILLS / $ETCD_RESTARTS / $AGENT_DEATHS"
	row "agent at the end (store revision $FINAL_REV)" "$(jq -r '"revision \(.revision), applied \(.events_applied),
		skipped \(.events_skipped), failed \(.events_failed), syncs \(.syncs), relists \(.relists),
		reconnects \(.reconnects)"' <<<"$AGENT_STATUS" 2>/dev/null | xargs)"
	for s in start middle end; do
		row "agent VmRSS / fds, $s (t=${S_T[$s]:-?} s, pid ${S_PID[$s]:-?})" \
			"${S_RSS[$s]:-?} KiB / ${S_FD[$s]:-?} (${S_KINDS[$s]:-})"
	done
	row "nvctl processes left (the agent aside)" "$(echo "${NVCTL_LEFT:-none}" | xargs)"
	for h in $HOSTS; do
		row "$h: dp show maps, before -> after" "$(before_after "$h" fill cat)"
		row "$h: record show -j / port show -j entries" \
			"$(before_after "$h" records "wc -l") / $(before_after "$h" ports "wc -l")"
		row "$h: entries of every keyed map (changed)" \
			"$(before_after "$h" entries "awk '{ n += \$2 } END { print n + 0 }'") ($(changed "$h" entries))"
		row "$h: pins" "$(before_after "$h" pins "wc -l")"
		row "$h: tc qdiscs / filters" \
			"$(before_after "$h" tc "awk '/^qdisc/ { q++ } /^filter.*handle/ { f++ } END { print q + 0 \" / \" f + 0 }'")"
		row "$h: datapath drops during the run" "$(changed "$h" drops)"
	done
	row "link drops during the run (underlay and VM veths)" "$(changed links drops)"
	row "iperf3 ends' TCP/UDP counters during the run" "$(changed links flow)"
	echo
}

# ---------------------------------------------------------------------------------------------
# the checks

declare -A CHURN_RATE_OF=()

t_flows() {
	local f from to
	while read -r f from to _; do
		expect_eq "echo replies lost, $from -> $to (of ${SENT[$f]:-0})" 0 "${LOST[$f]:-?}"
		[ -z "${FLOW_ERR[$f]:-}" ] || fail "$f: ${FLOW_ERR[$f]}"
	done <<<"$FLOWS"
}

t_iperf() {
	expect_eq "iperf3 runs that gave no result" 0 "$IPERF_BAD"
	[ -z "${FLOW_ERR[iperf]:-}" ] || fail "${FLOW_ERR[iperf]}"
	if [ "$IPERF_PROTO" = udp ]; then
		note "iperf3 udp: $IPERF_LOST_ALL of $IPERF_PKTS_ALL datagrams lost (reported, not checked)"
	else
		note "iperf3 tcp: $IPERF_RETRANS_ALL retransmits in $IPERF_RUNS runs (reported, not checked)"
	fi
}

t_churn() {
	local h c e fails
	for h in $CHURN_HOSTS; do
		read -r c _ _ fails _ <<<"$(prog "$TMP/churn-$h.prog")"
		expect_eq "$h: nvctl batch runs that failed" 0 "$fails"
		[ -e "$TMP/churn-$h.done" ] || fail "$h: the churn loop did not finish (killed)"
		[ "$c" -gt 0 ] || fail "$h: no change made"
		[ ! -s "$TMP/churn-$h.log" ] || fail "$h: $(head -3 "$TMP/churn-$h.log")"
		note "$h: ${CHURN_RATE_OF[$h]:-?} record changes/s"
	done
}

t_ports() {
	local c fails p a
	read -r c fails p a <<<"$(prog "$TMP/ports.prog")"
	expect_eq "nvctl port/record add/del that failed" 0 "$fails"
	[ -e "$TMP/ports.done" ] || fail "the port loop did not finish (killed)"
	expect_ge "port cycles" 1 "$c"
	[ ! -s "$TMP/ports.log" ] || fail "$(head -3 "$TMP/ports.log")"
	note "$c cycles; x5's pings answered: $a of $p"
}

t_agent() {
	expect_eq "agent killed" 1 "$AGENT_KILLS"
	expect_eq "etcd restarts" 2 "$ETCD_RESTARTS"
	expect_eq "agent exits nobody asked for" 0 "$AGENT_DEATHS"
	expect_eq "agent in step with the store at the end" 1 "$FINAL_SYNCED"
	expect_eq "agent: events failed" 0 "$(jq -r '.events_failed // "?"' <<<"$AGENT_STATUS")"
	expect_eq "agent: events skipped" 0 "$(jq -r '.events_skipped // "?"' <<<"$AGENT_STATUS")"
	expect_eq "agent's exit status on SIGTERM" 0 "$AGENT_EXIT"
	expect_eq "agent status file left after SIGTERM" 0 "$AGENT_FILE_LEFT"
	[ -e "$TMP/etcd-writer.done" ] || fail "the etcd writer did not finish (killed)"
}

# same_file WHAT KIND: every host's end snapshot of KIND equals its baseline.
same_snap() {
	local h
	for h in $HOSTS; do
		cmp -s "$TMP/snap-base/$h/$1" "$TMP/snap-end/$h/$1" ||
			fail "$h: $1 differ from the baseline:" \
				"$(diff "$TMP/snap-base/$h/$1" "$TMP/snap-end/$h/$1" | head -20 | sed 's/^/    /')"
	done
}

t_fill() {
	same_snap fill
	same_snap records
	same_snap ports
	same_snap entries
}

t_fds() {
	[ -z "$NVCTL_LEFT" ] || fail "nvctl processes left:$NVCTL_LEFT"
	[ "${S_PID[start]:-}" = "${S_PID[end]:-x}" ] ||
		fail "the agent sampled at the start (pid ${S_PID[start]:-?}) is not the one at the end (${S_PID[end]:-?})"
	expect_eq "agent's open fds at the end (at the start: ${S_KINDS[start]:-}; end: ${S_KINDS[end]:-})" \
		"${S_FD[start]:-?}" "${S_FD[end]:-??}"
}

t_pins() { same_snap pins; }
t_tc() { same_snap tc; }

t_rss() {
	local g
	if ! [[ "${S_RSS[start]:-}${S_RSS[end]:-}" =~ ^[0-9]+$ ]]; then
		fail "no VmRSS samples: ${S_RSS[start]:-?} ${S_RSS[end]:-?}"
		return
	fi
	g=$((S_RSS[end] - S_RSS[start]))
	note "VmRSS ${S_RSS[start]} KiB at ${S_T[start]} s, ${S_RSS[middle]:-?} KiB at ${S_T[middle]:-?} s," \
		"${S_RSS[end]} KiB at ${S_T[end]} s: $g KiB"
	[ "$g" -lt "$RSS_LIMIT_KIB" ] ||
		fail "the agent's VmRSS grew by $g KiB after the warm-up (limit $RSS_LIMIT_KIB KiB)"
}

main() {
	local t0=$SECONDS
	topo_log "soak run $RUN_ID: 3 hosts, an etcd member, $DURATION s"
	world_up
	topo_log "topology up in $((SECONDS - t0)) s"
	run_soak
	report
	run_test "stable ping flows at about 100/s (-i $PING_INTERVAL): no echo reply lost" t_flows
	run_test "iperf3 $IPERF_FROM -> $IPERF_TO every interval (retransmits/loss reported)" t_iperf
	run_test "record churn with nvctl batch on $CHURN_HOSTS: every batch applied" t_churn
	run_test "x5's port and record added and removed on h1: every command applied" t_ports
	run_test "agent: killed, etcd stopped twice; in step at the end, nothing failed" t_agent
	run_test "map fill at the baseline: every keyed map, the records and the ports" t_fill
	run_test "no nvctl process left, the agent's fds as after the warm-up" t_fds
	run_test "pins as at the baseline" t_pins
	run_test "qdiscs, filters and XDP as at the baseline" t_tc
	run_test "agent VmRSS growth after the warm-up below $RSS_LIMIT_KIB KiB" t_rss
	netns_cleanup
	topo_log "soak run took $((SECONDS - t0)) s"
	tap_done
}

main
