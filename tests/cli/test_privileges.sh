#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Privileges and concurrency of nvctl against a real attached datapath, in a private network
# namespace and private pin directories:
#   - run by nobody: every command that reads or writes the maps exits 1 with one line naming the
#     command and what it lacks, nothing changed; help, usage and usage errors work for anyone
#   - the pins dp attach makes are root's alone (directories 0700, pins 0600, under any umask);
#     a directory made beforehand by another user, or writable by others, is refused; nobody can
#     open the instance, so cannot hold its lock
#   - the agent's status directory and file are not writable by others (umask 000)
#   - metrics listen: no address, 127.0.0.1:9477 (loopback); 127.0.0.1 means loopback only; another address
#     means that address only; GET and HEAD /metrics only (405 for other methods, 404 for other
#     paths)
#   - the etcd password (agent run ... password-file F) is never printed: not in the agent's log,
#     status file, agent status, help, /proc/PID/cmdline or environ; not even when the server
#     (a reflecting one, no etcd) sends it back; only the file's first line is sent
#   - writers at once: 4 x 200 record add, 10 batch files, 3 failing batch files and 4 apply in
#     parallel against one datapath, with readers: every record present exactly once, the index
#     in step, failing batches leave nothing, no reader sees half a batch or half an apply
#   - SIGTERM/SIGINT during a batch: all of it or none of it
# The etcd agent is not among the concurrent writers: it needs an etcd (tests/e2e/agent.sh).
# Usage: tests/cli/test_privileges.sh [BUILD_DIR]   (default: build). As root.
# Prints "ok N - name" / "not ok N - name" per test, then "N passed, M failed"; exits 1 on failure.
set -u

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cli_preamble nvgre-priv "${1:-build}" ip nsenter timeout python3 curl ss setpriv stat flock \
	bpftool

# The agent's status directory: removed at the end when this suite made it.
[ -d /run/nvgre-xdp ] || on_cleanup 'rmdir /run/nvgre-xdp 2>/dev/null || true'

PIN2=$(pin_dir never) # never attached
pin_own "$PIN2" host
PIN3=$(pin_dir umask) # attached under umask 000, detached at once
pin_own "$PIN3" host
PIN4=$(pin_dir signals) # the interrupted batches
pin_own "$PIN4" host
SQUAT=$(pin_dir squat) # made beforehand by nobody
pin_own "$SQUAT" host
LOOSE=$(pin_dir loose) # made beforehand by root, 0777 then 0755
pin_own "$LOOSE" host
AGPIN=$(pin_dir agent) # the agent's instance (never attached: the agent never gets that far)
PORT=9489              # the host namespace is ours
EPORT=2379             # the reflecting server

# shellcheck disable=SC2016
in_host sh -ec '
	for p in ul ux uy mx; do
		ip link add ${p}0 type veth peer name ${p}1
		ip link set ${p}0 up
		ip link set ${p}1 up
	done
	ip addr add 198.51.100.1/24 dev mx0' || die "devices"

# ---- nvctl as nobody: RC, OUT, ERR (lib.sh's nvraw, through setpriv) ----
as_nobody() { in_host setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
nv_nobody_pin() {
	local pin=$1
	shift
	OUT=$(as_nobody "$NVCTL" --pin-dir "$pin" "$@" <"$STDIN" 2>"$TMP/stderr")
	RC=$?
	ERR=$(<"$TMP/stderr")
}
nv_nobody() { nv_nobody_pin "$PIN" "$@"; }
nv_nobody2() { nv_nobody_pin "$PIN2" "$@"; }

# Everything a refused command could have changed: the maps as root sees them, the pin
# directories, the underlay's XDP program.
snapshot() {
	# shellcheck disable=SC2016
	in_host sh -c 'for o in record subnet pa port; do
		echo "$o: $("$1" --pin-dir "$2" -j $o show 2>&1)"
	done
	ls -R "$2" "$3" 2>&1
	ip -d -o link show | grep -o -e "^[0-9]*: [^:]*" -e "prog/xdp id [0-9]*"' \
		sh "$NVCTL" "$PIN" "$PIN2"
}

# mode PATH: octal permission bits and owner
mode() { stat -c '%a %U' "$1"; }

# The pins of an instance: every directory 700, every pin 600, all root's.
check_pins() {
	local bad
	ls -d "$1"/maps-v* >/dev/null 2>&1 || fail "$1: no maps directory"
	bad=$(find "$1" \( -type d ! -perm 700 \) -o \( ! -type d ! -perm 600 \) -o ! -user root)
	[ -z "$bad" ] || fail "not 0700 dirs / 0600 pins / root's: $(for f in $bad; do mode "$f" | tr '\n' ' '; echo "$f"; done)"
	[ "$(find "$1" ! -type d | wc -l)" -ge 10 ] || fail "$1: too few pins: $(find "$1")"
}

# =====================================================================================
# The datapath
# =====================================================================================
begin "dp attach, base configuration"
nv_ok dp attach dev ul0 pa 192.0.2.1
nv_ok subnet add vsid 5101 rdid 11 prefix 10.101.0.0/16
nv_ok subnet add vsid 5102 rdid 12 prefix 10.102.0.0/16
nv_ok subnet add vsid 5103 rdid 13 prefix 10.103.0.0/16
nv_ok record add vsid 5102 ca 10.102.99.1 mac 02:66:00:00:99:01 pa 192.0.2.78
end
[ "$RC" -eq 0 ] || tap_bail "cannot go on without a datapath"
MAPS=$(ls -d "$PIN"/maps-v*)

# =====================================================================================
# 1. Not root
# =====================================================================================
RUNNER=nv_nobody2 bad "nobody: dp attach (writes)" 1 "dp attach needs root (CAP_BPF and CAP_NET_ADMIN)" \
	dp attach dev ux0 pa 192.0.2.9
RUNNER=nv_nobody bad "nobody: record add (writes)" 1 "record add needs root (CAP_BPF and CAP_NET_ADMIN)" \
	record add vsid 5101 ca 10.101.0.9 mac 02:65:00:00:00:09 pa 192.0.2.77
RUNNER=nv_nobody bad "nobody: batch file (writes)" 1 "batch file needs root (CAP_BPF and CAP_NET_ADMIN)" \
	batch file /dev/null
RUNNER=nv_nobody bad "nobody: record show (reads)" 1 "record show needs root (CAP_BPF and CAP_NET_ADMIN)" \
	record show
RUNNER=nv_nobody bad "nobody: stats show (reads)" 1 "stats show needs root (CAP_BPF and CAP_NET_ADMIN)" \
	stats show
RUNNER=nv_nobody bad "nobody: metrics (the default command)" 1 "metrics show needs root" metrics
RUNNER=nv_nobody bad "nobody: gateway route add (a group's command, writes)" 1 \
	"gateway route add needs root (CAP_BPF and CAP_NET_ADMIN)" gateway route add rdid 11 prefix 203.0.113.0/24
RUNNER=nv_nobody bad "nobody: nat gc --watch (runs until stopped)" 1 "nat gc needs root" nat gc --watch

begin "nobody: the error is one line on stderr, and nothing was created"
nv_nobody2 dp attach dev ux0 pa 192.0.2.9
expect_eq "exit" 1 "$RC"
expect_eq "stderr lines" 1 "$(printf '%s\n' "$ERR" | wc -l)"
[ ! -e "$PIN2" ] || fail "$PIN2 created: $(ls -la "$PIN2")"
in_host ip -d link show ux0 | grep -q "prog/xdp" && fail "an XDP program on ux0"
end

begin "nobody: help, OBJECT help, help commands, -h, -V work"
for args in "help" "record help" "dp help" "agent help" "help record" "help commands" "-h" "-V"; do
	# shellcheck disable=SC2086
	nv_nobody $args
	[ "$RC" -eq 0 ] || fail "$args: exit $RC: $ERR"
	[ -n "$OUT" ] || fail "$args: no output"
	[ -z "$ERR" ] || fail "$args: stderr: $ERR"
done
end

# A usage error is one whoever runs it: the arguments are checked before the privileges.
RUNNER=nv_nobody bad "nobody: usage error first (bad VSID)" 2 '"1"' record add vsid 1 ca 10.101.0.9 mac 02:65:00:00:00:09 pa 192.0.2.77
RUNNER=nv_nobody bad "nobody: usage error first (unknown object)" 2 frob frob show
RUNNER=nv_nobody bad "nobody: usage error first (no command)" 2 "no command" record

begin "nobody cannot open the instance: not its pins, not its lock"
as_nobody ls "$PIN" >/dev/null 2>&1 && fail "nobody lists $PIN"
as_nobody cat "$MAPS/nv_records" >/dev/null 2>&1 && fail "nobody opens $MAPS/nv_records"
as_nobody bpftool map show pinned "$MAPS/nv_records" >/dev/null 2>&1 && fail "nobody opens the records map"
# Anyone who could open the directory could flock it and stop every nvctl of the instance.
as_nobody flock -n "$PIN" true 2>/dev/null && fail "nobody can take the instance lock"
end

# =====================================================================================
# 2. Pins and status files
# =====================================================================================
begin "dp attach: the instance directory and its subdirectories 0700, every pin 0600, root's"
expect_eq "$PIN" "700 root" "$(mode "$PIN")"
check_pins "$PIN"
end

begin "dp attach under umask 000: the same modes"
OUT=$(in_host sh -c 'umask 000; exec "$@"' sh "$NVCTL" --pin-dir "$PIN3" dp attach dev ux0 pa 192.0.2.3 2>&1) ||
	fail "attach under umask 000: $OUT"
expect_eq "$PIN3" "700 root" "$(mode "$PIN3" 2>&1)"
check_pins "$PIN3"
nvraw "$PIN3" dp detach
[ "$RC" -eq 0 ] || fail "detach: $ERR"
[ ! -e "$PIN3" ] || fail "$PIN3 left"
end

begin "dp attach refuses an instance directory made beforehand by another user"
as_nobody mkdir -m 777 "$SQUAT" || fail "nobody could not mkdir in bpffs"
nvraw "$SQUAT" dp attach dev ux0 pa 192.0.2.3
expect_eq "exit" 1 "$RC"
case $ERR in "Error: dp attach: the instance directory"*"another user's"*) ;; *) fail "stderr: $ERR" ;; esac
[ -z "$(ls -A "$SQUAT")" ] || fail "pins made in $SQUAT: $(ls -A "$SQUAT")"
in_host ip -d link show ux0 | grep -q "prog/xdp" && fail "an XDP program on ux0"
rmdir "$SQUAT"
end

# bpffs is 1777: nobody can flock it, or a directory of its own, forever. Neither may stall root.
begin "a lock held by nobody on bpffs or on a directory it made does not stall nvctl"
as_nobody mkdir -m 777 "$SQUAT" || fail "nobody could not mkdir in bpffs"
bg_in_ns host setpriv --reuid=nobody --regid=nogroup --clear-groups flock /sys/fs/bpf sleep 60
H1=$BG_PID
bg_in_ns host setpriv --reuid=nobody --regid=nogroup --clear-groups flock "$SQUAT" sleep 60
H2=$BG_PID
sleep 0.3
RC=0
in_host timeout 20 "$NVCTL" --pin-dir "$SQUAT" dp attach dev ux0 pa 192.0.2.3 >/dev/null 2>&1 || RC=$?
expect_eq "attach into the squatted directory (refused, not stalled)" 1 "$RC"
RC=0
in_host timeout 20 "$NVCTL" --pin-dir "$PIN3" dp attach dev ux0 pa 192.0.2.3 >/dev/null 2>&1 || RC=$?
expect_eq "attach of a new instance while nobody holds bpffs" 0 "$RC"
RC=0
in_host timeout 20 "$NVCTL" --pin-dir "$PIN3" dp detach >/dev/null 2>&1 || RC=$?
expect_eq "detach" 0 "$RC"
bg_stop "$H1" TERM 2>/dev/null
bg_stop "$H2" TERM 2>/dev/null
rmdir "$SQUAT"
end

begin "dp attach refuses a directory writable by others, makes a readable one 0700"
mkdir -m 777 "$LOOSE" && chmod 777 "$LOOSE"
nvraw "$LOOSE" dp attach dev ux0 pa 192.0.2.3
expect_eq "exit (0777)" 1 "$RC"
case $ERR in *"writable by group or others"*) ;; *) fail "stderr: $ERR" ;; esac
chmod 755 "$LOOSE"
nvraw "$LOOSE" dp attach dev ux0 pa 192.0.2.3
expect_eq "exit (0755)" 0 "$RC"
expect_eq "$LOOSE" "700 root" "$(mode "$LOOSE" 2>&1)"
check_pins "$LOOSE"
nvraw "$LOOSE" dp detach
[ "$RC" -eq 0 ] || fail "detach: $ERR"
end

# =====================================================================================
# 3. metrics listen
# =====================================================================================
# listen_start ADDR: metrics listen ADDR in the background (LPID), waits for its line.
listen_start() { # "": no address (the default)
	local _ addr=("$1")
	[ -n "$1" ] || addr=()
	bg_in_ns host "$NVCTL" --pin-dir "$PIN" metrics listen "${addr[@]}" \
		>"$TMP/listen.out" 2>"$TMP/listen.err" </dev/null
	LPID=$BG_PID
	for _ in $(seq 100); do
		grep -qF "listening on ${1:-127.0.0.1:9477}" "$TMP/listen.out" && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	fail "metrics listen $1 did not start: $(cat "$TMP/listen.out" "$TMP/listen.err")"
	return 1
}
listen_stop() {
	bg_stop "$LPID" TERM
	[ "$BG_RC" -eq 0 ] || fail "metrics listen exited $BG_RC: $(cat "$TMP/listen.err")"
}
# listeners: the local addresses listening on PORT in the host namespace, one per line
listeners() { in_host ss -Hltn "sport = :$PORT" | awk '{ print $4 }' | sort; }
# http METHOD URL: "CODE" (000 when refused)
http() {
	in_host curl -s --max-time 5 -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$1" "$2" 2>/dev/null
}

begin "metrics listen with no address: 127.0.0.1:9477, loopback only"
listen_start ""
expect_eq "listeners" "127.0.0.1:9477" "$(in_host ss -Hltn "sport = :9477" | awk '{ print $4 }')"
expect_eq "GET /metrics on loopback" 200 "$(http GET http://127.0.0.1:9477/metrics)"
listen_stop
end

begin "metrics listen 127.0.0.1:PORT: bound to loopback only"
if listen_start "127.0.0.1:$PORT"; then
	expect_eq "listeners" "127.0.0.1:$PORT" "$(listeners)"
	expect_eq "GET on 127.0.0.1" 200 "$(http GET "http://127.0.0.1:$PORT/metrics")"
	grep -q '^nvgre_map_entries{map="records"}' "$TMP/body" || fail "no nvgre_map_entries: $(head -5 "$TMP/body")"
	expect_eq "GET on 198.51.100.1 (refused)" 000 "$(http GET "http://198.51.100.1:$PORT/metrics")"
fi
end

begin "metrics listen: GET and HEAD /metrics only; 405 for other methods, 404 for other paths"
if [ -n "$(listeners)" ]; then
	code=$(in_host curl -s --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' -I "http://127.0.0.1:$PORT/metrics")
	expect_eq "HEAD /metrics: code, body bytes" "200 0" "$code"
	for m in POST PUT DELETE PATCH OPTIONS TRACE; do
		expect_eq "$m /metrics" 405 "$(http "$m" "http://127.0.0.1:$PORT/metrics")"
		grep -qi '^Allow: GET, HEAD' "$TMP/headers" || fail "$m: no Allow: GET, HEAD: $(cat "$TMP/headers")"
		grep -q '^nvgre_' "$TMP/body" && fail "$m: the metrics in a 405"
	done
	code=$(in_host curl -s --max-time 5 -o "$TMP/body" -w '%{http_code}' --data-binary 'x=1' "http://127.0.0.1:$PORT/metrics")
	expect_eq "POST with a body" 405 "$code"
	for p in / /metrics/ /metricsx /metrics/x /index.html /debug/vars; do
		expect_eq "GET $p" 404 "$(http GET "http://127.0.0.1:$PORT$p")"
		grep -q '^nvgre_' "$TMP/body" && fail "$p: the metrics in a 404"
	done
	expect_eq "GET /metrics after all that" 200 "$(http GET "http://127.0.0.1:$PORT/metrics")"
else
	fail "no listener (see above)"
fi
[ -n "${LPID:-}" ] && listen_stop
end

begin "metrics listen 198.51.100.1:PORT: bound there only"
if listen_start "198.51.100.1:$PORT"; then
	expect_eq "listeners" "198.51.100.1:$PORT" "$(listeners)"
	expect_eq "GET on 198.51.100.1" 200 "$(http GET "http://198.51.100.1:$PORT/metrics")"
	expect_eq "GET on 127.0.0.1 (refused)" 000 "$(http GET "http://127.0.0.1:$PORT/metrics")"
	listen_stop
fi
expect_eq "listeners after SIGTERM" "" "$(listeners)"
end

# =====================================================================================
# 4. The etcd password
# =====================================================================================
STATUS="/run/nvgre-xdp/agent-$(basename "$AGPIN").json"
[ -d /run/nvgre-xdp ] || on_cleanup 'rmdir /run/nvgre-xdp 2>/dev/null'
on_cleanup "rm -f '$STATUS' '$STATUS'.*.tmp"
PW="pw-$RUN_ID-Zq9x"
SECOND="second-line-$RUN_ID"
printf '%s\n%s\n' "$PW" "$SECOND" >"$TMP/password"
chmod 600 "$TMP/password"

# agent_start ETCD: the agent under umask 000 in the background (APID), its stderr in
# $TMP/agent.err; waits (at most 10 s) for its status file to name an error.
agent_start() {
	rm -f "$STATUS"
	# shellcheck disable=SC2016
	bg_in_ns host sh -c 'umask 000; exec "$@"' sh "$NVCTL" --pin-dir "$AGPIN" agent run \
		etcd "$1" prefix /nvpriv/ host h1 user root password-file "$TMP/password" \
		2>"$TMP/agent.err" </dev/null
	APID=$BG_PID
	local _
	for _ in $(seq 100); do
		[ -s "$STATUS" ] && grep -q '"last_error":"[^"]' "$STATUS" && return 0
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	fail "the agent wrote no error into $STATUS: $(cat "$STATUS" "$TMP/agent.err" 2>&1)"
	return 1
}
# no_secret WHAT TEXT: fail when TEXT holds the password or the file's second line
no_secret() {
	case $2 in
	*"$PW"* | *"$SECOND"*) fail "$1 holds the password: $2" ;;
	esac
}
# secrets_nowhere: the agent's log, status file, agent status, cmdline, environ
secrets_nowhere() {
	no_secret "the agent's log" "$(cat "$TMP/agent.err")"
	no_secret "the status file" "$(cat "$STATUS")"
	nvraw "$AGPIN" agent status
	expect_eq "agent status exit" 0 "$RC"
	no_secret "agent status" "$OUT$ERR"
	nvraw "$AGPIN" -j agent status
	no_secret "agent status -j" "$OUT$ERR"
	printf '%s' "$OUT" | json_true "d['running'] and d['state'] == 'disconnected'" ||
		fail "agent status -j: $OUT"
	no_secret "/proc/PID/cmdline" "$(tr '\0' ' ' <"/proc/$APID/cmdline")"
	no_secret "/proc/PID/environ" "$(tr '\0' ' ' <"/proc/$APID/environ")"
	tr '\0' ' ' <"/proc/$APID/cmdline" | grep -q "password-file $TMP/password" ||
		fail "not the agent's cmdline: $(tr '\0' ' ' <"/proc/$APID/cmdline")"
}
agent_stop() {
	bg_stop "$APID" TERM
	expect_eq "agent exit on SIGTERM" 0 "$BG_RC"
	[ ! -e "$STATUS" ] || fail "status file left after a clean stop"
}

begin "agent against a closed port: the password in no log, status, agent status, cmdline, environ"
if agent_start http://127.0.0.1:1; then
	grep -q "127.0.0.1:1" "$TMP/agent.err" || fail "the log does not name the endpoint: $(cat "$TMP/agent.err")"
	secrets_nowhere
	agent_stop
fi
end

begin "the agent's status directory and file are not writable by others (agent under umask 000)"
# A loose directory of root's is made private again before the agent writes into it.
mkdir -p /run/nvgre-xdp && chmod 777 /run/nvgre-xdp
if agent_start http://127.0.0.1:1; then
	expect_eq "$STATUS" "644 root" "$(mode "$STATUS")"
	m=$(stat -c '%a' /run/nvgre-xdp)
	[ $((0$m & 022)) -eq 0 ] || fail "/run/nvgre-xdp is mode $m"
	expect_eq "/run/nvgre-xdp owner" root "$(stat -c %U /run/nvgre-xdp)"
	agent_stop
fi
end

begin "help and usage hold no password"
for args in "-h" "agent help" "help commands"; do
	# shellcheck disable=SC2086
	nv $args
	no_secret "$args" "$OUT$ERR"
done
nv agent run etcd http://127.0.0.1:1 prefix /nvpriv/ user root password-file "$TMP/password" extra
expect_eq "exit (extra argument)" 2 "$RC"
no_secret "a usage error" "$OUT$ERR"
end

# A server (no etcd) that answers each login with what it was sent: in turn inside an etcd
# error message, then cut short (not JSON). Every body it receives is kept.
cat >"$TMP/reflect.py" <<'EOF'
import http.server, sys
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        n[0] += 1
        if n[0] % 2:
            out = b'{"error":"x","code":3,"message":"' + body.replace(b'"', b"'") + b'"}'
            self.send_response(400)
        else:
            out = body[:-2]
            self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
begin "a server that sends the login back, whole or cut: the password is still never printed"
bg_in_ns host "$PY" "$TMP/reflect.py" "$EPORT" "$TMP/received" >"$TMP/reflect.log" 2>&1
RPID=$BG_PID
for _ in $(seq 50); do
	[ -n "$(in_host ss -Hltn "sport = :$EPORT")" ] && break
	sleep 0.1
done
if agent_start "http://127.0.0.1:$EPORT"; then
	for _ in $(seq 50); do # both answers seen: at least two logins
		[ "$(grep -c . "$TMP/received" 2>/dev/null)" -ge 2 ] && break
		sleep 0.1
	done
	secrets_nowhere
	grep -q "login as root" "$TMP/agent.err" || fail "no login error in the log: $(cat "$TMP/agent.err")"
	grep -q "not JSON" "$TMP/agent.err" || fail "no cut answer in the log: $(cat "$TMP/agent.err")"
	grep -qF "\"password\":\"$PW\"" "$TMP/received" || fail "the server did not get the password: $(head -2 "$TMP/received")"
	grep -qF "$SECOND" "$TMP/received" && fail "the password file's second line was sent"
	agent_stop
fi
bg_stop "$RPID" TERM
end

# =====================================================================================
# 5. Writers at once
# =====================================================================================
# writer W: 200 record add, one nvctl each, of 10.101.W.1..200
writer() {
	local w=$1 i
	for i in $(seq 1 200); do
		in_host "$NVCTL" --pin-dir "$PIN" record add vsid 5101 ca "10.101.$w.$i" \
			mac "$(printf '02:65:00:00:%02x:%02x' "$w" "$i")" pa 192.0.2.77 \
			>>"$TMP/conc.out" 2>>"$TMP/w$w.err" || echo "record add 10.101.$w.$i: exit $?" >>"$TMP/w$w.err"
	done
}
# batch_file B: 100 record add of 10.102.B.1..100; FAIL=1: 99 of 10.102.B.x, then a duplicate
batch_file() {
	local b=$1 i n=100
	[ "${FAIL:-0}" = 1 ] && n=99
	for i in $(seq 1 "$n"); do
		printf 'record add vsid 5102 ca 10.102.%d.%d mac 02:66:00:00:%02x:%02x pa 192.0.2.78\n' \
			"$b" "$i" "$b" "$i"
	done
	[ "${FAIL:-0}" = 1 ] && echo "record add vsid 5102 ca 10.102.99.1 mac 02:66:00:00:99:01 pa 192.0.2.78"
}
# batcher FIRST LAST: the batch files FIRST..LAST, one nvctl each
batcher() {
	local b
	for b in $(seq "$1" "$2"); do
		in_host "$NVCTL" --pin-dir "$PIN" batch file "$TMP/b$b.batch" >>"$TMP/conc.out" 2>>"$TMP/batcher$1.err" ||
			echo "batch $b: exit $?" >>"$TMP/batcher$1.err"
	done
}
# failer: the failing batches, each must exit 1 naming its last line
failer() {
	local b rc
	for b in 50 51 52; do
		in_host "$NVCTL" --pin-dir "$PIN" batch file "$TMP/b$b.batch" >>"$TMP/conc.out" 2>"$TMP/f$b.err"
		rc=$?
		[ "$rc" -eq 1 ] || echo "failing batch $b: exit $rc" >>"$TMP/failer.err"
		grep -q "^Error: line 100: record add" "$TMP/f$b.err" ||
			echo "failing batch $b: $(cat "$TMP/f$b.err")" >>"$TMP/failer.err"
	done
}
# applier: policies A, B, A, B of the same 100 records of 5103 (B: other MACs)
applier() {
	local p
	for p in A B A B; do
		in_host "$NVCTL" --pin-dir "$PIN" apply file "$TMP/policy$p.json" >>"$TMP/conc.out" 2>>"$TMP/applier.err" ||
			echo "apply $p: exit $?" >>"$TMP/applier.err"
	done
}
# reader: until $TMP/stop exists, the records of 5102 and 5103 as nvctl shows them: 5102 holds
# the base record and whole batches only, 5103 one policy only (never half an apply)
reader() {
	while [ ! -e "$TMP/stop" ]; do
		in_host "$NVCTL" --pin-dir "$PIN" -j record show 2>>"$TMP/reader.err" | "$PY" -c '
import json, sys
recs = json.load(sys.stdin)
b = sum(1 for r in recs if r["vsid"] == 5102)
macs = {r["mac"][:14] for r in recs if r["vsid"] == 5103}
n3 = sum(1 for r in recs if r["vsid"] == 5103)
if (b - 1) % 100 or len(macs) > 1 or n3 not in (0, 100):
    print(f"half a change seen: {b} records in 5102, {n3} in 5103 with MACs {sorted(macs)}")' >>"$TMP/reader.err" 2>&1
	done
}

for b in $(seq 1 10); do batch_file "$b" >"$TMP/b$b.batch"; done
for b in 50 51 52; do FAIL=1 batch_file "$b" >"$TMP/b$b.batch"; done
for p in A B; do
	"$PY" -c '
import json, sys
g = 0 if sys.argv[1] == "A" else 1
print(json.dumps({"version": 1, "records": [
    {"vsid": 5103, "ca": f"10.103.0.{i}", "mac": f"02:67:00:00:{g:02x}:{i:02x}", "pa": "192.0.2.79"}
    for i in range(2, 102)]}))' "$p" >"$TMP/policy$p.json"
done

begin "writers at once: 4 x 200 record add, 10 batches, 3 failing batches, 4 apply, 2 readers"
t0=$SECONDS
pids=()
reader &
pids+=($!)
reader &
pids+=($!)
readers=("${pids[@]}")
for w in 1 2 3 4; do
	writer "$w" &
	pids+=($!)
done
batcher 1 5 &
pids+=($!)
batcher 6 10 &
pids+=($!)
failer &
pids+=($!)
applier &
pids+=($!)
for p in "${pids[@]}"; do bg_own "$p"; done
for p in "${pids[@]:2}"; do
	wait "$p"
	bg_forget "$p"
done
touch "$TMP/stop"
for p in "${readers[@]}"; do
	wait "$p"
	bg_forget "$p"
done
note "$((SECONDS - t0)) s"
errs=$(cat "$TMP"/w*.err "$TMP"/batcher*.err "$TMP"/applier.err "$TMP"/failer.err 2>/dev/null)
[ -z "$errs" ] || fail "errors: $(printf '%s\n' "$errs" | sort | uniq -c | head -20)"
[ ! -s "$TMP/reader.err" ] || fail "readers: $(sort "$TMP/reader.err" | uniq -c | head -10)"
nv_ok -j record show
printf '%s' "$OUT" >"$TMP/final.json"
why=$("$PY" - "$TMP/final.json" <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1]))
keys = [(r["vsid"], r["ca"]) for r in recs]
dups = {k for k in keys if keys.count(k) > 1} if len(set(keys)) != len(keys) else set()
if dups:
    print(f"records twice: {sorted(dups)[:5]}")
by = {}
for r in recs:
    by.setdefault(r["vsid"], {})[r["ca"]] = r
want1 = {f"10.101.{w}.{i}": f"02:65:00:00:{w:02x}:{i:02x}" for w in range(1, 5) for i in range(1, 201)}
got1 = {ca: r["mac"] for ca, r in by.get(5101, {}).items()}
if got1 != want1:
    print(f"5101: {len(got1)} records, {len(set(want1) - set(got1))} missing, {len(set(got1) - set(want1))} extra, {sum(1 for k in got1 if k in want1 and got1[k] != want1[k])} wrong MACs")
want2 = {f"10.102.{b}.{i}" for b in range(1, 11) for i in range(1, 101)} | {"10.102.99.1"}
got2 = set(by.get(5102, {}))
if got2 != want2:
    print(f"5102: {len(got2)} records, missing {sorted(want2 - got2)[:3]}, extra (failing batches?) {sorted(got2 - want2)[:3]}")
want3 = {f"10.103.0.{i}": f"02:67:00:00:01:{i:02x}" for i in range(2, 102)}
got3 = {ca: r["mac"] for ca, r in by.get(5103, {}).items()}
if got3 != want3:
    print(f"5103: {len(got3)} records, not policy B")
if len(recs) != 800 + 1001 + 100:
    print(f"{len(recs)} records in all")
EOF
)
[ -z "$why" ] || fail "$why"
nv_ok -j dp show
printf '%s' "$OUT" | json_true "d['maps']['records'] == 1901" || fail "dp show: $OUT"
# Each record has its copy in its routing domain's index: none half added or half removed.
n=$(bpftool -j map dump pinned "$MAPS/nv_rdid_cas" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')
expect_eq "entries of nv_rdid_cas" 1901 "$n"
end

# =====================================================================================
# 6. A batch interrupted
# =====================================================================================
NBIG=200000
"$PY" -c '
import sys
n = 0
for i in range(2, 1 << 20):
    if i & 255 in (0, 255):
        continue
    print(f"record add vsid 6001 ca 10.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255} mac 02:68:{i >> 16:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}:01 pa 192.0.2.80")
    n += 1
    if n == int(sys.argv[1]):
        break' "$NBIG" >"$TMP/big.batch"

begin "SIGTERM or SIGINT during a batch of $NBIG records: all of them or none"
# big_run [SIG AT]: the batch on a fresh PIN4, SIG sent AT s after its start (none: not sent);
# BRC its exit, BN the records left, BT how long it ran (s)
big_run() {
	local t0
	nvraw "$PIN4" dp attach dev uy0 pa 192.0.2.4
	[ "$RC" -eq 0 ] || { fail "attach: $ERR"; return 1; }
	nvraw "$PIN4" subnet add vsid 6001 rdid 60 prefix 10.64.0.0/10
	t0=$(date +%s%N)
	# env: a background job of a script starts with SIGINT ignored
	bg_in_ns host env --default-signal=INT "$NVCTL" --pin-dir "$PIN4" batch file "$TMP/big.batch" \
		>/dev/null 2>"$TMP/big.err"
	bpid=$BG_PID
	if [ $# -eq 2 ]; then
		sleep "$2"
		kill "-$1" "$bpid" 2>/dev/null
	fi
	wait "$bpid"
	BRC=$?
	BT=$((($(date +%s%N) - t0) / 1000000))
	bg_forget "$bpid"
	nvraw "$PIN4" -j dp show
	BN=$(printf '%s' "$OUT" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["maps"]["records"])' 2>&1)
	nvraw "$PIN4" dp detach
	[ "$RC" -eq 0 ] || fail "detach: $ERR"
}
# Once whole, to know how long it runs; then signals spread over that time.
if big_run; then
	expect_eq "uninterrupted: exit, records" "0 $NBIG" "$BRC $BN"
	seen="uninterrupted: $BT ms;"
	whole=$BT
	for f in TERM:15 TERM:35 INT:50 TERM:65 INT:80 TERM:95; do
		at=$(awk -v t="$whole" -v p="${f#*:}" 'BEGIN { printf "%.3f", t * p / 100000 }')
		big_run "${f%:*}" "$at" || break
		seen="$seen SIG${f%:*} at ${at}s: exit $BRC, $BN;"
		[ "$BN" = 0 ] || [ "$BN" = "$NBIG" ] || fail "SIG${f%:*} after $at s: $BN of $NBIG records (exit $BRC)"
	done
	note "$seen"
fi
end

tap_done
