#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end test of nvctl agent (issue 12, DESIGN section 11): three hosts whose agents follow
# one real etcd cluster (three etcd-server members, Debian's), configured by a controller that
# writes keys with etcdctl alone; nvctl on the hosts only attaches the datapath. Real pings
# between the VMs show what landed. Prints "ok N - name" / "not ok N - name", then
# "P passed, F failed" (tests/lib/tap.sh).
#
#             sw: bridge br0 192.0.2.100 (etcd members e1 e2 e3 on ports 2379x, peers 2380x)
#        ____________________|____________________
#       |                    |                    |
#   h1: ul 192.0.2.1     h2: ul 192.0.2.2     h3: ul 192.0.2.3
#     vm-a1 10.0.0.1       vm-a2 10.0.0.2       vm-a3 10.0.0.3, vm-a2m 10.0.0.2 (a2's copy: a
#                                               live migration's target, same CA and MAC)
#   tenant A: vsid 5001, rdid 1, 10.0.0.0/24, gateway 10.0.0.254
#
# The etcd members run in the switch's namespace on the underlay, as a control plane would; the
# agents reach them over the hosts' underlay device, through the XDP program. Names carry the
# run's id; the cleanup (EXIT, INT, TERM) stops every agent and etcd member and removes the
# namespaces, pins, data directories and status files.
#
# Usage: tests/e2e/agent.sh [BUILD_DIR]   (default: build; as root). Run by tests/run-tests.sh.
set -euo pipefail
export LC_ALL=C

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NVCTL=$(realpath -m "${1:-build}/nvctl")
# shellcheck source=tests/lib/tap.sh
source "$E2E_DIR/../lib/tap.sh"
# shellcheck source=tests/lib/netns.sh
source "$E2E_DIR/../lib/netns.sh"
# shellcheck source=tests/lib/topo.sh
source "$E2E_DIR/../lib/topo.sh"
# shellcheck source=tests/e2e/e2e_lib.sh
source "$E2E_DIR/e2e_lib.sh"

netns_init nvgre-ag "${E2E_ID:-}"
NETNS_KEEP=${E2E_KEEP:-0}

TOPO_UL_MTU=1500
TOPO_VM_MTU=1458
topo_switch sw
topo_host h1 sw 192.0.2.1
topo_host h2 sw 192.0.2.2
topo_host h3 sw 192.0.2.3
topo_tenant A 5001 1 10.0.0.0/24 10.0.0.254
while read -r vm t h n; do
	topo_vm "$vm" "$t" "$h" "$n"
done <<'EOF'
a1 A h1 1
a2 A h2 2
a3 A h3 3
a2m A h3 2
EOF
HOSTS="h1 h2 h3"
ETCD_IP=192.0.2.100
MEMBERS="e1 e2 e3"
declare -A ETCD_PORT=([e1]=23791 [e2]=23792 [e3]=23793) ETCD_PEER=([e1]=23801 [e2]=23802 [e3]=23803)
declare -A ETCD_PID=() AGENT_PID=()
ENDPOINTS=""
PFX="/nvgre-$RUN_ID/"

# ---------------------------------------------------------------------------------------------
# etcd and the agents

etcd_url() { echo "http://$ETCD_IP:${ETCD_PORT[$1]}"; }
etcd_cluster() {
	local m c=""
	for m in $MEMBERS; do
		c="${c:+$c,}$m=http://$ETCD_IP:${ETCD_PEER[$m]}"
	done
	echo "$c"
}

# etcd_start MEMBER [new|existing]: the member in the switch's namespace, its data in TMP.
etcd_start() {
	local m=$1
	bg_in_ns sw etcd --name "$m" --data-dir "$TMP/etcd-$m" \
		--listen-client-urls "$(etcd_url "$m")" --advertise-client-urls "$(etcd_url "$m")" \
		--listen-peer-urls "http://$ETCD_IP:${ETCD_PEER[$m]}" \
		--initial-advertise-peer-urls "http://$ETCD_IP:${ETCD_PEER[$m]}" \
		--initial-cluster "$(etcd_cluster)" --initial-cluster-state "${2:-new}" \
		--initial-cluster-token "ag-$RUN_ID" >>"$TMP/etcd-$m.log" 2>&1
	ETCD_PID[$m]=$BG_PID
}

etcd_stop() { # MEMBER [SIGNAL]
	bg_stop "${ETCD_PID[$1]}" "${2:-TERM}"
	ETCD_PID[$1]=""
}

# ctl ARGS...: etcdctl against every member (it fails over by itself), in the switch's namespace.
ctl() { in_ns sw env ETCDCTL_API=3 etcdctl --dial-timeout 2s --command-timeout 5s --endpoints "${CTL_EPS:-$ENDPOINTS}" "$@"; }
put() { ctl put -- "$PFX$1" "$2" >/dev/null; }
del() { ctl del -- "$PFX$1" >/dev/null; }

# The store's revision now.
store_rev() { ctl get --write-out=json -- "$PFX" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["header"]["revision"])'; }

etcd_healthy() {
	local i
	for i in $(seq 100); do
		ctl endpoint health >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

agent_status_file() { echo "/run/nvgre-xdp/agent-$(basename "$(pin_dir "$1")").json"; }

agent_start() { # HOST
	local h=$1
	bg_in_ns "$h" "$NVCTL" --pin-dir "$(pin_dir "$h")" agent run etcd "$ENDPOINTS" prefix "$PFX" \
		host "$h" 2>>"$TMP/agent-$h.log"
	AGENT_PID[$h]=$BG_PID
}

agent_stop() { # HOST: SIGTERM; BG_RC is its exit status
	bg_stop "${AGENT_PID[$1]}" TERM
	AGENT_PID[$1]=""
}

# status HOST FIELD: a field of the agent's status (nvctl agent status -j).
status() {
	nvctl_on "$1" -j agent status 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(str(v).lower() if isinstance(v, bool) else v)' "$2" 2>/dev/null
}

# wait_applied REV HOST...: every HOST's agent has applied revision REV (10 s at most).
wait_applied() {
	local rev=$1 h r i
	shift
	for h in "$@"; do
		for i in $(seq 100); do
			r=$(status "$h" revision || true)
			[ "${r:-0}" -ge "$rev" ] && break
			sleep 0.1
		done
		[ "${r:-0}" -ge "$rev" ] || {
			fail "$h: the agent applied revision ${r:-none}, not $rev, within 10 s"
			return 1
		}
	done
}

# The records of a host's instance, "VSID CA PA" per line.
records_of() {
	nvctl_on "$1" -j record show | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["vsid"], r["ca"], r["pa"])'
}

has_record() { # HOST CA [PA] (the list taken whole: grep -q ending early would break the pipe)
	local all
	all=$(records_of "$1")
	grep -qx "5001 $2 ${3:-[0-9.]*}" <<<"$all"
}

wait_record() { # HOST CA: the record is there within 5 s
	local i
	for i in $(seq 50); do
		has_record "$1" "$2" && return
		sleep 0.1
	done
	return 1
}

pings() { # FROM DST COUNT: how many echo replies
	in_ns "$1" ping -n -q -c "$3" -i 0.05 -W 1 "$2" 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p'
}

rec_json() { # CA PA [MAC]
	printf '{"vsid":5001,"ca":"%s","mac":"%s","pa":"%s"}' "$1" "${3:-$(printf "02:4e:56:00:00:%02x" "${1##*.}")}" "$2"
}

port_json() { # VM
	printf '{"dev":"%s","vsid":5001,"ca":"%s","mac":"%s","deliver":"xdp"}' "$(vm_port "$1")" \
		"$(vm_ca "$1")" "$(vm_mac "$1")"
}

vm_rx() { ip -n "$(topo_ns "$1")" -s -j link show eth0 | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }

# ---------------------------------------------------------------------------------------------
# 1. the world: the topology, the etcd cluster, a datapath on every host, the agents

world_up() {
	local h m
	topo_prepare ss ping etcd etcdctl timeout
	topo_build sw
	ip -n "$(ns_name sw)" addr add "$ETCD_IP/24" dev br0
	for m in $MEMBERS; do
		ENDPOINTS="${ENDPOINTS:+$ENDPOINTS,}$(etcd_url "$m")"
	done
	for m in $MEMBERS; do
		etcd_start "$m"
	done
	# An agent removes its status file when it stops; one killed leaves it.
	on_cleanup 'rm -f /run/nvgre-xdp/agent-"$NETNS_TAG-$RUN_ID"-*.json'
	for h in $HOSTS; do
		pin_own "$(pin_dir "$h")" "$h"
		# native: the ports deliver in XDP, which the default (auto) leaves out on a veth.
		nvctl_on "$h" dp attach dev ul pa "${TOPO_PA[$h]}" xdp-mode native ||
			die "$h: dp attach failed"
	done
}

t_cluster() {
	etcd_healthy || { fail "the 3 etcd members are not healthy: $(tail -3 "$TMP/etcd-e1.log")"; return; }
	note "etcd $(etcd --version | head -1 | awk '{print $3}'): members $(ctl member list | wc -l)"
	expect_eq "members" 3 "$(ctl member list | wc -l)"
}

t_agents_start() {
	local h rev
	for h in $HOSTS; do
		agent_start "$h"
	done
	rev=$(store_rev)
	wait_applied "$rev" $HOSTS || return
	for h in $HOSTS; do
		expect_eq "$h: state" watching "$(status "$h" state)"
		expect_eq "$h: running" true "$(status "$h" running)"
	done
}

# The controller writes the tenant: its subnet, every VM's record, each host's port and PA.
t_keys_land() {
	local rev vm r
	put subnets/5001 '{"vsid":5001,"rdid":1,"prefix":"10.0.0.0/24","gateway":"10.0.0.254"}'
	for vm in a1 a2 a3; do
		put "records/5001/$(vm_ca "$vm")" "$(rec_json "$(vm_ca "$vm")" "${TOPO_PA[$(vm_host "$vm")]}")"
		put "hosts/$(vm_host "$vm")/ports/$(vm_port "$vm")" "$(port_json "$vm")"
	done
	put hosts/h1/pas/192.0.2.1 '{"pa":"192.0.2.1","dev":"ul"}'
	put routes/1/10.9.0.0/24/nexthop/10.0.0.3 '{"rdid":1,"prefix":"10.9.0.0/24","nexthop":"10.0.0.3"}'
	rev=$(store_rev)
	wait_applied "$rev" $HOSTS || return
	for vm in a2 a3; do
		r=$(pings a1 "$(vm_ca "$vm")" 5)
		expect_eq "echo replies a1 -> $vm of 5" 5 "${r:-0}"
	done
	nvctl_on h2 -j route show | grep -q '10.9.0.0/24' || fail "h2: the route 10.9.0.0/24 did not land"
	expect_eq "h2: ports" 1 "$(nvctl_on h2 -j port show | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')"
	expect_ge "h1: events applied (subnet, 3 records, its port, PA, route)" 7 "$(status h1 events_applied)"
}

t_delete_stops() {
	local r
	del records/5001/10.0.0.3
	wait_applied "$(store_rev)" $HOSTS || return
	has_record h1 10.0.0.3 && fail "h1 still has the record of 10.0.0.3"
	r=$(pings a1 10.0.0.3 3)
	expect_eq "echo replies a1 -> 10.0.0.3 with its key deleted" 0 "${r:-0}"
	put records/5001/10.0.0.3 "$(rec_json 10.0.0.3 192.0.2.3)"
	wait_applied "$(store_rev)" $HOSTS || return
	r=$(pings a1 10.0.0.3 3)
	expect_eq "echo replies a1 -> 10.0.0.3 with its key back" 3 "${r:-0}"
}

# The gateway's objects are a host's own keys, as its ports are: a NAT leg of rdid 1 on h3's
# external device gx0 (nv_from_ext attached by the agent), its NAT and a static mapping; the leg
# changed in place by one put (its NAT and mapping taken down and put back in that revision);
# then the keys deleted, dependents first: the device detached. Nothing refused on the way.
t_gateway_keys() {
	local failed0 leg show
	in_ns h3 ip link add gx0 type veth peer name gx1 && in_ns h3 ip link set gx0 up &&
		in_ns h3 ip link set gx1 up || { fail "h3: the external veth"; return; }
	failed0=$(status h3 events_failed)
	leg='{"rdid":1,"vsid":5001,"ca":"10.0.0.250","mac":"02:4e:56:00:00:fa","dev":"gx0","mode":"nat"}'
	put hosts/h3/gateways/1 "$leg"
	put hosts/h3/nats/1 '{"rdid":1,"external":"198.51.100.1","ports":"2000-2999"}'
	put hosts/h3/nat-maps/tcp/198.51.100.1:80 '{"rdid":1,"proto":"tcp","external":"198.51.100.1:80","internal":"10.0.0.3:80"}'
	wait_applied "$(store_rev)" $HOSTS || return
	in_ns h3 tc filter show dev gx0 ingress | grep -q nv_from_ext || fail "h3: no nv_from_ext on gx0"
	show=$(nvctl_on h3 -j nat show)
	/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(not ([n["rdid"] for n in d["nats"]] == [1] and [m["internal_port"] for m in d["maps"]] == [80]))' "$show" ||
		fail "h3: nat show: $show"
	expect_eq "h1: gateway legs (h3's keys)" "[]" "$(nvctl_on h1 -j gateway show)"
	put hosts/h3/gateways/1 "${leg/00:fa/00:fb}"
	wait_applied "$(store_rev)" h3 || return
	nvctl_on h3 -j gateway show | grep -q '"mac":"02:4e:56:00:00:fb"' ||
		fail "h3: the leg's new MAC: $(nvctl_on h3 -j gateway show)"
	show=$(nvctl_on h3 -j nat show)
	/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(not (len(d["nats"]) == 1 and len(d["maps"]) == 1))' "$show" ||
		fail "h3: the NAT and mapping did not come back with the leg: $show"
	del hosts/h3/nat-maps/tcp/198.51.100.1:80
	del hosts/h3/nats/1
	del hosts/h3/gateways/1
	wait_applied "$(store_rev)" h3 || return
	expect_eq "h3: gateway legs after the deletes" "[]" "$(nvctl_on h3 -j gateway show)"
	in_ns h3 tc filter show dev gx0 ingress | grep -q nv_from_ext && fail "h3: nv_from_ext left on gx0"
	expect_eq "h3: failed events" "$failed0" "$(status h3 events_failed)"
}

# a2's copy runs on h3; one put moves the record to h3's PA on every host at once, a second put
# back, under a 100/s ping from a1: a move loses at most what is in flight.
t_move_record() {
	local out="$TMP/move-ping.txt" pid rx lost rx_a2 rx_copy
	put hosts/h3/ports/vm-a2m "$(port_json a2m)"
	wait_applied "$(store_rev)" h3 || return
	flush_neigh a1
	rx_a2=$(vm_rx a2)
	rx_copy=$(vm_rx a2m)
	bg_in_ns a1 ping -q -n -i 0.01 -c 300 -W 1 10.0.0.2 >"$out" 2>&1
	pid=$BG_PID
	sleep 1
	put records/5001/10.0.0.2 "$(rec_json 10.0.0.2 192.0.2.3)"
	sleep 1
	put records/5001/10.0.0.2 "$(rec_json 10.0.0.2 192.0.2.2)"
	kill -0 "$pid" 2>/dev/null || fail "the ping stream ended before the moves did"
	wait "$pid" || true
	bg_forget "$pid"
	rx_a2=$(($(vm_rx a2) - rx_a2))
	rx_copy=$(($(vm_rx a2m) - rx_copy))
	rx=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' "$out")
	lost=$((300 - ${rx:-0}))
	note "ping -i 0.01 -c 300 across two moves by etcdctl put: $lost lost; a2 on h2 received $rx_a2, its copy on h3 $rx_copy"
	[ "$lost" -le 2 ] || fail "$lost echo replies of 300 lost across two moves"
	expect_ge "packets the copy on h3 received while the record pointed there" 20 "$rx_copy"
	expect_ge "packets a2 on h2 received before and after" 100 "$rx_a2"
	del hosts/h3/ports/vm-a2m
	wait_applied "$(store_rev)" $HOSTS
}

# The agent and nvctl writing one instance at once (both take its lock per change): 100 records
# put by etcdctl in four parallel streams while four nvctl batch files of 6 records and 24
# single record adds run on h1. Afterwards every one of the 200 is there exactly once, with
# its PA, and nothing failed on either side; then both sets go again.
t_concurrent_writers() {
	local pids=() i k f all n failed0
	failed0=$(status h1 events_failed)
	for k in 0 1 2 3; do
		(for i in $(seq $((100 + k * 25)) $((124 + k * 25))); do
			put "records/5001/10.0.0.$i" "$(rec_json "10.0.0.$i" 192.0.2.2)" || exit 1
		done) &
		pids+=($!)
		f=$TMP/conc-$k.batch
		for i in $(seq $((k * 6 + 201)) $((k * 6 + 206))); do
			echo "record add vsid 5001 ca 10.0.0.$i mac 02:4e:56:00:01:$(printf %02x "$i") pa 192.0.2.3"
		done >"$f"
		(nvctl_on h1 batch file "$f" >/dev/null) &
		pids+=($!)
	done
	for i in $(seq 230 254); do
		[ "$i" -eq 254 ] && break # the subnet's gateway
		(nvctl_on h1 record add vsid 5001 ca "10.0.0.$i" mac "02:4e:56:00:02:$(printf %02x "$i")" \
			pa 192.0.2.3 >/dev/null) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a writer failed (pid $i)"
	done
	wait_applied "$(store_rev)" h1 || return
	all=$(records_of h1)
	n=$(grep -c '^5001 10\.0\.0\.1[0-9][0-9] 192\.0\.2\.2$' <<<"$all" || true)
	expect_eq "records from etcd on h1" 100 "$n"
	n=$(grep -c '^5001 10\.0\.0\.2[0-5][0-9] 192\.0\.2\.3$' <<<"$all" || true)
	expect_eq "records from nvctl on h1 (24 in batches, 24 single)" 48 "$n"
	expect_eq "records listed twice" "" "$(sort <<<"$all" | uniq -d)"
	expect_eq "h1 agent: failed events" "$failed0" "$(status h1 events_failed)"
	for i in $(seq 100 199); do
		del "records/5001/10.0.0.$i"
	done
	for i in $(seq 201 224) $(seq 230 253); do
		echo "record del vsid 5001 ca 10.0.0.$i"
	done >"$TMP/conc-del.batch"
	nvctl_on h1 batch file "$TMP/conc-del.batch" >/dev/null || fail "nvctl batch del"
	wait_applied "$(store_rev)" $HOSTS
}

# Values that do not parse or validate, and keys outside the layout: skipped, logged with their
# key and counted; a good key beside them lands.
t_garbage() {
	local before after
	before=$(status h1 events_skipped)
	put records/5001/10.0.0.9 'not json'
	put records/5001/10.0.0.8 "$(rec_json 10.0.0.8 192.0.2.2 01:00:00:00:00:08)"
	put records/5001/10.0.0.7 "$(rec_json 10.0.0.6 192.0.2.2)"
	put tenants/7 '{}'
	put records/5001/10.0.0.5 "$(rec_json 10.0.0.5 192.0.2.2)"
	wait_applied "$(store_rev)" $HOSTS || return
	after=$(status h1 events_skipped)
	expect_eq "h1: values skipped" 4 "$((after - before))"
	has_record h1 10.0.0.5 192.0.2.2 || fail "h1: the good record 10.0.0.5 beside the garbage did not land"
	has_record h1 10.0.0.9 && fail "h1: a record from a value that is not JSON"
	has_record h1 10.0.0.8 && fail "h1: a record with a multicast MAC"
	grep -q "$PFX""records/5001/10.0.0.9: skipped: not JSON" "$TMP/agent-h1.log" ||
		fail "h1's log does not name the key of the value that is not JSON: $(grep skipped "$TMP/agent-h1.log" | head -3)"
	grep -q "records/5001/10.0.0.8: skipped: /mac: not a unicast MAC" "$TMP/agent-h1.log" ||
		fail "h1's log does not say why 10.0.0.8 was skipped"
	case "$(status h1 last_error)" in *"skipped"*) ;; *) fail "last_error: $(status h1 last_error)" ;; esac
	ctl del -- "${PFX}records/5001/10.0.0.9" >/dev/null
	ctl del -- "${PFX}records/5001/10.0.0.8" >/dev/null
	ctl del -- "${PFX}records/5001/10.0.0.7" >/dev/null
	ctl del -- "${PFX}tenants/7" >/dev/null
}

# h2's agent stops; meanwhile a key is deleted, one added and the store compacted past what h2
# applied; the agent, started again, converges: the deleted key's record gone, the new one there.
t_compaction_while_stopped() {
	local rev
	agent_stop h2
	expect_eq "h2: the agent's exit status on SIGTERM" 0 "$BG_RC"
	[ -e "$(agent_status_file h2)" ] && fail "the status file stayed after a clean stop"
	nvctl_on h2 agent status >/dev/null 2>&1 &&
		fail "agent status succeeds with no agent running"
	del records/5001/10.0.0.5
	put records/5001/10.0.0.6 "$(rec_json 10.0.0.6 192.0.2.1)"
	rev=$(store_rev)
	ctl compact "$rev" >/dev/null || { fail "etcdctl compact $rev failed"; return; }
	has_record h2 10.0.0.5 || fail "h2 lost 10.0.0.5 while its agent was stopped"
	agent_start h2
	wait_applied "$rev" h2 || return
	has_record h2 10.0.0.5 && fail "h2 kept 10.0.0.5, deleted while its agent was stopped"
	has_record h2 10.0.0.6 192.0.2.1 || fail "h2 lacks 10.0.0.6, added while its agent was stopped"
}

# The member h1's agent talks to is killed: the agent fails over to another and applies what is
# written there.
t_failover() {
	local ep m victim="" r before i
	ep=$(status h1 endpoint)
	for m in $MEMBERS; do
		[ "$(etcd_url "$m")" = "$ep" ] && victim=$m
	done
	[ -n "$victim" ] || { fail "h1's endpoint $ep is none of the members"; return; }
	before=$(status h1 reconnects)
	etcd_stop "$victim" KILL
	CTL_EPS=$(echo "$ENDPOINTS" | tr , '\n' | grep -v "$ep" | paste -sd,) || true
	export CTL_EPS
	# The two left elect a leader when the killed one led: the controller retries its put.
	for i in $(seq 20); do
		put records/5001/10.0.0.11 "$(rec_json 10.0.0.11 192.0.2.2)" 2>/dev/null && break
		sleep 0.5
	done
	r=$(store_rev)
	wait_applied "$r" h1 h2 h3 || { unset CTL_EPS; return; }
	has_record h1 10.0.0.11 || fail "h1: the key written after the failover did not land"
	[ "$(status h1 endpoint)" != "$ep" ] || fail "h1's agent still names the killed member $ep"
	expect_ge "h1: reconnects" "$((before + 1))" "$(status h1 reconnects)"
	note "member $victim killed: h1's agent moved from $ep to $(status h1 endpoint)"
	etcd_start "$victim" existing
	unset CTL_EPS
	etcd_healthy || fail "the killed member did not come back"
}

# etcd stops entirely: forwarding goes on with the policy as it was; the agents say
# disconnected, keep everything, and apply what is written once etcd is back.
t_etcd_down() {
	local m r n_before n_during i
	n_before=$(records_of h1 | wc -l)
	for m in $MEMBERS; do
		etcd_stop "$m"
	done
	for i in $(seq 100); do
		[ "$(status h1 state)" = disconnected ] && break
		sleep 0.1
	done
	expect_eq "h1: state with etcd down" disconnected "$(status h1 state)"
	r=$(pings a1 10.0.0.2 20)
	expect_eq "echo replies a1 -> a2 of 20 with etcd down" 20 "${r:-0}"
	sleep 2 # the agents retry meanwhile
	n_during=$(records_of h1 | wc -l)
	expect_eq "h1: records with etcd down" "$n_before" "$n_during"
	for m in $MEMBERS; do
		etcd_start "$m" existing
	done
	etcd_healthy || { fail "etcd did not come back"; return; }
	put records/5001/10.0.0.12 "$(rec_json 10.0.0.12 192.0.2.3)"
	wait_applied "$(store_rev)" $HOSTS || return
	has_record h3 10.0.0.12 || fail "h3: the key written after etcd came back did not land"
	note "h1: $(status h1 reconnects) reconnects in all, last error: $(status h1 last_error)"
}

# After a reboot the pins are gone: dp attach gives an empty datapath, and the agent restores
# it from the store alone (it notices the new datapath and lists again).
t_reattach() {
	local want got r i s0
	want=$(records_of h2 | sort)
	s0=$(status h2 syncs)
	nvctl_on h2 dp detach || { fail "dp detach on h2 failed"; return; }
	nvctl_on h2 dp attach dev ul pa 192.0.2.2 xdp-mode native ||
		{ fail "dp attach on h2 failed"; return; }
	# A sync is one transaction, records before ports: wait for the sync itself to end.
	for i in $(seq 100); do
		[ "$(status h2 syncs)" -gt "$s0" ] && [ "$(status h2 state)" = watching ] && break
		sleep 0.1
	done
	got=$(records_of h2 | sort)
	[ "$got" = "$want" ] || fail "h2's records after dp detach + attach: $(wc -l <<<"$got") of $(wc -l <<<"$want")"
	r=$(pings a1 10.0.0.2 5)
	expect_eq "echo replies a1 -> a2 after h2's datapath was attached again" 5 "${r:-0}"
	expect_ge "h2: syncs" 2 "$(status h2 syncs)"
}

t_metrics() {
	local page out f
	page=$(nvctl_on h1 metrics show 2>&1) ||
		{ fail "metrics show failed: $page"; return; }
	for f in nvgre_agent_up nvgre_agent_revision nvgre_agent_lag_revisions \
		nvgre_agent_events_total; do
		grep -q "^$f" <<<"$page" || fail "no $f in the metrics page"
	done
	grep -q '^nvgre_agent_events_total{result="skipped"} [1-9]' <<<"$page" ||
		fail "skipped events not in the metrics: $(grep agent_events <<<"$page")"
	grep -q '^nvgre_agent_state{state="watching"} 1' <<<"$page" || fail "state not watching in the metrics"
	if command -v promtool >/dev/null; then
		out=$(promtool check metrics <<<"$page" 2>&1) || fail "promtool check metrics: $out"
	else
		fail "promtool not found (package prometheus)"
	fi
}

t_stop_clean() {
	local h
	for h in $HOSTS; do
		agent_stop "$h"
		expect_eq "$h: the agent's exit status on SIGTERM" 0 "$BG_RC"
		[ -e "$(agent_status_file "$h")" ] && fail "$h: status file left"
	done
	grep -l "Error\|AddressSanitizer" "$TMP"/agent-h*.log >/dev/null && fail "an agent logged an error: $(grep -h Error "$TMP"/agent-h*.log | head -3)"
	true
}

# etcd with authentication: the agent logs in with the password from its file (never printed);
# a wrong password is a clear error and changes nothing. A single member of its own.
t_auth() {
	local url=http://$ETCD_IP:23794 pw="s3cret-$RUN_ID" pid
	bg_in_ns sw etcd --name ea --data-dir "$TMP/etcd-auth" --listen-client-urls "$url" \
		--advertise-client-urls "$url" --listen-peer-urls "http://$ETCD_IP:23804" \
		--initial-advertise-peer-urls "http://$ETCD_IP:23804" \
		--initial-cluster "ea=http://$ETCD_IP:23804" >>"$TMP/etcd-auth.log" 2>&1
	pid=$BG_PID
	CTL_EPS=$url etcd_healthy || { fail "the auth member did not start"; return; }
	CTL_EPS=$url ctl user add root --new-user-password="$pw" >/dev/null &&
		CTL_EPS=$url ctl role add root >/dev/null 2>&1 &&
		CTL_EPS=$url ctl user grant-role root root >/dev/null &&
		CTL_EPS=$url ctl auth enable >/dev/null || { fail "enabling auth failed"; return; }
	actl() { CTL_EPS=$url ctl --user "root:$pw" "$@"; }
	actl put -- "${PFX}subnets/5001" '{"vsid":5001,"rdid":1,"prefix":"10.0.0.0/24","gateway":"10.0.0.254"}' >/dev/null
	actl put -- "${PFX}records/5001/10.0.0.42" "$(rec_json 10.0.0.42 192.0.2.3)" >/dev/null
	printf 'wrong\n' >"$TMP/bad-password"
	bg_in_ns h1 "$NVCTL" --pin-dir "$(pin_dir h1)" agent run etcd "$url" prefix "$PFX" host h1 \
		user root password-file "$TMP/bad-password" 2>"$TMP/agent-auth-bad.log"
	AGENT_PID[h1]=$BG_PID
	sleep 1.5
	case "$(status h1 state)/$(status h1 last_error)" in
	disconnected/*"authentication failed"*) ;;
	*) fail "wrong password: state $(status h1 state), last error $(status h1 last_error)" ;;
	esac
	has_record h1 10.0.0.42 && fail "a record applied with a wrong password"
	agent_stop h1
	printf '%s\n' "$pw" >"$TMP/password"
	chmod 600 "$TMP/password"
	bg_in_ns h1 "$NVCTL" --pin-dir "$(pin_dir h1)" agent run etcd "$url" prefix "$PFX" host h1 \
		user root password-file "$TMP/password" 2>"$TMP/agent-auth.log"
	AGENT_PID[h1]=$BG_PID
	wait_record h1 10.0.0.42 || fail "the record in the auth store did not land: $(tail -3 "$TMP/agent-auth.log")"
	actl put -- "${PFX}records/5001/10.0.0.43" "$(rec_json 10.0.0.43 192.0.2.3)" >/dev/null
	wait_record h1 10.0.0.43 || fail "a put watched through auth did not land"
	grep -q "$pw" "$TMP"/agent-auth*.log && fail "the password is in the agent's log"
	grep -q "$pw" "$(agent_status_file h1)" && fail "the password is in the status file"
	agent_stop h1
	bg_stop "$pid" TERM
}

# etcd over TLS with client certificates (a CA of the test's own, made with openssl): the agent
# verifies the server against cacert and presents cert and key; without them it is refused.
t_tls() {
	local d=$TMP/tls url=https://$ETCD_IP:23795 pid r
	mkdir -p "$d"
	(
		cd "$d" &&
			openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=nvgre-test-ca \
				-keyout ca.key -out ca.pem &&
			openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout server.key -out server.csr &&
			printf 'subjectAltName=IP:%s\n' "$ETCD_IP" >server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
				-extfile server.ext -out server.pem &&
			openssl req -newkey rsa:2048 -nodes -subj /CN=agent -keyout client.key -out client.csr &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
				-out client.pem
	) >"$d/openssl.log" 2>&1 || { fail "openssl: $(tail -3 "$d/openssl.log")"; return; }
	bg_in_ns sw etcd --name et --data-dir "$TMP/etcd-tls" --listen-client-urls "$url" \
		--advertise-client-urls "$url" --listen-peer-urls "http://$ETCD_IP:23805" \
		--initial-advertise-peer-urls "http://$ETCD_IP:23805" \
		--initial-cluster "et=http://$ETCD_IP:23805" --cert-file "$d/server.pem" \
		--key-file "$d/server.key" --trusted-ca-file "$d/ca.pem" --client-cert-auth \
		>>"$TMP/etcd-tls.log" 2>&1
	pid=$BG_PID
	tctl() { CTL_EPS=$url ctl --cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key" "$@"; }
	for r in $(seq 100); do
		tctl endpoint health >/dev/null 2>&1 && break
		sleep 0.1
	done
	tctl put -- "${PFX}subnets/5001" '{"vsid":5001,"rdid":1,"prefix":"10.0.0.0/24","gateway":"10.0.0.254"}' >/dev/null &&
		tctl put -- "${PFX}records/5001/10.0.0.44" "$(rec_json 10.0.0.44 192.0.2.3)" >/dev/null ||
		{ fail "etcdctl over TLS failed: $(tail -3 "$TMP/etcd-tls.log")"; return; }
	# No client certificate: the server refuses the handshake.
	bg_in_ns h2 "$NVCTL" --pin-dir "$(pin_dir h2)" agent run etcd "$url" prefix "$PFX" host h2 \
		cacert "$d/ca.pem" 2>"$TMP/agent-tls-bad.log"
	AGENT_PID[h2]=$BG_PID
	sleep 1.5
	expect_eq "h2 without a client certificate: state" disconnected "$(status h2 state)"
	has_record h2 10.0.0.44 && fail "a record applied without a client certificate"
	agent_stop h2
	bg_in_ns h2 "$NVCTL" --pin-dir "$(pin_dir h2)" agent run etcd "$url" prefix "$PFX" host h2 \
		cacert "$d/ca.pem" cert "$d/client.pem" key "$d/client.key" 2>"$TMP/agent-tls.log"
	AGENT_PID[h2]=$BG_PID
	wait_record h2 10.0.0.44 || fail "the record over TLS did not land: $(tail -3 "$TMP/agent-tls.log")"
	tctl put -- "${PFX}records/5001/10.0.0.45" "$(rec_json 10.0.0.45 192.0.2.3)" >/dev/null
	wait_record h2 10.0.0.45 || fail "a put watched over TLS did not land"
	agent_stop h2
	bg_stop "$pid" TERM
}

main() {
	local t0=$SECONDS run_dir_was=0
	[ -d /run/nvgre-xdp ] && run_dir_was=1 # the agents' status directory: ours to remove if new
	topo_log "agent e2e run $RUN_ID: 3 hosts, a 3-member etcd cluster, prefix $PFX"
	world_up
	topo_log "topology up in $((SECONDS - t0)) s"
	run_test "etcd: a 3-member cluster on the underlay, healthy" t_cluster
	run_test "agents on h1 h2 h3: listed the empty prefix, watching" t_agents_start
	run_test "keys written with etcdctl land: VMs ping across hosts, a route, ports per host" t_keys_land
	run_test "a record's key deleted: its traffic stops; put back: it flows" t_delete_stops
	run_test "the gateway's keys of h3: a leg on gx0 (nv_from_ext), its NAT and mapping, changed, deleted" t_gateway_keys
	run_test "a record moved to another PA by etcdctl put under a 100/s ping: at most 2 lost" t_move_record
	run_test "garbage values and keys: skipped, counted, logged by key; the rest applied" t_garbage
	run_test "compaction while an agent is stopped, then restart: it converges" t_compaction_while_stopped
	run_test "a member of the 3 killed: the agent fails over and goes on" t_failover
	run_test "etcd stopped entirely: forwarding goes on, the agent recovers when it returns" t_etcd_down
	run_test "dp detach + attach (a reboot): the agent restores the host from the store" t_reattach
	run_test "metrics: nvgre_agent_* families from the agent's status" t_metrics
	run_test "the agent and nvctl writing h1 at once: 100 + 48 records, each once, none failed" t_concurrent_writers
	run_test "SIGTERM: every agent exits 0 and removes its status file" t_stop_clean
	run_test "etcd auth: the password from a file logs in, a wrong one is refused, none printed" t_auth
	run_test "etcd over TLS with client certificates: cacert, cert and key; none: refused" t_tls
	netns_cleanup
	[ "$run_dir_was" = 1 ] || rmdir /run/nvgre-xdp 2>/dev/null || true
	topo_log "agent e2e run took $((SECONDS - t0)) s"
	tap_done
}

[ "${E2E_SOURCE_ONLY:-0}" = 1 ] || main
