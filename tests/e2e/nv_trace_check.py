#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Compare what `nvctl -j trace` said of a frame with what the same frame did for real.

  nv_trace_check.py TRACE T0 T1 BEFORE AFTER SRC_PORT [DST_BEFORE DST_AFTER] [--events FILE]

TRACE: the trace's JSON. T0, T1: `nvctl -j stats show` of the traced host just before and just
after the trace (they must be equal: a trace leaves the live counters alone). BEFORE, AFTER: the
same host around the real frame; DST_BEFORE, DST_AFTER: the host the frame was sent to, for a
frame the trace says goes out of the underlay. SRC_PORT: the port the frame came from ("-" for the
underlay). What the real frame did, from the counters: dropped with reason R (one drop, no other),
or delivered to port P (its rx_packets moved; a reply to the sender is not counted), or sent out of
the underlay (the destination host delivered it to a port), or, when no counter moved (an ARP
request answered: not counted), what the live program itself reported: FILE holds the real
frame's event from `nvctl -j monitor trace`. Prints both and exits 1 when they differ.
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def counters(doc):
    out = {("drop", d["reason"]): d["packets"] for d in doc["drops"]}
    for p in doc.get("ports", []):
        for k in ("tx_packets", "rx_packets", "drop_packets"):
            out[(p["dev"], k)] = p[k]
    return out


def delta(before, after):
    b, a = counters(load(before)), counters(load(after))
    return {k: a.get(k, 0) - b.get(k, 0) for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0)}


def traced(t):
    if t["verdict"] == "drop":
        return "drop " + t.get("reason", "?")
    if t["verdict"] == "redirect":
        return "redirect " + t.get("target", "?")
    return t["verdict"]


def real(d, src, dst_delta, underlay, events):
    drops = {k[1]: v for k, v in d.items() if k[0] == "drop"}
    if drops:
        if len(drops) == 1 and list(drops.values())[0] == 1:
            return "drop " + list(drops)[0]
        return "drops " + " ".join(f"{r}:{n}" for r, n in sorted(drops.items()))
    rx = sorted(k[0] for k, v in d.items() if k[1] == "rx_packets" and k[0] != src and v > 0)
    if rx:
        return "redirect " + " ".join(rx)
    if src != "-" and d.get((src, "tx_packets"), 0) == 1:
        far = sorted(k[0] for k, v in dst_delta.items() if k[1] == "rx_packets" and v > 0)
        if far:
            return "redirect " + underlay  # and the far host delivered it (to " ".join(far))
        return "redirect " + src  # answered back to the sender
    if events:
        e = events[0]
        if e["verdict"] == "redirect":
            return "redirect " + str(e.get("target")) + " (live event)"
        return e["verdict"] + " (live event)"
    return "nothing counted"


def main(argv):
    events = []
    if len(argv) > 2 and argv[-2] == "--events":
        events = [json.loads(l) for l in open(argv[-1], encoding="utf-8") if '"hook"' in l]
        argv = argv[:-2]
    if len(argv) not in (7, 9):
        sys.stderr.write(__doc__)
        return 2
    t = load(argv[1])
    untouched = delta(argv[2], argv[3])
    dst = delta(argv[7], argv[8]) if len(argv) == 9 else {}
    # Every host's underlay is "ul" (topology.sh).
    want, got = traced(t), real(delta(argv[4], argv[5]), argv[6], dst, "ul", events)
    if untouched:
        print(f"live counters changed by the trace: {sorted(untouched.items())}")
        return 1
    if t.get("live_counters_untouched") is not True:
        print("the trace does not say that it left the live counters alone")
        return 1
    print(f"trace: {want}; real: {got}")
    return 0 if want == got.removesuffix(" (live event)") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
