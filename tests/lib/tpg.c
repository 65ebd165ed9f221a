/*
 * Helpers for tests/integration: fresh databases on the test cluster
 * (TEST_PG_URL) and one-shot SQL. Test code only: each call opens its
 * own connection, and every failure ends the program with "FAIL".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tbin.h"
#include "tpg.h"

/* PostgreSQL truncates identifiers beyond this (NAMEDATALEN - 1). */
#define TPG_NAME_MAX	63

static void	tpg_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
tpg_fail(const char *fmt, ...)
{
	va_list	ap;

	printf("FAIL %s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static const char *
tpg_admin_url(void)
{
	const char	*u = getenv("TEST_PG_URL");

	if (u == NULL || *u == '\0')
		tpg_fail("TEST_PG_URL not set");
	return u;
}

/* The first line of a libpq message. */
static void
tpg_line(char *buf, size_t sz, const char *msg)
{
	size_t	n = strcspn(msg, "\n");

	if (n >= sz)
		n = sz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}

/* Notices (IF EXISTS ... skipping) would only clutter the test log. */
static void
tpg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *
tpg_connect(const char *dsn)
{
	PGconn	*c;
	char	 line[512];

	c = PQconnectdb(dsn);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		tpg_line(line, sizeof(line),
		    c ? PQerrorMessage(c) : "no memory");
		tpg_fail("cannot connect to the test cluster: %s", line);
	}
	PQsetNoticeProcessor(c, tpg_quiet, NULL);
	return c;
}

/* Runs sql; returns its result, or NULL (message in err) on an error. */
static PGresult *
tpg_run(const char *dsn, const char *sql, char *err, size_t errsz)
{
	PGconn		*c;
	PGresult	*r;

	c = tpg_connect(dsn);
	r = PQexec(c, sql);
	if (r == NULL || (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)) {
		tpg_line(err, errsz, r ? PQresultErrorMessage(r) :
		    PQerrorMessage(c));
		PQclear(r);
		r = NULL;
	}
	PQfinish(c);
	return r;
}

void
tpg_exec(const char *dsn, const char *sql)
{
	PGresult	*r;
	char		 err[512];

	if ((r = tpg_run(dsn, sql, err, sizeof(err))) == NULL)
		tpg_fail("%.60s...: %s", sql, err);
	PQclear(r);
}

int
tpg_try_exec(const char *dsn, const char *sql)
{
	PGresult	*r;
	char		 err[512];

	if ((r = tpg_run(dsn, sql, err, sizeof(err))) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

char *
tpg_scalar(const char *dsn, const char *sql)
{
	PGresult	*r;
	char		 err[512], *v = NULL;

	if ((r = tpg_run(dsn, sql, err, sizeof(err))) == NULL)
		tpg_fail("%.60s...: %s", sql, err);
	if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
		if ((v = strdup(PQgetvalue(r, 0, 0))) == NULL)
			tpg_fail("out of memory");
	PQclear(r);
	return v;
}

/*
 * The URL u with its database replaced by db: the path after the
 * authority, up to any query string. Returns a malloc'd string.
 */
static char *
tpg_with_db(const char *u, const char *db)
{
	const char	*auth, *path, *query;
	char		*out;
	size_t		 sz;

	if ((auth = strstr(u, "://")) == NULL)
		tpg_fail("TEST_PG_URL is not a URL");
	auth += 3;
	path = auth + strcspn(auth, "/?");
	query = path + strcspn(path, "?");
	sz = (size_t)(path - u) + 1 + strlen(db) + strlen(query) + 1;
	if ((out = malloc(sz)) == NULL)
		tpg_fail("out of memory");
	snprintf(out, sz, "%.*s/%s%s", (int)(path - u), u, db, query);
	return out;
}

/* The database name of a URL this file made (no escapes needed). */
static void
tpg_db_name(const char *dsn, char *name, size_t sz)
{
	const char	*auth, *path;
	size_t		 n;

	if ((auth = strstr(dsn, "://")) == NULL)
		tpg_fail("'%s' is not a URL", dsn);
	auth += 3;
	path = auth + strcspn(auth, "/?");
	if (*path != '/')
		tpg_fail("'%s' names no database", dsn);
	path++;
	n = strcspn(path, "?");
	if (n == 0 || n >= sz)
		tpg_fail("'%s' names no usable database", dsn);
	memcpy(name, path, n);
	name[n] = '\0';
}

char *
tpg_fresh_db(const char *tag)
{
	static unsigned	 serial;
	const char	*admin = tpg_admin_url();
	char		 name[TPG_NAME_MAX + 1], sql[TPG_NAME_MAX + 64];
	size_t		 i;

	/* Letters, digits and _ only, so the name needs no quoting. */
	snprintf(name, sizeof(name), "t_%.24s_%ld_%ld_%u", tag,
	    (long)getpid(), (long)time(NULL), serial++);
	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			name[i] = name[i] >= 'A' && name[i] <= 'Z' ?
			    (char)(name[i] - 'A' + 'a') : '_';
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	tpg_exec(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	tpg_exec(admin, sql);
	return tpg_with_db(admin, name);
}

void
tpg_drop_db(const char *dsn)
{
	char	name[TPG_NAME_MAX + 1], sql[TPG_NAME_MAX + 64];

	tpg_db_name(dsn, name, sizeof(name));
	if (strncmp(name, "t_", 2) != 0)
		tpg_fail("refusing to drop '%s': not a test database", name);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    name);
	tpg_exec(tpg_admin_url(), sql);
}

/* A program of the PostgreSQL installation (PG_BIN, else Debian's). */
static void
tpg_pgbin(char *path, size_t sz, const char *prog)
{
	const char	*bin = getenv("PG_BIN");

	if (bin == NULL || *bin == '\0')
		bin = "/usr/lib/postgresql/15/bin";
	snprintf(path, sz, "%s/%s", bin, prog);
}

const char *
tpg_fixture(void)
{
	static char	 path[4096];
	const char	*dir = getenv("DATALAND_SHARED");

	if (dir == NULL || *dir == '\0')
		dir = "../shared";
	snprintf(path, sizeof(path), "%s/fixtures/python-stack-0010.sql",
	    dir);
	if (access(path, R_OK) != 0)
		tpg_fail("cannot read the fixture '%s': %s", path,
		    strerror(errno));
	return path;
}

void
tpg_load(const char *dsn, const char *file)
{
	char	 psql[1024], *out, *err;
	char	*argv[] = { psql, (char *)"-X", (char *)"-q", (char *)"-v",
	    (char *)"ON_ERROR_STOP=1", (char *)"-f", (char *)file,
	    (char *)"-d", (char *)dsn, NULL };

	tpg_pgbin(psql, sizeof(psql), "psql");
	if (tbin_run(psql, argv, NULL, &out, &err) != 0)
		tpg_fail("psql -f '%s' failed: %s", file, err);
	free(out);
	free(err);
}

char *
tpg_dump(const char *dsn, const char *mode, const char *exclude)
{
	static int	 restrict_key = -1;
	char		 pgdump[1024], *out, *err, *p, name[TPG_NAME_MAX + 1];
	char		*argv[10];
	size_t		 n;
	int		 i = 0;

	tpg_pgbin(pgdump, sizeof(pgdump), "pg_dump");
	/* Newer pg_dump writes a random \restrict key unless given one. */
	if (restrict_key == -1) {
		argv[0] = pgdump;
		argv[1] = (char *)"--help";
		argv[2] = NULL;
		if (tbin_run(pgdump, argv, NULL, &out, &err) != 0)
			tpg_fail("pg_dump --help failed: %s", err);
		restrict_key = strstr(out, "--restrict-key") != NULL;
		free(out);
		free(err);
	}
	argv[i++] = pgdump;
	argv[i++] = (char *)mode;
	if (restrict_key)
		argv[i++] = (char *)"--restrict-key=dataland";
	if (exclude != NULL) {
		argv[i++] = (char *)"-T";
		argv[i++] = (char *)exclude;
	}
	argv[i++] = (char *)"-d";
	argv[i++] = (char *)dsn;
	argv[i] = NULL;
	if (tbin_run(pgdump, argv, NULL, &out, &err) != 0)
		tpg_fail("pg_dump failed: %s", err);
	free(err);
	tpg_db_name(dsn, name, sizeof(name));
	n = strlen(name);
	while ((p = strstr(out, name)) != NULL) {
		memcpy(p, "DB", 2);
		memmove(p + 2, p + n, strlen(p + n) + 1);
	}
	return out;
}
