/*
 * Counters in one MAP_SHARED segment made before fork. Slot i belongs
 * to responder i (a respawned responder inherits its slot, so counts
 * survive restarts); slot n belongs to the master. Single writer per
 * slot, relaxed atomics, no locks; /metrics sums the slots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "caps.h"
#include "metrics.h"
#include "route.h"
#include "service.h"

/* Statuses counted by value; anything else lands in "other". */
static const int statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405,
    409, 413, 415, 429, 500, 503, 0 };
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]))

/* Latency buckets, seconds (Prometheus le labels). */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKET		(sizeof(buckets) / sizeof(buckets[0]))
#define UNMATCHED	ROUTES_MAX	/* requests no route took */

struct slot {
	unsigned long	req[ROUTES_MAX + 1][NSTATUS];
	unsigned long	hist[ROUTES_MAX + 1][NBUCKET + 1];
	unsigned long	usec[ROUTES_MAX + 1];
	unsigned long	db_errors;
	unsigned long	db_reconnects;
	unsigned long	restarts;	/* master slot only */
};

static struct slot	*slots;
static int		 nslots;	/* responders + master */
static struct slot	*mine;

#define ADD(x, v)	__atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED)
#define GET(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)

int
metrics_init(const struct service *svc, int nworkers)
{
	size_t	sz = sizeof(struct slot) * (size_t)(nworkers + 1);

	(void)svc;
	slots = mmap(NULL, sz, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		slots = NULL;
		return -1;
	}
	nslots = nworkers + 1;
	mine = &slots[nworkers];
	return 0;
}

void
metrics_slot(int worker)
{
	if (slots != NULL && worker >= 0 && worker < nslots - 1)
		mine = &slots[worker];
}

void
metrics_request(int route_idx, int status, double seconds)
{
	size_t	r, s, b;

	if (mine == NULL)
		return;
	r = route_idx >= 0 && route_idx < ROUTES_MAX ? (size_t)route_idx :
	    UNMATCHED;
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		continue;
	for (b = 0; b < NBUCKET && seconds > buckets[b]; b++)
		continue;
	ADD(mine->req[r][s], 1);
	ADD(mine->hist[r][b], 1);
	ADD(mine->usec[r], (unsigned long)(seconds * 1e6));
}

void
metrics_db(unsigned long errors, unsigned long reconnects)
{
	if (mine == NULL)
		return;
	if (errors)
		ADD(mine->db_errors, errors);
	if (reconnects)
		ADD(mine->db_reconnects, reconnects);
}

void
metrics_worker_restart(void)
{
	if (slots != NULL)
		ADD(slots[nslots - 1].restarts, 1);
}

/*
 * The labels of route r: route="pattern",method="GET". A pattern may
 * serve several methods, each its own table entry, so the method keeps
 * every series distinct; requests no route took are "unmatched".
 */
static const char *
route_label(struct arena *a, const struct service *svc, size_t r)
{
	const struct route	*rt;

	if (r == UNMATCHED)
		return "route=\"unmatched\",method=\"any\"";
	rt = &svc->routes[r];
	return arena_printf(a, "route=\"%s\",method=\"%s\"",
	    rt->name != NULL ? rt->name : rt->pattern, rt->method);
}

struct buf {
	struct arena	*a;
	char		*p;
	size_t		 len, cap;
};

static void
put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		np = arena_alloc(b->a, b->cap * 2);
		memcpy(np, b->p, b->len);
		b->p = np;
		b->cap *= 2;
	}
}

/* Requests of route r summed over responders; 0 when none. */
static unsigned long
route_total(size_t r, size_t s)
{
	unsigned long	v = 0;
	int		i;

	for (i = 0; i < nslots - 1; i++)
		v += GET(slots[i].req[r][s]);
	return v;
}

static void
render_counts(struct buf *b, const struct service *svc, size_t r)
{
	unsigned long	v;
	size_t		s;

	for (s = 0; s < NSTATUS; s++) {
		if ((v = route_total(r, s)) == 0)
			continue;
		put(b, "dataland_requests_total{service=\"%s\",%s,"
		    "status=\"", svc->name, route_label(b->a, svc, r));
		if (statuses[s] != 0)
			put(b, "%d\"} %lu\n", statuses[s], v);
		else
			put(b, "other\"} %lu\n", v);
	}
}

static void
render_hist(struct buf *b, const struct service *svc, size_t r)
{
	const char	*lbl = route_label(b->a, svc, r);
	unsigned long	 cum = 0, usec = 0;
	size_t		 k, s;
	int		 i;

	for (s = 0; s < NSTATUS; s++)
		cum += route_total(r, s);
	if (cum == 0)
		return;
	for (cum = 0, k = 0; k <= NBUCKET; k++) {
		for (i = 0; i < nslots - 1; i++)
			cum += GET(slots[i].hist[r][k]);
		if (k == NBUCKET)
			break;
		put(b, "dataland_request_duration_seconds_bucket{service="
		    "\"%s\",%s,le=\"%g\"} %lu\n", svc->name, lbl,
		    buckets[k], cum);
	}
	for (i = 0; i < nslots - 1; i++)
		usec += GET(slots[i].usec[r]);
	put(b, "dataland_request_duration_seconds_bucket{service=\"%s\","
	    "%s,le=\"+Inf\"} %lu\n", svc->name, lbl, cum);
	put(b, "dataland_request_duration_seconds_sum{service=\"%s\","
	    "%s} %.6f\n", svc->name, lbl, (double)usec / 1e6);
	put(b, "dataland_request_duration_seconds_count{service=\"%s\","
	    "%s} %lu\n", svc->name, lbl, cum);
}

/* Calls fn for every route of the table and for "unmatched". */
static void
each_route(struct buf *b, const struct service *svc,
    void (*fn)(struct buf *, const struct service *, size_t))
{
	size_t	r;

	for (r = 0; r < ROUTES_MAX && svc->routes[r].method != NULL; r++)
		fn(b, svc, r);
	fn(b, svc, UNMATCHED);
}

static unsigned long
sum_field(size_t off)
{
	unsigned long	v = 0;
	int		i;

	for (i = 0; i < nslots; i++)
		v += __atomic_load_n((unsigned long *)(void *)
		    ((char *)&slots[i] + off), __ATOMIC_RELAXED);
	return v;
}

/*
 * The Prometheus text exposition (format 0.0.4) for the service.
 */
char *
metrics_render(struct arena *a, const struct service *svc)
{
	struct buf	b = { a, NULL, 0, 8192 };

	b.p = arena_alloc(a, b.cap);
	b.p[0] = '\0';
	if (slots == NULL)
		return b.p;
	put(&b, "# HELP dataland_requests_total Requests by route and "
	    "status.\n# TYPE dataland_requests_total counter\n");
	each_route(&b, svc, render_counts);
	put(&b, "# HELP dataland_request_duration_seconds Request latency."
	    "\n# TYPE dataland_request_duration_seconds histogram\n");
	each_route(&b, svc, render_hist);
	put(&b, "# HELP dataland_db_errors_total Failed database calls.\n"
	    "# TYPE dataland_db_errors_total counter\n"
	    "dataland_db_errors_total{service=\"%s\"} %lu\n", svc->name,
	    sum_field(offsetof(struct slot, db_errors)));
	put(&b, "# HELP dataland_db_reconnects_total Database reconnects.\n"
	    "# TYPE dataland_db_reconnects_total counter\n"
	    "dataland_db_reconnects_total{service=\"%s\"} %lu\n", svc->name,
	    sum_field(offsetof(struct slot, db_reconnects)));
	put(&b, "# HELP dataland_worker_restarts_total Responders "
	    "restarted.\n# TYPE dataland_worker_restarts_total counter\n"
	    "dataland_worker_restarts_total{service=\"%s\"} %lu\n",
	    svc->name, sum_field(offsetof(struct slot, restarts)));
	put(&b, "# HELP dataland_workers Configured responders.\n"
	    "# TYPE dataland_workers gauge\n"
	    "dataland_workers{service=\"%s\"} %d\n", svc->name, nslots - 1);
	return b.p;
}
