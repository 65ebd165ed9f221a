/*
 * The model provider interface (API.md §4 "Model providers"): what the
 * chat pipeline (run.c) asks of a provider, and what a provider may ask
 * of the pipeline while it answers. The pipeline never knows which
 * provider runs; a provider never sees HTTP, SQL or the request.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

struct arena;
struct conf;
struct model_call;

/* One earlier message of the conversation, oldest first. Any field but
 * role may be NULL; role is "user", "assistant", "tool" or "system". */
struct model_msg {
	const char	*role;
	const char	*text;
	const char	*tool;
	const char	*tool_call_id;
};

/* What the provider answers. */
struct model_input {
	struct arena		*a;		/* the request's */
	const char		*mode;		/* "museum" or "general" */
	const char		*question;	/* the new user message */
	const struct model_msg	*history;	/* before the question */
	size_t			 nhistory;
};

/*
 * A provider. init runs in each responder (settings, connections);
 * answer writes its reply through model_emit() (in pieces, as it comes)
 * and may call tools; it returns E_OK, the E_IO/E_STOPPING it got from
 * the pipeline (the answer is abandoned), or its own failure
 * (E_UPSTREAM, E_TIMEOUT) after model_fail() said what went wrong.
 */
struct model_provider {
	const char	*name;		/* MODEL_PROVIDER value */
	int		(*init)(const struct conf *);
	void		(*release)(void);
	/* The model name recorded in runs (a setting, or fixed). */
	const char	*(*model_name)(void);
	enum err	(*answer)(struct model_call *,
			    const struct model_input *);
};

/* The providers (model/<name>.c). */
extern const struct model_provider	model_builtin;
extern const struct model_provider	model_openai;
extern const struct model_provider	model_echo;

/* The provider MODEL_PROVIDER names, or NULL. */
const struct model_provider	*model_find(const char *name);
/* The names there are, for a message ("builtin, openai, echo"). */
const char			*model_names(void);

/*
 * What a provider may do while it answers; each is answered by the
 * pipeline (run.c) for the run in hand.
 *
 * model_emit: a piece of the answer's text. E_OK, or E_IO (the client
 * has gone) / E_STOPPING (the service is stopping): stop and return it.
 */
enum err	 model_emit(struct model_call *, const char *text,
		    size_t len);
/* The same check without text, for a provider that waits (heartbeats
 * a silent stream). */
enum err	 model_check(struct model_call *);
/*
 * Runs tool name (search_artwork_images, search_documents) with args
 * through the one tool path: the call and its result become a "tool"
 * message, images and sources it finds go with the answer. *result (a
 * JSON object in the arena's care) is what the model is shown. E_OK,
 * E_INVALID for an unknown tool or bad arguments (*result says so),
 * or the database's error.
 */
enum err	 model_tool(struct model_call *, const char *name,
		    const char *call_id, struct json_object *args,
		    struct json_object **result);
/* The same, but nothing found goes with the answer by itself: the
 * provider shows what it uses with model_show(). */
enum err	 model_lookup(struct model_call *, const char *name,
		    const char *call_id, struct json_object *args,
		    struct json_object **result);
/* Shows one hit of a tool's result with the answer: an artwork (it has
 * an image_path) among the images, a document (a uri) among the
 * sources; a hit shown already is not shown twice. */
void		 model_show(struct model_call *, struct json_object *hit);
/* A follow-up suggestion under the answer (at most MODEL_SUGGEST_MAX). */
void		 model_suggest(struct model_call *, const char *text);
/* Token counts and cost of the run, when known. */
void		 model_usage(struct model_call *, long prompt,
		    long completion, double cost_usd);
/* What went wrong, for runs.error and the client's error message
 * (never a key or a URL with credentials). */
void		 model_fail(struct model_call *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
