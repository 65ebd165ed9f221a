/*
 * libFuzzer target for json.c: any bytes go through json_utf8_valid()
 * and json_parse_object() at the request depth limit. An accepted body
 * must be valid UTF-8 with only NUL-free, valid strings inside, and
 * must parse again from its own serialisation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"

#define FZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fz_json: check failed: %s\n", #c);	\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	json_object_put(o);
	return 0;
}
