/*
 * Request-scoped memory. A list of chunks bumped forward; reset keeps
 * the first chunk so a steady responder stops calling malloc at all.
 * Allocation failure aborts: there is no sane partial answer to OOM.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "caps.h"

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;	/* usable bytes in data[] */
	size_t			 off;
	max_align_t		 data[];
};

struct arena_cleanup {
	struct arena_cleanup	*next;
	void			(*fn)(void *);
	void			*arg;
};

static void
oom(void)
{
	static const char msg[] =
	    "{\"level\":\"fatal\",\"msg\":\"out of memory\"}\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void	*p;

	if ((p = calloc(n ? n : 1, sz ? sz : 1)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->cleanups = NULL;
	a->used_total = 0;
}

static void
run_cleanups(struct arena *a)
{
	struct arena_cleanup	*c;

	/* Cleanups live in the arena itself, so read next before calling. */
	while ((c = a->cleanups) != NULL) {
		a->cleanups = c->next;
		c->fn(c->arg);
	}
}

/*
 * Runs the cleanups and forgets every allocation; keeps the oldest
 * (last in the list) chunk for the next request.
 */
void
arena_reset(struct arena *a)
{
	struct arena_chunk	*c, *next;

	run_cleanups(a);
	for (c = a->head; c != NULL && c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	if (c != NULL)
		c->off = 0;
	a->used_total = 0;
}

void
arena_release(struct arena *a)
{
	struct arena_chunk	*c, *next;

	run_cleanups(a);
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	arena_init(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c;
	size_t			 al = sizeof(max_align_t), sz;
	void			*p;

	n = (n + al - 1) & ~(al - 1);
	if (n == 0)
		n = al;
	c = a->head;
	if (c == NULL || c->size - c->off < n) {
		sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if (sz > SIZE_MAX - sizeof(*c))
			oom();
		c = xmalloc(sizeof(*c) + sz);
		c->size = sz;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->off;
	c->off += n;
	a->used_total += n;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	return memset(arena_alloc(a, n), 0, n);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_cleanup(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup	*c;

	c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
}

void
arena_adopt(struct arena *a, void (*fn)(void *), void *arg, size_t size)
{
	arena_cleanup(a, fn, arg);
	a->used_total += size;
}
