/*
 * POST /auth/login (API.md §3): an attempt reserved in the failure
 * throttle first (before any hashing), then, under the host's hash
 * cap, the row read without a lock and the password verified; a legacy
 * or weak hash is replaced by a write conditional on the hash that was
 * checked, so no row lock is held while hashing. An unknown email costs
 * the same hash as a wrong password and gets the same answer. HTTP
 * only; SQL in repo_*.c.
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "hashcap.h"
#include "log.h"
#include "login.h"
#include "password.h"
#include "repo_throttle.h"
#include "repo_users.h"
#include "req.h"
#include "throttle.h"
#include "token.h"
#include "valid.h"

/* The part of an email worth logging: its domain. */
static const char *
login_domain(const char *email)
{
	const char	*at = strchr(email, '@');

	return at != NULL ? at + 1 : "-";
}

/*
 * Verifies pw against u (inside a hash slot). On E_OK phc holds a
 * hash at the current defaults when the stored one is legacy or weak,
 * and is "" otherwise.
 */
static enum err
login_verify(const char *pw, const struct auth_user *u, char *phc)
{
	int		 rehash = 0;
	enum err	 e;

	phc[0] = '\0';
	if (u->hash == NULL || u->salt == NULL) {
		password_dummy(pw, strlen(pw));
		return E_CREDENTIALS;
	}
	if ((e = password_verify(pw, strlen(pw), u->hash, u->salt,
	    &rehash)) != E_OK || !rehash)
		return e;
	return password_hash(pw, strlen(pw), phc);
}

/*
 * After a good password: the stronger hash stored over the one that
 * was checked (not when the row changed meanwhile: another login
 * upgraded it, or the password changed, which revokes this login's
 * token), and a sub for a row without one.
 */
static enum err
login_upgrade(struct req *rq, struct auth_user *u, const char *phc)
{
	enum err	 e;

	if (phc[0] != '\0') {
		e = repo_users_rehash(rq->db, u->id, u->hash, phc);
		if (e == E_OK)
			log_info(rq->reqid, "login: re-hashed a stored "
			    "password to argon2id");
		else if (e == E_CONFLICT)
			log_info(rq->reqid, "login: not re-hashed, the row "
			    "changed meanwhile");
		else
			return e;
	}
	if (u->sub == NULL)
		return repo_users_set_sub(rq->db, rq->a, u->id, &u->sub);
	return E_OK;
}

/*
 * Checks pw for email: holding a hash slot, reads the row (at second
 * *read_at, the token's iat) and verifies; then the upgrades. E_OK
 * with *u, E_CREDENTIALS, or the error (503 when the cap stays full).
 */
static enum err
login_check(struct req *rq, const char *email, const char *pw,
    struct auth_user *u, time_t *read_at)
{
	char		 phc[PASSWORD_PHC_MAX];
	enum err	 e;

	if ((e = hashcap_enter(auth_settings()->hash_wait_ms)) != E_OK)
		return e;
	*read_at = time(NULL);
	e = repo_users_get(rq->db, rq->a, USERS_EMAIL, email, u);
	if (e == E_NOTFOUND) {
		password_dummy(pw, strlen(pw));
		e = E_CREDENTIALS;
	} else if (e == E_OK)
		e = login_verify(pw, u, phc);
	hashcap_leave();
	if (e != E_OK)
		return e;
	return login_upgrade(rq, u, phc);
}

/* Answers a settled check: the token, or the error (401 logged). */
static void
login_answer(struct req *rq, enum err e, const char *email,
    const struct auth_user *u, time_t iat)
{
	struct json_object	*o;

	if (e == E_OK && (e = token_issue(rq->a, u, iat, &o)) == E_OK) {
		log_info(rq->reqid, "login ok for a user at '%s'",
		    login_domain(email));
		reply_json(rq, 200, o);
		return;
	}
	if (e == E_CREDENTIALS)
		log_info(rq->reqid, "login failed for a user at '%s'",
		    login_domain(email));
	reply_err(rq, e);
}

/*
 * POST /auth/login {"email","password"}
 * 200 TokenResponse | 400 invalid_request | 401 invalid_credentials |
 * 429 rate_limited | 503 unavailable (database down, hash cap full)
 */
void
login_post(struct req *rq)
{
	struct throttle_hold	 h;
	struct auth_user	 u;
	const char		*email, *pw;
	time_t			 iat = 0;
	enum err		 e;

	if (need_login_email(rq, "email", &email) != E_OK ||
	    need_password(rq, "password", 1, PASSWORD_MAX, &pw) != E_OK)
		return;
	if (throttle_enter(rq, email, &h) != E_OK)
		return;
	e = login_check(rq, email, pw, &u, &iat);
	e = throttle_leave(rq, &h, e);
	login_answer(rq, e, email, &u, iat);
}
