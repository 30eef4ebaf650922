#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Keeps cli/nvctl.8 and cli/nvctl.bash-completion in step with nvctl's command table, as
# `nvctl help commands` prints it (one "OBJECT COMMAND ARGS" line per command; COMMAND is one word,
# or two for a group's command, "gateway route add": see split_line). Fails when a command
# is missing from the man page or the completion, when either mentions a command that does not
# exist, or when their argument grammar differs from the binary's. Also lints the man page (groff,
# when installed) and drives the completion function as bash would.
# Usage: tests/cli/test_docs.sh [BUILD_DIR]   (default: build). Needs no root.
# Prints "ok N - name" / "not ok N - name" per check, then "N passed, M failed".
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
if ! build=$(cd "$build" 2>/dev/null && pwd); then
	echo "Error: ${1:-build}: no such build directory (run make)" >&2
	exit 1
fi
nvctl="$build/nvctl"

if [ ! -x "$nvctl" ]; then
	echo "Error: $nvctl is not built (run make)" >&2
	exit 1
fi
for tool in python3 bash; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "Error: $tool is needed" >&2
		exit 1
	fi
done

exec python3 - "$nvctl" "$top/cli/nvctl.8" "$top/cli/nvctl.bash-completion" <<'EOF'
import re
import shutil
import subprocess
import sys

nvctl, man_path, comp_path = sys.argv[1:4]
results = []


def check(name, problems):
    """One test: problems is a list of strings, empty when it passes."""
    results.append((name, problems))


def run(*args):
    p = subprocess.run([nvctl, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"Error: nvctl {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def is_value(t):
    """A placeholder (VSID, ADDR, xdp|tc, FILE|-), not a keyword or command word."""
    t = t.strip("[]")
    return bool(re.search(r"[A-Z|]", t)) or t == "-"


def plain(t):
    """A word as written: not optional, not a placeholder."""
    return not t.startswith("[") and not is_value(t)


def split_line(line):
    """OBJECT COMMAND ARGS -> (object, [command words], args). The first word after the object
    is the command; a second one (a group's command: "route add", "map del") is a plain word
    followed by nothing, an [optional] or another plain word, never by a value (then it is a
    keyword and the value its own), as nvctl.h's struct nv_cmd says."""
    toks = line.split()
    cmd = toks[1:2]
    if (len(toks) > 2 and plain(toks[2])
            and (len(toks) == 3 or toks[3].startswith("[") or plain(toks[3]))):
        cmd = toks[1:3]
    return toks[0], cmd, " ".join(toks[1 + len(cmd):])


# ---- the source of truth: the binary's table ----
table = [l.strip() for l in run("help", "commands").splitlines() if l.strip()]
split = [split_line(l) for l in table]
pairs = [(o, " ".join(c)) for o, c, _ in split]
objects = sorted({o for o, _ in pairs})
# The words after OBJECT: commands and groups; and each group's commands.
commands = {o: sorted({c[0] for oo, c, _ in split if oo == o}) for o in objects}
groups = {(o, c0): sorted(c[1] for oo, c, _ in split if oo == o and len(c) == 2 and c[0] == c0)
          for o, c0 in {(o, c[0]) for o, c, _ in split if len(c) == 2}}
check("nvctl help commands lists commands, one OBJECT COMMAND [ARGS] each",
      [] if table and all(len(l.split()) >= 2 for l in table) else [f"odd table: {table!r}"])
check("nvctl help commands has no duplicate OBJECT COMMAND",
      [f"duplicate: {o} {c}" for o, c in set(pairs) if pairs.count((o, c)) > 1])
check("nvctl help commands: a group's name is no command of its own",
      [f"{o} {g} is a command and a group" for o, g in groups if (o, g) in pairs])


def grammar(args):
    """ARGS -> (keywords {key: value spec, None for a flag}, required keys, positionals), as the
    help line says. A flag is a keyword alone in its brackets ([--watch])."""
    keys, required, pos = {}, set(), []
    optional = False
    toks = args.split()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.startswith("[") and t.endswith("]") and not is_value(t):
            keys[t.strip("[]")] = None
            i += 1
            continue
        if t.startswith("["):
            optional = True
        t = t.strip("[]")
        if not is_value(t) and i + 1 < len(toks):
            v = toks[i + 1]
            keys[t] = v.strip("[]")
            if not optional:
                required.add(t)
            if v.endswith("]"):
                optional = False
            i += 2
            continue
        pos.append(t)
        if toks[i].endswith("]"):
            optional = False
        i += 1
    return keys, required, pos


# ---- man page: a small troff-to-text reader for the man(7) macros the page uses ----
def troff_args(s):
    out, cur, quoted, had = [], "", False, False
    for ch in s:
        if ch == '"':
            quoted = not quoted
            had = True
        elif ch in " \t" and not quoted:
            if cur or had:
                out.append(cur)
            cur, had = "", False
        else:
            cur += ch
    if cur or had:
        out.append(cur)
    return out


def unescape(s):
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\(em", "--").replace("\\e", "\\")
    s = s.replace("\\&", "").replace("\\ ", " ").replace("\\(bu", "*")
    return s


def man_lines(path):
    """(macro, text, in_example) per source line: macro is '' for text lines; no comments."""
    out, nofill = [], False
    for raw in open(path, encoding="utf-8").read().splitlines():
        if raw.startswith('.\\"') or raw.startswith("'\\\""):
            continue
        if raw.startswith("."):
            name, _, rest = raw[1:].partition(" ")
            args = troff_args(rest)
            if name in ("nf", "EX"):
                nofill = True
            elif name in ("fi", "EE"):
                nofill = False
            if name in ("B", "I", "SM", "SB", "SH", "SS"):
                text = " ".join(args)
            elif name in ("BR", "RB", "IR", "RI", "BI", "IB"):
                text = "".join(args)
            else:
                text = ""
            out.append((name, unescape(text), nofill))
        else:
            out.append(("", unescape(raw), nofill))
    return out


lines = man_lines(man_path)
sections, cur = {}, None
for m, t, _ in lines:
    if m == "SH":
        cur = t
        sections[cur] = []
    elif cur:
        sections[cur].append((m, t))

cmd_sec = sections.get("COMMANDS", [])
tags, subsecs = [], []
for i, (m, t) in enumerate(cmd_sec):
    if m == "SS":
        subsecs.append(t.split()[0] if t.split() else "")
    if m == "TP" and i + 1 < len(cmd_sec):
        tags.append(" ".join(cmd_sec[i + 1][1].split()))

check("man page has a COMMANDS section with one entry per command",
      [] if tags else ["no .SH COMMANDS with .TP entries"])
want = {"nvctl " + l for l in table}
check("man page documents every command of the table, with its exact arguments",
      [f"missing or different in nvctl.8: {w}" for w in sorted(want - set(tags))])
check("man page documents no command that does not exist",
      [f"nvctl.8 documents: {t} (not in `nvctl help commands`)" for t in tags if t not in want]
      + [f"nvctl.8 documents twice: {t}" for t in set(tags) if tags.count(t) > 1])
check("man page has one COMMANDS subsection per object, and no other",
      [f"no .SS for object {o}" for o in objects if o not in subsecs]
      + [f".SS {s}: not an object" for s in subsecs if s not in objects])

# Every "nvctl [OPTIONS] OBJECT COMMAND" on the page (examples, entries, text) must exist. In
# examples (.nf) and in the synopsis, the word after nvctl must be an object or help; in running
# text ("nvctl manages ...") only a word that is an object is taken as one.
opt = r"(?:\s+(?:--pin-dir(?:=\S+|\s+\S+)|-[jpdVh]+|--json|--pretty|--debug|--version|--help))*"
mention = re.compile(r"\bnvctl" + opt + r"\s+([a-z][a-z0-9-]*)(?:\s+([a-z][a-z0-9-]*))?")
bad, seen = [], 0
in_synopsis = False
for m, t, example in lines:
    if m == "SH":
        in_synopsis = t == "SYNOPSIS"
    for mt in mention.finditer(t):
        seen += 1
        w1, w2 = mt.group(1), mt.group(2)
        where = f"({t.strip()!r})"
        if w1 == "help":
            if w2 and w2 not in objects and w2 != "commands":
                bad.append(f"nvctl help {w2}: no such object {where}")
        elif w1 not in objects:
            if example or in_synopsis:
                bad.append(f"nvctl {w1}: no such object {where}")
        elif w2 and w2 != "help" and w2 not in commands[w1]:
            bad.append(f"nvctl {w1} {w2}: no such command {where}")
check("man page mentions only commands that exist",
      sorted(set(bad)) + ([] if seen else ["no nvctl command found in the page"]))

# References without "nvctl" ("see dp attach", "pa add, pa del"): OBJECT VERB must exist.
verbs = {c for cs in commands.values() for c in cs} | {
    "set", "get", "list", "flush", "change", "replace", "update", "apply", "monitor"}
flat = " ".join(t for _, t, _ in lines)
refs = re.findall(r"\b(" + "|".join(objects) + r") ([a-z]+)\b", flat)
check("man page refers to no OBJECT COMMAND pair that does not exist",
      sorted({f"{o} {c}" for o, c in refs if c in verbs and c not in commands[o]}))

usage = subprocess.run([nvctl, "--help"], capture_output=True, text=True).stdout
opts = re.findall(r"^\s+((?:-\w, )?--[\w-]+)", usage, re.M)
opt_sec = " ".join(t for _, t in sections.get("OPTIONS", []))
exit_sec = [t.strip() for m, t in sections.get("EXIT STATUS", []) if m == "B"]
check("man page documents every option of nvctl --help",
      [f"option {o} not in OPTIONS" for oo in opts for o in oo.split(", ") if o not in opt_sec]
      + ([] if opts else ["no options found in nvctl --help"]))
check("man page documents NVCTL_PIN_DIR and exit codes 0, 1, 2",
      ([] if "NVCTL_PIN_DIR" in " ".join(t for _, t in sections.get("ENVIRONMENT", []))
       else ["NVCTL_PIN_DIR not in ENVIRONMENT"])
      + [f"exit status {c} not in EXIT STATUS" for c in "012" if c not in exit_sec])

if shutil.which("groff"):
    p = subprocess.run(["groff", "-man", "-ww", "-z", man_path], capture_output=True, text=True)
    check("man page: groff -man -ww reports nothing",
          [l for l in (p.stderr.splitlines() + ([f"exit {p.returncode}"] if p.returncode else []))])
    p = subprocess.run(["groff", "-man", "-Tascii", "-rLL=250n", "-P-c", "-P-b", "-P-u", man_path],
                       capture_output=True, text=True)
    rendered = {" ".join(l.split()) for l in p.stdout.splitlines()}
    check("man page as rendered by groff shows every command line as nvctl prints it",
          [f"not rendered: {w}" for w in sorted(want - rendered)])
else:  # groff-base is in .ci/install-deps.sh: its absence is a broken install, not a skip
    check("man page: groff is installed to lint and render it", ["groff not found"])

# ---- completion: the embedded grammar, then the completion function driven like bash does ----
src = open(comp_path, encoding="utf-8").read()
m = re.search(r"^_nvctl_grammar=\(\n(.*?)^\)", src, re.S | re.M)
embedded = [] if not m else [l.strip().strip('"') for l in m.group(1).splitlines() if l.strip()]
check("completion embeds a _nvctl_grammar list", [] if embedded else ["no _nvctl_grammar=( ... )"])
check("completion grammar has every command of the table, with its exact arguments",
      [f"missing or different in the completion: {l}" for l in table if l not in embedded])
check("completion grammar has no command that does not exist",
      [f"completion has: {l} (not in `nvctl help commands`)" for l in embedded if l not in table]
      + [f"completion has twice: {l}" for l in set(embedded) if embedded.count(l) > 1])


def complete(*words):
    """COMPREPLY of _nvctl for the command line words (the last one is being completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); '
              '_nvctl; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", script, "bash", comp_path, "nvctl", *words],
                       capture_output=True, text=True)
    if p.returncode:
        return {f"<bash exit {p.returncode}: {p.stderr.strip()}>"}
    return {l for l in p.stdout.splitlines() if l}


def expect(name, got, want):
    check(name, [] if got == set(want) else
          [f"offered {sorted(got)}, expected {sorted(want)}"])


expect("completion: objects after nvctl", complete(""), objects + ["help"])
expect("completion: objects after options", complete("-j", "--pin-dir", "/tmp", ""),
       objects + ["help"])
expect("completion: objects and commands after help", complete("help", ""), objects + ["commands"])
got = complete("-")
check("completion: options", [f"option {o} not offered" for o in
                              ("-j", "--json", "-p", "-d", "--pin-dir", "-V", "-h") if o not in got])
for o in objects:
    expect(f"completion: commands of {o}", complete(o, ""), commands[o] + ["help"])
for (o, g), cs in sorted(groups.items()):
    expect(f"completion: commands of {o} {g}", complete(o, g, ""), cs + ["help"])
    expect(f"completion: nothing for an unknown command of {o} {g}",
           complete(o, g, "nosuchcommand", ""), [])
expect("completion: nothing for an unknown object", complete("nosuchobject", ""), [])
expect("completion: nothing for an unknown command", complete(objects[0], "nosuchcommand", ""), [])

devs = complete("port", "add", "dev", "")
check("completion: device names after dev", [] if "lo" in devs else [f"no lo in {sorted(devs)}"])

for line in table:
    o, cw, args = split_line(line)
    c = " ".join(cw)
    keys, required, pos = grammar(args)
    words = [o, *cw]
    # Positional values first (pa add ADDR, batch file FILE|-), with a sample value.
    for p in pos:
        if p == "FILE|-":
            got = complete(*words, "")
            check(f"completion: {o} {c}: '-' and files for {p}",
                  [] if "-" in got else [f"offered {sorted(got)}"])
        else:
            expect(f"completion: {o} {c}: nothing to offer for {p}", complete(*words, ""), [])
        words.append({"ADDR": "192.0.2.9"}.get(p, "x"))
    expect(f"completion: {o} {c}: its keywords", complete(*words, ""), keys)
    for k, v in keys.items():
        if v is None:  # a flag: then the other keywords
            expect(f"completion: {o} {c} {k}: a flag, then the other keywords",
                   complete(*words, k, ""), [x for x in keys if x != k])
            continue
        got = complete(*words, k, "")
        if "|" in v:
            expect(f"completion: {o} {c} {k}: its choices", got, v.split("|"))
        elif v == "DEV":
            check(f"completion: {o} {c} {k}: device names", [] if "lo" in got else [sorted(got)])
        elif v == "FILE":
            check(f"completion: {o} {c} {k}: files", [] if "Makefile" in got else [sorted(got)])
        else:
            expect(f"completion: {o} {c} {k}: nothing to offer for {v}", got, [])
        sample = v.split("|")[0] if "|" in v else {"DEV": "lo", "VSID": "5000"}.get(v, "1")
        expect(f"completion: {o} {c}: {k} is not offered twice",
               complete(*words, k, sample, ""), [x for x in keys if x != k])

passed = failed = 0
for n, (name, problems) in enumerate(results, 1):
    if problems:
        failed += 1
        print(f"not ok {n} - {name}")
        for p in problems:
            print(f"#   {p}")
    else:
        passed += 1
        print(f"ok {n} - {name}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
