#!/bin/bash
# `make bench`: one stack on the release build under .run/bench, then
# every bench/NN-name.sh in order against it. Prints figures; never
# fails on a number, only when the stack cannot be started.
#
#   BUILD=build bench/run.sh          every report
#   bench/run.sh 40 45                 only bench/40-*.sh and bench/45-*.sh
#
# Environment (ports below the ephemeral range, as the tests'): BUILD
# (default build), BENCH_HTTPS_PORT (18443),
# BENCH_HTTP_PORT (18080), BENCH_PG_PORT (25490), AGENT_WORKERS (4),
# AUTH_WORKERS (2), AGENT_LONG_WORKERS (8) and AUTH_LONG_WORKERS (4), the
# long lanes (the services' own defaults), MODEL_PROVIDER (echo: the
# chat benchmark measures the pipeline, not a model).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

export BUILD=${BUILD:-build}
export STACK_DIR=$ROOT/.run/bench
export HTTPS_PORT=${BENCH_HTTPS_PORT:-18443}
export HTTP_PORT=${BENCH_HTTP_PORT:-18080}
export PG_PORT=${BENCH_PG_PORT:-25490}
export AGENT_WORKERS=${AGENT_WORKERS:-4}
export AUTH_WORKERS=${AUTH_WORKERS:-2}
export AGENT_LONG_WORKERS=${AGENT_LONG_WORKERS:-8}
export AUTH_LONG_WORKERS=${AUTH_LONG_WORKERS:-4}
export MODEL_PROVIDER=${MODEL_PROVIDER:-echo}

for b in dataland-agent dataland-auth; do
	case $BUILD in
	/*) f=$BUILD/bin/$b ;;
	*) f=$ROOT/$BUILD/bin/$b ;;
	esac
	[ -x "$f" ] || { echo "bench: no '$f' (run make first)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is not installed (make deps)" >&2; exit 1; }

stop() {
	trap - EXIT INT TERM
	scripts/stack.sh stop "$STACK_DIR" >/dev/null 2>&1 ||
	    echo "bench: stack stop failed, see $STACK_DIR/log" >&2
}

# Whatever an interrupted earlier run left behind.
[ -d "$STACK_DIR" ] && scripts/stack.sh stop "$STACK_DIR" >/dev/null 2>&1
mkdir -p "$STACK_DIR"
trap stop EXIT
trap 'exit 130' INT TERM

echo "bench: starting the stack ($BUILD, https://127.0.0.1:$HTTPS_PORT," \
    "agent workers $AGENT_WORKERS + $AGENT_LONG_WORKERS long, auth workers" \
    "$AUTH_WORKERS + $AUTH_LONG_WORKERS long, model $MODEL_PROVIDER)"
if ! APP_ENV=development scripts/stack.sh start "$STACK_DIR" \
    >"$STACK_DIR/stack-start.log" 2>&1; then
	echo "bench: the stack did not start:" >&2
	tail -n 30 "$STACK_DIR/stack-start.log" >&2
	exit 1
fi

status=0
pattern='bench/[0-9]*.sh'
[ $# -gt 0 ] && pattern=$(printf 'bench/%s-*.sh ' "$@")
# shellcheck disable=SC2086
for b in $pattern; do
	[ -f "$b" ] || { echo "bench: no $b" >&2; status=1; continue; }
	echo
	echo "== $b"
	bash "$b" || { echo "bench: $b failed" >&2; status=1; }
done
exit $status
