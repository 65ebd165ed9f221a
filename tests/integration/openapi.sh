#!/bin/sh
# docs/openapi.yaml: Redocly's linter with its recommended rules, every
# warning an error (tests/openapi/redocly.yaml), and the e2e tests'
# answer checker (tests/e2e/openapi_check.py) on answers made up to
# pass or fail its rule. Prints "ok NAME" or "FAIL NAME" per check.
#
# The linter is pinned in tests/openapi/package.json and package-lock.json
# and installed from them by `npm ci` into tests/openapi/node_modules
# (git-ignored) when it is missing or another version; it needs Node.js
# 20.19 or later and npm.
set -u

cd "$(dirname "$0")/../.." || exit 1
DIR=tests/openapi
SPEC=docs/openapi.yaml
OUT=${TMPDIR:-/tmp}/dataland-openapi.$$
trap 'rm -f "$OUT"' EXIT INT TERM
failed=0

fail() {	# NAME REASON...: FAIL line, the reason indented
	name=$1
	shift
	echo "FAIL $name: $*"
	[ -s "$OUT" ] && sed -n '1,40s/^/    /p' "$OUT"
	failed=$((failed + 1))
}

# The version package.json pins, and the one installed (or "").
pinned() {
	sed -n 's/.*"@redocly\/cli": *"\([^"]*\)".*/\1/p' "$DIR/package.json"
}
installed() {
	sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' \
	    "$DIR/node_modules/@redocly/cli/package.json" 2>/dev/null
}

# node_ok: Node.js 20.19+ (the linter's own floor) and npm are there.
node_ok() {
	v=$(node --version 2>/dev/null) || {
		: >"$OUT"
		fail openapi-lint "node is not installed (Node.js 20.19 or later and npm are needed)"
		return 1
	}
	maj=$(echo "$v" | sed -n 's/^v\([0-9]*\)\.\([0-9]*\)\..*/\1/p')
	min=$(echo "$v" | sed -n 's/^v\([0-9]*\)\.\([0-9]*\)\..*/\2/p')
	if [ -z "$maj" ] || [ "$maj" -lt 20 ] ||
	    { [ "$maj" -eq 20 ] && [ "$min" -lt 19 ]; }; then
		: >"$OUT"
		fail openapi-lint "node $v is too old (Node.js 20.19 or later is needed)"
		return 1
	fi
	command -v npm >/dev/null 2>&1 || {
		: >"$OUT"
		fail openapi-lint "npm is not installed"
		return 1
	}
}

# install: npm ci from the committed lock file, when needed.
install() {
	[ -x "$DIR/node_modules/.bin/redocly" ] &&
	    [ "$(installed)" = "$(pinned)" ] && return 0
	if ! (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error) \
	    >"$OUT" 2>&1; then
		fail openapi-lint "npm ci in $DIR could not install @redocly/cli $(pinned)"
		return 1
	fi
}

lint() {
	# No usage reports, no update notices: the tests reach no network
	# but the package registry.
	if REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	    NO_COLOR=1 "$DIR/node_modules/.bin/redocly" lint "$SPEC" \
	    --config "$DIR/redocly.yaml" --format stylish >"$OUT" 2>&1; then
		echo "ok openapi-lint"
	else
		# The banner of a Node.js deprecation notice is noise here.
		grep -v '[║╔╚]' "$OUT" >"$OUT.f"
		mv "$OUT.f" "$OUT"
		fail openapi-lint "redocly lint $SPEC"
	fi
}

node_ok && install && lint

# The checker's rule, without a stack: the e2e tests rely on it.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
OPENAPI_CACHE=${TMPDIR:-/tmp}/dataland-openapi-spec.$$.json \
    "$PY" tests/e2e/openapi_check.py selftest >"$OUT" 2>&1
rc=$?
rm -f "${TMPDIR:-/tmp}/dataland-openapi-spec.$$.json"
grep -E '^(ok|FAIL) ' "$OUT"
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$OUT"; then
	fail openapi-check "tests/e2e/openapi_check.py selftest exited $rc"
elif grep -q '^FAIL ' "$OUT"; then
	failed=$((failed + 1))
	grep -v '^ok ' "$OUT" | grep -v '^FAIL ' | sed 's/^/    /'
fi

[ "$failed" -eq 0 ]
