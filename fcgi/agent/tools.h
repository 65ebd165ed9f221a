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
#define TOOLS_LIMIT_MAX		20
/* A hit is shown with the answer (an Image, a Source) when it holds at
 * least half of the query's words (repo_catalog.h's score) and scores
 * near the best hit; the model is shown every hit with its score. */
#define TOOLS_SHOW_MIN		0.5
#define TOOLS_SHOW_NEAR		0.75

/*
 * Runs tool name with its arguments ({"query": string, "limit"?:
 * 1..TOOLS_LIMIT_MAX, and for search_artwork_images "room"?: a room,
 * whose works are listed instead}). *result is what the model is shown (a new
 * object the caller puts); the Image or Source objects of the hits that
 * are good enough (TOOLS_SHOW_*) are added to images or sources (when
 * they are not NULL). E_OK;
 * E_INVALID for an unknown tool or bad
 * arguments, with *result saying so; a database error.
 */
enum err	tools_run(struct db *, struct arena *, const char *name,
		    struct json_object *args, struct json_object **result,
		    struct json_object *images, struct json_object *sources);
/* The Image (or Source) object of one hit of a tool's result. */
struct json_object *tools_image(struct json_object *hit);
struct json_object *tools_source(struct json_object *hit);
/* The tools as OpenAI-compatible function declarations (a new array). */
struct json_object *tools_declare(void);

#endif
