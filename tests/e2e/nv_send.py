#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send crafted frames for the end-to-end tests (scapy), from inside a namespace (nsenter).

  nv_send.py vm   IFACE --src-mac M --src-ca A --dst-mac M --dst-ca A [opts] KIND:COUNT...
  nv_send.py wire IFACE --eth-dst M --pa-src A --pa-dst A --vsid N
                  --src-mac M --src-ca A --dst-mac M --dst-ca A [opts] KIND:COUNT...

Every kind starts from one valid frame (an ICMP echo request, from a VM to another VM of its VSID;
or that frame in NVGRE from the PA that holds its source) and changes one thing, so each kind
trips exactly one check of the datapath. Every ICMP payload carries "nve:KIND", so a capture can
tell which kind arrived. Frames of one kind get ICMP sequence numbers 1..COUNT.
"""
import argparse
import sys

from scapy.all import ARP, GRE, ICMP, IP, UDP, Dot1Q, Ether, IPv6, Raw, sendp

ALIEN_MAC = "02:4e:56:00:00:99"  # no record has it
ALIEN_CA = "10.0.0.99"  # no record has it


def icmp(a, kind, seq, src_ca=None, dst_ca=None):
    return (IP(src=src_ca or a.src_ca, dst=dst_ca or a.dst_ca, ttl=64)
            / ICMP(type=8, id=0x4E56, seq=seq) / Raw(b"nve:" + kind.encode()))


def arp_req(a, sha=None, spa=None, tpa=None, op=1):
    return (Ether(src=a.src_mac, dst="ff:ff:ff:ff:ff:ff" if op == 1 else a.dst_mac)
            / ARP(op=op, hwsrc=sha or a.src_mac, psrc=spa or a.src_ca,
                  hwdst="00:00:00:00:00:00" if op == 1 else a.dst_mac, pdst=tpa or a.dst_ca))


def vm_frame(a, kind, seq):
    """A frame a VM sends on its eth0; the comment names the drop reason it must get."""
    eth = Ether(src=a.src_mac, dst=a.dst_mac)
    if kind == "valid":  # delivered
        return eth / icmp(a, kind, seq)
    if kind == "spoof_mac":  # SPOOF_MAC
        return Ether(src=ALIEN_MAC, dst=a.dst_mac) / icmp(a, kind, seq)
    if kind == "spoof_ca":  # SPOOF_CA: another CA of the same tenant
        return eth / icmp(a, kind, seq, src_ca=a.other_ca)
    if kind == "arp":  # answered by the datapath: an ARP request for the destination CA
        return arp_req(a)
    if kind == "arp_spoof_mac":  # SPOOF_MAC: ARP sender MAC is not the port's
        return arp_req(a, sha=ALIEN_MAC)
    if kind == "arp_spoof_ca":  # SPOOF_CA: ARP sender CA is not the port's
        return arp_req(a, spa=a.other_ca)
    if kind == "broadcast":  # BROADCAST
        return (Ether(src=a.src_mac, dst="ff:ff:ff:ff:ff:ff")
                / IP(src=a.src_ca, dst="10.0.0.255") / UDP(sport=4789, dport=9)
                / Raw(b"nve:" + kind.encode()))
    if kind == "multicast":  # BROADCAST
        return (Ether(src=a.src_mac, dst="01:00:5e:00:00:01")
                / IP(src=a.src_ca, dst="224.0.0.1") / UDP(sport=4789, dport=9)
                / Raw(b"nve:" + kind.encode()))
    if kind == "ipv6":  # ETHERTYPE
        return eth / IPv6(src="fe80::1", dst="fe80::2") / Raw(b"nve:" + kind.encode())
    if kind == "arp_unknown":  # ARP_UNKNOWN
        return arp_req(a, tpa=ALIEN_CA)
    if kind == "arp_self":  # ARP_SELF: gratuitous ARP for the port's own CA
        return arp_req(a, tpa=a.src_ca)
    if kind == "arp_reply":  # ARP_NOT_REQUEST
        return arp_req(a, op=2)
    if kind == "no_record":  # NO_RECORD
        return eth / icmp(a, kind, seq, dst_ca=ALIEN_CA)
    if kind == "other_tenant":  # NO_RECORD: a CA that only the other tenant has
        return Ether(src=a.src_mac, dst=a.other_mac) / icmp(a, kind, seq, dst_ca=a.other_tenant_ca)
    if kind == "dst_mac":  # DST_MAC
        return Ether(src=a.src_mac, dst=ALIEN_MAC) / icmp(a, kind, seq)
    if kind == "gre_to_pa":  # NO_RECORD: a VM's own NVGRE to a PA is plain tenant traffic
        inner = Ether(src=a.src_mac, dst=a.dst_mac) / icmp(a, kind, seq)
        return eth / IP(src=a.src_ca, dst=a.pa) / GRE(key_present=1, key=a.vsid << 8,
                                                       proto=0x6558) / inner
    if kind == "truncated":  # TRUNCATED: IPv4 total length beyond the frame
        p = eth / icmp(a, kind, seq)
        p[IP].len = len(p[IP]) + 100
        return p
    if kind == "malformed":  # MALFORMED: IPv4 header length below 5 words
        p = eth / icmp(a, kind, seq)
        p[IP].ihl = 4
        return p
    raise SystemExit(f"nv_send.py: unknown vm kind {kind}")


def nvgre(a, inner, pa_src=None, vsid=None, gre=None, ip_flags="DF"):
    ip = IP(src=pa_src or a.pa_src, dst=a.pa_dst, flags=ip_flags, ttl=64)
    if gre is None:
        gre = GRE(key_present=1, key=(vsid if vsid is not None else a.vsid) << 8 | 0x2A,
                  proto=0x6558)
    return Ether(dst=a.eth_dst) / ip / gre / inner


def wire_frame(a, kind, seq):
    """A frame a host sends on the underlay; the comment names the drop reason it must get."""
    inner = Ether(src=a.src_mac, dst=a.dst_mac) / icmp(a, kind, seq)
    if kind == "valid":  # delivered
        return nvgre(a, inner)
    if kind == "src_pa":  # SRC_PA: the outer source is not the PA of the inner source CA
        return nvgre(a, inner, pa_src=a.other_pa)
    if kind == "gre_flags":  # GRE_FLAGS: sequence number present (0x3000)
        return nvgre(a, inner, gre=GRE(key_present=1, seqnum_present=1, key=a.vsid << 8,
                                       sequence_number=1, proto=0x6558))
    if kind == "gre_proto":  # GRE_PROTO: IPv4 in GRE, not Ethernet
        return nvgre(a, icmp(a, kind, seq), gre=GRE(key_present=1, key=a.vsid << 8,
                                                    proto=0x0800))
    if kind == "vsid_range":  # VSID_RANGE: a reserved VSID
        return nvgre(a, inner, vsid=100)
    if kind == "vsid_unknown":  # VSID_UNKNOWN
        return nvgre(a, inner, vsid=a.unknown_vsid)
    if kind == "inner_vlan":  # INNER_VLAN
        return nvgre(a, Ether(src=a.src_mac, dst=a.dst_mac) / Dot1Q(vlan=7) / icmp(a, kind, seq))
    if kind == "inner_ethertype":  # INNER_ETHERTYPE: ARP inside NVGRE
        return nvgre(a, Ether(src=a.src_mac, dst=a.dst_mac)
                     / ARP(op=1, hwsrc=a.src_mac, psrc=a.src_ca, pdst=a.dst_ca))
    if kind == "src_unknown":  # SRC_UNKNOWN
        return nvgre(a, Ether(src=a.src_mac, dst=a.dst_mac)
                     / icmp(a, kind, seq, src_ca=ALIEN_CA))
    if kind == "src_mac":  # SRC_MAC
        return nvgre(a, Ether(src=ALIEN_MAC, dst=a.dst_mac) / icmp(a, kind, seq))
    if kind == "src_local":  # SRC_LOCAL: the receiver's own CA, from the receiver's own PA
        return nvgre(a, Ether(src=a.dst_mac, dst=a.dst_mac)
                     / icmp(a, kind, seq, src_ca=a.dst_ca), pa_src=a.pa_dst)
    if kind == "not_local":  # NOT_LOCAL: a CA of the VSID that lives on another host
        return nvgre(a, Ether(src=a.src_mac, dst=a.not_local_mac)
                     / icmp(a, kind, seq, dst_ca=a.not_local_ca))
    if kind == "dst_mac":  # DST_MAC
        return nvgre(a, Ether(src=a.src_mac, dst=ALIEN_MAC) / icmp(a, kind, seq))
    if kind == "outer_csum":  # OUTER_CSUM
        p = nvgre(a, inner)
        p[IP].chksum = IP(bytes(p[IP])).chksum ^ 0x5A5A
        return p
    if kind == "outer_fragment":  # OUTER_FRAGMENT: more fragments set
        return nvgre(a, inner, ip_flags="MF")
    if kind == "truncated":  # TRUNCATED: outer total length beyond the frame
        p = nvgre(a, inner)
        p[IP].len = len(p[IP]) + 100
        return p
    if kind == "malformed":  # MALFORMED: inner IPv4 version 5
        p = nvgre(a, inner)
        p[GRE].payload[IP].version = 5
        return p
    raise SystemExit(f"nv_send.py: unknown wire kind {kind}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("side", choices=["vm", "wire"])
    ap.add_argument("iface")
    ap.add_argument("specs", nargs="+", metavar="KIND:COUNT")
    ap.add_argument("--src-mac", required=True)
    ap.add_argument("--src-ca", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--dst-ca", required=True)
    ap.add_argument("--other-ca", default="10.0.0.3", help="another CA of the VM's tenant")
    ap.add_argument("--other-mac", default="02:4e:56:00:00:04")
    ap.add_argument("--other-tenant-ca", default="10.0.0.4", help="a CA of the other tenant only")
    ap.add_argument("--pa", default="192.0.2.2", help="vm gre_to_pa: a PA to send GRE to")
    ap.add_argument("--vsid", type=int, default=5001)
    ap.add_argument("--eth-dst", help="wire: MAC of the receiving host's underlay")
    ap.add_argument("--pa-src", help="wire: PA of the host that holds --src-ca")
    ap.add_argument("--pa-dst", help="wire: PA of the receiving host")
    ap.add_argument("--other-pa", help="wire src_pa: a PA that does not hold --src-ca")
    ap.add_argument("--unknown-vsid", type=int, default=7001)
    ap.add_argument("--not-local-ca", default="10.0.0.3")
    ap.add_argument("--not-local-mac", default="02:4e:56:00:00:03")
    ap.add_argument("--hex", action="store_true",
                    help="print each frame as hex, one per line, instead of sending (nvctl trace)")
    a = ap.parse_args()

    build = vm_frame if a.side == "vm" else wire_frame
    frames = []
    for spec in a.specs:
        kind, _, count = spec.partition(":")
        for seq in range(1, int(count or 1) + 1):
            frames.append(build(a, kind, seq))
    if a.hex:
        for f in frames:
            print(bytes(f).hex())
        return 0
    sendp(frames, iface=a.iface, verbose=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
