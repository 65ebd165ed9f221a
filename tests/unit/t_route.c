/*
 * Unit tests for route_match() against route.h: literal segments,
 * {id} captures and their kinds, exact trailing slashes, 404 versus
 * 405 with its Allow list, buffers too small for what the path holds;
 * then whole requests through tests/lib/tfcgi.c: a bad argument is a
 * 404 before the handler runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "t.h"
#include "tfcgi.h"
#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "core/req.h"
#include "core/route.h"

static void	t_fn(struct req *);
static void	t_requests_big(void);

/* Legend: method, pattern, handler, flags, metrics name. */
static const struct route rt[] = {
	/* 0 */ { "GET", "/healthz", t_fn, 0, NULL },
	/* 1 */ { "GET", "/v1/conversations", t_fn, R_USER, NULL },
	/* 2 */ { "POST", "/v1/conversations", t_fn, R_USER | R_JSON, NULL },
	/* 3 */ { "GET", "/v1/conversations/{id}", t_fn, R_USER, NULL },
	/* 4 */ { "PATCH", "/v1/conversations/{id}", t_fn, R_USER, NULL },
	/* 5 */ { "DELETE", "/v1/conversations/{id}", t_fn, R_USER, NULL },
	/* 6 */ { "GET", "/v1/conversations/{id}/runs", t_fn, R_USER, NULL },
	/* 7 */ { "POST", "/v1/messages/{id}/feedback", t_fn, R_JSON, NULL },
	/* 8 */ { "GET", "/u/me", t_fn, R_USER, NULL },
	/* 9 */ { "GET", "/u/{thing}", t_fn, 0, NULL },
	/* 10 */ { "PUT", "/u/{thing}", t_fn, 0, NULL },
	/* 11 */ { "GET", "/a/{x}/b/{y}", t_fn, 0, NULL },
	/* 12 */ { "GET", "/four/{a}/{b}/{c}/{d}", t_fn, 0, NULL },
	/* 13 */ { "GET", "/five/{a}/{b}/{c}/{d}/{e}", t_fn, 0, NULL },
	/* 14 */ { "GET", "/", t_fn, 0, NULL },
	/* 15 */ { "GET", "/metrics", t_fn, R_LOCAL, NULL },
	/* 16 */ { "HEAD", "/metrics", t_fn, R_LOCAL, NULL },
	/* 17 */ { "GET", "/files/{name:any}", t_fn, 0, NULL },
	/* 18 */ { "GET", "/k/{a:id}/{b:any}", t_fn, 0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

/*
 * Legend: method, path, expected result, route index (E_OK) and the
 * captured args joined by '|' (E_OK) or the Allow value (E_METHOD).
 */
static const struct {
	const char	*method;
	const char	*path;
	enum err	 e;
	int		 idx;
	const char	*want;
} cases[] = {
	{ "GET", "/healthz", E_OK, 0, "" },
	{ "GET", "/v1/conversations", E_OK, 1, "" },
	{ "POST", "/v1/conversations", E_OK, 2, "" },
	{ "GET", "/v1/conversations/abc", E_OK, 3, "abc" },
	{ "PATCH", "/v1/conversations/abc", E_OK, 4, "abc" },
	{ "DELETE", "/v1/conversations/6f1c-9a", E_OK, 5, "6f1c-9a" },
	{ "GET", "/v1/conversations/x/runs", E_OK, 6, "x" },
	{ "POST", "/v1/messages/42/feedback", E_OK, 7, "42" },
	{ "GET", "/v1/conversations/T-2026.11:42_a", E_OK, 3,
	    "T-2026.11:42_a" },
	{ "GET", "/v1/conversations/6f1c2a3e-0b1d-4c5e-9f00-112233445566",
	    E_OK, 3, "6f1c2a3e-0b1d-4c5e-9f00-112233445566" },
	{ "GET", "/files/a b.c", E_OK, 17, "a b.c" },
	{ "GET", "/files/caf\xc3\xa9", E_OK, 17, "caf\xc3\xa9" },
	{ "GET", "/k/x.y/a b", E_OK, 18, "x.y|a b" },
	/* The first matching route in table order wins. */
	{ "GET", "/u/me", E_OK, 8, "" },
	{ "GET", "/u/other", E_OK, 9, "other" },
	{ "PUT", "/u/me", E_OK, 10, "me" },
	{ "GET", "/a/1/b/2", E_OK, 11, "1|2" },
	{ "GET", "/four/1/2/3/4", E_OK, 12, "1|2|3|4" },
	{ "GET", "/", E_OK, 14, "" },
	{ "HEAD", "/metrics", E_OK, 16, "" },
	{ "HEAD", "/healthz", E_OK, 0, "" },
	{ "HEAD", "/u/me", E_OK, 8, "" },

	/* 405: every method registered for the path, in table order. */
	{ "PUT", "/v1/conversations", E_METHOD, -1, "GET, POST" },
	{ "POST", "/v1/conversations/abc", E_METHOD, -1,
	    "GET, PATCH, DELETE" },
	{ "DELETE", "/v1/conversations/abc/runs", E_METHOD, -1, "GET" },
	{ "GET", "/v1/messages/42/feedback", E_METHOD, -1, "POST" },
	{ "POST", "/healthz", E_METHOD, -1, "GET" },
	{ "HEAD", "/v1/messages/42/feedback", E_METHOD, -1, "POST" },
	{ "get", "/healthz", E_METHOD, -1, "GET" },
	{ "DELETE", "/u/me", E_METHOD, -1, "GET, PUT" },
	{ "POST", "/metrics", E_METHOD, -1, "GET, HEAD" },
	{ "", "/healthz", E_METHOD, -1, "GET" },

	/* 404: exact segments, no empty ones, nothing extra. */
	{ "GET", "/v1/conversations/", E_NOTFOUND, -1, NULL },
	{ "POST", "/v1/conversations/", E_NOTFOUND, -1, NULL },
	{ "GET", "/healthz/", E_NOTFOUND, -1, NULL },
	{ "GET", "/healthzz", E_NOTFOUND, -1, NULL },
	{ "GET", "/health", E_NOTFOUND, -1, NULL },
	{ "GET", "/HEALTHZ", E_NOTFOUND, -1, NULL },
	{ "GET", "healthz", E_NOTFOUND, -1, NULL },
	{ "GET", "", E_NOTFOUND, -1, NULL },
	{ "GET", "//", E_NOTFOUND, -1, NULL },
	{ "GET", "//healthz", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1//conversations", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations//runs", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/abc/", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/abc/runs/", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/abc/runs/x", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/a/b", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/", E_NOTFOUND, -1, NULL },
	{ "GET", "/u/", E_NOTFOUND, -1, NULL },
	{ "GET", "/u", E_NOTFOUND, -1, NULL },
	{ "GET", "/v2/conversations", E_NOTFOUND, -1, NULL },
	{ "GET", "/a/1/b/", E_NOTFOUND, -1, NULL },
	{ "GET", "/a/1/c/2", E_NOTFOUND, -1, NULL },
	{ "GET", "/four/1/2/3", E_NOTFOUND, -1, NULL },
	{ "GET", "/four/1/2/3/4/5", E_NOTFOUND, -1, NULL },
	/* More {..} segments than ROUTE_ARGS_MAX never match. */
	{ "GET", "/five/1/2/3/4/5", E_NOTFOUND, -1, NULL },
	{ "GET", "/unknown", E_NOTFOUND, -1, NULL },

	/*
	 * 404: an argument outside its kind matches no route ("{id}" is
	 * 1..ID_MAX of [A-Za-z0-9._:-]); even where the path exists for
	 * other methods, since no such resource can exist.
	 */
	{ "GET", "/v1/conversations/a b.c", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/caf\xc3\xa9", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/a%20b", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/a;b", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/'--", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/a\x01", E_NOTFOUND, -1, NULL },
	{ "GET", "/v1/conversations/a b/runs", E_NOTFOUND, -1, NULL },
	{ "POST", "/v1/conversations/a b", E_NOTFOUND, -1, NULL },
	{ "POST", "/v1/messages/m@1/feedback", E_NOTFOUND, -1, NULL },
	{ "GET", "/u/a+b", E_NOTFOUND, -1, NULL },
	{ "GET", "/a/1/b/{y}", E_NOTFOUND, -1, NULL },
	{ "GET", "/files/\xff", E_NOTFOUND, -1, NULL },
	{ "GET", "/files/\xc0\xaf", E_NOTFOUND, -1, NULL },
	{ "GET", "/k/a b/c", E_NOTFOUND, -1, NULL },
	/* A literal route still wins for its own segment. */
	{ "PUT", "/u/me", E_OK, 10, "me" },
};

static void
t_fn(struct req *rq)
{

	(void)rq;
}

/* 1 when b[from..to) still holds the '#' it was filled with. */
static int
t_untouched(const char *b, size_t from, size_t to)
{

	for (; from < to; from++)
		if (b[from] != '#')
			return 0;
	return 1;
}

/* The args joined by '|' into buf. */
static void
t_join(const char **args, int n, char *buf, size_t bufsz)
{
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(buf, "|", bufsz - strlen(buf) - 1);
		strncat(buf, args[i], bufsz - strlen(buf) - 1);
	}
}

static void
t_table(void)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		 argbuf[PATH_MAX_LEN], got[PATH_MAX_LEN];
	char		 allow[128];
	size_t		 i;
	int		 idx, nargs;
	enum err	 e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		idx = nargs = -7;
		e = route_match(rt, cases[i].method, cases[i].path, &idx,
		    argbuf, sizeof(argbuf), args, &nargs, allow,
		    sizeof(allow));
		if (e != cases[i].e)
			T_FAIL("%s %s: %s, want %s", cases[i].method,
			    cases[i].path, err_str(e), err_str(cases[i].e));
		if (e == E_OK) {
			T_EQ(idx, cases[i].idx);
			T_OK(nargs >= 0 && nargs <= ROUTE_ARGS_MAX);
			t_join(args, nargs, got, sizeof(got));
			T_STR(got, cases[i].want);
		} else {
			/* Results stay untouched on failure. */
			T_EQ(idx, -7);
			T_EQ(nargs, -7);
		}
		if (e == E_METHOD)
			T_STR(allow, cases[i].want);
	}
	T_PASS("route-table");
}

/* Captures point into argbuf, NUL-terminated, and nowhere else. */
static void
t_args_in_buf(void)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		 argbuf[64], allow[64];
	int		 idx, nargs, i;

	T_EQ(route_match(rt, "GET", "/four/aa/b/ccc/d", &idx, argbuf,
	    sizeof(argbuf), args, &nargs, allow, sizeof(allow)), E_OK);
	T_EQ(nargs, 4);
	for (i = 0; i < nargs; i++)
		T_OK(args[i] >= argbuf && args[i] + strlen(args[i]) <
		    argbuf + sizeof(argbuf));
	T_STR(args[0], "aa");
	T_STR(args[2], "ccc");
	T_PASS("route-args-in-argbuf");
}

/*
 * A capture that does not fit argbuf (with its NUL) is not a match,
 * and nothing is written past argbufsz.
 */
static void
t_argbuf_small(void)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		 argbuf[64], allow[64];
	int		 idx, nargs;

	memset(argbuf, '#', sizeof(argbuf));
	T_EQ(route_match(rt, "GET", "/v1/conversations/abcdef", &idx, argbuf,
	    6, args, &nargs, allow, sizeof(allow)), E_NOTFOUND);
	T_OK(t_untouched(argbuf, 6, sizeof(argbuf)));
	T_EQ(route_match(rt, "GET", "/v1/conversations/abcdef", &idx, argbuf,
	    7, args, &nargs, allow, sizeof(allow)), E_OK);
	T_STR(args[0], "abcdef");
	T_OK(t_untouched(argbuf, 7, sizeof(argbuf)));

	/* Two captures: the second one no longer fits. */
	memset(argbuf, '#', sizeof(argbuf));
	T_EQ(route_match(rt, "GET", "/a/123/b/45", &idx, argbuf, 6, args,
	    &nargs, allow, sizeof(allow)), E_NOTFOUND);
	T_OK(t_untouched(argbuf, 6, sizeof(argbuf)));
	T_EQ(route_match(rt, "GET", "/a/123/b/45", &idx, argbuf, 7, args,
	    &nargs, allow, sizeof(allow)), E_OK);
	T_STR(args[0], "123");
	T_STR(args[1], "45");

	/* Literal routes need no argbuf at all. */
	T_EQ(route_match(rt, "GET", "/healthz", &idx, argbuf, 0, args,
	    &nargs, allow, sizeof(allow)), E_OK);
	T_EQ(nargs, 0);
	T_PASS("route-argbuf-too-small");
}

/* An Allow buffer too small for the list stays bounded and terminated. */
static void
t_allow_small(void)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		 argbuf[64], allow[64];
	size_t		 sz;
	int		 idx, nargs;

	for (sz = 1; sz <= 24; sz++) {
		memset(allow, '#', sizeof(allow));
		T_EQ(route_match(rt, "POST", "/v1/conversations/x", &idx,
		    argbuf, sizeof(argbuf), args, &nargs, allow, sz),
		    E_METHOD);
		T_OK(memchr(allow, '\0', sz) != NULL);
		T_OK(t_untouched(allow, sz, sizeof(allow)));
		if (sz > strlen("GET, PATCH, DELETE"))
			T_STR(allow, "GET, PATCH, DELETE");
	}
	T_PASS("route-allow-too-small");
}

/* An id at its bound and past it; a path as long as req.c lets
 * through, all of it one "any" segment. */
static void
t_long(void)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		 path[PATH_MAX_LEN + 1], argbuf[PATH_MAX_LEN];
	char		 allow[64];
	int		 idx, nargs;

	memcpy(path, "/v1/conversations/", 18);
	memset(path + 18, 'x', ID_MAX);
	path[18 + ID_MAX] = '\0';
	T_EQ(route_match(rt, "GET", path, &idx, argbuf, sizeof(argbuf), args,
	    &nargs, allow, sizeof(allow)), E_OK);
	T_EQ(strlen(args[0]), ID_MAX);
	path[18 + ID_MAX] = 'x';
	path[18 + ID_MAX + 1] = '\0';
	T_EQ(route_match(rt, "GET", path, &idx, argbuf, sizeof(argbuf), args,
	    &nargs, allow, sizeof(allow)), E_NOTFOUND);
	T_PASS("route-id-bound");

	memcpy(path, "/files/", 7);
	memset(path + 7, 'x', PATH_MAX_LEN - 7);
	path[PATH_MAX_LEN] = '\0';
	T_EQ(route_match(rt, "GET", path, &idx, argbuf, sizeof(argbuf), args,
	    &nargs, allow, sizeof(allow)), E_OK);
	T_EQ(idx, 17);
	T_EQ(strlen(args[0]), PATH_MAX_LEN - 7);
	memset(path, '/', PATH_MAX_LEN);
	T_EQ(route_match(rt, "GET", path, &idx, argbuf, sizeof(argbuf), args,
	    &nargs, allow, sizeof(allow)), E_NOTFOUND);
	T_PASS("route-long-path");
}

/* The kinds table: lookups by exact name only. */
static void
t_kinds(void)
{
	const struct strspec	*sp;

	T_OK((sp = route_kind("id", 2)) != NULL);
	T_EQ(sp->min, 1);
	T_EQ(sp->max, ID_MAX);
	T_STR(sp->charset, CHARSET_ID);
	T_OK(route_kind("any", 3) != NULL);
	T_OK(route_kind("idx", 2) == sp);
	T_OK(route_kind("idx", 3) == NULL);
	T_OK(route_kind("i", 1) == NULL);
	T_OK(route_kind("", 0) == NULL);
	T_PASS("route-kinds");
}

static void
t_empty_table(void)
{
	static const struct route none[] = { { NULL, NULL, NULL, 0, NULL } };
	const char	*args[ROUTE_ARGS_MAX];
	char		 argbuf[16], allow[16];
	int		 idx, nargs;

	T_EQ(route_match(none, "GET", "/", &idx, argbuf, sizeof(argbuf),
	    args, &nargs, allow, sizeof(allow)), E_NOTFOUND);
	T_PASS("route-empty-table");
}

/* Set by t_conv(): the handler ran, with this argument. */
static int	 t_ran;

/* GET /v1/conversations/{id}: echoes its argument and caller. */
static void
t_conv(struct req *rq)
{
	struct json_object	*o = json_object_new_object();

	t_ran = 1;
	json_object_object_add(o, "id", json_object_new_string(rq->arg[0]));
	json_object_object_add(o, "uid", json_object_new_string(rq->uid));
	reply_json(rq, 200, o);
}

/* POST /echo: the length of field "s" and query "q". */
static void
t_echo(struct req *rq)
{
	struct json_object	*o;
	const char		*s, *q = "none";

	t_ran = 1;
	if (need_str(rq, "s", 0, BODY_MAX, &s) != E_OK ||
	    opt_query_str(rq, "q", route_kind("id", 2), &q) != E_OK)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "len", json_object_new_int64(
	    (int64_t)strlen(s)));
	json_object_object_add(o, "q", json_object_new_string(q));
	reply_json(rq, 200, o);
}

/* A field of the reply's JSON body as a string ("" when absent). */
static void
t_field(const struct tfcgi_resp *r, const char *k, const char *want)
{
	struct json_object	*o, *v;

	T_OK((o = tfcgi_json(r)) != NULL);
	if (strcmp(k, "code") == 0) {
		T_OK(json_object_object_get_ex(o, "error", &v));
		T_OK(json_object_object_get_ex(v, "code", &v));
	} else
		T_OK(json_object_object_get_ex(o, k, &v));
	T_STR(json_object_get_string(v), want);
	json_object_put(o);
}

/* One request through route rt: status, and whether the handler ran. */
static void
t_req(const struct route *one, const struct tfcgi_req *tr,
    struct tfcgi_resp *r, int status, int ran)
{

	t_ran = 0;
	tfcgi_route(one, tr, r);
	if (r->status != status || t_ran != ran)
		T_FAIL("%s %s: %d (ran %d), want %d (ran %d): %s",
		    tr->method ? tr->method : "GET", tr->path, r->status, t_ran,
		    status, ran, r->body);
}

/* Whole requests: a bad argument never reaches its handler. */
static void
t_requests(void)
{
	static const struct route	 conv = { "GET",
	    "/v1/conversations/{id}", t_conv, R_USER, NULL };
	static const char *const	 bearer[] = {
		"HTTP_AUTHORIZATION=Bearer user-1", NULL };
	struct tfcgi_req		 tr;
	struct tfcgi_resp		 r;

	memset(&tr, 0, sizeof(tr));
	tr.params = bearer;
	tr.path = "/v1/conversations/T-42.a:b_c";
	t_req(&conv, &tr, &r, 200, 1);
	t_field(&r, "id", "T-42.a:b_c");
	t_field(&r, "uid", "user-1");
	T_STR(tfcgi_header(&r, "content-type"), JSON_CTYPE);
	T_OK(tfcgi_header(&r, "X-Request-Id") != NULL);
	tfcgi_release(&r);
	tr.path = "/v1/conversations/a b";
	t_req(&conv, &tr, &r, 404, 0);
	t_field(&r, "code", "not_found");
	tfcgi_release(&r);
	tr.path = "/v1/conversations/1;DROP TABLE x";
	t_req(&conv, &tr, &r, 404, 0);
	tfcgi_release(&r);
	tr.method = "DELETE";
	tr.path = "/v1/conversations/ok";
	t_req(&conv, &tr, &r, 405, 0);
	T_STR(tfcgi_header(&r, "Allow"), "GET");
	tfcgi_release(&r);
	tr.method = NULL;
	tr.params = NULL;
	t_req(&conv, &tr, &r, 401, 0);
	T_STR(tfcgi_header(&r, "WWW-Authenticate"), "Bearer");
	tfcgi_release(&r);
	T_PASS("route-request-arg-404");
	t_requests_big();
}

/* A body over several FastCGI records, a param needing the long
 * length form, a query parameter: all arrive whole. */
static void
t_requests_big(void)
{
	static const struct route	 echo = { "POST", "/echo", t_echo,
	    R_JSON | R_USER, NULL };
	const char			*params[2] = { NULL, NULL };
	struct tfcgi_req		 tr;
	struct tfcgi_resp		 r;
	char				*body, *auth, num[32];
	size_t				 n = BODY_MAX - 16;

	T_OK((body = malloc(n + 16)) != NULL);
	T_OK((auth = malloc(5000)) != NULL);
	memcpy(body, "{\"s\":\"", 6);
	memset(body + 6, 'x', n);
	memcpy(body + 6 + n, "\"}", 3);
	memcpy(auth, "HTTP_AUTHORIZATION=Bearer ", 26);
	memset(auth + 26, 't', 4000);
	auth[26 + 4000] = '\0';
	params[0] = auth;
	memset(&tr, 0, sizeof(tr));
	tr.method = "POST";
	tr.path = "/echo";
	tr.query = "q=abc";
	tr.body = body;
	tr.params = params;
	t_req(&echo, &tr, &r, 200, 1);
	snprintf(num, sizeof(num), "%zu", n);
	t_field(&r, "len", num);
	t_field(&r, "q", "abc");
	tfcgi_release(&r);
	tr.query = "q=a%20c";
	t_req(&echo, &tr, &r, 400, 1);
	tfcgi_release(&r);
	tr.ctype = "text/plain";
	t_req(&echo, &tr, &r, 415, 0);
	tfcgi_release(&r);
	free(auth);
	free(body);
	T_PASS("route-request-big");
}

int
main(void)
{

	t_table();
	t_args_in_buf();
	t_argbuf_small();
	t_allow_small();
	t_long();
	t_kinds();
	t_empty_table();
	t_requests();
	return 0;
}
