/*
 * JSON log lines on stderr: one object per line, whole lines per
 * write(2) so lines from concurrent responders never interleave.
 * Strings are escaped here; callers never pass secrets.
 *
 * Access lines wait in a buffer of PIPE_BUF bytes for at most
 * LOG_DELAY_MS (the responder's wait ends in time to flush them), so a
 * busy responder writes many lines per syscall and every answer goes
 * out before its log line. A batch is one write(2) of at most PIPE_BUF,
 * so it cannot interleave with another responder's on a shared pipe.
 * Any other line flushes the batch first, keeping the order.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mono.h"
#include "num.h"
#include "req.h"

#define LOG_LINE_MAX	2048
#define LOG_DELAY_MS	50	/* longest an access line waits */

/* What follows "level" in every line of this process, made once. */
static char		 ident[128] = ",\"svc\":\"dataland\"";
static const char	*cur_rid;
static char		 batch[PIPE_BUF];	/* whole access lines */
static size_t		 batched;
static double		 batch_due;		/* mono_now() to flush by */
static unsigned long	 nerrors;		/* "error" lines written */

void
log_setup(const char *service, int worker)
{
	int	pid = (int)getpid();

	if (worker >= 0)
		snprintf(ident, sizeof(ident), ",\"svc\":\"%s\",\"pid\":%d,"
		    "\"worker\":%d", service, pid, worker);
	else
		snprintf(ident, sizeof(ident), ",\"svc\":\"%s\",\"pid\":%d",
		    service, pid);
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

/* Appends s verbatim (JSON punctuation, no formatting). */
static void
put_str(char *buf, size_t sz, size_t *off, const char *s)
{
	size_t	n = strlen(s);

	if (*off + n >= sz)
		n = *off < sz ? sz - *off - 1 : 0;
	memcpy(buf + *off, s, n);
	*off += n;
}

/* Appends v in decimal, at least `width` digits. */
static void
put_ulong(char *buf, size_t sz, size_t *off, unsigned long v, int width)
{
	if (*off < sz)
		*off += num_dec(buf + *off, sz - *off - 1, v, width);
}

/* Every line's start; no printf, which cost more than the rest. */
static void
put_head(char *buf, size_t sz, size_t *off, const char *level)
{
	static time_t	last;		/* the second when[] was made for */
	static char	when[32];
	struct timespec	ts;
	struct tm	tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S.", &tm);
		last = ts.tv_sec;
	}
	put_str(buf, sz, off, "{\"ts\":\"");
	put_str(buf, sz, off, when);
	put_ulong(buf, sz, off, (unsigned long)ts.tv_nsec / 1000000UL, 3);
	put_str(buf, sz, off, "Z\",\"level\":\"");
	put_str(buf, sz, off, level);
	put_str(buf, sz, off, "\"");
	put_str(buf, sz, off, ident);
}

/* Writes all of buf, across short writes; a failing stderr is dropped. */
static void
write_all(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void
log_flush(void)
{
	if (batched > 0)
		write_all(batch, batched);
	batched = 0;
}

int
log_flush_in_ms(void)
{
	double	left;

	if (batched == 0)
		return -1;
	left = (batch_due - mono_now()) * 1000.0;
	return left <= 0 ? 0 : (int)left + 1;
}

/* Closes the line in buf; written now, or queued when `later`. */
static void
put_end(char *buf, size_t sz, size_t *off, int later)
{
	if (*off > sz - 3)
		*off = sz - 3;
	buf[(*off)++] = '}';
	buf[(*off)++] = '\n';
	if (later && batched + *off > sizeof(batch))
		log_flush();
	if (later) {
		if (batched == 0)
			batch_due = mono_now() + LOG_DELAY_MS / 1000.0;
		memcpy(batch + batched, buf, *off);
		batched += *off;
		return;
	}
	log_flush();
	write_all(buf, *off);
}

unsigned long
log_errors(void)
{
	return nerrors;
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
	long	us;

	put_head(buf, sizeof(buf), &off, "info");
	put_str(buf, sizeof(buf), &off, ",\"rid\":\"");
	put_esc(buf, sizeof(buf), &off, rq->reqid);
	put_str(buf, sizeof(buf), &off, "\",\"method\":\"");
	put_esc(buf, sizeof(buf), &off, rq->method);
	put_str(buf, sizeof(buf), &off, "\",\"path\":\"");
	put_esc(buf, sizeof(buf), &off, rq->path);
	if ((us = (long)((mono_now() - rq->t_start) * 1e6)) < 0)
		us = 0;
	put_str(buf, sizeof(buf), &off, "\",\"status\":");
	put_ulong(buf, sizeof(buf), &off, (unsigned long)rq->status, 1);
	put_str(buf, sizeof(buf), &off, ",\"ms\":");
	put_ulong(buf, sizeof(buf), &off, (unsigned long)us / 1000, 1);
	put_str(buf, sizeof(buf), &off, ".");
	put_ulong(buf, sizeof(buf), &off, (unsigned long)us % 1000, 3);
	put_end(buf, sizeof(buf), &off, 1);
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
	if (strcmp(level, "error") == 0)
		nerrors++;
	put_head(buf, sizeof(buf), &off, level);
	if (rid == NULL)
		rid = cur_rid;
	if (rid != NULL && *rid != '\0') {
		put_str(buf, sizeof(buf), &off, ",\"rid\":\"");
		put_esc(buf, sizeof(buf), &off, rid);
		put_str(buf, sizeof(buf), &off, "\"");
	}
	put_str(buf, sizeof(buf), &off, ",\"msg\":\"");
	put_esc(buf, sizeof(buf), &off, msg);
	put_str(buf, sizeof(buf), &off, "\"");
	put_end(buf, sizeof(buf), &off, 0);
}
