/*
 * The migration runner: alembic_version bookkeeping and the advisory
 * lock that serialises concurrent runners. No HTTP and no schema here:
 * the schema is sql/migrations/, compiled in as migrations[].
 *
 * Each step runs in a transaction of its own:
 *
 *   BEGIN; pg_advisory_xact_lock(key); CREATE TABLE IF NOT EXISTS
 *   alembic_version; read the revision; decide; run the SQL; record
 *   the revision; COMMIT
 *
 * and the loop repeats until the recorded revision is the target.
 * Reading the revision after taking the lock makes concurrent runners
 * safe: the second waits, then sees what the first committed and
 * carries on from there (or finds nothing to do).
 *
 * What a step does depends on where the database starts:
 *
 *   no revision, no agent table  -> 0001..0010 in one step (the
 *                                   Python stack's schema, at once)
 *   no revision, agent tables    -> refuse: a pre-Alembic database,
 *                                   to be stamped as the Python stack
 *                                   documents
 *   0001..0009                   -> refuse: an older Python database,
 *                                   to be upgraded by the Python stack
 *   0010 or later, known         -> the next revision alone
 *   unknown (newer)              -> refuse; nothing ever goes back
 *
 * A refusal rolls back, so the database is left exactly as it was. One
 * transaction per revision after 0010, rather than one for all, keeps
 * every committed step recorded: a failure in revision N leaves the
 * database at N - 1, consistent and resumable. A migration therefore
 * cannot use statements that refuse to run in a transaction block
 * (CREATE INDEX CONCURRENTLY, VACUUM).
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
	Q_LOCK, Q_CREATE, Q_EXISTS, Q_CURRENT, Q_CLEAR, Q_SET, Q_AGENT,
	Q__MAX
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
	/* start_empty(): the agent tables create_all would have made */
	[Q_AGENT] = { "mig_agent_tables", 0,
	    "SELECT string_agg(t, ', ' ORDER BY t) FROM unnest(ARRAY["
	    " 'users', 'conversations', 'tickets', 'runs', 'messages',"
	    " 'message_images', 'message_sources', 'message_suggestions'])"
	    " AS t WHERE to_regclass(t) IS NOT NULL", S_DIRECT },
};

/* The server's message for the last failure, first line only. */
static void
repo_migrations_why(struct db *db, char *why, size_t whysz, const char *what)
{
	char	msg[512];

	if (*db_last_error(db, msg, sizeof(msg)) == '\0')
		snprintf(why, whysz, "%s", what);
	else
		snprintf(why, whysz, "%s: %s", what, msg);
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
		    "'alembic_version': this dataland knows '%s' to '%s'; "
		    "a database a newer dataland migrated needs that one "
		    "(migrations never go back)", rev, migrations[0].rev,
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

/* Runs migrations[from..to] in the open transaction and records to. */
static enum err
apply(struct db *db, int from, int to, char *why, size_t whysz)
{
	enum err	e;
	int		i;

	for (i = from; i <= to; i++)
		if ((e = db_script(db, migrations[i].sql)) != E_OK) {
			repo_migrations_why(db, why, whysz,
			    "migration failed");
			snprintf(why + strlen(why), whysz - strlen(why),
			    " (in '%s')", migrations[i].rev);
			return e;
		}
	return set_rev(db, migrations[to].rev, why, whysz);
}

/*
 * No revision recorded: an empty database gets the Python stack's
 * schema at once; one with agent tables was built by create_all before
 * Alembic, and its shape is unknown. E_OK to go on, E_INVALID to refuse.
 */
static enum err
start_empty(struct db *db, char *why, size_t whysz)
{
	PGresult	*res = NULL;
	enum err	 e;

	if ((e = db_query(db, &q[Q_AGENT], NULL, &res)) != E_OK) {
		repo_migrations_why(db, why, whysz, "cannot list tables");
		return e;
	}
	if (!PQgetisnull(res, 0, 0)) {
		snprintf(why, whysz, "the database has agent tables (%s) but "
		    "no revision in 'alembic_version': a database built "
		    "before Alembic. Stamp it as the Python stack documents "
		    "('alembic stamp 0001_baseline', then 'alembic upgrade "
		    "head'), or, when its schema is already that of %s, "
		    "'dataland migrate stamp %s'; then run 'dataland migrate "
		    "up' again", PQgetvalue(res, 0, 0), MIGRATIONS_ADOPT_REV,
		    MIGRATIONS_ADOPT_REV);
		e = E_INVALID;
	}
	PQclear(res);
	return e;
}

/*
 * One step towards migrations[target]. *from and *to get the range
 * applied, or *to = -1 when there was nothing to do.
 */
static enum err
step(struct db *db, int target, int *from, int *to, char *why,
    size_t whysz)
{
	int		 adopt = repo_migrations_find(MIGRATIONS_ADOPT_REV);
	enum err	 e;
	int		 idx;

	*to = -1;
	if ((e = begin_locked(db, why, whysz)) != E_OK)
		return e;
	if ((e = read_index(db, &idx, why, whysz)) != E_OK)
		goto out;
	if (idx >= 0 && idx < adopt) {
		snprintf(why, whysz, "the database is at '%s', a revision "
		    "of the Python stack before %s: upgrade it with the "
		    "Python stack first ('alembic upgrade %s'), then run "
		    "'dataland migrate up'", migrations[idx].rev,
		    MIGRATIONS_ADOPT_REV, MIGRATIONS_ADOPT_REV);
		e = E_INVALID;
		goto out;
	}
	if (idx == -1 && (e = start_empty(db, why, whysz)) != E_OK)
		goto out;
	if (idx < target) {
		*from = idx + 1;
		*to = idx == -1 ? adopt : idx + 1;
		if ((e = apply(db, *from, *to, why, whysz)) != E_OK)
			goto out;
	}
	if ((e = db_commit(db)) != E_OK) {
		repo_migrations_why(db, why, whysz, "cannot commit");
		*to = -1;
	}
	return e;
out:
	*to = -1;
	db_rollback(db);
	return e;
}

enum err
repo_migrations_up(struct db *db, const char *target,
    void (*done)(const char *), int *applied, char *why, size_t whysz)
{
	enum err	e;
	int		t, from = 0, to, i, n = 0;

	t = target == NULL ? migrations_count - 1 :
	    repo_migrations_find(target);
	if (t < repo_migrations_find(MIGRATIONS_ADOPT_REV)) {
		snprintf(why, whysz, "cannot migrate to '%s': the target is "
		    "%s or a later revision", target, MIGRATIONS_ADOPT_REV);
		*applied = 0;
		return E_INVALID;
	}
	do {
		if ((e = step(db, t, &from, &to, why, whysz)) != E_OK)
			break;
		for (i = from; i <= to; i++) {
			n++;
			if (done != NULL)
				done(migrations[i].rev);
		}
	} while (to != -1);
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
