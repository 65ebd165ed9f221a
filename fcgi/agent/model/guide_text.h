/*
 * Plain-text helpers of the offline guide (builtin.c): words of a
 * question, the sentences of a passage that answer it, and an answer
 * assembled in the arena. No catalogue, no model call here.
 */
#ifndef GUIDE_TEXT_H
#define GUIDE_TEXT_H

#include <stddef.h>

struct arena;

/* An answer (or any text) growing in the arena. */
struct gtext {
	struct arena	*a;
	char		*p;
	size_t		 len, cap;
};

void		 gtext_init(struct gtext *, struct arena *);
void		 gtext_add(struct gtext *, const char *);
void		 gtext_addf(struct gtext *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* 1 when the question holds word w (ASCII, case folded, whole word). */
int		 guide_has_word(const char *question, const char *w);
/* 1 when it holds any of the NULL-terminated words (a word ending in
 * '*' matches as a prefix). */
int		 guide_has_any(const char *question, const char *const *words);
/* The room number a question names ("room 4", "Room 12"), or 0. */
int		 guide_room_number(const char *question);
/* The first n sentences of text (n >= 1), in the arena. */
const char	*guide_first_sentences(struct arena *, const char *text,
		    int n);
/*
 * Up to n sentences of text that share the most words with the
 * question, in their own order; the first sentence when none shares a
 * word. In the arena.
 */
const char	*guide_best_sentences(struct arena *, const char *text,
		    const char *question, int n);
/* Words of text (a rough token count, for runs.prompt_tokens). */
long		 guide_count_words(const char *text);

#endif
