/*
 * The master: configuration, boot guard, pool budget, socket, boot
 * hook, fork N responders, reap and respawn, drain on SIGTERM.
 * It never serves a request and never holds a database connection
 * after boot.
 *
 *   BOOT --fork_worker() x N--> RUNNING --SIGTERM/SIGINT--> DRAINING
 *              ^                   |                           |
 *              '- reap(): respawn -'        all reaped / timeout
 *                 (with backoff)                               v
 *                                                            EXIT 0
 * Invariants:
 * 1. pids[i] is the live responder of slot i, or 0 while it waits for
 *    its respawn time respawn_at[i].
 * 2. Signals are blocked in the master at all times and taken
 *    synchronously with sigtimedwait(): no handler runs in the master.
 * 3. In DRAINING nothing is forked; SIGTERM is repeated every second so
 *    a responder that raced into accept() still sees it.
 * 4. The socket path is unlinked on exit only if this master made it.
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
#include "prefork.h"
#include "service.h"
#include "worker.h"

#define DRAIN_TIMEOUT_SEC	60	/* a long streamed answer */
#define SD_LISTEN_FDS_START	3	/* sd_listen_fds(3) */

struct master {
	const struct service	*svc;
	struct conf		 conf;
	int			 fd;
	const char		*sock_path;	/* NULL under systemd */
	int			 n;
	pid_t			 pids[WORKERS_MAX];
	double			 started[WORKERS_MAX];
	double			 respawn_at[WORKERS_MAX];
	int			 backoff_ms[WORKERS_MAX];
};

const char *
service_dsn(const struct service *svc, const struct conf *c)
{
	return strcmp(svc->name, "auth") == 0 ? c->auth_database_url :
	    c->database_url;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* systemd socket activation: LISTEN_PID is us and LISTEN_FDS >= 1. */
static int
inherited_fd(void)
{
	const char	*pid = getenv("LISTEN_PID");
	const char	*fds = getenv("LISTEN_FDS");
	long		 p, n;

	if (pid == NULL || fds == NULL ||
	    conf_int(pid, 1, 1L << 30, &p) != 0 || p != (long)getpid() ||
	    conf_int(fds, 1, 64, &n) != 0)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return SD_LISTEN_FDS_START;
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

	if ((pid = fork()) < 0) {
		log_error(NULL, "fork failed: %s", strerror(errno));
		m->respawn_at[slot] = now() + 1.0;
		return;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(worker_run(m->svc, &m->conf, m->fd, slot));
	}
	m->pids[slot] = pid;
	m->started[slot] = now();
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
		if (now() - m->started[i] < 1.0)
			m->backoff_ms[i] = m->backoff_ms[i] ?
			    m->backoff_ms[i] * 2 : 100;
		else
			m->backoff_ms[i] = 0;
		if (m->backoff_ms[i] > RESPAWN_BACKOFF_MAX_MS)
			m->backoff_ms[i] = RESPAWN_BACKOFF_MAX_MS;
		m->respawn_at[i] = now() + m->backoff_ms[i] / 1000.0;
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
		t = now();
		for (i = 0; i < m->n; i++)
			if (m->pids[i] == 0 && m->respawn_at[i] <= t)
				fork_worker(m, i);
		ts.tv_sec = 0;
		ts.tv_nsec = 100 * 1000 * 1000;
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return;
		reap(m, 0);
	}
}

/* DRAINING: every responder finishes its request, then exits. */
static void
drain(struct master *m, const sigset_t *set)
{
	struct timespec	ts = { 1, 0 };
	double		deadline = now() + DRAIN_TIMEOUT_SEC;

	log_info(NULL, "stopping: draining responders");
	close(m->fd);
	signal_all(m, SIGTERM);
	while (reap(m, 1) > 0) {
		if (now() > deadline) {
			log_warn(NULL, "drain timeout: killing responders");
			signal_all(m, SIGKILL);
		} else
			signal_all(m, SIGTERM);
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
	var = strcmp(m->svc->name, "auth") == 0 ? "AUTH_DATABASE_URL" :
	    "DATABASE_URL";
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

int
prefork_main(const struct service *svc, int argc, char **argv)
{
	static struct master	 m;
	sigset_t		 set;
	char			 err[2048];
	long			 n;
	const char		*path;
	int			 i;

	(void)argc;
	(void)argv;
	m.svc = svc;
	log_setup(svc->name, -1);
	if (conf_load(&m.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "dataland-%s: bad configuration:\n%s",
		    svc->name, err);
		return 1;
	}
	n = strcmp(svc->name, "auth") == 0 ? m.conf.auth_workers :
	    m.conf.agent_workers;
	if (svc->workers_env != NULL && getenv(svc->workers_env) != NULL &&
	    conf_int(getenv(svc->workers_env), 1, WORKERS_MAX, &n) != 0) {
		fprintf(stderr, "dataland-%s: %s must be 1..%d\n", svc->name,
		    svc->workers_env, WORKERS_MAX);
		return 1;
	}
	m.n = (int)n;
	if (boot_checks(&m) != 0)
		return 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((m.fd = inherited_fd()) < 0) {
		path = getenv(svc->socket_env);
		if (path == NULL || *path == '\0')
			path = strcmp(svc->name, "auth") == 0 ?
			    m.conf.auth_socket : m.conf.agent_socket;
		if ((m.fd = open_socket(path, m.conf.socket_group)) < 0)
			return 1;
		m.sock_path = path;
	}
	if ((svc->boot != NULL && svc->boot(&m.conf) != 0) ||
	    metrics_init(svc, m.n) != 0) {
		fprintf(stderr, "dataland-%s: boot failed\n", svc->name);
		if (m.sock_path != NULL)
			unlink(m.sock_path);
		return 1;
	}
	/* Responders poll it and must never block in accept(). */
	fcntl(m.fd, F_SETFL, fcntl(m.fd, F_GETFL) | O_NONBLOCK);
	log_info(NULL, "listening on %s with %d responders",
	    m.sock_path ? m.sock_path : "the systemd socket", m.n);
	for (i = 0; i < m.n; i++)
		fork_worker(&m, i);
	supervise(&m, &set);
	drain(&m, &set);
	if (m.sock_path != NULL)
		unlink(m.sock_path);
	log_info(NULL, "stopped");
	conf_release(&m.conf);
	return 0;
}
