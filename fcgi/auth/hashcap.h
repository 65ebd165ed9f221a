/*
 * The per-host cap on concurrent password hashes: slots in one shared
 * mapping the master creates before fork, each held by a responder's
 * pid, so a responder killed mid-hash cannot leak its slot. Each slot
 * owns the Argon2 work area its holder hashes in, so the memory that
 * hashing can take is the cap times one area, however many responders
 * there are.
 */
#ifndef HASHCAP_H
#define HASHCAP_H

#include <stddef.h>

#include "err.h"

#define HASHCAP_MAX		256	/* slots at most */
#define HASHCAP_POLL_MS		2	/* between tries for a slot */

/* Master, before fork: n slots (1..HASHCAP_MAX), each with a work
 * area of area bytes (0: none), shared and untouched until used.
 * 0 or -1. */
int		 hashcap_init(int n, size_t area);
/* Takes a slot, waiting up to wait_ms: E_OK or E_BUSY. Without
 * hashcap_init (tests, the CLI) every call succeeds. */
enum err	 hashcap_enter(long wait_ms);
/* Gives back the slot hashcap_enter() took. */
void		 hashcap_leave(void);
/* The work area of the slot this process holds, *sz its size; NULL
 * when it holds none or slots have no areas. */
void		*hashcap_area(size_t *sz);

#endif
