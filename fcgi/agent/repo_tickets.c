/*
 * tickets: register_ticket. All of the table's SQL is here; no HTTP.
 */
#include <string.h>

#include "db.h"
#include "repo_tickets.h"

enum { Q_INSERT, Q_OWNER, Q__MAX };

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_tickets_register(): waits for a concurrent first insert */
	[Q_INSERT] = { "tickets_insert", 2,
	    "INSERT INTO tickets (id, user_id, first_seen)"
	    " VALUES ($1, $2, now()) ON CONFLICT (id) DO NOTHING", 0 },
	/* repo_tickets_register(): a statement of its own, so that under
	 * READ COMMITTED it sees the row the insert waited for */
	[Q_OWNER] = { "tickets_owner", 2,
	    "SELECT user_id IS NOT DISTINCT FROM $2 AS mine FROM tickets"
	    " WHERE id = $1", 0 },
};

enum err
repo_tickets_register(struct db *db, const char *uid, const char *ticket_id)
{
	static const struct db_col	 cols[] = {
		{ "mine", 0, COL_BOOL }, { NULL, 0, 0 }
	};
	const char			*p[2] = { ticket_id, uid };
	int				 mine = 0;
	enum err			 e;

	if ((e = db_exec(db, &q[Q_INSERT], p)) != E_OK ||
	    (e = db_one(db, NULL, &q[Q_OWNER], p, cols, &mine)) != E_OK)
		return e;
	return mine ? E_OK : E_FORBIDDEN;
}
