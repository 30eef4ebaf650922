#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Propagation of one etcd put to the datapath of every agent (tests/bench/agent.sh).

For each of COUNT records: the time from just before the put (etcd's JSON gateway, one kept-alive
connection) to the record present in each instance's pinned nv_records map (bpf(2) lookups, polled
in a tight loop), beside the time `etcdctl watch` (a real etcdctl, started once, reading the same
prefix) prints the put: the floor any follower of the store pays. Prints one line of figures:
  agents N puts C agent_p50_ms X agent_p99_ms Y watch_p50_ms Z watch_p99_ms W
Run in the network namespace that reaches etcd (the pins are the mount namespace's).
Usage: agent_propagate.py ETCD_URL PREFIX COUNT MAP_PIN...
"""
import base64
import ctypes
import http.client
import ipaddress
import json
import os
import select
import struct
import subprocess
import sys
import time
import urllib.parse

BPF_MAP_LOOKUP_ELEM, BPF_OBJ_GET = 1, 7
SYS_BPF = 321  # x86_64
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    return libc.syscall(SYS_BPF, cmd, buf, 128)


def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    fd = bpf(BPF_OBJ_GET, struct.pack("=QII", ctypes.addressof(p), 0, 0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), f"BPF_OBJ_GET {path}")
    return fd


VALUE = ctypes.create_string_buffer(512)


def present(fd, key):
    attr = struct.pack("=IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(VALUE), 0)
    return bpf(BPF_MAP_LOOKUP_ELEM, attr) == 0


def record_key(vsid, ca):
    return ctypes.create_string_buffer(struct.pack("=I", vsid) + ipaddress.IPv6Address("::ffff:" + ca).packed, 20)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    url, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fds = [obj_get(p) for p in sys.argv[4:]]
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    watch = subprocess.Popen(
        ["etcdctl", "--endpoints", url, "watch",
         "--prefix", prefix + "records/"],
        stdout=subprocess.PIPE, env=dict(os.environ, ETCDCTL_API="3"))
    os.set_blocking(watch.stdout.fileno(), False)
    time.sleep(1.0)  # the watch is set up
    agent_ms, watch_ms, pending = [], [], b""
    for i in range(count):
        ca = f"10.200.{i // 250}.{1 + i % 250}"
        key = record_key(5001, ca)
        value = json.dumps({"vsid": 5001, "ca": ca, "mac": "02:4e:c8:00:%02x:%02x" % (i // 250, 1 + i % 250),
                            "pa": "198.51.100.7"})
        body = json.dumps({"key": b64(f"{prefix}records/5001/{ca}"), "value": b64(value)})
        t0 = time.perf_counter()
        conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
        conn.getresponse().read()
        left, seen_watch = set(range(len(fds))), False
        deadline = t0 + 10
        while (left or not seen_watch) and time.perf_counter() < deadline:
            for j in list(left):
                if present(fds[j], key):
                    agent_ms.append((time.perf_counter() - t0) * 1000)
                    left.discard(j)
            if not seen_watch and select.select([watch.stdout], [], [], 0)[0]:
                pending += watch.stdout.read() or b""
                if ca.encode() + b"\n" in pending or f"/{ca}\n".encode() in pending:
                    watch_ms.append((time.perf_counter() - t0) * 1000)
                    seen_watch, pending = True, b""
        if left or not seen_watch:
            sys.exit(f"put {i}: {len(left)} agents and the watch ({seen_watch}) did not see it in 10 s")
        time.sleep(0.02)
    watch.terminate()
    watch.wait()
    print(f"agents {len(fds)} puts {count} agent_p50_ms {pct(agent_ms, 50):.2f} agent_p99_ms "
          f"{pct(agent_ms, 99):.2f} watch_p50_ms {pct(watch_ms, 50):.2f} watch_p99_ms {pct(watch_ms, 99):.2f}")


if __name__ == "__main__":
    main()
