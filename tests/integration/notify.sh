#!/bin/sh
# The service manager's protocol (sd_notify(3)), observed on a test
# NOTIFY_SOCKET: a master says READY=1 once its responders are up and
# the database answers, pings WATCHDOG=1 at half of WATCHDOG_USEC while
# it serves, and says STOPPING=1 when SIGTERM starts the drain.
set -u
cd "$(dirname "$0")/../.."
BIN=${BUILD:-build/san}/bin
T=$(mktemp -d /tmp/dataland-notify.XXXXXX)
DB=notify_$$
fails=0

check() {
	name=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		echo "ok $name"
	else
		echo "FAIL $name"
		sed 's/^/    /' "$T/out"
		fails=$((fails + 1))
	fi
}

cleanup() {
	[ -n "${AP:-}" ] && kill "$AP" 2>/dev/null
	[ -n "${LP:-}" ] && kill "$LP" 2>/dev/null
	psql -q "$TEST_PG_URL" -c "DROP DATABASE IF EXISTS $DB" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

: "${TEST_PG_URL:?run by tests/run.sh}"
psql -q "$TEST_PG_URL" -c "CREATE DATABASE $DB" || exit 1
URL=${TEST_PG_URL%/*}/$DB
DATABASE_URL=$URL "${DATALAND_BIN:-$BIN/dataland}" migrate up >/dev/null || exit 1

# The listener: every datagram, one line "<monotonic seconds> <text>".
python3 - "$T/notify.sock" "$T/msgs" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
while True:
    d = s.recv(4096).decode().replace("\n", " | ")
    out.write("%.3f %s\n" % (time.monotonic(), d))
PY
LP=$!
i=0
while [ ! -S "$T/notify.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# WATCHDOG_PID must name the master: the shell execs into it.
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 DATABASE_URL=$URL \
    AGENT_SOCKET=$T/a.sock AGENT_LONG_SOCKET=$T/al.sock AGENT_WORKERS=2 \
    AGENT_LONG_WORKERS=1 MODEL_PROVIDER=echo AUTH_DATA_DIR=$T \
    sh -c 'WATCHDOG_PID=$$ exec "$0"' "$BIN/dataland-agent" \
    >"$T/agent.log" 2>&1 &
AP=$!

ready_said() {
	i=0
	while ! grep -q 'READY=1' "$T/msgs" 2>/dev/null; do
		[ $i -lt 300 ] || { cat "$T/msgs" "$T/agent.log"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'READY=1 | STATUS=serving with 3 responders' "$T/msgs" &&
	REQUEST_METHOD=GET DOCUMENT_URI=/readyz cgi-fcgi -bind \
	    -connect "$T/a.sock" | grep -q '^Status: 200'
}

watchdog_pings() {
	sleep 2
	n=$(grep -c 'WATCHDOG=1' "$T/msgs")
	[ "$n" -ge 3 ] || { echo "$n pings in 2 s"; cat "$T/msgs"; return 1; }
}

stopping_said() {
	kill -TERM "$AP"
	wait "$AP"
	st=$?
	AP=""
	[ "$st" -eq 0 ] && grep -q 'STOPPING=1' "$T/msgs" ||
	    { echo "exit $st"; cat "$T/msgs"; return 1; }
}

check "notify-ready-once-responders-and-database-answer" ready_said
check "notify-watchdog-at-half-the-interval" watchdog_pings
check "notify-stopping-on-sigterm" stopping_said
[ "$fails" -eq 0 ]
