/*
 * The answer of an OpenAI-compatible /v1/chat/completions endpoint, read
 * as it arrives: server-sent events (WHATWG HTML §9.2) whose data are
 * chat.completion.chunk objects, up to "data: [DONE]"; or one
 * chat.completion object from a server that does not stream. Content
 * goes out through a callback piece by piece; tool calls, usage and the
 * end are gathered here. No HTTP and no model_* call here.
 */
#ifndef OPENAI_SSE_H
#define OPENAI_SSE_H

#include <stddef.h>

#include "caps.h"
#include "err.h"

struct arena;

/* A growing byte string in an arena, always NUL-terminated. */
struct openai_buf {
	char	*p;
	size_t	 len, cap;
};

/* One tool call as the model asked for it, from its streamed pieces. */
struct openai_call {
	struct openai_buf	 id;
	struct openai_buf	 name;
	struct openai_buf	 args;		/* JSON text, maybe empty */
};

struct openai_sse {
	struct arena		*a;
	/* Where a piece of content goes; E_OK or why to stop. */
	enum err		(*emit)(void *, const char *, size_t);
	void			*arg;
	struct openai_buf	 line;		/* the line being read */
	struct openai_buf	 data;		/* the event's data lines */
	int			 has_data;	/* a data line came */
	int			 last_cr;	/* the last byte was CR */
	struct openai_buf	 content;	/* all content, emitted */
	struct openai_call	 calls[TOOL_CALLS_MAX];
	size_t			 ncalls;
	long			 prompt, completion; /* usage, -1 unknown */
	int			 done;		/* [DONE] came */
	int			 finished;	/* a finish_reason came */
	size_t			 chunks;	/* chunks read */
	char			 why[256];	/* for E_UPSTREAM */
};

/* Readies s for one answer; pieces of content go to emit(arg, ...). */
void	 openai_sse_init(struct openai_sse *, struct arena *,
	    enum err (*emit)(void *, const char *, size_t), void *arg);
/*
 * Reads the next len bytes of an event stream (any split). E_OK; the
 * emit callback's error; E_UPSTREAM with why set for a malformed chunk,
 * an error object in the stream or a limit (caps.h) passed.
 */
enum err openai_sse_feed(struct openai_sse *, const char *buf, size_t len);
/* The stream has ended: reads what is left, then E_OK when the answer
 * was complete ([DONE] or a finish_reason), else E_UPSTREAM. */
enum err openai_sse_end(struct openai_sse *);
/* A whole chat.completion body (a server that did not stream), read as
 * one chunk whose choices carry "message": as openai_sse_feed(). */
enum err openai_sse_whole(struct openai_sse *, const char *body,
	    size_t len);
/*
 * The provider's own words from an error body ({"error": {"message"}},
 * {"error": "..."}, [{"error": {...}}], {"message"}, {"detail"}), made
 * printable and cut at OPENAI_ERRMSG_MAX bytes, into out; "" when the
 * body says nothing readable (HTML, empty).
 */
void	 openai_sse_errmsg(const char *body, size_t len, char *out,
	    size_t outsz);

/* Appends p[0..n) to b; -1 (b unchanged) when it would pass max. */
int	 openai_buf_add(struct arena *, struct openai_buf *, const char *p,
	    size_t n, size_t max);

#endif
