/*
 * Unit tests for conf.h: every database URL form of API.md §5 and the
 * ones to refuse, the boot guard (assert_boot_required_env) on each
 * kind of local or development URL, and conf_int()'s ranges.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/conf.h"

/* Legend: as given, as libpq must see it (NULL: refused). */
static const struct {
	const char	*in;
	const char	*out;
} dsns[] = {
	{ "postgresql://app:pw@db.example.com:5432/dataland",
	  "postgresql://app:pw@db.example.com:5432/dataland" },
	{ "postgres://app:pw@db.example.com:5432/dataland",
	  "postgresql://app:pw@db.example.com:5432/dataland" },
	{ "postgresql+asyncpg://app:pw@db.example.com:5432/dataland",
	  "postgresql://app:pw@db.example.com:5432/dataland" },
	{ "postgresql+psycopg2://app:pw@db.example.com:5432/dataland",
	  "postgresql://app:pw@db.example.com:5432/dataland" },
	{ "postgresql+asyncpg://app@db.example.com/dataland",
	  "postgresql://app@db.example.com/dataland" },
	{ "postgresql+psycopg2://db.example.com/dataland",
	  "postgresql://db.example.com/dataland" },
	{ "postgres://db.example.com",
	  "postgresql://db.example.com" },
	{ "postgresql://app:pw@db.example.com/dataland?sslmode=require",
	  "postgresql://app:pw@db.example.com/dataland?sslmode=require" },
	{ "postgresql+asyncpg://app:pw@db:6432/d?sslmode=verify-full&"
	  "application_name=agent",
	  "postgresql://app:pw@db:6432/d?sslmode=verify-full&"
	  "application_name=agent" },
	{ "postgres://app:p%40ss%2Fw@db.example.com/dataland",
	  "postgresql://app:p%40ss%2Fw@db.example.com/dataland" },
	{ "postgresql://[2001:db8::5]:5432/dataland",
	  "postgresql://[2001:db8::5]:5432/dataland" },
	{ "postgresql:///dataland?host=/var/run/postgresql",
	  "postgresql:///dataland?host=/var/run/postgresql" },
	{ "postgresql://dataland:dataland@localhost:5432/dataland",
	  "postgresql://dataland:dataland@localhost:5432/dataland" },
	{ "postgresql://", "postgresql://" },

	{ "", NULL },
	{ "mysql://app:pw@db.example.com/dataland", NULL },
	{ "mysql+pymysql://app:pw@db/dataland", NULL },
	{ "sqlite:///dataland.db", NULL },
	{ "http://db.example.com/", NULL },
	{ "garbage", NULL },
	{ "postgresql", NULL },
	{ "postgresql:", NULL },
	{ "postgresql:/db/dataland", NULL },
	{ "postgresql//db/dataland", NULL },
	{ "postgresqlx://db/dataland", NULL },
	{ "postgresql+://db/dataland", NULL },
	{ "postgresql+async-pg://db/dataland", NULL },
	{ "postgresql+asyncpg:/db/dataland", NULL },
	{ " postgresql://db/dataland", NULL },
	{ "postgresql://db/data land", NULL },
	{ "postgresql://db/dataland\n", NULL },
	{ "postgresql://db/data\tland", NULL },
	{ "host=db.example.com dbname=dataland", NULL },
};

static void
t_dsn(void)
{
	char	*out;
	size_t	 i;

	for (i = 0; i < sizeof(dsns) / sizeof(dsns[0]); i++) {
		out = conf_dsn_normalize(dsns[i].in);
		if (dsns[i].out == NULL) {
			if (out != NULL)
				T_FAIL("dsn \"%s\" accepted as \"%s\"",
				    dsns[i].in, out);
			continue;
		}
		if (out == NULL)
			T_FAIL("dsn \"%s\" refused", dsns[i].in);
		T_STR(out, dsns[i].out);
		free(out);
	}
	T_PASS("conf-dsn-forms");
}

/* Legend: URL, 0 when the guard passes it, a word the reason holds. */
static const struct {
	const char	*url;
	int		 pass;
	const char	*why;
} guards[] = {
	{ "postgresql://app:s3cret@db.internal:5432/dataland", 1, NULL },
	{ "postgresql://app:s3cret@10.0.0.7/dataland", 1, NULL },
	{ "postgresql://app:s3cret@[2001:db8::5]:5432/dataland", 1, NULL },
	{ "postgresql://app:s3cret@db.internal/dataland?sslmode=require",
	  1, NULL },
	{ "postgresql://dataland:other@db.internal/dataland", 1, NULL },
	{ "postgresql://app:dataland@db.internal/dataland", 1, NULL },
	{ "postgresql://app:pw@localhost.example.com/dataland", 1, NULL },
	{ "postgresql://app:pw@db1.internal,db2.internal:5433/d", 1, NULL },

	{ "", 0, "empty" },
	{ NULL, 0, "empty" },
	{ "postgresql://dataland:dataland@db.internal:5432/dataland",
	  0, "dataland:dataland" },
	{ "postgresql://dataland:dataland@localhost:5432/dataland",
	  0, "dataland:dataland" },
	{ "postgresql://DATALAND:dataland@db.internal/dataland",
	  0, "dataland:dataland" },
	{ "postgresql://db.internal/d?user=dataland&password=dataland",
	  0, "dataland:dataland" },
	{ "postgresql://db.internal/d?password=dataland&sslmode=require"
	  "&user=dataland", 0, "dataland:dataland" },
	{ "postgresql://app:pw@localhost.:5432/dataland", 0, "this machine" },
	{ "postgresql://app:pw@localhost:5432/dataland", 0, "this machine" },
	{ "postgresql://app:pw@localhost/dataland", 0, "this machine" },
	{ "postgresql://app:pw@LocalHost/dataland", 0, "this machine" },
	{ "postgresql://app:pw@127.0.0.1:5432/dataland", 0, "this machine" },
	{ "postgresql://app:pw@127.0.0.1/dataland", 0, "this machine" },
	{ "postgresql://app:pw@127.1.2.3/dataland", 0, "this machine" },
	{ "postgresql://app:pw@[::1]:5432/dataland", 0, "this machine" },
	{ "postgresql://app:pw@[::1]/dataland", 0, "this machine" },
	{ "postgresql://localhost/dataland", 0, "this machine" },
	{ "postgresql://app:pw@/dataland", 0, "this machine" },
	{ "postgresql:///dataland", 0, "this machine" },
	{ "postgresql:///dataland?host=/var/run/postgresql",
	  0, "this machine" },
	{ "postgresql://app:pw@/dataland?host=%2Fvar%2Frun%2Fpostgresql",
	  0, "this machine" },
	{ "postgresql://app:pw@db.internal/dataland?host=/tmp",
	  0, "this machine" },
	{ "postgresql://app:pw@db.internal/d?sslmode=require&host=localhost",
	  0, "this machine" },
	{ "postgresql://app:pw@db.internal/d?hostaddr=127.0.0.1",
	  0, "this machine" },
	{ "postgresql://app:pw@db.internal/d?host=::1", 0, "this machine" },
	{ "postgresql://app:pw@db1.internal,localhost:5433/d",
	  0, "this machine" },
	{ "postgresql://app:pw@db1.internal:5432,[::1]:5433/d",
	  0, "this machine" },
	{ "db.internal", 0, "DATABASE_URL" },
};

static void
t_guard(void)
{
	char	 why[256];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
		strcpy(why, "unset");
		rc = conf_boot_guard(guards[i].url, "DATABASE_URL", why,
		    sizeof(why));
		if (guards[i].pass) {
			if (rc != 0)
				T_FAIL("guard refused \"%s\": %s",
				    guards[i].url, why);
			continue;
		}
		if (rc == 0)
			T_FAIL("guard passed \"%s\"", guards[i].url ?
			    guards[i].url : "(null)");
		/* The reason names the variable and what is wrong. */
		if (strstr(why, "DATABASE_URL") == NULL ||
		    strstr(why, guards[i].why) == NULL)
			T_FAIL("guard reason for \"%s\": %s", guards[i].url ?
			    guards[i].url : "(null)", why);
	}
	T_PASS("conf-boot-guard");
}

/* The reason never overruns a short buffer and names the variable. */
static void
t_guard_short(void)
{
	char	 why[16];
	size_t	 i;

	memset(why, '#', sizeof(why));
	T_OK(conf_boot_guard("postgresql://app:pw@localhost/d",
	    "AUTH_DATABASE_URL", why, 8) != 0);
	T_OK(memchr(why, '\0', 8) != NULL);
	for (i = 8; i < sizeof(why); i++)
		T_EQ(why[i], '#');
	T_OK(strncmp(why, "AUTH_DA", 7) == 0);
	T_PASS("conf-boot-guard-short-reason");
}

/* The development default and its normal form both fail the guard. */
static void
t_guard_normalized(void)
{
	char	*n;
	char	 why[256];

	n = conf_dsn_normalize("postgresql+asyncpg://dataland:dataland@"
	    "localhost:5432/dataland");
	T_OK(n != NULL);
	T_OK(conf_boot_guard(n, "DATABASE_URL", why, sizeof(why)) != 0);
	free(n);
	n = conf_dsn_normalize("postgres://agent:pw@db.internal/dataland");
	T_OK(n != NULL);
	T_OK(conf_boot_guard(n, "DATABASE_URL", why, sizeof(why)) == 0);
	free(n);
	T_PASS("conf-boot-guard-normalized");
}

/* Legend: text, min, max, 1 when accepted, value then. */
static const struct {
	const char	*s;
	long		 min, max;
	int		 ok;
	long		 v;
} ints[] = {
	{ "4", 1, 256, 1, 4 },
	{ "1", 1, 256, 1, 1 },
	{ "256", 1, 256, 1, 256 },
	{ "0", 0, 10, 1, 0 },
	{ "-3", -5, 5, 1, -3 },
	{ "+7", 0, 10, 1, 7 },
	{ "007", 0, 10, 1, 7 },
	{ "9223372036854775807", 0, LONG_MAX, 1, LONG_MAX },
	{ "-9223372036854775808", LONG_MIN, 0, 1, LONG_MIN },
	{ "0", 1, 256, 0, 0 },
	{ "257", 1, 256, 0, 0 },
	{ "-1", 0, 10, 0, 0 },
	{ "", 0, 10, 0, 0 },
	{ " 5", 0, 10, 0, 0 },
	{ "5 ", 0, 10, 0, 0 },
	{ "5\n", 0, 10, 0, 0 },
	{ "5x", 0, 10, 0, 0 },
	{ "x5", 0, 10, 0, 0 },
	{ "0x5", 0, 10, 0, 0 },
	{ "1e2", 0, 1000, 0, 0 },
	{ "2.5", 0, 10, 0, 0 },
	{ "-", 0, 10, 0, 0 },
	{ "+", 0, 10, 0, 0 },
	{ "9223372036854775808", 0, LONG_MAX, 0, 0 },
	{ "-9223372036854775809", LONG_MIN, 0, 0, 0 },
	{ "99999999999999999999999", 0, LONG_MAX, 0, 0 },
};

static void
t_int(void)
{
	size_t	 i;
	long	 v;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = 12345;
		if ((conf_int(ints[i].s, ints[i].min, ints[i].max, &v) == 0) !=
		    ints[i].ok)
			T_FAIL("conf_int(\"%s\", %ld, %ld)", ints[i].s,
			    ints[i].min, ints[i].max);
		T_EQ(v, ints[i].ok ? ints[i].v : 12345);
	}
	v = 12345;
	T_OK(conf_int(NULL, 0, 10, &v) != 0);
	T_EQ(v, 12345);
	T_PASS("conf-int");
}

int
main(void)
{

	t_dsn();
	t_guard();
	t_guard_short();
	t_guard_normalized();
	t_int();
	return 0;
}
