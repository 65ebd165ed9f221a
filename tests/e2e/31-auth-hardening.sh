#!/bin/bash
# The auth service as a hostile client tries it, through nginx and TLS
# (docs/auth.md): POST /auth/password in the failure throttle, its 429
# before any hash, one budget shared with login; parallel guesses let
# exactly the limit through (login and password change); emails folded
# exactly as the Python service did; a password change revoking the
# account's earlier tokens, to the second; no row lock held while a
# password is hashed.
#
# nginx limits the password routes per client address, so each group of
# checks speaks from its own loopback address (127.0.0.N).
. "$(dirname "$0")/lib.sh"

export AUTH_THROTTLE_WINDOW=300
export AUTH_THROTTLE_EMAIL_MAX=5
export AUTH_THROTTLE_ADDR_MAX=20
# More long-lane responders than hash slots, so that parallel guesses
# really reach the throttle at once.
E2E_AUTH_LONG_WORKERS=6
e2e_start

JSON='Content-Type: application/json'
PW='correct horse battery'
RID=0
RIDV=""

# post ADDR PATH JSON [CURL-ARGS...]: a JSON POST from 127.0.0.ADDR.
post() {
	local n=$1 p=$2 b=$3
	shift 3
	printf '%s' "$b" >"$T/req.json"
	req POST "$p" --interface "127.0.0.$n" -H "$JSON" \
	    --data-binary "@$T/req.json" "$@"
}

# field PYEXPR: PYEXPR of the last JSON answer (j).
field() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1]));
print(eval(sys.argv[2]))' "$T/b" "$1"
}

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$AUTH_DATABASE_URL" -c "$1"
}

# signup ADDR EMAIL: a new account with $PW; its token in $TOKEN.
signup() {
	post "$1" /auth/signup "{\"email\":\"$2\",\"password\":\"$PW\"}" &&
	expect_status 201 && TOKEN=$(field "j['access_token']")
}

# login ADDR EMAIL PASSWORD: 200; the token in $TOKEN.
login() {
	post "$1" /auth/login "{\"email\":\"$2\",\"password\":\"$3\"}" &&
	expect_status 200 && TOKEN=$(field "j['access_token']")
}

# change ADDR TOKEN CURRENT NEW [CURL-ARGS...]: POST /auth/password.
change() {
	local n=$1 tok=$2 cur=$3 new=$4
	shift 4
	post "$n" /auth/password \
	    "{\"current_password\":\"$cur\",\"new_password\":\"$new\"}" \
	    -H "Authorization: Bearer $tok" "$@"
}

# iat TOKEN: the token's iat claim.
iat() {
	"$PY" -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iat"])' "$1"
}

# next_rid: a request id of our own in $RIDV, to find the request in
# nginx's access log.
next_rid() {
	RID=$((RID + 1))
	RIDV=h31-$$-$RID
}

# upstream_ms RID: how long the auth service took for request RID, in
# ms, as nginx logged it.
upstream_ms() {
	wait_for 10 access_log_has "$1" || {
		echo "no request $1 in the access log" >&2
		return 1
	}
	"$PY" - "$E2E_DIR/nginx/logs/access.log" "$1" <<-'EOF'
	import json, sys
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if r["request_id"] == sys.argv[2]:
	        print(int(float(r["upstream_time"].split(",")[-1]) * 1000))
	        break
	else:
	    sys.exit("no request " + sys.argv[2] + " in the access log")
	EOF
}

# --- POST /auth/password in the throttle ---------------------------------

t_password_throttle() {
	local i ms min401=999999 max429=0 after
	signup 51 pat@example.org || return 1
	for i in 1 2 3 4 5; do
		next_rid
		change 51 "$TOKEN" "guess $i" "new horse staple" \
		    -H "X-Request-Id: $RIDV" &&
		expect_error 401 invalid_credentials || return 1
		ms=$(upstream_ms "$RIDV") || return 1
		[ "$ms" -lt "$min401" ] && min401=$ms
	done
	# the right password too: the check comes before any hashing
	for i in 1 2 3; do
		next_rid
		change 51 "$TOKEN" "$PW" "new horse staple" \
		    -H "X-Request-Id: $RIDV" &&
		expect_error 429 rate_limited &&
		expect_header retry-after '^[0-9]+$' || return 1
		after=$(hdr retry-after)
		[ "$after" -ge 1 ] && [ "$after" -le "$AUTH_THROTTLE_WINDOW" ] ||
		    fail "Retry-After $after outside 1..$AUTH_THROTTLE_WINDOW" ||
		    return 1
		ms=$(upstream_ms "$RIDV") || return 1
		[ "$ms" -gt "$max429" ] && max429=$ms
	done
	echo "fastest 401 ${min401} ms, slowest 429 ${max429} ms"
	[ "$max429" -lt "$min401" ] ||
	    fail "a 429 took as long as a hash (${max429} vs ${min401} ms)" ||
	    return 1
	[ "$(psql_q "SELECT failures FROM auth_login_throttle
	    WHERE key = 'e:pat@example.org'")" = 5 ] ||
	    fail "the refused attempts were counted"
}

# Login and password change spend one budget: the account's email key.
t_shared_budget() {
	local tok i
	signup 52 share@example.org && tok=$TOKEN || return 1
	for i in 1 2 3; do
		post 52 /auth/login '{"email":"share@example.org","password":"guess"}' &&
		expect_error 401 invalid_credentials || return 1
	done
	for i in 1 2; do
		change 52 "$tok" "guess $i" "new horse staple" &&
		expect_error 401 invalid_credentials || return 1
	done
	post 53 /auth/login "{\"email\":\"SHARE@example.org\",\"password\":\"$PW\"}" &&
	expect_error 429 rate_limited || return 1
	change 53 "$tok" "$PW" "new horse staple" &&
	expect_error 429 rate_limited || return 1
	# and the other way round: wrong changes, then a login
	signup 54 share2@example.org && tok=$TOKEN || return 1
	for i in 1 2 3 4 5; do
		change 54 "$tok" "guess $i" "new horse staple" &&
		expect_error 401 invalid_credentials || return 1
	done
	post 54 /auth/login "{\"email\":\"share2@example.org\",\"password\":\"$PW\"}" &&
	expect_error 429 rate_limited
}

# --- parallel guesses ----------------------------------------------------

# parallel N ADDR PATH JSON [CURL-ARGS...]: N requests at once from
# 127.0.0.ADDR; their statuses, sorted and counted, on stdout.
parallel() {
	local n=$1 a=$2 p=$3 b=$4 i pids=""
	shift 4
	printf '%s' "$b" >"$T/par.json"
	for i in $(seq "$n"); do
		curl -sS --max-time 60 "${CURL_TLS[@]}" --interface "127.0.0.$a" \
		    -o /dev/null -w '%{http_code}\n' -H "$JSON" \
		    --data-binary "@$T/par.json" "$@" "$BASE$p" \
		    >"$T/status.$i" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	cat "$T"/status.* | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
	rm -f "$T"/status.*
}

t_parallel_login() {
	local got
	signup 55 racer@example.org || return 1
	got=$(parallel 20 56 /auth/login \
	    '{"email":"racer@example.org","password":"wrong guess"}')
	echo "20 parallel logins: $got"
	[ "$got" = "401:5 429:15 " ] ||
	    fail "expected exactly 5 401 and 15 429, got $got" || return 1
	[ "$(psql_q "SELECT failures FROM auth_login_throttle
	    WHERE key = 'e:racer@example.org'")" = 5 ]
}

t_parallel_password() {
	local got
	signup 57 racer2@example.org || return 1
	got=$(parallel 20 57 /auth/password \
	    '{"current_password":"wrong guess","new_password":"new horse staple"}' \
	    -H "Authorization: Bearer $TOKEN")
	echo "20 parallel password changes: $got"
	[ "$got" = "401:5 429:15 " ] ||
	    fail "expected exactly 5 401 and 15 429, got $got"
}

# --- emails folded as Python's str.strip().lower() -------------------------

t_unicode_upper() {
	post 61 /auth/signup "{\"email\":\"\\u00c4LICE@EXAMPLE.COM\",\"password\":\"$PW\"}" &&
	expect_status 201 &&
	expect_json "j['user']['email'] == '\\u00e4lice@example.com'" || return 1
	[ "$(psql_q "SELECT count(*) FROM auth_server_users
	    WHERE email = U&'\\00e4lice@example.com'")" = 1 ] ||
	    fail "not stored as \\u00e4lice@example.com" || return 1
	post 61 /auth/login "{\"email\":\"ÄLICE@example.com\",\"password\":\"$PW\"}" &&
	expect_status 200 || return 1
	TOKEN=$(field "j['access_token']")
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_status 200 &&
	expect_json "j['email'] == '\\u00e4lice@example.com'"
}

t_unicode_nbsp() {
	signup 62 alice@example.com || return 1
	post 62 /auth/signup "{\"email\":\"\\u00a0alice@example.com\",\"password\":\"$PW\"}" &&
	expect_error 409 conflict || return 1
	post 62 /auth/signup "{\"email\":\"\\u3000ALICE@example.com\\u2029\",\"password\":\"$PW\"}" &&
	expect_error 409 conflict || return 1
	post 62 /auth/login "{\"email\":\"\\u00a0alice@example.com\",\"password\":\"$PW\"}" &&
	expect_status 200 &&
	expect_json "j['user']['email'] == 'alice@example.com'" || return 1
	[ "$(psql_q "SELECT count(*) FROM auth_server_users
	    WHERE email LIKE '%alice@example.com'")" = 1 ] ||
	    fail "a look-alike account was made"
}

t_unicode_kelvin() {
	post 63 /auth/signup "{\"email\":\"\\u212aelvin@example.com\",\"password\":\"$PW\"}" &&
	expect_status 201 &&
	expect_json "j['user']['email'] == 'kelvin@example.com'" || return 1
	post 63 /auth/signup "{\"email\":\"kelvin@example.com\",\"password\":\"$PW\"}" &&
	expect_error 409 conflict || return 1
	post 63 /auth/login "{\"email\":\"Kelvin@Example.com\",\"password\":\"$PW\"}" &&
	expect_status 200 &&
	expect_json "j['user']['email'] == 'kelvin@example.com'"
}

# --- revocation ------------------------------------------------------------

# after_second TOKEN: waits until the clock is past the token's iat.
after_second() {
	local t
	t=$(iat "$1") || return 1
	while [ "$(date +%s)" -le "$t" ]; do
		sleep 0.1
	done
}

t_revocation() {
	local old new
	signup 64 rev@example.org || return 1
	login 64 rev@example.org "$PW" && old=$TOKEN || return 1
	after_second "$old" || return 1
	change 64 "$old" "$PW" "new horse staple" && expect_status 204 ||
	    return 1
	[ "$(psql_q "SELECT password_changed_at IS NOT NULL
	    FROM auth_server_users WHERE email = 'rev@example.org'")" = t ] ||
	    fail "password_changed_at not set" || return 1
	req GET /auth/me -H "Authorization: Bearer $old" &&
	expect_error 401 unauthorized || return 1
	printf '%s' '{"location":"Delft"}' >"$T/req.json"
	req PATCH /auth/me -H "Authorization: Bearer $old" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_error 401 unauthorized ||
	    return 1
	change 64 "$old" "new horse staple" "third horse staple" &&
	expect_error 401 unauthorized || return 1
	[ "$(psql_q "SELECT location FROM auth_server_users
	    WHERE email = 'rev@example.org'")" = "" ] ||
	    fail "a revoked token changed the profile" || return 1
	login 64 rev@example.org "new horse staple" && new=$TOKEN || return 1
	req GET /auth/me -H "Authorization: Bearer $new" &&
	expect_status 200 || return 1
	printf '%s' '{"location":"Delft"}' >"$T/req.json"
	req PATCH /auth/me -H "Authorization: Bearer $new" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_status 200 &&
	expect_json "j['location'] == 'Delft'"
}

# Whole seconds: a token issued in the second of the change stays valid,
# one of an earlier second does not.
t_revocation_second() {
	local t
	login 65 rev@example.org "new horse staple" || return 1
	t=$(iat "$TOKEN") || return 1
	psql_q "UPDATE auth_server_users SET password_changed_at =
	    to_timestamp($t + 0.9) WHERE email = 'rev@example.org'" ||
	    return 1
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_status 200 || return 1
	psql_q "UPDATE auth_server_users SET password_changed_at =
	    to_timestamp($t + 1) WHERE email = 'rev@example.org'" ||
	    return 1
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_error 401 unauthorized
}

# --- no row lock while hashing ---------------------------------------------

# The session holding the row lock of t_no_row_lock is asleep.
lock_held() {
	[ "$(psql_q "SELECT count(*) FROM pg_stat_activity
	    WHERE query LIKE '%h31 lock%' AND query LIKE '%pg_sleep%'
	    AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ]
}

# Order, not time: the login and the password change finish while the
# other session still holds the row's lock (it would hold it for a
# minute), so neither waited for it.
t_no_row_lock() {
	local lp tok rc=0
	signup 66 locked@example.org && tok=$TOKEN || return 1
	psql -X -q -d "$AUTH_DATABASE_URL" -c "/* h31 lock */ BEGIN;
	    SELECT 1 FROM auth_server_users WHERE email = 'locked@example.org'
	    FOR UPDATE; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
	lp=$!
	wait_for 15 lock_held ||
	    { kill "$lp"; wait "$lp"; fail "the lock was not taken"; return 1; }
	login 66 locked@example.org "$PW" &&
	change 66 "$tok" "wrong guess" "new horse staple" &&
	expect_error 401 invalid_credentials || rc=1
	[ $rc -ne 0 ] || lock_held ||
	    { fail "they finished only once the row lock was gone"; rc=1; }
	psql_q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
	    WHERE query LIKE '%h31 lock%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$lp"
	return $rc
}

check "password change: 401 until the limit, then 429 with Retry-After, before any hash" \
    t_password_throttle
check "login and password change share the account's budget" t_shared_budget
check "20 parallel logins: exactly the limit let through" t_parallel_login
check "20 parallel password changes: exactly the limit let through" \
    t_parallel_password
check "email: \\u00c4LICE@EXAMPLE.COM stored and returned as \\u00e4lice@example.com" \
    t_unicode_upper
check "email: \\u00a0alice@example.com is alice@example.com (409, logs in)" \
    t_unicode_nbsp
check "email: \\u212aelvin@example.com is kelvin@example.com" t_unicode_kelvin
check "password change revokes earlier tokens on /auth/me and /auth/password" \
    t_revocation
check "revocation counts whole seconds" t_revocation_second
check "no row lock held while hashing" t_no_row_lock
e2e_done
