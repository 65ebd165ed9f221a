#!/bin/bash
# The agent's API through nginx and TLS (API.md §4), with the echo model:
# who may call it (tokens minted here and the auth service's own), the
# user row each token keeps up to date, museum tickets and general
# conversations, strict per-conversation order under concurrency, runs,
# the reads and writes of conversations, feedback, the right to erasure,
# and the bad input a client may send.
. "$(dirname "$0")/lib.sh"

export AGENT_JWT_ISSUERS="e2e-issuer,dataland-auth"
export MODEL_PROVIDER=echo MODEL_ECHO_DELAY_MS=20
e2e_start
mint_setup || { echo "FAIL $E2E_NAME: mint setup"; exit 1; }

JSON='Content-Type: application/json'

# tok SUB [EXTRA-CLAIMS-JSON-MEMBERS]: a token for SUB from the test key.
tok() {
	mint_token "{\"sub\":\"$1\",\"iss\":\"e2e-issuer\"${2:+,$2}}"
}

# api METHOD PATH TOKEN [BODY]: one request with the token.
api() {
	local m=$1 p=$2 t=$3
	if [ $# -ge 4 ]; then
		printf '%s' "$4" >"$T/req.json"
		req "$m" "$p" -H "Authorization: Bearer $t" -H "$JSON" \
		    --data-binary "@$T/req.json"
	else
		req "$m" "$p" -H "Authorization: Bearer $t"
	fi
}

psql_q() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"
}

field() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1]));
print(eval(sys.argv[2]))' "$T/b" "$1"
}

# The JWKS reload can take a moment after mint_setup.
wait_for 15 eval 'api GET /v1/me "$(tok warmup)" && [ "$RS" = 200 ]' ||
    { echo "FAIL $E2E_NAME: the test key is not trusted"; exit 1; }

A=$(tok alice '"email":"alice@example.org","name":"Alice A","picture":"https://x.org/a.png","access_permissions":["museum","audio-guide"],"joined_date":"2024-05-01T10:00:00Z"')
B=$(tok bob '"email":"bob@example.org"')

# --- who may call --------------------------------------------------------

# A token the service must refuse, built by hand (python: no key needed
# for alg none; HS256 keyed with the public JWK's modulus).
forge() {	# KIND
	"$PY" - "$1" "$AUTH_DATA_DIR/extra_jwks.json" "$(tok alice)" <<-'EOF'
	import base64, hashlib, hmac, json, sys
	kind, jwks, good = sys.argv[1], sys.argv[2], sys.argv[3]
	b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
	h, p, s = good.split(".")
	claims = json.loads(base64.urlsafe_b64decode(p + "=="))
	if kind == "none":
	    hdr = {"alg": "none", "typ": "JWT"}
	    print(b64(json.dumps(hdr).encode()) + "." + p + ".")
	elif kind == "hs256":
	    hdr = {"alg": "HS256", "typ": "JWT", "kid": "e2e-test-1"}
	    key = json.load(open(jwks))["keys"][0]["n"].encode()
	    msg = (b64(json.dumps(hdr).encode()) + "." + p).encode()
	    print(msg.decode() + "." + b64(hmac.new(key, msg, hashlib.sha256).digest()))
	elif kind == "tampered":
	    claims["sub"] = "mallory"
	    print(h + "." + b64(json.dumps(claims).encode()) + "." + s)
	elif kind == "badsig":
	    print(h + "." + p + "." + s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB"))
	EOF
}

t_refused() {
	local t now k=0
	now=$(date +%s)
	req GET /v1/me && expect_error 401 unauthorized &&
	expect_header www-authenticate Bearer || return 1
	for t in "not-a-jwt" "a.b.c" "$(forge none)" "$(forge hs256)" \
	    "$(forge tampered)" "$(forge badsig)" \
	    "$(tok alice "\"exp\":$((now - 120))")" \
	    "$(tok alice "\"nbf\":$((now + 600))")" \
	    "$(mint_token "{\"sub\":\"alice\",\"iss\":\"elsewhere\"}")" \
	    "$(mint_token '{"iss":"e2e-issuer"}')" \
	    "$(mint_token '{"sub":"alice","iss":"e2e-issuer"}' unknown-kid)"; do
		k=$((k + 1))
		api GET /v1/me "$t" && expect_error 401 unauthorized ||
		    { fail "token $k was accepted"; return 1; }
	done
	# exp 30 s ago is inside the 60 s leeway (minted now: the loop above
	# may take a while on a busy machine)
	api GET /v1/me "$(tok alice "\"exp\":$(($(date +%s) - 30))")" &&
	expect_status 200
}

t_auth_service_token() {
	local t
	printf '{"email":"staff@example.org","password":"staff password 1"}' >"$T/s.json"
	req POST /auth/signup --interface 127.0.0.41 -H "$JSON" \
	    --data-binary "@$T/s.json" && expect_status 201 || return 1
	t=$(field "j['access_token']")
	api GET /v1/me "$t" && expect_status 200 &&
	expect_json "j['email'] == 'staff@example.org' and len(j['id']) == 36"
}

# --- the users row --------------------------------------------------------

t_user_row() {
	api GET /v1/me "$A" && expect_status 200 &&
	expect_json "j == {'id': 'alice', 'email': 'alice@example.org',
	    'full_name': 'Alice A', 'location': None,
	    'profile_photo_url': 'https://x.org/a.png',
	    'joined_date': '2024-05-01T10:00:00.000000Z',
	    'access_permissions': ['museum', 'audio-guide'],
	    'stripe_customer_id': None, 'created_at': j['created_at']}" &&
	[ "$(psql_q "SELECT access_permissions FROM users WHERE id = 'alice'")" = \
	    '["museum","audio-guide"]' ]
}

# The same token again writes nothing; a changed claim is written.
t_user_unchanged() {
	local x1 x2
	x1=$(psql_q "SELECT xmin FROM users WHERE id = 'alice'")
	api GET /v1/me "$A" && expect_status 200 || return 1
	x2=$(psql_q "SELECT xmin FROM users WHERE id = 'alice'")
	[ "$x1" = "$x2" ] || fail "an unchanged profile was rewritten" || return 1
	api GET /v1/me "$(tok alice '"location":"Lisbon"')" &&
	expect_json "j['location'] == 'Lisbon' and j['email'] == 'alice@example.org'"
}

# --- museum tickets --------------------------------------------------------

t_museum() {
	api POST /v1/chat/museum "$A" '{"ticket_id":"TKT-A-1","message":"Where is the Night Watch?"}' &&
	expect_status 200 &&
	expect_json "j['conversation_id'] == 'TKT-A-1' and j['message']['role'] == 'assistant'
	    and j['message']['text'] == 'Where is the Night Watch?' and j['message']['seq'] == 2
	    and j['message']['run_id'] == j['run_id'] and j['message']['images'] == []" &&
	[ "$(psql_q "SELECT user_id || ' ' || mode FROM conversations WHERE id = 'TKT-A-1'")" = "alice museum" ] &&
	[ "$(psql_q "SELECT user_id FROM tickets WHERE id = 'TKT-A-1'")" = alice ] &&
	api POST /v1/chat/museum "$B" '{"ticket_id":"TKT-A-1","message":"mine now?"}' &&
	expect_error 403 forbidden
}

t_museum_race() {
	local i pids=""
	for i in $(seq 10); do
		curl -sS "${CURL_TLS[@]}" -o "$T/race.$i" -w '%{http_code}' \
		    -H "Authorization: Bearer $A" -H "$JSON" \
		    --data-binary "{\"ticket_id\":\"TKT-RACE\",\"message\":\"hello $i\"}" \
		    "$BASE/v1/chat/museum" >"$T/race.$i.s" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	for i in $(seq 10); do
		[ "$(cat "$T/race.$i.s")" = 200 ] ||
		    fail "request $i: $(cat "$T/race.$i.s") $(cat "$T/race.$i")" || return 1
	done
	[ "$(psql_q "SELECT count(*) FROM tickets WHERE id = 'TKT-RACE'")" = 1 ] &&
	[ "$(psql_q "SELECT count(*) FROM conversations WHERE id = 'TKT-RACE'")" = 1 ] &&
	[ "$(psql_q "SELECT string_agg(seq::text, ',' ORDER BY seq) = string_agg(n::text, ',' ORDER BY n) FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM messages WHERE conversation_id = 'TKT-RACE') s")" = t ] &&
	[ "$(psql_q "SELECT count(*) FROM messages WHERE conversation_id = 'TKT-RACE'")" = 20 ]
}

# --- general conversations, order ---------------------------------------

t_general() {
	local long id
	long=$("$PY" -c 'print("Tell me " + "about the museum " * 20)')
	api POST /v1/chat "$A" "{\"message\":\"  $long \"}" && expect_status 200 || return 1
	id=$(field "j['conversation_id']")
	"$PY" -c 'import sys, uuid; u = uuid.UUID(sys.argv[1]); assert u.version == 4' "$id" ||
	    fail "not a UUID4: $id" || return 1
	api GET "/v1/conversations/$id" "$A" && expect_status 200 &&
	expect_json "j['mode'] == 'general' and len(j['title']) <= 80 and
	    j['title'].startswith('Tell me about the museum about')" || return 1
	api POST /v1/chat "$A" "{\"conversation_id\":\"$id\",\"message\":\"more\"}" &&
	expect_status 200 && expect_json "j['message']['seq'] == 4" || return 1
	api POST /v1/chat "$B" "{\"conversation_id\":\"$id\",\"message\":\"hi\"}" &&
	expect_error 404 not_found &&
	api POST /v1/chat "$A" '{"conversation_id":"no-such","message":"hi"}' &&
	expect_error 404 not_found
}

t_seq_concurrent() {
	local id i pids=""
	api POST /v1/chat "$A" '{"message":"first"}' && expect_status 200 || return 1
	id=$(field "j['conversation_id']")
	for i in $(seq 20); do
		curl -sS "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}\n' \
		    -H "Authorization: Bearer $A" -H "$JSON" \
		    --data-binary "{\"conversation_id\":\"$id\",\"message\":\"n $i\"}" \
		    "$BASE/v1/chat" >"$T/seq.$i" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	! grep -vhx 200 "$T"/seq.* || fail "a post failed" || return 1
	[ "$(psql_q "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) || ' ' || count(DISTINCT seq) FROM messages WHERE conversation_id = '$id'")" = "42 1 42 42" ] &&
	[ "$(psql_q "SELECT count(*) FROM runs WHERE conversation_id = '$id' AND status = 'success'")" = 21 ]
}

# --- streaming ----------------------------------------------------------------

t_stream() {
	sse_read "$T/ev" "$BASE/v1/chat/museum" -X POST \
	    -H "Authorization: Bearer $A" -H "$JSON" \
	    -d '{"ticket_id":"TKT-S","message":"one two three","stream":true}' || return 1
	"$PY" - "$T/ev" <<-'EOF'
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	assert lines[0] == "status 200", lines[0]
	ev = [json.loads(l) for l in lines[2:] if not l.startswith('{"t"') or '"event"' in l]
	names = [e["event"] for e in ev]
	assert names[0] == "start" and names[-4:] == ["images", "sources", "suggestions", "done"], names
	assert set(names[1:-4]) == {"delta"}, names
	text = "".join(e["data"]["text"] for e in ev if e["event"] == "delta")
	assert text == "one two three", text
	done = ev[-1]["data"]
	assert done["message"]["text"] == text and done["message"]["id"]
	assert ev[0]["data"]["conversation_id"] == "TKT-S"
	assert done["usage"] == {"prompt_tokens": 3, "completion_tokens": 3}, done
	EOF
}

# Accept: text/event-stream asks for a stream as "stream": true does.
t_stream_accept() {
	sse_read "$T/ev" "$BASE/v1/chat" -X POST -H "Accept: text/event-stream" \
	    -H "Authorization: Bearer $A" -H "$JSON" -d '{"message":"hi"}' &&
	grep -q '"event": "done"' "$T/ev"
}

# A client that goes away mid-stream leaves its run cancelled.
t_stream_gone() {
	local words
	words=$("$PY" -c 'print(" ".join(["w%d" % i for i in range(200)]))')
	sse_read "$T/ev" "$BASE/v1/chat/museum" -X POST --close-after 5 \
	    -H "Authorization: Bearer $A" -H "$JSON" \
	    -d "{\"ticket_id\":\"TKT-GONE\",\"message\":\"$words\",\"stream\":true}" || return 1
	wait_for 5 eval '[ "$(psql_q "SELECT status FROM runs WHERE conversation_id = '"'TKT-GONE'"'")" = cancelled ]' ||
	    fail "run is $(psql_q "SELECT status FROM runs WHERE conversation_id = 'TKT-GONE'")" || return 1
	[ "$(psql_q "SELECT count(*) FROM messages WHERE conversation_id = 'TKT-GONE'")" = 1 ]
}

# --- reads ---------------------------------------------------------------------

t_list() {
	local u i c n=0 seen=""
	u=$(tok lister)
	for i in 1 2 3 4 5; do
		api POST /v1/chat "$u" "{\"message\":\"conversation $i\"}" &&
		expect_status 200 || return 1
	done
	c=""
	while :; do
		api GET "/v1/conversations?limit=2${c:+&cursor=$c}" "$u" &&
		expect_status 200 || return 1
		n=$((n + $(field "len(j['conversations'])")))
		seen="$seen $(field "' '.join(x['title'] for x in j['conversations'])")"
		c=$(field "j['next_cursor'] or ''")
		[ -n "$c" ] || break
	done
	[ "$n" -eq 5 ] || fail "listed $n" || return 1
	[ "$(echo $seen)" = "conversation 5 conversation 4 conversation 3 conversation 2 conversation 1" ] ||
	    fail "order: $seen" || return 1
	api GET "/v1/conversations?limit=0" "$u" && expect_error 400 invalid_request &&
	api GET "/v1/conversations?limit=101" "$u" && expect_error 400 invalid_request &&
	api GET "/v1/conversations?limit=x" "$u" && expect_error 400 invalid_request &&
	api GET "/v1/conversations?cursor=bm90LWEtY3Vyc29y" "$u" && expect_error 400 invalid_request &&
	api GET "/v1/conversations?cursor=%00" "$u" && expect_error 400 invalid_request
}

t_get_and_runs() {
	api GET /v1/conversations/TKT-A-1 "$A" && expect_status 200 &&
	expect_json "[m['seq'] for m in j['messages']] == [1, 2] and
	    j['messages'][0]['role'] == 'user' and j['mode'] == 'museum'" &&
	api GET /v1/conversations/TKT-A-1 "$B" && expect_error 404 not_found &&
	api GET /v1/conversations/TKT-A-1/runs "$A" && expect_status 200 &&
	expect_json "len(j['runs']) == 1 and j['runs'][0]['status'] == 'success'
	    and j['runs'][0]['model'] == 'echo' and j['runs'][0]['cost_usd'] == 0" &&
	api GET /v1/conversations/TKT-A-1/runs "$B" && expect_error 404 not_found &&
	api GET "/v1/conversations/$(printf 'x%.0s' $(seq 129))" "$A" && expect_error 404 not_found
}

# --- compression -----------------------------------------------------------

# gz_size PATH TOKEN: the bytes on the wire of a GET sent with
# Accept-Encoding: gzip (curl leaves the body as it came).
gz_size() {
	curl -sS --max-time 60 "${CURL_TLS[@]}" -o /dev/null -w '%{size_download}' \
	    -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $2" "$BASE$1"
}

t_gzip() {
	local g msg plain wire
	g=$(tok gzip-user)
	msg=$(printf 'Tell me about room %s. ' $(seq 1 60))
	# The chat's answer is never compressed (the long lane streams).
	printf '{"ticket_id":"TKT-GZ-1","message":"%s"}' "$msg" >"$T/req.json"
	req POST /v1/chat/museum -H "Authorization: Bearer $g" -H "$JSON" \
	    --data-binary "@$T/req.json" --compressed &&
	expect_status 200 && [ -z "$(hdr content-encoding)" ] || return 1
	api GET /v1/conversations/TKT-GZ-1 "$g" && expect_status 200 &&
	[ -z "$(hdr content-encoding)" ] || return 1
	cp "$T/b" "$T/plain.json"
	plain=$(stat -c %s "$T/plain.json")
	req GET /v1/conversations/TKT-GZ-1 -H "Authorization: Bearer $g" --compressed &&
	expect_status 200 &&
	expect_header content-encoding '^gzip$' && expect_header vary 'Accept-Encoding' &&
	cmp -s "$T/b" "$T/plain.json" || { fail "compressed body differs"; return 1; }
	wire=$(gz_size /v1/conversations/TKT-GZ-1 "$g")
	[ "$wire" -gt 0 ] && [ "$wire" -lt $((plain / 2)) ] ||
	    { fail "gzip: $wire bytes on the wire for $plain"; return 1; }
	# Small bodies go as they are; the auth service's never compressed.
	req GET /v1/me -H "Authorization: Bearer $g" --compressed && expect_status 200 &&
	[ -z "$(hdr content-encoding)" ] &&
	req GET /.well-known/jwks.json --compressed && expect_status 200 &&
	[ -z "$(hdr content-encoding)" ]
}

# --- writes ----------------------------------------------------------------------

t_writes() {
	local mid
	api PATCH /v1/conversations/TKT-A-1 "$A" '{"title":"My visit"}' &&
	expect_status 200 && expect_json "j['title'] == 'My visit' and j['id'] == 'TKT-A-1'" &&
	api PATCH /v1/conversations/TKT-A-1 "$B" '{"title":"x"}' && expect_error 404 not_found &&
	api PATCH /v1/conversations/TKT-A-1 "$A" '{"title":"   "}' && expect_error 400 invalid_request || return 1
	mid=$(psql_q "SELECT id FROM messages WHERE conversation_id = 'TKT-A-1' AND seq = 2")
	api POST "/v1/messages/$mid/feedback" "$A" '{"feedback":"like"}' &&
	expect_status 200 && expect_json "j == {'id': '$mid', 'feedback': 'like'}" &&
	api POST "/v1/messages/$mid/feedback" "$A" '{"feedback":null}' &&
	expect_status 200 && expect_json "j == {'id': '$mid', 'feedback': None}" &&
	api POST "/v1/messages/$mid/feedback" "$A" '{"feedback":"meh"}' && expect_error 400 invalid_request &&
	api POST "/v1/messages/$mid/feedback" "$A" '{}' && expect_error 400 invalid_request &&
	api POST "/v1/messages/$mid/feedback" "$B" '{"feedback":"dislike"}' && expect_error 404 not_found &&
	[ -z "$(psql_q "SELECT feedback FROM messages WHERE id = '$mid'")" ] &&
	api DELETE /v1/conversations/TKT-A-1 "$B" && expect_error 404 not_found &&
	api DELETE /v1/conversations/TKT-A-1 "$A" && expect_status 204 &&
	[ "$(psql_q "SELECT count(*) FROM messages WHERE conversation_id = 'TKT-A-1'")" = 0 ] &&
	[ "$(psql_q "SELECT count(*) FROM runs WHERE conversation_id = 'TKT-A-1'")" = 0 ] &&
	api GET /v1/conversations/TKT-A-1 "$A" && expect_error 404 not_found
}

t_erasure() {
	local e
	e=$(tok eraser)
	api POST /v1/chat/museum "$e" '{"ticket_id":"TKT-E","message":"bye"}' && expect_status 200 &&
	api POST /v1/chat "$e" '{"message":"general"}' && expect_status 200 &&
	api DELETE /v1/me "$e" && expect_status 204 || return 1
	[ "$(psql_q "SELECT (SELECT count(*) FROM users WHERE id = 'eraser') + (SELECT count(*) FROM conversations WHERE user_id = 'eraser') + (SELECT count(*) FROM tickets WHERE user_id = 'eraser') + (SELECT count(*) FROM runs WHERE user_id = 'eraser') + (SELECT count(*) FROM messages WHERE conversation_id = 'TKT-E')")" = 0 ] ||
	    fail "rows left" || return 1
	api GET /v1/me "$e" && expect_status 200 && expect_json "j['id'] == 'eraser'" &&
	api GET /v1/conversations "$e" && expect_json "j['conversations'] == []"
}

# --- bad input -------------------------------------------------------------------

t_bad_input() {
	local m8001 m8000
	m8000=$("$PY" -c 'print("é" * 8000)')
	m8001=$("$PY" -c 'print("é" * 8001)')
	api POST /v1/chat/museum "$A" '{"ticket_id":"bad id!","message":"x"}' && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" "{\"ticket_id\":\"$(printf 'T%.0s' $(seq 129))\",\"message\":\"x\"}" && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" '{"ticket_id":"T-OK","message":""}' && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" '{"ticket_id":"T-OK","message":" \n\t "}' && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" "{\"ticket_id\":\"T-OK\",\"message\":\"$m8001\"}" && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" '{"ticket_id":"T-OK"}' && expect_error 400 invalid_request &&
	api POST /v1/chat/museum "$A" '{"ticket_id":"T-OK","message":"x","stream":"yes"}' && expect_error 400 invalid_request &&
	api POST /v1/chat "$A" '["message"]' && expect_error 400 invalid_json &&
	api POST /v1/chat "$A" "$("$PY" -c 'print("[" * 100 + "]" * 100)')" && expect_error 400 invalid_json &&
	printf '{"message":"\xff\xfe"}' >"$T/bad.json" &&
	req POST /v1/chat -H "Authorization: Bearer $A" -H "$JSON" --data-binary "@$T/bad.json" &&
	expect_error 400 invalid_json &&
	req POST /v1/chat -H "Authorization: Bearer $A" -H 'Content-Type: text/plain' --data-binary '{"message":"x"}' &&
	expect_error 415 unsupported_media_type &&
	api POST /v1/chat/museum "$A" "{\"ticket_id\":\"T-8000\",\"message\":\"$m8000\"}" && expect_status 200
}

t_exact_bytes() {
	local msg="Robert'); DROP TABLE users;-- 🎨 \"quotes\" \\\\ back — 名画"
	"$PY" -c 'import json,sys; print(json.dumps({"ticket_id":"T-EXACT","message":sys.argv[1]}))' "$msg" >"$T/ex.json"
	req POST /v1/chat/museum -H "Authorization: Bearer $A" -H "$JSON" --data-binary "@$T/ex.json" &&
	expect_status 200 || return 1
	"$PY" - "$T/b" "$msg" <<-'EOF' || return 1
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["message"]["text"] == sys.argv[2], j["message"]["text"]
	EOF
	[ "$(psql_q "SELECT text FROM messages WHERE conversation_id = 'T-EXACT' AND seq = 1")" = "$msg" ] &&
	[ "$(psql_q "SELECT count(*) FROM users")" -gt 0 ]
}

# A conversation of about 240 KB: its answer leaves the responder in
# several 64 KiB FastCGI records, split inside multi-byte characters,
# and must come back whole and in order.
t_large_read() {
	local i
	for i in 1 2 3 4 5 6; do
		"$PY" -c 'import json,sys; i=sys.argv[1]
print(json.dumps({"ticket_id":"T-LARGE","message":i + "é" * 4000 + "名" * 3990}))' "$i" >"$T/large.json"
		req POST /v1/chat/museum -H "Authorization: Bearer $A" -H "$JSON" \
		    --data-binary "@$T/large.json" && expect_status 200 || return 1
	done
	api GET /v1/conversations/T-LARGE "$A" && expect_status 200 &&
	[ "$(hdr content-length)" = "$(stat -c %s "$T/b")" ] &&
	[ "$(stat -c %s "$T/b")" -gt 200000 ] || { fail "large read: size"; return 1; }
	"$PY" - "$T/b" <<-'EOF'
	import json, sys
	j = json.load(open(sys.argv[1], encoding="utf-8"))
	m = j["messages"]
	assert [x["seq"] for x in m] == list(range(1, 13)), [x["seq"] for x in m]
	for k, x in enumerate(m):
	    want = str(k // 2 + 1) + "é" * 4000 + "名" * 3990
	    assert x["text"] == want, (k, x["text"][:20])
	EOF
}

t_metrics() {
	req GET /metrics && expect_status 200 &&
	grep -q '^dataland_runs_total{service="agent",status="success",model="echo"} [1-9]' "$T/b" &&
	grep -q '^dataland_runs_total{service="agent",status="cancelled",model="echo"} [1-9]' "$T/b" &&
	grep -q '^dataland_model_duration_seconds_count{service="agent",model="echo"} [1-9]' "$T/b" &&
	grep -q '^dataland_tokens_total{service="agent",model="echo",kind="prompt"} [1-9]' "$T/b"
}

check "tokens: every forgery, expiry, issuer and kid trick is 401" t_refused
check "tokens: one the auth service issued is trusted" t_auth_service_token
check "users: the token's claims become the row (aliases, JSON list)" t_user_row
check "users: an unchanged token writes nothing, a changed claim is kept" t_user_unchanged
check "museum: first message registers the ticket; another user's is 403" t_museum
check "museum: 10 concurrent first messages, one ticket, one conversation" t_museum_race
check "general: UUID4 conversation, title from the message, 404 for others" t_general
check "seq: 20 concurrent posts to one conversation, no gap or duplicate" t_seq_concurrent
check "stream: start, deltas, images, sources, suggestions, done" t_stream
check "stream: Accept: text/event-stream streams too" t_stream_accept
check "stream: a client gone mid-stream leaves the run cancelled" t_stream_gone
check "list: newest first, keyset pages, bad limit and cursor 400" t_list
check "get: messages in seq order, runs, another user's 404" t_get_and_runs
check "gzip: large reads compressed for a client that asks, nothing else" t_gzip
check "writes: title, feedback like/null, delete takes the children" t_writes
check "erasure: DELETE /v1/me removes everything, a new token starts afresh" t_erasure
check "bad input: ids, lengths, blank, types, bad JSON, media type" t_bad_input
check "SQL-looking text and emoji are stored byte for byte" t_exact_bytes
check "large read: a 240 KB conversation in several records comes back whole" t_large_read
check "metrics: runs by status and model, latency, tokens" t_metrics
e2e_done
