#!/bin/sh
# The shipped configuration is valid as shipped: the production nginx
# config (nginx -t, with a throw-away certificate and writable paths
# swapped in), the systemd units (systemd-analyze verify, ExecStart
# pointed at the built binaries), and compose.yml (docker-compose
# config) where the tool is installed.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
BIN=$TOP/${BUILD:-build/san}/bin
T=$(mktemp -d /tmp/dataland-configs.XXXXXX)
trap 'rm -rf "$T"' EXIT
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

# --- nginx, production -----------------------------------------------
mkdir -p "$T/nginx/logs" "$T/tls"
cp nginx/dataland.conf "$T/nginx/nginx.conf"
cp nginx/dataland-*.conf "$T/nginx/"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$T/tls/privkey.pem" -out "$T/tls/fullchain.pem" 2>/dev/null
# nginx -t binds the listeners: unix sockets here, so that neither an
# ordinary user (no ports below 1024) nor a busy port 80/443 fails it.
sed -i -e "s|/etc/dataland/tls/|$T/tls/|g" \
    -e "s|/var/log/nginx/|$T/nginx/logs/|g" \
    -e "s|listen\t\t127.0.0.1:80;|listen unix:$T/http.sock;|" \
    -e "s|listen\t\t127.0.0.1:443 |listen unix:$T/https.sock |" \
    -e "s|/run/nginx.pid|$T/nginx/nginx.pid|" "$T/nginx/nginx.conf"
check "config-nginx-production" \
    nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" \
    -g "error_log $T/nginx/logs/error.log;"

# --- systemd -------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/units"
	for u in systemd/*.service systemd/*.socket systemd/*.timer; do
		sed "s|/usr/local/bin/|$BIN/|g" "$u" >"$T/units/$(basename "$u")"
	done
	check "config-systemd-units" sh -c \
	    "systemd-analyze verify '$T'/units/*.service '$T'/units/*.socket '$T'/units/*.timer 2>&1 | tee /dev/stderr | grep -v 'Documentation' | grep -q . && exit 1; exit 0"
fi

# --- compose ---------------------------------------------------------
if command -v docker-compose >/dev/null 2>&1; then
	check "config-compose" env \
	    DATABASE_URL=postgresql://svc:x@dataland-postgres:5432/dataland \
	    docker-compose config -q
fi

[ "$fails" -eq 0 ]
