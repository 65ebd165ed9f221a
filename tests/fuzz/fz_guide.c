/*
 * libFuzzer target for the offline guide's text helpers
 * (fcgi/agent/model/guide_text.c), which read a visitor's question and
 * cut catalogue passages into the answer: any question (UTF-8 without
 * NUL, as the chat accepts it) and any passage. A room number is
 * 0..999; the first sentences are a prefix of the passage; the best
 * sentences are no longer than the passage and valid UTF-8 as it is
 * (they go into the answer's JSON); words are counted within the
 * text's length.
 */
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "agent/model/guide_text.h"
#include "fz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* data[0..n) as text: NUL-free, and valid UTF-8 (high bits cleared
 * when it was not). */
static char *
fz_text(struct arena *a, const uint8_t *data, size_t n)
{
	char	*s = arena_alloc(a, n + 1);
	size_t	 i;

	for (i = 0; i < n; i++)
		s[i] = (char)(data[i] != 0 ? data[i] : ' ');
	s[n] = '\0';
	if (!json_utf8_valid(s, n))
		for (i = 0; i < n; i++)
			s[i] = (char)((s[i] & 0x7f) != 0 ? s[i] & 0x7f : ' ');
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a;
	const uint8_t	*cut;
	const char	*q, *text, *s;
	size_t		 nq;
	int		 n, room;

	if (size < 1)
		return 0;
	n = data[0] % 4 + 1;
	data++;
	size--;
	/* the question, then the passage after the first '|' */
	cut = memchr(data, '|', size);
	nq = cut != NULL ? (size_t)(cut - data) : size;
	arena_init(&a);
	q = fz_text(&a, data, nq);
	text = cut != NULL ? fz_text(&a, cut + 1, size - nq - 1) : "";
	room = guide_room_number(q);
	FZ_CHECK(room >= 0 && room < 1000);
	s = guide_first_sentences(&a, text, n);
	FZ_CHECK(strncmp(s, text, strlen(s)) == 0);
	FZ_CHECK(json_utf8_valid(s, strlen(s)));
	s = guide_best_sentences(&a, text, q, n);
	FZ_CHECK(json_utf8_valid(s, strlen(s)));
	FZ_CHECK(strlen(s) <= strlen(text));
	FZ_CHECK(guide_count_words(text) >= 0);
	FZ_CHECK((size_t)guide_count_words(text) <= strlen(text));
	(void)guide_has_word(q, "room");
	arena_release(&a);
	return 0;
}
