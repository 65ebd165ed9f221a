/*
 * The model's tools, one path for every provider (tools.h): arguments
 * checked, the catalogue searched (repo_catalog.c), what the model is
 * shown and what the answer shows (Image, Source) made here.
 */
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "db.h"
#include "json.h"
#include "repo_catalog.h"
#include "tools.h"
#include "views.h"

#define STR(s)	json_str_or_null(s)

#define TOOLS_QUERY_MAX		500	/* code points of a query */

/* A tool's arguments, checked. */
struct tool_args {
	const char	*query;
	const char	*room;		/* search_artwork_images: NULL or a room */
	int		 limit;
};

static enum err	tool_artworks(struct db *, struct arena *,
		    const struct tool_args *, struct json_object *,
		    struct json_object *);
static enum err	tool_documents(struct db *, struct arena *,
		    const struct tool_args *, struct json_object *,
		    struct json_object *);

/* name, what the model is told, the function. */
static const struct {
	const char	*name;
	const char	*description;
	enum err	(*fn)(struct db *, struct arena *,
			    const struct tool_args *, struct json_object *,
			    struct json_object *);
} tools[] = {
	{ "search_artwork_images",
	    "Search the museum's catalogue of artworks (title, artist, "
	    "date, medium, room, description), or list a room's works "
	    "when room is given. Returns the best matches with where they "
	    "hang; their images are shown with the answer.",
	    tool_artworks },
	{ "search_documents",
	    "Search the museum's documents: artists, movements, rooms and "
	    "visitor information (hours, tickets, accessibility, cafe). "
	    "Returns the best passages; they are cited with the answer.",
	    tool_documents },
};
#define NTOOLS	(sizeof(tools) / sizeof(tools[0]))

/* Whether a hit goes with the answer: good, and near the best hit. */
static int
tools_shown(double score, double best)
{
	return score >= TOOLS_SHOW_MIN && score >= TOOLS_SHOW_NEAR * best;
}

static struct json_object *
err_result(const char *msg)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static enum err
tool_artworks(struct db *db, struct arena *a, const struct tool_args *t,
    struct json_object *out, struct json_object *images)
{
	struct art_hit		*h;
	struct json_object	*r, *list;
	struct db_double	 score;
	size_t			 i, n;
	enum err		 e;

	e = t->room != NULL ? repo_catalog_room(db, a, t->room, t->limit, &h,
	    &n) : repo_catalog_artworks(db, a, t->query, t->limit, &h, &n);
	if (e != E_OK)
		return e;
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "id", STR(h[i].id));
		json_object_object_add(r, "title", STR(h[i].title));
		json_object_object_add(r, "artist", STR(h[i].artist));
		json_object_object_add(r, "year", STR(h[i].year));
		json_object_object_add(r, "medium", STR(h[i].medium));
		json_object_object_add(r, "room", STR(h[i].room));
		json_object_object_add(r, "image_path", STR(h[i].image_path));
		json_object_object_add(r, "description", STR(h[i].description));
		json_object_object_add(r, "score", view_number(h[i].score));
		json_object_array_add(list, r);
		if (images == NULL || !tools_shown(h[i].score, h[0].score))
			continue;
		score.v = h[i].score;
		score.null = 0;
		json_object_array_add(images, view_image(h[i].title,
		    h[i].artist, h[i].image_path, &score, "artwork"));
	}
	json_object_object_add(out, "results", list);
	return E_OK;
}

static enum err
tool_documents(struct db *db, struct arena *a, const struct tool_args *t,
    struct json_object *out, struct json_object *sources)
{
	struct doc_hit		*h;
	struct json_object	*r, *list;
	struct db_double	 conf;
	size_t			 i, n;
	enum err		 e;

	if ((e = repo_catalog_documents(db, a, t->query, t->limit, &h, &n)) !=
	    E_OK)
		return e;
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "id", STR(h[i].id));
		json_object_object_add(r, "title", STR(h[i].title));
		json_object_object_add(r, "uri", STR(h[i].uri));
		json_object_object_add(r, "kind", STR(h[i].kind));
		json_object_object_add(r, "text", STR(h[i].body));
		json_object_object_add(r, "confidence",
		    view_number(h[i].confidence));
		json_object_array_add(list, r);
		if (sources == NULL ||
		    !tools_shown(h[i].confidence, h[0].confidence))
			continue;
		conf.v = h[i].confidence;
		conf.null = 0;
		json_object_array_add(sources, view_source(h[i].title,
		    h[i].uri, &conf, "document"));
	}
	json_object_object_add(out, "results", list);
	return E_OK;
}

/* A string argument of 1..TOOLS_QUERY_MAX characters, or NULL. */
static const char *
arg_str(struct json_object *args, const char *k)
{
	struct json_object	*v;
	const char		*s;

	if (!json_object_object_get_ex(args, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (*s == '\0' || !json_utf8_valid(s, strlen(s)) ||
	    json_utf8_len(s) > TOOLS_QUERY_MAX)
		return NULL;
	return s;
}

/* {"query": string, "limit"?: 1..TOOLS_LIMIT_MAX (clamped), "room"?:
 * string}: 0, or -1 when they are not that. */
static int
tool_args(struct json_object *args, struct tool_args *t)
{
	struct json_object	*l;
	double			 n;

	t->limit = TOOLS_LIMIT_DEFAULT;
	if (args == NULL || !json_object_is_type(args, json_type_object) ||
	    (t->query = arg_str(args, "query")) == NULL)
		return -1;
	t->room = arg_str(args, "room");
	if (!json_object_object_get_ex(args, "limit", &l))
		return 0;
	/*
	 * Clamped as the number the model sent (2^32 + 1 is many, not 1).
	 * 5.0 is the integer 5, as JSON Schema's "integer" has it, and
	 * models do write it so; 2.5 is no count and leaves the default.
	 */
	if (json_object_is_type(l, json_type_int))
		n = (double)json_object_get_int64(l);
	else if (json_object_is_type(l, json_type_double))
		n = json_object_get_double(l);
	else
		return 0;
	if (n != floor(n))
		return 0;
	t->limit = n < 1 ? 1 : n > TOOLS_LIMIT_MAX ? TOOLS_LIMIT_MAX : (int)n;
	return 0;
}

enum err
tools_run(struct db *db, struct arena *a, const char *name,
    struct json_object *args, struct json_object **result,
    struct json_object *images, struct json_object *sources)
{
	struct tool_args	 t;
	size_t			 i;
	enum err		 e;

	for (i = 0; i < NTOOLS && strcmp(tools[i].name, name) != 0; i++)
		continue;
	if (i == NTOOLS) {
		*result = err_result("no such tool");
		return E_INVALID;
	}
	if (tool_args(args, &t) != 0) {
		*result = err_result("arguments must be {\"query\": a string "
		    "of 1 to 500 characters, \"limit\"?: an integer}");
		return E_INVALID;
	}
	*result = json_object_new_object();
	e = tools[i].fn(db, a, &t, *result, i == 0 ? images : sources);
	if (e != E_OK) {
		json_object_put(*result);
		*result = e == E_INVALID ? err_result("the query cannot be "
		    "searched") : NULL;
	}
	return e;
}

/* One function declaration: {"type": "function", "function": {...}}. */
static struct json_object *
declare_one(const char *name, const char *description)
{
	struct json_object	*t, *f, *p, *props, *q, *l, *req;

	q = json_tokener_parse("{\"type\":\"string\",\"description\":"
	    "\"what to look for, in the visitor's words\"}");
	l = json_tokener_parse("{\"type\":\"integer\",\"minimum\":1}");
	json_object_object_add(l, "maximum",
	    json_object_new_int(TOOLS_LIMIT_MAX));
	props = json_object_new_object();
	json_object_object_add(props, "query", q);
	json_object_object_add(props, "limit", l);
	if (strcmp(name, "search_artwork_images") == 0)
		json_object_object_add(props, "room", json_tokener_parse(
		    "{\"type\":\"string\",\"description\":\"a room's name"
		    " or 'Room N', to list the works it holds\"}"));
	req = json_object_new_array();
	json_object_array_add(req, json_object_new_string("query"));
	p = json_object_new_object();
	json_object_object_add(p, "type", json_object_new_string("object"));
	json_object_object_add(p, "properties", props);
	json_object_object_add(p, "required", req);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string(name));
	json_object_object_add(f, "description",
	    json_object_new_string(description));
	json_object_object_add(f, "parameters", p);
	t = json_object_new_object();
	json_object_object_add(t, "type", json_object_new_string("function"));
	json_object_object_add(t, "function", f);
	return t;
}

/* A number field of a hit, or NULL for none. */
static const struct db_double *
hit_number(struct json_object *hit, const char *k, struct db_double *d)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(hit, k, &v) ||
	    !(json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int)))
		return NULL;
	d->v = json_object_get_double(v);
	d->null = 0;
	return d;
}

struct json_object *
tools_image(struct json_object *hit)
{
	struct db_double	d;

	return view_image(json_member_str(hit, "title"),
	    json_member_str(hit, "artist"), json_member_str(hit, "image_path"),
	    hit_number(hit, "score", &d), "artwork");
}

struct json_object *
tools_source(struct json_object *hit)
{
	struct db_double	d;

	return view_source(json_member_str(hit, "title"),
	    json_member_str(hit, "uri"), hit_number(hit, "confidence", &d),
	    "document");
}

struct json_object *
tools_declare(void)
{
	struct json_object	*list = json_object_new_array();
	size_t			 i;

	for (i = 0; i < NTOOLS; i++)
		json_object_array_add(list, declare_one(tools[i].name,
		    tools[i].description));
	return list;
}
