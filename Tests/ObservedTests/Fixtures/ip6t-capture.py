#!/usr/bin/env python3
"""Captures flannel's IPv6 iptables-mode layouts as ip6tables-nft 1.8.9 writes them, for the
pure decoder and encoder tests (see nft-fixtures.md). The rules are written here from flannel's
`MasqIP6Rules` / `ForwardRules` of each version (C = fd00:10:244::/56, L = fd00:10:244:1::/64);
nothing of flannel's code is in this repository.

usage (root, from this directory): ip6t-capture.py
  For each layout: a throwaway netns, one `ip6tables-nft-restore --noflush` per table under
  `strace -e write=3` (the batches ip6tables-nft sent), then `strace -e read=3 nft list ruleset`
  (the kernel's NEWTABLE/NEWCHAIN/NEWRULE replies) and `ip6tables-nft -t nat|filter -S`.
  Writes ip6t-flannel-<layout>.hex / .txt, and ip6t-flannel-current-batch-{nat,filter}.hex and
  ip6t-odd-batch.hex (a non-byte-aligned prefix, MASQUERADE without --random-fully)."""
import os, re, subprocess, tempfile

C, L, M = "fd00:10:244::/56", "fd00:10:244:1::/64", "ff00::/8"
MASQ, FWD = '-m comment --comment "flanneld masq"', '-m comment --comment "flanneld forward"'
RF = "-j MASQUERADE --random-fully"

def v020(chain, mark):
    return ([f"-A {chain} -m mark --mark 0x4000/0x4000 {MASQ} -j RETURN"] if mark else []) + [
        f"-A {chain} -s {C} -d {C} {MASQ} -j RETURN",
        f"-A {chain} -s {C} ! -d {M} {MASQ} {RF}",
        f"-A {chain} ! -s {C} -d {L} {MASQ} -j RETURN",
        f"-A {chain} ! -s {C} -d {C} {MASQ} {RF}",
    ]

JUMP_NAT = f"-A POSTROUTING {MASQ} -j FLANNEL-POSTRTG"
FWD_CHAIN = ["*filter", ":FLANNEL-FWD - [0:0]", f"-A FORWARD {FWD} -j FLANNEL-FWD",
             f"-A FLANNEL-FWD -s {C} {FWD} -j ACCEPT", f"-A FLANNEL-FWD -d {C} {FWD} -j ACCEPT", "COMMIT"]
LAYOUTS = {
    "v0.19": (["*nat"] + v020("POSTROUTING", False) + ["COMMIT"],
              ["*filter", f"-A FORWARD -s {C} {FWD} -j ACCEPT", f"-A FORWARD -d {C} {FWD} -j ACCEPT", "COMMIT"]),
    "v0.20.0": (["*nat", ":FLANNEL-POSTRTG - [0:0]", JUMP_NAT] + v020("FLANNEL-POSTRTG", False) + ["COMMIT"], FWD_CHAIN),
    "v0.20.2": (["*nat", ":FLANNEL-POSTRTG - [0:0]", JUMP_NAT] + v020("FLANNEL-POSTRTG", True) + ["COMMIT"], FWD_CHAIN),
    "current": (["*nat", ":FLANNEL-POSTRTG - [0:0]", JUMP_NAT,
                 f"-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 {MASQ} -j RETURN",
                 f"-A FLANNEL-POSTRTG -s {L} -d {C} {MASQ} -j RETURN",
                 f"-A FLANNEL-POSTRTG -s {C} -d {L} {MASQ} -j RETURN",
                 f"-A FLANNEL-POSTRTG ! -s {C} -d {L} {MASQ} -j RETURN",
                 f"-A FLANNEL-POSTRTG -s {C} ! -d {M} {MASQ} {RF}",
                 f"-A FLANNEL-POSTRTG ! -s {C} -d {C} {MASQ} {RF}", "COMMIT"], FWD_CHAIN),
}
ODD = ["*nat", f"-A POSTROUTING -s fd00:10:240::/44 ! -d fd00:10:244:10::/60 {MASQ} -j MASQUERADE",
       "-A POSTROUTING -s fd00::1/128 -d ::/0 -j RETURN", "COMMIT"]
NEW = {0x0a00, 0x0a03, 0x0a06}

def syscalls(path):
    cur, out = None, []
    for line in open(path):
        m = re.match(r'\s*(?:\d+\s+)?(sendmsg|recvmsg|sendto|recvfrom)\(', line)
        if m:
            cur = [m.group(1), bytearray()]
            out.append(cur)
            continue
        m = re.match(r'\s*(?:\d+\s+)?\| [0-9a-f]{5}  (.{49})', line)
        if m and cur is not None:
            cur[1] += bytes.fromhex(m.group(1).replace(' ', ''))
    return out

def messages(datagram):
    offset = 0
    while offset + 16 <= len(datagram):
        length = int.from_bytes(datagram[offset:offset + 4], 'little')
        if length < 16:
            break
        yield int.from_bytes(datagram[offset + 4:offset + 6], 'little'), datagram[offset:offset + length]
        offset += (length + 3) & ~3

def run(ns, *cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], check=True, **kw)

def restore_batch(ns, lines):
    """The batch (the sendmsg holding NFNL_MSG_BATCH_BEGIN) of one restore, one message a line."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as trace:
        run(ns, "strace", "-qq", "-e", "trace=sendmsg", "-e", "write=3", "-o", trace.name,
            "ip6tables-nft-restore", "--noflush", input="\n".join(lines) + "\n", text=True)
        batches = [data for call, data in syscalls(trace.name) if call == "sendmsg"
                   and int.from_bytes(data[4:6], 'little') == 0x10]
        return [bytes(m).hex() for _, m in messages(batches[-1])]

def capture(name, tables):
    ns = "ip6tcap%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        batches = [restore_batch(ns, lines) for lines in tables]
        with tempfile.NamedTemporaryFile(suffix=".strace") as trace:
            run(ns, "strace", "-qq", "-e", "trace=recvmsg", "-e", "read=3", "-o", trace.name,
                "nft", "list", "ruleset", stdout=subprocess.DEVNULL)
            seen, dump = set(), []
            for call, data in syscalls(trace.name):
                if call != "recvmsg":
                    continue
                for kind, m in messages(data):
                    # nft dumps twice (a cache refresh): keep each object once, by its bytes
                    # without the sequence number and port id.
                    ident = bytes(m[4:8] + m[16:])
                    if kind in NEW and ident not in seen:
                        seen.add(ident)
                        dump.append(bytes(m).hex())
        text = []
        for table in ["nat", "filter"]:
            out = run(ns, "ip6tables-nft", "-t", table, "-S", capture_output=True, text=True).stdout
            text += [f"# ip6tables-nft -t {table} -S"] + out.splitlines()
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)
    return batches, dump, text

for name, (nat, flt) in LAYOUTS.items():
    batches, dump, text = capture(name, [nat, flt])
    open(f"ip6t-flannel-{name}.hex", "w").write("\n".join(dump) + "\n")
    open(f"ip6t-flannel-{name}.txt", "w").write("\n".join(text) + "\n")
    if name == "current":
        open("ip6t-flannel-current-batch-nat.hex", "w").write("\n".join(batches[0]) + "\n")
        open("ip6t-flannel-current-batch-filter.hex", "w").write("\n".join(batches[1]) + "\n")
batches, _, text = capture("odd", [ODD])
open("ip6t-odd-batch.hex", "w").write("\n".join(batches[0]) + "\n")
open("ip6t-odd.txt", "w").write("\n".join(text) + "\n")
