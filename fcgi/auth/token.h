/*
 * The auth service's JSON views of an identity (API.md §3 Types): User
 * and TokenResponse with a freshly signed JWT.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <time.h>

#include <json-c/json.h>

#include "err.h"

struct arena;
struct auth_user;

/* User: {"sub","email","full_name","location","profile_photo_url",
 * "stripe_customer_id","created_at"}; a new object the caller owns. */
struct json_object	*token_user_json(const struct auth_user *);
/* TokenResponse for u with iat (exp = iat + AUTH_TOKEN_TTL): E_OK and
 * *out (caller owns), or E_INTERNAL. */
enum err		 token_issue(struct arena *, const struct auth_user *u,
			    time_t iat, struct json_object **out);

#endif
