# shellcheck shell=bash
# Shared by the bench/NN-*.sh reports (sourced, not run): the settings
# they share, the test key, reading wrk's output and the arithmetic of
# ratios and medians. Each script sets ROOT (the checkout) and OUT, the
# directory its runs write to.

die() {
	echo "$(basename "$0" .sh): $*" >&2
	exit 1
}

# bench_settings: what the reports read alike from the environment:
# BUILD and BDIR (where its binaries are), san (1 for a sanitizer
# build), THREADS (wrk's) and PGB_THREADS (pgbench's), DURATION and
# SECS, ROUNDS, and BASE, the stack's URL.
bench_settings() {
	BUILD=${BUILD:-build}
	case $BUILD in /*) BDIR=$BUILD ;; *) BDIR=$ROOT/$BUILD ;; esac
	san=""
	case $BUILD in *san*) san=1 ;; esac
	# Each load generator runs at the thread count that gives it the
	# most requests a second here, where it shares the CPUs with the
	# stack. On 2 CPUs, measured alternately: wrk with one thread drives
	# 16 connections at 2-10 % more req/s than with two (a second
	# event loop only adds wakeups), and pgbench with two at 0-7 % more
	# than with one.
	THREADS=${BENCH_THREADS:-1}
	PGB_THREADS=${BENCH_PGB_THREADS:-2}
	DURATION=${BENCH_DURATION:-5s}
	SECS=${DURATION%s}
	ROUNDS=${BENCH_ROUNDS:-5}
	BASE=https://127.0.0.1:$HTTPS_PORT
	case $SECS in
	''|*[!0-9]*) die "BENCH_DURATION '$DURATION' is not seconds (5s)" ;;
	esac
}

# bench_key: builds the test token minter (MINT) and makes OUT/key.pem,
# a key the agent trusts as KID through extra_jwks.json (re-read within
# seconds), for `"$MINT" token "$OUT/key.pem" "$KID" CLAIMS`.
bench_key() {
	make -C "$ROOT" --no-print-directory ${san:+SAN=1} BUILD="$BUILD" \
	    "$BUILD/tests/mint" >"$OUT/make-mint.log" 2>&1 ||
	    die "cannot build the token minter: $(tail -n 5 "$OUT/make-mint.log")"
	MINT=$BDIR/tests/mint
	"$MINT" key "$OUT/key.pem" &&
	    "$MINT" jwks "$OUT/key.pem" "$KID" "$AUTH_DATA_DIR/extra_jwks.json" ||
	    die "cannot make the test key"
}

# wrk_field NAME FIELD: rps | p50 | p99 (ms) | requests | errors, of the
# wrk --latency output in OUT/NAME.txt.
wrk_field() {
	awk -v f="$2" '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	/^Requests\/sec:/ { rps = $2 }
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/requests in/ { n = $1 }
	/Non-2xx or 3xx responses:/ { bad += $NF }
	/Socket errors:/ {
		for (i = 3; i <= NF; i += 2) { v = $(i + 1); sub(/,/, "", v); bad += v }
	}
	END {
		if (f == "rps") printf "%.0f", rps
		else if (f == "p50") printf "%.2f", p50
		else if (f == "p99") printf "%.2f", p99
		else if (f == "requests") printf "%d", n
		else printf "%d", bad
	}' "$OUT/$1.txt"
}

ratio() {	# A B: A/B in percent
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print 0 }'
}

median() {	# numbers on stdin, one a line
	sort -n | awk '{ v[NR] = $1 } END {
	    if (NR == 0) print 0
	    else if (NR % 2) print v[(NR + 1) / 2]
	    else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cpu_ticks_of PID...: for each service's master PID, the CPU clock ticks
# it and its live children have used so far, plus those of the children
# it has reaped (PostgreSQL's exited backends, a recycled responder):
# what a service spends does not move with the rest of the machine's
# load, unlike req/s. An empty PID counts 0.
cpu_ticks_of() {
	local g t out=""
	for g in "$@"; do
		t=0
		if [ -n "$g" ] && [ -r "/proc/$g/stat" ]; then
			# shellcheck disable=SC2046
			t=$(cat $(printf '/proc/%s/stat ' $(pgrep -P "$g")) \
			    2>/dev/null | sed 's/.*) //' |
			    awk '{ t += $12 + $13 } END { print t + 0 }')
			t=$((t + $(sed 's/.*) //' "/proc/$g/stat" |
			    awk '{ print $12 + $13 + $14 + $15 }')))
		fi
		out="$out $t"
	done
	echo "${out# }"
}
