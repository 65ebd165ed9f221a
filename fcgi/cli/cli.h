/*
 * What main() prepares for a command, as its cmds[] flags ask: the
 * configuration (NEED_CONF) and the DATABASE_URL connection (NEED_DB).
 * Commands read them here instead of loading their own.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

struct conf;
struct db;

#define NEED_CONF	0x1u	/* conf_load() first; a problem exits 1 */
#define NEED_DB		0x2u	/* NEED_CONF, and cli_db() may connect */

/* Loads what flags ask for; 0, or 1 after saying why on stderr. */
int			 cli_setup(unsigned flags);
/* Closes the connection and releases the configuration. */
void			 cli_teardown(void);
/* The configuration; only after cli_setup(NEED_CONF or NEED_DB). */
const struct conf	*cli_conf(void);
/*
 * The connection to DATABASE_URL, opened on the first call so that a
 * usage error never waits for the network; NULL (reason on stderr)
 * when the database cannot be reached. Owned by cli.c.
 */
struct db		*cli_db(void);
/* Prints a command's usage lines (NULL-terminated), one per line. */
void			 cli_usage(FILE *, const char *const *lines);
/* url without its user, password and query: safe to print. */
void			 cli_safe_url(const char *url, char *buf, size_t sz);

#endif
