/*
 * The responder's one PostgreSQL connection. No table names here, no
 * HTTP: statements come from the repositories' tables, results go back
 * to them, failures become enum err.
 *
 *   CLOSED --db_ready()/connect()--> OPEN --db_begin()--> IN_TX
 *     ^                               |  <--db_commit()/db_rollback()--'
 *     |                               | query fails, link lost
 *     '------ db_close() ------------ BROKEN --reset() (db_ready, or the
 *                                               read retry in db_query)
 *
 * Invariants:
 * 1. db->conn is NULL only in CLOSED; PQstatus() tells OPEN from BROKEN.
 * 2. db->prepared lists exactly the statements prepared on db->conn:
 *    it is emptied whenever the connection is (re)made (reset()).
 * 3. db->in_tx is 1 only between a successful db_begin() and the
 *    matching db_commit()/db_rollback(); a lost link clears it.
 * 4. Only S_READ statements outside a transaction are ever sent twice.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

static const struct stmt q_begin = { "begin", 0, "BEGIN", S_DIRECT };
static const struct stmt q_commit = { "commit", 0, "COMMIT", S_DIRECT };
static const struct stmt q_rollback = { "rollback", 0, "ROLLBACK",
    S_DIRECT };

/* The first line of a libpq message, for one-line logs. */
static const char *
first_line(char *buf, size_t sz, const char *msg)
{
	size_t	n = strcspn(msg, "\n");

	if (n >= sz)
		n = sz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/* Notices (IF NOT EXISTS ... skipping) are expected, not news. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
db_ok(const struct db *db)
{
	return db->nprepared >= 0 && db->nprepared <= DB_STMTS_MAX &&
	    (db->conn != NULL || (db->nprepared == 0 && !db->in_tx));
}

void
db_init(struct db *db, const char *dsn, int prepare)
{
	memset(db, 0, sizeof(*db));
	db->dsn = dsn;
	db->prepare = prepare;
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
	db->in_tx = 0;
}

/* CLOSED or BROKEN -> OPEN (or still BROKEN). */
static enum err
connect_db(struct db *db)
{
	static const char *const kw[] = { "connect_timeout",
	    "application_name", "dbname", NULL };
	const char	*val[4];
	char		 line[256];

	val[0] = "5";
	val[1] = "dataland";
	val[2] = db->dsn;
	val[3] = NULL;
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->reconnects++;
	}
	db->nprepared = 0;
	db->in_tx = 0;
	db->conn = PQconnectdbParams(kw, val, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		db->errors++;
		log_warn(NULL, "database connection failed: %s",
		    db->conn ? first_line(line, sizeof(line),
		    PQerrorMessage(db->conn)) :
		    "out of memory");
		return E_DBDOWN;
	}
	PQsetNoticeProcessor(db->conn, quiet, NULL);
	db->last_used = time(NULL);
	return E_OK;
}

/*
 * Makes the connection usable: connects when CLOSED or BROKEN, and
 * after DB_IDLE_PING_SEC of idleness proves it with an empty query.
 */
enum err
db_ready(struct db *db)
{
	PGresult	*res;
	int		 alive;

	assert(db_ok(db));
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return connect_db(db);
	if (time(NULL) - db->last_used < DB_IDLE_PING_SEC)
		return E_OK;
	res = PQexec(db->conn, "");
	alive = res != NULL && PQresultStatus(res) == PGRES_EMPTY_QUERY;
	PQclear(res);
	if (alive) {
		db->last_used = time(NULL);
		return E_OK;
	}
	return connect_db(db);
}

enum err
db_open(struct db *db, const char *dsn)
{
	db_init(db, dsn, 0);
	return connect_db(db);
}

/*
 * SQLSTATE -> enum err; the only such mapping in the tree.
 */
enum err
db_result_err(const PGresult *res)
{
	const char	*st;

	if (res == NULL)
		return E_DBDOWN;
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return E_OK;
	default:
		break;
	}
	if ((st = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return E_DBDOWN;
	if (strcmp(st, "23505") == 0)
		return E_CONFLICT;
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0)
		return E_RETRY;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 ||
	    strcmp(st, "57P02") == 0 || strcmp(st, "57P03") == 0)
		return E_DBDOWN;
	if (strncmp(st, "22", 2) == 0)
		return E_INVALID;
	return E_DB;
}

static int
is_prepared(const struct db *db, const struct stmt *st)
{
	int	i;

	for (i = 0; i < db->nprepared; i++)
		if (db->prepared[i] == st)
			return 1;
	return 0;
}

static PGresult *
send_stmt(struct db *db, const struct stmt *st, const char *const *params)
{
	PGresult	*res;

	if (!db->prepare || (st->flags & S_DIRECT) ||
	    (!is_prepared(db, st) && db->nprepared == DB_STMTS_MAX))
		return PQexecParams(db->conn, st->sql, st->nparams, NULL,
		    params, NULL, NULL, 0);
	if (!is_prepared(db, st)) {
		res = PQprepare(db->conn, st->name, st->sql, st->nparams,
		    NULL);
		if (db_result_err(res) != E_OK)
			return res;
		PQclear(res);
		db->prepared[db->nprepared++] = st;
	}
	return PQexecPrepared(db->conn, st->name, st->nparams, params, NULL,
	    NULL, 0);
}

/* Logs once, here, where the failure is seen. */
static void
log_failure(struct db *db, const struct stmt *st, const PGresult *res,
    enum err e)
{
	const char	*state = res ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (e == E_CONFLICT || e == E_RETRY)
		return;			/* the caller's business */
	db->errors++;
	log_error(NULL, "statement '%s' failed: %s (sqlstate %s)", st->name,
	    err_str(e), state ? state : "none");
}

enum err
db_query(struct db *db, const struct stmt *st, const char *const *params,
    PGresult **out)
{
	PGresult	*res;
	enum err	 e;
	int		 was_tx = db->in_tx, tries;

	assert(db_ok(db));
	for (tries = 0; tries < 2; tries++) {
		if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
			/* Never finish a transaction on another link. */
			if (was_tx) {
				db->in_tx = 0;
				return E_DBDOWN;
			}
			if ((e = connect_db(db)) != E_OK)
				return e;
		}
		res = send_stmt(db, st, params);
		if ((e = db_result_err(res)) == E_OK) {
			db->last_used = time(NULL);
			*out = res;
			return E_OK;
		}
		log_failure(db, st, res, e);
		PQclear(res);
		if (PQstatus(db->conn) != CONNECTION_OK)
			db->in_tx = 0;		/* the server dropped it */
		if (e != E_DBDOWN || was_tx || !(st->flags & S_READ) ||
		    PQstatus(db->conn) == CONNECTION_OK)
			return e;
		if (tries == 0)
			log_info(NULL, "retrying read '%s' after a lost "
			    "connection", st->name);
	}
	return E_DBDOWN;
}

enum err
db_exec(struct db *db, const struct stmt *st, const char *const *params)
{
	return db_exec_count(db, st, params, NULL);
}

enum err
db_exec_count(struct db *db, const struct stmt *st,
    const char *const *params, long *count)
{
	PGresult	*res;
	enum err	 e;

	if ((e = db_query(db, st, params, &res)) != E_OK)
		return e;
	if (count != NULL)
		*count = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return E_OK;
}

enum err
db_begin(struct db *db)
{
	enum err	e;

	assert(!db->in_tx);
	if ((e = db_ready(db)) != E_OK)
		return e;
	if ((e = db_exec(db, &q_begin, NULL)) == E_OK)
		db->in_tx = 1;
	return e;
}

enum err
db_commit(struct db *db)
{
	enum err	e;

	assert(db->in_tx);
	e = db_exec(db, &q_commit, NULL);
	db->in_tx = 0;
	return e;
}

void
db_rollback(struct db *db)
{
	if (!db->in_tx)
		return;
	db->in_tx = 0;
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		(void)db_exec(db, &q_rollback, NULL);
}

/*
 * Runs a script of several statements with the simple query protocol.
 * Only the migration runner and startup DDL call this.
 */
enum err
db_script(struct db *db, const char *sql)
{
	PGresult	*res;
	enum err	 e;
	char		 line[512];

	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		if ((e = connect_db(db)) != E_OK)
			return e;
	res = PQexec(db->conn, sql);
	if ((e = db_result_err(res)) != E_OK) {
		db->errors++;
		log_error(NULL, "script failed: %s", res ?
		    first_line(line, sizeof(line), PQresultErrorMessage(res)) :
		    "no result");
	}
	PQclear(res);
	db->last_used = time(NULL);
	return e;
}
