/*
 * libFuzzer target for route.c: "<method> <path>" against a fixed
 * table, once with ample buffers and once with buffers cut to a few
 * bytes on the heap so that any write past them is caught. A match
 * must rebuild the path from the pattern and its captures, and each
 * capture must fit the kind its pattern segment declares.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/caps.h"
#include "core/err.h"
#include "core/json.h"
#include "core/route.h"

#define FZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fz_route: check failed: %s\n", #c);	\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_fn(struct req *);

static const struct route rt[] = {
	{ "GET", "/healthz", fz_fn, 0, NULL },
	{ "GET", "/v1/conversations", fz_fn, R_USER, NULL },
	{ "POST", "/v1/conversations", fz_fn, R_USER | R_JSON, NULL },
	{ "GET", "/v1/conversations/{id}", fz_fn, R_USER, NULL },
	{ "PATCH", "/v1/conversations/{id}", fz_fn, R_USER | R_JSON, NULL },
	{ "DELETE", "/v1/conversations/{id}", fz_fn, R_USER, NULL },
	{ "GET", "/v1/conversations/{id}/runs", fz_fn, R_USER, NULL },
	{ "POST", "/v1/messages/{id}/feedback", fz_fn, R_JSON, NULL },
	{ "GET", "/a/{x}/b/{y}", fz_fn, 0, NULL },
	{ "GET", "/f/{name:any}", fz_fn, 0, NULL },
	{ "PUT", "/f/{name:id}", fz_fn, 0, NULL },
	{ "GET", "/{a}/{b:any}/{c:id}/{d}", fz_fn, 0, NULL },
	{ "GET", "/{a}/{b}/{c}/{d}/{e}", fz_fn, 0, NULL },
	{ "GET", "/", fz_fn, 0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static void
fz_fn(struct req *rq)
{

	(void)rq;
}

/* Each capture fits the kind of its "{name:kind}" segment. */
static void
fz_check_kinds(const char *pat, const char **args, int nargs)
{
	const struct strspec	*sp;
	const char		*end, *colon;
	int			 i = 0;

	while ((pat = strchr(pat, '{')) != NULL) {
		FZ_CHECK(i < nargs);
		end = strchr(pat, '}');
		colon = memchr(pat, ':', (size_t)(end - pat));
		sp = colon == NULL ? route_kind("id", 2) :
		    route_kind(colon + 1, (size_t)(end - colon - 1));
		FZ_CHECK(sp != NULL);
		FZ_CHECK(json_str_ok(sp, args[i], strlen(args[i])));
		i++;
		pat = end;
	}
	FZ_CHECK(i == nargs);
}

/* The pattern with each {..} segment replaced by the next capture. */
static void
fz_rebuild(const char *pat, const char **args, int nargs, char *out,
    size_t outsz)
{
	size_t	 n = 0, k;
	int	 i = 0;

	while (*pat != '\0') {
		if (*pat == '{') {
			FZ_CHECK(i < nargs);
			k = strlen(args[i]);
			FZ_CHECK(n + k < outsz);
			memcpy(out + n, args[i++], k);
			n += k;
			pat += strcspn(pat, "}") + 1;
			continue;
		}
		FZ_CHECK(n + 1 < outsz);
		out[n++] = *pat++;
	}
	FZ_CHECK(i == nargs);
	out[n] = '\0';
}

static void
fz_check_ok(const char *method, const char *path, int idx,
    const char *argbuf, size_t argbufsz, const char **args, int nargs)
{
	char	 again[PATH_MAX_LEN * 2];
	int	 i;

	FZ_CHECK(idx >= 0 && idx < (int)(sizeof(rt) / sizeof(rt[0])) - 1);
	/* A HEAD without a route of its own takes the GET route. */
	FZ_CHECK(strcmp(rt[idx].method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 &&
	    strcmp(rt[idx].method, "GET") == 0));
	FZ_CHECK(nargs >= 0 && nargs <= ROUTE_ARGS_MAX);
	for (i = 0; i < nargs; i++) {
		FZ_CHECK(args[i] >= argbuf && args[i] < argbuf + argbufsz);
		FZ_CHECK(memchr(args[i], '\0', (size_t)(argbuf + argbufsz -
		    args[i])) != NULL);
		FZ_CHECK(args[i][0] != '\0' && strchr(args[i], '/') == NULL);
	}
	fz_check_kinds(rt[idx].pattern, args, nargs);
	fz_rebuild(rt[idx].pattern, args, nargs, again, sizeof(again));
	FZ_CHECK(strcmp(again, path) == 0);
}

/* No entry of the Allow list is the method that was refused. */
static void
fz_check_allow(const char *method, const char *allow, size_t allowsz)
{
	const char	*p;
	size_t		 n;

	if (allowsz == 0)
		return;
	FZ_CHECK(memchr(allow, '\0', allowsz) != NULL);
	for (p = allow; *p != '\0'; p += n + (p[n] == ',' ? 2 : 0)) {
		n = strcspn(p, ",");
		FZ_CHECK(strlen(method) != n || strncmp(p, method, n) != 0);
	}
}

static void
fz_run(const char *method, const char *path, size_t argbufsz,
    size_t allowsz)
{
	const char	*args[ROUTE_ARGS_MAX];
	char		*argbuf, *allow;
	int		 idx = -1, nargs = -1;
	enum err	 e;

	/* Exact heap sizes: ASan sees one byte past either buffer. */
	argbuf = malloc(argbufsz > 0 ? argbufsz : 1);
	allow = malloc(allowsz > 0 ? allowsz : 1);
	FZ_CHECK(argbuf != NULL && allow != NULL);
	e = route_match(rt, method, path, &idx, argbuf, argbufsz, args,
	    &nargs, allow, allowsz);
	if (e == E_OK)
		fz_check_ok(method, path, idx, argbuf, argbufsz, args, nargs);
	else if (e == E_METHOD)
		fz_check_allow(method, allow, allowsz);
	else
		FZ_CHECK(e == E_NOTFOUND);
	free(allow);
	free(argbuf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*in, *path;

	if (size > PATH_MAX_LEN + 16)
		return 0;
	in = malloc(size + 1);
	FZ_CHECK(in != NULL);
	memcpy(in, data, size);
	in[size] = '\0';
	if ((path = strchr(in, ' ')) != NULL)
		*path++ = '\0';
	else
		path = in + strlen(in);
	fz_run(in, path, PATH_MAX_LEN, 128);
	fz_run(in, path, size % 17, size % 13 + 1);
	free(in);
	return 0;
}
