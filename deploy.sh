#!/bin/sh
# Deploys this checkout with compose.yml on the current Docker host
# (DAT-291; docs/operations.md, "Deploying"):
#
#   1. compose.yml must render with .env (DATABASE_URL is required),
#      and no *_PUBLIC_BIND may be a wildcard address (every port would
#      then be published on every interface);
#   2. the boot guard of the image now running (`dataland check-env` in
#      dataland/agent:latest) is run against the new .env, and a
#      rejection stops the deploy before anything is rebuilt; skipped
#      only on the very first deploy, when there is no such image;
#   3. the images are built (the previous agent image is kept as
#      dataland/agent:previous, for a rollback);
#   4. PostgreSQL is brought up and must turn healthy;
#   5. a backup is taken (DEPLOY_BACKUP=0 skips it), then
#      `dataland migrate up` runs;
#   6. the stack is brought up and every service must turn healthy.
#
# Each failing step stops the script with a message saying what
# happened and what was left as it was.
#
# Environment: ENV_FILE (.env), DATALAND_IMAGE (dataland/agent:latest),
# COMPOSE (docker compose), DEPLOY_BACKUP (1), DEPLOY_HEALTH_TIMEOUT
# (180 s per service), DEPLOY_POLL (2 s).
set -eu

cd "$(dirname "$0")"
PROG=deploy
ENV_FILE=${ENV_FILE:-.env}
IMAGE=${DATALAND_IMAGE:-dataland/agent:latest}
PREVIOUS=${IMAGE%:*}:previous
COMPOSE=${COMPOSE:-docker compose}
HEALTH_TIMEOUT=${DEPLOY_HEALTH_TIMEOUT:-180}
POLL=${DEPLOY_POLL:-2}
# service:container of everything with a healthcheck, in start order.
HEALTHY="auth:dataland-auth agent:dataland-agent nginx:dataland-nginx"

say() {
	printf '%s: %s\n' "$PROG" "$*"
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

compose() {
	# shellcheck disable=SC2086
	$COMPOSE --env-file "$ENV_FILE" "$@"
}

# Waits until container $2 (service $1) reports healthy; on failure
# prints the service's last log lines and stops the deploy.
wait_healthy() {
	svc=$1
	ctr=$2
	waited=0
	while :; do
		st=$(docker inspect --format \
		    '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' \
		    "$ctr" 2>/dev/null) || st="missing"
		case $st in
		"running healthy") say "$svc is healthy"; return 0 ;;
		"running none") say "$svc runs (no healthcheck)"; return 0 ;;
		*unhealthy | exited* | dead* | missing) break ;;
		esac
		[ "$waited" -lt "$HEALTH_TIMEOUT" ] || break
		sleep "$POLL"
		waited=$((waited + POLL))
	done
	compose logs --tail 50 "$svc" >&2 || true
	die "$svc did not turn healthy (state: $st, after ${waited}s; its log is above)"
}

[ -f "$ENV_FILE" ] ||
    die "no '$ENV_FILE' beside compose.yml: write the production settings there first (docs/operations.md)"
command -v docker >/dev/null 2>&1 || die "no 'docker' on PATH"

# 1. Compose refuses to render without DATABASE_URL (the :? form).
say "checking that compose.yml renders with '$ENV_FILE'"
compose config -q || die "compose.yml does not render with '$ENV_FILE' (above); nothing was changed"
# compose.yml binds every port to 127.0.0.1 or to a *_PUBLIC_BIND address
# (tests/integration/ops-compose.sh holds it): those are what to check.
# The environment wins over .env, as it does for compose.
for var in $(grep -o '[A-Z_]*_PUBLIC_BIND' compose.yml | sort -u); do
	val=$(printenv "$var" || sed -n "s/^$var=//p" "$ENV_FILE" | tail -n 1)
	val=$(printf '%s' "$val" | tr -d "\"' ")
	case $val in
	0.0.0.0 | :: | '[::]' | '*' | 0)
		die "$var=$val would publish on every interface: set the one address clients reach (docs/operations.md, Published ports); nothing was changed" ;;
	esac
done

# 2. DAT-291: the running image's own boot guard against the new .env.
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
	say "boot guard: 'dataland check-env' of $IMAGE against '$ENV_FILE'"
	# APP_ENV as compose.yml sets it, whatever .env says: the guard
	# only refuses in production.
	if ! out=$(docker run --rm --env-file "$ENV_FILE" -e APP_ENV=production \
	    "$IMAGE" dataland check-env 2>&1); then
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		die "the boot guard rejects '$ENV_FILE' (above): fix it and deploy again; nothing was rebuilt"
	fi
	printf '%s\n' "$out" | sed 's/^/    /'
	docker tag "$IMAGE" "$PREVIOUS" ||
	    die "cannot tag $IMAGE as $PREVIOUS; nothing was rebuilt"
else
	say "first deploy: no $IMAGE yet, so no boot guard to run before the build (the services still run it at start)"
fi

# 3. Build. The running containers are untouched until step 6.
say "building the images"
compose build || die "the build failed (above); the running stack is untouched"

# 4. The database first.
say "starting postgres"
compose up -d postgres || die "cannot start postgres (above)"
wait_healthy postgres dataland-postgres

# 5. A backup, then the migrations.
if [ "${DEPLOY_BACKUP:-1}" = 1 ]; then
	say "backing up before migrating (DEPLOY_BACKUP=0 skips this)"
	compose run --rm backup ||
	    die "the backup failed (above); nothing was migrated, the running services are untouched"
fi
say "applying migrations"
compose run --rm migrate ||
    die "the migration failed (above); the running services are untouched (roll back with: docker tag $PREVIOUS $IMAGE)"

# 6. Everything else, then health.
say "starting the stack"
compose up -d --remove-orphans || die "cannot start the stack (above)"
for pair in $HEALTHY; do
	wait_healthy "${pair%%:*}" "${pair#*:}"
done
say "deployed: every service is healthy"
