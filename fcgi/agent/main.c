/*
 * dataland-agent: the chat API (API.md §4). Boot is the shared prefork
 * runtime; this file is the route table and nothing else.
 */
#include <stddef.h>

#include "conf.h"
#include "health.h"
#include "prefork.h"
#include "route.h"
#include "service.h"

/* Legend: method, pattern, handler, flags, metrics label. */
static const struct route routes[] = {
	{ "GET", "/healthz", health_get, 0, NULL },
	{ "GET", "/readyz", ready_get, 0, NULL },
	{ "GET", "/metrics", metrics_get, R_LOCAL, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct service agent_service = {
	.name = "agent",
	.routes = routes,
	.dsn_var = "DATABASE_URL",
	.dsn = offsetof(struct conf, database_url),
	.lanes = {
		[LANE_SHORT] = { "AGENT_SOCKET",
		    offsetof(struct conf, agent_socket),
		    offsetof(struct conf, agent_workers) },
		[LANE_LONG] = { "AGENT_LONG_SOCKET",
		    offsetof(struct conf, agent_long_socket),
		    offsetof(struct conf, agent_long_workers) },
	},
};

int
main(int argc, char **argv)
{
	return prefork_main(&agent_service, argc, argv);
}
