/*
 * Counters and latency histograms in one shared-memory segment mapped
 * by the master before fork. Each responder writes only its own slot;
 * /metrics sums every slot into the Prometheus text format.
 */
#ifndef METRICS_H
#define METRICS_H

struct arena;
struct service;

/* A family of service metrics a service declares (struct service's
 * metrics table): rendered with its HELP and TYPE lines. */
struct metric_family {
	const char	*name;		/* "dataland_runs_total" */
	const char	*type;		/* "counter" or "histogram" */
	const char	*help;
};

int	 metrics_init(const struct service *, int nworkers);
void	 metrics_slot(int worker);	/* responder: pick its slot */
void	 metrics_request(int route_idx, int status, double seconds);
void	 metrics_db(unsigned long errors, unsigned long reconnects);
void	 metrics_worker_restart(void);	/* master */
/*
 * A service's own series: name and NULL-terminated label pairs
 * ({"status", "success", "model", "echo", NULL}), values escaped here.
 * metrics_count adds v to a counter, metrics_time observes seconds in
 * a latency histogram. A series beyond METRICS_SERIES_MAX per responder
 * is dropped (logged once).
 */
void	 metrics_count(const char *name, const char *const *labels,
	    unsigned long v);
void	 metrics_time(const char *name, const char *const *labels,
	    double seconds);
/* The exposition text for the whole service, in the arena. */
char	*metrics_render(struct arena *, const struct service *);

#endif
