# Shared helpers of tests/integration/ops-*.sh (sourced; not a test of
# its own, so not executable). Each check prints "ok NAME" or
# "FAIL NAME" (tests/run.sh counts those lines); a script exits
# non-zero when any failed and removes what it made, databases included.
#
# Environment: BUILD (build/san), DATALAND_BIN (its bin/dataland),
# DATALAND_SHARED (../shared), TEST_PG_URL (a superuser URL of the test
# cluster, for the scripts that need a database).

set -u
OPS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$OPS_ROOT" || exit 1
OPS_NAME=$(basename "$0" .sh)
BUILD=${BUILD:-build/san}
case $BUILD in
/*) ;;
*) BUILD=$OPS_ROOT/$BUILD ;;
esac
DATALAND_BIN=${DATALAND_BIN:-$BUILD/bin/dataland}
OPS_SHARED=${DATALAND_SHARED:-$OPS_ROOT/../shared}
T=$(mktemp -d "/tmp/dataland-$OPS_NAME.XXXXXX")
chmod 0755 "$T"			# the postgres user reads files here
# Debian's python3, which python3-yaml belongs to, before any other.
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=python3
fi
OPS_PASSED=0
OPS_FAILED=0
OPS_DBS=""
OPS_PIDS=""

# check NAME FUNCTION [ARGS...]: runs FUNCTION in a subshell with
# errexit on, so that its first failing command fails the check.
# Use refute, not "!", for a command that must fail.
check() {
	local name=$1 rc
	shift
	( set -e; "$@" ) >"$T/check.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $OPS_NAME: $name"
		OPS_PASSED=$((OPS_PASSED + 1))
	else
		echo "FAIL $OPS_NAME: $name"
		sed -n '1,40s/^/    /p' "$T/check.out"
		OPS_FAILED=$((OPS_FAILED + 1))
	fi
}

# fail MSG: says why and fails.
fail() {
	echo "$*" >&2
	return 1
}

# refute CMD...: fails when CMD succeeds.
refute() {
	if "$@"; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
	return 0
}

# expect_eq WANT GOT [WHAT]
expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: want '$1', got '$2'"
}

# A database URL of the test cluster naming database $1.
pg_url() {
	printf '%s\n' "$TEST_PG_URL" | sed -E "s#^([^:/]+://[^/?]*)(/[^?]*)?#\\1/$1#"
}

# psql against database $1, quiet, stopping at the first error.
pg() {
	local db=$1
	shift
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$(pg_url "$db")" "$@"
}

# Creates an empty database. Checks run in subshells: name every
# database the script makes in OPS_DBS at its top, so that it is
# dropped at exit.
pg_create() {
	pg postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" &&
	    pg postgres -c "CREATE DATABASE \"$1\""
}

ops_need_pg() {
	if [ -z "${TEST_PG_URL:-}" ]; then
		echo "FAIL $OPS_NAME: TEST_PG_URL is unset (tests/run.sh sets it)"
		exit 1
	fi
}

ops_cleanup() {
	local p d
	for p in $OPS_PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "${TEST_PG_URL:-}" ]; then
		for d in $OPS_DBS; do
			pg postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" \
			    >/dev/null 2>&1
		done
	fi
	rm -rf "$T"
}
trap ops_cleanup EXIT

ops_finish() {
	echo "$OPS_NAME: $OPS_PASSED passed, $OPS_FAILED failed"
	[ "$OPS_FAILED" -eq 0 ]
}
