#!/bin/sh
# The private PostgreSQL 15 cluster behind `make run`, `make test` and
# the e2e tests: a development and test cluster only (its `dataland`
# role is a superuser with a known password). It listens on 127.0.0.1
# and on a unix socket inside DIR, never on any other address.
#
#   scripts/pg.sh start DIR PORT   initdb when DIR/data is missing, then
#                                  start it unless it already runs
#   scripts/pg.sh stop DIR         fast shutdown if it runs
#   scripts/pg.sh status DIR       exit 0 when it runs
#   scripts/pg.sh url PORT [DB]    the URL the services connect with
#
# As root the server runs as the `postgres` OS user (PostgreSQL refuses
# to run as root); otherwise as the invoking user.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PROG=pg.sh

die() {
	echo "$PROG: $*" >&2
	exit 1
}

usage() {
	cat >&2 <<-EOF
	usage: $PROG start DIR PORT
	       $PROG stop DIR
	       $PROG status DIR
	       $PROG url PORT [DBNAME]
	EOF
	exit 2
}

# Runs a PostgreSQL program as the cluster's OS user.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

check_port() {
	case "$1" in
	''|*[!0-9]*) die "invalid port '$1'" ;;
	esac
	if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
		die "invalid port '$1'"
	fi
}

# The postgres user must reach DIR through every parent directory.
check_traverse() {
	d=$1
	while [ "$d" != / ]; do
		d=$(dirname "$d")
		runuser -u postgres -- test -x "$d" ||
		    die "the 'postgres' user cannot enter '$d' (make it o+x or use another DIR)"
	done
}

abs_dir() {
	mkdir -p "$1" || die "cannot create '$1'"
	(cd "$1" && pwd -P)
}

running() {
	[ -f "$DIR/data/PG_VERSION" ] &&
	    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

# The port a running server reports in postmaster.pid (line 4).
running_port() {
	sed -n 4p "$DIR/data/postmaster.pid" 2>/dev/null || true
}

psql_local() {
	as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" \
	    -U postgres -d postgres
}

do_init() {
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 ||
		    die "no 'postgres' user (is postgresql-15 installed?)"
		check_traverse "$DIR"
		chown postgres: "$DIR"
	fi
	chmod 0700 "$DIR"
	locale=C.UTF-8
	locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' || locale=C
	as_owner "$PGBIN/initdb" -D "$DIR/data" -U postgres -E UTF8 \
	    --locale="$locale" --auth-local=trust \
	    --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
	    die "initdb failed, see '$DIR/initdb.log'"
	# Trust on the socket is safe only while nobody else can reach it.
	as_owner sh -c "cat >>'$DIR/data/postgresql.conf'" <<-EOF

	# scripts/pg.sh: loopback and a private socket only
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$DIR'
	unix_socket_permissions = 0700
	password_encryption = 'scram-sha-256'
	EOF
}

# The role and database the services use; repeated on every start so
# that a cluster interrupted during its first start is completed.
do_roles() {
	psql_local <<-'EOF' >/dev/null
	SELECT 'CREATE ROLE dataland LOGIN SUPERUSER PASSWORD ''dataland'''
	WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dataland')
	\gexec
	SELECT 'CREATE DATABASE dataland OWNER dataland'
	WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'dataland')
	\gexec
	EOF
}

do_start() {
	[ -x "$PGBIN/pg_ctl" ] || die "no PostgreSQL 15 in '$PGBIN'"
	sock="$DIR/.s.PGSQL.$PORT"
	[ ${#sock} -le 107 ] || die "socket path '$sock' is too long for unix sockets"
	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		[ -e "$DIR/data" ] && die "'$DIR/data' exists but holds no cluster"
		do_init
	fi
	if running; then
		p=$(running_port)
		[ "$p" = "$PORT" ] ||
		    die "cluster in '$DIR' already runs on port '$p', not '$PORT'"
	else
		as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" \
		    -w -t 60 -o "-p $PORT" start >/dev/null 9>&- ||
		    die "cannot start the cluster in '$DIR' on port '$PORT'," \
		    "see '$DIR/postgres.log'"
	fi
	do_roles || die "cannot create role 'dataland' in '$DIR'"
}

do_stop() {
	running || return 0
	as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop \
	    >/dev/null || die "cannot stop the cluster in '$DIR'"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
start)
	[ $# -eq 2 ] || usage
	PORT=$2
	check_port "$PORT"
	DIR=$(abs_dir "$1")
	# One start at a time per cluster: concurrent test runners share
	# it. The server must not inherit the lock's descriptor.
	exec 9>"$DIR/.start.lock"
	flock -w 300 9 || die "another start holds '$DIR/.start.lock'"
	do_start
	;;
stop)
	[ $# -eq 1 ] || usage
	[ -d "$1" ] || exit 0
	DIR=$(cd "$1" && pwd -P)
	do_stop
	;;
status)
	[ $# -eq 1 ] || usage
	[ -d "$1" ] || exit 1
	DIR=$(cd "$1" && pwd -P)
	running
	;;
url)
	[ $# -eq 1 ] || [ $# -eq 2 ] || usage
	check_port "$1"
	echo "postgresql://dataland:dataland@127.0.0.1:$1/${2:-dataland}"
	;;
*)
	usage
	;;
esac
