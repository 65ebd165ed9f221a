#!/bin/sh
# Turns migration files into C: writes to stdout a translation unit
# defining migrations[] and migrations_count (fcgi/cli/migrations.h),
# one entry per file in the order given, so an installed `dataland`
# needs no sql/ directory. Every byte outside printable ASCII becomes
# an octal escape, so the output is plain ASCII whatever the input.
#
#   scripts/embed_sql.sh sql/migrations/*.sql > migrations.c
set -eu

PROG=embed_sql.sh

[ $# -ge 1 ] || {
	echo "usage: $PROG FILE.sql ..." >&2
	exit 2
}

cat <<'EOF'
/*
 * The migrations compiled into `dataland`, generated from
 * sql/migrations/ by scripts/embed_sql.sh; edit the .sql files instead.
 */
#include "migrations.h"

const struct migration migrations[] = {
EOF

for f in "$@"; do
	if [ ! -f "$f" ] || [ ! -r "$f" ]; then
		echo "$PROG: cannot read '$f'" >&2
		exit 1
	fi
	rev=$(basename "$f" .sql)
	# alembic_version.version_num is varchar(32).
	case "$rev" in
	''|*[!A-Za-z0-9_]*)
		echo "$PROG: bad revision name '$rev'" >&2
		exit 1
		;;
	esac
	[ ${#rev} -le 32 ] || {
		echo "$PROG: revision name '$rev' is longer than 32" >&2
		exit 1
	}
	printf '\t{ "%s",\n' "$rev"
	# od gives one decimal byte per field, so awk never sees raw
	# bytes and the result does not depend on its locale.
	od -An -v -tu1 "$f" | awk '
	BEGIN {
		for (i = 32; i < 127; i++)
			chr[i] = sprintf("%c", i)
		line = ""
	}
	function flush(last) {
		printf "\t    \"%s\"%s\n", line, last ? " }," : ""
		line = ""
	}
	{
		for (i = 1; i <= NF; i++) {
			b = $i + 0
			if (b == 10) {
				line = line "\\n"
				flush(0)
			} else if (b == 9)
				line = line "\\t"
			else if (b == 34)
				line = line "\\\""
			else if (b == 92)
				line = line "\\\\"
			else if (b == 63)	# no trigraphs in C11
				line = line "\\?"
			else if (b >= 32 && b < 127)
				line = line chr[b]
			else
				line = line sprintf("\\%03o", b)
		}
	}
	END {
		flush(1)
	}'
done

cat <<'EOF'
};

const int migrations_count =
    (int)(sizeof(migrations) / sizeof(migrations[0]));
EOF
