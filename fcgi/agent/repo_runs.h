/*
 * runs: one model run per answer, first-class telemetry (API.md §4):
 * started when the user's message is stored, finished with its outcome.
 * No HTTP here.
 */
#ifndef REPO_RUNS_H
#define REPO_RUNS_H

#include <stddef.h>

#include "db.h"
#include "err.h"

struct arena;

/* The outcomes a run ends with; RUN__MAX is still "running". */
enum run_status {
	RUN_SUCCESS,
	RUN_ERROR,
	RUN_CANCELLED,
	RUN__MAX
};
extern const char *const run_status_names[RUN__MAX + 1];

/* A runs row as GET /v1/conversations/{id}/runs returns it. */
struct run {
	const char		*id;
	const char		*conversation_id;
	const char		*started_at;
	const char		*finished_at;
	const char		*model;
	struct db_long		 prompt_tokens;
	struct db_long		 completion_tokens;
	struct db_double	 cost_usd;
	const char		*status;
	const char		*error;
};

/* How a run ended. */
struct run_end {
	enum run_status	 status;
	const char	*model;
	long		 prompt_tokens;
	long		 completion_tokens;
	double		 cost_usd;
	const char	*error;		/* NULL on success */
};

/* A new run, status running; *id (a UUID4) in the arena. */
enum err	repo_runs_start(struct db *, struct arena *,
		    const char *conversation_id, const char *uid,
		    const char *model, const char **id);
enum err	repo_runs_finish(struct db *, struct arena *, const char *id,
		    const struct run_end *);
/* The runs of the user's conversation in start order; E_NOTFOUND
 * when the conversation is not theirs. */
enum err	repo_runs_list(struct db *, struct arena *, const char *uid,
		    const char *conversation_id, struct run **out, size_t *n);
/* Start-up: runs a crash or restart left running end as errors. */
enum err	repo_runs_sweep(struct db *, long *n);

#endif
