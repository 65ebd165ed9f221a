/*
 * Method + path -> route. Patterns are split on '/', literal segments
 * compare exactly and "{name:kind}" takes one segment that fits the
 * kind, so that a handler only ever sees bounded, well-formed ids
 * (kcgi's kvalid idea). Linear scan: tables are a few dozen entries and
 * this beats any index at that size. No HTTP status is chosen here.
 */
#include <assert.h>
#include <string.h>

#include "caps.h"
#include "json.h"
#include "route.h"

/*
 * Path argument kinds. Legend: name as written after ':' in a pattern,
 * what the (nginx-decoded) segment must be. A new kind is one line.
 */
static const struct {
	const char	*name;
	struct strspec	 spec;
} kinds[] = {
	/* conversation, message, run and ticket ids, UUIDs (API.md §4) */
	{ "id",		{ 1, ID_MAX, CHARSET_ID, 0 } },
	/* any UTF-8 segment: for a route that checks its argument itself */
	{ "any",	{ 1, PATH_MAX_LEN, NULL, 0 } },
	{ NULL,		{ 0, 0, NULL, 0 } }
};

/* The kind a pattern segment without ":kind" takes. */
#define ROUTE_KIND_DEFAULT	"id"

/*
 * Returns the rule of the argument kind name[0..len), or NULL for a
 * name not in kinds[]. The rule is static.
 */
const struct strspec *
route_kind(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; kinds[i].name != NULL; i++)
		if (strlen(kinds[i].name) == len &&
		    memcmp(kinds[i].name, name, len) == 0)
			return &kinds[i].spec;
	return NULL;
}

/*
 * 1 when the segment s[0..n) fits the kind the pattern segment pat
 * ("{name}" or "{name:kind}", up to the next '/') declares. An unknown
 * kind is a bug in a route table, not bad input.
 */
static int
arg_ok(const char *pat, const char *s, size_t n)
{
	const struct strspec	*sp;
	const char		*colon, *end;

	end = pat + strcspn(pat, "}/");
	colon = memchr(pat, ':', (size_t)(end - pat));
	if (colon == NULL)
		sp = route_kind(ROUTE_KIND_DEFAULT,
		    sizeof(ROUTE_KIND_DEFAULT) - 1);
	else
		sp = route_kind(colon + 1, (size_t)(end - colon - 1));
	assert(sp != NULL);
	return json_str_ok(sp, s, n);
}

/*
 * Matches path against pattern. On success copies the captured
 * segments into argbuf and points args at them. Returns 1 on a match.
 */
static int
match(const char *pat, const char *path, char *argbuf, size_t argbufsz,
    const char **args, int *nargs)
{
	size_t	 used = 0, n;
	int	 na = 0;

	while (*pat == '/' && *path == '/') {
		pat++;
		path++;
		if (*pat == '{') {
			n = strcspn(path, "/");
			if (n == 0 || na == ROUTE_ARGS_MAX ||
			    used + n + 1 > argbufsz || !arg_ok(pat, path, n))
				return 0;
			memcpy(argbuf + used, path, n);
			argbuf[used + n] = '\0';
			args[na++] = argbuf + used;
			used += n + 1;
			path += n;
			pat += strcspn(pat, "/");
			continue;
		}
		n = strcspn(pat, "/");
		if (strncmp(pat, path, n) != 0 ||
		    (path[n] != '/' && path[n] != '\0'))
			return 0;
		pat += n;
		path += n;
	}
	if (*pat != '\0' || *path != '\0')
		return 0;
	*nargs = na;
	return 1;
}

static void
allow_add(char *allow, size_t allowsz, const char *method)
{
	size_t	len;

	if (allowsz == 0)
		return;
	len = strlen(allow);
	if (strstr(allow, method) != NULL)
		return;
	if (len + strlen(method) + 3 > allowsz)
		return;
	if (len > 0)
		strcat(allow, ", ");
	strcat(allow, method);
}

static enum err
find(const struct route *rt, const char *method, const char *path,
    int *idx, char *argbuf, size_t argbufsz, const char **args,
    int *nargs, char *allow, size_t allowsz)
{
	const char	*a[ROUTE_ARGS_MAX];
	int		 i, na, found = 0;

	if (allowsz > 0)
		allow[0] = '\0';
	for (i = 0; rt[i].method != NULL; i++) {
		if (!match(rt[i].pattern, path, argbuf, argbufsz, a, &na))
			continue;
		if (strcmp(rt[i].method, method) == 0) {
			memcpy(args, a, sizeof(a[0]) * (size_t)na);
			*nargs = na;
			*idx = i;
			return E_OK;
		}
		found = 1;
		allow_add(allow, allowsz, rt[i].method);
	}
	return found ? E_METHOD : E_NOTFOUND;
}

/*
 * Finds the route for method and path; see route.h. A HEAD with no
 * route of its own takes the path's GET route: nginx drops the body.
 */
enum err
route_match(const struct route *rt, const char *method, const char *path,
    int *idx, char *argbuf, size_t argbufsz, const char **args,
    int *nargs, char *allow, size_t allowsz)
{
	enum err	e;

	e = find(rt, method, path, idx, argbuf, argbufsz, args, nargs, allow,
	    allowsz);
	if (e != E_OK && strcmp(method, "HEAD") == 0)
		e = find(rt, "GET", path, idx, argbuf, argbufsz, args, nargs,
		    allow, allowsz);
	return e;
}
