/*
 * The failure throttle as the routes that check a password use it
 * (POST /auth/login, POST /auth/password): one shared budget per
 * account and per client address (docs/auth.md, "Failure throttling").
 */
#ifndef THROTTLE_H
#define THROTTLE_H

#include "err.h"

struct req;
struct throttle_hold;

/*
 * Reserves one attempt on email's key ("e:" + the account's normalised
 * email) and the caller's address key, before any hash. E_OK with *h;
 * otherwise the reply is sent (429 with Retry-After, or the error).
 */
enum err	throttle_enter(struct req *, const char *email,
		    struct throttle_hold *h);
/*
 * Settles h by the outcome e of the password check: E_CREDENTIALS (a
 * wrong password) keeps the attempt counted; E_OK and E_CONFLICT (the
 * password was right) clear the email's counter and give the
 * address's attempt back; any other error gives both back. Returns e,
 * or the database error settling met when e was not one already.
 */
enum err	throttle_leave(struct req *, const struct throttle_hold *h,
		    enum err e);

#endif
