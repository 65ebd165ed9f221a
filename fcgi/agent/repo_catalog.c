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

/*
 * One search over table (artworks or documents): $1 the question, $2
 * the limit. w: the question's lexemes less the fillers (ov) and the
 * lexemes of its corrections (fv); l: those as arrays, corrections
 * already in the question left out, and the question's word count;
 * q: both as tsqueries for ts_rank. h: the rows holding any of the
 * words, each with the sum of what its words are worth (the table's
 * lexemes, 0015: 1 in a title or artist, 0.5 in a description or
 * body, 0.25 elsewhere), a corrected word CAT_GUESS of one as typed;
 * share is that sum over the question's word count. The CTEs are
 * MATERIALIZED so that catalogue_respell() runs once.
 */
#define CAT_SEARCH(table, lexemes, key, cols, score) \
	"WITH w AS MATERIALIZED (SELECT" \
	" ts_delete(to_tsvector('catalogue_english', $1)," \
	" tsvector_to_array(to_tsvector('catalogue_english', '" \
	CAT_FILLERS "'))) AS ov, to_tsvector('catalogue_english'," \
	" catalogue_respell($1, " CAT_FLOOR ")) AS fv)," \
	" l AS MATERIALIZED (SELECT tsvector_to_array(ov) AS lo," \
	" tsvector_to_array(ts_delete(fv, tsvector_to_array(ov))) AS lf," \
	" length(ov) AS n FROM w)," \
	" q AS MATERIALIZED (SELECT lo, lf, n," \
	" coalesce(" CAT_ANY("lo") ", ''::tsquery) AS o," \
	" coalesce(" CAT_ANY("lf") ", ''::tsquery) AS f FROM l)," \
	" h AS (SELECT x." key " AS id, sum(CASE WHEN x.lexeme = ANY (q.lo)" \
	" THEN x.worth ELSE " CAT_GUESS " * x.worth END) AS held" \
	" FROM " lexemes " x, q WHERE x.lexeme = ANY (q.lo || q.lf)" \
	" GROUP BY x." key ")," \
	" m AS (SELECT " cols "," \
	" ts_rank(t.search_folded, q.o, 2) + " CAT_GUESS " *" \
	" ts_rank(t.search_folded, q.f, 2) AS rank," \
	" h.held / greatest(q.n, 1) AS share" \
	" FROM h JOIN " table " t ON t.id = h.id, q)" \
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
	    CAT_SEARCH("artworks", "artwork_lexemes", "artwork_id",
	    CAT_ART_COLS, "score"), S_READ },
	/* repo_catalog_documents() */
	[Q_DOCUMENTS] = { "catalog_documents", 2,
	    CAT_SEARCH("documents", "document_lexemes", "document_id",
	    CAT_DOC_COLS, "confidence"), S_READ },
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
