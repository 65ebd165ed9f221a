/*
 * dataland-agent's hooks for the runtime (service.h): boot, responder
 * start and end, and the token check of every /v1/ route; and what the
 * handlers share of them (the provider, the metric families).
 */
#ifndef AGENT_H
#define AGENT_H

#include "err.h"
#include "metrics.h"

struct conf;
struct model_provider;
struct req;

/* Master: MODEL_PROVIDER known, the provider's settings good, runs a
 * crash or restart left running closed. Non-zero stops the start. */
int		 agent_boot(const struct conf *);
/* Responder: the trusted keys and the provider. */
int		 agent_worker_init(const struct conf *);
void		 agent_worker_release(void);
/*
 * R_USER (API.md §4 "Authentication"): an RS256 token from the trusted
 * set (the auth service's key, extra_jwks.json), exp/nbf with leeway,
 * AGENT_JWT_ISSUERS when set; then the caller's users row is created or
 * brought up to date (get_or_create_user) with the handler's first
 * statement (repo_visitors_lead()), which answers for it. Sets rq->uid.
 */
enum err	 agent_authenticate(struct req *);

/* The provider this responder answers with. */
const struct model_provider	*agent_provider(void);
/* The agent's own metric families, NULL-terminated. */
extern const struct metric_family	 agent_metrics[];

#endif
