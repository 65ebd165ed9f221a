/*
 * One chat turn (API.md §4, DESIGN.md "A chat turn is three short
 * steps"): store the user's message with the run's start and commit;
 * ask the model with no transaction open; store the answer, its tool
 * messages and children with the run's end and commit. Streamed or
 * not. The handlers in chat.c validate and call run_turn().
 */
#ifndef RUN_H
#define RUN_H

struct req;

/* What a turn is asked to do. */
struct turn_req {
	const char	*ticket_id;	/* museum: the ticket; else NULL */
	const char	*conversation_id; /* general: an existing one, or NULL */
	const char	*message;	/* validated: 1..8000 code points */
	int		 stream;	/* SSE instead of one JSON reply */
};

/*
 * Runs the turn and replies: 200 {"conversation_id", "run_id",
 * "message"} or the event stream; 403 (another user's ticket), 404
 * (another user's conversation), 409, 502/504 (the model failed),
 * 503. Every path ends the run: success, error or cancelled.
 */
void	run_turn(struct req *, const struct turn_req *);

#endif
