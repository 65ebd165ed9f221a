/*
 * Counters and latency histograms in one shared-memory segment mapped
 * by the master before fork. Each responder writes only its own slot;
 * /metrics sums every slot into the Prometheus text format.
 */
#ifndef METRICS_H
#define METRICS_H

struct arena;
struct service;

int	 metrics_init(const struct service *, int nworkers);
void	 metrics_slot(int worker);	/* responder: pick its slot */
void	 metrics_request(int route_idx, int status, double seconds);
void	 metrics_db(unsigned long errors, unsigned long reconnects);
void	 metrics_worker_restart(void);	/* master */
/* The exposition text for the whole service, in the arena. */
char	*metrics_render(struct arena *, const struct service *);

#endif
