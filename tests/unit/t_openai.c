/*
 * Unit tests of the openai provider's answer reader (openai_sse.c):
 * streams of chat.completion.chunk events fed whole, byte by byte and
 * in odd pieces (content, tool-call pieces with and without index,
 * usage, [DONE], CR/LF forms, comments, errors, malformed chunks), a
 * whole chat.completion, the provider's error bodies; and MODEL_PRICES
 * (conf_price()).
 */
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "core/arena.h"
#include "core/conf.h"
#include "agent/model/openai_sse.c"

/* The emit callback: content into a buffer; "STOP" ends with E_IO. */
struct sink {
	char	buf[1024];
	size_t	len;
	int	pieces;
};

static enum err
sink_emit(void *arg, const char *p, size_t n)
{
	struct sink	*k = arg;

	if (n == 4 && memcmp(p, "STOP", 4) == 0)
		return E_IO;
	T_OK(k->len + n < sizeof(k->buf));
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = '\0';
	k->pieces++;
	return E_OK;
}

#define CH(x)	"data: {\"choices\":[{\"index\":0,\"delta\":" x "}]}\n\n"
#define FIN	"data: {\"choices\":[{\"delta\":{},"			\
		    "\"finish_reason\":\"stop\"}]}\n\n"
#define DONE	"data: [DONE]\n\n"

/* A stream, what it must give; calls as "id name args|..." */
static const struct {
	const char	*name;
	const char	*in;
	enum err	 e;		/* of feed + end */
	const char	*content;
	const char	*calls;
	long		 prompt, completion;
	const char	*why;		/* in s.why, for E_UPSTREAM */
} streams[] = {
	{ "plain", CH("{\"role\":\"assistant\",\"content\":\"Hel\"}")
	    CH("{\"content\":\"lo\"}") FIN
	    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
	    "\"completion_tokens\":2,\"total_tokens\":7}}\n\n" DONE,
	    E_OK, "Hello", "", 5, 2, NULL },
	{ "crlf-comments-fields", ": keep-alive\r\n\r\nevent: message\r\n"
	    "id: 1\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}"
	    "\r\n\r\n: ping\rdata: {\"choices\":[{\"delta\":{\"content\":"
	    "\"b\"}}]}\r\rdata:[DONE]\r\n\r\n",
	    E_OK, "ab", "", -1, -1, NULL },
	{ "data-lines-joined", "data: {\"choices\":\ndata: [{\"delta\":"
	    "{\"content\":\"x\"}}]}\n\n" DONE, E_OK, "x", "", -1, -1, NULL },
	{ "null-content-usage-null", CH("{\"content\":null}")
	    "data: {\"choices\":[{\"delta\":{\"content\":\"y\"},"
	    "\"finish_reason\":null}],\"usage\":null}\n\n" DONE,
	    E_OK, "y", "", -1, -1, NULL },
	{ "tools-indexed", CH("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
	    "\"type\":\"function\",\"function\":{\"name\":\"search_documents\","
	    "\"arguments\":\"\"}}]}")
	    CH("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
	    "\"{\\\"query\\\":\"}}]}")
	    CH("{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"function\":"
	    "{\"name\":\"search_artwork_images\",\"arguments\":\"{}\"}}]}")
	    CH("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
	    "\"\\\"hours\\\"}\"}}]}")
	    "data: {\"choices\":[{\"delta\":{},\"finish_reason\":"
	    "\"tool_calls\"}]}\n\n" DONE, E_OK, "",
	    "c1 search_documents {\"query\":\"hours\"}|"
	    "c2 search_artwork_images {}|", -1, -1, NULL },
	{ "tools-no-index", CH("{\"tool_calls\":[{\"id\":\"a\",\"function\":"
	    "{\"name\":\"search_documents\",\"arguments\":\"{\\\"q\\\":1}\"}},"
	    "{\"id\":\"b\",\"function\":{\"name\":\"search_documents\","
	    "\"arguments\":\"{}\"}}]}") FIN DONE, E_OK, "",
	    "a search_documents {\"q\":1}|b search_documents {}|", -1, -1,
	    NULL },
	{ "tools-name-pieces-and-repeats", CH("{\"tool_calls\":[{\"index\":0,"
	    "\"id\":\"x\",\"function\":{\"name\":\"search_\"}}]}")
	    CH("{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":"
	    "\"documents\"}}]}")
	    CH("{\"tool_calls\":[{\"index\":0,\"id\":\"x\",\"function\":"
	    "{\"name\":\"search_documents\",\"arguments\":\"{}\"}}]}") FIN,
	    E_OK, "", "x search_documents {}|", -1, -1, NULL },
	{ "tools-args-object", CH("{\"tool_calls\":[{\"index\":0,\"id\":\"o\","
	    "\"function\":{\"name\":\"search_documents\",\"arguments\":"
	    "{\"query\":\"cafe\"}}}]}") FIN, E_OK, "",
	    "o search_documents {\"query\":\"cafe\"}|", -1, -1, NULL },
	{ "text-then-tool", CH("{\"content\":\"Let me look.\"}")
	    CH("{\"tool_calls\":[{\"index\":0,\"id\":\"t\",\"function\":"
	    "{\"name\":\"search_documents\",\"arguments\":\"{}\"}}]}") FIN
	    DONE, E_OK, "Let me look.", "t search_documents {}|", -1, -1,
	    NULL },
	{ "finish-without-done", CH("{\"content\":\"ok\"}") FIN, E_OK, "ok",
	    "", -1, -1, NULL },
	{ "done-without-newline", CH("{\"content\":\"z\"}") "data: [DONE]",
	    E_OK, "z", "", -1, -1, NULL },
	{ "after-done-ignored", CH("{\"content\":\"a\"}") DONE
	    "data: {not json\n\n", E_OK, "a", "", -1, -1, NULL },
	{ "cut-short", CH("{\"content\":\"half\"}"), E_UPSTREAM, "half", "",
	    -1, -1, "ended before" },
	{ "empty-stream", "", E_UPSTREAM, "", "", -1, -1, "ended before" },
	{ "malformed", CH("{\"content\":\"a\"}") "data: {\"choices\":[\n\n",
	    E_UPSTREAM, "a", "", -1, -1, "malformed chunk" },
	{ "not-an-object", "data: [1,2]\n\n", E_UPSTREAM, "", "", -1, -1,
	    "malformed chunk" },
	{ "bad-utf8", "data: {\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}"
	    "\n\n", E_UPSTREAM, "", "", -1, -1, "malformed chunk" },
	{ "choices-not-array", "data: {\"choices\":{}}\n\n", E_UPSTREAM, "",
	    "", -1, -1, "malformed chunk" },
	{ "error-in-stream", CH("{\"content\":\"a\"}")
	    "data: {\"error\":{\"message\":\"The server is\\n overloaded\","
	    "\"type\":\"server_error\"}}\n\n", E_UPSTREAM, "a", "", -1, -1,
	    "reported an error: The server is overloaded" },
	{ "index-too-big", CH("{\"tool_calls\":[{\"index\":99,\"id\":\"q\","
	    "\"function\":{\"name\":\"search_documents\"}}]}"), E_UPSTREAM,
	    "", "", -1, -1, "more than 16 tool calls" },
	{ "tool-calls-not-array", CH("{\"tool_calls\":{}}"), E_UPSTREAM, "",
	    "", -1, -1, "malformed tool call" },
	{ "emit-stops", CH("{\"content\":\"STOP\"}") FIN, E_IO, "", "", -1,
	    -1, NULL },
};

/* The calls as "id name args|" each. */
static void
calls_str(const struct openai_sse *s, char *out, size_t outsz)
{
	size_t	i, o = 0;

	out[0] = '\0';
	for (i = 0; i < s->ncalls; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s %s %s|",
		    s->calls[i].id.len ? s->calls[i].id.p : "-",
		    s->calls[i].name.len ? s->calls[i].name.p : "-",
		    s->calls[i].args.len ? s->calls[i].args.p : "");
}

/* Feeds case c in pieces of step bytes (0: whole) and checks it. */
static void
run_stream(size_t c, size_t step)
{
	struct arena		a;
	struct openai_sse	s;
	struct sink		k;
	const char		*in = streams[c].in;
	size_t			 len = strlen(in), off, n;
	char			 calls[1024];
	enum err		 e = E_OK;

	arena_init(&a);
	memset(&k, 0, sizeof(k));
	openai_sse_init(&s, &a, sink_emit, &k);
	for (off = 0; off < len && e == E_OK; off += n) {
		n = step == 0 || len - off < step ? len - off : step;
		e = openai_sse_feed(&s, in + off, n);
	}
	if (e == E_OK)
		e = openai_sse_end(&s);
	if (e != streams[c].e)
		T_FAIL("%s (step %zu): err %d, want %d (%s)", streams[c].name,
		    step, e, streams[c].e, s.why);
	T_STR(k.buf, streams[c].content);
	if (streams[c].e == E_OK) {
		calls_str(&s, calls, sizeof(calls));
		T_STR(calls, streams[c].calls);
		T_EQ(s.prompt, streams[c].prompt);
		T_EQ(s.completion, streams[c].completion);
	}
	if (streams[c].why != NULL && strstr(s.why, streams[c].why) == NULL)
		T_FAIL("%s: why '%s' lacks '%s'", streams[c].name, s.why,
		    streams[c].why);
	arena_release(&a);
}

static void
t_streams(void)
{
	static const size_t	steps[] = { 0, 1, 2, 3, 7, 64 };
	size_t			c, i;

	for (c = 0; c < sizeof(streams) / sizeof(streams[0]); c++)
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			run_stream(c, steps[i]);
	T_PASS("openai-sse-streams");
}

/* Content arrives as it is read, not at the end. */
static void
t_incremental(void)
{
	struct arena		a;
	struct openai_sse	s;
	struct sink		k;
	const char		*one = CH("{\"content\":\"one \"}");

	arena_init(&a);
	memset(&k, 0, sizeof(k));
	openai_sse_init(&s, &a, sink_emit, &k);
	T_EQ(openai_sse_feed(&s, one, strlen(one) - 1), E_OK);
	T_EQ(k.pieces, 0);		/* the event is not over yet */
	T_EQ(openai_sse_feed(&s, "\n", 1), E_OK);
	T_STR(k.buf, "one ");
	T_EQ(openai_sse_feed(&s, CH("{\"content\":\"two\"}"),
	    strlen(CH("{\"content\":\"two\"}"))), E_OK);
	T_STR(k.buf, "one two");
	T_EQ(k.pieces, 2);
	arena_release(&a);
	T_PASS("openai-sse-incremental");
}

/* Limits: a line, one call's arguments. */
static void
t_limits(void)
{
	struct arena		a;
	struct openai_sse	s;
	struct sink		k;
	char			*big;

	arena_init(&a);
	memset(&k, 0, sizeof(k));
	openai_sse_init(&s, &a, sink_emit, &k);
	big = arena_alloc(&a, OPENAI_LINE_MAX + 2);
	memset(big, 'x', OPENAI_LINE_MAX + 1);
	big[OPENAI_LINE_MAX + 1] = '\0';
	T_EQ(openai_sse_feed(&s, big, OPENAI_LINE_MAX + 1), E_UPSTREAM);
	T_OK(strstr(s.why, "longer than") != NULL);
	arena_release(&a);
	T_PASS("openai-sse-limits");
}

static const struct {
	const char	*body;
	enum err	 e;
	const char	*content;
	const char	*calls;
	long		 prompt;
} wholes[] = {
	{ "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\""
	    ":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi there\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
	    "\"completion_tokens\":3}}", E_OK, "Hi there", "", 9 },
	{ "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":["
	    "{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"search_documents\",\"arguments\":\"{}\"}},{\"id\":\"b\","
	    "\"type\":\"function\",\"function\":{\"name\":"
	    "\"search_artwork_images\",\"arguments\":\"{}\"}}]}}]}", E_OK, "",
	    "a search_documents {}|b search_artwork_images {}|", -1 },
	{ "{\"object\":\"chat.completion\"}", E_UPSTREAM, "", "", -1 },
	{ "{\"error\":{\"message\":\"nope\"}}", E_UPSTREAM, "", "", -1 },
	{ "not json", E_UPSTREAM, "", "", -1 },
};

static void
t_whole(void)
{
	struct arena		a;
	struct openai_sse	s;
	struct sink		k;
	char			calls[512];
	size_t			i;

	for (i = 0; i < sizeof(wholes) / sizeof(wholes[0]); i++) {
		arena_init(&a);
		memset(&k, 0, sizeof(k));
		openai_sse_init(&s, &a, sink_emit, &k);
		T_EQ(openai_sse_whole(&s, wholes[i].body,
		    strlen(wholes[i].body)), wholes[i].e);
		T_STR(k.buf, wholes[i].content);
		if (wholes[i].e == E_OK) {
			calls_str(&s, calls, sizeof(calls));
			T_STR(calls, wholes[i].calls);
			T_EQ(s.prompt, wholes[i].prompt);
			T_OK(s.done && s.finished);
		}
		arena_release(&a);
	}
	T_PASS("openai-sse-whole-answer");
}

static void
t_errmsg(void)
{
	static const struct {
		const char	*body;
		const char	*want;
	} c[] = {
		{ "{\"error\":{\"message\":\"Incorrect API key\",\"type\":"
		    "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}",
		    "Incorrect API key" },
		{ "[{\"error\":{\"code\":400,\"message\":\"API key not valid."
		    "\",\"status\":\"INVALID_ARGUMENT\"}}]",
		    "API key not valid." },
		{ "{\"error\":\"model 'llama9' not found\"}",
		    "model 'llama9' not found" },
		{ "{\"detail\":\"Not Found\"}", "Not Found" },
		{ "{\"object\":\"error\",\"message\":\"bad\\n\\tthing\"}",
		    "bad thing" },
		{ "<html><body>502 Bad Gateway</body></html>", "" },
		{ "upstream timed out", "upstream timed out" },
		{ "{\"error\":{}}", "" },
		{ "", "" },
	};
	char	out[OPENAI_ERRMSG_MAX + 1], big[600];
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		openai_sse_errmsg(c[i].body, strlen(c[i].body), out,
		    sizeof(out));
		T_STR(out, c[i].want);
	}
	/* cut on a character, with "..." */
	strcpy(big, "{\"error\":{\"message\":\"");
	for (i = strlen(big); i < 500; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);		/* é */
	strcpy(big + i, "\"}}");
	openai_sse_errmsg(big, strlen(big), out, sizeof(out));
	T_OK(strlen(out) <= OPENAI_ERRMSG_MAX);
	T_OK(strcmp(out + strlen(out) - 3, "...") == 0);
	T_OK(json_utf8_valid(out, strlen(out)));
	openai_sse_errmsg("{\"error\":\"short\"}", 17, out, 4);
	T_STR(out, "...");
	T_PASS("openai-error-bodies");
}

static void
t_prices(void)
{
	static const struct {
		const char	*list;
		const char	*model;
		int		 rc;
		double		 in, out;
	} c[] = {
		{ "gpt-4o-mini=0.15/0.60,gemini-2.5-flash=0.30/2.50",
		    "gemini-2.5-flash", 0, 0.30, 2.50 },
		{ "gpt-4o-mini=0.15/0.60,gemini-2.5-flash=0.30/2.50",
		    "gpt-4o-mini", 0, 0.15, 0.60 },
		{ "gpt-4o-mini=0.15/0.60", "gpt-4o", -1, 0, 0 },
		{ " llama3.2:3b = 0 / 0 , x=1/2", "llama3.2:3b", 0, 0, 0 },
		{ "models/gemini-2.5-pro=1.25/10", "models/gemini-2.5-pro", 0,
		    1.25, 10 },
		{ "a=1/2,", "a", 0, 1, 2 },
		{ NULL, "a", -1, 0, 0 },
		{ "a=1/2,b", "a", -1, 0, 0 },		/* malformed */
	};
	static const char *const bad[] = {
		"a", "a=1", "a=1/", "=1/2", "a=-1/2", "a=1/2/3", "a=x/2",
		"a=1.2.3/4", "a b=1/2", "a=1/2,,b=1/2", "a=1e3/2",
		"a=1000000/1", "a=./1",
	};
	double	in, out;
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		in = out = -1;
		T_EQ(conf_price(c[i].list, c[i].model, &in, &out), c[i].rc);
		if (c[i].rc == 0) {
			T_OK(in == c[i].in);
			T_OK(out == c[i].out);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conf_prices_valid(bad[i]) == 0)
			T_FAIL("'%s' passed as a price list", bad[i]);
	T_OK(conf_prices_valid("gpt-4o-mini=0.15/0.60") == 0);
	T_PASS("openai-price-list");
}

int
main(void)
{
	t_streams();
	t_incremental();
	t_limits();
	t_whole();
	t_errmsg();
	t_prices();
	return 0;
}
