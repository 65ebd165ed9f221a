/*
 * Integration tests against the real test cluster: a fresh database
 * per test program, and plain SQL helpers for setting up and checking.
 * Every helper that fails prints "FAIL ..." and exits 1, like t.h.
 * TEST_PG_URL (exported by tests/run.sh) is a superuser URL to the
 * cluster's `postgres` database.
 */
#ifndef TPG_H
#define TPG_H

/*
 * Creates a database named after tag, the process and a counter, and
 * returns its URL (malloc'd; the caller frees it).
 */
char	*tpg_fresh_db(const char *tag);
/* Drops the database a tpg_fresh_db() URL names, ending its sessions. */
void	 tpg_drop_db(const char *dsn);
/* Runs sql (one or several statements) on dsn; any error fails. */
void	 tpg_exec(const char *dsn, const char *sql);
/* The same, returning 0 on success and -1 (quietly) on an error. */
int	 tpg_try_exec(const char *dsn, const char *sql);
/*
 * The first column of the first row of sql on dsn, malloc'd; NULL when
 * there is no row or the value is SQL NULL. Any error fails.
 */
char	*tpg_scalar(const char *dsn, const char *sql);

/* The Python stack's database (../shared/fixtures/python-stack-0010.sql,
 * or under DATALAND_SHARED); a missing file fails. */
const char	*tpg_fixture(void);
/* Runs a SQL file through psql on dsn (COPY included); errors fail. */
void	 tpg_load(const char *dsn, const char *file);
/*
 * pg_dump of dsn in mode ("--schema-only", "--data-only"), leaving out
 * the tables matching exclude (NULL: none), with the database's name
 * replaced by "DB" so dumps of two databases compare. malloc'd.
 */
char	*tpg_dump(const char *dsn, const char *mode, const char *exclude);

#endif
