#!/bin/sh
# `make run`: the whole stack in .run/ on https://127.0.0.1:$HTTPS_PORT,
# in the foreground until Ctrl-C or SIGTERM, then stopped in order. The
# data in .run/ (database, keys, certificate) is kept for the next run.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${RUN_DIR:-$ROOT/.run}
export HTTPS_PORT="${HTTPS_PORT:-8443}"

stopping=0
stop() {
	[ "$stopping" = 1 ] && return
	stopping=1
	"$ROOT/scripts/stack.sh" stop "$DIR" || true
}
trap 'stop; exit 0' INT TERM HUP
trap 'stop' EXIT

"$ROOT/scripts/stack.sh" start "$DIR"

cat <<EOF

Dataland is up:     https://127.0.0.1:$HTTPS_PORT  (self-signed: $DIR/tls/cert.pem)
  health            curl --cacert $DIR/tls/cert.pem https://127.0.0.1:$HTTPS_PORT/healthz
  environment       . $DIR/env   (DATABASE_URL, BASE_URL, ...)
  service logs      $DIR/log/agent.log  $DIR/log/auth.log
  nginx logs        $DIR/nginx/logs/
Ctrl-C stops everything.
EOF

# Stay in the foreground; a service that dies on its own ends the run so
# that nobody keeps talking to half a stack.
while :; do
	for s in agent auth; do
		p=$(cat "$DIR/$s.pid" 2>/dev/null || true)
		if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then
			echo "run: dataland-$s exited; see $DIR/log/$s.log" >&2
			tail -n 20 "$DIR/log/$s.log" >&2 || true
			exit 1
		fi
	done
	sleep 1 &
	wait $! || true
done
