/*
 * libFuzzer target for json.c: any bytes go through json_utf8_valid()
 * and json_parse_object() at the request depth limit. An accepted body
 * must be valid UTF-8 with only NUL-free, valid strings inside, and
 * must parse again from its own serialisation. Then every field getter
 * runs on its keys (and on one it lacks): each either passes a value
 * that fits its rule, or has sent the 400 it returns, never both.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "fz_req.h"

#define FZ_KEYS_MAX	8	/* keys of a body the getters are run on */
#define FZ_KEY_LEN_MAX	32	/* longer keys are skipped */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct strspec	fz_text = { 1, 16, NULL, STR_NOTBLANK };
static const struct strspec	fz_id = { 1, ID_MAX, CHARSET_ID, 0 };
static const char *const	fz_names[] = { "like", "dislike", "", NULL };
static struct fz_sink		fz_sink;
static int			fz_ready;

/* Every string and key in o is UTF-8 without NUL; returns the depth. */
static int
fz_walk(struct json_object *o)
{
	struct json_object_iterator	 it, end;
	const char			*s;
	size_t				 i, n;
	int				 d, max = 0;

	switch (json_object_get_type(o)) {
	case json_type_string:
		s = json_object_get_string(o);
		n = (size_t)json_object_get_string_len(o);
		FZ_CHECK(strlen(s) == n && json_utf8_valid(s, n));
		FZ_CHECK(json_utf8_len(s) <= n);
		return 0;
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++)
			if ((d = fz_walk(json_object_array_get_idx(o, i))) >
			    max)
				max = d;
		return max + 1;
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			s = json_object_iter_peek_name(&it);
			FZ_CHECK(json_utf8_valid(s, strlen(s)));
			if ((d = fz_walk(json_object_iter_peek_value(&it))) >
			    max)
				max = d;
		}
		return max + 1;
	default:
		return 0;
	}
}

/* The string getters on key: a passed value fits its rule. */
static void
fz_strings(struct json_object *o, const char *key)
{
	struct req	 rq;
	enum json_has	 has = JSON_HAS__MAX;
	const char	*s;
	enum err	 e;

	s = NULL;
	fz_req(&fz_sink, &rq, "", o);
	e = need_text(&rq, key, 1, 16, &s);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK((e == E_OK) == (s != NULL));
	FZ_CHECK(s == NULL || json_str_ok(&fz_text, s, strlen(s)));
	s = NULL;
	fz_req(&fz_sink, &rq, "", o);
	e = opt_id(&rq, key, &s);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK(s == NULL || (e == E_OK && json_str_ok(&fz_id, s,
	    strlen(s))));
	s = NULL;
	fz_req(&fz_sink, &rq, "", o);
	e = opt_str_null(&rq, key, &fz_text, &has, &s);
	fz_check_reply(&fz_sink, &rq, e);
	if (e == E_OK) {
		FZ_CHECK(has < JSON_HAS__MAX);
		FZ_CHECK((has == JSON_VALUE) == (s != NULL));
		FZ_CHECK((has == JSON_ABSENT) ==
		    !json_object_object_get_ex(o, key, NULL));
	} else
		FZ_CHECK(has == JSON_HAS__MAX && s == NULL);
}

/* Booleans, integers, enums on key: in range, or untouched. */
static void
fz_numbers(struct json_object *o, const char *key)
{
	struct req	 rq;
	long		 n = LONG_MIN;
	int		 b = -1, i = -1;
	enum err	 e;

	fz_req(&fz_sink, &rq, "", o);
	e = need_bool(&rq, key, &b);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK(e == E_OK ? b == 0 || b == 1 : b == -1);
	fz_req(&fz_sink, &rq, "", o);
	e = opt_int(&rq, key, -1000, 1000, &n);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK(n == LONG_MIN || (e == E_OK && n >= -1000 && n <= 1000));
	fz_req(&fz_sink, &rq, "", o);
	e = need_int(&rq, key, LONG_MIN + 1, LONG_MAX - 1, &n);
	fz_check_reply(&fz_sink, &rq, e);
	fz_req(&fz_sink, &rq, "", o);
	e = need_enum(&rq, key, fz_names, 1, &i);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK(e == E_OK ? i >= 0 && i <= 3 : i == -1);
	i = -1;
	fz_req(&fz_sink, &rq, "", o);
	e = opt_enum(&rq, key, fz_names, 0, &i);
	fz_check_reply(&fz_sink, &rq, e);
	FZ_CHECK(i >= -1 && i < 3);
}

/* Every getter on the body's first keys, one absent key, no body. */
static void
fz_getters(struct json_object *o)
{
	struct json_object_iterator	 it, end;
	struct req			 rq;
	const char			*key, *s = NULL;
	int				 k = 0;

	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end) && k < FZ_KEYS_MAX;
	    json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		if (strlen(key) > FZ_KEY_LEN_MAX)
			continue;
		fz_strings(o, key);
		fz_numbers(o, key);
		k++;
	}
	fz_strings(o, "fz-absent\x01");
	fz_numbers(o, "fz-absent\x01");
	fz_req(&fz_sink, &rq, "", NULL);
	FZ_CHECK(opt_str(&rq, "a", 0, 1, &s) == E_JSON && s == NULL);
	fz_check_reply(&fz_sink, &rq, E_JSON);
	arena_reset(&fz_sink.a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o = NULL, *again = NULL;
	const char		*buf = (const char *)data;
	const char		*text;
	int			 valid;

	valid = json_utf8_valid(buf, size);
	if (json_parse_object(buf, size, JSON_DEPTH_MAX, &o) != E_OK) {
		FZ_CHECK(o == NULL);
		return 0;
	}
	FZ_CHECK(valid);
	FZ_CHECK(json_object_is_type(o, json_type_object));
	FZ_CHECK(fz_walk(o) <= JSON_DEPTH_MAX);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	FZ_CHECK(json_parse_object(text, strlen(text), JSON_DEPTH_MAX,
	    &again) == E_OK);
	FZ_CHECK(json_object_equal(o, again));
	json_object_put(again);
	if (!fz_ready) {
		fz_sink_init(&fz_sink);
		fz_ready = 1;
	}
	fz_getters(o);
	json_object_put(o);
	return 0;
}
