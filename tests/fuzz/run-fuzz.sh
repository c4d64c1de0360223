#!/bin/sh
# Run every libFuzzer target for SECONDS each (default 60) from its committed
# seed corpus, in a scratch copy so the repository is not written.  A crash
# leaves its reproducer in BUILD/fuzz-artifacts/ and fails the run; turn it
# into a regression row in the target's unit test.
set -eu
BUILD=${1:?usage: run-fuzz.sh BUILD_DIR [SECONDS]}
SECONDS_EACH=${2:-60}
SRC=$(cd "$(dirname "$0")" && pwd)
ART="$BUILD/fuzz-artifacts"
mkdir -p "$ART"
rc=0
for exe in "$BUILD"/tests/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe" | sed 's/^fuzz_//')
	work=$(mktemp -d)
	if [ -d "$SRC/corpus/$name" ]; then
		cp -r "$SRC/corpus/$name/." "$work/"
	fi
	echo "fuzz: $name for ${SECONDS_EACH}s"
	if ! "$exe" -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ART/$name-" \
		"$work" >"$ART/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see $ART/$name.log)"
		tail -40 "$ART/$name.log"
		rc=1
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$ART/$name.log" | sed "s/^/fuzz: $name /"
	fi
	rm -rf "$work"
done
exit $rc
