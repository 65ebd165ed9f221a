/*
 * dataland-agent: the chat API (API.md §4). Its route table and hooks;
 * the process model is the runtime's (prefork.c).
 */
#include <stddef.h>

#include "agent.h"
#include "chat.h"
#include "conf.h"
#include "conversations.h"
#include "health.h"
#include "prefork.h"
#include "route.h"
#include "service.h"
#include "visitor.h"

/*
 * method, pattern, handler, flags, metrics label. The chat routes call
 * the model and may stream for minutes: R_LONG, so nginx sends them to
 * the long lane (nginx/dataland-locations.conf).
 */
static const struct route routes[] = {
	{ "POST",   "/v1/chat/museum", chat_museum_post,
	    R_USER | R_JSON | R_LONG, NULL },
	{ "POST",   "/v1/chat", chat_post, R_USER | R_JSON | R_LONG, NULL },
	{ "GET",    "/v1/conversations", conversations_list, R_USER, NULL },
	{ "GET",    "/v1/conversations/{id}", conversations_get, R_USER,
	    NULL },
	{ "PATCH",  "/v1/conversations/{id}", conversations_patch,
	    R_USER | R_JSON, NULL },
	{ "DELETE", "/v1/conversations/{id}", conversations_delete, R_USER,
	    NULL },
	{ "GET",    "/v1/conversations/{id}/runs", conversations_runs_get,
	    R_USER, NULL },
	{ "POST",   "/v1/messages/{id}/feedback", messages_feedback_post,
	    R_USER | R_JSON, NULL },
	{ "GET",    "/v1/me", visitor_get, R_USER, NULL },
	{ "DELETE", "/v1/me", visitor_delete, R_USER, NULL },
	{ "GET",    "/healthz", health_get, 0, NULL },
	{ "GET",    "/readyz", ready_get, 0, NULL },
	{ "GET",    "/metrics", metrics_get, R_LOCAL, NULL },
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
	.metrics = agent_metrics,
	.boot = agent_boot,
	.worker_init = agent_worker_init,
	.worker_release = agent_worker_release,
	.authenticate = agent_authenticate,
};

int
main(int argc, char **argv)
{
	return prefork_main(&agent_service, argc, argv);
}
