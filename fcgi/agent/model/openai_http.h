/*
 * One POST to an OpenAI-compatible endpoint through libcurl's easy
 * interface, its answer read into an openai_sse as it arrives, bounded
 * by three clocks (connect, total, idle) and by the caller's check().
 * No model_* call and no OpenAI semantics here.
 */
#ifndef OPENAI_HTTP_H
#define OPENAI_HTTP_H

#include <stddef.h>

#include "err.h"

struct openai_sse;

struct openai_post {
	const char		*url;
	const char		*api_key;	/* NULL: no Authorization */
	const char		*body;		/* the JSON request */
	long			 connect_ms;	/* to connect */
	long			 total_ms;	/* left of the answer's time */
	long			 answer_ms;	/* the answer's time, to say */
	long			 idle_ms;	/* silent server */
	/* E_OK to go on, else why to stop (the client has gone...);
	 * asked while the transfer waits, about once a second at least. */
	enum err		(*check)(void *);
	void			*arg;
	struct openai_sse	*sse;		/* where the answer goes */
};

/* libcurl's global state; in each process before the first post. 0 or
 * -1. */
int		 openai_http_open(void);
/* Closes the kept connection and libcurl's global state. */
void		 openai_http_close(void);
/*
 * POSTs p->body to p->url. E_OK when a 2xx answer was read whole into
 * p->sse; E_UPSTREAM (refused, TLS, HTTP 4xx/5xx with the provider's
 * own message, a malformed answer) or E_TIMEOUT (connect, total, idle),
 * with why said in why (never the key, never the URL); check()'s or
 * the sse's emit callback's error as it came. After any failure the
 * connection is closed.
 */
enum err	 openai_http_post(const struct openai_post *p, char *why,
		    size_t whysz);

#endif
