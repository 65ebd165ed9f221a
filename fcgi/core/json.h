/*
 * Strict JSON input: UTF-8 validated, depth capped, object-only bodies,
 * and typed field access. need_*() and opt_*() reply 400 naming the
 * field themselves and return non-E_OK; the caller just returns.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <json-c/json.h>

#include "err.h"

struct req;

/* 1 when buf[0..len) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF) and holds no NUL byte. */
int		 json_utf8_valid(const char *buf, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t		 json_utf8_len(const char *s);
/* Parses buf as one JSON value, nothing after it but white space, with
 * depth <= maxdepth. E_OK and *out (caller puts it) or E_JSON. */
enum err	 json_parse(const char *buf, size_t len, int maxdepth,
		    struct json_object **out);
/* As json_parse, and the value must be an object (E_JSON otherwise). */
enum err	 json_parse_object(const char *buf, size_t len, int maxdepth,
		    struct json_object **out);

/*
 * What a string must be, wherever it comes from: a body field, a query
 * parameter (req.c) or a path argument (route.c). min and max count
 * code points. charset, when not NULL, lists the bytes allowed as the
 * inside of a bracket expression ("A-Za-z0-9._:-": ranges and single
 * characters, a '-' last is itself); it is ASCII, so a string that
 * fits it is ASCII too.
 */
struct strspec {
	size_t		 min;
	size_t		 max;
	const char	*charset;	/* NULL: any UTF-8 */
	unsigned	 flags;		/* STR_* */
};

#define STR_NOTBLANK	0x1u	/* not only white space (API.md §4 message) */

/* API.md §4: ticket ids, and so conversation, message and run ids. */
#define CHARSET_ID	"A-Za-z0-9._:-"

/* 1 when s[0..len) is valid UTF-8 without NUL and fits sp. */
int		 json_str_ok(const struct strspec *sp, const char *s,
		    size_t len);
/* What sp asks for, for a 400 message: "1 to 128 characters of
 * [A-Za-z0-9._:-]"; always NUL-terminated, cut to sz. */
void		 json_str_expect(const struct strspec *sp, char *buf,
		    size_t sz);

/* Where a field was found by a getter that tells absent from null. */
enum json_has {
	JSON_ABSENT,		/* no such key in the body */
	JSON_NULL,		/* "key": null */
	JSON_VALUE,		/* a value that passed the getter's checks */
	JSON_HAS__MAX
};

/*
 * Field getters on rq->json (API.md §2). Each replies itself on
 * failure and returns non-E_OK: E_JSON (400 invalid_json) when there
 * is no body, E_INVALID (400 invalid_request naming the field) when it
 * is missing, of the wrong type or out of range; *out is then
 * untouched. need_* refuse an absent or null field. opt_* leave *out
 * untouched when it is absent or null, unless they say otherwise.
 * Strings are borrowed from rq->json until request end; min and max
 * count code points.
 */
enum err	 need_str(struct req *, const char *key, size_t min,
		    size_t max, const char **out);
enum err	 opt_str(struct req *, const char *key, size_t min,
		    size_t max, const char **out);
/* As need_str, and not only white space (Python's str.isspace()). */
enum err	 need_text(struct req *, const char *key, size_t min,
		    size_t max, const char **out);
/* 1 to ID_MAX characters of CHARSET_ID: ticket and conversation ids. */
enum err	 need_id(struct req *, const char *key, const char **out);
enum err	 opt_id(struct req *, const char *key, const char **out);
/* Strings under any strspec; sp is borrowed for the call only. */
enum err	 need_str_spec(struct req *, const char *key,
		    const struct strspec *sp, const char **out);
enum err	 opt_str_spec(struct req *, const char *key,
		    const struct strspec *sp, const char **out);
/* Tri-state: E_OK sets *has; *out only for JSON_VALUE. */
enum err	 opt_str_null(struct req *, const char *key,
		    const struct strspec *sp, enum json_has *has,
		    const char **out);

enum err	 need_bool(struct req *, const char *key, int *out);
enum err	 opt_bool(struct req *, const char *key, int *out);
/* Integers in [min, max]; 5.0 and 1e1 are not integers. */
enum err	 need_int(struct req *, const char *key, long min, long max,
		    long *out);
enum err	 opt_int(struct req *, const char *key, long min, long max,
		    long *out);
/*
 * A string that is one of names[] (NULL-terminated, indexed by the
 * caller's enum): *out is its index. With nullok a null is allowed
 * and sets *out to the index of the terminating NULL, the enum's __MAX
 * sentinel, so that json_str_or_null(names[*out]) gives the null back.
 */
enum err	 need_enum(struct req *, const char *key,
		    const char *const *names, int nullok, int *out);
enum err	 opt_enum(struct req *, const char *key,
		    const char *const *names, int nullok, int *out);

/* A json string built from a possibly NULL C string (NULL -> null). */
struct json_object *json_str_or_null(const char *);
/* Member k of object o when it is a string, else NULL (o may be NULL). */
const char	*json_member_str(struct json_object *o, const char *k);

/*
 * A value json-c writes by calling print(o, pb, level, flags), which
 * reads arg with json_object_get_userdata(o): for the views of many
 * rows, where a json-c object per row costs an allocation per member.
 * The value is only ever written; its json-c type means nothing. arg
 * must outlive the value; drop(o, arg), when not NULL, runs when the
 * value is put.
 */
struct json_object *json_printed(json_object_to_json_string_fn *print,
		    void *arg, json_object_delete_fn *drop);
/* Appends s as json-c writes a string value with these flags (only
 * JSON_C_TO_STRING_NOSLASHESCAPE matters), or null for NULL. */
void		 json_print_str(struct printbuf *pb, int flags,
		    const char *s);

#endif
