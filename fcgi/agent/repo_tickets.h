/*
 * tickets: a museum ticket and the user its first message registered
 * it to (API.md §4, the Python stack's register_ticket). No HTTP here.
 */
#ifndef REPO_TICKETS_H
#define REPO_TICKETS_H

#include "err.h"

struct db;

/*
 * Registers the ticket to uid if it is new (idempotent, safe under
 * concurrent first messages: the second insert waits for the first and
 * then finds it). E_OK when the ticket is uid's, E_FORBIDDEN when it is
 * another user's.
 */
enum err	repo_tickets_register(struct db *, const char *uid,
		    const char *ticket_id);

#endif
