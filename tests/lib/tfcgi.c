/*
 * In-process FastCGI round trips for tests (FastCGI spec §3-§5): the
 * client half builds and sends records from a thread, the server half
 * is the runtime's own worker_serve(), the responder loop's one step.
 * Never linked into a product binary.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "arena.h"
#include "db.h"
#include "req.h"
#include "route.h"
#include "service.h"
#include "worker.h"

#include "t.h"
#include "tfcgi.h"

#define TFCGI_REC_MAX	65535	/* content bytes in one record */
#define TFCGI_NV(b, lit, val)	tfcgi_nv((b), (lit), sizeof(lit) - 1, (val))

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6
};

/* A growing byte buffer. */
struct tfcgi_buf {
	unsigned char	*p;
	size_t		 n, cap;
};

/* One exchange as the client thread sees it. */
struct tfcgi_client {
	struct tfcgi_buf	 out;		/* the request records */
	struct tfcgi_buf	 in;		/* everything the server sent */
};

static int		 tfcgi_lfd = -1;
static struct arena	 tfcgi_arena;
static FCGX_Request	 tfcgi_fr;

static void
tfcgi_put(struct tfcgi_buf *b, const void *p, size_t n)
{

	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		T_OK((b->p = realloc(b->p, b->cap)) != NULL);
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* Appends records of type carrying p[0..n), split as the spec wants;
 * n == 0 sends the empty record that ends a stream. */
static void
tfcgi_records(struct tfcgi_buf *b, int type, const unsigned char *p,
    size_t n)
{
	unsigned char	 h[8];
	size_t		 k;

	do {
		k = n < TFCGI_REC_MAX ? n : TFCGI_REC_MAX;
		h[0] = 1;
		h[1] = (unsigned char)type;
		h[2] = 0;
		h[3] = 1;			/* request id 1 */
		h[4] = (unsigned char)(k >> 8);
		h[5] = (unsigned char)k;
		h[6] = h[7] = 0;
		tfcgi_put(b, h, sizeof(h));
		tfcgi_put(b, p, k);
		p += k;
		n -= k;
	} while (n > 0);
}

/* A name-value pair's length: one byte below 128, else four. */
static void
tfcgi_len(struct tfcgi_buf *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 128) {
		l[0] = (unsigned char)n;
		tfcgi_put(b, l, 1);
		return;
	}
	l[0] = (unsigned char)(0x80 | n >> 24);
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	tfcgi_put(b, l, 4);
}

static void
tfcgi_nv(struct tfcgi_buf *b, const char *name, size_t nl, const char *val)
{

	tfcgi_len(b, nl);
	tfcgi_len(b, strlen(val));
	tfcgi_put(b, name, nl);
	tfcgi_put(b, val, strlen(val));
}

/* The params block: the test's own first, then nginx's usual ones. */
static void
tfcgi_params(struct tfcgi_buf *p, const struct tfcgi_req *r,
    size_t bodylen)
{
	const char	*path = r->path != NULL ? r->path : "/";
	const char	*query = r->query != NULL ? r->query : "";
	const char	*ctype = r->ctype;
	char		*uri, clen[32];
	size_t		 i;

	for (i = 0; r->params != NULL && r->params[i] != NULL; i++) {
		T_OK(strchr(r->params[i], '=') != NULL);
		tfcgi_nv(p, r->params[i], strcspn(r->params[i], "="),
		    strchr(r->params[i], '=') + 1);
	}
	if (ctype == NULL && r->body != NULL)
		ctype = "application/json";
	T_OK(asprintf(&uri, "%s%s%s", path, *query ? "?" : "", query) > 0);
	snprintf(clen, sizeof(clen), "%zu", bodylen);
	TFCGI_NV(p, "REQUEST_METHOD", r->method ? r->method : "GET");
	TFCGI_NV(p, "REQUEST_URI", uri);
	TFCGI_NV(p, "DOCUMENT_URI", path);
	TFCGI_NV(p, "SCRIPT_NAME", path);
	TFCGI_NV(p, "QUERY_STRING", query);
	if (ctype != NULL)
		TFCGI_NV(p, "CONTENT_TYPE", ctype);
	TFCGI_NV(p, "CONTENT_LENGTH", clen);
	TFCGI_NV(p, "SERVER_PROTOCOL", "HTTP/1.1");
	TFCGI_NV(p, "REMOTE_ADDR", "127.0.0.1");
	free(uri);
}

/* The whole request: begin (responder role, no keep-alive), params,
 * stdin. */
static void
tfcgi_build(struct tfcgi_buf *b, const struct tfcgi_req *r)
{
	static const unsigned char	 begin[8] = { 0, 1, 0 };
	struct tfcgi_buf		 p = { NULL, 0, 0 };
	size_t				 blen;

	blen = r->body == NULL ? 0 : r->bodylen ? r->bodylen :
	    strlen(r->body);
	tfcgi_params(&p, r, blen);
	tfcgi_records(b, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	tfcgi_records(b, FCGI_PARAMS, p.p, p.n);
	if (p.n > 0)
		tfcgi_records(b, FCGI_PARAMS, NULL, 0);
	if (blen > 0)
		tfcgi_records(b, FCGI_STDIN, (const unsigned char *)r->body,
		    blen);
	tfcgi_records(b, FCGI_STDIN, NULL, 0);
	free(p.p);
}

/* The socket's address: abstract, named for the process, so nothing
 * is left behind however the test ends. */
static socklen_t
tfcgi_addr(struct sockaddr_un *addr)
{
	int	 n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
	    "dataland-tfcgi-%ld", (long)getpid());
	T_OK(n > 0 && (size_t)n < sizeof(addr->sun_path) - 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
}

/* The client thread: sends everything, then reads until the server
 * closes. A thread, so that neither side waits on a full socket. */
static void *
tfcgi_client_run(void *arg)
{
	struct tfcgi_client	*c = arg;
	struct sockaddr_un	 addr;
	socklen_t		 alen = tfcgi_addr(&addr);
	unsigned char		 buf[16384];
	size_t			 off;
	ssize_t			 r;
	int			 fd;

	T_OK((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	T_OK(connect(fd, (struct sockaddr *)&addr, alen) == 0);
	for (off = 0; off < c->out.n; off += (size_t)r)
		T_OK((r = write(fd, c->out.p + off, c->out.n - off)) > 0);
	/* libfcgi lingers on close until the client's half is shut. */
	T_EQ(shutdown(fd, SHUT_WR), 0);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		tfcgi_put(&c->in, buf, (size_t)r);
	T_OK(r == 0);
	close(fd);
	return NULL;
}

/* Listens once per process. */
static void
tfcgi_listen(void)
{
	struct sockaddr_un	 addr;
	socklen_t		 alen;

	if (tfcgi_lfd != -1)
		return;
	alen = tfcgi_addr(&addr);
	T_OK((tfcgi_lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	T_OK(bind(tfcgi_lfd, (struct sockaddr *)&addr, alen) == 0);
	T_OK(listen(tfcgi_lfd, 8) == 0);
	T_EQ(FCGX_Init(), 0);
	T_EQ(FCGX_InitRequest(&tfcgi_fr, tfcgi_lfd, 0), 0);
	arena_init(&tfcgi_arena);
}

/* Splits the CGI reply in raw into status, headers and body. */
static void
tfcgi_parse(struct tfcgi_resp *resp)
{
	char	*p, *eol, *colon;

	resp->status = 200;
	if ((p = strstr(resp->raw, "\r\n\r\n")) == NULL)
		T_FAIL("tfcgi: no header block in: %s", resp->raw);
	resp->body = p + 4;
	resp->bodylen = strlen(resp->body);
	p[2] = '\0';
	for (p = resp->raw; *p != '\0'; p = eol + 2) {
		T_OK((eol = strstr(p, "\r\n")) != NULL);
		*eol = '\0';
		T_OK((colon = strstr(p, ": ")) != NULL);
		*colon = '\0';
		T_OK(resp->nheaders < TFCGI_HEADERS_MAX);
		resp->headers[resp->nheaders].name = p;
		resp->headers[resp->nheaders++].value = colon + 2;
		if (strcasecmp(p, "Status") == 0)
			resp->status = atoi(colon + 2);
	}
}

/*
 * The STDOUT records' content, in order, as one string. The stream must
 * end with exactly one empty STDOUT record, as nginx reads it: content
 * after it would be lost.
 */
static char *
tfcgi_stdout(const struct tfcgi_buf *in)
{
	struct tfcgi_buf	 out = { NULL, 0, 0 };
	size_t			 used = 0, clen, plen;
	int			 ended = 0;

	tfcgi_put(&out, "", 0);
	while (in->n - used >= 8) {
		clen = (size_t)in->p[used + 4] << 8 | in->p[used + 5];
		plen = in->p[used + 6];
		T_OK(used + 8 + clen + plen <= in->n);
		if (in->p[used + 1] == FCGI_STDOUT) {
			T_OK(!ended);
			ended = clen == 0;
			tfcgi_put(&out, in->p + used + 8, clen);
		}
		used += 8 + clen + plen;
	}
	T_EQ(used, in->n);
	T_OK(ended);
	return (char *)out.p;
}

void
tfcgi_service(const struct service *svc, struct db *db,
    const struct tfcgi_req *req, struct tfcgi_resp *resp)
{
	struct tfcgi_client	 c;
	struct db		 none;
	pthread_t		 th;

	tfcgi_listen();
	memset(&c, 0, sizeof(c));
	memset(resp, 0, sizeof(*resp));
	tfcgi_build(&c.out, req);
	db_init(&none, "host=/nonexistent/tfcgi connect_timeout=1", 1);
	T_EQ(pthread_create(&th, NULL, tfcgi_client_run, &c), 0);
	tfcgi_fr.listen_sock = tfcgi_lfd;
	T_EQ(FCGX_Accept_r(&tfcgi_fr), 0);
	worker_serve(svc, db != NULL ? db : &none, &tfcgi_fr, &tfcgi_arena);
	tfcgi_fr.keepConnection = 0;
	FCGX_Finish_r(&tfcgi_fr);
	arena_reset(&tfcgi_arena);
	T_EQ(pthread_join(th, NULL), 0);
	db_close(&none);
	free(c.out.p);
	resp->raw = tfcgi_stdout(&c.in);
	free(c.in.p);
	tfcgi_parse(resp);
}

/* tfcgi_route()'s stand-in for a service's token check. */
static enum err
tfcgi_authenticate(struct req *rq)
{

	if (rq->bearer == NULL)
		return E_UNAUTH;
	rq->uid = rq->bearer;
	return E_OK;
}

void
tfcgi_route(const struct route *rt, const struct tfcgi_req *req,
    struct tfcgi_resp *resp)
{
	struct route	 table[2];
	struct service	 svc;

	memset(table, 0, sizeof(table));
	table[0] = *rt;
	memset(&svc, 0, sizeof(svc));
	svc.name = "tfcgi";
	svc.routes = table;
	svc.authenticate = tfcgi_authenticate;
	tfcgi_service(&svc, NULL, req, resp);
}

const char *
tfcgi_header(const struct tfcgi_resp *resp, const char *name)
{
	size_t	 i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

struct json_object *
tfcgi_json(const struct tfcgi_resp *resp)
{

	return json_tokener_parse(resp->body);
}

void
tfcgi_release(struct tfcgi_resp *resp)
{

	free(resp->raw);
	memset(resp, 0, sizeof(*resp));
}
