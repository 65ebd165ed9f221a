/*
 * The responder loop: wait, build the request, front-line checks
 * (route, auth, body type), the handler, one log line, finish, reset.
 * Single-threaded: one request at a time, no locks.
 *
 * A responder serves one lane (service.h). On the short lane nginx
 * keeps FastCGI connections open (fastcgi_keep_conn), and a kept
 * connection is pinned to the responder that accepted it. A responder
 * that waited on one connection only would sit idle while nginx sent
 * work down others, so each short responder holds up to CONNS_MAX kept
 * connections and waits on them with the (non-blocking) listen socket
 * in one epoll set, serving whichever has a request, one at a time.
 * Every request there is short, so none waits long behind another. On
 * the long lane a responder takes one connection, serves its one
 * request and closes it: nothing can queue behind a stream.
 * The listen socket is EPOLLEXCLUSIVE: a new connection wakes one
 * responder, not all of them.
 *
 * SIGTERM and SIGINT stay blocked and arrive through a signalfd in the
 * same epoll set: a busy responder sees a stop request at its next
 * wait even when work is always ready (a signal unblocked only inside
 * epoll_pwait() is not delivered when events are already there), no
 * read or write of a request is ever interrupted, and a long handler
 * can ask worker_stopping() between its steps.
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
#include <sys/signalfd.h>

#include <fcgiapp.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "mono.h"
#include "notify.h"
#include "req.h"
#include "route.h"
#include "service.h"
#include "worker.h"

static int	stopping;		/* a stop signal has arrived */
static int	sigfd = -1;		/* SIGTERM and SIGINT, read here */
static int	warned_lane;		/* a long route came the short way */

/* One kept (or being accepted) FastCGI connection. */
struct conn {
	FCGX_Request	fr;
};

static struct conn	 conns[CONNS_MAX];
static int		 nconns;	/* CONNS_MAX, or 1 on the long lane */
static enum lane	 lane;

/*
 * 1 once SIGTERM or SIGINT has arrived: the request in hand should end
 * soon (a stream: as cancelled), and no new one will be taken.
 */
int
worker_stopping(void)
{
	struct signalfd_siginfo	si;

	while (!stopping && sigfd >= 0 &&
	    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		stopping = 1;
	return stopping;
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
	if ((rq->route->flags & R_LONG) && lane == LANE_SHORT && !warned_lane) {
		log_warn(rq->reqid, "long route %s %s came on the short lane: "
		    "nginx should send it to the long socket", rq->method,
		    rq->route->pattern);
		warned_lane = 1;
	}
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
		if (e == E_TOOLARGE)
			reply_errmsg(rq, e, "request body exceeds %d bytes",
			    BODY_MAX);
		else
			reply_err(rq, e);
		return;
	}
	rq->route->fn(rq);
	if (rq->status == 0)
		reply_err(rq, E_INTERNAL);	/* a handler bug, not a hang */
}

/*
 * Serves one accepted request: parse, dispatch, drain, metrics, the
 * access line. The caller finishes it (FCGX_Finish_r) and resets a.
 */
void
worker_serve(const struct service *svc, struct db *db, FCGX_Request *fr,
    struct arena *a)
{
	struct req	rq;
	enum err	e;
	unsigned long	errs = db->errors, recs = db->reconnects;

	e = req_init(&rq, fr, a);
	rq.svc = svc;
	rq.db = db;
	if (e == E_TOOLARGE)
		reply_errmsg(&rq, E_INVALID, "request line and headers exceed "
		    "%d bytes", PARAMS_MAX);
	else if (e != E_OK)
		reply_err(&rq, e);
	else
		dispatch(&rq);
	/* A request answered without a statement (a bad body, say) still
	 * stores what authenticate() held for the next one. */
	(void)db_lead_flush(db);
	req_drain(&rq);
	metrics_request(rq.route_idx, rq.status, mono_now() - rq.t_start);
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
	size_t			used;

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
	worker_serve(svc, db, &c->fr, a);
	if (lane == LANE_LONG)
		c->fr.keepConnection = 0;	/* one request each */
	FCGX_Finish_r(&c->fr);
	used = a->used_total;
	arena_reset(a);
	/*
	 * A large request (a conversation of thousands of messages is tens
	 * of MB of rows, copies and output) leaves glibc holding what it
	 * freed: the heap's top is pinned by whatever small block was
	 * allocated last, and freeing a large mmapped block raises the mmap
	 * threshold for good. A responder lives for days, so give it back
	 * now; the rows the arena held say how large the request was.
	 */
	if (used > TRIM_AFTER)
		malloc_trim(0);
}

/* A free connection slot, or NULL when every one is taken. */
static struct conn *
free_conn(void)
{
	int	i;

	for (i = 0; i < nconns; i++)
		if (conns[i].fr.ipcFd < 0)
			return &conns[i];
	return NULL;
}

/*
 * Watches the listen socket only while a slot is free. A full responder
 * never closes a kept connection to make room (nginx may be writing a
 * request into it); it leaves new connections to the other responders
 * until one of its own ends.
 */
static int
listen_when_free(int ep, int fd, int *listening)
{
	struct epoll_event	ev;
	int			want = free_conn() != NULL;

	if (want == *listening)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) != 0)
		return -1;
	*listening = want;
	return 0;
}

/*
 * Waits for and serves requests until told to stop. Kept connections
 * go first and the listen socket last. A stop signal ends the loop
 * after the batch in hand: requests nginx already wrote are served,
 * nothing new is accepted.
 */
static int
loop(const struct service *svc, struct db *db, int fd, struct arena *a)
{
	struct epoll_event	ev[CONNS_MAX + 2];
	struct conn		*c;
	int			ep, i, n, listen_ready, listening = 1, rc = 1;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	memset(ev, 0, sizeof(ev));
	ev[0].events = EPOLLIN | EPOLLEXCLUSIVE;
	ev[0].data.ptr = NULL;
	ev[1].events = EPOLLIN;
	ev[1].data.ptr = &sigfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev[0]) != 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sigfd, &ev[1]) != 0)
		goto out;
	/* The signalfd is read when epoll reports it (or when a long
	 * handler asks worker_stopping()), not on every turn: a read that
	 * finds nothing is a system call for every batch of requests. */
	while (!stopping) {
		n = epoll_wait(ep, ev, CONNS_MAX + 2, log_flush_in_ms());
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0 || log_flush_in_ms() == 0)
			log_flush();	/* the queued lines are due */
		listen_ready = 0;
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &sigfd) {
				(void)worker_stopping();
				continue;
			}
			if (ev[i].data.ptr == NULL) {
				if (ev[i].events & EPOLLERR)
					goto out;
				listen_ready = 1;
			} else
				serve_conn(svc, db, ev[i].data.ptr, a, ep,
				    fd);
		}
		if (listen_ready && !stopping &&
		    (c = free_conn()) != NULL)
			serve_conn(svc, db, c, a, ep, fd);
		if (listen_when_free(ep, fd, &listening) != 0)
			goto out;
	}
	rc = 0;
out:
	log_flush();
	close(ep);
	return rc;
}

/*
 * The signals that stop a responder, blocked for good and read from a
 * signalfd (see the top of this file). SIGPIPE is ignored: a gone
 * client is an error code on the write.
 */
static int
block_signals(void)
{
	struct sigaction	sa;
	sigset_t		term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);
	sigfd = signalfd(-1, &term, SFD_NONBLOCK | SFD_CLOEXEC);
	return sigfd >= 0 ? 0 : -1;
}

/*
 * SCHED_BATCH: a responder woken by nginx does not preempt the nginx
 * worker that woke it, so nginx hands over all its ready requests
 * before the responder runs, and the responder serves them in one
 * wakeup instead of ping-ponging a request at a time. Measured on 2
 * CPUs: /healthz throughput +10-15%, p50 lower, an idle machine's
 * latency unchanged. It needs no privilege.
 */
static void
batch_sched(void)
{
	struct sched_param	sp = { .sched_priority = 0 };

	if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0)
		log_warn(NULL, "SCHED_BATCH refused; staying on the default "
		    "policy");
}

int
worker_run(const struct service *svc, const struct conf *c, int fd,
    int slot, enum lane l)
{
	struct arena	a;
	struct db	db;
	int		i, rc;

	lane = l;
	nconns = l == LANE_LONG ? 1 : CONNS_MAX;
	sse_heartbeat_every(c->sse_heartbeat_sec);
	log_setup(svc->name, slot);
	metrics_slot(slot);
	if (block_signals() != 0)
		return 1;
	batch_sched();
	/*
	 * libfcgi mallocs and frees three 8 KiB stream buffers per request;
	 * each such "large" malloc first consolidates glibc's fastbins,
	 * which showed up as the responder's top user-space cost. Without
	 * fastbins there is nothing to consolidate.
	 */
	mallopt(M_MXFAST, 0);
	if (FCGX_Init() != 0)
		return 1;
	for (i = 0; i < nconns; i++)
		if (FCGX_InitRequest(&conns[i].fr, fd, 0) != 0)
			return 1;
	if (svc->worker_init != NULL && svc->worker_init(c) != 0)
		return 1;
	db_init(&db, service_dsn(svc, c), c->db_prepare);
	db.slow_ms = c->db_slow_ms;
	arena_init(&a);
	notify_responder_up();
	rc = loop(svc, &db, fd, &a);
	for (i = 0; i < nconns; i++)
		FCGX_Free(&conns[i].fr, 1);
	if (svc->worker_release != NULL)
		svc->worker_release();
	db_close(&db);
	arena_release(&a);
	close(sigfd);
	return rc;
}
