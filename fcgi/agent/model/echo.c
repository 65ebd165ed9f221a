/*
 * The echo provider (API.md §4): answers with the user's own text, no
 * tools, no suggestions; for tests and benchmarks. It streams the text
 * word by word, MODEL_ECHO_DELAY_MS apart (0 by default), so that the
 * tests can watch a stream that takes a while.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "model.h"

#define ECHO_DELAY_MAX_MS	10000

static long	echo_delay_ms;

static int
echo_init(const struct conf *c)
{
	const char	*v = getenv("MODEL_ECHO_DELAY_MS");

	echo_delay_ms = 0;
	if (v != NULL && *v != '\0' &&
	    conf_int(v, 0, ECHO_DELAY_MAX_MS, &echo_delay_ms) != 0)
		return -1;
	(void)c;
	return 0;
}

static const char *
echo_model(void)
{
	return "echo";
}

/* Waits ms in steps, asking the pipeline whether to go on. */
static enum err
echo_wait(struct model_call *mc, long ms)
{
	struct timespec	ts;
	enum err	e;
	long		step;

	while (ms > 0) {
		if ((e = model_check(mc)) != E_OK)
			return e;
		step = ms < 50 ? ms : 50;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			continue;
		ms -= step;
	}
	return model_check(mc);
}

/* A token count as a tokenizer would roughly give: a word is one. */
static long
echo_tokens(const char *s)
{
	long	n = 0;
	int	in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* Each word with the space after it, as one delta. */
static enum err
echo_answer(struct model_call *mc, const struct model_input *in)
{
	const char	*p = in->question, *q;
	enum err	 e;

	while (*p != '\0') {
		q = p + strcspn(p, " \t\n");
		q += strspn(q, " \t\n");
		if (p != in->question && (e = echo_wait(mc, echo_delay_ms)) !=
		    E_OK)
			return e;
		if ((e = model_emit(mc, p, (size_t)(q - p))) != E_OK)
			return e;
		p = q;
	}
	model_usage(mc, echo_tokens(in->question), echo_tokens(in->question),
	    0.0);
	return E_OK;
}

const struct model_provider model_echo = {
	.name = "echo",
	.init = echo_init,
	.model_name = echo_model,
	.answer = echo_answer,
};
