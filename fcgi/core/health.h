/*
 * /healthz, /readyz and /metrics handlers every service mounts.
 */
#ifndef HEALTH_H
#define HEALTH_H

struct req;

void	health_get(struct req *);	/* 200 {"status":"ok"} */
void	ready_get(struct req *);	/* 200 ready | 503 unavailable */
void	metrics_get(struct req *);	/* Prometheus text */

#endif
