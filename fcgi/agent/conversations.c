/*
 * GET/PATCH/DELETE /v1/conversations[/{id}], their runs, and message
 * feedback (API.md §4). HTTP only: validation, one or two repository
 * calls, one reply. Another user's object is 404 (the SQL is scoped).
 */
#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "conversations.h"
#include "json.h"
#include "jwt.h"
#include "repo_conversations.h"
#include "repo_messages.h"
#include "repo_runs.h"
#include "req.h"
#include "views.h"

#define LIST_LIMIT_DEFAULT	20
#define LIST_LIMIT_MAX		100
#define CURSOR_MAX		256	/* characters of a cursor */
#define TITLE_MAX		200	/* code points of a title */

static const struct strspec cursor_spec = { 1, CURSOR_MAX,
    "A-Za-z0-9_-", 0 };

/*
 * A cursor is the base64url of "<sort_key>\n<id>" of the last row of
 * the page before. E_OK with both (NULL, NULL when there is none), or
 * the 400 naming it has been sent.
 */
static enum err
cursor_get(struct req *rq, const char **key, const char **id)
{
	const char	*c = NULL;
	char		*buf, *nl;
	size_t		 n;

	*key = *id = NULL;
	if (opt_query_str(rq, "cursor", &cursor_spec, &c) != E_OK)
		return E_INVALID;
	if (c == NULL)
		return E_OK;
	buf = arena_alloc(rq->a, strlen(c) + 1);
	if (jwt_b64url_decode(buf, strlen(c), c, strlen(c), &n) != E_OK ||
	    (buf[n] = '\0', (nl = strchr(buf, '\n')) == NULL) ||
	    strspn(buf, "0123456789-T:.infty") != (size_t)(nl - buf) ||
	    nl == buf || nl[1] == '\0') {
		reply_errmsg(rq, E_INVALID, "'cursor' is not a cursor this "
		    "service gave");
		return E_INVALID;
	}
	*nl = '\0';
	*key = buf;
	*id = nl + 1;
	return E_OK;
}

static const char *
cursor_make(struct arena *a, const struct conv *c)
{
	char	*raw = arena_printf(a, "%s\n%s", c->sort_key, c->id);

	return jwt_b64url_arena(a, raw, strlen(raw));
}

/*
 * GET /v1/conversations?limit=1..100&cursor=
 * 200 {"conversations": [ConversationSummary], "next_cursor"} |
 * 400 invalid_request (limit, cursor) | 401 | 503
 */
void
conversations_list(struct req *rq)
{
	struct json_object	*o, *list;
	struct conv		*rows;
	const char		*key, *id;
	long			 limit = LIST_LIMIT_DEFAULT;
	size_t			 i, n;
	enum err		 e;

	if (opt_query_int(rq, "limit", 1, LIST_LIMIT_MAX, &limit) != E_OK ||
	    cursor_get(rq, &key, &id) != E_OK)
		return;
	e = repo_conversations_list(rq->db, rq->a, rq->uid, key, id,
	    (int)limit + 1, &rows, &n);
	if (e == E_INVALID) {
		reply_errmsg(rq, e, "'cursor' is not a cursor this service "
		    "gave");
		return;
	}
	if (e != E_OK) {
		reply_err(rq, e);
		return;
	}
	list = json_object_new_array();
	for (i = 0; i < n && i < (size_t)limit; i++)
		json_object_array_add(list, view_summary(&rows[i]));
	o = json_object_new_object();
	json_object_object_add(o, "conversations", list);
	json_object_object_add(o, "next_cursor", n > (size_t)limit ?
	    json_object_new_string(cursor_make(rq->a, &rows[limit - 1])) :
	    NULL);
	reply_json(rq, 200, o);
}

/*
 * GET /v1/conversations/{id}
 * 200 Conversation | 401 | 404 not_found | 503
 */
void
conversations_get(struct req *rq)
{
	struct conv_full	f;
	enum err		e;

	if ((e = repo_conversations_load(rq->db, rq->a, rq->uid, rq->arg[0],
	    &f)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_json(rq, 200, view_conversation(rq->a, &f));
}

/*
 * PATCH /v1/conversations/{id} {"title": 1..200, not only spaces}
 * 200 ConversationSummary | 400 | 401 | 404 not_found | 503
 */
void
conversations_patch(struct req *rq)
{
	struct conv	 c;
	const char	*title;
	enum err	 e;

	if (need_text(rq, "title", 1, TITLE_MAX, &title) != E_OK)
		return;
	if ((e = repo_conversations_set_title(rq->db, rq->a, rq->uid,
	    rq->arg[0], title, &c)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_json(rq, 200, view_summary(&c));
}

/*
 * DELETE /v1/conversations/{id}: its messages and their children go
 * with it. 204 | 401 | 404 not_found | 503
 */
void
conversations_delete(struct req *rq)
{
	enum err	e;

	if ((e = repo_conversations_delete(rq->db, rq->uid, rq->arg[0])) !=
	    E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_empty(rq, 204);
}

/*
 * GET /v1/conversations/{id}/runs
 * 200 {"runs": [Run]} | 401 | 404 not_found | 503
 */
void
conversations_runs_get(struct req *rq)
{
	struct json_object	*o, *list;
	struct run		*runs;
	size_t			 i, n;
	enum err		 e;

	if ((e = repo_runs_list(rq->db, rq->a, rq->uid, rq->arg[0], &runs,
	    &n)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	list = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++)
		json_object_array_add(list, view_run(&runs[i]));
	o = json_object_new_object();
	json_object_object_add(o, "runs", list);
	reply_json(rq, 200, o);
}

/*
 * POST /v1/messages/{id}/feedback {"feedback": "like"|"dislike"|null}
 * 200 {"id", "feedback"} | 400 | 401 | 404 not_found | 503
 */
void
messages_feedback_post(struct req *rq)
{
	struct json_object	*o;
	int			 fb;
	enum err		 e;

	if (need_enum(rq, "feedback", feedback_names, 1, &fb) != E_OK)
		return;
	if ((e = repo_messages_feedback(rq->db, rq->uid, rq->arg[0],
	    (enum feedback)fb)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(rq->arg[0]));
	json_object_object_add(o, "feedback",
	    json_str_or_null(feedback_names[fb]));
	reply_json(rq, 200, o);
}
