/*
 * `dataland`: the operator's command line (API.md §6). The table below
 * is the whole dispatcher; every command lives in cmd_<name>.c. Output
 * goes to stdout, diagnostics to stderr; exit 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"

#include "cli.h"
#include "cmds.h"

/* Legend: name, function, NEED_* flags (cli.h), one line of help. */
static const struct cmd {
	const char	*name;
	int		(*fn)(int, char **);
	unsigned	 flags;
	const char	*help;
} cmds[] = {
	{ "migrate", cmd_migrate, NEED_DB,
	    "apply or inspect schema migrations (up, current, stamp REV)" },
	{ "check-env", cmd_check_env, NEED_CONF,
	    "run the production boot guard against the environment" },
	{ "top-tables", cmd_top_tables, NEED_DB,
	    "largest tables by live rows" },
	{ "auth-init-db", cmd_auth_init_db, NEED_CONF,
	    "run the auth service's startup DDL once and exit" },
	{ "catalog", cmd_catalog, NEED_DB,
	    "load or check a museum catalogue (load FILE, check FILE)" },
	{ "retention-sweep", cmd_retention_sweep, NEED_DB,
	    "delete conversations older than AGENT_RETENTION_DAYS" },
	{ NULL, NULL, 0, NULL }
};

static void
usage(FILE *f)
{
	const struct cmd	*c;

	fprintf(f, "usage: dataland <command> [args]\n\ncommands:\n");
	for (c = cmds; c->name != NULL; c++)
		fprintf(f, "  %-16s %s\n", c->name, c->help);
	fprintf(f, "\n'dataland <command> -h' describes one command\n");
}

int
main(int argc, char **argv)
{
	const struct cmd	*c;
	int			 rc;

	log_setup("dataland", -1);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, argv[1]) == 0)
			break;
	if (c->name == NULL) {
		fprintf(stderr, "dataland: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	if (cli_setup(c->flags) != 0)
		return 1;
	rc = c->fn(argc - 1, argv + 1);
	cli_teardown();
	return rc;
}
