/*
 * The auth service's hooks into the runtime: settings and boot in the
 * master before fork (data dir, signing key, hash slots, init_db), keys
 * and hashing state in each responder, and the bearer check for R_USER
 * routes. Configuration is read-only once the responders exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "err.h"
#include "hashcap.h"
#include "init_db.h"
#include "jwt.h"
#include "keys.h"
#include "log.h"
#include "password.h"
#include "req.h"

#define AUTH_BOOT_DB_TRIES	10	/* one a second for init_db */

static struct auth_settings	 auth_set;

/*
 * The settings beyond struct conf: variable, field, default (0 for a
 * hash cap means one per CPU), bounds.
 */
static const struct {
	const char	*env;
	long		*dst;
	long		 def;
	long		 min;
	long		 max;
} auth_envs[] = {
	{ "AUTH_THROTTLE_WINDOW", &auth_set.throttle_window, 900, 1, 86400 },
	{ "AUTH_THROTTLE_EMAIL_MAX", &auth_set.throttle_email_max, 5, 0,
	    100000 },
	{ "AUTH_THROTTLE_ADDR_MAX", &auth_set.throttle_addr_max, 20, 0,
	    1000000 },
	{ "AUTH_HASH_CONCURRENCY", &auth_set.hash_concurrency, 0, 1,
	    HASHCAP_MAX },
	{ "AUTH_HASH_WAIT_MS", &auth_set.hash_wait_ms, 1000, 0, 60000 },
	{ "AUTH_HASH_THREADS", &auth_set.hash_threads, 0, 1, PASSWORD_P },
	{ "AUTH_HASH_KEEP_MEMORY", &auth_set.hash_keep_memory, 1, 0, 1 },
};

const struct auth_settings *
auth_settings(void)
{

	return &auth_set;
}

/* Threads per hash: the CPUs shared out between concurrent hashes. */
static long
auth_default_threads(long cpus, long slots)
{
	long	 t = cpus / slots;

	return t < 1 ? 1 : t > PASSWORD_P ? PASSWORD_P : t;
}

/* Reads every AUTH_* limit; each bad one is reported by name. */
int
auth_settings_load(const struct conf *cf)
{
	const char	*s;
	long		 cpus, v;
	size_t		 i;
	int		 rc = 0;

	auth_set.cf = cf;
	if ((cpus = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		cpus = 1;
	for (i = 0; i < sizeof(auth_envs) / sizeof(auth_envs[0]); i++) {
		*auth_envs[i].dst = auth_envs[i].def;
		if ((s = getenv(auth_envs[i].env)) == NULL || *s == '\0')
			continue;
		if (conf_int(s, auth_envs[i].min, auth_envs[i].max, &v) != 0) {
			fprintf(stderr, "dataland-auth: %s must be %ld..%ld\n",
			    auth_envs[i].env, auth_envs[i].min,
			    auth_envs[i].max);
			rc = -1;
		} else
			*auth_envs[i].dst = v;
	}
	if (auth_set.hash_concurrency == 0)
		auth_set.hash_concurrency = cpus > HASHCAP_MAX ? HASHCAP_MAX :
		    cpus;
	if (auth_set.hash_threads == 0)
		auth_set.hash_threads = auth_default_threads(cpus,
		    auth_set.hash_concurrency);
	return rc;
}

/* init_db with a short wait for a database that is still starting. */
static int
auth_boot_db(const struct conf *cf)
{
	struct db	 db;
	enum err	 e = E_DBDOWN;
	int		 i;

	for (i = 0; i < AUTH_BOOT_DB_TRIES; i++) {
		if (i > 0)
			sleep(1);
		if ((e = db_open(&db, cf->auth_database_url)) == E_OK)
			e = auth_init_db(&db);
		db_close(&db);
		if (e != E_DBDOWN)
			break;
	}
	return e == E_OK ? 0 : -1;
}

/*
 * The master's boot hook: settings, AUTH_DATA_DIR and its key, the
 * shared hash slots, then the startup DDL. Non-zero stops the start.
 */
int
auth_boot(const struct conf *cf)
{

	if (auth_settings_load(cf) != 0)
		return -1;
	if (keys_ensure(cf->auth_data_dir) != E_OK)
		return -1;
	if (hashcap_init((int)auth_set.hash_concurrency,
	    auth_set.hash_keep_memory ? (size_t)PASSWORD_M * 1024 : 0) != 0) {
		log_error(NULL, "cannot map the hash slots");
		return -1;
	}
	if (auth_boot_db(cf) != 0)
		return -1;
	log_info(NULL, "auth ready: %ld concurrent hashes, %ld threads each",
	    auth_set.hash_concurrency, auth_set.hash_threads);
	return 0;
}

/* A responder's start: its keys and hashing threads. */
int
auth_worker_init(const struct conf *cf)
{

	auth_set.cf = cf;
	password_setup((unsigned)auth_set.hash_threads,
	    (int)auth_set.hash_keep_memory);
	return keys_open(cf);
}

void
auth_worker_release(void)
{

	keys_close();
}

/*
 * R_USER: the bearer must be a token this service issued, signed by
 * its own key with iss AUTH_ISSUER. Sets rq->uid and rq->auth (the
 * claims), or returns E_UNAUTH for the runtime to answer.
 */
enum err
auth_authenticate(struct req *rq)
{
	struct jwt_opts		 o;
	struct jwt_claims	*c;
	const char		*why;

	if (rq->bearer == NULL)
		return E_UNAUTH;
	memset(&o, 0, sizeof(o));
	o.leeway = JWT_LEEWAY_SEC;
	o.issuers = auth_set.cf->auth_issuer;
	c = arena_zalloc(rq->a, sizeof(*c));
	if (jwt_verify(keys_own(), rq->a, rq->bearer, &o, c, &why) != E_OK) {
		log_info(rq->reqid, "bearer refused: %s", why);
		return E_UNAUTH;
	}
	rq->uid = c->sub;
	rq->auth = c;
	return E_OK;
}
