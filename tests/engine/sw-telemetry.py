#!/usr/bin/env python3
"""Minimal DPDK telemetry v2 client (what dpdk-telemetry.py does; Debian 12's
dpdk package does not ship that script).

    sw-telemetry.py FILE_PREFIX COMMAND [COMMAND...]   -> one JSON object per line
"""
import json
import socket
import sys


def query(prefix, cmds, rundir="/var/run/dpdk"):
    path = "%s/%s/dpdk_telemetry.v2" % (rundir, prefix)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    info = json.loads(s.recv(1 << 16).decode())
    bufsz = info.get("max_output_len", 1 << 16)
    out = []
    for c in cmds:
        s.send(c.encode())
        out.append(json.loads(s.recv(bufsz).decode()))
    s.close()
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for r in query(sys.argv[1], sys.argv[2:]):
        print(json.dumps(r))
