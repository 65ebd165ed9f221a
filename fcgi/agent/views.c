/*
 * JSON shapes of the agent's types (API.md §4). No SQL and no request
 * here: rows in, objects out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "arena.h"
#include "db.h"
#include "json.h"
#include "repo_conversations.h"
#include "repo_runs.h"
#include "repo_visitors.h"
#include "views.h"

/*
 * Each view adds every key once, and the keys are literals: json-c
 * need neither look for an earlier value nor copy the key. A page of
 * conversations is a few hundred members.
 */
#define ADD(o, k, v)	json_object_object_add_ex((o), (k), (v),	\
			    JSON_C_OBJECT_ADD_KEY_IS_NEW |		\
			    JSON_C_OBJECT_KEY_IS_CONSTANT)
#define STR(s)		json_str_or_null(s)

struct json_object *
view_number(double d)
{
	char	buf[32];

	snprintf(buf, sizeof(buf), "%.15g", d);
	return json_object_new_double_s(d, buf);
}

static struct json_object *
maybe_number(const struct db_double *d)
{
	return d == NULL || d->null ? NULL : view_number(d->v);
}

static struct json_object *
maybe_long(const struct db_long *l)
{
	return l->null ? NULL : json_object_new_int64(l->v);
}

/*
 * A summary is printed from its row (json_printed()): a page of them is
 * the list's whole body, and as json-c objects a page was some 170
 * allocations. Its members are a conversation's first ones too; the
 * brace is left open for those.
 */
static void
summary_members(struct printbuf *pb, int flags, const struct conv *c)
{
	printbuf_strappend(pb, "{\"id\":");
	json_print_str(pb, flags, c->id);
	printbuf_strappend(pb, ",\"title\":");
	json_print_str(pb, flags, c->title);
	printbuf_strappend(pb, ",\"mode\":");
	json_print_str(pb, flags, c->mode);
	printbuf_strappend(pb, ",\"created_at\":");
	json_print_str(pb, flags, c->created_at);
	printbuf_strappend(pb, ",\"updated_at\":");
	json_print_str(pb, flags, c->updated_at);
}

static int
summary_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	summary_members(pb, flags, json_object_get_userdata(o));
	printbuf_strappend(pb, "}");
	return 0;
}

struct json_object *
view_summary(const struct conv *c)
{
	return json_printed(summary_print, (void *)(uintptr_t)c, NULL);
}

struct json_object *
view_image(const char *title, const char *artist, const char *image_path,
    const struct db_double *score, const char *type)
{
	struct json_object	*o = json_object_new_object();

	ADD(o, "title", STR(title));
	ADD(o, "artist", STR(artist));
	ADD(o, "image_path", STR(image_path));
	ADD(o, "score", maybe_number(score));
	ADD(o, "type", STR(type != NULL ? type : "artwork"));
	return o;
}

struct json_object *
view_source(const char *title, const char *uri,
    const struct db_double *confidence, const char *type)
{
	struct json_object	*o = json_object_new_object();

	ADD(o, "title", STR(title));
	ADD(o, "uri", STR(uri));
	ADD(o, "confidence", maybe_number(confidence));
	ADD(o, "type", STR(type != NULL ? type : "document"));
	return o;
}

struct json_object *
view_message(const struct conv_msg *m, struct json_object *images,
    struct json_object *sources, struct json_object *suggestions)
{
	struct json_object	*o = json_object_new_object();

	ADD(o, "id", STR(m->id));
	ADD(o, "seq", json_object_new_int(m->seq));
	ADD(o, "role", STR(m->role));
	ADD(o, "text", STR(m->text));
	ADD(o, "tool", STR(m->tool));
	ADD(o, "tool_call_id", STR(m->tool_call_id));
	ADD(o, "run_id", STR(m->run_id));
	ADD(o, "feedback", STR(m->feedback));
	ADD(o, "created_at", STR(m->created_at));
	ADD(o, "images", images ? images : json_object_new_array());
	ADD(o, "sources", sources ? sources : json_object_new_array());
	ADD(o, "suggestions", suggestions ? suggestions :
	    json_object_new_array());
	return o;
}

/* The index of message id in ids (sorted), or -1. */
static long
find_msg(const struct conv_msg **ids, size_t n, const char *id)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(ids[mid]->id, id)) == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp((*(const struct conv_msg *const *)a)->id,
	    (*(const struct conv_msg *const *)b)->id);
}

/* One array per message for each kind of child: arrays[kind][i] is
 * message i's (in sorted-by-id order), filled as the rows come. */
struct kids {
	const struct conv_msg	**byid;
	struct json_object	**img, **src, **sug;
};

/* The array of message id in arr, made when first needed; NULL when
 * the message is not in the conversation. */
static struct json_object *
kid(const struct kids *k, struct json_object **arr, size_t n, const char *id)
{
	long	i;

	if (id == NULL || (i = find_msg(k->byid, n, id)) < 0)
		return NULL;
	if (arr[i] == NULL)
		arr[i] = json_object_new_array();
	return arr[i];
}

static void
fill_kids(const struct conv_full *f, struct kids *k)
{
	struct json_object	*a;
	size_t			 i, n = f->nmsgs;

	for (i = 0; i < f->nimages; i++)
		if ((a = kid(k, k->img, n, f->images[i].message_id)) != NULL)
			json_object_array_add(a, view_image(f->images[i].title,
			    f->images[i].artist, f->images[i].image_path,
			    &f->images[i].score, f->images[i].type));
	for (i = 0; i < f->nsources; i++)
		if ((a = kid(k, k->src, n, f->sources[i].message_id)) != NULL)
			json_object_array_add(a, view_source(
			    f->sources[i].title, f->sources[i].uri,
			    &f->sources[i].confidence, f->sources[i].type));
	for (i = 0; i < f->nsuggestions; i++)
		if ((a = kid(k, k->sug, n, f->suggestions[i].message_id)) !=
		    NULL)
			json_object_array_add(a, json_object_new_string(
			    f->suggestions[i].text));
}

/* A conversation: its summary's members and its messages. */
struct conv_print {
	const struct conv	*c;
	struct json_object	*msgs;
};

static int
conversation_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	const struct conv_print	*p = json_object_get_userdata(o);
	const char		*s;
	size_t			 len;

	(void)level;
	summary_members(pb, flags, p->c);
	printbuf_strappend(pb, ",\"messages\":");
	/* json-c writes a value only into that value's own buffer: the
	 * messages are copied over once. */
	s = json_object_to_json_string_length(p->msgs, flags, &len);
	printbuf_memappend(pb, s, (int)len);
	printbuf_strappend(pb, "}");
	return 0;
}

static void
conversation_drop(struct json_object *o, void *arg)
{
	(void)o;
	json_object_put(((struct conv_print *)arg)->msgs);
}

struct json_object *
view_conversation(struct arena *a, const struct conv_full *f)
{
	struct json_object	*msgs;
	struct conv_print	*p;
	struct kids		 k;
	size_t			 i, n = f->nmsgs;
	long			 j;

	k.byid = arena_zalloc(a, sizeof(*k.byid) * (n + 1));
	k.img = arena_zalloc(a, sizeof(*k.img) * (n + 1));
	k.src = arena_zalloc(a, sizeof(*k.src) * (n + 1));
	k.sug = arena_zalloc(a, sizeof(*k.sug) * (n + 1));
	for (i = 0; i < n; i++)
		k.byid[i] = &f->msgs[i];
	qsort(k.byid, n, sizeof(*k.byid), by_id);
	fill_kids(f, &k);
	msgs = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++) {
		j = find_msg(k.byid, n, f->msgs[i].id);
		json_object_array_add(msgs, view_message(&f->msgs[i],
		    k.img[j], k.src[j], k.sug[j]));
	}
	p = arena_alloc(a, sizeof(*p));
	p->c = &f->c;
	p->msgs = msgs;
	return json_printed(conversation_print, p, conversation_drop);
}

struct json_object *
view_run(const struct run *r)
{
	struct json_object	*o = json_object_new_object();

	ADD(o, "id", STR(r->id));
	ADD(o, "conversation_id", STR(r->conversation_id));
	ADD(o, "started_at", STR(r->started_at));
	ADD(o, "finished_at", STR(r->finished_at));
	ADD(o, "model", STR(r->model));
	ADD(o, "prompt_tokens", maybe_long(&r->prompt_tokens));
	ADD(o, "completion_tokens", maybe_long(&r->completion_tokens));
	ADD(o, "cost_usd", maybe_number(&r->cost_usd));
	ADD(o, "status", STR(r->status));
	ADD(o, "error", STR(r->error));
	return o;
}

/* access_permissions as stored (a JSON-encoded list): the list, or []
 * when it is missing or not a list of strings. */
static struct json_object *
permissions(const char *text)
{
	struct json_object	*v = NULL;
	size_t			 i;

	if (text == NULL || json_parse(text, strlen(text), 2, &v) != E_OK ||
	    !json_object_is_type(v, json_type_array))
		goto empty;
	for (i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i),
		    json_type_string))
			goto empty;
	return v;
empty:
	json_object_put(v);
	return json_object_new_array();
}

struct json_object *
view_visitor(const struct visitor *u)
{
	struct json_object	*o = json_object_new_object();

	ADD(o, "id", STR(u->id));
	ADD(o, "email", STR(u->email));
	ADD(o, "full_name", STR(u->full_name));
	ADD(o, "location", STR(u->location));
	ADD(o, "profile_photo_url", STR(u->profile_photo_url));
	ADD(o, "joined_date", STR(u->joined_date));
	ADD(o, "access_permissions", permissions(u->access_permissions));
	ADD(o, "stripe_customer_id", STR(u->stripe_customer_id));
	ADD(o, "created_at", STR(u->created_at));
	return o;
}
