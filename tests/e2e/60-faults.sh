#!/bin/bash
# Faults are first-class (STYLE.md §10): the boot guard and the pool
# budget refuse to start, a responder killed with SIGKILL is replaced,
# PostgreSQL going away and coming back is 503 then 200 without a
# restart, and SIGTERM lets the request in hand finish.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

DEV_URL=postgresql://dataland:dataland@localhost:5432/dataland

# refuses OUT-PREFIX SOCKET CMD...: CMD exits non-zero by itself within
# 20 s, and SOCKET is not left accepting connections.
refuses() {
	local out=$1 sock=$2 rc
	shift 2
	timeout 20 "$@" >"$T/$out.out" 2>"$T/$out.err"
	rc=$?
	[ $rc -ne 124 ] || fail "still running after 20 s (not refused)" ||
	    return 1
	[ $rc -ne 0 ] || fail "exited 0" || return 1
	if [ -S "$sock" ] && "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])' "$sock" 2>/dev/null; then
		fail "'$sock' still accepts connections"
		return 1
	fi
	echo "exit $rc; stderr: $(head -c 600 "$T/$out.err")"
}

# stderr_has OUT-PREFIX ERE...: each ERE (case-insensitive) is on stderr.
stderr_has() {
	local f=$T/$1.err
	shift
	for re in "$@"; do
		grep -Eqi -- "$re" "$f" ||
		    { fail "stderr lacks /$re/:"; cat "$f" >&2; return 1; }
	done
}

# stderr_one_line OUT-PREFIX: exactly one non-empty line on stderr.
stderr_one_line() {
	local n
	n=$(grep -c . "$T/$1.err")
	[ "$n" -eq 1 ] || { fail "$n lines on stderr, expected 1:"; cat "$T/$1.err" >&2; return 1; }
}

# --- (e) the boot guard ---------------------------------------------

t_guard_agent() {
	local sock=$E2E_DIR/sock/guard-agent.sock
	refuses guard-agent "$sock" env APP_ENV=production \
	    DATABASE_URL=$DEV_URL AGENT_SOCKET="$sock" \
	    "$E2E_BIN/bin/dataland-agent" &&
	stderr_one_line guard-agent &&
	stderr_has guard-agent DATABASE_URL &&
	{ [ ! -e "$sock" ] || fail "'$sock' was created"; }
}

t_guard_auth() {
	local sock=$E2E_DIR/sock/guard-auth.sock
	refuses guard-auth "$sock" env APP_ENV=production \
	    DATABASE_URL=$DEV_URL AUTH_DATABASE_URL=$DEV_URL \
	    AUTH_SOCKET="$sock" "$E2E_BIN/bin/dataland-auth" &&
	stderr_one_line guard-auth &&
	stderr_has guard-auth 'DATABASE_URL' &&
	{ [ ! -e "$sock" ] || fail "'$sock' was created"; }
}

# Production with the stack's own URL (loopback, dev credentials).
t_guard_loopback() {
	local sock=$E2E_DIR/sock/guard-lo.sock
	refuses guard-lo "$sock" env APP_ENV=production \
	    AGENT_SOCKET="$sock" "$E2E_BIN/bin/dataland-agent" &&
	stderr_one_line guard-lo
}

# --- (d) the pool budget --------------------------------------------

t_budget() {	# WORKERS (0 = max_connections of the server)
	local sock=$E2E_DIR/sock/budget.sock mc w=$1
	mc=$(psql -X -Atq "$DATABASE_URL" -c 'SHOW max_connections') ||
	    fail "psql failed" || return 1
	[ "$w" -ne 0 ] || w=$mc
	[ "$w" -le 256 ] || fail "max_connections $mc: too large for this test" ||
	    return 1
	refuses budget "$sock" env -u PG_MAX_CONNECTIONS AGENT_WORKERS="$w" \
	    AGENT_SOCKET="$sock" "$E2E_BIN/bin/dataland-agent" &&
	stderr_has budget worker reserve max_connections "\\b$w\\b" "\\b$mc\\b"
}

t_budget_env() {	# PG_MAX_CONNECTIONS below the stack's workers
	local sock=$E2E_DIR/sock/budget-env.sock
	refuses budget-env "$sock" env PG_MAX_CONNECTIONS=4 AGENT_WORKERS=3 \
	    AUTH_WORKERS=2 AGENT_SOCKET="$sock" \
	    "$E2E_BIN/bin/dataland-agent" &&
	stderr_has budget-env worker reserve max_connections '\b4\b'
}

t_workers_out_of_range() {
	local sock=$E2E_DIR/sock/budget-500.sock
	refuses budget-500 "$sock" env AGENT_WORKERS=500 \
	    AGENT_SOCKET="$sock" "$E2E_BIN/bin/dataland-agent" &&
	stderr_has budget-500 'AGENT_WORKERS|max_connections'
}

# --- systemd socket activation: both lanes' sockets inherited ----------

# LISTEN_FDS=2 (systemd-socket-activate stands in for systemd): fd 3
# is the short lane, fd 4 the long one; each answers, from its own
# responder (worker 0 short, worker 1 long).
t_socket_activation() {
	local d=$E2E_DIR/sa pid rc=0 s w
	command -v systemd-socket-activate >/dev/null ||
	    fail "systemd-socket-activate is not installed" || return 1
	mkdir -p "$d"
	DATABASE_URL=$DATABASE_URL AGENT_WORKERS=1 AGENT_LONG_WORKERS=1 \
	    systemd-socket-activate -l "$d/short.sock" -l "$d/long.sock" \
	    -E DATABASE_URL -E AGENT_WORKERS -E AGENT_LONG_WORKERS \
	    "$E2E_BIN/bin/dataland-agent" >"$d/log" 2>&1 &
	pid=$!
	wait_for 10 test -S "$d/long.sock" || rc=1
	for s in short long; do
		[ $rc -eq 0 ] || break
		env -i REQUEST_METHOD=GET DOCUMENT_URI=/healthz \
		    HTTP_X_REQUEST_ID="sa-$s" cgi-fcgi -bind \
		    -connect "$d/$s.sock" >"$d/$s.out" 2>&1
		grep -q '^Status: 200' "$d/$s.out" ||
		    { fail "$s lane: $(cat "$d/$s.out")"; rc=1; }
	done
	for s in short:0 long:1; do
		[ $rc -eq 0 ] || break
		w=${s#*:}
		wait_for 5 grep -q "\"worker\":$w,\"rid\":\"sa-${s%:*}\"" "$d/log" ||
		    { fail "no access line of worker $w for the ${s%:*} lane"; rc=1; }
	done
	stop_pid "$pid" 15
	wait "$pid" 2>/dev/null
	[ $rc -eq 0 ] || sed 's/^/  /' "$d/log" >&2
	return $rc
}

# --- (b) SIGKILL of a responder -------------------------------------

t_kill9() {	# PID-FILE WORKERS HEALTH-PATH
	local m n=$2 victim kids i
	m=$(cat "$E2E_DIR/$1") || return 1
	kids=$(children "$m")
	[ "$(echo "$kids" | grep -c .)" -eq "$n" ] ||
	    fail "master $m has [$kids] responders, expected $n" || return 1
	victim=$(echo "$kids" | head -n 1)
	kill -KILL "$victim" || return 1
	count_replaced() {
		local now
		now=$(children "$m")
		[ "$(echo "$now" | grep -c .)" -eq "$n" ] &&
		    ! echo "$now" | grep -qx "$victim"
	}
	wait_for 20 count_replaced ||
	    fail "responders not back to $n within 20 s: [$(children "$m" | tr '\n' ' ')]" ||
	    return 1
	alive "$m" || fail "master $m died" || return 1
	for i in $(seq 50); do
		req GET "$3" && expect_status 200 ||
		    { fail "request $i of 50 failed"; return 1; }
	done
}

# A metric whose name contains WORD has a positive value.
t_metric_positive() {	# PATH WORD
	req GET "$1" && expect_status 200 || return 1
	awk -v w="$2" '!/^#/ && $1 ~ w && $NF + 0 > 0 { f = 1 } END { exit !f }' \
	    "$T/b" || fail "no positive sample named *$2* in $1:" \
	    "$(grep -i "$2" "$T/b" | head -n 5)"
}

# --- (a) PostgreSQL down and back -----------------------------------

t_pg_down() {
	local i
	scripts/pg.sh stop "$E2E_DIR/pg" || fail "pg.sh stop failed" ||
	    return 1
	for i in 1 2 3 4 5 6; do
		req GET /readyz && expect_error 503 unavailable &&
		expect_header retry-after '^[0-9]+$' || return 1
		req GET /auth/readyz && expect_error 503 unavailable &&
		expect_header retry-after '^[0-9]+$' || return 1
	done
}

t_health_db_down() {
	local i
	for i in 1 2 3 4 5 6; do
		req GET /healthz && expect_status 200 || return 1
		req GET /auth/healthz && expect_status 200 || return 1
	done
}

ready_both() {
	req GET /readyz && [ "$RS" = 200 ] &&
	req GET /auth/readyz && [ "$RS" = 200 ]
}

t_pg_back() {
	local i
	scripts/pg.sh start "$E2E_DIR/pg" "$E2E_PG_PORT" >"$T/pg-start.log" 2>&1 ||
	    { fail "pg.sh start failed:"; cat "$T/pg-start.log" >&2; return 1; }
	wait_for 30 ready_both ||
	    { fail "readyz not 200 within 30 s of PostgreSQL's return"; show >&2; return 1; }
	for i in $(seq 10); do
		req GET /readyz && expect_status 200 &&
		expect_json 'j == {"status": "ready"}' || return 1
		req GET /auth/readyz && expect_status 200 || return 1
	done
}

t_same_processes() {	# the masters and responders of before
	local now
	now="$(cat "$E2E_DIR/agent.pid") $(cat "$E2E_DIR/auth.pid")"
	[ "$now" = "$MASTERS" ] ||
	    fail "masters were [$MASTERS], now [$now]" || return 1
	alive "${MASTERS% *}" && alive "${MASTERS#* }" ||
	    fail "a master is gone" || return 1
	now=$(responders)
	[ "$now" = "$RESPONDERS" ] ||
	    fail "responders were [$RESPONDERS], now [$now]"
}

responders() {
	{ children "$(cat "$E2E_DIR/agent.pid")"
	  children "$(cat "$E2E_DIR/auth.pid")"; } | sort -n | tr '\n' ' '
}

# --- (c) SIGTERM while a request is in flight -----------------------

t_drain() {
	local kids cpid st k
	kids=$(children "$TESTAPP_PID")
	curl -sS --max-time 60 "${CURL_TLS[@]}" -o "$T/slow.b" \
	    -w '%{http_code}' "$BASE/t/slow?ms=2000" >"$T/slow.s" 2>&1 &
	cpid=$!
	sleep 0.7		# the request is in the handler's sleep
	kill -TERM "$TESTAPP_PID" || return 1
	wait "$cpid" || fail "curl failed: $(cat "$T/slow.s")" || return 1
	[ "$(cat "$T/slow.s")" = 200 ] ||
	    fail "in-flight request answered $(cat "$T/slow.s"): $(cat "$T/slow.b")" ||
	    return 1
	"$PY" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1])) != {"slept": 2000})' "$T/slow.b" ||
	    fail "body $(cat "$T/slow.b")" || return 1
	wait_for 30 eval "! alive $TESTAPP_PID" ||
	    fail "master still running 30 s after SIGTERM" || return 1
	wait "$TESTAPP_PID"
	st=$?
	TESTAPP_PID=""
	[ "$st" -eq 0 ] || fail "master exited with status $st" || return 1
	for k in $kids; do
		wait_for 10 eval "! alive $k" ||
		    fail "responder $k outlived its master" || return 1
	done
}

check "APP_ENV=production, dev DATABASE_URL: agent refuses, one line" \
    t_guard_agent
check "APP_ENV=production, dev AUTH_DATABASE_URL: auth refuses, one line" \
    t_guard_auth
check "APP_ENV=production, loopback URL: agent refuses, one line" \
    t_guard_loopback
check "pool budget: AGENT_WORKERS=max_connections refused, numbers named" \
    t_budget 0
check "pool budget: PG_MAX_CONNECTIONS=4 refused, numbers named" t_budget_env
check "AGENT_WORKERS=500 refused" t_workers_out_of_range

# A statement slower than DB_SLOW_STATEMENT_MS (20 ms for the test
# responder) is logged once, with the request's id.
t_slow_statement() {
	req GET /t/slowdb -H "X-Request-Id: slow-check-1" && expect_status 200 &&
	wait_for 5 grep -q '"rid":"slow-check-1","msg":"slow statement .testapp_sleep.: [0-9]* ms"' \
	    "$E2E_DIR/log/testapp.log" ||
	    fail "no slow-statement line: $(grep slow-check-1 "$E2E_DIR/log/testapp.log")"
}

check "a slow statement is logged with its request id" t_slow_statement
check "socket activation: both lanes on inherited sockets" \
    t_socket_activation
check "kill -9 an agent responder: replaced, 50 requests 200" \
    t_kill9 agent.pid $((E2E_AGENT_WORKERS + E2E_AGENT_LONG_WORKERS)) /healthz
check "kill -9 an auth responder: replaced, 50 requests 200" \
    t_kill9 auth.pid $((E2E_AUTH_WORKERS + E2E_AUTH_LONG_WORKERS)) /auth/healthz
check "agent /metrics counts the worker restart" \
    t_metric_positive /metrics restart
check "auth /metrics counts the worker restart" \
    t_metric_positive /auth/metrics restart

MASTERS="$(cat "$E2E_DIR/agent.pid") $(cat "$E2E_DIR/auth.pid")"
RESPONDERS=$(responders)
check "PostgreSQL stopped: /readyz and /auth/readyz 503 unavailable, Retry-After" \
    t_pg_down
check "PostgreSQL stopped: /healthz and /auth/healthz still 200" \
    t_health_db_down
check "PostgreSQL back: both readyz 200 within 30 s" t_pg_back
check "PostgreSQL back: same masters and responders" t_same_processes
check "agent /metrics counts reconnects" t_metric_positive /metrics reconnect

check "SIGTERM mid-request: request 200, master exits 0, responders gone" \
    t_drain

e2e_done
