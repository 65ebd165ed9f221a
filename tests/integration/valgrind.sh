#!/bin/sh
# The release responders of both services under valgrind: real requests
# over FastCGI (signup, login, me and the JWKS; then, with the token the
# auth service issued, the agent's whole API: health, readiness, 404,
# 405, metrics and its loopback-only rule, museum and general chat with
# the builtin guide over the sample catalogue, plain and streamed, every
# read, feedback, title, the deletes and erasure), then a clean stop.
# Any invalid read/write, use of uninitialised memory or definite leak in
# any process fails.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/responder-lib.sh
: "${TEST_PG_URL:?TEST_PG_URL not set}"
WORK=$(mktemp -d /tmp/dataland-vg.XXXXXX)
DB=vg_$$

# start NAME BIN: the master under valgrind, its socket in WORK/NAME.sock
start() {
	valgrind -q --trace-children=yes --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --error-exitcode=99 --log-file="$WORK/vg-$1.%p.log" \
	    "$2" 2>"$WORK/$1.log" &
	echo $! >"$WORK/$1.pid"
	wait_sock "$WORK/$1.sock"
}

# stop NAME: SIGTERM, exit 0, no valgrind report in any of its processes
stop() {
	kill -TERM "$(cat "$WORK/$1.pid")"
	wait "$(cat "$WORK/$1.pid")"
	check "valgrind-$1-exit-0" test $? -eq 0
	errs=$(cat "$WORK"/vg-"$1".*.log 2>/dev/null | grep -c '^==[0-9]*== ')
	check "valgrind-$1-clean" test "$errs" -eq 0
	if [ "$errs" -ne 0 ]; then
		cat "$WORK"/vg-"$1".*.log | head -n 80
		tail -n 20 "$WORK/$1.log"
	fi
}

for b in build/bin/dataland-agent build/bin/dataland-auth; do
	[ -x "$b" ] || { echo "FAIL valgrind: $b not built"; exit 1; }
done
command -v valgrind >/dev/null || { echo "FAIL valgrind: not installed"; exit 1; }
psql -q "$TEST_PG_URL" -c "CREATE DATABASE $DB" || exit 1
URL=${TEST_PG_URL%/*}/$DB
# The agent closes interrupted runs at boot: it needs the schema.
DATABASE_URL=$URL "${DATALAND_BIN:-build/bin/dataland}" migrate up >/dev/null ||
    exit 1

# --- auth: two real Argon2id hashes under valgrind ---------------------
S=$WORK/auth.sock
mkdir -p "$WORK/auth-data"
L=$WORK/auth-long.sock
AUTH_DATABASE_URL=$URL AUTH_SOCKET=$S AUTH_WORKERS=1 \
    AUTH_LONG_SOCKET=$L AUTH_LONG_WORKERS=1 \
    AUTH_DATA_DIR=$WORK/auth-data AUTH_HASH_THREADS=1 start auth \
    build/bin/dataland-auth
check "valgrind-auth-up" test -S "$S"
body='{"email":"vg@example.org","password":"valgrind password"}'
fcgi "$L" POST /auth/signup "$body" >"$WORK/signup.out"
grep -q '^Status: 201' "$WORK/signup.out"
check "valgrind-auth-signup" test $? -eq 0
fcgi "$L" POST /auth/login "$body" >"$WORK/login.out"
grep -q '^Status: 200' "$WORK/login.out"
check "valgrind-auth-login" test $? -eq 0
tok=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$WORK/login.out")
fcgi "$S" GET /auth/me "" "$tok" | grep -q '"email":"vg@example.org"'
check "valgrind-auth-me" test $? -eq 0
fcgi "$S" GET /auth/jwks.json | grep -q '"kty":"RSA"'
check "valgrind-auth-jwks" test $? -eq 0
fcgi "$S" POST /auth/login '{"email":"vg@example.org"' | grep -q '^Status: 400'
check "valgrind-auth-bad-json" test $? -eq 0
stop auth

# --- agent: the auth service's key is trusted (AUTH_DATA_DIR) ---------
DATABASE_URL=$URL "${DATALAND_BIN:-build/bin/dataland}" catalog load \
    sql/catalog/museum.jsonl >/dev/null || exit 1
S=$WORK/agent.sock
L=$WORK/agent-long.sock
DATABASE_URL=$URL AGENT_SOCKET=$S AGENT_WORKERS=2 AUTH_DATA_DIR=$WORK/auth-data \
    AGENT_LONG_SOCKET=$L AGENT_LONG_WORKERS=1 MODEL_PROVIDER=builtin \
    start agent build/bin/dataland-agent
check "valgrind-agent-up" test -S "$S"
for n in 1 2 3 4 5 6 7 8; do
	fcgi "$S" GET /healthz >/dev/null
	fcgi "$S" GET /readyz >/dev/null
	fcgi "$S" GET /nope >/dev/null
	fcgi "$S" POST /healthz >/dev/null
done
fcgi "$S" GET /healthz | grep -q '"status":"ok"'
check "valgrind-agent-healthz" test $? -eq 0
fcgi "$S" GET /readyz | grep -q '"status":"ready"'
check "valgrind-agent-readyz" test $? -eq 0
fcgi "$S" GET /metrics | grep -q dataland_requests_total
check "valgrind-agent-metrics" test $? -eq 0
# /metrics is for loopback clients even if nginx's allow list is lost.
env -i REQUEST_METHOD=GET DOCUMENT_URI=/metrics REMOTE_ADDR=192.0.2.7 \
    cgi-fcgi -bind -connect "$S" | grep -q '^Status: 403'
check "valgrind-agent-metrics-remote-403" test $? -eq 0
fcgi "$S" GET /v1/me "" "$tok.x" | grep -q '^Status: 401'
check "valgrind-agent-bad-token-401" test $? -eq 0

fcgi "$L" POST /v1/chat/museum \
    '{"ticket_id":"vg-1","message":"Who painted The Night Watch?"}' "$tok" \
    >"$WORK/museum.out"
grep -q '^Status: 200' "$WORK/museum.out" &&
    grep -q '"image_path":"' "$WORK/museum.out"
check "valgrind-agent-museum-chat-with-images" test $? -eq 0
fcgi "$L" POST /v1/chat/museum \
    '{"ticket_id":"vg-1","message":"And what else hangs in that room?"}' \
    "$tok" text/event-stream >"$WORK/stream.out"
grep -q '^event: done' "$WORK/stream.out"
check "valgrind-agent-museum-stream" test $? -eq 0
fcgi "$L" POST /v1/chat '{"message":"When is the museum open?"}' "$tok" \
    >"$WORK/general.out"
gid=$(member conversation_id <"$WORK/general.out")
check "valgrind-agent-general-chat" test -n "$gid"
fcgi "$S" GET /v1/conversations "" "$tok" | grep -q '"id":"vg-1"'
check "valgrind-agent-list" test $? -eq 0
fcgi "$S" GET /v1/conversations/vg-1 "" "$tok" >"$WORK/conv.out"
grep -q '"seq":4,' "$WORK/conv.out" && grep -q '"image_path":"' "$WORK/conv.out"
check "valgrind-agent-conversation" test $? -eq 0
mid=$(sed -n 's/.*"id":"\([^"]*\)","seq":2,.*/\1/p' "$WORK/conv.out")
fcgi "$S" POST "/v1/messages/$mid/feedback" '{"feedback":"like"}' "$tok" |
    grep -q '"feedback":"like"'
check "valgrind-agent-feedback" test $? -eq 0
fcgi "$S" GET /v1/conversations/vg-1/runs "" "$tok" | grep -q '"status":"success"'
check "valgrind-agent-runs" test $? -eq 0
fcgi "$S" PATCH "/v1/conversations/$gid" '{"title":"Hours"}' "$tok" |
    grep -q '"title":"Hours"'
check "valgrind-agent-title" test $? -eq 0
fcgi "$S" GET /v1/me "" "$tok" | grep -q '"access_permissions":\['
check "valgrind-agent-me" test $? -eq 0
fcgi "$S" DELETE "/v1/conversations/$gid" "" "$tok" | grep -q '^Status: 204'
check "valgrind-agent-delete" test $? -eq 0
fcgi "$L" POST /v1/chat/museum '{"ticket_id":"bad id!","message":"x"}' \
    "$tok" | grep -q '^Status: 400'
check "valgrind-agent-bad-input-400" test $? -eq 0
fcgi "$S" DELETE /v1/me "" "$tok" | grep -q '^Status: 204'
check "valgrind-agent-erasure" test $? -eq 0
stop agent

psql -q "$TEST_PG_URL" -c "DROP DATABASE $DB"
rm -rf "$WORK"
[ "$fails" -eq 0 ]
