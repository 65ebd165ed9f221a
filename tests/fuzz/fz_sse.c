/*
 * libFuzzer target for the remote model's answer reader
 * (fcgi/agent/model/openai_sse.c), whose bytes come from outside: any
 * bytes as an event stream, read whole and again in pieces split where
 * the input says, must give the same answer (error, content, tool
 * calls, usage), with the emitted pieces adding up to the content; the
 * same bytes as a whole chat.completion body and as an error body must
 * be read without harm, an error's text one printable UTF-8 line within
 * its cap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "agent/model/openai_sse.h"
#include "fz_check.h"

#define FZ_PIECE_MAX	64	/* bytes of one piece of a split read */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What emit() was given, end to end. */
struct fz_emitted {
	struct arena		*a;
	struct openai_buf	 all;
};

static enum err
fz_emit(void *arg, const char *p, size_t n)
{
	struct fz_emitted	*k = arg;

	FZ_CHECK(n > 0);
	FZ_CHECK(openai_buf_add(k->a, &k->all, p, n, SIZE_MAX / 2) == 0);
	return E_OK;
}

static int
fz_buf_eq(const struct openai_buf *x, const struct openai_buf *y)
{
	return x->len == y->len && (x->len == 0 ||
	    memcmp(x->p, y->p, x->len) == 0);
}

/* Reads body[0..len) as a stream: in one piece when cuts is NULL,
 * else in pieces of 1..FZ_PIECE_MAX bytes as the cuts' bytes say. */
static enum err
fz_stream(struct openai_sse *s, struct fz_emitted *k, struct arena *a,
    const char *body, size_t len, const uint8_t *cuts, size_t ncuts)
{
	size_t		off = 0, n, c = 0;
	enum err	e = E_OK;

	memset(k, 0, sizeof(*k));
	k->a = a;
	openai_sse_init(s, a, fz_emit, k);
	while (off < len && e == E_OK) {
		n = len - off;
		if (cuts != NULL && ncuts > 0) {
			n = cuts[c++ % ncuts] % FZ_PIECE_MAX + 1;
			if (n > len - off)
				n = len - off;
		}
		e = openai_sse_feed(s, body + off, n);
		off += n;
	}
	if (e == E_OK)
		e = openai_sse_end(s);
	return e;
}

/* Emitted pieces add up to the content, whatever the outcome. */
static void
fz_emitted_is_content(const struct openai_sse *s, const struct fz_emitted *k)
{
	FZ_CHECK(fz_buf_eq(&s->content, &k->all));
	FZ_CHECK(s->ncalls <= TOOL_CALLS_MAX);
	FZ_CHECK(strlen(s->why) < sizeof(s->why));
}

static void
fz_same_answer(const struct openai_sse *x, const struct openai_sse *y)
{
	size_t	i;

	FZ_CHECK(strcmp(x->why, y->why) == 0);
	FZ_CHECK(fz_buf_eq(&x->content, &y->content));
	FZ_CHECK(x->ncalls == y->ncalls);
	for (i = 0; i < x->ncalls; i++) {
		FZ_CHECK(fz_buf_eq(&x->calls[i].id, &y->calls[i].id));
		FZ_CHECK(fz_buf_eq(&x->calls[i].name, &y->calls[i].name));
		FZ_CHECK(fz_buf_eq(&x->calls[i].args, &y->calls[i].args));
	}
	FZ_CHECK(x->prompt == y->prompt && x->completion == y->completion);
	FZ_CHECK(x->done == y->done && x->finished == y->finished);
	FZ_CHECK(x->chunks == y->chunks);
}

/* An error body's text: one line of printable bytes within the cap. */
static void
fz_errmsg(const char *body, size_t len)
{
	char	out[OPENAI_ERRMSG_MAX + 16];
	size_t	i, n;

	memset(out, 'x', sizeof(out));
	openai_sse_errmsg(body, len, out, sizeof(out));
	n = strlen(out);
	FZ_CHECK(n <= OPENAI_ERRMSG_MAX);
	for (i = 0; i < n; i++)
		FZ_CHECK((unsigned char)out[i] > ' ' ||
		    (out[i] == ' ' && i > 0 && i + 1 < n));
	for (i = 0; i < n; i++)
		FZ_CHECK(out[i] != 0x7f);
	FZ_CHECK(json_utf8_valid(out, n));
	memset(out, 'x', sizeof(out));
	openai_sse_errmsg(body, len, out, 8);
	FZ_CHECK(strlen(out) < 8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct openai_sse	 whole, split, msg;
	struct fz_emitted	 kw, ks, km;
	struct arena		 a;
	const uint8_t		*cuts = data;
	size_t			 ncuts = size > 0 ? data[0] % 8 : 0;
	const char		*body;
	size_t			 len;
	enum err		 ew, es;

	if (size < 1 + ncuts)
		return 0;
	cuts = data + 1;
	body = (const char *)data + 1 + ncuts;
	len = size - 1 - ncuts;
	arena_init(&a);
	ew = fz_stream(&whole, &kw, &a, body, len, NULL, 0);
	es = fz_stream(&split, &ks, &a, body, len, cuts, ncuts);
	FZ_CHECK(ew == es);
	FZ_CHECK(ew == E_OK || ew == E_UPSTREAM);
	fz_emitted_is_content(&whole, &kw);
	fz_emitted_is_content(&split, &ks);
	fz_same_answer(&whole, &split);
	memset(&km, 0, sizeof(km));
	km.a = &a;
	openai_sse_init(&msg, &a, fz_emit, &km);
	ew = openai_sse_whole(&msg, body, len);
	FZ_CHECK(ew == E_OK || ew == E_UPSTREAM);
	fz_emitted_is_content(&msg, &km);
	fz_errmsg(body, len);
	arena_release(&a);
	return 0;
}
