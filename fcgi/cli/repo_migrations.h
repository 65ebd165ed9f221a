/*
 * The schema migration runner (API.md §6): applies the migrations
 * compiled into the CLI (migrations.h) and records the revision in
 * alembic_version(version_num) exactly as Alembic did, so a database
 * the Python stack left at 0010_user_profile_fields is adopted as is.
 */
#ifndef REPO_MIGRATIONS_H
#define REPO_MIGRATIONS_H

#include <stddef.h>

#include "err.h"

struct db;

/* alembic_version.version_num is varchar(32). */
#define MIGRATIONS_REV_MAX	32

/* The index of rev in migrations[], or -1 when it is not one of them. */
int		 repo_migrations_find(const char *rev);

/*
 * Copies the recorded revision into rev ("" when the database has no
 * alembic_version table or no row in it), without changing anything.
 * The revision may be unknown to this binary; the caller decides.
 * E_OK; E_INVALID when several revisions are recorded (why says so);
 * E_DB or E_DBDOWN (why has the server's message).
 */
enum err	 repo_migrations_current(struct db *, char *rev, size_t revsz,
		    char *why, size_t whysz);

/*
 * Applies every migration after the recorded revision, one transaction
 * each; done (may be NULL) is called with each revision once it is
 * committed, and *applied counts them. E_OK; E_INVALID when the
 * recorded revision is unknown; E_DB/E_DBDOWN when a migration or the
 * bookkeeping fails (that migration is rolled back, the ones before it
 * stay). why explains every failure.
 */
enum err	 repo_migrations_up(struct db *, void (*done)(const char *),
		    int *applied, char *why, size_t whysz);

/*
 * Records rev (a known revision, or "head" for the last) as applied
 * without running anything. E_OK; E_INVALID for an unknown revision;
 * E_DB/E_DBDOWN. why explains every failure.
 */
enum err	 repo_migrations_stamp(struct db *, const char *rev,
		    char *why, size_t whysz);

#endif
