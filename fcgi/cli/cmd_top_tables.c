/*
 * `dataland top-tables [-n N]` (API.md §6): the largest tables of
 * DATABASE_URL by live rows, as an aligned table on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "db.h"

#include "cli.h"
#include "cmds.h"
#include "repo_stats.h"

#define TOP_TABLES_DEFAULT	20
#define TOP_TABLES_MAX		1000

static const char *const cmd_top_tables_usage[] = {
	"usage: dataland top-tables [-n N]",
	"",
	"Lists the N (default 20, at most 1000) tables of DATABASE_URL with",
	"the most live rows (pg_stat_user_tables.n_live_tup, an estimate the",
	"server keeps), with their total size on disk.",
	NULL
};

static void
cmd_top_tables_print(const struct table_stat *t, int n)
{
	char	name[2 * STATS_NAME_MAX];
	int	i, w = (int)strlen("table");

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%s", t[i].schema, t[i].name);
		if ((int)strlen(name) > w)
			w = (int)strlen(name);
	}
	printf("%-*s  %12s  %10s\n", w, "table", "live rows", "size");
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%s", t[i].schema, t[i].name);
		printf("%-*s  %12lld  %10s\n", w, name, t[i].live_rows,
		    t[i].size);
	}
}

/*
 * Returns 0 after printing the table, 1 when the database fails, 2 on
 * a usage error.
 */
int
cmd_top_tables(int argc, char **argv)
{
	struct table_stat	*t = NULL;
	struct db		*db;
	long			 lim = TOP_TABLES_DEFAULT;
	int			 n;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		cli_usage(stdout, cmd_top_tables_usage);
		return 0;
	}
	if (!(argc == 1 || (argc == 3 && strcmp(argv[1], "-n") == 0 &&
	    conf_int(argv[2], 1, TOP_TABLES_MAX, &lim) == 0))) {
		cli_usage(stderr, cmd_top_tables_usage);
		return 2;
	}
	if ((db = cli_db()) == NULL)
		return 1;
	if (repo_stats_top_tables(db, (int)lim, &t, &n) != E_OK) {
		fprintf(stderr, "top-tables: cannot read "
		    "'pg_stat_user_tables'\n");
		return 1;
	}
	cmd_top_tables_print(t, n);
	free(t);
	return 0;
}
