/*
 * libFuzzer target for the agent's printed views (fcgi/agent/views.c):
 * any bytes become a conversation's rows as PostgreSQL could hand them
 * over (UTF-8 text without NUL, NULLs, any double, children of unknown
 * or NULL messages, in any order) and the chat's images and sources.
 * Every body must parse as strict JSON and read back as its rows: each
 * string byte for byte, each number exactly (null when it has no JSON
 * form), each child under its message in the order it came.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/err.h"
#include "core/json.h"
#include "agent/repo_conversations.h"
#include "agent/views.h"
#include "fz_check.h"

#define FZ_MSGS_MAX	8	/* messages of a conversation */
#define FZ_KIDS_MAX	16	/* rows of each child kind */
#define FZ_STR_MAX	24	/* bytes of a string */
#define FZ_DEPTH	8	/* conversation > messages > message > kids */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The fuzzer's bytes, read front to back; zeros once they run out. */
struct fz_in {
	const uint8_t	*p;
	size_t		 n;
};

static unsigned
fz_byte(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* A text cell: NULL, or up to FZ_STR_MAX bytes made valid UTF-8 without
 * NUL (as PostgreSQL's text is) by clearing the high bit when they are
 * not; tag (may be NULL) is appended to keep ids apart. */
static const char *
fz_str(struct fz_in *in, struct arena *a, const char *tag)
{
	unsigned	 len = fz_byte(in);
	size_t		 i, t = tag != NULL ? strlen(tag) : 0;
	char		*s;

	if (len == 0xff && tag == NULL)
		return NULL;
	len %= FZ_STR_MAX + 1;
	s = arena_alloc(a, len + t + 1);
	for (i = 0; i < len; i++)
		s[i] = (char)(fz_byte(in) | 0x01);
	if (!json_utf8_valid(s, len))
		for (i = 0; i < len; i++)
			s[i] = (char)((s[i] & 0x7f) | 0x01);
	memcpy(s + len, tag != NULL ? tag : "", t + 1);
	return s;
}

static struct db_double
fz_double(struct fz_in *in)
{
	struct db_double	 d;
	uint64_t		 bits = 0;
	size_t			 i;

	d.null = fz_byte(in) & 1;
	for (i = 0; i < 8; i++)
		bits = bits << 8 | fz_byte(in);
	memcpy(&d.v, &bits, sizeof(d.v));
	return d;
}

/* A child's message id: one of the messages', one no message has, or
 * NULL (a row the Python stack left without its message). */
static const char *
fz_owner(struct fz_in *in, const struct conv_full *f)
{
	unsigned	k = fz_byte(in) % (f->nmsgs + 2);

	if (k < f->nmsgs)
		return f->msgs[k].id;
	return k == f->nmsgs ? "no such message" : NULL;
}

static void
fz_conv(struct fz_in *in, struct arena *a, struct conv_full *f)
{
	char	tag[16];
	size_t	i;

	memset(f, 0, sizeof(*f));
	f->c.id = fz_str(in, a, NULL);
	f->c.title = fz_str(in, a, NULL);
	f->c.mode = fz_str(in, a, NULL);
	f->c.created_at = fz_str(in, a, NULL);
	f->c.updated_at = fz_str(in, a, NULL);
	f->nmsgs = fz_byte(in) % (FZ_MSGS_MAX + 1);
	f->msgs = arena_zalloc(a, sizeof(*f->msgs) * (f->nmsgs + 1));
	for (i = 0; i < f->nmsgs; i++) {
		struct conv_msg	*m = &f->msgs[i];

		snprintf(tag, sizeof(tag), "#%zu", i);
		m->id = fz_str(in, a, tag);
		m->seq = (int)(fz_byte(in) << 24 | fz_byte(in) << 16 |
		    fz_byte(in) << 8 | fz_byte(in));
		m->role = fz_str(in, a, NULL);
		m->text = fz_str(in, a, NULL);
		m->tool = fz_str(in, a, NULL);
		m->tool_call_id = fz_str(in, a, NULL);
		m->run_id = fz_str(in, a, NULL);
		m->feedback = fz_str(in, a, NULL);
		m->created_at = fz_str(in, a, NULL);
	}
	f->nimages = fz_byte(in) % (FZ_KIDS_MAX + 1);
	f->images = arena_zalloc(a, sizeof(*f->images) * (f->nimages + 1));
	for (i = 0; i < f->nimages; i++) {
		f->images[i].message_id = fz_owner(in, f);
		f->images[i].title = fz_str(in, a, NULL);
		f->images[i].artist = fz_str(in, a, NULL);
		f->images[i].image_path = fz_str(in, a, NULL);
		f->images[i].score = fz_double(in);
		f->images[i].type = fz_str(in, a, NULL);
	}
	f->nsources = fz_byte(in) % (FZ_KIDS_MAX + 1);
	f->sources = arena_zalloc(a, sizeof(*f->sources) * (f->nsources + 1));
	for (i = 0; i < f->nsources; i++) {
		f->sources[i].message_id = fz_owner(in, f);
		f->sources[i].title = fz_str(in, a, NULL);
		f->sources[i].uri = fz_str(in, a, NULL);
		f->sources[i].confidence = fz_double(in);
		f->sources[i].type = fz_str(in, a, NULL);
	}
	f->nsuggestions = fz_byte(in) % (FZ_KIDS_MAX + 1);
	f->suggestions = arena_zalloc(a,
	    sizeof(*f->suggestions) * (f->nsuggestions + 1));
	for (i = 0; i < f->nsuggestions; i++) {
		f->suggestions[i].message_id = fz_owner(in, f);
		/* a NULL suggestion is never read (the SQL skips it) */
		f->suggestions[i].text = fz_str(in, a, "");
	}
}

/* Member k of o is the string s, or null when s is NULL. */
static void
fz_str_is(struct json_object *o, const char *k, const char *s)
{
	struct json_object	*v;

	FZ_CHECK(json_object_object_get_ex(o, k, &v));
	if (s == NULL) {
		FZ_CHECK(v == NULL);
		return;
	}
	FZ_CHECK(json_object_is_type(v, json_type_string));
	FZ_CHECK(strcmp(json_object_get_string(v), s) == 0);
}

/* Member k of o is d exactly, or null when d has no JSON number. */
static void
fz_num_is(struct json_object *o, const char *k, const struct db_double *d)
{
	struct json_object	*v;

	FZ_CHECK(json_object_object_get_ex(o, k, &v));
	if (d->null || !isfinite(d->v)) {
		FZ_CHECK(v == NULL);
		return;
	}
	FZ_CHECK(json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int));
	FZ_CHECK(json_object_get_double(v) == d->v);
}

static void
fz_image_is(struct json_object *o, const struct conv_image *x)
{
	FZ_CHECK(json_object_object_length(o) == 5);
	fz_str_is(o, "title", x->title);
	fz_str_is(o, "artist", x->artist);
	fz_str_is(o, "image_path", x->image_path);
	fz_num_is(o, "score", &x->score);
	fz_str_is(o, "type", x->type != NULL ? x->type : "artwork");
}

static void
fz_source_is(struct json_object *o, const struct conv_source *x)
{
	FZ_CHECK(json_object_object_length(o) == 4);
	fz_str_is(o, "title", x->title);
	fz_str_is(o, "uri", x->uri);
	fz_num_is(o, "confidence", &x->confidence);
	fz_str_is(o, "type", x->type != NULL ? x->type : "document");
}

static void
fz_suggestion_is(struct json_object *o, const struct conv_suggestion *x)
{
	FZ_CHECK(json_object_is_type(o, json_type_string));
	FZ_CHECK(strcmp(json_object_get_string(o), x->text) == 0);
}

/* The array k of message o holds the rows of rows[] owned by id, in
 * their order, each as is() checks it. */
#define FZ_KIDS_ARE(o, k, rows, n, id, is) do {				\
	struct json_object	*arr_;					\
	size_t			 i_, at_ = 0;				\
									\
	FZ_CHECK(json_object_object_get_ex((o), (k), &arr_));		\
	FZ_CHECK(json_object_is_type(arr_, json_type_array));		\
	for (i_ = 0; i_ < (n); i_++) {					\
		if ((rows)[i_].message_id == NULL ||			\
		    strcmp((rows)[i_].message_id, (id)) != 0)		\
			continue;					\
		FZ_CHECK(at_ < json_object_array_length(arr_));		\
		is(json_object_array_get_idx(arr_, at_++), &(rows)[i_]); \
	}								\
	FZ_CHECK(at_ == json_object_array_length(arr_));		\
} while (0)

static void
fz_summary_is(struct json_object *o, const struct conv *c)
{
	fz_str_is(o, "id", c->id);
	fz_str_is(o, "title", c->title);
	fz_str_is(o, "mode", c->mode);
	fz_str_is(o, "created_at", c->created_at);
	fz_str_is(o, "updated_at", c->updated_at);
}

static void
fz_message_is(struct json_object *o, const struct conv_msg *m)
{
	struct json_object	*v;

	FZ_CHECK(json_object_is_type(o, json_type_object));
	FZ_CHECK(json_object_object_length(o) == 12);
	fz_str_is(o, "id", m->id);
	FZ_CHECK(json_object_object_get_ex(o, "seq", &v));
	FZ_CHECK(json_object_is_type(v, json_type_int));
	FZ_CHECK(json_object_get_int64(v) == m->seq);
	fz_str_is(o, "role", m->role);
	fz_str_is(o, "text", m->text);
	fz_str_is(o, "tool", m->tool);
	fz_str_is(o, "tool_call_id", m->tool_call_id);
	fz_str_is(o, "run_id", m->run_id);
	fz_str_is(o, "feedback", m->feedback);
	fz_str_is(o, "created_at", m->created_at);
}

/* v's text as the API sends it (or with '/' escaped), parsed strictly. */
static struct json_object *
fz_reparse(struct json_object *v, int slash)
{
	struct json_object	*o = NULL;
	const char		*s;
	size_t			 len;
	int			 flags = JSON_C_TO_STRING_PLAIN;

	if (!slash)
		flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
	s = json_object_to_json_string_length(v, flags, &len);
	FZ_CHECK(s != NULL && strlen(s) == len);
	FZ_CHECK(json_utf8_valid(s, len));
	FZ_CHECK(json_parse(s, len, FZ_DEPTH, &o) == E_OK);
	FZ_CHECK(json_object_is_type(o, json_type_object));
	return o;
}

static void
fz_conversation(const struct conv_full *f, struct arena *a, int slash)
{
	struct json_object	*v, *o, *msgs, *m;
	size_t			 i;

	v = view_conversation(a, f);
	o = fz_reparse(v, slash);
	fz_summary_is(o, &f->c);
	FZ_CHECK(json_object_object_length(o) == 6);
	FZ_CHECK(json_object_object_get_ex(o, "messages", &msgs));
	FZ_CHECK(json_object_array_length(msgs) == f->nmsgs);
	for (i = 0; i < f->nmsgs; i++) {
		m = json_object_array_get_idx(msgs, i);
		fz_message_is(m, &f->msgs[i]);
		FZ_KIDS_ARE(m, "images", f->images, f->nimages,
		    f->msgs[i].id, fz_image_is);
		FZ_KIDS_ARE(m, "sources", f->sources, f->nsources,
		    f->msgs[i].id, fz_source_is);
		FZ_KIDS_ARE(m, "suggestions", f->suggestions,
		    f->nsuggestions, f->msgs[i].id, fz_suggestion_is);
	}
	json_object_put(o);
	json_object_put(v);
	o = fz_reparse(v = view_summary(&f->c), slash);
	fz_summary_is(o, &f->c);
	FZ_CHECK(json_object_object_length(o) == 5);
	json_object_put(o);
	json_object_put(v);
}

/* The chat's answer: the first message with every image and source
 * as copies made by view_image() and view_source(). */
static void
fz_answer(const struct conv_full *f, int slash)
{
	struct json_object	*images, *sources, *v, *o, *arr;
	const char		*path;
	size_t			 i;

	if (f->nmsgs == 0)
		return;
	images = json_object_new_array();
	sources = json_object_new_array();
	for (i = 0; i < f->nimages; i++) {
		v = view_image(f->images[i].title, f->images[i].artist,
		    f->images[i].image_path, &f->images[i].score,
		    f->images[i].type);
		path = view_image_path(v);
		FZ_CHECK(path == NULL ? f->images[i].image_path == NULL :
		    strcmp(path, f->images[i].image_path) == 0);
		json_object_array_add(images, v);
	}
	for (i = 0; i < f->nsources; i++)
		json_object_array_add(sources, view_source(f->sources[i].title,
		    f->sources[i].uri, &f->sources[i].confidence,
		    f->sources[i].type));
	v = view_message(&f->msgs[0], images, sources, NULL);
	o = fz_reparse(v, slash);
	fz_message_is(o, &f->msgs[0]);
	FZ_CHECK(json_object_object_get_ex(o, "images", &arr));
	FZ_CHECK(json_object_array_length(arr) == f->nimages);
	for (i = 0; i < f->nimages; i++)
		fz_image_is(json_object_array_get_idx(arr, i), &f->images[i]);
	FZ_CHECK(json_object_object_get_ex(o, "sources", &arr));
	FZ_CHECK(json_object_array_length(arr) == f->nsources);
	for (i = 0; i < f->nsources; i++)
		fz_source_is(json_object_array_get_idx(arr, i),
		    &f->sources[i]);
	FZ_CHECK(json_object_object_get_ex(o, "suggestions", &arr));
	FZ_CHECK(json_object_array_length(arr) == 0);
	json_object_put(o);
	json_object_put(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in		 in = { data, size };
	struct conv_full	 f;
	struct arena		 a;
	int			 slash = (int)(fz_byte(&in) & 1);

	arena_init(&a);
	fz_conv(&in, &a, &f);
	fz_conversation(&f, &a, slash);
	fz_answer(&f, slash);
	arena_release(&a);
	return 0;
}
