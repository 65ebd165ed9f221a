/*
 * A struct req for fuzz targets, with no FastCGI connection: replies
 * go to a memory sink, so that getters which answer 400 themselves can
 * run on fuzzed input millions of times a minute. Header-only (static
 * functions) because fuzz targets link no test library.
 */
#ifndef FZ_REQ_H
#define FZ_REQ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "core/arena.h"
#include "core/req.h"
#include "fz_check.h"

#define FZ_SINK_MAX	4096	/* bytes of the last reply kept */

struct fz_sink {
	FCGX_Stream	 st;
	FCGX_Request	 fr;
	char		*envp[1];
	struct arena	 a;
	unsigned char	 buf[FZ_SINK_MAX + 1];
};

/* libfcgi calls this when the buffer is full: start it over. */
static void
fz_sink_empty(FCGX_Stream *st, int doclose)
{

	(void)doclose;
	st->wrNext = st->stopUnget;
}

static void
fz_sink_init(struct fz_sink *k)
{

	memset(k, 0, sizeof(*k));
	arena_init(&k->a);
}

/* Readies rq for one getter call: no reply sent yet, sink empty. */
static void
fz_req(struct fz_sink *k, struct req *rq, const char *query,
    struct json_object *json)
{

	memset(&k->st, 0, sizeof(k->st));
	k->st.wrNext = k->st.stopUnget = k->buf;
	k->st.stop = k->buf + FZ_SINK_MAX;
	k->st.emptyBuffProc = fz_sink_empty;
	memset(&k->fr, 0, sizeof(k->fr));
	k->fr.out = &k->st;
	k->fr.envp = k->envp;
	memset(rq, 0, sizeof(*rq));
	rq->fr = &k->fr;
	rq->a = &k->a;
	rq->method = "POST";
	rq->path = "/fz";
	rq->query = query;
	rq->json = json;
	rq->route_idx = -1;
	strcpy(rq->reqid, "fz");
}

/* The reply so far, NUL-terminated. */
static const char *
fz_reply(struct fz_sink *k)
{

	*k->st.wrNext = '\0';
	return (const char *)k->buf;
}

/* A getter's result agrees with what it sent: nothing on E_OK, a 400
 * with the code e maps to otherwise. */
static void
fz_check_reply(struct fz_sink *k, const struct req *rq, enum err e)
{

	if (e == E_OK) {
		FZ_CHECK(rq->status == 0);
		return;
	}
	FZ_CHECK(rq->status == 400);
	FZ_CHECK(strstr(fz_reply(k), e == E_JSON ? "\"invalid_json\"" :
	    "\"invalid_request\"") != NULL);
}

#endif
