/*
 * auth_login_throttle: failed logins counted per key ("e:" + email,
 * "a:" + client address) in a fixed window that starts at the first
 * failure. Kept in PostgreSQL so every responder and every host sees
 * the same counts. All of the table's SQL is here; no HTTP.
 */
#include <stddef.h>
#include <stdio.h>

#include "db.h"
#include "err.h"
#include "repo_throttle.h"

enum { Q_CREATE, Q_CHECK, Q_FAIL, Q_PRUNE, Q_CLEAR, Q__MAX };

/* Statements: name, parameters, SQL, flags ($n::int is the window). */
static const struct stmt q[Q__MAX] = {
	/* repo_throttle_init() */
	[Q_CREATE] = { "throttle_create", 0,
	    "CREATE TABLE IF NOT EXISTS auth_login_throttle ("
	    " key text PRIMARY KEY,"
	    " failures integer NOT NULL,"
	    " window_start timestamptz NOT NULL DEFAULT now())", S_DIRECT },
	/* repo_throttle_check(): live counters and seconds left */
	[Q_CHECK] = { "throttle_check", 3,
	    "SELECT key = $1 AS is_email, failures,"
	    " GREATEST(1, ceil(extract(epoch FROM window_start +"
	    " make_interval(secs => $3::int) - now())))::int AS left_sec"
	    " FROM auth_login_throttle WHERE key IN ($1, $2)"
	    " AND window_start > now() - make_interval(secs => $3::int)",
	    S_READ },
	/* repo_throttle_fail(): a window that has passed starts again */
	[Q_FAIL] = { "throttle_fail", 3,
	    "INSERT INTO auth_login_throttle AS t (key, failures,"
	    " window_start) VALUES ($1, 1, now()), ($2, 1, now())"
	    " ON CONFLICT (key) DO UPDATE SET"
	    " failures = CASE WHEN t.window_start <= now() -"
	    " make_interval(secs => $3::int) THEN 1 ELSE t.failures + 1 END,"
	    " window_start = CASE WHEN t.window_start <= now() -"
	    " make_interval(secs => $3::int) THEN now()"
	    " ELSE t.window_start END", 0 },
	/* repo_throttle_fail(): a bounded sweep of expired rows */
	[Q_PRUNE] = { "throttle_prune", 1,
	    "DELETE FROM auth_login_throttle WHERE key IN (SELECT key FROM"
	    " auth_login_throttle WHERE window_start <= now() -"
	    " make_interval(secs => $1::int) LIMIT 100)", 0 },
	/* repo_throttle_clear() */
	[Q_CLEAR] = { "throttle_clear", 1,
	    "DELETE FROM auth_login_throttle WHERE key = $1", 0 },
};

/* A live counter of Q_CHECK: whose it is, its count, seconds left. */
struct throttle_row {
	int	is_email;
	int	failures;
	int	left_sec;
};

/* Legend: result column, field, type. */
#define F(f)	offsetof(struct throttle_row, f)
static const struct db_col check_cols[] = {
	{ "is_email", F(is_email), COL_BOOL },
	{ "failures", F(failures), COL_INT },
	{ "left_sec", F(left_sec), COL_INT },
	{ NULL, 0, 0 }
};
#undef F

/* The table, in the init transaction. */
enum err
repo_throttle_init(struct db *db)
{

	return db_exec(db, &q[Q_CREATE], NULL);
}

/* E_OK, or E_RATE with *retry_after when a counter is at its limit. */
enum err
repo_throttle_check(struct db *db, struct arena *a, const char *email_key,
    const char *addr_key, long window, long email_max, long addr_max,
    long *retry_after)
{
	struct throttle_row	*r = NULL;
	const char		*p[3];
	char			 w[24];
	size_t			 i, n = 0;
	long			 max, after = 0;
	enum err		 e;

	snprintf(w, sizeof(w), "%ld", window);
	p[0] = email_key;
	p[1] = addr_key;
	p[2] = w;
	if ((e = db_rows(db, a, &q[Q_CHECK], p, check_cols, sizeof(*r), &r,
	    &n)) != E_OK)
		return e;
	for (i = 0; i < n; i++) {
		max = r[i].is_email ? email_max : addr_max;
		if (max > 0 && r[i].failures >= max && r[i].left_sec > after)
			after = r[i].left_sec;
	}
	if (after == 0)
		return E_OK;
	*retry_after = after;
	return E_RATE;
}

/* One more failure for both keys; then a sweep of expired rows. */
enum err
repo_throttle_fail(struct db *db, const char *email_key,
    const char *addr_key, long window)
{
	const char	*p[3];
	char		 w[24];
	enum err	 e;

	snprintf(w, sizeof(w), "%ld", window);
	p[0] = email_key;
	p[1] = addr_key;
	p[2] = w;
	if ((e = db_exec(db, &q[Q_FAIL], p)) != E_OK)
		return e;
	return db_exec(db, &q[Q_PRUNE], &p[2]);
}

/* Forgets key's failures. */
enum err
repo_throttle_clear(struct db *db, const char *key)
{
	const char	*p[1] = { key };

	return db_exec(db, &q[Q_CLEAR], p);
}
