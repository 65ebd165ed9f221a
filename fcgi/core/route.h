/*
 * Routes are data: a service is a table of method + path pattern +
 * handler + flags. Patterns are literal segments and "{name:kind}"
 * segments, each matching one path segment that fits the kind (route.c
 * lists them; "{name}" alone is an "id"). A segment that does not fit
 * makes the path match no route: 404, before any handler or SQL runs.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

#include "caps.h"
#include "err.h"

struct req;
struct strspec;

enum route_flag {
	R_JSON = 1 << 0,	/* body must be a JSON object (415/400) */
	R_USER = 1 << 1,	/* the service's authenticate() must pass */
	R_LOCAL = 1 << 2,	/* loopback clients only (nginx enforces too) */
	R_LONG = 1 << 3,	/* may run for seconds or minutes (a stream,
				   a model call, a password hash): served on
				   the long lane, where nginx must send it
				   (service.h, nginx/dataland-locations.conf) */
};

struct route {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;	/* "/v1/conversations/{id}" */
	void		(*fn)(struct req *);
	unsigned	 flags;
	const char	*name;		/* metrics label; pattern if NULL */
};

/*
 * Finds the route for method and path in a NULL-terminated table.
 * E_OK: *idx set, args[0..*nargs) point into argbuf (NUL-terminated
 * copies of the {..} segments, each fitting its kind). E_METHOD: the
 * path exists for other methods, listed in allow ("GET, PATCH").
 * E_NOTFOUND otherwise.
 */
enum err	 route_match(const struct route *, const char *method,
		    const char *path, int *idx, char *argbuf, size_t argbufsz,
		    const char **args, int *nargs, char *allow,
		    size_t allowsz);

/* The rule of argument kind name[0..len) ("id"), or NULL if unknown. */
const struct strspec	*route_kind(const char *name, size_t len);

#endif
