/*
 * The catalogue loader's SQL: rows go to the server as a JSON array
 * (json_to_recordset), CATALOG_BATCH per statement, upserted by id
 * with rows that did not change left alone, then the vocabulary the
 * search respells against (catalogue_words, 0013) is brought up to
 * date. One transaction for the whole file. No file reading here.
 */
#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"

#include "repo_catalog_load.h"

static const char *const artwork_fields[] = {
	"id", "title", "artist", "year", "medium", "room", "image_path",
	"description", NULL
};
static const char *const document_fields[] = {
	"id", "title", "uri", "kind", "body", NULL
};

/* Legend: "type", table, number of fields, fields (id first). */
const struct catalog_kind_info catalog_kinds[CATALOG_KIND__MAX] = {
	[CATALOG_ARTWORK] = { "artwork", "artworks", 8, artwork_fields },
	[CATALOG_DOCUMENT] = { "document", "documents", 5, document_fields },
};

enum { Q_LOCK, Q_ARTWORKS, Q_DOCUMENTS, Q_WORDS, Q__MAX };
/* Legend: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_catalog_load(): one load at a time, until its commit */
	[Q_LOCK] = { "catalog_load_lock", 0,
	    "SELECT pg_advisory_xact_lock(hashtext('dataland.catalog_load'))",
	    0 },
	/* repo_catalog_load(): a batch of artworks, $1 a JSON array */
	[Q_ARTWORKS] = { "catalog_load_artworks", 1,
	    "WITH u AS (INSERT INTO artworks AS t (id, title, artist, year,"
	    " medium, room, image_path, description)"
	    " SELECT * FROM json_to_recordset($1::json) AS r(id text,"
	    " title text, artist text, year text, medium text, room text,"
	    " image_path text, description text)"
	    " ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
	    " artist = excluded.artist, year = excluded.year,"
	    " medium = excluded.medium, room = excluded.room,"
	    " image_path = excluded.image_path,"
	    " description = excluded.description"
	    " WHERE (t.title, t.artist, t.year, t.medium, t.room,"
	    " t.image_path, t.description) IS DISTINCT FROM"
	    " (excluded.title, excluded.artist, excluded.year,"
	    " excluded.medium, excluded.room, excluded.image_path,"
	    " excluded.description)"
	    " RETURNING (xmax = 0) AS fresh)"
	    " SELECT count(*) FILTER (WHERE fresh) AS added,"
	    " count(*) FILTER (WHERE NOT fresh) AS changed FROM u", 0 },
	/* repo_catalog_load(): a batch of documents, $1 a JSON array */
	[Q_DOCUMENTS] = { "catalog_load_documents", 1,
	    "WITH u AS (INSERT INTO documents AS t (id, title, uri, kind,"
	    " body)"
	    " SELECT * FROM json_to_recordset($1::json) AS r(id text,"
	    " title text, uri text, kind text, body text)"
	    " ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
	    " uri = excluded.uri, kind = excluded.kind, body = excluded.body"
	    " WHERE (t.title, t.uri, t.kind, t.body) IS DISTINCT FROM"
	    " (excluded.title, excluded.uri, excluded.kind, excluded.body)"
	    " RETURNING (xmax = 0) AS fresh)"
	    " SELECT count(*) FILTER (WHERE fresh) AS added,"
	    " count(*) FILTER (WHERE NOT fresh) AS changed FROM u", 0 },
	/* repo_catalog_load(): every word of the catalogue, whole and
	 * accent-folded (catalogue_simple), three letters or more and
	 * not a number; words gone are deleted, new ones added, so that
	 * loading the same file again writes nothing */
	[Q_WORDS] = { "catalog_load_words", 0,
	    "WITH v AS MATERIALIZED (SELECT DISTINCT w FROM ("
	    " SELECT unnest(tsvector_to_array(to_tsvector("
	    "'catalogue_simple', concat_ws(' ', title, artist, year, medium,"
	    " room, description)))) AS w FROM artworks"
	    " UNION ALL SELECT unnest(tsvector_to_array(to_tsvector("
	    "'catalogue_simple', concat_ws(' ', title, kind, body))))"
	    " FROM documents) s WHERE length(w) >= 3 AND w !~ '^[0-9]+$'),"
	    " gone AS (DELETE FROM catalogue_words c WHERE NOT EXISTS"
	    " (SELECT 1 FROM v WHERE v.w = c.word) RETURNING 1),"
	    " new AS (INSERT INTO catalogue_words (word) SELECT w FROM v"
	    " ON CONFLICT (word) DO NOTHING RETURNING 1)"
	    " SELECT (SELECT count(*) FROM gone) AS gone,"
	    " (SELECT count(*) FROM new) AS added", 0 },
};

/* What one upsert batch reports. */
struct batch_count {
	long	added;
	long	changed;
};

static const struct db_col batch_cols[] = {
	{ "added", offsetof(struct batch_count, added), COL_LONG },
	{ "changed", offsetof(struct batch_count, changed), COL_LONG },
	{ NULL, 0, 0 }
};
/* What the vocabulary statement reports. */
struct words_count {
	long	gone;
	long	added;
};

static const struct db_col words_cols[] = {
	{ "gone", offsetof(struct words_count, gone), COL_LONG },
	{ "added", offsetof(struct words_count, added), COL_LONG },
	{ NULL, 0, 0 }
};

/* The statement that upserts each kind. */
static const int kind_stmt[CATALOG_KIND__MAX] = {
	[CATALOG_ARTWORK] = Q_ARTWORKS,
	[CATALOG_DOCUMENT] = Q_DOCUMENTS,
};

/* A transaction's input and output (db_tx() may run it again). */
struct load {
	const struct catalog_row	*rows;
	size_t				 n;
	struct catalog_counts		 counts;
};

/*
 * The rows of kind k from rows[*from..n), at most CATALOG_BATCH, as a
 * JSON array of objects (caller puts it); *from moves past them.
 */
static struct json_object *
repo_catalog_load_batch(const struct load *ld, enum catalog_kind k,
    size_t *from)
{
	const struct catalog_kind_info	*ki = &catalog_kinds[k];
	struct json_object		*arr, *o;
	size_t				 i, f, taken = 0;

	arr = json_object_new_array();
	for (i = *from; i < ld->n && taken < CATALOG_BATCH; i++) {
		if (ld->rows[i].kind != k)
			continue;
		o = json_object_new_object();
		for (f = 0; f < ki->nfields; f++)
			json_object_object_add(o, ki->fields[f],
			    json_object_new_string(ld->rows[i].v[f]));
		json_object_array_add(arr, o);
		taken++;
	}
	*from = i;
	return arr;
}

/* Upserts every row of kind k, batch after batch, adding up counts. */
static enum err
repo_catalog_load_kind(struct db *db, struct load *ld, enum catalog_kind k)
{
	struct json_object	*arr;
	struct batch_count	 bc;
	const char		*p[1];
	size_t			 from = 0;
	enum err		 e = E_OK;

	while (e == E_OK && from < ld->n) {
		arr = repo_catalog_load_batch(ld, k, &from);
		if (json_object_array_length(arr) > 0) {
			p[0] = json_object_to_json_string_ext(arr,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
			e = db_one(db, NULL, &q[kind_stmt[k]], p, batch_cols,
			    &bc);
			if (e == E_OK) {
				ld->counts.added[k] += bc.added;
				ld->counts.changed[k] += bc.changed;
			}
		}
		json_object_put(arr);
	}
	return e;
}

/* The transaction's body: lock, each kind, the vocabulary. */
static enum err
repo_catalog_load_tx(struct db *db, void *arg)
{
	struct load		*ld = arg;
	struct words_count	 words;
	size_t			 i;
	int			 k;
	enum err		 e;

	memset(&ld->counts, 0, sizeof(ld->counts));
	for (i = 0; i < ld->n; i++)
		ld->counts.rows[ld->rows[i].kind]++;
	if ((e = db_exec(db, &q[Q_LOCK], NULL)) != E_OK)
		return e;
	for (k = 0; k < CATALOG_KIND__MAX; k++)
		if ((e = repo_catalog_load_kind(db, ld, k)) != E_OK)
			return e;
	return db_one(db, NULL, &q[Q_WORDS], NULL, words_cols, &words);
}

enum err
repo_catalog_load(struct db *db, const struct catalog_row *rows, size_t n,
    struct catalog_counts *out)
{
	struct load	ld;
	enum err	e;

	memset(&ld, 0, sizeof(ld));
	ld.rows = rows;
	ld.n = n;
	if ((e = db_tx(db, repo_catalog_load_tx, &ld)) == E_OK)
		*out = ld.counts;
	return e;
}
