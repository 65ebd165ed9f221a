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

/* Every table after the last migration, with its columns in order:
 * the Python stack's tables exactly (0001) but for the conversation_id
 * its message children gain last (0016), then the catalogue. */
static const char *const want_tables[] = {
	"alembic_version: version_num character varying NN",
	"artwork_lexemes: lexeme text NN, artwork_id text NN, worth numeric NN",
	"artworks: id text NN, title text NN, artist text, year text, "
	    "medium text, room text, image_path text, description text, "
	    "search tsvector, search_folded tsvector",
	"catalogue_words: word text NN",
	"conversations: id text NN, user_id text, title text, mode text, "
	    "messages_json text, created_at timestamp with time zone, "
	    "updated_at timestamp with time zone",
	"document_lexemes: lexeme text NN, document_id text NN, "
	    "worth numeric NN",
	"documents: id text NN, title text NN, uri text NN, kind text, "
	    "body text NN, search tsvector, search_folded tsvector",
	"message_images: id bigint NN, message_id text, title text, "
	    "artist text, image_path text, score double precision, type text, "
	    "conversation_id text",
	"message_sources: id bigint NN, message_id text, title text, "
	    "uri text, confidence double precision, type text, "
	    "conversation_id text",
	"message_suggestions: id bigint NN, message_id text, text text, "
	    "sequence integer, conversation_id text",
	"messages: id text NN, conversation_id text, seq integer NN, "
	    "run_id text, role text, tool text, tool_call_id text, text text, "
	    "feedback text, created_at timestamp with time zone",
	"runs: id text NN, conversation_id text, user_id text, "
	    "started_at timestamp with time zone, "
	    "finished_at timestamp with time zone, model text, "
	    "prompt_tokens integer, completion_tokens integer, "
	    "cost_usd double precision, status text, error text",
	"tickets: id text NN, user_id text, "
	    "first_seen timestamp with time zone",
	"users: id text NN, email text, full_name text, location text, "
	    "profile_photo_url text, joined_date timestamp with time zone, "
	    "access_permissions text, stripe_customer_id text, "
	    "created_at timestamp with time zone",
	NULL
};

/* Foreign keys: child.column->parent:confdeltype (c cascade); no key
 * on messages.run_id, a soft link. */
static const char want_fks[] =
	"artwork_lexemes.artwork_id->artworks:c "
	"conversations.user_id->users:c "
	"document_lexemes.document_id->documents:c "
	"message_images.message_id->messages:c "
	"message_sources.message_id->messages:c "
	"message_suggestions.message_id->messages:c "
	"messages.conversation_id->conversations:c "
	"runs.conversation_id->conversations:c "
	"runs.user_id->users:c "
	"tickets.user_id->users:c";

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

/* The migrations' tables and indexes (not the auth service's, which
 * keeps auth_server.py's table as it is) all carry a comment. */
#define SQL_TABLES_UNCOMMENTED						\
	"SELECT count(*) FROM pg_class c"				\
	" WHERE c.relnamespace = 'public'::regnamespace"		\
	" AND c.relkind = 'r' AND c.relname <> 'alembic_version'"	\
	" AND c.relname NOT LIKE 'auth\\_%'"				\
	" AND obj_description(c.oid, 'pg_class') IS NULL"

#define SQL_INDEXES_UNCOMMENTED						\
	"SELECT count(*) FROM pg_index i JOIN pg_class c"		\
	" ON c.oid = i.indexrelid"					\
	" WHERE c.relnamespace = 'public'::regnamespace"		\
	" AND NOT i.indisprimary"					\
	" AND i.indrelid::regclass::text NOT LIKE 'auth\\_%'"		\
	" AND obj_description(i.indexrelid, 'pg_class') IS NULL"

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

/* A whole schema, as pg_dump prints it, for comparisons. */
static char *
schema(const char *dsn)
{
	return tpg_dump(dsn, "--schema-only", NULL);
}

/* The Python stack's columns of the message children, in id order;
 * their conversation_id (0016) is SQL_CHILD_CONVERSATIONS's. */
#define CHILD_ROWS(table, cols)						\
	"(SELECT string_agg((" cols ")::text, E'\\n' ORDER BY id) FROM "	\
	table ")"
#define SQL_CHILD_ROWS							\
	"SELECT concat_ws(E'\\n', "					\
	CHILD_ROWS("message_images",					\
	    "id, message_id, title, artist, image_path, score, type") ", "	\
	CHILD_ROWS("message_sources",					\
	    "id, message_id, title, uri, confidence, type") ", "		\
	CHILD_ROWS("message_suggestions",				\
	    "id, message_id, text, sequence") ")"

/* Message children with a conversation, and those whose conversation
 * is not their message's: "n|0" when 0016's column is right. */
#define SQL_CHILD_CONVERSATIONS						\
	"SELECT count(x.conversation_id) || '|' || count(*) FILTER (WHERE"	\
	" x.conversation_id IS DISTINCT FROM m.conversation_id) FROM ("	\
	"SELECT message_id, conversation_id FROM message_images UNION ALL"	\
	" SELECT message_id, conversation_id FROM message_sources UNION ALL" \
	" SELECT message_id, conversation_id FROM message_suggestions) x"	\
	" LEFT JOIN messages m ON m.id = x.message_id"

/* The rows of the Python stack's tables but the revision's, as
 * pg_dump prints them (the catalogue tables come later, empty), the
 * message children's as SQL_CHILD_ROWS prints them. */
static char *
rows(const char *dsn)
{
	char	*dump, *children, *all;
	size_t	 n;

	dump = tpg_dump(dsn, "--data-only",
	    "(alembic_version|artworks|documents|catalogue_words|"
	    "artwork_lexemes|document_lexemes|message_images|"
	    "message_sources|message_suggestions)");
	children = scalar(dsn, SQL_CHILD_ROWS);
	n = strlen(dump) + strlen(children) + 1;
	if ((all = malloc(n)) == NULL)
		T_FAIL("out of memory for %zu bytes", n);
	snprintf(all, n, "%s%s", dump, children);
	free(dump);
	free(children);
	return all;
}

static void
want_same(char *a, char *b, const char *what)
{
	if (strcmp(a, b) != 0)
		T_FAIL("%s differ", what);
	free(a);
	free(b);
}

/* The one column the auth service's startup DDL adds to the Python
 * stack's auth_server_users, last, as pg_dump prints it (auth.md). */
#define AUTH_OWN_COLUMN	",\n    password_changed_at timestamp with time zone\n"

/* dump with the auth service's own column taken out of its CREATE
 * TABLE; it must be there exactly once. Returns dump. */
static char *
without_auth_column(char *dump)
{
	char	*p;
	size_t	 n = strlen(AUTH_OWN_COLUMN);

	if ((p = strstr(dump, AUTH_OWN_COLUMN)) == NULL ||
	    strstr(p + 1, AUTH_OWN_COLUMN) != NULL)
		T_FAIL("auth_server_users has not exactly one %s",
		    "password_changed_at");
	p[0] = '\n';
	memmove(p + 1, p + n, strlen(p + n) + 1);
	return dump;
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
	T_EQ(repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)), E_OK);
	T_EQ(n, migrations_count);
	db_close(&db);
	want_current(dsn, last_rev);
	want_scalar(dsn, "SELECT version_num FROM alembic_version", last_rev);

	want_scalar(dsn, SQL_TABLES, "alembic_version artwork_lexemes "
	    "artworks catalogue_words conversations document_lexemes "
	    "documents message_images "
	    "message_sources message_suggestions messages runs tickets users");
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
	    " ' ' ORDER BY table_name, column_name)"
	    " FROM information_schema.columns"
	    " WHERE table_schema = 'public' AND is_generated = 'ALWAYS'",
	    "artworks.search artworks.search_folded documents.search "
	    "documents.search_folded");
	want_scalar(dsn, "SELECT string_agg(c.relname, ' ' ORDER BY c.relname)"
	    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
	    " JOIN pg_am m ON m.oid = c.relam WHERE m.amname = 'gin'",
	    "ix_artworks_search ix_artworks_search_folded ix_documents_search "
	    "ix_documents_search_folded");
	want_scalar(dsn, "SELECT string_agg(extname, ' ' ORDER BY extname)"
	    " FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent')",
	    "pg_trgm unaccent");
	want_scalar(dsn, "SELECT string_agg(c.relname, ' ' ORDER BY c.relname)"
	    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
	    " JOIN pg_am m ON m.oid = c.relam WHERE m.amname = 'gist'",
	    "ix_catalogue_words_trgm");
	T_PASS("fresh-database-gets-the-schema");
}

/*
 * (a) Up to 0010, a fresh database is the Python stack's database:
 * beside the auth service's throttle table and its own column of
 * auth_server_users, it dumps exactly as the fixture.
 */
static void
t_fresh_is_python(const char *dsn, const char *python)
{
	char	*out, *err;
	int	 i;

	T_EQ(dataland(dsn, "auth-init-db", NULL, NULL, &out, &err), 0);
	free(out);
	free(err);
	T_EQ(dataland(dsn, "migrate", "up", ADOPT_REV, &out, &err), 0);
	for (i = 0; i <= repo_migrations_find(ADOPT_REV); i++)
		T_OK(strstr(out, migrations[i].rev) != NULL);
	T_OK(strstr(out, "applied 0011") == NULL);
	free(out);
	free(err);
	want_current(dsn, ADOPT_REV);
	tpg_load(python, tpg_fixture());
	want_same(without_auth_column(tpg_dump(dsn, "--schema-only",
	    "auth_login_throttle")), schema(python), "a fresh database at "
	    ADOPT_REV " and the Python stack's");
	T_PASS("fresh-database-at-0010-is-the-python-schema");

	T_EQ(dataland(dsn, "migrate", "up", "0005_drop_messages_event", &out,
	    &err), 1);
	T_OK(strstr(err, "the target is " ADOPT_REV " or a later") != NULL);
	free(out);
	free(err);
	want_current(dsn, ADOPT_REV);
	T_PASS("migrate-up-to-a-python-revision-is-refused");
}

/*
 * A message child's conversation_id (0016) is its message's whatever a
 * writer does: set by hand, a child moved to another message, a message
 * moved to another conversation, a child without a message. Runs on
 * t_fresh_behaviour()'s rows (c1, m1, m2 with one child of each kind).
 */
static void
t_children_conversation(const char *dsn)
{
	want_scalar(dsn, SQL_CHILD_CONVERSATIONS, "3|0");
	tpg_exec(dsn, "UPDATE message_images SET conversation_id = 'c9';"
	    "UPDATE message_sources SET message_id = 'm1';"
	    "INSERT INTO message_suggestions (message_id, text,"
	    " conversation_id) VALUES (NULL, 'orphan', 'c1')");
	want_scalar(dsn, SQL_CHILD_CONVERSATIONS, "3|0");
	want_scalar(dsn, "SELECT count(*) FROM message_suggestions"
	    " WHERE conversation_id IS NULL", "1");
	tpg_exec(dsn, "INSERT INTO conversations (id, user_id) VALUES"
	    " ('c9', 'u1'); UPDATE messages SET conversation_id = 'c9'"
	    " WHERE id = 'm2'");
	want_scalar(dsn, SQL_CHILD_CONVERSATIONS, "3|0");
	want_scalar(dsn, "SELECT string_agg(conversation_id, ','"
	    " ORDER BY conversation_id) FROM (SELECT conversation_id FROM"
	    " message_images UNION ALL SELECT conversation_id FROM"
	    " message_sources) x", "c1,c9");
	tpg_exec(dsn, "UPDATE messages SET conversation_id = 'c1'"
	    " WHERE id = 'm2'; UPDATE message_sources SET message_id = 'm2';"
	    "DELETE FROM message_suggestions WHERE message_id IS NULL;"
	    "DELETE FROM conversations WHERE id = 'c9'");
	want_scalar(dsn, "SELECT count(*) FROM message_images"
	    " WHERE conversation_id = 'c1'", "1");
	T_PASS("message-children-keep-their-message-s-conversation");
}

/* (a) The schema behaves as the services need it to. */
static void
t_fresh_behaviour(const char *dsn)
{
	tpg_exec(dsn,
	    "INSERT INTO users (id, email) VALUES ('u1', 'a@example.org');"
	    "INSERT INTO tickets (id, user_id) VALUES ('c1', 'u1');"
	    "INSERT INTO conversations (id, user_id, mode)"
	    " VALUES ('c1', 'u1', 'museum');"
	    "INSERT INTO runs (id, conversation_id, user_id)"
	    " VALUES ('r1', 'c1', 'u1');"
	    "INSERT INTO messages (id, conversation_id, seq, role, run_id)"
	    " VALUES ('m1', 'c1', 1, 'user', 'r1'),"
	    " ('m2', 'c1', 2, 'assistant', 'no-such-run');"
	    "INSERT INTO message_images (message_id, title) VALUES ('m2', 'i');"
	    "INSERT INTO message_sources (message_id, title)"
	    " VALUES ('m2', 's');"
	    "INSERT INTO message_suggestions (message_id, text)"
	    " VALUES ('m2', 'next?');"
	    "INSERT INTO artworks (id, title, artist, description, room)"
	    " VALUES ('lilies', 'Water Lilies', 'Claude Monet',"
	    " 'A pond at Giverny', 'Room 7')");
	T_EQ(tpg_try_exec(dsn, "INSERT INTO messages (id, conversation_id,"
	    " seq, role) VALUES ('m3', 'c1', 2, 'user')"), -1);
	t_children_conversation(dsn);
	want_scalar(dsn, "SELECT id FROM artworks WHERE search @@"
	    " websearch_to_tsquery('english', 'monet pond')", "lilies");
	want_scalar(dsn, "SELECT id FROM artworks WHERE search @@"
	    " websearch_to_tsquery('english', 'room 7')", "lilies");
	tpg_exec(dsn, "DELETE FROM conversations WHERE id = 'c1'");
	want_scalar(dsn, "SELECT (SELECT count(*) FROM messages) +"
	    " (SELECT count(*) FROM runs) + (SELECT count(*) FROM"
	    " message_images) + (SELECT count(*) FROM message_sources) +"
	    " (SELECT count(*) FROM message_suggestions)", "0");
	T_PASS("deleting-a-conversation-takes-its-children");
	tpg_exec(dsn, "INSERT INTO conversations (id, user_id) VALUES"
	    " ('c2', 'u1'); INSERT INTO runs (id, user_id) VALUES ('r2', 'u1')");
	tpg_exec(dsn, "DELETE FROM users WHERE id = 'u1'");
	want_scalar(dsn, "SELECT (SELECT count(*) FROM tickets) +"
	    " (SELECT count(*) FROM conversations) +"
	    " (SELECT count(*) FROM runs)", "0");
	tpg_exec(dsn, "DELETE FROM artworks");
	T_PASS("deleting-a-user-takes-everything-of-theirs");
}

/* (c) A second `migrate up` changes nothing. */
static void
t_twice(const char *dsn)
{
	struct db	 db;
	char		 why[512], *before, *out, *err;
	int		 n = -1;

	before = schema(dsn);
	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)), E_OK);
	T_EQ(n, 0);
	db_close(&db);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "already at ") != NULL);
	T_OK(strstr(out, last_rev) != NULL);
	T_OK(strstr(out, "applied") == NULL);
	free(out);
	free(err);
	want_same(schema(dsn), before, "schemas before and after");
	T_PASS("migrate-up-twice-is-a-no-op");
}

/*
 * (b) The fixture, a database exactly as the Python stack leaves it, is
 * adopted: only the revisions after 0010 run, and every row stays as it
 * was, byte for byte.
 */
static void
t_adopt(const char *dsn)
{
	char	*before, *out, *err;

	tpg_load(dsn, tpg_fixture());
	want_current(dsn, ADOPT_REV);
	before = rows(dsn);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "applied " ADOPT_REV) == NULL);
	T_OK(strstr(out, "applied 0001_baseline") == NULL);
	T_OK(strstr(out, "applied 0011_") != NULL);
	T_OK(strstr(out, last_rev) != NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	want_same(rows(dsn), before, "the fixture's rows before and after");
	want_scalar(dsn, SQL_FKS, want_fks);
	want_scalar(dsn, "SELECT count(*) FROM messages m WHERE NOT EXISTS"
	    " (SELECT 1 FROM runs r WHERE r.id = m.run_id)", "2");
	want_scalar(dsn, SQL_CHILD_CONVERSATIONS, "4|0");
	T_PASS("python-database-at-0010-is-adopted-rows-untouched");

	/* The auth service's startup DDL leaves the table as it is, but
	 * for the sub it owes the row without one and its own nullable
	 * column, added last. */
	before = tpg_dump(dsn, "--schema-only", "auth_login_throttle");
	T_EQ(dataland(dsn, "auth-init-db", NULL, NULL, &out, &err), 0);
	free(out);
	free(err);
	want_same(without_auth_column(tpg_dump(dsn, "--schema-only",
	    "auth_login_throttle")), before,
	    "auth_server_users before and after auth-init-db");
	want_scalar(dsn, "SELECT count(*) FROM auth_server_users"
	    " WHERE password_changed_at IS NULL", "3");
	want_scalar(dsn, "SELECT count(*) FROM auth_server_users WHERE sub"
	    " ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
	    "[0-9a-f]{12}$'", "3");
	want_scalar(dsn, "SELECT sub FROM auth_server_users WHERE id = 1",
	    "0b7c1f0e-3c1e-4f4e-9a51-1d2f3e4a5b6c");
	T_PASS("auth-init-db-adopts-the-python-auth-table");
}

/* (e) Fresh and adopted databases have the same schema, byte for byte. */
static void
t_same_dump(const char *fresh, const char *adopted)
{
	char	*out, *err;

	T_EQ(dataland(fresh, "auth-init-db", NULL, NULL, &out, &err), 0);
	free(out);
	free(err);
	want_same(schema(fresh), schema(adopted),
	    "schemas of a fresh and an adopted database");
	T_PASS("fresh-and-adopted-dumps-are-identical");
}

/*
 * Rolling back stays possible: the Python stack's writes (as its ORM
 * issues them: NULLs where it leaves values out, a float cost, a soft
 * run_id, children deleted first) still succeed after our migrations.
 */
static void
t_python_still_runs(const char *dsn)
{
	tpg_exec(dsn,
	    "INSERT INTO users (id, created_at) VALUES ('py-1', now());"
	    "UPDATE users SET email = 'py@example.org', location = NULL"
	    " WHERE id = 'py-1';"
	    "INSERT INTO conversations (id, user_id, title, mode,"
	    " messages_json, created_at, updated_at) VALUES ('py-c', 'py-1',"
	    " NULL, 'general', '[]', now(), now());"
	    "INSERT INTO runs (id, conversation_id, user_id, started_at,"
	    " cost_usd, status) VALUES ('py-r', 'py-c', 'py-1', now(),"
	    " 0.000123456789, NULL);"
	    "INSERT INTO messages (id, conversation_id, seq, run_id, role,"
	    " text, created_at) VALUES ('py-m1', 'py-c', 1, 'py-r', 'user',"
	    " 'hi', now()), ('py-m2', 'py-c', 2, 'gone-run', NULL, NULL, NULL);"
	    "INSERT INTO message_images (message_id, title, score, type)"
	    " VALUES ('py-m2', 't', 0.5, NULL);"
	    "INSERT INTO message_suggestions (message_id, text, sequence)"
	    " VALUES ('py-m2', NULL, NULL);"
	    "INSERT INTO tickets (id, user_id, first_seen)"
	    " VALUES ('py-t', 'py-1', NULL);");
	want_scalar(dsn, "SELECT cost_usd FROM runs WHERE id = 'py-r'",
	    "0.000123456789");
	want_scalar(dsn, "SELECT string_agg(DISTINCT conversation_id, ',')"
	    " FROM message_images WHERE message_id = 'py-m2'", "py-c");
	want_scalar(dsn, SQL_CHILD_CONVERSATIONS, "6|0");
	tpg_exec(dsn,
	    "DELETE FROM message_images WHERE message_id IN"
	    " (SELECT id FROM messages WHERE conversation_id = 'py-c');"
	    "DELETE FROM message_suggestions WHERE message_id IN"
	    " (SELECT id FROM messages WHERE conversation_id = 'py-c');"
	    "DELETE FROM messages WHERE conversation_id = 'py-c';"
	    "DELETE FROM runs WHERE conversation_id = 'py-c';"
	    "DELETE FROM conversations WHERE id = 'py-c';"
	    "DELETE FROM tickets WHERE id = 'py-t';"
	    "DELETE FROM users WHERE id = 'py-1'");
	T_PASS("the-python-stack-still-writes-after-migrate-up");
}

/*
 * Back to the Python stack (whose `alembic stamp` records 0010) and
 * forward again: the C revisions run a second time, harmlessly.
 */
static void
t_forward_again(const char *dsn)
{
	char	*before, *data, *out, *err;

	before = schema(dsn);
	data = rows(dsn);
	tpg_exec(dsn, "UPDATE alembic_version SET version_num = '"
	    ADOPT_REV "'");
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "applied 0011_") != NULL);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	want_same(schema(dsn), before, "schemas before and after");
	want_same(rows(dsn), data, "rows before and after");
	T_PASS("migrate-up-again-after-a-python-stamp");
}

/* A database from the fixture, with the change an operator may find. */
static char *
fixture_db(const char *tag, const char *change)
{
	char	*dsn = tpg_fresh_db(tag);

	tpg_load(dsn, tpg_fixture());
	if (change != NULL)
		tpg_exec(dsn, change);
	return dsn;
}

/* `migrate up` refuses with a message holding want; nothing changes. */
static void
want_refusal(const char *dsn, const char *want)
{
	char	*before, *data, *out, *err;

	before = schema(dsn);
	data = tpg_dump(dsn, "--data-only", NULL);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 1);
	if (strstr(err, want) == NULL)
		T_FAIL("'%s' not in: %s", want, err);
	T_OK(strstr(out, "applied") == NULL);
	free(out);
	free(err);
	want_same(schema(dsn), before, "schemas before and after a refusal");
	want_same(tpg_dump(dsn, "--data-only", NULL), data,
	    "rows before and after a refusal");
}

/* The three starting states no run may touch. */
static void
t_refusals(void)
{
	char	*dsn, *out, *err;

	dsn = fixture_db("mig_old", "UPDATE alembic_version SET version_num ="
	    " '0007_lift_timestamps_to_tz'");
	want_refusal(dsn, "at '0007_lift_timestamps_to_tz', a revision of "
	    "the Python stack before " ADOPT_REV);
	want_refusal(dsn, "'alembic upgrade " ADOPT_REV "'");
	tpg_drop_db(dsn);
	free(dsn);
	T_PASS("an-older-python-revision-is-refused");

	dsn = fixture_db("mig_pre", "DROP TABLE alembic_version");
	want_refusal(dsn, "no revision in 'alembic_version'");
	want_refusal(dsn, "'alembic stamp 0001_baseline'");
	want_scalar(dsn, "SELECT to_regclass('alembic_version') IS NULL", "t");
	/* The way out the message gives works. */
	T_EQ(dataland(dsn, "migrate", "stamp", ADOPT_REV, &out, &err), 0);
	free(out);
	free(err);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	tpg_drop_db(dsn);
	free(dsn);
	T_PASS("agent-tables-without-alembic-version-are-refused");

	dsn = fixture_db("mig_new", "UPDATE alembic_version SET version_num ="
	    " '0042_from_a_newer_dataland'");
	want_refusal(dsn, "a database a newer dataland migrated needs that "
	    "one (migrations never go back)");
	tpg_drop_db(dsn);
	free(dsn);
	T_PASS("a-newer-revision-is-refused-never-downgraded");
}

/*
 * Older Python deployments may carry what the slim ticket model
 * dropped from its models: it stays, and migrating ignores it.
 */
static void
t_unknown_leftovers(void)
{
	char	*dsn, *before, *out, *err;

	dsn = fixture_db("mig_left",
	    "ALTER TABLE tickets ADD COLUMN external_id text,"
	    " ADD COLUMN last_seen timestamptz, ADD COLUMN visit_count integer"
	    " NOT NULL DEFAULT 1;"
	    "UPDATE tickets SET external_id = 'EXT-1', visit_count = 3;"
	    "CREATE TABLE user_ticket_mappings (id serial PRIMARY KEY,"
	    " user_id text REFERENCES users (id), ticket_id text, active"
	    " boolean);"
	    "INSERT INTO user_ticket_mappings (user_id, ticket_id, active)"
	    " VALUES ('visitor-7f3a', 'TKT-2026-000123', true)");
	before = rows(dsn);
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	free(out);
	free(err);
	want_current(dsn, last_rev);
	want_same(rows(dsn), before, "rows with the old ticket columns");
	want_scalar(dsn, "SELECT external_id || visit_count FROM tickets",
	    "EXT-13");
	tpg_drop_db(dsn);
	free(dsn);
	T_PASS("old-ticket-columns-and-tables-are-left-alone");
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
	if (repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)) != E_OK) {
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
	T_EQ(repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)), E_INVALID);
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
	int		 ic = repo_migrations_find("0012_catalogue"), n = -1;

	T_OK(ic > 0);
	tpg_exec(dsn, "CREATE TABLE artworks (x int)");
	open_db(&db, dsn);
	T_EQ(repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)), E_DB);
	T_EQ(n, ic);
	T_OK(strstr(why, "'0012_catalogue'") != NULL);
	T_OK(strstr(why, "column \"search\" does not exist") != NULL);
	db_close(&db);
	want_current(dsn, migrations[ic - 1].rev);
	tpg_exec(dsn, "DROP TABLE artworks");
	T_EQ(dataland(dsn, "migrate", "up", NULL, &out, &err), 0);
	T_OK(strstr(out, "applied 0012_catalogue") != NULL);
	T_OK(strstr(out, "applied 0011") == NULL);
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
	char	*fresh, *fresh10, *python, *adopted, *conc, *bad, *part;

	T_OK(migrations_count >= 12);
	T_STR(migrations[repo_migrations_find(ADOPT_REV)].rev, ADOPT_REV);
	T_EQ(repo_migrations_find(ADOPT_REV), 9);
	last_rev = migrations[migrations_count - 1].rev;
	fresh = tpg_fresh_db("mig_fresh");
	fresh10 = tpg_fresh_db("mig_fresh10");
	python = tpg_fresh_db("mig_python");
	adopted = tpg_fresh_db("mig_adopt");
	conc = tpg_fresh_db("mig_conc");
	bad = tpg_fresh_db("mig_bad");
	part = tpg_fresh_db("mig_part");

	t_cli_basics(fresh);
	t_fresh(fresh);
	t_fresh_behaviour(fresh);
	t_twice(fresh);
	t_fresh_is_python(fresh10, python);
	t_adopt(adopted);
	t_same_dump(fresh, adopted);
	t_python_still_runs(adopted);
	t_forward_again(adopted);
	t_refusals();
	t_unknown_leftovers();
	t_concurrent(conc);
	t_stamp_unknown(fresh);
	t_unknown_recorded(bad);
	t_partial_failure(part);

	tpg_drop_db(fresh);
	tpg_drop_db(fresh10);
	tpg_drop_db(python);
	tpg_drop_db(adopted);
	tpg_drop_db(conc);
	tpg_drop_db(bad);
	tpg_drop_db(part);
	free(fresh);
	free(fresh10);
	free(python);
	free(adopted);
	free(conc);
	free(bad);
	free(part);
	return 0;
}
