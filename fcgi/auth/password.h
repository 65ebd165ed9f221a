/*
 * Password hashing for the auth service (API.md §3): Argon2id in PHC
 * string form with argon2-cffi's defaults, the legacy sha256(salt +
 * password) rows, and the "needs rehash" decision. No HTTP, no SQL.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PASSWORD_T		3	/* argon2-cffi time_cost */
#define PASSWORD_M		65536	/* argon2-cffi memory_cost, KiB */
#define PASSWORD_P		4	/* argon2-cffi parallelism */
#define PASSWORD_SALT_LEN	16	/* argon2-cffi salt_len */
#define PASSWORD_HASH_LEN	32	/* argon2-cffi hash_len */
#define PASSWORD_PHC_MAX	256	/* an encoded hash, NUL included */
#define PASSWORD_MIN		8	/* bytes (API.md §3) */
#define PASSWORD_MAX		1024	/* bytes (API.md §3) */
#define PASSWORD_SALT_SENTINEL	"argon2" /* salt column of argon2 rows */

/* Threads per hash (lanes stay PASSWORD_P; 0 = one per lane), and
 * whether hashes use the held hash slot's work area (hashcap.h). */
void		 password_setup(unsigned threads, int keep);

/* A new Argon2id PHC string for pw with a fresh random salt into out
 * (PASSWORD_PHC_MAX bytes). E_OK or E_INTERNAL. */
enum err	 password_hash(const char *pw, size_t len, char *out);
/*
 * Checks pw against a stored row's hash and salt columns: Argon2
 * (i, d or id) PHC strings, or legacy 64-hex sha256(salt + pw). E_OK
 * on a match with *rehash = 1 when the stored form is legacy or below
 * the current defaults; E_CREDENTIALS otherwise (also for a stored
 * form that cannot be read, after as much work as a real check).
 */
enum err	 password_verify(const char *pw, size_t len, const char *hash,
		    const char *salt, int *rehash);
/* As much work as a real check, for an email that has no row. */
void		 password_dummy(const char *pw, size_t len);
/* 1 when phc is an Argon2 PHC string below the current defaults (or
 * not one at all), 0 when it is as strong or stronger. */
int		 password_weak(const char *phc);

#endif
