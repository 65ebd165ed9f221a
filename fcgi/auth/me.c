/*
 * The caller's own identity: GET and PATCH /auth/me, POST
 * /auth/password. Every route here is R_USER, so rq->uid is the sub of
 * a token this service issued, and rq->auth its claims; a token issued
 * before the account's last password change (an earlier second) is
 * refused here (docs/auth.md, "Revocation"). HTTP only; SQL in
 * repo_users.c.
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "db.h"
#include "err.h"
#include "hashcap.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "me.h"
#include "password.h"
#include "repo_throttle.h"
#include "repo_users.h"
#include "req.h"
#include "throttle.h"
#include "token.h"
#include "valid.h"

/* The bearer's iat (0 when it has none: refused after any change). */
static int64_t
me_iat(const struct req *rq)
{
	const struct jwt_claims	*c = rq->auth;

	return c != NULL ? c->iat : 0;
}

/*
 * Why a statement conditional on the revocation rule found no row:
 * E_UNAUTH when the row is there (its password changed after the
 * token was issued), E_NOTFOUND when it is gone; other errors as
 * they are.
 */
static enum err
me_why(struct req *rq, enum err e)
{
	struct auth_user	 u;

	if (e != E_NOTFOUND)
		return e;
	if ((e = repo_users_get(rq->db, rq->a, USERS_SUB, rq->uid,
	    &u)) != E_OK)
		return e;
	log_info(rq->reqid, "bearer refused: issued before a password "
	    "change");
	return E_UNAUTH;
}

/*
 * GET /auth/me
 * 200 User | 401 unauthorized (also a token from before a password
 * change) | 404 not_found (the row is gone) | 503 unavailable
 */
void
me_get(struct req *rq)
{
	struct auth_user	 u;
	enum err		 e;

	e = repo_users_current(rq->db, rq->a, rq->uid, me_iat(rq), &u);
	if ((e = me_why(rq, e)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_json(rq, 200, token_user_json(&u));
}

/*
 * PATCH /auth/me {"full_name"?,"location"?,"profile_photo_url"?}
 * (null or absent leaves a field as it is)
 * 200 User | 400 invalid_request | 401 unauthorized (also a token
 * from before a password change) | 404 not_found | 503 unavailable
 */
void
me_patch(struct req *rq)
{
	struct auth_profile	 pf;
	struct auth_user	 u;
	enum err		 e;

	pf.full_name = pf.location = pf.profile_photo_url = NULL;
	if (opt_str(rq, "full_name", 0, NAME_MAX_CP, &pf.full_name) != E_OK ||
	    opt_str(rq, "location", 0, NAME_MAX_CP, &pf.location) != E_OK ||
	    opt_str(rq, "profile_photo_url", 0, URL_MAX_CP,
	    &pf.profile_photo_url) != E_OK)
		return;
	e = repo_users_update(rq->db, rq->a, rq->uid, me_iat(rq), &pf, &u);
	if ((e = me_why(rq, e)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_json(rq, 200, token_user_json(&u));
}

/*
 * Checks cur against the row u as read and stores next's hash over
 * the one checked. Holds a hash slot for both hashes, never a row
 * lock: E_CONFLICT when the row's hash changed meanwhile (another
 * change won), E_CREDENTIALS for a wrong cur.
 */
static enum err
me_password_change(struct req *rq, const struct auth_user *u,
    const char *cur, const char *next)
{
	char		 phc[PASSWORD_PHC_MAX];
	int		 rehash = 0;
	enum err	 e;

	if (u->hash == NULL || u->salt == NULL)
		return E_CREDENTIALS;
	if ((e = hashcap_enter(auth_settings()->hash_wait_ms)) != E_OK)
		return e;
	if ((e = password_verify(cur, strlen(cur), u->hash, u->salt,
	    &rehash)) == E_OK)
		e = password_hash(next, strlen(next), phc);
	hashcap_leave();
	if (e != E_OK)
		return e;
	return repo_users_set_password(rq->db, rq->a, u->id, u->hash, phc,
	    (int64_t)time(NULL));
}

/*
 * POST /auth/password {"current_password","new_password"}
 * Counted in the failure throttle on the account's email key, as a
 * login is; revokes every token issued in an earlier second.
 * 204 | 400 invalid_request | 401 unauthorized (also a token from
 * before a password change), invalid_credentials (a wrong
 * current_password, or the account is gone) | 409 conflict (another
 * change came first) | 429 rate_limited | 503 unavailable (database
 * down, hash cap full)
 */
void
me_password_post(struct req *rq)
{
	struct throttle_hold	 h;
	struct auth_user	 u;
	const char		*cur, *next;
	enum err		 e;

	if (need_password(rq, "current_password", 1, PASSWORD_MAX,
	    &cur) != E_OK || need_password(rq, "new_password", PASSWORD_MIN,
	    PASSWORD_MAX, &next) != E_OK)
		return;
	e = repo_users_current(rq->db, rq->a, rq->uid, me_iat(rq), &u);
	if ((e = me_why(rq, e)) == E_NOTFOUND)
		e = E_CREDENTIALS;
	if (e != E_OK) {
		reply_err(rq, e);
		return;
	}
	if (throttle_enter(rq, u.email, &h) != E_OK)
		return;
	e = me_password_change(rq, &u, cur, next);
	if ((e = throttle_leave(rq, &h, e)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	log_info(rq->reqid, "password changed");
	reply_empty(rq, 204);
}
