/*
 * Issued tokens (API.md §3): header {"alg":"RS256","typ":"JWT","kid":
 * AUTH_KEY_ID}; claims iss, sub, email, full_name, location,
 * profile_photo_url, iat, exp = iat + AUTH_TOKEN_TTL. No SQL here.
 */
#include <time.h>

#include <json-c/json.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "err.h"
#include "json.h"
#include "jwt.h"
#include "keys.h"
#include "repo_users.h"
#include "token.h"

/* The profile fields a User and a token's claims share (API.md §3). */
static void
token_profile(struct json_object *o, const struct auth_user *u)
{
	json_object_object_add(o, "email", json_str_or_null(u->email));
	json_object_object_add(o, "full_name", json_str_or_null(u->full_name));
	json_object_object_add(o, "location",
	    json_object_new_string(u->location != NULL ? u->location : ""));
	json_object_object_add(o, "profile_photo_url",
	    json_str_or_null(u->profile_photo_url));
}

/* The User object of API.md §3; absent values are null. */
struct json_object *
token_user_json(const struct auth_user *u)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "sub", json_str_or_null(u->sub));
	token_profile(o, u);
	json_object_object_add(o, "stripe_customer_id",
	    json_str_or_null(u->stripe_customer_id));
	json_object_object_add(o, "created_at",
	    json_str_or_null(u->created_at));
	return o;
}

/* The claims of a token for u issued at now. */
static struct json_object *
token_claims(const struct conf *cf, const struct auth_user *u, time_t now)
{
	struct json_object	*c;

	c = json_object_new_object();
	json_object_object_add(c, "iss",
	    json_object_new_string(cf->auth_issuer));
	json_object_object_add(c, "sub", json_str_or_null(u->sub));
	token_profile(c, u);
	json_object_object_add(c, "iat", json_object_new_int64(now));
	json_object_object_add(c, "exp",
	    json_object_new_int64(now + cf->auth_token_ttl));
	return c;
}

/*
 * TokenResponse: {"access_token","token_type","expires_in","user"}.
 * iat is when the evidence was read: now for a signup, the moment the
 * row was read for a login, so that a password change committed while
 * the login hashed revokes its token (docs/auth.md, "Revocation").
 */
enum err
token_issue(struct arena *a, const struct auth_user *u, time_t iat,
    struct json_object **out)
{
	const struct conf	*cf = auth_settings()->cf;
	struct json_object	*c, *o;
	const char		*jwt;
	enum err		 e;

	c = token_claims(cf, u, iat);
	e = jwt_sign(a, keys_signing(), cf->auth_key_id, c, &jwt);
	json_object_put(c);
	if (e != E_OK)
		return e;
	o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(jwt));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(cf->auth_token_ttl));
	json_object_object_add(o, "user", token_user_json(u));
	*out = o;
	return E_OK;
}
