/*
 * The responder: accept, build the request, check route flags, call
 * the handler, log, finish, reset the arena; until told to stop.
 */
#ifndef WORKER_H
#define WORKER_H

#include <fcgiapp.h>

#include "service.h"

struct arena;
struct conf;
struct db;

/* Runs the responder loop of one lane on listen fd until a stop
 * signal; returns the exit status. */
int	worker_run(const struct service *, const struct conf *, int fd,
	    int slot, enum lane);
/* 1 once SIGTERM or SIGINT has arrived: a long handler ends what it is
 * doing (a stream as cancelled); the responder then exits. */
int	worker_stopping(void);
/* One accepted request served as the loop serves it (tests drive this
 * directly); the caller finishes the request and resets the arena. */
void	worker_serve(const struct service *, struct db *, FCGX_Request *,
	    struct arena *);

#endif
