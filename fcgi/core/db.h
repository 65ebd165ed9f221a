/*
 * The responder's one PostgreSQL connection (libpq). Lazy connect, a
 * liveness check before each unit of work, one reset after a lost
 * connection, named prepared statements per connection (or unnamed,
 * for poolers), rows stored into structs through column tables,
 * transactions rerun on serialization failures, read pipelines, and
 * SQLSTATE -> enum err. Never a table name here.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <time.h>
#include <libpq-fe.h>

#include "caps.h"
#include "err.h"

struct arena;

/* A statement from a repository's table. */
struct stmt {
	const char	*name;		/* prepared statement name, unique */
	int		 nparams;
	const char	*sql;
	unsigned	 flags;		/* S_READ: safe to retry once */
};

#define S_READ		1u	/* a read: retried once after a lost link */
#define S_DIRECT	2u	/* never prepared (transaction control) */

/*
 * What a failed lead does next: e is its failure, params its
 * parameters. May run statements (the lead is gone by then); returns
 * what stands for the lead's outcome, E_OK when it mended it.
 */
struct db;
typedef enum err	(*db_lead_fn)(struct db *, enum err e,
			    const char *const *params, void *arg);

struct db {
	PGconn			*conn;
	const char		*dsn;		/* normalised, borrowed */
	time_t			 last_used;
	int			 in_tx;
	int			 in_fn;		/* db_tx() is running its fn */
	int			 prepare;	/* named statements (def. 1) */
	int			 nprepared;
	const struct stmt	*prepared[DB_STMTS_MAX];
	unsigned long		 reconnects;	/* after the first connect */
	unsigned long		 errors;	/* E_DB and E_DBDOWN results */
	unsigned long		 round_trips;	/* waits for the server */
	long			 slow_ms;	/* log statements this slow; 0 off */
	/* db_lead(): a statement waiting for the next one */
	const struct stmt	*lead;
	const char		*lead_params[DB_LEAD_PARAMS_MAX];
	db_lead_fn		 lead_fix;
	void			*lead_arg;
};

/*
 * Column tables: how a result row becomes a struct, matched by column
 * name (the shape of conf.c's settings table). Legend: result column,
 * offsetof() the field, type; a NULL name ends the table. A result may
 * carry columns the table does not name; a column the table names but
 * the result lacks is a bug (E_DB, logged). SQL NULL becomes a NULL
 * pointer for text and is an error (E_DB) for the plain number types:
 * a column that may be NULL takes a _NULLABLE type and a struct below.
 */
enum db_coltype {
	COL_TEXT,		/* const char *, in the arena; NULL -> NULL */
	COL_INT,		/* int (integer, smallint) */
	COL_LONG,		/* long (bigint) */
	COL_DOUBLE,		/* double (float8, numeric) */
	COL_BOOL,		/* int, 0 or 1 */
	COL_INT_NULLABLE,	/* struct db_int */
	COL_LONG_NULLABLE,	/* struct db_long */
	COL_DOUBLE_NULLABLE,	/* struct db_double */
	COL_BOOL_NULLABLE,	/* struct db_bool */
	COL__MAX
};

struct db_col {
	const char	*name;
	size_t		 off;
	enum db_coltype	 type;
};

/* A number that may be NULL: v is 0 when null is 1. */
struct db_int		{ int v; int null; };
struct db_long		{ long v; int null; };
struct db_double	{ double v; int null; };
struct db_bool		{ int v; int null; };

/*
 * One statement of a db_pipeline(). One row: n is NULL and out is the
 * struct. Many rows: out is the address of the caller's array pointer,
 * size the size of one element, *n the count.
 */
struct db_step {
	const struct stmt	*st;
	const char *const	*params;
	const struct db_col	*cols;
	void			*out;
	size_t			 size;
	size_t			*n;
};

/* The body of a transaction; see db_tx(). */
typedef enum err	(*db_tx_fn)(struct db *, void *arg);

/* dsn is borrowed for the life of db. prepare = 0 for unnamed only. */
void		 db_init(struct db *, const char *dsn, int prepare);
void		 db_close(struct db *);
/*
 * Makes the connection usable: connects when there is none or it is
 * broken; outside a transaction, checks it first (a zero-timeout poll
 * of the socket; an empty query when the server spoke unasked or after
 * DB_IDLE_PING_SEC idle) and reconnects once when it is gone. Every
 * statement outside a transaction starts with this, but a read on a
 * link that answered within DB_BUSY_SEC (it is sent again if the link
 * turns out lost). E_OK or E_DBDOWN.
 */
enum err	 db_ready(struct db *);
/*
 * Runs st with text params (NULL = SQL NULL). On E_OK *res is the
 * result (caller PQclear()s it before returning); on failure *res is
 * untouched. Outside a transaction, a loss db_ready() finds is mended
 * before st is sent; reads (S_READ) are also retried once after a loss
 * seen while they ran; writes never are.
 */
enum err	 db_query(struct db *, const struct stmt *,
		    const char *const *params, PGresult **res);
/* As db_query for statements whose result is not needed. */
enum err	 db_exec(struct db *, const struct stmt *,
		    const char *const *params);
/* The same with an affected-row count (UPDATE/DELETE). */
enum err	 db_exec_count(struct db *, const struct stmt *,
		    const char *const *params, long *count);
/*
 * The one row of st stored into *out through cols. Text points into the
 * result, which a then owns until its reset (a may be NULL when cols
 * has no COL_TEXT). E_NOTFOUND when there is no row, E_DB when there
 * are several; out is untouched on any failure.
 */
enum err	 db_one(struct db *, struct arena *a, const struct stmt *st,
		    const char *const *params, const struct db_col *cols,
		    void *out);
/*
 * Every row of st as an array of size-byte structs in a: arrayp is the
 * address of the caller's pointer (NULL for no rows), *n the count.
 * Both untouched on failure.
 */
enum err	 db_rows(struct db *, struct arena *a, const struct stmt *st,
		    const char *const *params, const struct db_col *cols,
		    size_t size, void *arrayp, size_t *n);
/*
 * Up to DB_PIPELINE_MAX reads (S_READ steps) in one round trip, each
 * stored as db_one() or db_rows() would; statements not yet prepared
 * on this connection are prepared in the same trip. E_OK with every
 * output written, or the first step's failure (E_NOTFOUND for a
 * one-row step without its row) with none written. Outside a
 * transaction it is sent again once after a lost connection.
 */
enum err	 db_pipeline(struct db *, struct arena *a,
		    const struct db_step *steps, size_t n);
/*
 * Holds st to go out ahead of the next statement, so that a request's
 * first step (the agent's visitor upsert) costs no round trip of its
 * own. Before a read outside a transaction (db_query() of an S_READ
 * statement, db_pipeline()) it goes in the same trip and the same
 * implicit transaction, one sync for both (one send, one answer); before
 * anything else (a write, BEGIN) and at db_lead_flush() it goes on its
 * own first. A failure goes to fix (may be NULL), whose answer stands
 * for the lead's; when fix mends it the read, which the server skipped,
 * is sent again after what fix wrote, and otherwise the read fails with
 * fix's answer. A read that fails rolls the lead back with it. st must
 * be safe to send twice: after a link lost before the sync came back
 * (its outcome unknown) it goes again with the read. params (the
 * pointers, copied; what they point to must live until it goes) at most
 * DB_LEAD_PARAMS_MAX.
 * Outside a transaction only, one at a time.
 */
void		 db_lead(struct db *, const struct stmt *st,
		    const char *const *params, db_lead_fn fix, void *arg);
/* Sends a held lead now, on its own (E_OK when none is held). */
enum err	 db_lead_flush(struct db *);
/*
 * BEGIN, fn(db, arg), COMMIT, after a held lead (whose failure it
 * returns, running nothing). On any error from fn or COMMIT it rolls
 * back and returns it. Reruns the whole transaction, fn included, up to
 * DB_TX_RETRIES times after a serialization failure or deadlock (a
 * short random pause first), and once when the connection was lost
 * before COMMIT was sent; a loss during COMMIT is E_DBDOWN (outcome
 * unknown, never rerun). So fn must be safe to run again: it returns
 * the first error it gets from db, writes its results anew on each run
 * and does nothing outside the database that a rerun would double. fn
 * must not call db_tx(), db_begin(), db_commit() or db_rollback().
 */
enum err	 db_tx(struct db *, db_tx_fn fn, void *arg);
enum err	 db_begin(struct db *);
enum err	 db_commit(struct db *);
void		 db_rollback(struct db *);	/* safe to call anytime */
/* Runs a multi-statement script (the migration runner only). */
enum err	 db_script(struct db *, const char *sql);
/* Maps a finished result's status/SQLSTATE to enum err. */
enum err	 db_result_err(const PGresult *);
/* The first line of libpq message msg, its "ERROR:  " prefix dropped,
 * into buf; returns buf. db_last_error() does it for the connection's
 * last error ("" when none). */
const char	*db_first_line(char *buf, size_t sz, const char *msg);
const char	*db_last_error(const struct db *, char *buf, size_t sz);
/* Opens a short-lived connection (CLI, boot checks). */
enum err	 db_open(struct db *, const char *dsn);

#endif
