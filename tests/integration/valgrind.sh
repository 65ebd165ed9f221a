#!/bin/sh
# The release responders under valgrind: real requests over FastCGI
# (health, readiness against the test cluster, 404, 405, metrics and
# its loopback-only rule), then a clean stop. Any invalid read/write,
# use of uninitialised memory or definite leak in any process fails.
set -u
cd "$(dirname "$0")/../.."
: "${TEST_PG_URL:?TEST_PG_URL not set}"
BIN=build/bin/dataland-agent
WORK=$(mktemp -d /tmp/dataland-vg.XXXXXX)
SOCK=$WORK/agent.sock
fails=0

check() {
	name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

fcgi() {	# fcgi METHOD PATH -> response on stdout
	env -i REQUEST_METHOD="$1" DOCUMENT_URI="$2" QUERY_STRING="" \
	    cgi-fcgi -bind -connect "$SOCK"
}

[ -x "$BIN" ] || { echo "FAIL valgrind: $BIN not built"; exit 1; }
command -v valgrind >/dev/null || { echo "FAIL valgrind: not installed"; exit 1; }

DATABASE_URL=$TEST_PG_URL AGENT_SOCKET=$SOCK AGENT_WORKERS=2 \
valgrind -q --trace-children=yes --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --error-exitcode=99 --log-file="$WORK/vg.%p.log" \
    "$BIN" 2>"$WORK/agent.log" &
pid=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done

check "valgrind-socket-up" test -S "$SOCK"
for n in 1 2 3 4 5 6 7 8; do
	fcgi GET /healthz >/dev/null
	fcgi GET /readyz >/dev/null
	fcgi GET /nope >/dev/null
	fcgi POST /healthz >/dev/null
done
check "valgrind-healthz" sh -c "env -i REQUEST_METHOD=GET DOCUMENT_URI=/healthz cgi-fcgi -bind -connect '$SOCK' | grep -q '\"status\":\"ok\"'"
check "valgrind-readyz" sh -c "env -i REQUEST_METHOD=GET DOCUMENT_URI=/readyz cgi-fcgi -bind -connect '$SOCK' | grep -q '\"status\":\"ready\"'"
check "valgrind-metrics" sh -c "env -i REQUEST_METHOD=GET DOCUMENT_URI=/metrics cgi-fcgi -bind -connect '$SOCK' | grep -q 'dataland_requests_total'"
# /metrics is for loopback clients even if nginx's allow list is lost.
check "valgrind-metrics-remote-403" sh -c "env -i REQUEST_METHOD=GET DOCUMENT_URI=/metrics REMOTE_ADDR=192.0.2.7 cgi-fcgi -bind -connect '$SOCK' | grep -q '^Status: 403'"

kill -TERM "$pid"
wait "$pid"
rc=$?
check "valgrind-master-exit-0" test "$rc" -eq 0
errs=$(cat "$WORK"/vg.*.log 2>/dev/null | grep -c '^==[0-9]*== ')
check "valgrind-clean" test "$errs" -eq 0
if [ "$errs" -ne 0 ] || [ "$fails" -ne 0 ]; then
	cat "$WORK"/vg.*.log | head -n 80
	tail -n 20 "$WORK/agent.log"
fi
rm -rf "$WORK"
[ "$fails" -eq 0 ]
