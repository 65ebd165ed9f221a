/*
 * Writing a museum catalogue (artworks, documents: 0012, 0013) in one
 * transaction, for `dataland catalog load` (API.md §6). The kinds of
 * line and their fields are the table below, shared with the file
 * reader (cmd_catalog.c) so that both agree on them. Never HTTP here.
 */
#ifndef REPO_CATALOG_LOAD_H
#define REPO_CATALOG_LOAD_H

#include <stddef.h>

#include "err.h"

struct db;

#define CATALOG_FIELDS_MAX	8		/* fields of the widest kind */
#define CATALOG_ID_MAX		80		/* id: [a-z0-9-]{1,80} */
#define CATALOG_BATCH		500		/* rows per upsert statement */

/* The kinds of line, by their "type" (sql/catalog/README.md). */
enum catalog_kind {
	CATALOG_ARTWORK,
	CATALOG_DOCUMENT,
	CATALOG_KIND__MAX
};

/*
 * A kind: its "type", its table and its fields in column order, id
 * first; every field is required and a non-empty string.
 */
struct catalog_kind_info {
	const char		*type;
	const char		*table;
	size_t			 nfields;
	const char *const	*fields;
};

extern const struct catalog_kind_info catalog_kinds[CATALOG_KIND__MAX];

/* One line of a file: v[i] is the value of catalog_kinds[kind].fields[i]. */
struct catalog_row {
	enum catalog_kind	 kind;
	size_t			 line;
	const char		*v[CATALOG_FIELDS_MAX];
};

/* What a load did, per kind. */
struct catalog_counts {
	long	rows[CATALOG_KIND__MAX];	/* in the file */
	long	added[CATALOG_KIND__MAX];	/* new ids */
	long	changed[CATALOG_KIND__MAX];	/* ids whose row differed */
};

/*
 * Upserts rows[0..n) by id into artworks and documents and rebuilds
 * catalogue_words, in one transaction under an advisory lock: all of
 * it or, on any failure, none of it. A row equal to the stored one is
 * not written. The ids of one kind must be unique within rows. E_OK
 * with *out filled; E_DB or E_DBDOWN (out untouched).
 */
enum err	repo_catalog_load(struct db *, const struct catalog_row *rows,
		    size_t n, struct catalog_counts *out);

#endif
