/*
 * The master's start-up checks that need no process: a route table in
 * which a route needs a user while the service cannot authenticate one
 * is refused, as is one longer than the metrics can count.
 */
#include "core/prefork.c"

#include "t.h"

static void	noop(struct req *rq) { (void)rq; }

static enum err
auth_ok(struct req *rq)
{
	(void)rq;
	return E_OK;
}

int
main(void)
{
	static struct route	 many[ROUTES_MAX + 2];
	static const struct route user[] = {
		{ "GET", "/open", noop, 0, NULL },
		{ "GET", "/mine", noop, R_USER, NULL },
		{ NULL, NULL, NULL, 0, NULL }
	};
	struct service		 svc;
	int			 i;

	memset(&svc, 0, sizeof(svc));
	svc.name = "t";
	svc.routes = user;
	T_EQ(check_routes(&svc), -1);
	svc.authenticate = auth_ok;
	T_EQ(check_routes(&svc), 0);
	T_PASS("prefork-refuses-user-routes-without-authenticate");

	for (i = 0; i < ROUTES_MAX + 1; i++)
		many[i] = user[0];
	svc.routes = many;
	T_EQ(check_routes(&svc), -1);
	many[ROUTES_MAX].method = NULL;
	T_EQ(check_routes(&svc), 0);
	T_PASS("prefork-refuses-more-routes-than-metrics-count");
	return 0;
}
