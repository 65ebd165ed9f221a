#!/bin/bash
# GET /healthz through nginx + TLS + FastCGI against nginx's own static
# answer (/__nginx_static, `return 200` in the same server) as the
# ceiling; then the memory of each responder. A report: figures are
# printed next to their targets, never asserted.
#
# Run by bench/run.sh (STACK_DIR, HTTPS_PORT exported).
set -u

: "${STACK_DIR:?run through bench/run.sh}"
: "${HTTPS_PORT:?run through bench/run.sh}"
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-10s}
BASE=https://127.0.0.1:$HTTPS_PORT
OUT=$STACK_DIR/bench-10
mkdir -p "$OUT"

# wrk_run NAME PATH [WRK-ARGS...]: one measured run, output in OUT/NAME.
wrk_run() {
	local name=$1 path=$2
	shift 2
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" \
	    "$BASE$path" >"$OUT/$name.txt" 2>&1
}

# wrk_field NAME FIELD: rps | p50 | p99 (ms) | requests | errors.
wrk_field() {
	awk -v f="$2" '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/requests in/ { n = $1 }
	/Non-2xx or 3xx responses:/ { bad += $NF }
	/Socket errors:/ {
		for (i = 3; i <= NF; i += 2) { v = $(i + 1); sub(/,/, "", v); bad += v }
	}
	END {
		if (f == "rps") printf "%.0f", rps
		else if (f == "p50") printf "%.2f", p50
		else if (f == "p99") printf "%.2f", p99
		else if (f == "requests") printf "%d", n
		else printf "%d", bad
	}' "$OUT/$1.txt"
}

row() {	# NAME LABEL
	printf '%-34s %10s %9s %9s %10s %7s\n' "$2" "$(wrk_field "$1" rps)" \
	    "$(wrk_field "$1" p50)" "$(wrk_field "$1" p99)" \
	    "$(wrk_field "$1" requests)" "$(wrk_field "$1" errors)"
}

for p in /healthz /__nginx_static /__nginx_upstream; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE$p")
	[ "$code" = 200 ] || echo "note: $p answers $code before the run"
done

echo "warm-up (3 s each)"
wrk -t"$THREADS" -c"$CONNS" -d3s "$BASE/healthz" >/dev/null 2>&1
wrk -t"$THREADS" -c"$CONNS" -d3s "$BASE/__nginx_static" >/dev/null 2>&1

echo "measuring: wrk -t$THREADS -c$CONNS -d$DURATION --latency, TLS, keep-alive"
wrk_run static /__nginx_static
wrk_run upstream /__nginx_upstream
wrk_run healthz /healthz
wrk_run readyz /readyz
wrk_run healthz-close /healthz -H 'Connection: close'
wrk_run static-close /__nginx_static -H 'Connection: close'

echo
printf '%-34s %10s %9s %9s %10s %7s\n' target req/s p50_ms p99_ms requests errors
row static "nginx static (return 200)"
row upstream "nginx proxying to itself (unix)"
row healthz "GET /healthz (agent, FastCGI)"
row readyz "GET /readyz (agent, + SELECT 1)"
row static-close "nginx static, Connection: close"
row healthz-close "GET /healthz, Connection: close"

ratio() {	# A B: A/B in percent
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'
}
echo
echo "healthz / nginx static ceiling, keep-alive:  $(ratio "$(wrk_field healthz rps)" "$(wrk_field static rps)")   (target >= 60%)"
echo "healthz / nginx static ceiling, no keep-alive: $(ratio "$(wrk_field healthz-close rps)" "$(wrk_field static-close rps)")"
echo "nginx upstream ceiling / static:               $(ratio "$(wrk_field upstream rps)" "$(wrk_field static rps)")   (the most any upstream can reach here)"
echo "healthz / nginx upstream ceiling:              $(ratio "$(wrk_field healthz rps)" "$(wrk_field upstream rps)")"

# At least 10k requests to the agent before memory is read.
done_n=$(( $(wrk_field healthz requests) + $(wrk_field readyz requests) +
    $(wrk_field healthz-close requests) ))
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
