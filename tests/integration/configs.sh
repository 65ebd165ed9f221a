#!/bin/sh
# The shipped configuration is valid as shipped: the production nginx
# config (nginx -t, with a throw-away certificate and writable paths
# swapped in) with its rate limits rendered by scripts/nginx-limits.sh
# (defaults, settings, bad settings refused, envsubst agreeing), the
# systemd units (systemd-analyze verify, ExecStart pointed at the built
# binaries), and compose.yml (docker-compose config) where the tool is
# installed.
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
LIMITS_VARS="AUTH_LOGIN_RATE AUTH_SIGNUP_RATE AUTH_PASSWORD_RATE
AUTH_LOGIN_BURST AUTH_SIGNUP_BURST AUTH_PASSWORD_BURST"
# Settings of the developer's shell must not change what is tested.
for v in $LIMITS_VARS; do
	unset "$v"
done

# limits OUT [VAR=VALUE...]: renders the template with those settings.
limits() {
	out=$1
	shift
	env "$@" scripts/nginx-limits.sh nginx/dataland-limits.conf.template \
	    "$out"
}

mkdir -p "$T/nginx/logs" "$T/tls"
cp nginx/dataland.conf "$T/nginx/nginx.conf"
cp nginx/dataland-*.conf "$T/nginx/"
limits "$T/nginx/dataland-limits.conf" 2>"$T/limits.err" ||
    cat "$T/limits.err"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$T/tls/privkey.pem" -out "$T/tls/fullchain.pem" 2>/dev/null
# nginx -t binds the listeners: unix sockets here, so that neither an
# ordinary user (no ports below 1024) nor a busy port 80/443 fails it.
sed -i -e "s|/etc/dataland/tls/|$T/tls/|g" \
    -e "s|/var/log/nginx/|$T/nginx/logs/|g" \
    -e "s|listen\t\t127.0.0.1:80;|listen unix:$T/http.sock;|" \
    -e "s|listen\t\t127.0.0.1:443 |listen unix:$T/https.sock |" \
    -e "s|/run/nginx.pid|$T/nginx/nginx.pid|" "$T/nginx/nginx.conf"
nginx_t() {
	nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	    -g "error_log $T/nginx/logs/error.log;"
}
check "config-nginx-production" nginx_t

# The shipped defaults (API.md §5): 10 a minute and a burst of 20 for
# each route, the password route following login.
t_limits_defaults() {
	grep -q 'zone=auth_login:10m rate=10r/m;' "$1" &&
	grep -q 'zone=auth_signup:10m rate=10r/m;' "$1" &&
	grep -q 'zone=auth_password:10m rate=10r/m;' "$1" &&
	[ "$(grep -c 'burst=20 nodelay;' "$1")" -eq 3 ] &&
	! grep -n '[$][{]' "$1"
}
check "config-nginx-limits-defaults" \
    t_limits_defaults "$T/nginx/dataland-limits.conf"

t_limits_set() {
	limits "$T/set.conf" AUTH_LOGIN_RATE=3 AUTH_SIGNUP_RATE=120 \
	    AUTH_SIGNUP_BURST=1 &&
	grep -q 'zone=auth_login:10m rate=3r/m;' "$T/set.conf" &&
	grep -q 'zone=auth_login burst=6 nodelay;' "$T/set.conf" &&
	grep -q 'zone=auth_signup:10m rate=120r/m;' "$T/set.conf" &&
	grep -q 'zone=auth_signup burst=1 nodelay;' "$T/set.conf" &&
	grep -q 'zone=auth_password:10m rate=3r/m;' "$T/set.conf" &&
	cp "$T/set.conf" "$T/nginx/dataland-limits.conf" && nginx_t
}
check "config-nginx-limits-settings" t_limits_set

# Each bad value is named, all at once, and nothing is written.
t_limits_bad() {
	rm -f "$T/bad.conf"
	if limits "$T/bad.conf" AUTH_LOGIN_RATE=10r/m AUTH_SIGNUP_RATE=0 \
	    AUTH_PASSWORD_RATE=99999999 AUTH_LOGIN_BURST=-1 \
	    AUTH_PASSWORD_BURST=0 2>"$T/bad.err"; then
		echo "bad settings were accepted"
		return 1
	fi
	cat "$T/bad.err"
	for v in AUTH_LOGIN_RATE AUTH_SIGNUP_RATE AUTH_PASSWORD_RATE \
	    AUTH_LOGIN_BURST AUTH_PASSWORD_BURST; do
		grep -q "$v=" "$T/bad.err" || { echo "$v not named"; return 1; }
	done
	! grep -q AUTH_SIGNUP_BURST "$T/bad.err" && [ ! -e "$T/bad.conf" ]
}
check "config-nginx-limits-refused" t_limits_bad

# The official nginx image renders /etc/nginx/templates/*.template with
# envsubst: given every variable, it must write the same file.
if command -v envsubst >/dev/null 2>&1; then
	t_limits_envsubst() {
		limits "$T/a.conf" AUTH_LOGIN_RATE=7 2>/dev/null &&
		env AUTH_LOGIN_RATE=7 AUTH_SIGNUP_RATE=10 \
		    AUTH_PASSWORD_RATE=7 AUTH_LOGIN_BURST=14 \
		    AUTH_SIGNUP_BURST=20 AUTH_PASSWORD_BURST=14 \
		    envsubst "$(printf '${%s} ' $LIMITS_VARS)" \
		    <nginx/dataland-limits.conf.template >"$T/b.conf" &&
		diff "$T/a.conf" "$T/b.conf"
	}
	check "config-nginx-limits-envsubst" t_limits_envsubst
fi

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
