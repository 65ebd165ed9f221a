/*
 * The migration runner against the real test cluster (TEST_PG_URL):
 * the schema a fresh database gets, adoption of a database the Python
 * stack left at 0010_user_profile_fields, idempotence, concurrent
 * runners, identical dumps either way, and the failures an operator
 * must see clearly. Uses the runner's C functions and the built
 * `dataland` binary.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

#include "cli/migrations.h"
#include "cli/repo_migrations.h"
#include "t.h"
#include "tbin.h"
#include "tpg.h"

#define RUNNERS		4	/* concurrent `migrate up` processes */
#define ADOPT_REV	"0010_user_profile_fields"

/* Every table after the last migration, with its columns in order. */
static const char *const want_tables[] = {
	"alembic_version: version_num character varying NN",
	"artworks: id text NN, title text NN, artist text, year integer, "
	    "description text, image_path text, search tsvector",
	"conversations: id text NN, user_id text NN, title text, "
	    "created_at timestamp with time zone NN, "
	    "updated_at timestamp with time zone NN, mode text NN",
	"documents: id text NN, title text NN, uri text, body text NN, "
	    "search tsvector",
	"message_images: id integer NN, message_id text NN, title text, "
	    "artist text, image_path text, score double precision, "
	    "type text NN, position integer NN",
	"message_sources: id integer NN, message_id text NN, title text, "
	    "uri text, confidence double precision, type text NN, "
	    "position integer NN",
	"message_suggestions: id integer NN, message_id text NN, text text NN, "
	    "sequence integer NN",
	"messages: id text NN, conversation_id text NN, role text NN, "
	    "text text NN, created_at timestamp with time zone NN, "
	    "seq integer NN, tool text, tool_call_id text, run_id text, "
	    "feedback text",
	"runs: id text NN, conversation_id text NN, "
	    "started_at timestamp with time zone NN, "
	    "finished_at timestamp with time zone, model text, "
	    "prompt_tokens integer NN, completion_tokens integer NN, "
	    "cost_usd numeric NN, status text NN, error text",
	"tickets: id text NN, user_id text NN, "
	    "created_at timestamp with time zone NN",
	"users: id text NN, email text, full_name text, "
	    "created_at timestamp with time zone NN, "
	    "updated_at timestamp with time zone NN, location text, "
	    "profile_photo_url text, joined_date timestamp with time zone, "
	    "access_permissions text, stripe_customer_id text",
	NULL
};

/* Foreign keys: child.column->parent:confdeltype (a none, c cascade). */
static const char want_fks[] =
	"conversations.user_id->users:a "
	"message_images.message_id->messages:c "
	"message_sources.message_id->messages:c "
	"message_suggestions.message_id->messages:c "
	"messages.conversation_id->conversations:c "
	"messages.run_id->runs:n "
	"runs.conversation_id->conversations:c "
	"tickets.user_id->users:a";

#define SQL_COLUMNS							\
	"SELECT string_agg(column_name || ' ' || data_type ||"		\
	" CASE WHEN is_nullable = 'NO' THEN ' NN' ELSE '' END, ', '"	\
	" ORDER BY ordinal_position) FROM information_schema.columns"	\
	" WHERE table_schema = 'public' AND table_name = '%.*s'"

#define SQL_TABLES							\
	"SELECT string_agg(table_name, ' ' ORDER BY table_name)"	\
	" FROM information_schema.tables WHERE table_schema = 'public'"

#define SQL_FKS								\
	"SELECT string_agg(d, ' ' ORDER BY d) FROM ("			\
	" SELECT c.conrelid::regclass || '.' || a.attname || '->' ||"	\
	" c.confrelid::regclass || ':' || c.confdeltype::text AS d"	\
	" FROM pg_constraint c JOIN pg_attribute a"			\
	" ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"	\
	" WHERE c.contype = 'f'"					\
	" AND c.connamespace = 'public'::regnamespace) s"

/* Foreign keys without an index that leads with their column. */
#define SQL_FK_NO_INDEX							\
	"SELECT count(*) FROM pg_constraint c WHERE c.contype = 'f'"	\
	" AND c.connamespace = 'public'::regnamespace AND NOT EXISTS ("	\
	" SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid"	\
	" AND i.indkey[0] = c.conkey[1])"

#define SQL_TABLES_UNCOMMENTED						\
	"SELECT count(*) FROM pg_class c"				\
	" WHERE c.relnamespace = 'public'::regnamespace"		\
	" AND c.relkind = 'r' AND c.relname <> 'alembic_version'"	\
	" AND obj_description(c.oid, 'pg_class') IS NULL"

/* Indexes other than primary keys that carry no comment. */
#define SQL_INDEXES_UNCOMMENTED						\
	"SELECT count(*) FROM pg_index i JOIN pg_class c"		\
	" ON c.oid = i.indexrelid"					\
	" WHERE c.relnamespace = 'public'::regnamespace"		\
	" AND NOT i.indisprimary"					\
	" AND obj_description(i.indexrelid, 'pg_class') IS NULL"

#define SQL_ROW_COUNTS							\
	"SELECT (SELECT count(*) FROM users) || ' ' ||"			\
	" (SELECT count(*) FROM tickets) || ' ' ||"			\
	" (SELECT count(*) FROM conversations) || ' ' ||"		\
	" (SELECT count(*) FROM messages) || ' ' ||"			\
	" (SELECT count(*) FROM runs) || ' ' ||"			\
	" (SELECT count(*) FROM message_images) || ' ' ||"		\
	" (SELECT count(*) FROM message_sources) || ' ' ||"		\
	" (SELECT count(*) FROM message_suggestions) || ' ' ||"		\
	" (SELECT count(*) FROM artworks) || ' ' ||"			\
	" (SELECT count(*) FROM documents)"

/* The table exactly as Alembic creates it. */
#define SQL_ALEMBIC_TABLE						\
	"CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL," \
	" CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"

static const char	*last_rev;

/* tpg_scalar() that must answer; the string is the caller's to free. */
static char *
scalar(const char *dsn, const char *sql)
{
	char	*v = tpg_scalar(dsn, sql);

	if (v == NULL)
		T_FAIL("no value for %s", sql);
	return v;
}

static void
want_scalar(const char *dsn, const char *sql, const char *want)
{
	char	*v = scalar(dsn, sql);

	T_STR(v, want);
	free(v);
}

static void
open_db(struct db *db, const char *dsn)
{
	T_EQ(db_open(db, dsn), E_OK);
}

/* `dataland args...` with DATABASE_URL=dsn; returns the exit status. */
static int
dataland(const char *dsn, const char *a1, const char *a2, const char *a3,
    char **out, char **err)
{
	char		 envbuf[1024];
	const char	*env[3];

	snprintf(envbuf, sizeof(envbuf), "DATABASE_URL=%s", dsn);
	env[0] = envbuf;
	env[1] = "AUTH_DATABASE_URL";
	env[2] = NULL;
	return tbin_dataland_run(env, a1, a2, a3, out, err);
}

static void
want_current(const char *dsn, const char *rev)
{
	struct db	db;
	char		cur[MIGRATIONS_REV_MAX + 1], why[512];

	open_db(&db, dsn);
	T_EQ(repo_migrations_current(&db, cur, sizeof(cur), why,
	    sizeof(why)), E_OK);
	T_STR(cur, rev);
	db_close(&db);
}

/* The schema-only dump of dsn, its database name replaced by "DB". */
static char *
dump(const char *dsn, const char *dbname)
{
	static int	 restrict_key = -1;
	char		 pgdump[1024], *out, *err, *p;
	char		*argv[8];
	const char	*bindir;
	size_t		 n = strlen(dbname);
	int		 i = 0;

	if ((bindir = getenv("PG_BIN")) == NULL || *bindir == '\0')
		bindir = "/usr/lib/postgresql/15/bin";
	snprintf(pgdump, sizeof(pgdump), "%s/pg_dump", bindir);
	/* Newer pg_dump writes a random \restrict key unless given one. */
	if (restrict_key == -1) {
		argv[0] = pgdump;
		argv[1] = (char *)"--help";
		argv[2] = NULL;
		T_EQ(tbin_run(pgdump, argv, NULL, &out, &err), 0);
		restrict_key = strstr(out, "--restrict-key") != NULL;
		free(out);
		free(err);
	}
	argv[i++] = pgdump;
	argv[i++] = (char *)"--schema-only";
	if (restrict_key)
		argv[i++] = (char *)"--restrict-key=dataland";
	argv[i++] = (char *)"-d";
	argv[i++] = (char *)dsn;
	argv[i] = NULL;
	if (tbin_run(pgdump, argv, NULL, &out, &err) != 0)
		T_FAIL("pg_dump failed: %s", err);
	free(err);
	while ((p = strstr(out, dbname)) != NULL) {
		memcpy(p, "DB", 2);
		memmove(p + 2, p + n, strlen(p + n) + 1);
	}
	return out;
}

/* The database name at the end of a tpg URL. */
static const char *
dbname_of(const char *dsn)
{
	const char	*p = strrchr(dsn, '/');

	T_OK(p != NULL);
	return p + 1;
}

/* (a) A fresh database gets the whole schema. */
static void
t_fresh(const char *dsn)
{
	struct db	 db;
	char		 sql[1024], why[512], *v;
	const char	*colon;
	int		 i, n = -1;

	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, &n, why, sizeof(why)), E_OK);
	T_EQ(n, migrations_count);
	db_close(&db);
	want_current(dsn, last_rev);
	want_scalar(dsn, "SELECT version_num FROM alembic_version", last_rev);

	want_scalar(dsn, SQL_TABLES, "alembic_version artworks conversations "
	    "documents message_images message_sources message_suggestions "
	    "messages runs tickets users");
	for (i = 0; want_tables[i] != NULL; i++) {
		colon = strchr(want_tables[i], ':');
		snprintf(sql, sizeof(sql), SQL_COLUMNS,
		    (int)(colon - want_tables[i]), want_tables[i]);
		v = scalar(dsn, sql);
		T_STR(v, colon + 2);
		free(v);
	}
	want_scalar(dsn, "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
	    " WHERE conrelid = 'messages'::regclass AND contype = 'u'",
	    "UNIQUE (conversation_id, seq)");
	want_scalar(dsn, SQL_FKS, want_fks);
	want_scalar(dsn, SQL_FK_NO_INDEX, "0");
	want_scalar(dsn, SQL_TABLES_UNCOMMENTED, "0");
	want_scalar(dsn, SQL_INDEXES_UNCOMMENTED, "0");
	want_scalar(dsn, "SELECT string_agg(table_name || '.' || column_name,"
	    " ' ' ORDER BY table_name) FROM information_schema.columns"
	    " WHERE table_schema = 'public' AND is_generated = 'ALWAYS'",
	    "artworks.search documents.search");
	want_scalar(dsn, "SELECT string_agg(c.relname, ' ' ORDER BY c.relname)"
	    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
	    " JOIN pg_am m ON m.oid = c.relam WHERE m.amname = 'gin'",
	    "ix_artworks_search ix_documents_search");
	T_PASS("fresh-database-gets-the-schema");
}

/* (a) The schema behaves as the services need it to. */
static void
t_fresh_behaviour(const char *dsn)
{
	tpg_exec(dsn,
	    "INSERT INTO users (id, email) VALUES ('u1', 'a@example.org');"
	    "INSERT INTO conversations (id, user_id, mode)"
	    " VALUES ('c1', 'u1', 'museum');"
	    "INSERT INTO runs (id, conversation_id) VALUES ('r1', 'c1');"
	    "INSERT INTO messages (id, conversation_id, seq, role, run_id)"
	    " VALUES ('m1', 'c1', 1, 'user', 'r1'),"
	    " ('m2', 'c1', 2, 'assistant', 'r1');"
	    "INSERT INTO message_images (message_id, title) VALUES ('m2', 'i');"
	    "INSERT INTO message_sources (message_id, title)"
	    " VALUES ('m2', 's');"
	    "INSERT INTO message_suggestions (message_id, text)"
	    " VALUES ('m2', 'next?');"
	    "INSERT INTO artworks (id, title, artist, description) VALUES"
	    " ('lilies', 'Water Lilies', 'Claude Monet', 'A pond at Giverny')");
	want_scalar(dsn, "SELECT type || ' ' || position FROM message_images",
	    "artwork 0");
	want_scalar(dsn, "SELECT type FROM message_sources", "document");
	want_scalar(dsn, "SELECT access_permissions || location FROM users",
	    "[]");
	T_EQ(tpg_try_exec(dsn, "INSERT INTO messages (id, conversation_id,"
	    " seq, role) VALUES ('m3', 'c1', 2, 'user')"), -1);
	T_EQ(tpg_try_exec(dsn, "INSERT INTO conversations (id, user_id, mode)"
	    " VALUES ('c2', 'u1', 'other')"), -1);
	T_EQ(tpg_try_exec(dsn, "UPDATE messages SET feedback = 'meh'"), -1);
	tpg_exec(dsn, "UPDATE messages SET feedback = 'like' WHERE id = 'm2'");
	want_scalar(dsn, "SELECT id FROM artworks WHERE search @@"
	    " websearch_to_tsquery('english', 'monet pond')", "lilies");
	tpg_exec(dsn, "DELETE FROM conversations WHERE id = 'c1'");
	want_scalar(dsn, "SELECT (SELECT count(*) FROM messages) +"
	    " (SELECT count(*) FROM runs) + (SELECT count(*) FROM"
	    " message_images) + (SELECT count(*) FROM message_sources) +"
	    " (SELECT count(*) FROM message_suggestions)", "0");
	tpg_exec(dsn, "DELETE FROM artworks; DELETE FROM users");
	T_PASS("deleting-a-conversation-takes-its-children");
}

/* (c) A second `migrate up` changes nothing. */
static void
t_twice(const char *dsn)
{
	struct db	 db;
	char		 why[512], *before, *after, *out, *err;
	int		 n = -1;

	before = dump(dsn, dbname_of(dsn));
	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, &n, why, sizeof(why)), E_OK);
	T_EQ(n, 0);
	db_close(&db);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "already at ") != NULL);
	T_OK(strstr(out, last_rev) != NULL);
	T_OK(strstr(out, "applied") == NULL);
	free(out);
	free(err);
	after = dump(dsn, dbname_of(dsn));
	T_STR(after, before);
	free(before);
	free(after);
	T_PASS("migrate-up-twice-is-a-no-op");
}

/* Applies migrations[from..to] directly, as the Python stack had. */
static void
apply_raw(const char *dsn, int from, int to)
{
	int	i;

	for (i = from; i <= to; i++)
		tpg_exec(dsn, migrations[i].sql);
}

/*
 * A database as the Python stack left it: revisions 0001..0010 applied
 * by Alembic, messages written before 0004 numbered by it, and a row
 * in every table. Returns the row counts.
 */
static char *
build_python_db(const char *dsn)
{
	int	i4 = repo_migrations_find("0004_message_seq");
	int	i10 = repo_migrations_find(ADOPT_REV);

	T_OK(i4 > 0 && i10 > i4);
	apply_raw(dsn, 0, i4 - 1);
	tpg_exec(dsn,
	    "INSERT INTO users (id, email, full_name)"
	    " VALUES ('sub-1', 'ada@example.org', 'Ada');"
	    "INSERT INTO conversations (id, user_id, title)"
	    " VALUES ('conv-1', 'sub-1', 'Old chat');"
	    "INSERT INTO messages (id, conversation_id, role, text, created_at)"
	    " VALUES ('msg-2', 'conv-1', 'assistant', 'Hello!',"
	    " '2024-05-01T10:00:02Z'),"
	    " ('msg-1', 'conv-1', 'user', 'Hi', '2024-05-01T10:00:01Z')");
	apply_raw(dsn, i4, i10);
	tpg_exec(dsn, SQL_ALEMBIC_TABLE);
	tpg_exec(dsn, "INSERT INTO alembic_version VALUES ('" ADOPT_REV "')");
	tpg_exec(dsn,
	    "UPDATE users SET location = 'Lisbon', access_permissions ="
	    " '[\"museum\"]', joined_date = '2023-01-02T00:00:00Z',"
	    " stripe_customer_id = 'cus_1';"
	    "INSERT INTO tickets (id, user_id) VALUES ('T-100', 'sub-1');"
	    "INSERT INTO conversations (id, user_id, mode, title)"
	    " VALUES ('T-100', 'sub-1', 'museum', 'Visit');"
	    "INSERT INTO runs (id, conversation_id, model, status, cost_usd)"
	    " VALUES ('run-1', 'T-100', 'builtin', 'success', 0.000125);"
	    "INSERT INTO messages (id, conversation_id, seq, role, text,"
	    " run_id, feedback) VALUES ('msg-3', 'T-100', 1, 'user',"
	    " 'Where is the Monet?', 'run-1', NULL), ('msg-4', 'T-100', 2,"
	    " 'assistant', 'Room 3.', 'run-1', 'like');"
	    "INSERT INTO message_images (message_id, title, artist,"
	    " image_path, score, position) VALUES ('msg-4', 'Water Lilies',"
	    " 'Claude Monet', '/images/water-lilies.jpg', 0.9, 0);"
	    "INSERT INTO message_sources (message_id, title, uri, confidence)"
	    " VALUES ('msg-4', 'Room 3', '/docs/room-3', 0.8);"
	    "INSERT INTO message_suggestions (message_id, text, sequence)"
	    " VALUES ('msg-4', 'Who else is in room 3?', 0);"
	    "INSERT INTO artworks (id, title, artist, year) VALUES"
	    " ('water-lilies', 'Water Lilies', 'Claude Monet', 1906);"
	    "INSERT INTO documents (id, title, uri, body) VALUES"
	    " ('room-3', 'Room 3', '/docs/room-3', 'Impressionists.')");
	return scalar(dsn, SQL_ROW_COUNTS);
}

/* (b) A database at 0010 is adopted: only later revisions run. */
static void
t_adopt(const char *dsn)
{
	char	*before, *after, *out, *err;

	before = build_python_db(dsn);
	T_STR(before, "1 1 2 4 1 1 1 1 1 1");
	want_current(dsn, ADOPT_REV);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "applied " ADOPT_REV) == NULL);
	T_OK(strstr(out, "applied 0001_baseline") == NULL);
	T_OK(strstr(out, "applied 0011_") != NULL);
	T_OK(strstr(out, last_rev) != NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	after = scalar(dsn, SQL_ROW_COUNTS);
	T_STR(after, before);
	want_scalar(dsn, "SELECT string_agg(id || '=' || seq, ' ' ORDER BY id)"
	    " FROM messages WHERE conversation_id = 'conv-1'",
	    "msg-1=1 msg-2=2");
	want_scalar(dsn, "SELECT access_permissions || stripe_customer_id ||"
	    " location FROM users", "[\"museum\"]cus_1Lisbon");
	want_scalar(dsn, SQL_FKS, want_fks);
	tpg_exec(dsn, "DELETE FROM conversations WHERE id = 'T-100'");
	want_scalar(dsn, SQL_ROW_COUNTS, "1 1 1 2 0 0 0 0 1 1");
	free(before);
	free(after);
	T_PASS("python-database-at-0010-is-adopted");
}

/* (e) Fresh and adopted databases have the same schema, byte for byte. */
static void
t_same_dump(const char *fresh, const char *adopted)
{
	char	*a, *b;

	a = dump(fresh, dbname_of(fresh));
	b = dump(adopted, dbname_of(adopted));
	T_OK(strstr(a, "CREATE TABLE public.messages") != NULL);
	if (strcmp(a, b) != 0)
		T_FAIL("pg_dump --schema-only differs between a fresh and an "
		    "adopted database");
	free(a);
	free(b);
	T_PASS("fresh-and-adopted-dumps-are-identical");
}

/* One concurrent runner: exits with the number it applied, 100+ on error. */
static void
runner(const char *dsn, int gate)
{
	struct db	db;
	char		why[512], c;
	int		n = 0;

	if (db_open(&db, dsn) != E_OK)
		_exit(101);
	if (read(gate, &c, 1) != 0)	/* the parent closes it: go */
		_exit(102);
	if (repo_migrations_up(&db, NULL, &n, why, sizeof(why)) != E_OK) {
		printf("runner %d: %s\n", (int)getpid(), why);
		fflush(stdout);
		_exit(103);
	}
	db_close(&db);
	_exit(n);
}

/* (d) Concurrent runners all succeed and the schema is applied once. */
static void
t_concurrent(const char *dsn)
{
	pid_t	pids[RUNNERS];
	int	gate[2], i, st, sum = 0;

	T_EQ(pipe(gate), 0);
	fflush(stdout);
	for (i = 0; i < RUNNERS; i++) {
		T_OK((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			close(gate[1]);
			runner(dsn, gate[0]);
		}
	}
	close(gate[0]);
	usleep(200 * 1000);	/* let every runner connect first */
	close(gate[1]);
	for (i = 0; i < RUNNERS; i++) {
		T_EQ(waitpid(pids[i], &st, 0), pids[i]);
		T_OK(WIFEXITED(st));
		T_OK(WEXITSTATUS(st) < 100);
		sum += WEXITSTATUS(st);
	}
	T_EQ(sum, migrations_count);
	want_current(dsn, last_rev);
	want_scalar(dsn, "SELECT count(*) FROM alembic_version", "1");
	want_scalar(dsn, SQL_FKS, want_fks);
	T_PASS("concurrent-migrate-up-applies-once");
}

/* (f) Stamping an unknown revision fails and records nothing. */
static void
t_stamp_unknown(const char *dsn)
{
	struct db	 db;
	char		 why[512], *out, *err;

	open_db(&db, dsn);
	T_EQ(repo_migrations_stamp(&db, "9999_nope", why, sizeof(why)),
	    E_INVALID);
	T_OK(strstr(why, "unknown revision '9999_nope'") != NULL);
	db_close(&db);
	T_EQ(dataland(dsn, "migrate", "stamp", "9999_nope", &out, &err), 1);
	T_OK(strstr(err, "unknown revision '9999_nope'") != NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	T_PASS("stamp-unknown-revision-fails");
}

/* (g) An unknown recorded revision stops `migrate up`, clearly. */
static void
t_unknown_recorded(const char *dsn)
{
	struct db	 db;
	char		 why[512], *out, *err;
	int		 n = -1;

	tpg_exec(dsn, SQL_ALEMBIC_TABLE);
	tpg_exec(dsn, "INSERT INTO alembic_version VALUES ('3f2a9c1b7d4e')");
	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, &n, why, sizeof(why)), E_INVALID);
	T_EQ(n, 0);
	T_OK(strstr(why, "unknown revision '3f2a9c1b7d4e'") != NULL);
	db_close(&db);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 1);
	T_OK(strstr(err, "unknown revision '3f2a9c1b7d4e'") != NULL);
	free(out);
	free(err);
	T_EQ(dataland(dsn, "migrate", "current", NULL, &out, &err), 1);
	T_STR(out, "3f2a9c1b7d4e\n");
	free(out);
	free(err);
	want_scalar(dsn, "SELECT count(*) FROM information_schema.tables"
	    " WHERE table_schema = 'public'", "1");
	T_PASS("unknown-recorded-revision-fails");

	/* An operator repairs it with stamp; nothing else runs. */
	T_EQ(dataland(dsn, "migrate", "stamp", "head", &out, &err), 0);
	T_OK(strstr(out, last_rev) != NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	T_PASS("stamp-head-records-the-last-revision");
}

/*
 * A failing migration is rolled back alone: the ones before it stay
 * recorded, and the error names it.
 */
static void
t_partial_failure(const char *dsn)
{
	struct db	 db;
	char		 why[512], *out, *err;
	int		 i5 = repo_migrations_find("0005_runs"), n = -1;

	T_OK(i5 > 0);
	tpg_exec(dsn, "CREATE TABLE runs (x int)");
	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, &n, why, sizeof(why)), E_DB);
	T_EQ(n, i5);
	T_OK(strstr(why, "'0005_runs'") != NULL);
	T_OK(strstr(why, "already exists") != NULL);
	db_close(&db);
	want_current(dsn, migrations[i5 - 1].rev);
	tpg_exec(dsn, "DROP TABLE runs");
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "applied 0005_runs") != NULL);
	T_OK(strstr(out, "applied 0004") == NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	T_PASS("failed-migration-rolls-back-alone");
}

/* `migrate current` on an empty database, usage errors. */
static void
t_cli_basics(const char *dsn)
{
	char	*out, *err;

	T_EQ(dataland(dsn, "migrate", "current", NULL, &out, &err), 0);
	T_STR(out, "none\n");
	free(out);
	free(err);
	want_scalar(dsn, "SELECT count(*) FROM information_schema.tables"
	    " WHERE table_schema = 'public'", "0");
	T_EQ(dataland(dsn, "migrate", "sideways", NULL, &out, &err), 2);
	T_OK(strstr(err, "usage: dataland migrate") != NULL);
	free(out);
	free(err);
	T_EQ(dataland(dsn, "migrate", "stamp", NULL, &out, &err), 2);
	free(out);
	free(err);
	T_EQ(dataland(dsn, "no-such-command", NULL, NULL, &out, &err), 2);
	T_OK(strstr(err, "unknown command 'no-such-command'") != NULL);
	free(out);
	free(err);
	T_PASS("migrate-current-on-empty-database-is-none");
}

int
main(void)
{
	char	*fresh, *adopted, *conc, *bad, *part;

	T_OK(migrations_count >= 11);
	T_STR(migrations[repo_migrations_find(ADOPT_REV)].rev, ADOPT_REV);
	last_rev = migrations[migrations_count - 1].rev;
	fresh = tpg_fresh_db("mig_fresh");
	adopted = tpg_fresh_db("mig_adopt");
	conc = tpg_fresh_db("mig_conc");
	bad = tpg_fresh_db("mig_bad");
	part = tpg_fresh_db("mig_part");

	t_cli_basics(fresh);
	t_fresh(fresh);
	t_fresh_behaviour(fresh);
	t_twice(fresh);
	t_adopt(adopted);
	t_same_dump(fresh, adopted);
	t_concurrent(conc);
	t_stamp_unknown(fresh);
	t_unknown_recorded(bad);
	t_partial_failure(part);

	tpg_drop_db(fresh);
	tpg_drop_db(adopted);
	tpg_drop_db(conc);
	tpg_drop_db(bad);
	tpg_drop_db(part);
	free(fresh);
	free(adopted);
	free(conc);
	free(bad);
	free(part);
	return 0;
}
