/*
 * auth_server_users: the table of the auth service's identities (API.md
 * §3). All of its SQL is in the statement table below, the startup DDL
 * (auth_server.py's _init_db) included. Never an HTTP status here.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "repo_users.h"

/* The columns every row-returning statement selects (user_cols). */
#define USER_COLS \
	"id::text AS id, sub, email, hash, salt, full_name," \
	" COALESCE(location, '') AS location, profile_photo_url," \
	" stripe_customer_id," \
	" to_char(created_at::timestamptz AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at"

/*
 * The revocation rule (docs/auth.md, "Revocation"): a token issued at
 * second $n (its iat) still speaks for the row unless the row's
 * password changed in a later second. Whole seconds, as iat counts
 * them, so a token of the change's own second stays valid; numeric,
 * so no iat can overflow it.
 */
#define USER_CURRENT(n) \
	"(password_changed_at IS NULL OR" \
	" floor(extract(epoch FROM password_changed_at)) <= " n "::numeric)"

enum {
	Q_LOCK, Q_CREATE, Q_COLUMNS, Q_BACKFILL, Q_EXISTS, Q_INSERT,
	Q_GET_EMAIL, Q_GET_SUB, Q_CURRENT, Q_REHASH, Q_SET_PASSWORD,
	Q_SET_SUB, Q_UPDATE, Q__MAX
};

/*
 * Statements: name, parameters, SQL, flags. DDL is never prepared
 * (S_DIRECT); reads outside a transaction may be retried (S_READ).
 */
static const struct stmt q[Q__MAX] = {
	/* repo_users_init(): one init at a time, released at commit */
	[Q_LOCK] = { "users_init_lock", 0,
	    "SELECT pg_advisory_xact_lock(hashtext('dataland.auth_init_db'))",
	    S_DIRECT },
	/* repo_users_init(): exactly auth_server.py's table, so that a
	 * database either stack made is the same; UNIQUE (email) serves
	 * every lookup by (normalised) email, UNIQUE (sub) those by sub */
	[Q_CREATE] = { "users_create_table", 0,
	    "CREATE TABLE IF NOT EXISTS auth_server_users ("
	    " id BIGSERIAL PRIMARY KEY,"
	    " sub TEXT UNIQUE,"
	    " email TEXT UNIQUE NOT NULL,"
	    " hash TEXT NOT NULL,"
	    " salt TEXT NOT NULL,"
	    " full_name TEXT,"
	    " location TEXT NOT NULL DEFAULT '',"
	    " profile_photo_url TEXT,"
	    " stripe_customer_id TEXT,"
	    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())", S_DIRECT },
	/* repo_users_init(): which columns exist */
	[Q_COLUMNS] = { "users_columns", 0,
	    "SELECT column_name::text AS name FROM information_schema.columns"
	    " WHERE table_schema = current_schema()"
	    " AND table_name = 'auth_server_users'", S_DIRECT },
	/* repo_users_init() */
	[Q_BACKFILL] = { "users_backfill_sub", 0,
	    "UPDATE auth_server_users SET sub = gen_random_uuid()::text"
	    " WHERE sub IS NULL", S_DIRECT },
	/* repo_users_exists() */
	[Q_EXISTS] = { "users_exists", 1,
	    "SELECT EXISTS (SELECT 1 FROM auth_server_users"
	    " WHERE email = $1) AS found", S_READ },
	/* repo_users_create() */
	[Q_INSERT] = { "users_insert", 5,
	    "INSERT INTO auth_server_users (email, hash, salt, full_name,"
	    " location, profile_photo_url, sub, created_at)"
	    " VALUES ($1, $2, 'argon2', $3, COALESCE($4, ''), $5,"
	    " gen_random_uuid()::text, now()) RETURNING " USER_COLS, 0 },
	/* repo_users_get(USERS_EMAIL): never locked, not even while a
	 * login hashes (the writes below are conditional instead) */
	[Q_GET_EMAIL] = { "users_get_email", 1,
	    "SELECT " USER_COLS " FROM auth_server_users"
	    " WHERE email = $1", S_READ },
	/* repo_users_get(USERS_SUB) */
	[Q_GET_SUB] = { "users_get_sub", 1,
	    "SELECT " USER_COLS " FROM auth_server_users"
	    " WHERE sub = $1", S_READ },
	/* repo_users_current(): $2 the token's iat */
	[Q_CURRENT] = { "users_current", 2,
	    "SELECT " USER_COLS " FROM auth_server_users"
	    " WHERE sub = $1 AND " USER_CURRENT("$2"), S_READ },
	/* repo_users_rehash(): only over the hash that was checked */
	[Q_REHASH] = { "users_rehash", 3,
	    "UPDATE auth_server_users SET hash = $3, salt = 'argon2'"
	    " WHERE id = $1::bigint AND hash = $2", 0 },
	/* repo_users_set_password(): the same, and the change's second */
	[Q_SET_PASSWORD] = { "users_set_password", 4,
	    "UPDATE auth_server_users SET hash = $3, salt = 'argon2',"
	    " password_changed_at = to_timestamp($4::bigint)"
	    " WHERE id = $1::bigint AND hash = $2", 0 },
	/* repo_users_set_sub() */
	[Q_SET_SUB] = { "users_set_sub", 1,
	    "UPDATE auth_server_users SET sub = COALESCE(sub, gen_random_uuid()"
	    "::text) WHERE id = $1::bigint RETURNING sub", 0 },
	/* repo_users_update(): $5 the token's iat */
	[Q_UPDATE] = { "users_update", 5,
	    "UPDATE auth_server_users SET"
	    " full_name = COALESCE($2, full_name),"
	    " location = COALESCE($3, location),"
	    " profile_photo_url = COALESCE($4, profile_photo_url)"
	    " WHERE sub = $1 AND " USER_CURRENT("$5")
	    " RETURNING " USER_COLS, 0 },
};

/*
 * Columns init adds when missing, with the statement that adds each.
 * id, email, hash and salt have no default a row could take, so a
 * table without them is not this service's table and init fails.
 * The last is this service's own, never in auth_server.py's CREATE
 * TABLE (nor in Q_CREATE): added after the others, so that a fresh
 * table and one taken over have the same columns in the same order.
 * Nullable and unknown to auth_server.py, which keeps running on it.
 */
static const struct {
	const char	*name;
	struct stmt	 add;
} users_columns[] = {
	{ "full_name", { "users_add_full_name", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS full_name text",
	    S_DIRECT } },
	{ "location", { "users_add_location", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS location TEXT"
	    " NOT NULL DEFAULT ''", S_DIRECT } },
	{ "profile_photo_url", { "users_add_photo", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS profile_photo_url"
	    " text", S_DIRECT } },
	{ "stripe_customer_id", { "users_add_stripe", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS stripe_customer_id"
	    " text", S_DIRECT } },
	{ "sub", { "users_add_sub", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS sub TEXT UNIQUE",
	    S_DIRECT } },
	{ "created_at", { "users_add_created_at", 0, "ALTER TABLE"
	    " auth_server_users ADD COLUMN IF NOT EXISTS created_at"
	    " TIMESTAMPTZ NOT NULL DEFAULT now()", S_DIRECT } },
	{ "password_changed_at", { "users_add_password_changed_at", 0,
	    "ALTER TABLE auth_server_users ADD COLUMN IF NOT EXISTS"
	    " password_changed_at timestamptz", S_DIRECT } },
};

/* The statement behind each enum users_by. */
static const int users_by[USERS_BY__MAX] = {
	[USERS_EMAIL] = Q_GET_EMAIL,
	[USERS_SUB] = Q_GET_SUB,
};

/* The columns an existing table must have already. */
static const char *const users_required[] = {
	"id", "email", "hash", "salt", NULL
};

/*
 * Column tables. Legend: result column, field, type. user_cols reads
 * USER_COLS into struct auth_user; the others read one column into a
 * lone value (offset 0).
 */
#define F(f)	offsetof(struct auth_user, f)
static const struct db_col user_cols[] = {
	{ "id", F(id), COL_TEXT },
	{ "sub", F(sub), COL_TEXT },
	{ "email", F(email), COL_TEXT },
	{ "hash", F(hash), COL_TEXT },
	{ "salt", F(salt), COL_TEXT },
	{ "full_name", F(full_name), COL_TEXT },
	{ "location", F(location), COL_TEXT },
	{ "profile_photo_url", F(profile_photo_url), COL_TEXT },
	{ "stripe_customer_id", F(stripe_customer_id), COL_TEXT },
	{ "created_at", F(created_at), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F
/* Q_COLUMNS into const char *, Q_EXISTS into int, Q_SET_SUB into
 * const char *. */
static const struct db_col name_cols[] = {
	{ "name", 0, COL_TEXT }, { NULL, 0, 0 }
};
static const struct db_col found_cols[] = {
	{ "found", 0, COL_BOOL }, { NULL, 0, 0 }
};
static const struct db_col sub_cols[] = {
	{ "sub", 0, COL_TEXT }, { NULL, 0, 0 }
};

/* 1 when name is among names[0..n). */
static int
repo_users_has(const char *const *names, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* Adds the optional columns names lacks; checks the required ones. */
static enum err
repo_users_complete(struct db *db, const char *const *names, size_t n)
{
	const char *const	*r;
	size_t			 i;
	enum err		 e;

	for (r = users_required; *r != NULL; r++)
		if (!repo_users_has(names, n, *r)) {
			log_error(NULL, "auth_server_users has no column '%s'",
			    *r);
			return E_DB;
		}
	for (i = 0; i < sizeof(users_columns) / sizeof(users_columns[0]);
	    i++) {
		if (repo_users_has(names, n, users_columns[i].name))
			continue;
		log_info(NULL, "auth_server_users: adding column '%s'",
		    users_columns[i].name);
		if ((e = db_exec(db, &users_columns[i].add, NULL)) != E_OK)
			return e;
	}
	return E_OK;
}

/*
 * The startup DDL, in the caller's transaction: lock, table, missing
 * columns, sub backfill. Running it twice changes nothing, and a table
 * auth_server.py made is left as it is but for the backfill and this
 * service's own column, password_changed_at.
 */
enum err
repo_users_init(struct db *db, struct arena *a)
{
	const char	**names = NULL;
	size_t		  n = 0;
	long		  filled = 0;
	enum err	  e;

	if ((e = db_exec(db, &q[Q_LOCK], NULL)) != E_OK ||
	    (e = db_exec(db, &q[Q_CREATE], NULL)) != E_OK ||
	    (e = db_rows(db, a, &q[Q_COLUMNS], NULL, name_cols,
	    sizeof(*names), &names, &n)) != E_OK ||
	    (e = repo_users_complete(db, names, n)) != E_OK ||
	    (e = db_exec_count(db, &q[Q_BACKFILL], NULL, &filled)) != E_OK)
		return e;
	if (filled > 0)
		log_info(NULL, "auth_server_users: gave %ld rows a sub",
		    filled);
	return E_OK;
}

/* E_OK with *exists set for email. */
enum err
repo_users_exists(struct db *db, const char *email, int *exists)
{
	const char	*p[1] = { email };

	return db_one(db, NULL, &q[Q_EXISTS], p, found_cols, exists);
}

/* Inserts one identity; E_CONFLICT when its email is taken. */
enum err
repo_users_create(struct db *db, struct arena *a, const char *email,
    const char *hash, const struct auth_profile *pf, struct auth_user *out)
{
	const char	*p[5] = { email, hash, pf->full_name, pf->location,
	    pf->profile_photo_url };

	return db_one(db, a, &q[Q_INSERT], p, user_cols, out);
}

/* The row for key, looked up as by says. */
enum err
repo_users_get(struct db *db, struct arena *a, enum users_by by,
    const char *key, struct auth_user *out)
{
	const char	*p[1] = { key };

	assert(by < USERS_BY__MAX);
	return db_one(db, a, &q[users_by[by]], p, user_cols, out);
}

/* The row for sub if a token issued at iat still speaks for it. */
enum err
repo_users_current(struct db *db, struct arena *a, const char *sub,
    int64_t iat, struct auth_user *out)
{
	const char	*p[2];

	p[0] = sub;
	p[1] = arena_printf(a, "%lld", (long long)iat);
	return db_one(db, a, &q[Q_CURRENT], p, user_cols, out);
}

/* Runs a write conditional on the row's hash: E_CONFLICT when it
 * changed no row. */
static enum err
repo_users_swap(struct db *db, const struct stmt *st,
    const char *const *p)
{
	long		 n = 0;
	enum err	 e;

	if ((e = db_exec_count(db, st, p, &n)) != E_OK)
		return e;
	return n == 1 ? E_OK : E_CONFLICT;
}

/* Replaces row id's hash old with hash, a stronger form of the same
 * password. */
enum err
repo_users_rehash(struct db *db, const char *id, const char *old,
    const char *hash)
{
	const char	*p[3] = { id, old, hash };

	return repo_users_swap(db, &q[Q_REHASH], p);
}

/* Replaces row id's hash old with a new password's hash, at second
 * at. */
enum err
repo_users_set_password(struct db *db, struct arena *a, const char *id,
    const char *old, const char *hash, int64_t at)
{
	const char	*p[4];

	p[0] = id;
	p[1] = old;
	p[2] = hash;
	p[3] = arena_printf(a, "%lld", (long long)at);
	return repo_users_swap(db, &q[Q_SET_PASSWORD], p);
}

/* Gives row id a sub if it has none; E_OK with *sub. */
enum err
repo_users_set_sub(struct db *db, struct arena *a, const char *id,
    const char **sub)
{
	const char	*p[1] = { id };

	return db_one(db, a, &q[Q_SET_SUB], p, sub_cols, sub);
}

/* Updates the given profile fields of sub's row, if a token issued
 * at iat still speaks for it; E_OK with the row. */
enum err
repo_users_update(struct db *db, struct arena *a, const char *sub,
    int64_t iat, const struct auth_profile *pf, struct auth_user *out)
{
	const char	*p[5] = { sub, pf->full_name, pf->location,
	    pf->profile_photo_url, arena_printf(a, "%lld", (long long)iat) };

	return db_one(db, a, &q[Q_UPDATE], p, user_cols, out);
}
