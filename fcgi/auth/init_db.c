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
	if ((e = db_begin(db)) == E_OK &&
	    (e = repo_users_init(db, &a)) == E_OK &&
	    (e = repo_throttle_init(db)) == E_OK)
		e = db_commit(db);
	if (e != E_OK) {
		db_rollback(db);
		log_error(NULL, "auth init_db failed: %s", err_str(e));
	}
	arena_release(&a);
	return e;
}
