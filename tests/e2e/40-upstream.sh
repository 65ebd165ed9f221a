#!/bin/bash
# What nginx hands a service, and the kept FastCGI connections under
# load: exactly the params dataland-fastcgi.conf lists reach a
# responder (no client header it did not ask for), and many more
# concurrent clients than a responder keeps connections for are all
# answered, with every responder still alive afterwards.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

# The params every request carries (FCGI_ROLE is libfcgi's own);
# HTTP_AUTHORIZATION and HTTP_ACCEPT only when the client sent them.
BASE_PARAMS="CONTENT_LENGTH CONTENT_TYPE DOCUMENT_URI FCGI_ROLE \
HTTP_X_REQUEST_ID QUERY_STRING REMOTE_ADDR REQUEST_METHOD"

t_params() {	# EXPECTED-NAMES [CURL-ARGS...]
	local want=$1
	shift
	req GET '/t/params?a=1' -H 'Proxy: http://evil.example' \
	    -H 'X-Custom: 1' -H 'User-Agent: e2e' -H 'Cookie: c=1' "$@" &&
	expect_status 200 &&
	"$PY" - "$T/b" "$want" <<-'EOF'
	import json, sys
	got = json.load(open(sys.argv[1]))
	want = set(sys.argv[2].split())
	if set(got) != want:
	    sys.exit("params %s, expected %s" % (sorted(got), sorted(want)))
	if got["QUERY_STRING"] != "a=1" or got["DOCUMENT_URI"] != "/t/params":
	    sys.exit("wrong query or path: %r" % got)
	if got["REQUEST_METHOD"] != "GET" or got["REMOTE_ADDR"] != "127.0.0.1":
	    sys.exit("wrong method or address: %r" % got)
	EOF
}

t_params_passed() {
	t_params "$BASE_PARAMS HTTP_AUTHORIZATION HTTP_ACCEPT" \
	    -H 'Authorization: Bearer abc' -H 'Accept: text/event-stream' &&
	"$PY" - "$T/b" <<-'EOF'
	import json, sys
	got = json.load(open(sys.argv[1]))
	if got["HTTP_AUTHORIZATION"] != "Bearer abc":
	    sys.exit("Authorization not passed as sent")
	if got["HTTP_ACCEPT"] != "text/event-stream":
	    sys.exit("Accept not passed as sent")
	EOF
}

# CLIENTS concurrent keep-alive clients for a few seconds on PATH: every
# answer a 2xx, no socket error, and the service's responders are the
# same processes afterwards (none crashed and was replaced).
t_many_clients() {	# CLIENTS PATH PIDFILE
	local before after
	before=$(children "$(cat "$E2E_DIR/$3")" | sort | tr '\n' ' ')
	wrk -t2 -c"$1" -d4s --timeout 10s "$BASE$2" >"$T/wrk" 2>&1 ||
	    { cat "$T/wrk"; return 1; }
	cat "$T/wrk"
	grep -q 'requests in' "$T/wrk" || return 1
	! grep -Eq 'Non-2xx|Socket errors' "$T/wrk" ||
	    { fail "errors under load"; return 1; }
	req GET "$2" && expect_status 200 || return 1
	after=$(children "$(cat "$E2E_DIR/$3")" | sort | tr '\n' ' ')
	[ "$before" = "$after" ] ||
	    { fail "responders changed: '$before' -> '$after'"; return 1; }
}

check "only the listed params reach a service, no stray headers" \
    t_params "$BASE_PARAMS" -H 'Accept:'
check "Authorization and Accept reach a service as sent" t_params_passed
check "400 keep-alive clients on /healthz (more than the responders keep): all answered" \
    t_many_clients 400 /healthz agent.pid
check "200 keep-alive clients on /readyz (database): all answered" \
    t_many_clients 200 /readyz agent.pid

e2e_done
