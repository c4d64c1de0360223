#!/bin/sh
# make demo: sipward end to end on an embedded topology (issue 6).  Network
# namespaces swd<ID>-{ann,bob,p2,p1,kam,lan}, two sipwardd proxies, Kamailio as
# the registrar, throwaway Kerberos realms with cross-realm trust, NTLM
# accounts; the patent's scenarios, then a stepped SIPp load against proxy 1.
# Results (summary, plot, logs without keys) go to demo-out/.  Everything the
# demo starts is stopped by PID and its namespaces deleted on exit, Ctrl-C or
# failure (demo/demo.py).  Needs root.
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/.."
exec python3 -u demo/demo.py "$BUILD" --out demo-out
