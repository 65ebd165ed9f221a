#!/bin/bash
# Server-sent events through nginx arrive as they are written, not
# buffered to the end (API.md §4 streaming; DESIGN.md: nginx streams SSE
# unbuffered), and a client that leaves mid-stream frees its responder
# without killing it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_start

# stream_read OUT CURL-ARGS... URL: runs curl -N and records the arrival
# time (monotonic seconds) of every SSE line: "<t> <line>" into OUT;
# headers into $T/h.
stream_read() {
	local out=$1
	shift
	: >"$T/h"
	"$PY" - "$out" curl -sS -N --max-time 60 "${CURL_TLS[@]}" \
	    -D "$T/h" "$@" <<-'EOF'
	import subprocess, sys, time
	out = open(sys.argv[1], "w")
	p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE)
	for raw in iter(p.stdout.readline, b""):
	    line = raw.decode("utf-8", "replace").rstrip("\r\n")
	    if line:
	        out.write("%.3f %s\n" % (time.monotonic(), line))
	        out.flush()
	sys.exit(p.wait())
	EOF
}

# The events of OUT are N ticks {"i":0..N-1} then done {"n":N}, and the
# first tick arrived at least MIN seconds before the last event.
stream_check() {	# OUT N MIN
	"$PY" - "$@" <<-'EOF'
	import json, sys
	path, n, spread = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
	events, cur = [], None
	for l in open(path):
	    t, line = l.split(" ", 1)
	    line = line.rstrip("\n")
	    if line.startswith("event:"):
	        cur = [float(t), line[6:].strip(), None]
	    elif line.startswith("data:") and cur is not None:
	        cur[2] = json.loads(line[5:].strip())
	        events.append(cur)
	        cur = None
	names = [e[1] for e in events]
	want = ["tick"] * n + ["done"]
	if names != want:
	    sys.exit("events %s, expected %s" % (names, want))
	for k in range(n):
	    if events[k][2] != {"i": k}:
	        sys.exit("tick %d carries %r" % (k, events[k][2]))
	if events[n][2] != {"n": n}:
	    sys.exit("done carries %r" % (events[n][2],))
	gap = events[-1][0] - events[0][0]
	if gap < spread:
	    sys.exit("first and last event arrived %.3f s apart (< %.1f s):"
	             " the stream was buffered" % (gap, spread))
	print("first to last event: %.3f s" % gap)
	EOF
}

t_stream() {	# HTTP-VERSION-OPTION [PREFIX]
	stream_read "$T/ev" "$1" "$BASE${2:-/t}/stream?n=5&ms=300" ||
	    fail "curl failed: $(cat "$T/ev")" || return 1
	RS=$(awk 'NR == 1 { print $2 }' "$T/h")
	: >"$T/b"
	expect_status 200 &&
	expect_ctype text/event-stream &&
	expect_reqid &&
	stream_check "$T/ev" 5 0.6
}

t_stream_empty() {
	stream_read "$T/ev" "$BASE/t/stream?n=0" || return 1
	stream_check "$T/ev" 0 0
}

t_stream_bad_query() {
	req GET '/t/stream?n=abc' && expect_error 400 invalid_request
}

# A client that disconnects after ~1 s of a 60 s stream: the responder
# notices within moments (nginx closes the FastCGI connection, which the
# handler sees through req_cancelled() between ticks), logs the request
# as cancelled and stays alive.
t_stream_client_gone() {
	local before after id
	before=$(children "$TESTAPP_PID" | sort | tr '\n' ' ')
	id="e2e-gone.$RANDOM$RANDOM"
	curl -sS -N --max-time 1 "${CURL_TLS[@]}" -H "X-Request-Id: $id" \
	    -o /dev/null "$BASE/t/stream?n=600&ms=100" 2>/dev/null
	wait_for 3 grep -qF -- "\"rid\":\"$id\",\"msg\":\"stream cancelled" \
	    "$E2E_DIR/log/testapp.log" ||
	    fail "no 'cancelled' line for '$id' within 3 s of the" \
	    "disconnect: the responder kept streaming" || return 1
	after=$(children "$TESTAPP_PID" | sort | tr '\n' ' ')
	[ "$before" = "$after" ] ||
	    fail "responders changed from [$before] to [$after]" || return 1
	req GET /t/healthz && expect_status 200
}

# A long request (R_LONG) must not hold back the requests nginx sends
# down kept connections. Order, not time: while a 5 s stream runs on the
# long lane, 40 quick requests over kept connections (the short lane)
# all finish before the stream does.
t_long_request_apart() {
	local sp urls="" i
	sse_read "$T/long" "$BASE/t/stream?n=25&ms=200" &
	sp=$!
	wait_for 30 grep -q '"event": "tick"' "$T/long" ||
	    { kill "$sp"; fail "the stream did not start"; return 1; }
	for i in $(seq 40); do
		urls="$urls -o /dev/null $BASE/t-kept/healthz"
	done
	# shellcheck disable=SC2086
	curl -sS --max-time 30 "${CURL_TLS[@]}" -w '%{http_code}\n' \
	    $urls >"$T/quick" 2>&1 ||
	    { kill "$sp"; cat "$T/quick"; return 1; }
	! grep -q '"event": "done"' "$T/long" ||
	    { kill "$sp"; fail "the quick requests finished only after the stream"; return 1; }
	wait "$sp"
	[ "$(grep -c '^200$' "$T/quick")" -eq 40 ] ||
	    fail "quick requests: $(sort "$T/quick" | uniq -c | tr '\n' ' ')" || return 1
	[ "$(grep -c '"event": "tick"' "$T/long")" -eq 25 ] &&
	grep -q '"event": "done"' "$T/long" || fail "the stream lost events"
}

# A failure after the stream began is an "error" event carrying the
# contract's error body, and the responder lives on.
t_stream_error() {
	local before after
	before=$(children "$TESTAPP_PID" | sort | tr '\n' ' ')
	sse_read "$T/ev" "$BASE/t/stream-error?n=2" || return 1
	"$PY" - "$T/ev" <<-'EOF' || { cat "$T/ev"; return 1; }
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	assert lines[0] == "status 200", lines[0]
	assert lines[1].startswith("content-type text/event-stream"), lines[1]
	ev = [json.loads(l) for l in lines[2:]]
	names = [e.get("event") for e in ev]
	assert names == ["tick", "tick", "error"], names
	err = ev[2]["data"]
	assert list(err) == ["error"] and err["error"]["code"] == "unavailable" \
	    and err["error"]["message"], err
	EOF
	after=$(children "$TESTAPP_PID" | sort | tr '\n' ' ')
	[ "$before" = "$after" ] ||
	    fail "responders changed from [$before] to [$after]"
}

# A silence longer than SSE_HEARTBEAT_SEC (1 s for the test responder)
# carries a comment line, and the events around it still arrive.
t_stream_heartbeat() {
	sse_read "$T/ev" "$BASE/t/stream?n=2&ms=2500" || return 1
	"$PY" - "$T/ev" <<-'EOF' || { cat "$T/ev"; return 1; }
	import json, sys
	ev = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[2:]]
	kinds = [e.get("event") or "comment:" + e["comment"] for e in ev]
	assert kinds[0] == "tick" and kinds[-2:] == ["tick", "done"], kinds
	beats = [e for e in ev if "comment" in e]
	assert beats and all(b["comment"] == "keep-alive" for b in beats), kinds
	assert ev[0]["t"] + 0.8 < beats[0]["t"] < ev[-2]["t"], ev
	EOF
}

# A test key added to extra_jwks.json is served in the JWKS within
# seconds (the token minter the agent's tests use).
t_minted_key_served() {
	mint_setup || return 1
	wait_for 15 eval "req GET /.well-known/jwks.json && grep -q '\"kid\":\"$E2E_KID\"' \"\$T/b\"" ||
	    fail "kid $E2E_KID not in the JWKS" || return 1
	mint_token '{"sub":"e2e-user"}' | grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
}

# SIGTERM while a stream runs: the stream ends at once with an "error"
# event (503 unavailable), and the master is gone within seconds, not
# at its drain deadline.
t_stream_sigterm() {
	local cpid t0 st
	stream_read "$T/ev" "$BASE/t/stream?n=600&ms=100" &
	cpid=$!
	sleep 1.5
	t0=$SECONDS
	kill -TERM "$TESTAPP_PID" || return 1
	wait "$cpid"
	wait_for 10 eval "! alive $TESTAPP_PID" ||
	    fail "master still running 10 s after SIGTERM" || return 1
	wait "$TESTAPP_PID"
	st=$?
	TESTAPP_PID=""
	[ "$st" -eq 0 ] || fail "master exited with $st" || return 1
	[ $((SECONDS - t0)) -le 5 ] ||
	    fail "stop took $((SECONDS - t0)) s" || return 1
	tail -n 2 "$T/ev" | grep -q 'event: error' &&
	tail -n 1 "$T/ev" | grep -q '"code":"unavailable"' ||
	    fail "the stream did not end with an error event: $(tail -n 3 "$T/ev")"
}

check "SSE over HTTP/1.1 arrives event by event" t_stream --http1.1
check "SSE over HTTP/2 arrives event by event" t_stream --http2
check "SSE through a buffering location arrives event by event" \
    t_stream --http2 /t-buffered
check "SSE with zero ticks: only done" t_stream_empty
check "SSE with a bad query -> 400 invalid_request" t_stream_bad_query
check "client gone mid-stream: responder notices, survives" \
    t_stream_client_gone
check "a long stream does not hold back requests on kept connections" \
    t_long_request_apart
check "an error after the stream began is an error event" t_stream_error
check "a minted test key reaches the JWKS" t_minted_key_served
check "a long silence in a stream carries heartbeats" t_stream_heartbeat
check "SIGTERM mid-stream: error event, master gone within seconds" \
    t_stream_sigterm

e2e_done
