/*
 * fcgi/auth/hashcap.c across real processes: the cap holds (a second
 * hasher waits, then gets E_BUSY, which the handlers answer 503), a
 * freed slot is taken at once, and the slot of a responder that died
 * mid-hash is taken back.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/hashcap.h"
#include "err.h"
#include "t.h"

/* Forks a child that takes the slot, says so, then waits for a byte
 * (0: leave and exit; 1: die holding the slot). */
static pid_t
holder(int *go)
{
	int	up[2], down[2];
	pid_t	pid;
	char	c;

	T_OK(pipe(up) == 0 && pipe(down) == 0);
	if ((pid = fork()) == 0) {
		if (hashcap_enter(1000) != E_OK)
			_exit(3);
		(void)!write(up[1], "x", 1);
		if (read(down[0], &c, 1) != 1 || c == 1)
			_exit(0);		/* dies holding it */
		hashcap_leave();
		_exit(0);
	}
	T_OK(pid > 0);
	T_EQ(read(up[0], &c, 1), 1);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	*go = down[1];
	return pid;
}

static void
release(pid_t pid, int go, char how)
{
	int	st;

	T_EQ(write(go, &how, 1), 1);
	close(go);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	pid_t	pid;
	int	go;

	T_EQ(hashcap_enter(0), E_OK);		/* no cap: always a slot */
	hashcap_leave();
	T_PASS("hashcap-off-without-init");

	T_EQ(hashcap_init(1, 0), 0);
	pid = holder(&go);
	T_EQ(hashcap_enter(20), E_BUSY);
	T_EQ(err_info(E_BUSY)->status, 503);
	release(pid, go, 0);
	T_EQ(hashcap_enter(0), E_OK);
	hashcap_leave();
	T_PASS("hashcap-holds-then-frees");

	pid = holder(&go);
	T_EQ(hashcap_enter(10), E_BUSY);
	release(pid, go, 1);			/* gone without leaving */
	T_EQ(hashcap_enter(50), E_OK);
	hashcap_leave();
	T_PASS("hashcap-dead-holder-slot-reclaimed");
	return 0;
}
