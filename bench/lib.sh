# shellcheck shell=bash
# Shared by the bench/NN-*.sh reports (sourced, not run): reading wrk's
# output and the arithmetic of ratios and medians. Each script sets OUT,
# the directory its runs write to.

die() {
	echo "$(basename "$0" .sh): $*" >&2
	exit 1
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
