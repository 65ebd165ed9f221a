/*
 * The migration runner: alembic_version bookkeeping and the advisory
 * lock that serialises concurrent runners. No HTTP and no schema here:
 * the schema is sql/migrations/, compiled in as migrations[].
 *
 * Each pending migration runs in a transaction of its own:
 *
 *   BEGIN; pg_advisory_xact_lock(key); CREATE TABLE IF NOT EXISTS
 *   alembic_version; read the revision; run the next migration's SQL;
 *   record its revision; COMMIT
 *
 * and the loop repeats until the recorded revision is the last one.
 * Reading the revision after taking the lock makes concurrent runners
 * safe: the second waits, then sees what the first committed and
 * carries on from there (or finds nothing to do). One transaction per
 * migration, rather than one for all, keeps every committed step
 * recorded, so a failure in migration N leaves the database at N - 1,
 * consistent and resumable. A migration therefore cannot use
 * statements that refuse to run in a transaction block (CREATE INDEX
 * CONCURRENTLY, VACUUM).
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "migrations.h"
#include "repo_migrations.h"

/*
 * Statements. Legend: name, parameters, SQL, flags. The lock key is a
 * constant shared by every Dataland migration runner ("data" in ASCII).
 */
enum {
	Q_LOCK, Q_CREATE, Q_EXISTS, Q_CURRENT, Q_CLEAR, Q_SET, Q__MAX
};
static const struct stmt q[Q__MAX] = {
	/* every transaction of up() and stamp() */
	[Q_LOCK] = { "mig_lock", 0,
	    "SELECT pg_advisory_xact_lock(1684108385)", S_DIRECT },
	/* up(), stamp(): the table as Alembic creates it */
	[Q_CREATE] = { "mig_create", 0,
	    "CREATE TABLE IF NOT EXISTS alembic_version ("
	    " version_num varchar(32) NOT NULL,"
	    " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
	    S_DIRECT },
	/* repo_migrations_current(): no table means no revision */
	[Q_EXISTS] = { "mig_exists", 0,
	    "SELECT to_regclass('alembic_version') IS NOT NULL", S_READ },
	/* read_rev() */
	[Q_CURRENT] = { "mig_current", 0,
	    "SELECT version_num FROM alembic_version ORDER BY 1", S_READ },
	/* set_rev() */
	[Q_CLEAR] = { "mig_clear", 0, "DELETE FROM alembic_version", 0 },
	/* set_rev() */
	[Q_SET] = { "mig_set", 1,
	    "INSERT INTO alembic_version (version_num) VALUES ($1)", 0 },
};

/* The server's message for the last failure, first line only. */
static void
repo_migrations_why(struct db *db, char *why, size_t whysz, const char *what)
{
	const char	*msg;
	size_t		 n;

	msg = db->conn != NULL ? PQerrorMessage(db->conn) : "";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	n = strcspn(msg, "\n");
	if (n == 0)
		snprintf(why, whysz, "%s", what);
	else
		snprintf(why, whysz, "%s: %.*s", what, (int)n, msg);
}

int
repo_migrations_find(const char *rev)
{
	int	i;

	for (i = 0; i < migrations_count; i++)
		if (strcmp(migrations[i].rev, rev) == 0)
			return i;
	return -1;
}

/* The recorded revision as text ("" when none); see current(). */
static enum err
read_rev(struct db *db, char *rev, size_t revsz, char *why, size_t whysz)
{
	PGresult	*res = NULL;
	enum err	 e;

	if ((e = db_query(db, &q[Q_CURRENT], NULL, &res)) != E_OK) {
		repo_migrations_why(db, why, whysz,
		    "cannot read 'alembic_version'");
		return e;
	}
	e = E_OK;
	if (PQntuples(res) > 1) {
		snprintf(why, whysz, "'alembic_version' holds %d revisions, "
		    "expected one", PQntuples(res));
		e = E_INVALID;
	} else if (PQntuples(res) == 1 &&
	    strlen(PQgetvalue(res, 0, 0)) >= revsz) {
		snprintf(why, whysz, "revision in 'alembic_version' is too "
		    "long");
		e = E_INVALID;
	} else
		snprintf(rev, revsz, "%s",
		    PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return e;
}

/* The recorded revision's index in migrations[] (-1 when none). */
static enum err
read_index(struct db *db, int *idx, char *why, size_t whysz)
{
	char		rev[MIGRATIONS_REV_MAX + 1];
	enum err	e;
	int		i;

	if ((e = read_rev(db, rev, sizeof(rev), why, whysz)) != E_OK)
		return e;
	if (rev[0] == '\0') {
		*idx = -1;
		return E_OK;
	}
	if ((i = repo_migrations_find(rev)) < 0) {
		snprintf(why, whysz, "unknown revision '%s' in "
		    "'alembic_version' (this dataland knows '%s' to '%s')",
		    rev, migrations[0].rev,
		    migrations[migrations_count - 1].rev);
		return E_INVALID;
	}
	*idx = i;
	return E_OK;
}

static enum err
set_rev(struct db *db, const char *rev, char *why, size_t whysz)
{
	const char	*p[1];
	enum err	 e;

	p[0] = rev;
	if ((e = db_exec(db, &q[Q_CLEAR], NULL)) != E_OK ||
	    (e = db_exec(db, &q[Q_SET], p)) != E_OK)
		repo_migrations_why(db, why, whysz,
		    "cannot write 'alembic_version'");
	return e;
}

/* BEGIN, the lock and the version table: the head of every step. */
static enum err
begin_locked(struct db *db, char *why, size_t whysz)
{
	enum err	e;

	if ((e = db_begin(db)) != E_OK) {
		repo_migrations_why(db, why, whysz, "cannot begin");
		return e;
	}
	if ((e = db_exec(db, &q[Q_LOCK], NULL)) != E_OK ||
	    (e = db_exec(db, &q[Q_CREATE], NULL)) != E_OK) {
		repo_migrations_why(db, why, whysz,
		    "cannot lock 'alembic_version'");
		db_rollback(db);
	}
	return e;
}

enum err
repo_migrations_current(struct db *db, char *rev, size_t revsz, char *why,
    size_t whysz)
{
	PGresult	*res = NULL;
	enum err	 e;
	int		 exists;

	if ((e = db_ready(db)) != E_OK ||
	    (e = db_query(db, &q[Q_EXISTS], NULL, &res)) != E_OK) {
		repo_migrations_why(db, why, whysz,
		    "cannot query the database");
		return e;
	}
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists) {
		snprintf(rev, revsz, "%s", "");
		return E_OK;
	}
	return read_rev(db, rev, revsz, why, whysz);
}

/*
 * One step: applies the migration after the recorded one, if any.
 * *rev gets the revision applied, or NULL when there was nothing to do.
 */
static enum err
step(struct db *db, const char **rev, char *why, size_t whysz)
{
	const struct migration	*m;
	enum err		 e;
	int			 idx;

	if ((e = begin_locked(db, why, whysz)) != E_OK)
		return e;
	if ((e = read_index(db, &idx, why, whysz)) != E_OK)
		goto out;
	*rev = NULL;
	if (idx + 1 >= migrations_count) {
		if ((e = db_commit(db)) != E_OK)
			repo_migrations_why(db, why, whysz, "cannot commit");
		return e;
	}
	m = &migrations[idx + 1];
	if ((e = db_script(db, m->sql)) != E_OK) {
		repo_migrations_why(db, why, whysz, "migration failed");
		snprintf(why + strlen(why), whysz - strlen(why), " (in '%s')",
		    m->rev);
		goto out;
	}
	if ((e = set_rev(db, m->rev, why, whysz)) != E_OK)
		goto out;
	if ((e = db_commit(db)) != E_OK) {
		repo_migrations_why(db, why, whysz, "cannot commit");
		return e;
	}
	*rev = m->rev;
	return E_OK;
out:
	db_rollback(db);
	return e;
}

enum err
repo_migrations_up(struct db *db, void (*done)(const char *), int *applied,
    char *why, size_t whysz)
{
	const char	*rev = NULL;
	enum err	 e;
	int		 n = 0;

	do {
		if ((e = step(db, &rev, why, whysz)) != E_OK)
			break;
		if (rev != NULL) {
			n++;
			if (done != NULL)
				done(rev);
		}
	} while (rev != NULL);
	*applied = n;
	return e;
}

enum err
repo_migrations_stamp(struct db *db, const char *rev, char *why,
    size_t whysz)
{
	enum err	e;
	int		i;

	if (strcmp(rev, "head") == 0)
		i = migrations_count - 1;
	else if ((i = repo_migrations_find(rev)) < 0) {
		snprintf(why, whysz, "unknown revision '%s'", rev);
		return E_INVALID;
	}
	if ((e = begin_locked(db, why, whysz)) != E_OK)
		return e;
	if ((e = set_rev(db, migrations[i].rev, why, whysz)) != E_OK) {
		db_rollback(db);
		return e;
	}
	if ((e = db_commit(db)) != E_OK)
		repo_migrations_why(db, why, whysz, "cannot commit");
	return e;
}
