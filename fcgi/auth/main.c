/*
 * dataland-auth: the identity service (API.md §3). Its route table and
 * hooks; the process model is the runtime's (prefork.c).
 */
#include <stddef.h>

#include "auth.h"
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
 * hashing slot.
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
	"auth",
	auth_routes,
	"AUTH_SOCKET",
	"AUTH_WORKERS",
	auth_boot,
	auth_worker_init,
	auth_worker_release,
	auth_authenticate,
};

int
main(int argc, char **argv)
{

	return prefork_main(&auth_service, argc, argv);
}
