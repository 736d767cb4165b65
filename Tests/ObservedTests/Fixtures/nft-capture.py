#!/usr/bin/env python3
"""Records the nf_tables messages a real kernel sends to `nft list ruleset`, as hex fixtures
for the pure decoder tests. The bytes come from strace, not from our own reader, so a bug in the
reader cannot hide in its own fixture.

usage (root): nft-capture.py OUT.hex SETUP-COMMAND...
  Creates a throwaway netns, runs SETUP-COMMAND inside it (e.g. `nft -f flannel.nft`), then
  `strace -e read=3 nft list ruleset`, keeps the NEWTABLE/NEWCHAIN/NEWRULE replies (one message
  per line, hex) and deletes the namespace."""
import os, re, subprocess, sys, tempfile

NEW = {0x0a00: "table", 0x0a03: "chain", 0x0a06: "rule"}

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
        kind = int.from_bytes(datagram[offset + 4:offset + 6], 'little')
        if length < 16:
            break
        yield kind, datagram[offset:offset + length]
        offset += (length + 3) & ~3

def main():
    out, setup = sys.argv[1], sys.argv[2:]
    ns = "nftcap%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", " ".join(setup)], check=True)
        with tempfile.NamedTemporaryFile(suffix=".strace") as trace:
            subprocess.run(["ip", "netns", "exec", ns, "strace", "-qq", "-e", "trace=recvmsg",
                            "-e", "read=3", "-o", trace.name, "nft", "list", "ruleset"],
                           check=True, stdout=subprocess.DEVNULL)
            lines = [bytes(m).hex() for call, data in syscalls(trace.name) if call == "recvmsg"
                     for kind, m in messages(data) if kind in NEW]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=True)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")

main()
