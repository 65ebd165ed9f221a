/*
 * Unit tests for the answer's way out (req.c reply_raw(), records.c):
 * bodies on both sides of what libfcgi's buffer takes, of one record,
 * of a writev's worth of records and beyond, through the runtime's own
 * request path (tests/lib/tfcgi.c), come back byte for byte with their
 * Content-Length and every other header, and the STDOUT stream ends
 * once, after the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tfcgi.h"
#include "core/records.h"
#include "core/req.h"
#include "core/route.h"

static char	*big;		/* the bytes every answer is cut from */
static size_t	 want;		/* how many of them t_reply() sends */

static void
t_reply(struct req *rq)
{
	reply_raw(rq, 200, "application/octet-stream",
	    "Cache-Control: no-store\r\n", big, want);
}

static void
t_size(size_t n)
{
	static const struct route	 rt = { "GET", "/big", t_reply, 0,
	    NULL };
	struct tfcgi_req		 tr;
	struct tfcgi_resp		 r;
	const char			*cl;
	char				 name[64];

	want = n;
	memset(&tr, 0, sizeof(tr));
	tr.path = "/big";
	tfcgi_route(&rt, &tr, &r);
	T_EQ(r.status, 200);
	T_OK((cl = tfcgi_header(&r, "Content-Length")) != NULL);
	T_EQ(strtoull(cl, NULL, 10), n);
	T_STR(tfcgi_header(&r, "Cache-Control"), "no-store");
	T_EQ(r.bodylen, n);
	T_OK(n == 0 || memcmp(r.body, big, n) == 0);
	tfcgi_release(&r);
	snprintf(name, sizeof(name), "reply-%zu-bytes-whole", n);
	T_PASS(name);
}

int
main(void)
{
	static const size_t	 sizes[] = {
		0, 1, 100,
		REPLY_BUFFERED_MAX - 200, REPLY_BUFFERED_MAX,
		REPLY_BUFFERED_MAX + 1, 8192, 20000,
		RECORDS_CONTENT_MAX - 1, RECORDS_CONTENT_MAX,
		RECORDS_CONTENT_MAX + 1, 2 * RECORDS_CONTENT_MAX + 7,
		64 * (size_t)RECORDS_CONTENT_MAX,
		64 * (size_t)RECORDS_CONTENT_MAX + 1,
		5 * 1024 * 1024,
	};
	size_t			 i, max = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] > max)
			max = sizes[i];
	T_OK((big = malloc(max + 1)) != NULL);
	for (i = 0; i < max; i++)	/* no period a record length shares */
		big[i] = (char)('!' + (i * 7 + i / 251) % 90);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		t_size(sizes[i]);
	free(big);
	return 0;
}
