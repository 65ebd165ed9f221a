/*
 * dataland-auth: the identity service (API.md §3). Its route table and
 * hooks; the process model is the runtime's (prefork.c).
 */
#include <stddef.h>

#include "auth.h"
#include "conf.h"
#include "health.h"
#include "jwks.h"
#include "login.h"
#include "me.h"
#include "prefork.h"
#include "route.h"
#include "service.h"
#include "signup.h"

/*
 * method, pattern, handler, flags, metrics name. The routes that hash a
 * password are R_LONG: Argon2id takes about 0.2 s, plus any wait for a
 * hashing slot, so nginx sends them to the long lane (nginx/).
 */
static const struct route auth_routes[] = {
	{ "POST",  "/auth/signup",		signup_post,
	    R_JSON | R_LONG, NULL },
	{ "POST",  "/auth/login",		login_post,
	    R_JSON | R_LONG, NULL },
	{ "GET",   "/auth/me",			me_get,		R_USER, NULL },
	{ "PATCH", "/auth/me",			me_patch,
	    R_USER | R_JSON, NULL },
	{ "POST",  "/auth/password",		me_password_post,
	    R_USER | R_JSON | R_LONG, NULL },
	{ "GET",   "/auth/jwks.json",		jwks_get,	0, NULL },
	{ "GET",   "/.well-known/jwks.json",	jwks_get,	0, NULL },
	{ "GET",   "/auth/healthz",		health_get,	0, NULL },
	{ "GET",   "/auth/readyz",		ready_get,	0, NULL },
	{ "GET",   "/auth/metrics",		metrics_get,	R_LOCAL, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct service auth_service = {
	.name = "auth",
	.routes = auth_routes,
	.dsn_var = "AUTH_DATABASE_URL",
	.dsn = offsetof(struct conf, auth_database_url),
	.lanes = {
		[LANE_SHORT] = { "AUTH_SOCKET",
		    offsetof(struct conf, auth_socket),
		    offsetof(struct conf, auth_workers) },
		[LANE_LONG] = { "AUTH_LONG_SOCKET",
		    offsetof(struct conf, auth_long_socket),
		    offsetof(struct conf, auth_long_workers) },
	},
	.boot = auth_boot,
	.worker_init = auth_worker_init,
	.worker_release = auth_worker_release,
	.authenticate = auth_authenticate,
};

int
main(int argc, char **argv)
{

	return prefork_main(&auth_service, argc, argv);
}
