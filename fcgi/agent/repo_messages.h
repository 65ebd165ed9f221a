/*
 * messages and what hangs from an answer (message_images,
 * message_sources, message_suggestions). seq is assigned in the
 * statement that appends, under the conversation's row lock
 * (repo_conversations_lock), so it counts 1, 2, 3 ... without a gap or
 * a duplicate whatever runs at once. No HTTP here.
 */
#ifndef REPO_MESSAGES_H
#define REPO_MESSAGES_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct arena;
struct conv_msg;
struct db;
struct db_col;
struct model_msg;

/* Feedback values (API.md §4); FEEDBACK__MAX is null. */
enum feedback {
	FEEDBACK_LIKE,
	FEEDBACK_DISLIKE,
	FEEDBACK__MAX
};
extern const char *const feedback_names[FEEDBACK__MAX + 1];

/* The columns of a message row (struct conv_msg), for every statement
 * that reads messages whole. */
extern const struct db_col	repo_messages_cols[];

/* A message to append; role is required, the rest may be NULL. */
struct msg_new {
	const char	*run_id;
	const char	*role;
	const char	*tool;
	const char	*tool_call_id;
	const char	*text;
};

/*
 * In a transaction holding the conversation's lock: appends m with the
 * next seq; *out (id, seq, created_at and m's fields) in the arena.
 */
enum err	repo_messages_append(struct db *, struct arena *,
		    const char *conversation_id, const struct msg_new *m,
		    struct conv_msg *out);
/*
 * The same for a run's last messages (its tool messages, then its
 * answer) in one statement: m[0..n) with the next seqs in their order,
 * all with run_id (m[].run_id is not read); *last (the highest seq,
 * the answer) in the arena.
 */
enum err	repo_messages_append_run(struct db *, struct arena *,
		    const char *conversation_id, const char *run_id,
		    const struct msg_new *m, size_t n, struct conv_msg *last);
/*
 * The answer's children: images [{title, artist, image_path, score,
 * type}], sources [{title, uri, confidence, type}] and suggestions
 * [string], JSON arrays kept in their order; NULL for none.
 */
enum err	repo_messages_attach(struct db *, const char *message_id,
		    struct json_object *images, struct json_object *sources,
		    struct json_object *suggestions);
/* Sets the feedback of a message in one of uid's conversations;
 * E_NOTFOUND otherwise. */
enum err	repo_messages_feedback(struct db *, const char *uid,
		    const char *message_id, enum feedback);
/* The last max messages of a conversation, oldest first, for the
 * model's history. */
enum err	repo_messages_history(struct db *, struct arena *,
		    const char *conversation_id, int max,
		    struct model_msg **out, size_t *n);

#endif
