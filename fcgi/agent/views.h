/*
 * The agent's JSON shapes (API.md §4 "Types"): ConversationSummary,
 * Conversation, Message, Image, Source, Run and the users row. Rows the
 * Python stack wrote may carry NULL where the C services always write a
 * value: those are null here, never an error. Every function returns a
 * new value the caller puts (or hands to reply_json). Most are only
 * ever written: their json-c type means nothing, and their members
 * cannot be read back.
 */
#ifndef VIEWS_H
#define VIEWS_H

#include <json-c/json.h>

struct arena;
struct conv;
struct conv_full;
struct conv_msg;
struct db_double;
struct run;
struct visitor;

/* The rows must outlive the value: they are read when it is written
 * (view_message()'s and view_conversation()'s too). */
struct json_object	*view_summary(const struct conv *);
/* images, sources, suggestions: arrays taken over (NULL: []). */
struct json_object	*view_message(const struct conv_msg *,
			    struct json_object *images,
			    struct json_object *sources,
			    struct json_object *suggestions);
struct json_object	*view_conversation(struct arena *,
			    const struct conv_full *);
struct json_object	*view_run(const struct run *);
struct json_object	*view_visitor(const struct visitor *);
/* An Image and a Source, holding copies of what they are given. */
struct json_object	*view_image(const char *title, const char *artist,
			    const char *image_path, const struct db_double *score,
			    const char *type);
struct json_object	*view_source(const char *title, const char *uri,
			    const struct db_double *confidence,
			    const char *type);
/* The image_path of a view_image(), the uri of a view_source(). */
const char		*view_image_path(struct json_object *);
const char		*view_source_uri(struct json_object *);
/* A number as its shortest faithful decimal (0.93, not 0.930000...);
 * NULL (null) for NaN and the infinities, which JSON has no word for. */
struct json_object	*view_number(double);

#endif
