/*
 * The auth service's process-level state and its runtime hooks: the
 * settings read in the master before fork (read-only afterwards), the
 * boot and responder hooks, and the bearer check for R_USER routes.
 */
#ifndef AUTH_H
#define AUTH_H

#include "err.h"

struct conf;
struct req;

/* Settings beyond struct conf; API.md §5 plus the limits of docs/auth.md. */
struct auth_settings {
	const struct conf	*cf;
	long			 throttle_window;	/* seconds */
	long			 throttle_email_max;	/* failures per email */
	long			 throttle_addr_max;	/* per client address */
	long			 hash_concurrency;	/* hashes per host */
	long			 hash_wait_ms;		/* wait for a slot */
	long			 hash_threads;		/* threads per hash */
	long			 hash_keep_memory;	/* 0 or 1 */
};

/* The settings; valid after auth_boot() (or auth_settings_load()). */
const struct auth_settings	*auth_settings(void);
/* Reads the AUTH_* limits from the environment; 0 or -1 (reported). */
int				 auth_settings_load(const struct conf *);

/* Master: settings, data dir and key, hash slots, init_db. 0 or -1. */
int		 auth_boot(const struct conf *);
/* Responder: keys and hashing. 0 or -1. */
int		 auth_worker_init(const struct conf *);
void		 auth_worker_release(void);
/* R_USER: a token this service issued (own key, AUTH_ISSUER). */
enum err	 auth_authenticate(struct req *);

#endif
