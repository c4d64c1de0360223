#!/usr/bin/env python3
"""make demo: sipward end to end on an embedded topology (issue 6).

    demo/demo.py BUILD_DIR [--out DIR] [--keep] [--load-seconds S] [--no-load]

Topology (network namespaces swd<ID>-*, created and removed here, by name):

    ann ──veth── proxy2 (sipwardd, proxy2.domainb.test) ──┐
                                                           lan (bridge) ── proxy1 (sipwardd,
    bob ──veth─────────────────────────────────────────────┘   proxy.domainb.test) ──veth── kam
                                                                                  (Kamailio registrar)

Realms DOMAINB.TEST / DOMAINA.TEST with cross-realm trust (tests/realm), one KDC
per client namespace on loopback; NTLM accounts in the realm's user file.
Transcripts come from sipward-client -v / --json and from the engines'
telemetry counters; every scenario ends with a PASS/FAIL line, then the SIPp
load phase against proxy 1, then a summary table.  Exit 0 only if every
scenario passed.  Everything is removed on exit (also on SIGINT/SIGTERM): the
PIDs started here, then the namespaces by name.
"""

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
REALM_SH = os.path.join(SRC, "tests", "realm", "krb5-realm.sh")
REALM_NAME = "SIP Communications Service"
P1_FQDN, P2_FQDN = "proxy.domainb.test", "proxy2.domainb.test"
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)

sys.path.insert(0, os.path.join(SRC, "tests", "engine"))
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "swtel", os.path.join(SRC, "tests", "engine", "sw-telemetry.py"))
swtel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(swtel)

TTY = sys.stdout.isatty()


def out(*a):
    print(*a, flush=True)


def bold(s):
    return "\033[1m%s\033[0m" % s if TTY else s


class S:
    """Run state: everything created, for cleanup."""
    procs = []        # Popen objects we started
    pids = []         # daemonised PIDs we started (KDCs, Kamailio)
    netns = []        # namespaces we created
    prefixes = []     # EAL --file-prefix of our engines
    work = None
    keep = False
    cleaned = False


def stop_processes():
    """Stop what we started: engines with SIGINT (they print their counter
    summary), the rest with SIGTERM; SIGKILL after a grace period."""
    for p in reversed(S.procs):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGINT if p.args and "sipwardd" in " ".join(p.args)
                              else signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.time() + 8
    for p in S.procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(2)
            except subprocess.TimeoutExpired:
                pass


def cleanup():
    if S.cleaned:
        return
    S.cleaned = True
    stop_processes()
    for pid in S.pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    time.sleep(0.3)
    for pid in S.pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # Anything still running inside our namespaces (the kernel's list, our
    # namespaces only), then the namespaces themselves.
    for ns in reversed(S.netns):
        r = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        for p in r.stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    for pf in S.prefixes:
        shutil.rmtree("/var/run/dpdk/" + pf, ignore_errors=True)
    if S.work and not S.keep:
        shutil.rmtree(S.work, ignore_errors=True)


def on_signal(signum, _frame):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    out("\n%s: stopping everything the demo started" % signal.Signals(signum).name)
    try:
        save_logs()
    except Exception:  # noqa: BLE001 - cleanup must run whatever happened
        pass
    cleanup()
    report_cleanup()
    os._exit(130 if signum == signal.SIGINT else 143)


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def nsx(ns):
    return ["ip", "netns", "exec", ns]


def in_ns(ns, fn):
    me = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        return fn()
    finally:
        libc.setns(me, CLONE_NEWNET)
        os.close(fd)
        os.close(me)


def spawn(ns, cmd, log=None, env=None, cwd=None):
    f = open(log, "wb") if log else subprocess.DEVNULL
    p = subprocess.Popen(nsx(ns) + cmd, stdout=f, stderr=subprocess.STDOUT, env=env,
                         cwd=cwd, stdin=subprocess.DEVNULL)
    S.procs.append(p)
    return p


def render(src, dst, **kv):
    with open(src) as f:
        text = f.read()
    for k, v in kv.items():
        text = text.replace("@%s@" % k, str(v))
    with open(dst, "w") as f:
        f.write(text)


# ------------------------------------------------------------------ topology

class Topo:
    pass


T = Topo()


def topo_up():
    """Six namespaces; veths are created inside them (never in the host's)."""
    ids = set(l.split()[0] for l in sh("ip", "netns", "list").stdout.decode().splitlines() if l)
    i = os.getpid() % 200 + 20
    for _ in range(200):
        if not any(n.startswith("swd%d-" % i) for n in ids):
            break
        i = (i - 20 + 1) % 200 + 20
    T.id = i
    T.ns = {r: "swd%d-%s" % (i, r) for r in ("ann", "bob", "p2", "p1", "kam", "lan")}
    for ns in T.ns.values():
        sh("ip", "netns", "add", ns)
        S.netns.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    n = T.ns
    T.ann, T.p2c = "10.%d.11.2" % i, "10.%d.11.1" % i
    T.p1c, T.p2u, T.bob = "10.%d.12.1" % i, "10.%d.12.2" % i, "10.%d.12.3" % i
    T.p1u, T.kam = "10.%d.13.1" % i, "10.%d.13.2" % i

    def veth(ns_a, a, ns_b, b):
        sh("ip", "-n", ns_a, "link", "add", a, "type", "veth", "peer", "name", b,
           "netns", ns_b)

    veth(n["ann"], "a0", n["p2"], "c0")
    veth(n["p2"], "u0", n["lan"], "l2")
    veth(n["bob"], "b0", n["lan"], "lb")
    veth(n["p1"], "c0", n["lan"], "l1")
    veth(n["p1"], "u0", n["kam"], "k0")
    sh("ip", "-n", n["lan"], "link", "add", "br0", "type", "bridge")
    for p in ("l2", "lb", "l1"):
        sh("ip", "-n", n["lan"], "link", "set", p, "master", "br0", "up")
    sh("ip", "-n", n["lan"], "link", "set", "br0", "up")
    for ns, dev, addr in ((n["ann"], "a0", T.ann), (n["p2"], "c0", T.p2c),
                          (n["p2"], "u0", T.p2u), (n["bob"], "b0", T.bob),
                          (n["p1"], "c0", T.p1c), (n["p1"], "u0", T.p1u),
                          (n["kam"], "k0", T.kam)):
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
    sh("ip", "-n", n["ann"], "route", "add", "default", "via", T.p2c)
    sh("ip", "-n", n["bob"], "route", "add", "default", "via", T.p1c)
    sh("ip", "-n", n["kam"], "route", "add", "default", "via", T.p1u)
    # No IP forwarding in proxy 1's namespace: Kamailio reaches the clients
    # only through sipwardd (the Path it stored), never around it.


# ------------------------------------------------------------------ realm

def realm_up():
    T.rdir = os.path.join(S.work, "realm")
    r = subprocess.run(nsx(T.ns["ann"]) + [REALM_SH, "start", T.rdir], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("realm start failed: " + r.stdout.decode()[-800:])
    T.realm = {}
    for line in open(os.path.join(T.rdir, "env")):
        m = re.match(r"export (\w+)='(.*)'$", line.strip())
        if m:
            T.realm[m.group(1)] = m.group(2)
    S.pids.append(int(T.realm["SW_KDC_PID"]))
    T.env = dict(os.environ)
    T.env.update(T.realm)
    # proxy 2's own service principal and keytab.
    T.keytab2 = os.path.join(T.rdir, "sip2.keytab")
    princ = "sip/%s@DOMAINB.TEST" % P2_FQDN
    for q in ("addprinc -randkey %s" % princ, "ktadd -k %s %s" % (T.keytab2, princ)):
        sh("kadmin.local", "-r", "DOMAINB.TEST", "-q", q, env=T.env)
    # The KDC listens on 127.0.0.1 of Ann's namespace; Bob's namespace gets its
    # own krb5kdc on the same database and port.
    pidf = os.path.join(T.rdir, "krb5kdc-bob.pid")
    sh(*nsx(T.ns["bob"]), "krb5kdc", "-r", "DOMAINB.TEST", "-r", "DOMAINA.TEST", "-P", pidf,
       env=T.env)
    for _ in range(100):
        if os.path.exists(pidf) and open(pidf).read().strip():
            break
        time.sleep(0.05)
    S.pids.append(int(open(pidf).read().strip()))
    T.pw = {}
    for u, k in (("bob", "SW_USER_PASSWORD"), ("carol", "SW_USER2_PASSWORD"),
                 ("ann", "SW_XUSER_PASSWORD")):
        path = os.path.join(S.work, "pw-" + u)
        with open(path, "w") as f:
            f.write(T.realm[k] + "\n")
        os.chmod(path, 0o600)
        T.pw[u] = path


# ------------------------------------------------------------------ engines

class Engine:
    def __init__(self, name, ns, caddr, uaddr, upstream, fqdn, keytab, cpu):
        self.name, self.ns, self.fqdn = name, ns, fqdn
        self.conf = os.path.join(S.work, name + ".conf")
        self.log = os.path.join(S.work, name + ".log")
        self.prefix = "swd%d%s" % (T.id, name)
        render(os.path.join(HERE, "proxy.conf.in"), self.conf, CLIENT_ADDR=caddr + "/24",
               UPSTREAM_ADDR=uaddr + "/24", UPSTREAM=upstream, TARGETNAME=fqdn, KEYTAB=keytab,
               NTLM_USERS=T.realm["NTLM_USER_FILE"], EXCEPTION="@EXCEPTION@")
        self.cpu = cpu
        self.p = None

    def start(self, build):
        xdp = os.path.join(build, "dataplane", "engine", "sipward_xdp.o")
        for pmd in ("af_xdp", "af_packet"):
            conf = self.conf + "." + pmd
            render(self.conf, conf, EXCEPTION="xdp" if pmd == "af_xdp" else "none")
            if pmd == "af_xdp":
                vd = ["--vdev=net_af_xdp%d,iface=%s,queue_count=1,xdp_prog=%s" % (i, n, xdp)
                      for i, n in ((0, "c0"), (1, "u0"))]
            else:
                vd = ["--vdev=net_af_packet%d,iface=%s,qpairs=1" % (i, n)
                      for i, n in ((0, "c0"), (1, "u0"))]
            S.prefixes.append(self.prefix)
            cmd = [os.path.join(build, "dataplane", "engine", "sipwardd"),
                   "--lcores", "0@%d,1@%d" % (self.cpu[0], self.cpu[1]), "--no-huge",
                   "--no-pci", "-m", "512", "--file-prefix", self.prefix,
                   "--log-level", "lib.eal:error"] + vd + ["--", "-c", conf]
            self.p = spawn(self.ns, cmd, log=self.log, env=T.env)
            self.pmd = pmd
            deadline = time.time() + 20
            while time.time() < deadline:
                text = open(self.log, "rb").read()
                if b"sipwardd ready" in text:
                    time.sleep(0.3)
                    return True
                if self.p.poll() is not None:
                    break
                time.sleep(0.1)
            if self.p.poll() is None:
                self.p.send_signal(signal.SIGINT)
                try:
                    self.p.wait(10)
                except subprocess.TimeoutExpired:
                    self.p.kill()
            out("  %s did not start on net_%s:\n    %s" % (
                self.name, pmd, open(self.log, "rb").read().decode(errors="replace")[-800:]
                .replace("\n", "\n    ")))
        return False

    def tel(self, cmd):
        return swtel.query(self.prefix, [cmd])[0][cmd]

    def stats(self):
        return self.tel("/sipward/stats")

    def cpu_s(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def d(a, b, k):
    return b.get(k, 0) - a.get(k, 0)


def counters(a, b, keys):
    return ", ".join("%s +%d" % (k, d(a, b, k)) for k in keys if d(a, b, k)) or "none"


# ------------------------------------------------------------------ clients

def client(ns, user, realm, proxy, *args, mech="kerberos", preauth=None, timeout=20):
    """Run sipward-client -v --json; returns (rc, transcript lines, json)."""
    cmd = [T.bin_client, "--proxy", "%s:5060" % proxy, "--user", "%s@%s" % (user, realm),
           "--mech", mech, "--password-file", T.pw[user], "--timeout", "10", "-v", "--json"]
    if preauth:
        cmd += ["--preauth", "--realm", REALM_NAME, "--targetname", preauth,
                "--family", "407", "--version", "3"]
    cmd += list(args)
    r = subprocess.run(nsx(ns) + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=T.env, timeout=timeout)
    try:
        js = json.loads(r.stdout.decode() or "{}")
    except ValueError:
        js = {}
    return r.returncode, r.stderr.decode(errors="replace").splitlines(), js


# What a transcript keeps from sipward-client -v: messages sent and received,
# SA state changes, what was verified or dropped.
KEEP = re.compile(r"(>>|<<|SA |verified|DROPPED|REFUSED|context ready|AUTHENTICATE|"
                  r"NTLM credentials|kerberos credentials|establishing|AP-REP|unregister|"
                  r"listening|response signed|not answered|error)")


def transcript(who, lines, limit=24):
    kept = [l for l in lines if KEEP.search(l)]
    for l in kept[:limit]:
        l = re.sub(r"^\[[0-9:.]+\] ", "", l)
        out("    %-5s %s" % (who, l[:150]))
    if len(kept) > limit:
        out("    %-5s ... (%d more lines)" % (who, len(kept) - limit))


RESULTS = []


def result(name, ok, detail=""):
    RESULTS.append((name, ok, detail))
    out("  %s  %s%s" % (bold("PASS") if ok else bold("FAIL"), name,
                        (" - " + detail) if detail else ""))


def scenario(title):
    out("")
    out(bold("== " + title))


# ------------------------------------------------------------------ raw SIP

def sip_msg(method, callid, ruri, frm, to, lhost, lport, cseq=1, branch=None, extra=()):
    branch = branch or ("z9hG4bK" + re.sub(r"[^A-Za-z0-9]", "", callid)[:20])
    lines = ["%s %s SIP/2.0" % (method, ruri),
             "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (lhost, lport, branch),
             "Max-Forwards: 70", "From: <%s>;tag=atk1" % frm, "To: <%s>" % to,
             "Call-ID: %s" % callid, "CSeq: %d %s" % (cseq, method),
             "Contact: <sip:bob@%s:%d>" % (lhost, lport)] + list(extra) + ["Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def sign(msg, sa, cnum, crand="5a5a0001"):
    cmd = [T.bin_sign, "--scheme", sa["scheme"], "--key", sa["key"], "--opaque", sa["opaque"],
           "--realm", sa["realm"], "--targetname", sa["targetname"], "--version",
           str(sa["version"]), "--cnum", str(cnum), "--crand", crand,
           "--hdr", "Proxy-Authorization"]
    if sa["scheme"] == "Kerberos":
        cmd += ["--enctype", str(sa["enctype"]), "--seq", str(sa["krb_seq"] + cnum)]
        if sa.get("acceptor_subkey"):
            cmd.append("--acceptor-subkey")
    return subprocess.run(cmd, input=msg, stdout=subprocess.PIPE, check=True).stdout


def udp_exchange(ns, laddr, lport, dst, data, wait=1.5):
    s = in_ns(ns, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    try:
        s.bind((laddr, lport))
        s.sendto(data, (dst, 5060))
        got = []
        end = time.time() + wait
        while time.time() < end:
            s.settimeout(max(0.05, end - time.time()))
            try:
                got.append(s.recvfrom(65535)[0])
            except socket.timeout:
                break
            if re.match(rb"SIP/2.0 [2-6]", got[-1]):
                break
        return got
    finally:
        s.close()


def status_line(m):
    return m.split(b"\r\n", 1)[0].decode(errors="replace")


def bob_phone_got(callid):
    """Requests with this Call-ID that reached Bob's phone (its -vv transcript
    logs every received line as "<< ...")."""
    try:
        text = open(T.bob_log, "rb").read()
    except (FileNotFoundError, AttributeError):
        return 0
    return len(re.findall(rb"(?im)<< Call-ID:\s*" + re.escape(callid.encode()) + rb"\s*$", text))


# ------------------------------------------------------------------ scenarios

def sc_kerberos_preauth():
    scenario("FIG. 6  Kerberos pre-authentication: Bob registers through proxy 1")
    out("  bob@DOMAINB.TEST puts a Kerberos AP-REQ for sip/%s in his first REGISTER." % P1_FQDN)
    out("  Bob's phone is sipward-client listen: it registers, then stays up to answer what")
    out("  proxy 1 relays to it (the registrar keeps proxy 1's Path with his Contact).")
    s0, c0 = T.p1.stats(), T.p1.tel("/sipward/cp")
    r0 = registrar_saw("REGISTER")
    up = start_bob_phone()
    s1, c1 = T.p1.stats(), T.p1.tel("/sipward/cp")
    time.sleep(0.2)
    reg = registrar_saw("REGISTER") - r0
    lines, _ = bob_lines(0)
    transcript("bob", lines)
    out("    registrar (Kamailio) received %d REGISTER from proxy 1 and stored Bob's "
        "Contact %s:5070 with proxy 1's Path" % (reg, T.bob))
    out("    proxy1 counters: %s; control plane: krb_ok +%d" % (
        counters(s0, s1, ("challenge", "to_cp", "fwd_signed", "resp_signed")),
        d(c0, c1, "krb_ok")))
    ver = any("server signature of sip/%s verified" % P1_FQDN in l for l in lines)
    ok = up and ver and d(c0, c1, "krb_ok") >= 1 and d(s0, s1, "challenge") == 0 and reg >= 1
    result("FIG. 6 Kerberos pre-auth REGISTER, no challenge, signed 200 verified", ok,
           "%s, %s" % ("Bob's phone listening" if up else "Bob's phone did not start",
                       "server signature verified" if ver else "no verified signature"))


def start_bob_phone():
    """Bob's phone: sipward-client listen on the Contact it registers (port 5070),
    -vv transcript (every message line) in bob-phone.log, --json at the end."""
    T.bob_log = os.path.join(S.work, "bob-phone.log")
    T.bob_json = os.path.join(S.work, "bob-phone.json")
    cmd = [T.bin_client, "--proxy", "%s:5060" % T.p1c, "--user", "bob@DOMAINB.TEST",
           "--mech", "kerberos", "--password-file", T.pw["bob"], "--timeout", "10", "-vv",
           "--json", "--preauth", "--realm", REALM_NAME, "--targetname", "sip/" + P1_FQDN,
           "--family", "407", "--version", "3", "--local", "%s:5070" % T.bob,
           "listen", "--timeout", "900"]
    with open(T.bob_log, "wb") as fe, open(T.bob_json, "wb") as fo:
        T.bob_phone = subprocess.Popen(nsx(T.ns["bob"]) + cmd, stdout=fo, stderr=fe,
                                       env=T.env, stdin=subprocess.DEVNULL)
    S.procs.append(T.bob_phone)
    deadline = time.time() + 20
    while time.time() < deadline:
        if b"listening on" in open(T.bob_log, "rb").read():
            return True
        if T.bob_phone.poll() is not None:
            return False
        time.sleep(0.1)
    return False


# The start line of a message in a -vv transcript ("<< MESSAGE sip:... SIP/2.0",
# ">> SIP/2.0 200 OK"); the other message lines are left out of what is shown.
MSG_LINE = re.compile(r"^(<<|>>)")
START_LINE = re.compile(r"^(<<|>>)( \([a-z ]+\))? ([A-Z]+ \S+ SIP/2\.0|SIP/2\.0 \d{3})")


def bob_lines(offset):
    """Bob's transcript from byte @offset: (lines without whole-message detail, new offset)."""
    try:
        with open(T.bob_log, "rb") as f:
            f.seek(offset)
            data = f.read()
    except (OSError, AttributeError):
        return [], offset
    keep = []
    for l in data.decode(errors="replace").splitlines():
        body = re.sub(r"^\[[0-9:.]+\] ", "", l)
        if MSG_LINE.match(body) and not START_LINE.match(body):
            continue
        keep.append(body)
    return keep, offset + len(data)


def bob_offset():
    try:
        return os.path.getsize(T.bob_log)
    except (OSError, AttributeError):
        return 0


def registrar_saw(method):
    """Requests the registrar (Kamailio) logged, by method."""
    try:
        text = open(T.kam_log, "rb").read()
    except OSError:
        return 0
    return len(re.findall(rb"demo-registrar: " + method.encode() + rb" ", text))


def bob_phone_seen(method):
    """Requests of @method that reached Bob's phone."""
    try:
        text = open(T.bob_log, "rb").read()
    except (FileNotFoundError, AttributeError):
        return 0
    return len(re.findall(rb"<< " + method.encode() + rb" sip:", text))


# Counters of proxy 1 on the way back to a client (README "Incoming requests").
INBOUND = ("fwd_inbound", "resp_upstream", "drop_rsp_unsigned", "drop_rsp_unverified",
           "drop_req_from_upstream", "flow_bad", "flow_failed")


def sc_kerberos_challenged():
    scenario("FIG. 7  Kerberos challenged: Carol sends Bob a MESSAGE through proxy 1")
    out("  carol -> proxy 1 (verified) -> Kamailio -> proxy 1 (Path flow token, signed toward "
        "Bob) -> Bob")
    out("  Bob verifies proxy 1's signature and answers 200 signed with his SA -> proxy 1 "
        "(verified)")
    out("  -> Kamailio -> proxy 1 -> carol (signed)")
    s0, c0 = T.p1.stats(), T.p1.tel("/sipward/cp")
    b0 = bob_offset()
    rc, lines, js = client(T.ns["bob"], "carol", "DOMAINB.TEST", T.p1c, "--local",
                           "%s:5071" % T.bob, "message", "sip:bob@domainb.test",
                           "hello Bob (Kerberos)")
    s1, c1 = T.p1.stats(), T.p1.tel("/sipward/cp")
    time.sleep(0.2)
    blines, _ = bob_lines(b0)
    transcript("carol", lines)
    transcript("bob", blines)
    out("    proxy1 counters: %s; control plane: krb_ok +%d" % (
        counters(s0, s1, ("challenge", "to_cp", "fwd_signed", "resp_signed") + INBOUND),
        d(c0, c1, "krb_ok")))
    got = any(l.startswith("<< MESSAGE sip:") for l in blines)
    bob_ver = any("server signature of sip/%s verified" % P1_FQDN in l for l in blines)
    answered = any(l.startswith(">> SIP/2.0 200") for l in blines)
    refused = sum(1 for l in blines if "REFUSED" in l)
    carol_ver = sum(1 for l in lines if "server signature of sip/%s verified" % P1_FQDN in l)
    out("    Bob's phone: MESSAGE %s, proxy 1's signature %s, 200 %s, %d refused" % (
        "received" if got else "NOT received", "verified" if bob_ver else "NOT verified",
        "sent signed" if answered else "NOT sent", refused))
    inb, rup = d(s0, s1, "fwd_inbound"), d(s0, s1, "resp_upstream")
    ok = rc == 0 and d(s0, s1, "challenge") >= 1 and d(c0, c1, "krb_ok") >= 1 and \
        d(s0, s1, "fwd_signed") >= 1 and inb >= 1 and rup == inb and got and bob_ver and \
        answered and refused == 0 and carol_ver >= 2 and \
        d(s0, s1, "drop_rsp_unsigned") == 0 and d(s0, s1, "drop_rsp_unverified") == 0
    result("FIG. 7 Kerberos challenged: 407, SA by REGISTER, signed MESSAGE delivered", ok,
           "rc %d, fwd_inbound +%d, resp_upstream +%d, Bob %s" % (
               rc, inb, rup, "verified" if bob_ver else "did not verify"))


def sc_ntlm_challenged():
    scenario("FIG. 8  NTLM challenged: Carol registers with NTLM through proxy 1")
    s0, c0 = T.p1.stats(), T.p1.tel("/sipward/cp")
    rc, lines, js = client(T.ns["bob"], "carol", "DOMAINB.TEST", T.p1c, "--local",
                           "%s:5072" % T.bob, "register", mech="ntlm")
    s1, c1 = T.p1.stats(), T.p1.tel("/sipward/cp")
    transcript("carol", lines)
    out("    proxy1 counters: %s; control plane: ntlm_challenge +%d, ntlm_ok +%d" % (
        counters(s0, s1, ("challenge", "to_cp", "fwd_signed", "resp_signed")),
        d(c0, c1, "ntlm_challenge"), d(c0, c1, "ntlm_ok")))
    ok = rc == 0 and d(s0, s1, "challenge") >= 1 and d(c0, c1, "ntlm_challenge") >= 1 and \
        d(c0, c1, "ntlm_ok") >= 1 and any("verified" in l for l in lines)
    result("FIG. 8 NTLM challenged: 407, empty leg/CHALLENGE/AUTHENTICATE, signed 200", ok,
           "rc %d" % rc)


def sc_ntlm_preauth():
    scenario("FIG. 9  NTLM pre-authentication: Carol registers with NTLM through proxy 1")
    s0, c0 = T.p1.stats(), T.p1.tel("/sipward/cp")
    rc, lines, js = client(T.ns["bob"], "carol", "DOMAINB.TEST", T.p1c, "--local",
                           "%s:5073" % T.bob, "register", mech="ntlm", preauth=P1_FQDN)
    s1, c1 = T.p1.stats(), T.p1.tel("/sipward/cp")
    transcript("carol", lines)
    out("    proxy1 counters: %s; control plane: ntlm_challenge +%d, ntlm_ok +%d" % (
        counters(s0, s1, ("challenge", "to_cp", "fwd_signed", "resp_signed")),
        d(c0, c1, "ntlm_challenge"), d(c0, c1, "ntlm_ok")))
    ok = rc == 0 and d(s0, s1, "challenge") == 0 and d(c0, c1, "ntlm_ok") >= 1 and \
        any("verified" in l for l in lines)
    result("FIG. 9 NTLM pre-auth: empty leg in the first REGISTER, no 407, signed 200", ok,
           "rc %d" % rc)


def sc_two_proxies():
    scenario("FIG. 2/5  Ann (DOMAINA) calls Bob through proxy 2 and proxy 1, mutual auth")
    out("  ann@DOMAINA.TEST -> proxy2 (sip/%s) -> proxy1 (sip/%s) -> registrar -> Bob" % (
        P2_FQDN, P1_FQDN))
    a0, a1 = T.p2.stats(), T.p1.stats()
    before = bob_phone_seen("INVITE")
    before_ack = bob_phone_seen("ACK")
    boff = bob_offset()
    rc, lines, js = client(T.ns["ann"], "ann", "DOMAINA.TEST", T.p2c, "--mutual",
                           "invite", "sip:bob@domainb.test", timeout=40)
    time.sleep(0.3)  # the ACK of the 200 is still on its way
    b0, b1 = T.p2.stats(), T.p1.stats()
    transcript("ann", lines, limit=40)
    blines, _ = bob_lines(boff)
    transcript("bob", blines)
    got = bob_phone_seen("INVITE") - before
    got_ack = bob_phone_seen("ACK") - before_ack
    bob_ver = any("server signature of sip/%s verified" % P1_FQDN in l for l in blines)
    out("    proxy2 counters: %s" % counters(a0, b0, ("challenge", "to_cp", "fwd_signed",
                                                     "resp_signed", "record_routed")))
    out("    proxy1 counters: %s" % counters(a1, b1, ("challenge", "to_cp", "fwd_signed",
                                                     "resp_signed", "record_routed") + INBOUND))
    out("    Bob's phone received the INVITE through proxy 1: %s, proxy 1's signature %s" % (
        "yes" if got >= 1 else "no", "verified" if bob_ver else "NOT verified"))
    # Both proxies Record-Route the INVITE (proxy 1 twice: for Ann's flow
    # from proxy 2 and for Bob's), so Ann's ACK of the 200 follows the route
    # set: proxy 2, proxy 1, the registrar, proxy 1 again, signed for Bob.
    out("    Ann's ACK of the 200 reached Bob along the dialog's route set: %s" % (
        "yes" if got_ack >= 1 else "no"))
    sas = js.get("sas") or js.get("sa") or []
    est = [s for s in sas if isinstance(s, dict) and s.get("state") == "ESTABLISHED"]
    v2 = any("server signature of sip/%s verified" % P2_FQDN in l for l in lines)
    v1 = any("server signature of sip/%s verified" % P1_FQDN in l for l in lines)
    out("    Ann's SAs: %s" % ", ".join("%s %s" % (s.get("targetname", "?"), s.get("state", "?"))
                                       for s in sas if isinstance(s, dict)))
    ok = rc == 0 and v1 and v2 and got >= 1 and bob_ver and len(est) >= 2 and \
        d(a1, b1, "fwd_inbound") >= 2 and d(a1, b1, "resp_upstream") >= 1 and got_ack >= 1 and \
        d(a0, b0, "record_routed") >= 1 and d(a1, b1, "record_routed") >= 2
    result("FIG. 5 two proxies, one SA each, both server signatures verified, Bob rang", ok,
           "rc %d, proxy2 sig %s, proxy1 sig %s, SAs established %d, ACK via route set %s" % (
               rc, "ok" if v2 else "missing", "ok" if v1 else "missing", len(est),
               "yes" if got_ack >= 1 else "no"))


def establish_sa(user, port):
    """A real SA of proxy 1 whose keys the attacker scenario can use."""
    sa_file = os.path.join(S.work, "sa-%s.json" % user)
    r = subprocess.run(nsx(T.ns["bob"]) + [
        T.bin_client, "--proxy", "%s:5060" % T.p1c, "--user", "%s@DOMAINB.TEST" % user,
        "--mech", "kerberos", "--password-file", T.pw[user], "--timeout", "10",
        "--local", "%s:%d" % (T.bob, port), "presign", "--count", "1", "--out",
        os.path.join(S.work, "one-%s.csv" % user), "--sa-file", sa_file],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=T.env, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("SA for %s: %s" % (user, r.stderr.decode()[-400:]))
    sa = json.load(open(sa_file))[0]
    sa["next"] = sa["cnum"] + 1
    return sa


def sc_attacker():
    scenario("Attacker: a replayed and a tampered INVITE")
    sa = establish_sa("carol", 5074)
    out("  carol holds SA opaque=%s with proxy 1 (%s, enctype %s)" % (
        sa["opaque"], sa["scheme"], sa.get("enctype", "-")))
    cid = "demo-atk-%d@bob" % T.id
    cnum = sa["next"]
    sa["next"] += 1
    m1 = sign(sip_msg("INVITE", cid, "sip:bob@domainb.test", "sip:carol@domainb.test",
                      "sip:bob@domainb.test", T.bob, 5075), sa, cnum)
    s0 = T.p1.stats()
    rx = udp_exchange(T.ns["bob"], T.bob, 5075, T.p1c, m1, wait=3)
    s1 = T.p1.stats()
    out("    carol >> INVITE sip:bob@domainb.test cnum=%d (signed)   << %s" % (
        cnum, status_line(rx[-1]) if rx else "nothing"))
    out("    proxy1: %s" % counters(s0, s1, ("verified", "fwd_signed", "resp_signed")))
    legit = rx and b" 200 " in rx[-1] and d(s0, s1, "fwd_signed") == 1
    # Replay: the same (opaque, cnum, crand) in a new transaction (a new Via
    # branch), as an attacker who captured the INVITE would send it.
    m2 = sign(sip_msg("INVITE", cid, "sip:bob@domainb.test", "sip:carol@domainb.test",
                      "sip:bob@domainb.test", T.bob, 5076, branch="z9hG4bKmallory1"), sa, cnum)
    n_bob = bob_phone_got(cid)
    rx = udp_exchange(T.ns["bob"], T.bob, 5076, T.p1c, m2, wait=1.5)
    s2 = T.p1.stats()
    out("    mallory >> the same INVITE replayed (cnum=%d again, new branch)   << %s" % (
        cnum, status_line(rx[-1]) if rx else "nothing"))
    out("    proxy1: %s" % counters(s1, s2, ("replay", "fwd_signed", "fwd_retx", "rechallenge")))
    replay_ok = rx and b" 407 " in rx[-1] and d(s1, s2, "replay") == 1 and \
        d(s1, s2, "fwd_signed") == 0 and d(s1, s2, "fwd_retx") == 0
    # Tampering: a fresh cnum, signed, then the To header (signed) changed.
    cnum2 = sa["next"]
    sa["next"] += 1
    cid3 = "demo-atk2-%d@bob" % T.id
    m3 = sign(sip_msg("INVITE", cid3, "sip:bob@domainb.test", "sip:carol@domainb.test",
                      "sip:bob@domainb.test", T.bob, 5077), sa, cnum2)
    m3 = m3.replace(b"To: <sip:bob@domainb.test>", b"To: <sip:ann@domainb.test>")
    rx = udp_exchange(T.ns["bob"], T.bob, 5077, T.p1c, m3, wait=1.5)
    time.sleep(0.3)
    s3 = T.p1.stats()
    out("    mallory >> INVITE signed for To bob, To changed to ann   << %s" % (
        status_line(rx[-1]) if rx else "nothing"))
    out("    proxy1: %s" % counters(s2, s3, ("verified", "bad_sig", "rechallenge", "fwd_signed")))
    tamper_ok = rx and b" 407 " in rx[-1] and d(s2, s3, "bad_sig") == 1 and \
        d(s2, s3, "fwd_signed") == 0
    leaked = bob_phone_got(cid) - n_bob + bob_phone_got(cid3)
    out("    Bob's phone saw %d attacker INVITE(s)" % leaked)
    result("genuine signed INVITE verified, forwarded, 200 signed", bool(legit))
    result("replayed INVITE answered 407, counted as replay, not forwarded",
           bool(replay_ok) and leaked == 0)
    result("tampered INVITE answered 407, counted bad_sig, not forwarded",
           bool(tamper_ok) and leaked == 0)
    T.sa_carol = sa


def sc_unregister():
    scenario("Unregister drops the SA")
    sa = T.sa_carol
    n0 = T.p1.tel("/sipward/sa")["count"]
    cnum = sa["next"]
    sa["next"] += 1
    m = sign(sip_msg("REGISTER", "demo-unreg-%d@bob" % T.id, "sip:domainb.test",
                     "sip:carol@domainb.test", "sip:carol@domainb.test", T.bob, 5074,
                     extra=["Expires: 0"]), sa, cnum)
    rx = udp_exchange(T.ns["bob"], T.bob, 5074, T.p1c, m, wait=3)
    time.sleep(0.5)
    n1 = T.p1.tel("/sipward/sa")["count"]
    out("    carol >> REGISTER Expires: 0 (signed, cnum=%d)   << %s" % (
        cnum, status_line(rx[-1]) if rx else "nothing"))
    out("    proxy1 SA table: %d -> %d" % (n0, n1))
    s0 = T.p1.stats()
    cnum = sa["next"]
    m = sign(sip_msg("MESSAGE", "demo-after-%d@bob" % T.id, "sip:bob@domainb.test",
                     "sip:carol@domainb.test", "sip:bob@domainb.test", T.bob, 5074), sa, cnum)
    rx2 = udp_exchange(T.ns["bob"], T.bob, 5074, T.p1c, m, wait=1.5)
    s1 = T.p1.stats()
    out("    carol >> MESSAGE signed with the removed SA   << %s" % (
        status_line(rx2[-1]) if rx2 else "nothing"))
    out("    proxy1: %s" % counters(s0, s1, ("rechallenge", "sa_no_sa", "fwd_signed")))
    ok = rx and b" 200 " in rx[-1] and n1 == n0 - 1 and rx2 and b" 407 " in rx2[-1] and \
        d(s0, s1, "fwd_signed") == 0
    result("unregister: 200, SA removed, its next request challenged", bool(ok))


def sc_bob_phone():
    scenario("Bob's phone: what sipward-client listen received")
    p = getattr(T, "bob_phone", None)
    if p is None:
        result("Bob's phone ran", False, "not started")
        return
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
    try:
        js = json.load(open(T.bob_json))
    except (OSError, ValueError):
        js = {}
    rx = js.get("received", [])
    st = js.get("stats", {})
    for r in rx:
        out("    %-8s from %-26s %-9s %s%s%s" % (
            r.get("method"), r.get("from"), r.get("verdict"),
            "answered %d" % r["answered"] if r.get("answered") else "not answered",
            ", %d retransmission(s)" % r["retransmissions"] if r.get("retransmissions") else "",
            (" \"%s\"" % r["body"]) if r.get("body") and r.get("method") == "MESSAGE" else ""))
    out("    stats: incoming %d, verified %d, refused %d, signed responses %d" % (
        st.get("incoming", 0), st.get("incoming_verified", 0), st.get("incoming_refused", 0),
        st.get("signed_responses", 0)))
    # MESSAGE (FIG. 7), INVITE (FIG. 5), the attacker scenario's genuine INVITE.
    ok = p.returncode == 0 and len(rx) >= 3 and st.get("incoming_refused", 1) == 0 and \
        all(r.get("verdict") == "verified" and
            (r.get("answered") == 200 or r.get("method") == "ACK") for r in rx)
    result("Bob's phone: every request came through proxy 1, verified, answered signed", ok,
           "%d received, %d refused" % (len(rx), st.get("incoming_refused", 0)))


def sc_idle(when="between scenarios"):
    scenario("Idle engines sleep (%s)" % when)
    c = [(e, e.cpu_s()) for e in (T.p1, T.p2)]
    t0 = time.time()
    time.sleep(2.0)
    dt = time.time() - t0
    fr = [(e.name, (e.cpu_s() - c0) / dt) for e, c0 in c]
    out("    " + ", ".join("%s %.1f%% of a core" % (n, 100 * f) for n, f in fr))
    result("idle engines below 10%% of a core each (%s)" % when, all(f < 0.10 for _, f in fr),
           ", ".join("%s %.1f%%" % (n, 100 * f) for n, f in fr))


# ------------------------------------------------------------------ load

def presign(n_sa, per, tag):
    csv = os.path.join(S.work, "load-%s.csv" % tag)
    xml = os.path.join(S.work, "load-%s.xml" % tag)
    r = subprocess.run(nsx(T.ns["bob"]) + [
        T.bin_client, "--proxy", "%s:5060" % T.p1c, "--user", "bob@DOMAINB.TEST",
        "--mech", "kerberos", "--password-file", T.pw["bob"], "--timeout", "20",
        "--local", "%s:5079" % T.bob, "presign", "--count", str(n_sa), "--per-sa", str(per),
        "--method", "OPTIONS", "--out", csv, "--sa-file", T.load_sas, "--xml", xml],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=T.env, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("presign: " + r.stderr.decode()[-400:])
    text = open(xml).read()
    # SIPp's first retransmission after 2 s instead of 500 ms: on 2 cores shared by
    # everything, a scheduling hiccup must not turn into retransmissions, which the
    # engine only recognises among an SA's last 4 requests (README "Limits").
    with open(xml, "w") as f:
        f.write(text.replace('<send retrans="500">', '<send retrans="2000">'))
    m = re.search(r"-cid_str '([^']*)' -m (\d+)", text)
    return csv, xml, m.group(1), int(m.group(2))


def sipp_step(rate, secs, n_sa):
    per = max(1, (rate * secs + n_sa - 1) // n_sa)
    csv, xml, cid, total = presign(n_sa, per, str(rate))
    stf = os.path.join(S.work, "sipp-%d.csv" % rate)
    cmd = ["sipp", "%s:5060" % T.p1c, "-sf", xml, "-inf", csv, "-cid_str", cid, "-m",
           str(total), "-r", str(rate), "-rp", "1000", "-i", T.bob, "-p", "5090",
           "-nostdin", "-nd", "-l", str(max(1000, rate * 2)), "-buff_size", "8388608",
           "-timeout", "%ds" % (secs + 6), "-timeout_error", "-trace_stat", "-stf", stf,
           "-fd", "1", "-max_retrans", "3", "-trace_err", "-error_file",
           os.path.join(S.work, "sipp-%d.err" % rate), "-max_log_size", "1048576",
           "-ringbuffer_files", "1"]
    s0, cpu0, t0 = T.p1.stats(), T.p1.cpu_s(), time.time()
    p = spawn(T.ns["bob"], cmd, log=os.path.join(S.work, "sipp-%d.log" % rate), cwd=S.work)
    last = None
    samples = [(0.0, 0)]
    while p.poll() is None:
        time.sleep(0.25)
        s = T.p1.stats()
        el = time.time() - t0
        samples.append((el, d(s0, s, "fwd_signed")))
        line = "  offered %6d/s  t=%4.1fs  verified %8d  forwarded %8d  rejected %5d  (%d/s)" % (
            rate, el, d(s0, s, "verified"), d(s0, s, "fwd_signed") + d(s0, s, "fwd_retx"),
            d(s0, s, "bad_sig") + d(s0, s, "replay") + d(s0, s, "rechallenge"),
            d(s0, s, "verified") / max(el, 0.1))
        if TTY:
            sys.stdout.write("\r" + line)
            sys.stdout.flush()
        elif last is None or el - last >= 1.95:
            out(line)
            last = el
        if el > secs + 15:
            p.send_signal(signal.SIGINT)
    p.wait()
    el = time.time() - t0
    time.sleep(0.3)
    s1, cpu1 = T.p1.stats(), T.p1.cpu_s()
    if TTY:
        sys.stdout.write("\r" + " " * 100 + "\r")
    ok_calls = fail_calls = 0
    try:
        rows = [l.split(";") for l in open(stf).read().splitlines() if l.strip()]
        hdr = rows[0]
        last_row = rows[-1]
        ok_calls = int(last_row[hdr.index("SuccessfulCall(C)")])
        fail_calls = int(last_row[hdr.index("FailedCall(C)")])
    except (OSError, ValueError, IndexError):
        pass
    lost = max(0, total - ok_calls - fail_calls)
    fails = fail_calls + lost
    # Achieved rate: requests proxy 1 verified and forwarded per second over
    # the step's send window (total/rate seconds), from the telemetry samples.
    win = total / rate
    achieved = samples[-1][1] / max(el, win)
    for (ta, va), (tb, vb) in zip(samples, samples[1:]):
        if tb >= win:
            achieved = (va + (vb - va) * (win - ta) / max(tb - ta, 1e-3)) / win
            break
    ver = d(s0, s1, "verified")
    st = {"rate": rate, "total": total, "ok": ok_calls, "fail": fails,
          "achieved": achieved, "verified": ver, "secs": el,
          "fwd": d(s0, s1, "fwd_signed") + d(s0, s1, "fwd_retx"),
          "retx": d(s0, s1, "fwd_retx"),
          "rejected": d(s0, s1, "bad_sig") + d(s0, s1, "replay") + d(s0, s1, "rechallenge"),
          "resp_signed": d(s0, s1, "resp_signed"),
          "cpu_us_per_msg": 1e6 * (cpu1 - cpu0) / max(1, ver),
          "cpu_frac": (cpu1 - cpu0) / el}
    st["held"] = fails <= 0.001 * total and st["achieved"] >= 0.9 * rate
    out("  step %6d/s: %d calls, %d ok, %d failed, achieved %.0f/s, engine %.1f us CPU "
        "per request, %s" % (rate, total, ok_calls, fails, st["achieved"], st["cpu_us_per_msg"],
                             "held" if st["held"] else "NOT held"))
    for f in (csv,):
        try:
            os.unlink(f)
        except OSError:
            pass
    return st


def load_phase(step_secs, budget):
    scenario("Load: SIPp with presigned OPTIONS against proxy 1 (stepped rates)")
    out("  %d SAs of bob@DOMAINB.TEST, each request signed by sipward-client presign;" % 20)
    out("  SIPp (Bob's namespace) -> proxy1 (verify, forward) -> Kamailio 200 -> proxy1 "
        "(sign) -> SIPp; SIPp retransmits after 2 s")
    out("  a step is held when < 0.1%% of calls fail and proxy 1 forwards >= 90%% of the "
        "offered rate; %d s per step" % step_secs)
    T.load_sas = os.path.join(S.work, "load-sas.json")
    n_sa = 20
    presign(n_sa, 1, "warm")    # establishes the SAs, once
    steps = []
    t_start = time.time()
    rate, lo, hi = 1000, None, None
    while len(steps) < 10 and time.time() - t_start < budget:
        st = sipp_step(rate, step_secs, n_sa)
        steps.append(st)
        if st["held"]:
            lo = rate
        else:
            hi = rate
        if hi is None:
            nxt = rate * 2 if rate < 8000 else int(rate * 1.5)
            if nxt > 80000:
                break
        else:
            if lo is None:
                nxt = max(100, hi // 2)
                if nxt >= hi or nxt < 200:
                    break
            else:
                if hi - lo <= max(500, lo // 8):
                    break
                nxt = (lo + hi) // 2
        rate = int(round(nxt / 100.0) * 100)
        if any(s["rate"] == rate for s in steps):
            break
    best = max((s for s in steps if s["held"]), key=lambda s: s["rate"], default=None)
    T.steps, T.best = steps, best
    if best:
        out("  highest rate held: %d requests/s (achieved %.0f/s), engine %.1f us CPU per "
            "request, %d verified, %d rejected in that step" % (
                best["rate"], best["achieved"], best["cpu_us_per_msg"], best["verified"],
                best["rejected"]))
    tot_v = sum(s["verified"] for s in steps)
    tot_r = sum(s["rejected"] for s in steps)
    out("  whole load phase: %d requests verified, %d rejected; proxy 1 totals: %s" % (
        tot_v, tot_r, counters({}, T.p1.stats(), ("verified", "bad_sig", "replay", "fwd_signed",
                                                   "fwd_retx", "resp_signed"))))
    result("load: a rate held with < 0.1% failures", best is not None,
           "%d req/s" % best["rate"] if best else "no step held")
    plot(steps)


def plot(steps):
    data = os.path.join(T.out, "load.dat")
    with open(data, "w") as f:
        f.write("# offered achieved failed_pct cpu_us_per_req verified rejected\n")
        for s in sorted(steps, key=lambda s: s["rate"]):
            f.write("%d %.0f %.4f %.2f %d %d\n" % (s["rate"], s["achieved"],
                                                  100.0 * s["fail"] / max(1, s["total"]),
                                                  s["cpu_us_per_msg"], s["verified"],
                                                  s["rejected"]))
    png = os.path.join(T.out, "load.png")
    if shutil.which("gnuplot") is None:
        out("  (gnuplot not installed: no plot; data in %s)" % data)
        return
    r = subprocess.run(["gnuplot", "-e", "datafile='%s'; outfile='%s'; best=%d" % (
        data, png, T.best["rate"] if T.best else 0), os.path.join(HERE, "load.gp")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode == 0:
        out("  plot: %s (data: %s)" % (png, data))
        T.png = png
    else:
        out("  gnuplot failed: %s" % r.stdout.decode()[-300:])


# ------------------------------------------------------------------ main

def main():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    build = os.path.abspath(args[0])
    T.out = os.path.abspath(args[args.index("--out") + 1]) if "--out" in args else \
        os.path.join(SRC, "demo-out")
    S.keep = "--keep" in args
    step_secs = int(args[args.index("--load-seconds") + 1]) if "--load-seconds" in args else 4
    if os.geteuid() != 0:
        out("make demo needs root (network namespaces, XDP)")
        return 2
    for tool in ("sipp", "kamailio", "ip", "krb5kdc", "kadmin.local"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            out("missing %s: run scripts/install-deps.sh" % tool)
            return 2
    T.bin_client = os.path.join(build, "client", "sipward-client")
    T.bin_sign = os.path.join(build, "tests", "engine", "sw_sign")
    for b in (T.bin_client, T.bin_sign, os.path.join(build, "dataplane", "engine", "sipwardd")):
        if not os.path.exists(b):
            out("missing %s: build first (make build)" % b)
            return 2
    os.makedirs(T.out, exist_ok=True)
    shutil.rmtree(os.path.join(T.out, "logs"), ignore_errors=True)
    for f in ("load.png", "load.dat", "summary.txt"):
        if os.path.exists(os.path.join(T.out, f)):
            os.unlink(os.path.join(T.out, f))
    S.work = tempfile.mkdtemp(prefix="swdemo-")
    atexit.register(cleanup)
    t_begin = time.time()
    out(bold("sipward demo") + ": the patent's scenarios end to end, then SIPp load")
    try:
        topo_up()
        out("namespaces: %s" % " ".join(T.ns.values()))
        realm_up()
        out("realms DOMAINB.TEST + DOMAINA.TEST (cross-realm trust), KDCs in %s and %s" % (
            T.ns["ann"], T.ns["bob"]))
        ncpu = os.cpu_count() or 1
        T.p1 = Engine("proxy1", T.ns["p1"], T.p1c, T.p1u, T.kam, P1_FQDN,
                      T.realm["SW_KEYTAB"], (0, 1 % ncpu))
        T.p2 = Engine("proxy2", T.ns["p2"], T.p2c, T.p2u, T.p1c, P2_FQDN, T.keytab2,
                      (1 % ncpu, 0))
        kcfg = os.path.join(S.work, "kamailio.cfg")
        render(os.path.join(HERE, "kamailio.cfg.in"), kcfg, KAM_IP=T.kam)
        krun = os.path.join(S.work, "kamailio-run")
        os.makedirs(krun)
        T.kam_log = os.path.join(S.work, "kamailio.log")
        spawn(T.ns["kam"], ["kamailio", "-f", kcfg, "-DD", "-E", "-m", "128", "-M", "8",
                            "-P", os.path.join(krun, "pid"), "-Y", krun, "-w", krun],
              log=T.kam_log)
        for e in (T.p1, T.p2):
            if not e.start(build):
                result("%s starts" % e.name, False)
                return finish(t_begin)
        out("proxy1 sipwardd pid %d (net_%s, %s / %s), proxy2 sipwardd pid %d (net_%s, %s / %s)"
            % (T.p1.p.pid, T.p1.pmd, T.p1c, T.p1u, T.p2.p.pid, T.p2.pmd, T.p2c, T.p2u))
        time.sleep(0.5)
        if S.procs[0].poll() is not None:
            out(open(T.kam_log).read()[-1500:])
            result("Kamailio starts", False)
            return finish(t_begin)
        out("registrar: Kamailio %s (usrloc in memory) in %s" % (T.kam, T.ns["kam"]))
        for fn in (sc_kerberos_preauth, sc_kerberos_challenged, sc_ntlm_challenged,
                   sc_ntlm_preauth, sc_two_proxies, sc_attacker, sc_unregister, sc_bob_phone,
                   sc_idle):
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                result(fn.__name__[3:], False, "%s: %s" % (type(e).__name__, e))
        if "--no-load" not in args:
            try:
                load_phase(step_secs, budget=150)
            except Exception as e:  # noqa: BLE001
                result("load phase", False, "%s: %s" % (type(e).__name__, e))
            time.sleep(1.0)
            sc_idle("after the load")
        return finish(t_begin)
    finally:
        # Keep what is useful (configs, logs; no keys) next to the plot.
        save_logs()
        cleanup()
        report_cleanup()


def save_logs():
    """Stop our processes (engines print their counter summaries), then keep
    what is useful next to the plot: configs, logs, SIPp statistics; never SA
    files (keys), keytabs or passwords."""
    stop_processes()
    if S.work and os.path.isdir(S.work) and getattr(T, "out", None):
        logs = os.path.join(T.out, "logs")
        os.makedirs(logs, exist_ok=True)
        for f in os.listdir(S.work):
            if f.endswith((".log", ".conf", ".cfg", ".xml", ".err")) or \
                    (f.startswith("sipp-") and f.endswith(".csv")):
                try:
                    shutil.copy(os.path.join(S.work, f), logs)
                except OSError:
                    pass


def report_cleanup():
    left = [ns for ns in S.netns if os.path.exists("/run/netns/" + ns)]
    out("cleanup: %d processes stopped, namespaces %s" % (
        len(S.procs) + len(S.pids), "removed" if not left else "LEFT: " + " ".join(left)))


def finish(t_begin):
    out("")
    out(bold("== Summary"))
    w = max(len(r[0]) for r in RESULTS) if RESULTS else 10
    out("  %-*s  %s" % (w, "scenario", "result"))
    out("  %s  %s" % ("-" * w, "------"))
    for name, ok, det in RESULTS:
        out("  %-*s  %s" % (w, name, "PASS" if ok else "FAIL"))
    if getattr(T, "best", None):
        b = T.best
        out("  load: %d req/s held (< 0.1%% failures), %.1f us engine CPU per request, "
            "%d verified / %d rejected at that rate" % (
                b["rate"], b["cpu_us_per_msg"], b["verified"], b["rejected"]))
    if getattr(T, "png", None):
        out("  plot: %s" % T.png)
    n_bad = sum(1 for r in RESULTS if not r[1])
    out("  %d passed, %d failed, %.0f s" % (len(RESULTS) - n_bad, n_bad, time.time() - t_begin))
    with open(os.path.join(T.out, "summary.txt"), "w") as f:
        for name, ok, det in RESULTS:
            f.write("%s %s %s\n" % ("PASS" if ok else "FAIL", name, det))
        if getattr(T, "steps", None):
            f.write(json.dumps(T.steps, indent=1) + "\n")
    return 0 if n_bad == 0 and RESULTS else 1


if __name__ == "__main__":
    sys.exit(main())
