/*
 * Text helpers of the offline guide (guide_text.h). ASCII case folding
 * is enough here: the words compared are the guide's own keywords and
 * the catalogue's English; anything else compares byte for byte.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "guide_text.h"

#define GUIDE_SENTENCES_MAX	64	/* sentences of a passage weighed */
#define GUIDE_WORD_MAX		64

/* Words too common to show what a sentence is about. */
static const char *const stop_words[] = {
	"the", "and", "for", "are", "you", "your", "with", "what", "where",
	"when", "who", "which", "how", "can", "this", "that", "there",
	"here", "have", "has", "from", "about", "into", "does", "any", "tell",
	"museum", "please", "its", "was", "were", "will", "not", "much",
	"many", NULL
};

void
gtext_init(struct gtext *t, struct arena *a)
{
	t->a = a;
	t->cap = 256;
	t->p = arena_alloc(a, t->cap);
	t->p[0] = '\0';
	t->len = 0;
}

void
gtext_add(struct gtext *t, const char *s)
{
	size_t	n = strlen(s);
	char	*np;

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		np = arena_alloc(t->a, t->cap);
		memcpy(np, t->p, t->len + 1);
		t->p = np;
	}
	memcpy(t->p + t->len, s, n + 1);
	t->len += n;
}

void
gtext_addf(struct gtext *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = arena_alloc(t->a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	gtext_add(t, s);
}

/* The next word of s (letters and digits, folded) into w; the rest. */
static const char *
next_word(const char *s, char *w, size_t wsz)
{
	size_t	n = 0;

	while (*s != '\0' && !isalnum((unsigned char)*s) &&
	    ((unsigned char)*s < 0x80))
		s++;
	while (*s != '\0' && (isalnum((unsigned char)*s) ||
	    (unsigned char)*s >= 0x80)) {
		if (n + 1 < wsz)
			w[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	w[n] = '\0';
	return s;
}

static int
word_matches(const char *w, const char *want)
{
	size_t	n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(w, want, n - 1) == 0;
	return strcmp(w, want) == 0;
}

int
guide_has_any(const char *q, const char *const *words)
{
	char	w[GUIDE_WORD_MAX];
	int	i;

	for (q = next_word(q, w, sizeof(w)); w[0] != '\0';
	    q = next_word(q, w, sizeof(w)))
		for (i = 0; words[i] != NULL; i++)
			if (word_matches(w, words[i]))
				return 1;
	return 0;
}

int
guide_has_word(const char *q, const char *w)
{
	const char	*one[2] = { w, NULL };

	return guide_has_any(q, one);
}

int
guide_room_number(const char *q)
{
	char	w[GUIDE_WORD_MAX];
	long	n;
	int	room = 0;

	for (;;) {
		q = next_word(q, w, sizeof(w));
		if (w[0] == '\0')
			return 0;
		if (room && isdigit((unsigned char)w[0])) {
			/* a visitor's digits: strtol, as atoi() has no
			 * defined answer for "room 99999999999999999999" */
			n = strtol(w, NULL, 10);
			return n > 0 && n < 1000 ? (int)n : 0;
		}
		room = strcmp(w, "room") == 0;
	}
}

static int
is_stop(const char *w)
{
	int	i;

	if (strlen(w) < 3)
		return 1;
	for (i = 0; stop_words[i] != NULL; i++)
		if (strcmp(w, stop_words[i]) == 0)
			return 1;
	return 0;
}

/*
 * The end of the sentence starting at s (within text): after ". ",
 * "! " or "? ", but not after a lone letter ("J. M. W. Turner",
 * "c. 1665").
 */
static const char *
sentence_end(const char *text, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s != '.' && *s != '!' && *s != '?') ||
		    (s[1] != ' ' && s[1] != '\0'))
			continue;
		if (*s == '.' && s - text >= 1 &&
		    isalpha((unsigned char)s[-1]) &&
		    (s - text == 1 || s[-2] == ' ' || s[-2] == '.'))
			continue;
		return s + 1;
	}
	return s;
}

/* How many of the question's telling words sentence [s, e) holds. */
static int
overlap(const char *s, const char *e, const char *q)
{
	char	w[GUIDE_WORD_MAX], *sent;
	int	n = 0;

	sent = strndup(s, (size_t)(e - s));
	if (sent == NULL)
		abort();
	for (q = next_word(q, w, sizeof(w) - 1); w[0] != '\0';
	    q = next_word(q, w, sizeof(w) - 1)) {
		if (is_stop(w))
			continue;
		/* a rough stem: "access" finds "accessible" */
		if (strlen(w) > 4 && w[strlen(w) - 1] == 's')
			w[strlen(w) - 1] = '\0';
		if (strlen(w) >= 4)
			strcat(w, "*");
		if (guide_has_word(sent, w))
			n++;
	}
	free(sent);
	return n;
}

const char *
guide_first_sentences(struct arena *a, const char *text, int n)
{
	const char	*e = text;

	while (n-- > 0 && *e != '\0')
		e = sentence_end(text, e);
	return arena_strndup(a, text, (size_t)(e - text));
}

/* Questions whose answer is a number: prices, times, hours. */
static const char *const number_words[] = {
	"much", "cost*", "price*", "hour*", "time*", "when", "open*",
	"clos*", "late", "early", NULL
};

/* 1 when sentence [s, e) holds a digit. */
static int
has_digit(const char *s, const char *e)
{
	for (; s < e; s++)
		if (isdigit((unsigned char)*s))
			return 1;
	return 0;
}

const char *
guide_best_sentences(struct arena *a, const char *text, const char *q,
    int n)
{
	const char	*st[GUIDE_SENTENCES_MAX], *en[GUIDE_SENTENCES_MAX];
	int		 sc[GUIDE_SENTENCES_MAX], keep[GUIDE_SENTENCES_MAX];
	int		 ns = 0, i, k, best;
	int		 numbers = guide_has_any(q, number_words);
	struct gtext	 t;

	for (const char *s = text; *s != '\0' && ns < GUIDE_SENTENCES_MAX;) {
		while (*s == ' ')
			s++;
		st[ns] = s;
		en[ns] = s = sentence_end(text, s);
		sc[ns] = overlap(st[ns], en[ns], q);
		if (numbers && has_digit(st[ns], en[ns]))
			sc[ns]++;
		keep[ns++] = 0;
	}
	for (k = 0; k < n; k++) {
		for (best = -1, i = 0; i < ns; i++)
			if (!keep[i] && sc[i] > 0 && (best < 0 || sc[i] > sc[best]))
				best = i;
		if (best < 0)
			break;
		keep[best] = 1;
	}
	if (k == 0 && ns > 0)
		keep[0] = 1;
	gtext_init(&t, a);
	for (i = 0; i < ns; i++)
		if (keep[i]) {
			if (t.len > 0)
				gtext_add(&t, " ");
			gtext_add(&t, arena_strndup(a, st[i],
			    (size_t)(en[i] - st[i])));
		}
	return t.p;
}

long
guide_count_words(const char *text)
{
	char	w[GUIDE_WORD_MAX];
	long	n = 0;

	for (text = next_word(text, w, sizeof(w)); w[0] != '\0';
	    text = next_word(text, w, sizeof(w)))
		n++;
	return n;
}
