#!/bin/bash
# Health, readiness and metrics of both services through nginx, and the
# edge nginx must hold: TLS 1.2+ only, HTTP/2, no application data on
# plain HTTP (API.md §1).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

HOSTPORT=127.0.0.1:$E2E_HTTPS_PORT

t_health() {	# PATH
	req GET "$1" &&
	expect_status 200 &&
	expect_ctype application/json &&
	expect_json 'j == {"status": "ok"}' &&
	expect_reqid
}

# A service's answer over HTTP/1.1 is sent whole with its length, not
# chunked, and carries the same security headers as nginx's own.
t_length_headers() {	# PATH
	req GET "$1" --http1.1 && expect_status 200 &&
	expect_header content-length '^[0-9]+$' &&
	[ "$(hdr content-length)" -eq "$(wc -c <"$T/b")" ] &&
	[ -z "$(hdr transfer-encoding)" ] &&
	expect_header strict-transport-security '^max-age=[0-9]+' &&
	expect_header x-content-type-options '^nosniff$'
}

t_ready() {	# PATH
	req GET "$1" &&
	expect_status 200 &&
	expect_ctype application/json &&
	expect_json 'j == {"status": "ready"}' &&
	expect_reqid
}

# The certificate the stack generated verifies against DATALAND_CA.
t_cert() {
	[ -n "${DATALAND_CA:-}" ] && [ -f "$DATALAND_CA" ] ||
	    fail "DATALAND_CA not set by the stack" || return 1
	curl -sS --max-time 10 --cacert "$DATALAND_CA" -o /dev/null \
	    "$BASE/healthz"
}

# /metrics: Prometheus text with request counters whose sum grew by at
# least the requests just made.
metrics_sum() {		# sums sample lines whose metric name has "request"
	awk '!/^#/ && $1 ~ /request/ && $1 !~ /(_bucket|_sum|_count)($|\{)/ &&
	    $1 !~ /duration|latency|seconds/ { s += $NF } END { print s + 0 }' \
	    "$T/b"
}

t_metrics() {	# METRICS-PATH HEALTH-PATH
	local before after _
	req GET "$1" && expect_status 200 && expect_ctype text/plain ||
	    return 1
	grep -q '^# TYPE ' "$T/b" || fail "no '# TYPE' line" || return 1
	before=$(metrics_sum)
	for _ in 1 2 3 4 5; do
		req GET "$2" && expect_status 200 || return 1
	done
	req GET "$1" && expect_status 200 || return 1
	after=$(metrics_sum)
	[ "$after" -ge $((before + 5)) ] ||
	    fail "request counters went from $before to $after after 5 requests to $2" ||
	    return 1
	grep -Eq '^[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\} [0-9.eE+-]+$' "$T/b" ||
	    fail "no labelled sample line" || return 1
}

# Plain HTTP answers a redirect to https (or closes): never the
# application's answer.
t_plain_http() {	# PATH
	local code rc
	code=$(curl -sS --max-time 10 -o "$T/b" -D "$T/h" -w '%{http_code}' \
	    "http://127.0.0.1:$E2E_HTTP_PORT$1" 2>"$T/curl.err")
	rc=$?
	if [ $rc -eq 52 ]; then		# empty reply: nginx's 444
		return 0
	fi
	[ $rc -eq 0 ] || fail "curl exit $rc: $(cat "$T/curl.err")" || return 1
	case $code in
	301 | 302 | 307 | 308) ;;
	*) fail "plain HTTP $1 answered $code"; return 1 ;;
	esac
	expect_header location '^https://' || return 1
	if grep -q '"status"' "$T/b" || grep -q '"error"' "$T/b"; then
		fail "plain HTTP answer carries application data: $(head -c 200 "$T/b")"
		return 1
	fi
}

# s_client with one protocol version; the client offers it even at
# OpenSSL 3's default security level, so a refusal is the server's.
sclient() {	# -tls1_x
	timeout 15 openssl s_client -connect "$HOSTPORT" "$1" \
	    -cipher 'DEFAULT@SECLEVEL=0' -brief \
	    </dev/null >"$T/ssl.out" 2>&1
}

t_tls_refused() {	# -tls1 | -tls1_1
	if sclient "$1"; then
		fail "handshake with $1 succeeded:"
		cat "$T/ssl.out" >&2
		return 1
	fi
	if grep -qi 'no protocols available' "$T/ssl.out"; then
		fail "the client refused to offer $1 itself (test inconclusive):"
		cat "$T/ssl.out" >&2
		return 1
	fi
	if grep -q 'Protocol version:' "$T/ssl.out"; then
		fail "a protocol was negotiated:"
		cat "$T/ssl.out" >&2
		return 1
	fi
}

t_tls_accepted() {	# -tls1_2 | -tls1_3  TLSv1.2 | TLSv1.3
	sclient "$1" || { fail "handshake with $1 failed:"; cat "$T/ssl.out" >&2; return 1; }
	grep -q "Protocol version: $2" "$T/ssl.out" ||
	    { fail "expected $2:"; cat "$T/ssl.out" >&2; return 1; }
}

t_http2() {
	local v
	v=$(curl -sS --max-time 10 "${CURL_TLS[@]}" --http2 -o /dev/null \
	    -w '%{http_version}' "$BASE/healthz") || return 1
	[ "$v" = 2 ] || fail "negotiated HTTP version '$v', expected 2"
}

check "certificate verifies with DATALAND_CA" t_cert
check "GET /healthz 200 {status:ok}" t_health /healthz
check "GET /readyz 200 {status:ready}" t_ready /readyz
check "GET /auth/healthz 200 {status:ok}" t_health /auth/healthz
check "GET /auth/readyz 200 {status:ready}" t_ready /auth/readyz
check "GET /t/healthz (runtime test responder) 200" t_health /t/healthz
check "GET /healthz HTTP/1.1: Content-Length, not chunked; HSTS, nosniff" \
    t_length_headers /healthz
check "GET /auth/healthz HTTP/1.1: Content-Length, not chunked; HSTS, nosniff" \
    t_length_headers /auth/healthz
check "GET /metrics: Prometheus text, request counters grow" \
    t_metrics /metrics /healthz
check "GET /auth/metrics: Prometheus text, request counters grow" \
    t_metrics /auth/metrics /auth/healthz
check "plain HTTP /healthz: redirect, no application data" \
    t_plain_http /healthz
check "plain HTTP /auth/healthz: redirect, no application data" \
    t_plain_http /auth/healthz
check "TLS 1.0 refused by the server" t_tls_refused -tls1
check "TLS 1.1 refused by the server" t_tls_refused -tls1_1
check "TLS 1.2 accepted" t_tls_accepted -tls1_2 TLSv1.2
check "TLS 1.3 accepted" t_tls_accepted -tls1_3 TLSv1.3
check "HTTP/2 negotiated" t_http2

e2e_done
