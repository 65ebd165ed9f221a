#!/bin/sh
# A release agent responder gives back the memory of a large request: a
# conversation of 3,000 messages of 8 KB (a 24 MB answer, built from
# results the request's arena holds) is read three times, then the
# responder's resident size must be back under the 10 MB a responder is
# held to. glibc would otherwise keep what was freed (the heap's top
# pinned by a small block, the mmap threshold raised by the freed
# answer) for the responder's whole life. The release build, as
# deployed: the sanitizers and valgrind bring allocators of their own.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/responder-lib.sh
: "${TEST_PG_URL:?TEST_PG_URL not set}"
WORK=$(mktemp -d /tmp/dataland-mem.XXXXXX)
DB=mem_$$
RSS_MAX_KB=10240
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null && wait "$p"
	done
	psql -q "$TEST_PG_URL" -c "DROP DATABASE IF EXISTS $DB" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME BIN: a master in the background, its socket WORK/NAME.sock
start() {
	"$2" 2>"$WORK/$1.log" &
	PIDS="$PIDS $!"
	echo $! >"$WORK/$1.pid"
	wait_sock "$WORK/$1.sock"
}

# kb FIELD PID: VmRSS or VmHWM of a process, in kB
kb() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"
}

for b in build/bin/dataland-agent build/bin/dataland-auth build/bin/dataland; do
	[ -x "$b" ] || { echo "FAIL memory: $b not built"; exit 1; }
done
psql -q "$TEST_PG_URL" -c "CREATE DATABASE $DB" || exit 1
URL=${TEST_PG_URL%/*}/$DB
DATABASE_URL=$URL build/bin/dataland migrate up >/dev/null || exit 1

# A token from the auth service, whose key the agent then trusts.
mkdir -p "$WORK/auth-data"
AUTH_DATABASE_URL=$URL AUTH_SOCKET=$WORK/auth.sock AUTH_WORKERS=1 \
    AUTH_LONG_SOCKET=$WORK/auth-long.sock AUTH_LONG_WORKERS=1 \
    AUTH_DATA_DIR=$WORK/auth-data start auth build/bin/dataland-auth
body='{"email":"mem@example.org","password":"memory password"}'
fcgi "$WORK/auth-long.sock" POST /auth/signup "$body" >/dev/null
tok=$(fcgi "$WORK/auth-long.sock" POST /auth/login "$body" | member access_token)
check "memory-token" test -n "$tok"

DATABASE_URL=$URL AGENT_SOCKET=$WORK/agent.sock AGENT_WORKERS=1 \
    AGENT_LONG_SOCKET=$WORK/agent-long.sock AGENT_LONG_WORKERS=1 \
    AUTH_DATA_DIR=$WORK/auth-data MODEL_PROVIDER=echo \
    start agent build/bin/dataland-agent
fcgi "$WORK/agent-long.sock" POST /v1/chat/museum \
    '{"ticket_id":"mem-1","message":"Where is the Night Watch?"}' "$tok" |
    grep -q '^Status: 200'
check "memory-first-message" test $? -eq 0
psql -q -X -v ON_ERROR_STOP=1 "$URL" -c "
INSERT INTO messages (id, conversation_id, seq, role, text, created_at)
SELECT 'mem-' || g, 'mem-1', 2 + g,
       CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END,
       repeat('Rembrandt painted the Night Watch in 1642. ', 186), now()
FROM generate_series(1, 3000) g" >/dev/null
check "memory-seeded" test $? -eq 0

# rss FIELD: that field of every responder, largest first
rss() {
	for p in $(pgrep -P "$(cat "$WORK/agent.pid")"); do
		kb "$1" "$p"
	done | sort -rn
}

fcgi "$WORK/agent.sock" GET /healthz >/dev/null
before=$(rss VmRSS | head -n 1)
ok=0
for n in 1 2 3; do
	fcgi "$WORK/agent.sock" GET /v1/conversations/mem-1 "" "$tok" \
	    >"$WORK/conv.out"
	size=$(wc -c <"$WORK/conv.out")
	grep -q '^Status: 200' "$WORK/conv.out" && [ "$size" -gt 24000000 ] &&
	    ok=$((ok + 1))
done
check "memory-large-reads-answered" test "$ok" -eq 3
fcgi "$WORK/agent.sock" GET /healthz >/dev/null
after=$(rss VmRSS | head -n 1)
peak=$(rss VmHWM | head -n 1)
echo "largest responder RSS: $before kB before, $after kB after; peak $peak kB"
check "memory-given-back" test "$after" -le "$RSS_MAX_KB"
[ "$fails" -eq 0 ]
