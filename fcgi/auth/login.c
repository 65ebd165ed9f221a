/*
 * POST /auth/login (API.md §3): an attempt reserved in the failure
 * throttle first (before any hashing), then one transaction that reads the row FOR UPDATE, verifies the
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

/* Answers a settled check: the token, or the error (401 logged). */
static void
login_answer(struct req *rq, enum err e, const char *email,
    const struct auth_user *u)
{
	struct json_object	*o;

	if (e == E_OK && (e = token_issue(rq->a, u, &o)) == E_OK) {
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
	enum err		 e;

	if (need_login_email(rq, "email", &email) != E_OK ||
	    need_password(rq, "password", 1, PASSWORD_MAX, &pw) != E_OK)
		return;
	if (throttle_enter(rq, email, &h) != E_OK)
		return;
	e = login_check(rq, email, pw, &u);
	e = throttle_leave(rq, &h, e);
	login_answer(rq, e, email, &u);
}
