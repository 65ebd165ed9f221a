/*
 * The responder's one PostgreSQL connection. No table names here, no
 * HTTP: statements come from the repositories' tables, rows go back to
 * them through column tables, failures become enum err.
 *
 *   CLOSED --db_ready()/connect_db()--> OPEN --db_begin()--> IN_TX
 *     ^                                  |  <--db_commit()/db_rollback()-'
 *     |                                  | the server ends the session,
 *     |                                  | or a statement finds it gone
 *     '------- db_close() ------------ BROKEN --connect_db(): db_ready()
 *                                                 before the next statement
 *
 *   db_tx():  db_begin() -> fn() -> db_commit() -> E_OK
 *     E_RETRY from fn or COMMIT (40001, 40P01): rollback, tx_pause(),
 *       again, at most DB_TX_RETRIES times
 *     link lost in fn (COMMIT not sent): again, once
 *     link lost during COMMIT: E_DBDOWN, the outcome is unknown
 *
 * Outside a transaction every statement starts with db_ready(): when
 * the server ends a session (restart, admin shutdown, idle timeout) it
 * sends FATAL and closes, so the idle socket is already readable. A
 * zero-timeout poll() sees that without a round trip; then the input
 * is read and an empty query proves the link, as it does after
 * DB_IDLE_PING_SEC idle (a half-open link stays silent). A read, which
 * is sent again after a loss anyway, skips the poll on a link that
 * answered within DB_BUSY_SEC (ready_read()).
 *
 * Invariants:
 * 1. db->conn is NULL only in CLOSED; PQstatus() tells OPEN from BROKEN.
 * 2. db->prepared lists exactly the statements prepared on db->conn:
 *    it is emptied whenever the connection is (re)made (connect_db()).
 * 3. db->in_tx is 1 only between a successful db_begin() and the
 *    matching db_commit()/db_rollback(); a lost link clears it.
 * 4. db->in_fn is 1 only while db_tx() runs its fn; db_tx(), db_begin(),
 *    db_commit() and db_rollback() assert that it is 0.
 * 5. A statement is sent twice only when it is S_READ, outside a
 *    transaction, and its link was lost while it ran, or when it is a
 *    lead (db_lead(), safe to send twice by contract) lost with such a
 *    read. A write is sent once: a loss db_ready() finds is mended
 *    before it goes out.
 * 6. A transaction runs again only from db_tx(), from BEGIN, and never
 *    after its COMMIT was sent but for a reported 40001/40P01.
 * 7. Pipeline mode is entered and left within one pipe_run() call;
 *    a link left in it (the server broke the pipeline off) is BROKEN.
 * 8. db_one(), db_rows() and db_pipeline() never hand out a PGresult;
 *    they check every cell before they store any, so their outputs
 *    are untouched on failure. The text cells they store point into
 *    the result, which the caller's arena then owns and clears at its
 *    reset: a row lives exactly as long as an arena copy would.
 * 9. A lead is held only outside a transaction, and goes out (or is
 *    dropped with a link that cannot be made) with the next statement:
 *    never inside a transaction, never after a later statement.
 */
#include <sys/random.h>

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"
#include "log.h"
#include "mono.h"

/* How one step of a pipeline goes out. */
enum pipe_how { P_UNNAMED, P_NAMED, P_PREPARE };

/*
 * Column types. Legend: name for logs, value kind ('s' text, 'i' int,
 * 'l' long, 'd' double, 'b' bool), offset of the null flag in the
 * nullable structs (their value is always the first member), or 0.
 */
static const struct {
	const char	*name;
	char		 kind;
	size_t		 nulloff;
} coltypes[COL__MAX] = {
	[COL_TEXT] =		{ "text", 's', 0 },
	[COL_INT] =		{ "int", 'i', 0 },
	[COL_LONG] =		{ "bigint", 'l', 0 },
	[COL_DOUBLE] =		{ "double", 'd', 0 },
	[COL_BOOL] =		{ "bool", 'b', 0 },
	[COL_INT_NULLABLE] =	{ "int", 'i', offsetof(struct db_int, null) },
	[COL_LONG_NULLABLE] =	{ "bigint", 'l',
				    offsetof(struct db_long, null) },
	[COL_DOUBLE_NULLABLE] =	{ "double", 'd',
				    offsetof(struct db_double, null) },
	[COL_BOOL_NULLABLE] =	{ "bool", 'b', offsetof(struct db_bool, null) },
};

/* BEGIN changes nothing, so a lost link may send it again. */
static const struct stmt q_begin = { "begin", 0, "BEGIN",
    S_DIRECT | S_READ };
static const struct stmt q_commit = { "commit", 0, "COMMIT", S_DIRECT };
static const struct stmt q_rollback = { "rollback", 0, "ROLLBACK",
    S_DIRECT };

/*
 * The first line of a libpq message into buf, without libpq's "ERROR:  "
 * prefix: one-line logs and messages. Returns buf.
 */
const char *
db_first_line(char *buf, size_t sz, const char *msg)
{
	size_t	n;

	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	if ((n = strcspn(msg, "\n")) >= sz)
		n = sz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

const char *
db_last_error(const struct db *db, char *buf, size_t sz)
{
	return db_first_line(buf, sz, db->conn != NULL ?
	    PQerrorMessage(db->conn) : "");
}

/*
 * 1 when the link is gone, was never made, or is stuck in pipeline
 * mode (a pipeline the server broke off: see invariant 7).
 */
static int
lost(const struct db *db)
{
	return db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF;
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
		    db->conn ? db_first_line(line, sizeof(line),
		    PQerrorMessage(db->conn)) :
		    "out of memory");
		return E_DBDOWN;
	}
	PQsetNoticeProcessor(db->conn, quiet, NULL);
	db->last_used = time(NULL);
	return E_OK;
}

/*
 * 1 when the idle socket has something to read. We never LISTEN, so
 * the server only speaks unasked to end the session (FATAL, then EOF).
 */
static int
spoke(const struct db *db)
{
	struct pollfd	pfd;

	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd < 0 || poll(&pfd, 1, 0) != 0;
}

/* An empty query: 1 when the server answered it. */
static int
ping(struct db *db)
{
	PGresult	*res;
	int		 alive;

	db->round_trips++;
	res = PQexec(db->conn, "");
	alive = res != NULL && PQresultStatus(res) == PGRES_EMPTY_QUERY;
	PQclear(res);
	if (alive)
		db->last_used = time(NULL);
	return alive;
}

/*
 * In a transaction: E_OK while its link lives, else E_DBDOWN (never
 * finish a transaction on another link). Outside: connects when needed,
 * and proves an idle link that spoke or sat DB_IDLE_PING_SEC, once.
 */
enum err
db_ready(struct db *db)
{
	int	said;

	assert(db_ok(db));
	if (db->in_tx) {
		if (!lost(db))
			return E_OK;
		db->in_tx = 0;
		return E_DBDOWN;
	}
	if (lost(db))
		return connect_db(db);
	said = spoke(db);
	if (!said && time(NULL) - db->last_used < DB_IDLE_PING_SEC)
		return E_OK;
	/* PQconsumeInput() reads the FATAL and sees EOF when it came. */
	if ((!said || PQconsumeInput(db->conn) == 1) && ping(db))
		return E_OK;
	log_info(NULL, "database connection %s; reconnecting", said ?
	    "closed by the server" : "silent after idle");
	return connect_db(db);
}

/*
 * db_ready() before a read outside a transaction, which is sent again
 * after a lost link anyway: a link that answered within DB_BUSY_SEC is
 * not polled first, a system call saved on every request of a busy
 * responder. If the server closed it meanwhile, the read fails as
 * E_DBDOWN and its retry reconnects.
 */
static enum err
ready_read(struct db *db)
{
	if (!db->in_tx && !lost(db) &&
	    time(NULL) - db->last_used < DB_BUSY_SEC)
		return E_OK;
	return db_ready(db);
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

	db->round_trips++;
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
		db->round_trips++;
	}
	return PQexecPrepared(db->conn, st->name, st->nparams, params, NULL,
	    NULL, 0);
}

/*
 * Logs once, here, where the failure is seen: the statement's name,
 * SQLSTATE and the first line of the message; never a parameter, so
 * not the message of a data exception (class 22), which quotes them.
 */
static void
log_failure(struct db *db, const struct stmt *st, const PGresult *res,
    enum err e)
{
	const char	*state = res ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char	*msg;
	char		 line[256];

	if (e == E_CONFLICT || e == E_RETRY)
		return;			/* the caller's business */
	db->errors++;
	if (state != NULL)
		msg = strncmp(state, "22", 2) == 0 ? NULL :
		    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	else
		msg = db->conn != NULL ? PQerrorMessage(db->conn) : NULL;
	log_error(NULL, "statement '%s' failed: %s (sqlstate %s)%s%s",
	    st->name, err_str(e), state ? state : "none", msg ? ": " : "",
	    msg ? db_first_line(line, sizeof(line), msg) : "");
}

/* A statement slower than db->slow_ms: one warning with the request id
 * (the log adds it), the statement's name and how long it took. */
static void
log_slow(const struct db *db, const char *what, const char *name,
    double t0)
{
	long	ms = (long)((mono_now() - t0) * 1000.0);

	if (db->slow_ms > 0 && ms >= db->slow_ms)
		log_warn(NULL, "slow %s '%s': %ld ms", what, name, ms);
}

static enum err	lead_query(struct db *, const struct stmt *,
		    const char *const *, PGresult **);

enum err
db_query(struct db *db, const struct stmt *st, const char *const *params,
    PGresult **out)
{
	PGresult	*res;
	enum err	 e;
	double		 t0;
	int		 was_tx = db->in_tx, tries;

	assert(db_ok(db));
	if (db->lead != NULL) {
		if ((st->flags & (S_READ | S_DIRECT)) == S_READ && !db->in_tx)
			return lead_query(db, st, params, out);
		if ((e = db_lead_flush(db)) != E_OK)
			return e;
	}
	for (tries = 0; tries < 2; tries++) {
		if ((e = (st->flags & S_READ) ? ready_read(db) :
		    db_ready(db)) != E_OK)
			return e;
		t0 = mono_now();
		res = send_stmt(db, st, params);
		log_slow(db, "statement", st->name, t0);
		if ((e = db_result_err(res)) == E_OK) {
			db->last_used = time(NULL);
			*out = res;
			return E_OK;
		}
		log_failure(db, st, res, e);
		PQclear(res);
		if (!lost(db))
			return e;
		db->in_tx = 0;			/* the server dropped it */
		if (e != E_DBDOWN || was_tx || !(st->flags & S_READ))
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

/* The result column of each entry of cols into map; E_DB if one lacks. */
static enum err
col_map(struct db *db, const struct stmt *st, const PGresult *res,
    const struct db_col *cols, int *map)
{
	int	i;

	for (i = 0; cols[i].name != NULL; i++) {
		assert(i < DB_COLS_MAX && cols[i].type < COL__MAX);
		if ((map[i] = PQfnumber(res, cols[i].name)) >= 0)
			continue;
		db->errors++;
		log_error(NULL, "statement '%s' has no column '%s'", st->name,
		    cols[i].name);
		return E_DB;
	}
	return E_OK;
}

/* Parses a number cell of kind k into *l or *d; -1 when it is none. */
static int
cell_num(const char *s, char k, long *l, double *d)
{
	char	*end;

	if (k == 'b') {
		*l = s[0] == 't';
		return (s[0] == 't' || s[0] == 'f') && s[1] == '\0' ? 0 : -1;
	}
	errno = 0;
	if (k == 'd')
		*d = strtod(s, &end);
	else
		*l = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	return k != 'i' || (*l >= INT_MIN && *l <= INT_MAX) ? 0 : -1;
}

/*
 * Converts cell (r, c) to type t at dst; text is stored (as a pointer
 * into res, see 8) only when store is set. -1 when the value does not
 * fit: SQL NULL for a plain number, or not a number at all.
 */
static int
cell(const PGresult *res, int r, int c, enum db_coltype t, char *dst,
    int store)
{
	const char	*s = PQgetvalue(res, r, c);
	int		 null = PQgetisnull(res, r, c);
	char		 k = coltypes[t].kind;
	long		 l = 0;
	double		 d = 0;

	if (k == 's') {
		if (store)
			*(const char **)(void *)dst = null ? NULL : s;
		return 0;
	}
	if (null ? coltypes[t].nulloff == 0 : cell_num(s, k, &l, &d) != 0)
		return -1;
	if (k == 'd')
		*(double *)(void *)dst = d;
	else if (k == 'l')
		*(long *)(void *)dst = l;
	else
		*(int *)(void *)dst = (int)l;
	if (coltypes[t].nulloff != 0)
		*(int *)(void *)(dst + coltypes[t].nulloff) = null;
	return 0;
}

/* Checks (base NULL) or stores row r into the struct at base. */
static enum err
row(struct db *db, const struct stmt *st, const PGresult *res, int r,
    const struct db_col *cols, const int *map, char *base)
{
	struct db_double	 scratch;	/* the largest cell */
	int			 i;

	for (i = 0; cols[i].name != NULL; i++) {
		if (cell(res, r, map[i], cols[i].type, base != NULL ?
		    base + cols[i].off : (char *)&scratch, base != NULL) == 0)
			continue;
		db->errors++;
		log_error(NULL, "statement '%s': column '%s' of row %d is %s "
		    "%s", st->name, cols[i].name, r,
		    PQgetisnull(res, r, map[i]) ? "NULL, not" : "not a valid",
		    coltypes[cols[i].type].name);
		return E_DB;
	}
	return E_OK;
}

/* Checks every cell res holds for a step: E_OK when take() may run. */
static enum err
take_check(struct db *db, const struct db_step *sp, const PGresult *res,
    int *map)
{
	int		 r, rows = PQntuples(res);
	enum err	 e;

	if ((e = col_map(db, sp->st, res, sp->cols, map)) != E_OK)
		return e;
	if (sp->n == NULL && rows == 0)
		return E_NOTFOUND;
	if (sp->n == NULL && rows > 1) {
		db->errors++;
		log_error(NULL, "statement '%s' returned %d rows, not one",
		    sp->st->name, rows);
		return E_DB;
	}
	for (r = 0; r < rows; r++)
		if ((e = row(db, sp->st, res, r, sp->cols, map, NULL)) !=
		    E_OK)
			return e;
	return E_OK;
}

static void
result_clear(void *res)
{
	PQclear(res);
}

/*
 * Stores a checked result into a step's outputs and gives res to the
 * arena, whose reset clears it: the stored text points into it, so a
 * large read is not held twice (rows and their copies). Without an
 * arena (a db_one() of numbers only) res is cleared here.
 */
static void
take(struct db *db, struct arena *a, const struct db_step *sp,
    PGresult *res, const int *map)
{
	char	*arr = NULL;
	int	 r, rows = PQntuples(res);

	for (r = 0; a == NULL && sp->cols[r].name != NULL; r++)
		assert(coltypes[sp->cols[r].type].kind != 's');
	if (sp->n == NULL) {
		(void)row(db, sp->st, res, 0, sp->cols, map, sp->out);
	} else {
		if (rows > 0)
			arr = arena_zalloc(a, (size_t)rows * sp->size);
		for (r = 0; r < rows; r++)
			(void)row(db, sp->st, res, r, sp->cols, map,
			    arr + (size_t)r * sp->size);
		/* The caller's T * has the representation of a char *. */
		memcpy(sp->out, &arr, sizeof(arr));
		*sp->n = (size_t)rows;
	}
	if (a == NULL)
		PQclear(res);
	else
		arena_adopt(a, result_clear, res, PQresultMemorySize(res));
}

/* db_one() and db_rows(): one statement, one step. */
static enum err
run_step(struct db *db, struct arena *a, const struct db_step *sp)
{
	PGresult	*res;
	int		 map[DB_COLS_MAX];
	enum err	 e;

	if ((e = db_query(db, sp->st, sp->params, &res)) != E_OK)
		return e;
	if ((e = take_check(db, sp, res, map)) == E_OK)
		take(db, a, sp, res, map);
	else
		PQclear(res);
	return e;
}

enum err
db_one(struct db *db, struct arena *a, const struct stmt *st,
    const char *const *params, const struct db_col *cols, void *out)
{
	struct db_step	sp = { st, params, cols, out, 0, NULL };

	return run_step(db, a, &sp);
}

enum err
db_rows(struct db *db, struct arena *a, const struct stmt *st,
    const char *const *params, const struct db_col *cols, size_t size,
    void *arrayp, size_t *n)
{
	struct db_step	sp = { st, params, cols, arrayp, size, n };

	assert(a != NULL && size > 0 && n != NULL);
	return run_step(db, a, &sp);
}

/* How each step goes out: named when it can be, prepared once here. */
static void
pipe_plan(const struct db *db, const struct db_step *steps, size_t n,
    enum pipe_how *how)
{
	const struct stmt	*st;
	size_t			 i, j;
	int			 room = DB_STMTS_MAX - db->nprepared;

	for (i = 0; i < n; i++) {
		st = steps[i].st;
		how[i] = P_UNNAMED;
		if (!db->prepare || (st->flags & S_DIRECT))
			continue;
		for (j = 0; j < i; j++)
			if (how[j] == P_PREPARE && steps[j].st == st)
				how[i] = P_NAMED;
		if (how[i] == P_NAMED || is_prepared(db, st))
			how[i] = P_NAMED;
		else if (room > 0) {
			how[i] = P_PREPARE;
			room--;
		}
	}
}

/* Queues every step and one sync after them; -1 when libpq refused one. */
static int
pipe_send(struct db *db, const struct db_step *steps, size_t n,
    const enum pipe_how *how)
{
	const struct stmt	*st;
	size_t			 i;
	int			 ok;

	ok = PQenterPipelineMode(db->conn);
	for (i = 0; ok && i < n; i++) {
		st = steps[i].st;
		if (how[i] == P_PREPARE)
			ok = PQsendPrepare(db->conn, st->name, st->sql,
			    st->nparams, NULL);
		if (ok && how[i] == P_UNNAMED)
			ok = PQsendQueryParams(db->conn, st->sql, st->nparams,
			    NULL, steps[i].params, NULL, NULL, 0);
		else if (ok)
			ok = PQsendQueryPrepared(db->conn, st->name,
			    st->nparams, steps[i].params, NULL, NULL, 0);
	}
	if (ok)
		ok = PQpipelineSync(db->conn);
	db->round_trips++;
	return ok ? 0 : -1;
}

/* One queued command's result and the NULL that ends it; NULL if lost. */
static PGresult *
pipe_result(struct db *db)
{
	PGresult	*res, *end;

	if ((res = PQgetResult(db->conn)) == NULL)
		return NULL;
	while (PQstatus(db->conn) == CONNECTION_OK &&
	    (end = PQgetResult(db->conn)) != NULL)
		PQclear(end);
	return res;
}

/* A step's result; a failed PREPARE stands for it (its run aborted). */
static PGresult *
pipe_step(struct db *db, const struct stmt *st, enum pipe_how how)
{
	PGresult	*res;

	if (how == P_PREPARE) {
		if ((res = pipe_result(db)) == NULL)
			return NULL;
		if (db_result_err(res) != E_OK) {
			PQclear(pipe_result(db));
			return res;
		}
		PQclear(res);
		db->prepared[db->nprepared++] = st;
	}
	return pipe_result(db);
}

/*
 * Reads the sync and leaves pipeline mode. A link the server is ending
 * (E_DBDOWN: its FATAL may come before its EOF) stays in pipeline mode,
 * which makes it lost() and so replaced before its next use.
 */
static void
pipe_end(struct db *db, enum err e)
{
	PGresult	*res;
	int		 synced;

	if (e == E_DBDOWN || PQstatus(db->conn) != CONNECTION_OK)
		return;
	res = PQgetResult(db->conn);
	synced = res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
	PQclear(res);
	if (synced && PQexitPipelineMode(db->conn) == 1)
		return;
	db->errors++;
	log_error(NULL, "cannot leave pipeline mode; the connection will be "
	    "replaced");
}

/*
 * Sends the steps in one trip and reads every result into res[]. The
 * first failure is logged and returned; later steps only say aborted.
 * A lead (NULL for none) goes first, in the same implicit transaction:
 * its outcome is *le, apart from the steps'. When it fails the server
 * skips the steps (they come back aborted, unlogged, to be sent again
 * after the lead's fix); when a step fails the lead's write is rolled
 * back with it.
 */
static enum err
pipe_once(struct db *db, const struct db_step *lead, enum err *le,
    const struct db_step *steps, size_t n, PGresult **res)
{
	struct db_step	 with[DB_PIPELINE_MAX + 1];
	const struct db_step *all = steps;
	enum pipe_how	 how[DB_PIPELINE_MAX + 1];
	PGresult	*lres;
	size_t		 i, k = lead != NULL;
	enum err	 e = E_OK;

	if (lead != NULL) {		/* the lead, then the steps */
		with[0] = *lead;
		memcpy(with + 1, steps, n * sizeof(*steps));
		all = with;
	}
	pipe_plan(db, all, n + k, how);
	if (pipe_send(db, all, n + k, how) != 0) {
		/* Half a pipeline may be queued: the link is lost() now. */
		e = PQstatus(db->conn) == CONNECTION_OK ? E_DB : E_DBDOWN;
		log_failure(db, all[0].st, NULL, e);
		if (lead != NULL)
			*le = e;
		return e;
	}
	if (lead != NULL) {
		lres = pipe_step(db, lead->st, how[0]);
		if ((e = *le = db_result_err(lres)) != E_OK)
			log_failure(db, lead->st, lres, e);
		PQclear(lres);
	}
	for (i = 0; i < n && e == E_OK; i++) {
		res[i] = pipe_step(db, steps[i].st, how[i + k]);
		if ((e = db_result_err(res[i])) != E_OK)
			log_failure(db, steps[i].st, res[i], e);
	}
	/* After an error the server skips the rest: read what it says. */
	for (; i < n && e != E_DBDOWN &&
	    PQstatus(db->conn) == CONNECTION_OK; i++)
		res[i] = pipe_step(db, steps[i].st, how[i + k]);
	pipe_end(db, e);
	return e;
}

static void
pipe_clear(PGresult **res, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		PQclear(res[i]);
		res[i] = NULL;
	}
}

/* Takes the held lead off db, its parameters into params: it goes once. */
static const struct stmt *
lead_take(struct db *db, const char **params)
{
	const struct stmt	*st = db->lead;

	memcpy(params, db->lead_params, sizeof(db->lead_params));
	db->lead = NULL;
	return st;
}

/*
 * Reads (S_READ steps) in one trip with the lead db holds, if any: the
 * retries of db_pipeline() and db_query(), leaving every step's result
 * in res[] on E_OK (the caller clears them), none on failure. A lead
 * goes once but after a loss with its outcome unknown; when it failed,
 * its fix runs and, when that mends it, the steps go again on their own.
 */
static enum err
pipe_run(struct db *db, const struct db_step *steps, size_t n,
    PGresult **res)
{
	struct db_step	 lead, *lp = NULL;
	const char	*lparams[DB_LEAD_PARAMS_MAX];
	db_lead_fn	 fix = db->lead_fix;
	void		*arg = db->lead_arg;
	double		 t0;
	int		 was_tx = db->in_tx, losses = 0;
	enum err	 e, le;

	if (db->lead != NULL) {
		lead = (struct db_step){ lead_take(db, lparams), lparams,
		    NULL, NULL, 0, NULL };
		lp = &lead;
	}
	for (;;) {
		if ((e = ready_read(db)) != E_OK)
			return e;
		memset(res, 0, n * sizeof(*res));
		le = E_OK;
		t0 = mono_now();
		e = pipe_once(db, lp, &le, steps, n, res);
		log_slow(db, "pipeline from", lp != NULL ? lp->st->name :
		    steps[0].st->name, t0);
		/* It committed with the sync, or failed: it went, once. */
		if (lp != NULL && le != E_DBDOWN &&
		    (le != E_OK || e != E_DBDOWN))
			lp = NULL;
		if (le != E_OK && le != E_DBDOWN) {
			pipe_clear(res, n);
			if ((e = fix != NULL ? fix(db, le, lparams, arg) :
			    le) != E_OK)
				return e;
			continue;	/* mended: the reads see what fix did */
		}
		if (e == E_OK) {
			db->last_used = time(NULL);
			return E_OK;
		}
		pipe_clear(res, n);
		if (!lost(db) || e != E_DBDOWN)
			return e;
		db->in_tx = 0;
		if (was_tx || losses++ > 0)
			return e;
		log_info(NULL, "retrying a pipeline of %zu read%s after a "
		    "lost connection", n, n == 1 ? "" : "s");
	}
}

/* Checks every step's rows, then stores them all (the arena then owns
 * every result). */
static enum err
pipe_take(struct db *db, struct arena *a, const struct db_step *steps,
    size_t n, PGresult *const *res)
{
	int		 map[DB_PIPELINE_MAX][DB_COLS_MAX];
	size_t		 i;
	enum err	 e;

	for (i = 0; i < n; i++)
		if ((e = take_check(db, &steps[i], res[i], map[i])) != E_OK)
			return e;
	for (i = 0; i < n; i++)
		take(db, a, &steps[i], res[i], map[i]);
	return E_OK;
}

enum err
db_pipeline(struct db *db, struct arena *a, const struct db_step *steps,
    size_t n)
{
	PGresult	*res[DB_PIPELINE_MAX];
	size_t		 i;
	enum err	 e;

	assert(db_ok(db) && n > 0 && n <= DB_PIPELINE_MAX);
	for (i = 0; i < n; i++)
		assert(steps[i].st->flags & S_READ);
	assert(db->lead == NULL || !db->in_tx);
	if ((e = pipe_run(db, steps, n, res)) != E_OK)
		return e;
	if ((e = pipe_take(db, a, steps, n, res)) != E_OK)
		pipe_clear(res, n);
	return e;
}

/* db_query() of a read with the lead in the same trip. */
static enum err
lead_query(struct db *db, const struct stmt *st, const char *const *params,
    PGresult **out)
{
	struct db_step	sp = { st, params, NULL, NULL, 0, NULL };

	return pipe_run(db, &sp, 1, out);
}

void
db_lead(struct db *db, const struct stmt *st, const char *const *params,
    db_lead_fn fix, void *arg)
{
	assert(db->lead == NULL && !db->in_tx && st->nparams >= 0 &&
	    st->nparams <= DB_LEAD_PARAMS_MAX);
	memset(db->lead_params, 0, sizeof(db->lead_params));
	if (st->nparams > 0)
		memcpy(db->lead_params, params,
		    (size_t)st->nparams * sizeof(*params));
	db->lead = st;
	db->lead_fix = fix;
	db->lead_arg = arg;
}

enum err
db_lead_flush(struct db *db)
{
	const struct stmt	*st;
	const char		*p[DB_LEAD_PARAMS_MAX];
	enum err		 e;

	if (db->lead == NULL)
		return E_OK;
	st = lead_take(db, p);
	if ((e = db_exec(db, st, p)) != E_OK && db->lead_fix != NULL)
		e = db->lead_fix(db, e, p, db->lead_arg);
	return e;
}

/* A short random pause before rerun k (0-based) of a transaction that
 * collided, so that the two that collided do not meet again. */
static void
tx_pause(int k)
{
	struct timespec	ts;
	unsigned	r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned)getpid() ^ (unsigned)clock();
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(r % ((unsigned)DB_TX_BACKOFF_MS * 1000u << k)) *
	    1000L;
	(void)nanosleep(&ts, NULL);
}

/* One run: *phase 0 when BEGIN failed, 1 in fn, 2 once COMMIT was sent. */
static enum err
tx_once(struct db *db, db_tx_fn fn, void *arg, int *phase)
{
	enum err	e;

	*phase = 0;
	if ((e = db_begin(db)) != E_OK)
		return e;
	*phase = 1;
	db->in_fn = 1;
	e = fn(db, arg);
	db->in_fn = 0;
	if (e == E_OK && !db->in_tx)
		e = E_DBDOWN;		/* fn hid a lost link: no COMMIT */
	if (e == E_OK &&
	    PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
		/* COMMIT would answer ROLLBACK and look like success. */
		db->errors++;
		log_error(NULL, "a transaction body hid a failed statement");
		e = E_DB;
	}
	if (e != E_OK) {
		db_rollback(db);
		return e;
	}
	*phase = 2;
	return db_commit(db);
}

enum err
db_tx(struct db *db, db_tx_fn fn, void *arg)
{
	enum err	e;
	int		phase, races = 0, losses = 0;

	assert(!db->in_tx && !db->in_fn);
	/* A held lead goes first, once: a failure of its own is not one
	 * of the transaction's to rerun. */
	if ((e = db_lead_flush(db)) != E_OK)
		return e;
	for (;;) {
		e = tx_once(db, fn, arg, &phase);
		if (e == E_RETRY && races < DB_TX_RETRIES) {
			tx_pause(races++);
			continue;
		}
		if (e == E_DBDOWN && phase == 1 && lost(db) && losses++ == 0) {
			log_info(NULL, "rerunning a transaction after a lost "
			    "connection");
			continue;
		}
		break;
	}
	if (e == E_RETRY)
		log_warn(NULL, "transaction gave up after %d serialization "
		    "failures or deadlocks", races + 1);
	return e;
}

enum err
db_begin(struct db *db)
{
	enum err	e;

	assert(!db->in_tx && !db->in_fn);
	if ((e = db_exec(db, &q_begin, NULL)) == E_OK)
		db->in_tx = 1;
	return e;
}

enum err
db_commit(struct db *db)
{
	enum err	e;

	assert(db->in_tx && !db->in_fn);
	e = db_exec(db, &q_commit, NULL);
	db->in_tx = 0;
	return e;
}

void
db_rollback(struct db *db)
{
	assert(!db->in_fn);
	if (!db->in_tx)
		return;
	/* Still in_tx while it goes out: never on another link. */
	if (!lost(db))
		(void)db_exec(db, &q_rollback, NULL);
	db->in_tx = 0;
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

	if (lost(db))
		if ((e = connect_db(db)) != E_OK)
			return e;
	db->round_trips++;
	res = PQexec(db->conn, sql);
	if ((e = db_result_err(res)) != E_OK) {
		db->errors++;
		log_error(NULL, "script failed: %s", res ?
		    db_first_line(line, sizeof(line), PQresultErrorMessage(res)) :
		    "no result");
	}
	PQclear(res);
	db->last_used = time(NULL);
	return e;
}
