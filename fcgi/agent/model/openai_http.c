/*
 * The openai provider's HTTP client (openai_http.h): libcurl's easy
 * interface, one transfer at a time, no threads. The easy handle (and
 * the connection it keeps) lives for the responder and is dropped after
 * any failure, so that a transfer cut short never leaves a connection
 * that could be reused half read, and an aborted answer's connection is
 * closed at once. Messages name no URL and no key.
 *
 *   perform --write--> first bytes: status and Content-Type pick how
 *             the body is read: 2xx event stream -> openai_sse_feed,
 *             2xx JSON -> kept whole, else -> kept as the error body
 *           --xferinfo (often, and once a second when idle)--> check()
 *             and the idle clock; either may abort the transfer
 *   done  --> the result mapped by the table of curl codes below
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "arena.h"
#include "caps.h"
#include "mono.h"
#include "openai_http.h"
#include "openai_sse.h"

/* How the body of the answer in hand is read. */
enum body { B_UNKNOWN, B_STREAM, B_WHOLE, B_ERROR };

/* One transfer. */
struct xfer {
	const struct openai_post	*p;
	CURL				*c;
	enum body			 mode;
	long				 status;
	struct openai_buf		 body;	/* B_WHOLE, B_ERROR */
	double				 last;	/* when a byte last came */
	enum err			 stop;	/* a callback stopped it */
	int				 idle;	/* the idle clock did */
	char				*why;
	size_t				 whysz;
};

/* A curl result, what it means and how it is said. */
static const struct {
	CURLcode	 code;
	enum err	 e;
	const char	*say;
} curl_errs[] = {
	{ CURLE_COULDNT_RESOLVE_HOST, E_UPSTREAM,
	    "cannot find the model provider's host" },
	{ CURLE_COULDNT_CONNECT, E_UPSTREAM,
	    "cannot connect to the model provider" },
	{ CURLE_SSL_CONNECT_ERROR, E_UPSTREAM,
	    "TLS with the model provider failed" },
	{ CURLE_PEER_FAILED_VERIFICATION, E_UPSTREAM,
	    "the model provider's TLS certificate is not trusted" },
	{ CURLE_GOT_NOTHING, E_UPSTREAM,
	    "the model provider closed the connection without an answer" },
	{ CURLE_PARTIAL_FILE, E_UPSTREAM,
	    "the model provider closed the connection mid-answer" },
	{ CURLE_RECV_ERROR, E_UPSTREAM,
	    "the connection to the model provider failed" },
	{ CURLE_SEND_ERROR, E_UPSTREAM,
	    "the connection to the model provider failed" },
	{ CURLE_UNSUPPORTED_PROTOCOL, E_UPSTREAM,
	    "MODEL_BASE_URL is not an http or https URL" },
	{ CURLE_OK, E_UPSTREAM, "the model provider failed" }	/* others */
};

/* An HTTP status that is not 2xx, as it is said. */
static const struct {
	long		 status;
	const char	*say;
} http_errs[] = {
	{ 400, "refused the request" },
	{ 401, "refused the API key (MODEL_API_KEY)" },
	{ 403, "refused the API key (MODEL_API_KEY)" },
	{ 404, "does not know the model or the URL (MODEL_NAME, "
	    "MODEL_BASE_URL)" },
	{ 429, "is limiting our requests" },
	{ 0, "failed" }		/* others */
};

static CURL	*handle;	/* the responder's, with its connection */

int
openai_http_open(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
openai_http_close(void)
{
	if (handle != NULL)
		curl_easy_cleanup(handle);
	handle = NULL;
	curl_global_cleanup();
}

/* The status and Content-Type, known once the body starts. */
static void
xfer_mode(struct xfer *x)
{
	char	*ct = NULL;

	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_getinfo(x->c, CURLINFO_CONTENT_TYPE, &ct);
	if (x->status < 200 || x->status > 299)
		x->mode = B_ERROR;
	else if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0)
		x->mode = B_WHOLE;
	else
		x->mode = B_STREAM;
}

static size_t
xfer_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = size * nmemb, keep;
	enum err	 e;

	x->last = mono_now();
	if (x->mode == B_UNKNOWN)
		xfer_mode(x);
	switch (x->mode) {
	case B_STREAM:
		if ((e = openai_sse_feed(x->p->sse, ptr, n)) != E_OK) {
			x->stop = e;
			return 0;
		}
		break;
	case B_WHOLE:
		if (openai_buf_add(x->p->sse->a, &x->body, ptr, n,
		    OPENAI_BODY_MAX) != 0) {
			snprintf(x->why, x->whysz, "the model's answer is "
			    "longer than %d bytes", OPENAI_BODY_MAX);
			x->stop = E_UPSTREAM;
			return 0;
		}
		break;
	default:		/* the error's first bytes say enough */
		keep = OPENAI_ERRBODY_MAX - x->body.len;
		(void)openai_buf_add(x->p->sse->a, &x->body, ptr,
		    n < keep ? n : keep, OPENAI_ERRBODY_MAX);
		break;
	}
	return n;
}

static int
xfer_info(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer	*x = arg;
	enum err	 e;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if ((e = x->p->check(x->p->arg)) != E_OK) {
		x->stop = e;
		return 1;
	}
	if ((mono_now() - x->last) * 1000 >= x->p->idle_ms) {
		x->idle = 1;
		x->stop = E_TIMEOUT;
		return 1;
	}
	return 0;
}

/* An answer that is not 2xx, said with the provider's own words. */
static enum err
xfer_status(struct xfer *x)
{
	char	msg[OPENAI_ERRMSG_MAX + 1];
	size_t	i;

	for (i = 0; http_errs[i].status != 0 &&
	    http_errs[i].status != x->status; i++)
		continue;
	openai_sse_errmsg(x->body.p, x->body.len, msg, sizeof(msg));
	snprintf(x->why, x->whysz, "the model provider %s (HTTP %ld)%s%s",
	    http_errs[i].say, x->status, msg[0] != '\0' ? ": " : "", msg);
	return E_UPSTREAM;
}

/* A transfer libcurl's clock ended: connecting, or the answer. */
static enum err
xfer_timeout(struct xfer *x)
{
	curl_off_t	conn = 0;

	curl_easy_getinfo(x->c, CURLINFO_CONNECT_TIME_T, &conn);
	if (conn == 0 && x->status == 0)
		snprintf(x->why, x->whysz, "no connection to the model "
		    "provider within %ld ms (MODEL_CONNECT_TIMEOUT_MS)",
		    x->p->connect_ms);
	else
		snprintf(x->why, x->whysz, "the model did not finish its "
		    "answer within %ld ms (MODEL_TIMEOUT_MS)", x->p->answer_ms);
	return E_TIMEOUT;
}

/* What the finished transfer means. */
static enum err
xfer_result(struct xfer *x, CURLcode rc)
{
	const struct openai_post	*p = x->p;
	enum err			 e;
	size_t				 i;

	if (x->stop != E_OK && (rc == CURLE_ABORTED_BY_CALLBACK ||
	    rc == CURLE_WRITE_ERROR)) {
		if (x->idle)
			snprintf(x->why, x->whysz, "the model sent nothing for "
			    "%ld ms (MODEL_IDLE_TIMEOUT_MS)", p->idle_ms);
		else if (x->stop == E_UPSTREAM && x->why[0] == '\0')
			snprintf(x->why, x->whysz, "%s", p->sse->why);
		return x->stop;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return xfer_timeout(x);
	if (rc != CURLE_OK) {
		for (i = 0; curl_errs[i].code != CURLE_OK &&
		    curl_errs[i].code != rc; i++)
			continue;
		snprintf(x->why, x->whysz, "%s (%s)", curl_errs[i].say,
		    curl_easy_strerror(rc));
		return curl_errs[i].e;
	}
	if (x->mode == B_UNKNOWN)
		xfer_mode(x);		/* no body at all */
	if (x->mode == B_ERROR)
		return xfer_status(x);
	e = x->mode == B_WHOLE ? openai_sse_whole(p->sse, x->body.p,
	    x->body.len) : openai_sse_end(p->sse);
	if (e == E_UPSTREAM)
		snprintf(x->why, x->whysz, "%s", p->sse->why);
	return e;
}

/* The list with one more header; out of memory aborts (as xmalloc). */
static struct curl_slist *
xfer_header(struct curl_slist *l, const char *h)
{
	struct curl_slist	*n;

	if ((n = curl_slist_append(l, h)) == NULL)
		abort();
	return n;
}

/* The request's headers (the key's copy wiped once curl has its own). */
static struct curl_slist *
xfer_headers(const struct openai_post *p)
{
	struct curl_slist	*hdrs = NULL;
	char			*auth;
	size_t			 n;

	hdrs = xfer_header(hdrs, "Content-Type: application/json");
	hdrs = xfer_header(hdrs, "Accept: text/event-stream");
	hdrs = xfer_header(hdrs, "Expect:");	/* no 100-continue wait */
	if (p->api_key == NULL)
		return hdrs;
	n = strlen(p->api_key) + sizeof("Authorization: Bearer ");
	auth = arena_alloc(p->sse->a, n);
	snprintf(auth, n, "Authorization: Bearer %s", p->api_key);
	hdrs = xfer_header(hdrs, auth);
	explicit_bzero(auth, n);
	return hdrs;
}

/* The request's options on a handle fresh or reset. */
static void
xfer_setup(struct xfer *x, struct curl_slist *hdrs)
{
	CURL	*c = x->c;

	curl_easy_setopt(c, CURLOPT_URL, x->p->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dataland-agent");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->p->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(x->p->body));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, x->p->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, x->p->total_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_info);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
}

enum err
openai_http_post(const struct openai_post *p, char *why, size_t whysz)
{
	struct xfer		 x;
	struct curl_slist	*hdrs;
	CURLcode		 rc;
	enum err		 e;

	why[0] = '\0';
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.why = why;
	x.whysz = whysz;
	if (p->total_ms <= 0) {
		snprintf(why, whysz, "the model did not finish its answer "
		    "within %ld ms (MODEL_TIMEOUT_MS)", p->answer_ms);
		return E_TIMEOUT;
	}
	if (handle == NULL && (handle = curl_easy_init()) == NULL) {
		snprintf(why, whysz, "cannot start a request to the model");
		return E_UPSTREAM;
	}
	curl_easy_reset(handle);	/* keeps the connection */
	x.c = handle;
	hdrs = xfer_headers(p);
	xfer_setup(&x, hdrs);
	x.last = mono_now();
	rc = curl_easy_perform(handle);
	e = xfer_result(&x, rc);
	curl_slist_free_all(hdrs);
	if (e != E_OK) {
		curl_easy_cleanup(handle);	/* closes its connection */
		handle = NULL;
	}
	return e;
}
