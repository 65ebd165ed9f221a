/*
 * One chat turn, in three steps (run.h). Between the first commit and
 * the second no transaction is open, so a 20 s answer never holds a
 * database connection inside a transaction (a transaction pooler can
 * lend it out), and a crash never leaves half an answer visible: the
 * tool messages, the answer and its children appear in one commit.
 *
 *   begin (db_tx) --ok--> answer (no tx) --ok--> finish (db_tx) --> reply
 *     |                      |                      |
 *     '-> error reply        '-> run cancelled      '-> run error,
 *        (no run)               or error, reply         error reply
 *
 * This file is also the pipeline's side of the provider interface
 * (model.h): model_emit(), model_tool() and the rest act on the turn.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "agent.h"
#include "arena.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "model/model.h"
#include "mono.h"
#include "repo_conversations.h"
#include "repo_messages.h"
#include "repo_runs.h"
#include "repo_tickets.h"
#include "req.h"
#include "run.h"
#include "tools.h"
#include "views.h"

#define RUN_HISTORY_MAX		40		/* earlier messages shown */
#define RUN_ANSWER_MAX		(256 * 1024)	/* bytes of one answer */
#define MODEL_SUGGEST_MAX	4

/* A tool call and its result, stored as a "tool" message. */
struct tool_rec {
	const char	*name;
	const char	*call_id;
	const char	*text;		/* {"arguments", "result"} */
};

/* The turn; the provider knows it as struct model_call. */
struct model_call {
	struct req			*rq;
	const struct turn_req		*in;
	const struct model_provider	*mp;
	const char			*title;
	struct conv			 conv;
	struct conv_msg			 user;
	struct conv_msg			 answer;
	const char			*run_id;
	struct model_msg		*history;
	size_t				 nhistory;
	char				*text;
	size_t				 len, cap;
	struct tool_rec			 tools[TOOL_CALLS_MAX];
	size_t				 ntools;
	struct json_object		*images, *sources, *suggestions;
	long				 prompt, completion;
	double				 cost;
	char				 why[256];
};

/* The first message's text as a title: spaces folded, at most
 * CONV_TITLE_MAX code points (API.md §4). */
static const char *
title_from(struct arena *a, const char *s)
{
	char	*t = arena_alloc(a, strlen(s) + 1), *o = t;
	size_t	 cps = 0;
	int	 space = 0;

	for (; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		continue;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = 1;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80) {
			if (cps + space >= CONV_TITLE_MAX)
				break;
			if (space)
				*o++ = ' ', cps++;
			cps++;
		}
		space = 0;
		*o++ = *s;
	}
	*o = '\0';
	return t;
}

/* Step 1, in a transaction: the ticket and conversation, the history,
 * the run's start and the user's message. Safe to run again. */
static enum err
begin_fn(struct db *db, void *arg)
{
	struct model_call	*t = arg;
	struct arena		*a = t->rq->a;
	struct msg_new		 m;
	const char		*id = t->in->conversation_id;
	enum err		 e;

	if (t->in->ticket_id != NULL) {
		id = t->in->ticket_id;
		if ((e = repo_tickets_register(db, t->rq->uid, id)) != E_OK ||
		    (e = repo_conversations_open_museum(db, t->rq->uid, id,
		    t->title)) != E_OK)
			return e;
	} else if (id == NULL && (e = repo_conversations_create(db, a,
	    t->rq->uid, t->title, &id)) != E_OK)
		return e;
	if ((e = repo_conversations_lock(db, a, t->rq->uid, id, &t->conv)) !=
	    E_OK || (e = repo_messages_history(db, a, id, RUN_HISTORY_MAX,
	    &t->history, &t->nhistory)) != E_OK ||
	    (e = repo_runs_start(db, a, id, t->rq->uid,
	    t->mp->model_name(), &t->run_id)) != E_OK)
		return e;
	memset(&m, 0, sizeof(m));
	m.run_id = t->run_id;
	m.role = "user";
	m.text = t->in->message;
	if ((e = repo_messages_append(db, a, id, &m, &t->user)) != E_OK)
		return e;
	return repo_conversations_touch(db, id);
}

/* What the run ends with, as far as the model's side goes. */
static void
run_end_of(const struct model_call *t, enum run_status st, struct run_end *r)
{

	memset(r, 0, sizeof(*r));
	r->status = st;
	r->model = t->mp->model_name();
	r->prompt_tokens = t->prompt;
	r->completion_tokens = t->completion;
	r->cost_usd = t->cost;
}

/* Step 3, in a transaction: the tool messages, the answer and its
 * children, the run's end. Safe to run again. */
static enum err
finish_fn(struct db *db, void *arg)
{
	struct model_call	*t = arg;
	struct arena		*a = t->rq->a;
	struct msg_new		*m;
	struct run_end		 r;
	size_t			 i;
	enum err		 e;

	if ((e = repo_conversations_lock(db, a, t->rq->uid, t->conv.id,
	    &t->conv)) != E_OK)
		return e;
	m = arena_zalloc(a, (t->ntools + 1) * sizeof(*m));
	for (i = 0; i < t->ntools; i++) {
		m[i].role = "tool";
		m[i].tool = t->tools[i].name;
		m[i].tool_call_id = t->tools[i].call_id;
		m[i].text = t->tools[i].text;
	}
	m[i].role = "assistant";
	m[i].text = t->text;
	run_end_of(t, RUN_SUCCESS, &r);
	if ((e = repo_messages_append_run(db, a, t->conv.id, t->run_id, m,
	    t->ntools + 1, &t->answer)) != E_OK ||
	    (e = repo_messages_attach(db, t->answer.id, t->images,
	    t->sources, t->suggestions)) != E_OK ||
	    (e = repo_runs_finish(db, a, t->run_id, &r)) != E_OK)
		return e;
	return repo_conversations_touch(db, t->conv.id);
}

/* The run's end when there is no answer to store; failures here are
 * logged by db.c and the start-up sweep closes what stays open. */
static void
end_run(struct model_call *t, enum run_status st)
{
	struct run_end	r;

	run_end_of(t, st, &r);
	r.error = t->why[0] != '\0' ? t->why : st == RUN_CANCELLED ?
	    "cancelled: the client went away" : NULL;
	(void)repo_runs_finish(t->rq->db, t->rq->a, t->run_id, &r);
}

/* Runs by status and model, the model's latency, the tokens. */
static void
count_run(struct model_call *t, enum run_status st, double secs)
{
	const char	*model = t->mp->model_name();
	const char	*runs[] = { "service", "agent", "status",
	    run_status_names[st], "model", model, NULL };
	const char	*lat[] = { "service", "agent", "model", model, NULL };
	const char	*tp[] = { "service", "agent", "model", model, "kind",
	    "prompt", NULL };
	const char	*tc[] = { "service", "agent", "model", model, "kind",
	    "completion", NULL };

	metrics_count("dataland_runs_total", runs, 1);
	metrics_time("dataland_model_duration_seconds", lat, secs);
	if (t->prompt > 0)
		metrics_count("dataland_tokens_total", tp,
		    (unsigned long)t->prompt);
	if (t->completion > 0)
		metrics_count("dataland_tokens_total", tc,
		    (unsigned long)t->completion);
}

static void
send_start(struct model_call *t)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "conversation_id",
	    json_object_new_string(t->conv.id));
	json_object_object_add(o, "run_id", json_object_new_string(t->run_id));
	json_object_object_add(o, "user_message_id",
	    json_object_new_string(t->user.id));
	(void)sse_event(t->rq, "start", o);
	json_object_put(o);
}

/* The stored answer as a Message (the arrays are shared, not moved). */
static struct json_object *
answer_json(struct model_call *t)
{
	return view_message(&t->answer, json_object_get(t->images),
	    json_object_get(t->sources), json_object_get(t->suggestions));
}

/* The stream's tail: images, sources, suggestions, done. */
static void
send_tail(struct model_call *t)
{
	struct json_object	*o, *u;

	(void)sse_event(t->rq, "images", t->images);
	(void)sse_event(t->rq, "sources", t->sources);
	(void)sse_event(t->rq, "suggestions", t->suggestions);
	u = json_object_new_object();
	json_object_object_add(u, "prompt_tokens",
	    json_object_new_int64(t->prompt));
	json_object_object_add(u, "completion_tokens",
	    json_object_new_int64(t->completion));
	o = json_object_new_object();
	json_object_object_add(o, "message", answer_json(t));
	json_object_object_add(o, "usage", u);
	(void)sse_event(t->rq, "done", o);
	json_object_put(o);
}

static void
reply_answer(struct model_call *t)
{
	struct json_object	*o;

	if (t->in->stream) {
		send_tail(t);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "conversation_id",
	    json_object_new_string(t->conv.id));
	json_object_object_add(o, "run_id", json_object_new_string(t->run_id));
	json_object_object_add(o, "message", answer_json(t));
	reply_json(t->rq, 200, o);
}

/* How a turn whose answer failed ends: the run, then the client. */
static void
fail_answer(struct model_call *t, enum err e)
{
	enum run_status	st;

	st = e == E_IO || e == E_STOPPING ? RUN_CANCELLED : RUN_ERROR;
	if (st == RUN_ERROR && t->why[0] == '\0')
		snprintf(t->why, sizeof(t->why), "%s", err_info(e)->message);
	end_run(t, st);
	if (e == E_IO)
		reply_gone(t->rq);
	else if (t->why[0] != '\0' && st == RUN_ERROR)
		reply_errmsg(t->rq, e, "%s", t->why);
	else
		reply_err(t->rq, e);
}

/* Step 2 and 3, after the user's message is stored. */
static void
answer(struct model_call *t)
{
	struct model_input	in;
	double			t0 = mono_now();
	enum err		e;

	memset(&in, 0, sizeof(in));
	in.a = t->rq->a;
	in.mode = t->conv.mode != NULL ? t->conv.mode : "general";
	in.question = t->in->message;
	in.history = t->history;
	in.nhistory = t->nhistory;
	e = t->mp->answer(t, &in);
	if (e == E_OK)
		e = req_cancelled(t->rq);	/* the last word was not sent */
	if (e == E_OK && (e = db_tx(t->rq->db, finish_fn, t)) != E_OK)
		snprintf(t->why, sizeof(t->why), "the answer could not be "
		    "stored: %s", err_info(e)->message);
	count_run(t, e == E_OK ? RUN_SUCCESS : e == E_IO || e == E_STOPPING ?
	    RUN_CANCELLED : RUN_ERROR, mono_now() - t0);
	if (e != E_OK) {
		fail_answer(t, e);
		return;
	}
	reply_answer(t);
}

void
run_turn(struct req *rq, const struct turn_req *in)
{
	struct model_call	*t;
	enum err		 e;

	t = arena_zalloc(rq->a, sizeof(*t));
	t->rq = rq;
	t->in = in;
	t->mp = agent_provider();
	t->title = title_from(rq->a, in->message);
	t->text = arena_strdup(rq->a, "");
	t->images = json_object_new_array();
	t->sources = json_object_new_array();
	t->suggestions = json_object_new_array();
	if ((e = db_tx(rq->db, begin_fn, t)) != E_OK)
		reply_err(rq, e);
	else {
		if (in->stream && sse_begin(rq) == E_OK)
			send_start(t);
		answer(t);
	}
	json_object_put(t->images);
	json_object_put(t->sources);
	json_object_put(t->suggestions);
}

/* --- the provider's side (model.h) ------------------------------------ */

enum err
model_check(struct model_call *t)
{
	enum err	e;

	if ((e = req_cancelled(t->rq)) != E_OK)
		return e;
	return t->in->stream ? sse_heartbeat(t->rq) : E_OK;
}

enum err
model_emit(struct model_call *t, const char *text, size_t len)
{
	struct json_object	*o;
	char			*p;
	enum err		 e;

	if ((e = req_cancelled(t->rq)) != E_OK)
		return e;
	if (t->len + len > RUN_ANSWER_MAX) {
		model_fail(t, "the answer is longer than %d bytes",
		    RUN_ANSWER_MAX);
		return E_UPSTREAM;
	}
	if (t->len + len + 1 > t->cap) {
		t->cap = (t->len + len + 1) * 2;
		p = arena_alloc(t->rq->a, t->cap);
		memcpy(p, t->text, t->len);
		t->text = p;
	}
	memcpy(t->text + t->len, text, len);
	t->len += len;
	t->text[t->len] = '\0';
	if (!t->in->stream)
		return E_OK;
	o = json_object_new_object();
	json_object_object_add(o, "text",
	    json_object_new_string_len(text, (int)len));
	e = sse_event(t->rq, "delta", o);
	json_object_put(o);
	return e;
}

/* The one tool path: run, then remember the call for its tool message. */
static enum err
run_tool(struct model_call *t, const char *name, const char *call_id,
    struct json_object *args, struct json_object **result, int show)
{
	struct json_object	*rec;
	enum err		 e;

	e = tools_run(t->rq->db, t->rq->a, name, args, result,
	    show ? t->images : NULL, show ? t->sources : NULL);
	if (e != E_OK && e != E_INVALID)
		return e;
	if (t->ntools < TOOL_CALLS_MAX) {
		rec = json_object_new_object();
		json_object_object_add(rec, "arguments", json_object_get(args));
		json_object_object_add(rec, "result", json_object_get(*result));
		t->tools[t->ntools].name = arena_strdup(t->rq->a, name);
		t->tools[t->ntools].call_id = call_id != NULL ?
		    arena_strdup(t->rq->a, call_id) : NULL;
		t->tools[t->ntools++].text = arena_strdup(t->rq->a,
		    json_object_to_json_string_ext(rec,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(rec);
	}
	return e;
}

enum err
model_tool(struct model_call *t, const char *name, const char *call_id,
    struct json_object *args, struct json_object **result)
{
	return run_tool(t, name, call_id, args, result, 1);
}

enum err
model_lookup(struct model_call *t, const char *name, const char *call_id,
    struct json_object *args, struct json_object **result)
{
	return run_tool(t, name, call_id, args, result, 0);
}

/* 1 when the array of strings holds s. */
static int
shown_text(struct json_object *arr, const char *s)
{
	size_t	i;

	for (i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(
		    arr, i)), s) == 0)
			return 1;
	return 0;
}

/* 1 when arr holds an image or source whose key(), its image_path or
 * uri, is v. */
static int
shown(struct json_object *arr, const char *(*key)(struct json_object *),
    const char *v)
{
	const char	*k;
	size_t		 i;

	for (i = 0; i < json_object_array_length(arr); i++)
		if ((k = key(json_object_array_get_idx(arr, i))) != NULL &&
		    strcmp(k, v) == 0)
			return 1;
	return 0;
}

void
model_show(struct model_call *t, struct json_object *hit)
{
	struct json_object	*v;

	if (hit == NULL)
		return;
	if (json_object_object_get_ex(hit, "image_path", &v) &&
	    json_object_is_type(v, json_type_string)) {
		if (!shown(t->images, view_image_path,
		    json_object_get_string(v)))
			json_object_array_add(t->images, tools_image(hit));
	} else if (json_object_object_get_ex(hit, "uri", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    !shown(t->sources, view_source_uri, json_object_get_string(v)))
		json_object_array_add(t->sources, tools_source(hit));
}

void
model_suggest(struct model_call *t, const char *text)
{
	if (strcasecmp(text, t->in->message) == 0 ||
	    shown_text(t->suggestions, text))
		return;
	if (json_object_array_length(t->suggestions) < MODEL_SUGGEST_MAX)
		json_object_array_add(t->suggestions,
		    json_object_new_string(text));
}

void
model_usage(struct model_call *t, long prompt, long completion, double cost)
{
	t->prompt = prompt;
	t->completion = completion;
	t->cost = cost;
}

void
model_fail(struct model_call *t, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	log_warn(t->rq->reqid, "run %s: %s", t->run_id, t->why);
}
