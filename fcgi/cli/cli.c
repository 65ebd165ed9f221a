/*
 * The state main() sets up for a command: the configuration and the
 * one database connection. Nothing here prints a password: URLs are
 * shown without their user information and query.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "db.h"

#include "cli.h"

static struct conf	cli_cf;
static struct db	cli_conn;
static int		cli_loaded;
static int		cli_opened;

int
cli_setup(unsigned flags)
{
	char	err[2048];

	if (!(flags & (NEED_CONF | NEED_DB)))
		return 0;
	if (conf_load(&cli_cf, err, sizeof(err)) != 0) {
		fprintf(stderr, "dataland: invalid configuration\n%s", err);
		conf_release(&cli_cf);
		return 1;
	}
	cli_loaded = 1;
	/* Commands that touch the database obey the boot guard too. */
	if ((flags & NEED_DB) && cli_cf.production &&
	    conf_boot_guard(cli_cf.database_url, "DATABASE_URL", err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "dataland: refusing to run: %s\n", err);
		return 1;
	}
	return 0;
}

void
cli_teardown(void)
{
	if (cli_opened)
		db_close(&cli_conn);
	cli_opened = 0;
	if (cli_loaded)
		conf_release(&cli_cf);
	cli_loaded = 0;
}

const struct conf *
cli_conf(void)
{
	return cli_loaded ? &cli_cf : NULL;
}

void
cli_safe_url(const char *url, char *buf, size_t sz)
{
	const char	*auth, *end, *at;

	if ((auth = strstr(url, "://")) == NULL) {
		snprintf(buf, sz, "%s", "(not a URL)");
		return;
	}
	auth += 3;
	end = auth + strcspn(auth, "?");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at != NULL)
		auth = at + 1;
	snprintf(buf, sz, "%.*s", (int)(end - auth), auth);
}

struct db *
cli_db(void)
{
	char	safe[256];

	if (cli_opened)
		return &cli_conn;
	if (!cli_loaded)
		return NULL;
	if (db_open(&cli_conn, cli_cf.database_url) != E_OK) {
		db_close(&cli_conn);
		cli_safe_url(cli_cf.database_url, safe, sizeof(safe));
		fprintf(stderr, "dataland: cannot connect to '%s'\n", safe);
		return NULL;
	}
	cli_opened = 1;
	return &cli_conn;
}

void
cli_usage(FILE *f, const char *const *lines)
{
	for (; *lines != NULL; lines++)
		fprintf(f, "%s\n", *lines);
}
