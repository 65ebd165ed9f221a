/*
 * One FastCGI request as the handlers see it, and every way to answer it.
 * This file and json.c are the only places untrusted bytes are parsed:
 * everything a handler receives here is bounded and NUL-terminated.
 */
#ifndef REQ_H
#define REQ_H

#include <stddef.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "caps.h"
#include "err.h"

struct arena;
struct db;
struct route;
struct service;
struct strspec;

struct req {
	FCGX_Request		*fr;		/* borrowed from the worker */
	struct arena		*a;		/* request scope */
	struct db		*db;		/* the responder's connection */
	const struct service	*svc;		/* owning service */
	const struct route	*route;		/* matched route or NULL */
	int			 route_idx;	/* in svc->routes, or -1 */

	const char		*method;	/* REQUEST_METHOD */
	const char		*path;		/* decoded path, no query */
	const char		*query;		/* raw query string or "" */
	const char		*ctype;		/* CONTENT_TYPE or NULL */
	const char		*bearer;	/* after "Bearer ", or NULL */
	char			 reqid[REQID_MAX + 1];
	const char		*arg[ROUTE_ARGS_MAX];	/* {id} values */
	int			 nargs;

	const char		*body;		/* NUL-terminated or NULL */
	size_t			 bodylen;
	struct json_object	*json;		/* parsed R_JSON body */

	const char		*uid;		/* authenticated subject */
	void			*auth;		/* service-specific claims */

	int			 status;	/* sent status, 0 before */
	int			 streaming;	/* SSE headers sent */
	int			 client_gone;	/* a write failed, or the
						   client closed */
	double			 t_start;	/* monotonic seconds */
	double			 t_write;	/* last stream write */
	unsigned long		 errs_at_start;	/* log_errors() then */
};

/* Fills rq from fr; parses method, path, query, headers, request id.
 * Returns E_OK, or E_INVALID/E_TOOLARGE (reply not yet sent). */
enum err	 req_init(struct req *, FCGX_Request *, struct arena *);
/* Reads the body, CONTENT_LENGTH checked against BODY_MAX first. */
enum err	 req_read_body(struct req *);
/* Discards unread stdin (bounded) so a kept connection stays framed. */
void		 req_drain(struct req *);
/* A CGI param by name ("HTTP_ACCEPT"); borrowed until request end. */
const char	*req_param(const struct req *, const char *);
/* Query parameter value, decoded into the arena, or NULL. The first
 * of a repeated name wins; a bad % escape is kept as it is. */
const char	*req_query(const struct req *, const char *);

/*
 * Typed query parameters (API.md §4: limit, cursor). Names and values
 * are percent-decoded ('+' a space); a parameter given twice, a bad %
 * escape, invalid UTF-8 or a NUL is refused. On failure the 400
 * invalid_request naming the parameter has been sent, E_INVALID comes
 * back and *out is untouched; opt_* leave *out untouched when absent,
 * so the caller sets the default first. Strings live in the arena.
 */
enum err	 need_query_int(struct req *, const char *name, long min,
		    long max, long *out);
enum err	 opt_query_int(struct req *, const char *name, long min,
		    long max, long *out);
/* sp (json.h) bounds the decoded value: code points, charset, flags. */
enum err	 opt_query_str(struct req *, const char *name,
		    const struct strspec *sp, const char **out);

/* Replies. Each sends status, Content-Type, X-Request-Id and body once;
 * a second reply on the same request is a programmer error.
 * reply_json takes ownership of the object (it is put). */
#define JSON_CTYPE	"application/json; charset=utf-8"

void	 reply_json(struct req *, int status, struct json_object *);
void	 reply_raw(struct req *, int status, const char *ctype,
	    const char *extra_headers, const char *body, size_t len);
void	 reply_empty(struct req *, int status);
/* No reply: the client has gone (req_cancelled() said E_IO). Logged
 * and counted as 499. */
void	 reply_gone(struct req *);
/* The contract's error body for e, with err.c's default message. */
void	 reply_err(struct req *, enum err);
/* The same with a specific message (naming the field, say). */
void	 reply_errmsg(struct req *, enum err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* An error with a Retry-After header (429, 503) and optional message. */
void	 reply_err_after(struct req *, enum err, int retry_after_sec,
	    const char *message);
/* 405 with its Allow header. */
void	 reply_method(struct req *, const char *allow);

/*
 * Server-sent events. sse_begin() sends the headers; sse_event() writes
 * one event and flushes it (data is borrowed, not put, unlike
 * reply_json). Both return E_IO once the client has gone, after which
 * further calls are no-ops. Once a stream has begun, reply_err() and
 * its kin write an "error" event with the contract's error body instead
 * of a reply (API.md §4), so one error path serves both forms.
 */
enum err sse_begin(struct req *);
enum err sse_event(struct req *, const char *event, struct json_object *);
/* The silence, in seconds, after which sse_heartbeat() writes (the
 * SSE_HEARTBEAT_SEC setting; the responder sets it at start). */
void	 sse_heartbeat_every(int sec);
/* A comment line when nothing was written for that long, so
 * proxies and clients see a long silence is not a dead link; E_IO when
 * the client has gone. Cheap: call it as often as convenient. */
enum err sse_heartbeat(struct req *);

/*
 * Whether a long request should go on: E_OK; E_IO when the client has
 * gone (a write failed, or nginx closed the connection because the
 * client left); E_STOPPING when the service is stopping. A handler that
 * gets either ends its work (a run as cancelled) and returns; for
 * E_STOPPING it may still reply_err(rq, E_STOPPING).
 */
enum err req_cancelled(struct req *);

#endif
