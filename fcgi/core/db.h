/*
 * The responder's one PostgreSQL connection (libpq). Lazy connect,
 * pre-ping after idle, one reset after a lost connection, named
 * prepared statements per connection (or unnamed, for poolers), and
 * SQLSTATE -> enum err. Never a table name here.
 */
#ifndef DB_H
#define DB_H

#include <time.h>
#include <libpq-fe.h>

#include "caps.h"
#include "err.h"

/* A statement from a repository's table. */
struct stmt {
	const char	*name;		/* prepared statement name, unique */
	int		 nparams;
	const char	*sql;
	unsigned	 flags;		/* S_READ: safe to retry once */
};

#define S_READ		1u	/* a read: retried once after a lost link */
#define S_DIRECT	2u	/* never prepared (transaction control) */

struct db {
	PGconn			*conn;
	const char		*dsn;		/* normalised, borrowed */
	time_t			 last_used;
	int			 in_tx;
	int			 prepare;	/* named statements (def. 1) */
	int			 nprepared;
	const struct stmt	*prepared[DB_STMTS_MAX];
	unsigned long		 reconnects;	/* after the first connect */
	unsigned long		 errors;	/* E_DB and E_DBDOWN results */
};

/* dsn is borrowed for the life of db. prepare = 0 for unnamed only. */
void		 db_init(struct db *, const char *dsn, int prepare);
void		 db_close(struct db *);
/* Connects if needed; pings when idle > DB_IDLE_PING_SEC; resets once.
 * E_OK or E_DBDOWN. */
enum err	 db_ready(struct db *);
/*
 * Runs st with text params (NULL = SQL NULL). On E_OK *res is the
 * result (caller PQclear()s it before returning); on failure *res is
 * untouched. Reads (S_READ) outside a transaction are retried once
 * after a lost connection.
 */
enum err	 db_query(struct db *, const struct stmt *,
		    const char *const *params, PGresult **res);
/* As db_query for statements whose result is not needed. */
enum err	 db_exec(struct db *, const struct stmt *,
		    const char *const *params);
/* The same with an affected-row count (UPDATE/DELETE). */
enum err	 db_exec_count(struct db *, const struct stmt *,
		    const char *const *params, long *count);
enum err	 db_begin(struct db *);
enum err	 db_commit(struct db *);
void		 db_rollback(struct db *);	/* safe to call anytime */
/* Runs a multi-statement script (the migration runner only). */
enum err	 db_script(struct db *, const char *sql);
/* Maps a finished result's status/SQLSTATE to enum err. */
enum err	 db_result_err(const PGresult *);
/* Opens a short-lived connection (CLI, boot checks). */
enum err	 db_open(struct db *, const char *dsn);

#endif
