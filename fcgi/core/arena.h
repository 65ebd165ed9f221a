/*
 * Request-scoped bump allocator: everything allocated while serving a
 * request lives until arena_reset() after FCGX_Finish_r. Out of memory
 * aborts; callers never check for NULL.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena_cleanup;

struct arena {
	struct arena_chunk	*head;
	struct arena_cleanup	*cleanups;
	size_t			 used_total;	/* bytes handed out or adopted */
};

void	 arena_init(struct arena *);
void	 arena_reset(struct arena *);	/* runs cleanups, keeps 1 chunk */
void	 arena_release(struct arena *);	/* runs cleanups, frees all */
void	*arena_alloc(struct arena *, size_t);
void	*arena_zalloc(struct arena *, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run at the next reset or release, newest first. */
void	 arena_cleanup(struct arena *, void (*)(void *), void *);
/* arena_cleanup() for memory of size bytes that fn frees: the arena
 * now owns it, and used_total counts it. */
void	 arena_adopt(struct arena *, void (*)(void *), void *, size_t);

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);

#endif
