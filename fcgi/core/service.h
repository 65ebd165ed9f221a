/*
 * What a service hands the runtime: its name, its route table and its
 * hooks. The runtime owns the process model and the request loop; a
 * service owns only its handlers and their per-responder state.
 */
#ifndef SERVICE_H
#define SERVICE_H

#include "err.h"

struct conf;
struct req;
struct route;

struct service {
	const char		*name;		/* "agent", "auth" */
	const struct route	*routes;	/* NULL-terminated */
	const char		*socket_env;	/* "AGENT_SOCKET" */
	const char		*workers_env;	/* "AGENT_WORKERS" */
	/* Runs in the master before fork (keys, DDL); non-zero aborts. */
	int	(*boot)(const struct conf *);
	/* Runs in each responder after fork; non-zero exits it. */
	int	(*worker_init)(const struct conf *);
	void	(*worker_release)(void);
	/* For R_USER routes: sets rq->uid or replies 401 and fails. */
	enum err (*authenticate)(struct req *);
};

/* The database URL this service connects with (conf.c decides). */
const char	*service_dsn(const struct service *, const struct conf *);

#endif
