/*
 * testapp: a small FastCGI service on the shared runtime, mounted under
 * /t/ by the e2e tests' nginx, so that the runtime's request layer,
 * streaming and process model are exercised through real nginx without
 * depending on either product service. Never installed.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "arena.h"
#include "conf.h"
#include "err.h"
#include "health.h"
#include "prefork.h"
#include "req.h"
#include "route.h"
#include "service.h"

#define TESTAPP_SLEEP_MAX_MS	30000	/* /t/slow?ms= ceiling */
#define TESTAPP_TICKS_MAX	1000	/* /t/stream?n= ceiling */
#define TESTAPP_TICK_MAX_MS	10000	/* /t/stream?ms= ceiling */

static void	echo_post(struct req *);
static void	only_get_put(struct req *);
static void	params_get(struct req *);
static void	slow_get(struct req *);
static void	stream_get(struct req *);

/*
 * method, pattern, handler, flags
 */
static const struct route routes[] = {
	{ "GET",  "/t/healthz",		health_get,	0,	NULL },
	{ "GET",  "/t/slow",		slow_get,	R_LONG,	NULL },
	{ "GET",  "/t/stream",		stream_get,	R_LONG,	NULL },
	{ "POST", "/t/echo",		echo_post,	R_JSON,	NULL },
	{ "GET",  "/t/only-get-put",	only_get_put,	0,	NULL },
	{ "GET",  "/t/params",		params_get,	0,	NULL },
	{ "PUT",  "/t/only-get-put",	only_get_put,	0,	NULL },
	{ NULL,   NULL,			NULL,		0,	NULL }
};

static const struct service testapp = {
	.name = "testapp",
	.routes = routes,
	.socket_env = "TESTAPP_SOCKET",
	.workers_env = "TESTAPP_WORKERS",
};

/*
 * Sleeps ms milliseconds in full, resuming after signals: a stop
 * request must not cut a request short.
 */
static void
sleep_ms(long ms)
{
	struct timespec	 ts, rem;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/*
 * Reads query parameter key as an integer in [min, max]; def when it
 * is absent. Replies 400 naming the parameter and fails otherwise.
 */
static enum err
query_long(struct req *rq, const char *key, long min, long max, long def,
    long *out)
{
	const char	*s;

	if ((s = req_query(rq, key)) == NULL) {
		*out = def;
		return E_OK;
	}
	if (conf_int(s, min, max, out) != 0) {
		reply_errmsg(rq, E_INVALID, "'%s' must be an integer in "
		    "%ld..%ld", key, min, max);
		return E_INVALID;
	}
	return E_OK;
}

/*
 * GET /t/slow?ms=N   N in 0..30000 (default 0)
 * 200 {"slept": N} after N ms | 400 invalid_request
 */
static void
slow_get(struct req *rq)
{
	struct json_object	*o;
	long			 ms;

	if (query_long(rq, "ms", 0, TESTAPP_SLEEP_MAX_MS, 0, &ms) != E_OK)
		return;
	sleep_ms(ms);
	o = json_object_new_object();
	json_object_object_add(o, "slept", json_object_new_int64(ms));
	reply_json(rq, 200, o);
}

/*
 * GET /t/stream?n=N&ms=M   N in 0..1000 (default 3), M in 0..10000
 * (default 100). text/event-stream: N "tick" events {"i": k} M ms
 * apart, then "done" {"n": N}; stops early once the client has gone.
 * | 400 invalid_request
 */
static void
stream_get(struct req *rq)
{
	struct json_object	*o;
	long			 n, ms, i;
	enum err		 e;

	if (query_long(rq, "n", 0, TESTAPP_TICKS_MAX, 3, &n) != E_OK ||
	    query_long(rq, "ms", 0, TESTAPP_TICK_MAX_MS, 100, &ms) != E_OK)
		return;
	if (sse_begin(rq) != E_OK)
		return;
	for (i = 0; i < n; i++) {
		if (i > 0)
			sleep_ms(ms);
		o = json_object_new_object();
		json_object_object_add(o, "i", json_object_new_int64(i));
		e = sse_event(rq, "tick", o);
		json_object_put(o);
		if (e != E_OK)
			return;		/* the client has gone */
	}
	o = json_object_new_object();
	json_object_object_add(o, "n", json_object_new_int64(n));
	sse_event(rq, "done", o);
	json_object_put(o);
}

/*
 * POST /t/echo   any JSON object (the runtime checks type and body)
 * 200 the parsed body | 400 invalid_json | 413 | 415
 */
static void
echo_post(struct req *rq)
{
	reply_json(rq, 200, json_object_get(rq->json));
}

/*
 * GET, PUT /t/only-get-put
 * 200 {"method": "GET"|"PUT"}; other methods get 405 with Allow.
 */
static void
only_get_put(struct req *rq)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "method", json_object_new_string(rq->method));
	reply_json(rq, 200, o);
}

/*
 * GET /t/params
 * 200 {"NAME": "value", ...}: every FastCGI param nginx sent, so the
 * tests can see exactly what reaches a service.
 */
static void
params_get(struct req *rq)
{
	struct json_object	*o = json_object_new_object();
	char			**env;
	const char		*eq;

	for (env = rq->fr->envp; *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL)
			continue;
		json_object_object_add_ex(o, arena_strndup(rq->a, *env,
		    (size_t)(eq - *env)), json_object_new_string(eq + 1), 0);
	}
	reply_json(rq, 200, o);
}

int
main(int argc, char **argv)
{
	return prefork_main(&testapp, argc, argv);
}
