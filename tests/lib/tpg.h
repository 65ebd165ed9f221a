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

#endif
