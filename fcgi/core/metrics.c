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
#include "log.h"
#include "caps.h"
#include "metrics.h"
#include "route.h"
#include "service.h"

/* Statuses counted by value; anything else lands in "other". */
static const int statuses[] = { 200, 201, 204, 400, 401, 403, 404, 405,
    409, 413, 415, 429, 499, 500, 502, 503, 504, 0 };
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]))

/* Latency buckets, seconds (Prometheus le labels). */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKET		(sizeof(buckets) / sizeof(buckets[0]))
#define UNMATCHED	ROUTES_MAX	/* requests no route took */

/* A service's own counter or histogram, one series of one responder.
 * used is set (release) only after key is written, so a reader that
 * sees it set (acquire) reads a whole key. */
struct series {
	int		used;
	char		key[METRICS_KEY_MAX];	/* name{labels} */
	unsigned long	v;
};

struct shist {
	int		used;
	char		key[METRICS_KEY_MAX];
	unsigned long	b[NBUCKET + 1];
	unsigned long	usec;
};

struct slot {
	unsigned long	req[ROUTES_MAX + 1][NSTATUS];
	unsigned long	hist[ROUTES_MAX + 1][NBUCKET + 1];
	unsigned long	usec[ROUTES_MAX + 1];
	unsigned long	db_errors;
	unsigned long	db_reconnects;
	unsigned long	restarts;	/* master slot only */
	struct series	ser[METRICS_SERIES_MAX];
	struct shist	sh[METRICS_HIST_MAX];
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
_Static_assert(offsetof(struct series, key) == offsetof(struct shist, key),
    "series_find() reads both kinds of entry alike");

/* name{k="v",...} into buf, values escaped; "" when it does not fit. */
static void
series_key(char *buf, size_t sz, const char *name, const char *const *lb)
{
	size_t	 n;
	int	 first = 1;

	n = (size_t)snprintf(buf, sz, "%s{", name);
	for (; lb != NULL && lb[0] != NULL && lb[1] != NULL && n < sz; lb += 2) {
		n += (size_t)snprintf(buf + n, sz - n, "%s%s=\"", first ? "" :
		    ",", lb[0]);
		first = 0;
		for (const char *p = lb[1]; *p != '\0' && n + 3 < sz; p++) {
			if (*p == '"' || *p == '\\')
				buf[n++] = '\\';
			buf[n++] = *p == '\n' ? ' ' : *p;
		}
		if (n + 1 < sz)
			buf[n++] = '"';
	}
	if (n + 2 > sz) {
		buf[0] = '\0';
		return;
	}
	buf[n++] = '}';
	buf[n] = '\0';
}

/* The entry of key among n entries of stride bytes, added if new. */
static void *
series_find(void *base, size_t n, size_t stride, const char *key)
{
	static int	 warned;
	char		*e;
	size_t		 i;

	for (i = 0; i < n; i++) {
		e = (char *)base + i * stride;
		if (!__atomic_load_n((int *)(void *)e, __ATOMIC_ACQUIRE)) {
			snprintf(e + offsetof(struct series, key),
			    METRICS_KEY_MAX, "%s", key);
			__atomic_store_n((int *)(void *)e, 1, __ATOMIC_RELEASE);
			return e;
		}
		if (strcmp(e + offsetof(struct series, key), key) == 0)
			return e;
	}
	if (!warned)
		log_warn(NULL, "metrics: no room for series '%s'", key);
	warned = 1;
	return NULL;
}

void
metrics_count(const char *name, const char *const *labels, unsigned long v)
{
	char		 key[METRICS_KEY_MAX];
	struct series	*e;

	if (mine == NULL)
		return;
	series_key(key, sizeof(key), name, labels);
	if (key[0] != '\0' && (e = series_find(mine->ser, METRICS_SERIES_MAX,
	    sizeof(struct series), key)) != NULL)
		ADD(e->v, v);
}

void
metrics_time(const char *name, const char *const *labels, double seconds)
{
	char		 key[METRICS_KEY_MAX];
	struct shist	*h;
	size_t		 b;

	if (mine == NULL)
		return;
	series_key(key, sizeof(key), name, labels);
	if (key[0] == '\0' || (h = series_find(mine->sh, METRICS_HIST_MAX,
	    sizeof(struct shist), key)) == NULL)
		return;
	for (b = 0; b < NBUCKET && seconds > buckets[b]; b++)
		continue;
	ADD(h->b[b], 1);
	ADD(h->usec, (unsigned long)(seconds * 1e6));
}

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

/* 1 when key is a series of family name ("name{..."). */
static int
of_family(const char *key, const char *name)
{
	size_t	n = strlen(name);

	return strncmp(key, name, n) == 0 && key[n] == '{';
}

/* Whether an earlier slot (or an earlier entry of slot i) had key. */
static int
seen_before(int i, size_t j, int hist, const char *key)
{
	const char	*k;
	int		 s;
	size_t		 e, n = hist ? METRICS_HIST_MAX : METRICS_SERIES_MAX;

	for (s = 0; s <= i; s++)
		for (e = 0; e < (s == i ? j : n); e++) {
			k = hist ? slots[s].sh[e].key : slots[s].ser[e].key;
			if ((hist ? __atomic_load_n(&slots[s].sh[e].used,
			    __ATOMIC_ACQUIRE) : __atomic_load_n(
			    &slots[s].ser[e].used, __ATOMIC_ACQUIRE)) &&
			    strcmp(k, key) == 0)
				return 1;
		}
	return 0;
}

/* One counter series summed over the slots. */
static void
render_series(struct buf *b, const char *key)
{
	unsigned long	v = 0;
	int		i;
	size_t		e;

	for (i = 0; i < nslots; i++)
		for (e = 0; e < METRICS_SERIES_MAX; e++)
			if (__atomic_load_n(&slots[i].ser[e].used,
			    __ATOMIC_ACQUIRE) &&
			    strcmp(slots[i].ser[e].key, key) == 0)
				v += GET(slots[i].ser[e].v);
	put(b, "%s %lu\n", key, v);
}

/* One histogram series (name{labels}) summed over the slots. */
static void
render_shist(struct buf *b, const char *key)
{
	unsigned long	 cnt[NBUCKET + 1] = { 0 }, usec = 0, cum = 0;
	const char	*lb = strchr(key, '{');
	int		 i, nl = (int)(lb - key), ll;
	size_t		 e, k;

	ll = (int)strlen(lb + 1) - 1;		/* labels without braces */
	for (i = 0; i < nslots; i++)
		for (e = 0; e < METRICS_HIST_MAX; e++) {
			if (!__atomic_load_n(&slots[i].sh[e].used,
			    __ATOMIC_ACQUIRE) || strcmp(slots[i].sh[e].key, key))
				continue;
			for (k = 0; k <= NBUCKET; k++)
				cnt[k] += GET(slots[i].sh[e].b[k]);
			usec += GET(slots[i].sh[e].usec);
		}
	for (k = 0; k <= NBUCKET; k++) {
		cum += cnt[k];
		if (k < NBUCKET)
			put(b, "%.*s_bucket{%.*s%sle=\"%g\"} %lu\n", nl, key, ll,
			    lb + 1, ll > 0 ? "," : "", buckets[k], cum);
	}
	put(b, "%.*s_bucket{%.*s%sle=\"+Inf\"} %lu\n", nl, key, ll, lb + 1,
	    ll > 0 ? "," : "", cum);
	put(b, "%.*s_sum%s %.6f\n", nl, key, lb, (double)usec / 1e6);
	put(b, "%.*s_count%s %lu\n", nl, key, lb, cum);
}

/* A service's own families: every series seen in any slot, summed. */
static void
render_families(struct buf *b, const struct service *svc)
{
	const struct metric_family	*f;
	const char			*k;
	int				 i, hist;
	size_t				 e, n;

	for (f = svc->metrics; f != NULL && f->name != NULL; f++) {
		hist = strcmp(f->type, "histogram") == 0;
		n = hist ? METRICS_HIST_MAX : METRICS_SERIES_MAX;
		put(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
		    f->name, f->type);
		for (i = 0; i < nslots; i++)
			for (e = 0; e < n; e++) {
				k = hist ? slots[i].sh[e].key :
				    slots[i].ser[e].key;
				if (!(hist ? __atomic_load_n(&slots[i].sh[e].used,
				    __ATOMIC_ACQUIRE) : __atomic_load_n(
				    &slots[i].ser[e].used, __ATOMIC_ACQUIRE)) ||
				    !of_family(k, f->name) ||
				    seen_before(i, e, hist, k))
					continue;
				if (hist)
					render_shist(b, k);
				else
					render_series(b, k);
			}
	}
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
	render_families(&b, svc);
	return b.p;
}
