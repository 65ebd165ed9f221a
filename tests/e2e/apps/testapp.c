/*
 * testapp: a small FastCGI service on the shared runtime, mounted under
 * /t/ by the e2e tests' nginx, so that the runtime's request layer,
 * streaming and process model are exercised through real nginx without
 * depending on either product service. Never installed.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "err.h"
#include "health.h"
#include "log.h"
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
static void	stream_error_get(struct req *);
static void	slowdb_get(struct req *);

/*
 * method, pattern, handler, flags
 */
static const struct route routes[] = {
	{ "GET",  "/t/healthz",		health_get,	0,	NULL },
	{ "GET",  "/t/slow",		slow_get,	R_LONG,	NULL },
	{ "GET",  "/t/stream",		stream_get,	R_LONG,	NULL },
	{ "GET",  "/t/stream-error",	stream_error_get, R_LONG, NULL },
	{ "POST", "/t/echo",		echo_post,	R_JSON,	NULL },
	{ "GET",  "/t/only-get-put",	only_get_put,	0,	NULL },
	{ "GET",  "/t/params",		params_get,	0,	NULL },
	{ "GET",  "/t/slowdb",		slowdb_get,	0,	NULL },
	{ "PUT",  "/t/only-get-put",	only_get_put,	0,	NULL },
	{ NULL,   NULL,			NULL,		0,	NULL }
};

/* It runs on the agent's settings: the tests start it with its own
 * AGENT_SOCKET, AGENT_LONG_SOCKET and worker counts. */
static const struct service testapp = {
	.name = "testapp",
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
 * Waits ms milliseconds in small steps, as a handler waiting on a model
 * would: E_OK, or why the request should end now (req_cancelled()).
 * Heartbeats keep a silent stream alive.
 */
static enum err
wait_ms(struct req *rq, long ms)
{
	enum err	e;
	long		step;

	for (;;) {
		if ((e = req_cancelled(rq)) != E_OK ||
		    (rq->streaming && (e = sse_heartbeat(rq)) != E_OK))
			return e;
		if (ms <= 0)
			return E_OK;
		step = ms < 50 ? ms : 50;
		sleep_ms(step);
		ms -= step;
	}
}

/* Streams n "tick" events {"i": k} ms apart; E_OK or why it stopped. */
static enum err
ticks(struct req *rq, long n, long ms)
{
	struct json_object	*o;
	enum err		 e;
	long			 i;

	for (i = 0; i < n; i++) {
		if (i > 0 && (e = wait_ms(rq, ms)) != E_OK)
			return e;
		o = json_object_new_object();
		json_object_object_add(o, "i", json_object_new_int64(i));
		e = sse_event(rq, "tick", o);
		json_object_put(o);
		if (e != E_OK)
			return e;
	}
	return E_OK;
}

/*
 * GET /t/stream?n=N&ms=M   N in 0..1000 (default 3), M in 0..10000
 * (default 100). text/event-stream: N "tick" events {"i": k} M ms
 * apart, then "done" {"n": N}. A client that goes away ends it at once
 * (logged as "cancelled"); a stopping service ends it with an "error"
 * event (503 unavailable). | 400 invalid_request
 */
static void
stream_get(struct req *rq)
{
	struct json_object	*o;
	long			 n, ms;
	enum err		 e;

	if (query_long(rq, "n", 0, TESTAPP_TICKS_MAX, 3, &n) != E_OK ||
	    query_long(rq, "ms", 0, TESTAPP_TICK_MAX_MS, 100, &ms) != E_OK)
		return;
	if (sse_begin(rq) != E_OK)
		return;
	if ((e = ticks(rq, n, ms)) == E_STOPPING) {
		log_info(rq->reqid, "stream stopped by the service's stop");
		reply_err(rq, E_STOPPING);
		return;
	}
	if (e != E_OK) {
		log_info(rq->reqid, "stream cancelled: the client has gone");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "n", json_object_new_int64(n));
	sse_event(rq, "done", o);
	json_object_put(o);
}

/*
 * GET /t/stream-error?n=N   N ticks 10 ms apart, then the error a lost
 * database gives (503 unavailable) as an "error" event, the way every
 * handler reports a failure after its stream began.
 */
static void
stream_error_get(struct req *rq)
{
	long	n;

	if (query_long(rq, "n", 0, TESTAPP_TICKS_MAX, 2, &n) != E_OK)
		return;
	if (sse_begin(rq) != E_OK || ticks(rq, n, 10) != E_OK)
		return;
	reply_err(rq, E_DBDOWN);
}

static const struct stmt q_sleep = { "testapp_sleep", 0,
    "SELECT pg_sleep(0.05)", S_READ };

/*
 * GET /t/slowdb: one statement of 50 ms, for the slow-statement log.
 * 200 {"slept": 50} | 503
 */
static void
slowdb_get(struct req *rq)
{
	struct json_object	*o;
	enum err		 e;

	if ((e = db_exec(rq->db, &q_sleep, NULL)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "slept", json_object_new_int(50));
	reply_json(rq, 200, o);
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
