#!/bin/bash
# The agent when things go wrong (API.md §4): PostgreSQL restarted while
# an answer streams, SIGTERM mid-stream, runs a crash left open closed
# at the next start; and the Python stack's conversations (the fixture,
# with the ticket columns older deployments still carry)
# read back as the contract says, NULLs and tool rows included.
. "$(dirname "$0")/lib.sh"

export MODEL_PROVIDER=echo MODEL_ECHO_DELAY_MS=40
export AGENT_JWT_ISSUERS=""
e2e_start
mint_setup || { echo "FAIL $E2E_NAME: mint setup"; exit 1; }

JSON='Content-Type: application/json'

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "${2:-$DATABASE_URL}" -c "$1"
}

tok() {
	mint_token "{\"sub\":\"$1\"}"
}

wait_for 15 eval 'req GET /v1/me -H "Authorization: Bearer $(tok warmup)" && [ "$RS" = 200 ]' ||
    { echo "FAIL $E2E_NAME: the test key is not trusted"; exit 1; }
U=$(tok faults)

# stream_bg OUT TICKET WORDS: a streamed museum answer of WORDS words
# in the background; its pid in $SP.
stream_bg() {
	local words
	words=$("$PY" -c 'import sys; print(" ".join("w%d" % i for i in range(int(sys.argv[1]))))' "$3")
	sse_read "$1" "$BASE/v1/chat/museum" -X POST \
	    -H "Authorization: Bearer $U" -H "$JSON" \
	    -d "{\"ticket_id\":\"$2\",\"message\":\"$words\",\"stream\":true}" &
	SP=$!
	# the fault comes once the answer is streaming, however long the
	# client takes to start on a busy machine
	wait_for 30 grep -q '"event": "delta"' "$1" ||
	    fail "the stream did not start: $(cat "$1")"
}

# PostgreSQL stops and comes back while an answer streams: the stream
# ends with the answer stored (the store reconnects) or an error event,
# the run is marked either way, and the next request works.
t_pg_restart_mid_stream() {
	local st
	stream_bg "$T/pg.ev" TKT-PG 100 || return 1
	scripts/pg.sh stop "$E2E_DIR/pg" >/dev/null 2>&1 &&
	scripts/pg.sh start "$E2E_DIR/pg" "$E2E_PG_PORT" >/dev/null 2>&1 ||
	    fail "restart failed" || return 1
	wait "$SP"
	tail -n 1 "$T/pg.ev" | grep -Eq '"event": "(done|error)"' ||
	    fail "stream ended with: $(tail -n 2 "$T/pg.ev")" || return 1
	st=$(psql_q "SELECT status FROM runs WHERE conversation_id = 'TKT-PG'")
	case $st in
	success|error) ;;
	*) fail "run is '$st'"; return 1 ;;
	esac
	req POST /v1/chat/museum -H "Authorization: Bearer $U" -H "$JSON" \
	    --data-binary '{"ticket_id":"TKT-PG","message":"again"}' &&
	expect_status 200
}

# SIGTERM to the agent while an answer streams: an error event
# (unavailable), the run cancelled, the master gone within seconds.
t_sigterm_mid_stream() {
	local m t0
	m=$(cat "$E2E_DIR/agent.pid")
	stream_bg "$T/term.ev" TKT-TERM 200 || return 1
	t0=$SECONDS
	kill -TERM "$m" || return 1
	wait "$SP"
	wait_for 10 eval "! alive $m" || fail "agent still running" || return 1
	[ $((SECONDS - t0)) -le 5 ] || fail "stop took $((SECONDS - t0)) s" ||
	    return 1
	tail -n 1 "$T/term.ev" | grep -q '"code": "unavailable"' ||
	    fail "last event: $(tail -n 1 "$T/term.ev")" || return 1
	[ "$(psql_q "SELECT status FROM runs WHERE conversation_id = 'TKT-TERM'")" = cancelled ]
}

# A run left running (a responder killed mid-answer) is closed as an
# error when the agent starts again.
t_sweep_at_start() {
	psql_q "INSERT INTO runs (id, conversation_id, user_id, started_at, status) VALUES ('run-stuck', NULL, 'faults', now(), 'running')" &&
	scripts/stack.sh restart-agent "$E2E_DIR" >"$T/restart" 2>&1 ||
	    { cat "$T/restart"; return 1; }
	[ "$(psql_q "SELECT status || ' ' || (error IS NOT NULL) || ' ' || (finished_at IS NOT NULL) FROM runs WHERE id = 'run-stuck'")" = "error true true" ]
}

# The Python stack's rows, adopted: read back, then continued.
t_fixture_reload() {
	local py=${DATABASE_URL%/*}/pyagent v
	psql_q "CREATE DATABASE pyagent" &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$py" \
	    -f "${DATALAND_SHARED:-../shared}/fixtures/python-stack-0010.sql" >/dev/null &&
	DATABASE_URL=$py "$E2E_BIN/bin/dataland" migrate up >/dev/null &&
	psql_q "ALTER TABLE tickets ADD COLUMN external_id text, ADD COLUMN last_seen timestamptz, ADD COLUMN visit_count integer NOT NULL DEFAULT 1; CREATE TABLE user_ticket_mappings (id serial PRIMARY KEY, user_id text, ticket_id text, active boolean)" "$py" &&
	STACK_DATABASE_URL=$py scripts/stack.sh restart-agent "$E2E_DIR" \
	    >"$T/restart" 2>&1 || { cat "$T/restart"; return 1; }
	v=$(tok visitor-7f3a)
	req GET /v1/conversations/TKT-2026-000123 -H "Authorization: Bearer $v" &&
	expect_status 200 || return 1
	"$PY" - "$T/b" <<-'EOF' || return 1
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["mode"] == "museum" and j["title"] == "Visit", j
	m = j["messages"]
	assert [x["seq"] for x in m] == [1, 2, 3], m
	assert m[1]["role"] == "tool" and m[1]["tool"] == "search_artwork_images" \
	    and m[1]["tool_call_id"] == "call_1" and m[1]["text"] == '{"results":1}'
	a = m[2]
	assert a["feedback"] == "like" and a["run_id"] == "run-0001"
	assert a["images"] == [{"title": "The Night Watch", "artist": "Rembrandt van Rijn",
	    "image_path": "/images/night-watch.jpg", "score": 0.93, "type": "artwork"}], a["images"]
	assert a["sources"] == [{"title": "Gallery of Honour", "uri": "doc://rooms/gallery-of-honour",
	    "confidence": 0.81, "type": "document"}], a["sources"]
	assert a["suggestions"] == ["Who are the people in the painting?",
	    "What else is in room 2?"], a["suggestions"]
	assert "messages_json" not in j
	EOF
	req GET /v1/conversations/TKT-2026-000123/runs -H "Authorization: Bearer $v" &&
	expect_json "j['runs'][0]['cost_usd'] == 0.000402 and j['runs'][0]['prompt_tokens'] == 812" &&
	req GET /v1/me -H "Authorization: Bearer $v" &&
	expect_json "j['access_permissions'] == ['museum', 'audio-guide'] and j['location'] == 'Lisbon'" || return 1
	v=$(tok visitor-b21c)
	req GET /v1/conversations/5b0e9a2e-6f57-4c21-9d55-0c7d8f1f4a10 -H "Authorization: Bearer $v" &&
	expect_status 200 &&
	expect_json "j['title'] is None and j['messages'][1]['text'] is None and
	    j['messages'][0]['run_id'] == 'run-from-before-0009'" &&
	req GET /v1/conversations -H "Authorization: Bearer $v" &&
	expect_json "[c['id'] for c in j['conversations']] == ['5b0e9a2e-6f57-4c21-9d55-0c7d8f1f4a10']" &&
	req POST /v1/chat -H "Authorization: Bearer $v" -H "$JSON" \
	    --data-binary '{"conversation_id":"5b0e9a2e-6f57-4c21-9d55-0c7d8f1f4a10","message":"still here"}' &&
	expect_status 200 && expect_json "j['message']['seq'] == 4" &&
	req POST /v1/chat/museum -H "Authorization: Bearer $v" -H "$JSON" \
	    --data-binary '{"ticket_id":"TKT-NEW-1","message":"a new ticket"}' &&
	expect_status 200 &&
	[ "$(psql_q "SELECT user_id || visit_count FROM tickets WHERE id = 'TKT-NEW-1'" "$py")" = visitor-b21c1 ] &&
	[ "$(psql_q "SELECT messages_json IS NULL FROM conversations WHERE id = '5b0e9a2e-6f57-4c21-9d55-0c7d8f1f4a10'" "$py")" = t ] &&
	[ "$(psql_q "SELECT messages_json FROM conversations WHERE id = 'TKT-2026-000123'" "$py")" = \
	    '[{"role":"user","text":"Where is the Night Watch?"}]' ]
}

check "PostgreSQL restarted mid-stream: answer or error event, run marked" \
    t_pg_restart_mid_stream
check "SIGTERM mid-stream: error event, run cancelled, quick stop" \
    t_sigterm_mid_stream
check "a run left running is closed as an error at start" t_sweep_at_start
check "the Python stack's conversations read back and continue" \
    t_fixture_reload
e2e_done
