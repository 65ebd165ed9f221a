#!/bin/sh
# Installs the Debian packages Dataland needs to build, run and test,
# and only those that are missing: apt-get as root, sudo otherwise.
# docker-compose (no engine needed), python3-yaml and gettext-base
# (envsubst) are for the compose, deploy and nginx-template checks of
# tests/integration/ops-*.sh; python3-jsonschema (with python3-yaml)
# checks every JSON answer of the e2e tests against docs/openapi.yaml.
# The spec's linter comes from npm (tests/integration/openapi.sh) and
# needs Node.js 20.19 or later, which Debian 12 does not package.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
libfcgi-dev libfcgi-bin libpq-dev libjson-c-dev libargon2-dev argon2 libssl-dev
libcurl4-openssl-dev libsystemd-dev nginx openssl curl wrk valgrind
postgresql-15 postgresql-client-15 procps python3 iproute2 systemd
docker-compose python3-yaml python3-jsonschema gettext-base"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: missing packages:$missing (run as root or install sudo)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian starts nginx and a system PostgreSQL cluster on install; we run
# private ones, so keep the packaged services from grabbing ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 0755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
