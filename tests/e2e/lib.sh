# Shared helpers of the e2e tests, sourced by tests/e2e/NN-name.sh.
#
# Each script runs its own stack (scripts/stack.sh) under
# .run/e2e-NN-name on ports derived from NN, plus the test responder
# (tests/e2e/apps/testapp.c) that nginx serves under /t/. Checks print
# "ok NAME" or "FAIL NAME" (tests/run.sh counts those lines); the
# script exits non-zero when any failed, and stops everything it
# started even when it fails or is interrupted.
#
#   BUILD=build/san tests/e2e/10-health.sh
#
# Environment: BUILD (default build/san); E2E_HTTPS_PORT, E2E_HTTP_PORT,
# E2E_PG_PORT and E2E_DIR override the derived ports and directory;
# TEST_PYTHON the Python the checks run.

set -u

# The Python every check runs ("$PY"): Debian's, which the
# python3-jsonschema that scripts/deps.sh installs belongs to, called by
# its path. A version manager's python3 earlier in PATH (a pyenv shim
# runs a dozen scripts first) costs about 0.3 s a call, and a suite
# makes a hundred.
PY=${TEST_PYTHON:-python3}
[ -z "${TEST_PYTHON:-}" ] && [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$E2E_ROOT" || exit 1

E2E_NAME=$(basename "$0" .sh)
BUILD=${BUILD:-build/san}
export BUILD
case $BUILD in
/*) E2E_BIN=$BUILD ;;
*) E2E_BIN=$E2E_ROOT/$BUILD ;;
esac

# Each script's ports come from its number NN (00..99), so scripts may
# run side by side without sharing a port or a directory, and there is
# room for a hundred of them. TEST_PORT_OFFSET shifts every test port
# (tests/run.sh too), for a second checkout testing on the same machine.
# Ports stay below Linux's ephemeral range (tests/run.sh says why).
e2e_slot=${E2E_NAME%%-*}
case $e2e_slot in
[0-9][0-9]) e2e_slot=$((10#$e2e_slot)) ;;
*) e2e_slot=99 ;;
esac
e2e_off=${TEST_PORT_OFFSET:-0}
E2E_HTTPS_PORT=${E2E_HTTPS_PORT:-$((28400 + e2e_off + e2e_slot))}
E2E_HTTP_PORT=${E2E_HTTP_PORT:-$((28200 + e2e_off + e2e_slot))}
E2E_PG_PORT=${E2E_PG_PORT:-$((25500 + e2e_off + e2e_slot))}
E2E_DIR=${E2E_DIR:-$E2E_ROOT/.run/e2e-$E2E_NAME}
E2E_AGENT_WORKERS=${E2E_AGENT_WORKERS:-3}
E2E_AGENT_LONG_WORKERS=${E2E_AGENT_LONG_WORKERS:-2}
E2E_AUTH_WORKERS=${E2E_AUTH_WORKERS:-2}
E2E_AUTH_LONG_WORKERS=${E2E_AUTH_LONG_WORKERS:-2}
E2E_TESTAPP_WORKERS=${E2E_TESTAPP_WORKERS:-3}
E2E_TESTAPP_LONG_WORKERS=${E2E_TESTAPP_LONG_WORKERS:-3}

T=$E2E_DIR/tmp			# scratch files of the checks
E2E_PASSED=0
E2E_FAILED=0
E2E_STACK=0			# 1 once stack.sh start was called
E2E_PIDS=""			# extra processes to stop at exit (e2e_track)
TESTAPP_PID=""
CURL_TLS=()
BASE=""

if [ "$(id -u)" -eq 0 ]; then
	E2E_SOCKET_GROUP=${SOCKET_GROUP:-www-data}
else
	E2E_SOCKET_GROUP=${SOCKET_GROUP:-}
fi

# --- reporting -------------------------------------------------------

# check NAME CMD...: runs CMD in this shell; "ok" when it succeeds,
# otherwise "FAIL" and what CMD printed, indented.
check() {
	local name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		echo "ok $E2E_NAME: $name"
		E2E_PASSED=$((E2E_PASSED + 1))
	else
		echo "FAIL $E2E_NAME: $name"
		sed -n '1,25s/^/    /p' "$T/check.out"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
}

# fail MSG: prints MSG on stderr and fails (inside a checked command).
fail() {
	echo "$*" >&2
	return 1
}

# e2e_done: the summary; exit status 1 when any check failed.
e2e_done() {
	echo "# $E2E_NAME: $E2E_PASSED passed, $E2E_FAILED failed"
	[ "$E2E_FAILED" -eq 0 ] && exit 0
	exit 1
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds or
# SECONDS have passed (then fails).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# access_log_has RID: nginx has written request RID's access-log line
# (nginx writes its log in batches, within a second).
access_log_has() {
	grep -q "\"request_id\":\"$1\"" "$E2E_DIR/nginx/logs/access.log"
}

# access_log_settle: waits until every request answered so far is in
# nginx's access log. Each worker writes its buffer a second after the
# first line it holds (flush=1s): markers on several connections reach
# the log, and a worker that got none has passed its second by then.
access_log_settle() {
	local i rid=settle-$$-$RANDOM pids=""
	for i in 1 2 3 4; do
		curl -s "${CURL_TLS[@]}" -o /dev/null \
		    -H "X-Request-Id: $rid-$i" "$BASE/healthz" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids	# not the suite's own helpers, which run till the end
	sleep 1.5
	for i in 1 2 3 4; do
		wait_for 10 access_log_has "$rid-$i" || return 1
	done
}

# --- requests --------------------------------------------------------

# req METHOD PATH [CURL-ARGS...]: one request to the stack's nginx.
# Leaves the status in $RS, headers in $T/h, body in $T/b; fails when
# curl itself fails (no HTTP answer at all).
req() {
	local m=$1 p=$2
	shift 2
	: >"$T/h"
	: >"$T/b"
	RS=$(curl -sS --max-time 60 "${CURL_TLS[@]}" -X "$m" -o "$T/b" \
	    -D "$T/h" -w '%{http_code}' "$@" "$BASE$p" 2>"$T/curl.err")
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "curl $m $p: exit $rc: $(cat "$T/curl.err")" >&2
		return 1
	fi
	openapi_check "$m" "$p"
}

# --- every JSON answer against docs/openapi.yaml ------------------------

# openapi_check METHOD PATH: the last answer (body and headers) fits
# docs/openapi.yaml (tests/e2e/openapi_check.py states the rule), else
# fails saying which field and schema. A checker started once per
# script (openapi_serve) answers over a unix socket in about a
# millisecond, so a check costs one curl; without it each would cost a
# Python start and the jsonschema import (~200 ms). OPENAPI_CHECK=0
# turns the check off.
openapi_check() {
	local ct="" line
	[ "${OPENAPI_CHECK:-1}" != 0 ] || return 0
	# What the checker passes unchecked anyway, found without a process.
	case ${2%%\?*} in
	/t/* | /t-kept/* | /t-buffered/* | /t-big/* | /__nginx_*) return 0 ;;
	esac
	while IFS= read -r line; do
		line=${line%$'\r'}
		case ${line,,} in
		content-type:*) ct=${line#*:} ;;
		http/*) ct="" ;;	# a 100 Continue's block came first
		esac
	done <"$T/h"
	ct=${ct#"${ct%%[! ]*}"}
	case ${ct,,} in
	application/json*) ;;
	*) return 0 ;;
	esac
	printf '%s\n%s\n%s\n%s\n%s\n%s' "$1" "$RS" "$ct" "$T/b" "$T/h" \
	    "$2" >"$T/openapi.req"
	openapi_ask
	case $OPENAPI_CODE in
	200 | 422) ;;
	*) openapi_serve && openapi_ask ;;
	esac
	case $OPENAPI_CODE in
	200) return 0 ;;
	422) cat "$T/openapi.out" >&2 ;;
	*)	# no checker to ask: check in a process of its own
		"$PY" "$E2E_ROOT/tests/e2e/openapi_check.py" check \
		    "$1" "$2" "$RS" "$ct" "$T/b" "$T/h" && return 0 ;;
	esac
	show >&2
	return 1
}

# openapi_ask: the checker's HTTP status for $T/openapi.req in
# OPENAPI_CODE (000 when there is no checker), its answer in
# $T/openapi.out.
openapi_ask() {
	OPENAPI_CODE=000
	: >"$T/openapi.out"
	[ -S "$T/openapi.sock" ] || return 0
	curl -sS --max-time 20 --noproxy '*' --unix-socket "$T/openapi.sock" \
	    -o "$T/openapi.out" -w '%{http_code}' \
	    --data-binary "@$T/openapi.req" http://openapi-check/check \
	    >"$T/openapi.code" 2>/dev/null
	read -r OPENAPI_CODE <"$T/openapi.code"
	: "${OPENAPI_CODE:=000}"
	return 0
}

# openapi_serve: starts the checker for this script (it exits when the
# script's shell, $$, is gone) and waits, bounded, for its socket. One
# that would not start is not tried again (each check then runs alone).
OPENAPI_NOSERVE=0
openapi_serve() {
	local pid
	[ "$OPENAPI_NOSERVE" = 0 ] || return 1
	rm -f "$T/openapi.sock"
	"$PY" "$E2E_ROOT/tests/e2e/openapi_check.py" serve \
	    "$T/openapi.sock" "$$" </dev/null \
	    >>"$E2E_DIR/log/openapi-check.log" 2>&1 &
	pid=$!
	wait_for 20 eval "[ -S \"\$T/openapi.sock\" ] || ! alive $pid"
	[ -S "$T/openapi.sock" ] && return 0
	OPENAPI_NOSERVE=1
	return 1
}

# hdr NAME: the value of header NAME in the last answer, or "".
hdr() {
	tr -d '\r' <"$T/h" | awk -v n="$1" '
	    BEGIN { n = tolower(n) ":" }
	    tolower(substr($0, 1, length(n))) == n {
		v = substr($0, length(n) + 1); sub(/^[ \t]+/, "", v); last = v
	    }
	    END { printf "%s", last }'
}

# show: the last answer, for failure output.
show() {
	echo "  status $RS; content-type '$(hdr content-type)'"
	echo "  body: $(head -c 400 "$T/b" | tr -d '\0' | tr '\n' ' ')"
}

expect_status() {
	[ "$RS" = "$1" ] || { fail "expected status $1"; show >&2; return 1; }
}

# expect_ctype PREFIX: Content-Type starts with PREFIX.
expect_ctype() {
	case "$(hdr content-type)" in
	"$1"*) return 0 ;;
	esac
	fail "expected Content-Type $1"
	show >&2
	return 1
}

# expect_header NAME ERE: header NAME present and matching ERE.
expect_header() {
	local v
	v=$(hdr "$1")
	if [ -z "$v" ] || ! printf '%s' "$v" | grep -Eq -- "$2"; then
		fail "expected header $1 matching /$2/, got '$v'"
		show >&2
		return 1
	fi
}

# expect_json PYEXPR: the body is JSON and PYEXPR (with j bound to it)
# is true.
expect_json() {
	"$PY" - "$T/b" "$1" <<-'EOF' || { show >&2; return 1; }
	import json, sys
	raw = open(sys.argv[1], "rb").read()
	try:
	    j = json.loads(raw.decode("utf-8"))
	except Exception as e:
	    sys.exit("body is not JSON (%s)" % e)
	if not eval("(" + sys.argv[2] + "\n)", {"j": j}):
	    sys.exit("JSON check failed: %s" % sys.argv[2])
	EOF
}

# expect_error STATUS CODE: the contract's error answer (API.md §2):
# status, a JSON content type, a body of exactly
# {"error":{"code":CODE,"message":non-empty string}}.
expect_error() {
	expect_status "$1" || return 1
	expect_ctype application/json || return 1
	expect_json "isinstance(j, dict) and list(j) == ['error'] and
	    isinstance(j['error'], dict) and
	    sorted(j['error']) == ['code', 'message'] and
	    j['error']['code'] == '$2' and
	    isinstance(j['error']['message'], str) and
	    len(j['error']['message']) > 0"
}

# expect_reqid: the answer carries a well-formed X-Request-Id.
expect_reqid() {
	expect_header x-request-id '^[A-Za-z0-9._-]{1,64}$'
}

# --- tokens and streams ------------------------------------------------

# mint_setup: a test RS256 key the services trust, through the stack's
# extra_jwks.json (kid "e2e-test-1"); the services pick it up within
# seconds (API.md §6).
E2E_KID=e2e-test-1
mint_setup() {
	local m=$E2E_BIN/tests/mint
	"$m" key "$E2E_DIR/test-key.pem" &&
	"$m" jwks "$E2E_DIR/test-key.pem" "$E2E_KID" \
	    "$AUTH_DATA_DIR/extra_jwks.json"
}

# mint_token CLAIMS-JSON [KID]: prints a token signed by the test key
# (iat and exp = iat + 3600 added unless given; null drops a claim).
mint_token() {
	"$E2E_BIN/tests/mint" token "$E2E_DIR/test-key.pem" "${2:-$E2E_KID}" "$1"
}

# sse_read OUT URL [sse.py ARGS...]: the event stream of one request,
# one JSON line an event (tests/e2e/sse.py), into OUT.
sse_read() {
	local out=$1 url=$2
	shift 2
	"$PY" "$E2E_ROOT/tests/e2e/sse.py" "$url" --cacert "$DATALAND_CA" \
	    "$@" >"$out"
}

# --- processes -------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in
	Z*) return 1 ;;
	esac
	return 0
}

# children PID: the live child pids of PID, one a line.
children() {
	local c
	[ -n "$1" ] || return 0
	for c in $(pgrep -P "$1"); do
		alive "$c" && echo "$c"
	done
}

# stop_pid PID [SECONDS]: SIGTERM, bounded wait, then SIGKILL.
stop_pid() {
	local p=$1 s=${2:-15}
	alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null
	wait_for "$s" eval "! alive $p" && return 0
	kill -KILL "$p" 2>/dev/null
	wait_for 5 eval "! alive $p"
}

# e2e_track PID: a background process the cleanup must stop.
e2e_track() {
	E2E_PIDS="$E2E_PIDS $1"
}

# --- the stack and the test responder --------------------------------

# The nginx locations that serve the test responder, on its two lanes
# as the product's are: /t/ its short routes (one connection each);
# /t/slow and /t/stream* its long routes on the long lane, unbuffered as
# the product's streaming locations are; /t-buffered/ (the long routes)
# with nginx's default response buffering, where only the responder's
# X-Accel-Buffering header can keep a stream flowing; /t-kept/ the short
# routes over kept connections (e2e_nginx_http_conf); /t-big/ with a
# body cap above the runtime's, so that its own 413 is reached.
e2e_nginx_conf() {
	cat <<-EOF
	# tests/e2e: the runtime's test responder
	location /t/ {
	    include dataland-fastcgi.conf;
	    fastcgi_pass unix:$E2E_DIR/sock/testapp.sock;
	    fastcgi_buffering off;
	}
	location ~ ^/t/(slow|stream) {
	    include dataland-fastcgi.conf;
	    fastcgi_keep_conn off;
	    fastcgi_pass unix:$E2E_DIR/sock/testapp-long.sock;
	    fastcgi_buffering off;
	}
	location /t-buffered/ {
	    rewrite ^/t-buffered/(.*)\$ /t/\$1 break;
	    include dataland-fastcgi.conf;
	    fastcgi_keep_conn off;
	    fastcgi_pass unix:$E2E_DIR/sock/testapp-long.sock;
	}
	location /t-kept/ {
	    rewrite ^/t-kept/(.*)\$ /t/\$1 break;
	    include dataland-fastcgi.conf;
	    fastcgi_pass testapp_kept;
	    fastcgi_buffering off;
	}
	location /t-big/ {
	    client_max_body_size 4m;
	    rewrite ^/t-big/(.*)\$ /t/\$1 break;
	    include dataland-fastcgi.conf;
	    fastcgi_pass unix:$E2E_DIR/sock/testapp.sock;
	}
	EOF
}

# At http level: the test responder behind kept connections, as the
# product's upstreams are (/t-kept/).
e2e_nginx_http_conf() {
	cat <<-EOF
	upstream testapp_kept {
	    server unix:$E2E_DIR/sock/testapp.sock;
	    keepalive 32;
	}
	EOF
}

testapp_up() {
	[ -S "$E2E_DIR/sock/testapp.sock" ] || return 1
	curl -sS --max-time 5 "${CURL_TLS[@]}" -o /dev/null \
	    -w '%{http_code}' "$BASE/t/healthz" 2>/dev/null | grep -qx 200
}

# testapp_start: the test responder's master in the background, its
# pid in $TESTAPP_PID and DIR/testapp.pid, its log DIR/log/testapp.log;
# waits (bounded) until nginx reaches it.
testapp_start() {
	local bin=$E2E_BIN/tests/testapp
	[ -x "$bin" ] || { echo "no '$bin' (make SAN=1 test-build)" >&2; return 1; }
	rm -f "$E2E_DIR/sock/testapp.sock" "$E2E_DIR/sock/testapp-long.sock"
	mkdir -p "$E2E_DIR/log"
	env AGENT_SOCKET="$E2E_DIR/sock/testapp.sock" \
	    AGENT_LONG_SOCKET="$E2E_DIR/sock/testapp-long.sock" \
	    AGENT_WORKERS="$E2E_TESTAPP_WORKERS" \
	    AGENT_LONG_WORKERS="$E2E_TESTAPP_LONG_WORKERS" APP_ENV=development \
	    SSE_HEARTBEAT_SEC=1 DB_SLOW_STATEMENT_MS=20 \
	    ${E2E_SOCKET_GROUP:+SOCKET_GROUP="$E2E_SOCKET_GROUP"} \
	    "$bin" >>"$E2E_DIR/log/testapp.log" 2>&1 &
	TESTAPP_PID=$!
	echo "$TESTAPP_PID" >"$E2E_DIR/testapp.pid"
	if ! wait_for 30 testapp_up; then
		echo "testapp did not answer on /t/healthz within 30 s" >&2
		tail -n 20 "$E2E_DIR/log/testapp.log" >&2
		return 1
	fi
}

testapp_stop() {
	[ -n "$TESTAPP_PID" ] || return 0
	stop_pid "$TESTAPP_PID" 20
	wait "$TESTAPP_PID" 2>/dev/null
	TESTAPP_PID=""
}

# A leftover of an interrupted earlier run in our directory.
e2e_stop_leftovers() {
	local p
	if [ -f "$E2E_DIR/testapp.pid" ]; then
		p=$(cat "$E2E_DIR/testapp.pid")
		if [ -n "$p" ] && alive "$p" &&
		    grep -q testapp "/proc/$p/cmdline" 2>/dev/null; then
			stop_pid "$p" 10
		fi
	fi
	[ -d "$E2E_DIR" ] && scripts/stack.sh stop "$E2E_DIR" >/dev/null 2>&1
	scripts/pg.sh stop "$E2E_DIR/pg" >/dev/null 2>&1
	return 0
}

e2e_cleanup() {
	local p
	trap - EXIT INT TERM
	for p in $E2E_PIDS; do
		stop_pid "$p" 10
	done
	testapp_stop
	if [ "$E2E_STACK" -eq 1 ]; then
		scripts/stack.sh stop "$E2E_DIR" >"$T/stack-stop.log" 2>&1 ||
		    { echo "# stack stop failed:"; sed 's/^/#   /' "$T/stack-stop.log"; }
		# A test may have left PostgreSQL stopped or started.
		scripts/pg.sh stop "$E2E_DIR/pg" >/dev/null 2>&1
	fi
}

# Tail of every log of the stack, for a failed start.
e2e_logs() {
	local f
	for f in "$E2E_DIR"/log/*.log "$E2E_DIR"/pg/postgres.log; do
		[ -f "$f" ] || continue
		echo "--- $f"
		tail -n 15 "$f"
	done
}

# e2e_start: a fresh stack under E2E_DIR and the test responder; on
# failure prints FAIL and exits. Afterwards the stack's env file is
# exported (DATABASE_URL, BASE_URL, DATALAND_CA, ...), $BASE is the
# https base URL and CURL_TLS the curl options that trust its
# certificate.
e2e_start() {
	local b
	for b in bin/dataland-agent bin/dataland-auth tests/testapp; do
		if [ ! -x "$E2E_BIN/$b" ]; then
			echo "FAIL $E2E_NAME: no '$BUILD/$b' (make SAN=1 BUILD=$BUILD test-build)"
			exit 1
		fi
	done
	e2e_stop_leftovers
	case $E2E_DIR in
	*/.run/*) rm -rf "$E2E_DIR" ;;	# ours: start from nothing
	esac
	mkdir -p "$E2E_DIR/log" "$T"
	chmod 0755 "$E2E_DIR"
	e2e_nginx_conf >"$E2E_DIR/nginx-extra.conf"
	e2e_nginx_http_conf >"$E2E_DIR/nginx-extra-http.conf"

	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	E2E_STACK=1
	if ! BUILD=$BUILD HTTPS_PORT=$E2E_HTTPS_PORT HTTP_PORT=$E2E_HTTP_PORT \
	    PG_PORT=$E2E_PG_PORT NGINX_EXTRA_CONF=$E2E_DIR/nginx-extra.conf \
	    NGINX_EXTRA_HTTP_CONF=$E2E_DIR/nginx-extra-http.conf \
	    AGENT_WORKERS=$E2E_AGENT_WORKERS AUTH_WORKERS=$E2E_AUTH_WORKERS \
	    AGENT_LONG_WORKERS=$E2E_AGENT_LONG_WORKERS \
	    AUTH_LONG_WORKERS=$E2E_AUTH_LONG_WORKERS \
	    APP_ENV=development \
	    scripts/stack.sh start "$E2E_DIR" >"$T/stack-start.log" 2>&1; then
		echo "FAIL $E2E_NAME: stack start"
		sed 's/^/    /' "$T/stack-start.log" | tail -n 30
		e2e_logs | sed 's/^/    /'
		exit 1
	fi
	set -a
	# shellcheck disable=SC1091
	. "$E2E_DIR/env"
	set +a
	BASE=${BASE_URL:-https://127.0.0.1:$E2E_HTTPS_PORT}
	BASE=${BASE%/}
	if [ -n "${DATALAND_CA:-}" ] && [ -f "$DATALAND_CA" ]; then
		CURL_TLS=(--cacert "$DATALAND_CA")
	else
		CURL_TLS=(-k)
	fi
	if ! testapp_start 2>"$T/testapp-start.log"; then
		echo "FAIL $E2E_NAME: testapp start"
		sed 's/^/    /' "$T/testapp-start.log"
		e2e_logs | sed 's/^/    /'
		exit 1
	fi
}
