/*
 * JSON log lines on stderr, one object per line. Never a password,
 * token, private key or DSN password: callers pass no such thing.
 */
#ifndef LOG_H
#define LOG_H

struct req;

void	log_setup(const char *service, int worker);
/* The request id log_msg() uses when its rid argument is NULL; the
 * responder sets it for the length of each request. Borrowed. */
void	log_set_rid(const char *rid);
/* One access line per request: id, method, path, status, ms, worker.
 * Queued for at most LOG_DELAY_MS (log.c), or until the next other line. */
void	log_access(const struct req *);
/* Writes the queued access lines now (a responder's exit). */
void	log_flush(void);
/* Milliseconds until the queued lines are due (0: now), -1 if none: how
 * long a responder may sleep before calling log_flush(). */
int	log_flush_in_ms(void);
/* A free-form event; rid may be NULL. */
void	log_msg(const char *level, const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Error lines written so far by this process: a caller that compares
 * two readings knows whether a failure was logged in between. */
unsigned long	log_errors(void);

#define log_info(rid, ...)	log_msg("info", (rid), __VA_ARGS__)
#define log_warn(rid, ...)	log_msg("warn", (rid), __VA_ARGS__)
#define log_error(rid, ...)	log_msg("error", (rid), __VA_ARGS__)

#endif
