/*
 * The openai provider's reader of an answer (openai_sse.h): the event
 * stream is framed into lines and events here; each event's data is
 * parsed as JSON only by json.c (strict UTF-8, depth cap), then read as
 * a chat.completion.chunk. No HTTP, no model_* call.
 *
 *   bytes --CR/LF/CRLF--> lines: ":..." comment, "data: x" kept,
 *         other fields ignored --blank line--> one event:
 *   "[DONE]"                 --> done (later events are ignored)
 *   {"error": ...}           --> E_UPSTREAM, the provider's message
 *   {"choices": [{"delta"}]} --> content (emitted), tool-call pieces,
 *                                finish_reason; {"usage"} kept
 *   anything else            --> E_UPSTREAM, malformed
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "caps.h"
#include "json.h"
#include "openai_sse.h"

#define SSE_STREAM	(-1)	/* sse_piece(): no position, streamed */

static enum err	sse_fail(struct openai_sse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

int
openai_buf_add(struct arena *a, struct openai_buf *b, const char *p,
    size_t n, size_t max)
{
	size_t	 cap;
	char	*q;

	if (n > max || b->len > max - n)
		return -1;
	if (b->p == NULL || b->len + n + 1 > b->cap) {
		for (cap = b->cap > 0 ? b->cap : 64; cap < b->len + n + 1;
		    cap *= 2)
			continue;
		q = arena_alloc(a, cap);
		if (b->len > 0)
			memcpy(q, b->p, b->len);
		b->p = q;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void
openai_sse_init(struct openai_sse *s, struct arena *a,
    enum err (*emit)(void *, const char *, size_t), void *arg)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
	s->emit = emit;
	s->arg = arg;
	s->prompt = s->completion = -1;
}

static enum err
sse_fail(struct openai_sse *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return E_UPSTREAM;
}

/* src[0..n) made one printable line of at most OPENAI_ERRMSG_MAX
 * bytes (cut on a character, "..." then), into out. */
static void
sse_clean(const char *src, size_t n, char *out, size_t outsz)
{
	size_t	max = outsz - 1 < OPENAI_ERRMSG_MAX ? outsz - 1 :
		    OPENAI_ERRMSG_MAX;
	size_t	i, o = 0;
	int	space = 0;

	for (i = 0; i < n && o < max; i++) {
		if ((unsigned char)src[i] <= ' ' || src[i] == 0x7f) {
			space = o > 0;
			continue;
		}
		if (space && o + 1 < max)
			out[o++] = ' ';
		space = 0;
		out[o++] = src[i];
	}
	if (i < n && o >= 3) {
		for (o -= 3; o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80;
		    o--)
			continue;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* The message of an error value: a string, {"error": x}, {"message":
 * s}, {"detail": s}, or the first element of an array of those. */
static const char *
sse_errtext(struct json_object *o, int depth)
{
	struct json_object	*v;
	const char		*s;

	if (o == NULL || depth > 4)
		return NULL;
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	if (json_object_is_type(o, json_type_array))
		return json_object_array_length(o) > 0 ? sse_errtext(
		    json_object_array_get_idx(o, 0), depth + 1) : NULL;
	if (!json_object_is_type(o, json_type_object))
		return NULL;
	if (json_object_object_get_ex(o, "error", &v) && v != NULL)
		return sse_errtext(v, depth + 1);
	if ((s = json_member_str(o, "message")) != NULL)
		return s;
	return json_member_str(o, "detail");
}

void
openai_sse_errmsg(const char *body, size_t len, char *out, size_t outsz)
{
	struct json_object	*o = NULL;
	const char		*t;

	out[0] = '\0';
	if (len == 0)
		return;
	if (json_parse(body, len, OPENAI_JSON_DEPTH, &o) == E_OK) {
		if ((t = sse_errtext(o, 0)) != NULL)
			sse_clean(t, strlen(t), out, outsz);
		json_object_put(o);
	} else if (json_utf8_valid(body, len) && strchr("<{[", body[0]) ==
	    NULL)
		sse_clean(body, len, out, outsz);	/* plain text */
}

/*
 * The slot of a tool call's piece: pos, its place in a whole message;
 * or, streamed (SSE_STREAM), its "index", and for servers that send
 * none the last call, or a new one when the piece has a new id. The
 * slot's number, or TOOL_CALLS_MAX when there is none that fits.
 */
static size_t
sse_slot(const struct openai_sse *s, struct json_object *tc,
    const char *id, long pos)
{
	struct json_object	*v;
	int64_t			 i;

	if (pos != SSE_STREAM)
		return (size_t)pos < TOOL_CALLS_MAX ? (size_t)pos :
		    TOOL_CALLS_MAX;
	if (json_object_object_get_ex(tc, "index", &v) &&
	    json_object_is_type(v, json_type_int)) {
		i = json_object_get_int64(v);
		return i >= 0 && i < TOOL_CALLS_MAX ? (size_t)i :
		    TOOL_CALLS_MAX;
	}
	if (s->ncalls == 0)
		return 0;
	if (id != NULL && s->calls[s->ncalls - 1].id.len > 0 &&
	    strcmp(id, s->calls[s->ncalls - 1].id.p) != 0)
		return s->ncalls;
	return s->ncalls - 1;
}

/* The name and arguments pieces of function f into call c. */
static enum err
sse_function(struct openai_sse *s, struct openai_call *c,
    struct json_object *f)
{
	struct json_object	*v;
	const char		*p;
	size_t			 n;

	if (json_object_object_get_ex(f, "name", &v) &&
	    json_object_is_type(v, json_type_string)) {
		p = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		/* a server that repeats the whole name adds nothing */
		if (n > 0 && (c->name.len != n ||
		    memcmp(c->name.p, p, n) != 0) &&
		    openai_buf_add(s->a, &c->name, p, n, OPENAI_NAME_MAX) != 0)
			return sse_fail(s, "a tool call's name is too long");
	}
	if (!json_object_object_get_ex(f, "arguments", &v) || v == NULL)
		return E_OK;
	if (json_object_is_type(v, json_type_string)) {
		p = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
	} else {		/* an object, as some servers send */
		p = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		n = strlen(p);
	}
	if (openai_buf_add(s->a, &c->args, p, n, OPENAI_ARGS_MAX) != 0)
		return sse_fail(s, "a tool call's arguments are longer than "
		    "%d bytes", OPENAI_ARGS_MAX);
	return E_OK;
}

/* One piece of a tool call (pos: see sse_slot()). */
static enum err
sse_piece(struct openai_sse *s, struct json_object *tc, long pos)
{
	struct openai_call	*c;
	struct json_object	*v, *f;
	const char		*id = NULL;
	size_t			 i;

	if (!json_object_is_type(tc, json_type_object))
		return sse_fail(s, "the model sent a malformed tool call");
	if (json_object_object_get_ex(tc, "id", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		id = json_object_get_string(v);
	if ((i = sse_slot(s, tc, id, pos)) >= TOOL_CALLS_MAX)
		return sse_fail(s, "the model asked for more than %d tool "
		    "calls at once", TOOL_CALLS_MAX);
	if (i >= s->ncalls)
		s->ncalls = i + 1;
	c = &s->calls[i];
	if (id != NULL && c->id.len == 0 && openai_buf_add(s->a, &c->id, id,
	    strlen(id), OPENAI_ID_MAX) != 0)
		return sse_fail(s, "a tool call's id is too long");
	if (!json_object_object_get_ex(tc, "function", &f) ||
	    !json_object_is_type(f, json_type_object))
		return E_OK;
	return sse_function(s, c, f);
}

static void
sse_usage(struct openai_sse *s, struct json_object *u)
{
	struct json_object	*v;

	if (json_object_object_get_ex(u, "prompt_tokens", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0)
		s->prompt = (long)json_object_get_int64(v);
	if (json_object_object_get_ex(u, "completion_tokens", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0)
		s->completion = (long)json_object_get_int64(v);
}

/* What one choice says under key ("delta" or "message"). */
static enum err
sse_choice(struct openai_sse *s, struct json_object *ch, const char *key,
    long whole)
{
	struct json_object	*d, *v;
	const char		*p;
	size_t			 i, n;
	enum err		 e;

	if (!json_object_is_type(ch, json_type_object))
		return sse_fail(s, "the model sent a malformed chunk");
	if (json_object_object_get_ex(ch, "finish_reason", &v) &&
	    json_object_is_type(v, json_type_string))
		s->finished = 1;
	if (!json_object_object_get_ex(ch, key, &d) || d == NULL)
		return E_OK;
	if (!json_object_is_type(d, json_type_object))
		return sse_fail(s, "the model sent a malformed chunk");
	if (json_object_object_get_ex(d, "content", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    (n = (size_t)json_object_get_string_len(v)) > 0) {
		p = json_object_get_string(v);
		if (openai_buf_add(s->a, &s->content, p, n, OPENAI_BODY_MAX) !=
		    0)
			return sse_fail(s, "the answer is longer than %d bytes",
			    OPENAI_BODY_MAX);
		if ((e = s->emit(s->arg, p, n)) != E_OK)
			return e;
	}
	if (!json_object_object_get_ex(d, "tool_calls", &v) || v == NULL)
		return E_OK;
	if (!json_object_is_type(v, json_type_array))
		return sse_fail(s, "the model sent a malformed tool call");
	for (i = 0; i < json_object_array_length(v); i++)
		if ((e = sse_piece(s, json_object_array_get_idx(v, i),
		    whole ? (long)i : SSE_STREAM)) != E_OK)
			return e;
	return E_OK;
}

/* One chunk object; the first choice is the answer (n is 1). */
static enum err
sse_chunk(struct openai_sse *s, struct json_object *o, const char *key,
    long whole)
{
	struct json_object	*v;
	char			 msg[OPENAI_ERRMSG_MAX + 1];
	const char		*t;

	s->chunks++;
	if (json_object_object_get_ex(o, "error", &v) && v != NULL) {
		t = sse_errtext(v, 0);
		sse_clean(t != NULL ? t : "", t != NULL ? strlen(t) : 0, msg,
		    sizeof(msg));
		return sse_fail(s, "the model reported an error%s%s",
		    msg[0] != '\0' ? ": " : "", msg);
	}
	if (json_object_object_get_ex(o, "usage", &v) &&
	    json_object_is_type(v, json_type_object))
		sse_usage(s, v);
	if (!json_object_object_get_ex(o, "choices", &v))
		return whole ? sse_fail(s, "the model's answer has no "
		    "choices") : E_OK;
	if (!json_object_is_type(v, json_type_array))
		return sse_fail(s, "the model sent a malformed chunk");
	if (json_object_array_length(v) == 0)
		return E_OK;
	return sse_choice(s, json_object_array_get_idx(v, 0), key, whole);
}

/* The event in s->data, at a blank line. */
static enum err
sse_event(struct openai_sse *s)
{
	struct json_object	*o = NULL;
	enum err		 e;

	s->has_data = 0;
	if (s->done || s->data.len == 0)
		return E_OK;		/* nothing counts after [DONE] */
	if (s->data.len == 6 && memcmp(s->data.p, "[DONE]", 6) == 0) {
		s->done = 1;
		return E_OK;
	}
	if (json_parse(s->data.p, s->data.len, OPENAI_JSON_DEPTH, &o) !=
	    E_OK || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return sse_fail(s, "the model sent a malformed chunk");
	}
	e = sse_chunk(s, o, "delta", 0);
	json_object_put(o);
	return e;
}

/* The line in s->line (without its end): a field, a comment or the
 * blank line that ends an event. */
static enum err
sse_line(struct openai_sse *s)
{
	const char	*l = s->line.p, *v, *colon;
	size_t		 n = s->line.len, k;

	s->line.len = 0;
	if (n == 0) {
		if (!s->has_data)
			return E_OK;
		return sse_event(s);
	}
	if (l[0] == ':')
		return E_OK;		/* a comment: a server's keep-alive */
	colon = memchr(l, ':', n);
	k = colon != NULL ? (size_t)(colon - l) : n;
	if (k != 4 || memcmp(l, "data", 4) != 0)
		return E_OK;		/* event, id, retry: not used */
	v = colon != NULL ? colon + 1 : l + n;
	if (v < l + n && *v == ' ')
		v++;
	if (!s->has_data)
		s->data.len = 0;
	if ((s->has_data && openai_buf_add(s->a, &s->data, "\n", 1,
	    OPENAI_LINE_MAX) != 0) || openai_buf_add(s->a, &s->data, v,
	    (size_t)(l + n - v), OPENAI_LINE_MAX) != 0)
		return sse_fail(s, "an event of the stream is longer than %d "
		    "bytes", OPENAI_LINE_MAX);
	s->has_data = 1;
	return E_OK;
}

enum err
openai_sse_feed(struct openai_sse *s, const char *buf, size_t len)
{
	size_t		n;
	enum err	e;

	while (len > 0) {
		if (s->last_cr && *buf == '\n') {
			s->last_cr = 0;
			buf++;
			len--;
			continue;
		}
		s->last_cr = 0;
		for (n = 0; n < len && buf[n] != '\n' && buf[n] != '\r'; n++)
			continue;
		if (n > 0 && openai_buf_add(s->a, &s->line, buf, n,
		    OPENAI_LINE_MAX) != 0)
			return sse_fail(s, "a line of the stream is longer "
			    "than %d bytes", OPENAI_LINE_MAX);
		if (n == len)
			break;
		s->last_cr = buf[n] == '\r';
		buf += n + 1;
		len -= n + 1;
		if ((e = sse_line(s)) != E_OK)
			return e;
	}
	return E_OK;
}

enum err
openai_sse_end(struct openai_sse *s)
{
	enum err	e;

	if (s->line.len > 0 && (e = sse_line(s)) != E_OK)
		return e;
	if (s->has_data && (e = sse_event(s)) != E_OK)
		return e;
	if (!s->done && !s->finished)
		return sse_fail(s, "the model's stream ended before its "
		    "answer did");
	return E_OK;
}

enum err
openai_sse_whole(struct openai_sse *s, const char *body, size_t len)
{
	struct json_object	*o = NULL;
	enum err		 e;

	if (json_parse(body, len, OPENAI_JSON_DEPTH, &o) != E_OK ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return sse_fail(s, "the model sent a malformed answer");
	}
	e = sse_chunk(s, o, "message", 1);
	json_object_put(o);
	if (e == E_OK)
		s->done = s->finished = 1;
	return e;
}
