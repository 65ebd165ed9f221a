#!/bin/bash
# The contract's error answers through nginx (API.md §2): 404, 405 with
# Allow, 413, 415, 400 invalid_json, X-Request-Id handling, oversized
# Authorization headers; every error body exactly
# {"error":{"code","message"}}. And what a hostile client gets from
# nginx itself (docs/nginx.md): request targets and headers too long
# for FastCGI (414, 431), too many or too long headers (431), unknown
# Transfer-Encoding (501), TRACE (405), HTTP/2.0 in plain text (505),
# plain HTTP on the TLS port (a bodiless redirect), bursts on the
# password routes (429 with Retry-After).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

JSON='Content-Type: application/json'

# body NAME PYEXPR: writes the bytes PYEXPR evaluates to into $T/NAME.
body() {
	"$PY" -c 'import sys; open(sys.argv[1], "wb").write(eval(sys.argv[2]))' \
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
	"$PY" - "$f" "$T/b" <<-'EOF'
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

# --- what nginx answers by itself --------------------------------------

# t_nginx_err STATUS CODE METHOD PATH [CURL-ARGS...]: nginx's own JSON
# error, with the request id and the security headers.
t_nginx_err() {
	t_err "$@" &&
	expect_header strict-transport-security '^max-age=[0-9]+' &&
	expect_header x-content-type-options '^nosniff$'
}

# raw tls|plain PYEXPR: sends the bytes PYEXPR evaluates to on one
# connection to nginx's TLS port (through TLS, or in plain text) and
# reads until nginx closes it. Leaves the answer as req does: status in
# $RS ("" when nginx answered nothing), headers in $T/h, body in $T/b.
# For what curl will not send.
raw() {
	: >"$T/h"
	: >"$T/b"
	RS=$("$PY" - "$1" "$2" "$E2E_HTTPS_PORT" "${DATALAND_CA:-}" \
	    "$T/h" "$T/b" <<-'EOF'
	import socket, ssl, sys
	mode, expr, port, ca, hf, bf = sys.argv[1:]
	s = socket.create_connection(("127.0.0.1", int(port)), timeout=15)
	if mode == "tls":
	    ctx = ssl.create_default_context(cafile=ca or None)
	    if not ca:
	        ctx.check_hostname = False
	        ctx.verify_mode = ssl.CERT_NONE
	    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
	try:
	    s.sendall(eval(expr))
	except OSError:
	    pass        # nginx may answer and close before reading it all
	out = b""
	try:
	    while True:
	        b = s.recv(65536)
	        if not b:
	            break
	        out += b
	except OSError:
	    pass
	head, _, body = out.partition(b"\r\n\r\n")
	open(hf, "wb").write(head + b"\r\n")
	open(bf, "wb").write(body)
	print(head.split(b" ")[1].decode() if out else "")
	EOF
	)
}

# t_raw_err STATUS CODE PYEXPR: raw over TLS; nginx's own JSON error.
t_raw_err() {
	raw tls "$3" && expect_error "$1" "$2" && expect_reqid &&
	expect_header strict-transport-security '^max-age=[0-9]+'
}

# A string of N bytes of one letter.
long() {	# N [LETTER]
	head -c "$1" /dev/zero | tr '\0' "${2:-q}"
}

# FastCGI carries a request's parameters in one record of at most 64 KiB;
# a request target nginx reads (up to 128 KiB) but FastCGI cannot carry
# was a 500. Every location that passes to a service answers 414.
Q100K="q=$(long 100000)"
for p in /v1/conversations /v1/chat /auth/me /auth/login /auth/signup \
    /auth/password /auth/metrics /.well-known/jwks.json /healthz /readyz \
    /metrics /t/healthz; do
	check "GET $p?<100 KB query> -> 414 invalid_request" \
	    t_nginx_err 414 invalid_request GET "$p?$Q100K" --http1.1
done
check "GET /v1/<100 KB path> -> 414 invalid_request" \
    t_nginx_err 414 invalid_request GET "/v1/$(long 100000 p)" --http1.1
check "GET /v1/conversations?<20 KB query>, HTTP/2 -> 414 invalid_request" \
    t_nginx_err 414 invalid_request GET "/v1/conversations?q=$(long 20000)" \
    --http2
check "GET /v1/conversations?<130 KB query> (nginx's own 414) -> JSON" \
    t_raw_err 414 invalid_request \
    "b'GET /v1/conversations?q=' + b'q' * 133000 + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'"

# The three parts of a request the client sizes each have 16 KiB: all
# of them at their cap still fit one record, and reach the service.
t_caps_fit() {
	local target="/t/healthz?q=" auth="Bearer "
	target=$target$(long $((16384 - ${#target})))
	auth=$auth$(long $((16384 - ${#auth})) a)
	printf 'Authorization: %s\n' "$auth" >"$T/auth-cap"
	req GET "$target" -H "@$T/auth-cap" -H "Accept: $(long 8192 c)" \
	    -H "Content-Type: $(long 8192 t)" --http1.1 &&
	expect_status 200 && expect_json "j == {'status': 'ok'}"
}
check "16 KiB target + 16 KiB Authorization + 16 KiB Accept/Content-Type -> the service" \
    t_caps_fit

# Accept and Content-Type are passed on too: 431 past their share.
check "GET /v1/conversations, 20 KB Accept -> 431 invalid_request" \
    t_nginx_err 431 invalid_request GET /v1/conversations \
    -H "Accept: $(long 20000 a)"
check "GET /auth/me, 100 KB Accept, HTTP/1.1 -> 431 invalid_request" \
    t_nginx_err 431 invalid_request GET /auth/me \
    -H "Accept: $(long 100000 a)" --http1.1
check "POST /t/echo, 20 KB Content-Type -> 431 invalid_request" \
    t_nginx_err 431 invalid_request POST /t/echo \
    -H "Content-Type: application/json; x=$(long 20000 a)" --data '{}'
# ...and a 100 KB token still gets its 401 with the rest too long
# (curl sends no request head this large).
check "GET /auth/me, 100 KB Bearer and 100 KB query -> 401 unauthorized" \
    t_raw_err 401 unauthorized \
    "b'GET /auth/me?q=' + b'q' * 100000 + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ' + b'A' * 100000 + b'\r\nAccept: ' + b'a' * 100000 + b'\r\n\r\n'"

# nginx's own 494: more headers than it takes (Debian 12's nginx counts
# them: max_headers, 1000), a header line over large_client_header_buffers,
# or all headers over 4 x 128 KiB. It was mapped to the token's 401.
HDRS=()
for i in $(seq 1001); do
	HDRS+=(-H "X-Probe-$i: v")
done
check "GET /healthz with 1001 headers, HTTP/1.1 -> 431 invalid_request" \
    t_nginx_err 431 invalid_request GET /healthz "${HDRS[@]}" --http1.1
check "GET /auth/me with 1001 headers, HTTP/2 -> 431 invalid_request" \
    t_nginx_err 431 invalid_request GET /auth/me "${HDRS[@]}" --http2
check "a 130 KB header line -> 431 invalid_request" \
    t_raw_err 431 invalid_request \
    "b'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Junk: ' + b'j' * 133000 + b'\r\n\r\n'"
check "six 100 KB headers -> 431 invalid_request" \
    t_raw_err 431 invalid_request \
    "b'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' + b''.join(b'X-J%d: ' % i + b'j' * 100000 + b'\r\n' for i in range(6)) + b'\r\n'"

# Only "chunked" is a Transfer-Encoding nginx reads (RFC 9112 §6.1: 501).
check "Transfer-Encoding: gzip, chunked -> 501 invalid_request" \
    t_nginx_err 501 invalid_request POST /auth/login --http1.1 \
    -H "$JSON" -H 'Transfer-Encoding: gzip, chunked' --data '{}'
check "Transfer-Encoding: foo -> 501 invalid_request" \
    t_nginx_err 501 invalid_request POST /t/echo --http1.1 \
    -H "$JSON" -H 'Transfer-Encoding: foo' --data '{}'

check "TRACE /healthz -> 405 with Allow" \
    t_405 '^GET' TRACE /healthz --http1.1
check "CONNECT /v1/chat -> 405 with Allow" \
    t_405 '^GET' CONNECT /v1/chat --http1.1
check "GET / HTTP/2.0 in plain text through TLS -> 505 invalid_request" \
    t_raw_err 505 invalid_request \
    "b'GET /healthz HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n'"

# Plain HTTP on the TLS port (nginx's 497, an HTML 400 before): a
# redirect to the same URL over https, with no body at all.
t_plain_tls_port() {	# METHOD PATH [CURL-ARGS...]
	local BASE=http://127.0.0.1:$E2E_HTTPS_PORT m=$1 p=$2
	shift 2
	req "$m" "$p" "$@" && expect_status 301 &&
	expect_header location "^https://127\.0\.0\.1:$E2E_HTTPS_PORT${p//\?/\\?}\$" &&
	expect_reqid &&
	expect_header strict-transport-security '^max-age=[0-9]+' || return 1
	[ ! -s "$T/b" ] || fail "a body: $(head -c 200 "$T/b")" || return 1
	[ -z "$(hdr content-type)" ] || fail "Content-Type $(hdr content-type)"
}
check "plain HTTP GET /healthz?a=b on the TLS port -> 301 to https, no body" \
    t_plain_tls_port GET '/healthz?a=b'
check "plain HTTP POST /auth/login on the TLS port -> 301 to https, no body" \
    t_plain_tls_port POST /auth/login -H "$JSON" \
    --data '{"email":"a@example.org","password":"p"}'

# Without a Host header there is no URL to send the client to: nothing.
t_plain_no_host() {
	raw plain "b'GET /healthz HTTP/1.0\r\n\r\n'" || return 1
	[ -z "$RS" ] || { fail "answered $RS"; show >&2; return 1; }
}
check "plain HTTP/1.0 without Host on the TLS port -> no answer" \
    t_plain_no_host

# A burst on a password route from one address: the first 21 pass (a
# burst of 20, one more at 10 a minute), then nginx's 429 with
# Retry-After ceil(60 / 10) = 6. The service's own answers (415, 401)
# are cheap: no password is hashed.
t_burst() {	# PATH ADDR [CURL-ARGS...]
	local p=$1 a=$2 n=0
	shift 2
	while [ $n -lt 40 ]; do
		req POST "$p" --interface "127.0.0.$a" "$@" || return 1
		[ "$RS" = 429 ] && break
		n=$((n + 1))
	done
	[ "$RS" = 429 ] || fail "no 429 after $n requests" || return 1
	[ $n -ge 21 ] && [ $n -lt 30 ] ||
	    fail "429 after $n requests, expected 21 and a few" || return 1
	expect_error 429 rate_limited && expect_reqid &&
	expect_header retry-after '^6$' &&
	expect_header strict-transport-security '^max-age=[0-9]+' || return 1
	# Only POSTs count, and only this address.
	req GET "$p" --interface "127.0.0.$a" && expect_status 405 &&
	req POST "$p" --interface "127.0.0.$((a + 1))" "$@" &&
	[ "$RS" != 429 ] || fail "another address or method got $RS"
}
check "POST /auth/login burst -> 429 rate_limited, Retry-After 6" \
    t_burst /auth/login 31 -H 'Content-Type: text/plain' --data x
check "POST /auth/signup burst -> 429 rate_limited, Retry-After 6" \
    t_burst /auth/signup 33 -H 'Content-Type: text/plain' --data x
check "POST /auth/password burst -> 429 rate_limited, Retry-After 6" \
    t_burst /auth/password 35 -H "$JSON" --data '{}'

e2e_done
