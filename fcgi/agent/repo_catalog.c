/*
 * Catalogue search (docs/catalog.md, "Search"): the question's words,
 * stemmed and accent-folded (catalogue_english, 0013), OR-ed into one
 * tsquery; words the catalogue lacks respelt by trigram similarity
 * (catalogue_respell()); rows ranked by the share of the words they
 * hold, ts_rank breaking ties. Read only, SQL only: no HTTP here, and
 * the question is always a parameter, never SQL or tsquery text.
 */
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "json.h"

#include "repo_catalog.h"

/*
 * The knobs, measured in docs/catalog.md ("Measured"): the trigram
 * similarity a correction needs, what a corrected word is worth beside
 * a word as typed, and the words of visitors' questions that say
 * nothing about the catalogue (English stop words go anyway).
 */
#define CAT_FLOOR	"0.4"
#define CAT_GUESS	"0.8"
#define CAT_FILLERS	"tell show see know want like find get take much" \
			" many please look give visit thank thanks hello"

/* Lexeme x quoted as tsquery input wants it (chr(39) a quote, chr(92)
 * a backslash, both doubled inside), so that it is never read as an
 * operator. */
#define CAT_QUOTE(x) \
	"(chr(39) || replace(replace(" x ", chr(92), repeat(chr(92), 2))," \
	" chr(39), repeat(chr(39), 2)) || chr(39))"
/* The lexemes of array l OR-ed into a tsquery; NULL when l is empty. */
#define CAT_ANY(l) \
	"(SELECT string_agg(" CAT_QUOTE("x") ", ' | ')" \
	" FROM unnest(" l ") AS x)::tsquery"
/* The lexemes of array l as one-word tsqueries with weights w ("" for
 * any); '{}' when l is empty. */
#define CAT_EACH(l, w) \
	"ARRAY(SELECT (" CAT_QUOTE("x") " || '" w "')::tsquery" \
	" FROM unnest(" l ") AS x)"
/*
 * The words of a list that vector v holds, each worth 1 in a title or
 * artist (weight A), 0.5 in a description or body (B), 0.25 elsewhere
 * (C): a, ab, all are the list's CAT_EACH() with weights A, AB and any.
 * Each test is a lookup in v's sorted lexemes (filtering v by weight
 * instead copies the whole vector, and a document's body is long).
 */
#define CAT_WORTH(v, a, ab, all) \
	"(SELECT coalesce(sum(0.5 * (" v " @@ x.a)::int" \
	" + 0.25 * (" v " @@ x.ab)::int + 0.25 * (" v " @@ x.al)::int), 0)" \
	" FROM unnest(" a ", " ab ", " all ") AS x(a, ab, al))"

/*
 * One search over table (artworks or documents): $1 the question, $2
 * the limit. w: the question's lexemes less the fillers (ov) and the
 * lexemes of its corrections (fv); l: those as arrays, corrections
 * already in the question left out, and the question's word count;
 * q: both as tsqueries, and each word alone by weight (CAT_EACH).
 * share is what the row holds of the question's words; a corrected
 * word counts CAT_GUESS of one as typed. The CTEs are MATERIALIZED so
 * that catalogue_respell() runs once.
 */
#define CAT_SEARCH(table, cols, score) \
	"WITH w AS MATERIALIZED (SELECT" \
	" ts_delete(to_tsvector('catalogue_english', $1)," \
	" tsvector_to_array(to_tsvector('catalogue_english', '" \
	CAT_FILLERS "'))) AS ov, to_tsvector('catalogue_english'," \
	" catalogue_respell($1, " CAT_FLOOR ")) AS fv)," \
	" l AS MATERIALIZED (SELECT tsvector_to_array(ov) AS lo," \
	" tsvector_to_array(ts_delete(fv, tsvector_to_array(ov))) AS lf," \
	" length(ov) AS n FROM w)," \
	" q AS MATERIALIZED (SELECT n," \
	" coalesce(" CAT_ANY("lo") ", ''::tsquery) AS o," \
	" coalesce(" CAT_ANY("lf") ", ''::tsquery) AS f," \
	" " CAT_EACH("lo", ":A") " AS oa, " CAT_EACH("lo", ":AB") " AS oab," \
	" " CAT_EACH("lo", "") " AS oall, " CAT_EACH("lf", ":A") " AS fa," \
	" " CAT_EACH("lf", ":AB") " AS fab, " CAT_EACH("lf", "") " AS fall" \
	" FROM l)," \
	" m AS (SELECT " cols "," \
	" ts_rank(t.search_folded, q.o, 2) + " CAT_GUESS " *" \
	" ts_rank(t.search_folded, q.f, 2) AS rank," \
	" (" CAT_WORTH("t.search_folded", "q.oa", "q.oab", "q.oall") " + " \
	CAT_GUESS " * " CAT_WORTH("t.search_folded", "q.fa", "q.fab", \
	"q.fall") ") / greatest(q.n, 1) AS share" \
	" FROM " table " t, q WHERE t.search_folded @@ (q.o || q.f))" \
	" SELECT m.*, least(1.0, share)::float8 AS " score " FROM m" \
	" ORDER BY " score " DESC, rank DESC, id LIMIT $2::integer"

#define CAT_ART_COLS \
	"t.id, t.title, t.artist, t.year, t.medium, t.room, t.image_path," \
	" t.description"
#define CAT_DOC_COLS	"t.id, t.title, t.uri, t.kind, t.body"

enum { Q_ARTWORKS, Q_DOCUMENTS, Q_ARTWORK, Q_ROOM, Q__MAX };
/* Legend: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_catalog_artworks() */
	[Q_ARTWORKS] = { "catalog_artworks", 2,
	    CAT_SEARCH("artworks", CAT_ART_COLS, "score"), S_READ },
	/* repo_catalog_documents() */
	[Q_DOCUMENTS] = { "catalog_documents", 2,
	    CAT_SEARCH("documents", CAT_DOC_COLS, "confidence"), S_READ },
	/* repo_catalog_artwork() */
	[Q_ARTWORK] = { "catalog_artwork", 1,
	    "SELECT " CAT_ART_COLS ", 1.0::float8 AS score"
	    " FROM artworks t WHERE t.id = $1", S_READ },
	/* repo_catalog_room(): a room is named "Room N — Name"; $1 is
	 * "Room N" or the whole name (a small table: a scan is fine) */
	[Q_ROOM] = { "catalog_room", 2,
	    "SELECT " CAT_ART_COLS ", 1.0::float8 AS score FROM artworks t"
	    " WHERE lower(t.room) = lower($1) OR lower(t.room) LIKE"
	    " lower(replace(replace($1, '%', ''), '_', '')) || ' %'"
	    " ORDER BY t.id LIMIT $2::int", S_READ },
};

/* Column tables. Legend: result column, field, type. */
#define A(f)	offsetof(struct art_hit, f)
static const struct db_col art_cols[] = {
	{ "id", A(id), COL_TEXT },
	{ "title", A(title), COL_TEXT },
	{ "artist", A(artist), COL_TEXT },
	{ "year", A(year), COL_TEXT },
	{ "medium", A(medium), COL_TEXT },
	{ "room", A(room), COL_TEXT },
	{ "image_path", A(image_path), COL_TEXT },
	{ "description", A(description), COL_TEXT },
	{ "score", A(score), COL_DOUBLE },
	{ NULL, 0, 0 }
};
#undef A
#define D(f)	offsetof(struct doc_hit, f)
static const struct db_col doc_cols[] = {
	{ "id", D(id), COL_TEXT },
	{ "title", D(title), COL_TEXT },
	{ "uri", D(uri), COL_TEXT },
	{ "kind", D(kind), COL_TEXT },
	{ "body", D(body), COL_TEXT },
	{ "confidence", D(confidence), COL_DOUBLE },
	{ NULL, 0, 0 }
};
#undef D

/*
 * The parameters of a search: the question cut to CATALOG_QUERY_MAX
 * bytes at a character boundary (a copy in a when cut), and the limit
 * as text. E_INVALID for a limit out of range or text not UTF-8.
 */
static enum err
repo_catalog_params(struct arena *a, const char *query, int limit,
    const char **p)
{
	size_t	len = strlen(query);

	if (limit < 1 || limit > CATALOG_LIMIT_MAX)
		return E_INVALID;
	if (len > CATALOG_QUERY_MAX) {
		len = CATALOG_QUERY_MAX;
		while (len > 0 && ((unsigned char)query[len] & 0xC0) == 0x80)
			len--;
		query = arena_strndup(a, query, len);
	}
	if (!json_utf8_valid(query, len))
		return E_INVALID;
	p[0] = query;
	p[1] = arena_printf(a, "%d", limit);
	return E_OK;
}

enum err
repo_catalog_artworks(struct db *db, struct arena *a, const char *query,
    int limit, struct art_hit **hits, size_t *n)
{
	const char	*p[2];
	enum err	 e;

	if ((e = repo_catalog_params(a, query, limit, p)) != E_OK)
		return e;
	return db_rows(db, a, &q[Q_ARTWORKS], p, art_cols, sizeof(**hits),
	    hits, n);
}

enum err
repo_catalog_documents(struct db *db, struct arena *a, const char *query,
    int limit, struct doc_hit **hits, size_t *n)
{
	const char	*p[2];
	enum err	 e;

	if ((e = repo_catalog_params(a, query, limit, p)) != E_OK)
		return e;
	return db_rows(db, a, &q[Q_DOCUMENTS], p, doc_cols, sizeof(**hits),
	    hits, n);
}

enum err
repo_catalog_artwork(struct db *db, struct arena *a, const char *id,
    struct art_hit *out)
{
	const char	*p[1] = { id };

	if (!json_utf8_valid(id, strlen(id)))
		return E_INVALID;
	return db_one(db, a, &q[Q_ARTWORK], p, art_cols, out);
}

enum err
repo_catalog_room(struct db *db, struct arena *a, const char *room,
    int limit, struct art_hit **hits, size_t *n)
{
	const char	*p[2];

	if (limit < 1 || limit > CATALOG_LIMIT_MAX || *room == '\0')
		return E_INVALID;
	p[0] = room;
	p[1] = arena_printf(a, "%d", limit);
	return db_rows(db, a, &q[Q_ROOM], p, art_cols, sizeof(**hits), hits,
	    n);
}
