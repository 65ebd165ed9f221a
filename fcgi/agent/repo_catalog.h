/*
 * The museum catalogue, read only: the search behind the guide's tools
 * search_artwork_images and search_documents (API.md §4, "Model
 * providers"), and one artwork by id. docs/catalog.md describes the
 * search and its measured hit rate. No HTTP here.
 */
#ifndef REPO_CATALOG_H
#define REPO_CATALOG_H

#include <stddef.h>

#include "err.h"

struct arena;
struct db;

#define CATALOG_LIMIT_MAX	20		/* hits one search returns */
#define CATALOG_QUERY_MAX	8192		/* bytes of a query searched */

/*
 * One artwork found; every string in the caller's arena. score is the
 * share of the question's words the artwork holds (docs/catalog.md,
 * "Scores"): 1 when all of them are in its title or artist.
 */
struct art_hit {
	const char	*id, *title, *artist, *year, *medium, *room,
			*image_path, *description;
	double		 score;		/* 0..1, higher is better */
};

/* One document found, scored as art_hit (its title counts fully). */
struct doc_hit {
	const char	*id, *title, *uri, *kind, *body;
	double		 confidence;	/* 0..1 */
};

/*
 * Best artworks for a visitor's free text, at most limit (1..20),
 * best first; *n may be 0, and *hits is then NULL. Safe for any text:
 * it is a parameter, never tsquery syntax. Text beyond
 * CATALOG_QUERY_MAX bytes is ignored. E_INVALID for a limit out of
 * range or text that is not UTF-8; E_DB, E_DBDOWN from the database.
 * On failure *hits and *n are untouched.
 */
enum err	repo_catalog_artworks(struct db *, struct arena *,
		    const char *query, int limit, struct art_hit **hits,
		    size_t *n);
/* The same over the documents (rooms, artists, movements, visits). */
enum err	repo_catalog_documents(struct db *, struct arena *,
		    const char *query, int limit, struct doc_hit **hits,
		    size_t *n);
/*
 * The artworks of a room, named "Room N" or by its whole name ("Room 4
 * — Dutch Golden Age", case aside), at most limit (1..20), by id,
 * score 1; *n may be 0. E_INVALID for an empty name or a bad limit.
 */
enum err	repo_catalog_room(struct db *, struct arena *,
		    const char *room, int limit, struct art_hit **hits,
		    size_t *n);
/* One artwork by id, score 1 (E_NOTFOUND when there is none). */
enum err	repo_catalog_artwork(struct db *, struct arena *,
		    const char *id, struct art_hit *out);

#endif
