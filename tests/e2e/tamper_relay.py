#!/usr/bin/env python3
"""A misbehaving proxy for the e2e tests: a UDP relay between sipward-client
and a real sipwardd that tampers with what the engine sends back.

    tamper_relay.py --listen IP:PORT --to IP:PORT --mode MODE [--on METHOD]
                    [--events FILE]

The client talks to --listen; the relay forwards every datagram to the engine
(--to) from its own socket, and relays the engine's answers back to the last
client address, after applying MODE to final responses whose CSeq method is
--on (default INVITE):

  pass       nothing changed
  flip       one bit of the first rspauth="..." token flipped (hex digit ^ 1)
  strip      Proxy-Authentication-Info / Authentication-Info lines removed
  aprep      one bit of the AP-REP (gssapi-data="..." of the info header) flipped
  challenge  the answer to the FIRST signed request (credentials with
             response= and without gssapi-data; --on ignored) is replaced by a
             407/401 built from it plus the challenge headers of the engine's
             last 401/407; later answers to that transaction too (retransmitted
             2xx), nothing else

Every datagram is logged to --events as one JSON object per line:
{"t": unix time, "dir": "c2e"|"e2c", "line": first line, "cseq": "...",
 "action": "fwd"|"flip"|"strip"|"challenge"}.  Python 3 stdlib only; stops on
SIGTERM/SIGINT.
"""

import argparse
import json
import re
import select
import signal
import socket
import sys
import time


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def hdr(msg, name):
    m = re.search(rb"(?im)^" + name + rb"\s*:\s*(.*?)\r?$", msg)
    return m.group(1).strip() if m else b""


def first_line(msg):
    return msg.split(b"\r\n", 1)[0].decode(errors="replace")


def status(msg):
    m = re.match(rb"SIP/2\.0 (\d{3})", msg)
    return int(m.group(1)) if m else 0


def flip(msg):
    m = re.search(rb'rspauth="([0-9a-fA-F])', msg)
    if not m:
        return msg, False
    i = m.start(1)
    c = int(chr(msg[i]), 16) ^ 1
    return msg[:i] + (b"%x" % c) + msg[i + 1:], True


B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def flip_aprep(msg):
    """Flip the low bit of a base64 digit in the middle of the info header's gssapi-data."""
    m = re.search(rb'(?im)^(?:proxy-)?authentication-info\s*:[^\r\n]*gssapi-data="([^"]+)"', msg)
    if not m or len(m.group(1)) < 8:
        return msg, False
    i = m.start(1) + len(m.group(1)) // 2
    c = B64[B64.index(msg[i:i + 1]) ^ 1:][:1]
    return msg[:i] + c + msg[i + 1:], True


def strip(msg):
    head, sep, body = msg.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = [l for l in lines
            if not re.match(rb"(?i)(proxy-)?authentication-info\s*:", l)]
    return b"\r\n".join(kept) + sep + body, len(kept) != len(lines)


def is_signed_request(msg):
    if status(msg) or b" SIP/2.0\r\n" not in msg.split(b"\r\n", 1)[0] + b"\r\n":
        return False
    creds = re.findall(rb"(?im)^(?:proxy-)?authorization\s*:(.*)$", msg)
    return any(b"response=" in c and b"gssapi-data" not in c for c in creds)


def build_challenge(rsp, last_chal):
    code, chal_lines = 407, []
    if last_chal is not None:
        code = status(last_chal)
        chal_lines = [l for l in last_chal.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                      if re.match(rb"(?i)(proxy|www)-authenticate\s*:", l)]
    reason = b"Proxy Authentication Required" if code == 407 else b"Unauthorized"
    keep = []
    for l in rsp.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        if re.match(rb"(?i)(via|v|from|f|to|t|call-id|i|cseq)\s*:", l):
            keep.append(l)
    return b"\r\n".join([b"SIP/2.0 %d %s" % (code, reason)] + keep + chal_lines +
                        [b"Content-Length: 0"]) + b"\r\n\r\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--mode", choices=("pass", "flip", "strip", "aprep", "challenge"), default="pass")
    ap.add_argument("--on", default="INVITE")
    ap.add_argument("--events")
    a = ap.parse_args()
    lst, eng = addr(a.listen), addr(a.to)
    cs = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cs.bind(lst)
    es = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    es.bind((lst[0], 0))
    ev = open(a.events, "a", buffering=1) if a.events else None
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    client = None
    last_chal = None
    target = None  # (Call-ID, CSeq) of the first signed request (mode challenge)

    def note(d, msg, action):
        if ev:
            ev.write(json.dumps({"t": time.time(), "dir": d, "line": first_line(msg),
                                 "cseq": hdr(msg, rb"cseq").decode(errors="replace"),
                                 "action": action}) + "\n")

    print("relay ready", flush=True)
    while running[0]:
        try:
            r, _, _ = select.select([cs, es], [], [], 0.2)
        except InterruptedError:
            continue
        for s in r:
            data, src = s.recvfrom(65535)
            if s is cs:
                client = src
                if a.mode == "challenge" and target is None and is_signed_request(data):
                    target = (hdr(data, rb"call-id"), hdr(data, rb"cseq"))
                note("c2e", data, "fwd")
                es.sendto(data, eng)
                continue
            if client is None:
                continue
            action = "fwd"
            st = status(data)
            cseq = hdr(data, rb"cseq")
            final_on = st >= 200 and cseq.split()[-1:] == [a.on.encode()]
            if st in (401, 407):
                last_chal = data
            if a.mode == "flip" and final_on:
                data, done = flip(data)
                action = "flip" if done else action
            elif a.mode == "aprep" and final_on:
                data, done = flip_aprep(data)
                action = "aprep" if done else action
            elif a.mode == "strip" and final_on:
                data, done = strip(data)
                action = "strip" if done else action
            elif (a.mode == "challenge" and st >= 200 and target is not None
                  and (hdr(data, rb"call-id"), cseq) == target):
                data = build_challenge(data, last_chal)
                action = "challenge"
            note("e2c", data, action)
            cs.sendto(data, client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
