/*
 * Statistics queries for the operator's commands. Reads the cumulative
 * statistics views only; no product table is named here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"

#include "repo_stats.h"

enum { Q_TOP, Q__MAX };
/* Legend: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_stats_top_tables() */
	[Q_TOP] = { "stats_top_tables", 1,
	    "SELECT schemaname, relname, n_live_tup,"
	    " pg_size_pretty(pg_total_relation_size(relid))"
	    " FROM pg_stat_user_tables"
	    " ORDER BY n_live_tup DESC, schemaname, relname"
	    " LIMIT $1::integer", S_READ },
};

enum err
repo_stats_top_tables(struct db *db, int limit, struct table_stat **out,
    int *n)
{
	PGresult		*res = NULL;
	struct table_stat	*t;
	const char		*p[1];
	char			 lim[16];
	enum err		 e;
	int			 i, rows;

	snprintf(lim, sizeof(lim), "%d", limit);
	p[0] = lim;
	if ((e = db_query(db, &q[Q_TOP], p, &res)) != E_OK)
		return e;
	rows = PQntuples(res);
	t = xmalloc(sizeof(*t) * (size_t)(rows > 0 ? rows : 1));
	for (i = 0; i < rows; i++) {
		snprintf(t[i].schema, sizeof(t[i].schema), "%s",
		    PQgetvalue(res, i, 0));
		snprintf(t[i].name, sizeof(t[i].name), "%s",
		    PQgetvalue(res, i, 1));
		t[i].live_rows = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		snprintf(t[i].size, sizeof(t[i].size), "%s",
		    PQgetvalue(res, i, 3));
	}
	PQclear(res);
	*out = t;
	*n = rows;
	return E_OK;
}
