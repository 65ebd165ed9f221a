#!/bin/bash
# deploy.sh (DAT-291) with a stand-in `docker` first on PATH: it records
# every call and answers as a Docker host would, except that the boot
# guard it is asked to run in the image is the real `dataland check-env`
# of this build, given the .env as `docker run --env-file` gives it, and
# `compose config` is the real docker-compose rendering compose.yml.
# The call log shows what deploy.sh did: default or local credentials
# stop it before any build, rotated ones go through check-env, build,
# backup, migrate, up and the health wait, and the first deploy (no
# image yet) skips the guard.
. "$(dirname "$0")/ops-lib.sh"

FAKE=$T/bin
mkdir -p "$FAKE"
cat >"$FAKE/docker" <<'EOF'
#!/bin/bash
# The stand-in docker of tests/integration/ops-deploy.sh.
echo "$*" >>"$FAKE_LOG"
if [ -n "${FAKE_FAIL:-}" ] && [[ "$*" == *"$FAKE_FAIL"* ]]; then
	echo "stand-in docker: failing '$*' as told" >&2
	exit 1
fi
case $1 in
image)
	[ "$2" = inspect ] && [ "${FAKE_IMAGE:-0}" = 1 ] && exit 0
	echo "Error: No such image: $3" >&2
	exit 1 ;;
run)
	# run --rm --env-file FILE IMAGE CMD...: the image's environment
	# (APP_ENV=production, Dockerfile) overridden by FILE's lines.
	shift
	vars=(APP_ENV=production)
	later=()
	while [ $# -gt 0 ]; do
		case $1 in
		--rm) shift ;;
		--env-file)
			while IFS= read -r line || [ -n "$line" ]; do
				case $line in '' | '#'*) continue ;; esac
				vars+=("$line")
			done <"$2"
			shift 2 ;;
		-e)				# after the file: it wins
			later+=("$2")
			shift 2 ;;
		*) break ;;
		esac
	done
	shift				# the image
	[ "$1" = dataland ] || exit 99
	shift
	exec env -i PATH="$PATH" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
	    "${vars[@]}" "${later[@]}" "$DATALAND_BIN" "$@" ;;
inspect)
	name=${*: -1}
	if [ "$name" = "${FAKE_UNHEALTHY:-}" ]; then
		echo "running unhealthy"
	else
		echo "running healthy"
	fi ;;
compose)
	shift
	case " $* " in
	*" config "*) exec docker-compose "$@" ;;
	*" logs "*) echo "stand-in log of ${*: -1}" ;;
	esac ;;
esac
exit 0
EOF
chmod +x "$FAKE/docker"

ROTATED=postgresql+asyncpg://dataland_app:8c1e0d5a9f3b47e2a6d4c0b1e7f95a23@dataland-postgres:5432/dataland
DEFAULT=postgresql+asyncpg://dataland:dataland@dataland-postgres:5432/dataland

# deploy ENV_LINES... : writes them to $T/env, runs deploy.sh in a clean
# environment with the stand-in docker; the call log is $T/calls,
# stdout $T/out, stderr $T/err; returns deploy.sh's status.
deploy() {
	printf '%s\n' "$@" >"$T/env"
	: >"$T/calls"
	env -i PATH="$FAKE:$PATH" HOME="$T" FAKE_LOG="$T/calls" \
	    DATALAND_BIN="$DATALAND_BIN" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
	    FAKE_IMAGE="${FAKE_IMAGE:-1}" FAKE_FAIL="${FAKE_FAIL:-}" \
	    FAKE_UNHEALTHY="${FAKE_UNHEALTHY:-}" ENV_FILE="$T/env" \
	    DEPLOY_POLL=0 DEPLOY_HEALTH_TIMEOUT=0 \
	    ./deploy.sh >"$T/out" 2>"$T/err"
}

# The line number of the first call matching ERE $1 (fails if none).
at() {
	local n
	n=$(grep -n -E -m 1 -- "$1" "$T/calls" | cut -d: -f1)
	[ -n "$n" ] || fail "no call matching '$1' in: $(cat "$T/calls")"
	echo "$n"
}

# Nothing was built, started or migrated.
nothing_changed() {
	refute grep -E -q '^compose .*(build|up|run)( |$)' "$T/calls"
	refute grep -q '^tag ' "$T/calls"
}

t_default_credentials_abort() {
	refute deploy "DATABASE_URL=$DEFAULT" "POSTGRES_PASSWORD=dataland"
	grep -q "check-env: DATABASE_URL still carries the development credentials 'dataland:dataland'" "$T/err"
	grep -q "deploy: the boot guard rejects '$T/env' (above): fix it and deploy again; nothing was rebuilt" "$T/err"
	grep -q "^run --rm --env-file $T/env -e APP_ENV=production dataland/agent:latest dataland check-env\$" "$T/calls"
	nothing_changed
	# compose runs the services in production whatever .env says, and so
	# does the guard.
	refute deploy "DATABASE_URL=$DEFAULT" "APP_ENV=development"
	grep -q "DATABASE_URL still carries the development credentials" "$T/err"
	nothing_changed
}

t_local_database_aborts() {
	refute deploy "DATABASE_URL=postgresql://svc:s3cret@localhost:5432/dataland"
	grep -q "DATABASE_URL points at this machine" "$T/err"
	nothing_changed
	refute deploy "DATABASE_URL=$ROTATED" \
	    "AUTH_DATABASE_URL=postgresql://dataland:dataland@dataland-postgres/dataland"
	grep -q "AUTH_DATABASE_URL still carries the development credentials" "$T/err"
	nothing_changed
}

t_rotated_proceeds() {
	deploy "DATABASE_URL=$ROTATED" "POSTGRES_USER=dataland_app" \
	    "POSTGRES_PASSWORD=8c1e0d5a9f3b47e2a6d4c0b1e7f95a23" ||
	    fail "deploy failed: $(cat "$T/err")"
	local cfg guard tag build pg pgwait backup migrate up h1 h2 h3
	cfg=$(at '^compose --env-file .* config -q$')
	guard=$(at '^run --rm --env-file .* -e APP_ENV=production dataland/agent:latest dataland check-env$')
	tag=$(at '^tag dataland/agent:latest dataland/agent:previous$')
	build=$(at '^compose --env-file .* build$')
	pg=$(at '^compose --env-file .* up -d postgres$')
	pgwait=$(at '^inspect .* dataland-postgres$')
	backup=$(at '^compose --env-file .* run --rm backup$')
	migrate=$(at '^compose --env-file .* run --rm migrate$')
	up=$(at '^compose --env-file .* up -d --remove-orphans$')
	h1=$(at '^inspect .* dataland-auth$')
	h2=$(at '^inspect .* dataland-agent$')
	h3=$(at '^inspect .* dataland-nginx$')
	[ "$cfg" -lt "$guard" ] && [ "$guard" -lt "$tag" ] &&
	    [ "$tag" -lt "$build" ] && [ "$build" -lt "$pg" ] &&
	    [ "$pg" -lt "$pgwait" ] && [ "$pgwait" -lt "$backup" ] &&
	    [ "$backup" -lt "$migrate" ] && [ "$migrate" -lt "$up" ] &&
	    [ "$up" -lt "$h1" ] && [ "$h1" -lt "$h2" ] && [ "$h2" -lt "$h3" ] ||
	    fail "calls out of order: $(cat -n "$T/calls")"
	grep -q "boot guard passes" "$T/out"
	grep -q "^deploy: deployed: every service is healthy\$" "$T/out"
}

t_first_deploy_skips_guard() {
	FAKE_IMAGE=0 deploy "DATABASE_URL=$DEFAULT" ||
	    fail "first deploy failed: $(cat "$T/err")"
	grep -q "^deploy: first deploy: no dataland/agent:latest yet" "$T/out"
	refute grep -q 'check-env' "$T/calls"
	refute grep -q '^tag ' "$T/calls"
	[ "$(at '^image inspect dataland/agent:latest$')" -lt "$(at ' build$')" ]
	at ' run --rm migrate$' >/dev/null
	at ' up -d --remove-orphans$' >/dev/null
}

t_skip_backup() {
	printf '%s\n' "DATABASE_URL=$ROTATED" >"$T/env"
	: >"$T/calls"
	env -i PATH="$FAKE:$PATH" HOME="$T" FAKE_LOG="$T/calls" \
	    DATALAND_BIN="$DATALAND_BIN" FAKE_IMAGE=1 ENV_FILE="$T/env" \
	    DEPLOY_POLL=0 DEPLOY_HEALTH_TIMEOUT=0 DEPLOY_BACKUP=0 \
	    ./deploy.sh >"$T/out" 2>"$T/err"
	refute grep -q 'run --rm backup' "$T/calls"
	at ' run --rm migrate$' >/dev/null
}

t_failing_steps_stop() {
	FAKE_FAIL=" build" refute deploy "DATABASE_URL=$ROTATED"
	grep -q "deploy: the build failed (above); the running stack is untouched" "$T/err"
	refute grep -q ' up -d' "$T/calls"

	FAKE_FAIL="run --rm backup" refute deploy "DATABASE_URL=$ROTATED"
	grep -q "deploy: the backup failed" "$T/err"
	refute grep -q 'migrate' "$T/calls"

	FAKE_FAIL="run --rm migrate" refute deploy "DATABASE_URL=$ROTATED"
	grep -q "deploy: the migration failed (above); the running services are untouched" "$T/err"
	refute grep -q 'up -d --remove-orphans' "$T/calls"

	FAKE_UNHEALTHY=dataland-agent refute deploy "DATABASE_URL=$ROTATED"
	grep -q "deploy: agent did not turn healthy (state: running unhealthy" "$T/err"
	grep -q "stand-in log of agent" "$T/err"
	refute grep -q 'dataland-nginx' "$T/calls"
}

t_needs_env_file_and_database_url() {
	: >"$T/calls"
	refute env -i PATH="$FAKE:$PATH" FAKE_LOG="$T/calls" \
	    ENV_FILE="$T/missing.env" ./deploy.sh 2>"$T/err"
	grep -q "no '$T/missing.env' beside compose.yml" "$T/err"
	expect_eq 0 "$(wc -l <"$T/calls")" "docker calls without a .env"

	refute deploy "POSTGRES_PASSWORD=x"
	grep -q "DATABASE_URL must be set in .env with per-environment unique credentials" "$T/err"
	grep -q "compose.yml does not render" "$T/err"
	refute grep -q 'check-env' "$T/calls"
	nothing_changed
}

t_wildcard_bind_aborts() {
	refute deploy "DATABASE_URL=$ROTATED" "NGINX_PUBLIC_BIND=0.0.0.0"
	grep -q "NGINX_PUBLIC_BIND=0.0.0.0 would publish on every interface" "$T/err"
	refute grep -q 'check-env' "$T/calls"
	nothing_changed
	refute deploy "DATABASE_URL=$ROTATED" 'POSTGRES_PUBLIC_BIND="::"'
	grep -q "POSTGRES_PUBLIC_BIND=:: would publish on every interface" "$T/err"
	nothing_changed
	deploy "DATABASE_URL=$ROTATED" "POSTGRES_USER=dataland_app" \
	    "POSTGRES_PASSWORD=8c1e0d5a9f3b47e2a6d4c0b1e7f95a23" \
	    "NGINX_PUBLIC_BIND=100.64.0.9" ||
	    fail "deploy with a tailnet address failed: $(cat "$T/err")"
}

if ! command -v docker-compose >/dev/null 2>&1; then
	echo "FAIL $OPS_NAME: docker-compose is not installed (scripts/deps.sh installs it)"
	exit 1
fi
check "deploy-aborts-before-building-on-default-credentials" t_default_credentials_abort
check "deploy-aborts-on-a-local-or-default-auth-database-url" t_local_database_aborts
check "deploy-with-rotated-credentials-guards-builds-migrates-starts-waits" t_rotated_proceeds
check "deploy-first-deploy-without-an-image-skips-the-guard" t_first_deploy_skips_guard
check "deploy-backup-before-migrating-can-be-skipped" t_skip_backup
check "deploy-stops-at-the-first-failing-step" t_failing_steps_stop
check "deploy-needs-an-env-file-that-renders-compose" t_needs_env_file_and_database_url
check "deploy-refuses-a-wildcard-public-bind" t_wildcard_bind_aborts
ops_finish
