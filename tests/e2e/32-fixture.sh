#!/bin/bash
# The Python stack's database taken over (API.md §6, ../shared/fixtures):
# the fixture loaded into its own database, `dataland migrate up`, the
# auth service restarted on it, and every staff account the Python stack
# left logs in through nginx: the argon2-cffi row as it is, the legacy
# sha256 row (re-hashed on the way), the row without a sub (given one by
# the startup DDL).
. "$(dirname "$0")/lib.sh"

e2e_start

JSON='Content-Type: application/json'
PY_URL=${DATABASE_URL%/*}/pyfixture

psql_py() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$PY_URL" -c "$1"
}

field() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1]));
print(eval(sys.argv[2]))' "$T/b" "$1"
}

t_adopt() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" \
	    -c "CREATE DATABASE pyfixture" &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$PY_URL" \
	    -f "${DATALAND_SHARED:-../shared}/fixtures/python-stack-0010.sql" \
	    >/dev/null &&
	DATABASE_URL=$PY_URL "$E2E_BIN/bin/dataland" migrate up >"$T/mig" 2>&1 &&
	grep -q 'applied 0011_' "$T/mig" && ! grep -q 'applied 0001_' "$T/mig" &&
	[ "$(psql_py "SELECT count(*) FROM auth_server_users WHERE sub IS NULL")" = 1 ] &&
	STACK_AUTH_DATABASE_URL=$PY_URL scripts/stack.sh restart-auth \
	    "$E2E_DIR" >"$T/restart" 2>&1 || { cat "$T/mig" "$T/restart"; return 1; }
	[ "$(psql_py "SELECT count(*) FROM auth_server_users WHERE sub IS NULL")" = 0 ]
}

# login N EMAIL PASSWORD: 200 with a token for EMAIL; then /auth/me.
login() {
	printf '{"email":"%s","password":"%s"}' "$2" "$3" >"$T/req.json"
	req POST /auth/login --interface "127.0.0.$1" -H "$JSON" \
	    --data-binary "@$T/req.json" && expect_status 200 &&
	expect_json "j['user']['email'] == '$2'" || return 1
	TOKEN=$(field "j['access_token']")
	SUB=$(field "j['user']['sub']")
	req GET /auth/me -H "Authorization: Bearer $TOKEN" &&
	expect_status 200 && expect_json "j['email'] == '$2' and j['sub'] == '$SUB'"
}

t_argon2() {
	login 21 curator@example.org curator-pass-2026 &&
	[ "$SUB" = 0b7c1f0e-3c1e-4f4e-9a51-1d2f3e4a5b6c ] &&
	expect_json "j['full_name'] == 'Head Curator'" &&
	psql_py "SELECT hash FROM auth_server_users WHERE id = 1" |
	    grep -q '^\$argon2id\$v=19\$m=65536,t=3,p=4\$mzu1yZgrdIK1wY8DpfTugQ\$'
}

t_legacy() {
	login 22 legacy.dev@example.org wrong-pass-2019 2>/dev/null && return 1
	expect_status 401 &&
	login 22 legacy.dev@example.org legacy-pass-2019 &&
	[ "$(psql_py "SELECT salt FROM auth_server_users WHERE id = 2")" = argon2 ] &&
	psql_py "SELECT hash FROM auth_server_users WHERE id = 2" |
	    grep -q '^\$argon2id\$v=19\$m=65536,t=3,p=4\$' &&
	login 22 legacy.dev@example.org legacy-pass-2019
}

t_no_sub() {
	login 23 no.sub@example.org no-sub-pass-2026 &&
	[ "$SUB" = "$(psql_py "SELECT sub FROM auth_server_users WHERE id = 3")" ]
}

t_rows_kept() {
	[ "$(psql_py "SELECT count(*) FROM messages")" = 5 ] &&
	[ "$(psql_py "SELECT messages_json FROM conversations WHERE id = 'TKT-2026-000123'")" = \
	    '[{"role":"user","text":"Where is the Night Watch?"}]' ]
}

check "fixture: migrate up adopts it, auth start gives the missing sub" t_adopt
check "fixture: the argon2-cffi account logs in as it is" t_argon2
check "fixture: the legacy sha256 account logs in and is re-hashed" t_legacy
check "fixture: the account without a sub logs in with its new sub" t_no_sub
check "fixture: the Python stack's rows are all there" t_rows_kept
e2e_done
