#!/bin/bash
# The museum guide (MODEL_PROVIDER=builtin) next to the echo model,
# through nginx + TLS, on the same stack and data in the same run. A
# report: figures are printed next to their targets, never asserted.
#
#   throughput  POST /v1/chat/museum, not streamed, wrk -c16 on the long
#               lane (bench/guide.lua): BENCH_GUIDE_TOKENS visitors (16),
#               four tickets each, new for every run, asking the
#               questions visitors ask (a work, an artist, a room, the
#               hours, a misspelling, a follow-up, something the museum
#               does not have). The agent is restarted with each model
#               before its run; the order flips each round, and the
#               ratio is the median of the rounds' builtin/echo ratios.
#               Beside req/s, the CPU the agent's responders and
#               PostgreSQL spent per turn, which says where the builtin
#               guide's cost goes (its catalogue searches).
#   first delta one visitor streaming BENCH_GUIDE_TURNS turns (200) one
#               after another on one keep-alive connection
#               (bench/first_delta.py), nothing else running: from
#               sending the request to the first `delta` event, and to
#               the end of the stream; p50, p99, max.
#
# Targets: builtin >= 50 % of echo's req/s; first delta <= 20 ms p99 on
# an idle machine. The agent is left on the model it had (echo, from
# bench/run.sh). Run by bench/run.sh (STACK_DIR, BUILD exported, the
# stack's env in STACK_DIR/env).
set -u

: "${STACK_DIR:?run through bench/run.sh}"
# shellcheck disable=SC1091
. "$STACK_DIR/env"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_settings
CONNS=${BENCH_GUIDE_CONNECTIONS:-16}
NTOK=${BENCH_GUIDE_TOKENS:-16}
TURNS=${BENCH_GUIDE_TURNS:-200}
OUT=$STACK_DIR/bench-45
KID=bench-45
START_MODEL=${MODEL_PROVIDER:-echo}

case $NTOK$TURNS in *[!0-9]*) die "BENCH_GUIDE_TOKENS and BENCH_GUIDE_TURNS are counts" ;; esac
[ "$NTOK" -ge 1 ] && [ "$TURNS" -ge 10 ] ||
    die "need at least 1 token and 10 turns"
command -v python3 >/dev/null || die "python3 is not installed (make deps)"
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.log "$OUT"/*.cpu "$OUT"/*.ms

# --- tokens the agent trusts (extra_jwks.json, re-read within seconds) ---
bench_key
EXP=$(($(date +%s) + 7200))
{
	echo "return {"
	for u in $(seq "$NTOK"); do
		t=$("$MINT" token "$OUT/key.pem" "$KID" \
		    '{"sub":"bench-guide-'"$u"'","iss":"bench","full_name":"Bench Visitor","exp":'"$EXP"'}') ||
		    die "cannot mint a token"
		echo "{\"$t\", $u},"
	done
	echo "}"
} >"$OUT/tokens.lua"
TOK1=$(sed -n 2p "$OUT/tokens.lua" | cut -d'"' -f2)

# --- the agent on one model or the other ----------------------------------
api() {	# METHOD PATH [BODY]: prints the status, the body in OUT/answer.json
	curl -sk -o "$OUT/answer.json" -w '%{http_code}' -X "$1" \
	    -H "Authorization: Bearer $TOK1" \
	    ${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
	    "$BASE$2"
}

# use_model MODEL: the agent restarted with it, answering a turn as that
# model (the run's model name says which).
use_model() {
	local n=0 t="g45-check-$1-$RANDOM"
	MODEL_PROVIDER=$1 "$ROOT/scripts/stack.sh" restart-agent "$STACK_DIR" \
	    >"$OUT/restart.log" 2>&1 ||
	    die "the agent did not restart with $1: $(tail -n 5 "$OUT/restart.log")"
	until [ "$(api POST /v1/chat/museum "{\"ticket_id\":\"$t\",\"message\":\"Where is the Night Watch?\"}")" = 200 ]; do
		n=$((n + 1))
		[ "$n" -ge 60 ] &&
		    die "a $1 turn answers: $(head -c 300 "$OUT/answer.json")"
		sleep 0.5
	done
	[ "$(api GET "/v1/conversations/$t/runs")" = 200 ] ||
	    die "the runs of $t: $(head -c 300 "$OUT/answer.json")"
	MODEL_NAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["model"])' "$OUT/answer.json")
}

# --- CPU of the agent's responders and of PostgreSQL (with its reaped
# backends), in clock ticks ----------------------------------------------
PG_MASTER=$(head -n 1 "$STACK_DIR/pg/data/postmaster.pid" 2>/dev/null)
HZ=$(getconf CLK_TCK)
cpu_ticks() {	# the agent's and PostgreSQL's ticks so far
	cpu_ticks_of "$(cat "$STACK_DIR/agent.pid" 2>/dev/null)" "$PG_MASTER"
}

# wrk_run NAME TAG [SECS]: museum turns, output in OUT/NAME.txt, the
# CPU per turn (agent, PostgreSQL; microseconds) in OUT/NAME.cpu.
wrk_run() {
	local t0 t1
	t0=$(cpu_ticks)
	wrk -t"$THREADS" -c"$CONNS" -d"${3:-$SECS}s" --latency \
	    -s "$ROOT/bench/guide.lua" "$BASE" -- "$OUT/tokens.lua" "$2" \
	    "$ROOT/bench/guide-questions.txt" \
	    >"$OUT/$1.txt" 2>&1
	t1=$(cpu_ticks)
	awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$(wrk_field "$1" requests)" 'BEGIN {
	    split(a, x, " "); split(b, y, " "); if (n < 1) n = 1
	    printf "%.0f %.0f\n", (y[1] - x[1]) / hz * 1e6 / n,
		(y[2] - x[2]) / hz * 1e6 / n }' >"$OUT/$1.cpu"
}

# first_delta NAME TAG: TURNS streamed turns, "first total" ms a line.
first_delta() {
	python3 "$ROOT/bench/first_delta.py" "$BASE" "$DATALAND_CA" "$TOK1" \
	    "$2-w" 10 >/dev/null &&
	python3 "$ROOT/bench/first_delta.py" "$BASE" "$DATALAND_CA" "$TOK1" \
	    "$2" "$TURNS" >"$OUT/$1.ms" ||
	    die "streamed turns failed ($1)"
}

pct() {	# P COLUMN FILE: the P-th percentile (nearest rank) of a column
	awk -v c="$2" '{ print $c }' "$3" | sort -n | awk -v p="$1" '
	    { v[NR] = $1 } END { if (NR == 0) { print 0; exit }
	    i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] }'
}

# --- measuring ---------------------------------------------------------------
echo "museum chat, builtin guide vs echo: wrk -t$THREADS -c$CONNS" \
    "-d${SECS}s, $NTOK visitors x 4 new tickets a run, $ROUNDS rounds"
declare -A NAME
run_id=$(date +%s)
for r in $(seq "$ROUNDS"); do
	order="echo builtin"
	[ $((r % 2)) = 0 ] && order="builtin echo"
	for m in $order; do
		use_model "$m"
		NAME[$m]=$MODEL_NAME
		wrk_run "warm-$m-$r" "$run_id-w$m$r" 2
		wrk_run "$m-$r" "$run_id-$m$r"
		printf '  round %d %-8s %6s req/s  p50 %6s ms  p99 %7s ms  errors %s\n' \
		    "$r" "$m" "$(wrk_field "$m-$r" rps)" "$(wrk_field "$m-$r" p50)" \
		    "$(wrk_field "$m-$r" p99)" "$(wrk_field "$m-$r" errors)"
	done
done

echo "time to first delta: one visitor, $TURNS streamed turns in a row"
for m in builtin echo; do
	use_model "$m"
	first_delta "first-$m" "$run_id-f$m"
done
[ "$START_MODEL" = echo ] || use_model "$START_MODEL"

# --- the report ---------------------------------------------------------------
per_round() {
	local r
	for r in $(seq "$ROUNDS"); do
		ratio "$(wrk_field "builtin-$r" rps)" "$(wrk_field "echo-$r" rps)"
		echo
	done
}
RATIO=$(per_round | median)
MID=$(for r in $(seq "$ROUNDS"); do
	echo "$(ratio "$(wrk_field "builtin-$r" rps)" "$(wrk_field "echo-$r" rps)") $r"
done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }')

echo
echo "POST /v1/chat/museum, not streamed (the median round, $MID of $ROUNDS):"
printf '%-26s %9s %8s %8s %9s %6s %10s %10s\n' model req/s 'p50 ms' \
    'p99 ms' requests errors 'agent µs' 'PG µs'
for m in echo builtin; do
	read -r ca cp <"$OUT/$m-$MID.cpu"
	printf '%-26s %9s %8s %8s %9s %6s %10s %10s\n' \
	    "$m (${NAME[$m]})" "$(wrk_field "$m-$MID" rps)" \
	    "$(wrk_field "$m-$MID" p50)" "$(wrk_field "$m-$MID" p99)" \
	    "$(wrk_field "$m-$MID" requests)" "$(wrk_field "$m-$MID" errors)" \
	    "$ca" "$cp"
done
echo "builtin / echo req/s: $RATIO % (median of the rounds':" \
    "$(per_round | tr '\n' ' ')) (target >= 50 %)"
echo
echo "streamed, one visitor, $TURNS turns (ms):"
printf '%-10s %12s %12s %12s %12s %12s\n' model 'first p50' 'first p99' \
    'first max' 'whole p50' 'whole p99'
for m in builtin echo; do
	printf '%-10s %12s %12s %12s %12s %12s\n' "$m" \
	    "$(pct 50 1 "$OUT/first-$m.ms")" "$(pct 99 1 "$OUT/first-$m.ms")" \
	    "$(pct 100 1 "$OUT/first-$m.ms")" "$(pct 50 2 "$OUT/first-$m.ms")" \
	    "$(pct 99 2 "$OUT/first-$m.ms")"
done
echo "builtin first delta p99: $(pct 99 1 "$OUT/first-builtin.ms") ms" \
    "(target <= 20 ms on an idle machine; load average now" \
    "$(cut -d' ' -f1 /proc/loadavg))"
