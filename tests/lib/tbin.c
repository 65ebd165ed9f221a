/*
 * Runs programs for tests: fork, exec with a changed environment,
 * stdout and stderr through temporary files. Test code only; a failure
 * to run ends the program with "FAIL".
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tbin.h"

static void	tbin_fail(const char *, const char *)
		    __attribute__((noreturn));

static void
tbin_fail(const char *what, const char *arg)
{
	printf("FAIL %s: %s '%s': %s\n", program_invocation_short_name, what,
	    arg, strerror(errno));
	fflush(stdout);
	exit(1);
}

const char *
tbin_dataland(void)
{
	static char	 path[4096];
	const char	*b;

	if ((b = getenv("DATALAND_BIN")) != NULL && *b != '\0')
		return b;
	if ((b = getenv("BUILD")) == NULL || *b == '\0')
		b = "build";
	snprintf(path, sizeof(path), "%s/bin/dataland", b);
	return path;
}

/* A temporary file, already unlinked: only the descriptor names it. */
static int
tbin_tmp(void)
{
	char	name[] = "/tmp/tbin.XXXXXX";
	int	fd;

	if ((fd = mkstemp(name)) == -1)
		tbin_fail("cannot create", name);
	unlink(name);
	return fd;
}

static char *
tbin_slurp(int fd)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 got = 0;

	if (fstat(fd, &st) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		tbin_fail("cannot read", "output");
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		tbin_fail("cannot allocate", "output");
	while (got < (size_t)st.st_size &&
	    (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(fd);
	return buf;
}

static void
tbin_child(const char *path, char *const argv[], const char *const env[],
    int ofd, int efd)
{
	const char	*eq;
	char		 name[256];
	size_t		 n;

	for (; env != NULL && *env != NULL; env++) {
		if ((eq = strchr(*env, '=')) == NULL) {
			unsetenv(*env);
			continue;
		}
		n = (size_t)(eq - *env);
		if (n >= sizeof(name))
			_exit(127);
		memcpy(name, *env, n);
		name[n] = '\0';
		setenv(name, eq + 1, 1);
	}
	if (dup2(ofd, 1) == -1 || dup2(efd, 2) == -1)
		_exit(127);
	execv(path, argv);
	_exit(127);
}

int
tbin_run(const char *path, char *const argv[], const char *const env[],
    char **out, char **err)
{
	pid_t	pid;
	int	ofd, efd, st;

	if (access(path, X_OK) == -1)
		tbin_fail("cannot execute", path);
	ofd = tbin_tmp();
	efd = tbin_tmp();
	fflush(stdout);
	if ((pid = fork()) == -1)
		tbin_fail("cannot fork for", path);
	if (pid == 0)
		tbin_child(path, argv, env, ofd, efd);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			tbin_fail("cannot wait for", path);
	*out = tbin_slurp(ofd);
	*err = tbin_slurp(efd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
tbin_dataland_run(const char *const env[], const char *a1, const char *a2,
    const char *a3, char **out, char **err)
{
	char	*argv[5];

	argv[0] = (char *)"dataland";
	argv[1] = (char *)a1;
	argv[2] = (char *)a2;
	argv[3] = (char *)a3;
	argv[4] = NULL;
	return tbin_run(tbin_dataland(), argv, env, out, err);
}
