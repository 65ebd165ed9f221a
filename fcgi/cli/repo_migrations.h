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
/* The Python stack's last revision: a database it left here is taken
 * over as it stands; 0001 up to here build its schema at once. */
#define MIGRATIONS_ADOPT_REV	"0010_user_profile_fields"

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
 * Applies every migration after the recorded revision up to target
 * (NULL: the last; else a known revision, MIGRATIONS_ADOPT_REV or
 * later), one transaction each, 0001..MIGRATIONS_ADOPT_REV as one;
 * done (may be NULL) is called with each revision once it is
 * committed, and *applied counts them. E_OK; E_INVALID when the
 * database cannot be migrated as it stands (an unknown or pre-adoption
 * revision, agent tables without a revision, a target before the
 * adoption point), with nothing changed; E_DB/E_DBDOWN when a migration
 * or the bookkeeping fails (that step is rolled back, the ones before
 * it stay). why explains every failure.
 */
enum err	 repo_migrations_up(struct db *, const char *target,
		    void (*done)(const char *), int *applied, char *why,
		    size_t whysz);

/*
 * Records rev (a known revision, or "head" for the last) as applied
 * without running anything. E_OK; E_INVALID for an unknown revision;
 * E_DB/E_DBDOWN. why explains every failure.
 */
enum err	 repo_migrations_stamp(struct db *, const char *rev,
		    char *why, size_t whysz);

#endif
