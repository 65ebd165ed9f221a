#!/bin/bash
# The auth service through nginx and TLS (API.md §3): signup, login, me,
# profile, password change (revoking the token it was made with);
# duplicates; legacy and reference-argon2
# rows; the JWKS and its extra_jwks.json followed within seconds; the
# database stopped and back; bad bodies; the login throttle answering
# 429 before any hashing, and a correct login once its window passed.
#
# nginx limits POST /auth/login and /auth/signup per client address, so
# each group of checks speaks from its own loopback address (127.0.0.N).
. "$(dirname "$0")/lib.sh"

# A short throttle window so that its end can be waited for.
export AUTH_THROTTLE_WINDOW=20
export AUTH_THROTTLE_EMAIL_MAX=5
e2e_start

JSON='Content-Type: application/json'
PW='correct horse battery'

# post ADDR PATH JSON [CURL-ARGS...]: a JSON POST from 127.0.0.ADDR.
post() {
	local n=$1 p=$2 b=$3
	shift 3
	printf '%s' "$b" >"$T/req.json"
	req POST "$p" --interface "127.0.0.$n" -H "$JSON" \
	    --data-binary "@$T/req.json" "$@"
}

# field PYEXPR: prints PYEXPR of the last JSON answer (j).
field() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1]));
print(eval(sys.argv[2]))' "$T/b" "$1"
}

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$AUTH_DATABASE_URL" -c "$1"
}

expect_user() {	# EMAIL
	expect_json "set(j) == {'sub','email','full_name','location',
	    'profile_photo_url','stripe_customer_id','created_at'} and
	    j['email'] == '$1' and len(j['sub']) == 36 and
	    j['created_at'].endswith('Z')"
}

expect_token() {	# EMAIL
	expect_json "j['token_type'] == 'Bearer' and
	    j['expires_in'] == 3600 and j['access_token'].count('.') == 2 and
	    j['user']['email'] == '$1'" || return 1
	TOKEN=$(field "j['access_token']")
}

# --- the main flow ------------------------------------------------------

t_signup() {
	post 11 /auth/signup "{\"email\":\"  Ada@Example.ORG \",
	    \"password\":\"$PW\",\"full_name\":\"Ada L\"}" &&
	expect_status 201 && expect_reqid && expect_token ada@example.org &&
	expect_json "j['user']['location'] == '' and
	    j['user']['full_name'] == 'Ada L' and
	    j['user']['profile_photo_url'] is None" || return 1
	# the header names the service's key
	"$PY" - "$TOKEN" <<-'EOF'
	import base64, json, sys
	h = sys.argv[1].split(".")[0]
	h = json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))
	assert h == {"alg": "RS256", "typ": "JWT", "kid": "dataland-auth-1"}, h
	EOF
}

t_login() {
	post 11 /auth/login "{\"email\":\"ADA@example.org\",\"password\":\"$PW\"}" &&
	expect_status 200 && expect_token ada@example.org
}

t_me() {
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_status 200 && expect_user ada@example.org
}

t_patch() {
	printf '%s' '{"location":"Bruxelles","profile_photo_url":"https://x.org/a.png"}' \
	    >"$T/req.json"
	req PATCH /auth/me -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_status 200 &&
	expect_user ada@example.org &&
	expect_json "j['location'] == 'Bruxelles' and j['full_name'] == 'Ada L'
	    and j['profile_photo_url'] == 'https://x.org/a.png'"
}

# after_iat TOKEN: waits until the clock is past the second of the
# token's iat, so that a password change now revokes it.
after_iat() {
	local t
	t=$("$PY" -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iat"])' \
	    "$1") || return 1
	while [ "$(date +%s)" -le "$t" ]; do
		sleep 0.1
	done
}

t_password() {
	after_iat "$TOKEN" || return 1
	printf '{"current_password":"%s","new_password":"new horse staple"}' \
	    "$PW" >"$T/req.json"
	req POST /auth/password -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_status 204 || return 1
	# the change revoked the token it was made with (docs/auth.md)
	req POST /auth/password -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --data-binary "@$T/req.json" &&
	expect_error 401 unauthorized || return 1
	post 11 /auth/login "{\"email\":\"ada@example.org\",\"password\":\"$PW\"}" &&
	expect_error 401 invalid_credentials || return 1
	post 11 /auth/login '{"email":"ada@example.org","password":"new horse staple"}' &&
	expect_status 200 && expect_token ada@example.org || return 1
	# a wrong current password, with a token that is still good
	printf '{"current_password":"%s","new_password":"new horse staple"}' \
	    "$PW" >"$T/req.json"
	req POST /auth/password -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --data-binary "@$T/req.json" &&
	expect_error 401 invalid_credentials
}

t_same_401() {
	post 12 /auth/login '{"email":"ada@example.org","password":"wrong horse"}' &&
	expect_error 401 invalid_credentials || return 1
	cp "$T/b" "$T/wrong.json"
	post 12 /auth/login '{"email":"nobody@example.org","password":"wrong horse"}' &&
	expect_error 401 invalid_credentials && cmp "$T/b" "$T/wrong.json"
}

t_duplicate() {
	post 12 /auth/signup '{"email":"ADA@EXAMPLE.ORG","password":"another one"}' &&
	expect_error 409 conflict
}

# --- rows written by the Python service ---------------------------------

t_legacy() {
	local hex
	hex=$(printf %s '9a1b''legacy pass' | sha256sum | cut -d' ' -f1)
	psql_q "INSERT INTO auth_server_users (email, hash, salt)
	    VALUES ('old@example.org', '$hex', '9a1b')" || return 1
	post 12 /auth/login '{"email":"old@example.org","password":"legacy pass"}' &&
	expect_status 200 && expect_token old@example.org || return 1
	[ "$(psql_q "SELECT salt FROM auth_server_users
	    WHERE email = 'old@example.org'")" = argon2 ] ||
	    fail "salt not reset"
	psql_q "SELECT hash FROM auth_server_users
	    WHERE email = 'old@example.org'" |
	    grep -q '^\$argon2id\$v=19\$m=65536,t=3,p=4\$' ||
	    fail "hash not upgraded"
	post 12 /auth/login '{"email":"old@example.org","password":"legacy pass"}' &&
	expect_status 200
}

t_reference_argon2() {
	local salt phc
	salt=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' |
	    head -c 16)
	phc=$(printf %s 'python wrote me' |
	    argon2 "$salt" -id -t 3 -m 16 -p 4 -l 32 -e) || return 1
	psql_q "INSERT INTO auth_server_users (email, hash, salt)
	    VALUES ('cffi@example.org', '$phc', 'argon2')" || return 1
	post 12 /auth/login '{"email":"cffi@example.org","password":"python wrote me"}' &&
	expect_status 200 && expect_token cffi@example.org || return 1
	[ "$(psql_q "SELECT hash FROM auth_server_users
	    WHERE email = 'cffi@example.org'")" = "$phc" ] ||
	    fail "a hash at the defaults was rewritten"
}

# --- JWKS ---------------------------------------------------------------

jwks_kids() {	# prints the kids of the last answer, comma-separated
	field "','.join(k['kid'] for k in j['keys'])"
}

t_jwks() {
	local p
	for p in /auth/jwks.json /.well-known/jwks.json; do
		req GET "$p" && expect_status 200 &&
		expect_header cache-control '^public, max-age=300$' &&
		expect_json "j['keys'][0]['kid'] == 'dataland-auth-1' and
		    j['keys'][0]['kty'] == 'RSA' and
		    j['keys'][0]['alg'] == 'RS256' and
		    j['keys'][0]['use'] == 'sig' and
		    j['keys'][0]['e'] == 'AQAB' and
		    len(j['keys'][0]['n']) >= 342 and
		    '=' not in j['keys'][0]['n'] and
		    set(j['keys'][0]) == {'kty','use','alg','kid','n','e'}" ||
		    return 1
	done
}

# A public JWK with kid KID of a new 2048-bit key.
make_jwk() {	# KID
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$T/cms.pem" 2>/dev/null || return 1
	openssl rsa -in "$T/cms.pem" -noout -modulus |
	"$PY" -c '
import base64, json, sys
n = int(sys.stdin.read().strip().split("=")[1], 16)
b = n.to_bytes((n.bit_length() + 7) // 8, "big")
print(json.dumps({"kty": "RSA", "use": "sig", "alg": "RS256",
    "kid": sys.argv[1], "e": "AQAB",
    "n": base64.urlsafe_b64encode(b).rstrip(b"=").decode()}))' "$1"
}

jwks_has() {	# KID: every answer of a few lists KID
	local i
	for i in 1 2 3 4; do
		req GET /auth/jwks.json && expect_status 200 || return 1
		case ",$(jwks_kids)," in *",$1,"*) ;; *) return 1 ;; esac
	done
}

jwks_lacks() {	# KID
	local i
	for i in 1 2 3 4; do
		req GET /.well-known/jwks.json && expect_status 200 || return 1
		case ",$(jwks_kids)," in *",$1,"*) return 1 ;; esac
	done
}

t_extra_jwks() {
	local f=$AUTH_DATA_DIR/extra_jwks.json jwk
	jwk=$(make_jwk dataland-rs256-1) || return 1
	printf '{"keys":[%s]}\n' "$jwk" >"$f.tmp" && mv "$f.tmp" "$f" ||
	    return 1
	wait_for 12 jwks_has dataland-rs256-1 ||
	    fail "an added key was not served within 12 s" || return 1
	req GET /auth/jwks.json && expect_json "[k['kid'] for k in j['keys']]
	    == ['dataland-auth-1', 'dataland-rs256-1']" || return 1
	printf '{"keys":[{"kty":' >"$f"
	sleep 3
	jwks_has dataland-rs256-1 ||
	    fail "a malformed file dropped the last good keys" || return 1
	rm -f "$f"
	wait_for 12 jwks_lacks dataland-rs256-1 ||
	    fail "a removed key was still served after 12 s"
}

# --- the database away --------------------------------------------------

t_db_down() {
	scripts/pg.sh stop "$E2E_DIR/pg" >/dev/null 2>&1 || return 1
	post 13 /auth/login '{"email":"ada@example.org","password":"new horse staple"}' &&
	expect_error 503 unavailable && expect_header retry-after '^[0-9]+$' ||
	    return 1
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_error 503 unavailable || return 1
	req GET /auth/readyz && expect_status 503 || return 1
	req GET /auth/jwks.json && expect_status 200 || return 1
	scripts/pg.sh start "$E2E_DIR/pg" "$E2E_PG_PORT" >/dev/null 2>&1 ||
	    return 1
	wait_for 20 eval 'req GET /auth/readyz && [ "$RS" = 200 ]' ||
	    fail "not ready again within 20 s" || return 1
	post 13 /auth/login '{"email":"ada@example.org","password":"new horse staple"}' &&
	expect_status 200
}

# --- bad requests -------------------------------------------------------

t_bad() {	# STATUS CODE BODY [CURL-ARGS...]
	local s=$1 c=$2 b=$3
	shift 3
	post 14 /auth/signup "$b" "$@" && expect_error "$s" "$c"
}

t_bad_bodies() {
	t_bad 400 invalid_json '{"email":' &&
	t_bad 400 invalid_json '["a@b.org","12345678"]' &&
	t_bad 400 invalid_request '{"email":5,"password":"12345678"}' &&
	t_bad 400 invalid_request '{"email":"a@b.org","password":12345678}' &&
	t_bad 400 invalid_request '{"email":"a@b.org"}' &&
	t_bad 400 invalid_request '{"password":"12345678"}' &&
	t_bad 400 invalid_request '{"email":"not-an-email","password":"12345678"}' &&
	t_bad 400 invalid_request '{"email":"a@b.org","password":"1234567"}' &&
	t_bad 400 invalid_request '{"email":"a@b.org","password":"12345678","location":[]}' ||
	    return 1
	printf '%s' '{"email":"a@b.org","password":"12345678"}' >"$T/req.json"
	req POST /auth/signup --interface 127.0.0.14 -H 'Content-Type: text/plain' \
	    --data-binary "@$T/req.json" &&
	expect_error 415 unsupported_media_type || return 1
	printf '{"email":"a@b.org","password":"\xff\xfe12345678"}' >"$T/req.json"
	req POST /auth/signup --interface 127.0.0.14 -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_error 400 invalid_json ||
	    return 1
	"$PY" -c 'import sys; sys.stdout.write("{\"email\":\"a@b.org\",\"password\":\"" + "x" * 70000 + "\"}")' \
	    >"$T/big.json"
	# HTTP/1.1: nginx's own early 413 on HTTP/2 is its HTML page (the
	# nginx configuration's business, checked in 20-errors)
	req POST /auth/signup --interface 127.0.0.14 -H "$JSON" --http1.1 \
	    --data-binary "@$T/big.json" && expect_error 413 payload_too_large ||
	    return 1
	req PATCH /auth/me -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --http1.1 --data-binary "@$T/big.json" &&
	expect_error 413 payload_too_large || return 1
	"$PY" -c 'import sys; sys.stdout.write("{\"email\":\"a@b.org\",\"password\":\"" + "x" * 1025 + "\"}")' \
	    >"$T/long.json"
	req POST /auth/signup --interface 127.0.0.14 -H "$JSON" \
	    --data-binary "@$T/long.json" && expect_error 400 invalid_request
}

t_bad_tokens() {
	req GET /auth/me && expect_error 401 unauthorized || return 1
	req GET /auth/me -H 'Authorization: Bearer not.a.token' &&
	expect_error 401 unauthorized || return 1
	req GET /auth/me -H "Authorization: Bearer ${TOKEN}x" &&
	expect_error 401 unauthorized || return 1
	# curl's HTTP/2 sends no header block over 64 KiB: 100 KB over 1.1
	"$PY" -c 'print("Authorization: Bearer " + "A" * 100000)' >"$T/hdr"
	req GET /auth/me -H "@$T/hdr" --http1.1 &&
	expect_error 401 unauthorized || return 1
	"$PY" -c 'print("Authorization: Bearer " + "A" * 60000)' >"$T/hdr"
	req GET /auth/me -H "@$T/hdr" && expect_error 401 unauthorized ||
	    return 1
	printf '%s' '{"location":5}' >"$T/req.json"
	req PATCH /auth/me -H "Authorization: Bearer $TOKEN" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_error 400 invalid_request
}

# --- the throttle -------------------------------------------------------

t_throttle() {
	local i after
	post 15 /auth/signup '{"email":"tom@example.org","password":"tom password"}' &&
	expect_status 201 || return 1
	for i in 1 2 3 4 5; do
		post 15 /auth/login '{"email":"tom@example.org","password":"guess"}' &&
		expect_error 401 invalid_credentials || return 1
	done
	# the right password too: the check comes before any hashing
	post 15 /auth/login '{"email":"tom@example.org","password":"tom password"}' &&
	expect_error 429 rate_limited && expect_header retry-after '^[0-9]+$' ||
	    return 1
	after=$(hdr retry-after)
	[ "$after" -ge 1 ] && [ "$after" -le "$AUTH_THROTTLE_WINDOW" ] ||
	    fail "Retry-After $after outside 1..$AUTH_THROTTLE_WINDOW" || return 1
	# another email from another address is not held up
	post 16 /auth/login '{"email":"ada@example.org","password":"new horse staple"}' &&
	expect_status 200 || return 1
	sleep $((after + 1))
	post 15 /auth/login '{"email":"tom@example.org","password":"tom password"}' &&
	expect_status 200 && expect_token tom@example.org || return 1
	# a success forgets the email's failures
	[ "$(psql_q "SELECT count(*) FROM auth_login_throttle
	    WHERE key = 'e:tom@example.org'")" = 0 ] ||
	    fail "the email's counter survived a successful login"
}

check "signup answers 201 with a token" t_signup
check "login is case-insensitive on the email" t_login
check "GET /auth/me" t_me
check "PATCH /auth/me" t_patch
check "password change revokes its token, then only the new one logs in" \
    t_password
check "wrong password and unknown email answer the same 401" t_same_401
check "duplicate email (other case) is 409" t_duplicate
check "legacy sha256 row logs in and is re-hashed" t_legacy
check "a reference argon2 CLI hash logs in and is kept" t_reference_argon2
check "JWKS on both paths with Cache-Control" t_jwks
check "extra_jwks.json added, garbage ignored, removed" t_extra_jwks
check "bad bodies answer their 4xx" t_bad_bodies
check "bad tokens answer 401" t_bad_tokens
check "failed logins throttled with Retry-After, then let through" t_throttle
check "database stopped: 503, then recovery" t_db_down
e2e_done
