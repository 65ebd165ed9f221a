/*
 * The auth service's field validators on top of json.c's getters. Each
 * need_*() replies 400 invalid_request naming the field itself and
 * returns non-E_OK; the caller just returns.
 */
#ifndef VALID_H
#define VALID_H

#include <stddef.h>

#include "err.h"

struct req;

#define EMAIL_MAX	254	/* API.md §3: bytes, once normalised */
#define EMAIL_IN_MAX	1024	/* code points, before normalising */
#define NAME_MAX_CP	200	/* full_name, location: code points */
#define URL_MAX_CP	2048	/* profile_photo_url: code points */

/* The field normalised as the Python service did, Python's
 * email.strip().lower() (ucase.h), shaped local@domain, at most
 * EMAIL_MAX bytes; *out in the arena. */
enum err	need_email(struct req *, const char *key, const char **out);
/* The field normalised the same way, not shaped (a login's email). */
enum err	need_login_email(struct req *, const char *key,
		    const char **out);
/* A string field of min..max bytes (API.md §3 counts bytes). */
enum err	need_password(struct req *, const char *key, size_t min,
		    size_t max, const char **out);

#endif
