/*
 * Routes are data: a service is a table of method + path pattern +
 * handler + flags. Patterns are literal segments and "{name}" segments,
 * each matching one non-empty path segment.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

#include "caps.h"
#include "err.h"

struct req;

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
 * copies of the {..} segments). E_METHOD: the path exists for other
 * methods, listed in allow ("GET, PATCH"). E_NOTFOUND otherwise.
 */
enum err	 route_match(const struct route *, const char *method,
		    const char *path, int *idx, char *argbuf, size_t argbufsz,
		    const char **args, int *nargs, char *allow,
		    size_t allowsz);

#endif
