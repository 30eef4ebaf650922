#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Read `nvctl -j stats show` output (files) for the end-to-end tests.

  nv_stats.py diff BEFORE AFTER    every counter that changed, one "what delta" line each, sorted:
                                   "drop REASON PACKETS" and "vsid VSID FIELD DELTA"
  nv_stats.py get FILE drop REASON           packets dropped for REASON
  nv_stats.py get FILE vsid VSID FIELD       a per-VSID counter (tx_packets, rx_bytes, ...)
"""
import json
import sys


def flatten(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for d in doc["drops"]:
        out[("drop", d["reason"])] = d["packets"]
    for v in doc["vsids"]:
        for field in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes"):
            out[("vsid", str(v["vsid"]), field)] = v[field]
    return out


def main(argv):
    if len(argv) == 4 and argv[1] == "diff":
        before, after = flatten(argv[2]), flatten(argv[3])
        for key in sorted(set(before) | set(after)):
            delta = after.get(key, 0) - before.get(key, 0)
            if delta:
                print(" ".join(key), delta)
        return 0
    if len(argv) >= 5 and argv[1] == "get":
        print(flatten(argv[2]).get(tuple(argv[3:]), 0))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
