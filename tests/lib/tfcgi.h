/*
 * A FastCGI round trip in-process: a test builds a request as nginx
 * would send it, a client thread writes it to a loopback unix socket,
 * and this process serves it with the runtime's own request path
 * (worker.c's serve(): req_init, route, front-line checks, handler),
 * then hands back status, headers and body. Failures of the harness
 * itself end the test through t.h's T_FAIL.
 */
#ifndef TFCGI_H
#define TFCGI_H

#include <stddef.h>

#include <json-c/json.h>

struct db;
struct route;
struct service;

#define TFCGI_HEADERS_MAX	32	/* header lines kept from a reply */

/* A request; every field may be left 0/NULL. */
struct tfcgi_req {
	const char		*method;	/* NULL: "GET" */
	const char		*path;		/* NULL: "/" */
	const char		*query;		/* QUERY_STRING; NULL: "" */
	const char		*ctype;		/* NULL: application/json if
						   there is a body */
	const char		*body;		/* NULL: none */
	size_t			 bodylen;	/* 0: strlen(body) */
	/* More FastCGI params, "NAME=value" ("HTTP_AUTHORIZATION=Bearer
	 * x", "REMOTE_ADDR=10.0.0.1"), NULL-terminated; they come first,
	 * so they win over the defaults above. */
	const char *const	*params;
};

struct tfcgi_header {
	char	*name;
	char	*value;
};

/* What came back; tfcgi_release() frees it. */
struct tfcgi_resp {
	int			 status;	/* from Status:, else 200 */
	struct tfcgi_header	 headers[TFCGI_HEADERS_MAX];
	size_t			 nheaders;
	char			*body;		/* NUL-terminated */
	size_t			 bodylen;
	char			*raw;		/* the whole CGI reply */
};

/*
 * Serves req through svc's routes, as a responder would, with db as
 * its connection (NULL: one that never connects, so a handler reaching
 * for the database gets 503). Fills *resp.
 */
void		 tfcgi_service(const struct service *svc, struct db *db,
		    const struct tfcgi_req *req, struct tfcgi_resp *resp);
/*
 * Serves req through a table holding only rt, so that its pattern
 * arguments, flags (R_JSON body loading, R_LOCAL) and handler run as
 * in production. R_USER passes when the request has a bearer token,
 * which becomes rq->uid; without one it is the usual 401.
 */
void		 tfcgi_route(const struct route *rt,
		    const struct tfcgi_req *req, struct tfcgi_resp *resp);

/* A reply header's value (name case-insensitive), or NULL. */
const char	*tfcgi_header(const struct tfcgi_resp *, const char *name);
/* The body parsed as JSON (caller puts it), or NULL. */
struct json_object *tfcgi_json(const struct tfcgi_resp *);
void		 tfcgi_release(struct tfcgi_resp *);

#endif
