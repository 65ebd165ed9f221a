/*
 * The responder loop: wait, build the request, front-line checks
 * (route, auth, body type), the handler, one log line, finish, reset.
 * Single-threaded: one request at a time, no locks.
 *
 * nginx keeps FastCGI connections open (fastcgi_keep_conn), and a kept
 * connection is pinned to the responder that accepted it. A responder
 * that waited on one connection only would sit idle while nginx sent
 * work down others, so each responder holds up to CONNS_MAX kept
 * connections and waits on them with the (non-blocking) listen socket
 * in one epoll set, serving whichever has a request, one at a time.
 * The listen socket is EPOLLEXCLUSIVE: a new connection wakes one
 * responder, not all of them.
 *
 * SIGTERM is blocked except inside epoll_pwait(), which unblocks it
 * atomically: no read or write of a request is ever interrupted, and a
 * stop request can never slip in between a check and the wait.
 */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/epoll.h>

#include <fcgiapp.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "route.h"
#include "service.h"
#include "worker.h"

static volatile sig_atomic_t	stopping;

/* One kept (or being accepted) FastCGI connection. */
struct conn {
	FCGX_Request	fr;
	double		last;		/* when it last carried a request */
};

static struct conn	 conns[CONNS_MAX];
static struct conn	*serving;	/* the one whose request runs now */

/*
 * Closes an idle kept connection at once. Detached, libfcgi skips its
 * lingering close (shutdown, then up to 2 s waiting for the peer).
 */
static void
drop_conn(struct conn *c)
{
	c->fr.detached = 1;
	FCGX_Free(&c->fr, 1);
	c->fr.detached = 0;
}

/*
 * Before a long request: closes every other kept connection, so that
 * nginx opens new ones, to responders that are free, instead of queueing
 * requests behind this one for its whole length. A request nginx may
 * have written to one of them meanwhile was never read; nginx retries a
 * failed cached connection elsewhere (fastcgi_next_upstream error), or,
 * for a POST it cannot know was unread, answers 503 with Retry-After.
 */
static void
shed_kept(void)
{
	int	i;

	for (i = 0; i < CONNS_MAX; i++)
		if (&conns[i] != serving && conns[i].fr.ipcFd >= 0)
			drop_conn(&conns[i]);
}

void
worker_stop(void)
{
	stopping = 1;
}

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* application/json, optionally with parameters; only UTF-8 allowed. */
static int
is_json(const char *ct)
{
	const char	*p;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	p = ct + 16;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	p = strcasestr(p, "charset=");
	return p == NULL || strncasecmp(p + 8, "utf-8", 5) == 0 ||
	    strncasecmp(p + 8, "\"utf-8\"", 7) == 0;
}

static void
put_json(void *o)
{
	json_object_put(o);
}

/* Reads and parses the JSON object body of an R_JSON route. */
static enum err
load_json(struct req *rq)
{
	enum err	e;

	if ((e = req_read_body(rq)) != E_OK)
		return e;
	if (!is_json(rq->ctype))
		return E_MEDIA;
	e = json_parse_object(rq->body, rq->bodylen, JSON_DEPTH_MAX,
	    &rq->json);
	if (e == E_OK)
		arena_cleanup(rq->a, put_json, rq->json);
	return e;
}

/*
 * REMOTE_ADDR is loopback, or absent: a peer on the unix socket itself
 * is on this machine by construction.
 */
static int
is_local(const struct req *rq)
{
	const char	*a = req_param(rq, "REMOTE_ADDR");

	return a == NULL || strncmp(a, "127.", 4) == 0 ||
	    strcmp(a, "::1") == 0;
}

/* Route, then the route's front-line checks, then its handler. */
static void
dispatch(struct req *rq)
{
	const struct route	*rt = rq->svc->routes;
	char			 argbuf[PATH_MAX_LEN + ROUTE_ARGS_MAX];
	char			 allow[64];
	enum err		 e;
	int			 i;

	e = route_match(rt, rq->method, rq->path, &rq->route_idx, argbuf,
	    sizeof(argbuf), rq->arg, &rq->nargs, allow, sizeof(allow));
	if (e == E_METHOD) {
		reply_method(rq, allow);
		return;
	}
	if (e != E_OK) {
		reply_err(rq, e);
		return;
	}
	for (i = 0; i < rq->nargs; i++)		/* argbuf is on our stack */
		rq->arg[i] = arena_strdup(rq->a, rq->arg[i]);
	rq->route = &rt[rq->route_idx];
	if (rq->route->flags & R_LONG)
		shed_kept();
	if ((rq->route->flags & R_LOCAL) && !is_local(rq)) {
		reply_err(rq, E_FORBIDDEN);
		return;
	}
	if ((rq->route->flags & R_USER) &&
	    (e = rq->svc->authenticate(rq)) != E_OK) {
		if (rq->status == 0)
			reply_err(rq, e);
		return;
	}
	if ((rq->route->flags & R_JSON) && (e = load_json(rq)) != E_OK) {
		reply_err(rq, e);
		return;
	}
	rq->route->fn(rq);
	if (rq->status == 0)
		reply_err(rq, E_INTERNAL);	/* a handler bug, not a hang */
}

static void
serve(const struct service *svc, struct db *db, FCGX_Request *fr,
    struct arena *a)
{
	struct req	rq;
	enum err	e;
	unsigned long	errs = db->errors, recs = db->reconnects;

	e = req_init(&rq, fr, a);
	rq.svc = svc;
	rq.db = db;
	if (e != E_OK)
		reply_err(&rq, e);
	else
		dispatch(&rq);
	req_drain(&rq);
	metrics_request(rq.route_idx, rq.status, req_now() - rq.t_start);
	metrics_db(db->errors - errs, db->reconnects - recs);
	if (db->in_tx) {
		log_error(rq.reqid, "transaction left open by '%s'",
		    rq.path);
		db_rollback(db);
	}
	log_access(&rq);
	log_set_rid(NULL);
}

/*
 * Reads the next request on c (accepting a new connection on lfd when
 * c has none) and serves it. A connection new to c joins the epoll set;
 * one libfcgi closes leaves it by itself. When a kept connection ends,
 * libfcgi would go on to accept another in its place, one the epoll set
 * would never hear of again: so only a free slot gets the listen socket.
 */
static void
serve_conn(const struct service *svc, struct db *db, struct conn *c,
    struct arena *a, int ep, int lfd)
{
	struct epoll_event	ev;
	int			fresh = c->fr.ipcFd < 0;

	c->fr.listen_sock = fresh ? lfd : -1;
	if (FCGX_Accept_r(&c->fr) < 0)
		return;		/* closed by nginx, or another took it */
	if (fresh) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fr.ipcFd, &ev) != 0)
			c->fr.keepConnection = 0;	/* cannot wait on it */
	}
	serving = c;
	serve(svc, db, &c->fr, a);
	serving = NULL;
	FCGX_Finish_r(&c->fr);
	arena_reset(a);
	c->last = req_now();
}

/* A free slot, or room made by closing the longest-idle connection. */
static struct conn *
free_conn(void)
{
	struct conn	*old = &conns[0];
	int		 i;

	for (i = 0; i < CONNS_MAX; i++) {
		if (conns[i].fr.ipcFd < 0)
			return &conns[i];
		if (conns[i].last < old->last)
			old = &conns[i];
	}
	drop_conn(old);
	return old;
}

/*
 * Waits for and serves requests until told to stop. Kept connections
 * go first and the listen socket last: making room for a new
 * connection may close one whose event is in the same batch.
 */
static int
loop(const struct service *svc, struct db *db, int fd,
    struct arena *a, const sigset_t *waitmask)
{
	struct epoll_event	ev[CONNS_MAX + 1];
	int			ep, i, n, listen_ready, rc = 1;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	memset(ev, 0, sizeof(ev));
	ev[0].events = EPOLLIN | EPOLLEXCLUSIVE;
	ev[0].data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev[0]) != 0)
		goto out;
	while (!stopping) {
		n = epoll_pwait(ep, ev, CONNS_MAX + 1, log_flush_in_ms(),
		    waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0 || log_flush_in_ms() == 0)
			log_flush();	/* the queued lines are due */
		listen_ready = 0;
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL) {
				if (ev[i].events & EPOLLERR)
					goto out;
				listen_ready = 1;
			} else
				serve_conn(svc, db, ev[i].data.ptr, a, ep,
				    fd);
		}
		if (listen_ready)
			serve_conn(svc, db, free_conn(), a, ep, fd);
	}
	rc = 0;
out:
	log_flush();
	close(ep);
	return rc;
}

int
worker_run(const struct service *svc, const struct conf *c, int fd,
    int slot)
{
	struct arena		a;
	struct db		db;
	struct sigaction	sa;
	sigset_t		term, waitmask;
	int			i, rc;

	log_setup(svc->name, slot);
	metrics_slot(slot);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;	/* a gone client is an error code */
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	/*
	 * SCHED_BATCH: a responder woken by nginx does not preempt the
	 * nginx worker that woke it, so nginx hands over all its ready
	 * requests before the responder runs, and the responder serves
	 * them in one wakeup instead of ping-ponging a request at a time.
	 * Measured on 2 CPUs: /healthz throughput +10-15%, p50 lower, an
	 * idle machine's latency unchanged. It needs no privilege.
	 */
	{
		struct sched_param	sp = { .sched_priority = 0 };

		if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0)
			log_warn(NULL, "SCHED_BATCH refused; staying on the "
			    "default policy");
	}

	/*
	 * libfcgi mallocs and frees three 8 KiB stream buffers per request;
	 * each such "large" malloc first consolidates glibc's fastbins,
	 * which showed up as the responder's top user-space cost. Without
	 * fastbins there is nothing to consolidate.
	 */
	mallopt(M_MXFAST, 0);
	if (FCGX_Init() != 0)
		return 1;
	for (i = 0; i < CONNS_MAX; i++)
		if (FCGX_InitRequest(&conns[i].fr, fd, 0) != 0)
			return 1;
	if (svc->worker_init != NULL && svc->worker_init(c) != 0)
		return 1;
	db_init(&db, service_dsn(svc, c), c->db_prepare);
	arena_init(&a);
	rc = loop(svc, &db, fd, &a, &waitmask);
	for (i = 0; i < CONNS_MAX; i++)
		FCGX_Free(&conns[i].fr, 1);
	if (svc->worker_release != NULL)
		svc->worker_release();
	db_close(&db);
	arena_release(&a);
	return rc;
}
