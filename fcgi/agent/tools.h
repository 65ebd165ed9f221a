/*
 * The tools a model may call, run by the agent for every provider
 * through this one path (API.md §4): search_artwork_images fills the
 * answer's images, search_documents its sources. No HTTP here.
 */
#ifndef TOOLS_H
#define TOOLS_H

#include <json-c/json.h>

#include "err.h"

struct arena;
struct db;

#define TOOLS_LIMIT_DEFAULT	3	/* hits when the model names none */
#define TOOLS_LIMIT_MAX		10

/*
 * Runs tool name with its arguments ({"query": string, "limit"?:
 * 1..TOOLS_LIMIT_MAX}). *result is what the model is shown (a new
 * object the caller puts); the Image or Source objects found are added
 * to images or sources. E_OK; E_INVALID for an unknown tool or bad
 * arguments, with *result saying so; a database error.
 */
enum err	tools_run(struct db *, struct arena *, const char *name,
		    struct json_object *args, struct json_object **result,
		    struct json_object *images, struct json_object *sources);
/* The tools as OpenAI-compatible function declarations (a new array). */
struct json_object *tools_declare(void);

#endif
