/*
 * Validators for the auth service's request fields: emails are
 * normalised as the Python service did (Unicode strip and lowercase,
 * ucase.h) and shaped local@domain; passwords are bounded in bytes.
 * Each replies its own 400; no SQL here.
 */
#include <string.h>

#include "arena.h"
#include "err.h"
#include "json.h"
#include "req.h"
#include "ucase.h"
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

/*
 * The email s normalised as the Python service did, Python's
 * email.strip().lower() (ucase.h): Unicode white space trimmed, full
 * Unicode lowercase. E_OK with *out in the arena, or E_INVALID when s
 * is not UTF-8 (the JSON layer lets none through).
 */
static enum err
valid_email_norm(struct arena *a, const char *s, char **out)
{
	size_t	 n;

	return ucase_strip_lower(a, s, strlen(s), out, &n);
}

/*
 * s normalised (valid_email_norm()) and shaped local@domain, in at most
 * EMAIL_MAX bytes: E_OK with *out in the arena, or E_INVALID.
 */
static enum err
valid_email(struct arena *a, const char *s, char **out)
{
	char	*e;

	if (valid_email_norm(a, s, &e) != E_OK || *e == '\0' ||
	    strlen(e) > EMAIL_MAX || !valid_email_shape(e))
		return E_INVALID;
	*out = e;
	return E_OK;
}

/*
 * The email field key (API.md §3) normalised exactly as the Python
 * service did, email.strip().lower(), then shaped local@domain. The
 * limits count UTF-8 bytes of the normalised address, as RFC 5321
 * §4.5.3.1 counts octets: at most EMAIL_MAX in all, 64 before the '@'
 * (for an ASCII address, its length in characters). E_OK with *out in
 * the arena; otherwise the 400 naming the field has been sent.
 */
enum err
need_email(struct req *rq, const char *key, const char **out)
{
	const char	*s;
	char		*e;

	if (need_str(rq, key, 1, EMAIL_IN_MAX, &s) != E_OK)
		return E_INVALID;
	if (valid_email(rq->a, s, &e) != E_OK) {
		reply_errmsg(rq, E_INVALID, "field '%s' must be an email "
		    "address (local@domain, at most %d bytes)", key,
		    EMAIL_MAX);
		return E_INVALID;
	}
	*out = e;
	return E_OK;
}

/*
 * The email of a login, normalised as need_email() does and not
 * shaped: a row the Python service stored under looser rules can still
 * log in. E_OK with *out in the arena; otherwise the 400 has been sent.
 */
enum err
need_login_email(struct req *rq, const char *key, const char **out)
{
	const char	*s;
	char		*e;

	if (need_str(rq, key, 1, EMAIL_IN_MAX, &s) != E_OK)
		return E_INVALID;
	if (valid_email_norm(rq->a, s, &e) != E_OK) {
		reply_errmsg(rq, E_INVALID, "field '%s' must be UTF-8 text",
		    key);
		return E_INVALID;
	}
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
