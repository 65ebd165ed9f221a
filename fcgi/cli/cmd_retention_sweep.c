/*
 * `dataland retention-sweep [--batch N] [--dry-run]` (API.md §5, §6):
 * deletes the conversations of DATABASE_URL untouched for
 * AGENT_RETENTION_DAYS, in batches of one short transaction each.
 * With the setting unset it says that retention is off and exits 0.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "db.h"

#include "cli.h"
#include "cmds.h"
#include "repo_retention.h"

#define SWEEP_BATCH_DEFAULT	500
#define SWEEP_BATCH_MAX		10000

static const char *const cmd_retention_sweep_usage[] = {
	"usage: dataland retention-sweep [--batch N] [--dry-run]",
	"",
	"Deletes the conversations of DATABASE_URL last touched",
	"(COALESCE(updated_at, created_at)) more than AGENT_RETENTION_DAYS",
	"days ago, with their messages, runs, images, sources and",
	"suggestions. Each batch of N (default 500, at most 10000) is one",
	"short transaction; rows another transaction holds are skipped and",
	"left for the next sweep. A conversation with neither timestamp is",
	"kept. Users and tickets are never deleted.",
	"",
	"  --dry-run   count what would be deleted, delete nothing",
	"",
	"With AGENT_RETENTION_DAYS unset retention is off: nothing is",
	"deleted and the exit status is 0.",
	NULL
};

/* Parses the options; 0, or 2 (usage printed) when they are wrong. */
static int
cmd_retention_sweep_args(int argc, char **argv, long *batch, int *dry)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			*dry = 1;
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		    conf_int(argv[i + 1], 1, SWEEP_BATCH_MAX, batch) == 0)
			i++;
		else {
			cli_usage(stderr, cmd_retention_sweep_usage);
			return 2;
		}
	}
	return 0;
}

/* Deletes batch after batch until one comes back empty. */
static int
cmd_retention_sweep_run(struct db *db, struct retention_sweep *sw,
    int days, int batch)
{
	long long	total = 0;
	long		n;

	do {
		if (repo_retention_delete_batch(db, sw, batch, &n) != E_OK) {
			fprintf(stderr, "retention-sweep: a batch failed "
			    "after %lld conversations were deleted\n", total);
			return 1;
		}
		total += n;
	} while (n > 0);
	printf("deleted %lld conversations last touched before %s "
	    "(AGENT_RETENTION_DAYS=%d)\n", total, sw->cutoff, days);
	return 0;
}

/*
 * Returns 0 when the sweep finished (or retention is off), 1 when the
 * database fails, 2 on a usage error.
 */
int
cmd_retention_sweep(int argc, char **argv)
{
	struct retention_sweep	 sw;
	struct db		*db;
	long			 batch = SWEEP_BATCH_DEFAULT;
	long long		 due;
	int			 days, dry = 0, rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		cli_usage(stdout, cmd_retention_sweep_usage);
		return 0;
	}
	if (cmd_retention_sweep_args(argc, argv, &batch, &dry) != 0)
		return 2;
	if ((days = cli_conf()->agent_retention_days) == 0) {
		printf("retention is off: AGENT_RETENTION_DAYS is unset, "
		    "nothing deleted\n");
		return 0;
	}
	if ((db = cli_db()) == NULL)
		return 1;
	if (repo_retention_begin(db, days, &sw) != E_OK) {
		fprintf(stderr, "retention-sweep: cannot start the sweep\n");
		return 1;
	}
	if (dry) {
		rc = repo_retention_count(db, &sw, &due) == E_OK ? 0 : 1;
		if (rc == 0)
			printf("would delete %lld conversations last touched "
			    "before %s (AGENT_RETENTION_DAYS=%d)\n", due,
			    sw.cutoff, days);
		else
			fprintf(stderr, "retention-sweep: cannot count "
			    "'conversations'\n");
	} else
		rc = cmd_retention_sweep_run(db, &sw, days, (int)batch);
	repo_retention_release(&sw);
	return rc;
}
