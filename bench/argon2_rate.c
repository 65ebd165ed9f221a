/*
 * The raw Argon2id rate on this machine, for bench/30-login.sh: the
 * login parameters (argon2-cffi's t=3, m=64 MiB, p=4, 32-byte hash),
 * fresh memory for every hash as argon2-cffi does it, THREADS threads
 * per hash. Prints the median time of one hash alone, then the rate of
 * N hashes spread over PAR processes.
 *
 *   argon2_rate N PAR THREADS
 */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
hash_once(unsigned threads)
{
	unsigned char	out[32], salt[16] = "saltsaltsaltsalt";
	char		pwd[] = "bench password";
	argon2_context	c;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.outlen = sizeof(out);
	c.pwd = (uint8_t *)pwd;
	c.pwdlen = sizeof(pwd) - 1;
	c.salt = salt;
	c.saltlen = sizeof(salt);
	c.t_cost = 3;
	c.m_cost = 65536;
	c.lanes = 4;
	c.threads = threads;
	c.version = ARGON2_VERSION_13;
	if (argon2_ctx(&c, Argon2_id) != ARGON2_OK) {
		fprintf(stderr, "argon2_rate: hashing failed\n");
		exit(1);
	}
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	double		 t[5], t0;
	int		 n, par, i, j, st, bad = 0;
	unsigned	 threads;

	if (argc != 4 || (n = atoi(argv[1])) < 1 ||
	    (par = atoi(argv[2])) < 1 || atoi(argv[3]) < 1) {
		fprintf(stderr, "usage: argon2_rate N PAR THREADS\n");
		return 2;
	}
	threads = (unsigned)atoi(argv[3]);
	for (i = 0; i < 5; i++) {
		t0 = now();
		hash_once(threads);
		t[i] = now() - t0;
	}
	qsort(t, 5, sizeof(t[0]), cmp);
	printf("single %.4f\n", t[2]);
	t0 = now();
	for (i = 0; i < par; i++) {
		if (fork() == 0) {
			for (j = i; j < n; j += par)
				hash_once(threads);
			_exit(0);
		}
	}
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	printf("rate %.3f\n", n / (now() - t0));
	return bad;
}
