/*
 * Strict JSON input: UTF-8 validated, depth capped, object-only bodies,
 * and typed field access. need_*() reply 400 invalid_request naming
 * the field themselves and return non-E_OK; the caller just returns.
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

/* Field getters on rq->json. Strings are borrowed until request end.
 * min/max count code points. Optional forms leave *out untouched when
 * the field is absent or null. */
enum err	 need_str(struct req *, const char *key, size_t min,
		    size_t max, const char **out);
enum err	 opt_str(struct req *, const char *key, size_t min,
		    size_t max, const char **out);
enum err	 opt_bool(struct req *, const char *key, int *out);
enum err	 need_int(struct req *, const char *key, long min, long max,
		    long *out);

/* A json string built from a possibly NULL C string (NULL -> null). */
struct json_object *json_str_or_null(const char *);

#endif
