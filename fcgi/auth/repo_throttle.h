/*
 * auth_login_throttle: failed-login counters per email and per client
 * address, each in a fixed window. No HTTP here.
 */
#ifndef REPO_THROTTLE_H
#define REPO_THROTTLE_H

#include "err.h"

struct arena;
struct db;

/* The table (inside the caller's init transaction). */
enum err	repo_throttle_init(struct db *);
/*
 * E_OK when both counters are under their limits within the window,
 * E_RATE with *retry_after (seconds until the oldest window ends)
 * when either is at its limit. Limits of 0 disable a counter.
 */
enum err	repo_throttle_check(struct db *, struct arena *,
		    const char *email_key, const char *addr_key, long window,
		    long email_max, long addr_max, long *retry_after);
/* Counts one failure against both keys and prunes expired rows. */
enum err	repo_throttle_fail(struct db *, const char *email_key,
		    const char *addr_key, long window);
/* Forgets a key's failures (a successful login). */
enum err	repo_throttle_clear(struct db *, const char *key);

#endif
