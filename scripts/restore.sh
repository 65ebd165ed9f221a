#!/bin/sh
# Restores a backup made by scripts/backup.sh into a named database
# (docs/operations.md, "Backups"), and proves it: the sha256 file is
# checked before anything is touched, the restore is one transaction,
# and afterwards every table's exact row count must equal the count the
# backup took in the dump's own snapshot.
#
#   scripts/restore.sh [--force] DUMP DBNAME [URL]
#
#   DUMP     DIR/<db>-<time>.dump; <db>-<time>.dump.sha256 and
#            <db>-<time>.counts must be beside it
#   DBNAME   the database to restore into: created when missing; an
#            existing empty one is used; an existing one with tables
#            is refused unless --force, which drops and recreates it
#            (closing its connections)
#   URL      a URL of the server; default DATABASE_URL. Its role must
#            be allowed to create databases. The database it names is
#            not touched: CREATE and DROP run from RESTORE_MAINTENANCE_DB
#            (default postgres)
#
# Objects are owned by URL's role (--no-owner) and privileges are not
# restored (--no-privileges). PGBIN names the directory of another
# pg_restore/psql. POSIX sh, so that it also runs in postgres:16-alpine.
set -eu

PROG=restore
PG_RESTORE=${PGBIN:+$PGBIN/}pg_restore
PSQL=${PGBIN:+$PGBIN/}psql
MAINT_DB=${RESTORE_MAINTENANCE_DB:-postgres}
TAB=$(printf '\t')

say() {
	printf '%s: %s\n' "$PROG" "$*"
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

usage() {
	echo "usage: scripts/restore.sh [--force] DUMP DBNAME [URL]" >&2
	exit 2
}

normalize_url() {
	printf '%s\n' "$1" | sed -E 's#^(postgres(ql)?)\+[A-Za-z0-9_]+://#\1://#'
}

safe_url() {
	printf '%s\n' "$1" | sed -E 's#^([^:/]+://)[^@/]*@#\1#; s#\?.*$##'
}

# The same URL naming database $2 instead (query kept).
url_for_db() {
	printf '%s\n' "$1" | sed -E "s#^([^:/]+://[^/?]*)(/[^?]*)?#\\1/$2#"
}

# Identical to the query in scripts/backup.sh.
COUNTS_SQL="SELECT format('%I.%I', n.nspname, c.relname),
  (xpath('/row/n/text()', query_to_xml(format(
    'SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),
    false, true, '')))[1]::text::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1;"

# Relations of any kind outside the system schemas: 0 = empty.
OBJECTS_SQL="SELECT count(*) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%';"

force=0
if [ "${1:-}" = --force ]; then
	force=1
	shift
fi
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
dump=$1
db=$2
url=${3:-${DATABASE_URL:-}}
[ -n "$url" ] || die "no server: pass a URL or set DATABASE_URL"
case $db in
'' | *[!A-Za-z0-9_-]* | [0-9-]*)
	die "DBNAME must be letters, digits, '_' and '-', not starting with a digit or '-': '$db'" ;;
esac
[ "$db" != "$MAINT_DB" ] || die "refusing to restore into the maintenance database '$db'"
url=$(normalize_url "$url")
maint=$(url_for_db "$url" "$MAINT_DB")
target=$(url_for_db "$url" "$db")

# --- 1. the files, checked before anything is touched ---------------
[ -f "$dump" ] || die "no dump '$dump'"
ddir=$(cd "$(dirname "$dump")" && pwd)
dname=$(basename "$dump")
case $dname in
*.dump) ;;
*) die "'$dump' is not a .dump file of scripts/backup.sh" ;;
esac
cname=${dname%.dump}.counts
sums=$ddir/$dname.sha256
[ -f "$sums" ] || die "no checksum file '$sums': refusing to restore an unverified dump"
[ -f "$ddir/$cname" ] || die "no row counts '$ddir/$cname': the restore could not be verified"
for f in "$dname" "$cname"; do
	grep -q "  $f\$" "$sums" || die "'$sums' does not cover '$f'"
done
say "checking $dname and $cname against $dname.sha256"
(cd "$ddir" && sha256sum -c "$dname.sha256") >/dev/null 2>&1 ||
    die "checksum mismatch in '$sums': the backup is damaged or was changed; refusing to restore it"

# --- 2. the target database -----------------------------------------
work=$(mktemp -d) || die "cannot create a temporary directory"
created=0
restored=0
cleanup() {
	if [ "$created" = 1 ] && [ "$restored" = 0 ]; then
		"$PSQL" -X -q -v db="$db" -d "$maint" >/dev/null 2>&1 <<-'EOF' || true
		DROP DATABASE IF EXISTS :"db";
		EOF
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

psql_maint() {
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -v db="$db" -d "$maint"
}

exists=$(psql_maint <<-'EOF'
	SELECT count(*) FROM pg_database WHERE datname = :'db';
	EOF
) || die "cannot connect to '$(safe_url "$maint")'"
if [ "$exists" = 1 ]; then
	objects=$("$PSQL" -X -At -v ON_ERROR_STOP=1 -d "$target" \
	    -c "$OBJECTS_SQL") || die "cannot connect to '$(safe_url "$target")'"
	if [ "$objects" != 0 ] && [ "$force" = 0 ]; then
		die "database '$db' exists and holds $objects relations: refusing to overwrite it (--force drops and recreates it)"
	fi
	if [ "$objects" != 0 ]; then
		say "dropping database '$db' (--force)"
		psql_maint <<-'EOF' || die "cannot drop database '$db'"
		DROP DATABASE :"db" WITH (FORCE);
		EOF
		exists=0
	else
		say "database '$db' exists and is empty: restoring into it"
	fi
fi
if [ "$exists" != 1 ]; then
	say "creating database '$db'"
	psql_maint <<-'EOF' || die "cannot create database '$db'"
	CREATE DATABASE :"db" TEMPLATE template0;
	EOF
	created=1
fi

# --- 3. restore, in one transaction ---------------------------------
say "restoring $dname into '$(safe_url "$target")'"
"$PG_RESTORE" --exit-on-error --single-transaction --no-owner \
    --no-privileges -d "$target" "$ddir/$dname" ||
    die "pg_restore failed (above); nothing was restored"
restored=1			# from here on the database is kept
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$target" -c ANALYZE ||
    die "ANALYZE failed after the restore"

# --- 4. every table's row count against the source's ----------------
"$PSQL" -X -q -At -F "$TAB" -v ON_ERROR_STOP=1 -d "$target" \
    -c "$COUNTS_SQL" >"$work/got" || die "cannot count the restored rows"
LC_ALL=C sort "$ddir/$cname" >"$work/want"
LC_ALL=C sort "$work/got" >"$work/have"
if ! cmp -s "$work/want" "$work/have"; then
	awk -F "$TAB" '
	    NR == FNR { want[$1] = $2; next }
	    { have[$1] = $2 }
	    END {
		for (t in want)
			if (!(t in have) || have[t] != want[t])
				printf "  %s: source %s, restored %s\n", t, want[t],
				    (t in have) ? have[t] : "missing"
		for (t in have)
			if (!(t in want))
				printf "  %s: not in the source, restored %s\n", t, have[t]
	    }' "$work/want" "$work/have" >&2
	die "row counts of '$db' differ from the source's (above); the database is kept for inspection"
fi
tables=$(wc -l <"$work/have" | tr -d ' ')
rows=$(awk -F "$TAB" '{ n += $2 } END { print n + 0 }' "$work/have")
say "restored $rows rows in $tables tables into '$db'; every count matches the source"
