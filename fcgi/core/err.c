/*
 * The only table from enum err to HTTP status and the contract's error
 * code (API.md §2). Handlers and repositories never pick a status.
 */
#include <assert.h>

#include "err.h"

static const struct err_info errs[E__MAX] = {
	[E_OK] =	  { 200, "ok", "ok" },
	[E_JSON] =	  { 400, "invalid_json",
			    "request body is not a JSON object" },
	[E_INVALID] =	  { 400, "invalid_request", "invalid request" },
	[E_UNAUTH] =	  { 401, "unauthorized",
			    "missing or invalid bearer token" },
	[E_CREDENTIALS] = { 401, "invalid_credentials",
			    "invalid email or password" },
	[E_FORBIDDEN] =	  { 403, "forbidden", "forbidden" },
	[E_NOTFOUND] =	  { 404, "not_found", "not found" },
	[E_METHOD] =	  { 405, "method_not_allowed",
			    "method not allowed" },
	[E_CONFLICT] =	  { 409, "conflict", "conflict" },
	[E_TOOLARGE] =	  { 413, "payload_too_large",
			    "request too large" },
	[E_MEDIA] =	  { 415, "unsupported_media_type",
			    "request body must be application/json" },
	[E_RATE] =	  { 429, "rate_limited", "too many requests" },
	[E_INTERNAL] =	  { 500, "internal", "internal error" },
	[E_DB] =	  { 500, "internal", "internal error" },
	[E_IO] =	  { 500, "internal", "internal error" },
	[E_RETRY] =	  { 500, "internal", "internal error" },
	[E_DBDOWN] =	  { 503, "unavailable",
			    "database unavailable, retry later" },
	[E_BUSY] =	  { 503, "unavailable",
			    "server busy, retry later" },
	[E_STOPPING] =	  { 503, "unavailable",
			    "the service is restarting, retry shortly" },
	[E_UPSTREAM] =	  { 502, "bad_gateway",
			    "the model provider failed" },
	[E_TIMEOUT] =	  { 504, "gateway_timeout",
			    "the model provider did not answer in time" },
};

static const char *const names[E__MAX] = {
	"E_OK", "E_JSON", "E_INVALID", "E_UNAUTH", "E_CREDENTIALS",
	"E_FORBIDDEN", "E_NOTFOUND", "E_METHOD", "E_CONFLICT", "E_TOOLARGE",
	"E_MEDIA", "E_RATE", "E_INTERNAL", "E_DB", "E_IO", "E_RETRY",
	"E_DBDOWN", "E_BUSY", "E_STOPPING", "E_UPSTREAM", "E_TIMEOUT",
};

/*
 * The status, code and default message for e. Never NULL.
 */
const struct err_info *
err_info(enum err e)
{
	assert(e >= 0 && e < E__MAX);
	return &errs[e];
}

/*
 * The enum's name, for logs.
 */
const char *
err_str(enum err e)
{
	assert(e >= 0 && e < E__MAX);
	return names[e];
}
