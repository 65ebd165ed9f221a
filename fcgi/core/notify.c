/*
 * Readiness, watchdog and stop for the service manager (notify.h),
 * through libsystemd's sd_notify(). Responders say "up" with a byte on
 * a pipe; the master counts them, checks the database once a second
 * until it answers, and only then says READY=1, so that systemd starts
 * what depends on the service (nginx, the next deploy step) once
 * requests can really be served.
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "db.h"
#include "log.h"
#include "mono.h"
#include "notify.h"

static int	up_pipe[2] = { -1, -1 };
static int	up_count;
static int	ready;
static double	db_tried;		/* mono_now() of the last check */
static double	dog_sent;
static uint64_t	dog_usec;		/* 0: no watchdog asked for */

int
notify_setup(void)
{
	if (pipe2(up_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (sd_watchdog_enabled(0, &dog_usec) <= 0)
		dog_usec = 0;
	return 0;
}

void
notify_responder_forked(void)
{
	if (up_pipe[0] >= 0)
		close(up_pipe[0]);
	up_pipe[0] = -1;
}

void
notify_responder_up(void)
{
	char	c = 'u';

	if (up_pipe[1] >= 0 && write(up_pipe[1], &c, 1) != 1)
		log_warn(NULL, "cannot tell the master this responder is up");
}

/* 1 once a short connection to dsn succeeds (tried once a second). */
static int
db_answers(const char *dsn)
{
	struct db	db;
	enum err	e;

	if (mono_now() - db_tried < 1.0)
		return 0;
	db_tried = mono_now();
	e = db_open(&db, dsn);
	db_close(&db);
	return e == E_OK;
}

void
notify_tick(int n, int alive, const char *dsn)
{
	char	buf[64];
	ssize_t	r;

	while (up_pipe[0] >= 0 &&
	    (r = read(up_pipe[0], buf, sizeof(buf))) > 0)
		up_count += (int)r;
	if (!ready && up_count >= n && db_answers(dsn)) {
		ready = 1;
		sd_notifyf(0, "READY=1\nSTATUS=serving with %d responders",
		    n);
		log_info(NULL, "ready: %d responders up, the database "
		    "answers", n);
	}
	if (dog_usec > 0 && alive > 0 &&
	    (mono_now() - dog_sent) * 2e6 >= (double)dog_usec) {
		sd_notify(0, "WATCHDOG=1");
		dog_sent = mono_now();
	}
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=draining responders");
}
