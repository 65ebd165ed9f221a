/*
 * Unit tests for json.c: tables of good and bad bodies (grammar,
 * UTF-8, depth, NUL), code point counting, string rules, and every
 * field getter (with req.c's query getters) answering a real FastCGI
 * request through tests/lib/tfcgi.c.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "t.h"
#include "tfcgi.h"
#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "core/req.h"
#include "core/route.h"

/* An input with its length, so that NUL bytes can be part of it. */
struct tcase {
	const char	*in;
	size_t		 len;
};

#define TC(s)	{ (s), sizeof(s) - 1 }

/* Valid JSON texts of any type (json_parse). */
static const struct tcase good[] = {
	TC("{}"), TC(" {} "), TC("\n{\"a\":[1,2,{\"b\":null}]}\r\n\t"),
	TC("[]"), TC("0"), TC("-0"), TC("12 "), TC("1.5e-3"), TC("1E+2"),
	TC("-0.0e0"), TC("1e400"), TC("true"), TC("false"), TC("null"),
	TC("\"\""), TC("\"\\u00e9\""), TC("\"\\ud83d\\ude00\""),
	TC("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), TC("\"\xc3\xa9\""),
	TC("{\"a\" : [ ] , \"b\":{ }}"), TC("[[],[[]],{}]"),
	TC("{\"\\u00e9\":\"\\uFFFF\"}"), TC("\"\xf4\x8f\xbf\xbf\""),
	TC("{\"a\":1,\"a\":2}"),
};

/* Not JSON, not UTF-8, or holding what a C string cannot. */
static const struct tcase bad[] = {
	TC(""), TC(" "), TC("\r\n"), TC("{}x"), TC("{} {}"), TC("{}}"),
	TC("{"), TC("}"), TC("["), TC("[1,]"), TC("{\"a\":1,}"),
	TC("[,1]"), TC("[1 2]"), TC("{\"a\"1}"), TC("{a:1}"), TC("{1:1}"),
	TC("{\"a\":}"), TC("{\"a\"}"), TC("{,}"),
	TC("01"), TC("-01"), TC("00"), TC("1."), TC(".5"), TC("1e"),
	TC("1e+"), TC("+1"), TC("-"), TC("0x10"), TC("1.5.2"), TC("--1"),
	TC("NaN"), TC("Infinity"), TC("-Infinity"), TC("nan"),
	TC("TRUE"), TC("True"), TC("nul"), TC("nulll"), TC("tru"),
	TC("'a'"), TC("\"abc"), TC("\"\\\""), TC("\"\\x\""), TC("\"\\'\""),
	TC("\"\\u12\""), TC("\"\\u12g4\""), TC("\"\\U0041\""),
	TC("/* c */{}"), TC("{}//x"), TC("# c\n{}"),
	TC("\"a\tb\""), TC("\"a\nb\""), TC("\"\x01\""), TC("\"\x1f\""),
	TC("\"\\u0000\""), TC("{\"a\\u0000b\":1}"), TC("[\"\\u0000\"]"),
	TC("\"\\ud800\""), TC("\"\\udc00\""), TC("\"\\ud800x\""),
	TC("\"\\ud800\\u0041\""), TC("\"\\ud800\\ud800\""),
	TC("\"\\ude00\\ud83d\""),
	TC("\xef\xbb\xbf{}"), TC("{}\f"), TC("\f{}"), TC("{}\v"),
	TC("{\"a\":\"b\0c\"}"), TC("{}\0"), TC("\0{}"),
	TC("{\"a\":\"\xc0\xaf\"}"), TC("{\"a\":\"\xed\xa0\x80\"}"),
	TC("{\"a\":\"\xf4\x90\x80\x80\"}"), TC("{\"a\":\"\xc3\"}"),
	TC("{\"a\":\"\x80\"}"), TC("{\"\xff\":1}"), TC("\xe2\x82"),
};

/* Well-formed UTF-8 (json_utf8_valid). */
static const struct tcase utf8_good[] = {
	TC(""), TC("abc"), TC("\x7f"), TC("\xc2\x80"), TC("\xc3\xa9"),
	TC("\xdf\xbf"), TC("\xe0\xa0\x80"), TC("\xe2\x82\xac"),
	TC("\xed\x9f\xbf"), TC("\xee\x80\x80"), TC("\xef\xbf\xbf"),
	TC("\xf0\x90\x80\x80"), TC("\xf0\x9f\x98\x80"),
	TC("\xf4\x8f\xbf\xbf"), TC("a\xc3\xa9z\xf0\x9f\x98\x80"),
};

static const struct tcase utf8_bad[] = {
	TC("\0"), TC("a\0b"), TC("abc\0"),
	TC("\xc0\xaf"), TC("\xc1\xbf"), TC("\xc0\x80"),	/* overlong */
	TC("\xe0\x80\xaf"), TC("\xe0\x9f\xbf"),
	TC("\xf0\x80\x80\xaf"), TC("\xf0\x8f\xbf\xbf"),
	TC("\xed\xa0\x80"), TC("\xed\xbf\xbf"),		/* surrogates */
	TC("\xed\xa0\xbd\xed\xb8\x80"),
	TC("\xf4\x90\x80\x80"), TC("\xf5\x80\x80\x80"),	/* > U+10FFFF */
	TC("\xf7\xbf\xbf\xbf"), TC("\xf8\x88\x80\x80\x80"),
	TC("\xfe"), TC("\xff"),
	TC("\xc3"), TC("\xe2\x82"), TC("\xf0\x9f\x98"),	/* truncated */
	TC("a\xc3"), TC("\xf0\x9f"),
	TC("\x80"), TC("\xbf"), TC("a\x80" "b"), TC("\xc3\xa9\xa9"),
	TC("\xc3\x41"), TC("\xe2\x28\xa1"), TC("\xe2\x82\x28"),
	TC("\xf0\x9f\x98\x28"), TC("\xc3\xc3\xa9"),
};

/* Code points per string (json_utf8_len). */
static const struct {
	const char	*s;
	size_t		 n;
} lens[] = {
	{ "", 0 }, { "abc", 3 }, { "\xc3\xa9", 1 }, { "h\xc3\xa9llo", 5 },
	{ "\xe2\x82\xac", 1 }, { "\xf0\x9f\x98\x80", 1 },
	{ "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 2 },	/* thumbs + tone */
	{ "e\xcc\x81", 2 },				/* e + combining */
	{ "\xf4\x8f\xbf\xbf\x7f", 2 },
};

static void
t_parse_tables(void)
{
	struct json_object	*o;
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o = NULL;
		if (json_parse(good[i].in, good[i].len, JSON_DEPTH_MAX,
		    &o) != E_OK)
			T_FAIL("good[%zu] rejected: %s", i, good[i].in);
		json_object_put(o);
	}
	T_PASS("json-good-table");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = (struct json_object *)&o;
		if (json_parse(bad[i].in, bad[i].len, JSON_DEPTH_MAX, &o) !=
		    E_JSON)
			T_FAIL("bad[%zu] accepted: %s", i, bad[i].in);
		if (o != (struct json_object *)&o)
			T_FAIL("bad[%zu] touched *out", i);
	}
	T_PASS("json-bad-table");
	T_EQ(json_parse(NULL, 0, JSON_DEPTH_MAX, &o), E_JSON);
	T_PASS("json-null-buffer");
}

static void
t_utf8_tables(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(utf8_good) / sizeof(utf8_good[0]); i++)
		if (!json_utf8_valid(utf8_good[i].in, utf8_good[i].len))
			T_FAIL("utf8_good[%zu] rejected", i);
	T_PASS("json-utf8-good");
	for (i = 0; i < sizeof(utf8_bad) / sizeof(utf8_bad[0]); i++)
		if (json_utf8_valid(utf8_bad[i].in, utf8_bad[i].len))
			T_FAIL("utf8_bad[%zu] accepted", i);
	T_PASS("json-utf8-bad");
	/* Only len bytes count: a bad byte just past the end is unseen. */
	T_OK(json_utf8_valid("ab\xff", 2));
	T_OK(!json_utf8_valid("ab\xff", 3));
	T_OK(!json_utf8_valid("\xc3\xa9", 1));
	T_PASS("json-utf8-len-bound");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (json_utf8_len(lens[i].s) != lens[i].n)
			T_FAIL("lens[%zu]: %zu != %zu", i,
			    json_utf8_len(lens[i].s), lens[i].n);
	T_PASS("json-utf8-count");
}

/* "[[[...]]]" or {"a":{"a":...}} nested n deep, in a malloc'd buffer. */
static char *
t_nest(int n, int obj, size_t *len)
{
	char	*b, *p;
	int	 i;

	p = b = malloc((size_t)n * 6 + 1);
	T_OK(b != NULL);
	for (i = 0; i < n; i++) {
		if (obj && i > 0) {
			memcpy(p, "\"a\":", 4);
			p += 4;
		}
		*p++ = obj ? '{' : '[';
	}
	for (i = 0; i < n; i++)
		*p++ = obj ? '}' : ']';
	*p = '\0';
	*len = (size_t)(p - b);
	return b;
}

static void
t_depth_one(int maxdepth, int obj)
{
	struct json_object	*o;
	char			*b;
	size_t			 len;

	b = t_nest(maxdepth, obj, &len);
	o = NULL;
	T_EQ(json_parse(b, len, maxdepth, &o), E_OK);
	T_OK(o != NULL);
	json_object_put(o);
	if (obj) {
		o = NULL;
		T_EQ(json_parse_object(b, len, maxdepth, &o), E_OK);
		json_object_put(o);
	}
	free(b);
	b = t_nest(maxdepth + 1, obj, &len);
	T_EQ(json_parse(b, len, maxdepth, &o), E_JSON);
	if (obj)
		T_EQ(json_parse_object(b, len, maxdepth, &o), E_JSON);
	free(b);
}

static void
t_depth(void)
{
	struct json_object	*o = NULL;
	char			*b;
	size_t			 len;
	int			 d;

	for (d = 1; d <= JSON_DEPTH_MAX; d++) {
		t_depth_one(d, 0);
		t_depth_one(d, 1);
	}
	T_PASS("json-depth-limit");
	/* A scalar needs no depth; a container needs one. */
	T_EQ(json_parse("7", 1, 0, &o), E_OK);
	json_object_put(o);
	T_EQ(json_parse("[]", 2, 0, &o), E_JSON);
	T_PASS("json-depth-zero");
	/* Far past the limit: refused without deep recursion. */
	b = t_nest(200000, 0, &len);
	T_EQ(json_parse(b, len, JSON_DEPTH_MAX, &o), E_JSON);
	free(b);
	T_PASS("json-depth-huge");
	/* Wide is not deep: many siblings at one level. */
	b = malloc(200000 * 3 + 3);
	T_OK(b != NULL);
	len = 0;
	b[len++] = '[';
	for (d = 0; d < 200000; d++) {
		memcpy(b + len, d ? ",[]" : "[]", d ? 3 : 2);
		len += d ? 3 : 2;
	}
	b[len++] = ']';
	o = NULL;
	T_EQ(json_parse(b, len, 2, &o), E_OK);
	T_EQ(json_object_array_length(o), 200000);
	json_object_put(o);
	free(b);
	T_PASS("json-wide");
}

/*
 * Parses share one tokener: each must start clean whatever came before
 * (a bare number that needed the closing chunk, a refused text, a
 * deeper or shallower limit).
 */
static void
t_parse_sequence(void)
{
	struct json_object	*o = NULL;
	char			*b;
	size_t			 len;

	T_EQ(json_parse("12", 2, 0, &o), E_OK);
	T_EQ(json_object_get_int(o), 12);
	json_object_put(o);
	T_EQ(json_parse("[3", 2, 1, &o), E_JSON);
	o = NULL;
	T_EQ(json_parse("[3]", 3, 1, &o), E_OK);
	T_EQ(json_object_array_length(o), 1);
	T_EQ(json_object_get_int(json_object_array_get_idx(o, 0)), 3);
	json_object_put(o);
	b = t_nest(JSON_DEPTH_MAX, 1, &len);
	T_EQ(json_parse(b, len, JSON_DEPTH_MAX, &o), E_OK);
	json_object_put(o);
	free(b);
	b = t_nest(2, 0, &len);
	T_EQ(json_parse(b, len, 1, &o), E_JSON);
	free(b);
	o = NULL;
	T_EQ(json_parse(" \"x\" ", 5, 0, &o), E_OK);
	T_OK(strcmp(json_object_get_string(o), "x") == 0);
	json_object_put(o);
	T_PASS("json-parses-in-sequence-start-clean");
}

/* What json-c writes for s as a string value, and what
 * json_print_str() writes, with these flags. */
static void
t_print_str_one(const char *s, int flags)
{
	struct json_object	*o = s != NULL ? json_object_new_string(s) : NULL;
	struct printbuf		*pb = printbuf_new();
	const char		*want;

	T_OK(pb != NULL);
	want = o != NULL ? json_object_to_json_string_ext(o, flags) : "null";
	json_print_str(pb, flags, s);
	T_STR(pb->buf, want);
	printbuf_free(pb);
	json_object_put(o);
}

static int
t_printed_row(struct json_object *o, struct printbuf *pb, int level,
    int flags)
{
	(void)level;
	printbuf_strappend(pb, "{\"s\":");
	json_print_str(pb, flags, json_object_get_userdata(o));
	printbuf_strappend(pb, "}");
	return 0;
}

static int	t_dropped;

static void
t_printed_drop(struct json_object *o, void *arg)
{
	(void)o;
	(void)arg;
	t_dropped++;
}

static void
t_printed(void)
{
	static const char *const	strs[] = { "", "plain", "a/b", "\"q\"",
	    "back\\slash", "\b\f\n\r\t", "\x01\x1f\x7f", "caf\xc3\xa9",
	    "\xf0\x9f\x8e\xa8 \xe2\x80\xa8", "'; DROP TABLE users; --", NULL };
	static const int		flags[] = { JSON_C_TO_STRING_PLAIN,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE };
	static char			 row[] = "x/\"y\"";
	struct json_object		*a, *o;
	char				 one[2];
	size_t				 i, f;

	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			t_print_str_one(strs[i], flags[f]);
		for (i = 1; i < 256; i++) {
			one[0] = (char)i;
			one[1] = '\0';
			t_print_str_one(one, flags[f]);
		}
	}
	T_PASS("json-print-str-as-json-c");
	a = json_object_new_array();
	json_object_array_add(a, json_printed(t_printed_row, row,
	    t_printed_drop));
	json_object_array_add(a, json_printed(t_printed_row, NULL, NULL));
	T_STR(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE),
	    "[{\"s\":\"x/\\\"y\\\"\"},{\"s\":null}]");
	o = json_object_new_object();
	json_object_object_add(o, "rows", a);
	T_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"rows\":[{\"s\":\"x\\/\\\"y\\\"\"},{\"s\":null}]}");
	T_EQ(t_dropped, 0);
	json_object_put(o);
	T_EQ(t_dropped, 1);
	T_PASS("json-printed-values");
}

static void
t_objects(void)
{
	static const char *const notobj[] = {
		"[]", "1", "\"s\"", "null", "true", "[{}]", "-1.5",
	};
	struct json_object	*o, *v;
	const char		*b;
	size_t			 i;

	for (i = 0; i < sizeof(notobj) / sizeof(notobj[0]); i++) {
		o = (struct json_object *)&o;
		T_EQ(json_parse_object(notobj[i], strlen(notobj[i]),
		    JSON_DEPTH_MAX, &o), E_JSON);
		T_OK(o == (struct json_object *)&o);
	}
	T_PASS("json-object-required");

	/* Duplicate keys: accepted, the last one wins (as in Python). */
	o = NULL;
	b = "{\"a\":1,\"b\":0,\"a\":2}";
	T_EQ(json_parse_object(b, strlen(b), JSON_DEPTH_MAX, &o), E_OK);
	T_OK(json_object_object_get_ex(o, "a", &v));
	T_EQ(json_object_get_int64(v), 2);
	T_EQ(json_object_object_length(o), 2);
	json_object_put(o);
	T_PASS("json-duplicate-last-wins");

	/* Escapes arrive decoded, as UTF-8. */
	o = NULL;
	b = "{\"k\\u00e9\":\"\\ud83d\\ude00\\n\"}";
	T_EQ(json_parse_object(b, strlen(b), JSON_DEPTH_MAX, &o), E_OK);
	T_OK(json_object_object_get_ex(o, "k\xc3\xa9", &v));
	T_STR(json_object_get_string(v), "\xf0\x9f\x98\x80\n");
	json_object_put(o);
	T_PASS("json-escapes-decoded");
}

static void
t_numbers(void)
{
	struct json_object	*o = NULL;

	T_EQ(json_parse("-9223372036854775807", 20, 1, &o), E_OK);
	T_OK(json_object_is_type(o, json_type_int));
	T_EQ(json_object_get_int64(o), -INT64_MAX);
	json_object_put(o);
	T_EQ(json_parse("1.0", 3, 1, &o), E_OK);
	T_OK(json_object_is_type(o, json_type_double));
	json_object_put(o);
	T_EQ(json_parse("2e3", 3, 1, &o), E_OK);
	T_OK(json_object_is_type(o, json_type_double));
	json_object_put(o);
	T_EQ(json_parse("123456789012345678901234567890", 30, 1, &o), E_OK);
	json_object_put(o);
	T_PASS("json-numbers");
}

static void
t_big(void)
{
	struct json_object	*o, *v;
	char			*b;
	size_t			 n, len;

	/* A body of exactly BODY_MAX bytes, one long string of é. */
	n = (BODY_MAX - 8) / 2;
	b = malloc(BODY_MAX + 1);
	T_OK(b != NULL);
	memcpy(b, "{\"a\":\"", 6);
	for (len = 6; len < 6 + n * 2; len += 2)
		memcpy(b + len, "\xc3\xa9", 2);
	memcpy(b + len, "\"}", 2);
	len += 2;
	T_EQ(len, BODY_MAX);
	o = NULL;
	T_EQ(json_parse_object(b, len, JSON_DEPTH_MAX, &o), E_OK);
	T_OK(json_object_object_get_ex(o, "a", &v));
	T_EQ(json_utf8_len(json_object_get_string(v)), n);
	json_object_put(o);
	/* One bad byte at the very end still fails the whole body. */
	b[len - 3] = '\xc3';
	T_EQ(json_parse_object(b, len, JSON_DEPTH_MAX, &o), E_JSON);
	free(b);

	/* 4 MiB of ASCII: nothing here caps size, req.c does. */
	n = 4u << 20;
	b = malloc(n + 8);
	T_OK(b != NULL);
	b[0] = '"';
	memset(b + 1, 'x', n);
	b[n + 1] = '"';
	o = NULL;
	T_EQ(json_parse(b, n + 2, 1, &o), E_OK);
	T_EQ(json_object_get_string_len(o), n);
	json_object_put(o);
	free(b);
	T_PASS("json-big");
}

static void
t_str_or_null(void)
{
	struct json_object	*o;

	T_OK(json_str_or_null(NULL) == NULL);
	o = json_str_or_null("h\xc3\xa9");
	T_OK(json_object_is_type(o, json_type_string));
	T_STR(json_object_get_string(o), "h\xc3\xa9");
	json_object_put(o);
	T_PASS("json-str-or-null");
}

/* json_str_ok(): Legend: rule, input, 1 when it fits. */
static const struct strspec	t_sp_id = { 1, ID_MAX, CHARSET_ID, 0 };
static const struct strspec	t_sp_hex = { 2, 4, "a-f0-9", 0 };
static const struct strspec	t_sp_text = { 1, 5, NULL, STR_NOTBLANK };
static const struct strspec	t_sp_dash = { 1, 8, "-a", 0 };
static const struct strspec	t_sp_any0 = { 0, 3, NULL, 0 };

static const struct {
	const struct strspec	*sp;
	const char		*s;
	int			 ok;
} strs[] = {
	{ &t_sp_id, "abc", 1 },
	{ &t_sp_id, "6f1c2a3e-0b1d-4c5e-9f00-112233445566", 1 },
	{ &t_sp_id, "T-1.2_3:4", 1 },
	{ &t_sp_id, "", 0 },
	{ &t_sp_id, "a b", 0 },
	{ &t_sp_id, "a/b", 0 },
	{ &t_sp_id, "a%2F", 0 },
	{ &t_sp_id, "caf\xc3\xa9", 0 },
	{ &t_sp_id, "a\x7f", 0 },
	{ &t_sp_id, "a[b]", 0 },
	{ &t_sp_id, "a`", 0 },		/* between the ranges */
	{ &t_sp_id, "a@", 0 },
	{ &t_sp_hex, "ab", 1 },
	{ &t_sp_hex, "0f9a", 1 },
	{ &t_sp_hex, "a", 0 },
	{ &t_sp_hex, "abcde", 0 },
	{ &t_sp_hex, "AB", 0 },
	{ &t_sp_hex, "ag", 0 },
	{ &t_sp_dash, "a-a-", 1 },	/* a '-' first is itself too */
	{ &t_sp_dash, "ab", 0 },
	{ &t_sp_text, "a", 1 },
	{ &t_sp_text, " a ", 1 },
	{ &t_sp_text, "\xe2\x80\x8b", 1 },	/* U+200B is not space */
	{ &t_sp_text, "\xef\xbb\xbf", 1 },	/* nor U+FEFF */
	{ &t_sp_text, " ", 0 },
	{ &t_sp_text, " \t\n\r\v", 0 },
	{ &t_sp_text, "\f\x1c\x1d\x1e\x1f", 0 },
	{ &t_sp_text, "\xc2\x85\xc2\xa0", 0 },	/* U+0085, U+00A0 */
	{ &t_sp_text, "\xe1\x9a\x80\xe2\x80\x80\xe2\x80\x8a", 0 },
	{ &t_sp_text, "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaf", 0 },
	{ &t_sp_text, "\xe2\x81\x9f\xe3\x80\x80", 0 },	/* U+205F U+3000 */
	{ &t_sp_text, "", 0 },
	{ &t_sp_text, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "ab", 1 },
	{ &t_sp_text, "h\xc3\xa9llo!", 0 },
	{ &t_sp_text, "e\xcc\x81" "abc", 1 },	/* combining: 2 points */
	{ &t_sp_text, "e\xcc\x81" "abcd", 0 },
	{ &t_sp_any0, "", 1 },
	{ &t_sp_any0, "\xc3\xa9\xc3\xa9\xc3\xa9", 1 },
	{ &t_sp_any0, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0 },
	{ &t_sp_any0, "\xc3", 0 },		/* not UTF-8 */
	{ &t_sp_any0, "\xed\xa0\x80", 0 },	/* a surrogate */
};

static void
t_strspec(void)
{
	char	 buf[JSON_EXPECT_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (json_str_ok(strs[i].sp, strs[i].s, strlen(strs[i].s)) !=
		    strs[i].ok)
			T_FAIL("strs[%zu] \"%s\": want %d", i, strs[i].s,
			    strs[i].ok);
	T_PASS("json-strspec-table");
	/* The length is the bound: a NUL inside never fits. */
	T_OK(!json_str_ok(&t_sp_any0, "a\0b", 3));
	T_OK(json_str_ok(&t_sp_any0, "ab\xff", 2));
	T_PASS("json-strspec-len");
	json_str_expect(&t_sp_id, buf, sizeof(buf));
	T_STR(buf, "1 to 128 characters of [A-Za-z0-9._:-]");
	json_str_expect(&t_sp_text, buf, sizeof(buf));
	T_STR(buf, "1 to 5 characters, not only white space");
	json_str_expect(&t_sp_text, buf, 8);
	T_STR(buf, "1 to 5 ");
	T_PASS("json-strspec-expect");
}

/* The getters under test, one call each (t_call()). */
enum tg {
	G_NEED_STR, G_OPT_STR, G_NEED_TEXT, G_NEED_ID, G_OPT_ID,
	G_NEED_SPEC, G_OPT_SPEC, G_STR_NULL, G_NEED_BOOL, G_OPT_BOOL,
	G_NEED_INT, G_OPT_INT, G_NEED_WIDE, G_NEED_ENUM, G_NEED_ENUM_NULL,
	G_OPT_ENUM, G_OPT_ENUM_NULL, G_Q_NEED_INT, G_Q_OPT_INT, G_Q_OPT_STR,
	G_Q_TEXT, G_REQ_QUERY, G__MAX
};

enum t_feedback { FB_LIKE, FB_DISLIKE, FB__MAX };
static const char *const t_feedback[FB__MAX + 1] = {
	"like", "dislike", NULL
};

static const struct strspec	t_sp_cursor = { 1, 16, "A-Za-z0-9_-", 0 };
static const struct strspec	t_sp_loc = { 0, 5, NULL, 0 };

/*
 * One case. Legend: name; getter; JSON body (NULL: none, and the
 * route does not load one); query string; result; the 400's message
 * (NULL: the getter must not reply, and the handler answers 204);
 * what *out holds afterwards, printed ("-42", "-1", "-7" and
 * "untouched" are the values it held before).
 */
struct tgcase {
	const char	*name;
	enum tg		 g;
	const char	*body;
	const char	*query;
	enum err	 e;
	const char	*msg;
	const char	*got;
};

#define M_TITLE_LEN	"field 'title' must be a string of 1 to 5 characters"
#define M_TITLE_REQ	"field 'title' is required"
#define M_TEXT	"field 'message' must be a string of 1 to 5 characters, " \
		"not only white space"
#define M_ID(k)	"field '" k "' must be a string of 1 to 128 characters " \
		"of [A-Za-z0-9._:-]"
#define M_CODE	"field 'code' must be a string of 2 to 4 characters of " \
		"[a-f0-9]"
#define M_LOC	"field 'location' must be a string of 0 to 5 characters"
#define M_BOOL	"field 'stream' must be true or false"
#define M_INT	"field 'limit' must be an integer from 1 to 100"
#define M_WIDE	"field 'n' must be an integer from -9223372036854775808 " \
		"to 9223372036854775807"
#define M_ENUM	"field 'feedback' must be one of \"like\", \"dislike\""
#define M_ENUMN	M_ENUM " or null"
#define M_NOBODY	"request body must be a JSON object"
#define M_QINT	"query parameter 'limit' must be an integer from 1 to 100"
#define M_QONCE	"query parameter 'limit' must be given once"
#define M_QCUR	"query parameter 'cursor' must be 1 to 16 characters of " \
		"[A-Za-z0-9_-]"
#define M_QTEXT	"query parameter 'q' must be 1 to 5 characters, not only " \
		"white space"
#define E200	"\xf0\x9f\x98\x80"	/* U+1F600, 4 bytes, 1 code point */

static const struct tgcase	str_cases[] = {
	{ "need-str-ok", G_NEED_STR, "{\"title\":\"h\xc3\xa9llo\"}", NULL,
	    E_OK, NULL, "h\xc3\xa9llo" },
	{ "need-str-emoji-is-one", G_NEED_STR,
	    "{\"title\":\"" E200 E200 "\\ud83d\\ude00ab\"}", NULL, E_OK, NULL,
	    E200 E200 E200 "ab" },
	{ "need-str-max", G_NEED_STR, "{\"title\":\"abcde\"}", NULL, E_OK,
	    NULL, "abcde" },
	{ "need-str-min", G_NEED_STR, "{\"title\":\"a\"}", NULL, E_OK, NULL,
	    "a" },
	{ "need-str-too-long", G_NEED_STR, "{\"title\":\"h\xc3\xa9llo!\"}",
	    NULL, E_INVALID, M_TITLE_LEN, "untouched" },
	{ "need-str-too-short", G_NEED_STR, "{\"title\":\"\"}", NULL,
	    E_INVALID, M_TITLE_LEN, "untouched" },
	{ "need-str-number", G_NEED_STR, "{\"title\":5}", NULL, E_INVALID,
	    M_TITLE_LEN, "untouched" },
	{ "need-str-array", G_NEED_STR, "{\"title\":[\"a\"]}", NULL,
	    E_INVALID, M_TITLE_LEN, "untouched" },
	{ "need-str-object", G_NEED_STR, "{\"title\":{}}", NULL, E_INVALID,
	    M_TITLE_LEN, "untouched" },
	{ "need-str-missing", G_NEED_STR, "{\"titel\":\"x\"}", NULL,
	    E_INVALID, M_TITLE_REQ, "untouched" },
	{ "need-str-null", G_NEED_STR, "{\"title\":null}", NULL, E_INVALID,
	    M_TITLE_REQ, "untouched" },
	{ "need-str-no-body", G_NEED_STR, NULL, NULL, E_JSON, M_NOBODY,
	    "untouched" },
	{ "need-str-dup-last-wins", G_NEED_STR,
	    "{\"title\":5,\"title\":\"ok\"}", NULL, E_OK, NULL, "ok" },
	{ "opt-str-absent", G_OPT_STR, "{}", NULL, E_OK, NULL, "untouched" },
	{ "opt-str-null", G_OPT_STR, "{\"title\":null}", NULL, E_OK, NULL,
	    "untouched" },
	{ "opt-str-empty", G_OPT_STR, "{\"title\":\"\"}", NULL, E_OK, NULL,
	    "" },
	{ "opt-str-ok", G_OPT_STR, "{\"title\":\"abcde\"}", NULL, E_OK,
	    NULL, "abcde" },
	{ "opt-str-too-long", G_OPT_STR, "{\"title\":\"abcdef\"}", NULL,
	    E_INVALID, "field 'title' must be a string of 0 to 5 characters",
	    "untouched" },
	{ "opt-str-bool", G_OPT_STR, "{\"title\":true}", NULL, E_INVALID,
	    "field 'title' must be a string of 0 to 5 characters",
	    "untouched" },
	{ "opt-str-no-body", G_OPT_STR, NULL, NULL, E_JSON, M_NOBODY,
	    "untouched" },
	{ "need-text-ok", G_NEED_TEXT, "{\"message\":\" hi \"}", NULL, E_OK,
	    NULL, " hi " },
	{ "need-text-blank", G_NEED_TEXT, "{\"message\":\" \\t\\n \"}", NULL,
	    E_INVALID, M_TEXT, "untouched" },
	{ "need-text-nbsp-ideographic", G_NEED_TEXT,
	    "{\"message\":\"\\u00a0\\u3000\\u2028\"}", NULL, E_INVALID, M_TEXT,
	    "untouched" },
	{ "need-text-zero-width-is-text", G_NEED_TEXT,
	    "{\"message\":\"\\u200b\"}", NULL, E_OK, NULL, "\xe2\x80\x8b" },
	{ "need-text-empty", G_NEED_TEXT, "{\"message\":\"\"}", NULL,
	    E_INVALID, M_TEXT, "untouched" },
	{ "need-text-too-long", G_NEED_TEXT, "{\"message\":\"abcdef\"}",
	    NULL, E_INVALID, M_TEXT, "untouched" },
	{ "need-text-missing", G_NEED_TEXT, "{}", NULL, E_INVALID,
	    "field 'message' is required", "untouched" },
	{ "need-id-ok", G_NEED_ID, "{\"ticket_id\":\"T-2026.11:42_a\"}",
	    NULL, E_OK, NULL, "T-2026.11:42_a" },
	{ "need-id-space", G_NEED_ID, "{\"ticket_id\":\"T 1\"}", NULL,
	    E_INVALID, M_ID("ticket_id"), "untouched" },
	{ "need-id-unicode", G_NEED_ID, "{\"ticket_id\":\"caf\xc3\xa9\"}",
	    NULL, E_INVALID, M_ID("ticket_id"), "untouched" },
	{ "need-id-slash", G_NEED_ID, "{\"ticket_id\":\"a/b\"}", NULL,
	    E_INVALID, M_ID("ticket_id"), "untouched" },
	{ "need-id-empty", G_NEED_ID, "{\"ticket_id\":\"\"}", NULL,
	    E_INVALID, M_ID("ticket_id"), "untouched" },
	{ "need-id-number", G_NEED_ID, "{\"ticket_id\":12}", NULL,
	    E_INVALID, M_ID("ticket_id"), "untouched" },
	{ "opt-id-absent", G_OPT_ID, "{}", NULL, E_OK, NULL, "untouched" },
	{ "opt-id-null", G_OPT_ID, "{\"conversation_id\":null}", NULL, E_OK,
	    NULL, "untouched" },
	{ "opt-id-uuid", G_OPT_ID, "{\"conversation_id\":"
	    "\"6f1c2a3e-0b1d-4c5e-9f00-112233445566\"}", NULL, E_OK, NULL,
	    "6f1c2a3e-0b1d-4c5e-9f00-112233445566" },
	{ "opt-id-bad", G_OPT_ID, "{\"conversation_id\":\"a;b\"}", NULL,
	    E_INVALID, M_ID("conversation_id"), "untouched" },
	{ "need-spec-ok", G_NEED_SPEC, "{\"code\":\"0fa\"}", NULL, E_OK,
	    NULL, "0fa" },
	{ "need-spec-charset", G_NEED_SPEC, "{\"code\":\"0FA\"}", NULL,
	    E_INVALID, M_CODE, "untouched" },
	{ "need-spec-short", G_NEED_SPEC, "{\"code\":\"a\"}", NULL,
	    E_INVALID, M_CODE, "untouched" },
	{ "opt-spec-absent", G_OPT_SPEC, "{}", NULL, E_OK, NULL,
	    "untouched" },
	{ "opt-spec-long", G_OPT_SPEC, "{\"code\":\"abcde\"}", NULL,
	    E_INVALID, M_CODE, "untouched" },
	{ "str-null-absent", G_STR_NULL, "{}", NULL, E_OK, NULL, "absent" },
	{ "str-null-null", G_STR_NULL, "{\"location\":null}", NULL, E_OK,
	    NULL, "null" },
	{ "str-null-value", G_STR_NULL, "{\"location\":\"Oslo\"}", NULL,
	    E_OK, NULL, "value Oslo" },
	{ "str-null-empty", G_STR_NULL, "{\"location\":\"\"}", NULL, E_OK,
	    NULL, "value " },
	{ "str-null-long", G_STR_NULL, "{\"location\":\"Bergen\"}", NULL,
	    E_INVALID, M_LOC, "unset" },
	{ "str-null-type", G_STR_NULL, "{\"location\":0}", NULL, E_INVALID,
	    M_LOC, "unset" },
	{ "str-null-no-body", G_STR_NULL, NULL, NULL, E_JSON, M_NOBODY,
	    "unset" },
};

static const struct tgcase	other_cases[] = {
	{ "need-bool-true", G_NEED_BOOL, "{\"stream\":true}", NULL, E_OK,
	    NULL, "1" },
	{ "need-bool-false", G_NEED_BOOL, "{\"stream\":false}", NULL, E_OK,
	    NULL, "0" },
	{ "need-bool-absent", G_NEED_BOOL, "{}", NULL, E_INVALID,
	    "field 'stream' is required", "-1" },
	{ "need-bool-null", G_NEED_BOOL, "{\"stream\":null}", NULL,
	    E_INVALID, "field 'stream' is required", "-1" },
	{ "need-bool-int", G_NEED_BOOL, "{\"stream\":0}", NULL, E_INVALID,
	    M_BOOL, "-1" },
	{ "opt-bool-true", G_OPT_BOOL, "{\"stream\":true}", NULL, E_OK,
	    NULL, "1" },
	{ "opt-bool-false", G_OPT_BOOL, "{\"stream\":false}", NULL, E_OK,
	    NULL, "0" },
	{ "opt-bool-absent", G_OPT_BOOL, "{}", NULL, E_OK, NULL, "-1" },
	{ "opt-bool-null", G_OPT_BOOL, "{\"stream\":null}", NULL, E_OK,
	    NULL, "-1" },
	{ "opt-bool-string", G_OPT_BOOL, "{\"stream\":\"true\"}", NULL,
	    E_INVALID, M_BOOL, "-1" },
	{ "opt-bool-int", G_OPT_BOOL, "{\"stream\":1}", NULL, E_INVALID,
	    M_BOOL, "-1" },
	{ "opt-bool-no-body", G_OPT_BOOL, NULL, NULL, E_JSON, M_NOBODY,
	    "-1" },
	{ "need-int-ok", G_NEED_INT, "{\"limit\":20}", NULL, E_OK, NULL,
	    "20" },
	{ "need-int-min", G_NEED_INT, "{\"limit\":1}", NULL, E_OK, NULL,
	    "1" },
	{ "need-int-max", G_NEED_INT, "{\"limit\":100}", NULL, E_OK, NULL,
	    "100" },
	{ "need-int-below", G_NEED_INT, "{\"limit\":0}", NULL, E_INVALID,
	    M_INT, "-42" },
	{ "need-int-above", G_NEED_INT, "{\"limit\":101}", NULL, E_INVALID,
	    M_INT, "-42" },
	{ "need-int-negative", G_NEED_INT, "{\"limit\":-5}", NULL,
	    E_INVALID, M_INT, "-42" },
	{ "need-int-double", G_NEED_INT, "{\"limit\":5.0}", NULL, E_INVALID,
	    M_INT, "-42" },
	{ "need-int-exponent", G_NEED_INT, "{\"limit\":1e1}", NULL,
	    E_INVALID, M_INT, "-42" },
	{ "need-int-string", G_NEED_INT, "{\"limit\":\"5\"}", NULL,
	    E_INVALID, M_INT, "-42" },
	{ "need-int-bool", G_NEED_INT, "{\"limit\":true}", NULL, E_INVALID,
	    M_INT, "-42" },
	{ "need-int-missing", G_NEED_INT, "{}", NULL, E_INVALID,
	    "field 'limit' is required", "-42" },
	{ "need-int-null", G_NEED_INT, "{\"limit\":null}", NULL, E_INVALID,
	    "field 'limit' is required", "-42" },
	{ "need-int-no-body", G_NEED_INT, NULL, NULL, E_JSON, M_NOBODY,
	    "-42" },
	{ "need-int-wide-ok", G_NEED_WIDE, "{\"n\":-9223372036854775807}",
	    NULL, E_OK, NULL, "-9223372036854775807" },
	{ "need-int-wide-ok-max", G_NEED_WIDE, "{\"n\":9223372036854775806}",
	    NULL, E_OK, NULL, "9223372036854775806" },
	/* Past int64, json-c saturates: never a silently clamped value. */
	{ "need-int-overflow", G_NEED_WIDE, "{\"n\":9223372036854775808}",
	    NULL, E_INVALID, M_WIDE, "-42" },
	{ "need-int-overflow-huge", G_NEED_WIDE,
	    "{\"n\":123456789012345678901234567890}", NULL, E_INVALID, M_WIDE,
	    "-42" },
	{ "need-int-underflow", G_NEED_WIDE, "{\"n\":-9223372036854775809}",
	    NULL, E_INVALID, M_WIDE, "-42" },
	{ "opt-int-absent", G_OPT_INT, "{}", NULL, E_OK, NULL, "-42" },
	{ "opt-int-null", G_OPT_INT, "{\"limit\":null}", NULL, E_OK, NULL,
	    "-42" },
	{ "opt-int-ok", G_OPT_INT, "{\"limit\":100}", NULL, E_OK, NULL,
	    "100" },
	{ "opt-int-above", G_OPT_INT, "{\"limit\":101}", NULL, E_INVALID,
	    M_INT, "-42" },
	{ "need-enum-like", G_NEED_ENUM, "{\"feedback\":\"like\"}", NULL,
	    E_OK, NULL, "0" },
	{ "need-enum-dislike", G_NEED_ENUM, "{\"feedback\":\"dislike\"}",
	    NULL, E_OK, NULL, "1" },
	{ "need-enum-miss", G_NEED_ENUM, "{\"feedback\":\"Like\"}", NULL,
	    E_INVALID, M_ENUM, "-7" },
	{ "need-enum-prefix", G_NEED_ENUM, "{\"feedback\":\"lik\"}", NULL,
	    E_INVALID, M_ENUM, "-7" },
	{ "need-enum-int", G_NEED_ENUM, "{\"feedback\":0}", NULL, E_INVALID,
	    M_ENUM, "-7" },
	{ "need-enum-null-refused", G_NEED_ENUM, "{\"feedback\":null}", NULL,
	    E_INVALID, "field 'feedback' is required", "-7" },
	{ "need-enum-absent", G_NEED_ENUM, "{}", NULL, E_INVALID,
	    "field 'feedback' is required", "-7" },
	{ "need-enum-null-ok", G_NEED_ENUM_NULL, "{\"feedback\":null}", NULL,
	    E_OK, NULL, "2" },
	{ "need-enum-null-like", G_NEED_ENUM_NULL, "{\"feedback\":\"like\"}",
	    NULL, E_OK, NULL, "0" },
	{ "need-enum-null-absent", G_NEED_ENUM_NULL, "{}", NULL, E_INVALID,
	    "field 'feedback' is required", "-7" },
	{ "need-enum-null-miss", G_NEED_ENUM_NULL, "{\"feedback\":\"meh\"}",
	    NULL, E_INVALID, M_ENUMN, "-7" },
	{ "opt-enum-absent", G_OPT_ENUM, "{}", NULL, E_OK, NULL, "-7" },
	{ "opt-enum-null-ignored", G_OPT_ENUM, "{\"feedback\":null}", NULL,
	    E_OK, NULL, "-7" },
	{ "opt-enum-miss", G_OPT_ENUM, "{\"feedback\":\"\"}", NULL,
	    E_INVALID, M_ENUM, "-7" },
	{ "opt-enum-null-absent", G_OPT_ENUM_NULL, "{}", NULL, E_OK, NULL,
	    "-7" },
	{ "opt-enum-null-null", G_OPT_ENUM_NULL, "{\"feedback\":null}", NULL,
	    E_OK, NULL, "2" },
	{ "opt-enum-no-body", G_OPT_ENUM_NULL, NULL, NULL, E_JSON, M_NOBODY,
	    "-7" },
};

static const struct tgcase	query_cases[] = {
	{ "query-int-ok", G_Q_NEED_INT, NULL, "limit=20", E_OK, NULL, "20" },
	{ "query-int-min", G_Q_NEED_INT, NULL, "a=1&limit=1&b", E_OK, NULL,
	    "1" },
	{ "query-int-max", G_Q_NEED_INT, NULL, "limit=100", E_OK, NULL,
	    "100" },
	{ "query-int-leading-zero", G_Q_NEED_INT, NULL, "limit=007", E_OK,
	    NULL, "7" },
	{ "query-int-encoded", G_Q_NEED_INT, NULL, "li%6dit=%32%30", E_OK,
	    NULL, "20" },
	{ "query-int-below", G_Q_NEED_INT, NULL, "limit=0", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-above", G_Q_NEED_INT, NULL, "limit=101", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-negative", G_Q_NEED_INT, NULL, "limit=-1", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-plus", G_Q_NEED_INT, NULL, "limit=%2B5", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-space", G_Q_NEED_INT, NULL, "limit=+5", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-trailing", G_Q_NEED_INT, NULL, "limit=5x", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-empty", G_Q_NEED_INT, NULL, "limit=", E_INVALID, M_QINT,
	    "-42" },
	{ "query-int-bare", G_Q_NEED_INT, NULL, "limit", E_INVALID, M_QINT,
	    "-42" },
	{ "query-int-overflow", G_Q_NEED_INT, NULL,
	    "limit=99999999999999999999", E_INVALID, M_QINT, "-42" },
	{ "query-int-nul", G_Q_NEED_INT, NULL, "limit=5%00", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-bad-escape", G_Q_NEED_INT, NULL, "limit=5%", E_INVALID,
	    M_QINT, "-42" },
	{ "query-int-twice", G_Q_NEED_INT, NULL, "limit=5&limit=5",
	    E_INVALID, M_QONCE, "-42" },
	{ "query-int-twice-encoded", G_Q_NEED_INT, NULL, "limit=5&%6cimit=6",
	    E_INVALID, M_QONCE, "-42" },
	{ "query-int-missing", G_Q_NEED_INT, NULL, "limits=5&xlimit=5",
	    E_INVALID, "query parameter 'limit' is required", "-42" },
	{ "query-int-opt-absent", G_Q_OPT_INT, NULL, "", E_OK, NULL, "-42" },
	{ "query-int-opt-ok", G_Q_OPT_INT, NULL, "cursor=x&limit=50", E_OK,
	    NULL, "50" },
	{ "query-int-opt-bad", G_Q_OPT_INT, NULL, "limit=ten", E_INVALID,
	    M_QINT, "-42" },
	{ "query-str-ok", G_Q_OPT_STR, NULL, "cursor=abc_DEF-09", E_OK, NULL,
	    "abc_DEF-09" },
	{ "query-str-max", G_Q_OPT_STR, NULL, "cursor=abcdefghijklmnop",
	    E_OK, NULL, "abcdefghijklmnop" },
	{ "query-str-absent", G_Q_OPT_STR, NULL, "limit=5", E_OK, NULL,
	    "untouched" },
	{ "query-str-long", G_Q_OPT_STR, NULL, "cursor=abcdefghijklmnopq",
	    E_INVALID, M_QCUR, "untouched" },
	{ "query-str-empty", G_Q_OPT_STR, NULL, "cursor=", E_INVALID,
	    M_QCUR, "untouched" },
	{ "query-str-charset", G_Q_OPT_STR, NULL, "cursor=ab%2Fc", E_INVALID,
	    M_QCUR, "untouched" },
	{ "query-str-plus-is-space", G_Q_OPT_STR, NULL, "cursor=a+b",
	    E_INVALID, M_QCUR, "untouched" },
	{ "query-str-twice", G_Q_OPT_STR, NULL, "cursor=a&cursor=a",
	    E_INVALID, "query parameter 'cursor' must be given once",
	    "untouched" },
	{ "query-text-utf8", G_Q_TEXT, NULL, "q=h%C3%A9llo", E_OK, NULL,
	    "h\xc3\xa9llo" },
	{ "query-text-space", G_Q_TEXT, NULL, "q=+a+", E_OK, NULL, " a " },
	{ "query-text-blank", G_Q_TEXT, NULL, "q=+%09+", E_INVALID, M_QTEXT,
	    "untouched" },
	{ "query-text-not-utf8", G_Q_TEXT, NULL, "q=%C3", E_INVALID, M_QTEXT,
	    "untouched" },
	{ "query-text-overlong", G_Q_TEXT, NULL, "q=%C0%AF", E_INVALID,
	    M_QTEXT, "untouched" },
	{ "query-text-nul", G_Q_TEXT, NULL, "q=a%00b", E_INVALID, M_QTEXT,
	    "untouched" },
	{ "query-text-raw-bytes", G_Q_TEXT, NULL, "q=\xff", E_INVALID,
	    M_QTEXT, "untouched" },
	/* req_query(): first wins, bad escapes kept, never a 400. */
	{ "req-query-first-wins", G_REQ_QUERY, NULL, "limit=1&limit=2", E_OK,
	    NULL, "1" },
	{ "req-query-bare", G_REQ_QUERY, NULL, "x&limit", E_OK, NULL, "" },
	{ "req-query-lenient", G_REQ_QUERY, NULL, "limit=5%&x", E_OK, NULL,
	    "5%" },
	{ "req-query-decoded", G_REQ_QUERY, NULL, "limit=a+b%21", E_OK, NULL,
	    "a b!" },
	{ "req-query-absent", G_REQ_QUERY, NULL, "limits=1", E_OK, NULL,
	    "NULL" },
};

/* What the handler saw; set by t_getter(). */
static const struct tgcase	*t_cur;
static enum err			 t_e;
static int			 t_status_before;
static char			 t_got[512];

/* Prints a string getter's *out into t_got. */
static void
t_got_str(const char *s)
{

	snprintf(t_got, sizeof(t_got), "%s", s != NULL ? s : "untouched");
}

static void
t_got_long(long n)
{

	snprintf(t_got, sizeof(t_got), "%ld", n);
}

/* The string getters; *out starts NULL ("untouched"). */
static enum err
t_call_str(struct req *rq, enum tg g)
{
	static const struct strspec	 hex = { 2, 4, "a-f0-9", 0 };
	const char			*s = NULL;
	enum err			 e;

	switch (g) {
	case G_NEED_STR:
		e = need_str(rq, "title", 1, 5, &s);
		break;
	case G_OPT_STR:
		e = opt_str(rq, "title", 0, 5, &s);
		break;
	case G_NEED_TEXT:
		e = need_text(rq, "message", 1, 5, &s);
		break;
	case G_NEED_ID:
		e = need_id(rq, "ticket_id", &s);
		break;
	case G_OPT_ID:
		e = opt_id(rq, "conversation_id", &s);
		break;
	case G_NEED_SPEC:
		e = need_str_spec(rq, "code", &hex, &s);
		break;
	default:
		e = opt_str_spec(rq, "code", &hex, &s);
		break;
	}
	t_got_str(s);
	return e;
}

/* opt_str_null(): "unset", "absent", "null" or "value <s>". */
static enum err
t_call_tri(struct req *rq)
{
	static const char *const	 hasname[JSON_HAS__MAX + 1] = {
		"absent", "null", "value", "unset"
	};
	enum json_has			 has = JSON_HAS__MAX;
	const char			*s = NULL;
	enum err			 e;

	e = opt_str_null(rq, "location", &t_sp_loc, &has, &s);
	T_OK((has == JSON_VALUE) == (s != NULL));
	snprintf(t_got, sizeof(t_got), "%s%s%s", hasname[has],
	    s != NULL ? " " : "", s != NULL ? s : "");
	return e;
}

/* Booleans, integers and enums. */
static enum err
t_call_num(struct req *rq, enum tg g)
{
	long		 n = -42;
	int		 b = -1, i = -7, nullok;
	enum err	 e;

	switch (g) {
	case G_NEED_BOOL:
		e = need_bool(rq, "stream", &b);
		t_got_long(b);
		return e;
	case G_OPT_BOOL:
		e = opt_bool(rq, "stream", &b);
		t_got_long(b);
		return e;
	case G_NEED_INT:
	case G_OPT_INT:
		e = (g == G_NEED_INT ? need_int : opt_int)(rq, "limit", 1, 100,
		    &n);
		t_got_long(n);
		return e;
	case G_NEED_WIDE:
		e = need_int(rq, "n", LONG_MIN, LONG_MAX, &n);
		t_got_long(n);
		return e;
	default:
		nullok = g == G_NEED_ENUM_NULL || g == G_OPT_ENUM_NULL;
		e = (g == G_NEED_ENUM || g == G_NEED_ENUM_NULL ? need_enum :
		    opt_enum)(rq, "feedback", t_feedback, nullok, &i);
		t_got_long(i);
		return e;
	}
}

/* req.c's query getters. */
static enum err
t_call_query(struct req *rq, enum tg g)
{
	static const struct strspec	 text = { 1, 5, NULL, STR_NOTBLANK };
	const char			*s = NULL;
	long				 n = -42;
	enum err			 e;

	switch (g) {
	case G_Q_NEED_INT:
	case G_Q_OPT_INT:
		e = (g == G_Q_NEED_INT ? need_query_int : opt_query_int)(rq,
		    "limit", 1, 100, &n);
		t_got_long(n);
		return e;
	case G_Q_OPT_STR:
	case G_Q_TEXT:
		e = g == G_Q_TEXT ? opt_query_str(rq, "q", &text, &s) :
		    opt_query_str(rq, "cursor", &t_sp_cursor, &s);
		t_got_str(s);
		return e;
	default:
		s = req_query(rq, "limit");
		snprintf(t_got, sizeof(t_got), "%s", s != NULL ? s : "NULL");
		return E_OK;
	}
}

/* The handler of every getter case: the call, then 204 if it passed. */
static void
t_getter(struct req *rq)
{
	enum tg	 g = t_cur->g;

	t_status_before = -1;
	if (g <= G_OPT_SPEC)
		t_e = t_call_str(rq, g);
	else if (g == G_STR_NULL)
		t_e = t_call_tri(rq);
	else if (g <= G_OPT_ENUM_NULL)
		t_e = t_call_num(rq, g);
	else
		t_e = t_call_query(rq, g);
	t_status_before = t_e == E_OK ? rq->status : 0;
	if (t_e == E_OK && rq->status == 0)
		reply_empty(rq, 204);
}

/* The error body's code and message match e and msg exactly. */
static void
t_check_err(const struct tgcase *c, const struct tfcgi_resp *r)
{
	struct json_object	*o, *er, *v;

	T_EQ(r->status, 400);
	T_OK((o = tfcgi_json(r)) != NULL);
	T_OK(json_object_object_get_ex(o, "error", &er));
	T_OK(json_object_object_get_ex(er, "code", &v));
	T_STR(json_object_get_string(v), c->e == E_JSON ? "invalid_json" :
	    "invalid_request");
	T_OK(json_object_object_get_ex(er, "message", &v));
	if (strcmp(json_object_get_string(v), c->msg) != 0)
		T_FAIL("%s: message \"%s\", want \"%s\"", c->name,
		    json_object_get_string(v), c->msg);
	json_object_put(o);
}

/* Runs each case through a real request, then checks result, reply
 * and *out. A body goes to an R_JSON route, none to a plain one. */
static void
t_getter_table(const struct tgcase *cases, size_t n)
{
	static const struct route	 json_rt = { "POST", "/t", t_getter,
					    R_JSON, NULL };
	static const struct route	 plain_rt = { "POST", "/t", t_getter,
					    0, NULL };
	struct tfcgi_req		 tr;
	struct tfcgi_resp		 r;
	size_t				 i;

	for (i = 0; i < n; i++) {
		t_cur = &cases[i];
		t_e = E__MAX;
		snprintf(t_got, sizeof(t_got), "(handler not run)");
		memset(&tr, 0, sizeof(tr));
		tr.method = "POST";
		tr.path = "/t";
		tr.body = cases[i].body;
		tr.query = cases[i].query;
		tfcgi_route(cases[i].body != NULL ? &json_rt : &plain_rt, &tr,
		    &r);
		if (t_e != cases[i].e)
			T_FAIL("%s: %s, want %s", cases[i].name, err_str(t_e),
			    err_str(cases[i].e));
		if (cases[i].msg == NULL) {
			T_EQ(t_status_before, 0);
			T_EQ(r.status, 204);
		} else
			t_check_err(&cases[i], &r);
		if (strcmp(t_got, cases[i].got) != 0)
			T_FAIL("%s: *out \"%s\", want \"%s\"", cases[i].name,
			    t_got, cases[i].got);
		tfcgi_release(&r);
		T_PASS(cases[i].name);
	}
}

/* need_text() at the contract's chat bound: 8000 code points. */
static void
t_text_bound(void)
{
	static const struct strspec	 msg = { 1, 8000, NULL, STR_NOTBLANK };
	char				*b;
	size_t				 i;

	/* 8000 x U+00E9 (2 bytes each) fits; one more does not. */
	b = malloc(8001 * 2 + 1);
	T_OK(b != NULL);
	for (i = 0; i < 8001; i++)
		memcpy(b + 2 * i, "\xc3\xa9", 2);
	T_OK(json_str_ok(&msg, b, 8000 * 2));
	T_OK(!json_str_ok(&msg, b, 8001 * 2));
	memset(b, ' ', 8000);
	T_OK(!json_str_ok(&msg, b, 8000));
	b[7999] = 'x';
	T_OK(json_str_ok(&msg, b, 8000));
	free(b);
	T_PASS("json-text-8000");
}

int
main(void)
{

	t_parse_tables();
	t_utf8_tables();
	t_depth();
	t_parse_sequence();
	t_printed();
	t_objects();
	t_numbers();
	t_big();
	t_str_or_null();
	t_strspec();
	t_text_bound();
	t_getter_table(str_cases, sizeof(str_cases) / sizeof(str_cases[0]));
	t_getter_table(other_cases,
	    sizeof(other_cases) / sizeof(other_cases[0]));
	t_getter_table(query_cases,
	    sizeof(query_cases) / sizeof(query_cases[0]));
	return 0;
}
