#!/bin/bash
# The agent's endpoints through nginx + TLS + keep-alive, each next to
# pgbench running the same statements against the same database at the
# same concurrency in the same run: req/s, p50, p99, and the ratio. A
# report: figures are printed next to their targets, never asserted.
#
#   GET  /v1/conversations/{id}      a whole conversation (20 messages,
#                                    their images, sources, suggestions)
#   GET  /v1/conversations           the first page of 20
#   POST /v1/chat/museum             a turn with the echo model, on one
#                                    of a rotating set of tickets
#   POST /v1/messages/{id}/feedback
#
# The data (bench/agent-seed.sql): BENCH_AGENT_USERS users (1000) x
# BENCH_AGENT_CONVS conversations (20) x BENCH_AGENT_MSGS messages (20),
# written by SQL after the stack's migrations; BENCH_AGENT_TOKENS tokens
# (250) are minted for every (users / tokens)-th user, and wrk
# (bench/agent.lua) and pgbench pick among those users alike. The
# pgbench scripts are made from the agent's own statement tables
# (bench/stmts.c reads fcgi/agent/repo_*.c), with each request's user
# upsert first, in the reads' pipeline as the agent sends it (db_lead()),
# so a change of SQL is measured on both sides.
#
# Chat turns go to the seeded museum tickets (k <= convs / 2), each
# request one of the user's ten, so a turn finds its ticket and its
# conversation and adds two messages, as a visitor's second and later
# questions do; the conversations GET reads are the general ones, which
# no turn touches. Chat runs on the long lane: nginx's location
# /v1/chat goes to the agent_long upstream (one connection per
# request) and AGENT_LONG_WORKERS responders.
#
# pgbench runs twice per endpoint: at the same concurrency (the ratio
# the target is held to) and at the lane's responder count, the most
# connections the agent itself ever uses at once (each responder holds
# one), which is the tougher ceiling for heavy statements: 16 backends
# on 2 CPUs spend up to twice the CPU per transaction of 4.
#
# The machine is shared and drifts, so within each round every endpoint
# runs through the agent and through pgbench back to back (the order
# flipping each round), and each ratio is the median of the rounds'.
# Beside req/s the report gives the CPU each process group (client,
# nginx, agent, PostgreSQL) spent per request, which does not move with
# the rest of the machine's load and says where a ratio comes from.
#
# Run by bench/run.sh (STACK_DIR, BUILD exported, the stack's env in
# STACK_DIR/env).
set -u

: "${STACK_DIR:?run through bench/run.sh}"
# shellcheck disable=SC1091
. "$STACK_DIR/env"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_settings
CONNS=${BENCH_AGENT_CONNECTIONS:-16}
USERS=${BENCH_AGENT_USERS:-1000}
CONVS=${BENCH_AGENT_CONVS:-20}
MSGS=${BENCH_AGENT_MSGS:-20}
NTOK=${BENCH_AGENT_TOKENS:-250}
STRIDE=$((USERS / NTOK))
OUT=$STACK_DIR/bench-40
KID=bench-40
ENDPOINTS=${BENCH_AGENT_ENDPOINTS:-conv list chat feedback}

for m in $ENDPOINTS; do
	case $m in conv|list|chat|feedback) ;;
	*) die "BENCH_AGENT_ENDPOINTS: no endpoint '$m' (conv list chat feedback)" ;;
	esac
done
[ "$STRIDE" -ge 1 ] && [ "$CONVS" -ge 2 ] && [ "$CONVS" -le 99 ] &&
    [ "$MSGS" -ge 2 ] && [ "$MSGS" -le 99 ] ||
    die "need tokens <= users, 2 <= convs, msgs <= 99"
command -v pgbench >/dev/null || die "pgbench is not installed (make deps)"
command -v psql >/dev/null || die "psql is not installed (make deps)"
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.log "$OUT"/*.log.* "$OUT"/*.time "$OUT"/*.cpu \
    "$OUT"/pg-*

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"
}

# --- the statement reader ---------------------------------------------
# shellcheck disable=SC2046
stmts_build() {
	local cf r
	cf="-std=c11 -D_GNU_SOURCE -O1 -I$ROOT/fcgi/core -I$ROOT/fcgi/agent"
	cf="$cf $(pkg-config --cflags libpq json-c)"
	[ -n "$san" ] && cf="$cf -fsanitize=address,undefined"
	for r in visitors conversations messages runs tickets; do
		cc $cf -DREPO_FILE="\"repo_$r.c\"" -DREPO_TABLE="stmts_$r" \
		    -c -o "$OUT/stmts-$r.o" "$ROOT/bench/stmts.c" || return 1
	done
	cc $cf -DSTMTS_MAIN -c -o "$OUT/stmts-main.o" "$ROOT/bench/stmts.c" &&
	cc ${san:+-fsanitize=address,undefined} -o "$OUT/stmts" \
	    "$OUT"/stmts-*.o "$BDIR/lib/libcore.a" \
	    $(make -s -C "$ROOT" --no-print-directory print-ldlibs)
}
stmts_build >"$OUT/stmts-build.log" 2>&1 ||
    die "cannot build bench/stmts.c: $(tail -n 5 "$OUT/stmts-build.log")"
STMTS=$OUT/stmts

# --- the agent's own database concurrency ----------------------------
# Each responder holds one connection, so the agent never runs more
# statements at once than a lane has responders; pgbench also runs at
# that count, as the ceiling of the agent's own connection use.
lane_of() {	# PID: the lane (short, long) whose socket the responder holds
	local ino
	ino=$(ls -l "/proc/$1/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' '|')
	awk -v i="|$ino" '$NF ~ /agent(-long)?\.sock$/ && index(i, "|" $7 "|") {
	    n = split($NF, p, "/"); print (p[n] == "agent-long.sock" ? "long" : "short"); exit }' \
	    /proc/net/unix
}
count_lanes() {	# sets N_SHORT and N_LONG from the running responders
	local c
	N_SHORT=0
	N_LONG=0
	for c in $(pgrep -P "$(cat "$STACK_DIR/agent.pid" 2>/dev/null)"); do
		case $(lane_of "$c") in
		short) N_SHORT=$((N_SHORT + 1)) ;;
		long) N_LONG=$((N_LONG + 1)) ;;
		esac
	done
}
# bench/10-healthz.sh leaves the agent with one responder per CPU; the
# agent is measured with the counts bench/run.sh started it with.
count_lanes
if [ "$N_SHORT" != "${AGENT_WORKERS:-$N_SHORT}" ] ||
    [ "$N_LONG" != "${AGENT_LONG_WORKERS:-$N_LONG}" ]; then
	echo "restarting the agent with $AGENT_WORKERS + ${AGENT_LONG_WORKERS:-?}" \
	    "responders (it had $N_SHORT + $N_LONG)"
	"$ROOT/scripts/stack.sh" restart-agent "$STACK_DIR" >"$OUT/restart.log" 2>&1 ||
	    die "the agent did not restart: $(tail -n 5 "$OUT/restart.log")"
	count_lanes
fi
[ "$N_SHORT" -gt 0 ] && [ "$N_LONG" -gt 0 ] ||
    die "no responders found for the agent's lanes ($N_SHORT short," \
    "$N_LONG long)"
lane_conns() {	# MODE: the responders of its lane
	if [ "$1" = chat ]; then echo "$N_LONG"; else echo "$N_SHORT"; fi
}

# --- the data ------------------------------------------------------------
echo "seeding $USERS users x $CONVS conversations x $MSGS messages"
t0=$(date +%s)
psql_q -v users="$USERS" -v convs="$CONVS" -v msgs="$MSGS" \
    -f "$ROOT/bench/agent-seed.sql" >"$OUT/seed.log" 2>&1 ||
    die "seeding failed: $(tail -n 5 "$OUT/seed.log")"
got=$(psql_q -c "SELECT count(*) FROM messages")
[ "$got" = $((USERS * CONVS * MSGS)) ] ||
    die "seeding left $got messages, not $((USERS * CONVS * MSGS))"
echo "  seeded in $(($(date +%s) - t0)) s: $(psql_q -c "SELECT
    pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c
    WHERE c.relname IN ('users', 'tickets', 'conversations', 'runs',
    'messages', 'message_images', 'message_sources',
    'message_suggestions')") with indexes"
# The seed leaves half a gigabyte of dirty pages. Written now, not
# through the measured rounds: a checkpoint of that size is spread over
# minutes (checkpoint_completion_target), and it and the kernel's
# writeback stretched every tail the rounds measured.
t0=$(date +%s)
psql_q -c CHECKPOINT >/dev/null 2>&1 ||
    echo "  (CHECKPOINT refused: the rounds may overlap the seed's writes)"
sync
echo "  written out in $(($(date +%s) - t0)) s (CHECKPOINT, sync)"

# --- tokens the agent trusts (extra_jwks.json, re-read within seconds) ---
bench_key
# mint_one I: '{"token", u},' for the I-th bench user, whose claims are
# those the auth service puts in its tokens (no email: see upsert below).
mint_one() {
	local u=$(($1 * STRIDE + 1)) c t
	c='{"sub":"'$((1000000000000000000 + u))'","iss":"bench",'
	c=$c'"full_name":"Bench Visitor","location":"Lisbon","exp":'$EXP'}'
	t=$("$MINT" token "$OUT/key.pem" "$KID" "$c") && echo "{\"$t\", $u},"
}
EXP=$(($(date +%s) + 7200))
export MINT OUT KID STRIDE EXP
export -f mint_one
seq 0 $((NTOK - 1)) | xargs -P 4 -I{} bash -c 'mint_one {}' \
    >"$OUT/tokens.body" || die "cannot mint the tokens"
{ echo "return {"; cat "$OUT/tokens.body"; echo "}"; } >"$OUT/tokens.lua"
[ "$(grep -c '^{' "$OUT/tokens.lua")" = "$NTOK" ] ||
    die "minted $(grep -c '^{' "$OUT/tokens.lua") tokens, not $NTOK"
TOK1=$(sed -n 2p "$OUT/tokens.lua" | cut -d'"' -f2)
U1=$(sed -n 2p "$OUT/tokens.lua" | sed 's/.*, *\([0-9]*\)},/\1/')

# --- the pgbench scripts: the agent's statements, in its order ----------
# sql NAME ARG...: statement NAME with its $n as ARGn, for pgbench.
sql() {
	"$STMTS" pgbench "$@" || die "bench/stmts.c: no usable statement '$1'"
}

# The claims of the bench tokens: full_name and location; the other
# five are absent, so the agent sends NULL for them, written here as
# NULL literals (a pgbench variable cannot be NULL).
pick_user='\set i random(0, '$((NTOK - 1))')
\set u :i * '$STRIDE' + 1
\set uid 1000000000000000000 + :u'
upsert="$(sql visitors_upsert :uid NULL :full_name :location NULL NULL NULL NULL);"

cat >"$OUT/pg-conv.sql" <<-EOF
$pick_user
\\set k random($((CONVS / 2 + 1)), $CONVS)
\\set cid 2000000000000000000 + :u * 100 + :k
\\startpipeline
$upsert
$(sql conv_get :cid :uid);
$(sql conv_messages :cid :uid);
$(sql conv_images :cid :uid);
$(sql conv_sources :cid :uid);
$(sql conv_suggestions :cid :uid);
\\endpipeline
EOF

# The first page: no cursor is 'infinity' and an empty id; the limit
# is one more than the page. pgbench takes no empty -D value, so each
# client sets it once with \gset.
cat >"$OUT/pg-list.sql" <<-EOF
$pick_user
\\if :first
SELECT '' AS after \\gset
\\set first 0
\\endif
\\startpipeline
$upsert
$(sql conv_list :uid :start :after :limit);
\\endpipeline
EOF

cat >"$OUT/pg-chat.sql" <<-EOF
$pick_user
\\set k random(1, $((CONVS / 2)))
\\set tid 2000000000000000000 + :u * 100 + :k
\\set history 40
\\set tokens 9
\\set cost 0
$upsert
BEGIN;
$(sql tickets_insert :tid :uid);
$(sql tickets_owner :tid :uid);
$(sql conv_museum :tid :uid :message);
$(sql conv_mode :tid :uid);
$(sql conv_lock :tid :uid);
$(sql msg_history :tid :history);
$(sql runs_start :tid :uid :model) \\gset run_
$(sql msg_append :tid :run_id :role_user NULL NULL :message);
$(sql conv_touch :tid);
COMMIT;
BEGIN;
$(sql conv_lock :tid :uid);
$(sql msg_append_run :tid :run_id :answer);
$(sql runs_finish :run_id :status :model :tokens :tokens :cost NULL);
$(sql conv_touch :tid);
COMMIT;
EOF

cat >"$OUT/pg-feedback.sql" <<-EOF
$pick_user
\\set k random(1, $CONVS)
\\set s 2 * random(1, $((MSGS / 2)))
\\set mid 3000000000000000000 + (:u * 100 + :k) * 100 + :s
$upsert
$(sql msg_feedback :mid :uid :feedback);
EOF

PGB_VARS=(-D "full_name=Bench Visitor" -D location=Lisbon -D start=infinity
    -D limit=21 -D first=1 -D model=echo -D status=success -D role_user=user
    -D feedback=like
    -D "message=Which paintings hang in this room and who made them?"
    -D 'answer=[{"role":"assistant","text":"Which paintings hang in this room and who made them?"}]')

# --- CPU accounting ---------------------------------------------------
# What each side spends per request says why a ratio is what it is, and
# unlike req/s it does not move with the other load on the machine.
# cpu_ticks: "nginx agent postgres" CPU clock ticks so far: the nginx
# workers, every agent responder, and PostgreSQL (live processes plus
# the exited backends the postmaster has reaped: its cutime/cstime).
PG_MASTER=$(head -n 1 "$STACK_DIR/pg/data/postmaster.pid" 2>/dev/null)
HZ=$(getconf CLK_TCK)
TIMEFORMAT='%3U %3S'
cpu_ticks() {
	cpu_ticks_of "$(cat "$STACK_DIR/nginx/nginx.pid" 2>/dev/null)" \
	    "$(cat "$STACK_DIR/agent.pid" 2>/dev/null)" "$PG_MASTER"
}
# Context switches of the whole machine (/proc/stat): a request through
# the service crosses four processes where pgbench's crosses two, and
# this says how often they hand over (docs/performance.md, item 14).
switches() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }
cpu_delta() {	# BEFORE AFTER: the three deltas in seconds
	awk -v a="$1" -v b="$2" -v hz="$HZ" 'BEGIN {
	    split(a, x, " "); split(b, y, " ")
	    printf "%.2f %.2f %.2f\n", (y[1] - x[1]) / hz, (y[2] - x[2]) / hz,
		(y[3] - x[3]) / hz }'
}

# --- one measured run of each kind ----------------------------------------
# wrk_run NAME MODE [SECS]: the agent, output in OUT/NAME.txt.
wrk_run() {
	local t0 s0
	t0=$(cpu_ticks) s0=$(switches)
	{ time wrk -t"$THREADS" -c"$CONNS" -d"${3:-$SECS}s" --latency \
	    -s "$ROOT/bench/agent.lua" "$BASE" -- "$2" "$OUT/tokens.lua" \
	    "$CONVS" "$MSGS" >"$OUT/$1.txt" 2>&1; } 2>"$OUT/$1.time"
	cpu_delta "$t0" "$(cpu_ticks)" >"$OUT/$1.cpu"
	echo $(($(switches) - s0)) >"$OUT/$1.cs"
}

# pgb_run NAME MODE [SECS] [CLIENTS] [RATE]: pgbench, summary in
# OUT/NAME.txt, one latency a transaction in OUT/NAME.log.* (-l); with
# RATE, paced to that many transactions a second (-R).
pgb_run() {
	local t0 s0
	t0=$(cpu_ticks) s0=$(switches)
	{ time pgbench -n -M prepared -c "${4:-$CONNS}" -j "$PGB_THREADS" \
	    ${5:+-R "$5"} -T "${3:-$SECS}" -l --log-prefix="$OUT/$1.log" \
	    "${PGB_VARS[@]}" -f "$OUT/pg-$2.sql" "$DATABASE_URL" \
	    >"$OUT/$1.txt" 2>&1 ||
	    echo "pgbench exit $?" >>"$OUT/$1.txt"; } 2>"$OUT/$1.time"
	cpu_delta "$t0" "$(cpu_ticks)" >"$OUT/$1.cpu"
	echo $(($(switches) - s0)) >"$OUT/$1.cs"
}

# field NAME rps|p50|p99|requests|errors: of a wrk or pgbench run.
field() {
	if [ -n "$(ls "$OUT/$1".log.* 2>/dev/null)" ]; then
		pgb_field "$@"
	else
		wrk_field "$@"
	fi
}

# pgbench: tps without the connection time; percentiles from the
# per-transaction log (its third column, in microseconds).
pgb_field() {
	case $2 in
	rps)
		awk '/^tps = / { printf "%.0f", $3 }' "$OUT/$1.txt" ;;
	requests)
		cat "$OUT/$1".log.* | wc -l ;;
	errors)
		awk '/^number of failed transactions:/ { n += $5 }
		    /aborted|exit [0-9]/ { n++ }
		    END { printf "%d", n }' "$OUT/$1.txt" ;;
	p50|p99)
		cat "$OUT/$1".log.* | awk '{ print $3 / 1000 }' | sort -n |
		    awk -v p="${2#p}" '{ v[NR] = $1 } END {
			if (NR == 0) { print 0; exit }
			i = int(NR * p / 100 + 0.999); if (i < 1) i = 1
			printf "%.2f", v[i] }' ;;
	esac
}

per_round() {	# MODE [PREFIX]: each round's agent/pgbench ratio, one a line
	local r
	for r in $(seq "$ROUNDS"); do
		ratio "$(field "agent-$1-$r" rps)" "$(field "${2:-pg}-$1-$r" rps)"
		echo
	done
}

median_round() {	# MODE: the round whose ratio is the median
	local r
	for r in $(seq "$ROUNDS"); do
		echo "$(ratio "$(field "agent-$1-$r" rps)" \
		    "$(field "pg-$1-$r" rps)") $r"
	done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }'
}

# --- each endpoint answers before anything is measured ----------------
# The key is trusted once extra_jwks.json has been re-read.
api() {	# METHOD PATH [BODY]: prints the status
	curl -sk -o "$OUT/answer.json" -w '%{http_code}' -X "$1" \
	    -H "Authorization: Bearer $TOK1" \
	    ${3:+-H 'Content-Type: application/json' --data-binary "$3"} \
	    "$BASE$2"
}
cid() { printf '2%018d' $((U1 * 100 + $1)); }
MID1=$(printf '3%018d' $(((U1 * 100 + 1) * 100 + 2)))
expect_200() {	# METHOD PATH [BODY]
	local code
	code=$(api "$@")
	[ "$code" = 200 ] ||
	    die "$1 $2 answers $code: $(head -c 300 "$OUT/answer.json")"
}
n=0
until [ "$(api GET /v1/conversations)" = 200 ]; do
	n=$((n + 1))
	[ "$n" -ge 60 ] && expect_200 GET /v1/conversations
	sleep 0.5
done
expect_200 GET "/v1/conversations/$(cid "$CONVS")"
n=$(grep -o '"seq":' "$OUT/answer.json" | wc -l)
[ "$n" = "$MSGS" ] ||
    die "a seeded conversation reads back with $n messages, not $MSGS"
expect_200 POST /v1/chat/museum \
    "{\"ticket_id\":\"$(cid 1)\",\"message\":\"hello\"}"
expect_200 POST "/v1/messages/$MID1/feedback" '{"feedback":"like"}'
for m in $ENDPOINTS; do
	pgbench -n -M prepared -c 1 -t 3 "${PGB_VARS[@]}" -f "$OUT/pg-$m.sql" \
	    "$DATABASE_URL" >"$OUT/check-pg-$m.log" 2>&1 ||
	    die "the pgbench script $OUT/pg-$m.sql fails:" \
	    "$(grep -m 3 -i error "$OUT/check-pg-$m.log")"
done

# --- the plans the statements get -------------------------------------
# Generic plans, as the agent's prepared statements get after their
# fifth run, on the first bench user's data; EXPLAIN ANALYZE in
# OUT/explain.txt, the indexes each plan reads below the figures.
explain() {	# LABEL NAME ARG...
	local l=$1 n=$2
	shift 2
	echo "PREPARE $n AS $("$STMTS" raw "$n");"
	echo "\\echo == $l ($*)"
	echo "EXPLAIN (ANALYZE, BUFFERS) EXECUTE $n($(IFS=,; echo "$*"));"
	echo "DEALLOCATE $n;"
}
uid1="'$((1000000000000000000 + U1))'"
c_read="'$(cid "$CONVS")'"
{
	echo "SET plan_cache_mode = force_generic_plan;"
	explain conv_list conv_list "$uid1" "'infinity'" "''" "'21'"
	explain "conv_list/cursor" conv_list "$uid1" \
	    "'2026-01-15T12:00:00.000000'" "'$(cid 5)'" "'21'"
	for s in conv_get conv_messages conv_images conv_sources \
	    conv_suggestions; do
		explain "$s" "$s" "$c_read" "$uid1"
	done
	echo "BEGIN;"
	explain conv_lock conv_lock "'$(cid 1)'" "$uid1"
	explain msg_history msg_history "'$(cid 1)'" "'40'"
	explain msg_append msg_append "'$(cid 1)'" NULL "'user'" NULL NULL \
	    "'x'"
	explain msg_feedback msg_feedback "'$MID1'" "$uid1" "'like'"
	echo "ROLLBACK;"
} | psql -X -q -d "$DATABASE_URL" >"$OUT/explain.txt" 2>&1

# --- warm-up, then the rounds ------------------------------------------
echo "warm-up (3 s each, through the agent and pgbench)"
for m in $ENDPOINTS; do
	wrk_run "warm-agent-$m" "$m" 3
	pgb_run "warm-pg-$m" "$m" 3
	pgb_run "warm-pgl-$m" "$m" 3 "$(lane_conns "$m")"
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo "measuring: $CONNS connections (wrk -t$THREADS, pgbench" \
    "-j$PGB_THREADS), ${SECS}s a run," \
    "$ROUNDS rounds; wrk through nginx + TLS + keep-alive, pgbench" \
    "-M prepared over TCP at $CONNS and at the lane's responders" \
    "($N_SHORT short, $N_LONG long)"
for r in $(seq "$ROUNDS"); do
	for m in $ENDPOINTS; do
		if [ $((r % 2)) = 1 ]; then
			wrk_run "agent-$m-$r" "$m"
			pgb_run "pg-$m-$r" "$m"
			pgb_run "pgl-$m-$r" "$m" "$SECS" "$(lane_conns "$m")"
		else
			pgb_run "pgl-$m-$r" "$m" "$SECS" "$(lane_conns "$m")"
			pgb_run "pg-$m-$r" "$m"
			wrk_run "agent-$m-$r" "$m"
		fi
	done
done
# Each endpoint's median round, which the paced run and the report use.
declare -A MEDIAN	# endpoint -> its median round
for m in $ENDPOINTS; do
	MEDIAN[$m]=$(median_round "$m")
done
# PostgreSQL's CPU per transaction depends on how busy it is: saturated
# by pgbench it runs transactions back to back; behind the service it
# runs at the service's rate, with the CPUs switching between it and
# the rest of the stack. pgbench once more per endpoint, paced to the
# agent's median rate, shows what its statements cost PostgreSQL at
# that rate (docs/performance.md, item 15).
for m in $ENDPOINTS; do
	rate=$(field "agent-$m-${MEDIAN[$m]}" rps)
	[ "${rate:-0}" -gt 0 ] 2>/dev/null &&
	    pgb_run "pgr-$m" "$m" "$SECS" "$CONNS" "$rate"
done

# --- the report ------------------------------------------------------------
label() {
	case $1 in
	conv) echo "GET /v1/conversations/{id}" ;;
	list) echo "GET /v1/conversations" ;;
	chat) echo "POST /v1/chat/museum (echo)" ;;
	feedback) echo "POST /v1/messages/{id}/feedback" ;;
	esac
}

# A paced run's latencies include the wait for its (Poisson) schedule,
# so they are left out.
row() {	# RUN LABEL VIA
	local p50=- p99=-
	case $1 in pgr-*) ;; *) p50=$(field "$1" p50) p99=$(field "$1" p99) ;; esac
	printf '%-38s %-8s %8s %8s %8s %9s %6s\n' "$2" "$3" \
	    "$(field "$1" rps)" "$p50" "$p99" \
	    "$(field "$1" requests)" "$(field "$1" errors)"
}

echo
printf '%-38s %-8s %8s %8s %8s %9s %6s\n' "median round of $ROUNDS" via \
    req/s p50_ms p99_ms requests errors
for m in $ENDPOINTS; do
	mr=${MEDIAN[$m]}
	row "agent-$m-$mr" "$(label "$m") [r$mr]" agent
	row "pg-$m-$mr" "" "pgb -c$CONNS"
	row "pgl-$m-$mr" "" "pgb -c$(lane_conns "$m")"
	[ -f "$OUT/pgr-$m.txt" ] && row "pgr-$m" "" "pgb -R"
done

echo
echo "CPU per request in the same median rounds, microseconds (all of the"
echo "stack's processes: the load generator too shares the 2 CPUs), and"
echo "the machine's context switches per request"
printf '%-38s %-8s %8s %8s %8s %9s %8s %9s\n' "" via client nginx agent \
    postgres total switches
cpu_row() {	# RUN LABEL VIA
	printf '%-38s %-8s ' "$2" "$3"
	awk -v n="$(field "$1" requests)" -v s="$(cat "$OUT/$1.cs" 2>/dev/null)" '
	    NR == FNR { c = $1 + $2; next }
	    { if (n == 0) n = 1
	      printf "%8.0f %8.0f %8.0f %9.0f %8.0f %9.2f\n", c * 1e6 / n,
		$1 * 1e6 / n, $2 * 1e6 / n, $3 * 1e6 / n,
		(c + $1 + $2 + $3) * 1e6 / n, s / n }' \
	    "$OUT/$1.time" "$OUT/$1.cpu"
}
for m in $ENDPOINTS; do
	mr=${MEDIAN[$m]}
	cpu_row "agent-$m-$mr" "$(label "$m") [r$mr]" agent
	cpu_row "pg-$m-$mr" "" "pgb -c$CONNS"
	cpu_row "pgl-$m-$mr" "" "pgb -c$(lane_conns "$m")"
	[ -f "$OUT/pgr-$m.txt" ] && cpu_row "pgr-$m" "" "pgb -R"
done

echo
echo "ratios agent / pgbench at $CONNS connections, median of $ROUNDS rounds" \
    "(target >= 50% each)"
for m in $ENDPOINTS; do
	printf '  %-38s %6s%%   (rounds: %s)\n' "$(label "$m")" \
	    "$(per_round "$m" | median)" "$(per_round "$m" | tr '\n' ' ')"
done
echo "agent / pgbench at the lane's responder count, the agent's own" \
    "connection use (no target)"
for m in $ENDPOINTS; do
	printf '  %-38s %6s%%   (rounds: %s)\n' \
	    "$(label "$m"), -c$(lane_conns "$m")" \
	    "$(per_round "$m" pgl | median)" \
	    "$(per_round "$m" pgl | tr '\n' ' ')"
done

echo
echo "read p99 at $CONNS connections, median of $ROUNDS rounds" \
    "(target <= 10 ms)"
p99s() {	# MODE: each round's p99 of the agent, one a line
	local r
	for r in $(seq "$ROUNDS"); do
		field "agent-$1-$r" p99
		echo
	done
}
for m in $ENDPOINTS; do
	case $m in conv|list) ;; *) continue ;; esac
	printf '  %-38s %6s ms (rounds: %s)\n' "$(label "$m")" \
	    "$(p99s "$m" | median)" "$(p99s "$m" | tr '\n' ' ')"
done

echo
echo "indexes the statements' generic plans read (EXPLAIN ANALYZE: $OUT/explain.txt)"
awk '
/^== / { if (name != "") print line; name = $2; line = sprintf("  %-28s", name); seen = "" ; next }
/Index (Only )?Scan (Backward )?using|Bitmap Index Scan on/ {
	for (i = 1; i <= NF; i++) if ($i == "using" || $i == "on") { ix = $(i + 1); break }
	if (index(seen, " " ix " ") == 0) { line = line " " ix; seen = seen " " ix " " }
}
/Seq Scan on/ { for (i = 1; i <= NF; i++) if ($i == "on") { line = line " SEQ-SCAN(" $(i + 1) ")"; break } }
END { if (name != "") print line }' "$OUT/explain.txt"

# --- memory: every agent responder, short and long lane -----------------
echo
echo "agent responders after the run (target VmRSS <= 10 MB each)"
printf '  %-8s %-6s %10s %10s %8s\n' pid lane VmRSS_MB VmHWM_MB "<= 10 MB"
master=$(cat "$STACK_DIR/agent.pid" 2>/dev/null)
for c in $(pgrep -P "${master:?no agent master}"); do
	awk -v p="$c" -v l="$(lane_of "$c")" '
	    /^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
	    END { printf "  %-8d %-6s %10.1f %10.1f %8s\n", p, (l == "" ? "?" : l),
		r / 1024, h / 1024, (r <= 10240 ? "yes" : "NO") }' "/proc/$c/status"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw output: $OUT/"
