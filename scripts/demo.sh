#!/bin/sh
# make demo.  The end-to-end demo (two sipwardd proxies, Ann and Bob's clients,
# Kerberos realms with cross-realm trust, NTLM, Kamailio behind, SIPp load) needs
# the engine, the control plane and the client, which are not built yet.  Until
# then this says so plainly and shows only what exists: sipward-inspect parsing
# real MS-SIPAE messages and printing the exact buffers a signature covers.
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/.."

cat <<'TXT'
sipward demo
============
Not available yet: the engine (sipwardd), its control plane and sipward-client
are still being built, so the patent's scenarios (Kerberos and NTLM, pre-auth and
challenged, two proxies with mutual authentication, replay and tampering
rejected, unregister) and the SIPp load phase cannot run.  Nothing below pretends
to be that demo.

What exists today, shown on the sample messages in tests/inspect/data/:
sipward-inspect parses each message (or names the error and its byte offset),
lists the auth parameters and prints the exact MS-SIPAE signed buffer.
TXT

for f in register-unsigned.sip register-ntlm-handshake.sip register-ntlm-forged.sip \
	407-challenge.sip invite-bad-cseq.sip register-lf-only.sip; do
	echo
	echo "---- $f"
	# Exit status 1 is expected for the malformed samples.
	"$BUILD/inspect/sipward-inspect" "tests/inspect/data/$f" || true
done

cat <<'TXT'

The rest of what is built is exercised by `make test` (parser, signatures
cross-checked byte for byte against MIT krb5 and gss-ntlmssp on a throwaway
realm) and measured by `make bench`.
TXT
