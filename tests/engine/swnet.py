"""Shared helpers for the namespace tests (tests/engine, tests/e2e).

Everything here is parameterised by names chosen by the caller, so suites
running at the same time never clash: namespaces, veth names, DPDK file
prefixes and work directories all carry the caller's unique id.  Whatever is
created is recorded (names and PIDs) in a Topo object and removed by
Topo.down(): PIDs first (TERM, then KILL), then anything the kernel still lists
in our namespaces (by PID, from `ip netns pids`), then the namespaces.

  swtel            DPDK telemetry client (sw-telemetry.py loaded as a module)
  in_ns(ns, fn)    run fn() with this thread in network namespace ns
  Topo             namespaces + veth links + addresses + routes, and cleanup
  start_realm()    tests/realm/krb5-realm.sh in a namespace; returns its env
  engine_config()  sipwardd INI text
  Engine           start (af_xdp, falling back to af_packet) / stop / telemetry
  start_uas()      SIPp UAS (uas.xml) logging every message
  SippLog          what SIPp received, incrementally (offset-based)
"""

import ctypes
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
REALM_SH = os.path.join(SRC, "tests", "realm", "krb5-realm.sh")
UAS_XML = os.path.join(HERE, "uas.xml")
REALM_NAME = "SIP Communications Service"

_spec = importlib.util.spec_from_file_location("swtel", os.path.join(HERE, "sw-telemetry.py"))
swtel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(swtel)

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def log(*a):
    print(*a, flush=True)


def in_ns(ns, fn):
    """Run fn() with the calling thread in network namespace ns (sockets
    created there stay in it)."""
    me = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        return fn()
    finally:
        _libc.setns(me, CLONE_NEWNET)
        os.close(fd)
        os.close(me)


def ns_exec(ns):
    return ["ip", "netns", "exec", ns]


def _run(cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Topo:
    """Namespaces and veth links, created by name and removed by name/PID."""

    def __init__(self, workdir):
        self.dir = workdir
        self.ns = []
        self.pids = []
        self.procs = []

    @staticmethod
    def free_id(probe_fmt, lo=5, hi=245):
        """An id in [lo, hi) for which the namespace probe_fmt % id does not
        exist (the namespace is the lock: create it right after)."""
        existing = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE,
                                  universal_newlines=True).stdout.split()
        span = hi - lo
        start = os.getpid() % span
        for k in range(span):
            i = lo + (start + k) % span
            if probe_fmt % i not in existing:
                return i
        raise RuntimeError("no free namespace id")

    def add_ns(self, name):
        _run(["ip", "netns", "add", name])
        self.ns.append(name)
        _run(["ip", "-n", name, "link", "set", "lo", "up"])
        subprocess.run(ns_exec(name) + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def link(self, ns_a, name_a, ns_b, name_b, tmp_a, tmp_b):
        """veth pair ns_a/name_a <-> ns_b/name_b (tmp_*: unique root-namespace names)."""
        _run(["ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b])
        _run(["ip", "link", "set", tmp_a, "netns", ns_a])
        _run(["ip", "link", "set", tmp_b, "netns", ns_b])
        _run(["ip", "-n", ns_a, "link", "set", tmp_a, "name", name_a])
        _run(["ip", "-n", ns_b, "link", "set", tmp_b, "name", name_b])

    def addr(self, ns, dev, cidr):
        _run(["ip", "-n", ns, "addr", "add", cidr, "dev", dev])
        _run(["ip", "-n", ns, "link", "set", dev, "mtu", "1500", "up"])

    def route(self, ns, dst, via):
        _run(["ip", "-n", ns, "route", "add", dst, "via", via])

    def forwarding(self, ns):
        _run(ns_exec(ns) + ["sysctl", "-qw", "net.ipv4.ip_forward=1"])

    def record_pid(self, pid):
        self.pids.append(int(pid))

    def spawn(self, ns, cmd, **kw):
        p = subprocess.Popen(ns_exec(ns) + cmd, **kw)
        self.procs.append(p)
        self.pids.append(p.pid)
        return p

    def down(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = False
            for pid in self.pids:
                try:
                    os.kill(pid, sig)
                    alive = True
                except (ProcessLookupError, PermissionError):
                    pass
            for p in self.procs:
                try:
                    p.wait(2 if sig == signal.SIGTERM else 5)
                except subprocess.TimeoutExpired:
                    pass
            if not alive:
                break
            time.sleep(0.2)
        for name in self.ns:
            r = subprocess.run(["ip", "netns", "pids", name], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, universal_newlines=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.ns = []
        self.pids = []
        self.procs = []


def start_realm(topo, ns, rdir):
    """Start the throwaway realm pair with its KDC in namespace ns; returns the
    variables of rdir/env as a dict (the KDC's PID is recorded in topo)."""
    subprocess.run(ns_exec(ns) + [REALM_SH, "start", rdir], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {}
    for line in open(os.path.join(rdir, "env")):
        m = re.match(r"export (\w+)='(.*)'$", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    topo.record_pid(env["SW_KDC_PID"])
    return env


def stop_realm(rdir):
    if os.path.exists(os.path.join(rdir, "krb5kdc.pid")):
        subprocess.run([REALM_SH, "stop", rdir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def add_service(realm, principal, keytab):
    """Add a service principal (random keys) to the realm and its keys to keytab."""
    env = dict(os.environ)
    env.update(realm)
    for q in ("addprinc -randkey %s" % principal, "ktadd -k %s %s" % (keytab, principal)):
        subprocess.run(["kadmin.local", "-q", q], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def engine_config(ifaces, upstream, targetname, keytab, ntlm_users, realm=REALM_NAME,
                  challenge=407, version=3, mutual=False, require="all", lcores=1,
                  upstream_port=5060, exception="xdp", extra=""):
    """sipwardd INI text.  ifaces: [(cidr, role, gateway or None)] in DPDK port order."""
    out = ["# generated by tests/engine/swnet.py", "[engine]", "lcores = %d" % lcores,
           "idle_sleep_us = 1000", ""]
    for i, (cidr, role, gw) in enumerate(ifaces):
        out += ["[interface.%d]" % i, "address = %s" % cidr, "sip_port = 5060",
                "role = %s" % role, "exception = %s" % exception]
        if gw:
            out.append("gateway = %s" % gw)
        out.append("")
    out += ["[upstream]", "address = %s" % upstream, "port = %d" % upstream_port, "",
            "[auth]", "realm = %s" % realm, "targetname = %s" % targetname,
            "schemes = Kerberos, NTLM", "challenge = %d" % challenge, "version = %d" % version,
            "require = %s" % require, "mutual = %s" % ("yes" if mutual else "no"), "",
            "[kerberos]", "keytab = %s" % keytab, "", "[ntlm]", "users = %s" % ntlm_users,
            "domain = DOMAINB", "", "[limits]", "sa_max = 1000", ""]
    return "\n".join(out) + extra


class Engine:
    """One sipwardd in a namespace.  devs: kernel interface names, DPDK port order."""

    def __init__(self, topo, ns, binary, xdp_obj, prefix, devs, conf, logpath, env,
                 cpus=None):
        self.topo, self.ns, self.bin, self.xdp = topo, ns, binary, xdp_obj
        self.prefix, self.devs, self.conf, self.logpath, self.env = prefix, devs, conf, logpath, env
        self.cpus = cpus
        self.p = None
        self.pmd = None

    def start(self, pmds=("af_xdp", "af_packet"), wait=15.0):
        for pmd in pmds:
            if self._start(pmd, wait):
                self.pmd = pmd
                return True
        return False

    def _start(self, pmd, wait):
        if pmd == "af_xdp":
            vd = ["--vdev=net_af_xdp%d,iface=%s,queue_count=1,xdp_prog=%s" % (i, n, self.xdp)
                  for i, n in enumerate(self.devs)]
        else:
            vd = ["--vdev=net_af_packet%d,iface=%s,qpairs=1" % (i, n)
                  for i, n in enumerate(self.devs)]
        ncpu = os.cpu_count() or 1
        lc = self.cpus or "0@0,1@%d" % (1 % ncpu)
        conf = self.conf
        if pmd != "af_xdp":
            text = open(conf).read().replace("exception = xdp", "exception = none")
            conf = conf + ".afp"
            with open(conf, "w") as f:
                f.write(text)
        cmd = [self.bin, "--lcores", lc, "--no-huge", "--no-pci", "-m", "256",
               "--file-prefix", self.prefix, "--log-level", "lib.eal:error"] + vd + \
              ["--", "-c", conf]
        self.logf = open(self.logpath, "w+b")
        env = dict(os.environ)
        env.update(self.env)
        p = self.topo.spawn(self.ns, cmd, stdout=self.logf, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + wait
        while time.time() < deadline:
            self.logf.seek(0)
            if b"sipwardd ready" in self.logf.read():
                self.p = p
                time.sleep(0.2)
                return True
            if p.poll() is not None:
                break
            time.sleep(0.1)
        self.logf.seek(0)
        log("  sipwardd (%s, %s) did not start:\n    %s" % (
            self.ns, pmd, self.logf.read().decode(errors="replace")[-1200:]
            .replace("\n", "\n    ")))
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        return False

    def tel(self, cmd):
        return swtel.query(self.prefix, [cmd])[0][cmd]

    def snapshot(self):
        return {"stats": self.tel("/sipward/stats"), "cp": self.tel("/sipward/cp")}

    def stop(self):
        p, self.p = self.p, None
        if p is None:
            return 0, ""
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -9
        self.logf.seek(0)
        out = self.logf.read().decode(errors="replace")
        self.logf.close()
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        return rc, out


def delta(before, after):
    """{section: {key: after-before}} for the numeric keys that changed."""
    out = {}
    for sec in after:
        d = {}
        for k, v in after[sec].items():
            if isinstance(v, int):
                x = v - before.get(sec, {}).get(k, 0)
                if x:
                    d[k] = x
        out[sec] = d
    return out


def start_uas(topo, ns, ip, workdir, logname="uas_messages.log", port=5060, scenario=UAS_XML):
    logpath = os.path.join(workdir, logname)
    p = topo.spawn(ns, ["sipp", "-sf", scenario, "-i", ip, "-p", str(port), "-nostdin",
                        "-trace_msg", "-message_file", logpath, "-trace_err", "-error_file",
                        os.path.join(workdir, logname + ".err")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    time.sleep(0.5)
    return p, logpath


class SippLog:
    """Messages SIPp received, from its -trace_msg log, read from an offset on."""

    def __init__(self, path):
        self.path = path
        self.off = 0

    def mark(self):
        try:
            self.off = os.path.getsize(self.path)
        except FileNotFoundError:
            self.off = 0

    def received(self):
        """Messages received since mark(), as bytes with \\r\\n line ends."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                text = f.read()
        except FileNotFoundError:
            return []
        out = []
        for b in re.split(rb"-{20,} [0-9: .-]+\n", text):
            if b.startswith(b"UDP message received"):
                body = b.split(b"\n", 2)[2] if b.count(b"\n") >= 2 else b""
                body = body.replace(b"\r\n", b"\n").strip(b"\n").replace(b"\n", b"\r\n")
                if body:
                    out.append(body)
        return out
