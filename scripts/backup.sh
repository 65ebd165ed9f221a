#!/bin/sh
# A consistent backup of the Dataland database (docs/operations.md,
# "Backups"): a custom-format dump, the exact row count of every table
# taken in the same snapshot the dump reads, and a sha256 file over
# both; then only the newest KEEP backups of that database are kept.
#
#   scripts/backup.sh [-d DIR] [-k KEEP] [URL]
#
#   URL    the database; default DATABASE_URL (the driver forms
#          postgresql+asyncpg:// etc. are accepted)
#   DIR    where backups go; default BACKUP_DIR, else ./backups
#   KEEP   how many backups of this database to keep; default
#          BACKUP_KEEP, else 7
#
# Writes DIR/<db>-<UTC time>.dump (pg_dump -Fc), DIR/<db>-<UTC
# time>.counts ("schema.table<TAB>rows" per line) and
# DIR/<db>-<UTC time>.dump.sha256 (sha256sum of the two). pg_dump must
# be as new as the server: PGBIN names the directory of another one
# (under compose: `docker compose run --rm backup`). POSIX sh, so that
# it also runs in the postgres:16-alpine image.
set -eu
umask 077			# dumps hold every user's data

PROG=backup
PG_DUMP=${PGBIN:+$PGBIN/}pg_dump
PSQL=${PGBIN:+$PGBIN/}psql
TAB=$(printf '\t')

say() {
	printf '%s: %s\n' "$PROG" "$*"
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

usage() {
	echo "usage: scripts/backup.sh [-d DIR] [-k KEEP] [URL]" >&2
	exit 2
}

# The URL libpq accepts: SQLAlchemy's driver suffix dropped.
normalize_url() {
	printf '%s\n' "$1" | sed -E 's#^(postgres(ql)?)\+[A-Za-z0-9_]+://#\1://#'
}

# The URL without its user information and query: safe to print.
safe_url() {
	printf '%s\n' "$1" | sed -E 's#^([^:/]+://)[^@/]*@#\1#; s#\?.*$##'
}

# Every ordinary table's exact row count, one "schema.table<TAB>rows"
# line each, in whatever snapshot the calling transaction holds. The
# same query is in scripts/restore.sh; the two must stay identical.
COUNTS_SQL="SELECT format('%I.%I', n.nspname, c.relname),
  (xpath('/row/n/text()', query_to_xml(format(
    'SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),
    false, true, '')))[1]::text::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1;"

dir=${BACKUP_DIR:-./backups}
keep=${BACKUP_KEEP:-7}
while getopts d:k:h opt; do
	case $opt in
	d) dir=$OPTARG ;;
	k) keep=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
url=${1:-${DATABASE_URL:-}}
[ -n "$url" ] || die "no database: pass a URL or set DATABASE_URL"
case $keep in
'' | *[!0-9]* | 0*) die "KEEP must be an integer of at least 1, not '$keep'" ;;
esac
url=$(normalize_url "$url")
command -v "$PG_DUMP" >/dev/null 2>&1 || die "no '$PG_DUMP' (install postgresql-client or set PGBIN)"
command -v sha256sum >/dev/null 2>&1 || die "no 'sha256sum'"

mkdir -p "$dir" || die "cannot create '$dir'"
dir=$(cd "$dir" && pwd)
db=$("$PSQL" -X -At -v ON_ERROR_STOP=1 -d "$url" -c 'SELECT current_database()') ||
    die "cannot connect to '$(safe_url "$url")'"
prefix=$(printf '%s' "$db" | tr -c 'A-Za-z0-9_-' '_')

# One name per second; a second backup within the same second waits.
while :; do
	name=$prefix-$(date -u +%Y%m%dT%H%M%SZ)
	[ -e "$dir/$name.dump" ] || break
	sleep 1
done
work=$(mktemp -d "$dir/.$name.XXXXXX") || die "cannot write in '$dir'"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

# One psql session holds a REPEATABLE READ transaction open: it exports
# its snapshot, counts every table in it, and runs pg_dump with
# --snapshot from inside (\!), so the dump and the counts see the same
# committed state however busy the database is.
say "dumping '$(safe_url "$url")' to '$dir/$name.dump'"
BACKUP_PG_DUMP=$PG_DUMP BACKUP_URL=$url BACKUP_PARTIAL=$work/dump \
    BACKUP_STATUS=$work/status
export BACKUP_PG_DUMP BACKUP_URL BACKUP_PARTIAL BACKUP_STATUS
"$PSQL" -X -q -At -F "$TAB" -v ON_ERROR_STOP=1 -d "$url" \
    >"$work/counts" <<EOF || die "the snapshot, the counts or the dump failed (above); nothing was written"
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS snap \gset
\setenv BACKUP_SNAPSHOT :snap
$COUNTS_SQL
\! "\$BACKUP_PG_DUMP" -Fc --snapshot="\$BACKUP_SNAPSHOT" -f "\$BACKUP_PARTIAL" "\$BACKUP_URL"; echo \$? >"\$BACKUP_STATUS"
COMMIT;
EOF
[ "$(cat "$work/status" 2>/dev/null)" = 0 ] ||
    die "pg_dump failed (above); nothing was written"
[ "$(head -c 5 "$work/dump")" = PGDMP ] ||
    die "pg_dump wrote no custom-format archive; nothing was written"
tables=$(wc -l <"$work/counts" | tr -d ' ')
rows=$(awk -F "$TAB" '{ n += $2 } END { print n + 0 }' "$work/counts")
say "counted $rows rows in $tables tables in the dump's snapshot"

mv "$work/dump" "$dir/$name.dump"
mv "$work/counts" "$dir/$name.counts"
(cd "$dir" && sha256sum "$name.dump" "$name.counts") >"$work/sums" ||
    die "cannot checksum '$dir/$name.dump'"
mv "$work/sums" "$dir/$name.dump.sha256"
say "wrote $name.dump ($(wc -c <"$dir/$name.dump" | tr -d ' ') bytes), $name.counts, $name.dump.sha256"

# Retention: the newest KEEP of this database's backups stay.
ls -1 "$dir" | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\\.dump\$" |
    LC_ALL=C sort >"$work/all" || true
excess=$(($(wc -l <"$work/all") - keep))
if [ "$excess" -gt 0 ]; then
	head -n "$excess" "$work/all" | while IFS= read -r old; do
		rm -f "$dir/$old" "$dir/$old.sha256" "$dir/${old%.dump}.counts"
		say "removed $old (keeping the newest $keep)"
	done
fi
say "done"
