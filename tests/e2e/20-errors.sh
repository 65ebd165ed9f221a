#!/bin/bash
# The contract's error answers through nginx (API.md §2): 404, 405 with
# Allow, 413, 415, 400 invalid_json, X-Request-Id handling, oversized
# Authorization headers; every error body exactly
# {"error":{"code","message"}}.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

JSON='Content-Type: application/json'

# body NAME PYEXPR: writes the bytes PYEXPR evaluates to into $T/NAME.
body() {
	python3 -c 'import sys; open(sys.argv[1], "wb").write(eval(sys.argv[2]))' \
	    "$T/$1" "$2"
}

# A JSON object of exactly N bytes: {"a":"xxx..."}.
body_sized() {	# NAME N
	body "$1" "b'{\"a\":\"' + b'x' * ($2 - 8) + b'\"}'"
}

t_err() {	# STATUS CODE METHOD PATH [CURL-ARGS...]
	local s=$1 c=$2
	shift 2
	req "$@" && expect_error "$s" "$c" && expect_reqid
}

# nginx's own error pages set headers of their own, and so must include
# the security headers again (dataland-headers.conf).
t_nginx_404() {
	t_err 404 not_found GET /nope &&
	expect_header strict-transport-security '^max-age=[0-9]+' &&
	expect_header x-content-type-options '^nosniff$'
}

t_405() {	# ALLOW-ERE METHOD PATH
	local allow=$1
	shift
	t_err 405 method_not_allowed "$@" &&
	expect_header allow "$allow"
}

t_get_put_ok() {	# METHOD
	req "$1" /t/only-get-put && expect_status 200 &&
	expect_json "j == {'method': '$1'}"
}

t_echo_ok() {	# BODY-FILE [CURL-ARGS...]
	t_echo_at /t/echo "$@"
}

t_echo_at() {	# PATH BODY-FILE [CURL-ARGS...]
	local p=$1 f=$T/$2
	shift 2
	req POST "$p" -H "$JSON" --data-binary "@$f" "$@" &&
	expect_status 200 && expect_ctype application/json &&
	python3 - "$f" "$T/b" <<-'EOF'
	import json, sys
	a = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
	b = json.loads(open(sys.argv[2], "rb").read().decode("utf-8"))
	if a != b:
	    sys.exit("echo differs from what was sent")
	EOF
}

# 413 may come from nginx (its body cap) or from the service (BODY_MAX);
# either way it is the contract's JSON error.
t_413() {	# BODY-FILE PATH [CURL-ARGS...]
	local f=$T/$1 p=$2
	shift 2
	req POST "$p" -H "$JSON" --data-binary "@$f" "$@" &&
	expect_error 413 payload_too_large
}

# The same through /t-big/, where nginx lets the body pass: the answer
# must be the runtime's own (its log line carries the request id).
t_413_service() {	# BODY-FILE [CURL-ARGS...]
	local f=$T/$1 id
	shift
	id="e2e-413.$RANDOM$RANDOM"
	req POST /t-big/echo -H "$JSON" -H "X-Request-Id: $id" \
	    --data-binary "@$f" "$@" &&
	expect_error 413 payload_too_large || return 1
	wait_for 10 grep -qF -- "$id" "$E2E_DIR/log/testapp.log" ||
	    fail "the 413 did not come from the service (no log line for $id)"
}

t_json_bad() {	# BODY-FILE
	t_err 400 invalid_json POST /t/echo -H "$JSON" --data-binary "@$T/$1"
}

# --- X-Request-Id ---------------------------------------------------

t_reqid_echoed() {	# ID
	req GET /t/healthz -H "X-Request-Id: $1" && expect_status 200 ||
	    return 1
	[ "$(hdr x-request-id)" = "$1" ] ||
	    fail "sent X-Request-Id '$1', got '$(hdr x-request-id)'"
}

t_reqid_replaced() {	# ID
	req GET /t/healthz -H "X-Request-Id: $1" && expect_status 200 &&
	expect_reqid || return 1
	[ "$(hdr x-request-id)" != "$1" ] ||
	    fail "invalid X-Request-Id '$1' was echoed"
}

t_reqid_generated() {
	local a b
	req GET /t/healthz && expect_status 200 && expect_reqid || return 1
	a=$(hdr x-request-id)
	req GET /t/healthz && expect_reqid || return 1
	b=$(hdr x-request-id)
	[ "$a" != "$b" ] || fail "two requests got the same id '$a'"
}

t_reqid_logged() {	# PATH LOG
	local id
	id="e2e-log.$RANDOM$RANDOM"
	req GET "$1" -H "X-Request-Id: $id" && expect_reqid || return 1
	[ "$(hdr x-request-id)" = "$id" ] ||
	    fail "id not echoed: '$(hdr x-request-id)'" || return 1
	wait_for 10 grep -qF -- "$id" "$E2E_DIR/log/$2" ||
	    fail "id '$id' not in log/$2 within 10 s"
}

# --- oversized Authorization ----------------------------------------

t_big_auth() {	# HEADER-FILE CODES-ERE PATH [CURL-ARGS...]
	local f=$T/$1 codes=$2 p=$3
	shift 3
	req GET "$p" -H "@$f" "$@" || return 1
	case $RS in
	401 | 404) ;;
	*) fail "status $RS, expected 401 or 404"; show >&2; return 1 ;;
	esac
	expect_ctype application/json &&
	expect_json "isinstance(j, dict) and list(j) == ['error'] and
	    sorted(j['error']) == ['code', 'message'] and
	    isinstance(j['error']['message'], str) and
	    __import__('re').fullmatch('$codes', j['error']['code'])"
}

printf 'Authorization: Bearer %s\n' \
    "$(head -c 102300 /dev/zero | tr '\0' 'A')" >"$T/auth-100k"
# curl's HTTP/2 library sends no header block over 64 KiB: HTTP/2 gets
# 60 KB, still far past what FastCGI can carry.
printf 'Authorization: Bearer %s\n' \
    "$(head -c 60000 /dev/zero | tr '\0' 'A')" >"$T/auth-60k"
printf 'Authorization: Bearer %s\n' \
    "$(head -c 8000 /dev/zero | tr '\0' 'b')" >"$T/auth-8k"
# Just under nginx's cap for Authorization: the service parses it.
printf 'Authorization: Bearer %s\n' \
    "$(head -c 16000 /dev/zero | tr '\0' 'c')" >"$T/auth-16k"

body_sized max 65536
body_sized over 65537
body_sized big 71680
body_sized huge 1048576
body text "b'{\"a\": 1}'"
body trunc "b'{\"a\":'"
body utf8bad "b'{\"a\":\"\\xff\\xfe\"}'"
body overlong "b'{\"a\":\"\\xc0\\xaf\"}'"
body surrogate "b'{\"a\":\"\\xed\\xa0\\x80\"}'"
body nul "b'{\"a\":\"x\\x00y\"}'"
body array "b'[1, 2, 3]'"
body string "b'\"just a string\"'"
body trailing "b'{\"a\": 1} {\"b\": 2}'"
body empty "b''"
body deep "b'{\"a\":' * 100 + b'1' + b'}' * 100"
body unicode "'{\"a\": \"caf\u00e9 \U0001F600 \u65e5\u672c\"}'.encode()"
body nested "b'{\"a\": [1, {\"b\": null, \"c\": true}], \"d\": -1.5e3}'"

# 404
check "GET /v1/nope -> 404 not_found" t_err 404 not_found GET /v1/nope
check "GET /auth/nope -> 404 not_found" t_err 404 not_found GET /auth/nope
check "GET /t/nope -> 404 not_found" t_err 404 not_found GET /t/nope
check "GET /nope (nginx's own 404) -> JSON with HSTS and nosniff" t_nginx_404

# 405 with Allow
check "POST /t/only-get-put -> 405, Allow GET, PUT" \
    t_405 '^GET, ?PUT$|^PUT, ?GET$' POST /t/only-get-put
check "DELETE /t/only-get-put -> 405 with Allow" \
    t_405 'GET.*PUT|PUT.*GET' DELETE /t/only-get-put
check "GET /t/only-get-put -> 200" t_get_put_ok GET
check "PUT /t/only-get-put -> 200" t_get_put_ok PUT
check "POST /healthz (agent) -> 405, Allow GET" t_405 '^GET' POST /healthz
check "POST /auth/healthz (auth) -> 405, Allow GET" \
    t_405 '^GET' POST /auth/healthz

# 413
check "POST /t/echo 64 KiB body exactly -> 200 echoed" t_echo_ok max
check "POST /t/echo 64 KiB + 1 -> 413 payload_too_large" t_413 over /t/echo
check "POST /t/echo 70 KiB -> 413 payload_too_large" t_413 big /t/echo
check "POST /t/echo 1 MiB -> 413 payload_too_large" t_413 huge /t/echo
check "POST /t/echo 70 KiB chunked -> 413 payload_too_large" \
    t_413 big /t/echo -H 'Transfer-Encoding: chunked' --http1.1
check "POST /t-big/echo 64 KiB exactly, nginx cap 4 MiB -> 200 echoed" \
    t_echo_at /t-big/echo max
check "service cap: 64 KiB + 1 -> its own 413 payload_too_large" \
    t_413_service over
check "service cap: 1 MiB -> its own 413 payload_too_large" \
    t_413_service huge
check "service cap: 70 KiB chunked -> its own 413 payload_too_large" \
    t_413_service big -H 'Transfer-Encoding: chunked' --http1.1
check "POST /v1/chat 1 MiB -> 413 payload_too_large" t_413 huge /v1/chat
check "POST /auth/login 1 MiB -> 413 payload_too_large" \
    t_413 huge /auth/login

# 415
check "POST /t/echo text/plain -> 415 unsupported_media_type" \
    t_err 415 unsupported_media_type POST /t/echo \
    -H 'Content-Type: text/plain' --data-binary "@$T/text"
check "POST /t/echo form-urlencoded -> 415 unsupported_media_type" \
    t_err 415 unsupported_media_type POST /t/echo \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "@$T/text"
check "POST /t/echo application/json; charset=utf-8 -> 200" \
    t_echo_ok text -H 'Content-Type: application/json; charset=utf-8'

# 400 invalid_json
check "truncated JSON -> 400 invalid_json" t_json_bad trunc
check "invalid UTF-8 (0xff) -> 400 invalid_json" t_json_bad utf8bad
check "overlong UTF-8 -> 400 invalid_json" t_json_bad overlong
check "UTF-8 surrogate -> 400 invalid_json" t_json_bad surrogate
check "raw NUL byte -> 400 invalid_json" t_json_bad nul
check "JSON array body -> 400 invalid_json" t_json_bad array
check "JSON string body -> 400 invalid_json" t_json_bad string
check "trailing data after the object -> 400 invalid_json" t_json_bad trailing
check "empty body -> 400 invalid_json" t_json_bad empty
check "nesting depth 100 -> 400 invalid_json" t_json_bad deep
check "non-ASCII UTF-8 object -> 200 echoed" t_echo_ok unicode
check "nested object -> 200 echoed" t_echo_ok nested

# X-Request-Id
check "X-Request-Id valid -> echoed" t_reqid_echoed 'e2e-Valid.id_123'
check "X-Request-Id of 64 chars -> echoed" \
    t_reqid_echoed "$(head -c 64 /dev/zero | tr '\0' 'r')"
check "X-Request-Id of 65 chars -> replaced" \
    t_reqid_replaced "$(head -c 65 /dev/zero | tr '\0' 'r')"
check "X-Request-Id with a space and '!' -> replaced" \
    t_reqid_replaced 'bad id!'
check "X-Request-Id with '/' -> replaced" t_reqid_replaced 'a/b'
check "X-Request-Id with a quote -> replaced" t_reqid_replaced 'a"b'
check "X-Request-Id absent -> generated, distinct" t_reqid_generated
check "request id in the testapp log line" t_reqid_logged /t/healthz testapp.log
check "request id in the agent log line" t_reqid_logged /healthz agent.log
check "request id in the auth log line" t_reqid_logged /auth/healthz auth.log

# Oversized and malformed Authorization
check "GET /v1/conversations, 100 KB Bearer, HTTP/1.1 -> JSON 401/404" \
    t_big_auth auth-100k 'unauthorized|not_found' /v1/conversations --http1.1
check "GET /v1/conversations, 60 KB Bearer, HTTP/2 -> JSON 401/404" \
    t_big_auth auth-60k 'unauthorized|not_found' /v1/conversations --http2
check "GET /auth/me, 100 KB Bearer, HTTP/1.1 -> JSON 401/404" \
    t_big_auth auth-100k 'unauthorized|not_found' /auth/me --http1.1
check "GET /auth/me, 60 KB Bearer, HTTP/2 -> JSON 401/404" \
    t_big_auth auth-60k 'unauthorized|not_found' /auth/me --http2
check "GET /v1/conversations, malformed 8 KB Bearer -> JSON 401/404" \
    t_big_auth auth-8k 'unauthorized|not_found' /v1/conversations
check "GET /auth/me, malformed 8 KB Bearer -> JSON 401/404" \
    t_big_auth auth-8k 'unauthorized|not_found' /auth/me
check "GET /v1/conversations, 16 KB Bearer (reaches the service) -> JSON 401/404" \
    t_big_auth auth-16k 'unauthorized|not_found' /v1/conversations
check "GET /auth/me, 16 KB Bearer (reaches the service) -> JSON 401/404" \
    t_big_auth auth-16k 'unauthorized|not_found' /auth/me

e2e_done
