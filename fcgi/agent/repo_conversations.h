/*
 * conversations, with the reads of a whole conversation (messages and
 * their images, sources and suggestions). Every lookup is scoped by the
 * caller's user id in the SQL itself: another user's conversation is
 * E_NOTFOUND exactly as a missing one. No HTTP here.
 */
#ifndef REPO_CONVERSATIONS_H
#define REPO_CONVERSATIONS_H

#include <stddef.h>

#include "db.h"
#include "err.h"

struct arena;

#define CONV_TITLE_MAX	80	/* code points of a title made from a message */

/* A conversations row; strings in the arena, NULL for SQL NULL. */
struct conv {
	const char	*id;
	const char	*title;
	const char	*mode;
	const char	*created_at;	/* RFC 3339 */
	const char	*updated_at;
	const char	*sort_key;	/* the list's order, for a cursor */
};

/* A message of a conversation and what hangs from it. */
struct conv_msg {
	const char		*id;
	int			 seq;
	const char		*role;
	const char		*text;
	const char		*tool;
	const char		*tool_call_id;
	const char		*run_id;
	const char		*feedback;
	const char		*created_at;
};

struct conv_image {
	const char		*message_id;
	const char		*title;
	const char		*artist;
	const char		*image_path;
	struct db_double	 score;
	const char		*type;		/* "artwork" when NULL */
};

struct conv_source {
	const char		*message_id;
	const char		*title;
	const char		*uri;
	struct db_double	 confidence;
	const char		*type;		/* "document" when NULL */
};

struct conv_suggestion {
	const char		*message_id;
	const char		*text;
};

/* A whole conversation: children sorted by message, then stored order. */
struct conv_full {
	struct conv		 c;
	struct conv_msg		*msgs;
	size_t			 nmsgs;
	struct conv_image	*images;
	size_t			 nimages;
	struct conv_source	*sources;
	size_t			 nsources;
	struct conv_suggestion	*suggestions;
	size_t			 nsuggestions;
};

/*
 * The user's conversations, most recently updated first, at most limit,
 * after the one whose sort_key and id are given (NULL, NULL: from the
 * start). E_INVALID when the cursor's key is not a time.
 */
enum err	repo_conversations_list(struct db *, struct arena *,
		    const char *uid, const char *after_key,
		    const char *after_id, int limit, struct conv **out,
		    size_t *n);
/* One conversation with everything in it, in one round trip. */
enum err	repo_conversations_load(struct db *, struct arena *,
		    const char *uid, const char *id, struct conv_full *out);
enum err	repo_conversations_set_title(struct db *, struct arena *,
		    const char *uid, const char *id, const char *title,
		    struct conv *out);
/* Deletes it with its messages, their children and its runs. */
enum err	repo_conversations_delete(struct db *, const char *uid,
		    const char *id);

/* In a transaction (run.c): */
/* The museum conversation of a ticket, created if new (id = ticket
 * id); E_CONFLICT when that id is a general conversation. */
enum err	repo_conversations_open_museum(struct db *, const char *uid,
		    const char *ticket_id, const char *title);
/* A new general conversation with a UUID4 id; *id in the arena. */
enum err	repo_conversations_create(struct db *, struct arena *,
		    const char *uid, const char *title, const char **id);
/* Locks the user's conversation for appending messages (the order of
 * seq); E_NOTFOUND when it is not theirs. */
enum err	repo_conversations_lock(struct db *, struct arena *,
		    const char *uid, const char *id, struct conv *out);
/* updated_at = now(). */
enum err	repo_conversations_touch(struct db *, const char *id);

#endif
