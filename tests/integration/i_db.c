/*
 * fcgi/core/db.c against a real PostgreSQL: lazy connect, prepared
 * statements and their re-preparation after a reconnect, the unnamed
 * switch, SQLSTATE mapping, transactions, the liveness check before a
 * unit of work, what a lost connection does to reads, writes and open
 * transactions, db_tx() reruns, column tables and pipelines.
 */
#include <sys/wait.h>

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"
#include "t.h"
#include "tbin.h"
#include "tpg.h"

/* nap(seq) sleeps 5 s the first time seq is used: a statement to end
 * from outside while it runs, that runs at once when sent again. */
#define SETUP_SQL \
	"CREATE SEQUENCE nap_read; CREATE SEQUENCE nap_write;" \
	" CREATE SEQUENCE nap_pipe; CREATE SEQUENCE flaky_seq;" \
	" CREATE SEQUENCE nap_lead; CREATE SEQUENCE nap_lead_read;" \
	" CREATE FUNCTION nap(s regclass) RETURNS bool LANGUAGE plpgsql AS" \
	" $$BEGIN IF nextval(s) = 1 THEN PERFORM pg_sleep(5); END IF;" \
	" RETURN true; END$$;" \
	" CREATE FUNCTION flaky(n int) RETURNS bool LANGUAGE plpgsql AS" \
	" $$BEGIN IF nextval('flaky_seq') <= n THEN RAISE EXCEPTION" \
	" 'forced' USING ERRCODE = '40001'; END IF; RETURN true; END$$;" \
	" CREATE TABLE late (id int);" \
	" CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS" \
	" $$BEGIN PERFORM pg_sleep(5); RETURN NULL; END$$;" \
	" CREATE CONSTRAINT TRIGGER late_slow AFTER INSERT ON late" \
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW" \
	" EXECUTE FUNCTION slow_commit()"

static const struct stmt q_create = { "t_create", 0,
    "CREATE TABLE kv (k text PRIMARY KEY, v int NOT NULL)", S_DIRECT };
static const struct stmt q_put = { "t_put", 2,
    "INSERT INTO kv (k, v) VALUES ($1, $2::int)", 0 };
static const struct stmt q_get = { "t_get", 1,
    "SELECT v FROM kv WHERE k = $1", S_READ };
static const struct stmt q_pid = { "t_pid", 0,
    "SELECT pg_backend_pid()", S_READ };
static const struct stmt q_bump = { "t_bump", 1,
    "UPDATE kv SET v = v + 1 WHERE k = $1", 0 };
static const struct stmt q_nap_get = { "t_nap_get", 1,
    "SELECT v FROM kv WHERE k = $1 AND nap('nap_read')", S_READ };
static const struct stmt q_nap_bump = { "t_nap_bump", 1,
    "UPDATE kv SET v = v + 1 WHERE k = $1 AND nap('nap_write')", 0 };
static const struct stmt q_nap_pipe = { "t_nap_pipe", 1,
    "SELECT v FROM kv WHERE k = $1 AND nap('nap_pipe')", S_READ };
static const struct stmt q_flaky = { "t_flaky", 1,
    "SELECT flaky($1::int)", 0 };
static const struct stmt q_rr = { "t_rr", 0,
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", S_DIRECT };
static const struct stmt q_late = { "t_late", 0,
    "INSERT INTO late VALUES (1)", 0 };
static const struct stmt q_types = { "t_types", 1,
    "SELECT 'x' || $1 AS t, NULL::text AS nt, 42 AS i,"
    " 9000000000::bigint AS l, 2.5::float8 AS d, true AS b,"
    " NULL::int AS ni, 7::bigint AS nl, NULL::float8 AS nd,"
    " false AS nb, 'ignored' AS extra", S_READ };
static const struct stmt q_series = { "t_series", 1,
    "SELECT 'r' || g AS t, NULLIF('n' || g, 'n2') AS nt, g AS i,"
    " g * 1000000000::bigint AS l, g / 4.0 AS d, g % 2 = 0 AS b,"
    " NULLIF(g, 2) AS ni, NULLIF(g, 3)::bigint AS nl,"
    " NULLIF(g / 2.0, 1.0)::float8 AS nd, NULLIF(g % 2 = 1, false) AS nb"
    " FROM generate_series(1, $1::int) AS g ORDER BY g", S_READ };
static const struct stmt q_bad = { "t_bad", 1,
    "SELECT $1::text AS i", S_READ };
static const struct stmt q_div = { "t_div", 1,
    "SELECT 1 / $1::int AS v", S_READ };
static const struct stmt q_nocol = { "t_nocol", 0,
    "SELECT nope FROM kv", S_READ };
/* Leads: one safe to send twice, one that naps, one that counts. */
static const struct stmt q_lead = { "t_lead", 2,
    "INSERT INTO kv (k, v) VALUES ($1, $2::int)"
    " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", 0 };
static const struct stmt q_nap_lead = { "t_nap_lead", 2,
    "INSERT INTO kv (k, v) SELECT $1, $2::int WHERE nap('nap_lead')"
    " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", 0 };
static const struct stmt q_count_lead = { "t_count_lead", 1,
    "INSERT INTO kv (k, v) VALUES ($1, 1)"
    " ON CONFLICT (k) DO UPDATE SET v = kv.v + 1", 0 };
static const struct stmt q_nap_lead_read = { "t_nap_lead_read", 1,
    "SELECT v FROM kv WHERE k = $1 AND nap('nap_lead_read')", S_READ };
static const struct stmt q_set = { "t_set", 2,
    "UPDATE kv SET v = $2::int WHERE k = $1", 0 };

/* Every column type, for the column-table cases. */
struct trow {
	const char		*t, *nt;
	int			 i, b;
	long			 l;
	double			 d;
	struct db_int		 ni;
	struct db_long		 nl;
	struct db_double	 nd;
	struct db_bool		 nb;
};

#define F(f)	offsetof(struct trow, f)
static const struct db_col trow_cols[] = {
	{ "t", F(t), COL_TEXT },
	{ "nt", F(nt), COL_TEXT },
	{ "i", F(i), COL_INT },
	{ "l", F(l), COL_LONG },
	{ "d", F(d), COL_DOUBLE },
	{ "b", F(b), COL_BOOL },
	{ "ni", F(ni), COL_INT_NULLABLE },
	{ "nl", F(nl), COL_LONG_NULLABLE },
	{ "nd", F(nd), COL_DOUBLE_NULLABLE },
	{ "nb", F(nb), COL_BOOL_NULLABLE },
	{ NULL, 0, 0 }
};
static const struct db_col trow_missing[] = {
	{ "t", F(t), COL_TEXT },
	{ "nope", F(i), COL_INT },
	{ NULL, 0, 0 }
};
static const struct db_col int_col[] = {
	{ "i", F(i), COL_INT },
	{ NULL, 0, 0 }
};
#undef F

/* A lone integer column named v, into an int. */
static const struct db_col v_col[] = {
	{ "v", 0, COL_INT },
	{ NULL, 0, 0 }
};

static char		*dsn;
static struct arena	 a;

/* db's server process id. */
static char *
backend_pid(struct db *db)
{
	PGresult	*res;
	char		*pid;

	T_EQ(db_query(db, &q_pid, NULL, &res), E_OK);
	pid = arena_strdup(&a, PQgetvalue(res, 0, 0));
	PQclear(res);
	return pid;
}

/* Ends db's server session from another connection, and waits until
 * its process is gone. */
static void
kill_backend(struct db *db)
{
	char	*r;

	r = tpg_scalar(dsn, arena_printf(&a,
	    "SELECT pg_terminate_backend(%s, 5000)", backend_pid(db)));
	T_STR(r, "t");
	free(r);
}

/*
 * A child that ends server process pid once it sleeps in pg_sleep()
 * (that is, in the middle of a statement). The caller reaps it.
 */
static pid_t
kill_in_sleep(const char *pid)
{
	char	*sql, *r;
	pid_t	 child;
	int	 i, ok;

	sql = arena_printf(&a, "SELECT pg_terminate_backend(pid, 5000) FROM"
	    " pg_stat_activity WHERE pid = %s AND wait_event = 'PgSleep'",
	    pid);
	T_OK((child = fork()) != -1);
	if (child > 0)
		return child;
	for (i = 0; i < 1000; i++) {
		if ((r = tpg_scalar(dsn, sql)) != NULL) {
			ok = strcmp(r, "t") == 0;
			free(r);
			_exit(ok ? 0 : 1);
		}
		usleep(10 * 1000);
	}
	_exit(2);
}

/* Waits for a kill_in_sleep() child; it must have done its work. */
static void
reap(pid_t child)
{
	int	st;

	T_EQ(waitpid(child, &st, 0), child);
	T_OK(WIFEXITED(st));
	T_EQ(WEXITSTATUS(st), 0);
}

/* 1 when a statement of that name is prepared on db's connection. */
static int
is_prepared_name(const struct db *db, const char *name)
{
	int	i;

	for (i = 0; i < db->nprepared; i++)
		if (strcmp(db->prepared[i]->name, name) == 0)
			return 1;
	return 0;
}

static long
get(struct db *db, const char *k)
{
	PGresult	*res;
	const char	*p[1] = { k };
	long		 v;

	T_EQ(db_query(db, &q_get, p, &res), E_OK);
	v = PQntuples(res) ? atol(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	return v;
}

static void
test_basics(struct db *db)
{
	const char	*p[2] = { "a", "1" };

	T_OK(db->conn == NULL);
	T_EQ(db_ready(db), E_OK);
	T_EQ(db_exec(db, &q_create, NULL), E_OK);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	T_EQ(get(db, "a"), 1);
	T_EQ(get(db, "a"), 1);
	T_EQ(db->nprepared, 2);		/* t_put and t_get, once each */
	T_PASS("db-lazy-connect-and-prepare-once");

	T_EQ(db_exec(db, &q_put, p), E_CONFLICT);
	p[0] = "b";
	p[1] = "not a number";
	T_EQ(db_exec(db, &q_put, p), E_INVALID);
	T_PASS("db-sqlstate-mapping");
}

static void
test_tx(struct db *db)
{
	const char	*p[2] = { "tx", "5" };

	T_EQ(db_begin(db), E_OK);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	db_rollback(db);
	T_EQ(get(db, "tx"), -1);
	T_EQ(db_begin(db), E_OK);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	T_EQ(db_commit(db), E_OK);
	T_EQ(get(db, "tx"), 5);
	T_PASS("db-transactions");
}

/* The check before a statement costs no round trip on a live link,
 * and one (the empty query) after DB_IDLE_PING_SEC idle. */
static void
test_check_cost(struct db *db)
{
	const char	*k[1] = { "a" };
	unsigned long	 before;

	T_EQ(db_exec(db, &q_bump, k), E_OK);	/* prepared now */
	before = db->round_trips;
	T_EQ(db_exec(db, &q_bump, k), E_OK);
	T_EQ(db->round_trips, before + 1);
	T_EQ(db_ready(db), E_OK);
	T_EQ(db->round_trips, before + 1);
	db->last_used -= DB_IDLE_PING_SEC + 1;
	T_EQ(db_exec(db, &q_bump, k), E_OK);
	T_EQ(db->round_trips, before + 3);	/* the ping, the bump */
	T_EQ(get(db, "a"), 4);
	T_PASS("db-check-costs-no-round-trip-until-idle");
}

static void
test_lost(struct db *db)
{
	const char	*k[1] = { "a" }, *p[2] = { "lost", "1" };
	unsigned long	 before = db->reconnects;

	kill_backend(db);
	T_EQ(get(db, "a"), 4);			/* read: reconnected */
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-read-retried-after-lost-connection");

	T_EQ(db_begin(db), E_OK);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	kill_backend(db);
	T_EQ(db_exec(db, &q_bump, k), E_DBDOWN);
	T_OK(!db->in_tx);
	db_rollback(db);
	T_EQ(get(db, "lost"), -1);		/* nothing half-written */
	T_EQ(get(db, "a"), 4);
	T_PASS("db-transaction-lost-leaves-nothing");

	kill_backend(db);
	db->last_used -= DB_IDLE_PING_SEC + 1;
	before = db->reconnects;
	T_EQ(db_ready(db), E_OK);		/* the pre-ping noticed */
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-preping-after-idle");
}

/*
 * The case: PostgreSQL ended the session while the link sat
 * idle (a restart, an admin, an idle timeout). Its FATAL and EOF are
 * on the socket before we send anything, so a write reconnects first
 * and runs exactly once.
 */
static void
test_write_after_disconnect(struct db *db)
{
	const char	*k[1] = { "a" }, *p[2] = { "w1", "1" };
	struct pollfd	 pfd;
	unsigned long	 before = db->reconnects;

	kill_backend(db);
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	T_EQ(poll(&pfd, 1, 1000), 1);		/* readable, nothing sent */
	T_EQ(db_exec(db, &q_put, p), E_OK);	/* INSERT */
	T_EQ(db->reconnects, before + 1);
	T_EQ(get(db, "w1"), 1);
	kill_backend(db);
	T_EQ(db_exec(db, &q_bump, k), E_OK);	/* UPDATE, re-prepared */
	T_EQ(get(db, "a"), 5);
	T_EQ(db->reconnects, before + 2);
	T_PASS("db-write-after-server-disconnect-runs-once");
}

/* A loss while a statement runs: a read goes again, a write never. */
static void
test_lost_while_running(struct db *db)
{
	const char	*k[1] = { "a" };
	PGresult	*res = NULL;
	unsigned long	 before = db->reconnects;
	pid_t		 child;

	child = kill_in_sleep(backend_pid(db));
	T_EQ(db_query(db, &q_nap_get, k, &res), E_OK);
	reap(child);
	T_STR(PQgetvalue(res, 0, 0), "5");
	PQclear(res);
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-read-retried-after-loss-while-running");

	child = kill_in_sleep(backend_pid(db));
	T_EQ(db_exec(db, &q_nap_bump, k), E_DBDOWN);
	reap(child);
	T_EQ(get(db, "a"), 5);			/* not applied, not resent */
	T_EQ(db_exec(db, &q_nap_bump, k), E_OK);	/* no nap now */
	T_EQ(get(db, "a"), 6);
	T_PASS("db-write-lost-while-running-not-retried");
}

/* scripts/pg.sh verb dir [port]; it must succeed. */
static void
pg_sh(const char *verb, char *dir, char *port)
{
	char	*argv[5], *out, *err;

	argv[0] = arena_strdup(&a, "pg.sh");
	argv[1] = arena_strdup(&a, verb);
	argv[2] = dir;
	argv[3] = port;
	argv[4] = NULL;
	if (tbin_run("scripts/pg.sh", argv, NULL, &out, &err) != 0)
		T_FAIL("pg.sh %s: %s", verb, err);
	free(out);
	free(err);
}

/*
 * A real restart of the test cluster with scripts/pg.sh, when this
 * runs from the tree and the server's data directory is DIR/data.
 */
static void
test_restart(struct db *db)
{
	char		*data, *port, *dir;
	const char	*p[2] = { "restart", "1" };
	unsigned long	 before = db->reconnects;

	data = tpg_scalar(dsn, "SHOW data_directory");
	port = tpg_scalar(dsn, "SHOW port");
	if (access("scripts/pg.sh", X_OK) != 0 || data == NULL ||
	    (dir = strrchr(data, '/')) == NULL || strcmp(dir, "/data") != 0) {
		printf("# skipped db-write-after-server-restart\n");
		free(data);
		free(port);
		return;
	}
	*dir = '\0';
	dir = data;
	T_EQ(get(db, "a"), 6);
	pg_sh("stop", dir, NULL);
	pg_sh("start", dir, port);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	T_EQ(db->reconnects, before + 1);
	T_EQ(get(db, "restart"), 1);
	free(data);
	free(port);
	T_PASS("db-write-after-server-restart");
}

static void
test_unnamed(void)
{
	struct db	db;

	db_init(&db, dsn, 0);
	T_EQ(get(&db, "a"), 6);
	T_EQ(get(&db, "a"), 6);
	T_EQ(db.nprepared, 0);
	db_close(&db);
	T_PASS("db-unnamed-statements-switch");
}

static void
test_down(void)
{
	struct db	db;
	PGresult	*res = NULL;

	db_init(&db, "postgresql://dataland:dataland@127.0.0.1:1/none", 1);
	T_EQ(db_ready(&db), E_DBDOWN);
	T_EQ(db_query(&db, &q_get, (const char *[]){ "a" }, &res), E_DBDOWN);
	T_OK(res == NULL);
	db_close(&db);
	T_PASS("db-down-is-E_DBDOWN");
}

/* What a transaction body sees and leaves; one per case. */
struct txarg {
	int		 runs;
	int		 fail;		/* flaky() raises this many times */
	const char	*key;
	enum err	 ret;		/* what the body returns at the end */
	pid_t		 child;
};

/* Inserts key = runs, then calls flaky(). */
static enum err
tx_flaky(struct db *db, void *arg)
{
	struct txarg	*t = arg;
	const char	*p[2], *f[1];
	enum err	 e;

	t->runs++;
	p[0] = t->key;
	p[1] = arena_printf(&a, "%d", t->runs);
	f[0] = arena_printf(&a, "%d", t->fail);
	if ((e = db_exec(db, &q_put, p)) != E_OK)
		return e;
	return db_exec(db, &q_flaky, f);
}

/* Under REPEATABLE READ, reads key; the first run, another session
 * updates it before this one does: a real 40001. */
static enum err
tx_repeatable(struct db *db, void *arg)
{
	struct txarg	*t = arg;
	const char	*k[1] = { t->key };
	enum err	 e;

	t->runs++;
	if ((e = db_exec(db, &q_rr, NULL)) != E_OK)
		return e;
	T_OK(get(db, t->key) >= 0);		/* the snapshot is taken */
	if (t->runs == 1)
		tpg_exec(dsn, arena_printf(&a, "UPDATE kv SET v = v + 100"
		    " WHERE k = '%s'", t->key));
	return db_exec(db, &q_bump, k);
}

static void
test_tx_retry(struct db *db)
{
	struct txarg	 t = { 0, 2, "ser", E_OK, 0 };
	const char	*p[2] = { "rr", "1" };

	T_EQ(db_tx(db, tx_flaky, &t), E_OK);
	T_EQ(t.runs, 3);
	T_EQ(get(db, "ser"), 3);		/* the third run's row, once */
	T_OK(!db->in_tx);
	T_PASS("db-tx-rerun-after-serialization-failure");

	T_EQ(db_exec(db, &q_put, p), E_OK);
	t.runs = 0;
	t.key = "rr";
	T_EQ(db_tx(db, tx_repeatable, &t), E_OK);
	T_EQ(t.runs, 2);
	T_EQ(get(db, "rr"), 102);		/* 1, +100 outside, +1 */
	T_PASS("db-tx-rerun-after-concurrent-update");

	t.runs = 0;
	t.fail = 1000;
	t.key = "giveup";
	T_EQ(db_tx(db, tx_flaky, &t), E_RETRY);
	T_EQ(t.runs, DB_TX_RETRIES + 1);
	T_EQ(get(db, "giveup"), -1);
	T_PASS("db-tx-serialization-retries-bounded");
}

/* Inserts key; the first run loses its link before the next write. */
static enum err
tx_lose(struct db *db, void *arg)
{
	struct txarg	*t = arg;
	const char	*p[2] = { t->key, "1" }, *k[1] = { t->key };
	enum err	 e;

	t->runs++;
	if ((e = db_exec(db, &q_put, p)) != E_OK)
		return e;
	if (t->runs == 1)
		kill_backend(db);
	return db_exec(db, &q_bump, k);
}

/* Inserts a row whose deferred trigger sleeps in COMMIT; a child ends
 * the session there. */
static enum err
tx_commit_lost(struct db *db, void *arg)
{
	struct txarg	*t = arg;
	enum err	 e;

	t->runs++;
	if ((e = db_exec(db, &q_late, NULL)) != E_OK)
		return e;
	t->child = kill_in_sleep(backend_pid(db));
	return E_OK;
}

static void
test_tx_lost(struct db *db)
{
	struct txarg	 t = { 0, 0, "txlost", E_OK, 0 };
	unsigned long	 before = db->reconnects;
	char		*n;

	T_EQ(db_tx(db, tx_lose, &t), E_OK);
	T_EQ(t.runs, 2);
	T_EQ(get(db, "txlost"), 2);		/* the second run's, once */
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-tx-rerun-once-after-lost-connection");

	t.runs = 0;
	T_EQ(db_tx(db, tx_commit_lost, &t), E_DBDOWN);
	reap(t.child);
	T_EQ(t.runs, 1);			/* never after COMMIT */
	T_OK(!db->in_tx);
	n = tpg_scalar(dsn, "SELECT count(*) FROM late");
	T_STR(n, "0");
	free(n);
	T_PASS("db-tx-lost-during-commit-not-rerun");
}

/* Inserts key, then returns t->ret, or a duplicate's E_CONFLICT. */
static enum err
tx_fail(struct db *db, void *arg)
{
	struct txarg	*t = arg;
	const char	*p[2] = { t->key, "1" }, *dup[2] = { "a", "1" };
	enum err	 e;

	t->runs++;
	if ((e = db_exec(db, &q_put, p)) != E_OK)
		return e;
	if (t->ret != E_OK)
		return t->ret;
	e = db_exec(db, &q_put, dup);
	return t->fail ? E_OK : e;		/* fail: hides the error */
}

/* A body that opens a transaction of its own: a bug. */
static enum err
tx_nested(struct db *db, void *arg)
{
	return db_tx(db, tx_fail, arg);
}

static void
test_tx_errors(struct db *db)
{
	struct txarg	 t = { 0, 0, "txerr", E_NOTFOUND, 0 };
	struct db	 cdb;
	pid_t		 pid;
	int		 st;

	T_EQ(db_tx(db, tx_fail, &t), E_NOTFOUND);
	T_EQ(t.runs, 1);
	T_EQ(get(db, "txerr"), -1);
	t.ret = E_OK;
	T_EQ(db_tx(db, tx_fail, &t), E_CONFLICT);
	T_EQ(t.runs, 2);
	T_EQ(get(db, "txerr"), -1);
	t.fail = 1;
	T_EQ(db_tx(db, tx_fail, &t), E_DB);	/* no silent ROLLBACK */
	T_EQ(get(db, "txerr"), -1);
	T_OK(!db->in_tx);
	T_PASS("db-tx-rolls-back-and-returns-the-error");

	T_OK((pid = fork()) != -1);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		db_init(&cdb, dsn, 1);
		(void)db_tx(&cdb, tx_nested, &t);
		_exit(0);
	}
	T_EQ(waitpid(pid, &st, 0), pid);
	T_OK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	T_PASS("db-tx-nested-is-an-assertion");
}

static void
check_trow0(const struct trow *r)
{
	T_STR(r->t, "xy");
	T_OK(r->nt == NULL);
	T_EQ(r->i, 42);
	T_EQ(r->l, 9000000000L);
	T_OK(r->d == 2.5);
	T_EQ(r->b, 1);
	T_OK(r->ni.null && r->ni.v == 0);
	T_OK(!r->nl.null && r->nl.v == 7);
	T_OK(r->nd.null && r->nd.v == 0);
	T_OK(!r->nb.null && r->nb.v == 0);
}

/* Row i (1-based) of q_series. */
static void
check_series(const struct trow *r, int i)
{
	T_STR(r->t, arena_printf(&a, "r%d", i));
	T_OK(i == 2 ? r->nt == NULL : strcmp(r->nt,
	    arena_printf(&a, "n%d", i)) == 0);
	T_EQ(r->i, i);
	T_EQ(r->l, i * 1000000000L);
	T_OK(r->d == i / 4.0);
	T_EQ(r->b, i % 2 == 0);
	T_OK(r->ni.null == (i == 2) && r->ni.v == (i == 2 ? 0 : i));
	T_OK(r->nl.null == (i == 3) && r->nl.v == (i == 3 ? 0 : i));
	T_OK(r->nd.null == (i == 2) && r->nd.v == (i == 2 ? 0 : i / 2.0));
	T_OK(r->nb.null == (i % 2 == 0) && r->nb.v == (i % 2 == 1));
}

static void
test_rows(struct db *db)
{
	struct trow	 r, keep, *arr = NULL, *arr2 = NULL;
	struct arena	 b;
	const char	*y[1] = { "y" }, *n0[1] = { "0" }, *n3[1] = { "3" };
	size_t		 n = 99, n2 = 0, i;

	T_EQ(db_one(db, &a, &q_types, y, trow_cols, &r), E_OK);
	check_trow0(&r);
	T_PASS("db-one-every-type-and-null");

	T_EQ(db_rows(db, &a, &q_series, n3, trow_cols, sizeof(r), &arr, &n),
	    E_OK);
	T_EQ(n, 3);
	for (i = 0; i < n; i++)
		check_series(&arr[i], (int)i + 1);
	T_EQ(db_rows(db, &a, &q_series, n0, trow_cols, sizeof(r), &arr, &n),
	    E_OK);
	T_EQ(n, 0);
	T_OK(arr == NULL);
	T_PASS("db-rows-many-and-zero");

	/* Rows point into their result, which their arena owns: valid
	 * through later statements, counted, cleared at its reset (ASan
	 * would see a read of a result cleared early). */
	arena_init(&b);
	T_EQ(db_rows(db, &b, &q_series, n3, trow_cols, sizeof(r), &arr, &n),
	    E_OK);
	T_OK(b.used_total > 3 * sizeof(r));
	T_EQ(db_one(db, &a, &q_types, y, trow_cols, &r), E_OK);
	T_EQ(db_rows(db, &a, &q_series, n3, trow_cols, sizeof(r), &arr2,
	    &n2), E_OK);
	for (i = 0; i < n; i++)
		check_series(&arr[i], (int)i + 1);
	arena_reset(&b);
	T_EQ(b.used_total, 0);
	arena_release(&b);
	T_PASS("db-rows-live-until-their-arena-resets");

	memset(&r, 0xab, sizeof(r));
	memcpy(&keep, &r, sizeof(r));
	T_EQ(db_one(db, &a, &q_series, n0, trow_cols, &r), E_NOTFOUND);
	T_EQ(db_one(db, &a, &q_series, (const char *[]){ "2" }, trow_cols,
	    &r), E_DB);
	T_EQ(db_one(db, &a, &q_types, y, trow_missing, &r), E_DB);
	T_EQ(db_one(db, NULL, &q_bad, (const char *[]){ NULL }, int_col, &r),
	    E_DB);				/* NULL into an int */
	T_EQ(db_one(db, NULL, &q_bad, (const char *[]){ "12x" }, int_col,
	    &r), E_DB);
	T_EQ(db_one(db, NULL, &q_bad, (const char *[]){ "3000000000" },
	    int_col, &r), E_DB);		/* not an int */
	T_OK(memcmp(&r, &keep, sizeof(r)) == 0);
	T_EQ(db_one(db, NULL, &q_bad, (const char *[]){ "-7" }, int_col, &r),
	    E_OK);
	T_EQ(r.i, -7);
	T_PASS("db-one-notfound-several-missing-column-bad-cells");
}

/* The pipeline of the pipeline cases: four reads, one statement
 * twice; outputs into r, arr/n, v and arr2/n2. */
struct pipe_out {
	struct trow	 r, *arr, *arr2;
	size_t		 n, n2;
	int		 v;
};

static void
pipe_steps(struct db_step *s, struct pipe_out *o, const struct stmt *third,
    const char *const *p3)
{
	static const char *const y[1] = { "y" }, *n3[1] = { "3" },
	    *n2[1] = { "2" };

	s[0] = (struct db_step){ &q_types, y, trow_cols, &o->r, 0, NULL };
	s[1] = (struct db_step){ &q_series, n3, trow_cols, &o->arr,
	    sizeof(struct trow), &o->n };
	s[2] = (struct db_step){ third, p3, v_col, &o->v, 0, NULL };
	s[3] = (struct db_step){ &q_series, n2, trow_cols, &o->arr2,
	    sizeof(struct trow), &o->n2 };
}

static void
check_pipe(const struct pipe_out *o, int v)
{
	check_trow0(&o->r);
	T_EQ(o->n, 3);
	check_series(&o->arr[2], 3);
	T_EQ(o->v, v);
	T_EQ(o->n2, 2);
	check_series(&o->arr2[1], 2);
}

static void
test_pipeline_modes(void)
{
	struct db_step	 s[4];
	struct pipe_out	 o;
	const char	*k[1] = { "a" };
	struct db	 db;
	int		 named;

	for (named = 1; named >= 0; named--) {
		db_init(&db, dsn, named);
		memset(&o, 0, sizeof(o));
		pipe_steps(s, &o, &q_get, k);
		T_EQ(db_pipeline(&db, &a, s, 4), E_OK);
		T_EQ(db.round_trips, 1);
		T_EQ(db.nprepared, named ? 3 : 0);
		check_pipe(&o, 6);
		memset(&o, 0, sizeof(o));
		T_EQ(db_pipeline(&db, &a, s, 4), E_OK);
		T_EQ(db.round_trips, 2);
		T_EQ(db.nprepared, named ? 3 : 0);
		check_pipe(&o, 6);
		db_close(&db);
	}
	T_PASS("db-pipeline-one-round-trip-prepared-and-unnamed");
}

static void
test_pipeline_errors(struct db *db)
{
	struct db_step	 s[4];
	struct pipe_out	 o, keep;
	const char	*z[1] = { "0" }, *none[1] = { "none" };
	int		 nprep = db->nprepared;

	memset(&o, 0xab, sizeof(o));
	memcpy(&keep, &o, sizeof(o));
	pipe_steps(s, &o, &q_div, z);
	T_EQ(db_pipeline(db, &a, s, 4), E_INVALID);	/* 1 / 0 */
	T_OK(memcmp(&o, &keep, sizeof(o)) == 0);
	s[2].st = &q_nocol;
	s[2].params = NULL;
	T_EQ(db_pipeline(db, &a, s, 4), E_DB);		/* PREPARE fails */
	s[2].st = &q_get;
	s[2].params = none;
	T_EQ(db_pipeline(db, &a, s, 4), E_NOTFOUND);
	T_OK(memcmp(&o, &keep, sizeof(o)) == 0);
	T_EQ(get(db, "a"), 6);				/* link still fine */
	T_OK(!is_prepared_name(db, "t_nocol"));
	T_OK(db->nprepared >= nprep);
	T_PASS("db-pipeline-error-in-one-step");
}

static void
test_pipeline_lost(struct db *db)
{
	struct db_step	 s[4];
	struct pipe_out	 o;
	const char	*k[1] = { "a" };
	unsigned long	 before = db->reconnects;
	pid_t		 child;

	memset(&o, 0, sizeof(o));
	pipe_steps(s, &o, &q_get, k);
	kill_backend(db);
	T_EQ(db_pipeline(db, &a, s, 4), E_OK);
	check_pipe(&o, 6);
	T_EQ(db->reconnects, before + 1);
	memset(&o, 0, sizeof(o));
	pipe_steps(s, &o, &q_nap_pipe, k);
	child = kill_in_sleep(backend_pid(db));
	T_EQ(db_pipeline(db, &a, s, 4), E_OK);
	reap(child);
	check_pipe(&o, 6);
	T_EQ(db->reconnects, before + 2);
	T_PASS("db-pipeline-retried-after-lost-connection");
}

/* A lead's fix: after a conflict, sets the key to arg (NULL: gives up). */
static int	fixes;
static char	seven[] = "7", five[] = "5";

static enum err
fix_set(struct db *db, enum err e, const char *const *params, void *arg)
{
	const char	*p[2] = { params[0], arg };

	fixes++;
	if (e != E_CONFLICT || arg == NULL)
		return e;
	return db_exec(db, &q_set, p);
}

static void
test_lead(struct db *db)
{
	const char	*l1[2] = { "lead1", "1" }, *l2[2] = { "lead1", "2" },
	    *l3[2] = { "lead1", "3" }, *dup[2] = { "lead1", "9" },
	    *k1[1] = { "lead1" }, *ka[1] = { "a" }, *b1[2] = { "lead2", "1" },
	    *f1[2] = { "lead3", "1" }, *f2[2] = { "lead3", "2" },
	    *lost1[2] = { "lead4", "1" }, *lost2[2] = { "lead5", "1" },
	    *k6[1] = { "lead6" }, *k7[2] = { "lead7", "1" },
	    *always[1] = { "1000000000" };
	struct txarg	 t = { 0, 0, "leadtx", E_OK, 0 };
	struct db_step	 s[4];
	struct pipe_out	 o;
	PGresult	*res = NULL;
	unsigned long	 rt, before;
	pid_t		 child;

	rt = db->round_trips;
	db_lead(db, &q_lead, l1, NULL, NULL);
	T_EQ(get(db, "lead1"), 1);
	T_EQ(db->round_trips, rt + 1);
	T_OK(db->lead == NULL);
	memset(&o, 0, sizeof(o));
	pipe_steps(s, &o, &q_get, ka);
	db_lead(db, &q_lead, l2, NULL, NULL);
	T_EQ(db_pipeline(db, &a, s, 4), E_OK);
	T_EQ(db->round_trips, rt + 2);
	check_pipe(&o, 6);
	T_EQ(get(db, "lead1"), 2);
	T_PASS("db-lead-goes-with-the-next-read-in-one-trip");

	T_EQ(db_exec(db, &q_bump, k1), E_OK);	/* prepared: one trip */
	rt = db->round_trips;
	db_lead(db, &q_lead, l3, NULL, NULL);
	T_EQ(db_exec(db, &q_bump, k1), E_OK);
	T_EQ(db->round_trips, rt + 2);
	T_EQ(get(db, "lead1"), 4);
	db_lead(db, &q_lead, b1, NULL, NULL);
	T_EQ(db_begin(db), E_OK);
	db_rollback(db);
	T_EQ(get(db, "lead2"), 1);		/* committed before BEGIN */
	T_PASS("db-lead-goes-alone-before-a-write-or-begin");

	fixes = 0;
	db_lead(db, &q_put, dup, fix_set, seven);	/* INSERT: a conflict */
	T_EQ(get(db, "lead1"), 7);		/* read again after the fix */
	T_EQ(fixes, 1);
	db_lead(db, &q_put, dup, fix_set, NULL);
	T_EQ(db_query(db, &q_get, k1, &res), E_CONFLICT);
	T_EQ(fixes, 2);
	db_lead(db, &q_put, dup, NULL, NULL);
	memset(&o, 0, sizeof(o));
	T_EQ(db_pipeline(db, &a, s, 4), E_CONFLICT);
	T_EQ(o.n, 0);				/* nothing written */
	T_EQ(get(db, "lead1"), 7);		/* the link is fine */
	T_PASS("db-lead-failure-goes-to-its-fix");

	rt = db->round_trips;
	db_lead(db, &q_lead, k7, NULL, NULL);
	T_EQ(db_query(db, &q_nocol, NULL, &res), E_DB);
	T_EQ(db->round_trips, rt + 1);
	T_OK(db->lead == NULL);
	T_EQ(get(db, "lead7"), -1);		/* one transaction: undone */
	T_PASS("db-lead-undone-with-a-failed-read");

	T_EQ(db_lead_flush(db), E_OK);		/* none held */
	db_lead(db, &q_lead, f1, NULL, NULL);
	T_EQ(db_lead_flush(db), E_OK);
	T_OK(db->lead == NULL);
	T_EQ(get(db, "lead3"), 1);
	db_lead(db, &q_put, f2, fix_set, five);
	T_EQ(db_lead_flush(db), E_OK);
	T_EQ(get(db, "lead3"), 5);
	db_lead(db, &q_flaky, always, NULL, NULL);	/* 40001 each time */
	T_EQ(db_tx(db, tx_fail, &t), E_RETRY);
	T_EQ(t.runs, 0);			/* not a rerun of the body */
	T_OK(!db->in_tx);
	T_EQ(get(db, "leadtx"), -1);
	T_PASS("db-lead-flush");

	before = db->reconnects;
	kill_backend(db);
	db_lead(db, &q_lead, lost1, NULL, NULL);
	T_EQ(get(db, "lead4"), 1);		/* mended before it went */
	T_EQ(db->reconnects, before + 1);
	child = kill_in_sleep(backend_pid(db));
	db_lead(db, &q_nap_lead, lost2, NULL, NULL);
	T_EQ(get(db, "lead5"), 1);		/* lost in the lead: again */
	reap(child);
	T_EQ(db->reconnects, before + 2);
	child = kill_in_sleep(backend_pid(db));
	db_lead(db, &q_count_lead, k6, NULL, NULL);
	T_EQ(db_query(db, &q_nap_lead_read, k6, &res), E_OK);
	reap(child);
	/* Lost in the read, before the sync: the lead's first run was
	 * rolled back and it went again with the read. */
	T_STR(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	T_EQ(db->reconnects, before + 3);
	T_PASS("db-lead-after-a-lost-connection");
}

int
main(void)
{
	struct db	db;

	arena_init(&a);
	dsn = tpg_fresh_db("db");
	tpg_exec(dsn, SETUP_SQL);
	db_init(&db, dsn, 1);
	test_basics(&db);
	test_tx(&db);
	test_check_cost(&db);
	test_lost(&db);
	test_write_after_disconnect(&db);
	test_lost_while_running(&db);
	test_tx_retry(&db);
	test_tx_lost(&db);
	test_tx_errors(&db);
	test_rows(&db);
	test_pipeline_modes();
	test_pipeline_errors(&db);
	test_pipeline_lost(&db);
	test_lead(&db);
	test_restart(&db);
	db_close(&db);
	test_unnamed();
	test_down();
	tpg_drop_db(dsn);
	free(dsn);
	arena_release(&a);
	return 0;
}
