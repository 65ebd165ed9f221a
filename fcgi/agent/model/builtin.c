/*
 * The builtin provider (API.md §4): an offline museum guide. It reads
 * the question, calls the same tools a remote model would
 * (search_artwork_images, search_documents) through the pipeline's one
 * tool path, and composes its answer only from what they return: a
 * work's facts and room, a document's own sentences, or, when nothing
 * matches, that it found nothing and what the museum is. Equal input
 * and catalogue give an equal answer. It streams the answer a few
 * words at a time and proposes follow-up questions from the results.
 *
 *   question --> visitor information? --> documents
 *            --> "room N"?             --> the room's document and works
 *            --> otherwise             --> artworks and documents
 *                 (a short follow-up with "it", "he"... is searched
 *                  together with the visitor's previous question)
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "conf.h"
#include "guide_text.h"
#include "json.h"
#include "model.h"

/* A work answers only when it holds more than half of the question's
 * words (a single title word of two is not enough: "the Eiffel Tower"
 * is not "The Tower of Babel"); a document, a visitor's question having
 * fewer telling words, at half. repo_catalog.h says how scores count. */
#define GUIDE_MATCH		0.51
#define GUIDE_VISIT_MATCH	0.5	/* a visitor document worth citing */
#define GUIDE_NEAR		0.75	/* of the best score, to show beside it */
#define GUIDE_LISTED		0.5	/* a work listed among an artist's */
#define GUIDE_LIST_MAX		8	/* works searched for such a list */
#define GUIDE_DELTA_WORDS	3	/* words per streamed piece */
#define GUIDE_FOLLOWUP_WORDS	8	/* a follow-up is this short */
#define GUIDE_ROOMS_MAX		20	/* rooms named when nothing matches */

static const char	*guide_model = "dataland-guide";

/* Words that make a question one about the visit, not the art. */
static const char *const visit_words[] = {
	"open*", "hour*", "clos*", "ticket*", "price*", "cost*", "admission",
	"free", "wheelchair*", "accessib*", "lift*", "elevator*", "step*",
	"disab*", "cafe*", "caf\xc3\xa9", "coffee", "eat*", "food", "lunch",
	"drink*", "shop*", "gift*", "cloak*", "locker*", "coat*", "bag*",
	"photo*", "camera*", "film*", "audio", "app", "tour*", "famil*",
	"child*", "kid*", "school*", "parking", "park", "metro", "bus",
	"train", "tram", "address", "toilet*", "restroom*", "wifi", "map",
	"plan", NULL
};
static const char *const followup_words[] = {
	"it", "its", "this", "that", "he", "she", "him", "her", "his",
	"they", "them", "their", NULL
};
static const char *const who_words[] = {
	"who", "painted", "painter", "artist", "made", "created", "carved",
	"sculpted", NULL
};
static const char *const when_words[] = { "when", "year", "date*", NULL };
static const char *const where_words[] = { "where", "room", "find",
	"hang*", NULL };

/* A turn of the guide. */
struct guide {
	struct model_call		*mc;
	const struct model_input	*in;
	struct arena			*a;
	const char			*q;	/* what is searched */
	struct gtext			 out;
	long				 prompt;
	int				 calls;
};

static double
jnum(struct json_object *o, const char *k)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_double(v);
}

/*
 * Calls tool name through the pipeline; *hits gets its "results" (a
 * reference the turn puts at the end, or NULL). E_OK or why to stop.
 */
static enum err
call_room(struct guide *g, const char *name, const char *query,
    const char *room, int limit, struct json_object **hits)
{
	struct json_object	*args, *res = NULL, *r;
	char			*id;
	enum err		 e;

	args = json_object_new_object();
	json_object_object_add(args, "query", json_object_new_string(query));
	json_object_object_add(args, "limit", json_object_new_int(limit));
	if (room != NULL)
		json_object_object_add(args, "room",
		    json_object_new_string(room));
	id = arena_printf(g->a, "guide_%d", ++g->calls);
	e = model_lookup(g->mc, name, id, args, &res);
	json_object_put(args);
	*hits = NULL;
	if (e == E_INVALID)
		e = E_OK;	/* nothing found for text it cannot search */
	if (res != NULL && json_object_object_get_ex(res, "results", &r))
		*hits = json_object_get(r);
	json_object_put(res);
	return e;
}

static enum err
call(struct guide *g, const char *name, const char *query, int limit,
    struct json_object **hits)
{
	return call_room(g, name, query, NULL, limit, hits);
}

static struct json_object *
hit(struct json_object *hits, size_t i)
{
	return hits != NULL && i < json_object_array_length(hits) ?
	    json_object_array_get_idx(hits, i) : NULL;
}

/* "“Title” by Artist" */
static const char *
work_name(struct guide *g, struct json_object *w)
{
	return arena_printf(g->a, "\xe2\x80\x9c%s\xe2\x80\x9d by %s",
	    json_member_str(w, "title"), json_member_str(w, "artist"));
}

/* Who made it, when, where: a question about one fact of one work. */
static int
asks_fact(const char *question)
{
	return guide_has_any(question, who_words) ||
	    guide_has_any(question, when_words) ||
	    guide_has_any(question, where_words);
}

/* One work: what the question asks first, then what it is. */
static void
say_work(struct guide *g, struct json_object *w, const char *question)
{
	const char	*name = work_name(g, w), *room = json_member_str(w, "room");

	model_show(g->mc, w);
	if (guide_has_any(question, who_words))
		gtext_addf(&g->out, "\xe2\x80\x9c%s\xe2\x80\x9d is by %s, from "
		    "%s. It is in %s. ", json_member_str(w, "title"), json_member_str(w, "artist"),
		    json_member_str(w, "year"), room);
	else if (guide_has_any(question, when_words))
		gtext_addf(&g->out, "%s dates from %s. It is in %s. ", name,
		    json_member_str(w, "year"), room);
	else if (guide_has_any(question, where_words))
		gtext_addf(&g->out, "You will find %s in %s. ", name, room);
	else
		gtext_addf(&g->out, "%s (%s, %s) is in %s. ", name,
		    json_member_str(w, "year"), json_member_str(w, "medium"), room);
	gtext_add(&g->out, guide_first_sentences(g->a,
	    json_member_str(w, "description"), 2));
}

static const char *const list_words[] = {
	"works", "paintings", "pictures", "prints", "sculptures", "which",
	"many", NULL
};

/* How many good hits there are, and how many share the first's artist. */
static size_t
good_hits(struct json_object *arts, size_t *same)
{
	struct json_object	*w;
	const char		*artist = json_member_str(hit(arts, 0), "artist");
	size_t			 i, n = 0;

	*same = 0;
	for (i = 0; (w = hit(arts, i)) != NULL; i++)
		if (jnum(w, "score") >= GUIDE_LISTED) {
			n++;
			if (artist != NULL && json_member_str(w, "artist") != NULL &&
			    strcmp(json_member_str(w, "artist"), artist) == 0)
				(*same)++;
		}
	return n;
}

/* "The museum shows these works by A: “T” (year, room); ..." */
static void
say_artist_works(struct guide *g, struct json_object *arts)
{
	struct json_object	*w;
	const char		*artist = json_member_str(hit(arts, 0), "artist");
	size_t			 i;

	gtext_addf(&g->out, "The museum shows these works by %s:", artist);
	for (i = 0; (w = hit(arts, i)) != NULL; i++)
		if (jnum(w, "score") >= GUIDE_LISTED &&
		    strcmp(json_member_str(w, "artist"), artist) == 0) {
			gtext_addf(&g->out, " \xe2\x80\x9c%s\xe2\x80\x9d (%s, %s);",
			    json_member_str(w, "title"), json_member_str(w, "year"), json_member_str(w, "room"));
			model_show(g->mc, w);
		}
	g->out.p[g->out.len - 1] = '.';
}

/* A hit as good as the best, near enough to show beside it. */
static int
close_to_best(struct json_object *hits, struct json_object *h,
    const char *field)
{
	double	best = jnum(hit(hits, 0), field);

	return jnum(h, field) >= GUIDE_VISIT_MATCH &&
	    jnum(h, field) >= GUIDE_NEAR * best;
}

/* Works: one artist's, or the best one and up to two others. */
static void
say_works(struct guide *g, struct json_object *arts, const char *question)
{
	struct json_object	*w;
	size_t			 i, n, same;

	if (good_hits(arts, &same) >= 2 && same >= 2 &&
	    guide_has_any(question, list_words)) {
		say_artist_works(g, arts);
		return;
	}
	say_work(g, hit(arts, 0), question);
	if (asks_fact(question))
		return;		/* a direct question gets a direct answer */
	for (i = 1, n = 0; i < 3 && (w = hit(arts, i)) != NULL; i++)
		if (close_to_best(arts, w, "score")) {
			gtext_addf(&g->out, "%s %s, in %s", n++ == 0 ?
			    " You may also like" : "; and", work_name(g, w),
			    json_member_str(w, "room"));
			model_show(g->mc, w);
		}
	if (n > 0)
		gtext_add(&g->out, ".");
}

/* A document's sentences that answer the question; named when they
 * follow something else. */
static void
say_document(struct guide *g, struct json_object *d, const char *question)
{
	model_show(g->mc, d);
	if (g->out.len > 0)
		gtext_addf(&g->out, " From \xe2\x80\x9c%s\xe2\x80\x9d: ",
		    json_member_str(d, "title"));
	gtext_add(&g->out, guide_best_sentences(g->a, json_member_str(d, "text"),
	    question, g->out.len > 0 ? 2 : 3));
}

/* A question about document d for the suggestions: its room, its
 * artist (the name without the dates), or its subject. */
static const char *
about(struct guide *g, struct json_object *d)
{
	const char	*kind = json_member_str(d, "kind"), *title = json_member_str(d, "title");
	char		*t;

	if (kind != NULL && strcmp(kind, "room") == 0)
		return arena_printf(g->a, "What is in %s?", title);
	t = arena_strdup(g->a, strncmp(title, "About ", 6) == 0 ?
	    title + 6 : title);
	if (kind != NULL && strcmp(kind, "artist") == 0) {
		if (strstr(t, " (") != NULL)
			*strstr(t, " (") = '\0';
	} else if (kind != NULL && strcmp(kind, "visitor") == 0 &&
	    t[0] >= 'A' && t[0] <= 'Z' && t[1] >= 'a' && t[1] <= 'z')
		t[0] = (char)(t[0] - 'A' + 'a');
	return arena_printf(g->a, "Tell me about %s", t);
}

/* Suggestions under an answer about works. */
static void
suggest_works(struct guide *g, struct json_object *arts,
    const char *question)
{
	struct json_object	*w0 = hit(arts, 0), *w1 = hit(arts, 1);

	if (!guide_has_any(question, who_words))
		model_suggest(g->mc, arena_printf(g->a, "Who painted "
		    "\xe2\x80\x9c%s\xe2\x80\x9d?", json_member_str(w0, "title")));
	model_suggest(g->mc, arena_printf(g->a, "What else is in %s?",
	    json_member_str(w0, "room")));
	model_suggest(g->mc, arena_printf(g->a, "Tell me more about %s",
	    json_member_str(w0, "artist")));
	if (w1 != NULL && jnum(w1, "score") >= GUIDE_MATCH)
		model_suggest(g->mc, arena_printf(g->a, "Tell me about "
		    "\xe2\x80\x9c%s\xe2\x80\x9d", json_member_str(w1, "title")));
}

/* "Room N — ..." by N; N is the catalogue's, compared without a
 * subtraction that a huge one would overflow. */
static int
by_room_number(const void *a, const void *b)
{
	long	x = strtol(*(const char *const *)a + 5, NULL, 10);
	long	y = strtol(*(const char *const *)b + 5, NULL, 10);

	return (x > y) - (x < y);
}

/*
 * Nothing matched: say so, and what the museum has: its rooms, as the
 * catalogue's room documents name them ("Room N — Name").
 */
static enum err
say_nothing(struct guide *g)
{
	struct json_object	*docs, *d;
	const char		*rooms[GUIDE_ROOMS_MAX];
	size_t			 i, n = 0;
	enum err		 e;

	gtext_add(&g->out, "I could not find that in the museum's catalogue "
	    "or its visitor information.");
	if ((e = call(g, "search_documents", "room", GUIDE_ROOMS_MAX,
	    &docs)) != E_OK)
		return e;
	for (i = 0; (d = hit(docs, i)) != NULL; i++)
		if (strcmp(json_member_str(d, "kind"), "room") == 0 &&
		    strncmp(json_member_str(d, "title"), "Room ", 5) == 0)
			rooms[n++] = json_member_str(d, "title");
	qsort(rooms, n, sizeof(rooms[0]), by_room_number);
	for (i = 0; i < n; i++)
		gtext_addf(&g->out, "%s%s", i == 0 ? " Its rooms are " :
		    i + 1 < n ? ", " : " and ", rooms[i]);
	gtext_add(&g->out, n > 0 ? "." : "");
	for (i = 0; i < n && i < 2; i++)
		model_suggest(g->mc, arena_printf(g->a, "What is in %s?",
		    rooms[i]));
	model_suggest(g->mc, "When is the museum open?");
	json_object_put(docs);
	return E_OK;
}

/* A question about the visit: hours, tickets, access, the cafe... */
static enum err
answer_visit(struct guide *g)
{
	struct json_object	*docs, *d;
	size_t			 i;
	enum err		 e;

	if ((e = call(g, "search_documents", g->q, 3, &docs)) != E_OK)
		return e;
	if (jnum(hit(docs, 0), "confidence") < GUIDE_VISIT_MATCH) {
		json_object_put(docs);
		return say_nothing(g);
	}
	say_document(g, hit(docs, 0), g->in->question);
	for (i = 1; (d = hit(docs, i)) != NULL; i++)
		if (close_to_best(docs, d, "confidence"))
			model_suggest(g->mc, about(g, d));
	model_suggest(g->mc, "What can I see in the museum?");
	model_suggest(g->mc, "When is the museum open?");
	json_object_put(docs);
	return E_OK;
}

/* "What is in room N?": the room's own document and its works. */
static enum err
answer_room(struct guide *g, int room)
{
	struct json_object	*docs = NULL, *arts = NULL, *d, *w;
	const char		*want = arena_printf(g->a, "Room %d ", room);
	size_t			 i, n = 0;
	enum err		 e;

	if ((e = call(g, "search_documents", arena_printf(g->a, "room %d",
	    room), 3, &docs)) != E_OK || (e = call_room(g,
	    "search_artwork_images", g->q, arena_printf(g->a, "Room %d",
	    room), 4, &arts)) != E_OK)
		goto out;
	for (i = 0; (d = hit(docs, i)) != NULL; i++)
		if (strncmp(json_member_str(d, "title"), want, strlen(want)) == 0)
			break;
	if (d == NULL) {
		gtext_addf(&g->out, "There is no Room %d in the museum's "
		    "catalogue. ", room);
		e = say_nothing(g);
		goto out;
	}
	model_show(g->mc, d);
	gtext_add(&g->out, guide_first_sentences(g->a, json_member_str(d, "text"), 2));
	for (i = 0; (w = hit(arts, i)) != NULL; i++) {
		model_show(g->mc, w);
		gtext_addf(&g->out, "%s%s", n++ == 0 ? " Works here include " :
		    "; ", work_name(g, w));
		if (n == 1)
			model_suggest(g->mc, arena_printf(g->a, "Tell me about "
			    "\xe2\x80\x9c%s\xe2\x80\x9d", json_member_str(w, "title")));
	}
	gtext_add(&g->out, n > 0 ? "." : "");
	model_suggest(g->mc, arena_printf(g->a, "What is in Room %d?",
	    room + 1));
	model_suggest(g->mc, "When is the museum open?");
out:
	json_object_put(docs);
	json_object_put(arts);
	return e;
}

/* The visitor's question before this one, or NULL. */
static const char *
previous_question(const struct model_input *in)
{
	size_t	i;

	for (i = in->nhistory; i > 0; i--)
		if (in->history[i - 1].role != NULL &&
		    strcmp(in->history[i - 1].role, "user") == 0)
			return in->history[i - 1].text;
	return NULL;
}

/* A question about the art (or anything else). */
static enum err
answer_art(struct guide *g)
{
	struct json_object	*arts = NULL, *docs = NULL;
	const char		*prev;
	enum err		 e;

	/* "Who painted it?": it is what the previous question was about */
	if (guide_has_any(g->in->question, followup_words) &&
	    guide_count_words(g->in->question) <= GUIDE_FOLLOWUP_WORDS &&
	    (prev = previous_question(g->in)) != NULL) {
		g->q = arena_printf(g->a, "%s %s", prev, g->in->question);
		g->prompt += guide_count_words(prev);
	}
	if ((e = call(g, "search_artwork_images", g->q,
	    guide_has_any(g->in->question, list_words) ? GUIDE_LIST_MAX : 3,
	    &arts)) != E_OK)
		goto out;
	if ((e = call(g, "search_documents", g->q, 2, &docs)) != E_OK)
		goto out;
	if (jnum(hit(arts, 0), "score") >= GUIDE_MATCH) {
		say_works(g, arts, g->in->question);
		suggest_works(g, arts, g->in->question);
		if (jnum(hit(docs, 0), "confidence") >= GUIDE_MATCH &&
		    strcmp(json_member_str(hit(docs, 0), "kind"), "artist") == 0)
			say_document(g, hit(docs, 0), g->q);
	} else if (jnum(hit(docs, 0), "confidence") >= GUIDE_VISIT_MATCH) {
		say_document(g, hit(docs, 0), g->in->question);
		model_suggest(g->mc, about(g, hit(docs, 0)));
		model_suggest(g->mc, "What can I see in the museum?");
	} else
		e = say_nothing(g);
out:
	json_object_put(arts);
	json_object_put(docs);
	return e;
}

/* The composed answer, GUIDE_DELTA_WORDS words at a time. */
static enum err
stream(struct guide *g)
{
	const char	*p = g->out.p, *q;
	enum err	 e;
	int		 w;

	while (*p != '\0') {
		for (q = p, w = 0; *q != '\0' && w < GUIDE_DELTA_WORDS; w++) {
			q += strcspn(q, " ");
			q += strspn(q, " ");
		}
		if ((e = model_emit(g->mc, p, (size_t)(q - p))) != E_OK)
			return e;
		p = q;
	}
	return E_OK;
}

static int
builtin_init(const struct conf *c)
{
	if (c->model_name != NULL && *c->model_name != '\0')
		guide_model = c->model_name;
	return 0;
}

static const char *
builtin_model(void)
{
	return guide_model;
}

static enum err
builtin_answer(struct model_call *mc, const struct model_input *in)
{
	struct guide	g;
	enum err	e;
	int		room;

	memset(&g, 0, sizeof(g));
	g.mc = mc;
	g.in = in;
	g.a = in->a;
	g.q = in->question;
	g.prompt = guide_count_words(in->question);
	gtext_init(&g.out, in->a);
	if (guide_has_any(in->question, visit_words))
		e = answer_visit(&g);
	else if ((room = guide_room_number(in->question)) > 0)
		e = answer_room(&g, room);
	else
		e = answer_art(&g);
	if (e == E_OK)
		e = stream(&g);
	model_usage(mc, g.prompt, guide_count_words(g.out.p), 0.0);
	return e;
}

const struct model_provider model_builtin = {
	.name = "builtin",
	.init = builtin_init,
	.model_name = builtin_model,
	.answer = builtin_answer,
};
