/*
 * The retention sweep's SQL (API.md §5, §6): conversations untouched
 * for AGENT_RETENTION_DAYS go in small batches of one statement each,
 * so that no lock is held for long and rows in use are skipped. Only
 * conversations are deleted here; their children go by ON DELETE
 * CASCADE (0011_delete_cascades). Users and tickets stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"

#include "repo_retention.h"

/*
 * A conversation's age is COALESCE(updated_at, created_at): rows the
 * Python stack wrote may lack updated_at. One with neither timestamp
 * compares as NULL and is never swept (its age is unknown).
 */
#define RETENTION_AGE	"COALESCE(updated_at, created_at)"

/* The batch statement around its cursor condition (first or next). */
#define RETENTION_DELETE(after) \
	"WITH doomed AS (SELECT id FROM conversations" \
	" WHERE " after RETENTION_AGE " < $1::timestamptz" \
	" ORDER BY id LIMIT $2::integer FOR UPDATE SKIP LOCKED)," \
	" gone AS (DELETE FROM conversations" \
	" WHERE id IN (SELECT id FROM doomed) RETURNING id)" \
	" SELECT count(*), max(id) FROM gone"

enum { Q_CUTOFF, Q_LOCK_TIMEOUT, Q_COUNT, Q_DELETE_FIRST, Q_DELETE_NEXT,
    Q__MAX };
/* Legend: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_retention_begin(): the cutoff, fixed for the whole sweep */
	[Q_CUTOFF] = { "retention_cutoff", 1,
	    "SELECT now() - make_interval(days => $1::integer)", S_READ },
	/* repo_retention_begin(): a batch waits at most this for a lock */
	[Q_LOCK_TIMEOUT] = { "retention_lock_timeout", 0,
	    "SELECT set_config('lock_timeout', '5s', false)", S_READ },
	/* repo_retention_count() */
	[Q_COUNT] = { "retention_count", 1,
	    "SELECT count(*) FROM conversations"
	    " WHERE " RETENTION_AGE " < $1::timestamptz", S_READ },
	/* repo_retention_delete_batch(), the first batch */
	[Q_DELETE_FIRST] = { "retention_delete_first", 2,
	    RETENTION_DELETE(""), 0 },
	/* repo_retention_delete_batch(), above the last id deleted */
	[Q_DELETE_NEXT] = { "retention_delete_next", 3,
	    RETENTION_DELETE("id > $3 AND "), 0 },
};

enum err
repo_retention_begin(struct db *db, int days, struct retention_sweep *sw)
{
	PGresult	*res = NULL;
	const char	*p[1];
	char		 d[16];
	enum err	 e;

	sw->last_id = NULL;
	snprintf(d, sizeof(d), "%d", days);
	p[0] = d;
	if ((e = db_exec(db, &q[Q_LOCK_TIMEOUT], NULL)) != E_OK)
		return e;
	if ((e = db_query(db, &q[Q_CUTOFF], p, &res)) != E_OK)
		return e;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
		e = E_DB;
	else
		snprintf(sw->cutoff, sizeof(sw->cutoff), "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	return e;
}

enum err
repo_retention_count(struct db *db, const struct retention_sweep *sw,
    long long *n)
{
	PGresult	*res = NULL;
	const char	*p[1];
	enum err	 e;

	p[0] = sw->cutoff;
	if ((e = db_query(db, &q[Q_COUNT], p, &res)) != E_OK)
		return e;
	if (PQntuples(res) != 1)
		e = E_DB;
	else
		*n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return e;
}

enum err
repo_retention_delete_batch(struct db *db, struct retention_sweep *sw,
    int limit, long *deleted)
{
	PGresult	*res = NULL;
	const char	*p[3];
	char		 lim[16];
	enum err	 e;
	long		 n;

	snprintf(lim, sizeof(lim), "%d", limit);
	p[0] = sw->cutoff;
	p[1] = lim;
	p[2] = sw->last_id;
	e = db_query(db, &q[sw->last_id == NULL ? Q_DELETE_FIRST :
	    Q_DELETE_NEXT], p, &res);
	if (e != E_OK)
		return e;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return E_DB;
	}
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	if (n > 0 && !PQgetisnull(res, 0, 1)) {
		free(sw->last_id);
		sw->last_id = xstrdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	*deleted = n;
	return E_OK;
}

void
repo_retention_release(struct retention_sweep *sw)
{
	free(sw->last_id);
	sw->last_id = NULL;
}
