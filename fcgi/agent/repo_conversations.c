/*
 * conversations and the reads of a whole conversation. All of their SQL
 * is in the statement table below; every statement names the caller's
 * user id, so no other user's row is ever read or written. No HTTP.
 */
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "repo.h"
#include "repo_conversations.h"
#include "repo_messages.h"

/* The list's order: the expression ix_conversations_user_recent holds,
 * so that rows the Python stack left without timestamps sort last. */
#define SORT_EXPR "COALESCE(c.updated_at, c.created_at, '-infinity')"

#define CONV_COLS							\
	"c.id, c.title, c.mode, " REPO_TS("c.created_at") " AS created_at, " \
	REPO_TS("c.updated_at") " AS updated_at,"			\
	" CASE WHEN " SORT_EXPR " = '-infinity' THEN '-infinity' ELSE"	\
	" to_char(" SORT_EXPR " AT TIME ZONE 'UTC',"			\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US') END AS sort_key"

/* The rows of a message child table (x) in conversation $1 that user
 * $2 owns: one range of its ix_*_conversation index (0016). */
#define OWNED_CHILDREN							\
	" JOIN conversations c ON c.id = x.conversation_id"		\
	" WHERE x.conversation_id = $1 AND c.user_id = $2"

enum {
	Q_LIST, Q_GET, Q_MESSAGES, Q_IMAGES, Q_SOURCES, Q_SUGGESTIONS,
	Q_TITLE, Q_DELETE, Q_MUSEUM, Q_MODE, Q_CREATE, Q_LOCK, Q_TOUCH,
	Q__MAX
};

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_conversations_list(): keyset pages over
	 * ix_conversations_user_recent; $2 'infinity' is the start */
	[Q_LIST] = { "conv_list", 4,
	    "SELECT " CONV_COLS " FROM conversations c WHERE c.user_id = $1"
	    " AND (" SORT_EXPR ", c.id) < ($2::timestamp AT TIME ZONE 'UTC',"
	    " $3) ORDER BY " SORT_EXPR " DESC, c.id DESC LIMIT $4::int",
	    S_READ },
	/* repo_conversations_load(), step 1 */
	[Q_GET] = { "conv_get", 2,
	    "SELECT " CONV_COLS " FROM conversations c"
	    " WHERE c.id = $1 AND c.user_id = $2", S_READ },
	/* repo_conversations_load(), step 2 (uq_messages_conversation_seq) */
	[Q_MESSAGES] = { "conv_messages", 2,
	    "SELECT m.id, m.seq, m.role, m.text, m.tool, m.tool_call_id,"
	    " m.run_id, m.feedback, " REPO_TS("m.created_at") " AS created_at"
	    " FROM messages m JOIN conversations c"
	    " ON c.id = m.conversation_id"
	    " WHERE m.conversation_id = $1 AND c.user_id = $2"
	    " ORDER BY m.seq", S_READ },
	/* repo_conversations_load(), step 3: stored order is id order */
	[Q_IMAGES] = { "conv_images", 2,
	    "SELECT x.message_id, x.title, x.artist, x.image_path, x.score,"
	    " COALESCE(x.type, 'artwork') AS type FROM message_images x"
	    OWNED_CHILDREN " ORDER BY x.message_id, x.id", S_READ },
	/* repo_conversations_load(), step 4 */
	[Q_SOURCES] = { "conv_sources", 2,
	    "SELECT x.message_id, x.title, x.uri, x.confidence,"
	    " COALESCE(x.type, 'document') AS type FROM message_sources x"
	    OWNED_CHILDREN " ORDER BY x.message_id, x.id", S_READ },
	/* repo_conversations_load(), step 5: by sequence (API.md §4) */
	[Q_SUGGESTIONS] = { "conv_suggestions", 2,
	    "SELECT x.message_id, x.text FROM message_suggestions x"
	    OWNED_CHILDREN " AND x.text IS NOT NULL"
	    " ORDER BY x.message_id, x.sequence NULLS LAST, x.id", S_READ },
	/* repo_conversations_set_title() */
	[Q_TITLE] = { "conv_title", 3,
	    "UPDATE conversations c SET title = $3, updated_at = now()"
	    " WHERE c.id = $1 AND c.user_id = $2 RETURNING " CONV_COLS, 0 },
	/* repo_conversations_delete(): children go by cascade (0011) */
	[Q_DELETE] = { "conv_delete", 2,
	    "DELETE FROM conversations WHERE id = $1 AND user_id = $2", 0 },
	/* repo_conversations_open_museum() */
	[Q_MUSEUM] = { "conv_museum", 3,
	    "INSERT INTO conversations (id, user_id, title, mode, created_at,"
	    " updated_at) VALUES ($1, $2, $3, 'museum', now(), now())"
	    " ON CONFLICT (id) DO NOTHING", 0 },
	/* repo_conversations_open_museum(): what the ticket's id holds */
	[Q_MODE] = { "conv_mode", 2,
	    "SELECT c.mode FROM conversations c"
	    " WHERE c.id = $1 AND c.user_id = $2", 0 },
	/* repo_conversations_create() */
	[Q_CREATE] = { "conv_create", 2,
	    "INSERT INTO conversations (id, user_id, title, mode, created_at,"
	    " updated_at) VALUES (gen_random_uuid()::text, $1, $2, 'general',"
	    " now(), now()) RETURNING id", 0 },
	/* repo_conversations_lock(): serialises seq per conversation */
	[Q_LOCK] = { "conv_lock", 2,
	    "SELECT " CONV_COLS " FROM conversations c"
	    " WHERE c.id = $1 AND c.user_id = $2 FOR UPDATE", 0 },
	/* repo_conversations_touch() */
	[Q_TOUCH] = { "conv_touch", 1,
	    "UPDATE conversations SET updated_at = now() WHERE id = $1", 0 },
};

#define F(f)	offsetof(struct conv, f)
static const struct db_col conv_cols[] = {
	{ "id", F(id), COL_TEXT },
	{ "title", F(title), COL_TEXT },
	{ "mode", F(mode), COL_TEXT },
	{ "created_at", F(created_at), COL_TEXT },
	{ "updated_at", F(updated_at), COL_TEXT },
	{ "sort_key", F(sort_key), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

#define F(f)	offsetof(struct conv_image, f)
static const struct db_col image_cols[] = {
	{ "message_id", F(message_id), COL_TEXT },
	{ "title", F(title), COL_TEXT },
	{ "artist", F(artist), COL_TEXT },
	{ "image_path", F(image_path), COL_TEXT },
	{ "score", F(score), COL_DOUBLE_NULLABLE },
	{ "type", F(type), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

#define F(f)	offsetof(struct conv_source, f)
static const struct db_col source_cols[] = {
	{ "message_id", F(message_id), COL_TEXT },
	{ "title", F(title), COL_TEXT },
	{ "uri", F(uri), COL_TEXT },
	{ "confidence", F(confidence), COL_DOUBLE_NULLABLE },
	{ "type", F(type), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

#define F(f)	offsetof(struct conv_suggestion, f)
static const struct db_col suggestion_cols[] = {
	{ "message_id", F(message_id), COL_TEXT },
	{ "text", F(text), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

enum err
repo_conversations_list(struct db *db, struct arena *a, const char *uid,
    const char *after_key, const char *after_id, int limit,
    struct conv **out, size_t *n)
{
	const char	*p[4] = { uid, after_key ? after_key : "infinity",
	    after_id ? after_id : "", arena_printf(a, "%d", limit) };

	return db_rows(db, a, &q[Q_LIST], p, conv_cols, sizeof(**out), out,
	    n);
}

enum err
repo_conversations_load(struct db *db, struct arena *a, const char *uid,
    const char *id, struct conv_full *out)
{
	const char		*p[2] = { id, uid };
	struct conv_full	 f;
	const struct db_step	 steps[] = {
		{ &q[Q_GET], p, conv_cols, &f.c, 0, NULL },
		{ &q[Q_MESSAGES], p, repo_messages_cols, &f.msgs,
		    sizeof(*f.msgs),
		    &f.nmsgs },
		{ &q[Q_IMAGES], p, image_cols, &f.images, sizeof(*f.images),
		    &f.nimages },
		{ &q[Q_SOURCES], p, source_cols, &f.sources,
		    sizeof(*f.sources), &f.nsources },
		{ &q[Q_SUGGESTIONS], p, suggestion_cols, &f.suggestions,
		    sizeof(*f.suggestions), &f.nsuggestions },
	};
	enum err		 e;

	memset(&f, 0, sizeof(f));
	if ((e = db_pipeline(db, a, steps, sizeof(steps) / sizeof(steps[0])))
	    == E_OK)
		*out = f;
	return e;
}

enum err
repo_conversations_set_title(struct db *db, struct arena *a,
    const char *uid, const char *id, const char *title, struct conv *out)
{
	const char	*p[3] = { id, uid, title };

	return db_one(db, a, &q[Q_TITLE], p, conv_cols, out);
}

enum err
repo_conversations_delete(struct db *db, const char *uid, const char *id)
{
	const char	*p[2] = { id, uid };
	long		 n = 0;
	enum err	 e;

	if ((e = db_exec_count(db, &q[Q_DELETE], p, &n)) != E_OK)
		return e;
	return n > 0 ? E_OK : E_NOTFOUND;
}

enum err
repo_conversations_open_museum(struct db *db, const char *uid,
    const char *ticket_id, const char *title)
{
	const char	*p[3] = { ticket_id, uid, title };
	PGresult	*res;
	enum err	 e;

	if ((e = db_exec(db, &q[Q_MUSEUM], p)) != E_OK ||
	    (e = db_query(db, &q[Q_MODE], p, &res)) != E_OK)
		return e;
	if (PQntuples(res) == 0)
		e = E_FORBIDDEN;	/* the id is another user's */
	else if (PQgetisnull(res, 0, 0) ||
	    strcmp(PQgetvalue(res, 0, 0), "museum") != 0)
		e = E_CONFLICT;
	PQclear(res);
	return e;
}

enum err
repo_conversations_create(struct db *db, struct arena *a, const char *uid,
    const char *title, const char **id)
{
	static const struct db_col	 cols[] = {
		{ "id", 0, COL_TEXT }, { NULL, 0, 0 }
	};
	const char			*p[2] = { uid, title };

	return db_one(db, a, &q[Q_CREATE], p, cols, id);
}

enum err
repo_conversations_lock(struct db *db, struct arena *a, const char *uid,
    const char *id, struct conv *out)
{
	const char	*p[2] = { id, uid };

	return db_one(db, a, &q[Q_LOCK], p, conv_cols, out);
}

enum err
repo_conversations_touch(struct db *db, const char *id)
{
	const char	*p[1] = { id };

	return db_exec(db, &q[Q_TOUCH], p);
}
