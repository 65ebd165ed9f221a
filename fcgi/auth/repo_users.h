/*
 * auth_server_users: every statement that touches the table, and its
 * startup DDL. No HTTP here; callers get enum err and arena copies.
 */
#ifndef REPO_USERS_H
#define REPO_USERS_H

#include <stdint.h>

#include "err.h"

struct arena;
struct db;

/* One row; every string in the arena, NULL for SQL NULL. */
struct auth_user {
	const char	*id;
	const char	*sub;
	const char	*email;
	const char	*hash;
	const char	*salt;
	const char	*full_name;
	const char	*location;		/* "" when NULL */
	const char	*profile_photo_url;
	const char	*stripe_customer_id;
	const char	*created_at;		/* RFC 3339 UTC */
};

/* What repo_users_get() looks a row up by. */
enum users_by {
	USERS_EMAIL,		/* email (normalised) */
	USERS_SUB,		/* sub */
	USERS_BY__MAX
};

/* The profile fields a caller may set; NULL leaves one unchanged. */
struct auth_profile {
	const char	*full_name;
	const char	*location;
	const char	*profile_photo_url;
};

/* DDL inside the caller's transaction: the advisory lock, the table,
 * missing columns (password_changed_at among them), the sub backfill
 * (auth_server.py _init_db). a holds the column list it reads. */
enum err	repo_users_init(struct db *, struct arena *a);
/* E_OK with *exists 0/1 for an email (already lowercased). */
enum err	repo_users_exists(struct db *, const char *email, int *exists);
/* Inserts a row with salt "argon2" and a fresh sub. E_CONFLICT when
 * the email is taken (even by a concurrent insert). */
enum err	repo_users_create(struct db *, struct arena *,
		    const char *email, const char *hash,
		    const struct auth_profile *, struct auth_user *out);
/* The row for key, by email or by sub; no lock is taken. E_NOTFOUND
 * when there is none. */
enum err	repo_users_get(struct db *, struct arena *, enum users_by,
		    const char *key, struct auth_user *out);
/*
 * The row for sub when a token issued at second iat still speaks for
 * it: its password has not changed in a later second (docs/auth.md,
 * "Revocation"). E_NOTFOUND when there is no row or it changed since.
 */
enum err	repo_users_current(struct db *, struct arena *,
		    const char *sub, int64_t iat, struct auth_user *out);
/*
 * Conditional writes of a row's hash, taking the place of a row lock
 * held while hashing: each replaces the hash only while it is still
 * old, the one that was checked, and sets the salt to "argon2";
 * E_CONFLICT when the row's hash is no longer old (or the row gone).
 * _rehash stores a stronger form of the same password (login);
 * _set_password a new password, with password_changed_at at second at
 * (a in which the parameters are kept).
 */
enum err	repo_users_rehash(struct db *, const char *id,
		    const char *old, const char *hash);
enum err	repo_users_set_password(struct db *, struct arena *a,
		    const char *id, const char *old, const char *hash,
		    int64_t at);
/* Gives a row without a sub a fresh one; *sub in the arena. */
enum err	repo_users_set_sub(struct db *, struct arena *, const char *id,
		    const char **sub);
/* Sets the non-NULL fields of p on the row for sub, in the same
 * statement as repo_users_current()'s check for a token issued at iat;
 * the new row. E_NOTFOUND when there is no row or it changed since. */
enum err	repo_users_update(struct db *, struct arena *, const char *sub,
		    int64_t iat, const struct auth_profile *p,
		    struct auth_user *out);

#endif
