#!/bin/sh
# Renders nginx/dataland-limits.conf.template into dataland-limits.conf:
# the per-address rate limits of the password routes, from the
# environment (API.md §5, docs/nginx.md). Every setting is checked first
# and every bad one named at once; nothing is written unless all are
# good. Needs only a POSIX shell and sed, so it runs in the nginx image
# at container start as well as in scripts/stack.sh and on a host.
#
#   scripts/nginx-limits.sh TEMPLATE OUTPUT
#
# Environment (requests per minute per client address; unset or empty
# takes the default):
#   AUTH_LOGIN_RATE     POST /auth/login      10
#   AUTH_SIGNUP_RATE    POST /auth/signup     10
#   AUTH_PASSWORD_RATE  POST /auth/password   AUTH_LOGIN_RATE
#   AUTH_LOGIN_BURST, AUTH_SIGNUP_BURST, AUTH_PASSWORD_BURST
#                       requests passed at once beyond the rate
#                       (default twice the route's rate)
set -eu

# A rate above one request a second per address is no limit for a route
# that hashes a password; a value past these is a typo.
RATE_MAX=60000
BURST_MAX=120000

say() { printf 'nginx-limits: %s\n' "$*" >&2; }

[ $# -eq 2 ] || {
	sed -n '9p' "$0" | sed 's/^# *//' >&2
	exit 2
}
TEMPLATE=$1
OUTPUT=$2
[ -r "$TEMPLATE" ] || { say "cannot read the template $TEMPLATE"; exit 1; }

bad=0

# whole NAME VALUE MIN MAX: 0 when VALUE is a decimal integer from MIN
# to MAX without a sign or leading zeros, else names NAME and fails.
whole() {
	case $2 in
	0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | \
	[1-9][0-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9][0-9])
		[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0 ;;
	esac
	say "$1='$2' is not a whole number from $3 to $4 ($5)"
	bad=1
	return 1
}

rate() {	# NAME VALUE
	whole "$1" "$2" 1 "$RATE_MAX" "requests per minute per client address"
}

burst() {	# NAME VALUE
	whole "$1" "$2" 1 "$BURST_MAX" "requests passed at once beyond the rate"
}

# A bad value is replaced by 1 once named, so that the checks after it
# still run and report their own variable only.
login=${AUTH_LOGIN_RATE:-10}
rate AUTH_LOGIN_RATE "$login" || login=1
signup=${AUTH_SIGNUP_RATE:-10}
rate AUTH_SIGNUP_RATE "$signup" || signup=1
password=${AUTH_PASSWORD_RATE:-$login}
rate AUTH_PASSWORD_RATE "$password" || password=1

login_burst=${AUTH_LOGIN_BURST:-$((2 * login))}
signup_burst=${AUTH_SIGNUP_BURST:-$((2 * signup))}
password_burst=${AUTH_PASSWORD_BURST:-$((2 * password))}
burst AUTH_LOGIN_BURST "$login_burst" || :
burst AUTH_SIGNUP_BURST "$signup_burst" || :
burst AUTH_PASSWORD_BURST "$password_burst" || :

[ "$bad" -eq 0 ] || { say "nothing written to $OUTPUT"; exit 1; }

# Only digits are substituted, so sed needs no escaping.
tmp=$OUTPUT.tmp.$$
trap 'rm -f "$tmp"' EXIT
sed -e "s/\${AUTH_LOGIN_RATE}/$login/g" \
    -e "s/\${AUTH_SIGNUP_RATE}/$signup/g" \
    -e "s/\${AUTH_PASSWORD_RATE}/$password/g" \
    -e "s/\${AUTH_LOGIN_BURST}/$login_burst/g" \
    -e "s/\${AUTH_SIGNUP_BURST}/$signup_burst/g" \
    -e "s/\${AUTH_PASSWORD_BURST}/$password_burst/g" \
    "$TEMPLATE" 2>/dev/null >"$tmp" || { say "cannot write $tmp"; exit 1; }
if left=$(grep -n '\${' "$tmp"); then
	say "$TEMPLATE has placeholders this script does not fill:"
	printf '%s\n' "$left" >&2
	exit 1
fi
chmod 0644 "$tmp"
mv -f "$tmp" "$OUTPUT"
trap - EXIT
say "$OUTPUT: per client address and minute, login $login (burst $login_burst), signup $signup (burst $signup_burst), password $password (burst $password_burst)"
