#!/bin/sh
# Install the Debian 12 packages sipward needs to build, test, bench and demo.
# Idempotent: runs `apt-get update` only when something is missing.
set -eu

PKGS="build-essential pkg-config meson ninja-build clang llvm lld
libdpdk-dev dpdk libssl-dev libkrb5-dev krb5-kdc krb5-admin-server krb5-user
gss-ntlmssp gss-ntlmssp-dev libipsec-mb-dev libbenchmark-dev libcmocka-dev
libpcap-dev libjansson-dev libbpf-dev libxdp-dev iproute2 sip-tester python3 libclang-rt-14-dev
valgrind
linux-libc-dev procps
kamailio gnuplot-nox"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# krb5 packages ask for a default realm; we always use our own throwaway realms.
apt-get install -y -q --no-install-recommends $missing

# Debian's kamailio package enables and starts kamailio.service with its sample
# configuration on the host's port 5060.  The demo runs its own Kamailio inside a
# network namespace; a registrar we just installed should not be left listening
# on the host, so stop and disable the service we caused to start.
case " $missing " in
*" kamailio "*)
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now kamailio.service >/dev/null 2>&1 || true
		echo "install-deps: kamailio.service disabled (the demo starts its own Kamailio)"
	fi
	;;
esac
