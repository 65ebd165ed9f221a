#!/bin/sh
# Starts and stops a whole private Dataland stack in one directory:
# PostgreSQL, migrations, the sample catalogue, both services and nginx
# with a self-signed certificate, all on loopback. Used by `make run`,
# the end-to-end tests and the benchmarks. Works as root and as an
# ordinary user; stop leaves no process behind.
#
#   scripts/stack.sh start DIR          everything, then wait for health
#   scripts/stack.sh stop DIR           everything, idempotent
#   scripts/stack.sh status DIR         what is running
#   scripts/stack.sh restart-agent DIR  one service, the rest untouched
#   scripts/stack.sh restart-auth DIR
#   scripts/stack.sh nginx-conf OUTDIR  render the local nginx config only
#
# Environment: BUILD (build; binaries in $BUILD/bin), HTTPS_PORT (8443),
# HTTP_PORT (8080), PG_PORT (55432), NGINX_EXTRA_CONF (a file included
# in the HTTPS server), NGINX_EXTRA_HTTP_CONF (one included at http
# level), AGENT_WORKERS (4), AUTH_WORKERS (2), MODEL_PROVIDER and the
# other MODEL_* settings (docs/models.md; MODEL_API_KEY is inherited
# from the environment, never put on a command line),
# AGENT_LONG_WORKERS, AUTH_LONG_WORKERS, APP_ENV (development), and
# nginx's rate limits AUTH_LOGIN_RATE, AUTH_SIGNUP_RATE,
# AUTH_PASSWORD_RATE and their *_BURST (scripts/nginx-limits.sh).
# restart-* also reads STACK_DATABASE_URL and STACK_AUTH_DATABASE_URL:
# another database for the restarted service. nginx-conf also reads
# NGINX_PREFIX, AGENT_SOCK, AUTH_SOCK, AGENT_LONG_SOCK, AUTH_LONG_SOCK,
# TLS_CERT and TLS_KEY.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
HTTPS_PORT=${HTTPS_PORT:-8443}
HTTP_PORT=${HTTP_PORT:-8080}
PG_PORT=${PG_PORT:-55432}
AGENT_WORKERS=${AGENT_WORKERS:-4}
AUTH_WORKERS=${AUTH_WORKERS:-2}
APP_ENV=${APP_ENV:-development}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
# Seconds to wait for health after start, and for each process to exit
# on stop before it is killed.
START_TIMEOUT=${START_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-15}

say() { printf 'stack: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
	sed -n '8,14p' "$0" | sed 's/^# *//' >&2
	exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

absdir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
}

# Prints the pid in FILE when that process is alive and its command
# line contains NAME (a pid file left by a crash may name a reused pid).
live_pid() {
	[ -s "$1" ] || return 1
	p=$(cat "$1" 2>/dev/null) || return 1
	case $p in ''|*[!0-9]*) return 1 ;; esac
	kill -0 "$p" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$2" ||
	    return 1
	echo "$p"
}

# SIGTERM, wait, then SIGKILL to the whole process group as a last
# resort: a service master is a session leader (setsid), so its group is
# the master and its responders and nothing else.
stop_pid() {		# name pidfile match
	if ! p=$(live_pid "$2" "$3"); then
		rm -f "$2"
		return 0
	fi
	kill -TERM "$p" 2>/dev/null || true
	n=0
	while kill -0 "$p" 2>/dev/null; do
		if [ "$n" -ge $((STOP_TIMEOUT * 10)) ]; then
			say "$1 (pid $p) ignored SIGTERM for ${STOP_TIMEOUT}s; killing it"
			if [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$p" ]; then
				kill -KILL -- "-$p" 2>/dev/null || true
			else
				kill -KILL "$p" 2>/dev/null || true
			fi
			sleep 0.2
			break
		fi
		sleep 0.1
		n=$((n + 1))
	done
	rm -f "$2"
	say "stopped $1"
}

# --- nginx ----------------------------------------------------------------

# extra_conf NAME VALUE OUTDIR: the absolute path of an extra nginx file
# to include, or of an empty one when VALUE is empty.
extra_conf() {
	f=$2
	if [ -z "$f" ]; then
		f=$3/extra-empty.conf
		: >"$f"
	fi
	case $f in /*) ;; *) f=$(pwd)/$f ;; esac
	[ -r "$f" ] || die "$1 '$f' is not readable"
	echo "$f"
}

# Renders nginx/local.conf.in into OUTDIR/nginx.conf with the shared
# dataland-*.conf files beside it, dataland-limits.conf rendered from the
# AUTH_*_RATE settings as production renders it, and creates the
# prefix's directories.
nginx_conf() {		# outdir
	out=$(absdir "$1")
	prefix=${NGINX_PREFIX:-$out}
	mkdir -p "$prefix/logs" "$prefix/tmp"
	extra=$(extra_conf NGINX_EXTRA_CONF "${NGINX_EXTRA_CONF:-}" "$out")
	extra_http=$(extra_conf NGINX_EXTRA_HTTP_CONF \
	    "${NGINX_EXTRA_HTTP_CONF:-}" "$out")
	user_line=""
	is_root && user_line="user www-data www-data;"
	cp "$ROOT"/nginx/dataland-*.conf "$out/"
	"$ROOT/scripts/nginx-limits.sh" "$ROOT/nginx/dataland-limits.conf.template" \
	    "$out/dataland-limits.conf" ||
	    die "nginx's rate limits: fix the settings named above"
	sed -e "s|@PREFIX@|$prefix|g" \
	    -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
	    -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
	    -e "s|@AGENT_SOCK@|${AGENT_SOCK:?}|g" \
	    -e "s|@AUTH_SOCK@|${AUTH_SOCK:?}|g" \
	    -e "s|@AGENT_LONG_SOCK@|${AGENT_LONG_SOCK:?}|g" \
	    -e "s|@AUTH_LONG_SOCK@|${AUTH_LONG_SOCK:?}|g" \
	    -e "s|@TLS_CERT@|${TLS_CERT:?}|g" \
	    -e "s|@TLS_KEY@|${TLS_KEY:?}|g" \
	    -e "s|@USER_LINE@|$user_line|g" \
	    -e "s|@EXTRA_CONF@|$extra|g" \
	    -e "s|@EXTRA_HTTP_CONF@|$extra_http|g" \
	    "$ROOT/nginx/local.conf.in" >"$out/nginx.conf.tmp"
	mv "$out/nginx.conf.tmp" "$out/nginx.conf"
	"$NGINX" -q -t -p "$prefix/" -c "$out/nginx.conf" ||
	    die "nginx rejects $out/nginx.conf"
}

# --- pieces of start --------------------------------------------------------

# A self-signed P-256 certificate for 127.0.0.1 and localhost, made once
# and reused, so a client that trusted it once keeps trusting it.
tls_cert() {
	[ -s "$D/tls/cert.pem" ] && [ -s "$D/tls/key.pem" ] && return 0
	say "creating a self-signed certificate in $D/tls"
	(
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -days 825 -subj "/CN=localhost" \
		    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		    -keyout "$D/tls/key.pem" -out "$D/tls/cert.pem" \
		    2>"$D/log/openssl.log"
	) || die "openssl failed: $(cat "$D/log/openssl.log")"
	chmod 0600 "$D/tls/key.pem"
	chmod 0644 "$D/tls/cert.pem"
}

database() {
	[ -x "$ROOT/scripts/pg.sh" ] || die "scripts/pg.sh is missing"
	"$ROOT/scripts/pg.sh" start "$D/pg" "$PG_PORT" >&2
	DATABASE_URL=$("$ROOT/scripts/pg.sh" url "$PG_PORT")
	AUTH_DATABASE_URL=${AUTH_DATABASE_URL:-$DATABASE_URL}
	export DATABASE_URL AUTH_DATABASE_URL
	say "applying migrations"
	"$BUILD/bin/dataland" migrate up >>"$D/log/migrate.log" 2>&1 ||
	    die "migrate up failed: $(tail -n 20 "$D/log/migrate.log")"
	# An upsert in one transaction: loading it on every start is a no-op
	# once it is there, and a corrected file updates what changed.
	say "loading the sample catalogue"
	"$BUILD/bin/dataland" catalog load "$ROOT/sql/catalog/museum.jsonl" \
	    >>"$D/log/catalog.log" 2>&1 ||
	    die "loading the sample catalogue failed: $(tail -n 20 "$D/log/catalog.log")"
}

# One service master in its own session, so that a terminal's Ctrl-C
# reaches run.sh only, which then stops it in order.
start_service() {	# name
	name=$1
	bin=$BUILD/bin/dataland-$name
	[ -x "$bin" ] || die "$bin is missing (run make)"
	rm -f "$D/sock/$name.sock" "$D/sock/$name-long.sock"
	printf '\n' >>"$D/log/$name.log"
	env DATABASE_URL="$DATABASE_URL" \
	    AUTH_DATABASE_URL="$AUTH_DATABASE_URL" \
	    APP_ENV="$APP_ENV" \
	    AGENT_WORKERS="$AGENT_WORKERS" AUTH_WORKERS="$AUTH_WORKERS" \
	    AGENT_SOCKET="$D/sock/agent.sock" AUTH_SOCKET="$D/sock/auth.sock" \
	    AGENT_LONG_SOCKET="$D/sock/agent-long.sock" \
	    AUTH_LONG_SOCKET="$D/sock/auth-long.sock" \
	    ${AGENT_LONG_WORKERS:+AGENT_LONG_WORKERS="$AGENT_LONG_WORKERS"} \
	    ${AUTH_LONG_WORKERS:+AUTH_LONG_WORKERS="$AUTH_LONG_WORKERS"} \
	    AUTH_DATA_DIR="$D/auth-data" \
	    ${SOCKET_GROUP:+SOCKET_GROUP="$SOCKET_GROUP"} \
	    ${MODEL_PROVIDER:+MODEL_PROVIDER="$MODEL_PROVIDER"} \
	    ${MODEL_ECHO_DELAY_MS:+MODEL_ECHO_DELAY_MS="$MODEL_ECHO_DELAY_MS"} \
	    ${MODEL_BASE_URL:+MODEL_BASE_URL="$MODEL_BASE_URL"} \
	    ${MODEL_NAME:+MODEL_NAME="$MODEL_NAME"} \
	    ${MODEL_CONNECT_TIMEOUT_MS:+MODEL_CONNECT_TIMEOUT_MS="$MODEL_CONNECT_TIMEOUT_MS"} \
	    ${MODEL_TIMEOUT_MS:+MODEL_TIMEOUT_MS="$MODEL_TIMEOUT_MS"} \
	    ${MODEL_IDLE_TIMEOUT_MS:+MODEL_IDLE_TIMEOUT_MS="$MODEL_IDLE_TIMEOUT_MS"} \
	    ${MODEL_TOOL_ROUNDS:+MODEL_TOOL_ROUNDS="$MODEL_TOOL_ROUNDS"} \
	    ${MODEL_HISTORY_TOKENS:+MODEL_HISTORY_TOKENS="$MODEL_HISTORY_TOKENS"} \
	    ${MODEL_PRICES:+MODEL_PRICES="$MODEL_PRICES"} \
	    setsid "$bin" </dev/null >>"$D/log/$name.log" 2>&1 &
	echo $! >"$D/$name.pid"
}

start_nginx() {
	AGENT_SOCK=$D/sock/agent.sock AUTH_SOCK=$D/sock/auth.sock \
	AGENT_LONG_SOCK=$D/sock/agent-long.sock \
	AUTH_LONG_SOCK=$D/sock/auth-long.sock \
	TLS_CERT=$D/tls/cert.pem TLS_KEY=$D/tls/key.pem \
	NGINX_PREFIX=$D/nginx nginx_conf "$D/nginx"
	"$NGINX" -p "$D/nginx/" -c "$D/nginx/nginx.conf" \
	    2>>"$D/log/nginx.log" ||
	    die "nginx did not start: $(tail -n 20 "$D/log/nginx.log")"
}

# 0 when URL answers 200 over TLS (the certificate is ours).
http_ok() {
	code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$1" \
	    2>/dev/null) || true
	[ "$code" = 200 ]
}

wait_healthy() {	# what to check: agent, auth or both
	base=https://127.0.0.1:$HTTPS_PORT
	n=0
	while [ "$n" -lt $((START_TIMEOUT * 4)) ]; do
		ok=1
		case $1 in agent|both) http_ok "$base/healthz" || ok=0 ;; esac
		case $1 in auth|both) http_ok "$base/auth/healthz" || ok=0 ;; esac
		[ "$ok" = 1 ] && return 0
		for s in agent auth; do
			live_pid "$D/$s.pid" "dataland-$s" >/dev/null ||
			    case $1 in "$s"|both) fail_logs "$s exited" ;; esac
		done
		sleep 0.25
		n=$((n + 1))
	done
	fail_logs "no healthy answer from $base within ${START_TIMEOUT}s"
}

fail_logs() {
	say "$1; last log lines:"
	for f in "$D"/log/auth.log "$D"/log/agent.log "$D"/nginx/logs/error.log; do
		[ -s "$f" ] || continue
		printf -- '--- %s\n' "$f" >&2
		tail -n 15 "$f" >&2
	done
	exit 1
}

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

write_env() {
	{
		echo "# Dataland stack in $D (scripts/stack.sh); source me."
		echo "export STACK_DIR=$(q "$D")"
		echo "export DATABASE_URL=$(q "$DATABASE_URL")"
		echo "export AUTH_DATABASE_URL=$(q "$AUTH_DATABASE_URL")"
		echo "export AUTH_DATA_DIR=$(q "$D/auth-data")"
		echo "export BASE_URL=$(q "https://127.0.0.1:$HTTPS_PORT")"
		echo "export DATALAND_CA=$(q "$D/tls/cert.pem")"
		echo "export PG_PORT=$PG_PORT"
		echo "export HTTPS_PORT=$HTTPS_PORT"
		echo "export HTTP_PORT=$HTTP_PORT"
		echo "export AGENT_SOCKET=$(q "$D/sock/agent.sock")"
		echo "export AUTH_SOCKET=$(q "$D/sock/auth.sock")"
	} >"$D/env.tmp"
	mv "$D/env.tmp" "$D/env"
}

# As root, nginx workers run as www-data: they must reach the sockets
# (group www-data, 0660, set by the services) through DIR/sock.
socket_dir() {
	chmod 0750 "$D/sock"
	SOCKET_GROUP=""
	if is_root; then
		SOCKET_GROUP=www-data
		chgrp www-data "$D/sock"
		d=$D
		while [ "$d" != / ]; do
			if ! su -s /bin/sh -c "test -x '$d'" www-data 2>/dev/null
			then
				say "warning: www-data cannot enter $d; nginx will not reach the sockets"
				break
			fi
			d=$(dirname "$d")
		done
	fi
}

# --- commands ---------------------------------------------------------------

cmd_start() {
	for b in dataland dataland-agent dataland-auth; do
		[ -x "$BUILD/bin/$b" ] || die "$BUILD/bin/$b is missing (run make)"
	done
	mkdir -p "$D/pg" "$D/nginx" "$D/tls" "$D/sock" "$D/log" "$D/auth-data"
	chmod 0700 "$D/auth-data"
	for s in agent auth; do
		if p=$(live_pid "$D/$s.pid" "dataland-$s"); then
			die "$s already runs as pid $p (scripts/stack.sh stop $D)"
		fi
	done
	if p=$(live_pid "$D/nginx/nginx.pid" nginx); then
		die "nginx already runs as pid $p (scripts/stack.sh stop $D)"
	fi
	len=$(printf '%s' "$D/sock/agent.sock" | wc -c)
	[ "$len" -lt 108 ] || die "$D is too long a path for a unix socket"
	# Whatever fails from here on, nothing is left running.
	trap 'say "start failed; stopping what was started"; cmd_stop' EXIT
	database
	tls_cert
	socket_dir
	start_service auth
	start_service agent
	start_nginx
	wait_healthy both
	write_env
	trap - EXIT
	say "up: https://127.0.0.1:$HTTPS_PORT (logs in $D/log, $D/nginx/logs)"
}

cmd_stop() {
	stop_pid nginx "$D/nginx/nginx.pid" nginx
	stop_pid agent "$D/agent.pid" dataland-agent
	stop_pid auth "$D/auth.pid" dataland-auth
	rm -f "$D"/sock/agent*.sock "$D"/sock/auth*.sock
	if [ -d "$D/pg" ] && [ -x "$ROOT/scripts/pg.sh" ]; then
		"$ROOT/scripts/pg.sh" stop "$D/pg" >&2 || true
	fi
}

cmd_restart() {		# agent|auth
	[ -s "$D/env" ] || die "no stack in $D (scripts/stack.sh start $D)"
	over_db=${STACK_DATABASE_URL:-}
	over_auth=${STACK_AUTH_DATABASE_URL:-}
	# shellcheck source=/dev/null
	. "$D/env"
	DATABASE_URL=${over_db:-$DATABASE_URL}
	AUTH_DATABASE_URL=${over_auth:-$AUTH_DATABASE_URL}
	stop_pid "$1" "$D/$1.pid" "dataland-$1"
	socket_dir
	start_service "$1"
	wait_healthy "$1"
}

cmd_status() {
	rc=0
	for s in nginx agent auth; do
		f=$D/$s.pid m=dataland-$s
		[ "$s" = nginx ] && f=$D/nginx/nginx.pid m=nginx
		if p=$(live_pid "$f" "$m"); then
			echo "$s: running (pid $p)"
		else
			echo "$s: stopped"
			rc=1
		fi
	done
	if [ -x "$ROOT/scripts/pg.sh" ]; then
		"$ROOT/scripts/pg.sh" status "$D/pg" || rc=1
	fi
	return $rc
}

[ $# -eq 2 ] || usage
case $1 in
nginx-conf)
	nginx_conf "$2"
	exit 0
	;;
esac
D=$(absdir "$2")
case $1 in
start)		cmd_start ;;
stop)		cmd_stop ;;
status)		cmd_status ;;
restart-agent)	cmd_restart agent ;;
restart-auth)	cmd_restart auth ;;
*)		usage ;;
esac
