/*
 * `dataland auth-init-db`: runs the auth service's startup DDL once
 * against AUTH_DATABASE_URL (API.md §6) and exits. No HTTP here;
 * fcgi/auth/init_db.c runs the DDL, whose statements live with their
 * tables in fcgi/auth/repo_users.c and repo_throttle.c.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "db.h"
#include "err.h"

#include "../auth/init_db.h"
#include "cli.h"
#include "cmds.h"

static const char *const cmd_auth_init_db_usage[] = {
	"usage: dataland auth-init-db",
	"",
	"Creates or completes the auth_server_users table under an advisory",
	"lock, using AUTH_DATABASE_URL (or DATABASE_URL).",
	NULL
};

/*
 * Opens one connection to AUTH_DATABASE_URL and runs auth_init_db.
 * Returns 0 on success, 1 on failure (reason on stderr), 2 on usage.
 */
int
cmd_auth_init_db(int argc, char **argv)
{
	struct db	 db;
	char		 why[512];
	enum err	 e;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0) {
			cli_usage(stdout, cmd_auth_init_db_usage);
			return 0;
		}
		cli_usage(stderr, cmd_auth_init_db_usage);
		return 2;
	}
	if (cli_conf()->production && conf_boot_guard(
	    cli_conf()->auth_database_url, "AUTH_DATABASE_URL", why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "auth-init-db: refusing to run: %s\n", why);
		return 1;
	}
	if ((e = db_open(&db, cli_conf()->auth_database_url)) == E_OK)
		e = auth_init_db(&db);
	db_close(&db);
	if (e == E_DBDOWN) {
		fprintf(stderr, "auth-init-db: cannot reach the database of "
		    "'AUTH_DATABASE_URL'\n");
		return 1;
	}
	if (e != E_OK) {
		fprintf(stderr, "auth-init-db: the DDL failed (%s)\n",
		    err_info(e)->code);
		return 1;
	}
	printf("auth_server_users is up to date\n");
	return 0;
}
