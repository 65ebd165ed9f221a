/*
 * The chat routes (API.md §4): validation of the body, then one turn
 * (run.c). HTTP only; no SQL here.
 */
#include <string.h>
#include <strings.h>

#include "chat.h"
#include "json.h"
#include "req.h"
#include "run.h"

#define CHAT_MESSAGE_MAX	8000	/* code points (API.md §4) */

/* "stream": true, or an Accept header that asks for event streams. */
static enum err
chat_stream(struct req *rq, int *stream)
{
	const char	*acc = req_param(rq, "HTTP_ACCEPT");
	enum err	 e;

	*stream = acc != NULL && strcasestr(acc, "text/event-stream") != NULL;
	if ((e = opt_bool(rq, "stream", stream)) != E_OK)
		return e;
	return E_OK;
}

/*
 * POST /v1/chat/museum {"ticket_id", "message", "stream"?}
 * 200 {"conversation_id", "run_id", "message"} or text/event-stream |
 * 400 invalid_request | 401 | 403 forbidden (another user's ticket) |
 * 409 conflict | 502/504 (the model) | 503 unavailable
 */
void
chat_museum_post(struct req *rq)
{
	struct turn_req	t;

	memset(&t, 0, sizeof(t));
	if (need_id(rq, "ticket_id", &t.ticket_id) != E_OK ||
	    need_text(rq, "message", 1, CHAT_MESSAGE_MAX, &t.message) != E_OK ||
	    chat_stream(rq, &t.stream) != E_OK)
		return;
	run_turn(rq, &t);
}

/*
 * POST /v1/chat {"conversation_id"?, "message", "stream"?}
 * 200 as above | 400 invalid_request | 401 | 404 not_found (another
 * user's conversation) | 502/504 | 503 unavailable
 */
void
chat_post(struct req *rq)
{
	struct turn_req	t;

	memset(&t, 0, sizeof(t));
	if (opt_id(rq, "conversation_id", &t.conversation_id) != E_OK ||
	    need_text(rq, "message", 1, CHAT_MESSAGE_MAX, &t.message) != E_OK ||
	    chat_stream(rq, &t.stream) != E_OK)
		return;
	run_turn(rq, &t);
}
