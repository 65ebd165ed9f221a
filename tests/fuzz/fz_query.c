/*
 * libFuzzer target for req.c's query string: any bytes as QUERY_STRING
 * through need_query_int(), opt_query_str() and req_query(). A getter
 * either passes a value that fits its rule or has sent the 400 it
 * returns; a value it passes is what req_query() reads too, since the
 * strict decoding only ever refuses what the lenient one keeps.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "core/req.h"
#include "fz_req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct strspec	fz_cursor = { 1, 64, "A-Za-z0-9_-", 0 };
static const struct strspec	fz_text = { 1, 16, NULL, STR_NOTBLANK };
static struct fz_sink		fz_sink;
static int			fz_ready;

/* The integer getters on "limit", checked against req_query(). */
static void
fz_ints(const char *q)
{
	struct req	 rq;
	const char	*raw;
	long		 n = LONG_MIN;
	enum err	 e;

	fz_req(&fz_sink, &rq, q, NULL);
	e = need_query_int(&rq, "limit", 1, 100, &n);
	fz_check_reply(&fz_sink, &rq, e);
	fz_req(&fz_sink, &rq, q, NULL);
	raw = req_query(&rq, "limit");
	if (e != E_OK) {
		FZ_CHECK(n == LONG_MIN);
		return;
	}
	FZ_CHECK(n >= 1 && n <= 100 && raw != NULL);
	FZ_CHECK(strtol(raw, NULL, 10) == n);
	fz_req(&fz_sink, &rq, q, NULL);
	n = LONG_MIN;
	FZ_CHECK(opt_query_int(&rq, "limit", 1, 100, &n) == E_OK);
	FZ_CHECK(n >= 1 && n <= 100);
}

/* A string getter on name under sp, checked against req_query(). */
static void
fz_str(const char *q, const char *name, const struct strspec *sp)
{
	struct req	 rq;
	const char	*s = NULL, *raw;
	enum err	 e;

	fz_req(&fz_sink, &rq, q, NULL);
	e = opt_query_str(&rq, name, sp, &s);
	fz_check_reply(&fz_sink, &rq, e);
	fz_req(&fz_sink, &rq, q, NULL);
	raw = req_query(&rq, name);
	if (s == NULL) {
		FZ_CHECK(e != E_OK || raw == NULL);
		return;
	}
	FZ_CHECK(e == E_OK && json_str_ok(sp, s, strlen(s)));
	FZ_CHECK(raw != NULL && strcmp(raw, s) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*q;

	if (size > PATH_MAX_LEN * 4)
		return 0;
	if (!fz_ready) {
		fz_sink_init(&fz_sink);
		fz_ready = 1;
	}
	/* QUERY_STRING is a C string: it ends at the first NUL. */
	q = malloc(size + 1);
	FZ_CHECK(q != NULL);
	memcpy(q, data, size);
	q[size] = '\0';
	fz_ints(q);
	fz_str(q, "cursor", &fz_cursor);
	fz_str(q, "q", &fz_text);
	arena_reset(&fz_sink.a);
	free(q);
	return 0;
}
