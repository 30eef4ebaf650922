#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make install into a temporary DESTDIR: nvctl, its man page and completion, the agent's systemd
# unit (checked by systemd-analyze verify) and its settings file, which a second install keeps;
# make uninstall removes what install put there but the settings.
# Usage: tests/cli/test_install.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
dest=$(mktemp -d /tmp/nvgre-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
inst() { make -s -C "$top" OUT="$build" DESTDIR="$dest" "$@" >"$dest.log" 2>&1; }

begin "make install: nvctl, man page, completion, unit, settings"
inst install || fail "make install failed: $(tail -5 "$dest.log")"
for f in usr/local/sbin/nvctl usr/local/share/man/man8/nvctl.8 \
	usr/local/share/bash-completion/completions/nvctl lib/systemd/system/nvgre-agent.service \
	lib/systemd/system/nvgre-nat-gc.service etc/default/nvgre-agent; do
	[ -s "$dest/$f" ] || fail "no $f"
done
end

begin "the unit runs the installed nvctl agent, restarts on failure"
unit=$dest/lib/systemd/system/nvgre-agent.service
grep -q '^ExecStart=/usr/local/sbin/nvctl --pin-dir ${NVGRE_PIN_DIR} agent run etcd ${NVGRE_ETCD} prefix ${NVGRE_PREFIX}' "$unit" ||
	fail "ExecStart: $(grep ExecStart "$unit")"
grep -q '^Restart=on-failure' "$unit" || fail "no Restart=on-failure"
grep -q '@SBINDIR@' "$unit" && fail "@SBINDIR@ left in the unit"
end

begin "systemd-analyze verify: the unit is valid"
if command -v systemd-analyze >/dev/null; then
	# Verified with the ExecStart path pointing at the installed binary (verify checks it).
	sed "s|/usr/local/sbin/nvctl|$dest/usr/local/sbin/nvctl|g" "$unit" >"$dest/nvgre-agent.service"
	out=$(systemd-analyze verify --man=no "$dest/nvgre-agent.service" 2>&1) || fail "verify: $out"
else
	fail "systemd-analyze not found (package systemd)"
fi
end

begin "the collector's unit runs nvctl nat gc --watch, valid for systemd-analyze verify"
gc=$dest/lib/systemd/system/nvgre-nat-gc.service
grep -q '^ExecStart=/usr/local/sbin/nvctl --pin-dir ${NVGRE_PIN_DIR} nat gc --watch --interval ${NVGRE_GC_INTERVAL}$' "$gc" ||
	fail "ExecStart: $(grep ExecStart "$gc")"
sed "s|/usr/local/sbin/nvctl|$dest/usr/local/sbin/nvctl|g" "$gc" >"$dest/nvgre-nat-gc.service"
out=$(systemd-analyze verify --man=no "$dest/nvgre-nat-gc.service" 2>&1) || fail "verify: $out"
end

begin "a second install keeps the admin's settings"
echo "NVGRE_PREFIX=/mine/" >>"$dest/etc/default/nvgre-agent"
inst install || fail "second make install failed"
grep -q '^NVGRE_PREFIX=/mine/' "$dest/etc/default/nvgre-agent" || fail "settings overwritten"
end

begin "make uninstall removes the rest"
inst uninstall || fail "make uninstall failed: $(tail -5 "$dest.log")"
left=$(cd "$dest" && find . -type f ! -name nvgre-agent ! -name '*.service' | sort)
[ -z "$left" ] || fail "left: $left"
[ -e "$unit" ] && fail "the unit is left"
[ -e "$gc" ] && fail "the collector's unit is left"
[ -e "$dest/etc/default/nvgre-agent" ] || fail "the settings went too"
end
rm -f "$dest.log"
tap_done
