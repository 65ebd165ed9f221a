/*
 * The openai provider (API.md §4): any OpenAI-compatible
 * /v1/chat/completions endpoint (OpenAI, Gemini's OpenAI API, vLLM,
 * Ollama, llama.cpp's server), streamed, with the two tools. Each round
 * is one streamed completion (openai_http.c fetches it, openai_sse.c
 * reads it); its content goes out as it comes, its tool calls run
 * through the pipeline's one tool path and go back with their results.
 *
 *   messages = system prompt, earlier turns within MODEL_HISTORY_TOKENS,
 *              the question
 *   round k --> text only  --> done
 *           --> tool calls --> each runs (model_tool); the assistant's
 *               calls and a "tool" message per call are appended;
 *               round k+1, tools offered while k+1 < MODEL_TOOL_ROUNDS
 *   end     --> usage (the server's, else about 4 bytes a token), cost
 *               from MODEL_PRICES, suggestions from what the tools found
 *
 * Nothing here logs or says the API key or the URL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "caps.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "model.h"
#include "mono.h"
#include "openai_http.h"
#include "openai_sse.h"
#include "../tools.h"

#define OAI_CHARS_PER_TOKEN	4	/* history budget, usage estimate */
#define OAI_MSG_OVERHEAD	16	/* bytes a message costs beyond text */
#define OAI_SUGGEST_HITS	3	/* hits of a result looked at */
#define OAI_ENDPOINT		"/chat/completions"

/* The system prompt by conversation mode; the last is the default. */
static const struct {
	const char	*mode;
	const char	*prompt;
} prompts[] = {
	{ "museum",
	    "You are the guide of the Dataland museum, talking with a "
	    "visitor in the museum through its app. Answer only from what "
	    "your tools return: search_artwork_images for the works "
	    "(title, artist, date, medium, the room where each hangs), "
	    "search_documents for artists, movements, rooms and visitor "
	    "information (hours, tickets, accessibility, the cafe). Search "
	    "before you answer a question about the collection or the "
	    "visit. When the tools find nothing that answers it, say that "
	    "the museum does not have it, or that you do not know; never "
	    "invent works, rooms, dates or prices. Say where a work hangs. "
	    "Answer in the visitor's language, in a few sentences of plain "
	    "text." },
	{ NULL,
	    "You are the guide of the Dataland museum, answering a "
	    "visitor's questions about art and about the museum. For "
	    "anything about the museum (its works, rooms, artists and "
	    "visitor information) answer only from what your tools return: "
	    "search_artwork_images for the works, search_documents for "
	    "artists, rooms and visitor information. When the tools find "
	    "nothing that answers it, say that the museum does not have it; "
	    "never invent works, rooms, dates or prices. Answer in the "
	    "visitor's language, in a few sentences of plain text." },
};

/* The settings, read once per process by openai_init(). */
static struct {
	char		*url;		/* MODEL_BASE_URL + OAI_ENDPOINT */
	const char	*key;		/* MODEL_API_KEY or NULL */
	const char	*model;		/* MODEL_NAME */
	long		 connect_ms, total_ms, idle_ms;
	int		 rounds;	/* MODEL_TOOL_ROUNDS */
	long		 history;	/* bytes of earlier turns */
	double		 price_in, price_out;	/* USD per million */
} oai;
/* Set in the master, so a forked responder does not warn again. */
static int	oai_price_warned;

/* One answer. */
struct turn {
	struct model_call		*mc;
	const struct model_input	*in;
	struct arena			*a;
	struct json_object		*msgs;	/* the request's messages */
	struct json_object		*found;	/* [{"tool", "result"}] */
	struct openai_buf		 text;	/* the answer so far */
	double				 deadline;
	long				 prompt, completion;
	size_t				 ncalls;	/* tools run */
	int				 round_text;	/* content this round */
	int				 failed;	/* model_fail said */
};

/* MODEL_BASE_URL and its endpoint, or NULL when it is not a URL. */
static char *
openai_url(const char *u)
{
	char	*url;
	size_t	 n, e = sizeof(OAI_ENDPOINT) - 1;

	if (u == NULL || (strncmp(u, "http://", 7) != 0 &&
	    strncmp(u, "https://", 8) != 0) || strpbrk(u, " \t\r\n") != NULL)
		return NULL;
	for (n = strlen(u); n > 0 && u[n - 1] == '/'; n--)
		continue;
	url = xmalloc(n + e + 1);
	if (n >= e && memcmp(u + n - e, OAI_ENDPOINT, e) == 0)
		snprintf(url, n + 1, "%s", u);		/* given whole */
	else
		snprintf(url, n + e + 1, "%.*s%s", (int)n, u, OAI_ENDPOINT);
	return url;
}

/* 1 when the key can go in a header: printable ASCII, no space. */
static int
openai_key_ok(const char *k)
{
	for (; k != NULL && *k != '\0'; k++)
		if (*k <= ' ' || *k >= 0x7f)
			return 0;
	return 1;
}

static int
openai_init(const struct conf *c)
{
	free(oai.url);
	if ((oai.url = openai_url(c->model_base_url)) == NULL) {
		fprintf(stderr, "dataland-agent: MODEL_BASE_URL must be the "
		    "http:// or https:// URL of an OpenAI-compatible API "
		    "(e.g. http://127.0.0.1:11434/v1) for MODEL_PROVIDER=openai"
		    "\n");
		return -1;
	}
	if (c->model_name == NULL) {
		fprintf(stderr, "dataland-agent: MODEL_NAME must name the "
		    "model for MODEL_PROVIDER=openai (e.g. gpt-4o-mini)\n");
		return -1;
	}
	if (!openai_key_ok(c->model_api_key)) {
		fprintf(stderr, "dataland-agent: MODEL_API_KEY holds white "
		    "space or characters a header cannot carry\n");
		return -1;
	}
	oai.key = c->model_api_key;
	oai.model = c->model_name;
	oai.connect_ms = c->model_connect_timeout_ms;
	oai.total_ms = c->model_timeout_ms;
	oai.idle_ms = c->model_idle_timeout_ms;
	oai.rounds = c->model_tool_rounds;
	oai.history = (long)c->model_history_tokens * OAI_CHARS_PER_TOKEN;
	oai.price_in = oai.price_out = 0;
	if (conf_price(c->model_prices, oai.model, &oai.price_in,
	    &oai.price_out) != 0 && !oai_price_warned) {
		oai_price_warned = 1;
		log_warn(NULL, "MODEL_PRICES has no price for model '%s': its "
		    "runs cost 0 USD", oai.model);
	}
	return openai_http_open();
}

static void
openai_release(void)
{
	openai_http_close();
	free(oai.url);
	oai.url = NULL;
}

static const char *
openai_model(void)
{
	return oai.model != NULL ? oai.model : "openai";
}

/* --- what the model is sent ------------------------------------------ */

static struct json_object *
msg_new(const char *role, const char *content)
{
	struct json_object	*m = json_object_new_object();

	json_object_object_add(m, "role", json_object_new_string(role));
	json_object_object_add(m, "content", content != NULL ?
	    json_object_new_string(content) : NULL);
	return m;
}

static const char *
json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* A function call {"id", "type", "function": {"name", "arguments"}}. */
static struct json_object *
call_new(const char *id, const char *name, const char *args)
{
	struct json_object	*c = json_object_new_object();
	struct json_object	*f = json_object_new_object();

	json_object_object_add(f, "name", json_object_new_string(name));
	json_object_object_add(f, "arguments", json_object_new_string(args));
	json_object_object_add(c, "id", json_object_new_string(id));
	json_object_object_add(c, "type", json_object_new_string("function"));
	json_object_object_add(c, "function", f);
	return c;
}

static struct json_object *
tool_msg(const char *id, const char *content)
{
	struct json_object	*m = msg_new("tool", content);

	json_object_object_add(m, "tool_call_id", json_object_new_string(id));
	return m;
}

/*
 * The earlier tool messages history[lo..hi) as the model saw them: the
 * assistant's calls, then a "tool" message each (an array of messages),
 * or NULL when none is whole (a row without an id, a name or its
 * {"arguments", "result"} text).
 */
static struct json_object *
hist_tools(const struct model_msg *h, size_t lo, size_t hi)
{
	struct json_object	*g, *calls, *rec, *args, *res, *am;
	size_t			 i;

	g = json_object_new_array();
	calls = json_object_new_array();
	am = msg_new("assistant", NULL);
	json_object_object_add(am, "tool_calls", calls);
	json_object_array_add(g, am);
	for (i = lo; i < hi; i++) {
		rec = NULL;
		if (h[i].tool == NULL || h[i].tool_call_id == NULL ||
		    h[i].text == NULL || json_parse(h[i].text,
		    strlen(h[i].text), OPENAI_JSON_DEPTH, &rec) != E_OK ||
		    !json_object_is_type(rec, json_type_object) ||
		    !json_object_object_get_ex(rec, "result", &res)) {
			json_object_put(rec);
			continue;
		}
		if (!json_object_object_get_ex(rec, "arguments", &args) ||
		    args == NULL)
			args = NULL;
		json_object_array_add(calls, call_new(h[i].tool_call_id,
		    h[i].tool, args != NULL ? json_text(args) : "{}"));
		json_object_array_add(g, tool_msg(h[i].tool_call_id,
		    json_text(res)));
		json_object_put(rec);
	}
	if (json_object_array_length(calls) == 0) {
		json_object_put(g);
		return NULL;
	}
	return g;
}

/* 1 for a visitor's message (an entry picked by turn_history()). */
static int
hist_is_user(struct json_object *m)
{
	struct json_object	*r;

	return json_object_is_type(m, json_type_object) &&
	    json_object_object_get_ex(m, "role", &r) &&
	    strcmp(json_object_get_string(r), "user") == 0;
}

/*
 * The earlier turns, newest first while they fit MODEL_HISTORY_TOKENS
 * (about 4 bytes a token), into pick (newest first); their number. A
 * visitor's or the guide's words that do not fit end the walk; a group
 * of tool messages goes whole, with the calls that asked for it, or is
 * left out. What is kept ends (oldest) with a visitor's words.
 */
static size_t
hist_pick(const struct model_msg *h, size_t nh, struct json_object **pick)
{
	struct json_object	*g;
	size_t			 npick = 0, i, lo;
	long			 budget = oai.history, cost;

	for (i = nh; i > 0; i = lo) {
		lo = i - 1;
		if (h[lo].role != NULL && strcmp(h[lo].role, "tool") == 0) {
			while (lo > 0 && h[lo - 1].role != NULL &&
			    strcmp(h[lo - 1].role, "tool") == 0)
				lo--;
			if ((g = hist_tools(h, lo, i)) == NULL)
				continue;
			if ((cost = (long)strlen(json_text(g))) <= budget) {
				budget -= cost;
				pick[npick++] = g;
			} else
				json_object_put(g);
			continue;
		}
		if (h[lo].role == NULL || h[lo].text == NULL ||
		    h[lo].text[0] == '\0' || (strcmp(h[lo].role, "user") != 0 &&
		    strcmp(h[lo].role, "assistant") != 0))
			continue;
		cost = (long)strlen(h[lo].text) + OAI_MSG_OVERHEAD;
		if (cost > budget)
			break;
		budget -= cost;
		pick[npick++] = msg_new(h[lo].role, h[lo].text);
	}
	while (npick > 0 && !hist_is_user(pick[npick - 1]))
		json_object_put(pick[--npick]);
	return npick;
}

/* The earlier turns hist_pick() keeps, appended oldest first. */
static void
turn_history(struct turn *t)
{
	struct json_object	**pick, *g;
	size_t			 npick, i, j;

	pick = arena_alloc(t->a, (t->in->nhistory + 1) * sizeof(*pick));
	npick = hist_pick(t->in->history, t->in->nhistory, pick);
	for (i = npick; i > 0; i--) {
		g = pick[i - 1];
		if (!json_object_is_type(g, json_type_array)) {
			json_object_array_add(t->msgs, g);
			continue;
		}
		for (j = 0; j < json_object_array_length(g); j++)
			json_object_array_add(t->msgs, json_object_get(
			    json_object_array_get_idx(g, j)));
		json_object_put(g);
	}
}

static const char *
turn_prompt(const char *mode)
{
	size_t	i;

	for (i = 0; prompts[i].mode != NULL; i++)
		if (mode != NULL && strcmp(prompts[i].mode, mode) == 0)
			break;
	return prompts[i].prompt;
}

/* The request of one round, in the arena: tools offered or not. */
static const char *
turn_body(struct turn *t, int tools)
{
	struct json_object	*o = json_object_new_object(), *so;
	const char		*s;

	so = json_object_new_object();
	json_object_object_add(so, "include_usage",
	    json_object_new_boolean(1));
	json_object_object_add(o, "model", json_object_new_string(oai.model));
	json_object_object_add(o, "messages", json_object_get(t->msgs));
	json_object_object_add(o, "stream", json_object_new_boolean(1));
	json_object_object_add(o, "stream_options", so);
	if (tools)
		json_object_object_add(o, "tools", tools_declare());
	s = arena_strdup(t->a, json_text(o));
	json_object_put(o);
	return s;
}

/* --- one round --------------------------------------------------------- */

/*
 * Says why the answer failed (model_fail), the key cut out should a
 * provider have echoed it. E_IO and E_STOPPING are the pipeline's own
 * and are returned as they are.
 */
static enum err
turn_fail(struct turn *t, enum err e, const char *why)
{
	char		 buf[512];
	const char	*p, *k;
	size_t		 o = 0, kn = oai.key != NULL ? strlen(oai.key) : 0;

	if (e == E_IO || e == E_STOPPING || t->failed)
		return e;
	if (why == NULL || why[0] == '\0')
		why = "the model failed";
	for (p = why; *p != '\0' && o + 1 < sizeof(buf); ) {
		if (kn > 0 && strncmp(p, oai.key, kn) == 0) {
			k = "[redacted]";
			while (*k != '\0' && o + 1 < sizeof(buf))
				buf[o++] = *k++;
			p += kn;
		} else
			buf[o++] = *p++;
	}
	buf[o] = '\0';
	model_fail(t->mc, "%s", buf);
	t->failed = 1;
	return e;
}

/* A piece of content: to the client (after a paragraph break when an
 * earlier round already spoke) and into the answer's text. */
static enum err
turn_emit(void *arg, const char *p, size_t n)
{
	struct turn	*t = arg;
	enum err	 e;

	if (!t->round_text && t->text.len > 0 &&
	    !isspace((unsigned char)t->text.p[t->text.len - 1])) {
		if ((e = model_emit(t->mc, "\n\n", 2)) != E_OK)
			goto out;
		(void)openai_buf_add(t->a, &t->text, "\n\n", 2,
		    OPENAI_BODY_MAX);
	}
	t->round_text = 1;
	if ((e = model_emit(t->mc, p, n)) != E_OK)
		goto out;
	(void)openai_buf_add(t->a, &t->text, p, n, OPENAI_BODY_MAX);
out:
	if (e == E_UPSTREAM)
		t->failed = 1;		/* model_emit said why */
	return e;
}

/* Whether to go on waiting for the model (and a heartbeat). */
static enum err
turn_check(void *arg)
{
	struct turn	*t = arg;

	return model_check(t->mc);
}

/* The round's tokens: the server's count, else an estimate. */
static void
turn_count(struct turn *t, const struct openai_sse *s, const char *body)
{
	size_t	out = s->content.len, i;

	if (s->chunks == 0)
		return;			/* nothing was answered */
	for (i = 0; i < s->ncalls; i++)
		out += s->calls[i].name.len + s->calls[i].args.len;
	t->prompt += s->prompt >= 0 ? s->prompt :
	    (long)(strlen(body) / OAI_CHARS_PER_TOKEN);
	t->completion += s->completion >= 0 ? s->completion :
	    (long)((out + OAI_CHARS_PER_TOKEN - 1) / OAI_CHARS_PER_TOKEN);
}

/* Runs call c (its id said), its result appended as a "tool" message. */
static enum err
turn_call(struct turn *t, const struct openai_call *c, const char *id)
{
	struct json_object	*args = NULL, *res = NULL, *f;
	const char		*a = c->args.len > 0 ? c->args.p : "{}";
	enum err		 e = E_OK;

	if (t->ncalls >= TOOL_CALLS_MAX) {
		res = json_object_new_object();
		json_object_object_add(res, "error", json_object_new_string(
		    "too many tool calls for one answer; answer now"));
	} else {
		t->ncalls++;
		if (json_parse(a, strlen(a), OPENAI_JSON_DEPTH, &args) != E_OK)
			args = NULL;	/* the tool says what is wrong */
		e = model_tool(t->mc, c->name.p, id, args, &res);
		json_object_put(args);
	}
	if (e != E_OK && e != E_INVALID) {
		json_object_put(res);
		return e;
	}
	json_object_array_add(t->msgs, tool_msg(id, res != NULL ?
	    json_text(res) : "{}"));
	if (e == E_OK && res != NULL) {
		f = json_object_new_object();
		json_object_object_add(f, "tool",
		    json_object_new_string(c->name.p));
		json_object_object_add(f, "result", json_object_get(res));
		json_object_array_add(t->found, f);
	}
	json_object_put(res);
	return E_OK;
}

/* The round's tool calls: the assistant's message, then each call. */
static enum err
turn_tools(struct turn *t, const struct openai_sse *s, int k)
{
	struct json_object	*am, *calls;
	const char		**ids;
	size_t			 i;
	enum err		 e;

	ids = arena_alloc(t->a, s->ncalls * sizeof(*ids));
	calls = json_object_new_array();
	for (i = 0; i < s->ncalls; i++) {
		if (s->calls[i].name.len == 0) {
			json_object_put(calls);
			return turn_fail(t, E_UPSTREAM, "the model asked for a "
			    "tool without naming it");
		}
		ids[i] = s->calls[i].id.len > 0 ? s->calls[i].id.p :
		    arena_printf(t->a, "call_%d_%zu", k, i);
		json_object_array_add(calls, call_new(ids[i],
		    s->calls[i].name.p, s->calls[i].args.len > 0 ?
		    s->calls[i].args.p : "{}"));
	}
	am = msg_new("assistant", s->content.len > 0 ? s->content.p : NULL);
	json_object_object_add(am, "tool_calls", calls);
	json_object_array_add(t->msgs, am);
	for (i = 0; i < s->ncalls; i++)
		if ((e = turn_call(t, &s->calls[i], ids[i])) != E_OK)
			return e;
	return E_OK;
}

/* Round k: one completion, and its tool calls run; *more when the
 * model is to be asked again. */
static enum err
turn_round(struct turn *t, int k, int *more)
{
	struct openai_sse	s;
	struct openai_post	p;
	char			why[512];
	enum err		e;

	*more = 0;
	openai_sse_init(&s, t->a, turn_emit, t);
	memset(&p, 0, sizeof(p));
	p.url = oai.url;
	p.api_key = oai.key;
	p.body = turn_body(t, k < oai.rounds);
	p.connect_ms = oai.connect_ms;
	p.total_ms = (long)((t->deadline - mono_now()) * 1000);
	p.answer_ms = oai.total_ms;
	p.idle_ms = oai.idle_ms;
	p.check = turn_check;
	p.arg = t;
	p.sse = &s;
	t->round_text = 0;
	e = openai_http_post(&p, why, sizeof(why));
	turn_count(t, &s, p.body);
	if (e != E_OK)
		return turn_fail(t, e, why);
	if (s.ncalls == 0)
		return E_OK;
	if (k >= oai.rounds)		/* asked for tools it was not offered */
		return t->text.len > 0 ? E_OK : turn_fail(t, E_UPSTREAM,
		    "the model still asked for tools after MODEL_TOOL_ROUNDS "
		    "rounds");
	*more = 1;
	return turn_tools(t, &s, k);
}

/* --- after the answer ---------------------------------------------------- */

static double
hit_num(struct json_object *hit, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(hit, k, &v) ?
	    json_object_get_double(v) : 0;
}

/*
 * Follow-ups from what the tools found: the good works and documents
 * the answer did not name, then the first work's room; a general one
 * when the tools found nothing.
 */
static void
turn_suggest(struct turn *t)
{
	struct json_object	*f, *res, *hits, *h;
	const char		*tool, *title, *room = NULL;
	size_t			 i, j;
	int			 art, any = 0;

	for (i = 0; i < json_object_array_length(t->found); i++) {
		f = json_object_array_get_idx(t->found, i);
		tool = json_member_str(f, "tool");
		art = tool != NULL &&
		    strcmp(tool, "search_artwork_images") == 0;
		if (!json_object_object_get_ex(f, "result", &res) ||
		    !json_object_object_get_ex(res, "results", &hits) ||
		    !json_object_is_type(hits, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(hits) &&
		    j < OAI_SUGGEST_HITS; j++) {
			h = json_object_array_get_idx(hits, j);
			if ((title = json_member_str(h, "title")) == NULL ||
			    hit_num(h, art ? "score" : "confidence") <
			    TOOLS_SHOW_MIN)
				continue;
			any = 1;
			if (art && room == NULL)
				room = json_member_str(h, "room");
			if (t->text.len > 0 && strcasestr(t->text.p, title))
				continue;
			model_suggest(t->mc, arena_printf(t->a, art ?
			    "Tell me about \xe2\x80\x9c%s\xe2\x80\x9d" :
			    "Tell me more about %s", title));
		}
	}
	if (room != NULL)
		model_suggest(t->mc, arena_printf(t->a, "What else is in %s?",
		    room));
	if (!any)
		model_suggest(t->mc, "What can I see in the museum?");
}

static enum err
openai_answer(struct model_call *mc, const struct model_input *in)
{
	struct turn	t;
	enum err	e = E_OK;
	int		k, more = 1;

	memset(&t, 0, sizeof(t));
	t.mc = mc;
	t.in = in;
	t.a = in->a;
	t.deadline = mono_now() + oai.total_ms / 1000.0;
	t.msgs = json_object_new_array();
	t.found = json_object_new_array();
	json_object_array_add(t.msgs, msg_new("system", turn_prompt(in->mode)));
	turn_history(&t);
	json_object_array_add(t.msgs, msg_new("user", in->question));
	for (k = 0; more && e == E_OK; k++)
		e = turn_round(&t, k, &more);
	if (e == E_OK && t.text.len == 0)
		e = turn_fail(&t, E_UPSTREAM, "the model's answer was empty");
	model_usage(mc, t.prompt, t.completion,
	    (t.prompt * oai.price_in + t.completion * oai.price_out) / 1e6);
	if (e == E_OK)
		turn_suggest(&t);
	json_object_put(t.msgs);
	json_object_put(t.found);
	return e;
}

const struct model_provider model_openai = {
	.name = "openai",
	.init = openai_init,
	.release = openai_release,
	.model_name = openai_model,
	.answer = openai_answer,
};
