#!/bin/sh
# Runs every suite against the sanitizer build: unit, integration (a
# private PostgreSQL), end-to-end (real nginx, real TLS) and a short run
# of each fuzz target. Prints ok/FAIL per case, runs everything even
# after a failure, and ends with one line "N passed, N failed".
set -u

cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-build/san}
# Test ports stay below Linux's ephemeral range (32768-60999): a load
# test's client sockets in TIME_WAIT there could hold a port we listen on.
TEST_PG_PORT=${TEST_PG_PORT:-$((25480 + ${TEST_PORT_OFFSET:-0}))}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
LOGS=$TOP/.run/test-logs
PGDIR=$TOP/.run/test-pg
export BUILD
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export DATALAND_BIN=$TOP/$BUILD/bin/dataland

rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0
failed=0

# Runs one test program; its "ok"/"FAIL" lines are the cases it counts.
# A program that fails without saying which case counts as one failure.
run() {
	name=$1
	shift
	log=$LOGS/$name.log
	start=$(date +%s)
	timeout -k 10 "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^FAIL' "$log")
	grep -E '^(ok |FAIL)' "$log" | sed "s|^|[$name] |"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "[$name] FAIL $name: exit status $rc (log: $log)"
		tail -n 20 "$log" | sed 's/^/    /'
		bad=1
	elif [ "$bad" -gt 0 ]; then
		echo "    (log: $log)"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	echo "[$name] $ok passed, $bad failed in $(( $(date +%s) - start ))s"
}

stop_pg() {
	scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1
}
trap stop_pg EXIT INT TERM

echo "== unit"
for t in "$BUILD"/tests/t_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done

echo "== integration"
if scripts/pg.sh start "$PGDIR" "$TEST_PG_PORT" >"$LOGS/pg-start.log" 2>&1
then
	TEST_PG_URL=$(scripts/pg.sh url "$TEST_PG_PORT" postgres)
	export TEST_PG_URL
	for t in "$BUILD"/tests/i_* tests/integration/*.sh; do
		[ -x "$t" ] || continue
		run "$(basename "$t" .sh)" "$t"
	done
	stop_pg
else
	echo "FAIL integration: the test cluster did not start"
	sed 's/^/    /' "$LOGS/pg-start.log"
	failed=$((failed + 1))
fi

echo "== end-to-end"
for t in tests/e2e/[0-9]*.sh; do
	[ -x "$t" ] || continue
	run "e2e-$(basename "$t" .sh)" "$t"
done

echo "== fuzz (${FUZZ_SECONDS}s each)"
if [ -x tests/fuzz/run.sh ]; then
	FUZZ_SECONDS=$FUZZ_SECONDS run fuzz tests/fuzz/run.sh
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
