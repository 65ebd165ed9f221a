/*
 * Unit tests for json.c: tables of good and bad bodies (grammar,
 * UTF-8, depth, NUL), code point counting, and the need_*() getters
 * answering a real FastCGI request over a loopback unix socket.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "t.h"
#include "core/arena.h"
#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "core/req.h"

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

/* The listening socket the need_*() cases are served on. */
static int	 t_lfd = -1;

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

/* Appends one FastCGI record (FastCGI spec §3.3) to b at *n. */
static void
t_rec(unsigned char *b, size_t *n, int type, const void *body,
    size_t len)
{
	unsigned char	*h = b + *n;

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
	if (len > 0)
		memcpy(h + 8, body, len);
	*n += 8 + len;
}

/* Appends a name-value pair (both shorter than 128) to p at *n. */
static void
t_nv(unsigned char *p, size_t *n, const char *name, const char *val)
{
	size_t	 nl = strlen(name), vl = strlen(val);

	p[(*n)++] = (unsigned char)nl;
	p[(*n)++] = (unsigned char)vl;
	memcpy(p + *n, name, nl);
	*n += nl;
	memcpy(p + *n, val, vl);
	*n += vl;
}

/*
 * The test socket's address: Linux's abstract namespace, named for the
 * process, so no file is left behind whichever way the test ends.
 */
static void
t_addr(struct sockaddr_un *addr, socklen_t *len)
{
	int	 n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
	    "dataland-t_json-%ld", (long)getpid());
	T_OK(n > 0 && (size_t)n < sizeof(addr->sun_path) - 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
}

/* Connects to the test socket and sends a whole POST request with an
 * empty body; returns the client's end. */
static int
t_client(void)
{
	/* FCGI_BEGIN_REQUEST body: role 1 (responder), no keep-alive. */
	static const unsigned char begin[8] = { 0, 1, 0 };
	static const char *const params[][2] = {
		{ "REQUEST_METHOD", "POST" },
		{ "REQUEST_URI", "/v1/test" },
		{ "DOCUMENT_URI", "/v1/test" },
		{ "SCRIPT_NAME", "/v1/test" },
		{ "QUERY_STRING", "" },
		{ "CONTENT_TYPE", "application/json" },
		{ "CONTENT_LENGTH", "0" },
		{ "SERVER_PROTOCOL", "HTTP/1.1" },
		{ "REMOTE_ADDR", "127.0.0.1" },
		{ "HTTP_X_REQUEST_ID", "t-json" },
	};
	struct sockaddr_un	 addr;
	socklen_t		 alen;
	unsigned char		 b[1024], p[768];
	size_t			 n = 0, pn = 0, i;
	int			 fd;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		t_nv(p, &pn, params[i][0], params[i][1]);
	t_rec(b, &n, 1, begin, sizeof(begin));
	t_rec(b, &n, 4, p, pn);
	t_rec(b, &n, 4, NULL, 0);
	t_rec(b, &n, 5, NULL, 0);
	t_addr(&addr, &alen);
	T_OK((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	T_OK(connect(fd, (struct sockaddr *)&addr, alen) == 0);
	T_EQ(write(fd, b, n), (long long)n);
	/* libfcgi lingers on close until the client's half is shut. */
	T_EQ(shutdown(fd, SHUT_WR), 0);
	return fd;
}

/* Reads every STDOUT record until the server closes; NUL-terminated. */
static void
t_response(int fd, char *out, size_t outsz)
{
	unsigned char	 buf[65536];
	size_t		 have = 0, used = 0, o = 0, clen, plen;
	ssize_t		 r;

	while ((r = read(fd, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)r;
	T_OK(r == 0);
	while (have - used >= 8) {
		clen = (size_t)buf[used + 4] << 8 | buf[used + 5];
		plen = buf[used + 6];
		T_OK(used + 8 + clen + plen <= have);
		if (buf[used + 1] == 6 && clen > 0) {
			T_OK(o + clen < outsz);
			memcpy(out + o, buf + used + 8, clen);
			o += clen;
		}
		used += 8 + clen + plen;
	}
	out[o] = '\0';
}

/*
 * One getter case on a fresh request: body becomes rq->json (NULL for
 * none), fn must return e; then the response must be empty (want is
 * NULL) or hold every string in want.
 */
static void
t_serve(const char *name, const char *body, enum err (*fn)(struct req *),
    enum err e, const char *const *want)
{
	FCGX_Request	 fr;
	struct arena	 a;
	struct req	 rq;
	char		 out[65536];
	int		 cfd, i;

	arena_init(&a);
	T_EQ(FCGX_InitRequest(&fr, t_lfd, 0), 0);
	cfd = t_client();
	T_EQ(FCGX_Accept_r(&fr), 0);
	memset(&rq, 0, sizeof(rq));
	T_EQ(req_init(&rq, &fr, &a), E_OK);
	if (body != NULL)
		T_EQ(json_parse_object(body, strlen(body), JSON_DEPTH_MAX,
		    &rq.json), E_OK);
	if (fn(&rq) != e)
		T_FAIL("%s: want %s", name, err_str(e));
	json_object_put(rq.json);
	FCGX_Finish_r(&fr);
	t_response(cfd, out, sizeof(out));
	close(cfd);
	arena_release(&a);
	if (want == NULL && out[0] != '\0')
		T_FAIL("%s: unexpected reply: %s", name, out);
	for (i = 0; want != NULL && i < 3 && want[i] != NULL; i++)
		if (strstr(out, want[i]) == NULL)
			T_FAIL("%s: no \"%s\" in: %s", name, want[i], out);
	T_PASS(name);
}

static const char *const w_required_title[] = {
	"Status: 400 ", "\"invalid_request\"", "field 'title' is required" };
static const char *const w_msg_len[] = {
	"Status: 400 ", "\"invalid_request\"",
	"field 'message' must be a string of 1 to 5 characters" };
static const char *const w_bool[] = {
	"Status: 400 ", "\"invalid_request\"",
	"field 'stream' must be true or false" };
static const char *const w_int[] = {
	"Status: 400 ", "\"invalid_request\"",
	"field 'limit' must be an integer from 1 to 100" };
static const char *const w_int_wide[] = {
	"Status: 400 ", "\"invalid_request\"", "field 'n' must be an integer" };
static const char *const w_required_limit[] = {
	"Status: 400 ", "\"invalid_request\"", "field 'limit' is required" };
static const char *const w_nobody[] = {
	"Status: 400 ", "\"invalid_json\"", NULL };

/* What a getter left in *out, copied before the body is put. */
static const char	*g_s;
static char		 g_buf[256];
static long		 g_l;
static int		 g_b;

static enum err
g_keep(enum err e, const char *s)
{

	snprintf(g_buf, sizeof(g_buf), "%s", s);
	g_s = g_buf;
	return e;
}

static enum err
g_need_title(struct req *rq)
{
	const char	*s = g_s;
	enum err	 e;

	e = need_str(rq, "title", 1, 200, &s);
	return g_keep(e, s);
}

static enum err
g_need_msg(struct req *rq)
{
	const char	*s = g_s;
	enum err	 e;

	e = need_str(rq, "message", 1, 5, &s);
	return g_keep(e, s);
}

static enum err
g_opt_msg(struct req *rq)
{
	const char	*s = g_s;
	enum err	 e;

	e = opt_str(rq, "message", 1, 5, &s);
	return g_keep(e, s);
}

static enum err
g_opt_bool(struct req *rq)
{

	return opt_bool(rq, "stream", &g_b);
}

static enum err
g_need_limit(struct req *rq)
{

	return need_int(rq, "limit", 1, 100, &g_l);
}

static enum err
g_need_wide(struct req *rq)
{

	return need_int(rq, "n", LONG_MIN, LONG_MAX, &g_l);
}

/* Runs a getter case and checks what *out holds afterwards. */
#define T_STR_CASE(name, body, fn, e, want, expect) do {		\
	g_s = "untouched";						\
	t_serve((name), (body), (fn), (e), (want));		\
	T_STR(g_s, (expect));						\
} while (0)

#define T_LONG_CASE(name, body, fn, e, want, expect) do {		\
	g_l = -42;							\
	t_serve((name), (body), (fn), (e), (want));		\
	T_EQ(g_l, (expect));						\
} while (0)

#define T_BOOL_CASE(name, body, e, want, expect) do {			\
	g_b = -1;							\
	t_serve((name), (body), g_opt_bool, (e), (want));	\
	T_EQ(g_b, (expect));						\
} while (0)

static void
t_getters_str(void)
{

	T_STR_CASE("need-str-ok", "{\"message\":\"h\xc3\xa9llo\"}",
	    g_need_msg, E_OK, NULL, "h\xc3\xa9llo");
	T_STR_CASE("need-str-emoji-is-one", "{\"message\":"
	    "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\\ud83d\\ude00ab\"}",
	    g_need_msg, E_OK, NULL,
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80" "ab");
	T_STR_CASE("need-str-too-long", "{\"message\":\"h\xc3\xa9llo!\"}",
	    g_need_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("need-str-too-short", "{\"message\":\"\"}",
	    g_need_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("need-str-number", "{\"message\":5}",
	    g_need_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("need-str-array", "{\"message\":[\"a\"]}",
	    g_need_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("need-str-missing", "{\"titel\":\"x\"}",
	    g_need_title, E_INVALID, w_required_title, "untouched");
	T_STR_CASE("need-str-null", "{\"title\":null}",
	    g_need_title, E_INVALID, w_required_title, "untouched");
	T_STR_CASE("need-str-no-body", NULL,
	    g_need_title, E_JSON, w_nobody, "untouched");
	T_STR_CASE("opt-str-absent", "{}",
	    g_opt_msg, E_OK, NULL, "untouched");
	T_STR_CASE("opt-str-null", "{\"message\":null}",
	    g_opt_msg, E_OK, NULL, "untouched");
	T_STR_CASE("opt-str-ok", "{\"message\":\"abcde\"}",
	    g_opt_msg, E_OK, NULL, "abcde");
	T_STR_CASE("opt-str-too-long", "{\"message\":\"abcdef\"}",
	    g_opt_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("opt-str-bool", "{\"message\":true}",
	    g_opt_msg, E_INVALID, w_msg_len, "untouched");
	T_STR_CASE("opt-str-no-body", NULL,
	    g_opt_msg, E_JSON, w_nobody, "untouched");
}

static void
t_getters_other(void)
{

	T_BOOL_CASE("opt-bool-true", "{\"stream\":true}", E_OK, NULL, 1);
	T_BOOL_CASE("opt-bool-false", "{\"stream\":false}", E_OK, NULL, 0);
	T_BOOL_CASE("opt-bool-absent", "{}", E_OK, NULL, -1);
	T_BOOL_CASE("opt-bool-null", "{\"stream\":null}", E_OK, NULL, -1);
	T_BOOL_CASE("opt-bool-string", "{\"stream\":\"true\"}",
	    E_INVALID, w_bool, -1);
	T_BOOL_CASE("opt-bool-int", "{\"stream\":1}", E_INVALID, w_bool, -1);

	T_LONG_CASE("need-int-ok", "{\"limit\":20}",
	    g_need_limit, E_OK, NULL, 20);
	T_LONG_CASE("need-int-min", "{\"limit\":1}",
	    g_need_limit, E_OK, NULL, 1);
	T_LONG_CASE("need-int-max", "{\"limit\":100}",
	    g_need_limit, E_OK, NULL, 100);
	T_LONG_CASE("need-int-below", "{\"limit\":0}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-above", "{\"limit\":101}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-negative", "{\"limit\":-5}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-double", "{\"limit\":5.0}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-exponent", "{\"limit\":1e1}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-string", "{\"limit\":\"5\"}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-bool", "{\"limit\":true}",
	    g_need_limit, E_INVALID, w_int, -42);
	T_LONG_CASE("need-int-missing", "{}",
	    g_need_limit, E_INVALID, w_required_limit, -42);
	T_LONG_CASE("need-int-null", "{\"limit\":null}",
	    g_need_limit, E_INVALID, w_required_limit, -42);
	T_LONG_CASE("need-int-no-body", NULL,
	    g_need_limit, E_JSON, w_nobody, -42);
	T_LONG_CASE("need-int-wide-ok", "{\"n\":-9223372036854775807}",
	    g_need_wide, E_OK, NULL, -LONG_MAX);
	T_LONG_CASE("need-int-wide-ok-max", "{\"n\":9223372036854775806}",
	    g_need_wide, E_OK, NULL, LONG_MAX - 1);
	/* Past int64, json-c saturates: never a silently clamped value. */
	T_LONG_CASE("need-int-overflow", "{\"n\":9223372036854775808}",
	    g_need_wide, E_INVALID, w_int_wide, -42);
	T_LONG_CASE("need-int-overflow-huge",
	    "{\"n\":123456789012345678901234567890}",
	    g_need_wide, E_INVALID, w_int_wide, -42);
	T_LONG_CASE("need-int-underflow", "{\"n\":-9223372036854775809}",
	    g_need_wide, E_INVALID, w_int_wide, -42);
}

/* Listens on the test socket for the getter cases. */
static void
t_listen(void)
{
	struct sockaddr_un	 addr;
	socklen_t		 alen;

	t_addr(&addr, &alen);
	T_OK((t_lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	T_OK(bind(t_lfd, (struct sockaddr *)&addr, alen) == 0);
	T_OK(listen(t_lfd, 8) == 0);
	T_EQ(FCGX_Init(), 0);
}

int
main(void)
{

	t_parse_tables();
	t_utf8_tables();
	t_depth();
	t_objects();
	t_numbers();
	t_big();
	t_str_or_null();
	t_listen();
	t_getters_str();
	t_getters_other();
	close(t_lfd);
	return 0;
}
