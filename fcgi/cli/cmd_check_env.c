/*
 * `dataland check-env` (API.md §5, §6): the boot guard the services run
 * at start (assert_boot_required_env), run alone for deploy scripts.
 * It reads the environment only and never connects to a database.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"

#include "cli.h"
#include "cmds.h"

static const char *const cmd_check_env_usage[] = {
	"usage: dataland check-env",
	"",
	"Checks DATABASE_URL and AUTH_DATABASE_URL as a service would at",
	"start. With APP_ENV=production a URL that is empty, carries the",
	"development credentials or points at this machine fails (exit 1);",
	"otherwise such a URL is only a warning.",
	NULL
};

/*
 * Returns 0 when the guard passes (or only warns, outside production),
 * 1 when it fails in production, 2 on a usage error.
 */
int
cmd_check_env(int argc, char **argv)
{
	const struct conf	*cf = cli_conf();
	const char		*urls[2], *vars[2];
	char			 why[512];
	int			 i, bad = 0;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0) {
			cli_usage(stdout, cmd_check_env_usage);
			return 0;
		}
		cli_usage(stderr, cmd_check_env_usage);
		return 2;
	}
	urls[0] = cf->database_url;
	vars[0] = "DATABASE_URL";
	urls[1] = cf->auth_database_url;
	vars[1] = "AUTH_DATABASE_URL";
	for (i = 0; i < 2; i++) {
		if (conf_boot_guard(urls[i] ? urls[i] : "", vars[i], why,
		    sizeof(why)) == 0)
			continue;
		bad++;
		fprintf(stderr, "check-env: %s%s\n",
		    cf->production ? "" : "warning: ", why);
	}
	if (bad && cf->production)
		return 1;
	printf("APP_ENV=%s: %s\n", cf->app_env,
	    bad ? "boot guard warnings only" : "boot guard passes");
	return 0;
}
