/*
 * fcgi/core/db.c against a real PostgreSQL: lazy connect, prepared
 * statements and their re-preparation after a reconnect, the unnamed
 * switch, SQLSTATE mapping, transactions, the pre-ping, and what a lost
 * connection does to reads, writes and open transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "t.h"
#include "tpg.h"

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

static char	*dsn;

/* Ends db's server session from another connection. */
static void
kill_backend(struct db *db)
{
	PGresult	*res;
	char		 sql[128];

	T_EQ(db_query(db, &q_pid, NULL, &res), E_OK);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%s)",
	    PQgetvalue(res, 0, 0));
	PQclear(res);
	free(tpg_scalar(dsn, sql));
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

static void
test_lost(struct db *db)
{
	const char	*k[1] = { "a" }, *p[2] = { "lost", "1" };
	unsigned long	 before = db->reconnects;

	kill_backend(db);
	T_EQ(get(db, "a"), 1);			/* read: retried once */
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-read-retried-after-lost-connection");

	kill_backend(db);
	T_EQ(db_exec(db, &q_bump, k), E_DBDOWN);	/* write: never */
	T_EQ(get(db, "a"), 1);
	T_EQ(db_exec(db, &q_bump, k), E_OK);	/* re-prepared, works */
	T_EQ(get(db, "a"), 2);
	T_PASS("db-write-not-retried-then-reprepared");

	T_EQ(db_begin(db), E_OK);
	T_EQ(db_exec(db, &q_put, p), E_OK);
	kill_backend(db);
	T_EQ(db_exec(db, &q_bump, k), E_DBDOWN);
	T_OK(!db->in_tx);
	db_rollback(db);
	T_EQ(get(db, "lost"), -1);		/* nothing half-written */
	T_EQ(get(db, "a"), 2);
	T_PASS("db-transaction-lost-leaves-nothing");

	kill_backend(db);
	db->last_used -= DB_IDLE_PING_SEC + 1;
	before = db->reconnects;
	T_EQ(db_ready(db), E_OK);		/* the pre-ping noticed */
	T_EQ(db->reconnects, before + 1);
	T_PASS("db-preping-after-idle");
}

static void
test_unnamed(void)
{
	struct db	db;

	db_init(&db, dsn, 0);
	T_EQ(get(&db, "a"), 2);
	T_EQ(get(&db, "a"), 2);
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

int
main(void)
{
	struct db	db;

	dsn = tpg_fresh_db("db");
	db_init(&db, dsn, 1);
	test_basics(&db);
	test_tx(&db);
	test_lost(&db);
	db_close(&db);
	test_unnamed();
	test_down();
	tpg_drop_db(dsn);
	free(dsn);
	return 0;
}
