/*
 * The caller's own row: GET /v1/me, and DELETE /v1/me, the right to
 * erasure (API.md §4). HTTP only.
 */
#include "repo_visitors.h"
#include "req.h"
#include "views.h"
#include "visitor.h"

/* GET /v1/me -> 200 the users row | 401 | 503 */
void
visitor_get(struct req *rq)
{
	struct visitor	v;
	enum err	e;

	if ((e = repo_visitors_get(rq->db, rq->a, rq->uid, &v)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_json(rq, 200, view_visitor(&v));
}

/*
 * DELETE /v1/me: conversations with their messages and children, runs,
 * tickets and the users row, in one statement (cascades, 0011). A
 * later request with a valid token starts afresh. 204 | 401 | 503
 */
void
visitor_delete(struct req *rq)
{
	enum err	e;

	if ((e = repo_visitors_delete(rq->db, rq->uid)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	reply_empty(rq, 204);
}
