/*
 * The failure throttle's HTTP side: the keys from the request, the
 * limits from the settings, the 429 with Retry-After, and how each
 * outcome of a password check settles its reserved attempt. The
 * counting is repo_throttle.c's; no SQL here.
 */
#include "arena.h"
#include "auth.h"
#include "err.h"
#include "log.h"
#include "repo_throttle.h"
#include "req.h"
#include "throttle.h"

/* Reserves an attempt on both keys; replies itself unless E_OK. */
enum err
throttle_enter(struct req *rq, const char *email, struct throttle_hold *h)
{
	const struct auth_settings	*as = auth_settings();
	struct throttle_limits		 lim;
	const char			*addr;
	long				 after = 0;
	enum err			 e;

	if ((addr = req_param(rq, "REMOTE_ADDR")) == NULL)
		addr = "unknown";
	lim.window = as->throttle_window;
	lim.max[THROTTLE_EMAIL] = as->throttle_email_max;
	lim.max[THROTTLE_ADDR] = as->throttle_addr_max;
	e = repo_throttle_reserve(rq->db, rq->a, &lim,
	    arena_printf(rq->a, "e:%s", email),
	    arena_printf(rq->a, "a:%s", addr), h, &after);
	if (e == E_RATE) {
		log_info(rq->reqid, "throttled for %ld s", after);
		reply_err_after(rq, E_RATE, (int)after,
		    "too many failed password attempts; try again later");
	} else if (e != E_OK)
		reply_err(rq, e);
	return e;
}

/* Keeps, clears or gives back the attempt as e says. */
enum err
throttle_leave(struct req *rq, const struct throttle_hold *h, enum err e)
{
	enum err	 s;

	switch (e) {
	case E_CREDENTIALS:
		s = repo_throttle_prune(rq->db,
		    auth_settings()->throttle_window);
		break;
	case E_OK:
	case E_CONFLICT:
		s = repo_throttle_pass(rq->db, h);
		break;
	default:
		(void)repo_throttle_cancel(rq->db, h);
		return e;
	}
	return s != E_OK ? s : e;
}
