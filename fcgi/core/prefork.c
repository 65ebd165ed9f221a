/*
 * The master: configuration, boot guard, pool budget, sockets, boot
 * hook, fork the responders of both lanes, reap and respawn, drain on
 * SIGTERM. It never serves a request and never holds a database
 * connection after boot. It knows a service only by its struct service:
 * the names of its settings, never the service's own name.
 *
 *   BOOT --fork_worker() x N--> RUNNING --SIGTERM/SIGINT--> DRAINING
 *              ^                   |                           |
 *              '- reap(): respawn -'        all reaped / timeout
 *                 (with backoff)                               v
 *                                                            EXIT 0
 * Invariants:
 * 1. pids[i] is the live responder of slot i, or 0 while it waits for
 *    its respawn time respawn_at[i]. Slots 0..nlane[LANE_SHORT]-1 serve
 *    the short lane, the rest the long lane (lane_of()).
 * 2. Signals are blocked in the master at all times and taken
 *    synchronously with sigtimedwait(): no handler runs in the master.
 * 3. In DRAINING nothing is forked; the drain ends as soon as the last
 *    responder has finished its request and exited, or at DRAIN_TIMEOUT.
 * 4. A socket path is unlinked on exit only if this master made it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "mono.h"
#include "notify.h"
#include "prefork.h"
#include "route.h"
#include "service.h"
#include "worker.h"

#define DRAIN_TIMEOUT_SEC	60	/* a long streamed answer */
#define SD_LISTEN_FDS_START	3	/* sd_listen_fds(3) */

#define NSLOTS		(WORKERS_MAX * LANE__MAX)

struct master {
	const struct service	*svc;
	struct conf		 conf;
	int			 fd[LANE__MAX];
	const char		*sock_path[LANE__MAX];	/* NULL: inherited */
	int			 nlane[LANE__MAX];
	int			 n;			/* both lanes */
	pid_t			 pids[NSLOTS];
	double			 started[NSLOTS];
	double			 respawn_at[NSLOTS];
	int			 backoff_ms[NSLOTS];
};

const char *const lane_names[LANE__MAX] = { "short", "long" };

const char *
service_dsn(const struct service *svc, const struct conf *c)
{
	return CONF_STR(c, svc->dsn);
}

static enum lane
lane_of(const struct master *m, int slot)
{
	return slot < m->nlane[LANE_SHORT] ? LANE_SHORT : LANE_LONG;
}

/*
 * systemd socket activation: LISTEN_PID is us and LISTEN_FDS >= 1. The
 * socket unit lists the short lane's socket first, then the long
 * lane's (systemd/); a lane without an inherited socket opens its own.
 */
static void
inherited_fds(struct master *m)
{
	const char	*pid = getenv("LISTEN_PID");
	const char	*fds = getenv("LISTEN_FDS");
	long		 p, n;
	int		 l;

	for (l = 0; l < LANE__MAX; l++)
		m->fd[l] = -1;
	if (pid == NULL || fds == NULL ||
	    conf_int(pid, 1, 1L << 30, &p) != 0 || p != (long)getpid() ||
	    conf_int(fds, 1, 64, &n) != 0)
		return;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (l = 0; l < LANE__MAX && l < n; l++)
		m->fd[l] = SD_LISTEN_FDS_START + l;
}

/* A live socket at path means another master is serving it. */
static int
socket_in_use(const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return rc;
}

/*
 * Binds the unix socket at path, mode 0660, group SOCKET_GROUP when
 * set, so that only nginx's group can speak FastCGI to us.
 */
static int
open_socket(const char *path, const char *group)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct group		*gr = NULL;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "socket path '%s' is too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		fprintf(stderr, "SOCKET_GROUP: no group '%s'\n", group);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || socket_in_use(&sun)) {
			fprintf(stderr, "socket path '%s' is in use\n", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, 0660) != 0 ||
	    (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) != 0) ||
	    listen(fd, SOMAXCONN) != 0) {
		fprintf(stderr, "cannot listen on '%s': %s\n", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
fork_worker(struct master *m, int slot)
{
	sigset_t	none;
	pid_t		pid;
	enum lane	l = lane_of(m, slot);

	if ((pid = fork()) < 0) {
		log_error(NULL, "fork failed: %s", strerror(errno));
		m->respawn_at[slot] = mono_now() + 1.0;
		return;
	}
	if (pid == 0) {
		/* The responder blocks SIGTERM itself (worker.c). */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(m->fd[l == LANE_SHORT ? LANE_LONG : LANE_SHORT]);
		notify_responder_forked();
		_exit(worker_run(m->svc, &m->conf, m->fd[l], slot, l));
	}
	m->pids[slot] = pid;
	m->started[slot] = mono_now();
	m->respawn_at[slot] = 0;
}

/* Reaps every dead responder; schedules respawns unless draining. */
static int
reap(struct master *m, int draining)
{
	pid_t	pid;
	int	i, st, alive = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < m->n && m->pids[i] != pid; i++)
			continue;
		if (i == m->n)
			continue;
		m->pids[i] = 0;
		if (draining)
			continue;
		log_warn(NULL, "responder %d (pid %d) %s %d; restarting", i,
		    (int)pid, WIFSIGNALED(st) ? "killed by signal" :
		    "exited with", WIFSIGNALED(st) ? WTERMSIG(st) :
		    WEXITSTATUS(st));
		metrics_worker_restart();
		/* A responder that dies young is crash-looping: back off. */
		if (mono_now() - m->started[i] < 1.0)
			m->backoff_ms[i] = m->backoff_ms[i] ?
			    m->backoff_ms[i] * 2 : 100;
		else
			m->backoff_ms[i] = 0;
		if (m->backoff_ms[i] > RESPAWN_BACKOFF_MAX_MS)
			m->backoff_ms[i] = RESPAWN_BACKOFF_MAX_MS;
		m->respawn_at[i] = mono_now() + m->backoff_ms[i] / 1000.0;
	}
	for (i = 0; i < m->n; i++)
		alive += m->pids[i] != 0;
	return alive;
}

static void
signal_all(struct master *m, int sig)
{
	int	i;

	for (i = 0; i < m->n; i++)
		if (m->pids[i] != 0)
			kill(m->pids[i], sig);
}

/* RUNNING: wait for signals, respawn due slots. Returns on stop. */
static void
supervise(struct master *m, const sigset_t *set)
{
	struct timespec	ts;
	double		t;
	int		i, sig;

	for (;;) {
		t = mono_now();
		for (i = 0; i < m->n; i++)
			if (m->pids[i] == 0 && m->respawn_at[i] <= t)
				fork_worker(m, i);
		ts.tv_sec = 0;
		ts.tv_nsec = 100 * 1000 * 1000;
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return;
		notify_tick(m->n, reap(m, 0), service_dsn(m->svc, &m->conf));
	}
}

/*
 * DRAINING: every responder finishes its request, then exits; each
 * exit wakes the wait (SIGCHLD), so the drain lasts as long as the
 * longest request in hand, or DRAIN_TIMEOUT_SEC at most.
 */
static void
drain(struct master *m, const sigset_t *set)
{
	struct timespec	ts = { 0, 200 * 1000 * 1000 };
	double		deadline = mono_now() + DRAIN_TIMEOUT_SEC;
	int		l, killed = 0;

	log_info(NULL, "stopping: draining responders");
	notify_stopping();
	for (l = 0; l < LANE__MAX; l++)
		close(m->fd[l]);
	signal_all(m, SIGTERM);
	while (reap(m, 1) > 0) {
		if (!killed && mono_now() > deadline) {
			log_warn(NULL, "drain timeout: killing responders");
			signal_all(m, SIGKILL);
			killed = 1;
		}
		sigtimedwait(set, NULL, &ts);
	}
}

/* Config, guard and budget: every refusal is one line on stderr. */
static int
boot_checks(struct master *m)
{
	struct db	 db;
	const char	*dsn;
	char		 why[512];
	const char	*var;
	int		 rc = 0;

	dsn = service_dsn(m->svc, &m->conf);
	var = m->svc->dsn_var;
	if (conf_boot_guard(dsn, var, why, sizeof(why)) != 0) {
		if (m->conf.production) {
			fprintf(stderr, "dataland-%s: refusing to start: %s\n",
			    m->svc->name, why);
			return -1;
		}
		log_warn(NULL, "boot guard (development only): %s", why);
	}
	db_init(&db, dsn, 0);
	if (conf_pool_budget(&m->conf, &db, why, sizeof(why)) != 0) {
		fprintf(stderr, "dataland-%s: refusing to start: %s\n",
		    m->svc->name, why);
		rc = -1;
	}
	db_close(&db);
	return rc;
}

/*
 * A route that needs a user is refused at start when the service has
 * no way to authenticate one: it would answer 500 to every caller.
 */
static int
check_routes(const struct service *svc)
{
	const struct route	*r;
	int			 n = 0;

	for (r = svc->routes; r->method != NULL; r++, n++)
		if ((r->flags & R_USER) && svc->authenticate == NULL) {
			fprintf(stderr, "dataland-%s: route %s %s needs a user "
			    "but the service has no authenticate hook\n",
			    svc->name, r->method, r->pattern);
			return -1;
		}
	if (n > ROUTES_MAX) {
		fprintf(stderr, "dataland-%s: %d routes, at most %d\n",
		    svc->name, n, ROUTES_MAX);
		return -1;
	}
	return 0;
}

/* Each lane's socket: inherited from systemd, or bound here. */
static int
open_sockets(struct master *m)
{
	const struct lane_conf	*lc;
	const char		*path;
	int			 l;

	inherited_fds(m);
	for (l = 0; l < LANE__MAX; l++) {
		if (m->fd[l] >= 0)
			continue;
		lc = &m->svc->lanes[l];
		path = CONF_STR(&m->conf, lc->socket);
		if (path == NULL || *path == '\0') {
			fprintf(stderr, "dataland-%s: %s is empty\n",
			    m->svc->name, lc->socket_var);
			return -1;
		}
		if ((m->fd[l] = open_socket(path, m->conf.socket_group)) < 0)
			return -1;
		m->sock_path[l] = path;
	}
	/* Responders poll them and must never block in accept(). */
	for (l = 0; l < LANE__MAX; l++)
		fcntl(m->fd[l], F_SETFL, fcntl(m->fd[l], F_GETFL) |
		    O_NONBLOCK);
	return 0;
}

static void
unlink_sockets(struct master *m)
{
	int	l;

	for (l = 0; l < LANE__MAX; l++)
		if (m->sock_path[l] != NULL)
			unlink(m->sock_path[l]);
}

int
prefork_main(const struct service *svc, int argc, char **argv)
{
	static struct master	 m;
	sigset_t		 set;
	char			 err[2048];
	int			 i, l;

	(void)argc;
	(void)argv;
	m.svc = svc;
	log_setup(svc->name, -1);
	if (conf_load(&m.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "dataland-%s: bad configuration:\n%s",
		    svc->name, err);
		return 1;
	}
	if (check_routes(svc) != 0)
		return 1;
	for (l = 0; l < LANE__MAX; l++)
		m.n += m.nlane[l] = CONF_INT(&m.conf, svc->lanes[l].workers);
	if (boot_checks(&m) != 0)
		return 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_sockets(&m) != 0 || notify_setup() != 0)
		return 1;
	if ((svc->boot != NULL && svc->boot(&m.conf) != 0) ||
	    metrics_init(svc, m.n) != 0) {
		fprintf(stderr, "dataland-%s: boot failed\n", svc->name);
		unlink_sockets(&m);
		return 1;
	}
	for (l = 0; l < LANE__MAX; l++)
		log_info(NULL, "%s lane: %d responders on %s", lane_names[l],
		    m.nlane[l], m.sock_path[l] != NULL ? m.sock_path[l] :
		    "a systemd socket");
	for (i = 0; i < m.n; i++)
		fork_worker(&m, i);
	supervise(&m, &set);
	drain(&m, &set);
	unlink_sockets(&m);
	log_info(NULL, "stopped");
	conf_release(&m.conf);
	return 0;
}
