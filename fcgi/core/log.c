/*
 * JSON log lines on stderr: one object per line, written with a single
 * write(2) so lines from concurrent responders never interleave.
 * Strings are escaped here; callers never pass secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "req.h"

#define LOG_LINE_MAX	2048

static const char	*svc_name = "dataland";
static int		 worker_no = -1;
static int		 pid;		/* getpid() is a syscall each time */
static const char	*cur_rid;

void
log_setup(const char *service, int worker)
{
	svc_name = service;
	worker_no = worker;
	pid = (int)getpid();
}

/* Appends s as a JSON string body (no quotes) to buf at *off. */
static void
put_esc(char *buf, size_t sz, size_t *off, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;

	for (; s != NULL && *s != '\0' && *off + 7 < sz; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[(*off)++] = '\\';
			buf[(*off)++] = (char)c;
		} else if (c < 0x20) {
			memcpy(buf + *off, "\\u00", 4);
			buf[*off + 4] = hex[c >> 4];
			buf[*off + 5] = hex[c & 0xf];
			*off += 6;
		} else
			buf[(*off)++] = (char)c;
	}
}

static void	put_raw(char *, size_t, size_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static void
put_raw(char *buf, size_t sz, size_t *off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*off >= sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, sz - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = (size_t)n >= sz - *off ? sz - 1 : *off + (size_t)n;
}

static void
put_head(char *buf, size_t sz, size_t *off, const char *level)
{
	static time_t	last;		/* the second when[] was made for */
	static char	when[32];
	struct timespec	ts;
	struct tm	tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {	/* formatting is dearer than a line */
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts.tv_sec;
	}
	put_raw(buf, sz, off, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\","
	    "\"svc\":\"%s\",\"pid\":%d", when, ts.tv_nsec / 1000000L, level,
	    svc_name, pid ? pid : (int)getpid());
	if (worker_no >= 0)
		put_raw(buf, sz, off, ",\"worker\":%d", worker_no);
}

static void
put_end(char *buf, size_t sz, size_t *off)
{
	if (*off > sz - 3)
		*off = sz - 3;
	buf[(*off)++] = '}';
	buf[(*off)++] = '\n';
	(void)!write(STDERR_FILENO, buf, *off);
}

void
log_set_rid(const char *rid)
{
	cur_rid = rid;
}

void
log_access(const struct req *rq)
{
	char	buf[LOG_LINE_MAX];
	size_t	off = 0;

	put_head(buf, sizeof(buf), &off, "info");
	put_raw(buf, sizeof(buf), &off, ",\"rid\":\"");
	put_esc(buf, sizeof(buf), &off, rq->reqid);
	put_raw(buf, sizeof(buf), &off, "\",\"method\":\"");
	put_esc(buf, sizeof(buf), &off, rq->method);
	put_raw(buf, sizeof(buf), &off, "\",\"path\":\"");
	put_esc(buf, sizeof(buf), &off, rq->path);
	put_raw(buf, sizeof(buf), &off, "\",\"status\":%d,\"ms\":%.3f",
	    rq->status, (req_now() - rq->t_start) * 1000.0);
	put_end(buf, sizeof(buf), &off);
}

void
log_msg(const char *level, const char *rid, const char *fmt, ...)
{
	char	buf[LOG_LINE_MAX], msg[LOG_LINE_MAX / 2];
	size_t	off = 0;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_head(buf, sizeof(buf), &off, level);
	if (rid == NULL)
		rid = cur_rid;
	if (rid != NULL && *rid != '\0') {
		put_raw(buf, sizeof(buf), &off, ",\"rid\":\"");
		put_esc(buf, sizeof(buf), &off, rid);
		put_raw(buf, sizeof(buf), &off, "\"");
	}
	put_raw(buf, sizeof(buf), &off, ",\"msg\":\"");
	put_esc(buf, sizeof(buf), &off, msg);
	put_raw(buf, sizeof(buf), &off, "\"");
	put_end(buf, sizeof(buf), &off);
}
