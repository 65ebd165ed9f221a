/*
 * Strict JSON input (RFC 8259, API.md §2): the bytes are checked for
 * UTF-8 and for the JSON grammar here before json-c builds the tree,
 * because json-c's strict mode still takes NaN, leading zeros, raw
 * control characters and \u0000. Typed getters for handlers follow.
 * No HTTP status is chosen here: errors go out through err.c's table.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "json.h"
#include "req.h"

/* The grammar check's cursor over one input buffer. */
struct json_scan {
	const unsigned char	*p;		/* next byte */
	const unsigned char	*end;		/* past the last byte */
	int			 depth;		/* open containers */
	int			 maxdepth;
};

static int	json_scan_value(struct json_scan *);

static void
json_scan_ws(struct json_scan *s)
{

	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Consumes c if it is next; 1 when it was. */
static int
json_scan_eat(struct json_scan *s, unsigned char c)
{

	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

static int
json_scan_digits(struct json_scan *s)
{
	const unsigned char	*start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : -1;
}

/* Reads the four hex digits of a \u escape into *cp. */
static int
json_scan_hex4(struct json_scan *s, unsigned *cp)
{
	unsigned	 v = 0, d;
	int		 i;

	if (s->end - s->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		d = s->p[i];
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d -= 'a' - 10;
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return -1;
		v = v << 4 | d;
	}
	s->p += 4;
	*cp = v;
	return 0;
}

/*
 * The part of an escape after the backslash. \u0000 is refused since
 * every string ends up a C string; a surrogate must come as a pair,
 * so the tree never holds what is not UTF-8.
 */
static int
json_scan_escape(struct json_scan *s)
{
	unsigned	 cp, lo;

	if (s->p >= s->end)
		return -1;
	if (*s->p != '\0' && strchr("\"\\/bfnrt", *s->p) != NULL) {
		s->p++;
		return 0;
	}
	if (!json_scan_eat(s, 'u') || json_scan_hex4(s, &cp) == -1)
		return -1;
	if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
		return -1;
	if (cp < 0xD800 || cp > 0xDBFF)
		return 0;
	if (!json_scan_eat(s, '\\') || !json_scan_eat(s, 'u') ||
	    json_scan_hex4(s, &lo) == -1)
		return -1;
	return lo >= 0xDC00 && lo <= 0xDFFF ? 0 : -1;
}

/* A string, the opening quote next. Bytes >= 0x80 were checked as
 * UTF-8 over the whole buffer already. */
static int
json_scan_string(struct json_scan *s)
{

	if (!json_scan_eat(s, '"'))
		return -1;
	while (s->p < s->end) {
		if (*s->p == '"') {
			s->p++;
			return 0;
		}
		if (*s->p < 0x20)
			return -1;
		if (*s->p++ == '\\' && json_scan_escape(s) == -1)
			return -1;
	}
	return -1;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
json_scan_number(struct json_scan *s)
{

	json_scan_eat(s, '-');
	if (!json_scan_eat(s, '0') && (s->p >= s->end || *s->p < '1' ||
	    *s->p > '9' || json_scan_digits(s) == -1))
		return -1;
	if (json_scan_eat(s, '.') && json_scan_digits(s) == -1)
		return -1;
	if (json_scan_eat(s, 'e') || json_scan_eat(s, 'E')) {
		if (!json_scan_eat(s, '+'))
			json_scan_eat(s, '-');
		if (json_scan_digits(s) == -1)
			return -1;
	}
	return 0;
}

static int
json_scan_literal(struct json_scan *s, const char *lit)
{
	size_t	 n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

/* An object or array, its opening bracket next; members or elements
 * separated by commas, none trailing. */
static int
json_scan_container(struct json_scan *s, unsigned char close)
{

	if (++s->depth > s->maxdepth)
		return -1;
	s->p++;
	json_scan_ws(s);
	if (json_scan_eat(s, close)) {
		s->depth--;
		return 0;
	}
	do {
		json_scan_ws(s);
		if (close == '}') {
			if (json_scan_string(s) == -1)
				return -1;
			json_scan_ws(s);
			if (!json_scan_eat(s, ':'))
				return -1;
			json_scan_ws(s);
		}
		if (json_scan_value(s) == -1)
			return -1;
		json_scan_ws(s);
	} while (json_scan_eat(s, ','));
	if (!json_scan_eat(s, close))
		return -1;
	s->depth--;
	return 0;
}

/* One value; recursion is bounded by maxdepth. */
static int
json_scan_value(struct json_scan *s)
{

	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '{':
		return json_scan_container(s, '}');
	case '[':
		return json_scan_container(s, ']');
	case '"':
		return json_scan_string(s);
	case 't':
		return json_scan_literal(s, "true");
	case 'f':
		return json_scan_literal(s, "false");
	case 'n':
		return json_scan_literal(s, "null");
	default:
		return json_scan_number(s);
	}
}

/*
 * The length of the well-formed sequence at p (RFC 3629 table 3-7), or
 * 0: a NUL, a stray continuation, an overlong form, a surrogate, a
 * code point above U+10FFFF or a sequence cut short by end.
 */
static size_t
json_utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char	 lo = 0x80, hi = 0xBF;
	size_t		 n, i;

	if (*p < 0x80)
		return *p != 0;
	if (*p >= 0xC2 && *p <= 0xDF)
		n = 2;
	else if (*p >= 0xE0 && *p <= 0xEF)
		n = 3;
	else if (*p >= 0xF0 && *p <= 0xF4)
		n = 4;
	else
		return 0;
	if (*p == 0xE0)
		lo = 0xA0;		/* overlong below U+0800 */
	else if (*p == 0xED)
		hi = 0x9F;		/* U+D800..U+DFFF */
	else if (*p == 0xF0)
		lo = 0x90;		/* overlong below U+10000 */
	else if (*p == 0xF4)
		hi = 0x8F;		/* above U+10FFFF */
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/*
 * Returns 1 when buf[0..len) is well-formed UTF-8 (RFC 3629: shortest
 * form, no surrogates, nothing above U+10FFFF) without a NUL byte.
 */
int
json_utf8_valid(const char *buf, size_t len)
{
	const unsigned char	*p, *end;
	size_t			 n;

	if (len == 0)
		return 1;
	p = (const unsigned char *)buf;
	end = p + len;
	while (p < end) {
		if ((n = json_utf8_seq(p, end)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Returns the number of code points in s, a NUL-terminated string
 * already known to be valid UTF-8: every byte but a continuation byte
 * starts one.
 */
size_t
json_utf8_len(const char *s)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

/* 0 when buf[0..len) is one RFC 8259 value within maxdepth, padded
 * only by white space; -1 otherwise. */
static int
json_scan_text(const char *buf, size_t len, int maxdepth)
{
	struct json_scan	 s;

	s.p = (const unsigned char *)buf;
	s.end = s.p + len;
	s.depth = 0;
	s.maxdepth = maxdepth;
	json_scan_ws(&s);
	if (json_scan_value(&s) == -1)
		return -1;
	json_scan_ws(&s);
	return s.p == s.end ? 0 : -1;
}

/*
 * Parses buf[0..len) as exactly one JSON value with at most maxdepth
 * nested objects and arrays, surrounded by nothing but JSON white
 * space. Duplicate object keys are allowed and the last one wins, as
 * with the Python stack's json module. E_OK with *out set (the caller
 * json_object_put()s it; NULL for a JSON null), or E_JSON with *out
 * untouched.
 */
enum err
json_parse(const char *buf, size_t len, int maxdepth,
    struct json_object **out)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	enum err		 e;

	assert(maxdepth >= 0);
	if (buf == NULL || len > INT_MAX || !json_utf8_valid(buf, len) ||
	    json_scan_text(buf, len, maxdepth) == -1)
		return E_JSON;

	/* json-c counts the outermost value as one level even if scalar. */
	if ((tok = json_tokener_new_ex(maxdepth > 0 ? maxdepth : 1)) == NULL)
		abort();		/* out of memory, as in xmalloc() */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* A bare number may go on in the next chunk; say there is none. */
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	/* json-c's null is a NULL object with no error. */
	e = json_tokener_get_error(tok) == json_tokener_success ? E_OK : E_JSON;
	json_tokener_free(tok);
	if (e != E_OK) {
		json_object_put(o);
		return e;
	}
	*out = o;
	return E_OK;
}

/*
 * As json_parse(), and the value must be an object: a request body.
 * E_OK with *out set (caller puts it), or E_JSON with *out untouched.
 */
enum err
json_parse_object(const char *buf, size_t len, int maxdepth,
    struct json_object **out)
{
	struct json_object	*o = NULL;

	if (json_parse(buf, len, maxdepth, &o) != E_OK)
		return E_JSON;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return E_JSON;
	}
	*out = o;
	return E_OK;
}

/*
 * Looks key up in the body: 1 and *v when present and not null, 0
 * when absent or null, -1 (invalid_json sent) when there is no body.
 */
static int
json_field(struct req *rq, const char *key, struct json_object **v)
{
	struct json_object	*o;

	if (rq->json == NULL) {
		reply_errmsg(rq, E_JSON, "request body must be a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(rq->json, key, &o) || o == NULL)
		return 0;
	*v = o;
	return 1;
}

/* The string getters' shared check; replies itself on failure. */
static enum err
json_str_check(struct req *rq, const char *key, struct json_object *v,
    size_t min, size_t max, const char **out)
{
	const char	*s;
	size_t		 n;

	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		n = json_utf8_len(s);
		if (n >= min && n <= max) {
			*out = s;
			return E_OK;
		}
	}
	reply_errmsg(rq, E_INVALID,
	    "field '%s' must be a string of %zu to %zu characters",
	    key, min, max);
	return E_INVALID;
}

/*
 * The string field key of the body, min to max code points long.
 * E_OK with *out borrowed from rq->json until request end; otherwise
 * the 400 naming the field has been sent and *out is untouched.
 */
enum err
need_str(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	struct json_object	*v;

	switch (json_field(rq, key, &v)) {
	case -1:
		return E_JSON;
	case 0:
		reply_errmsg(rq, E_INVALID, "field '%s' is required", key);
		return E_INVALID;
	default:
		return json_str_check(rq, key, v, min, max, out);
	}
}

/*
 * As need_str(), but an absent or null field is E_OK with *out left
 * as it was.
 */
enum err
opt_str(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	struct json_object	*v;

	switch (json_field(rq, key, &v)) {
	case -1:
		return E_JSON;
	case 0:
		return E_OK;
	default:
		return json_str_check(rq, key, v, min, max, out);
	}
}

/*
 * The optional boolean field key: E_OK with *out 0 or 1, or untouched
 * when absent or null; otherwise the 400 has been sent.
 */
enum err
opt_bool(struct req *rq, const char *key, int *out)
{
	struct json_object	*v;

	switch (json_field(rq, key, &v)) {
	case -1:
		return E_JSON;
	case 0:
		return E_OK;
	default:
		break;
	}
	if (!json_object_is_type(v, json_type_boolean)) {
		reply_errmsg(rq, E_INVALID, "field '%s' must be true or false",
		    key);
		return E_INVALID;
	}
	*out = json_object_get_boolean(v) ? 1 : 0;
	return E_OK;
}

/*
 * The integer field key in [min, max]; a number with a fraction or
 * exponent is not an integer. json-c saturates integers beyond 64
 * bits, so the two end values of int64 cannot be told from overflow
 * and are refused. E_OK with *out set; otherwise the 400 has been
 * sent and *out is untouched.
 */
enum err
need_int(struct req *rq, const char *key, long min, long max, long *out)
{
	struct json_object	*v;
	int64_t			 n;

	switch (json_field(rq, key, &v)) {
	case -1:
		return E_JSON;
	case 0:
		reply_errmsg(rq, E_INVALID, "field '%s' is required", key);
		return E_INVALID;
	default:
		break;
	}
	if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
		if (n != INT64_MIN && n != INT64_MAX && n >= min && n <= max) {
			*out = (long)n;
			return E_OK;
		}
	}
	reply_errmsg(rq, E_INVALID,
	    "field '%s' must be an integer from %ld to %ld", key, min, max);
	return E_INVALID;
}

/*
 * A new json string holding a copy of s, or json null for NULL. The
 * caller owns the result (usually by adding it to an object).
 */
struct json_object *
json_str_or_null(const char *s)
{

	return s == NULL ? NULL : json_object_new_string(s);
}
