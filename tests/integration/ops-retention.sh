#!/bin/bash
# `dataland retention-sweep` (API.md §5, §6) against a migrated database
# of the test cluster: it deletes exactly the conversations last
# touched (COALESCE(updated_at, created_at)) before the cutoff, with
# every child row, keeps the recent ones and those with no timestamp,
# never touches users or tickets, works in batches, and skips rows
# another transaction holds instead of waiting for them.
. "$(dirname "$0")/ops-lib.sh"
ops_need_pg

DB=ops_retention_$$
OPS_DBS=$DB
export DATABASE_URL
DATABASE_URL=$(pg_url "$DB")
unset APP_ENV AGENT_RETENTION_DAYS

sweep() {
	"$DATALAND_BIN" retention-sweep "$@"
}

# Old: updated 40 days ago; or never updated and created 100 days ago;
# plus 23 bulk ones. Kept: updated yesterday (created long ago), created
# 5 days ago and never updated, and one with neither timestamp. Each
# named one has a message with an image, a source, a suggestion and a
# run.
seed() {
	pg "$DB" <<-'EOF'
	INSERT INTO users (id, email, created_at) VALUES
	    ('u-old', 'old@example.org', now() - interval '400 days'),
	    ('u-new', 'new@example.org', now());
	INSERT INTO conversations (id, user_id, title, mode, created_at, updated_at) VALUES
	    ('old-updated',   'u-old', 'a', 'general', now() - interval '100 days', now() - interval '40 days'),
	    ('old-no-update', 'u-old', 'b', 'museum',  now() - interval '100 days', NULL),
	    ('new-updated',   'u-old', 'c', 'general', now() - interval '100 days', now() - interval '1 day'),
	    ('new-no-update', 'u-new', 'd', 'general', now() - interval '5 days',   NULL),
	    ('no-timestamps', 'u-new', 'e', 'general', NULL, NULL);
	INSERT INTO conversations (id, user_id, created_at, updated_at)
	    SELECT 'bulk-' || g, 'u-new', now() - interval '90 days',
	        now() - interval '31 days' FROM generate_series(1, 23) g;
	INSERT INTO tickets (id, user_id, first_seen) VALUES
	    ('old-no-update', 'u-old', now() - interval '100 days');
	INSERT INTO runs (id, conversation_id, user_id, started_at, status)
	    SELECT 'run-' || id, id, user_id, now(), 'success' FROM conversations
	    WHERE id NOT LIKE 'bulk-%';
	INSERT INTO messages (id, conversation_id, seq, run_id, role, text, created_at)
	    SELECT 'msg-' || id, id, 1, 'run-' || id, 'assistant', 'hi', now()
	    FROM conversations WHERE id NOT LIKE 'bulk-%';
	INSERT INTO messages (id, conversation_id, seq, role, text, created_at)
	    SELECT 'msg-' || id, id, 1, 'user', 'hello', now()
	    FROM conversations WHERE id LIKE 'bulk-%';
	INSERT INTO message_images (message_id, title, type)
	    SELECT id, 'img', 'artwork' FROM messages WHERE role = 'assistant';
	INSERT INTO message_sources (message_id, title, type)
	    SELECT id, 'src', 'document' FROM messages WHERE role = 'assistant';
	INSERT INTO message_suggestions (message_id, text, sequence)
	    SELECT id, 'more?', 1 FROM messages WHERE role = 'assistant';
	EOF
}

# Every row count that matters, one line.
snapshot() {
	pg "$DB" -c "SELECT (SELECT count(*) FROM users) || ' ' ||
	    (SELECT count(*) FROM tickets) || ' ' ||
	    (SELECT count(*) FROM conversations) || ' ' ||
	    (SELECT count(*) FROM messages) || ' ' ||
	    (SELECT count(*) FROM runs) || ' ' ||
	    (SELECT count(*) FROM message_images) || ' ' ||
	    (SELECT count(*) FROM message_sources) || ' ' ||
	    (SELECT count(*) FROM message_suggestions)"
}

t_setup() {
	pg_create "$DB"
	"$DATALAND_BIN" migrate up >/dev/null
	seed
	expect_eq "2 1 28 28 5 5 5 5" "$(snapshot)" "seeded rows"
}

t_off_when_unset() {
	local out before
	before=$(snapshot)
	out=$(sweep)
	echo "$out" | grep -q '^retention is off: AGENT_RETENTION_DAYS is unset, nothing deleted$'
	AGENT_RETENTION_DAYS= sweep | grep -q '^retention is off'
	expect_eq "$before" "$(snapshot)" "rows after a sweep with retention off"
}

t_bad_setting() {
	local v before
	before=$(snapshot)
	for v in 0 -1 abc 7d 36501 ' 30'; do
		refute env AGENT_RETENTION_DAYS="$v" "$DATALAND_BIN" \
		    retention-sweep 2>"$T/err"
		grep -q 'AGENT_RETENTION_DAYS: not a number in range' "$T/err" ||
		    fail "no clear error for AGENT_RETENTION_DAYS='$v': $(cat "$T/err")"
	done
	refute env AGENT_RETENTION_DAYS=30 "$DATALAND_BIN" retention-sweep \
	    --batch 0 2>/dev/null
	expect_eq "$before" "$(snapshot)" "rows after refused sweeps"
}

t_dry_run() {
	local before
	before=$(snapshot)
	AGENT_RETENTION_DAYS=30 sweep --dry-run >"$T/out"
	grep -q '^would delete 25 conversations last touched before .* (AGENT_RETENTION_DAYS=30)$' "$T/out" ||
	    fail "dry run said: $(cat "$T/out")"
	expect_eq "$before" "$(snapshot)" "rows after a dry run"
}

t_deletes_exactly_the_old() {
	AGENT_RETENTION_DAYS=30 sweep --batch 4 >"$T/out"
	grep -q '^deleted 25 conversations last touched before .* (AGENT_RETENTION_DAYS=30)$' "$T/out" ||
	    fail "sweep said: $(cat "$T/out")"
	expect_eq "new-no-update new-updated no-timestamps" \
	    "$(pg "$DB" -c "SELECT string_agg(id, ' ' ORDER BY id) FROM conversations")" \
	    "conversations left"
	# users and the ticket stay; the children of the 25 are gone, those
	# of the 3 kept are all there.
	expect_eq "2 1 3 3 3 3 3 3" "$(snapshot)" "rows after the sweep"
	expect_eq "msg-new-no-update msg-new-updated msg-no-timestamps" \
	    "$(pg "$DB" -c "SELECT string_agg(m.id, ' ' ORDER BY m.id) FROM messages m JOIN message_images i ON i.message_id = m.id JOIN message_sources s ON s.message_id = m.id JOIN message_suggestions g ON g.message_id = m.id")" \
	    "messages with all their children"
}

t_again_finds_nothing() {
	AGENT_RETENTION_DAYS=30 sweep | grep -q '^deleted 0 conversations'
	expect_eq "2 1 3 3 3 3 3 3" "$(snapshot)" "rows after a second sweep"
	# A shorter period reaches further: one day takes the recent two,
	# never the one without timestamps.
	pg "$DB" -c "UPDATE conversations SET updated_at = now() - interval '2 days' WHERE id = 'new-updated'"
	AGENT_RETENTION_DAYS=1 sweep | grep -q '^deleted 2 conversations'
	expect_eq "no-timestamps" \
	    "$(pg "$DB" -c "SELECT string_agg(id, ' ') FROM conversations")" \
	    "after a 1-day sweep"
}

# A transaction holding one old conversation (as a chat writing to it
# would) delays nothing: that row is skipped, the others go, and the
# next sweep takes it.
t_skips_locked_rows() {
	local start ms holder
	pg "$DB" -c "INSERT INTO conversations (id, user_id, created_at, updated_at)
	    SELECT 'held-' || g, 'u-new', now() - interval '60 days', now() - interval '60 days'
	    FROM generate_series(1, 3) g"
	psql -X -q -d "$DATABASE_URL" -c "BEGIN; SELECT 1 FROM conversations WHERE id = 'held-2' FOR UPDATE; SELECT pg_sleep(15); COMMIT;" \
	    >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 100); do
		[ "$(pg "$DB" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND wait_event = 'PgSleep'")" = 1 ] && break
		sleep 0.1
	done
	start=$(date +%s%N)
	AGENT_RETENTION_DAYS=30 sweep --batch 1 >"$T/out"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	kill "$holder" 2>/dev/null
	pg "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND wait_event = 'PgSleep'" >/dev/null
	wait "$holder" 2>/dev/null || true
	grep -q '^deleted 2 conversations' "$T/out" || fail "sweep said: $(cat "$T/out")"
	[ "$ms" -lt 4000 ] || fail "the sweep waited ${ms} ms for a held row"
	expect_eq "held-2 no-timestamps" \
	    "$(pg "$DB" -c "SELECT string_agg(id, ' ' ORDER BY id) FROM conversations")" \
	    "conversations left while one was held"
	AGENT_RETENTION_DAYS=30 sweep | grep -q '^deleted 1 conversations'
}

t_production_guard() {
	refute env APP_ENV=production AGENT_RETENTION_DAYS=30 \
	    "$DATALAND_BIN" retention-sweep 2>"$T/err"
	grep -q 'refusing to run' "$T/err"
}

check "setup-migrated-database-with-old-and-new-conversations" t_setup
check "sweep-is-off-when-AGENT_RETENTION_DAYS-is-unset" t_off_when_unset
check "sweep-rejects-a-bad-AGENT_RETENTION_DAYS-naming-it" t_bad_setting
check "sweep-dry-run-counts-and-deletes-nothing" t_dry_run
check "sweep-deletes-exactly-the-old-conversations-and-their-children" t_deletes_exactly_the_old
check "sweep-again-finds-nothing-and-keeps-rows-without-timestamps" t_again_finds_nothing
check "sweep-skips-a-held-conversation-without-waiting" t_skips_locked_rows
check "sweep-obeys-the-production-boot-guard" t_production_guard
ops_finish
