#!/bin/bash
# No request fails or waits because another is long (docs/architecture.md,
# "Two lanes"): through nginx, profile edits over kept connections run
# beside password-hashing logins and password changes on the long lane
# without a single 5xx; and a responder busy under steady load still
# honours SIGTERM: the master is gone within seconds, not at its drain
# deadline.
. "$(dirname "$0")/lib.sh"

e2e_start

JSON='Content-Type: application/json'
PW='lanes password 1'

post() {	# ADDR PATH JSON [CURL-ARGS...]
	local n=$1 p=$2 b=$3
	shift 3
	printf '%s' "$b" >"$T/req.json"
	req POST "$p" --interface "127.0.0.$n" -H "$JSON" \
	    --data-binary "@$T/req.json" "$@"
}

token() {
	"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_token"])' "$T/b"
}

# Two accounts: the profile edits and the hashing requests touch
# different rows, so what is measured is the lanes, not a row lock.
t_setup() {
	post 31 /auth/signup "{\"email\":\"lanes@example.org\",\"password\":\"$PW\"}" &&
	expect_status 201 && TOKEN=$(token) &&
	post 31 /auth/signup "{\"email\":\"edits@example.org\",\"password\":\"$PW\"}" &&
	expect_status 201 && EDIT_TOKEN=$(token)
}

# login_loop ADDR N: N sequential logins from 127.0.0.ADDR; one status
# per line in $T/loop.ADDR.
login_loop() {
	local i
	for i in $(seq "$2"); do
		curl -sS --max-time 30 "${CURL_TLS[@]}" --interface "127.0.0.$1" \
		    -o /dev/null -w '%{http_code}\n' -H "$JSON" \
		    --data-binary "{\"email\":\"lanes@example.org\",\"password\":\"$PW\"}" \
		    "$BASE/auth/login"
	done >"$T/loop.$1" 2>&1
}

# password_loop ADDR N: wrong current passwords (each one hashed).
password_loop() {
	local i
	for i in $(seq "$2"); do
		curl -sS --max-time 30 "${CURL_TLS[@]}" --interface "127.0.0.$1" \
		    -o /dev/null -w '%{http_code}\n' -H "$JSON" \
		    -H "Authorization: Bearer $TOKEN" \
		    --data-binary '{"current_password":"wrong guess 1","new_password":"whatever 12345"}' \
		    "$BASE/auth/password"
	done >"$T/loop.$1" 2>&1
}

t_mixed() {
	local wp pids="" a n5 seen
	cat >"$T/patch.lua" <<-'EOF'
	wrk.method = "PATCH"
	wrk.body = '{"location":"Lisbon"}'
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
	EOF
	access_log_settle || fail "nginx's access log did not settle" ||
	    return 1
	seen=$(wc -l <"$E2E_DIR/nginx/logs/access.log")
	TOKEN=$EDIT_TOKEN wrk -t2 -c16 -d10s --timeout 20s -s "$T/patch.lua" \
	    "$BASE/auth/me" >"$T/wrk" 2>&1 &
	wp=$!
	for a in 41 42 43 44; do
		login_loop "$a" 12 &
		pids="$pids $!"
	done
	for a in 45 46; do
		password_loop "$a" 12 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	wait "$wp"
	cat "$T/wrk"
	grep -q 'Requests/sec' "$T/wrk" || fail "wrk did not run" || return 1
	! grep -Eq 'Non-2xx|Socket errors' "$T/wrk" ||
	    fail "profile edits failed beside the long requests" || return 1
	for a in 41 42 43 44; do
		[ "$(grep -c '^200$' "$T/loop.$a")" -eq 12 ] ||
		    fail "logins from .$a: $(sort "$T/loop.$a" | uniq -c | tr '\n' ' ')" ||
		    return 1
	done
	for a in 45 46; do
		! grep -qv '^\(401\|429\)$' "$T/loop.$a" ||
		    fail "password changes from .$a: $(sort "$T/loop.$a" | uniq -c | tr '\n' ' ')" ||
		    return 1
	done
	access_log_settle || fail "nginx's access log did not settle" ||
	    return 1
	n5=$(tail -n +"$((seen + 1))" "$E2E_DIR/nginx/logs/access.log" |
	    grep -c '"status":5')
	[ "$n5" -eq 0 ] || fail "$n5 answers were 5xx" || return 1
}

# GET and PATCH of one route are separate series, and no series repeats
# (Prometheus drops a scrape that repeats one).
t_metrics_series() {
	req GET /auth/me -H "Authorization: Bearer $EDIT_TOKEN" &&
	expect_status 200 && req GET /auth/metrics && expect_status 200 || return 1
	"$PY" - "$T/b" <<-'EOF'
	import collections, sys
	lines = [l for l in open(sys.argv[1]).read().splitlines()
	         if l and not l.startswith("#")]
	series = collections.Counter(l.rsplit(" ", 1)[0] for l in lines)
	dup = [s for s, n in series.items() if n > 1]
	assert not dup, dup[:3]
	reqs = [s for s in series if s.startswith("dataland_requests_total{")
	        and 'route="/auth/me"' in s]
	assert any('method="GET"' in s for s in reqs), reqs
	assert any('method="PATCH"' in s for s in reqs), reqs
	EOF
}

t_sigterm_under_load() {
	local wp m t0
	m=$(cat "$E2E_DIR/auth.pid")
	wrk -t2 -c16 -d12s --timeout 20s -H "Authorization: Bearer $TOKEN" \
	    "$BASE/auth/me" >"$T/wrk2" 2>&1 &
	wp=$!
	sleep 2
	t0=$SECONDS
	kill -TERM "$m" || return 1
	wait_for 10 eval "! alive $m" ||
	    { kill "$wp"; fail "auth master still running 10 s after SIGTERM under load"; return 1; }
	[ $((SECONDS - t0)) -le 5 ] ||
	    { kill "$wp"; fail "the stop took $((SECONDS - t0)) s"; return 1; }
	kill "$wp" 2>/dev/null
	wait "$wp" 2>/dev/null
	! grep -q 'drain timeout' "$E2E_DIR/log/auth.log" ||
	    fail "the drain ran into its deadline"
}

check "lanes: a signup for the traffic" t_setup
check "lanes: profile edits beside logins and password changes, no 5xx" t_mixed
check "metrics: a series per route and method, none repeated" \
    t_metrics_series
check "lanes: SIGTERM honoured under steady load" t_sigterm_under_load
e2e_done
