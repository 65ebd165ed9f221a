/*
 * The `dataland` binary's operator commands other than migrate:
 * check-env (the boot guard, API.md §5; it must never connect) and
 * top-tables against a real database of the test cluster.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "tbin.h"
#include "tpg.h"

/* Remote-looking but unresolvable: connecting to it could not succeed. */
#define REMOTE_URL \
	"postgresql://svc:s3cret@db.dataland.invalid:5432/dataland"
/* A listener of this test stands in for a local server. */
#define LOCAL_URL	"local"
#define DEV_URL \
	"postgresql+asyncpg://dataland:dataland@db.dataland.invalid/x"

struct guard_case {
	const char	*name;
	const char	*app_env;	/* NULL: unset */
	const char	*db_url;	/* NULL: unset */
	const char	*auth_url;	/* NULL: unset */
	int		 status;
	const char	*in_err;	/* expected on stderr, or NULL */
};

static const struct guard_case guard_cases[] = {
	{ "production-remote-passes", "production", REMOTE_URL, NULL, 0,
	    NULL },
	{ "production-localhost-fails", "production", LOCAL_URL, NULL, 1,
	    "DATABASE_URL points at this machine" },
	{ "production-auth-localhost-fails", "production", REMOTE_URL,
	    "postgres://svc:x@localhost/auth", 1,
	    "AUTH_DATABASE_URL points at this machine" },
	{ "production-dev-credentials-fail", "production", DEV_URL, NULL, 1,
	    "development credentials" },
	{ "production-unset-fails", "production", NULL, NULL, 1,
	    "DATABASE_URL is empty" },
	{ "development-localhost-warns", "development", LOCAL_URL, NULL, 0,
	    "warning: DATABASE_URL points at this machine" },
	{ "default-environment-warns", NULL, NULL, NULL, 0,
	    "warning: DATABASE_URL still carries the development" },
	{ NULL, NULL, NULL, NULL, 0, NULL }
};

static int	listener = -1;
static char	local_url[128];

/* A loopback listener whose connections nobody should ever make. */
static void
listen_local(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	T_OK(listener != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_EQ(bind(listener, (struct sockaddr *)&sin, sizeof(sin)), 0);
	T_EQ(listen(listener, 8), 0);
	T_EQ(getsockname(listener, (struct sockaddr *)&sin, &len), 0);
	snprintf(local_url, sizeof(local_url),
	    "postgresql://svc:s3cret@127.0.0.1:%d/dataland",
	    ntohs(sin.sin_port));
}

/* 1 if someone connected to the listener since the last call. */
static int
local_contacted(void)
{
	int	fd;

	if ((fd = accept(listener, NULL, NULL)) == -1) {
		T_OK(errno == EAGAIN || errno == EWOULDBLOCK);
		return 0;
	}
	close(fd);
	return 1;
}

/* "NAME=value", or "NAME" (unset) when v is NULL; static storage. */
static const char *
setting(char *buf, size_t sz, const char *name, const char *v)
{
	if (v == NULL)
		snprintf(buf, sz, "%s", name);
	else
		snprintf(buf, sz, "%s=%s", name, v);
	return buf;
}

static void
t_check_env(void)
{
	const struct guard_case	*c;
	const char		*env[4];
	char			 e0[256], e1[256], e2[256], name[128];
	char			*out, *err;

	for (c = guard_cases; c->name != NULL; c++) {
		env[0] = setting(e0, sizeof(e0), "APP_ENV", c->app_env);
		env[1] = setting(e1, sizeof(e1), "DATABASE_URL",
		    c->db_url != NULL && strcmp(c->db_url, LOCAL_URL) == 0 ?
		    local_url : c->db_url);
		env[2] = setting(e2, sizeof(e2), "AUTH_DATABASE_URL",
		    c->auth_url);
		env[3] = NULL;
		if (tbin_dataland_run(env, "check-env", NULL, NULL, &out,
		    &err) != c->status)
			T_FAIL("%s: status, stderr: %s", c->name, err);
		if (c->in_err != NULL && strstr(err, c->in_err) == NULL)
			T_FAIL("%s: stderr lacks '%s': %s", c->name,
			    c->in_err, err);
		if (c->in_err == NULL && *err != '\0')
			T_FAIL("%s: unexpected stderr: %s", c->name, err);
		/* The guard reads the environment; it never connects. */
		T_OK(!local_contacted());
		T_OK(strstr(err, "connection") == NULL);
		T_OK(strstr(err, "s3cret") == NULL);
		free(out);
		free(err);
		snprintf(name, sizeof(name), "check-env-%s", c->name);
		T_PASS(name);
	}
}

/* In production, commands that connect refuse a local URL first. */
static void
t_guard_before_connect(void)
{
	const char	*env[4];
	char		 e1[256], e2[256], *out, *err;

	env[0] = "APP_ENV=production";
	env[1] = setting(e1, sizeof(e1), "DATABASE_URL", local_url);
	env[2] = setting(e2, sizeof(e2), "AUTH_DATABASE_URL", local_url);
	env[3] = NULL;
	T_EQ(tbin_dataland_run(env, "migrate", "up", NULL, &out, &err), 1);
	T_OK(strstr(err, "this machine") != NULL);
	free(out);
	free(err);
	T_EQ(tbin_dataland_run(env, "auth-init-db", NULL, NULL, &out, &err), 1);
	T_OK(strstr(err, "this machine") != NULL);
	T_OK(!local_contacted());
	free(out);
	free(err);
	T_PASS("production-guard-before-connecting");
}

/* Live rows of table, as the statistics report them; -1 for none. */
static long
live_rows(const char *dsn, const char *table)
{
	char	 sql[256], *v;
	long	 n;

	snprintf(sql, sizeof(sql), "SELECT n_live_tup FROM pg_stat_user_tables"
	    " WHERE relname = '%s'", table);
	v = tpg_scalar(dsn, sql);
	n = v != NULL ? atol(v) : -1;
	free(v);
	return n;
}

static void
t_top_tables(const char *dsn)
{
	const char	*env[3];
	char		 e0[1024], *out, *err, *l2, *l3;
	int		 i;

	tpg_exec(dsn, "CREATE TABLE big (x int); CREATE TABLE small (x int);"
	    "CREATE TABLE empty (x int);"
	    "INSERT INTO big SELECT generate_series(1, 500);"
	    "INSERT INTO small SELECT generate_series(1, 7)");
	/* Statistics reach the server shortly after the session ends. */
	for (i = 0; i < 100 && (live_rows(dsn, "big") != 500 ||
	    live_rows(dsn, "small") != 7); i++)
		usleep(100 * 1000);
	T_EQ(live_rows(dsn, "big"), 500);
	env[0] = setting(e0, sizeof(e0), "DATABASE_URL", dsn);
	env[1] = "AUTH_DATABASE_URL";
	env[2] = NULL;
	T_EQ(tbin_dataland_run(env, "top-tables", NULL, NULL, &out, &err), 0);
	T_OK(strncmp(out, "table ", 6) == 0);
	T_OK((l2 = strchr(out, '\n')) != NULL);
	l2++;
	T_OK((l3 = strchr(l2, '\n')) != NULL);
	l3++;
	T_OK(strncmp(l2, "public.big ", 11) == 0);
	T_OK(strstr(l2, " 500 ") != NULL);
	T_OK(strncmp(l3, "public.small ", 13) == 0);
	T_OK(strstr(l3, " 7 ") != NULL);
	/* Columns line up: every row as wide as the header. */
	T_EQ(l2 - out, l3 - l2);
	T_OK(strstr(out, "public.empty ") != NULL);
	free(out);
	free(err);
	T_EQ(tbin_dataland_run(env, "top-tables", "-n", "1", &out, &err), 0);
	T_OK(strstr(out, "public.big") != NULL);
	T_OK(strstr(out, "public.small") == NULL);
	free(out);
	free(err);
	T_EQ(tbin_dataland_run(env, "top-tables", "-n", "zero", &out, &err), 2);
	free(out);
	free(err);
	T_PASS("top-tables-lists-largest-first");

	env[0] = "DATABASE_URL=postgresql://dataland:secret@127.0.0.1:1/x";
	T_EQ(tbin_dataland_run(env, "top-tables", NULL, NULL, &out, &err), 1);
	T_OK(strstr(err, "cannot connect to '127.0.0.1:1/x'") != NULL);
	T_OK(strstr(err, "secret") == NULL);
	free(out);
	free(err);
	T_PASS("top-tables-database-down-fails");
}

static void
t_usage(void)
{
	char	*out, *err;

	T_EQ(tbin_dataland_run(NULL, NULL, NULL, NULL, &out, &err), 2);
	T_OK(strstr(err, "check-env") != NULL);
	free(out);
	free(err);
	T_EQ(tbin_dataland_run(NULL, "--help", NULL, NULL, &out, &err), 0);
	T_OK(strstr(out, "migrate") != NULL);
	T_OK(strstr(out, "top-tables") != NULL);
	T_OK(strstr(out, "auth-init-db") != NULL);
	free(out);
	free(err);
	T_EQ(tbin_dataland_run(NULL, "check-env", "extra", NULL, &out, &err),
	    2);
	free(out);
	free(err);
	T_PASS("usage-exits-2");
}

int
main(void)
{
	char	*dsn;

	t_usage();
	listen_local();
	t_check_env();
	t_guard_before_connect();
	close(listener);
	dsn = tpg_fresh_db("cli");
	t_top_tables(dsn);
	tpg_drop_db(dsn);
	free(dsn);
	return 0;
}
