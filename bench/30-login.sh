#!/bin/bash
# POST /auth/login through nginx + TLS next to the raw Argon2id rate of
# the same parameters on this machine in the same run: logins per
# second, their ratio to the raw rate, p50/p99 against one hash, and
# the peak memory of the auth responders. A report: printed, never
# asserted.
#
# nginx limits login POSTs per client address (10/min, burst 20), so
# each client speaks from its own loopback address and sends at most
# BENCH_LOGINS_PER_CLIENT logins; wrk cannot choose a source address.
#
# Run by bench/run.sh (STACK_DIR exported, the stack's env in it).
set -u

: "${STACK_DIR:?run through bench/run.sh}"
# shellcheck disable=SC1091
. "$STACK_DIR/env"
CPUS=$(nproc)
# Enough clients to keep every hashing slot busy while curl starts up.
CLIENTS=${BENCH_LOGIN_CLIENTS:-$((2 * CPUS))}
PER_CLIENT=${BENCH_LOGINS_PER_CLIENT:-18}
RAW_N=${BENCH_RAW_HASHES:-16}
BASE=${BASE_URL:-https://127.0.0.1:${HTTPS_PORT:-8443}}
BASE=${BASE%/}
OUT=$STACK_DIR/bench-30
mkdir -p "$OUT"
rm -f "$OUT"/client-*.txt
EMAIL="bench-$$@example.org"
PW="bench password $$"

if [ -n "${DATALAND_CA:-}" ] && [ -f "$DATALAND_CA" ]; then
	TLS=(--cacert "$DATALAND_CA")
else
	TLS=(-k)
fi

# login N: one login of account N from 127.0.1.N; prints "status seconds".
# Each client has its own account, as real users do: logins of one
# account take its row lock in turn.
# login N [NET]: the same from 127.0.NET.N (default 1).
login() {
	curl -sS "${TLS[@]}" --interface "127.0.${2:-1}.$1" -o /dev/null \
	    -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$1-$EMAIL\",\"password\":\"$PW\"}" \
	    "$BASE/auth/login"
}

for c in $(seq 1 "$CLIENTS"); do
	code=$(curl -sS "${TLS[@]}" --interface "127.0.1.$c" \
	    -o "$OUT/signup.json" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"email\":\"$c-$EMAIL\",\"password\":\"$PW\"}" \
	    "$BASE/auth/signup")
	if [ "$code" != 201 ]; then
		echo "bench-30: signup answered $code; no login figures"
		exit 1
	fi
done
login 1 >/dev/null		# warm: keys, connection, work area

# --- the raw rate: libargon2, same parameters, fresh memory per hash -
# (bench/argon2_rate.c), with one thread per hash as the service runs
# them and with one per lane as argon2-cffi does; the better is the
# ceiling the logins are held against.
echo "raw Argon2id (libargon2, m=64 MiB t=3 p=4, 32-byte hash, $CPUS processes)"
cc -std=c11 -D_GNU_SOURCE -O2 -o "$OUT/argon2_rate" \
    "$(dirname "$0")/argon2_rate.c" -largon2 || exit 1
"$OUT/argon2_rate" "$RAW_N" "$CPUS" 1 >"$OUT/raw-1.txt" || exit 1
"$OUT/argon2_rate" "$RAW_N" "$CPUS" 4 >"$OUT/raw-4.txt" || exit 1
single=$(awk '/^single/ { print $2 }' "$OUT/raw-1.txt")
raw_1=$(awk '/^rate/ { print $2 }' "$OUT/raw-1.txt")
raw_4=$(awk '/^rate/ { print $2 }' "$OUT/raw-4.txt")
raw_rate=$(awk -v a="$raw_1" -v b="$raw_4" 'BEGIN { print (a > b ? a : b) }')

# --- logins through nginx ---------------------------------------------
echo "logins: $CLIENTS clients x $PER_CLIENT, each from its own address"
t0=$(date +%s.%N)
for c in $(seq 1 "$CLIENTS"); do
	(
		for i in $(seq 1 "$PER_CLIENT"); do
			login "$c"
		done >"$OUT/client-$c.txt" 2>&1
	) &
done
wait
t1=$(date +%s.%N)
cat "$OUT"/client-*.txt >"$OUT/logins.txt"
ok=$(awk '$1 == 200' "$OUT/logins.txt" | wc -l)
total=$(wc -l <"$OUT/logins.txt")
rate=$(awk -v n="$ok" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }')
awk '$1 == 200 { print $2 * 1000 }' "$OUT/logins.txt" | sort -n >"$OUT/ms.txt"
pct() {	# P [FILE]: the P-th percentile of OUT/ms.txt (or FILE)
	awk -v p="$1" '{ v[NR] = $1 } END {
	    if (NR == 0) { print "n/a"; exit }
	    i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; if (i > NR) i = NR
	    printf "%.1f", v[i] }' "${2:-$OUT/ms.txt}"
}

# Latency at the cap: as many clients as hashing slots, so no login
# queues behind another and p99 shows the service's own overhead.
echo "latency: $CPUS clients x 10, one per hashing slot"
for c in $(seq 1 "$CPUS"); do
	(
		for i in $(seq 1 10); do
			login "$c" 2
		done >"$OUT/cap-$c.txt" 2>&1
	) &
done
wait
cat "$OUT"/cap-*.txt | awk '$1 == 200 { print $2 * 1000 }' | sort -n \
    >"$OUT/ms-cap.txt"

auth_mem() {	# peak RSS of each auth responder, and their PSS summed
	local m c total=0 pss
	m=$(cat "$STACK_DIR/auth.pid" 2>/dev/null) || return
	for c in $(pgrep -P "$m"); do
		awk -v p="$c" '/^VmHWM:/ { printf "  responder %d: peak RSS %.1f MB\n", p, $2 / 1024 }' \
		    "/proc/$c/status"
		pss=$(awk '/^Pss:/ { print $2 }' "/proc/$c/smaps_rollup")
		total=$((total + pss))
	done
	# The work areas belong to the hash slots and are shared, so
	# RSS counts them in every responder that used one; PSS does not.
	awk -v t="$total" -v c="$CPUS" 'BEGIN {
	    printf "  all responders: PSS %.1f MB (bound: %d slots x 64 MiB + code)\n",
	    t / 1024, c }'
}

echo
printf '%-44s %s\n' "CPUs" "$CPUS"
printf '%-44s %s ms\n' "one hash alone (1 thread, median of 5)" \
    "$(awk -v s="$single" 'BEGIN { printf "%.1f", s * 1000 }')"
printf '%-44s %s/s (1 thread each), %s/s (4 threads each)\n' \
    "raw hashes, $CPUS in parallel" "$raw_1" "$raw_4"
printf '%-44s %s/s (%s of %s answered 200)\n' "logins through nginx + TLS" \
    "$rate" "$ok" "$total"
printf '%-44s %s\n' "logins / raw hash rate" \
    "$(awk -v a="$rate" -v b="$raw_rate" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }') (target >= 95%)"
printf '%-44s %s ms / %s ms (target p99 <= %s ms)\n' \
    "login p50 / p99 ($CLIENTS concurrent)" "$(pct 50)" "$(pct 99)" \
    "$(awk -v s="$single" 'BEGIN { printf "%.0f", 2000 * s }')"
printf '%-44s %s ms / %s ms (target p99 <= %s ms)\n' \
    "login p50 / p99 ($CPUS concurrent, at the cap)" \
    "$(pct 50 "$OUT/ms-cap.txt")" "$(pct 99 "$OUT/ms-cap.txt")" \
    "$(awk -v s="$single" 'BEGIN { printf "%.0f", 2000 * s }')"
echo "auth responders after the run:"
auth_mem
echo
echo "raw output: $OUT/"
