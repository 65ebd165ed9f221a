/*
 * users: the agent's visitors, one row per token subject. All of the
 * table's SQL is here (statement table below); no HTTP.
 */
#include <stddef.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "log.h"
#include "repo.h"
#include "repo_visitors.h"

enum { Q_UPSERT, Q_GET, Q_DELETE, Q__MAX };

/* Statements: name, parameters, SQL, flags. */
static const struct stmt q[Q__MAX] = {
	/* repo_visitors_get_or_create(): an unchanged profile, the
	 * common request, inserts no row and so stays a read (no row
	 * lock, transaction id, WAL or commit flush: ON CONFLICT DO UPDATE
	 * locks the row it finds even when its WHERE skips the update;
	 * docs/performance.md); a changed one or a first sight upserts,
	 * and the WHERE keeps a lost race from writing a tuple */
	[Q_UPSERT] = { "visitors_upsert", 8,
	    "INSERT INTO users AS u (id, email, full_name, location,"
	    " profile_photo_url, joined_date, access_permissions,"
	    " stripe_customer_id, created_at)"
	    " SELECT $1::text, $2::text, $3::text, $4::text, $5::text,"
	    " $6::timestamptz, $7::text, $8::text, now()"
	    " WHERE NOT EXISTS (SELECT 1 FROM users s WHERE s.id = $1::text"
	    " AND (s.email, s.full_name, s.location, s.profile_photo_url,"
	    " s.joined_date, s.access_permissions, s.stripe_customer_id)"
	    " IS NOT DISTINCT FROM (COALESCE($2::text, s.email),"
	    " COALESCE($3::text, s.full_name), COALESCE($4::text, s.location),"
	    " COALESCE($5::text, s.profile_photo_url),"
	    " COALESCE($6::timestamptz, s.joined_date),"
	    " COALESCE($7::text, s.access_permissions),"
	    " COALESCE($8::text, s.stripe_customer_id)))"
	    " ON CONFLICT (id) DO UPDATE SET"
	    " email = COALESCE(EXCLUDED.email, u.email),"
	    " full_name = COALESCE(EXCLUDED.full_name, u.full_name),"
	    " location = COALESCE(EXCLUDED.location, u.location),"
	    " profile_photo_url = COALESCE(EXCLUDED.profile_photo_url,"
	    " u.profile_photo_url),"
	    " joined_date = COALESCE(EXCLUDED.joined_date, u.joined_date),"
	    " access_permissions = COALESCE(EXCLUDED.access_permissions,"
	    " u.access_permissions),"
	    " stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id,"
	    " u.stripe_customer_id)"
	    " WHERE (u.email, u.full_name, u.location, u.profile_photo_url,"
	    " u.joined_date, u.access_permissions, u.stripe_customer_id)"
	    " IS DISTINCT FROM (COALESCE(EXCLUDED.email, u.email),"
	    " COALESCE(EXCLUDED.full_name, u.full_name),"
	    " COALESCE(EXCLUDED.location, u.location),"
	    " COALESCE(EXCLUDED.profile_photo_url, u.profile_photo_url),"
	    " COALESCE(EXCLUDED.joined_date, u.joined_date),"
	    " COALESCE(EXCLUDED.access_permissions, u.access_permissions),"
	    " COALESCE(EXCLUDED.stripe_customer_id, u.stripe_customer_id))",
	    0 },
	/* repo_visitors_get() */
	[Q_GET] = { "visitors_get", 1,
	    "SELECT id, email, full_name, location, profile_photo_url, "
	    REPO_TS("joined_date") " AS joined_date, access_permissions,"
	    " stripe_customer_id, " REPO_TS("created_at") " AS created_at"
	    " FROM users WHERE id = $1", S_READ },
	/* repo_visitors_delete() */
	[Q_DELETE] = { "visitors_delete", 1,
	    "DELETE FROM users WHERE id = $1", 0 },
};

#define F(f)	offsetof(struct visitor, f)
static const struct db_col visitor_cols[] = {
	{ "id", F(id), COL_TEXT },
	{ "email", F(email), COL_TEXT },
	{ "full_name", F(full_name), COL_TEXT },
	{ "location", F(location), COL_TEXT },
	{ "profile_photo_url", F(profile_photo_url), COL_TEXT },
	{ "joined_date", F(joined_date), COL_TEXT },
	{ "access_permissions", F(access_permissions), COL_TEXT },
	{ "stripe_customer_id", F(stripe_customer_id), COL_TEXT },
	{ "created_at", F(created_at), COL_TEXT },
	{ NULL, 0, 0 }
};
#undef F

/*
 * A failed upsert (the lead's fix): another user holds the email, or
 * the date cannot be read. The visitor is still served, with what the
 * database can keep.
 */
static enum err
upsert_fallback(struct db *db, enum err e, const char *const *params,
    void *arg)
{
	const char	*p[8];

	(void)arg;
	if (e != E_CONFLICT && e != E_INVALID)
		return e;
	memcpy(p, params, sizeof(p));
	log_warn(NULL, "user profile from the token not stored (%s): "
	    "keeping the rest", e == E_CONFLICT ? "email taken" :
	    "unreadable date");
	if (e == E_CONFLICT)
		p[1] = NULL;
	else
		p[5] = NULL;
	if ((e = db_exec(db, &q[Q_UPSERT], p)) == E_CONFLICT ||
	    e == E_INVALID) {
		p[1] = p[5] = NULL;
		e = db_exec(db, &q[Q_UPSERT], p);
	}
	return e;
}

void
repo_visitors_lead(struct db *db, const char *sub,
    const struct visitor_claims *c)
{
	const char	*p[8] = { sub, c->email, c->full_name, c->location,
	    c->profile_photo_url, c->joined_date, c->access_permissions,
	    c->stripe_customer_id };

	db_lead(db, &q[Q_UPSERT], p, upsert_fallback, NULL);
}

enum err
repo_visitors_get_or_create(struct db *db, const char *sub,
    const struct visitor_claims *c)
{
	repo_visitors_lead(db, sub, c);
	return db_lead_flush(db);
}

enum err
repo_visitors_get(struct db *db, struct arena *a, const char *sub,
    struct visitor *out)
{
	const char	*p[1] = { sub };

	return db_one(db, a, &q[Q_GET], p, visitor_cols, out);
}

enum err
repo_visitors_delete(struct db *db, const char *sub)
{
	const char	*p[1] = { sub };

	return db_exec(db, &q[Q_DELETE], p);
}
