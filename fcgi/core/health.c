/*
 * The probes every service mounts (API.md §1): liveness, readiness
 * (the database answers) and the Prometheus exposition.
 */
#include <string.h>

#include "arena.h"
#include "db.h"
#include "health.h"
#include "metrics.h"
#include "req.h"

static const struct stmt q_ping = { "health_ping", 0, "SELECT 1", S_READ };

/* GET /healthz -> 200 {"status":"ok"} while the process is up. */
void
health_get(struct req *rq)
{
	static const char	ok[] = "{\"status\":\"ok\"}";

	/* A constant answer: probes come often and must cost nothing. */
	reply_raw(rq, 200, JSON_CTYPE, NULL, ok, sizeof(ok) - 1);
}

/* GET /readyz -> 200 {"status":"ready"} | 503 unavailable. */
void
ready_get(struct req *rq)
{
	struct json_object	*o;
	enum err		 e;

	if ((e = db_ready(rq->db)) == E_OK)
		e = db_exec(rq->db, &q_ping, NULL);
	if (e != E_OK) {
		reply_err(rq, E_DBDOWN);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ready"));
	reply_json(rq, 200, o);
}

/* GET /metrics -> Prometheus text, every responder summed. */
void
metrics_get(struct req *rq)
{
	const char	*s = metrics_render(rq->a, rq->svc);

	reply_raw(rq, 200, "text/plain; version=0.0.4; charset=utf-8",
	    "Cache-Control: no-store\r\n", s, strlen(s));
}
