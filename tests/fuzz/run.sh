#!/bin/sh
# Runs every libFuzzer target in FUZZ_DIR (default build/fuzz) for
# FUZZ_SECONDS (default 60) each, on a scratch copy of its seed corpus
# in tests/fuzz/corpus/<name>/ so the committed corpus never grows.
# Prints "ok fuzz-<name>" or "FAIL fuzz-<name>: <reason>" per target and
# exits non-zero if any target crashed, leaked, hung or ran out of memory;
# the input that did it is kept in FUZZ_DIR/crashes/.
set -u

here=$(cd "$(dirname "$0")" && pwd)
FUZZ_DIR=${FUZZ_DIR:-$here/../../build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

case "$FUZZ_SECONDS" in
''|*[!0-9]*)
	echo "FAIL fuzz: FUZZ_SECONDS='$FUZZ_SECONDS' is not a number"
	exit 2
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dataland-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The first line of the log that says what went wrong.
reason() {
	grep -m1 -E -e 'ERROR: |runtime error|check failed|deadly signal' \
	    -e 'out-of-memory|timeout after|LeakSanitizer' "$1" |
	    sed 's/^==[0-9]*==//' | cut -c1-200
}

ran=0
failed=0
for bin in "$FUZZ_DIR"/fz_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	name=${bin##*/}
	name=${name#fz_}
	ran=$((ran + 1))
	work=$tmp/$name
	mkdir -p "$work/corpus" "$work/art"
	for seeds in "$here/corpus/$name" "$here/corpus/fz_$name"; do
		[ -d "$seeds" ] && cp -R "$seeds"/. "$work/corpus"/
	done
	if "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
	    -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$work/art/" "$work/corpus" \
	    >"$work/log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log")
		echo "ok fuzz-$name"
		echo "# fuzz-$name: ${runs:-?} runs in $FUZZ_SECONDS s"
		continue
	fi
	failed=$((failed + 1))
	why=$(reason "$work/log")
	mkdir -p "$FUZZ_DIR/crashes"
	kept=""
	for f in "$work/art"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$FUZZ_DIR/crashes/$name-${f##*/}"
		kept="$FUZZ_DIR/crashes/$name-${f##*/}"
	done
	echo "FAIL fuzz-$name: ${why:-non-zero exit}${kept:+ (input $kept)}"
	tail -n 30 "$work/log" | sed 's/^/# /'
done

if [ "$ran" -eq 0 ]; then
	echo "FAIL fuzz: no fz_* targets in $FUZZ_DIR (make fuzz-build)"
	exit 1
fi
[ "$failed" -eq 0 ]
