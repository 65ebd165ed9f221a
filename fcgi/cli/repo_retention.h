/*
 * The retention sweep's queries (API.md §5 AGENT_RETENTION_DAYS, §6
 * retention-sweep): which conversations are past the cutoff, and their
 * deletion in small batches. No output and no policy here.
 */
#ifndef REPO_RETENTION_H
#define REPO_RETENTION_H

#include <stddef.h>

#include "err.h"

struct db;

/* Room for a timestamptz as the server prints it. */
#define RETENTION_TS_MAX	64

/*
 * Where a sweep stands: the cutoff it started with and the last
 * conversation id it deleted (NULL before the first batch). Batches
 * walk the primary key upwards from there, so a sweep reads the table
 * once however many batches it takes.
 */
struct retention_sweep {
	char	 cutoff[RETENTION_TS_MAX];	/* now() - days, server text */
	char	*last_id;			/* malloc'd, or NULL */
};

/*
 * Fills sw->cutoff with the server's now() - days and sets the
 * session's lock_timeout so that no batch waits long on a lock.
 * E_OK, or the database's error; sw->last_id is set to NULL.
 */
enum err	repo_retention_begin(struct db *, int days,
		    struct retention_sweep *sw);
/*
 * Conversations last touched (COALESCE(updated_at, created_at)) before
 * the cutoff, counted without deleting anything. *n on E_OK only.
 */
enum err	repo_retention_count(struct db *,
		    const struct retention_sweep *sw, long long *n);
/*
 * Deletes at most limit such conversations above sw->last_id, in one
 * statement (its own transaction); rows another transaction holds are
 * skipped, not waited for. Messages, runs and the messages' images,
 * sources and suggestions go with them (ON DELETE CASCADE, 0011).
 * On E_OK *deleted is the count (0 = the sweep is done) and
 * sw->last_id moves to the highest id deleted.
 */
enum err	repo_retention_delete_batch(struct db *,
		    struct retention_sweep *sw, int limit, long *deleted);
/* Frees sw->last_id. */
void		repo_retention_release(struct retention_sweep *sw);

#endif
