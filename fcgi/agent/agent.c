/*
 * dataland-agent's runtime hooks: provider choice and the run sweep at
 * boot, the trusted keys per responder, and the token check that makes
 * every /v1/ request a known user. No SQL here (repo_*.c), no route.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jwt.h"
#include "log.h"
#include "metrics.h"
#include "model/model.h"
#include "repo_runs.h"
#include "repo_visitors.h"
#include "req.h"

#define AGENT_BOOT_DB_TRIES	10	/* seconds the boot waits for the DB */

const struct metric_family agent_metrics[] = {
	{ "dataland_runs_total", "counter",
	    "Model runs as they end, by status and model." },
	{ "dataland_model_duration_seconds", "histogram",
	    "Time a model took to answer, by model." },
	{ "dataland_tokens_total", "counter",
	    "Tokens of finished runs, by model and kind." },
	{ NULL, NULL, NULL }
};

static const struct conf		*agent_conf;
static const struct model_provider	*provider;
static struct jwt_keyset		 trusted;
static int				 own_loaded;
static time_t				 own_tried;

const struct model_provider *
agent_provider(void)
{
	return provider;
}

/* Closes the runs a crash or restart left running (one statement). */
static int
agent_sweep(const struct conf *c)
{
	struct db	db;
	enum err	e = E_DBDOWN;
	long		n = 0;
	int		i;

	for (i = 0; i < AGENT_BOOT_DB_TRIES && e == E_DBDOWN; i++) {
		if (i > 0)
			sleep(1);
		if ((e = db_open(&db, c->database_url)) == E_OK)
			e = repo_runs_sweep(&db, &n);
		db_close(&db);
	}
	if (e != E_OK) {
		log_error(NULL, "cannot close interrupted runs: %s",
		    err_str(e));
		return -1;
	}
	if (n > 0)
		log_warn(NULL, "closed %ld runs left running as errors", n);
	return 0;
}

int
agent_boot(const struct conf *c)
{
	if ((provider = model_find(c->model_provider)) == NULL) {
		fprintf(stderr, "dataland-agent: MODEL_PROVIDER '%s' is not "
		    "one of %s\n", c->model_provider, model_names());
		return -1;
	}
	if (provider->init != NULL && provider->init(c) != 0) {
		fprintf(stderr, "dataland-agent: MODEL_PROVIDER '%s': bad "
		    "settings\n", provider->name);
		return -1;
	}
	if (provider->release != NULL)
		provider->release();
	return agent_sweep(c);
}

/*
 * The auth service's own key, when its AUTH_DATA_DIR is readable here
 * (one host, one state directory). Tried again at most every second
 * until found, so an agent started before the auth service made its key
 * trusts it once it exists.
 */
static void
agent_own_key(void)
{
	char		 path[PATH_MAX];
	EVP_PKEY	*pk = NULL;
	time_t		 now = time(NULL);

	if (own_loaded || now == own_tried)
		return;
	own_tried = now;
	snprintf(path, sizeof(path), "%s/private.pem",
	    agent_conf->auth_data_dir);
	if (jwt_pem_private(path, &pk) != E_OK)
		return;
	if (jwt_keyset_add(&trusted, pk, agent_conf->auth_key_id) == E_OK)
		own_loaded = 1;
	EVP_PKEY_free(pk);
}

int
agent_worker_init(const struct conf *c)
{
	char	 extra[PATH_MAX];

	agent_conf = c;
	if (c->agent_jwks_file != NULL)
		snprintf(extra, sizeof(extra), "%s", c->agent_jwks_file);
	else
		snprintf(extra, sizeof(extra), "%s/extra_jwks.json",
		    c->auth_data_dir);
	jwt_keyset_init(&trusted, extra);
	jwt_keyset_refresh(&trusted, 0);
	own_loaded = 0;
	own_tried = 0;
	agent_own_key();
	if ((provider = model_find(c->model_provider)) == NULL ||
	    (provider->init != NULL && provider->init(c) != 0))
		return -1;
	return 0;
}

void
agent_worker_release(void)
{
	if (provider != NULL && provider->release != NULL)
		provider->release();
	jwt_keyset_release(&trusted);
}

/* A string claim, or the first of two names that is one. */
static const char *
claim(struct json_object *j, const char *name, const char *alias)
{
	struct json_object	*v;

	if (json_object_object_get_ex(j, name, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (alias != NULL && json_object_object_get_ex(j, alias, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* joined_date: an RFC 3339 string as given, or epoch seconds. */
static const char *
claim_date(struct arena *a, struct json_object *j)
{
	struct json_object	*v;
	struct tm		 tm;
	time_t			 t;
	char			 buf[32];

	if (!json_object_object_get_ex(j, "joined_date", &v))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return NULL;
	t = (time_t)json_object_get_int64(v);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return arena_strdup(a, buf);
}

/* access_permissions: a list of strings, stored JSON-encoded. */
static const char *
claim_permissions(struct json_object *j)
{
	struct json_object	*v;
	size_t			 i;

	if (!json_object_object_get_ex(j, "access_permissions", &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i),
		    json_type_string))
			return NULL;
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

enum err
agent_authenticate(struct req *rq)
{
	struct jwt_opts		 o;
	struct jwt_claims	 c;
	struct visitor_claims	 v;
	const char		*why;

	if (rq->bearer == NULL)
		return E_UNAUTH;
	agent_own_key();
	memset(&o, 0, sizeof(o));
	o.leeway = JWT_LEEWAY_SEC;
	o.issuers = agent_conf->agent_jwt_issuers;
	if (jwt_verify(&trusted, rq->a, rq->bearer, &o, &c, &why) != E_OK) {
		log_info(rq->reqid, "bearer refused: %s", why);
		return E_UNAUTH;
	}
	v.email = claim(c.json, "email", NULL);
	v.full_name = claim(c.json, "full_name", "name");
	v.location = claim(c.json, "location", NULL);
	v.profile_photo_url = claim(c.json, "profile_photo_url", "picture");
	v.joined_date = claim_date(rq->a, c.json);
	v.access_permissions = claim_permissions(c.json);
	v.stripe_customer_id = claim(c.json, "stripe_customer_id", NULL);
	repo_visitors_lead(rq->db, c.sub, &v);
	rq->uid = c.sub;
	return E_OK;
}
