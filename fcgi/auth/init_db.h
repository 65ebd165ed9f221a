/*
 * The auth service's startup DDL (auth_server.py's _init_db): creates
 * or completes auth_server_users and the login-throttle table under an
 * advisory lock. Shared by the boot hook and `dataland auth-init-db`.
 */
#ifndef AUTH_INIT_DB_H
#define AUTH_INIT_DB_H

#include "err.h"

struct db;

/*
 * Runs the DDL in one transaction holding pg_advisory_xact_lock, so
 * two services starting at once apply it once. Idempotent: a second
 * run changes nothing. E_OK, E_DBDOWN or E_DB (logged here).
 */
enum err	auth_init_db(struct db *);

#endif
