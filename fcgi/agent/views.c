/*
 * JSON shapes of the agent's types (API.md §4). No SQL and no request
 * here: rows in, objects out.
 */
#include <math.h>
#include <stddef.h>
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

/* A number as its shortest faithful decimal in buf, or NULL when it
 * has none in JSON (NaN, infinities: null). 15 digits print what
 * PostgreSQL sent for nearly every value (0.93, not 0.93000000000000005);
 * the few that need more get them, so a client reads back the stored
 * value exactly. */
static const char *
number_text(double d, char buf[32])
{
	int	digits;

	if (!isfinite(d))
		return NULL;
	for (digits = 15; digits < 17; digits++) {
		snprintf(buf, 32, "%.*g", digits, d);
		if (strtod(buf, NULL) == d)
			return buf;
	}
	snprintf(buf, 32, "%.17g", d);
	return buf;
}

struct json_object *
view_number(double d)
{
	char		 buf[32];
	const char	*s = number_text(d, buf);

	return s == NULL ? NULL : json_object_new_double_s(d, s);
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

static void
print_lit(struct printbuf *pb, const char *s)
{
	printbuf_memappend(pb, s, (int)strlen(s));
}

/* A member of a printed view: its key (and the comma before it), then
 * its value, as JSON text, a string or a number. */
static void
put_lit(struct printbuf *pb, const char *key, const char *text)
{
	print_lit(pb, key);
	print_lit(pb, text);
}

static void
put_str(struct printbuf *pb, int flags, const char *key, const char *s)
{
	print_lit(pb, key);
	json_print_str(pb, flags, s);
}

static void
put_num(struct printbuf *pb, const char *key, const struct db_double *d)
{
	char		 buf[32];
	const char	*s = d->null ? NULL : number_text(d->v, buf);

	put_lit(pb, key, s != NULL ? s : "null");
}

/*
 * The views of rows are printed from the rows (json_printed()): as
 * json-c objects, a page of summaries was some 170 allocations and a
 * conversation of 20 messages over a thousand. A summary's members are
 * a conversation's first ones too; the brace is left open for those,
 * as it is after a message's own members for its children.
 */
static void
summary_members(struct printbuf *pb, int flags, const struct conv *c)
{
	put_str(pb, flags, "{\"id\":", c->id);
	put_str(pb, flags, ",\"title\":", c->title);
	put_str(pb, flags, ",\"mode\":", c->mode);
	put_str(pb, flags, ",\"created_at\":", c->created_at);
	put_str(pb, flags, ",\"updated_at\":", c->updated_at);
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

static void
message_members(struct printbuf *pb, int flags, const struct conv_msg *m)
{
	char	seq[16];

	snprintf(seq, sizeof(seq), "%d", m->seq);
	put_str(pb, flags, "{\"id\":", m->id);
	put_lit(pb, ",\"seq\":", seq);
	put_str(pb, flags, ",\"role\":", m->role);
	put_str(pb, flags, ",\"text\":", m->text);
	put_str(pb, flags, ",\"tool\":", m->tool);
	put_str(pb, flags, ",\"tool_call_id\":", m->tool_call_id);
	put_str(pb, flags, ",\"run_id\":", m->run_id);
	put_str(pb, flags, ",\"feedback\":", m->feedback);
	put_str(pb, flags, ",\"created_at\":", m->created_at);
}

static void
image_write(struct printbuf *pb, int flags, const void *row)
{
	const struct conv_image	*x = row;

	put_str(pb, flags, "{\"title\":", x->title);
	put_str(pb, flags, ",\"artist\":", x->artist);
	put_str(pb, flags, ",\"image_path\":", x->image_path);
	put_num(pb, ",\"score\":", &x->score);
	put_str(pb, flags, ",\"type\":", x->type != NULL ? x->type : "artwork");
	printbuf_strappend(pb, "}");
}

static void
source_write(struct printbuf *pb, int flags, const void *row)
{
	const struct conv_source	*x = row;

	put_str(pb, flags, "{\"title\":", x->title);
	put_str(pb, flags, ",\"uri\":", x->uri);
	put_num(pb, ",\"confidence\":", &x->confidence);
	put_str(pb, flags, ",\"type\":",
	    x->type != NULL ? x->type : "document");
	printbuf_strappend(pb, "}");
}

static void
suggestion_write(struct printbuf *pb, int flags, const void *row)
{
	json_print_str(pb, flags, ((const struct conv_suggestion *)row)->text);
}

static int
image_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	image_write(pb, flags, json_object_get_userdata(o));
	return 0;
}

static int
source_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	source_write(pb, flags, json_object_get_userdata(o));
	return 0;
}

static void
drop_free(struct json_object *o, void *arg)
{
	(void)o;
	free(arg);
}

/* s copied to *end, which moves past the copy; NULL stays NULL. */
static const char *
copy_str(char **end, const char *s)
{
	char	*d = *end;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*end = d + n;
	return d;
}

static size_t
str_size(const char *s)
{
	return s == NULL ? 0 : strlen(s) + 1;
}

/*
 * The chat's images and sources outlive the hits they come from, so
 * each holds its row and the row's text in one allocation. They are
 * the rows a conversation's read prints: one shape either way.
 */
struct json_object *
view_image(const char *title, const char *artist, const char *image_path,
    const struct db_double *score, const char *type)
{
	struct conv_image	*x;
	char			*end;

	x = xmalloc(sizeof(*x) + str_size(title) + str_size(artist) +
	    str_size(image_path) + str_size(type));
	end = (char *)(x + 1);
	x->message_id = NULL;
	x->title = copy_str(&end, title);
	x->artist = copy_str(&end, artist);
	x->image_path = copy_str(&end, image_path);
	x->score.null = score == NULL || score->null;
	x->score.v = x->score.null ? 0 : score->v;
	x->type = copy_str(&end, type);
	return json_printed(image_print, x, drop_free);
}

struct json_object *
view_source(const char *title, const char *uri,
    const struct db_double *confidence, const char *type)
{
	struct conv_source	*x;
	char			*end;

	x = xmalloc(sizeof(*x) + str_size(title) + str_size(uri) +
	    str_size(type));
	end = (char *)(x + 1);
	x->message_id = NULL;
	x->title = copy_str(&end, title);
	x->uri = copy_str(&end, uri);
	x->confidence.null = confidence == NULL || confidence->null;
	x->confidence.v = x->confidence.null ? 0 : confidence->v;
	x->type = copy_str(&end, type);
	return json_printed(source_print, x, drop_free);
}

const char *
view_image_path(struct json_object *image)
{
	return ((const struct conv_image *)
	    json_object_get_userdata(image))->image_path;
}

const char *
view_source_uri(struct json_object *source)
{
	return ((const struct conv_source *)
	    json_object_get_userdata(source))->uri;
}

/* A Message of the chat: its row and its children's arrays. */
struct msg_print {
	const struct conv_msg	*m;
	struct json_object	*kids[3];	/* images, sources, sugg. */
};

static const char *const kid_keys[3] = {
	",\"images\":", ",\"sources\":", ",\"suggestions\":"
};

static int
message_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	const struct msg_print	*p = json_object_get_userdata(o);
	const char		*s;
	size_t			 i, len;

	(void)level;
	message_members(pb, flags, p->m);
	for (i = 0; i < 3; i++) {
		print_lit(pb, kid_keys[i]);
		/* json-c writes a value only into that value's own
		 * buffer: the array is copied over once. */
		s = p->kids[i] == NULL ? "[]" :
		    json_object_to_json_string_length(p->kids[i], flags, &len);
		print_lit(pb, s);
	}
	printbuf_strappend(pb, "}");
	return 0;
}

static void
message_drop(struct json_object *o, void *arg)
{
	struct msg_print	*p = arg;
	size_t			 i;

	(void)o;
	for (i = 0; i < 3; i++)
		json_object_put(p->kids[i]);
	free(p);
}

struct json_object *
view_message(const struct conv_msg *m, struct json_object *images,
    struct json_object *sources, struct json_object *suggestions)
{
	struct msg_print	*p = xmalloc(sizeof(*p));

	p->m = m;
	p->kids[0] = images;
	p->kids[1] = sources;
	p->kids[2] = suggestions;
	return json_printed(message_print, p, message_drop);
}

/* The index of message id in ids (sorted), or -1. */
static long
find_msg(const struct conv_msg **ids, size_t n, const char *id)
{
	size_t	lo = 0, hi = n, mid;
	int	c;

	if (id == NULL)
		return -1;
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

/*
 * One kind of child of a conversation's messages. The rows come
 * grouped by message id in the database's collation, which need not be
 * strcmp()'s, so each row is looked up: at[first[j]] .. at[first[j+1]
 * - 1] are the rows of message byid[j], in the order they came.
 */
struct kind {
	const char	*key;
	const void	*rows;
	size_t		 n, size, id_at;
	void		(*write)(struct printbuf *, int, const void *);
	size_t		*first, *at;
};

/* The message id of row i. */
static const char *
row_msg(const struct kind *k, size_t i)
{
	const char *const	*id = (const void *)((const char *)k->rows +
				    i * k->size + k->id_at);

	return *id;
}

static void
kind_group(struct arena *a, struct kind *k, const struct conv_msg **byid,
    size_t nmsgs)
{
	long	*of = arena_alloc(a, sizeof(*of) * (k->n + 1));
	size_t	*put = arena_zalloc(a, sizeof(*put) * (nmsgs + 1));
	size_t	 i, j;

	k->first = arena_zalloc(a, sizeof(*k->first) * (nmsgs + 1));
	k->at = arena_alloc(a, sizeof(*k->at) * (k->n + 1));
	for (i = 0; i < k->n; i++) {
		of[i] = find_msg(byid, nmsgs, row_msg(k, i));
		if (of[i] >= 0)
			k->first[of[i] + 1]++;
	}
	for (j = 0; j < nmsgs; j++)
		k->first[j + 1] += k->first[j];
	for (i = 0; i < k->n; i++)
		if (of[i] >= 0) {
			j = (size_t)of[i];
			k->at[k->first[j] + put[j]++] = i;
		}
}

static void
kind_write(struct printbuf *pb, int flags, const struct kind *k, size_t j)
{
	size_t	r;

	print_lit(pb, k->key);
	printbuf_strappend(pb, "[");
	for (r = k->first[j]; r < k->first[j + 1]; r++) {
		if (r > k->first[j])
			printbuf_strappend(pb, ",");
		k->write(pb, flags, (const char *)k->rows + k->at[r] * k->size);
	}
	printbuf_strappend(pb, "]");
}

/* A conversation: its summary's members and its messages. */
struct conv_print {
	const struct conv_full	*f;
	long			*byid_of;	/* msg i is byid[byid_of[i]] */
	struct kind		 kinds[3];
};

static int
conversation_print(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	const struct conv_print	*p = json_object_get_userdata(o);
	size_t			 i, k;

	(void)level;
	summary_members(pb, flags, &p->f->c);
	printbuf_strappend(pb, ",\"messages\":[");
	for (i = 0; i < p->f->nmsgs; i++) {
		if (i > 0)
			printbuf_strappend(pb, ",");
		message_members(pb, flags, &p->f->msgs[i]);
		for (k = 0; k < 3; k++)
			kind_write(pb, flags, &p->kinds[k],
			    (size_t)p->byid_of[i]);
		printbuf_strappend(pb, "}");
	}
	printbuf_strappend(pb, "]}");
	return 0;
}

struct json_object *
view_conversation(struct arena *a, const struct conv_full *f)
{
	struct conv_print	*p = arena_zalloc(a, sizeof(*p));
	const struct conv_msg	**byid;
	size_t			 i, k, n = f->nmsgs;

	byid = arena_alloc(a, sizeof(*byid) * (n + 1));
	for (i = 0; i < n; i++)
		byid[i] = &f->msgs[i];
	qsort(byid, n, sizeof(*byid), by_id);
	p->f = f;
	p->byid_of = arena_alloc(a, sizeof(*p->byid_of) * (n + 1));
	for (i = 0; i < n; i++)
		p->byid_of[i] = find_msg(byid, n, f->msgs[i].id);
	p->kinds[0] = (struct kind){ kid_keys[0], f->images, f->nimages,
	    sizeof(*f->images), offsetof(struct conv_image, message_id),
	    image_write, NULL, NULL };
	p->kinds[1] = (struct kind){ kid_keys[1], f->sources, f->nsources,
	    sizeof(*f->sources), offsetof(struct conv_source, message_id),
	    source_write, NULL, NULL };
	p->kinds[2] = (struct kind){ kid_keys[2], f->suggestions,
	    f->nsuggestions, sizeof(*f->suggestions),
	    offsetof(struct conv_suggestion, message_id), suggestion_write,
	    NULL, NULL };
	for (k = 0; k < 3; k++)
		kind_group(a, &p->kinds[k], byid, n);
	return json_printed(conversation_print, p, NULL);
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
