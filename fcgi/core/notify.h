/*
 * The service manager's view of a master (systemd, sd_notify(3)):
 * READY=1 once every responder is up and the database answered,
 * WATCHDOG=1 while responders live, STOPPING=1 when the drain begins.
 * Without NOTIFY_SOCKET (make run, compose) each call does nothing.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

/* Master, before fork: the pipe responders report through. 0 or -1. */
int	notify_setup(void);
/* Responder, once its init is done: "up" (never blocks). */
void	notify_responder_up(void);
/* Responder, right after fork: it does not read the pipe. */
void	notify_responder_forked(void);
/*
 * Master, from its wait loop: counts responders up; once n are and a
 * connection to dsn succeeded, sends READY=1 with a STATUS line; then
 * WATCHDOG=1 at half the interval systemd asks for, while alive > 0.
 */
void	notify_tick(int n, int alive, const char *dsn);
void	notify_stopping(void);

#endif
