/*
 * Validators for the auth service's request fields: emails are trimmed,
 * lowercased and shaped local@domain; passwords are bounded in bytes.
 * Each replies its own 400; no SQL here.
 */
#include <ctype.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "json.h"
#include "req.h"
#include "valid.h"

/* 1 for local@domain: one '@', no space or control byte, and a domain
 * of dot-separated non-empty labels, at least two of them. */
static int
valid_email_shape(const char *s)
{
	const char	*at, *p;

	if ((at = strchr(s, '@')) == NULL || at == s ||
	    strchr(at + 1, '@') != NULL || at - s > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	p = at + 1;
	if (*p == '.' || *p == '\0' || p[strlen(p) - 1] == '.' ||
	    strstr(p, "..") != NULL || strchr(p, '.') == NULL)
		return 0;
	return 1;
}

/* The field trimmed and lowercased into the arena; 400 when absent. */
static enum err
valid_email_norm(struct req *rq, const char *key, char **out)
{
	const char	*s, *end;
	char		*e;
	size_t		 i, n;

	if (need_str(rq, key, 1, EMAIL_IN_MAX, &s) != E_OK)
		return E_INVALID;
	while (isspace((unsigned char)*s))
		s++;
	for (end = s + strlen(s); end > s &&
	    isspace((unsigned char)end[-1]); end--)
		;
	n = (size_t)(end - s);
	e = arena_strndup(rq->a, s, n);
	for (i = 0; i < n; i++)
		e[i] = (char)tolower((unsigned char)e[i]);
	*out = e;
	return E_OK;
}

/* The email field, normalised and shaped; replies 400 itself. */
enum err
need_email(struct req *rq, const char *key, const char **out)
{
	char	*e;

	if (valid_email_norm(rq, key, &e) != E_OK)
		return E_INVALID;
	if (*e == '\0' || strlen(e) > EMAIL_MAX || !valid_email_shape(e)) {
		reply_errmsg(rq, E_INVALID, "field '%s' must be an email "
		    "address (local@domain, at most %d characters)", key,
		    EMAIL_MAX);
		return E_INVALID;
	}
	*out = e;
	return E_OK;
}

/* The email of a login, normalised only: a row the Python service
 * stored in another shape can still log in. */
enum err
need_login_email(struct req *rq, const char *key, const char **out)
{
	char	*e;

	if (valid_email_norm(rq, key, &e) != E_OK)
		return E_INVALID;
	*out = e;
	return E_OK;
}

/* A string of min..max bytes; replies 400 itself otherwise. */
enum err
need_password(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	const char	*s;
	size_t		 n;

	if (need_str(rq, key, 0, max, &s) != E_OK)
		return E_INVALID;
	n = strlen(s);
	if (n < min || n > max) {
		reply_errmsg(rq, E_INVALID, "field '%s' must be %zu to %zu "
		    "bytes long", key, min, max);
		return E_INVALID;
	}
	*out = s;
	return E_OK;
}
