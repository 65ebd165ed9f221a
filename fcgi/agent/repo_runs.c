/*
 * runs: start, finish, list, and the start-up sweep. All of the table's
 * SQL is here; no HTTP.
 */
#include <stddef.h>
#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "repo.h"
#include "repo_runs.h"

const char *const run_status_names[RUN__MAX + 1] = {
	"success", "error", "cancelled", "running"
};

enum { Q_START, Q_FINISH, Q_OWNED, Q_LIST, Q_SWEEP, Q__MAX };

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_runs_start() */
	[Q_START] = { "runs_start", 3,
	    "INSERT INTO runs (id, conversation_id, user_id, started_at,"
	    " model, status) VALUES (gen_random_uuid()::text, $1, $2, now(),"
	    " $3, 'running') RETURNING id", 0 },
	/* repo_runs_finish() */
	[Q_FINISH] = { "runs_finish", 7,
	    "UPDATE runs SET status = $2, finished_at = now(), model = $3,"
	    " prompt_tokens = $4::int, completion_tokens = $5::int,"
	    " cost_usd = $6::float8, error = $7 WHERE id = $1", 0 },
	/* repo_runs_list(), step 1: whether the conversation is theirs */
	[Q_OWNED] = { "runs_owned", 2,
	    "SELECT id FROM conversations WHERE id = $1 AND user_id = $2",
	    S_READ },
	/* repo_runs_list(), step 2 (ix_runs_conversation_id) */
	[Q_LIST] = { "runs_list", 2,
	    "SELECT r.id, r.conversation_id, " REPO_TS("r.started_at")
	    " AS started_at, " REPO_TS("r.finished_at") " AS finished_at,"
	    " r.model, r.prompt_tokens, r.completion_tokens, r.cost_usd,"
	    " r.status, r.error FROM runs r JOIN conversations c"
	    " ON c.id = r.conversation_id WHERE r.conversation_id = $1"
	    " AND c.user_id = $2 ORDER BY r.started_at NULLS FIRST, r.id",
	    S_READ },
	/* repo_runs_sweep() (ix_runs_running) */
	[Q_SWEEP] = { "runs_sweep", 0,
	    "UPDATE runs SET status = 'error', finished_at = now(),"
	    " error = 'interrupted: the service stopped before the run"
	    " ended' WHERE status = 'running'", 0 },
};

#define F(f)	offsetof(struct run, f)
static const struct db_col run_cols[] = {
	{ "id", F(id), COL_TEXT },
	{ "conversation_id", F(conversation_id), COL_TEXT },
	{ "started_at", F(started_at), COL_TEXT },
	{ "finished_at", F(finished_at), COL_TEXT },
	{ "model", F(model), COL_TEXT },
	{ "prompt_tokens", F(prompt_tokens), COL_LONG_NULLABLE },
	{ "completion_tokens", F(completion_tokens), COL_LONG_NULLABLE },
	{ "cost_usd", F(cost_usd), COL_DOUBLE_NULLABLE },
	{ "status", F(status), COL_TEXT },
	{ "error", F(error), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

enum err
repo_runs_start(struct db *db, struct arena *a, const char *conversation_id,
    const char *uid, const char *model, const char **id)
{
	static const struct db_col	 cols[] = {
		{ "id", 0, COL_TEXT }, { NULL, 0, 0 }
	};
	const char			*p[3] = { conversation_id, uid, model };

	return db_one(db, a, &q[Q_START], p, cols, id);
}

enum err
repo_runs_finish(struct db *db, struct arena *a, const char *id,
    const struct run_end *r)
{
	const char	*p[7];

	p[0] = id;
	p[1] = run_status_names[r->status];
	p[2] = r->model;
	p[3] = arena_printf(a, "%ld", r->prompt_tokens);
	p[4] = arena_printf(a, "%ld", r->completion_tokens);
	p[5] = arena_printf(a, "%.17g", r->cost_usd);
	p[6] = r->error;
	return db_exec(db, &q[Q_FINISH], p);
}

enum err
repo_runs_list(struct db *db, struct arena *a, const char *uid,
    const char *conversation_id, struct run **out, size_t *n)
{
	static const struct db_col	 own_cols[] = {
		{ "id", 0, COL_TEXT }, { NULL, 0, 0 }
	};
	const char			*p[2] = { conversation_id, uid };
	const char			*id;
	struct run			*rows = NULL;
	size_t				 nrows = 0;
	const struct db_step		 steps[] = {
		{ &q[Q_OWNED], p, own_cols, &id, 0, NULL },
		{ &q[Q_LIST], p, run_cols, &rows, sizeof(*rows), &nrows },
	};
	enum err			 e;

	if ((e = db_pipeline(db, a, steps, 2)) != E_OK)
		return e;
	*out = rows;
	*n = nrows;
	return E_OK;
}

enum err
repo_runs_sweep(struct db *db, long *n)
{
	return db_exec_count(db, &q[Q_SWEEP], NULL, n);
}
