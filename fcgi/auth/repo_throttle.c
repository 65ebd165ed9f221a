/*
 * auth_login_throttle: password checks counted per key ("e:" + email,
 * "a:" + client address) in a fixed window that starts at the first
 * attempt. Kept in PostgreSQL so every responder and every host sees
 * the same counts. All of the table's SQL is here; no HTTP.
 *
 * Locks: the reservation upserts the email's row, then the address's
 * (VALUES order), and holds both until it commits or rolls back; every
 * other statement touches one row, or skips locked ones. No statement
 * waits for a row while holding a later one, so none can deadlock.
 */
#include <stddef.h>
#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "err.h"
#include "repo_throttle.h"

enum { Q_CREATE, Q_RESERVE, Q_RELEASE, Q_CLEAR, Q_PRUNE, Q__MAX };

/* A window that has passed, for row alias t and window $n seconds. */
#define EXPIRED(n) \
	"t.window_start <= now() - make_interval(secs => " n "::int)"

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_throttle_init() */
	[Q_CREATE] = { "throttle_create", 0,
	    "CREATE TABLE IF NOT EXISTS auth_login_throttle ("
	    " key text PRIMARY KEY,"
	    " failures integer NOT NULL,"
	    " window_start timestamptz NOT NULL DEFAULT now())", S_DIRECT },
	/* repo_throttle_reserve(): one more attempt on both keys ($1
	 * email, $2 address, $3 window), a passed window starting again;
	 * the counts with this attempt, the seconds left, the window */
	[Q_RESERVE] = { "throttle_reserve", 3,
	    "INSERT INTO auth_login_throttle AS t (key, failures,"
	    " window_start) VALUES ($1, 1, now()), ($2, 1, now())"
	    " ON CONFLICT (key) DO UPDATE SET"
	    " failures = CASE WHEN " EXPIRED("$3") " THEN 1"
	    " ELSE t.failures + 1 END,"
	    " window_start = CASE WHEN " EXPIRED("$3") " THEN now()"
	    " ELSE t.window_start END"
	    " RETURNING t.key = $1 AS is_email, t.failures,"
	    " GREATEST(1, ceil(extract(epoch FROM t.window_start +"
	    " make_interval(secs => $3::int) - now())))::int AS left_sec,"
	    " t.window_start::text AS since", 0 },
	/* repo_throttle_pass(), _cancel(): one attempt given back, if
	 * the key's window is still the one it was counted in */
	[Q_RELEASE] = { "throttle_release", 2,
	    "UPDATE auth_login_throttle SET failures = failures - 1"
	    " WHERE key = $1 AND window_start = $2::timestamptz"
	    " AND failures > 0", 0 },
	/* repo_throttle_pass(): the email's counter goes */
	[Q_CLEAR] = { "throttle_clear", 1,
	    "DELETE FROM auth_login_throttle WHERE key = $1", 0 },
	/* repo_throttle_prune(): a bounded sweep of expired rows, none a
	 * reservation holds */
	[Q_PRUNE] = { "throttle_prune", 1,
	    "DELETE FROM auth_login_throttle WHERE key IN (SELECT key FROM"
	    " auth_login_throttle t WHERE " EXPIRED("$1")
	    " LIMIT 100 FOR UPDATE SKIP LOCKED)", 0 },
};

/* A row of Q_RESERVE: whose it is, its count, seconds left, window. */
struct throttle_row {
	int		 is_email;
	int		 failures;
	int		 left_sec;
	const char	*since;
};

/* Legend: result column, field, type. */
#define F(f)	offsetof(struct throttle_row, f)
static const struct db_col reserve_cols[] = {
	{ "is_email", F(is_email), COL_BOOL },
	{ "failures", F(failures), COL_INT },
	{ "left_sec", F(left_sec), COL_INT },
	{ "since", F(since), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

/* What the reservation transaction works on and leaves. */
struct throttle_tx {
	struct arena			*a;
	const struct throttle_limits	*lim;
	const char			*p[3];
	struct throttle_hold		 h;
	long				 after;
};

/* The table, in the init transaction. */
enum err
repo_throttle_init(struct db *db)
{

	return db_exec(db, &q[Q_CREATE], NULL);
}

/*
 * The reservation transaction (db_tx() may run it again; it sets all
 * it leaves on each run): counts the attempt, then E_RATE, which rolls
 * the count back, when a key is over its limit.
 */
static enum err
repo_throttle_reserve_tx(struct db *db, void *arg)
{
	struct throttle_tx	*t = arg;
	struct throttle_row	*r = NULL;
	size_t			 i, n = 0;
	long			 max;
	enum err		 e;
	int			 k;

	t->after = 0;
	if ((e = db_rows(db, t->a, &q[Q_RESERVE], t->p, reserve_cols,
	    sizeof(*r), &r, &n)) != E_OK)
		return e;
	if (n != THROTTLE__MAX)
		return E_DB;
	for (i = 0; i < n; i++) {
		k = r[i].is_email ? THROTTLE_EMAIL : THROTTLE_ADDR;
		t->h.since[k] = r[i].since;
		max = t->lim->max[k];
		if (max > 0 && r[i].failures > max && r[i].left_sec > t->after)
			t->after = r[i].left_sec;
	}
	return t->after > 0 ? E_RATE : E_OK;
}

/* E_OK with *out, or E_RATE with *retry_after and nothing counted. */
enum err
repo_throttle_reserve(struct db *db, struct arena *a,
    const struct throttle_limits *lim, const char *email_key,
    const char *addr_key, struct throttle_hold *out, long *retry_after)
{
	struct throttle_tx	 t;
	enum err		 e;

	t.a = a;
	t.lim = lim;
	t.p[0] = email_key;
	t.p[1] = addr_key;
	t.p[2] = arena_printf(a, "%ld", lim->window);
	t.h.key[THROTTLE_EMAIL] = email_key;
	t.h.key[THROTTLE_ADDR] = addr_key;
	t.h.since[THROTTLE_EMAIL] = t.h.since[THROTTLE_ADDR] = NULL;
	e = db_tx(db, repo_throttle_reserve_tx, &t);
	if (e == E_OK)
		*out = t.h;
	else if (e == E_RATE)
		*retry_after = t.after;
	return e;
}

/* Gives key k's attempt back. */
static enum err
repo_throttle_release(struct db *db, const struct throttle_hold *h,
    enum throttle_key k)
{
	const char	*p[2] = { h->key[k], h->since[k] };

	return db_exec(db, &q[Q_RELEASE], p);
}

/* Up to 100 expired rows deleted. */
enum err
repo_throttle_prune(struct db *db, long window)
{
	char		 w[24];
	const char	*p[1] = { w };

	snprintf(w, sizeof(w), "%ld", window);
	return db_exec(db, &q[Q_PRUNE], p);
}

/* The email's counter cleared, the address's attempt given back. */
enum err
repo_throttle_pass(struct db *db, const struct throttle_hold *h)
{
	const char	*p[1] = { h->key[THROTTLE_EMAIL] };
	enum err	 e;

	if ((e = db_exec(db, &q[Q_CLEAR], p)) != E_OK)
		return e;
	return repo_throttle_release(db, h, THROTTLE_ADDR);
}

/* Both keys' attempts given back, one statement each. */
enum err
repo_throttle_cancel(struct db *db, const struct throttle_hold *h)
{
	enum err	 e;

	if ((e = repo_throttle_release(db, h, THROTTLE_EMAIL)) != E_OK)
		return e;
	return repo_throttle_release(db, h, THROTTLE_ADDR);
}
