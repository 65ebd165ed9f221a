/*
 * POST /auth/login (API.md §3): throttle first (before any hashing),
 * then one transaction that reads the row FOR UPDATE, verifies the
 * password under the host's hash cap and re-hashes a legacy or weak
 * row in place. An unknown email costs the same hash as a wrong
 * password and gets the same answer. HTTP only; SQL in repo_*.c.
 */
#include <string.h>

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
#include "token.h"
#include "valid.h"

/* The part of an email worth logging: its domain. */
static const char *
login_domain(const char *email)
{
	const char	*at = strchr(email, '@');

	return at != NULL ? at + 1 : "-";
}

/* What the login transaction reads, and what it leaves. */
struct login_tx {
	struct arena		*a;
	const char		*email;
	const char		*pw;
	struct auth_user	*u;		/* the row, upgraded */
	int			 rehashed;
};

/* In the login transaction: checks pw, then upgrades the row. */
static enum err
login_verify(struct db *db, struct login_tx *t)
{
	struct auth_user	*u = t->u;
	char			 phc[PASSWORD_PHC_MAX];
	int			 rehash = 0;
	enum err		 e;

	if (u->hash == NULL || u->salt == NULL) {
		password_dummy(t->pw, strlen(t->pw));
		return E_CREDENTIALS;
	}
	if ((e = password_verify(t->pw, strlen(t->pw), u->hash, u->salt,
	    &rehash)) != E_OK)
		return e;
	if (rehash) {
		if ((e = password_hash(t->pw, strlen(t->pw), phc)) != E_OK ||
		    (e = repo_users_set_hash(db, u->id, phc)) != E_OK)
			return e;
		t->rehashed = 1;
	}
	if (u->sub == NULL)
		return repo_users_set_sub(db, t->a, u->id, &u->sub);
	return E_OK;
}

/*
 * The login transaction (db_tx() may run it again: each run reads the
 * row afresh and sets everything it leaves): the row FOR UPDATE, the
 * check, the upgrades.
 */
static enum err
login_tx(struct db *db, void *arg)
{
	struct login_tx	*t = arg;
	enum err	 e;

	t->rehashed = 0;
	e = repo_users_get(db, t->a, USERS_EMAIL_LOCKED, t->email, t->u);
	if (e == E_NOTFOUND) {
		password_dummy(t->pw, strlen(t->pw));
		return E_CREDENTIALS;
	}
	if (e != E_OK)
		return e;
	return login_verify(db, t);
}

/* Holds a hash slot around the transaction that checks the login. */
static enum err
login_check(struct req *rq, const char *email, const char *pw,
    struct auth_user *u)
{
	struct login_tx	 t = { rq->a, email, pw, u, 0 };
	enum err	 e;

	if ((e = hashcap_enter(auth_settings()->hash_wait_ms)) != E_OK)
		return e;
	e = db_tx(rq->db, login_tx, &t);
	hashcap_leave();
	if (e == E_OK && t.rehashed)
		log_info(rq->reqid, "login: re-hashed a stored password "
		    "to argon2id");
	return e;
}

/* 429 with Retry-After when a throttle counter is full; E_OK to go on. */
static enum err
login_throttled(struct req *rq, const char *ekey, const char *akey)
{
	const struct auth_settings	*as = auth_settings();
	long				 after = 0;
	enum err			 e;

	e = repo_throttle_check(rq->db, rq->a, ekey, akey, as->throttle_window,
	    as->throttle_email_max, as->throttle_addr_max, &after);
	if (e == E_RATE) {
		log_info(rq->reqid, "login throttled for %ld s", after);
		reply_err_after(rq, E_RATE, (int)after,
		    "too many failed logins; try again later");
	} else if (e != E_OK)
		reply_err(rq, e);
	return e;
}

/* Answers a finished check: token, 401 (counted), or the error. */
static void
login_answer(struct req *rq, enum err e, const char *email,
    const char *ekey, const char *akey, const struct auth_user *u)
{
	struct json_object	*o;

	if (e == E_CREDENTIALS) {
		log_info(rq->reqid, "login failed for a user at '%s'",
		    login_domain(email));
		if ((e = repo_throttle_fail(rq->db, ekey, akey,
		    auth_settings()->throttle_window)) == E_OK)
			e = E_CREDENTIALS;
	} else if (e == E_OK && (e = repo_throttle_clear(rq->db, ekey)) ==
	    E_OK && (e = token_issue(rq->a, u, &o)) == E_OK) {
		log_info(rq->reqid, "login ok for a user at '%s'",
		    login_domain(email));
		reply_json(rq, 200, o);
		return;
	}
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
	struct auth_user	 u;
	const char		*email, *pw, *addr, *ekey, *akey;
	enum err		 e;

	if (need_login_email(rq, "email", &email) != E_OK ||
	    need_password(rq, "password", 1, PASSWORD_MAX, &pw) != E_OK)
		return;
	if ((addr = req_param(rq, "REMOTE_ADDR")) == NULL)
		addr = "unknown";
	ekey = arena_printf(rq->a, "e:%s", email);
	akey = arena_printf(rq->a, "a:%s", addr);
	if (login_throttled(rq, ekey, akey) != E_OK)
		return;
	e = login_check(rq, email, pw, &u);
	login_answer(rq, e, email, ekey, akey, &u);
}
