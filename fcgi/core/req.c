/*
 * FastCGI params -> struct req, and every way to answer (API.md §2).
 * One of the two files that parse untrusted bytes: CONTENT_LENGTH,
 * X-Request-Id, Authorization and the query string are bounded and
 * checked here before anything inward sees them.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "arena.h"
#include "caps.h"
#include "conf.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mono.h"
#include "num.h"
#include "records.h"
#include "req.h"
#include "worker.h"


/* Seconds of silence before sse_heartbeat() writes (SSE_HEARTBEAT_SEC). */
static int	heartbeat_sec = 15;

/* Status line reason phrases, for the CGI Status header. */
static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Payload Too Large" }, { 415, "Unsupported Media Type" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 0, NULL }
};

static const char *
reason(int status)
{
	int	i;

	for (i = 0; reasons[i].reason != NULL; i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

const char *
req_param(const struct req *rq, const char *name)
{
	return FCGX_GetParam(name, rq->fr->envp);
}

/* 1..REQID_MAX of [A-Za-z0-9._-] (API.md §2). */
static int
reqid_valid(const char *s)
{
	size_t	n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (n == REQID_MAX || !(isalnum((unsigned char)s[n]) ||
		    s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0;
}

static void
reqid_make(char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 b[16];
	size_t			 i;

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		struct timespec	ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts, sizeof(ts) < sizeof(b) ? sizeof(ts) : sizeof(b));
	}
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * sizeof(b)] = '\0';
}

/* The token of "Authorization: Bearer <t>", scheme case-insensitive. */
static const char *
bearer(const char *h)
{
	if (h == NULL || strlen(h) > AUTH_HEADER_MAX ||
	    strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (h += 7; *h == ' '; h++)
		continue;
	return *h != '\0' ? h : NULL;
}

/*
 * Fills rq for one accepted request. E_TOOLARGE when the params exceed
 * PARAMS_MAX, E_INVALID for a path no route could hold; either way rq
 * is usable for reply_err().
 */
enum err
req_init(struct req *rq, FCGX_Request *fr, struct arena *a)
{
	const char	*p, *v, *id = NULL, *auth = NULL, *doc = NULL,
			*uri = NULL;
	char	       **env;
	size_t		 total = 0, n;

	memset(rq, 0, sizeof(*rq));
	rq->fr = fr;
	rq->a = a;
	rq->route_idx = -1;
	rq->t_start = mono_now();
	rq->errs_at_start = log_errors();

	/*
	 * One pass over the params for the ones every request needs and
	 * their total size (a lookup each would scan them all again). The
	 * first of a repeated name wins, as with FCGX_GetParam.
	 */
#define PARAM(lit, var)	\
	if (n == sizeof(lit) - 1 && memcmp(*env, lit, n) == 0) {	\
		if ((var) == NULL)					\
			(var) = v;					\
		continue;						\
	}
	for (env = fr->envp; env != NULL && *env != NULL; env++) {
		if ((v = strchr(*env, '=')) == NULL) {
			total += strlen(*env);
			continue;
		}
		n = (size_t)(v++ - *env);
		total += n + 1 + strlen(v);
		PARAM("REQUEST_METHOD", rq->method);
		PARAM("QUERY_STRING", rq->query);
		PARAM("DOCUMENT_URI", doc);
		PARAM("CONTENT_TYPE", rq->ctype);
		PARAM("HTTP_AUTHORIZATION", auth);
		PARAM("HTTP_X_REQUEST_ID", id);
		PARAM("REQUEST_URI", uri);
	}
#undef PARAM
	if (reqid_valid(id))
		strcpy(rq->reqid, id);
	else
		reqid_make(rq->reqid);
	log_set_rid(rq->reqid);

	if (rq->method == NULL)
		rq->method = "GET";
	if (rq->query == NULL)
		rq->query = "";
	rq->bearer = bearer(auth);
	if ((p = doc) == NULL && (p = uri) == NULL)
		p = "/";
	n = strcspn(p, "?");
	rq->path = arena_strndup(a, p, n);

	if (total > PARAMS_MAX)
		return E_TOOLARGE;
	if (n == 0 || n > PATH_MAX_LEN || *rq->path != '/')
		return E_INVALID;
	return E_OK;
}

/*
 * Reads the body into the arena. CONTENT_LENGTH is checked against
 * BODY_MAX before a byte is read, so an oversized body costs nothing.
 */
enum err
req_read_body(struct req *rq)
{
	const char	*cl;
	long		 len = 0;
	char		*buf;
	int		 got;

	cl = FCGX_GetParam("CONTENT_LENGTH", rq->fr->envp);
	if (cl != NULL && *cl != '\0' &&
	    conf_int(cl, 0, 1L << 40, &len) != 0)
		return E_INVALID;
	if (len > BODY_MAX)
		return E_TOOLARGE;
	buf = arena_alloc(rq->a, (size_t)len + 1);
	got = len > 0 ? FCGX_GetStr(buf, (int)len, rq->fr->in) : 0;
	if (got != len)
		return E_INVALID;	/* the client went away mid-body */
	buf[len] = '\0';
	rq->body = buf;
	rq->bodylen = (size_t)len;
	return E_OK;
}

void
req_drain(struct req *rq)
{
	char	buf[4096];
	size_t	total = 0;
	int	n;

	while (total < DRAIN_MAX &&
	    (n = FCGX_GetStr(buf, sizeof(buf), rq->fr->in)) > 0)
		total += (size_t)n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The byte at s[*i] of s[0..n) decoded (application/x-www-form-
 * urlencoded: '+' is a space, %XX a byte), advancing *i past it; -1
 * for a '%' without two hex digits, *i then unmoved.
 */
static int
query_byte(const char *s, size_t n, size_t *i)
{
	int	 h, l;

	if (s[*i] == '+') {
		(*i)++;
		return ' ';
	}
	if (s[*i] != '%')
		return (unsigned char)s[(*i)++];
	if (*i + 2 >= n ||
	    (h = hexval((unsigned char)s[*i + 1])) < 0 ||
	    (l = hexval((unsigned char)s[*i + 2])) < 0)
		return -1;
	*i += 3;
	return h * 16 + l;
}

/*
 * Percent-decodes s[0..n) into the arena, *len its length (it may hold
 * a NUL). A bad escape is kept as it is, or with strict makes NULL.
 */
static char *
decode(struct arena *a, const char *s, size_t n, int strict, size_t *len)
{
	char	*out = arena_alloc(a, n + 1), *o = out;
	size_t	 i = 0;
	int	 c;

	while (i < n) {
		if ((c = query_byte(s, n, &i)) == -1) {
			if (strict)
				return NULL;
			c = s[i++];
		}
		*o++ = (char)c;
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

/* 1 when the encoded s[0..n) decodes to exactly name. */
static int
query_name_is(const char *s, size_t n, const char *name)
{
	size_t	 i = 0;
	int	 c;

	while (i < n)
		if (*name == '\0' || (c = query_byte(s, n, &i)) == -1 ||
		    c != (unsigned char)*name++)
			return 0;
	return *name == '\0';
}

/*
 * How many pairs of query string q are named name (compared decoded);
 * *val, *vlen: the first one's value, still encoded ("" for a bare
 * "name"). Linear in q: each pair is looked at once.
 */
static int
query_find(const char *q, const char *name, const char **val,
    size_t *vlen)
{
	const char	*eq;
	size_t		 n, k;
	int		 count = 0;

	for (; *q != '\0'; q += n + (q[n] == '&')) {
		n = strcspn(q, "&");
		eq = memchr(q, '=', n);
		k = eq != NULL ? (size_t)(eq - q) : n;
		if (!query_name_is(q, k, name) || count++ > 0)
			continue;
		*val = eq != NULL ? eq + 1 : q + n;
		*vlen = eq != NULL ? n - k - 1 : 0;
	}
	return count;
}

/*
 * The first value of query parameter name, decoded into the arena
 * (a bad % escape kept as it is), or NULL when absent.
 */
const char *
req_query(const struct req *rq, const char *name)
{
	const char	*v;
	size_t		 n;

	if (query_find(rq->query, name, &v, &n) == 0)
		return NULL;
	return decode(rq->a, v, n, 0, &n);
}

/*
 * A query getter's contract: a string under str, or else an integer
 * in [min, max]; need makes absence a 400.
 */
struct query_field {
	const char		*name;
	int			 need;
	long			 min, max;
	const struct strspec	*str;
};

/* An optional '-' and decimal digits, nothing else, in a long. */
static int
query_long(const char *s, long *out)
{
	char	*end;
	long	 v;

	if (s[*s == '-'] < '0' || s[*s == '-'] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Checks the decoded s[0..len) against f and stores it at out
 * (const char * or long); 0, or -1 with out untouched. */
static int
query_take(const struct query_field *f, const char *s, size_t len,
    void *out)
{
	long	 v;

	if (s == NULL || !json_utf8_valid(s, len))
		return -1;
	if (f->str != NULL) {
		if (!json_str_ok(f->str, s, len))
			return -1;
		*(const char **)out = s;
		return 0;
	}
	if (query_long(s, &v) == -1 || v < f->min || v > f->max)
		return -1;
	*(long *)out = v;
	return 0;
}

/* What f asks for, for "query parameter 'x' must be ...". */
static void
query_expect(const struct query_field *f, char *buf, size_t sz)
{

	if (f->str != NULL)
		json_str_expect(f->str, buf, sz);
	else
		snprintf(buf, sz, "an integer from %ld to %ld", f->min, f->max);
}

/*
 * The one lookup under the query getters: finds f->name, refuses it
 * given twice (no guessing which one a proxy or cache saw), decodes it
 * strictly and checks it. E_OK (out untouched when absent) or E_INVALID
 * with the 400 naming the parameter sent.
 */
static enum err
query_get(struct req *rq, const struct query_field *f, void *out)
{
	const char	*v, *s;
	char		 want[JSON_EXPECT_MAX];
	size_t		 n;

	switch (query_find(rq->query, f->name, &v, &n)) {
	case 0:
		if (!f->need)
			return E_OK;
		reply_errmsg(rq, E_INVALID, "query parameter '%s' is required",
		    f->name);
		return E_INVALID;
	case 1:
		s = decode(rq->a, v, n, 1, &n);
		if (query_take(f, s, n, out) == 0)
			return E_OK;
		query_expect(f, want, sizeof(want));
		reply_errmsg(rq, E_INVALID, "query parameter '%s' must be %s",
		    f->name, want);
		return E_INVALID;
	default:
		reply_errmsg(rq, E_INVALID,
		    "query parameter '%s' must be given once", f->name);
		return E_INVALID;
	}
}

/* Query parameter name, an integer in [min, max]; absent is a 400. */
enum err
need_query_int(struct req *rq, const char *name, long min, long max,
    long *out)
{
	const struct query_field	 f = { name, 1, min, max, NULL };

	return query_get(rq, &f, out);
}

/* As need_query_int(); absent leaves *out as it was. */
enum err
opt_query_int(struct req *rq, const char *name, long min, long max,
    long *out)
{
	const struct query_field	 f = { name, 0, min, max, NULL };

	return query_get(rq, &f, out);
}

/* Query parameter name under sp, in the arena; absent: *out as it was. */
enum err
opt_query_str(struct req *rq, const char *name, const struct strspec *sp,
    const char **out)
{
	const struct query_field	 f = { name, 0, 0, 0, sp };

	return query_get(rq, &f, out);
}

/*
 * The CGI header block, in the arena; *len its length. clen >= 0 sends
 * Content-Length: nginx then passes the body as it is instead of
 * chunking it. -1 for a stream.
 */
static const char *
head_text(struct req *rq, int status, const char *ctype, const char *extra,
    long clen, size_t *len)
{
	char		 st[NUM_DEC_MAX], cl[NUM_DEC_MAX];
	const char	*piece[13];		/* as many as PIECE()s below */
	size_t		 plen[13], n = 0, i, total = 0;
	char		*buf, *p;
	const char	*why = reason(status);

	assert(rq->status == 0 && status >= 100 && status <= 999);
	rq->status = status;
	/* Pieces, not a printf: this runs for every request. */
#define PIECE(s, l)	(piece[n] = (s), plen[n++] = (l))
	PIECE("Status: ", 8);
	PIECE(st, num_dec(st, sizeof(st), (unsigned long)status, 3));
	PIECE(" ", 1);
	PIECE(why, strlen(why));
	PIECE("\r\nX-Request-Id: ", 16);
	PIECE(rq->reqid, strlen(rq->reqid));
	if (ctype != NULL) {
		PIECE("\r\nContent-Type: ", 16);
		PIECE(ctype, strlen(ctype));
	}
	if (clen >= 0) {
		PIECE("\r\nContent-Length: ", 18);
		PIECE(cl, num_dec(cl, sizeof(cl), (unsigned long)clen, 1));
	}
	PIECE("\r\n", 2);
	if (extra != NULL)
		PIECE(extra, strlen(extra));
	PIECE("\r\n", 2);
#undef PIECE
	assert(n <= sizeof(piece) / sizeof(piece[0]));
	for (i = 0; i < n; i++)
		total += plen[i];
	p = buf = arena_alloc(rq->a, total);
	for (i = 0; i < n; i++) {
		memcpy(p, piece[i], plen[i]);
		p += plen[i];
	}
	*len = total;
	return buf;
}

static void
send_head(struct req *rq, int status, const char *ctype,
    const char *extra, long clen)
{
	const char	*h;
	size_t		 len;

	h = head_text(rq, status, ctype, extra, clen, &len);
	FCGX_PutStr(h, (int)len, rq->fr->out);
}

void
reply_raw(struct req *rq, int status, const char *ctype,
    const char *extra, const char *body, size_t len)
{
	const char	*h;
	size_t		 hlen;

	h = head_text(rq, status, ctype, extra, (long)len, &hlen);
	/* What fits libfcgi's stream buffer, with the records that end the
	 * request, goes out in one write at FCGX_Finish_r(); a larger
	 * answer in records of up to 64 KiB at once (records.c). */
	if (hlen + len <= REPLY_BUFFERED_MAX) {
		FCGX_PutStr(h, (int)hlen, rq->fr->out);
		if (len > 0 && FCGX_PutStr(body, (int)len, rq->fr->out) < 0)
			rq->client_gone = 1;
	} else if (records_stdout(rq->fr, h, hlen, body, len) != 0)
		rq->client_gone = 1;
}

void
reply_json(struct req *rq, int status, struct json_object *o)
{
	const char	*s;
	size_t		 len;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	reply_raw(rq, status, JSON_CTYPE, NULL, s, len);
	json_object_put(o);
}

/*
 * The client has gone: nothing is written; the request is logged and
 * counted as 499 (nginx's "client closed request").
 */
void
reply_gone(struct req *rq)
{
	if (rq->status == 0)
		rq->status = 499;
}

void
reply_empty(struct req *rq, int status)
{
	send_head(rq, status, NULL, NULL, -1);	/* 204: no body at all */
}

/* The contract's error body (API.md §2); the caller puts it. */
static struct json_object *
err_body(enum err e, const char *msg)
{
	const struct err_info	*ei = err_info(e);
	struct json_object	*o, *inner;

	inner = json_object_new_object();
	json_object_object_add(inner, "code",
	    json_object_new_string(ei->code));
	json_object_object_add(inner, "message",
	    json_object_new_string(msg != NULL ? msg : ei->message));
	o = json_object_new_object();
	json_object_object_add(o, "error", inner);
	return o;
}

/*
 * The one error writer: a reply before a stream began, an "error" event
 * after. A 5xx is logged here only when nothing logged the failure
 * already (log once, where it is detected).
 */
static void
send_err(struct req *rq, enum err e, const char *msg, const char *extra)
{
	const struct err_info	*ei = err_info(e);
	struct json_object	*o;
	const char		*s;
	size_t			 len;

	if (ei->status >= 500 && e != E_STOPPING &&
	    log_errors() == rq->errs_at_start)
		log_error(rq->reqid, "%s %s: %s", rq->method, rq->path,
		    err_str(e));
	o = err_body(e, msg);
	if (rq->streaming)
		(void)sse_event(rq, "error", o);
	else {
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		reply_raw(rq, ei->status, JSON_CTYPE, extra, s, len);
	}
	json_object_put(o);
}

/* The headers each error status carries beyond the body. */
static const char *
err_headers(struct req *rq, enum err e, int retry_after)
{
	switch (e) {
	case E_UNAUTH:
		return "WWW-Authenticate: Bearer\r\n";
	case E_DBDOWN:
	case E_BUSY:
	case E_STOPPING:
	case E_RATE:
		return arena_printf(rq->a, "Retry-After: %d\r\n",
		    retry_after > 0 ? retry_after : DB_RETRY_AFTER_SEC);
	default:
		return NULL;
	}
}

void
reply_err(struct req *rq, enum err e)
{
	send_err(rq, e, NULL, err_headers(rq, e, 0));
}

void
reply_err_after(struct req *rq, enum err e, int retry_after,
    const char *message)
{
	send_err(rq, e, message, err_headers(rq, e, retry_after));
}

void
reply_errmsg(struct req *rq, enum err e, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_err(rq, e, msg, err_headers(rq, e, 0));
}

void
reply_method(struct req *rq, const char *allow)
{
	send_err(rq, E_METHOD, NULL,
	    arena_printf(rq->a, "Allow: %s\r\n", allow));
}

/* Flushes what was written; notes a client that has gone. */
static enum err
sse_flush(struct req *rq)
{
	if (FCGX_FFlush(rq->fr->out) < 0 || FCGX_GetError(rq->fr->out)) {
		rq->client_gone = 1;
		return E_IO;
	}
	rq->t_write = mono_now();
	return E_OK;
}

/*
 * Sends the event-stream headers and flushes them, so nginx (with
 * buffering off) starts the response at once.
 */
enum err
sse_begin(struct req *rq)
{
	send_head(rq, 200, "text/event-stream; charset=utf-8",
	    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n", -1);
	rq->streaming = 1;
	return sse_flush(rq);
}

enum err
sse_event(struct req *rq, const char *event, struct json_object *data)
{
	const char	*s;
	size_t		 len;

	assert(rq->streaming);
	if (rq->client_gone)
		return E_IO;
	/* Plain serialisation escapes newlines, so one data: line holds. */
	s = json_object_to_json_string_length(data, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	FCGX_PutStr("event: ", 7, rq->fr->out);
	FCGX_PutS(event, rq->fr->out);
	FCGX_PutStr("\ndata: ", 7, rq->fr->out);
	FCGX_PutStr(s, (int)len, rq->fr->out);
	FCGX_PutStr("\n\n", 2, rq->fr->out);
	return sse_flush(rq);
}

void
sse_heartbeat_every(int sec)
{
	heartbeat_sec = sec;
}

enum err
sse_heartbeat(struct req *rq)
{
	assert(rq->streaming);
	if (rq->client_gone)
		return E_IO;
	if (mono_now() - rq->t_write < heartbeat_sec)
		return E_OK;
	FCGX_PutStr(": keep-alive\n\n", 14, rq->fr->out);
	return sse_flush(rq);
}

/*
 * nginx closes the FastCGI connection when the client of an unfinished
 * request goes away; the peer's close shows as POLLRDHUP without a
 * read, so unread request bytes never look like a live client.
 */
enum err
req_cancelled(struct req *rq)
{
	struct pollfd	pfd;

	if (!rq->client_gone && rq->fr->ipcFd >= 0) {
		pfd.fd = rq->fr->ipcFd;
		pfd.events = POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) > 0 &&
		    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			rq->client_gone = 1;
	}
	if (rq->client_gone)
		return E_IO;
	return worker_stopping() ? E_STOPPING : E_OK;
}
