#!/usr/bin/env python3
"""Ratio table for bench/sw_bench_cp: handshakes/s through the control plane
beside the raw acceptor (issue 3 target: cp >= 90% of raw).

    bench/summary_cp.py BUILD/bench-cp-results.json
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    rate = {}
    medians = set()
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b["name"].replace("/manual_time", "")
        # With --benchmark_repetitions (run-bench.sh interleaves them at
        # random, so every case sees the same share of the neighbours' load)
        # the median is the figure; single runs are used as they are.
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            name = name.replace("_median", "")
            medians.add(name)
        elif name in medians:
            continue
        if "items_per_second" in b:
            rate[name] = b["items_per_second"]
    print("control-plane handshakes (one core)")
    for mech in ("krb", "ntlm"):
        cp = rate.get("cp_handshake/%s/cp" % mech)
        raw = rate.get("cp_handshake/%s/raw" % mech)
        if cp is None or raw is None:
            print("  %-5s skipped (no realm?)" % mech)
            continue
        print("  %-5s cp %9.0f/s   raw %9.0f/s   cp/raw %5.1f%%  %s"
              % (mech, cp, raw, 100.0 * cp / raw, "ok" if cp >= 0.9 * raw else "BELOW 90%"))
    cp = rate.get("cp_handshake/krb/cp")
    name = rate.get("cp_handshake/krb/raw_name")
    ident = rate.get("cp_handshake/krb/raw_lucid")
    acc = rate.get("cp_handshake/krb/acceptor")
    if cp and name:
        print("  krb   vs MIT accept + client name (display, release) %9.0f/s: cp/that %5.1f%%"
              % (name, 100.0 * cp / name))
    if cp and ident and acc:
        print("  krb   vs MIT accept with client name + lucid export %9.0f/s: cp/that %5.1f%%"
              % (ident, 100.0 * cp / ident))
        print("  krb   acceptor module alone (sw_cp_krb_accept)       %9.0f/s" % acc)
    for n in (256, 1024, 1500):
        r = rate.get("digest/%d" % n)
        if r:
            print("  digest %4d B: %.1f ns" % (n, 1e9 / r))


if __name__ == "__main__":
    main()
