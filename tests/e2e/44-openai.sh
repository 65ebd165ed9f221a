#!/bin/bash
# The openai model provider (API.md §4, docs/models.md) through nginx,
# against a fake OpenAI-compatible server on loopback
# (tests/e2e/fake_openai.py, scripted by "[scenario]" in the question):
# a streamed answer with the server's usage and its cost, tool calls
# (one, two in one turn, a model that will not stop asking), the earlier
# turns it is sent, and every way the upstream can fail (HTTP 500, 429,
# a key it refuses and echoes, silence, a stream that never ends, a
# malformed chunk, a cut connection), a client that goes away, SIGTERM
# mid-answer, bad settings at boot, and the API key in no log.
. "$(dirname "$0")/lib.sh"

FAKE_DIR=$E2E_ROOT/.run/e2e-$E2E_NAME-fake
rm -rf "$FAKE_DIR"
mkdir -p "$FAKE_DIR"
"$PY" "$E2E_ROOT/tests/e2e/fake_openai.py" --port-file "$FAKE_DIR/port" \
    --parent $$ </dev/null >"$FAKE_DIR/fake.log" 2>&1 &
FAKE_PID=$!
e2e_track "$FAKE_PID"
if ! wait_for 15 test -s "$FAKE_DIR/port"; then
	echo "FAIL $E2E_NAME: the fake OpenAI server did not start"
	sed 's/^/    /' "$FAKE_DIR/fake.log"
	kill "$FAKE_PID" 2>/dev/null
	exit 1
fi
FAKE=http://127.0.0.1:$(cat "$FAKE_DIR/port")

KEY=sk-e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
IDLE_MS=2000
TOTAL_MS=8000
export MODEL_PROVIDER=openai MODEL_BASE_URL=$FAKE/v1/ MODEL_API_KEY=$KEY
export MODEL_NAME=gpt-4o-mini
export MODEL_PRICES="gpt-4o-mini=0.15/0.60,gemini-2.5-flash=0.30/2.50"
export MODEL_IDLE_TIMEOUT_MS=$IDLE_MS MODEL_TIMEOUT_MS=$TOTAL_MS
export MODEL_CONNECT_TIMEOUT_MS=2000 MODEL_TOOL_ROUNDS=2
export AGENT_JWT_ISSUERS=""
e2e_start
mint_setup || { echo "FAIL $E2E_NAME: mint setup"; exit 1; }

JSON='Content-Type: application/json'

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"
}

tok() {
	mint_token "{\"sub\":\"$1\"}"
}

wait_for 15 eval 'req GET /v1/me -H "Authorization: Bearer $(tok warmup)" && [ "$RS" = 200 ]' ||
    { echo "FAIL $E2E_NAME: the test key is not trusted"; exit 1; }
U=$(tok visitor)

# body TICKET MESSAGE [STREAM]: a museum chat body.
body() {
	"$PY" -c 'import json, sys
print(json.dumps({"ticket_id": sys.argv[1], "message": sys.argv[2],
    "stream": len(sys.argv) > 3}))' "$@"
}

# ask TICKET MESSAGE: the answer, not streamed, in $RS and $T/b.
ask() {
	body "$1" "$2" >"$T/req.json"
	req POST /v1/chat/museum -H "Authorization: Bearer $U" -H "$JSON" \
	    --data-binary "@$T/req.json"
}

# ask_stream OUT TICKET MESSAGE [sse.py ARGS...]: the events into OUT.
ask_stream() {
	local out=$1 t=$2 m=$3
	shift 3
	sse_read "$out" "$BASE/v1/chat/museum" -X POST \
	    -H "Authorization: Bearer $U" -H "$JSON" -d "$(body "$t" "$m" 1)" "$@"
}

fake_reset() {
	curl -sS --max-time 5 -X POST -o /dev/null "$FAKE/_reset"
}

# fake_json PYEXPR: true when PYEXPR holds, with log = the fake's
# {"requests", "events"}; on failure the log's outline is shown.
fake_json() {
	curl -sS --max-time 5 -o "$T/fake.json" "$FAKE/_log" || return 1
	"$PY" - "$T/fake.json" "$1" <<-'EOF'
	import json, sys
	log = json.load(open(sys.argv[1]))
	if not eval("(" + sys.argv[2] + "\n)", {"log": log, "json": json}):
	    outline = [(r["n"], r["scenario"], [m["role"] for m in r["body"]["messages"]])
	               for r in log["requests"]]
	    sys.exit("fake log check failed: %s\n  requests %s\n  events %s" %
	             (sys.argv[2], outline, log["events"]))
	EOF
}

# run_row TICKET: the ticket's last run, "status|model|prompt|completion|cost|error".
run_row() {
	psql_q "SELECT status || '|' || model || '|' || prompt_tokens || '|' ||
	    completion_tokens || '|' || cost_usd || '|' || coalesce(error, '')
	    FROM runs WHERE conversation_id = '$1' ORDER BY started_at DESC LIMIT 1"
}

# expect_run TICKET STATUS [ERE]: the last run's status, and its row
# matching ERE.
expect_run() {
	local r
	r=$(run_row "$1")
	case $r in
	"$2|"*) ;;
	*) fail "run of $1 is '$r', not $2"; return 1 ;;
	esac
	[ -z "${3:-}" ] || printf '%s' "$r" | grep -Eq -- "$3" ||
	    fail "run of $1 is '$r', not matching /$3/"
}

# events_check FILE PYEXPR: the sse.py output (ev = the events, each
# {"t", "event", "data"}; status = the HTTP status line) satisfies it.
events_check() {
	"$PY" - "$1" "$2" <<-'EOF'
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	status = lines[0] if lines else ""
	ev = [json.loads(l) for l in lines[2:]]
	ev = [e for e in ev if "event" in e]
	if not eval("(" + sys.argv[2] + "\n)", {"ev": ev, "status": status}):
	    sys.exit("stream check failed: %s\n%s" % (sys.argv[2],
	             "\n".join(lines[:30])))
	EOF
}

# --- answers ----------------------------------------------------------------

# Deltas in order as the fake sent them, done with the text, the usage
# the server counted, the run's model, tokens and cost from MODEL_PRICES;
# the request: the key as a Bearer, streamed with usage, both tools, the
# guide's system prompt, the question last.
t_plain_stream() {
	fake_reset
	ask_stream "$T/ev" TKT-PLAIN "[plain] Hello?" || return 1
	events_check "$T/ev" "status == 'status 200' and
	    [e['event'] for e in ev] == ['start', 'delta', 'delta', 'delta',
	    'images', 'sources', 'suggestions', 'done'] and
	    [e['data']['text'] for e in ev if e['event'] == 'delta'] ==
	    ['The fake ', 'model ', 'says hello.'] and
	    ev[-1]['data']['message']['text'] == 'The fake model says hello.' and
	    ev[-1]['data']['usage'] == {'prompt_tokens': 11, 'completion_tokens': 7}" &&
	expect_run TKT-PLAIN success '^success\|gpt-4o-mini\|11\|7\|5\.85e-06\|$' &&
	fake_json "len(log['requests']) == 1 and
	    log['requests'][0]['authorization'] == 'Bearer $KEY' and
	    log['requests'][0]['path'] == '/v1/chat/completions' and
	    log['requests'][0]['body']['model'] == 'gpt-4o-mini' and
	    log['requests'][0]['body']['stream'] is True and
	    log['requests'][0]['body']['stream_options'] == {'include_usage': True} and
	    sorted(t['function']['name'] for t in log['requests'][0]['body']['tools'])
	        == ['search_artwork_images', 'search_documents'] and
	    [m['role'] for m in log['requests'][0]['body']['messages']] == ['system', 'user'] and
	    'museum' in log['requests'][0]['body']['messages'][0]['content'] and
	    log['requests'][0]['body']['messages'][1]['content'] == '[plain] Hello?'"
}

# Not streamed to the client: the same answer as one JSON reply; a
# server that does not stream either; one that sends no usage (then
# estimated, and priced).
t_plain_json() {
	ask TKT-JSON "[plain] Hello again" && expect_status 200 &&
	expect_json "j['message']['text'] == 'The fake model says hello.' and
	    j['message']['role'] == 'assistant'" &&
	ask TKT-WHOLE "[whole] Anything" && expect_status 200 &&
	expect_json "j['message']['text'] == 'A whole answer, not streamed.'" &&
	expect_run TKT-WHOLE success '^success\|gpt-4o-mini\|30\|6\|' &&
	ask TKT-EST "[nousage] Count it" && expect_status 200 &&
	expect_json "j['message']['text'] == 'No usage was counted.'" &&
	expect_run TKT-EST success '^success\|gpt-4o-mini\|[1-9][0-9]*\|[1-9][0-9]*\|[0-9.e-]+\|$' &&
	[ "$(psql_q "SELECT cost_usd > 0 FROM runs WHERE conversation_id = 'TKT-EST'")" = t ]
}

# The fake asks for search_artwork_images, then answers from the result
# it was sent: that second request carries the assistant's call and a
# tool message with its tool_call_id and the catalogue's result; the
# conversation shows the tool message and the work's image.
t_tool_roundtrip() {
	fake_reset
	ask TKT-TOOL "[tool] Where is the Mona Lisa?" && expect_status 200 &&
	expect_json "j['message']['text'].startswith('\u201cMona Lisa\u201d hangs in Room') and
	    any(i['title'] == 'Mona Lisa' for i in j['message']['images']) and
	    len(j['message']['suggestions']) > 0" || return 1
	fake_json "len(log['requests']) == 2 and
	    'tools' in log['requests'][1]['body'] and
	    [m['role'] for m in log['requests'][1]['body']['messages']] ==
	        ['system', 'user', 'assistant', 'tool'] and
	    log['requests'][1]['body']['messages'][2]['tool_calls'][0]['id'] == 'call_mona' and
	    log['requests'][1]['body']['messages'][2]['tool_calls'][0]['function']['name'] ==
	        'search_artwork_images' and
	    json.loads(log['requests'][1]['body']['messages'][2]['tool_calls'][0]
	        ['function']['arguments']) == {'query': 'Mona Lisa'} and
	    log['requests'][1]['body']['messages'][3]['tool_call_id'] == 'call_mona' and
	    json.loads(log['requests'][1]['body']['messages'][3]['content'])
	        ['results'][0]['title'] == 'Mona Lisa'" || return 1
	api_conv TKT-TOOL &&
	expect_json "[m['role'] for m in j['messages']] == ['user', 'tool', 'assistant'] and
	    j['messages'][1]['tool'] == 'search_artwork_images' and
	    j['messages'][1]['tool_call_id'] == 'call_mona' and
	    __import__('json').loads(j['messages'][1]['text'])['arguments'] == {'query': 'Mona Lisa'} and
	    any(i['title'] == 'Mona Lisa' for i in j['messages'][2]['images'])" &&
	expect_run TKT-TOOL success '^success\|gpt-4o-mini\|80\|17\|2\.22e-05\|$'
}

api_conv() {
	req GET "/v1/conversations/$1" -H "Authorization: Bearer $U" &&
	expect_status 200
}

# The next turn of that conversation is sent the earlier one: the
# question, the assistant's call with its tool message, the answer.
t_history() {
	fake_reset
	ask TKT-TOOL "[history] Who painted it?" && expect_status 200 &&
	expect_json "j['message']['text'] == 'I was sent 6 messages.'" &&
	fake_json "[m['role'] for m in log['requests'][0]['body']['messages']] ==
	        ['system', 'user', 'assistant', 'tool', 'assistant', 'user'] and
	    log['requests'][0]['body']['messages'][1]['content'] ==
	        '[tool] Where is the Mona Lisa?' and
	    log['requests'][0]['body']['messages'][2]['tool_calls'][0]['id'] == 'call_mona' and
	    log['requests'][0]['body']['messages'][3]['tool_call_id'] == 'call_mona' and
	    log['requests'][0]['body']['messages'][4]['content'].startswith('\u201cMona Lisa')"
}

# Two tool calls in one turn (their pieces interleaved): both run, both
# are stored and both results go back in the next request.
t_two_tools() {
	fake_reset
	ask_stream "$T/ev" TKT-TWO "[two] Birth of Venus, and when are you open?" || return 1
	events_check "$T/ev" "ev[-1]['event'] == 'done' and
	    'Birth of Venus' in ev[-1]['data']['message']['text'] and
	    len(ev[-1]['data']['message']['images']) > 0 and
	    len(ev[-1]['data']['message']['sources']) > 0" &&
	fake_json "len(log['requests']) == 2 and
	    [m['role'] for m in log['requests'][1]['body']['messages']] ==
	        ['system', 'user', 'assistant', 'tool', 'tool'] and
	    [c['id'] for c in log['requests'][1]['body']['messages'][2]['tool_calls']] ==
	        ['call_art', 'call_doc'] and
	    [m['tool_call_id'] for m in log['requests'][1]['body']['messages'][3:]] ==
	        ['call_art', 'call_doc']" &&
	api_conv TKT-TWO &&
	expect_json "[(m['role'], m['tool_call_id']) for m in j['messages']] ==
	    [('user', None), ('tool', 'call_art'), ('tool', 'call_doc'),
	     ('assistant', None)]"
}

# A model that keeps asking for tools is offered them MODEL_TOOL_ROUNDS
# (2) times, then asked once more without them.
t_rounds() {
	fake_reset
	ask TKT-LOOP "[loop] Tickets?" && expect_status 200 &&
	expect_json "j['message']['text'] == 'I give up searching.'" &&
	fake_json "len(log['requests']) == 3 and
	    ['tools' in r['body'] for r in log['requests']] == [True, True, False]" &&
	[ "$(psql_q "SELECT count(*) FROM messages WHERE conversation_id = 'TKT-LOOP' AND role = 'tool'")" = 2 ]
}

# --- failures ------------------------------------------------------------------

t_http_500() {
	ask TKT-500 "[e500] Break" && expect_error 502 bad_gateway &&
	expect_json "'HTTP 500' in j['error']['message'] and
	    'the fake model broke' in j['error']['message']" &&
	expect_run TKT-500 error 'HTTP 500.*the fake model broke' &&
	ask_stream "$T/ev" TKT-500S "[e500] Break" &&
	events_check "$T/ev" "[e['event'] for e in ev] == ['start', 'error'] and
	    ev[1]['data']['error']['code'] == 'bad_gateway' and
	    'the fake model broke' in ev[1]['data']['error']['message']" &&
	expect_run TKT-500S error 'HTTP 500'
}

t_http_429() {
	ask TKT-429 "[e429] Again" && expect_error 502 bad_gateway &&
	expect_json "'HTTP 429' in j['error']['message'] and
	    'Rate limit reached' in j['error']['message']" &&
	expect_run TKT-429 error 'limiting our requests \(HTTP 429\)'
}

# A provider that refuses the key and echoes it: the message keeps its
# words, never the key.
t_key_echoed() {
	ask TKT-KEY "[ekey] Who am I?" && expect_error 502 bad_gateway &&
	expect_json "'HTTP 401' in j['error']['message'] and
	    '[redacted]' in j['error']['message'] and
	    '$KEY' not in j['error']['message']" &&
	expect_run TKT-KEY error 'redacted' &&
	! psql_q "SELECT error FROM runs" | grep -qF -- "$KEY"
}

# Silence past MODEL_IDLE_TIMEOUT_MS: an error event (504's code) not
# before the limit and before MODEL_TIMEOUT_MS could have ended it; the
# upstream connection is closed.
t_idle_timeout() {
	fake_reset
	ask_stream "$T/ev" TKT-IDLE "[stall] Think" || return 1
	events_check "$T/ev" "[e['event'] for e in ev] == ['start', 'delta', 'error'] and
	    ev[2]['data']['error']['code'] == 'gateway_timeout' and
	    'MODEL_IDLE_TIMEOUT_MS' in ev[2]['data']['error']['message'] and
	    ev[2]['t'] - ev[1]['t'] >= $IDLE_MS / 1000.0 - 0.1 and
	    ev[2]['t'] - ev[1]['t'] < $TOTAL_MS / 1000.0" &&
	expect_run TKT-IDLE error 'MODEL_IDLE_TIMEOUT_MS' &&
	wait_for 5 fake_json "any(e['scenario'] == 'stall' and e['event'] == 'closed'
	    for e in log['events'])" ||
	    fake_json "any(e['event'] == 'closed' for e in log['events'])"
}

# Never silent, never done: MODEL_TIMEOUT_MS ends it with a 504.
t_total_timeout() {
	local t0 dt
	body TKT-TOTAL "[trickle] Keep going" >"$T/req.json"
	t0=$(date +%s%N)	# the request alone, not a Python start
	OPENAPI_CHECK=0 req POST /v1/chat/museum -H "Authorization: Bearer $U" \
	    -H "$JSON" --data-binary "@$T/req.json" || return 1
	dt=$((($(date +%s%N) - t0) / 1000000))
	expect_error 504 gateway_timeout &&
	expect_json "'MODEL_TIMEOUT_MS' in j['error']['message']" || return 1
	# Not early; the upper bound only catches a limit never applied (the
	# fake trickles for 30 s).
	[ "$dt" -ge $((TOTAL_MS - 200)) ] && [ "$dt" -lt $((TOTAL_MS * 3)) ] ||
	    fail "answered after $dt ms" || return 1
	expect_run TKT-TOTAL error 'MODEL_TIMEOUT_MS'
}

t_malformed() {
	ask_stream "$T/ev" TKT-BAD "[malformed] Go" &&
	events_check "$T/ev" "[e['event'] for e in ev] == ['start', 'delta', 'error'] and
	    ev[2]['data']['error']['code'] == 'bad_gateway' and
	    'malformed' in ev[2]['data']['error']['message']" &&
	expect_run TKT-BAD error 'malformed' &&
	ask TKT-CUT "[cut] Go" && expect_error 502 bad_gateway &&
	expect_run TKT-CUT error 'model'
}

# A client that goes away mid-stream: the run is cancelled, and the
# fake sees its connection closed at once (no stream runs to its end).
t_client_gone() {
	fake_reset
	ask_stream "$T/ev" TKT-GONE "[slow] Talk a lot" --close-after 4 || return 1
	wait_for 8 eval '[ "$(run_row TKT-GONE | cut -d"|" -f1)" = cancelled ]' ||
	    fail "run is '$(run_row TKT-GONE)'" || return 1
	wait_for 5 fake_json "any(e['event'] == 'closed' for e in log['events'])" ||
	    fake_json "any(e['event'] == 'closed' for e in log['events'])" || return 1
	fake_json "not any(e['event'] == 'finished' for e in log['events'])" &&
	[ "$(psql_q "SELECT count(*) FROM messages WHERE conversation_id = 'TKT-GONE'")" = 1 ]
}

# After all that, an answer still works (no responder left stuck).
t_still_works() {
	ask TKT-AFTER "[plain] Still there?" && expect_status 200 &&
	expect_json "j['message']['text'] == 'The fake model says hello.'"
}

# SIGTERM to the agent while it waits on the model: an error event
# (unavailable), the run cancelled, the upstream connection closed and
# the master gone within seconds. Last of the checks that need the
# agent: it does not come back.
t_sigterm() {
	local m t0 sp
	m=$(cat "$E2E_DIR/agent.pid")
	fake_reset
	ask_stream "$T/term.ev" TKT-TERM "[slow] Talk until stopped" &
	sp=$!
	wait_for 30 grep -q '"event": "delta"' "$T/term.ev" ||
	    fail "the stream did not start: $(cat "$T/term.ev")" || return 1
	t0=$SECONDS
	kill -TERM "$m" || return 1
	wait "$sp"
	wait_for 10 eval "! alive $m" || fail "agent still running" || return 1
	[ $((SECONDS - t0)) -le 5 ] || fail "stop took $((SECONDS - t0)) s" ||
	    return 1
	tail -n 1 "$T/term.ev" | grep -q '"code": "unavailable"' ||
	    fail "last event: $(tail -n 1 "$T/term.ev")" || return 1
	[ "$(run_row TKT-TERM | cut -d'|' -f1)" = cancelled ] ||
	    fail "run is '$(run_row TKT-TERM)'" || return 1
	wait_for 5 fake_json "any(e['event'] == 'closed' for e in log['events'])" ||
	    fake_json "any(e['event'] == 'closed' for e in log['events'])"
}

# --- settings and secrets --------------------------------------------------------

# boot_fails WHAT ENV...: the agent, started with ENV, refuses to start
# and says WHAT.
boot_fails() {
	local what=$1
	shift
	rm -f "$T/boot.sock" "$T/boot-long.sock"
	env "$@" AGENT_SOCKET="$T/boot.sock" AGENT_LONG_SOCKET="$T/boot-long.sock" \
	    AGENT_WORKERS=1 AGENT_LONG_WORKERS=1 DATABASE_URL="$DATABASE_URL" \
	    timeout 20 "$E2E_BIN/bin/dataland-agent" </dev/null >"$T/boot.out" 2>&1 &&
	    fail "it started with $*" || true
	grep -qF -- "$what" "$T/boot.out" ||
	    fail "no '$what' in: $(head -c 600 "$T/boot.out")"
}

t_bad_settings() {
	boot_fails "MODEL_BASE_URL" -u MODEL_BASE_URL &&
	boot_fails "MODEL_BASE_URL" MODEL_BASE_URL=ftp://x/v1 &&
	boot_fails "MODEL_NAME" -u MODEL_NAME &&
	boot_fails "MODEL_TIMEOUT_MS: not a number in range" MODEL_TIMEOUT_MS=soon &&
	boot_fails "MODEL_IDLE_TIMEOUT_MS: not a number in range" MODEL_IDLE_TIMEOUT_MS=5 &&
	boot_fails "MODEL_TOOL_ROUNDS: not a number in range" MODEL_TOOL_ROUNDS=99 &&
	boot_fails "MODEL_PRICES: not a list of model=PROMPT/COMPLETION" \
	    MODEL_PRICES=gpt-4o-mini=cheap
}

# The key reached the provider as a Bearer (t_plain_stream), and no log
# of the stack has it, nor any run.
t_key_not_logged() {
	local f
	for f in "$E2E_DIR"/log/*.log "$E2E_DIR"/nginx/logs/*.log; do
		[ -f "$f" ] || continue
		! grep -qF -- "$KEY" "$f" || fail "the key is in $f" || return 1
	done
	# the echoed key's message was logged, redacted
	grep -q 'HTTP 401.*redacted' "$E2E_DIR/log/agent.log" ||
	    fail "no redacted 401 line in the agent's log" || return 1
	! psql_q "SELECT coalesce(error, '') FROM runs" | grep -qF -- "$KEY"
}

check "stream: deltas in order, done, usage, run's tokens and cost" t_plain_stream
check "json: not streamed; a whole upstream answer; usage estimated" t_plain_json
check "tools: a call, its result sent back by id, tool message, image" t_tool_roundtrip
check "history: the earlier turn with its tool call is sent" t_history
check "tools: two calls in one turn both run and go back" t_two_tools
check "tools: offered MODEL_TOOL_ROUNDS times, then a last round without" t_rounds
check "upstream 500: 502 JSON and an error event, run error" t_http_500
check "upstream 429: 502 with the provider's message, run error" t_http_429
check "upstream echoes the key: the message is redacted" t_key_echoed
check "idle timeout: error event in time, upstream closed" t_idle_timeout
check "total timeout: 504 in time" t_total_timeout
check "malformed chunk and cut stream: error, run error" t_malformed
check "client gone: run cancelled, upstream connection closed" t_client_gone
check "after the failures an answer still works" t_still_works
check "SIGTERM mid-answer: error event, run cancelled, upstream closed" t_sigterm
check "boot: bad model settings refused, naming the variable" t_bad_settings
check "the API key is in no log and no run" t_key_not_logged
e2e_done
