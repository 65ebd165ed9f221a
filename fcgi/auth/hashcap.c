/*
 * A per-host cap on concurrent Argon2 hashes (64 MiB and a core each):
 * slots in a MAP_SHARED mapping made before fork. A slot holds its
 * owner's pid; a slot whose owner no longer exists is taken back, so
 * a responder killed mid-hash costs nothing. No HTTP, no SQL.
 */
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "hashcap.h"

struct hashcap {
	int		 n;
	_Atomic int	 owner[HASHCAP_MAX];	/* pid or 0 */
};

static struct hashcap	*hashcap;		/* the shared slots */
static unsigned char	*hashcap_areas;		/* n work areas */
static size_t		 hashcap_areasz;
static int		 hashcap_mine = -1;	/* slot this process holds */

/* Maps n slots shared with every child forked later. 0 or -1. */
int
hashcap_init(int n, size_t area)
{
	void	*p;
	int	 i;

	if (n < 1 || n > HASHCAP_MAX)
		return -1;
	p = mmap(NULL, sizeof(*hashcap), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	hashcap = p;
	hashcap->n = n;
	if (area > 0) {
		/* Reserved, not committed: pages appear as hashes touch them. */
		p = mmap(NULL, area * (size_t)n, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		hashcap_areas = p;
		hashcap_areasz = area;
	}
	for (i = 0; i < HASHCAP_MAX; i++)
		atomic_init(&hashcap->owner[i], 0);
	return 0;
}

/* One pass over the slots: takes a free one, or one whose owner died. */
static int
hashcap_try(int me)
{
	int	 i, cur;

	for (i = 0; i < hashcap->n; i++) {
		cur = 0;
		if (atomic_compare_exchange_strong(&hashcap->owner[i], &cur,
		    me))
			return i;
	}
	for (i = 0; i < hashcap->n; i++) {
		cur = atomic_load(&hashcap->owner[i]);
		if (cur != 0 && cur != me && kill(cur, 0) == -1 &&
		    errno == ESRCH && atomic_compare_exchange_strong(
		    &hashcap->owner[i], &cur, me))
			return i;
	}
	return -1;
}

/* E_OK with a slot held, or E_BUSY after wait_ms without one. */
enum err
hashcap_enter(long wait_ms)
{
	struct timespec	 nap = { 0, HASHCAP_POLL_MS * 1000000L };
	long		 waited = 0;
	int		 i;

	if (hashcap == NULL)
		return E_OK;
	while ((i = hashcap_try((int)getpid())) == -1) {
		if (waited >= wait_ms)
			return E_BUSY;
		nanosleep(&nap, NULL);
		waited += HASHCAP_POLL_MS;
	}
	hashcap_mine = i;
	return E_OK;
}

/* Frees the slot this process holds, if any. */
void
hashcap_leave(void)
{

	if (hashcap == NULL || hashcap_mine < 0)
		return;
	atomic_store(&hashcap->owner[hashcap_mine], 0);
	hashcap_mine = -1;
}

void *
hashcap_area(size_t *sz)
{
	if (hashcap_areas == NULL || hashcap_mine < 0)
		return NULL;
	*sz = hashcap_areasz;
	return hashcap_areas + hashcap_areasz * (size_t)hashcap_mine;
}
