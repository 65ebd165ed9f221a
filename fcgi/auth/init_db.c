/*
 * The auth service's startup DDL (auth_server.py's _init_db, API.md
 * §3): one transaction holding an advisory lock runs each table's DDL
 * from its repository. No SQL text here, no HTTP.
 */
#include "arena.h"
#include "db.h"
#include "err.h"
#include "init_db.h"
#include "log.h"
#include "repo_throttle.h"
#include "repo_users.h"

/* The DDL transaction; arg is the arena. Running it again is safe:
 * every step is idempotent. */
static enum err
auth_init_tx(struct db *db, void *arg)
{
	enum err	 e;

	if ((e = repo_users_init(db, arg)) != E_OK)
		return e;
	return repo_throttle_init(db);
}

/*
 * Creates or completes auth_server_users and auth_login_throttle.
 * E_OK, or the first failure (the transaction is rolled back).
 */
enum err
auth_init_db(struct db *db)
{
	struct arena	 a;
	enum err	 e;

	arena_init(&a);
	if ((e = db_tx(db, auth_init_tx, &a)) != E_OK)
		log_error(NULL, "auth init_db failed: %s", err_str(e));
	arena_release(&a);
	return e;
}
