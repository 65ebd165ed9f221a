/*
 * users: the agent's mobile visitors (API.md §4): users.id is the
 * token's sub. Every statement on the table; no HTTP here.
 */
#ifndef REPO_VISITORS_H
#define REPO_VISITORS_H

#include "db.h"
#include "err.h"

struct arena;

/* The profile a token carries; NULL fields are left as stored. */
struct visitor_claims {
	const char	*email;
	const char	*full_name;
	const char	*location;
	const char	*profile_photo_url;
	const char	*joined_date;		/* timestamptz text */
	const char	*access_permissions;	/* JSON-encoded list */
	const char	*stripe_customer_id;
};

/* A users row; strings in the arena, NULL for SQL NULL. */
struct visitor {
	const char	*id;
	const char	*email;
	const char	*full_name;
	const char	*location;
	const char	*profile_photo_url;
	const char	*joined_date;		/* RFC 3339 or NULL */
	const char	*access_permissions;	/* JSON text or NULL */
	const char	*stripe_customer_id;
	const char	*created_at;		/* RFC 3339 or NULL */
};

/*
 * get_or_create_user: inserts the row for sub on first sight, else
 * updates the profile fields that differ from the token's, writing
 * nothing when none does. A claim the database refuses (an email
 * another user holds, a date it cannot read) is left out, logged, and
 * the rest kept. E_OK, E_DBDOWN or E_DB.
 */
enum err	repo_visitors_get_or_create(struct db *, const char *sub,
		    const struct visitor_claims *);
/*
 * The same, held to go out with the request's next statement
 * (db_lead(): a read takes it in its own round trip); the statement
 * that carries it answers for it. sub and c's strings must live until
 * then.
 */
void		repo_visitors_lead(struct db *, const char *sub,
		    const struct visitor_claims *);
/* The row for sub; E_NOTFOUND when there is none. */
enum err	repo_visitors_get(struct db *, struct arena *, const char *sub,
		    struct visitor *out);
/* DELETE /v1/me: the row and, by cascade, every conversation (with its
 * messages and their children), run and ticket of the user. */
enum err	repo_visitors_delete(struct db *, const char *sub);

#endif
