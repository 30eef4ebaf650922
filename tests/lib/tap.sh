# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The result protocol of every shell suite, and the checks they share. Sourced (bash; works under
# set -u and set -e).
#
# A suite prints one line per test, "ok N - NAME" or "not ok N - NAME" followed by its diagnostics
# ("#   " lines), and closes with "P passed, F failed": tests/run-tests.sh adds that line to its
# totals, and counts a suite that never prints it as failed.
#
#   begin NAME          start a test
#   fail MSG...         the current test fails; MSG (any number of lines) is said after it
#   end                 "ok N - NAME", or "not ok N - NAME" and the diagnostics of every fail
#   tap_failing         true when the current test has failed so far (after end: the last one)
#   run_test NAME CMD...  one test around CMD (a function that reports with fail); a non-zero
#                       return with no fail is a failure too. CMD runs in an || context, where
#                       set -e does not apply: it checks what matters itself.
#   note MSG...         a "#   " line now (figures worth seeing, in a passing test too)
#   expect_eq WHAT WANT GOT, expect_ge WHAT MIN GOT   fail unless GOT is WANT / at least MIN
#   tap_done            the closing line; its status is the suite's (1 when a test failed)
#   tap_bail MSG        "Bail out! MSG" (the suite cannot go on), the closing line counting one
#                       more failure, exit 1
#   json_true EXPR      JSON on stdin, parsed into d: true when the Python expression EXPR is
#   json_error_names WORD JSON...   prints why a JSON text is not {"error": "...WORD..."}
#   snap FILE           the suite's snapshot (the function named by $SNAPSHOT, default snapshot:
#                       everything a command could change, never a counter traffic moves) to FILE
#   same_as FILE [WHAT] fail ("WHAT changed", default "state changed") unless a snapshot taken
#                       now is FILE
#   bad NAME RC WORD ARGS...   the bad-input test: $RUNNER ARGS exits RC, says "Error: " and then
#                       WORD on stderr, nothing on stdout; under -j and -j -p (unless NOJSON=1) it
#                       exits RC with {"error": "...WORD..."} alone on stdout and nothing on
#                       stderr; and the snapshot is the same afterwards. RUNNER (default nv) sets
#                       RC, OUT and ERR. The test is named "${BAD_PREFIX}NAME" (default
#                       "bad input: NAME").

TAP_N=0 TAP_PASSED=0 TAP_FAILED=0 TAP_NAME="" TAP_DIAG=""
PY=${PY:-python3}
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with scapy

begin() {
	TAP_NAME=$1
	TAP_DIAG=""
}

fail() {
	TAP_DIAG="$TAP_DIAG$(printf '%s\n' "$*" | sed 's/^/#   /')"$'\n'
}

tap_failing() { [ -n "$TAP_DIAG" ]; }

end() {
	TAP_N=$((TAP_N + 1))
	if [ -z "$TAP_DIAG" ]; then
		TAP_PASSED=$((TAP_PASSED + 1))
		echo "ok $TAP_N - $TAP_NAME"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $TAP_NAME"
		printf '%s' "$TAP_DIAG"
	fi
}

run_test() {
	local name=$1
	shift
	begin "$name"
	"$@" || tap_failing || fail "$1 returned non-zero"
	end
}

note() { printf '%s\n' "$*" | sed 's/^/#   /'; }

expect_eq() { [ "$2" = "$3" ] || fail "$1: expected $2, got $3"; }
expect_ge() { [ "$3" -ge "$2" ] 2>/dev/null || fail "$1: expected at least $2, got $3"; }

tap_done() {
	echo "$TAP_PASSED passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}

tap_bail() {
	echo "Bail out! $*"
	echo "$TAP_PASSED passed, $((TAP_FAILED + 1)) failed"
	exit 1
}

json_true() {
	"$PY" -c 'import json, sys; d = json.loads(sys.stdin.read()); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>/dev/null
}

json_error_names() {
	"$PY" -c '
import json, sys
for out in sys.argv[2:]:
    try:
        d = json.loads(out)
    except ValueError:
        print(f"not JSON: {out!r}")
        continue
    if not (isinstance(d, dict) and list(d) == ["error"] and isinstance(d["error"], str)):
        print(f"not {{\"error\": \"...\"}}: {out!r}")
    elif sys.argv[1] not in d["error"]:
        print(f"does not name {sys.argv[1]!r}: {out!r}")' "$@"
}

# ---- state snapshots ----
snap() { "${SNAPSHOT:-snapshot}" >"$1"; }

same_as() {
	local now
	now=$(mktemp "${TMP:-/tmp}/snapshot.XXXXXX")
	snap "$now"
	if ! cmp -s "$1" "$now"; then
		fail "${2:-state} changed:"
		fail "$(diff "$1" "$now" | sed 's/^/    /')"
	fi
	rm -f "$now"
}

# ---- the bad-input check ----
RUNNER=nv NOJSON=0
bad() {
	local want_rc=$2 word=$3 before j jp why
	begin "${BAD_PREFIX-bad input: }$1"
	shift 3
	before=$(mktemp "${TMP:-/tmp}/snapshot.XXXXXX")
	snap "$before"
	$RUNNER "$@"
	[ "$RC" -eq "$want_rc" ] || fail "exit $RC, expected $want_rc (stderr: $ERR)"
	case $ERR in
	Error:\ *) ;;
	*) fail "stderr does not start with 'Error: ': $ERR" ;;
	esac
	case $ERR in
	"Error: "*"$word"*) ;;
	*) fail "stderr does not name '$word': $ERR" ;;
	esac
	[ -z "$OUT" ] || fail "stdout not empty: $OUT"
	if [ "$NOJSON" != 1 ]; then
		$RUNNER -j "$@"
		[ "$RC" -eq "$want_rc" ] || fail "-j: exit $RC, expected $want_rc"
		[ -z "$ERR" ] || fail "-j: stderr not empty: $ERR"
		j=$OUT
		$RUNNER -j -p "$@"
		[ "$RC" -eq "$want_rc" ] || fail "-j -p: exit $RC, expected $want_rc"
		[ -z "$ERR" ] || fail "-j -p: stderr not empty: $ERR"
		jp=$OUT
		why=$(json_error_names "$word" "$j" "$jp")
		[ -z "$why" ] || fail "-j, -j -p: $why"
	fi
	same_as "$before"
	rm -f "$before"
	end
}
