#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# nvctl against a real attached datapath, in a private network namespace and a private pin
# directory: every bad input (exit code, "Error: " naming the bad argument, {"error": ...} under -j,
# maps and hooks unchanged afterwards), the good paths (add/show/del in text and JSON, help), and
# batch files (all or nothing, ports included).
# Usage: tests/cli/test_nvctl.sh [BUILD_DIR]   (default: build). As root.
# Prints "ok N - name" / "not ok N - name" per test, then "N passed, M failed"; exits 1 on failure.
set -u

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cli_preamble nvgre-cli "${1:-build}" ip tc nsenter timeout python3

# ---- the private world (lib.sh: the host namespace, PIN), its devices ----
PIN2="$PIN-other" # never attached, or attached and detached inside one test
pin_own "$PIN2" host
pin_own "$PIN-noop"
DEVS="ul0 vm1 vm2 vm3 gw0 gw1 gw2" # gw*: the gateway's external devices
# shellcheck disable=SC2016 # expanded by the shell in the namespace
in_host sh -ec '
	ip link add ul0 type veth peer name ul1
	for v in vm1 vm2 vm3 gw0 gw1 gw2; do ip link add $v type veth peer name ${v}p; done
	for d in ul0 ul1 vm1 vm1p vm2 vm2p vm3 vm3p gw0 gw0p gw1 gw1p gw2 gw2p; do ip link set $d up; done' || die "devices"

# ---- running nvctl (lib.sh: nvraw, nv, nv_ok, nv_none): RC, OUT (stdout), ERR (stderr) ----
nv_pin2() { nvraw "$PIN2" "$@"; }
nv_nobody()
{
	if command -v setpriv >/dev/null 2>&1; then
		OUT=$(in_host setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$NVCTL" --pin-dir "$PIN" "$@" <"$STDIN" 2>"$TMP/stderr")
	else
		local q="" a
		for a in "$@"; do q="$q '$a'"; done
		OUT=$(in_host su nobody -s /bin/sh -c "'$NVCTL' --pin-dir '$PIN' $q" \
			<"$STDIN" 2>"$TMP/stderr")
	fi
	RC=$?
	ERR=$(<"$TMP/stderr")
}

# Everything a command could change (tap.sh's bad and same_as compare it): the maps as nvctl
# shows them, the TC hooks and qdiscs of every device, the XDP program of the underlay.
snapshot()
{
	# One shell in the namespace, few processes: this runs twice per bad input. One argument per
	# device in DEVS.
	# shellcheck disable=SC2016,SC2086
	in_host sh -c 'nvctl=$1 pin=$2
	shift 2
	for o in record port subnet route pa gateway "gateway route" nat; do
		out=$("$nvctl" --pin-dir "$pin" -j $o show 2>&1)
		echo "$o ($?): $out"
	done
	tc qdisc show | grep -v noqueue
	for d in "$@"; do
		tc filter show dev $d ingress | while read -r l; do echo "ingress $d: $l"; done
	done
	ip -d -o link show | grep -o -e "^[0-9]*: [^:]*" -e "prog/xdp id [0-9]*"' \
		sh "$NVCTL" "$PIN" $DEVS
}
# The same without the program ids, which dp reload changes.
snapshot_maps() { snapshot | grep -v -e '^ingress' -e '^prog/xdp'; }

# bad NAME RC WORD ARGS... (tap.sh): through $RUNNER (default nv), JSON unless NOJSON=1.

# =====================================================================================
# Attach, and a base configuration the bad inputs run against.
# PA 192.0.2.1 (main, local). Subnets 5001 (rdid 1, 10.0.0.0/24, gateway 10.0.0.254: the CAs
# below start at .1) and 5002 (rdid 2, 10.0.0.0/8, gateway 10.255.255.254: another routing domain
# may reuse the prefixes of the first). Records: 10.0.0.1 in 5001 at our PA (vm1's), 10.0.0.2 in
# 5001 at a remote PA, 10.0.0.3 in 5001 at our PA (no port). Port vm1 bound to 10.0.0.1.
# =====================================================================================
# xdp-mode native: the default (auto) leaves XDP out on a veth, and these cases cover both stages.
begin "dp attach dev ul0 pa 192.0.2.1 xdp-mode native"
nv_ok dp attach dev ul0 pa 192.0.2.1 xdp-mode native
[ -z "$OUT" ] || fail "attach printed: $OUT"
[ -d "$PIN" ] || fail "$PIN not created"
end

[ "$RC" -eq 0 ] || tap_bail "cannot go on without a datapath"

begin "dp show: text names the underlay, PA, programs"
nv_ok dp show
for w in "$PIN" ul0 192.0.2.1 nv_from_wire nv_wire_tc "ttl 64" "hands over to TC with"; do
	case $OUT in *"$w"*) ;; *) fail "no '$w' in: $OUT" ;; esac
done
end

# Whether the kernel lets XDP write metadata is the loader's probe; the loaded program tells it
# independently: the verifier removes the metadata path it proved dead, helper call and all.
begin "dp show -j: xdp.metadata says whether the loaded nv_from_wire can call bpf_xdp_adjust_meta"
nv_ok -j dp show
id=$(printf '%s' "$OUT" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["xdp"]["id"])')
want=False
in_host bpftool prog dump xlated id "$id" | grep -q 'call bpf_xdp_adjust_meta' && want=True
printf '%s' "$OUT" | json_true "d['xdp']['metadata'] == $want" ||
	fail "xdp.metadata, the loaded program calls bpf_xdp_adjust_meta: $want: $OUT"
note "this kernel: XDP metadata $want"
end

# The MTU a VM should use follows the underlay's as it is now: read at each show, never cached.
begin "dp show: the underlay's MTU, NVGRE's overhead and the VM MTU they leave"
nv_ok dp show
case $OUT in *"mtu 1500  NVGRE overhead 42  VM MTU 1458"*) ;; *) fail "no MTU line: $OUT" ;; esac
in_host ip link set ul0 mtu 9000
nv_ok -j dp show
in_host ip link set ul0 mtu 1500
printf '%s' "$OUT" | json_true "d['underlay']['mtu'] == 9000 and d['underlay']['overhead'] == 42 and d['underlay']['vm_mtu'] == 8958" ||
	fail "underlay MTU 9000: $OUT"
end

begin "dp show -j and -j -p: JSON with the underlay, PA, program ids"
for opts in "-j" "-j -p"; do
	# shellcheck disable=SC2086
	nv_ok $opts dp show
	printf '%s' "$OUT" | json_true "d['pin_dir'] == '$PIN' and d['underlay']['dev'] == 'ul0' and d['underlay']['pa'] == '192.0.2.1' and d['underlay']['ttl'] == 64 and d['xdp']['id'] > 0 and d['tc']['id'] > 0 and d['maps']['local_pas'] == 1" ||
		fail "$opts: unexpected JSON: $OUT"
done
[ "$(printf '%s\n' "$OUT" | wc -l)" -gt 1 ] || fail "-j -p is not indented: $OUT"
end

begin "base configuration"
nv_ok subnet add vsid 5001 rdid 1 prefix 10.0.0.0/24 gateway 10.0.0.254
nv_ok subnet add vsid 5002 rdid 2 prefix 10.0.0.0/8 gateway 10.255.255.254
nv_ok record add vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01 pa 192.0.2.1
nv_ok record add vsid 5001 ca 10.0.0.2 mac 02:00:00:00:00:02 pa 192.0.2.2
nv_ok record add vsid 5001 ca 10.0.0.3 mac 02:00:00:00:00:03 pa 192.0.2.1
nv_ok port add dev vm1 vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01
end

# =====================================================================================
# Bad inputs.
# =====================================================================================
R5="record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1"

# malformed addresses
bad "malformed CA" 2 10.0.0.300 record add vsid 5001 ca 10.0.0.300 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "malformed PA" 2 192.0.2 record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2
bad "CA with leading zero octets" 2 010.0.0.5 record add vsid 5001 ca 010.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "CA that is a name" 2 vm-five record del vsid 5001 ca vm-five
bad "CA 0.0.0.0 (port: only a record may be the wildcard)" 2 0.0.0.0 port add dev vm2 vsid 5001 ca 0.0.0.0 mac 02:00:00:00:00:05
bad "PA 0.0.0.0" 2 0.0.0.0 record add vsid 5001 ca 0.0.0.0 mac 02:00:00:00:00:05 pa 0.0.0.0
bad "multicast CA" 2 224.0.0.5 port add dev vm2 vsid 5001 ca 224.0.0.5 mac 02:00:00:00:00:05
bad "broadcast PA" 2 255.255.255.255 record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 255.255.255.255
bad "IPv6 CA (IPv4 only)" 2 2001:db8::5 record add vsid 5001 ca 2001:db8::5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "malformed pa add address" 2 192.0.2.300 pa add 192.0.2.300
bad "IPv6 local PA (IPv4 only)" 2 2001:db8::9 pa add 2001:db8::9
bad "pa add 0.0.0.0" 2 0.0.0.0 pa add 0.0.0.0
bad "malformed pa del address" 2 not-an-ip pa del not-an-ip
bad "malformed dp attach pa" 2 1.2.3 dp attach dev vm3 pa 1.2.3
# malformed MACs
bad "MAC with a bad digit" 2 02:00:00:00:00:0g record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:0g pa 192.0.2.1
bad "MAC too short" 2 02:00:00:00:00 record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00 pa 192.0.2.1
bad "MAC with short groups" 2 2:0:0:0:0:5 port add dev vm2 vsid 5001 ca 10.0.0.5 mac 2:0:0:0:0:5
bad "MAC with dashes" 2 02-00-00-00-00-05 port add dev vm2 vsid 5001 ca 10.0.0.5 mac 02-00-00-00-00-05
bad "broadcast MAC" 2 ff:ff:ff:ff:ff:ff record add vsid 5001 ca 10.0.0.5 mac ff:ff:ff:ff:ff:ff pa 192.0.2.1
bad "multicast MAC" 2 01:00:5e:00:00:05 port add dev vm2 vsid 5001 ca 10.0.0.5 mac 01:00:5e:00:00:05
bad "all-zero MAC" 2 00:00:00:00:00:00 record add vsid 5001 ca 10.0.0.5 mac 00:00:00:00:00:00 pa 192.0.2.1
# VSIDs
bad "VSID 4095" 2 4095 subnet add vsid 4095 rdid 1
bad "VSID 16777215" 2 16777215 subnet add vsid 16777215 rdid 1
bad "VSID 0" 2 '"0"' record show vsid 0
bad "non-numeric VSID" 2 abc record add vsid abc ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "VSID with a suffix" 2 5001x subnet del vsid 5001x
bad "negative VSID" 2 -5001 stats show vsid -5001
bad "VSID past 32 bits" 2 4294972297 port add dev vm2 vsid 4294972297 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "non-numeric RDID" 2 one subnet add vsid 5003 rdid one
bad "TTL 0" 2 '"0"' dp attach dev vm3 pa 192.0.2.9 ttl 0
bad "TTL 256" 2 256 dp attach dev vm3 pa 192.0.2.9 ttl 256
bad "unknown deliver mode" 2 fast port add dev vm2 vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 deliver fast
bad "unknown xdp-mode" 2 hw dp attach dev vm3 pa 192.0.2.9 xdp-mode hw
# devices
bad "unknown device (port add)" 2 nosuchdev0 port add dev nosuchdev0 vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "unknown device (port del)" 2 nosuchdev0 port del dev nosuchdev0
bad "unknown device (pa add)" 2 nosuchdev0 pa add 192.0.2.9 dev nosuchdev0
bad "unknown device (dp attach)" 2 nosuchdev0 dp attach dev nosuchdev0 pa 192.0.2.9
bad "device name too long" 2 a-very-long-device-name port del dev a-very-long-device-name
# A device of the host's namespace is unknown inside ours.
hostdev=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2) } $2 !~ /^(lo|ul[01]|vm[0-9]p?)$/ { print $2; exit }')
if [ -n "$hostdev" ]; then
	bad "device of another network namespace" 2 "$hostdev" port del dev "$hostdev"
fi
# objects, commands, keywords
bad "unknown object" 2 frob frob show
bad "object given twice" 2 '"record"' record record show
bad "unknown command" 2 frob record frob
bad "object without a command" 2 record record
bad "no object" 2 "no object"
bad "help for an unknown object" 2 frob help frob
bad "duplicate keyword" 2 vsid record add vsid 5001 vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "duplicate keyword with another value" 2 ca record del vsid 5001 ca 10.0.0.1 ca 10.0.0.2
bad "unknown keyword" 2 color record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1 color red
bad "abbreviated keyword (no prefix matching)" 2 '"vs"' subnet add vs 5003 rdid 1
bad "keyword in capitals" 2 VSID subnet del VSID 5001
bad "missing required keyword (pa)" 2 "missing pa" record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "missing required keyword (rdid)" 2 "missing rdid" subnet add vsid 5003
bad "missing required keyword (dev)" 2 "missing dev" port del
bad "missing positional address" 2 "missing ADDR" pa del
bad "missing batch file" 2 FILE batch file
bad "keyword without value (last)" 2 pa record add vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 pa
bad "keyword without value (show filter)" 2 vsid record show vsid
# shellcheck disable=SC2086 # R5 is a command line: one word per argument
bad "extra argument after a full command" 2 extra $R5 extra
bad "extra argument to show" 2 extra subnet show extra
bad "extra argument to pa del" 2 extra pa del 192.0.2.1 extra
bad "extra argument to dp detach" 2 now dp detach now
bad "extra argument to stats reset" 2 all stats reset all
bad "extra argument to OBJECT help" 2 more port help more
bad "two batch files" 2 FILE batch file "$TMP/a" "$TMP/b"
# options
bad "unknown option" 2 --frob --frob subnet show
bad "unknown short option" 2 -x -x subnet show
bad "option given a value it does not take" 2 --json=1 --json=1 subnet show
bad "--pin-dir without a value" 2 --pin-dir --pin-dir
bad "empty --pin-dir" 2 pin-dir --pin-dir "" subnet show
NOJSON=1 bad "-p without -j" 2 -p -p subnet show
NOJSON=0
# runtime errors
bad "duplicate subnet" 1 5001 subnet add vsid 5001 rdid 7 prefix 10.7.0.0/24
bad "subnet add without a prefix" 2 "missing prefix" subnet add vsid 5005 rdid 3
bad "subnet prefix overlapping another subnet of its routing domain" 1 "overlaps 10.0.0.0/24 of vsid 5001" subnet add vsid 5005 rdid 1 prefix 10.0.0.0/16
bad "subnet prefix inside another subnet's of its routing domain" 1 "overlaps" subnet add vsid 5005 rdid 1 prefix 10.0.0.128/25
bad "subnet prefix with host bits" 2 10.5.0.1/24 subnet add vsid 5005 rdid 3 prefix 10.5.0.1/24
bad "subnet prefix without a length" 2 10.5.0.0 subnet add vsid 5005 rdid 3 prefix 10.5.0.0
bad "subnet prefix with no room for hosts" 1 10.5.0.0/31 subnet add vsid 5005 rdid 3 prefix 10.5.0.0/31
bad "subnet gateway outside its prefix" 1 10.6.0.1 subnet add vsid 5005 rdid 3 prefix 10.5.0.0/24 gateway 10.6.0.1
bad "subnet gateway is the broadcast" 1 10.5.0.255 subnet add vsid 5005 rdid 3 prefix 10.5.0.0/24 gateway 10.5.0.255
bad "subnet gateway without a prefix" 2 "missing prefix" subnet add vsid 5005 rdid 3 gateway 10.5.0.1
bad "subnet gateway MAC multicast" 2 03:00:00:00:00:01 subnet add vsid 5005 rdid 3 prefix 10.5.0.0/24 gateway-mac 03:00:00:00:00:01
bad "duplicate record" 1 10.0.0.1 record add vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01 pa 192.0.2.1
bad "duplicate record, other PA and MAC" 1 10.0.0.2 record add vsid 5001 ca 10.0.0.2 mac 02:00:00:00:00:22 pa 192.0.2.3
bad "duplicate port (same device)" 1 vm1 port add dev vm1 vsid 5002 ca 10.0.0.9 mac 02:00:00:00:00:09
bad "duplicate port (same CA in the VSID)" 1 10.0.0.1 port add dev vm2 vsid 5001 ca 10.0.0.1 mac 02:00:00:00:00:01
bad "duplicate pa" 1 192.0.2.1 pa add 192.0.2.1
bad "dp attach twice" 1 "$PIN" dp attach dev vm3 pa 192.0.2.9
bad "delete a subnet that does not exist" 1 5999 subnet del vsid 5999
bad "delete a record that does not exist" 1 10.0.0.99 record del vsid 5001 ca 10.0.0.99
bad "delete a record in another VSID" 1 5002 record del vsid 5002 ca 10.0.0.1
bad "delete a port that does not exist" 1 vm2 port del dev vm2
bad "delete a pa that does not exist" 1 192.0.2.99 pa del 192.0.2.99
bad "delete the main pa" 1 192.0.2.1 pa del 192.0.2.1
bad "subnet del while records and ports use it" 1 5001 subnet del vsid 5001
bad "record with a CA outside its subnet's prefix" 1 "ca 10.1.0.5 is outside prefix 10.0.0.0/24 of vsid 5001" record add vsid 5001 ca 10.1.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "record with the subnet's gateway CA" 1 "10.0.0.254 is the gateway of vsid 5001" record add vsid 5001 ca 10.0.0.254 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "port with a CA outside its subnet's prefix" 1 "outside prefix 10.0.0.0/24" port add dev vm2 vsid 5001 ca 10.1.0.5 mac 02:00:00:00:00:05
bad "port with the subnet's gateway CA" 1 "gateway" port add dev vm2 vsid 5001 ca 10.0.0.254 mac 02:00:00:00:00:05
bad "record in a VSID without subnet" 1 5999 record add vsid 5999 ca 10.0.0.5 mac 02:00:00:00:00:05 pa 192.0.2.1
bad "port in a VSID without subnet" 1 5999 port add dev vm2 vsid 5999 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "stats of a VSID without subnet" 1 5999 stats show vsid 5999
bad "MAC conflict: port add against a record at a local PA" 1 02:00:00:00:00:99 port add dev vm2 vsid 5001 ca 10.0.0.3 mac 02:00:00:00:00:99
bad "port on the underlay" 1 ul0 port add dev ul0 vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "port on loopback" 1 lo port add dev lo vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05
bad "batch file that does not exist" 1 "$TMP/nosuchfile" batch file "$TMP/nosuchfile"

# MAC conflicts that need their own setup: a port in 5002 whose record is at a PA that is not local.
# While a record's PA is not local its port may have another MAC (nothing is delivered locally);
# making the PA local would bind them.
begin "setup: vm2 in 5002 (10.2.0.1, MAC ...:22), its record at remote PA 192.0.2.77 (MAC ...:21)"
nv_ok record add vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:21 pa 192.0.2.77
nv_ok port add dev vm2 vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:22
end
begin "setup: vm3 in 5002 (10.2.0.3, MAC ...:23), no record"
nv_ok port add dev vm3 vsid 5002 ca 10.2.0.3 mac 02:00:00:00:00:23
end
bad "MAC conflict: record add against a port (local PA)" 1 02:00:00:00:00:99 record add vsid 5002 ca 10.2.0.3 mac 02:00:00:00:00:99 pa 192.0.2.1
bad "MAC conflict: pa add that would bind a port to a record with another MAC" 1 192.0.2.77 pa add 192.0.2.77
begin "setup: undo vm2 and vm3"
nv_ok port del dev vm3
nv_ok port del dev vm2
nv_ok record del vsid 5002 ca 10.2.0.1
end

# not root, no instance
RUNNER=nv_nobody bad "not root" 1 root subnet show
RUNNER=nv_nobody bad "not root, changing something" 1 root subnet add vsid 5003 rdid 1 prefix 10.3.0.0/24
RUNNER=nv_none bad "no instance attached (show)" 1 "$PIN-none" record show
RUNNER=nv_none bad "no instance attached (add)" 1 "$PIN-none" subnet add vsid 5003 rdid 1 prefix 10.3.0.0/24
RUNNER=nv_none bad "no instance attached (route add)" 1 "$PIN-none" route add rdid 1 prefix 10.3.0.0/24 vsid 5001
RUNNER=nv_none bad "no instance attached (dp detach)" 1 "$PIN-none" dp detach
RUNNER=nv_none bad "no instance attached (dp show)" 1 "$PIN-none" dp show
begin "no instance: nothing created at the other pin dir"
[ ! -e "$PIN-none" ] || fail "$PIN-none exists"
end
RUNNER=nv
# attach failures leave nothing behind
RUNNER=nv_pin2 bad "dp attach on a device that carries another instance's underlay" 1 ul0 dp attach dev ul0 pa 192.0.2.9
RUNNER=nv_pin2 bad "dp attach on a device that is another instance's port" 1 vm1 dp attach dev vm1 pa 192.0.2.9
# A pin dir that holds another ABI version's datapath (as an older nvctl leaves it): refused by name.
PIN_OLD="$PIN-oldabi"
pin_own "$PIN_OLD"
mkdir -p "$PIN_OLD/maps-v3" || die "mkdir $PIN_OLD/maps-v3"
nv_old() { nvraw "$PIN_OLD" "$@"; }
RUNNER=nv_old bad "dp attach where a datapath of another ABI version is pinned" 1 "ABI v3" dp attach dev vm3 pa 192.0.2.9
begin "another ABI version's pins: left as they were, nothing of ours beside them"
[ -d "$PIN_OLD/maps-v3" ] || fail "maps-v3 is gone"
[ "$(ls "$PIN_OLD")" = maps-v3 ] || fail "$PIN_OLD holds: $(ls "$PIN_OLD")"
end
rm -rf "$PIN_OLD"
RUNNER=nv
# A foreign XDP program (the bench's no-op, loaded by bpftool, not by libxdp) on vm3. bpftool is
# a build dependency: failing to set this up is a failure, not a reason to skip.
if bpftool prog load "$build/bpf/noop.bpf.o" "$PIN-noop" type xdp &&
	in_host bpftool net attach xdpgeneric pinned "$PIN-noop" dev vm3; then
	RUNNER=nv_pin2 bad "dp attach on a device where another XDP program is" 1 vm3 dp attach dev vm3 pa 192.0.2.9 xdp-mode skb
	in_host bpftool net detach xdpgeneric dev vm3
else
	fail "bpftool could not put $build/bpf/noop.bpf.o on vm3 (the foreign XDP program case)"
fi
rm -f "$PIN-noop"
RUNNER=nv
begin "failed attaches: nothing pinned at the other pin dir"
[ ! -e "$PIN2" ] || fail "$PIN2 exists: $(ls -R "$PIN2")"
end

# =====================================================================================
# Good paths: add, show (text, -j, -j -p), del, for every object.
# =====================================================================================
snap "$TMP/base"

# shows OBJECT PY_EXPR TEXT_WORDS...: -j and -j -p parse and satisfy PY_EXPR, the text has the words.
# OBJECT may be a group's two words ("gateway route").
shows()
{
	local obj=$1 expr=$2 opts w
	shift 2
	for opts in "-j" "-j -p"; do
		# shellcheck disable=SC2086
		nv $opts $obj show
		[ "$RC" -eq 0 ] || fail "$opts $obj show: exit $RC: $ERR"
		printf '%s' "$OUT" | json_true "$expr" || fail "$opts $obj show: not ($expr): $OUT"
	done
	# shellcheck disable=SC2086 # OBJECT may be a group's two words (gateway route)
	nv $obj show
	[ "$RC" -eq 0 ] || fail "$obj show: exit $RC: $ERR"
	for w in "$@"; do
		printf '%s\n' "$OUT" | grep -q -- "$w" || fail "$obj show: no '$w' in: $OUT"
	done
}

begin "subnet add/show/del"
nv_ok subnet add vsid 5003 rdid 4294967295 prefix 10.3.0.0/24
[ -z "$OUT" ] || fail "subnet add printed: $OUT"
shows subnet "{'vsid': 5003, 'rdid': 4294967295, 'prefix': '10.3.0.0/24', 'gateway': '10.3.0.1', 'gateway_mac': '02:4e:56:00:13:8b'} in d" "^5003  *4294967295  *10.3.0.0/24  *10.3.0.1  *02:4e:56:00:13:8b$" "^VSID  *RDID  *PREFIX  *GATEWAY  *GATEWAY-MAC$"
nv_ok subnet del vsid 5003
shows subnet "not [s for s in d if s['vsid'] == 5003]"
nv_ok subnet add vsid 0x138c rdid 0x10 prefix 10.4.0.0/24
shows subnet "{'vsid': 5004, 'rdid': 16, 'prefix': '10.4.0.0/24', 'gateway': '10.4.0.1', 'gateway_mac': '02:4e:56:00:13:8c'} in d"
nv_ok subnet del vsid 005004
shows subnet "not [s for s in d if s['vsid'] == 5004]"
end

begin "subnet add with a prefix: gateway and its MAC default, or as given"
nv_ok subnet add vsid 5005 rdid 3 prefix 10.5.0.0/24
shows subnet "{'vsid': 5005, 'rdid': 3, 'prefix': '10.5.0.0/24', 'gateway': '10.5.0.1', 'gateway_mac': '02:4e:56:00:13:8d'} in d" \
	"^5005  *3  *10.5.0.0/24  *10.5.0.1  *02:4e:56:00:13:8d$"
nv_ok subnet add vsid 5006 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254 gateway-mac 02:aa:00:00:00:06
shows subnet "{'vsid': 5006, 'rdid': 3, 'prefix': '10.6.0.0/16', 'gateway': '10.6.255.254', 'gateway_mac': '02:aa:00:00:00:06'} in d"
nv_ok subnet add vsid 5007 rdid 3 prefix fd00:7::/64
shows subnet "[s for s in d if s['vsid'] == 5007 and s['prefix'] == 'fd00:7::/64' and s['gateway'] == 'fd00:7::1']"
nv_ok subnet del vsid 5005
nv_ok subnet del vsid 5006
nv_ok subnet del vsid 5007
end

begin "subnet add at the edges of the VSID range"
nv_ok subnet add vsid 4096 rdid 9 prefix 10.40.0.0/24
nv_ok subnet add vsid 16777214 rdid 9 prefix 10.41.0.0/24
shows subnet "[s['rdid'] for s in d if s['vsid'] in (4096, 16777214)] == [9, 9]"
nv_ok subnet del vsid 4096
nv_ok subnet del vsid 16777214
end

begin "pa add/show/del"
nv_ok pa add 192.0.2.2 dev vm3
nv_ok pa add 198.51.100.1
shows pa "[p for p in d if p['pa'] == '192.0.2.2' and p['dev'] == 'vm3' and p['ifindex'] > 0] and [p for p in d if p['pa'] == '198.51.100.1' and p['dev'] == 'ul0']" \
	"^192.0.2.2 .*vm3$" "^198.51.100.1 .*ul0$" "^192.0.2.1 .*ul0$"
end
begin "pa add binds the record at that PA (local_pa true), pa del unbinds it"
nv_ok -j record show vsid 5001
printf '%s' "$OUT" | json_true "[r for r in d if r['ca'] == '10.0.0.2' and r['local_pa'] and r['port'] is None]" ||
	fail "record of 10.0.0.2 not local: $OUT"
nv_ok pa del 192.0.2.2
nv_ok pa del 198.51.100.1
nv_ok -j record show vsid 5001
printf '%s' "$OUT" | json_true "[r for r in d if r['ca'] == '10.0.0.2' and not r['local_pa']]" ||
	fail "record of 10.0.0.2 still local: $OUT"
shows pa "[p['pa'] for p in d] == ['192.0.2.1']"
end

begin "record add/show/del"
nv_ok record add vsid 5002 ca 10.0.0.1 mac 02:00:00:00:00:01 pa 203.0.113.7
shows record "{'vsid': 5002, 'ca': '10.0.0.1', 'mac': '02:00:00:00:00:01', 'pa': '203.0.113.7', 'local_pa': False, 'port': None} in d" \
	"^5002 .*10.0.0.1 .*02:00:00:00:00:01 .*203.0.113.7 .*-$" \
	"^5001 .*10.0.0.1 .*02:00:00:00:00:01 .*192.0.2.1 .*vm1$" "^VSID .*CA .*MAC .*PA .*PORT"
nv_ok -j record show vsid 5002
printf '%s' "$OUT" | json_true "len(d) == 1 and d[0]['vsid'] == 5002" || fail "vsid filter: $OUT"
nv_ok record show vsid 5002
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "vsid filter, text: $OUT"
nv_ok record del vsid 5002 ca 10.0.0.1
shows record "not [r for r in d if r['vsid'] == 5002] and len(d) == 3"
end

begin "record add with an upper-case MAC shows it in lower case"
nv_ok record add vsid 5002 ca 10.0.0.8 mac 02:AB:CD:EF:00:08 pa 203.0.113.8
shows record "[r for r in d if r['ca'] == '10.0.0.8' and r['mac'] == '02:ab:cd:ef:00:08']"
nv_ok record del vsid 5002 ca 10.0.0.8
end

begin "record add ca 0.0.0.0: the routing domain's gateway wildcard, one per RDID"
nv_ok record add vsid 5001 ca 0.0.0.0 mac 02:00:00:00:00:fe pa 192.0.2.50
shows record "{'vsid': 5001, 'ca': '0.0.0.0', 'mac': '02:00:00:00:00:fe', 'pa': '192.0.2.50', 'local_pa': False, 'port': None} in d" \
	"^5001 .*0.0.0.0 .*02:00:00:00:00:fe .*192.0.2.50 .*-$"
nv_ok record add vsid 5002 ca 0.0.0.0 mac 02:00:00:00:00:fe pa 192.0.2.50
end
begin "setup: subnet 5010 (rdid 1, 10.10.0.0/24), records of a VM there and of a router VM in 5001"
nv_ok subnet add vsid 5010 rdid 1 prefix 10.10.0.0/24
nv_ok record add vsid 5010 ca 10.10.0.5 mac 02:00:00:00:10:05 pa 192.0.2.5
nv_ok record add vsid 5001 ca 10.0.0.9 mac 02:00:00:00:00:09 pa 192.0.2.9
end
bad "a second gateway wildcard in the routing domain" 1 "rdid 1 already has its gateway wildcard record" record add vsid 5010 ca 0.0.0.0 mac 02:00:00:00:00:fd pa 192.0.2.51
begin "record del ca 0.0.0.0"
nv_ok record del vsid 5001 ca 0.0.0.0
nv_ok record del vsid 5002 ca 0.0.0.0
shows record "not [r for r in d if r['ca'] == '0.0.0.0']"
end

begin "route show: every subnet's on-link route, flagged subnet, active"
shows route "{'rdid': 1, 'prefix': '10.0.0.0/24', 'nexthop': None, 'vsid': 5001, 'metric': 0, 'subnet': True, 'active': True} in d and {'rdid': 1, 'prefix': '10.10.0.0/24', 'nexthop': None, 'vsid': 5010, 'metric': 0, 'subnet': True, 'active': True} in d and {'rdid': 2, 'prefix': '10.0.0.0/8', 'nexthop': None, 'vsid': 5002, 'metric': 0, 'subnet': True, 'active': True} in d and len(d) == 3" \
	"^RDID  *PREFIX  *VIA  *VSID  *METRIC  *FLAGS  *ACTIVE$" \
	"^1  *10.0.0.0/24  *on-link  *5001  *0  *subnet  *yes$" \
	"^2  *10.0.0.0/8  *on-link  *5002  *0  *subnet  *yes$"
nv_ok -j route show rdid 2
printf '%s' "$OUT" | json_true "[r['prefix'] for r in d] == ['10.0.0.0/8']" || fail "rdid filter: $OUT"
nv_ok route show rdid 7
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ] || fail "rdid 7 has routes: $OUT"
end

begin "route add on-link (vsid) and via a next hop: shown, with the next hop's VSID"
nv_ok route add rdid 1 prefix 10.20.0.0/16 vsid 5010
[ -z "$OUT" ] || fail "route add printed: $OUT"
nv_ok route add rdid 1 prefix 0.0.0.0/0 nexthop 10.0.0.9
shows route "{'rdid': 1, 'prefix': '10.20.0.0/16', 'nexthop': None, 'vsid': 5010, 'metric': 0, 'subnet': False, 'active': True} in d and {'rdid': 1, 'prefix': '0.0.0.0/0', 'nexthop': '10.0.0.9', 'vsid': 5001, 'metric': 0, 'subnet': False, 'active': True} in d" \
	"^1  *10.20.0.0/16  *on-link  *5010  *0  *-  *yes$" \
	"^1  *0.0.0.0/0  *10.0.0.9  *5001  *0  *-  *yes$"
end

begin "route metric: the lowest metric of a prefix is active, whatever the order"
nv_ok route add rdid 1 prefix 10.20.0.0/16 nexthop 10.0.0.9 metric 5
nv_ok route add rdid 1 prefix 10.21.0.0/16 vsid 5010 metric 9
nv_ok route add rdid 1 prefix 10.21.0.0/16 nexthop 10.0.0.9 metric 4294967295
nv_ok route add rdid 1 prefix 10.21.0.0/16 nexthop 10.10.0.5 metric 7
shows route "[(r['nexthop'], r['metric'], r['active']) for r in d if r['prefix'] == '10.20.0.0/16'] == [(None, 0, True), ('10.0.0.9', 5, False)] and [(r['nexthop'], r['vsid'], r['metric'], r['active']) for r in d if r['prefix'] == '10.21.0.0/16'] == [('10.10.0.5', 5010, 7, True), (None, 5010, 9, False), ('10.0.0.9', 5001, 4294967295, False)]" \
	"^1  *10.20.0.0/16  *10.0.0.9  *5001  *5  *-  *no$" \
	"^1  *10.21.0.0/16  *10.10.0.5  *5010  *7  *-  *yes$"
end

# Bad routes (the routes above in place).
bad "route add with both vsid and nexthop" 2 "not both" route add rdid 1 prefix 10.30.0.0/16 vsid 5010 nexthop 10.0.0.9
bad "route add with neither vsid nor nexthop" 2 "missing vsid (on-link) or nexthop" route add rdid 1 prefix 10.30.0.0/16
bad "route add with a prefix with host bits" 2 10.30.0.1/16 route add rdid 1 prefix 10.30.0.1/16 vsid 5010
bad "route add with a prefix without a length" 2 10.30.0.0 route add rdid 1 prefix 10.30.0.0 vsid 5010
bad "route add with a prefix length over 32" 2 10.30.0.0/33 route add rdid 1 prefix 10.30.0.0/33 vsid 5010
bad "route add with a prefix that is a name" 2 default route add rdid 1 prefix default nexthop 10.0.0.9
bad "route add with an IPv6 prefix (IPv4 only)" 2 fd00:30::/64 route add rdid 1 prefix fd00:30::/64 vsid 5010
bad "route add with next hop 0.0.0.0" 2 0.0.0.0 route add rdid 1 prefix 10.30.0.0/16 nexthop 0.0.0.0
bad "route add with a malformed next hop" 2 10.0.0.300 route add rdid 1 prefix 10.30.0.0/16 nexthop 10.0.0.300
bad "route add with a metric past 32 bits" 2 4294967296 route add rdid 1 prefix 10.30.0.0/16 vsid 5010 metric 4294967296
bad "route add with a VSID out of range" 2 4095 route add rdid 1 prefix 10.30.0.0/16 vsid 4095
bad "route add without rdid" 2 "missing rdid" route add prefix 10.30.0.0/16 vsid 5010
bad "route add without prefix" 2 "missing prefix" route add rdid 1 vsid 5010
bad "route del without prefix" 2 "missing prefix" route del rdid 1
bad "route del with vsid (not its keyword)" 2 '"vsid"' route del rdid 1 prefix 10.20.0.0/16 vsid 5010
bad "route show with a bad rdid" 2 one route show rdid one
bad "route add into a VSID without subnet" 1 5999 route add rdid 1 prefix 10.30.0.0/16 vsid 5999
bad "route add into a VSID of another routing domain" 1 "vsid 5002 is in rdid 2" route add rdid 1 prefix 10.30.0.0/16 vsid 5002
bad "route add via a next hop without record" 1 "next hop 10.0.0.77 has no record in rdid 1" route add rdid 1 prefix 10.30.0.0/16 nexthop 10.0.0.77
bad "route add via a next hop recorded in another routing domain only" 1 "next hop 10.10.0.5 has no record in rdid 2" route add rdid 2 prefix 10.30.0.0/16 nexthop 10.10.0.5
bad "route add that exists (same prefix and next hop)" 1 "already has a route 10.20.0.0/16" route add rdid 1 prefix 10.20.0.0/16 nexthop 10.0.0.9 metric 3
bad "route add on-link to a subnet's prefix (its on-link route exists)" 1 "already has a route 10.0.0.0/24" route add rdid 1 prefix 10.0.0.0/24 vsid 5001
bad "route del without nexthop where the prefix has several routes" 1 "name the next hop" route del rdid 1 prefix 10.20.0.0/16
bad "route del of a subnet's on-link route" 1 "on-link route of vsid 5001" route del rdid 1 prefix 10.0.0.0/24
bad "route del of a subnet's on-link route (another RDID)" 1 "on-link route of vsid 5002" route del rdid 2 prefix 10.0.0.0/8
bad "route del of a prefix without routes" 1 "rdid 1 has no route 10.30.0.0/16" route del rdid 1 prefix 10.30.0.0/16
bad "route del with a next hop the prefix does not have" 1 "has no route 10.20.0.0/16" route del rdid 1 prefix 10.20.0.0/16 nexthop 10.10.0.5
bad "route del in another routing domain" 1 "rdid 2 has no route 10.20.0.0/16" route del rdid 2 prefix 10.20.0.0/16
begin "setup: subnet 5011 with no record, an on-link route into it"
nv_ok subnet add vsid 5011 rdid 1 prefix 10.11.0.0/24
nv_ok route add rdid 1 prefix 10.22.0.0/16 vsid 5011
end
bad "subnet del while a route goes into it" 1 "still used by the route 10.22.0.0/16" subnet del vsid 5011

begin "route del: by next hop, then the prefix's only one without it; traffic routes go, subnets' stay"
nv_ok route del rdid 1 prefix 10.20.0.0/16 nexthop 10.0.0.9
[ -z "$OUT" ] || fail "route del printed: $OUT"
shows route "[(r['nexthop'], r['active']) for r in d if r['prefix'] == '10.20.0.0/16'] == [(None, True)]"
nv_ok route del rdid 1 prefix 10.20.0.0/16
nv_ok route del rdid 1 prefix 0.0.0.0/0
nv_ok route del rdid 1 prefix 10.21.0.0/16 nexthop 10.10.0.5
shows route "[(r['nexthop'], r['metric'], r['active']) for r in d if r['prefix'] == '10.21.0.0/16'] == [(None, 9, True), ('10.0.0.9', 4294967295, False)]"
nv_ok route del rdid 1 prefix 10.21.0.0/16 nexthop 10.0.0.9
nv_ok route del rdid 1 prefix 10.21.0.0/16
nv_ok route del rdid 1 prefix 10.22.0.0/16
shows route "sorted((r['rdid'], r['prefix']) for r in d) == [(1, '10.0.0.0/24'), (1, '10.10.0.0/24'), (1, '10.11.0.0/24'), (2, '10.0.0.0/8')] and all(r['subnet'] for r in d)"
end

begin "subnet del takes its on-link route; a prefix may be reused in another routing domain"
nv_ok subnet del vsid 5011
nv_ok record del vsid 5010 ca 10.10.0.5
nv_ok record del vsid 5001 ca 10.0.0.9
nv_ok subnet del vsid 5010
shows route "sorted((r['rdid'], r['prefix']) for r in d) == [(1, '10.0.0.0/24'), (2, '10.0.0.0/8')]"
nv_ok subnet add vsid 5012 rdid 7 prefix 10.0.0.0/24
shows route "{'rdid': 7, 'prefix': '10.0.0.0/24', 'nexthop': None, 'vsid': 5012, 'metric': 0, 'subnet': True, 'active': True} in d"
nv_ok subnet del vsid 5012
shows route "not [r for r in d if r['rdid'] == 7]"
end

begin "port add/show/del (tc delivery, unbound: no record)"
nv_ok port add dev vm2 vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:21
[ "$OUT" = "port vm2: the VM's MTU should be 1458 (underlay MTU 1500 less NVGRE's 42 bytes)" ] ||
	fail "port add does not say the VM's MTU: $OUT"
shows port "[p for p in d if p['dev'] == 'vm2' and p['vsid'] == 5002 and p['rdid'] == 2 and p['ca'] == '10.2.0.1' and p['mac'] == '02:00:00:00:00:21' and p['deliver'] == 'tc' and p['pa'] is None and p['ifindex'] > 0]" \
	"^vm2 .*5002 .*2 .*10.2.0.1 .*02:00:00:00:00:21 .*tc .*-$" \
	"^vm1 .*5001 .*1 .*10.0.0.1 .*02:00:00:00:00:01 .*tc .*192.0.2.1$" "^DEV .*VSID .*RDID .*CA .*MAC .*DELIVER .*PA"
in_host tc filter show dev vm2 ingress | grep -q nv_from_vm || fail "no nv_from_vm filter on vm2"
nv_ok port del dev vm2
shows port "not [p for p in d if p['dev'] == 'vm2']"
in_host tc filter show dev vm2 ingress | grep -q . && fail "filter left on vm2: $(in_host tc filter show dev vm2 ingress)"
in_host tc qdisc show dev vm2 | grep -q clsact && fail "clsact left on vm2"
nv_ok -j port add dev vm2 vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:21
printf '%s' "$OUT" | json_true "d == {'dev': 'vm2', 'vm_mtu': 1458, 'underlay_mtu': 1500, 'overhead': 42}" ||
	fail "port add -j: $OUT"
nv_ok port del dev vm2
end

begin "port add/show/del (xdp delivery, bound through a record at the local PA)"
nv_ok record add vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:21 pa 192.0.2.1
nv_ok port add dev vm2 vsid 5002 ca 10.2.0.1 mac 02:00:00:00:00:21 deliver xdp
shows port "[p for p in d if p['dev'] == 'vm2' and p['deliver'] == 'xdp' and p['pa'] == '192.0.2.1']" \
	"^vm2 .*xdp .*192.0.2.1$"
shows record "[r for r in d if r['ca'] == '10.2.0.1' and r['port'] == 'vm2' and r['local_pa']]" \
	"^5002 .*10.2.0.1 .*vm2$"
nv_ok port del dev vm2
shows record "[r for r in d if r['ca'] == '10.2.0.1' and r['port'] is None]"
nv_ok record del vsid 5002 ca 10.2.0.1
end

begin "port on a device that has a clsact qdisc of its own: only our filter goes"
in_host tc qdisc add dev vm3 clsact
nv_ok port add dev vm3 vsid 5002 ca 10.2.0.3 mac 02:00:00:00:00:23
nv_ok port del dev vm3
in_host tc qdisc show dev vm3 | grep -q clsact || fail "the foreign clsact of vm3 was removed"
in_host tc filter show dev vm3 ingress | grep -q . && fail "filter left on vm3"
in_host tc qdisc del dev vm3 clsact
end

# A VM that went away with its veth leaves its port behind; only ifindex can name it then.
begin "port whose device is gone: shown as #IFINDEX, removed with port del ifindex"
in_host ip link add vm4 type veth peer name vm4p
nv_ok port add dev vm4 vsid 5002 ca 10.2.0.4 mac 02:00:00:00:00:24
gone=$(in_host ip -o link show dev vm4 | cut -d: -f1)
in_host ip link del vm4
shows port "[p for p in d if p['ifindex'] == $gone and p['dev'] is None and p['ca'] == '10.2.0.4']" "^#$gone .*10.2.0.4"
nv port add dev vm3 vsid 5002 ca 10.2.0.4 mac 02:00:00:00:00:24
[ "$RC" -eq 1 ] || fail "port add over the gone port: exit $RC"
case $ERR in *"port del ifindex $gone"*) ;; *) fail "no hint to port del ifindex: $ERR" ;; esac
printf 'port del ifindex %s\n' "$gone" >"$TMP/gone.batch"
nv batch file "$TMP/gone.batch"
[ "$RC" -eq 2 ] || fail "batch port del of a gone device: exit $RC, expected 2: $ERR"
case $ERR in "Error: line 1: "*"ifindex $gone"*) ;; *) fail "batch: $ERR" ;; esac
nv_ok port del ifindex "$gone"
shows port "not [p for p in d if p['ifindex'] == $gone]"
nv_ok port add dev vm3 vsid 5002 ca 10.2.0.4 mac 02:00:00:00:00:24
nv_ok port del ifindex "$(in_host ip -o link show dev vm3 | cut -d: -f1)"
in_host tc filter show dev vm3 ingress | grep -q . && fail "filter left on vm3"
end
bad "port del with both dev and ifindex" 2 "not both" port del dev vm1 ifindex 1
bad "port del ifindex 0" 2 '"0"' port del ifindex 0
bad "port del ifindex not a number" 2 vm1 port del ifindex vm1
bad "port del ifindex that is not a port" 1 "ifindex 1 " port del ifindex 1

begin "stats show/reset: text and JSON"
nv_ok stats show
printf '%s\n' "$OUT" | grep -q '^VSID .*TX_PACKETS' || fail "no header: $OUT"
printf '%s\n' "$OUT" | grep -q '^5001 ' || fail "no 5001: $OUT"
for opts in "-j" "-j -p"; do
	# shellcheck disable=SC2086
	nv_ok $opts stats show
	printf '%s' "$OUT" | json_true "sorted(v['vsid'] for v in d['vsids']) == [5001, 5002] and all(k in v for v in d['vsids'] for k in ('tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes')) and len(d['drops']) > 0 and all(r['code'] > 0 and r['reason'] for r in d['drops'])" ||
		fail "$opts stats show: $OUT"
done
nv_ok -j stats show vsid 5002
printf '%s' "$OUT" | json_true "[v['vsid'] for v in d['vsids']] == [5002]" || fail "vsid filter: $OUT"
nv_ok stats reset
nv_ok -j stats show
printf '%s' "$OUT" | json_true "all(r['packets'] == 0 for r in d['drops']) and all(v['tx_packets'] == 0 for v in d['vsids'])" ||
	fail "not zero after reset: $OUT"
end

begin "good paths leave the configuration as it was"
same_as "$TMP/base"
end

begin "NVCTL_PIN_DIR selects the instance, --pin-dir wins over it"
OUT=$(NVCTL_PIN_DIR="$PIN" in_host "$NVCTL" -j subnet show 2>&1)
printf '%s' "$OUT" | json_true "[s for s in d if s['vsid'] == 5001 and s['rdid'] == 1]" || fail "NVCTL_PIN_DIR: $OUT"
OUT=$(NVCTL_PIN_DIR="$PIN-none" in_host "$NVCTL" --pin-dir "$PIN" -j subnet show 2>&1)
printf '%s' "$OUT" | json_true "[s for s in d if s['vsid'] == 5001 and s['rdid'] == 1]" || fail "--pin-dir over NVCTL_PIN_DIR: $OUT"
OUT=$(NVCTL_PIN_DIR="$PIN-none" in_host "$NVCTL" subnet show 2>&1)
case $OUT in *"$PIN-none"*) ;; *) fail "NVCTL_PIN_DIR not used: $OUT" ;; esac
end

begin "dp reload: new program ids, same maps and ports"
nv_ok -j dp show
old=$OUT
SNAPSHOT=snapshot_maps snap "$TMP/before"
nv_ok dp reload
nv_ok -j dp show
printf '%s' "$OUT" | "$PY" -c '
import json, sys
new, old = json.loads(sys.stdin.read()), json.loads(sys.argv[1])
sys.exit(0 if new["xdp"]["id"] != old["xdp"]["id"] and new["tc"]["id"] != old["tc"]["id"]
         and new["maps"] == old["maps"] else 1)' "$old" || fail "reload: before $old, after $OUT"
SNAPSHOT=snapshot_maps same_as "$TMP/before" maps
in_host tc filter show dev vm1 ingress | grep -q nv_from_vm || fail "vm1 lost its filter"
end

begin "dp reload with a port whose device is gone: that port has no hook to replace"
in_host ip link add vm5 type veth peer name vm5p
nv_ok port add dev vm5 vsid 5002 ca 10.2.0.5 mac 02:00:00:00:00:25
gone=$(in_host ip -o link show dev vm5 | cut -d: -f1)
in_host ip link del vm5
nv_ok -j dp show
old=$OUT
nv_ok dp reload
nv_ok -j dp show
[ "$OUT" != "$old" ] || fail "dp reload changed no program id"
in_host tc filter show dev vm1 ingress | grep -q nv_from_vm || fail "vm1 lost its filter"
nv_ok port del ifindex "$gone"
end
snap "$TMP/base" # new program ids from here on

begin "dp attach xdp-mode none: TC only on the underlay, no XDP port, reload and detach keep it so"
# shellcheck disable=SC2016 # expanded by the shell in the namespace
in_host sh -ec 'ip link add ulz type veth peer name ulzp; ip link add vmz type veth peer name vmzp
	for d in ulz ulzp vmz vmzp; do ip link set $d up; done' || fail "devices ulz, vmz"
nvraw "$PIN2" dp attach dev ulz pa 192.0.2.9 xdp-mode none
[ "$RC" -eq 0 ] || fail "attach xdp-mode none exited $RC: $ERR"
in_host ip link show dev ulz | grep -q xdp && fail "an XDP program on ulz: $(in_host ip link show dev ulz)"
in_host tc filter show dev ulz ingress | grep -q nv_wire_tc || fail "no nv_wire_tc on ulz ingress"
nvraw "$PIN2" -j dp show
printf '%s' "$OUT" | json_true "d['xdp'] == {'id': 0, 'mode': 'none', 'attach': 'none', 'metadata': False, 'auto': False}" ||
	fail "dp show -j: $OUT"
nvraw "$PIN2" dp show
case $OUT in *"xdp       none"*) ;; *) fail "dp show: $OUT" ;; esac
nvraw "$PIN2" subnet add vsid 5001 rdid 1 prefix 10.9.0.0/24
[ "$RC" -eq 0 ] || fail "subnet add exited $RC: $ERR"
nvraw "$PIN2" port add dev vmz vsid 5001 ca 10.9.0.5 mac 02:00:00:00:09:01 deliver xdp
[ "$RC" -eq 1 ] || fail "port add deliver xdp exited $RC, expected 1"
case $ERR in *"deliver xdp"*"xdp-mode none"*) ;; *) fail "port add deliver xdp: $ERR" ;; esac
in_host tc filter show dev vmz ingress | grep -q . && fail "vmz got a filter from the refused port add"
nvraw "$PIN2" port add dev vmz vsid 5001 ca 10.9.0.5 mac 02:00:00:00:09:01 deliver tc
[ "$RC" -eq 0 ] || fail "port add deliver tc exited $RC: $ERR"
nvraw "$PIN2" dp reload
[ "$RC" -eq 0 ] || fail "dp reload exited $RC: $ERR"
in_host ip link show dev ulz | grep -q xdp && fail "dp reload put an XDP program on ulz"
nvraw "$PIN2" dp detach
[ "$RC" -eq 0 ] || fail "dp detach exited $RC: $ERR"
[ ! -e "$PIN2" ] || fail "$PIN2 left behind: $(ls -R "$PIN2")"
in_host tc qdisc show dev ulz | grep -q clsact && fail "clsact left on ulz"
in_host ip link del ulz
in_host ip link del vmz
end

begin "dp attach without xdp-mode (auto) on a veth: TC only, dp show says why; xdp-mode auto the same"
in_host sh -ec 'ip link add ulz type veth peer name ulzp; ip link set ulz up; ip link set ulzp up' ||
	fail "devices ulz"
for how in "" "xdp-mode auto"; do
	# shellcheck disable=SC2086 # no words, or two
	nvraw "$PIN2" dp attach dev ulz pa 192.0.2.9 $how
	[ "$RC" -eq 0 ] || fail "attach ${how:-without xdp-mode} exited $RC: $ERR"
	in_host ip link show dev ulz | grep -q xdp && fail "${how:-default}: an XDP program on a veth"
	in_host tc filter show dev ulz ingress | grep -q nv_wire_tc || fail "${how:-default}: no nv_wire_tc"
	nvraw "$PIN2" -j dp show
	printf '%s' "$OUT" | json_true "d['xdp']['mode'] == 'none' and d['xdp']['auto'] and 'veth' in d['xdp']['why']" ||
		fail "${how:-default}: dp show -j: $OUT"
	nvraw "$PIN2" dp show
	case $OUT in *"xdp       none (xdp-mode auto"*"auto: the underlay is a veth"*) ;; *) fail "${how:-default}: dp show: $OUT" ;; esac
	nvraw "$PIN2" dp reload
	[ "$RC" -eq 0 ] || fail "${how:-default}: dp reload exited $RC: $ERR"
	in_host ip link show dev ulz | grep -q xdp && fail "${how:-default}: dp reload put XDP on ulz"
	nvraw "$PIN2" dp detach
	[ "$RC" -eq 0 ] || fail "${how:-default}: dp detach exited $RC: $ERR"
done
# A device whose driver has no native XDP (a bridge): the attach says so, auto goes on without.
in_host sh -ec 'ip link add brz type bridge; ip link set brz up' || fail "device brz"
nvraw "$PIN2" dp attach dev brz pa 192.0.2.9
[ "$RC" -eq 0 ] || fail "attach on a bridge exited $RC: $ERR"
nvraw "$PIN2" -j dp show
printf '%s' "$OUT" | json_true "d['xdp']['mode'] == 'none' and d['xdp']['auto'] and 'no native XDP' in d['xdp']['why']" ||
	fail "bridge: dp show -j: $OUT"
nvraw "$PIN2" dp detach
[ "$RC" -eq 0 ] || fail "bridge: dp detach exited $RC: $ERR"
nvraw "$PIN2" dp attach dev brz pa 192.0.2.9 xdp-mode native
[ "$RC" -eq 1 ] || fail "attach xdp-mode native on a bridge exited $RC, expected 1: $ERR"
[ ! -e "$PIN2" ] || fail "$PIN2 left behind: $(ls -R "$PIN2")"
in_host ip link del ulz
in_host ip link del brz
end

# =====================================================================================
# help
# =====================================================================================
begin "help, -h, --help: usage and every command, on stdout, exit 0"
for h in help -h --help; do
	nv $h
	[ "$RC" -eq 0 ] || fail "$h: exit $RC"
	[ -z "$ERR" ] || fail "$h: stderr: $ERR"
	for w in "Usage: nvctl" "--pin-dir" "nvctl dp attach dev DEV pa ADDR" "nvctl batch file FILE|-"; do
		case $OUT in *"$w"*) ;; *) fail "$h: no '$w'" ;; esac
	done
done
end

begin "help commands: one OBJECT COMMAND ARGS line per command"
nv_ok help commands
[ "$(printf '%s\n' "$OUT" | wc -l)" -ge 19 ] || fail "few lines: $OUT"
printf '%s\n' "$OUT" | grep -qx "record add vsid VSID ca ADDR mac MAC pa ADDR" || fail "no record add: $OUT"
printf '%s\n' "$OUT" | grep -vqE '^(dp|pa|subnet|port|record|route|gateway|nat|stats|events|metrics|monitor|trace|batch|apply|export|agent) [a-z]+' && fail "odd line: $OUT"
printf '%s\n' "$OUT" | grep -qx "route add rdid RDID prefix ADDR/LEN \\[vsid VSID\\] \\[nexthop ADDR\\] \\[metric N\\]" || fail "no route add: $OUT"
printf '%s\n' "$OUT" | grep -qx "subnet add vsid VSID rdid RDID prefix ADDR/LEN \\[gateway ADDR\\] \\[gateway-mac MAC\\]" || fail "subnet add: $OUT"
# A group's commands: two words, then their arguments.
printf '%s\n' "$OUT" | grep -qx "gateway route add rdid RDID prefix ADDR/LEN \\[via ADDR\\]" || fail "gateway route add: $OUT"
printf '%s\n' "$OUT" | grep -qx "nat gc \\[--watch\\] \\[--interval S\\]" || fail "nat gc: $OUT"
end

begin "help OBJECT and OBJECT help: that object's commands only"
for o in dp pa subnet port record route gateway nat stats events metrics monitor trace batch apply export agent; do
	nv_ok help $o
	a=$OUT
	nv_ok $o help
	[ "$a" = "$OUT" ] || fail "help $o and $o help differ"
	printf '%s\n' "$OUT" | grep -q "^  nvctl $o " || fail "help $o: $OUT"
	printf '%s\n' "$OUT" | grep "^  nvctl " | grep -vq "^  nvctl $o " && fail "help $o shows other objects: $OUT"
done
# A group's help: its commands only.
for g in "gateway route" "nat map" "nat conn" "nat timeout"; do
	# shellcheck disable=SC2086 # a group is two words
	nv_ok $g help
	printf '%s\n' "$OUT" | grep -q "^  nvctl $g " || fail "$g help: $OUT"
	printf '%s\n' "$OUT" | grep "^  nvctl " | grep -vq "^  nvctl $g " && fail "$g help shows other commands: $OUT"
done
end

begin "help and -V need no root"
nv_nobody help record
[ "$RC" -eq 0 ] || fail "help as nobody: exit $RC: $ERR"
OUT=$(in_host setpriv --reuid=65534 --regid=65534 --clear-groups "$NVCTL" -V 2>&1) || fail "-V as nobody: $OUT"
case $OUT in "nvctl "*) ;; *) fail "-V: $OUT" ;; esac
end

# =====================================================================================
# batch
# =====================================================================================
cat >"$TMP/good.batch" <<'EOF'
# a new tenant on this host: everything or nothing
subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254

record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1   # local VM
record add vsid 6001 ca 10.6.0.2 mac 02:00:00:06:00:02 pa 192.0.2.2
port add dev vm2 vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 deliver xdp
pa add 198.51.100.9
EOF
begin "batch: a good file applies every line"
nv_ok batch file "$TMP/good.batch"
[ -z "$OUT$ERR" ] || fail "batch printed: $OUT $ERR"
shows subnet "[s for s in d if s['vsid'] == 6001 and s['rdid'] == 3]"
shows record "[r for r in d if r['vsid'] == 6001 and r['ca'] == '10.6.0.1' and r['port'] == 'vm2'] and [r for r in d if r['ca'] == '10.6.0.2']"
shows port "[p for p in d if p['dev'] == 'vm2' and p['vsid'] == 6001 and p['deliver'] == 'xdp' and p['pa'] == '192.0.2.1']"
shows pa "[p for p in d if p['pa'] == '198.51.100.9']"
in_host tc filter show dev vm2 ingress | grep -q nv_from_vm || fail "no filter on vm2"
end

cat >"$TMP/undo.batch" <<'EOF'
port del dev vm2
pa del 198.51.100.9
record del vsid 6001 ca 10.6.0.2
record del vsid 6001 ca 10.6.0.1
subnet del vsid 6001
EOF
begin "batch file - reads stdin (and takes the good file back)"
STDIN="$TMP/undo.batch" nv_ok batch file -
same_as "$TMP/base"
end

# The 5th line fails at run time: lines 1-4 (a subnet, a record, a port with its filter, a PA) ran
# and must be taken back.
cat >"$TMP/fail5.batch" <<'EOF'
subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254
record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1
port add dev vm2 vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 deliver xdp
pa add 198.51.100.9
record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1
record add vsid 6001 ca 10.6.0.3 mac 02:00:00:06:00:03 pa 192.0.2.3
EOF
bad "batch: 5th line fails at run time (duplicate record): nothing applied" 1 "line 5" batch file "$TMP/fail5.batch"
begin "batch: no filter or qdisc left on vm2 by the rolled-back port add"
in_host tc filter show dev vm2 ingress | grep -q . && fail "filter left: $(in_host tc filter show dev vm2 ingress)"
in_host tc qdisc show dev vm2 | grep -q clsact && fail "clsact left on vm2"
end

# Deletions taken back: vm1's port (and its filter) and its record come back.
cat >"$TMP/faildel.batch" <<'EOF'
port del dev vm1
record del vsid 5001 ca 10.0.0.1
record del vsid 5001 ca 10.0.0.2
record del vsid 5001 ca 10.0.0.3
subnet del vsid 5001
subnet del vsid 5001
EOF
bad "batch: deletions before a failing line are taken back (port, records, subnet)" 1 "line 6" batch file "$TMP/faildel.batch"
begin "batch: vm1 keeps its filter after the rollback"
in_host tc filter show dev vm1 ingress | grep -q nv_from_vm || fail "vm1 lost its filter"
end

# Routes in a batch: an add and a del taken back when a later line fails (the deleted route comes
# back with its metric and next hop); the same lines without the bad one apply.
begin "setup: a customer route with a metric, for the route batches"
nv_ok route add rdid 1 prefix 10.40.0.0/16 nexthop 10.0.0.2 metric 5
end
cat >"$TMP/route.batch" <<'EOF'
route add rdid 1 prefix 10.41.0.0/16 nexthop 10.0.0.2
route del rdid 1 prefix 10.40.0.0/16
route add rdid 1 prefix 10.42.0.0/16 vsid 5001 metric 3
route add rdid 1 prefix 10.43.0.0/16 nexthop 10.0.0.77
EOF
bad "batch: routes added and deleted before a failing route add are taken back" 1 "line 4: route add: next hop 10.0.0.77" batch file "$TMP/route.batch"
begin "batch: route lines apply together, and a second batch takes them back"
sed -i '$d' "$TMP/route.batch"
nv_ok batch file "$TMP/route.batch"
shows route "[(r['prefix'], r['nexthop'], r['metric']) for r in d if r['prefix'].startswith('10.4')] == [('10.41.0.0/16', '10.0.0.2', 0), ('10.42.0.0/16', None, 3)]"
printf 'route del rdid 1 prefix 10.41.0.0/16 nexthop 10.0.0.2\nroute del rdid 1 prefix 10.42.0.0/16\n' >"$TMP/route-undo.batch"
nv_ok batch file "$TMP/route-undo.batch"
shows route "not [r for r in d if r['prefix'].startswith('10.4')]"
end

cat >"$TMP/syntax.batch" <<'EOF'
subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254
record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1
port add dev vm2 vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01
# the last line is wrong
record add vsid 6001 ca 10.6.0.2 mac 02:00:00:06:00:zz pa 192.0.2.2
EOF
bad "batch: syntax error on the last line: nothing applied, line named" 2 "line 5" batch file "$TMP/syntax.batch"
printf 'subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16\nsubnet add vsid 6002 rdid 3 prefix 10.7.0.0/16 extra\n' >"$TMP/extra.batch"
bad "batch: extra argument on a line" 2 "line 2" batch file "$TMP/extra.batch"
printf 'subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16\nfrob add\n' >"$TMP/obj.batch"
bad "batch: unknown object on a line" 2 "line 2" batch file "$TMP/obj.batch"
STDIN="$TMP/syntax.batch" bad "batch from stdin: syntax error, nothing applied" 2 "line 5" batch file -

# Many record adds in a row are applied together (one library call): a failure at any of them is
# still named by its line, and takes back everything, the lines before the group included.
{
	echo "subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254"
	echo "record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1"
	echo "port add dev vm2 vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 deliver xdp"
	for i in $(seq 2 1500); do
		printf 'record add vsid 6001 ca 10.6.%d.%d mac 02:00:00:06:%02x:%02x pa 192.0.2.%d\n' \
			$((i / 256)) $((i % 256)) $((i / 256)) $((i % 256)) $((2 + i % 50))
	done
	echo "record add vsid 6001 ca 10.6.0.77 mac 02:00:00:06:00:4d pa 192.0.2.9"
	echo "record add vsid 6001 ca 10.6.9.1 mac 02:00:00:06:09:01 pa 192.0.2.9"
} >"$TMP/many-dup.batch"
bad "batch: 1500 record adds, the last but one a duplicate: nothing applied, line named" 1 \
	"line 1503: record add: ca 10.6.0.77 already has a record" batch file "$TMP/many-dup.batch"
begin "batch: 1500 record adds around a port: applied, the local one bound, then taken back"
{
	echo "subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16 gateway 10.6.255.254"
	for i in $(seq 2 1500); do
		printf 'record add vsid 6001 ca 10.6.%d.%d mac 02:00:00:06:%02x:%02x pa 192.0.2.%d\n' \
			$((i / 256)) $((i % 256)) $((i / 256)) $((i % 256)) $((2 + i % 50))
	done
	echo "port add dev vm2 vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01"
	echo "record add vsid 6001 ca 10.6.0.1 mac 02:00:00:06:00:01 pa 192.0.2.1"
	echo "record add vsid 6001 ca 10.6.9.1 mac 02:00:00:06:09:01 pa 192.0.2.9"
} >"$TMP/many.batch"
nv_ok batch file "$TMP/many.batch"
nv -j record show vsid 6001
printf '%s' "$OUT" | json_true "len(d) == 1501 and [r for r in d if r['ca'] == '10.6.0.1' and r['port'] == 'vm2' and r['local_pa']]" ||
	fail "records after the batch: $(printf '%s' "$OUT" | head -c 300)"
shows port "[p for p in d if p['dev'] == 'vm2' and p['pa'] == '192.0.2.1']"
{
	echo "port del dev vm2"
	echo "record del vsid 6001 ca 10.6.0.1"
	echo "record del vsid 6001 ca 10.6.9.1"
	for i in $(seq 2 1500); do
		printf 'record del vsid 6001 ca 10.6.%d.%d\n' $((i / 256)) $((i % 256))
	done
	echo "subnet del vsid 6001"
} >"$TMP/many-undo.batch"
nv_ok batch file "$TMP/many-undo.batch"
same_as "$TMP/base"
end

for refused in "dp attach dev vm3 pa 192.0.2.9" "dp detach" "dp reload" "dp show" "record show" \
	"port show" "subnet show" "pa show" "stats show" "stats reset" "batch file $TMP/good.batch" \
	"help" "record help" "record" "route show"; do
	printf 'subnet add vsid 6001 rdid 3 prefix 10.6.0.0/16\n\n%s\nsubnet add vsid 6002 rdid 3 prefix 10.7.0.0/16\n' "$refused" >"$TMP/refused.batch"
	bad "batch: '$refused' is refused, naming the line" 2 "line 3" batch file "$TMP/refused.batch"
done

begin "batch: an empty file and a comments-only file do nothing, exit 0"
: >"$TMP/empty.batch"
nv_ok batch file "$TMP/empty.batch"
printf '# nothing\n\n   # still nothing\n' >"$TMP/comments.batch"
nv_ok batch file "$TMP/comments.batch"
same_as "$TMP/base"
end

begin "one nvctl at a time per instance: a command waits while another holds the instance"
# flock(1) stands in for a first nvctl: it holds the same lock (the instance directory) for 1 s.
flock -x "$PIN" sleep 1 &
holder=$!
sleep 0.2
t0=$(date +%s%N)
nv_ok subnet show
waited=$((($(date +%s%N) - t0) / 1000000))
wait "$holder"
[ "$waited" -ge 500 ] || fail "subnet show returned after $waited ms while the instance was locked"
end

# =====================================================================================
# export: the live state as a policy file
# =====================================================================================
SCHEMA="$(dirname "$0")/../../cli/nvctl-policy.schema.json"
# validate FILE: against the policy schema, formats (ipv4, ipv6) checked; prints what is wrong.
validate() {
	"$PY" - "$SCHEMA" "$1" 2>&1 <<-'PY'
		import json, sys
		import jsonschema
		schema, doc = (json.load(open(f)) for f in sys.argv[1:3])
		v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
		for e in v.iter_errors(doc):
		    print("/" + "/".join(map(str, e.absolute_path)), e.message)
	PY
}

begin "export: every PA, subnet, customer route, port and record, as the show commands list them"
nv_ok route add rdid 1 prefix 10.44.0.0/16 nexthop 10.0.0.2 metric 7
nv_ok route add rdid 1 prefix 10.45.0.0/16 vsid 5001
nv_ok port add dev vm2 vsid 5001 ca 10.0.0.5 mac 02:00:00:00:00:05 deliver xdp
for o in pa subnet route port record; do
	nv_ok -j "$o" show
	printf '%s' "$OUT" >"$TMP/show-$o.json"
done
nv_ok export
printf '%s\n' "$OUT" >"$TMP/export.json"
why=$(validate "$TMP/export.json")
[ -z "$why" ] || fail "not valid against the schema: $why"
why=$("$PY" - "$TMP" 2>&1 <<-'PY'
	import json, sys
	t = sys.argv[1]
	e = json.load(open(t + "/export.json"))
	show = {o: json.load(open(f"{t}/show-{o}.json")) for o in ("pa", "subnet", "route", "port", "record")}
	want = {
	    "pas": sorted(({"pa": x["pa"], "dev": x["dev"]} for x in show["pa"]), key=lambda x: [int(b) for b in x["pa"].split(".")]),
	    "subnets": sorted(({k: x[k] for k in ("vsid", "rdid", "prefix", "gateway", "gateway_mac")} for x in show["subnet"]), key=lambda x: x["vsid"]),
	    "routes": [dict({"rdid": x["rdid"], "prefix": x["prefix"]}, **({"nexthop": x["nexthop"]} if x["nexthop"] else {"vsid": x["vsid"]}), metric=x["metric"])
	               for x in show["route"] if not x["subnet"]],
	    "ports": sorted(({k: x[k] for k in ("dev", "vsid", "ca", "mac", "deliver")} for x in show["port"]), key=lambda x: x["dev"]),
	    "records": sorted(({k: x[k] for k in ("vsid", "ca", "mac", "pa")} for x in show["record"]), key=lambda x: (x["vsid"], [int(b) for b in x["ca"].split(".")])),
	}
	got = dict(e)
	got["ports"] = sorted(got["ports"], key=lambda x: x["dev"])
	for k, v in want.items():
	    if got.get(k) != v:
	        print(f"{k}: exported {got.get(k)}, shown {v}")
	if not (want["records"] and want["routes"] and want["ports"] and want["subnets"]):
	    print("the state to export is empty: the test shows nothing")
	PY
)
[ -z "$why" ] || fail "$why"
end

begin "export FILE and export -: the same bytes as stdout, twice the same; FILE replaced whole"
printf 'old' >"$TMP/policy.json"
nv_ok export "$TMP/policy.json"
[ -z "$OUT" ] || fail "export FILE printed: $OUT"
cmp -s "$TMP/policy.json" "$TMP/export.json" || fail "FILE differs from stdout: $(diff "$TMP/policy.json" "$TMP/export.json")"
nv_ok export file -
[ "$OUT" = "$(cat "$TMP/export.json")" ] || fail "export file - differs from export"
ls "$TMP"/policy.json.tmp.* >/dev/null 2>&1 && fail "a temporary file was left beside FILE"
nv_ok port del dev vm2
nv_ok route del rdid 1 prefix 10.45.0.0/16
nv_ok route del rdid 1 prefix 10.44.0.0/16
end

bad "export to a directory that does not exist: exit 1, named" 1 "$TMP/no/such/dir" export "$TMP/no/such/dir/p.json"
printf 'export\n' >"$TMP/export.batch"
bad "export is refused in a batch" 2 "line 1: export cannot be used in a batch" batch file "$TMP/export.batch"

begin "the example policy in cli/ is valid against the schema"
why=$(validate "$(dirname "$0")/../../cli/policy.example.json")
[ -z "$why" ] || fail "$why"
why=$(printf '{"version": 1, "records": [{"vsid": 5001, "ca": "10.0.0.1", "mac": "02:00:00:00:00:zz", "pa": "192.0.2.1"}]}' >"$TMP/badpol.json" && validate "$TMP/badpol.json")
case $why in "/records/0/mac"*) ;; *) fail "the schema does not refuse a bad MAC at /records/0/mac: $why" ;; esac
end

# =====================================================================================
# apply: make the instance equal to a policy file
# =====================================================================================
# policy_edit IN OUT PYTHON: OUT is IN's policy after PYTHON ran on it as d.
policy_edit() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))' "$@"
}
nv_ok export "$TMP/live.json"

begin "apply of the live state's own export changes nothing (dry run or not)"
for dry in yes no; do
	nv_ok apply "$TMP/live.json" dry-run $dry
	case $OUT in "0 added, 0 changed, 0 deleted"*) ;; *) fail "dry-run $dry: $OUT" ;; esac
done
SNAPSHOT=snapshot_maps snap "$TMP/before-apply"
end

# A record moved to another PA (~) and one added (+): what a controller changes most.
policy_edit "$TMP/live.json" "$TMP/moved.json" '
r = [x for x in d["records"] if x["ca"] == "10.0.0.2"][0]
r["pa"] = "192.0.2.77"
d["records"].append({"vsid": 5001, "ca": "10.0.0.66", "mac": "02:00:00:00:00:66", "pa": "192.0.2.2"})'

begin "apply dry-run yes: the difference printed (+ and ~, JSON too), nothing applied"
nv_ok -j apply "$TMP/moved.json" dry-run yes
printf '%s' "$OUT" | json_true "d['dry_run'] and (d['added'], d['changed'], d['deleted']) == (1, 1, 0) and sorted((c['op'], c['kind'], c['object']['ca'], c['object']['pa']) for c in d['changes']) == [('add', 'record', '10.0.0.66', '192.0.2.2'), ('change', 'record', '10.0.0.2', '192.0.2.77')]" ||
	fail "dry run: $OUT"
SNAPSHOT=snapshot_maps same_as "$TMP/before-apply" "maps after a dry run"
nv_ok apply "$TMP/moved.json" dry-run yes
printf '%s\n' "$OUT" | grep -q '^~ record {"vsid":5001,"ca":"10.0.0.2",.*"pa":"192.0.2.77"}$' || fail "no ~ line: $OUT"
printf '%s\n' "$OUT" | grep -q '^+ record {"vsid":5001,"ca":"10.0.0.66",' || fail "no + line: $OUT"
end

begin "apply: the record changed in place and the new one added; applied again, nothing"
nv_ok apply "$TMP/moved.json"
shows record "sorted((r['ca'], r['pa']) for r in d if r['ca'] in ('10.0.0.2', '10.0.0.66')) == [('10.0.0.2', '192.0.2.77'), ('10.0.0.66', '192.0.2.2')]"
nv_ok apply "$TMP/moved.json"
case $OUT in "0 added, 0 changed, 0 deleted"*) ;; *) fail "second apply: $OUT" ;; esac
end

begin "apply prune yes: back to the export; what the file lacks is deleted, the main PA kept"
nv_ok apply "$TMP/live.json" prune yes
printf '%s\n' "$OUT" | grep -q '^- record {"vsid":5001,"ca":"10.0.0.66",' || fail "no - line: $OUT"
SNAPSHOT=snapshot_maps same_as "$TMP/before-apply" "maps after apply prune of the export"
printf '{"version": 1}\n' >"$TMP/empty.json"
nv_ok -j apply "$TMP/empty.json" prune yes dry-run yes
printf '%s' "$OUT" | json_true "not [c for c in d['changes'] if c['kind'] == 'pa' and c['object']['pa'] == '192.0.2.1'] and d['deleted'] > 0" ||
	fail "prune would delete the main PA: $OUT"
end

# A change the library refuses after others applied: all taken back, the refused object named.
policy_edit "$TMP/live.json" "$TMP/refused.json" '
d["records"].append({"vsid": 5001, "ca": "10.0.0.67", "mac": "02:00:00:00:00:67", "pa": "192.0.2.2"})
d["records"].append({"vsid": 7777, "ca": "10.0.0.1", "mac": "02:00:00:00:00:01", "pa": "192.0.2.2"})'
bad "apply: a record of a VSID without subnet, after one that applied: nothing stays" 1 '+ record {"vsid":7777' apply "$TMP/refused.json"
begin "apply refused: the record added before the refusal was taken back"
SNAPSHOT=snapshot_maps same_as "$TMP/before-apply" "maps after a refused apply"
end
policy_edit "$TMP/live.json" "$TMP/badmac.json" 'd["records"][0]["mac"] = "ff:ff:ff:ff:ff:ff"'
bad "apply: a bad value is named by its JSON pointer, nothing applied" 2 "/records/0/mac: not a unicast MAC" apply "$TMP/badmac.json"
bad "apply: a file that does not exist" 1 "$TMP/none.json" apply "$TMP/none.json"
printf 'apply %s\n' "$TMP/live.json" >"$TMP/apply.batch"
bad "apply is refused in a batch" 2 "line 1: apply cannot be used in a batch" batch file "$TMP/apply.batch"

# =====================================================================================
# The gateway (DESIGN section 8): legs and their external devices, gateway routes, NAT, static
# mappings, the connection table (empty here: tests/unit drive the datapath's programs).
# Subnets of their own: 7001 (rdid 70), 7002 (rdid 71), 7003 (rdid 72), 7004 (rdid 73); vm2 a
# port in 7001. Devices gw0, gw1, gw2 (veths): gw0 carries two NAT legs, gw1 a forward one.
# =====================================================================================
# filter_on DEV: our TC filter's program name on DEV's ingress, or nothing.
filter_on() { in_host tc filter show dev "$1" ingress | grep -o 'nv_from_[a-z]*' | sort -u; }
clsact_on() { in_host tc qdisc show dev "$1" | grep -c clsact; }

begin "gateway: subnets and a port of their own"
nv_ok subnet add vsid 7001 rdid 70 prefix 10.70.0.0/24
nv_ok subnet add vsid 7002 rdid 71 prefix 10.71.0.0/24
nv_ok subnet add vsid 7003 rdid 72 prefix 10.72.0.0/24
nv_ok subnet add vsid 7004 rdid 73 prefix 10.73.0.0/24
nv_ok port add dev vm2 vsid 7001 ca 10.70.0.5 mac 02:00:00:70:00:05
end

begin "dp show before any leg: no external device, no leg, no connection, the default ct-max"
nv_ok -j dp show
printf '%s' "$OUT" | json_true "d['ext_devs'] == [] and d['maps']['gw_legs'] == 0 and d['maps']['conns'] == 0 and d['maps']['conns_max'] == 262144" ||
	fail "dp show: $OUT"
nv_ok dp show
printf '%s\n' "$OUT" | grep -q 'gateway legs 0  connections 0/262144' || fail "dp show text: $OUT"
end

GWA="gateway add rdid 70 vsid 7001 ca 10.70.0.254 mac 02:00:00:70:00:fe"
# shellcheck disable=SC2086 # GWA is a command line: one word per argument
{
	bad "gateway add: unknown mode" 2 bridge $GWA dev gw0 mode bridge
	bad "gateway add: no dev" 2 "missing dev" $GWA
	bad "gateway add: unknown device" 2 nosuchdev0 $GWA dev nosuchdev0
	bad "gateway add: IPv6 CA (IPv4 only)" 2 fd00:70::fe gateway add rdid 70 vsid 7001 ca fd00:70::fe mac 02:00:00:70:00:fe dev gw0
	bad "gateway add: multicast MAC" 2 01:00:5e:00:00:05 gateway add rdid 70 vsid 7001 ca 10.70.0.254 mac 01:00:5e:00:00:05 dev gw0
	bad "gateway add: VSID 4095" 2 4095 gateway add rdid 70 vsid 4095 ca 10.70.0.254 mac 02:00:00:70:00:fe dev gw0
	bad "gateway add: RDID past 32 bits" 2 4294967296 gateway add rdid 4294967296 vsid 7001 ca 10.70.0.254 mac 02:00:00:70:00:fe dev gw0
	bad "gateway del: no rdid" 2 "missing rdid" gateway del
	bad "gateway: a group without its command" 2 "gateway route: no command given" gateway route
	bad "gateway route: unknown command" 2 '"frob"' gateway route frob
	bad "gateway route help: an extra argument" 2 more gateway route help more
	bad "gateway route add: prefix with host bits" 2 203.0.113.1/24 gateway route add rdid 70 prefix 203.0.113.1/24
	bad "gateway route add: IPv6 prefix (IPv4 only)" 2 2001:db8::/32 gateway route add rdid 70 prefix 2001:db8::/32
	bad "gateway route add: malformed via" 2 198.51.100 gateway route add rdid 70 prefix 203.0.113.0/24 via 198.51.100
	bad "gateway route del: via is not its argument" 2 via gateway route del rdid 70 prefix 203.0.113.0/24 via 198.51.100.254
	bad "nat add: port range reversed" 2 300-200 nat add rdid 70 external 198.51.100.1 ports 300-200
	bad "nat add: port 0 in the range" 2 0-100 nat add rdid 70 external 198.51.100.1 ports 0-100
	bad "nat add: one port, no range" 2 '"2000"' nat add rdid 70 external 198.51.100.1 ports 2000
	bad "nat add: multicast external address" 2 224.0.0.1 nat add rdid 70 external 224.0.0.1
	bad "nat map add: external without a port" 2 '"198.51.100.1"' nat map add rdid 70 proto tcp external 198.51.100.1 internal 10.70.0.5:80
	bad "nat map add: proto icmp" 2 icmp nat map add rdid 70 proto icmp external 198.51.100.1:80 internal 10.70.0.5:80
	bad "nat map add: internal port 70000" 2 10.70.0.5:70000 nat map add rdid 70 proto tcp external 198.51.100.1:80 internal 10.70.0.5:70000
	bad "nat map add: external port 0" 2 198.51.100.1:0 nat map add rdid 70 proto tcp external 198.51.100.1:0 internal 10.70.0.5:80
	bad "nat map add: IPv6 without brackets" 2 2001:db8::1:80 nat map add rdid 70 proto tcp external 2001:db8::1:80 internal 10.70.0.5:80
	bad "nat map add: no rdid" 2 "missing rdid" nat map add proto tcp external 198.51.100.1:80 internal 10.70.0.5:80
	bad "nat map del: no proto" 2 "missing proto" nat map del external 198.51.100.1:80
	bad "nat map: a group without its command" 2 "nat map: no command given" nat map
	bad "nat timeout set: nothing to set" 2 "at least one" nat timeout set
	bad "nat timeout set: over 7 days" 2 604801 nat timeout set udp 604801
	bad "nat timeout set: unknown timeout" 2 '"sctp"' nat timeout set sctp 5
	bad "nat gc: --interval without --watch" 2 "--interval goes with --watch" nat gc --interval 5
	bad "nat gc: --interval 0" 2 '"0"' nat gc --watch --interval 0
	bad "nat gc: --watch twice" 2 "--watch given twice" nat gc --watch --watch
	bad "nat gc: a flag is no keyword with a value" 2 '"1"' nat gc --watch 1
	bad "nat conn show: rdid 0 (every RDID is no rdid)" 2 '"0"' nat conn show rdid 0
	bad "nat conn flush: extra argument" 2 all nat conn flush all
	bad "dp attach: ct-max 0" 2 '"0"' dp attach dev vm3 pa 192.0.2.9 ct-max 0
	bad "dp attach: ct-max over NV_CT_CONNS_MAX" 2 4194305 dp attach dev vm3 pa 192.0.2.9 ct-max 4194305
	# refused by the loader or the library: exit 1, the conflict named
	bad "gateway add on the underlay" 1 "dev ul0 cannot be a gateway's external device" $GWA dev ul0
	bad "gateway add on a port" 1 "dev vm2 cannot be a gateway's external device" $GWA dev vm2
	bad "gateway add on loopback" 1 "dev lo is a loopback device" $GWA dev lo
	bad "gateway add in a VSID without subnet" 1 "vsid 7999 has no subnet" gateway add rdid 70 vsid 7999 ca 10.70.0.254 mac 02:00:00:70:00:fe dev gw0
	bad "gateway add in a VSID of another routing domain" 1 "vsid 7002 is in rdid 71" gateway add rdid 70 vsid 7002 ca 10.71.0.254 mac 02:00:00:70:00:fe dev gw0
	bad "gateway add with a CA outside the subnet" 1 "ca 10.9.0.1 is outside prefix 10.70.0.0/24" gateway add rdid 70 vsid 7001 ca 10.9.0.1 mac 02:00:00:70:00:fe dev gw0
	bad "gateway add with the subnet's gateway CA" 1 "10.70.0.1 is the gateway of vsid 7001" gateway add rdid 70 vsid 7001 ca 10.70.0.1 mac 02:00:00:70:00:fe dev gw0
	bad "gateway add with a port's CA" 1 "ca 10.70.0.5 in vsid 7001 is already port vm2" gateway add rdid 70 vsid 7001 ca 10.70.0.5 mac 02:00:00:70:00:fe dev gw0
	bad "gateway del: an RDID without leg" 1 "rdid 70 has no gateway leg" gateway del rdid 70
	bad "gateway route add: an RDID without leg" 1 "rdid 70 has no gateway leg" gateway route add rdid 70 prefix 203.0.113.0/24
	bad "gateway route del: no such route" 1 "rdid 70 has no gateway route 203.0.113.0/24" gateway route del rdid 70 prefix 203.0.113.0/24
	bad "nat add: an RDID without leg" 1 "rdid 70 has no gateway leg" nat add rdid 70 external 198.51.100.1
	bad "nat del: an RDID without NAT" 1 "rdid 70 has no NAT" nat del rdid 70
	bad "nat map add: no NAT with that address" 1 "198.51.100.1 is not the NAT address of rdid 70" nat map add rdid 70 proto tcp external 198.51.100.1:80 internal 10.70.0.5:8080
	bad "nat map del: no such mapping" 1 "no static mapping tcp 198.51.100.1:80" nat map del proto tcp external 198.51.100.1:80
}
begin "gateway: nothing attached to gw0 by the refused adds"
[ -z "$(filter_on gw0)" ] || fail "filter on gw0: $(filter_on gw0)"
[ "$(clsact_on gw0)" = 0 ] || fail "clsact on gw0"
end

begin "gateway add: the leg shown (text, JSON), nv_from_ext on gw0's TC ingress, its clsact ours"
nv_ok gateway add rdid 70 vsid 7001 ca 10.70.0.254 mac 02:00:00:70:00:fe dev gw0
[ -z "$OUT" ] || fail "gateway add printed: $OUT"
shows gateway "[{k: g[k] for k in ('rdid', 'vsid', 'ca', 'mac', 'dev', 'mode')} for g in d] == [{'rdid': 70, 'vsid': 7001, 'ca': '10.70.0.254', 'mac': '02:00:00:70:00:fe', 'dev': 'gw0', 'mode': 'nat'}] and d[0]['ifindex'] > 0" \
	"^RDID  *VSID  *CA  *MAC  *DEV  *MODE$" "^70  *7001  *10.70.0.254  *02:00:00:70:00:fe  *gw0  *nat$"
[ "$(filter_on gw0)" = nv_from_ext ] || fail "gw0 ingress: $(in_host tc filter show dev gw0 ingress)"
[ "$(clsact_on gw0)" = 1 ] || fail "no clsact on gw0"
nv_ok -j dp show
printf '%s' "$OUT" | json_true "[(e['dev'], e['legs'], e['forward_rdid']) for e in d['ext_devs']] == [('gw0', 1, None)] and d['ext_devs'][0]['from_ext_id'] > 0 and d['maps']['gw_legs'] == 1" ||
	fail "dp show: $OUT"
nv_ok dp show
printf '%s\n' "$OUT" | grep -q '^ext  *gw0  *nv_from_ext id [1-9][0-9]*  legs 1$' || fail "dp show text: $OUT"
end

begin "gateway add: a second leg on gw0 shares its filter; a forward leg on gw1, sorted by RDID"
nv_ok gateway add rdid 72 vsid 7003 ca 10.72.0.254 mac 02:00:00:72:00:fe dev gw1 mode forward
nv_ok gateway add rdid 71 vsid 7002 ca 10.71.0.254 mac 02:00:00:71:00:fe dev gw0 mode nat
shows gateway "[(g['rdid'], g['dev'], g['mode']) for g in d] == [(70, 'gw0', 'nat'), (71, 'gw0', 'nat'), (72, 'gw1', 'forward')]"
[ "$(in_host tc filter show dev gw0 ingress | grep -c nv_from_ext)" = 1 ] || fail "gw0: $(in_host tc filter show dev gw0 ingress)"
[ "$(filter_on gw1)" = nv_from_ext ] || fail "gw1 has no filter"
nv_ok -j dp show
printf '%s' "$OUT" | json_true "sorted((e['dev'], e['legs'], e['forward_rdid']) for e in d['ext_devs']) == [('gw0', 2, None), ('gw1', 1, 72)] and d['maps']['gw_legs'] == 3" ||
	fail "dp show: $OUT"
end

bad "gateway add: an RDID that has its leg" 1 "rdid 70 already has a gateway leg" gateway add rdid 70 vsid 7001 ca 10.70.0.253 mac 02:00:00:70:00:fd dev gw2
bad "gateway add: a second forward leg on a device" 1 "dev gw1 already carries the forward-mode leg of rdid 72" gateway add rdid 73 vsid 7004 ca 10.73.0.254 mac 02:00:00:73:00:fe dev gw1 mode forward
bad "nat add: a forward-mode leg" 1 "the gateway leg of rdid 72 is in forward mode" nat add rdid 72 external 198.51.100.9

begin "nat add: the NAT of rdid 70"
nv_ok nat add rdid 70 external 198.51.100.1 ports 20000-29999
[ -z "$OUT" ] || fail "nat add printed: $OUT"
end
bad "nat add: another RDID's external address" 1 "external address 198.51.100.1 is the NAT address of rdid 70" nat add rdid 71 external 198.51.100.1
begin "nat add: NATs of two routing domains, shown with their ports (default 1024-65535)"
nv_ok nat add rdid 71 external 198.51.100.2
shows nat "d['nats'] == [{'rdid': 70, 'external': '198.51.100.1', 'port_lo': 20000, 'port_hi': 29999}, {'rdid': 71, 'external': '198.51.100.2', 'port_lo': 1024, 'port_hi': 65535}] and d['maps'] == []" \
	"^RDID  *EXTERNAL  *PORTS$" "^70  *198.51.100.1  *20000-29999$" "^71  *198.51.100.2  *1024-65535$"
end
bad "nat add: a second NAT of an RDID" 1 "rdid 70 already has a NAT" nat add rdid 70 external 198.51.100.7
bad "nat add: IPv6 external address (NAT is IPv4)" 1 "not an IPv4 unicast address" nat add rdid 73 external 2001:db8::1

begin "nat map add: static mappings, sorted by external address and port"
nv_ok nat map add rdid 70 proto tcp external 198.51.100.1:80 internal 10.70.0.5:8080
nv_ok nat map add rdid 70 proto udp external 198.51.100.1:53 internal 10.70.0.6:53
nv_ok nat map add rdid 71 proto tcp external 198.51.100.2:443 internal 10.71.0.9:443
shows nat "[(m['proto'], m['external'], m['external_port'], m['rdid'], m['internal'], m['internal_port']) for m in d['maps']] == [('udp', '198.51.100.1', 53, 70, '10.70.0.6', 53), ('tcp', '198.51.100.1', 80, 70, '10.70.0.5', 8080), ('tcp', '198.51.100.2', 443, 71, '10.71.0.9', 443)]" \
	"^PROTO  *EXTERNAL  *RDID  *INTERNAL$" "^tcp  *198.51.100.1:80  *70  *10.70.0.5:8080$" "^udp  *198.51.100.1:53  *70  *10.70.0.6:53$"
end
bad "nat map add: the mapping exists" 1 "static mapping tcp 198.51.100.1:80 already exists" nat map add rdid 70 proto tcp external 198.51.100.1:80 internal 10.70.0.7:80
bad "nat map add: another RDID's address" 1 "198.51.100.1 is not the NAT address of rdid 71" nat map add rdid 71 proto tcp external 198.51.100.1:81 internal 10.71.0.9:81
bad "nat del while a static mapping uses its address" 1 "still has the static mapping" nat del rdid 70
bad "gateway del while the RDID has a NAT" 1 "the gateway leg of rdid 70 still has a NAT or gateway routes" gateway del rdid 70

begin "gateway route add/show/del: via a next hop, or the FIB's"
nv_ok gateway route add rdid 70 prefix 203.0.113.0/24 via 198.51.100.254
nv_ok gateway route add rdid 72 prefix 0.0.0.0/0
nv_ok gateway route add rdid 70 prefix 203.0.113.128/25
shows "gateway route" "[(r['rdid'], r['prefix'], r['via']) for r in d] == [(70, '203.0.113.0/24', '198.51.100.254'), (70, '203.0.113.128/25', None), (72, '0.0.0.0/0', None)]" \
	"^RDID  *PREFIX  *VIA$" "^70  *203.0.113.0/24  *198.51.100.254$" "^72  *0.0.0.0/0  *fib$"
nv_ok gateway route del rdid 70 prefix 203.0.113.128/25
shows "gateway route" "len(d) == 2"
end
bad "gateway route add: the prefix has its route" 1 "rdid 70 already has a gateway route 203.0.113.0/24" gateway route add rdid 70 prefix 203.0.113.0/24 via 198.51.100.253
bad "gateway route add: via is no unicast address" 2 255.255.255.255 gateway route add rdid 70 prefix 198.18.0.0/15 via 255.255.255.255
bad "gateway del while the RDID has gateway routes" 1 "still has a NAT or gateway routes" gateway del rdid 72

begin "nat timeout set: the given ones change, the others keep theirs; 0 is the default again"
shows nat "d['timeouts'] == {'tcp_syn': 60, 'tcp_established': 21600, 'tcp_fin': 10, 'udp': 60, 'icmp': 30}" \
	"^timeouts (s): tcp-syn 60  tcp-established 21600  tcp-fin 10  udp 60  icmp 30$"
nv_ok nat timeout set udp 120 tcp-syn 30
[ -z "$OUT" ] || fail "nat timeout set printed: $OUT"
nv_ok nat timeout set icmp 604800
shows nat "d['timeouts'] == {'tcp_syn': 30, 'tcp_established': 21600, 'tcp_fin': 10, 'udp': 120, 'icmp': 604800}"
nv_ok nat timeout set udp 0 tcp-syn 0 icmp 0
shows nat "d['timeouts'] == {'tcp_syn': 60, 'tcp_established': 21600, 'tcp_fin': 10, 'udp': 60, 'icmp': 30}"
end

begin "nat conn show/flush on an empty table: the header, [], 0 removed"
nv_ok nat conn show
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "conn show: $OUT"
printf '%s\n' "$OUT" | grep -q '^PROTO  *RDID  *INSIDE  *EXTERNAL  *REMOTE  *STATE  *FLAGS  *AGE  *EXPIRES  *PKTS-OUT  *BYTES-OUT  *PKTS-IN  *BYTES-IN$' ||
	fail "conn show header: $OUT"
for opts in "-j" "-j -p"; do
	# shellcheck disable=SC2086
	nv_ok $opts nat conn show rdid 70
	printf '%s' "$OUT" | json_true "d == []" || fail "$opts conn show: $OUT"
done
nv_ok nat conn flush
[ "$OUT" = "0 connections removed" ] || fail "conn flush: $OUT"
nv_ok -j nat conn flush rdid 70
printf '%s' "$OUT" | json_true "d == {'removed': 0}" || fail "conn flush -j: $OUT"
end

begin "nat gc: one pass prints what it removed (text, JSON); changes nothing else"
snap "$TMP/before-gc"
nv_ok nat gc
[ "$OUT" = "removed 0 (expired 0, half 0), live 0, scanned 0" ] || fail "nat gc: $OUT"
nv_ok -j nat gc
printf '%s' "$OUT" | json_true "d == {'removed': 0, 'expired': 0, 'orphans': 0, 'live': 0, 'scanned': 0}" || fail "nat gc -j: $OUT"
same_as "$TMP/before-gc"
end

begin "nat gc --watch: a pass a second, the instance free meanwhile, SIGTERM ends it (exit 0)"
bg_in_ns host "$NVCTL" --pin-dir "$PIN" -j nat gc --watch --interval 1 >"$TMP/gc.out" 2>"$TMP/gc.err"
gc=$BG_PID
sleep 1.5
t0=$(date +%s%N)
nv_ok nat show
waited=$((($(date +%s%N) - t0) / 1000000))
[ "$waited" -lt 1000 ] || fail "nat show waited $waited ms for nat gc --watch"
sleep 1
bg_stop "$gc" TERM
[ "$BG_RC" = 0 ] || fail "nat gc --watch exited $BG_RC after SIGTERM: $(cat "$TMP/gc.err")"
n=$(grep -c '"removed"' "$TMP/gc.out")
[ "$n" -ge 2 ] || fail "$n passes in 2.5 s: $(cat "$TMP/gc.out")"
"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    assert set(json.loads(l)) == {"removed", "expired", "orphans", "live", "scanned"}, l' "$TMP/gc.out" ||
	fail "not one JSON object per line: $(cat "$TMP/gc.out")"
bg_in_ns host "$NVCTL" --pin-dir "$PIN" nat gc --watch >"$TMP/gc.out" 2>&1
gc=$BG_PID
sleep 0.5
bg_stop "$gc" INT
[ "$BG_RC" = 0 ] || fail "nat gc --watch exited $BG_RC after SIGINT"
[ "$(cat "$TMP/gc.out")" = "removed 0 (expired 0, half 0), live 0, scanned 0" ] || fail "one pass then SIGINT: $(cat "$TMP/gc.out")"
end

RUNNER=nv_none bad "nat gc: no instance attached" 1 "$PIN-none" nat gc
RUNNER=nv_none bad "gateway add: no instance attached" 1 "$PIN-none" gateway add rdid 70 vsid 7001 ca 10.70.0.254 mac 02:00:00:70:00:fe dev gw2
RUNNER=nv_nobody bad "nat conn show: not root" 1 root nat conn show
RUNNER=nv_nobody bad "gateway add: not root" 1 root gateway add rdid 73 vsid 7004 ca 10.73.0.254 mac 02:00:00:73:00:fe dev gw2
RUNNER=nv

# A batch that attaches to gw2 and fails on its last line: everything taken back, gw2 untouched.
cat >"$TMP/gw.batch" <<'EOF'
gateway add rdid 73 vsid 7004 ca 10.73.0.254 mac 02:00:00:73:00:fe dev gw2
nat add rdid 73 external 198.51.100.3 ports 4000-4999
nat map add rdid 73 proto udp external 198.51.100.3:4500 internal 10.73.0.10:4500
gateway route add rdid 73 prefix 192.0.2.128/25 via 198.51.100.129
nat timeout set tcp-fin 5
EOF
cp "$TMP/gw.batch" "$TMP/gw-bad.batch"
echo "nat add rdid 70 external 198.51.100.9" >>"$TMP/gw-bad.batch"
bad "batch: a leg, its NAT, mapping, route and timeouts, then a refused line: all taken back" 1 \
	"line 6: nat add: rdid 70 already has a NAT" batch file "$TMP/gw-bad.batch"
begin "batch: the gateway objects applied, then deleted by a batch: gw2's filter and clsact go"
nv_ok batch file "$TMP/gw.batch"
[ "$(filter_on gw2)" = nv_from_ext ] || fail "gw2 has no filter after the batch"
shows nat "[n['rdid'] for n in d['nats']] == [70, 71, 73] and d['timeouts']['tcp_fin'] == 5 and [m['external_port'] for m in d['maps'] if m['rdid'] == 73] == [4500]"
cat >"$TMP/gw-undo.batch" <<'EOF'
nat map del proto udp external 198.51.100.3:4500
gateway route del rdid 73 prefix 192.0.2.128/25
nat del rdid 73
gateway del rdid 73
nat timeout set tcp-fin 0
EOF
nv_ok batch file "$TMP/gw-undo.batch"
[ -z "$(filter_on gw2)" ] || fail "filter left on gw2"
[ "$(clsact_on gw2)" = 0 ] || fail "clsact left on gw2"
shows nat "[n['rdid'] for n in d['nats']] == [70, 71] and d['timeouts']['tcp_fin'] == 10"
end
for refused in "nat conn flush" "nat gc" "nat conn show" "nat show" "gateway show" "gateway route show" "nat map help"; do
	printf 'nat timeout set udp 99\n%s\n' "$refused" >"$TMP/refused.batch"
	bad "batch: '$refused' is refused, naming the line" 2 "line 2" batch file "$TMP/refused.batch"
done

begin "gateway del: the device's last leg detaches nv_from_ext and removes its clsact"
nv_ok nat map del proto tcp external 198.51.100.1:80
nv_ok nat map del proto udp external 198.51.100.1:53
nv_ok nat map del proto tcp external 198.51.100.2:443
nv_ok nat del rdid 70
nv_ok nat del rdid 71
nv_ok gateway route del rdid 70 prefix 203.0.113.0/24
shows nat "d['nats'] == [] and d['maps'] == []"
nv_ok gateway del rdid 70
[ -z "$OUT" ] || fail "gateway del printed: $OUT"
[ "$(filter_on gw0)" = nv_from_ext ] || fail "gw0 lost its filter with one leg left"
nv_ok gateway del rdid 71
[ -z "$(filter_on gw0)" ] || fail "filter left on gw0: $(in_host tc filter show dev gw0 ingress)"
[ "$(clsact_on gw0)" = 0 ] || fail "clsact left on gw0"
shows gateway "[g['rdid'] for g in d] == [72]"
end

begin "dp reload swaps nv_from_ext on every external device in place"
before=$(in_host tc filter show dev gw1 ingress | grep -o ' id [0-9]*' | head -1)
nv_ok dp reload
after=$(in_host tc filter show dev gw1 ingress | grep -o ' id [0-9]*' | head -1)
[ -n "$after" ] && [ "$before" != "$after" ] || fail "gw1's program: $before -> $after"
nv_ok -j dp show
printf '%s' "$OUT" | json_true "[(e['dev'], e['from_ext_id']) for e in d['ext_devs']] == [('gw1', int('${after# id }'))]" || fail "dp show: $OUT"
end

begin "dp attach ct-max N: the connection table's size"
nv_pin2 dp attach dev vm3 pa 192.0.2.9 ct-max 1000
[ "$RC" = 0 ] || fail "dp attach ct-max 1000: $ERR"
nv_pin2 -j dp show
printf '%s' "$OUT" | json_true "d['maps']['conns_max'] == 1000" || fail "dp show: $OUT"
end
bad "gateway add on another instance's underlay" 1 "dev vm3 already has nvgre's TC filter" \
	gateway add rdid 73 vsid 7004 ca 10.73.0.254 mac 02:00:00:73:00:fe dev vm3
begin "dp attach ct-max N: kept by dp reload; detach leaves nothing"
nv_pin2 dp reload
nv_pin2 -j dp show
printf '%s' "$OUT" | json_true "d['maps']['conns_max'] == 1000" || fail "after reload: $OUT"
nv_pin2 dp detach
[ "$RC" = 0 ] || fail "dp detach: $ERR"
[ ! -e "$PIN2" ] || fail "$PIN2 left"
end
# The forward leg of rdid 72 on gw1 stays: dp detach must take its filter and clsact (below).

# =====================================================================================
# apply and export with the gateway's objects: a leg in a file attaches nv_from_ext to its device
# as gateway add does, and its removal from the file detaches it. The state here: the forward leg
# of rdid 72 on gw1 and its route 0.0.0.0/0; gw0 and gw2 carry nothing.
# =====================================================================================
begin "export: the gateway's leg and route as gateway show lists them, no timeouts (the defaults)"
nv_ok export "$TMP/gw-live.json"
why=$(validate "$TMP/gw-live.json")
[ -z "$why" ] || fail "not valid against the schema: $why"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["gateways"] == [{"rdid": 72, "vsid": 7003, "ca": "10.72.0.254", "mac": "02:00:00:72:00:fe", "dev": "gw1", "mode": "forward"}], d["gateways"]
assert d["gateway_routes"] == [{"rdid": 72, "prefix": "0.0.0.0/0"}], d["gateway_routes"]
assert d["nats"] == [] and d["nat_maps"] == [] and "nat_timeouts" not in d, d' "$TMP/gw-live.json" ||
	fail "export: $(cat "$TMP/gw-live.json")"
snap "$TMP/before-gw-apply"
end

# A NAT-mode leg of rdid 73 on gw2 (mode left out: nat), its NAT, static mapping and route, and
# one timeout: what the batch above wrote, as a file.
policy_edit "$TMP/gw-live.json" "$TMP/gw.json" '
d["gateways"].append({"rdid": 73, "vsid": 7004, "ca": "10.73.0.254", "mac": "02:00:00:73:00:fe", "dev": "gw2"})
d["nats"].append({"rdid": 73, "external": "198.51.100.3", "ports": "4000-4999"})
d["nat_maps"].append({"rdid": 73, "proto": "udp", "external": "198.51.100.3:4500", "internal": "10.73.0.10:4500"})
d["gateway_routes"].append({"rdid": 73, "prefix": "192.0.2.128/25", "via": "198.51.100.129"})
d["nat_timeouts"] = {"tcp_fin": 5}'

begin "apply: a leg on gw2 attaches nv_from_ext; its NAT, mapping, route and timeouts; again: nothing"
why=$(validate "$TMP/gw.json")
[ -z "$why" ] || fail "the file is not valid against the schema: $why"
nv_ok apply "$TMP/gw.json"
for w in '^+ gateway {"rdid":73,"vsid":7004,"ca":"10.73.0.254","mac":"02:00:00:73:00:fe","dev":"gw2","mode":"nat"}$' \
	'^+ gateway-route {"rdid":73,"prefix":"192.0.2.128/25","via":"198.51.100.129"}$' \
	'^+ nat {"rdid":73,"external":"198.51.100.3","ports":"4000-4999"}$' \
	'^+ nat-map {"rdid":73,"proto":"udp","external":"198.51.100.3:4500","internal":"10.73.0.10:4500"}$' \
	'^+ nat-timeouts {.*"tcp_fin":5,' '^5 added, 0 changed, 0 deleted$'; do
	printf '%s\n' "$OUT" | grep -q -- "$w" || fail "no '$w' in: $OUT"
done
[ "$(filter_on gw2)" = nv_from_ext ] || fail "gw2 has no filter after the apply"
[ "$(clsact_on gw2)" = 1 ] || fail "no clsact on gw2"
shows gateway "[(g['rdid'], g['dev'], g['mode']) for g in d] == [(72, 'gw1', 'forward'), (73, 'gw2', 'nat')]"
shows nat "[(n['rdid'], n['port_lo'], n['port_hi']) for n in d['nats']] == [(73, 4000, 4999)] and [(m['proto'], m['external_port'], m['internal']) for m in d['maps']] == [('udp', 4500, '10.73.0.10')] and d['timeouts']['tcp_fin'] == 5 and d['timeouts']['udp'] == 60"
shows "gateway route" "[(r['rdid'], r['prefix'], r['via']) for r in d] == [(72, '0.0.0.0/0', None), (73, '192.0.2.128/25', '198.51.100.129')]"
nv_ok apply "$TMP/gw.json"
case $OUT in "0 added, 0 changed, 0 deleted"*) ;; *) fail "second apply: $OUT" ;; esac
end

begin "export of the gateway's objects: valid, and applied with prune it changes nothing"
nv_ok export "$TMP/gw-export.json"
why=$(validate "$TMP/gw-export.json")
[ -z "$why" ] || fail "not valid against the schema: $why"
grep -q '^  "nat_timeouts": {"tcp_syn":60,"tcp_established":21600,"tcp_fin":5,"udp":60,"icmp":30}$' "$TMP/gw-export.json" ||
	fail "export's timeouts: $(cat "$TMP/gw-export.json")"
nv_ok apply "$TMP/gw-export.json" prune yes
case $OUT in "0 added, 0 changed, 0 deleted"*) ;; *) fail "apply prune of the export: $OUT" ;; esac
end

# The leg's MAC changed: deleted and added again, which its NAT and route do not survive in the
# maps (gateway del refuses while they are there): they go first and come back, the mapping too.
policy_edit "$TMP/gw.json" "$TMP/gw-moved.json" '
[g for g in d["gateways"] if g["rdid"] == 73][0]["mac"] = "02:00:00:73:00:fd"'

begin "apply dry-run -j: a changed leg, its NAT, mapping and route deleted and added (the kinds named)"
nv_ok -j apply "$TMP/gw-moved.json" dry-run yes
printf '%s' "$OUT" | json_true "d['dry_run'] and (d['added'], d['changed'], d['deleted']) == (3, 1, 3) and [(c['op'], c['kind']) for c in d['changes']] == [('delete', 'nat-map'), ('delete', 'nat'), ('delete', 'gateway-route'), ('change', 'gateway'), ('add', 'gateway-route'), ('add', 'nat'), ('add', 'nat-map')] and all(c['object']['rdid'] == 73 for c in d['changes'])" ||
	fail "dry run: $OUT"
end

begin "apply: the leg changed in place, gw2 keeps nv_from_ext; its NAT, mapping and route are back"
nv_ok apply "$TMP/gw-moved.json"
printf '%s\n' "$OUT" | grep -q '^~ gateway {"rdid":73,.*"mac":"02:00:00:73:00:fd"' || fail "no ~ gateway line: $OUT"
printf '%s\n' "$OUT" | grep -q '^- nat {"rdid":73' || fail "no - nat line: $OUT"
printf '%s\n' "$OUT" | grep -q '^+ nat {"rdid":73' || fail "no + nat line: $OUT"
[ "$(filter_on gw2)" = nv_from_ext ] || fail "gw2 lost its filter"
shows gateway "[(g['rdid'], g['mac']) for g in d] == [(72, '02:00:00:72:00:fe'), (73, '02:00:00:73:00:fd')]"
shows nat "[n['rdid'] for n in d['nats']] == [73] and [m['external_port'] for m in d['maps']] == [4500]"
shows "gateway route" "len(d) == 2"
nv_ok apply "$TMP/gw-moved.json"
case $OUT in "0 added, 0 changed, 0 deleted"*) ;; *) fail "second apply: $OUT" ;; esac
end

# Refused after changes that applied, a leg on gw0 among them: all taken back, gw0 untouched.
policy_edit "$TMP/gw-moved.json" "$TMP/gw-refused.json" '
d["gateways"].append({"rdid": 70, "vsid": 7001, "ca": "10.70.0.254", "mac": "02:00:00:70:00:fe", "dev": "gw0"})
d["nats"].append({"rdid": 72, "external": "198.51.100.9"})
d["nat_timeouts"] = {"udp": 30}'
bad "apply: a leg on gw0 attached, then a NAT of a forward-mode leg refused: nothing stays" 1 \
	"the gateway leg of rdid 72 is in forward mode" apply "$TMP/gw-refused.json"
begin "apply refused: gw0 has no filter, no clsact"
[ -z "$(filter_on gw0)" ] || fail "filter left on gw0: $(filter_on gw0)"
[ "$(clsact_on gw0)" = 0 ] || fail "clsact left on gw0"
end
policy_edit "$TMP/gw-moved.json" "$TMP/gw-badports.json" '[n for n in d["nats"] if n["rdid"] == 73][0]["ports"] = "4999-4000"'
bad "apply: a NAT's port range reversed, named by its JSON pointer" 2 "/nats/0/ports: expected LO-HI" apply "$TMP/gw-badports.json"
policy_edit "$TMP/gw-moved.json" "$TMP/gw-baddev.json" 'd["gateways"][1]["dev"] = "nosuchdev0"'
bad "apply: a leg's device that does not exist, named by its JSON pointer" 2 "/gateways/1/dev: no such network device" apply "$TMP/gw-baddev.json"
policy_edit "$TMP/gw-moved.json" "$TMP/gw-badmap.json" 'd["nat_maps"][0]["external"] = "198.51.100.3"'
bad "apply: a static mapping without its port, named by its JSON pointer" 2 "/nat_maps/0/external: expected ADDR:PORT" apply "$TMP/gw-badmap.json"

begin "apply prune yes of the export before: the leg removed detaches gw2; everything as it was"
nv_ok apply "$TMP/gw-live.json" prune yes
printf '%s\n' "$OUT" | grep -q '^- gateway {"rdid":73,' || fail "no - gateway line: $OUT"
printf '%s\n' "$OUT" | grep -q '^- nat-timeouts {' || fail "no - nat-timeouts line: $OUT"
printf '%s\n' "$OUT" | grep -q '^0 added, 0 changed, 5 deleted$' || fail "counts: $OUT"
[ -z "$(filter_on gw2)" ] || fail "filter left on gw2: $(in_host tc filter show dev gw2 ingress)"
[ "$(clsact_on gw2)" = 0 ] || fail "clsact left on gw2"
[ "$(filter_on gw1)" = nv_from_ext ] || fail "gw1 lost the filter of the leg the file keeps"
same_as "$TMP/before-gw-apply" "the instance after apply prune of its export"
end

# =====================================================================================
# agent: what it refuses before it talks to etcd (tests/e2e/agent.sh follows a real cluster)
# =====================================================================================
bad "agent run: no etcd" 2 "etcd" agent run prefix /nv/
bad "agent run: an endpoint that is not http(s)" 2 "ftp://10.0.0.9:2379" agent run etcd ftp://10.0.0.9:2379 prefix /nv/
bad "agent run: an empty prefix" 2 "prefix: empty" agent run etcd http://127.0.0.1:1 prefix ""
bad "agent run: user without password-file" 2 "user and password-file go together" agent run etcd http://127.0.0.1:1 prefix /nv/ user root
bad "agent run: cert without key" 2 "cert and key go together" agent run etcd https://127.0.0.1:1 prefix /nv/ cert "$TMP/c.pem"
bad "agent run: a host name with a slash" 2 "a/b" agent run etcd http://127.0.0.1:1 prefix /nv/ host a/b
bad "agent run: a password file that does not exist" 1 "$TMP/no-password" agent run etcd http://127.0.0.1:1 prefix /nv/ user root password-file "$TMP/no-password"
bad "agent status: no agent running for the instance" 1 "no agent is running" agent status

# =====================================================================================
# detach: nothing left behind
# =====================================================================================
begin "dp detach removes programs, filters, qdiscs and pins"
[ "$(filter_on gw1)" = nv_from_ext ] || fail "no gateway filter on gw1 before the detach"
nv_ok dp detach
[ ! -e "$PIN" ] || fail "$PIN left: $(ls -R "$PIN" 2>&1)"
for d in $DEVS; do
	f=$(in_host tc filter show dev "$d" ingress)
	[ -z "$f" ] || fail "filter left on $d: $f"
	in_host tc qdisc show dev "$d" | grep -q clsact && fail "clsact left on $d"
	in_host ip -d -o link show dev "$d" | grep -q 'prog/xdp' && fail "XDP program left on $d"
done
nv dp show
[ "$RC" -eq 1 ] || fail "dp show after detach: exit $RC"
end

begin "export, detach, attach, apply: the same maps (ports attached again)"
nv_ok dp attach dev ul0 pa 192.0.2.1 xdp-mode native
nv_ok apply "$TMP/live.json"
nv_ok export "$TMP/again.json"
cmp -s "$TMP/live.json" "$TMP/again.json" || fail "not the same: $(diff "$TMP/live.json" "$TMP/again.json")"
in_host tc filter show dev vm1 ingress | grep -q nv_from_vm || fail "vm1's program not attached again"
nv_ok dp detach
[ ! -e "$PIN" ] || fail "$PIN left"
end

tap_done
