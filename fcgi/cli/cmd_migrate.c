/*
 * `dataland migrate up|current|stamp REV` (API.md §6): the front of the
 * migration runner in repo_migrations.c, against DATABASE_URL.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"

#include "cli.h"
#include "cmds.h"
#include "migrations.h"
#include "repo_migrations.h"

static const char *const cmd_migrate_usage[] = {
	"usage: dataland migrate up [REV]",
	"       dataland migrate current",
	"       dataland migrate stamp REV",
	"",
	"  up        apply every pending migration (or those up to REV),",
	"            one transaction each, under an advisory lock; safe to",
	"            run concurrently. A database the Python stack left at",
	"            " MIGRATIONS_ADOPT_REV " is taken over as it stands;",
	"            an empty one gets that schema first, in one step",
	"  current   print the applied revision, or 'none'",
	"  stamp     record REV (or 'head') as applied without running it",
	"",
	"The database is DATABASE_URL; the revision is kept in",
	"alembic_version(version_num), as the Python stack's Alembic kept it.",
	NULL
};

static void
cmd_migrate_applied(const char *rev)
{
	printf("applied %s\n", rev);
	fflush(stdout);
}

static int
cmd_migrate_up(struct db *db, const char *target)
{
	char	why[1024], rev[MIGRATIONS_REV_MAX + 1];
	int	n;

	if (repo_migrations_up(db, target, cmd_migrate_applied, &n, why,
	    sizeof(why)) != E_OK) {
		fprintf(stderr, "migrate: %s\n", why);
		return 1;
	}
	if (repo_migrations_current(db, rev, sizeof(rev), why,
	    sizeof(why)) != E_OK) {
		fprintf(stderr, "migrate: %s\n", why);
		return 1;
	}
	if (n == 0)
		printf("already at %s\n", rev);
	else
		printf("now at %s\n", rev);
	return 0;
}

static int
cmd_migrate_current(struct db *db)
{
	char	why[1024], rev[MIGRATIONS_REV_MAX + 1];

	if (repo_migrations_current(db, rev, sizeof(rev), why,
	    sizeof(why)) != E_OK) {
		fprintf(stderr, "migrate: %s\n", why);
		return 1;
	}
	printf("%s\n", rev[0] != '\0' ? rev : "none");
	if (rev[0] != '\0' && repo_migrations_find(rev) < 0) {
		fprintf(stderr, "migrate: revision '%s' is unknown to this "
		    "dataland\n", rev);
		return 1;
	}
	return 0;
}

static int
cmd_migrate_stamp(struct db *db, const char *rev)
{
	char	why[1024];

	if (repo_migrations_stamp(db, rev, why, sizeof(why)) != E_OK) {
		fprintf(stderr, "migrate: %s\n", why);
		return 1;
	}
	printf("stamped %s\n",
	    strcmp(rev, "head") == 0 ? migrations[migrations_count - 1].rev :
	    rev);
	return 0;
}

/*
 * Returns 0 when the action succeeded, 1 when it failed (reason on
 * stderr), 2 on a usage error.
 */
int
cmd_migrate(int argc, char **argv)
{
	struct db	*db;
	const char	*act = argc > 1 ? argv[1] : "";

	if (strcmp(act, "-h") == 0 || strcmp(act, "--help") == 0) {
		cli_usage(stdout, cmd_migrate_usage);
		return 0;
	}
	if (!((strcmp(act, "up") == 0 && (argc == 2 || argc == 3)) ||
	    (strcmp(act, "current") == 0 && argc == 2) ||
	    (strcmp(act, "stamp") == 0 && argc == 3))) {
		cli_usage(stderr, cmd_migrate_usage);
		return 2;
	}
	if (argc == 3 && strcmp(argv[2], "head") != 0 &&
	    repo_migrations_find(argv[2]) < 0) {
		fprintf(stderr, "migrate: unknown revision '%s'\n", argv[2]);
		return 1;
	}
	if ((db = cli_db()) == NULL)
		return 1;
	if (strcmp(act, "up") == 0)
		return cmd_migrate_up(db, argc == 3 &&
		    strcmp(argv[2], "head") != 0 ? argv[2] : NULL);
	if (strcmp(act, "current") == 0)
		return cmd_migrate_current(db);
	return cmd_migrate_stamp(db, argv[2]);
}
