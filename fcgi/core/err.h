/*
 * The one error idiom: every fallible function returns enum err.
 * err.c maps each value to its HTTP status and contract error code
 * (API.md §2); nothing else in the tree knows that mapping.
 */
#ifndef ERR_H
#define ERR_H

enum err {
	E_OK = 0,
	E_JSON,		/* 400 invalid_json */
	E_INVALID,	/* 400 invalid_request */
	E_UNAUTH,	/* 401 unauthorized */
	E_CREDENTIALS,	/* 401 invalid_credentials */
	E_FORBIDDEN,	/* 403 forbidden */
	E_NOTFOUND,	/* 404 not_found */
	E_METHOD,	/* 405 method_not_allowed */
	E_CONFLICT,	/* 409 conflict */
	E_TOOLARGE,	/* 413 payload_too_large */
	E_MEDIA,	/* 415 unsupported_media_type */
	E_RATE,		/* 429 rate_limited */
	E_INTERNAL,	/* 500 internal */
	E_DB,		/* 500 internal: a database error that is our bug */
	E_IO,		/* 500 internal: a file or socket failed */
	E_RETRY,	/* 500 if it escapes: serialization failure, retry */
	E_DBDOWN,	/* 503 unavailable: connection lost or refused */
	E_BUSY,		/* 503 unavailable: a local capacity cap was hit */
	E_STOPPING,	/* 503 unavailable: the service is stopping */
	E_UPSTREAM,	/* 502 bad_gateway: the model provider failed */
	E_TIMEOUT,	/* 504 gateway_timeout: the model provider was slow */
	E__MAX
};

struct err_info {
	int		 status;
	const char	*code;
	const char	*message;	/* default human-readable text */
};

const struct err_info	*err_info(enum err);
const char		*err_str(enum err);

#endif
