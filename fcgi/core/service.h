/*
 * What a service hands the runtime: its name, its route table, where
 * its settings live in struct conf and its hooks. The runtime owns the
 * process model and the request loop and never asks which service it
 * runs; a service owns only its handlers and their per-responder state.
 */
#ifndef SERVICE_H
#define SERVICE_H

#include <stddef.h>

#include "err.h"

struct conf;
struct metric_family;
struct req;
struct route;

/*
 * The two lanes of responders. Short routes share kept FastCGI
 * connections; long ones (R_LONG: a password hash, a stream, a model
 * call) get responders of their own, one request per connection, so
 * that no request waits behind a long one (docs/architecture.md).
 */
enum lane {
	LANE_SHORT,
	LANE_LONG,
	LANE__MAX
};

/* Where one lane's settings are: offsets into struct conf. */
struct lane_conf {
	const char	*socket_var;	/* "AGENT_SOCKET", for messages */
	size_t		 socket;	/* const char *: its socket path */
	size_t		 workers;	/* int: its responders */
};

struct service {
	const char		*name;		/* "agent", "auth" */
	const struct route	*routes;	/* NULL-terminated */
	const char		*dsn_var;	/* "DATABASE_URL", for messages */
	size_t			 dsn;		/* char *: offset in struct conf */
	struct lane_conf	 lanes[LANE__MAX];
	/* Its own metric families, NULL-terminated, or NULL. */
	const struct metric_family *metrics;
	/* Runs in the master before fork (keys, DDL); non-zero aborts. */
	int	(*boot)(const struct conf *);
	/* Runs in each responder after fork; non-zero exits it. */
	int	(*worker_init)(const struct conf *);
	void	(*worker_release)(void);
	/* For R_USER routes: sets rq->uid or replies 401 and fails. */
	enum err (*authenticate)(struct req *);
};

/* The lane names, for logs and metrics ("short", "long"). */
extern const char *const lane_names[LANE__MAX];

/* The database URL this service connects with. */
const char	*service_dsn(const struct service *, const struct conf *);

#endif
