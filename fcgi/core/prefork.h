/*
 * The master process: configuration, guard, socket, budget, fork,
 * reap and respawn, drain on SIGTERM.
 */
#ifndef PREFORK_H
#define PREFORK_H

struct service;

/* The whole life of a service binary; returns its exit status. */
int	prefork_main(const struct service *, int argc, char **argv);

#endif
