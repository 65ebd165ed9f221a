#!/bin/bash
# scripts/backup.sh and scripts/restore.sh against the test cluster: a
# database the Python stack left (the shared fixture), adopted by
# `dataland migrate up`, with rows of awkward text added, is backed up
# and restored into a fresh database that dumps identically; restore
# refuses a non-empty target, a damaged dump and a missing checksum,
# and catches row counts that differ from the source's; counts and dump
# share one snapshot under concurrent writes; only the newest KEEP
# backups stay.
. "$(dirname "$0")/ops-lib.sh"
ops_need_pg

SRC=ops_bk_src_$$
DST=ops_bk_dst_$$
BUSY=ops_bk_busy_$$
OPS_DBS="$SRC $DST $BUSY ${DST}_bad ${DST}_busy"
FIXTURE=$OPS_SHARED/fixtures/python-stack-0010.sql
BK=$T/backups
unset APP_ENV DATABASE_URL BACKUP_DIR BACKUP_KEEP

# The source's URL in the Python stack's driver form, as .env has it.
src_url() {
	pg_url "$SRC" | sed 's#^postgresql://#postgresql+asyncpg://#'
}

# A plain dump of database $1 that two identical databases share.
plain_dump() {
	pg_dump --no-owner --no-privileges -d "$(pg_url "$1")" |
	    grep -v -e '^\\restrict' -e '^\\unrestrict'
}

the_dump() {
	ls "$BK"/"$SRC"-*.dump | tail -n 1
}

t_setup() {
	[ -f "$FIXTURE" ] || fail "no fixture '$FIXTURE' (DATALAND_SHARED)"
	pg_create "$SRC"
	pg "$SRC" -f "$FIXTURE" >/dev/null
	DATABASE_URL=$(pg_url "$SRC") "$DATALAND_BIN" migrate up >/dev/null
	pg "$SRC" <<-'EOF'
	INSERT INTO users (id, email, full_name, created_at) VALUES
	    ('ops-user', 'ops@example.org', E'Zoë \\ "quoted"\ttab', now());
	INSERT INTO conversations (id, user_id, title, mode, created_at, updated_at) VALUES
	    ('ops-conv', 'ops-user', E'line one\nline two', 'general', now(), NULL);
	INSERT INTO messages (id, conversation_id, seq, role, text, created_at) VALUES
	    ('ops-m1', 'ops-conv', 1, 'user', E'back\\slash, comma, \r\n newline, 日本語, emoji 🎨', now()),
	    ('ops-m2', 'ops-conv', 2, 'assistant', NULL, NULL);
	INSERT INTO message_images (message_id, title, artist, score, type)
	    VALUES ('ops-m2', 'Nighthawks', 'Hopper', 0.93, 'artwork');
	EOF
	[ "$(pg "$SRC" -c 'SELECT count(*) FROM messages')" -ge 5 ] ||
	    fail "the fixture's messages are missing"
}

t_backup_files() {
	local d out
	out=$(scripts/backup.sh -d "$BK" "$(src_url)")
	echo "$out"
	d=$(the_dump)
	[ -s "$d" ] && [ -s "$d.sha256" ] && [ -s "${d%.dump}.counts" ]
	case $(basename "$d") in
	"$SRC"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.dump) ;;
	*) fail "unexpected name '$d'" ;;
	esac
	expect_eq PGDMP "$(head -c 5 "$d")" "custom-format magic"
	(cd "$BK" && sha256sum -c "$(basename "$d").sha256")
	expect_eq 600 "$(stat -c %a "$d")" "dump file mode"
	grep -q "^public.messages	$(pg "$SRC" -c 'SELECT count(*) FROM messages')\$" \
	    "${d%.dump}.counts"
	expect_eq "$(pg "$SRC" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" \
	    "$(wc -l <"${d%.dump}.counts")" "tables counted"
	echo "$out" | grep -q "^backup: wrote "
	refute grep -q 'dataland:dataland' <<<"$out"
	# Nothing half-written is left behind.
	expect_eq 3 "$(ls -A "$BK" | wc -l)" "files in the backup directory"
}

t_restore_reproduces() {
	scripts/restore.sh "$(the_dump)" "$DST" "$TEST_PG_URL" | tee "$T/out"
	grep -q "every count matches the source" "$T/out"
	plain_dump "$SRC" >"$T/src.sql"
	plain_dump "$DST" >"$T/dst.sql"
	grep -q "ops-m1" "$T/dst.sql"
	diff "$T/src.sql" "$T/dst.sql"
	expect_eq "$(pg "$SRC" -c "SELECT text FROM messages WHERE id = 'ops-m1'")" \
	    "$(pg "$DST" -c "SELECT text FROM messages WHERE id = 'ops-m1'")" \
	    "awkward text"
	expect_eq "$(DATABASE_URL=$(pg_url "$SRC") "$DATALAND_BIN" migrate current)" \
	    "$(DATABASE_URL=$(pg_url "$DST") "$DATALAND_BIN" migrate current)" \
	    "restored revision"
}

t_refuses_non_empty() {
	local before
	before=$(pg "$DST" -c 'SELECT count(*) FROM messages')
	pg "$DST" -c "INSERT INTO users (id, created_at) VALUES ('only-in-dst', now())"
	refute scripts/restore.sh "$(the_dump)" "$DST" "$TEST_PG_URL" 2>"$T/err"
	grep -q "database '$DST' exists and holds .* relations: refusing to overwrite it" "$T/err"
	expect_eq 1 "$(pg "$DST" -c "SELECT count(*) FROM users WHERE id = 'only-in-dst'")" \
	    "the refused target is untouched"
	expect_eq "$before" "$(pg "$DST" -c 'SELECT count(*) FROM messages')"
	scripts/restore.sh --force "$(the_dump)" "$DST" "$TEST_PG_URL" >"$T/out"
	expect_eq 0 "$(pg "$DST" -c "SELECT count(*) FROM users WHERE id = 'only-in-dst'")" \
	    "--force replaced the target"
	plain_dump "$DST" | diff "$T/src.sql" -
}

# Copies the newest backup to $T/copy/ under the name $1.
copy_backup() {
	local d n
	d=$(the_dump)
	n=$(basename "$d" .dump)
	rm -rf "$T/copy"
	mkdir -p "$T/copy"
	cp "$d" "$T/copy/$1.dump"
	cp "${d%.dump}.counts" "$T/copy/$1.counts"
	sed "s/$n/$1/" "$d.sha256" >"$T/copy/$1.dump.sha256"
}

t_refuses_bad_checksum() {
	copy_backup damaged
	(cd "$T/copy" && sha256sum -c damaged.dump.sha256)
	printf 'X' | dd of="$T/copy/damaged.dump" bs=1 seek=3000 conv=notrunc 2>/dev/null
	refute scripts/restore.sh "$T/copy/damaged.dump" "${DST}_bad" "$TEST_PG_URL" 2>"$T/err"
	grep -q "checksum mismatch" "$T/err"
	expect_eq 0 "$(pg postgres -c "SELECT count(*) FROM pg_database WHERE datname = '${DST}_bad'")" \
	    "a database made for a damaged dump"
	copy_backup unsummed
	rm "$T/copy/unsummed.dump.sha256"
	refute scripts/restore.sh "$T/copy/unsummed.dump" "${DST}_bad" "$TEST_PG_URL" 2>"$T/err"
	grep -q "no checksum file" "$T/err"
}

t_catches_count_mismatch() {
	copy_backup miscounted
	sed -i 's/^\(public\.messages\t\)\([0-9]*\)$/\1999/' "$T/copy/miscounted.counts"
	grep -q '^public.messages	999$' "$T/copy/miscounted.counts"
	(cd "$T/copy" && sha256sum miscounted.dump miscounted.counts >miscounted.dump.sha256)
	refute scripts/restore.sh "$T/copy/miscounted.dump" "${DST}_bad" "$TEST_PG_URL" 2>"$T/err"
	grep -q "public.messages: source 999, restored" "$T/err"
	grep -q "row counts of '${DST}_bad' differ from the source's" "$T/err"
	pg postgres -c "DROP DATABASE \"${DST}_bad\""
}

# Rows committed while the dump runs: the counts are those of the dump's
# snapshot, so the restore (which checks them) agrees, and the source
# kept changing meanwhile.
t_consistent_under_writes() {
	local writer before after
	pg_create "$BUSY"
	pg "$BUSY" -c "CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), pad text)"
	pg "$BUSY" -c "INSERT INTO ticks (pad) SELECT repeat('x', 200) FROM generate_series(1, 20000)"
	psql -X -q -d "$(pg_url "$BUSY")" -c "DO \$\$ BEGIN FOR i IN 1..3000 LOOP INSERT INTO ticks (pad) VALUES ('w'); COMMIT; PERFORM pg_sleep(0.002); END LOOP; END \$\$" \
	    >/dev/null 2>&1 &
	writer=$!
	sleep 0.5
	before=$(pg "$BUSY" -c 'SELECT count(*) FROM ticks')
	scripts/backup.sh -d "$T/busy" "$(pg_url "$BUSY")"
	after=$(pg "$BUSY" -c 'SELECT count(*) FROM ticks')
	kill "$writer" 2>/dev/null || true
	pg postgres -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = '$BUSY' AND pid <> pg_backend_pid()" >/dev/null
	wait "$writer" 2>/dev/null || true
	[ "$after" -gt "$before" ] || fail "no writes happened during the backup ($before, $after)"
	scripts/restore.sh "$(ls "$T"/busy/*.dump)" "${DST}_busy" "$TEST_PG_URL"
	grep -q "^public.ticks	$(pg "${DST}_busy" -c 'SELECT count(*) FROM ticks')\$" \
	    "$(ls "$T"/busy/*.counts)"
}

t_keeps_newest() {
	local i
	mkdir -p "$T/keep"
	touch "$T/keep/unrelated-20200101T000000Z.dump" "$T/keep/notes.txt"
	for i in 1 2 3; do
		BACKUP_DIR=$T/keep BACKUP_KEEP=2 scripts/backup.sh "$(pg_url "$SRC")" >"$T/out.$i"
	done
	expect_eq 2 "$(ls "$T/keep/$SRC"-*.dump | wc -l)" "dumps kept"
	expect_eq 2 "$(ls "$T/keep/$SRC"-*.counts | wc -l)" "counts kept"
	expect_eq 2 "$(ls "$T/keep/$SRC"-*.dump.sha256 | wc -l)" "checksums kept"
	grep -q "^backup: removed $SRC-.*\.dump (keeping the newest 2)" "$T/out.3"
	# The two left are the newest two written.
	expect_eq "$(sed -n 's/^backup: wrote \([^ ]*\) .*/\1/p' "$T/out.2" "$T/out.3" | sort | tr '\n' ' ')" \
	    "$(cd "$T/keep" && ls "$SRC"-*.dump | sort | tr '\n' ' ')" "the kept dumps"
	[ -e "$T/keep/unrelated-20200101T000000Z.dump" ] && [ -e "$T/keep/notes.txt" ]
	refute env BACKUP_KEEP=0 scripts/backup.sh -d "$T/keep" "$(pg_url "$SRC")" 2>"$T/err"
	grep -q "KEEP must be an integer of at least 1" "$T/err"
}

t_fails_clearly() {
	mkdir -p "$T/none"
	refute scripts/backup.sh -d "$T/none" \
	    "postgresql://nobody:secret@127.0.0.1:1/nothing" 2>"$T/err"
	grep -q "^backup: cannot connect to 'postgresql://127.0.0.1:1/nothing'" "$T/err"
	refute grep -q secret "$T/err"
	expect_eq 0 "$(ls -A "$T/none" | wc -l)" "files left by a failed backup"
	refute env -u DATABASE_URL scripts/backup.sh -d "$T/none" 2>"$T/err"
	grep -q "no database: pass a URL or set DATABASE_URL" "$T/err"
}

check "setup-python-stack-fixture-adopted-with-awkward-rows" t_setup
check "backup-writes-a-custom-dump-its-counts-and-checksum" t_backup_files
check "restore-into-a-fresh-database-reproduces-every-row" t_restore_reproduces
check "restore-refuses-a-non-empty-database-unless-forced" t_refuses_non_empty
check "restore-refuses-a-damaged-or-unsummed-dump" t_refuses_bad_checksum
check "restore-catches-row-counts-that-differ-from-the-source" t_catches_count_mismatch
check "backup-counts-and-dump-share-one-snapshot-under-writes" t_consistent_under_writes
check "backup-keeps-only-the-newest-KEEP" t_keeps_newest
check "backup-fails-clearly-and-leaves-nothing" t_fails_clearly
ops_finish
