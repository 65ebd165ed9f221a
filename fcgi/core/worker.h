/*
 * The responder: accept, build the request, check route flags, call
 * the handler, log, finish, reset the arena; until told to stop.
 */
#ifndef WORKER_H
#define WORKER_H

struct conf;
struct service;

/* Runs the responder loop on listen fd; returns the exit status. */
int	worker_run(const struct service *, const struct conf *, int fd,
	    int slot);
/* Set by the SIGTERM handler: finish the request in hand, then exit. */
void	worker_stop(void);

#endif
