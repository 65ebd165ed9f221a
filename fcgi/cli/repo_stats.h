/*
 * Server statistics the operator asks for (pg_stat_user_tables); read
 * only, never a product table by name.
 */
#ifndef REPO_STATS_H
#define REPO_STATS_H

#include "err.h"

struct db;

/* NAMEDATALEN - 1 bytes and a NUL. */
#define STATS_NAME_MAX	64

struct table_stat {
	char		schema[STATS_NAME_MAX];
	char		name[STATS_NAME_MAX];
	long long	live_rows;		/* n_live_tup */
	char		size[32];		/* pg_size_pretty(total) */
};

/*
 * The at most limit tables with the most live rows, largest first.
 * On E_OK *out is a malloc'd array of *n entries (caller frees it);
 * on failure both are untouched.
 */
enum err	repo_stats_top_tables(struct db *, int limit,
		    struct table_stat **out, int *n);

#endif
