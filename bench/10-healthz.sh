#!/bin/bash
# GET /healthz through nginx + TLS + FastCGI against nginx's own static
# answer (/__nginx_static, `return 200` in the same server) as the
# ceiling; then the memory of each responder. A report: figures are
# printed next to their targets, never asserted.
#
# The machine is shared and its speed drifts from one run to the next,
# so the targets alternate within each round (static, upstream, healthz)
# and the ratio is the median of the rounds' own ratios.
#
# The agent runs its usual 4 responders (bench/run.sh); the last rows
# repeat the measure with one responder per CPU, the count a path that
# waits on nothing would want.
#
# Run by bench/run.sh (STACK_DIR, HTTPS_PORT exported).
set -u

: "${STACK_DIR:?run through bench/run.sh}"
: "${HTTPS_PORT:?run through bench/run.sh}"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_settings
CONNS=${BENCH_CONNECTIONS:-32}
ALT_WORKERS=$(nproc)
OUT=$STACK_DIR/bench-10
mkdir -p "$OUT"
rm -f "$OUT"/*.txt

# wrk_run NAME PATH [WRK-ARGS...]: one measured run, output in OUT/NAME.
wrk_run() {
	local name=$1 path=$2
	shift 2
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" \
	    "$BASE$path" >"$OUT/$name.txt" 2>&1
}

# The round whose healthz/static ratio is the median: its rows are shown.
median_round() {	# PREFIX
	local r
	for r in $(seq "$ROUNDS"); do
		echo "$(ratio "$(wrk_field "$1-$r" rps)" "$(wrk_field "static-$r" rps)") $r"
	done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }'
}

row() {	# NAME LABEL
	printf '%-40s %9s %8s %8s %9s %6s\n' "$2" "$(wrk_field "$1" rps)" \
	    "$(wrk_field "$1" p50)" "$(wrk_field "$1" p99)" \
	    "$(wrk_field "$1" requests)" "$(wrk_field "$1" errors)"
}

workers() {	# the agent's responder count
	pgrep -P "$(cat "$STACK_DIR/agent.pid")" | wc -l
}

for p in /healthz /__nginx_static /__nginx_upstream; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE$p")
	[ "$code" = 200 ] || echo "note: $p answers $code before the run"
done

echo "warm-up (3 s each)"
wrk -t"$THREADS" -c"$CONNS" -d3s "$BASE/healthz" >/dev/null 2>&1
wrk -t"$THREADS" -c"$CONNS" -d3s "$BASE/__nginx_static" >/dev/null 2>&1

n_first=$(workers)
echo "measuring: wrk -t$THREADS -c$CONNS -d$DURATION --latency, TLS," \
    "keep-alive; $ROUNDS rounds; agent responders: $n_first"
for r in $(seq "$ROUNDS"); do
	wrk_run "static-$r" /__nginx_static
	wrk_run "upstream-$r" /__nginx_upstream
	wrk_run "healthz-$r" /healthz
done
wrk_run readyz /readyz
wrk_run healthz-close /healthz -H 'Connection: close'
wrk_run static-close /__nginx_static -H 'Connection: close'

# The same with one responder per CPU, in fresh rounds.
alt=""
if [ "$n_first" -ne "$ALT_WORKERS" ] &&
    AGENT_WORKERS=$ALT_WORKERS scripts/stack.sh restart-agent \
    "$STACK_DIR" >"$OUT/restart.log" 2>&1; then
	alt=yes
	wrk -t"$THREADS" -c"$CONNS" -d3s "$BASE/healthz" >/dev/null 2>&1
	for r in $(seq "$ROUNDS"); do
		wrk_run "static-u$r" /__nginx_static
		wrk_run "healthz-alt$r" /healthz
	done
fi

m=$(median_round healthz)
echo
printf '%-40s %9s %8s %8s %9s %6s\n' "median round ($m of $ROUNDS)" req/s \
    p50_ms p99_ms requests errors
row "static-$m" "nginx static (return 200)"
row "upstream-$m" "nginx proxying to itself (unix)"
row "healthz-$m" "GET /healthz ($n_first responders)"
row readyz "GET /readyz (+ SELECT 1)"
row static-close "nginx static, Connection: close"
row healthz-close "GET /healthz, Connection: close"

per_round() {	# A-PREFIX B-PREFIX: each round's A/B ratio, one a line
	local r
	for r in $(seq "$ROUNDS"); do
		ratio "$(wrk_field "$1$r" rps)" "$(wrk_field "$2$r" rps)"
		echo
	done
}

echo
echo "ratios, median of $ROUNDS rounds (each round's: $(per_round healthz- static- | tr '\n' ' '))"
echo "  healthz / nginx static, keep-alive:    $(per_round healthz- static- | median)%   (target >= 60%)"
echo "  nginx upstream ceiling / static:       $(per_round upstream- static- | median)%   (nginx proxying to an upstream that costs nothing)"
echo "  healthz / nginx upstream ceiling:      $(per_round healthz- upstream- | median)%"
echo "  healthz / static, no keep-alive:       $(ratio "$(wrk_field healthz-close rps)" "$(wrk_field static-close rps)")%"
if [ -n "$alt" ]; then
	echo "  with $ALT_WORKERS responders, healthz / static:  $(per_round healthz-alt static-u | median)%   (each round's: $(per_round healthz-alt static-u | tr '\n' ' '))"
fi

# At least 10k requests to the running responders before memory is read.
done_n=0
if [ -n "$alt" ]; then
	served=("$OUT"/healthz-alt*.txt)
else
	served=("$OUT"/healthz-*.txt "$OUT"/readyz.txt)
fi
for f in "${served[@]}"; do
	n=$(wrk_field "$(basename "$f" .txt)" requests)
	done_n=$((done_n + n))
done
if [ "$done_n" -lt 10000 ]; then
	wrk -t"$THREADS" -c"$CONNS" -d10s "$BASE/healthz" >/dev/null 2>&1
	done_n="$done_n+"
fi

# mem_table PIDFILE LABEL: RSS and PSS of each responder of a master.
mem_table() {
	local m c rss pss
	m=$(cat "$STACK_DIR/$1" 2>/dev/null) || { echo "no $1"; return; }
	for c in $(pgrep -P "$m"); do
		rss=$(ps -o rss= -p "$c" | tr -d ' ')
		pss=$(awk '/^Pss:/ { print $2 }' "/proc/$c/smaps_rollup" 2>/dev/null)
		awk -v l="$2" -v p="$c" -v r="$rss" -v s="${pss:-0}" 'BEGIN {
		    printf "%-14s %8d %10.1f %10.1f %10s\n", l, p, r / 1024,
			s / 1024, (r <= 8192 ? "yes" : "NO") }'
	done
}

echo
echo "memory per responder after $done_n agent requests (target RSS <= 8 MB)"
printf '%-14s %8s %10s %10s %10s\n' process pid RSS_MB PSS_MB "<= 8 MB"
mem_table agent.pid agent
mem_table auth.pid auth
echo
echo "raw wrk output: $OUT/"
