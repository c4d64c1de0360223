#!/usr/bin/env bash
# Self-test of krb5-realm.sh (suite 'xcheck'): start, every documented env variable,
# password and keytab kinit, one session enctype per krb5-eNN.conf, cross-realm, adduser,
# NTLM user file, stop by PID, restart in the same DIR, and the `watch` reaper.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
realm="$here/krb5-realm.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/sw-realm-selftest-XXXXXX")
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
cleanup() { "$realm" stop "$dir" >/dev/null 2>&1 || true; rm -rf -- "$dir"; }
trap cleanup EXIT

"$realm" start "$dir" >/dev/null
# shellcheck disable=SC1091
. "$dir/env"
for v in KRB5_CONFIG KRB5_KDC_PROFILE KRB5_KTNAME KRB5CCNAME KRB5RCACHEDIR NTLM_USER_FILE \
	SW_REALM SW_REALM2 SW_FQDN SW_SERVICE SW_GSS_SERVICE SW_KEYTAB SW_KRB_HOST SW_KRB_PORT \
	SW_KDC_PID SW_USER SW_USER_PASSWORD SW_XUSER_PRINC SW_XUSER_PASSWORD SW_NTLM_DOMAIN; do
	if [ -n "${!v:-}" ]; then ok "env $v"; else bad "env $v"; fi
done
pid=$(cat "$dir/krb5kdc.pid")
check "pid file = SW_KDC_PID" test "$pid" = "$SW_KDC_PID"
check "status while running" "$realm" status "$dir"
check "listens on 127.0.0.1:$SW_KRB_PORT udp" sh -c "ss -Hlnu 'sport = :$SW_KRB_PORT' | grep -q 127.0.0.1"
check "listens on 127.0.0.1:$SW_KRB_PORT tcp" sh -c "ss -Hlnt 'sport = :$SW_KRB_PORT' | grep -q 127.0.0.1"
check "keytab has 5 enctypes" sh -c "[ \$(klist -k '$SW_KEYTAB' | grep -c '$SW_SERVICE_PRINC') -eq 5 ]"

for e in 17 18 19 20 23; do
	cc="FILE:$dir/cc-$e"
	check "e$e: password kinit + service ticket with session enctype $e" sh -c "
		echo '$SW_USER_PASSWORD' | KRB5_CONFIG='$dir/krb5-e$e.conf' KRB5CCNAME='$cc' kinit '$SW_USER_PRINC' &&
		KRB5_CONFIG='$dir/krb5-e$e.conf' KRB5CCNAME='$cc' kvno '$SW_SERVICE_PRINC' &&
		KRB5_CONFIG='$dir/krb5-e$e.conf' KRB5CCNAME='$cc' klist -e | grep -A1 '$SW_SERVICE_PRINC' |
		    grep -q \"skey, tkt): [A-Z:]*\$(sed -n 's/^ *default_tgs_enctypes = //p' '$dir/krb5-e$e.conf'),\""
done
check "wrong password fails" sh -c "! echo nope | KRB5CCNAME=FILE:$dir/cc-bad kinit '$SW_USER_PRINC'"
check "cross-realm ann@DOMAINA -> sip/proxy" sh -c "
	echo '$SW_XUSER_PASSWORD' | KRB5CCNAME=FILE:$dir/cc-x kinit '$SW_XUSER_PRINC' &&
	KRB5CCNAME=FILE:$dir/cc-x kvno '$SW_SERVICE_PRINC' &&
	KRB5CCNAME=FILE:$dir/cc-x klist | grep -q 'krbtgt/$SW_REALM@$SW_REALM2'"
check "client keytab kinit" env KRB5CCNAME="FILE:$dir/cc-kt" kinit -kt "$SW_USER_KEYTAB" "$SW_USER_PRINC"
check "adduser" "$realm" adduser "$dir" dave@DOMAINB.TEST Dave1234pw
check "adduser: kinit" sh -c "echo Dave1234pw | KRB5CCNAME=FILE:$dir/cc-d kinit dave@DOMAINB.TEST"
check "adduser: ntlm_users line" grep -qx 'DOMAINB:dave:Dave1234pw' "$NTLM_USER_FILE"
check "ntlm_users has bob" grep -qx "$SW_NTLM_DOMAIN:$SW_USER:$SW_USER_PASSWORD" "$NTLM_USER_FILE"
check "no replay cache outside DIR" sh -c "[ -d '$KRB5RCACHEDIR' ]"

"$realm" stop "$dir" >/dev/null
check "stop: pid gone" sh -c "! kill -0 $pid"
check "stop: pid file removed" test ! -e "$dir/krb5kdc.pid"
check "status after stop" sh -c "! '$realm' status '$dir'"
check "stop is idempotent" "$realm" stop "$dir"

check "restart in the same DIR" "$realm" start "$dir"
. "$dir/env"
pid2=$SW_KDC_PID
check "restart: new KDC answers" sh -c "echo '$SW_USER_PASSWORD' | KRB5CCNAME=FILE:$dir/cc-r kinit '$SW_USER_PRINC'"
# The reaper: closing its stdin stops the KDC and removes DIR (what realm.c relies on).
check "watch reaper cleans up" sh -c "'$realm' watch '$dir' </dev/null && ! kill -0 $pid2 && [ ! -e '$dir' ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
