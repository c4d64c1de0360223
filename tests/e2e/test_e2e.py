#!/usr/bin/env python3
"""End-to-end: the real sipward-client against real sipwardd in namespaces.

    test_e2e.py BUILD_DIR [-k SUBSTRING] [--pmd af_xdp|af_packet] [--keep]

Topology (one per run; every name carries the run's id N, so concurrent runs
of this and other suites never clash):

  swe2e-N-c  c0 10.N.1.2 --- 10.N.1.1 a0  swe2e-N-e1  a1 10.N.2.1 ---
  --- 10.N.2.2 b0  swe2e-N-e2  b1 10.N.3.1 --- 10.N.3.2 u0  swe2e-N-u

client + KDC (tests/realm) + the tamper relay live in -c, proxy A
(targetname proxy.domainb.test) in -e1, proxy B (proxy2.domainb.test) in -e2,
SIPp as the upstream UAS (tests/engine/uas.xml) in -u.  With one proxy, A's
upstream is SIPp through -e2's kernel (gateway 10.N.2.2); for FIG. 5 B runs in
-e2 and A's upstream is B.

Phases (each starts its engines with one configuration and runs its cases for
Kerberos and NTLM):
  main     407 family, version 4 offered: pre-auth REGISTER (FIG. 6/9),
           challenged INVITE (FIG. 7/8) capped at versions 2/3/4, MESSAGE,
           unregister, refresh/unregister in one process, cross-realm (ann@DOMAINA),
           and the misbehaving proxy (tamper_relay.py between client and
           engine): one flipped rspauth bit, no server signature, a challenge
           answering the fresh SA (back-off observed)
  f401     401 family (WWW-Authenticate / Authorization), version 3
  mutual   [auth] mutual = yes: Kerberos --mutual, AP-REP verified
  chain    proxies A and B in a chain (FIG. 5): one SA per proxy, one
           Proxy-Authorization per proxy, each passed through untouched by the
           other proxy

Every case asserts the client's --json summary (exit status, SA states,
counters), the engines' telemetry deltas (/sipward/stats, /sipward/cp) and
what SIPp received.  Cleanup (PIDs, then namespaces) runs from finally, atexit
and SIGTERM.
"""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(SRC, "tests", "engine"))
import swnet  # noqa: E402
from swnet import log  # noqa: E402

FQDN_A = "proxy.domainb.test"
FQDN_B = "proxy2.domainb.test"
REALM = swnet.REALM_NAME
MECHS = ("kerberos", "ntlm")


class Ctx:
    pass


X = Ctx()
X.topo = None
X.dir = None
X.keep = False
X.engines = []


def cleanup():
    for e in X.engines:
        try:
            e.stop()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree("/var/run/dpdk/" + e.prefix, ignore_errors=True)
    X.engines = []
    if X.topo is not None:
        if X.dir:
            swnet.stop_realm(os.path.join(X.dir, "realm"))
        X.topo.down()
        X.topo = None
    if X.dir and not X.keep:
        shutil.rmtree(X.dir, ignore_errors=True)
        X.dir = None


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


class Skip(Exception):
    pass


# ---------------------------------------------------------------- topology

def topo_up():
    t = swnet.Topo(X.dir)
    X.topo = t
    for attempt in range(20):
        n = swnet.Topo.free_id("swe2e-%d-e1")
        try:
            t.add_ns("swe2e-%d-e1" % n)  # the lock: a concurrent run took it if this fails
            break
        except subprocess.CalledProcessError:
            time.sleep(0.05 * (attempt + 1))
    else:
        raise RuntimeError("no free namespace id")
    X.id = n
    X.ns = {k: "swe2e-%d-%s" % (n, k) for k in ("c", "e1", "e2", "u")}
    for k in ("c", "e2", "u"):
        t.add_ns(X.ns[k])
    t.link(X.ns["c"], "c0", X.ns["e1"], "a0", "x2e%dc0" % n, "x2e%da0" % n)
    t.link(X.ns["e1"], "a1", X.ns["e2"], "b0", "x2e%da1" % n, "x2e%db0" % n)
    t.link(X.ns["e2"], "b1", X.ns["u"], "u0", "x2e%db1" % n, "x2e%du0" % n)
    X.ip = {"c": "10.%d.1.2" % n, "a0": "10.%d.1.1" % n, "a1": "10.%d.2.1" % n,
            "b0": "10.%d.2.2" % n, "b1": "10.%d.3.1" % n, "u": "10.%d.3.2" % n}
    for ns, dev, key in (("c", "c0", "c"), ("e1", "a0", "a0"), ("e1", "a1", "a1"),
                         ("e2", "b0", "b0"), ("e2", "b1", "b1"), ("u", "u0", "u")):
        t.addr(X.ns[ns], dev, X.ip[key] + "/24")
    t.route(X.ns["c"], "default", X.ip["a0"])
    t.route(X.ns["e1"], "10.%d.3.0/24" % n, X.ip["b0"])
    t.route(X.ns["e2"], "10.%d.1.0/24" % n, X.ip["a1"])
    t.route(X.ns["u"], "default", X.ip["b1"])
    t.forwarding(X.ns["e2"])


def warm_neighbours():
    """Neighbour entries the engines look up (they ask the kernel, and drop
    meanwhile): every hop pings its neighbours once."""
    for ns, dst in (("c", "a0"), ("e1", "b0"), ("e2", "u"), ("u", "b1"), ("e2", "a1")):
        subprocess.run(swnet.ns_exec(X.ns[ns]) + ["ping", "-c1", "-W1", X.ip[dst]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- engines

def make_engine(name, ns, devs, ifaces, upstream, fqdn, **kw):
    conf = os.path.join(X.dir, "%s.conf" % name)
    with open(conf, "w") as f:
        f.write(swnet.engine_config(ifaces, upstream, fqdn, X.keytab,
                                    X.realm["NTLM_USER_FILE"], **kw))
    e = swnet.Engine(X.topo, ns, X.sipwardd, X.xdp_obj, "swe2e%d%s" % (X.id, name), devs,
                     conf, os.path.join(X.dir, "sipwardd-%s.log" % name), X.realm)
    return e


def start_phase(phase):
    A = make_engine(phase + "A", X.ns["e1"], ["a0", "a1"],
                    [(X.ip["a0"] + "/24", "clients", None),
                     (X.ip["a1"] + "/24", "upstream",
                      None if phase == "chain" else X.ip["b0"])],
                    X.ip["b0"] if phase == "chain" else X.ip["u"], FQDN_A,
                    **PHASE_CFG[phase])
    engines = [A]
    if phase == "chain":
        B = make_engine(phase + "B", X.ns["e2"], ["b0", "b1"],
                        [(X.ip["b0"] + "/24", "clients", None),
                         (X.ip["b1"] + "/24", "upstream", None)],
                        X.ip["u"], FQDN_B, **PHASE_CFG[phase])
        engines.append(B)
    for e in reversed(engines):
        X.engines.append(e)
        if not e.start(pmds=X.pmds):
            raise RuntimeError("sipwardd %s did not start" % e.prefix)
    warm_neighbours()
    return engines


def stop_phase(engines):
    bad = []
    for e in engines:
        rc, out = e.stop()
        X.engines.remove(e)
        if rc != 0 or "sipwardd summary" not in out:
            bad.append("%s rc %d" % (e.prefix, rc))
    return bad


PHASE_CFG = {
    "main": dict(challenge=407, version=4),
    "f401": dict(challenge=401, version=4),
    "mutual": dict(challenge=407, version=4, mutual=True),
    "chain": dict(challenge=407, version=3),
}


# ---------------------------------------------------------------- client

class Run:
    """One sipward-client run: exit status, --json summary, -vv transcript."""

    def __init__(self, rc, out, err, secs):
        self.rc, self.err, self.secs = rc, err, secs
        try:
            self.j = json.loads(out)
        except ValueError:
            self.j = {"ok": False, "sas": [], "stats": {}, "error": "no json: %r" % out[:300]}
        self.sent = sent_messages(err)

    def why(self):
        return "rc %d, json %s, transcript tail:\n%s" % (
            self.rc, json.dumps(self.j)[:900], "\n".join(self.err.splitlines()[-25:]))

    def sa(self, fqdn):
        for s in self.j.get("sas", []):
            if s["targetname"].split("/")[-1] == fqdn:
                return s
        return None


def sent_messages(err):
    """The requests the client sent, rebuilt from the -vv transcript."""
    msgs, cur = [], None
    for line in err.splitlines():
        m = re.match(r"\[[0-9:.]+\] >> (?:\(retransmission\) )?(.*)$", line)
        if not m:
            cur = None
            continue
        text = m.group(1)
        if re.match(r"[A-Z]+ sip:\S+ SIP/2\.0$", text):
            cur = [text]
            msgs.append(cur)
        elif cur is not None:
            cur.append(text)
    return ["\r\n".join(x) for x in msgs]


def client(mech, *cmd, user="bob", realm="DOMAINB.TEST", proxy=None, timeout=6, opts=()):
    pw = os.path.join(X.dir, "pw-" + user)
    argv = [X.client, "--proxy", proxy or "%s:5060" % X.ip["a0"], "--user",
            "%s@%s" % (user, realm), "--mech", mech, "--password-file", pw, "--json", "-vv",
            "--timeout", str(timeout)] + list(opts) + list(cmd)
    env = dict(os.environ)
    env.update(X.realm)
    t0 = time.time()
    r = subprocess.run(swnet.ns_exec(X.ns["c"]) + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=timeout + 30)
    return Run(r.returncode, r.stdout.decode(errors="replace"),
               r.stderr.decode(errors="replace"), time.time() - t0)


def preauth_opts(mech, fqdn=FQDN_A, version=3, family=407):
    tn = "sip/" + fqdn if mech == "kerberos" else fqdn
    return ["--preauth", "--realm", REALM, "--targetname", tn, "--family", str(family),
            "--version", str(version)]


def snap(engines):
    return [e.snapshot() for e in engines]


def deltas(engines, before):
    return [swnet.delta(b, e.snapshot()) for e, b in zip(engines, before)]


def upstream():
    time.sleep(0.15)
    return X.uas.received()


def req_line(m):
    return m.split(b"\r\n", 1)[0]


def method_of(m):
    return req_line(m).split(b" ", 1)[0].decode()


def header_lines(m, names):
    """Header lines (bytes) whose name is in names (lower case)."""
    head = m.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    return [l for l in head if l.split(b":", 1)[0].strip().lower() in names]


def call_id(m):
    for l in header_lines(m if isinstance(m, bytes) else m.encode(), (b"call-id", b"i")):
        return l.split(b":", 1)[1].strip()
    return None


def cred_names(family):
    return (b"proxy-authorization",) if family == 407 else (b"authorization",)


def check_ok(r, n_sa=1):
    expect(r.rc == 0 and r.j.get("ok") and r.j.get("authenticated"), "client failed: " + r.why())
    expect(len(r.j["sas"]) == n_sa, "%d SAs (want %d): %s" % (len(r.j["sas"]), n_sa,
                                                             r.why()))


def check_signed_upstream(r, method, family=407, n_cred=1):
    """SIPp received `method` signed, with the very credential lines the client sent."""
    ups = [m for m in upstream() if method_of(m) == method]
    sent = [s.encode() for s in r.sent if s.startswith(method + " ")]
    signed = [s for s in sent
              if any(b"response=" in l for l in header_lines(s, cred_names(family)))]
    expect(signed, "the client sent a signed %s" % method)
    last = signed[-1]
    cid = call_id(last)
    got = [m for m in ups if call_id(m) == cid and
           header_lines(m, (b"cseq",)) == header_lines(last, (b"cseq",))]
    expect(got, "SIPp received the signed %s (Call-ID %r; it got %d %s)" % (
        method, cid, len(ups), method))
    want = header_lines(last, cred_names(family))
    have = header_lines(got[0], cred_names(family))
    expect(len(want) == n_cred, "client sent %d credential headers (want %d)" % (len(want),
                                                                                n_cred))
    expect(have == want, "credentials forwarded untouched:\n sent %r\n upstream %r" % (
        want, have))
    expect(re.search(rb"(?m)^Via: SIP/2\.0/UDP [^\r\n]*sw-sa=", got[0]),
           "the engine's Via (with sw-sa=) on top")
    return got[0]


# ---------------------------------------------------------------- cases

CASES = []


def case(phase, mechs=MECHS, **params):
    def reg(fn):
        for m in mechs:
            CASES.append((phase, "%s[%s%s]" % (fn.__name__, m, "".join(
                ",%s=%s" % kv for kv in sorted(params.items()))), fn, m, params))
        return fn
    return reg


def case_p(phase, mechs, plist):
    def reg(fn):
        for p in plist:
            case(phase, mechs, **p)(fn)
        return fn
    return reg


@case("main")
def preauth_register(mech, engines):
    """FIG. 6/9: credentials in the first REGISTER, signed 200 verified."""
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "register", opts=preauth_opts(mech, version=4))
    check_ok(r)
    sa = r.sa(FQDN_A)
    expect(sa["state"] == "ESTABLISHED" and sa["version"] == 4 and sa["family"] == 407,
           "SA %r" % sa)
    st = r.j["stats"]
    expect(st["challenges"] == (0 if mech == "kerberos" else 1),
           "Kerberos: no challenge at all; NTLM: only the CHALLENGE leg (%d)" % st["challenges"])
    expect(st["verified_responses"] >= 1 and st["dropped_responses"] == 0, "stats %r" % st)
    d = deltas(engines, e0)[0]
    expect(d["stats"].get("challenge", 0) == 0, "engine sent no plain challenge: %r" % d)
    expect(d["cp"].get("krb_ok" if mech == "kerberos" else "ntlm_ok", 0) == 1,
           "SA established in the control plane: %r" % d["cp"])
    expect(d["cp"].get("rsp_signed", 0) >= 1, "200 signed by the control plane")
    ups = [m for m in upstream() if method_of(m) == "REGISTER"]
    expect(len(ups) == 1, "SIPp got one REGISTER (%d)" % len(ups))
    # Version 4: the final leg is signed too.
    if mech == "kerberos":
        creds = header_lines(ups[0], cred_names(407))
        expect(len(creds) == 1 and b"gssapi-data=" in creds[0] and b"response=" in creds[0],
               "v4 Kerberos leg carries the token and a signature: %r" % creds)


@case_p("main", MECHS, [dict(version=2), dict(version=3), dict(version=4)])
def challenged_invite(mech, engines, version):
    """FIG. 7/8: INVITE -> 407 -> REGISTER with credentials -> 200 -> signed INVITE."""
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "invite", "carol@domainb.test", opts=["--version", str(version)])
    check_ok(r)
    sa = r.sa(FQDN_A)
    expect(sa["state"] == "ESTABLISHED" and sa["version"] == version and sa["family"] == 407,
           "SA %r" % sa)
    expect(sa["scheme"].lower() == mech, "scheme %s" % sa["scheme"])
    st = r.j["stats"]
    expect(st["challenges"] >= 1 and st["signed_requests"] >= 2 and
           st["verified_responses"] >= 2 and st["dropped_responses"] == 0 and
           st["backoffs"] == 0, "stats %r" % st)
    expect(r.j["status"] == 200, "final status %r" % r.j["status"])
    methods = [s.split(" ", 1)[0] for s in r.sent]
    expect(methods[:2] == ["INVITE", "ACK"] and "REGISTER" in methods and
           methods[-2:] == ["INVITE", "ACK"], "flow INVITE, ACK(407), REGISTER.., INVITE, ACK: %r"
           % methods)
    up = check_signed_upstream(r, "INVITE")
    cred = header_lines(up, cred_names(407))[0]
    if version >= 3:
        expect(b"version=%d" % version in cred, "version=%d in %r" % (version, cred))
    else:
        expect(b"version=" not in cred, "no version= at v2: %r" % cred)
    d = deltas(engines, e0)[0]["stats"]
    expect(d.get("challenge", 0) >= 1 and d.get("fwd_signed", 0) >= 2 and
           d.get("resp_signed", 0) >= 1, "engine: challenge, fwd_signed (INVITE+ACK), "
           "resp_signed: %r" % d)


@case("main")
def challenged_message(mech, engines):
    X.uas.mark()
    r = client(mech, "message", "carol@domainb.test", "hello e2e")
    check_ok(r)
    up = check_signed_upstream(r, "MESSAGE")
    expect(up.rstrip().endswith(b"hello e2e"), "body relayed")


@case("main")
def unregister(mech, engines):
    """REGISTER Expires: 0 in a fresh process: the SA made for it is retired by
    the engine when the 200 comes back."""
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "unregister")
    expect(r.rc == 0 and r.j["ok"], "unregister failed: " + r.why())
    expect(all(s["state"] == "NONE" for s in r.j["sas"]), "client removed its SAs: %r" %
           r.j["sas"])
    ups = [m for m in upstream() if method_of(m) == "REGISTER"]
    expect(ups and all(re.search(rb"(?m)^Expires: 0\r?$", m) for m in ups),
           "SIPp got REGISTER Expires: 0 (%d)" % len(ups))
    d = deltas(engines, e0)[0]["cp"]
    expect(d.get("unregistered", 0) == 1, "engine retired the SA (cp unregistered): %r" % d)


@case("main")
def refresh_then_unregister(mech, engines):
    """One process: register, refresh (signed REGISTER on the established SA),
    unregister (signed REGISTER Expires: 0): the engine retires exactly that SA."""
    if not X.multi_cmd:
        raise Skip("sipward-client takes one command per run")
    e0 = snap(engines)
    n0 = engines[0].tel("/sipward/sa")["count"]
    X.uas.mark()
    r = client(mech, "register", "register", "unregister")
    expect(r.rc == 0 and r.j["ok"], "failed: " + r.why())
    expect([s["state"] for s in r.j["sas"]] == ["NONE"], "SA removed: %r" % r.j["sas"])
    ups = [m for m in upstream() if method_of(m) == "REGISTER"]
    expect(len(ups) >= 3 and re.search(rb"(?m)^Expires: 0\r?$", ups[-1]) and
           b"response=" in ups[-1], "SIPp got the signed refresh and unregister (%d)" % len(ups))
    time.sleep(0.2)
    n1 = engines[0].tel("/sipward/sa")["count"]
    expect(n1 == n0, "the engine's SA count is back to %d (%d)" % (n0, n1))
    regs = [s for s in r.sent if s.startswith("REGISTER ")]
    signed = [s for s in regs if "response=" in s and "gssapi-data" not in s]
    expect(len(signed) == 2, "refresh and unregister signed on the same SA (%d of %d)" % (
        len(signed), len(regs)))
    expect("Expires: 3600" in signed[0] and "Expires: 0" in signed[1], "refresh, then Expires: 0")
    d = deltas(engines, e0)[0]
    expect(d["cp"].get("unregistered", 0) == 1 and
           d["cp"].get("krb_ok" if mech == "kerberos" else "ntlm_ok", 0) == 1,
           "one SA made, the same one retired: %r" % d["cp"])


@case("main")
def cross_realm(mech, engines):
    """ann@DOMAINA.TEST: Kerberos through the cross-realm TGT; NTLM as DOMAINA\\ann."""
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "invite", "bob@domainb.test", user="ann", realm="DOMAINA.TEST")
    check_ok(r)
    up = check_signed_upstream(r, "INVITE")
    expect(b"From: <sip:ann@domaina.test>" in up or b"sip:ann@domaina.test" in up,
           "From is ann's AOR")
    d = deltas(engines, e0)[0]["cp"]
    expect(d.get("krb_ok" if mech == "kerberos" else "ntlm_ok", 0) == 1, "cp %r" % d)


# ----- the misbehaving proxy (tamper_relay.py between client and engine)

def relay(mode, on="INVITE"):
    port = 5900 + len(X.relays)
    evf = os.path.join(X.dir, "relay-%s-%d.jsonl" % (mode, port))
    p = X.topo.spawn(X.ns["c"], [sys.executable, os.path.join(HERE, "tamper_relay.py"),
                                 "--listen", "%s:%d" % (X.ip["c"], port),
                                 "--to", "%s:5060" % X.ip["a0"], "--mode", mode, "--on", on,
                                 "--events", evf],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()  # "relay ready"
    X.relays.append(p)
    return "%s:%d" % (X.ip["c"], port), p, evf


def relay_stop(p, evf):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(3)
    except subprocess.TimeoutExpired:
        p.kill()
    try:
        return [json.loads(l) for l in open(evf)]
    except FileNotFoundError:
        return []


@case("main")
def reject_flipped_rspauth(mech, engines):
    """One bit of the engine's signature on the 200 to the signed INVITE is
    flipped: the client drops every copy and fails."""
    proxy, p, evf = relay("flip", "INVITE")
    e0 = snap(engines)
    r = client(mech, "invite", "carol@domainb.test", proxy=proxy, timeout=2.5)
    ev = relay_stop(p, evf)
    expect(any(e["action"] == "flip" for e in ev), "the relay flipped a bit")
    expect(r.rc == 1 and not r.j["ok"], "client must fail: " + r.why())
    expect(r.j["stats"]["dropped_responses"] >= 1, "dropped counted: %r" % r.j["stats"])
    expect("only unsigned or badly signed answers" in (r.j.get("error") or ""),
           "error says why: %r" % r.j.get("error"))
    expect("DROPPED: bad server signature" in r.err, "transcript shows the drop")
    d = deltas(engines, e0)[0]["stats"]
    expect(d.get("fwd_signed", 0) >= 1 and d.get("resp_signed", 0) >= 1,
           "the engine itself verified and signed correctly: %r" % d)


@case("main")
def reject_flipped_first_signature(mech, engines):
    """The flipped bit is on the 200 that confirms the new SA: handshake fails at once."""
    proxy, p, evf = relay("flip", "REGISTER")
    r = client(mech, "register", proxy=proxy, timeout=4)
    ev = relay_stop(p, evf)
    expect(any(e["action"] == "flip" for e in ev), "the relay flipped a bit")
    expect(r.rc == 1 and "first signature does not verify" in (r.j.get("error") or ""),
           "client refuses the SA: " + r.why())
    expect(all(s["state"] != "ESTABLISHED" for s in r.j["sas"]), "no SA: %r" % r.j["sas"])


@case("main")
def reject_missing_signature(mech, engines):
    """The engine's Proxy-Authentication-Info is stripped from the 200 to the
    signed INVITE: dropped, the client fails."""
    proxy, p, evf = relay("strip", "INVITE")
    r = client(mech, "invite", "carol@domainb.test", proxy=proxy, timeout=2.5)
    ev = relay_stop(p, evf)
    expect(any(e["action"] == "strip" for e in ev), "the relay stripped the signature")
    expect(r.rc == 1 and not r.j["ok"], "client must fail: " + r.why())
    expect(r.j["stats"]["dropped_responses"] >= 1, "dropped counted: %r" % r.j["stats"])
    expect("DROPPED: final response without the signature" in r.err, "transcript shows why")


@case("main")
def reject_missing_first_signature(mech, engines):
    proxy, p, evf = relay("strip", "REGISTER")
    r = client(mech, "register", proxy=proxy, timeout=4)
    relay_stop(p, evf)
    expect(r.rc == 1 and "without a valid server signature" in (r.j.get("error") or ""),
           "client refuses the unsigned 200 for the new SA: " + r.why())


@case_p("main", MECHS, [dict(version=3), dict(version=4)])
def challenge_on_fresh_sa_backs_off(mech, engines, version):
    """The answer to the first signed request is a 407: the client backs off
    (--backoff) without sending, then re-acquires and succeeds."""
    backoff = 1500
    proxy, p, evf = relay("challenge")
    r = client(mech, "invite", "carol@domainb.test", proxy=proxy, timeout=12,
               opts=["--backoff", str(backoff), "--version", str(version)])
    ev = relay_stop(p, evf)
    inj = [e for e in ev if e["action"] == "challenge"]
    expect(inj, "the relay answered the fresh SA with a challenge")
    expect(r.rc == 0 and r.j["ok"], "client recovers after the back-off: " + r.why())
    expect(r.j["stats"]["backoffs"] == 1, "one back-off: %r" % r.j["stats"])
    expect(r.sa(FQDN_A)["backoffs"] == 1, "counted on the SA")
    expect("BACKOFF" in r.err and "challenge on a fresh SA" in r.err, "transcript shows FIG. 4")
    # Nothing but the ACK of the injected 407 went out during the back-off.
    t_inj = inj[0]["t"]
    after = [e for e in ev if e["dir"] == "c2e" and e["t"] > t_inj and
             not e["line"].startswith("ACK ")]
    expect(after, "the client sent again after the back-off")
    gap = after[0]["t"] - t_inj
    expect(gap >= backoff / 1000.0 * 0.95, "silent for %.2f s (back-off %d ms)" % (gap, backoff))
    X.notes.append("back-off gap %.2f s (%s)" % (gap, mech))


# ----- 401 family

@case_p("f401", MECHS, [dict(version=2), dict(version=3), dict(version=4)])
def family401_challenged_invite(mech, engines, version):
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "invite", "carol@domainb.test", opts=["--version", str(version)])
    check_ok(r)
    sa = r.sa(FQDN_A)
    expect(sa["family"] == 401 and sa["version"] == version, "SA %r" % sa)
    up = check_signed_upstream(r, "INVITE", family=401)
    expect(not header_lines(up, (b"proxy-authorization",)), "no Proxy-Authorization at 401")
    first = [s for s in r.sent if s.startswith("REGISTER ")][0]
    expect("\r\nAuthorization: " in first, "handshake in Authorization")
    d = deltas(engines, e0)[0]["stats"]
    expect(d.get("fwd_signed", 0) >= 2, "engine verified: %r" % d)


@case("f401")
def family401_preauth_register(mech, engines):
    X.uas.mark()
    r = client(mech, "register", opts=preauth_opts(mech, version=3, family=401))
    check_ok(r)
    sa = r.sa(FQDN_A)
    expect(sa["family"] == 401 and sa["version"] == 3, "SA %r" % sa)
    ups = [m for m in upstream() if method_of(m) == "REGISTER"]
    expect(ups and header_lines(ups[-1], (b"authorization",)) and
           not header_lines(ups[-1], (b"proxy-authorization",)), "SIPp got Authorization")


# ----- mutual authentication

@case("mutual", mechs=("kerberos",))
def mutual_invite(mech, engines):
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "invite", "carol@domainb.test", opts=["--mutual"])
    check_ok(r)
    sa = r.sa(FQDN_A)
    expect(sa["mutual_verified"] is True, "AP-REP verified: %r" % sa)
    expect("AP-REP verified (mutual authentication)" in r.err, "transcript")
    check_signed_upstream(r, "INVITE")
    d = deltas(engines, e0)[0]["cp"]
    expect(d.get("rsp_ap_rep", 0) == 1, "engine sent one AP-REP: %r" % d)


@case("mutual", mechs=("kerberos",))
def mutual_preauth_register(mech, engines):
    r = client(mech, "register", opts=["--mutual"] + preauth_opts(mech, version=4))
    check_ok(r)
    expect(r.sa(FQDN_A)["mutual_verified"] is True, "AP-REP verified")


@case("mutual", mechs=("kerberos",))
def mutual_reject_bad_aprep(mech, engines):
    """One bit of the proxy's AP-REP flipped: the client refuses the proxy."""
    proxy, p, evf = relay("aprep", "REGISTER")
    r = client(mech, "register", proxy=proxy, timeout=4, opts=["--mutual"])
    ev = relay_stop(p, evf)
    expect(any(e["action"] == "aprep" for e in ev), "the relay corrupted the AP-REP")
    expect(r.rc == 1 and "mutual authentication failed" in (r.j.get("error") or ""),
           "client refuses: " + r.why())
    expect(all(s["state"] != "ESTABLISHED" for s in r.j["sas"]), "no SA: %r" % r.j["sas"])


@case("main", mechs=("kerberos",))
def mutual_required_not_offered(mech, engines):
    """--mutual against a proxy configured without mutual authentication: no
    AP-REP, so the client must not accept the proxy."""
    r = client(mech, "register", timeout=4, opts=["--mutual"])
    expect(r.rc == 1 and not r.j["ok"], "client must fail without an AP-REP: " + r.why())
    expect("mutual" in (r.j.get("error") or ""), "error says why: %r" % r.j.get("error"))


@case("mutual", mechs=("ntlm",))
def mutual_config_ntlm_unaffected(mech, engines):
    r = client(mech, "invite", "carol@domainb.test")
    check_ok(r)


# ----- several proxies (FIG. 5)

@case("chain")
def chain_invite(mech, engines):
    """A challenges, then B: one SA per proxy, two Proxy-Authorization headers on
    the signed INVITE, each proxy passes the other's through untouched, both
    sign the 200."""
    e0 = snap(engines)
    X.uas.mark()
    r = client(mech, "invite", "carol@domainb.test")
    check_ok(r, n_sa=2)
    a, b = r.sa(FQDN_A), r.sa(FQDN_B)
    expect(a and b and a["state"] == b["state"] == "ESTABLISHED", "two SAs: %r" % r.j["sas"])
    expect(a["opaque"] != b["opaque"], "distinct SAs")
    expect(a["version"] == b["version"] == 3, "version 3 as offered (no --version cap)")
    check_signed_upstream(r, "INVITE", n_cred=2)
    inv = [s for s in r.sent if s.startswith("INVITE ")][-1]
    tns = re.findall(r'targetname="([^"]+)"', inv)
    expect(sorted(t.split("/")[-1] for t in tns) == sorted([FQDN_A, FQDN_B]),
           "one credential per proxy: %r" % tns)
    dA, dB = deltas(engines, e0)
    expect(dA["stats"].get("fwd_signed", 0) >= 2 and dB["stats"].get("fwd_signed", 0) >= 2,
           "both engines verified INVITE and ACK: A %r B %r" % (dA["stats"], dB["stats"]))
    expect(not dA["stats"].get("loop") and not dB["stats"].get("loop"),
           "no false 482 loop in the chain: A %r B %r" % (dA["stats"], dB["stats"]))
    expect(dA["cp"].get("krb_ok" if mech == "kerberos" else "ntlm_ok", 0) == 1 and
           dB["cp"].get("krb_ok" if mech == "kerberos" else "ntlm_ok", 0) == 1,
           "one SA in each proxy: A %r B %r" % (dA["cp"], dB["cp"]))
    expect(dA["stats"].get("resp_signed", 0) >= 1 and dB["stats"].get("resp_signed", 0) >= 1,
           "both signed the 200")
    expect(r.j["stats"]["verified_responses"] >= 4, "client verified both signatures "
           "on the REGISTER and INVITE answers: %r" % r.j["stats"])


@case("chain", mechs=("kerberos",))
def chain_preauth_register(mech, engines):
    """Pre-auth for A; B challenges through A: A's SA confirmed by A's signature
    on B's 407, then B's handshake."""
    X.uas.mark()
    r = client(mech, "register", opts=preauth_opts(mech, version=3))
    check_ok(r, n_sa=2)
    ups = [m for m in upstream() if method_of(m) == "REGISTER"]
    expect(ups and len(header_lines(ups[-1], cred_names(407))) == 2,
           "SIPp got the REGISTER with both proxies' credentials")


# ---------------------------------------------------------------- main

PHASES = ["main", "f401", "mutual", "chain"]


def detect_multi_cmd():
    r = subprocess.run([X.client, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return b"COMMAND..." in r.stdout


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    build = os.path.abspath(args[0])
    only = args[args.index("-k") + 1] if "-k" in args else None
    X.keep = "--keep" in args
    X.pmds = ("af_xdp", "af_packet")
    if "--pmd" in args:
        X.pmds = (args[args.index("--pmd") + 1],)
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    for tool in ("sipp", "ip", "kadmin.local"):
        if shutil.which(tool) is None:
            print("SKIP: %s not installed" % tool)
            return 77
    X.sipwardd = os.path.join(build, "dataplane", "engine", "sipwardd")
    X.xdp_obj = os.path.join(build, "dataplane", "engine", "sipward_xdp.o")
    X.client = os.path.join(build, "client", "sipward-client")
    X.multi_cmd = detect_multi_cmd()
    X.dir = tempfile.mkdtemp(prefix="sw-e2e-")
    X.relays = []
    X.notes = []
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    t_start = time.time()
    results = []
    try:
        topo_up()
        rdir = os.path.join(X.dir, "realm")
        X.realm = swnet.start_realm(X.topo, X.ns["c"], rdir)
        X.keytab = X.realm["SW_KEYTAB"]
        swnet.add_service(X.realm, "sip/%s@DOMAINB.TEST" % FQDN_B, X.keytab)
        for u, k in (("bob", "SW_USER_PASSWORD"), ("carol", "SW_USER2_PASSWORD"),
                     ("ann", "SW_XUSER_PASSWORD")):
            with open(os.path.join(X.dir, "pw-" + u), "w") as f:
                f.write(X.realm[k] + "\n")
        _, uas_log = swnet.start_uas(X.topo, X.ns["u"], X.ip["u"], X.dir,
                                     scenario=os.path.join(HERE, "uas-loop.xml"))
        X.uas = swnet.SippLog(uas_log)
        log("e2e: namespaces %s, setup %.1fs" % (" ".join(X.ns.values()),
                                                  time.time() - t_start))
        for phase in PHASES:
            todo = [c for c in CASES if c[0] == phase and (not only or only in c[1])]
            if not todo:
                continue
            t0 = time.time()
            try:
                engines = start_phase(phase)
            except Exception as e:  # noqa: BLE001
                results.append(("%s: engines start" % phase, False, str(e)))
                log("  %-60s FAIL %s" % (results[-1][0], e))
                continue
            log("%s: sipwardd on net_%s (%s), %.1fs" % (
                phase, engines[0].pmd, ", ".join(e.prefix for e in engines), time.time() - t0))
            for _, name, fn, mech, params in todo:
                t1 = time.time()
                try:
                    fn(mech, engines, **params)
                    results.append((name, True, ""))
                except Skip as e:
                    results.append((name, True, "SKIP: %s" % e))
                except Exception as e:  # noqa: BLE001
                    results.append((name, False, "%s: %s" % (type(e).__name__, e)))
                log("  %-60s %s %s (%.1fs)" % (name, "ok  " if results[-1][1] else "FAIL",
                                               results[-1][2][:3000], time.time() - t1))
            bad = stop_phase(engines)
            results.append(("%s: clean engine shutdown" % phase, not bad, ", ".join(bad)))
            if bad:
                log("  %-60s FAIL %s" % (results[-1][0], results[-1][2]))
    finally:
        cleanup()
    n_ok = sum(1 for r in results if r[1])
    n_skip = sum(1 for r in results if r[2].startswith("SKIP"))
    for n in X.notes:
        log("note: " + n)
    log("%d passed (%d skipped), %d failed, %.1fs" % (n_ok, n_skip, len(results) - n_ok,
                                                     time.time() - t_start))
    return 0 if n_ok == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
