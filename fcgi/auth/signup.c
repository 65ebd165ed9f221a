/*
 * POST /auth/signup: a new identity with an Argon2id hash, answered
 * with a token. HTTP only; the SQL is in repo_users.c.
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "err.h"
#include "hashcap.h"
#include "json.h"
#include "log.h"
#include "password.h"
#include "repo_users.h"
#include "req.h"
#include "signup.h"
#include "token.h"
#include "valid.h"

/* The optional profile fields of a body; replies 400 itself. */
static enum err
signup_profile(struct req *rq, struct auth_profile *pf)
{

	pf->full_name = pf->location = pf->profile_photo_url = NULL;
	if (opt_str(rq, "full_name", 0, NAME_MAX_CP, &pf->full_name) != E_OK ||
	    opt_str(rq, "location", 0, NAME_MAX_CP, &pf->location) != E_OK ||
	    opt_str(rq, "profile_photo_url", 0, URL_MAX_CP,
	    &pf->profile_photo_url) != E_OK)
		return E_INVALID;
	return E_OK;
}

/* Hashes pw under the host's hash cap and inserts the row. */
static enum err
signup_create(struct req *rq, const char *email, const char *pw,
    const struct auth_profile *pf, struct auth_user *u)
{
	char		 phc[PASSWORD_PHC_MAX];
	int		 exists = 0;
	enum err	 e;

	if ((e = repo_users_exists(rq->db, email, &exists)) != E_OK)
		return e;
	if (exists)
		return E_CONFLICT;
	if ((e = hashcap_enter(auth_settings()->hash_wait_ms)) != E_OK)
		return e;
	e = password_hash(pw, strlen(pw), phc);
	hashcap_leave();
	if (e != E_OK)
		return e;
	return repo_users_create(rq->db, rq->a, email, phc, pf, u);
}

/*
 * POST /auth/signup {"email","password","full_name"?,"location"?,
 * "profile_photo_url"?}
 * 201 TokenResponse | 400 invalid_request | 409 conflict |
 * 503 unavailable (database down, or the hash cap full)
 */
void
signup_post(struct req *rq)
{
	struct auth_profile	 pf;
	struct auth_user	 u;
	struct json_object	*o;
	const char		*email, *pw;
	enum err		 e;

	if (need_email(rq, "email", &email) != E_OK ||
	    need_password(rq, "password", PASSWORD_MIN, PASSWORD_MAX,
	    &pw) != E_OK || signup_profile(rq, &pf) != E_OK)
		return;
	if ((e = signup_create(rq, email, pw, &pf, &u)) != E_OK ||
	    (e = token_issue(rq->a, &u, time(NULL), &o)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	log_info(rq->reqid, "signup for a user at '%s'",
	    strchr(email, '@') + 1);
	reply_json(rq, 201, o);
}
