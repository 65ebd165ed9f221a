/*
 * messages and their children. All of their SQL is here; no HTTP.
 */
#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "json.h"
#include "model/model.h"
#include "repo.h"
#include "repo_conversations.h"
#include "repo_messages.h"

const char *const feedback_names[FEEDBACK__MAX + 1] = {
	"like", "dislike", NULL
};

enum { Q_APPEND, Q_APPEND_RUN, Q_ATTACH, Q_FEEDBACK, Q_HISTORY, Q__MAX };

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_messages_append(): max(seq) over uq_messages_conversation_seq
	 * while the caller holds the conversation's row lock */
	[Q_APPEND] = { "msg_append", 6,
	    "INSERT INTO messages (id, conversation_id, seq, run_id, role,"
	    " tool, tool_call_id, text, created_at)"
	    " SELECT gen_random_uuid()::text, $1, COALESCE(max(seq), 0) + 1,"
	    " $2, $3, $4, $5, $6, clock_timestamp() FROM messages"
	    " WHERE conversation_id = $1"
	    " RETURNING id, seq, role, text, tool, tool_call_id, run_id,"
	    " feedback, " REPO_TS("created_at") " AS created_at", 0 },
	/* repo_messages_append_run(): $3 a JSON array of {role, tool,
	 * tool_call_id, text}, given seqs after the last in its order */
	[Q_APPEND_RUN] = { "msg_append_run", 3,
	    "INSERT INTO messages (id, conversation_id, seq, run_id, role,"
	    " tool, tool_call_id, text, created_at)"
	    " SELECT gen_random_uuid()::text, $1, b.top + e.n, $2,"
	    " e.v->>'role', e.v->>'tool', e.v->>'tool_call_id', e.v->>'text',"
	    " clock_timestamp() FROM (SELECT COALESCE(max(seq), 0) AS top"
	    " FROM messages WHERE conversation_id = $1) b,"
	    " json_array_elements($3::json) WITH ORDINALITY AS e(v, n)"
	    " ORDER BY e.n"
	    " RETURNING id, seq, role, text, tool, tool_call_id, run_id,"
	    " feedback, " REPO_TS("created_at") " AS created_at", 0 },
	/* repo_messages_attach(): each array in its order (ids ascend in
	 * insertion order, and the reads sort by id) */
	[Q_ATTACH] = { "msg_attach", 4,
	    "WITH i AS (INSERT INTO message_images (message_id, title, artist,"
	    " image_path, score, type) SELECT $1, e.v->>'title',"
	    " e.v->>'artist', e.v->>'image_path', (e.v->>'score')::float8,"
	    " COALESCE(e.v->>'type', 'artwork') FROM json_array_elements("
	    "COALESCE($2, '[]')::json) WITH ORDINALITY AS e(v, n)"
	    " ORDER BY e.n),"
	    " s AS (INSERT INTO message_sources (message_id, title, uri,"
	    " confidence, type) SELECT $1, e.v->>'title', e.v->>'uri',"
	    " (e.v->>'confidence')::float8, COALESCE(e.v->>'type',"
	    " 'document') FROM json_array_elements(COALESCE($3, '[]')::json)"
	    " WITH ORDINALITY AS e(v, n) ORDER BY e.n)"
	    " INSERT INTO message_suggestions (message_id, text, sequence)"
	    " SELECT $1, e.v, (e.n - 1)::int FROM json_array_elements_text("
	    "COALESCE($4, '[]')::json) WITH ORDINALITY AS e(v, n)"
	    " ORDER BY e.n", 0 },
	/* repo_messages_feedback() */
	[Q_FEEDBACK] = { "msg_feedback", 3,
	    "UPDATE messages m SET feedback = $3 FROM conversations c"
	    " WHERE m.id = $1 AND c.id = m.conversation_id"
	    " AND c.user_id = $2", 0 },
	/* repo_messages_history(): the last $2 by seq, oldest first */
	[Q_HISTORY] = { "msg_history", 2,
	    "SELECT role, text, tool, tool_call_id FROM (SELECT seq, role,"
	    " text, tool, tool_call_id FROM messages WHERE conversation_id = $1"
	    " ORDER BY seq DESC LIMIT $2::int) h ORDER BY seq", S_READ },
};

#define F(f)	offsetof(struct conv_msg, f)
const struct db_col repo_messages_cols[] = {
	{ "id", F(id), COL_TEXT },
	{ "seq", F(seq), COL_INT },
	{ "role", F(role), COL_TEXT },
	{ "text", F(text), COL_TEXT },
	{ "tool", F(tool), COL_TEXT },
	{ "tool_call_id", F(tool_call_id), COL_TEXT },
	{ "run_id", F(run_id), COL_TEXT },
	{ "feedback", F(feedback), COL_TEXT },
	{ "created_at", F(created_at), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

#define F(f)	offsetof(struct model_msg, f)
static const struct db_col history_cols[] = {
	{ "role", F(role), COL_TEXT },
	{ "text", F(text), COL_TEXT },
	{ "tool", F(tool), COL_TEXT },
	{ "tool_call_id", F(tool_call_id), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

enum err
repo_messages_append(struct db *db, struct arena *a,
    const char *conversation_id, const struct msg_new *m,
    struct conv_msg *out)
{
	const char	*p[6] = { conversation_id, m->run_id, m->role, m->tool,
	    m->tool_call_id, m->text };

	return db_one(db, a, &q[Q_APPEND], p, repo_messages_cols, out);
}

enum err
repo_messages_append_run(struct db *db, struct arena *a,
    const char *conversation_id, const char *run_id,
    const struct msg_new *m, size_t n, struct conv_msg *last)
{
	struct json_object	*list, *o;
	struct conv_msg		*rows = NULL;
	const char		*p[3];
	size_t			 i, got = 0;
	enum err		 e;

	list = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "role",
		    json_str_or_null(m[i].role));
		json_object_object_add(o, "tool",
		    json_str_or_null(m[i].tool));
		json_object_object_add(o, "tool_call_id",
		    json_str_or_null(m[i].tool_call_id));
		json_object_object_add(o, "text",
		    json_str_or_null(m[i].text));
		json_object_array_add(list, o);
	}
	p[0] = conversation_id;
	p[1] = run_id;
	p[2] = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN);
	e = db_rows(db, a, &q[Q_APPEND_RUN], p, repo_messages_cols,
	    sizeof(*rows), &rows, &got);
	json_object_put(list);
	if (e != E_OK)
		return e;
	if (got != n || n == 0)
		return E_DB;
	/* RETURNING follows the insertion order; the highest seq is last */
	*last = rows[0];
	for (i = 1; i < got; i++)
		if (rows[i].seq > last->seq)
			*last = rows[i];
	return E_OK;
}

/* A JSON array as text, or NULL for none. */
static const char *
json_text(struct json_object *o)
{
	if (o == NULL || json_object_array_length(o) == 0)
		return NULL;
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

enum err
repo_messages_attach(struct db *db, const char *message_id,
    struct json_object *images, struct json_object *sources,
    struct json_object *suggestions)
{
	const char	*p[4] = { message_id, json_text(images),
	    json_text(sources), json_text(suggestions) };

	if (p[1] == NULL && p[2] == NULL && p[3] == NULL)
		return E_OK;
	return db_exec(db, &q[Q_ATTACH], p);
}

enum err
repo_messages_feedback(struct db *db, const char *uid,
    const char *message_id, enum feedback fb)
{
	const char	*p[3] = { message_id, uid, feedback_names[fb] };
	long		 n = 0;
	enum err	 e;

	if ((e = db_exec_count(db, &q[Q_FEEDBACK], p, &n)) != E_OK)
		return e;
	return n > 0 ? E_OK : E_NOTFOUND;
}

enum err
repo_messages_history(struct db *db, struct arena *a,
    const char *conversation_id, int max, struct model_msg **out,
    size_t *n)
{
	const char	*p[2] = { conversation_id, arena_printf(a, "%d", max) };

	return db_rows(db, a, &q[Q_HISTORY], p, history_cols, sizeof(**out),
	    out, n);
}
