/*
 * auth_login_throttle: failed password checks counted per account
 * email and per client address, each in a fixed window. An attempt is
 * counted before its password is checked (reserved) and then settled.
 * No HTTP here.
 */
#ifndef REPO_THROTTLE_H
#define REPO_THROTTLE_H

#include "err.h"

struct arena;
struct db;

/* The two counters every attempt is reserved on. */
enum throttle_key {
	THROTTLE_EMAIL,		/* "e:" + the account's email */
	THROTTLE_ADDR,		/* "a:" + the client address */
	THROTTLE__MAX
};

/* The limits: the window in seconds, failures per key (0 = off). */
struct throttle_limits {
	long	window;
	long	max[THROTTLE__MAX];
};

/* An attempt repo_throttle_reserve() counted, and what settling it
 * needs: each key's window as it was then (strings in the arena). */
struct throttle_hold {
	const char	*key[THROTTLE__MAX];
	const char	*since[THROTTLE__MAX];
};

/* The table (inside the caller's init transaction). */
enum err	repo_throttle_init(struct db *);
/*
 * Counts one attempt on both keys in one statement, inside a
 * transaction that holds their rows until it decides: E_OK with *out
 * when both counts, this attempt included, are within their limits;
 * E_RATE with *retry_after (seconds until the later of the spent
 * windows ends) when either is over, and then nothing is counted (the
 * transaction rolls back). So N concurrent attempts let exactly the
 * limit through. A window that has passed starts again.
 */
enum err	repo_throttle_reserve(struct db *, struct arena *,
		    const struct throttle_limits *, const char *email_key,
		    const char *addr_key, struct throttle_hold *out,
		    long *retry_after);
/* A bounded sweep of rows whose window has passed (after a wrong
 * password, whose attempt simply stays counted). */
enum err	repo_throttle_prune(struct db *, long window);
/* A right password: the email's counter goes, the address's attempt
 * is given back. */
enum err	repo_throttle_pass(struct db *, const struct throttle_hold *);
/* No check happened (an error): the attempt is given back on both. */
enum err	repo_throttle_cancel(struct db *, const struct throttle_hold *);

#endif
