/*
 * The agent's repositories against a real PostgreSQL: a conversation of
 * any length is read with a fixed number of statements in one round
 * trip; its children come back in stored order; the user upsert writes
 * nothing when nothing changed; feedback and deletes are scoped by the
 * caller; a conversation's view prints every child under its message.
 * The HTTP side is tests/e2e/41-agent.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"

#include "agent/repo_conversations.h"
#include "agent/repo_messages.h"
#include "agent/repo_visitors.h"
#include "agent/views.h"
#include "cli/repo_migrations.h"
#include "t.h"
#include "tpg.h"

static char		*dsn;
static struct arena	 a;

static char *
val(const char *sql)
{
	char	*v = tpg_scalar(dsn, sql);

	if (v == NULL)
		T_FAIL("no value for %s", sql);
	return v;
}

/* A conversation of n turns, each answer with 2 images, 2 sources and
 * 3 suggestions, written by SQL as any writer could have. */
static void
seed(int n)
{
	char	sql[2048];
	int	i;

	tpg_exec(dsn, "INSERT INTO users (id) VALUES ('u1'), ('u2');"
	    "INSERT INTO conversations (id, user_id, mode, created_at,"
	    " updated_at) VALUES ('c1', 'u1', 'general', now(), now())");
	for (i = 1; i <= n; i++) {
		snprintf(sql, sizeof(sql),
		    "INSERT INTO messages (id, conversation_id, seq, role, text)"
		    " VALUES ('q%d', 'c1', %d, 'user', 'question %d'),"
		    " ('r%d', 'c1', %d, 'assistant', 'answer %d');"
		    "INSERT INTO message_images (message_id, title, score)"
		    " VALUES ('r%d', 'img a', 0.9), ('r%d', 'img b', NULL);"
		    "INSERT INTO message_sources (message_id, title, type)"
		    " VALUES ('r%d', 'src a', NULL), ('r%d', 'src b', 'x');"
		    "INSERT INTO message_suggestions (message_id, text, sequence)"
		    " VALUES ('r%d', 'third', 2), ('r%d', 'first', 0),"
		    " ('r%d', 'second', 1)",
		    i, 2 * i - 1, i, i, 2 * i, i, i, i, i, i, i, i, i);
		tpg_exec(dsn, sql);
	}
}

static void
t_load(struct db *db)
{
	struct conv_full	 f;
	unsigned long		 rt;
	size_t			 i;

	rt = db->round_trips;
	T_EQ(repo_conversations_load(db, &a, "u1", "c1", &f), E_OK);
	T_OK(db->round_trips - rt <= 2);
	T_EQ(f.nmsgs, 100);
	for (i = 0; i < f.nmsgs; i++)
		T_EQ(f.msgs[i].seq, (long)i + 1);
	T_EQ(f.nimages, 100);
	T_EQ(f.nsources, 100);
	T_EQ(f.nsuggestions, 150);
	T_STR(f.images[0].title, "img a");
	T_OK(!f.images[0].score.null && f.images[1].score.null);
	T_STR(f.sources[0].type, "document");
	T_STR(f.suggestions[0].text, "first");
	T_STR(f.suggestions[2].text, "third");
	T_PASS("agent: a 100-message conversation in one round trip, in order");

	rt = db->round_trips;
	T_EQ(repo_conversations_load(db, &a, "u2", "c1", &f), E_NOTFOUND);
	T_EQ(repo_conversations_load(db, &a, "u1", "nope", &f), E_NOTFOUND);
	T_EQ(repo_messages_feedback(db, "u2", "r1", FEEDBACK_LIKE),
	    E_NOTFOUND);
	T_EQ(repo_messages_feedback(db, "u1", "r1", FEEDBACK_LIKE), E_OK);
	T_EQ(repo_conversations_delete(db, "u2", "c1"), E_NOTFOUND);
	T_PASS("agent: another user's conversation and message are not found");
}

/* An answer's children keep the order they were given in. */
static void
t_attach(struct db *db)
{
	struct json_object	*img, *src, *sug;
	struct conv_msg		 m;
	struct msg_new		 nm = { NULL, "assistant", NULL, NULL, "a" };
	char			*v;

	img = json_tokener_parse("[{\"title\":\"z\",\"score\":0.5},"
	    "{\"title\":\"a\",\"score\":null,\"type\":\"x\"}]");
	src = json_tokener_parse("[{\"title\":\"s2\",\"uri\":\"u\","
	    "\"confidence\":0.25},{\"title\":\"s1\"}]");
	sug = json_tokener_parse("[\"third\", \"first\", \"second\"]");
	T_EQ(db_begin(db), E_OK);
	T_EQ(repo_messages_append(db, &a, "c1", &nm, &m), E_OK);
	T_EQ(repo_messages_attach(db, m.id, img, src, sug), E_OK);
	T_EQ(db_commit(db), E_OK);
	T_EQ(m.seq, 101);
	v = val(arena_printf(&a, "SELECT string_agg(title || ':' ||"
	    " coalesce(score::text, '-') || ':' || type, ',' ORDER BY id)"
	    " FROM message_images WHERE message_id = '%s'", m.id));
	T_STR(v, "z:0.5:artwork,a:-:x");
	free(v);
	v = val(arena_printf(&a, "SELECT string_agg(title || ':' ||"
	    " type, ',' ORDER BY id) FROM message_sources"
	    " WHERE message_id = '%s'", m.id));
	T_STR(v, "s2:document,s1:document");
	free(v);
	v = val(arena_printf(&a, "SELECT string_agg(text, ',' ORDER BY"
	    " sequence) FROM message_suggestions WHERE message_id = '%s'",
	    m.id));
	T_STR(v, "third,first,second");
	free(v);
	json_object_put(img);
	json_object_put(src);
	json_object_put(sug);
	T_PASS("agent: an answer's images, sources and suggestions in order");
}

/* The member k of message i of a printed conversation, as JSON text. */
static const char *
msg_member(struct json_object *conv, size_t i, const char *k)
{
	struct json_object	*msgs, *v;

	if (!json_object_object_get_ex(conv, "messages", &msgs) ||
	    !json_object_object_get_ex(json_object_array_get_idx(msgs, i), k,
	    &v))
		return "(missing)";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void
t_view(struct db *db)
{
	struct conv_full	 f;
	struct json_object	*v, *back, *msgs;
	size_t			 i;

	/* No JSON number is NaN: such a score reads as null. */
	tpg_exec(dsn, "INSERT INTO message_images (message_id, title, score)"
	    " VALUES ('q1', 'odd', 'NaN')");
	T_EQ(repo_conversations_load(db, &a, "u1", "c1", &f), E_OK);
	v = view_conversation(&a, &f);
	back = json_tokener_parse(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN));
	T_OK(back != NULL);
	T_OK(json_object_object_get_ex(back, "messages", &msgs));
	T_EQ(json_object_array_length(msgs), 101);
	for (i = 0; i < 101; i++)
		T_STR(msg_member(back, i, "seq"), arena_printf(&a, "%zu",
		    i + 1));
	T_STR(msg_member(back, 0, "images"), "[{\"title\":\"odd\","
	    "\"artist\":null,\"image_path\":null,\"score\":null,"
	    "\"type\":\"artwork\"}]");
	T_STR(msg_member(back, 0, "sources"), "[]");
	T_STR(msg_member(back, 99, "images"), "[{\"title\":\"img a\","
	    "\"artist\":null,\"image_path\":null,\"score\":0.9,"
	    "\"type\":\"artwork\"},{\"title\":\"img b\",\"artist\":null,"
	    "\"image_path\":null,\"score\":null,\"type\":\"artwork\"}]");
	T_STR(msg_member(back, 99, "sources"), "[{\"title\":\"src a\","
	    "\"uri\":null,\"confidence\":null,\"type\":\"document\"},"
	    "{\"title\":\"src b\",\"uri\":null,\"confidence\":null,"
	    "\"type\":\"x\"}]");
	T_STR(msg_member(back, 99, "suggestions"),
	    "[\"first\",\"second\",\"third\"]");
	T_STR(msg_member(back, 100, "images"), "[{\"title\":\"z\","
	    "\"artist\":null,\"image_path\":null,\"score\":0.5,"
	    "\"type\":\"artwork\"},{\"title\":\"a\",\"artist\":null,"
	    "\"image_path\":null,\"score\":null,\"type\":\"x\"}]");
	T_STR(msg_member(back, 100, "suggestions"),
	    "[\"third\",\"first\",\"second\"]");
	json_object_put(back);
	json_object_put(v);
	T_PASS("agent: a conversation's view, every child under its message");
}

static void
t_upsert(struct db *db)
{
	struct visitor_claims	 c = { "v@example.org", "Vi", NULL, NULL,
	    "2024-01-01T00:00:00Z", "[\"museum\"]", NULL };
	char			*x1, *x2;

	T_EQ(repo_visitors_get_or_create(db, "v1", &c), E_OK);
	x1 = val("SELECT xmin::text FROM users WHERE id = 'v1'");
	T_EQ(repo_visitors_get_or_create(db, "v1", &c), E_OK);
	x2 = val("SELECT xmin::text FROM users WHERE id = 'v1'");
	T_STR(x1, x2);
	free(x1);
	free(x2);
	c.joined_date = "not a date";
	c.location = "Porto";
	T_EQ(repo_visitors_get_or_create(db, "v1", &c), E_OK);
	x1 = val("SELECT location || ' ' || joined_date::date FROM users"
	    " WHERE id = 'v1'");
	T_STR(x1, "Porto 2024-01-01");
	free(x1);
	c.email = "V@EXAMPLE.ORG";	/* the same, case aside */
	T_EQ(repo_visitors_get_or_create(db, "v2", &c), E_OK);
	x1 = val("SELECT coalesce(email, '-') FROM users WHERE id = 'v2'");
	T_STR(x1, "-");
	free(x1);
	T_PASS("agent: the user upsert writes nothing unchanged, keeps the rest");
}

/* What agent_authenticate() does: the upsert rides with the first read. */
static void
t_upsert_lead(struct db *db)
{
	struct visitor_claims	 c = { "v@example.org", "Vi", NULL, NULL,
	    NULL, NULL, NULL };
	struct visitor		 v;
	unsigned long		 rt;

	repo_visitors_lead(db, "v3", &c);	/* v1 holds the email */
	T_EQ(repo_visitors_get(db, &a, "v3", &v), E_OK);
	T_OK(v.email == NULL);
	T_STR(v.full_name, "Vi");
	c.email = NULL;
	c.full_name = "Vee";
	rt = db->round_trips;
	repo_visitors_lead(db, "v3", &c);
	T_EQ(repo_visitors_get(db, &a, "v3", &v), E_OK);
	T_EQ(db->round_trips, rt + 1);
	T_STR(v.full_name, "Vee");
	T_PASS("agent: the user upsert rides with the first read, mended "
	    "when refused");
}

int
main(void)
{
	struct db	db;
	char		why[512];
	int		n;

	arena_init(&a);
	dsn = tpg_fresh_db("agent");
	T_EQ(db_open(&db, dsn), E_OK);
	T_EQ(repo_migrations_up(&db, NULL, NULL, &n, why, sizeof(why)), E_OK);
	seed(50);
	t_load(&db);
	t_attach(&db);
	t_view(&db);
	t_upsert(&db);
	t_upsert_lead(&db);
	db_close(&db);
	tpg_drop_db(dsn);
	free(dsn);
	arena_release(&a);
	return 0;
}
