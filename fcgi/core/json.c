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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "caps.h"
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

/* The types a getter asks for (json_get()). */
enum json_type_want {
	JT_STR,				/* const char *, under a strspec */
	JT_INT,				/* long in [min, max] */
	JT_BOOL,			/* int 0 or 1 */
	JT_ENUM,			/* int, an index into names */
	JT__MAX
};

#define JF_NEED		0x1u	/* absent, or null without JF_NULL: 400 */
#define JF_NULL		0x2u	/* null is a state of its own */

/* One getter's contract: the field, its type, presence and bounds. */
struct json_field {
	const char		*key;
	enum json_type_want	 type;
	unsigned		 flags;		/* JF_* */
	long			 min, max;	/* JT_INT, inclusive */
	const struct strspec	*str;		/* JT_STR */
	const char *const	*names;		/* JT_ENUM, NULL-terminated */
};

/* White space as Python's str.isspace() has it: the chat message rule
 * "not only white space" (API.md §4) must agree with the original. */
static const struct {
	unsigned	 lo, hi;
} json_spaces[] = {
	{ 0x09, 0x0D }, { 0x1C, 0x20 }, { 0x85, 0x85 }, { 0xA0, 0xA0 },
	{ 0x1680, 0x1680 }, { 0x2000, 0x200A }, { 0x2028, 0x2029 },
	{ 0x202F, 0x202F }, { 0x205F, 0x205F }, { 0x3000, 0x3000 },
};

/* need_id(), opt_id(): what route.c's "id" kind is for a path. */
static const struct strspec	json_id_spec = { 1, ID_MAX, CHARSET_ID, 0 };

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

/* The number of code points in the valid UTF-8 s[0..len): every byte
 * but a continuation byte starts one. */
static size_t
json_utf8_count(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n = 0;

	for (i = 0; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Returns the number of code points in s, a NUL-terminated string
 * already known to be valid UTF-8.
 */
size_t
json_utf8_len(const char *s)
{

	return json_utf8_count(s, strlen(s));
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
 * The tokener every parse uses, reset for each: a new one is five
 * allocations and frees, and every request parses at least a token's
 * header and claims. The depth a caller asks for is json_scan_text()'s
 * to enforce; json-c's own limit only has to be no lower, so the
 * tokener is made again only for a deeper one. A process has one
 * thread that parses.
 */
static struct json_tokener *
json_tokener_ready(int maxdepth)
{
	static struct json_tokener	*tok;
	static int			 depth;

	/* json-c counts the outermost value as one level even if scalar. */
	if (maxdepth < 1)
		maxdepth = 1;
	if (tok != NULL && maxdepth <= depth) {
		json_tokener_reset(tok);
		return tok;
	}
	if (tok != NULL)
		json_tokener_free(tok);
	if ((tok = json_tokener_new_ex(maxdepth)) == NULL)
		abort();		/* out of memory, as in xmalloc() */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	depth = maxdepth;
	return tok;
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

	tok = json_tokener_ready(maxdepth);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* A bare number may go on in the next chunk; say there is none. */
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	/* json-c's null is a NULL object with no error. */
	e = json_tokener_get_error(tok) == json_tokener_success ? E_OK : E_JSON;
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

/* 1 when c is in set, a bracket expression's inside (see json.h). */
static int
json_charset_has(const char *set, unsigned char c)
{

	for (; *set != '\0'; set++) {
		if (set[1] == '-' && set[2] != '\0') {
			if (c >= (unsigned char)set[0] &&
			    c <= (unsigned char)set[2])
				return 1;
			set += 2;
		} else if ((unsigned char)*set == c)
			return 1;
	}
	return 0;
}

/* 1 when the valid UTF-8 s[0..len) is only white space, as Python's
 * str.isspace() has it (so "".isspace() is 1 here, unlike Python). */
static int
json_blank(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len;
	size_t			 n, i;
	unsigned		 cp;

	for (; p < end; p += n) {
		n = json_utf8_seq(p, end);
		cp = n == 1 ? *p : *p & (0xFF >> (n + 1));
		for (i = 1; i < n; i++)
			cp = cp << 6 | (p[i] & 0x3F);
		for (i = 0; i < sizeof(json_spaces) / sizeof(json_spaces[0]);
		    i++)
			if (cp >= json_spaces[i].lo && cp <= json_spaces[i].hi)
				break;
		if (i == sizeof(json_spaces) / sizeof(json_spaces[0]))
			return 0;
	}
	return 1;
}

/*
 * Returns 1 when s[0..len) is valid UTF-8 without a NUL byte and fits
 * sp: code point count, charset, STR_NOTBLANK. 0 otherwise.
 */
int
json_str_ok(const struct strspec *sp, const char *s, size_t len)
{
	size_t	 n, i;

	if (!json_utf8_valid(s, len))
		return 0;
	n = json_utf8_count(s, len);
	if (n < sp->min || n > sp->max)
		return 0;
	if (sp->charset != NULL)
		for (i = 0; i < len; i++)
			if (!json_charset_has(sp->charset, (unsigned char)s[i]))
				return 0;
	return !(sp->flags & STR_NOTBLANK) || !json_blank(s, len);
}

/*
 * Writes what sp asks for into buf ("1 to 128 characters of
 * [A-Za-z0-9._:-]", ", not only white space"), cut to sz bytes.
 */
void
json_str_expect(const struct strspec *sp, char *buf, size_t sz)
{

	snprintf(buf, sz, "%zu to %zu characters%s%s%s%s", sp->min, sp->max,
	    sp->charset != NULL ? " of [" : "",
	    sp->charset != NULL ? sp->charset : "",
	    sp->charset != NULL ? "]" : "",
	    sp->flags & STR_NOTBLANK ? ", not only white space" : "");
}

/* The index of s in the NULL-terminated names, or -1. */
static int
json_enum_find(const char *const *names, const char *s)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/*
 * Checks v, a non-null value, against f and stores it at out as
 * f->type says (const char *, long, int, int). 0, or -1 when it does
 * not fit and out is untouched. json-c saturates integers beyond 64
 * bits, so the two end values of int64 cannot be told from overflow
 * and are refused.
 */
static int
json_take(const struct json_field *f, struct json_object *v, void *out)
{
	int64_t	 n;
	int	 i;

	switch (f->type) {
	case JT_STR:
		if (!json_object_is_type(v, json_type_string) ||
		    !json_str_ok(f->str, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v)))
			return -1;
		*(const char **)out = json_object_get_string(v);
		return 0;
	case JT_INT:
		if (!json_object_is_type(v, json_type_int))
			return -1;
		n = json_object_get_int64(v);
		if (n == INT64_MIN || n == INT64_MAX || n < f->min ||
		    n > f->max)
			return -1;
		*(long *)out = (long)n;
		return 0;
	case JT_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return -1;
		*(int *)out = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	default:
		assert(f->type == JT_ENUM);
		if (!json_object_is_type(v, json_type_string) ||
		    (i = json_enum_find(f->names,
		    json_object_get_string(v))) == -1)
			return -1;
		*(int *)out = i;
		return 0;
	}
}

/* What f asks for, for "field 'x' must be ...", cut to sz. */
static void
json_expect(const struct json_field *f, char *buf, size_t sz)
{
	size_t	 n = 0;
	int	 i;

	switch (f->type) {
	case JT_STR:
		n = (size_t)snprintf(buf, sz, "a string of ");
		if (n < sz)
			json_str_expect(f->str, buf + n, sz - n);
		return;
	case JT_INT:
		snprintf(buf, sz, "an integer from %ld to %ld", f->min, f->max);
		return;
	case JT_BOOL:
		snprintf(buf, sz, "true or false");
		return;
	default:
		for (i = 0; f->names[i] != NULL && n < sz; i++)
			n += (size_t)snprintf(buf + n, sz - n, "%s\"%s\"",
			    i == 0 ? "one of " : ", ", f->names[i]);
		if (n < sz && (f->flags & JF_NULL))
			snprintf(buf + n, sz - n, " or null");
	}
}

/*
 * The one lookup under every getter: finds f->key in the body and
 * classifies it as absent, null, a value that fits f (stored at out),
 * or a value that does not. A null counts as absent unless JF_NULL.
 * E_OK with *has set (when has is not NULL); otherwise the 400 has
 * been sent (invalid_json without a body, invalid_request naming the
 * field) and out and *has are untouched.
 */
static enum err
json_get(struct req *rq, const struct json_field *f, enum json_has *has,
    void *out)
{
	struct json_object	*v;
	enum json_has		 h;
	char			 want[JSON_EXPECT_MAX];

	if (rq->json == NULL) {
		reply_errmsg(rq, E_JSON, "request body must be a JSON object");
		return E_JSON;
	}
	if (!json_object_object_get_ex(rq->json, f->key, &v))
		h = JSON_ABSENT;
	else if (v == NULL)
		h = (f->flags & JF_NULL) ? JSON_NULL : JSON_ABSENT;
	else if (json_take(f, v, out) == 0)
		h = JSON_VALUE;
	else {
		json_expect(f, want, sizeof(want));
		reply_errmsg(rq, E_INVALID, "field '%s' must be %s", f->key,
		    want);
		return E_INVALID;
	}
	if (h == JSON_ABSENT && (f->flags & JF_NEED)) {
		reply_errmsg(rq, E_INVALID, "field '%s' is required", f->key);
		return E_INVALID;
	}
	if (has != NULL)
		*has = h;
	return E_OK;
}

/*
 * The typed getters (json.h): each states its contract as a
 * json_field and lets json_get() do the rest; results are borrowed
 * from rq->json until request end.
 */

/* The string field key, min..max code points; absent or null: 400. */
enum err
need_str(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	const struct strspec	 sp = { min, max, NULL, 0 };

	return need_str_spec(rq, key, &sp, out);
}

/* As need_str(); absent or null leaves *out as it was. */
enum err
opt_str(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	const struct strspec	 sp = { min, max, NULL, 0 };

	return opt_str_spec(rq, key, &sp, out);
}

/* As need_str(), and not only white space (the chat message). */
enum err
need_text(struct req *rq, const char *key, size_t min, size_t max,
    const char **out)
{
	const struct strspec	 sp = { min, max, NULL, STR_NOTBLANK };

	return need_str_spec(rq, key, &sp, out);
}

/* 1..ID_MAX of CHARSET_ID (API.md §4 ticket and conversation ids). */
enum err
need_id(struct req *rq, const char *key, const char **out)
{

	return need_str_spec(rq, key, &json_id_spec, out);
}

/* As need_id(); absent or null leaves *out as it was. */
enum err
opt_id(struct req *rq, const char *key, const char **out)
{

	return opt_str_spec(rq, key, &json_id_spec, out);
}

/* The string field key under sp; absent or null: 400. */
enum err
need_str_spec(struct req *rq, const char *key, const struct strspec *sp,
    const char **out)
{
	const struct json_field	 f = { key, JT_STR, JF_NEED, 0, 0, sp, NULL };

	return json_get(rq, &f, NULL, out);
}

/* As need_str_spec(); absent or null leaves *out as it was. */
enum err
opt_str_spec(struct req *rq, const char *key, const struct strspec *sp,
    const char **out)
{
	const struct json_field	 f = { key, JT_STR, 0, 0, 0, sp, NULL };

	return json_get(rq, &f, NULL, out);
}

/* The string field key under sp, *has telling absent, null, value. */
enum err
opt_str_null(struct req *rq, const char *key, const struct strspec *sp,
    enum json_has *has, const char **out)
{
	const struct json_field	 f = { key, JT_STR, JF_NULL, 0, 0, sp, NULL };

	return json_get(rq, &f, has, out);
}

/* The boolean field key as 0 or 1; absent or null: 400. */
enum err
need_bool(struct req *rq, const char *key, int *out)
{
	const struct json_field	 f = { key, JT_BOOL, JF_NEED, 0, 0, NULL,
				    NULL };

	return json_get(rq, &f, NULL, out);
}

/* As need_bool(); absent or null leaves *out as it was. */
enum err
opt_bool(struct req *rq, const char *key, int *out)
{
	const struct json_field	 f = { key, JT_BOOL, 0, 0, 0, NULL, NULL };

	return json_get(rq, &f, NULL, out);
}

/* The integer field key in [min, max]; absent or null: 400. */
enum err
need_int(struct req *rq, const char *key, long min, long max, long *out)
{
	const struct json_field	 f = { key, JT_INT, JF_NEED, min, max, NULL,
				    NULL };

	return json_get(rq, &f, NULL, out);
}

/* As need_int(); absent or null leaves *out as it was. */
enum err
opt_int(struct req *rq, const char *key, long min, long max, long *out)
{
	const struct json_field	 f = { key, JT_INT, 0, min, max, NULL, NULL };

	return json_get(rq, &f, NULL, out);
}

/* need_enum() and opt_enum(): flags say which. A null, when allowed,
 * is the index of the names' NULL terminator. */
static enum err
json_enum(struct req *rq, const char *key, const char *const *names,
    unsigned flags, int *out)
{
	const struct json_field	 f = { key, JT_ENUM, flags, 0, 0, NULL,
				    names };
	enum json_has		 has;
	enum err		 e;
	int			 n;

	if ((e = json_get(rq, &f, &has, out)) != E_OK || has != JSON_NULL)
		return e;
	for (n = 0; names[n] != NULL; n++)
		continue;
	*out = n;
	return E_OK;
}

/* The index in names of the string field key; absent: 400. */
enum err
need_enum(struct req *rq, const char *key, const char *const *names,
    int nullok, int *out)
{

	return json_enum(rq, key, names, JF_NEED | (nullok ? JF_NULL : 0),
	    out);
}

/* As need_enum(); absent (or null without nullok): *out as it was. */
enum err
opt_enum(struct req *rq, const char *key, const char *const *names,
    int nullok, int *out)
{

	return json_enum(rq, key, names, nullok ? JF_NULL : 0, out);
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

const char *
json_member_str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return o != NULL && json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

struct json_object *
json_printed(json_object_to_json_string_fn *print, void *arg,
    json_object_delete_fn *drop)
{
	struct json_object	*o;

	/* The smallest json-c value: one allocation. */
	if ((o = json_object_new_boolean(0)) == NULL)
		abort();		/* out of memory, as in xmalloc() */
	json_object_set_serializer(o, print, arg, drop);
	return o;
}

/* The bytes json_str_esc() may escape, and the string's end: every
 * control byte, '"', '\\' and '/'. */
static const unsigned char json_str_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1,
	[0x05] = 1, [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1,
	[0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 1,
};

/* The escape json-c writes for byte c of a string, or NULL for c as
 * it is; u holds a \u00XX one. */
static const char *
json_str_esc(unsigned char c, int flags, char u[7])
{
	static const char	hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '/':
		return flags & JSON_C_TO_STRING_NOSLASHESCAPE ? NULL : "\\/";
	}
	if (c >= 0x20)
		return NULL;
	snprintf(u, 7, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
	return u;
}

/*
 * json-c's own string writer is not exported. This one escapes the same
 * bytes the same way (t_json compares the two), so a printed view reads
 * exactly as the json-c object it replaces.
 */
void
json_print_str(struct printbuf *pb, int flags, const char *s)
{
	const char	*run, *esc;
	char		 u[7];

	if (s == NULL) {
		printbuf_strappend(pb, "null");
		return;
	}
	printbuf_strappend(pb, "\"");
	for (run = s;; s++) {
		/* A conversation's body is mostly text that needs no escape:
		 * skip it a table lookup a byte, not a call. */
		while (!json_str_special[(unsigned char)*s])
			s++;
		if (*s == '\0')
			break;
		if ((esc = json_str_esc((unsigned char)*s, flags, u)) == NULL)
			continue;
		if (s > run)
			printbuf_memappend(pb, run, (int)(s - run));
		printbuf_memappend(pb, esc, (int)strlen(esc));
		run = s + 1;
	}
	if (s > run)
		printbuf_memappend(pb, run, (int)(s - run));
	printbuf_strappend(pb, "\"");
}
