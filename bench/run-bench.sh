#!/usr/bin/env bash
# Run sipward's benchmarks and print the ratio table.
#
#   bench/run-bench.sh BUILD_DIR          (what `make bench` runs)
#
# Starts a throwaway MIT realm (tests/realm/krb5-realm.sh) for the GSS-API
# baselines (MIT gss_verify_mic, gss-ntlmssp gss_verify_mic), sources its env,
# runs BUILD_DIR/bench/sw_bench with JSON output to BUILD_DIR/bench-results.json,
# stops the KDC by its PID (also on failure or Ctrl-C), then bench/summary.py
# prints the table and writes BUILD_DIR/bench-summary.json.
#
# Environment:
#   SW_BENCH_MIN_TIME   seconds per case (default 0.1; the full run then takes ~1 min)
#   SW_BENCH_FILTER     --benchmark_filter regex (default: all cases)
#   SW_BENCH_CPU        pin to this CPU with taskset (default: not pinned)
#   SW_BENCH_REPS       interleaved runs of the target cases and their baselines
#                       (default 5; 1 = the single full pass only), medians reported
#   SW_BENCH_ENGINE_REPS  the same for the engine pipeline cases (default 3)
#   SW_BENCH_NO_REALM=1 skip the KDC; the GSS baselines are then reported as skipped
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
}
[ $# -eq 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$BUILD/bench/sw_bench
RESULTS=$BUILD/bench-results.json
SUMMARY=$BUILD/bench-summary.json
MIN_TIME=${SW_BENCH_MIN_TIME:-0.1}
FILTER=${SW_BENCH_FILTER:-.}
REPS=${SW_BENCH_REPS:-5}
case $REPS in
'' | *[!0-9]*) echo "run-bench: SW_BENCH_REPS must be a number" >&2; exit 2 ;;
esac
# Fast path (targets), the MAC stage, and the GSS-API baselines they are compared with.
TARGET_CASES='^(fast_path/[A-Z]+/(krb18|ntlm)/mb/32|verify/[A-Z]+/(krb18|ntlm)/mb/32|gss_verify_mic/|gss_ntlmssp_verify_mic/|gss_path/)'

if [ ! -x "$BIN" ]; then
	echo "run-bench: $BIN is not built (needs g++ and libbenchmark-dev; meson -Dbench=enabled)" >&2
	exit 1
fi

REALM_DIR=""
KDC_PID=""
stop_realm() {
	if [ -n "$REALM_DIR" ]; then
		"$SRC/tests/realm/krb5-realm.sh" stop "$REALM_DIR" >/dev/null 2>&1 || true
		# Belt and braces: the PID recorded at start, if stop could not do it.
		if [ -n "$KDC_PID" ] && [ "$(cat "/proc/$KDC_PID/comm" 2>/dev/null)" = krb5kdc ]; then
			kill "$KDC_PID" 2>/dev/null || true
		fi
		rm -rf "$REALM_DIR"
		REALM_DIR=""
	fi
}
trap stop_realm EXIT
trap 'stop_realm; exit 130' INT TERM

if [ "${SW_BENCH_NO_REALM:-0}" != 1 ]; then
	REALM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sw-bench-realm.XXXXXX")
	if "$SRC/tests/realm/krb5-realm.sh" start "$REALM_DIR" >"$REALM_DIR.log" 2>&1; then
		# shellcheck disable=SC1091
		. "$REALM_DIR/env"
		KDC_PID=${SW_KDC_PID:-}
		echo "run-bench: realm up (KDC pid ${KDC_PID:-?})"
	else
		echo "run-bench: could not start the realm; GSS baselines will be skipped:" >&2
		sed 's/^/  /' "$REALM_DIR.log" >&2 || true
	fi
	rm -f "$REALM_DIR.log"
fi

PIN=()
if [ -n "${SW_BENCH_CPU:-}" ]; then
	PIN=(taskset -c "$SW_BENCH_CPU")
fi

echo "run-bench: $BIN (min time ${MIN_TIME}s per case; shared machines give noisy numbers)"
"${PIN[@]}" "$BIN" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$FILTER" \
	--benchmark_format=console --benchmark_out="$RESULTS" --benchmark_out_format=json
# The cases the targets are read from, and their baselines, again: REPS runs
# each in random order, so a burst of load from the machine's neighbours
# falls on all of them alike; summary.py reports the medians (and the spread).
REPS_RESULTS=$BUILD/bench-results-reps.json
rm -f "$REPS_RESULTS"
if [ "$REPS" -gt 1 ] && [ "$FILTER" = . ]; then
	echo "run-bench: target cases and baselines, $REPS interleaved runs each"
	"${PIN[@]}" "$BIN" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$TARGET_CASES" \
		--benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
		--benchmark_display_aggregates_only=true --benchmark_format=console \
		--benchmark_out="$REPS_RESULTS" --benchmark_out_format=json ||
		echo "run-bench: repeated target runs failed; single-run figures only" >&2
fi
# Control-plane handshakes (issue 3): a separate binary, same realm.
CP_BIN=$BUILD/bench/sw_bench_cp
rm -f "$BUILD/bench-cp-results.json"
if [ -x "$CP_BIN" ]; then
	# Handshakes cost tens of microseconds and the ratios compare cases run
	# seconds apart: repeat them in random order and report medians.
	"${PIN[@]}" "$CP_BIN" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$FILTER" \
		--benchmark_repetitions="${SW_BENCH_CP_REPS:-5}" \
		--benchmark_enable_random_interleaving=true \
		--benchmark_format=console --benchmark_out="$BUILD/bench-cp-results.json" \
		--benchmark_out_format=json || echo "run-bench: sw_bench_cp failed" >&2
fi
stop_realm

# The engine pipeline on net_ring ports (issue 4): EAL, no services needed.
ENG_BIN=$BUILD/bench/sw_bench_engine
rm -f "$BUILD/bench-engine-results.json"
if [ -x "$ENG_BIN" ] && [ "${SW_BENCH_ENGINE:-1}" = 1 ]; then
	"${PIN[@]}" "$ENG_BIN" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$FILTER" \
		--benchmark_repetitions="${SW_BENCH_ENGINE_REPS:-3}" \
		--benchmark_enable_random_interleaving=true --benchmark_format=console --benchmark_out="$BUILD/bench-engine-results.json" \
		--benchmark_out_format=json || echo "run-bench: sw_bench_engine failed" >&2
fi

# Each results file is empty when SW_BENCH_FILTER matched none of its binary's cases.
if [ -s "$RESULTS" ]; then
	if [ -s "$REPS_RESULTS" ]; then
		python3 "$SRC/bench/summary.py" "$RESULTS" "$SUMMARY" "$REPS_RESULTS"
	else
		python3 "$SRC/bench/summary.py" "$RESULTS" "$SUMMARY"
	fi
else
	rm -f "$SUMMARY"
	echo "run-bench: no sw_bench case matched '$FILTER'; no summary"
fi
if [ -s "$BUILD/bench-cp-results.json" ]; then
	python3 "$SRC/bench/summary_cp.py" "$BUILD/bench-cp-results.json"
fi
if [ -s "$BUILD/bench-engine-results.json" ]; then
	echo
	python3 "$SRC/bench/summary_engine.py" "$BUILD/bench-engine-results.json"
fi
