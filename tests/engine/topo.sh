#!/bin/bash
# Test topology for sipwardd (DESIGN.md "Test topology"):
#
#   [client ns] c0 ---veth--- e0 [engine ns] e1 ---veth--- u0 [upstream ns]
#     10.N.1.2/24          10.N.1.1/24    10.N.2.1/24        10.N.2.2/24
#     fd5e:N:1::2/64       fd5e:N:1::1    fd5e:N:2::1        fd5e:N:2::2
#
# Namespaces are named client-ID, engine-ID, upstream-ID with a unique ID per
# run, so parallel runs never clash.  Everything created is recorded in
# DIR/created and removed by "down" (names and PIDs only, never a pattern).
#
#   topo.sh up DIR          create; writes DIR/env (ID, NS_*, addresses)
#   topo.sh down DIR        kill recorded PIDs, delete recorded namespaces
#   topo.sh run DIR NS CMD  run CMD in namespace NS (client|engine|upstream)
set -eu

cmd=${1:?usage: topo.sh up|down|run DIR ...}
dir=${2:?usage: topo.sh up|down|run DIR ...}

up() {
	mkdir -p "$dir"
	# IDs: 1..250 from the PID, with the namespace names as the lock.
	local id n=0
	id=$(( ($$ % 240) + 5 ))
	while ip netns list | grep -qw "engine-$id"; do
		id=$(( (id % 240) + 5 )); n=$((n + 1))
		[ $n -lt 240 ] || { echo "topo: no free id" >&2; exit 1; }
	done
	local C=client-$id E=engine-$id U=upstream-$id
	: > "$dir/created"
	for ns in $C $E $U; do
		ip netns add "$ns"
		echo "ns $ns" >> "$dir/created"
		ip -n "$ns" link set lo up
	done
	# veth names are per namespace, so fixed names cannot clash across runs.
	ip link add "swc$id" type veth peer name "swe$id"
	ip link set "swc$id" netns "$C"
	ip link set "swe$id" netns "$E"
	ip -n "$C" link set "swc$id" name c0
	ip -n "$E" link set "swe$id" name e0
	ip link add "swu$id" type veth peer name "swf$id"
	ip link set "swu$id" netns "$U"
	ip link set "swf$id" netns "$E"
	ip -n "$U" link set "swu$id" name u0
	ip -n "$E" link set "swf$id" name e1

	for spec in "$C c0 1 2" "$E e0 1 1" "$E e1 2 1" "$U u0 2 2"; do
		set -- $spec
		ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 || true
		ip -n "$1" addr add "10.$id.$3.$4/24" dev "$2"
		ip -n "$1" addr add "fd5e:$id:$3::$4/64" dev "$2" nodad
		ip -n "$1" link set "$2" mtu 1500 up
	done
	ip -n "$C" route add default via "10.$id.1.1"
	ip -n "$U" route add default via "10.$id.2.1"
	ip -n "$C" -6 route add default via "fd5e:$id:1::1"
	ip -n "$U" -6 route add default via "fd5e:$id:2::1"
	cat > "$dir/env" <<EOF
ID=$id
NS_CLIENT=$C
NS_ENGINE=$E
NS_UPSTREAM=$U
CLIENT4=10.$id.1.2
ENGINE4_C=10.$id.1.1
ENGINE4_U=10.$id.2.1
UPSTREAM4=10.$id.2.2
CLIENT6=fd5e:$id:1::2
ENGINE6_C=fd5e:$id:1::1
ENGINE6_U=fd5e:$id:2::1
UPSTREAM6=fd5e:$id:2::2
EOF
	echo "topo: up, id $id ($C $E $U)"
}

down() {
	[ -f "$dir/created" ] || return 0
	# PIDs first (recorded by the test as "pid N"), then namespaces.
	while read -r kind what; do
		if [ "$kind" = pid ] && kill -0 "$what" 2>/dev/null; then
			kill -TERM "$what" 2>/dev/null || true
		fi
	done < "$dir/created"
	sleep 0.5
	while read -r kind what; do
		if [ "$kind" = pid ] && kill -0 "$what" 2>/dev/null; then
			kill -KILL "$what" 2>/dev/null || true
		fi
	done < "$dir/created"
	while read -r kind what; do
		if [ "$kind" = ns ]; then
			# Anything still running inside (by PID, from the kernel's list).
			for p in $(ip netns pids "$what" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null || true
			done
			ip netns del "$what" 2>/dev/null || true
		fi
	done < "$dir/created"
	rm -f "$dir/created"
}

case "$cmd" in
up) up ;;
down) down ;;
run)
	ns=${3:?namespace}; shift 3
	. "$dir/env"
	case "$ns" in
	client) ns=$NS_CLIENT ;; engine) ns=$NS_ENGINE ;; upstream) ns=$NS_UPSTREAM ;;
	esac
	exec ip netns exec "$ns" "$@"
	;;
*) echo "usage: topo.sh up|down|run DIR ..." >&2; exit 2 ;;
esac
