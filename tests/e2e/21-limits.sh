#!/bin/bash
# nginx's per-address rate limits are the operator's settings (API.md
# §5, docs/nginx.md): a stack started with AUTH_LOGIN_RATE=2,
# AUTH_PASSWORD_RATE=3 and AUTH_SIGNUP_RATE=60 with AUTH_SIGNUP_BURST=1
# refuses sooner than the shipped 10 a minute with a burst of 20
# (tests/e2e/20-errors.sh), says when to come back (Retry-After =
# ceil(60 / rate)) and lets the client in again then; a bad setting
# stops the rendering with the variable named.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

export AUTH_LOGIN_RATE=2 AUTH_PASSWORD_RATE=3 AUTH_SIGNUP_RATE=60
export AUTH_SIGNUP_BURST=1
unset AUTH_LOGIN_BURST AUTH_PASSWORD_BURST
e2e_start

JSON='Content-Type: application/json'

# passes PATH ADDR [CURL-ARGS...]: POSTs from 127.0.0.ADDR until nginx
# answers 429 (at most 30); the number that passed before it in $N.
passes() {
	local p=$1 a=$2
	shift 2
	N=0
	while [ $N -lt 30 ]; do
		req POST "$p" --interface "127.0.0.$a" "$@" || return 1
		[ "$RS" = 429 ] && return 0
		N=$((N + 1))
	done
	fail "no 429 after $N requests"
}

# t_limit PATH ADDR MIN MAX RETRY [CURL-ARGS...]: the burst and one more
# pass (MIN, MAX for a slow machine), then the JSON 429 with its
# Retry-After.
t_limit() {
	local p=$1 a=$2 min=$3 max=$4 retry=$5
	shift 5
	passes "$p" "$a" "$@" || return 1
	[ $N -ge "$min" ] && [ $N -le "$max" ] ||
	    fail "429 after $N requests, expected $min to $max" || return 1
	expect_error 429 rate_limited && expect_reqid &&
	expect_header retry-after "^$retry\$" &&
	expect_header strict-transport-security '^max-age=[0-9]+'
}

# One a second with a burst of 1: two pass, the third is refused with
# Retry-After 1, and once that second has passed a request passes again.
t_retry_after_honest() {
	t_limit /auth/signup 45 2 3 1 -H 'Content-Type: text/plain' \
	    --data x || return 1
	sleep 1
	req POST /auth/signup --interface 127.0.0.45 \
	    -H 'Content-Type: text/plain' --data x &&
	expect_status 415
}

t_rendered() {
	local f=$E2E_DIR/nginx/dataland-limits.conf
	grep -q 'zone=auth_login:10m rate=2r/m;' "$f" &&
	grep -q 'zone=auth_login burst=4 nodelay;' "$f" &&
	grep -q 'zone=auth_password:10m rate=3r/m;' "$f" &&
	grep -q 'zone=auth_password burst=6 nodelay;' "$f" &&
	grep -q 'zone=auth_signup:10m rate=60r/m;' "$f" &&
	grep -q 'zone=auth_signup burst=1 nodelay;' "$f" ||
	    { cat "$f"; return 1; }
}

# The local config is rendered as make run renders it: a bad value
# stops it with the variable named, before nginx is asked.
t_bad_setting() {
	local out=$T/bad-conf
	rm -rf "$out"
	if AUTH_LOGIN_RATE=10r/m AUTH_PASSWORD_BURST=many \
	    AGENT_SOCK=$T/a.sock AUTH_SOCK=$T/b.sock \
	    TLS_CERT=$DATALAND_CA TLS_KEY=$DATALAND_CA \
	    scripts/stack.sh nginx-conf "$out" >"$T/bad.out" 2>&1; then
		fail "AUTH_LOGIN_RATE=10r/m was accepted"
		return 1
	fi
	cat "$T/bad.out"
	grep -q "AUTH_LOGIN_RATE='10r/m'" "$T/bad.out" &&
	grep -q "AUTH_PASSWORD_BURST='many'" "$T/bad.out" &&
	[ ! -e "$out/dataland-limits.conf" ] && [ ! -e "$out/nginx.conf" ]
}

check "the stack's dataland-limits.conf has the settings" t_rendered
check "AUTH_LOGIN_RATE=2: 429 after the burst of 4 and one, Retry-After 30" \
    t_limit /auth/login 41 5 6 30 -H 'Content-Type: text/plain' --data x
check "AUTH_PASSWORD_RATE=3: 429 after the burst of 6 and one, Retry-After 20" \
    t_limit /auth/password 43 7 8 20 -H "$JSON" --data '{}'
check "AUTH_SIGNUP_RATE=60, burst 1: Retry-After 1 holds" t_retry_after_honest
check "a bad AUTH_LOGIN_RATE stops the rendering, named" t_bad_setting

e2e_done
