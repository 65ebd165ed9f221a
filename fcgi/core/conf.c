/*
 * Configuration: one table of environment settings read in the master
 * before fork, every problem reported at once with its variable's name;
 * the DSN forms the Python stack accepted; the boot guard
 * (assert_boot_required_env) and the pool budget (API.md §5).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "caps.h"
#include "conf.h"
#include "db.h"
#include "log.h"

#define DEV_DATABASE_URL \
	"postgresql://dataland:dataland@localhost:5432/dataland"

enum kind { K_STR, K_INT, K_BOOL, K_PRICES };

/*
 * Legend: variable, kind, field, default (NULL = unset), range for
 * integers. DATABASE_URL and AUTH_DATABASE_URL are normalised after.
 */
struct setting {
	const char	*env;
	enum kind	 kind;
	size_t		 off;
	const char	*def;
	long		 min, max;
};

#define F(f)	offsetof(struct conf, f)
static const struct setting settings[] = {
	{ "APP_ENV", K_STR, F(app_env), "development", 0, 0 },
	{ "AGENT_WORKERS", K_INT, F(agent_workers), "4", 1, WORKERS_MAX },
	{ "AGENT_LONG_WORKERS", K_INT, F(agent_long_workers), "8", 1,
	    WORKERS_MAX },
	{ "AUTH_WORKERS", K_INT, F(auth_workers), "2", 1, WORKERS_MAX },
	{ "AUTH_LONG_WORKERS", K_INT, F(auth_long_workers), "4", 1,
	    WORKERS_MAX },
	{ "PG_MAX_CONNECTIONS", K_INT, F(pg_max_connections), "0", 0, 262143 },
	{ "AGENT_SOCKET", K_STR, F(agent_socket), "/run/dataland/agent.sock",
	    0, 0 },
	{ "AGENT_LONG_SOCKET", K_STR, F(agent_long_socket),
	    "/run/dataland/agent-long.sock", 0, 0 },
	{ "AUTH_SOCKET", K_STR, F(auth_socket), "/run/dataland/auth.sock",
	    0, 0 },
	{ "AUTH_LONG_SOCKET", K_STR, F(auth_long_socket),
	    "/run/dataland/auth-long.sock", 0, 0 },
	{ "SOCKET_GROUP", K_STR, F(socket_group), NULL, 0, 0 },
	{ "DB_PREPARED_STATEMENTS", K_BOOL, F(db_prepare), "1", 0, 1 },
	{ "AUTH_DATA_DIR", K_STR, F(auth_data_dir), "/var/lib/dataland/auth",
	    0, 0 },
	{ "AUTH_ISSUER", K_STR, F(auth_issuer), "dataland-auth", 0, 0 },
	{ "AUTH_KEY_ID", K_STR, F(auth_key_id), "dataland-auth-1", 0, 0 },
	{ "AUTH_TOKEN_TTL", K_INT, F(auth_token_ttl), "3600", 60, 2592000 },
	{ "AGENT_JWT_ISSUERS", K_STR, F(agent_jwt_issuers), NULL, 0, 0 },
	{ "AGENT_JWKS_FILE", K_STR, F(agent_jwks_file), NULL, 0, 0 },
	{ "MODEL_PROVIDER", K_STR, F(model_provider), "builtin", 0, 0 },
	{ "MODEL_BASE_URL", K_STR, F(model_base_url), NULL, 0, 0 },
	{ "MODEL_API_KEY", K_STR, F(model_api_key), NULL, 0, 0 },
	{ "MODEL_NAME", K_STR, F(model_name), NULL, 0, 0 },
	{ "DB_SLOW_STATEMENT_MS", K_INT, F(db_slow_ms), "500", 0, 3600000 },
	{ "MODEL_CONNECT_TIMEOUT_MS", K_INT, F(model_connect_timeout_ms),
	    "5000", 100, MODEL_TIMEOUT_MAX_MS },
	{ "MODEL_TIMEOUT_MS", K_INT, F(model_timeout_ms), "120000", 1000,
	    MODEL_TIMEOUT_MAX_MS },
	{ "MODEL_IDLE_TIMEOUT_MS", K_INT, F(model_idle_timeout_ms), "30000",
	    100, MODEL_TIMEOUT_MAX_MS },
	{ "MODEL_TOOL_ROUNDS", K_INT, F(model_tool_rounds), "4", 0,
	    MODEL_ROUNDS_MAX },
	{ "MODEL_HISTORY_TOKENS", K_INT, F(model_history_tokens), "4000", 0,
	    MODEL_HISTORY_TOKENS_MAX },
	{ "MODEL_PRICES", K_PRICES, F(model_prices), NULL, 0, 0 },
	{ "SSE_HEARTBEAT_SEC", K_INT, F(sse_heartbeat_sec), "15", 1,
	    SSE_HEARTBEAT_MAX },
	{ "AGENT_RETENTION_DAYS", K_INT, F(agent_retention_days), NULL, 1,
	    36500 },
	{ NULL, 0, 0, NULL, 0, 0 }
};
#undef F

static const struct stmt q_show_max = {
	"conf_show_max", 0, "SHOW max_connections", S_READ };
static const struct stmt q_show_reserved = {
	"conf_show_reserved", 0, "SHOW superuser_reserved_connections",
	S_READ };

static void
complain(char *err, size_t errsz, const char *var, const char *what)
{
	size_t	len = strlen(err);

	snprintf(err + len, errsz - len, "%s: %s\n", var, what);
}

/*
 * Parses s as a base-10 integer in [min, max]. Returns 0 on success.
 */
int
conf_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A price: digits with at most one '.', below PRICE_MAX. */
static int
price_num(const char *p, size_t n, double *out)
{
	char	 buf[32];
	size_t	 i, dots = 0;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			dots++;
		else if (p[i] < '0' || p[i] > '9')
			return -1;
	}
	if (dots > 1 || n == dots)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	return *out < MODEL_PRICE_MAX ? 0 : -1;
}

/*
 * One entry "name=IN/OUT" of p[0..n), spaces around its parts allowed:
 * 0 with the name's place and the prices, or -1.
 */
static int
price_entry(const char *p, size_t n, const char **name, size_t *namelen,
    double *in, double *out)
{
	const char	*eq, *sl, *end = p + n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
	    (sl = memchr(eq, '/', (size_t)(end - eq))) == NULL)
		return -1;
	*name = p;
	for (*namelen = (size_t)(eq - p); *namelen > 0 &&
	    (p[*namelen - 1] == ' ' || p[*namelen - 1] == '\t'); (*namelen)--)
		continue;
	if (*namelen == 0 || memchr(p, ' ', *namelen) != NULL)
		return -1;
	for (eq++; eq < sl && *eq == ' '; eq++)
		continue;
	for (p = sl; p > eq && p[-1] == ' '; p--)
		continue;
	if (price_num(eq, (size_t)(p - eq), in) != 0)
		return -1;
	for (sl++; sl < end && *sl == ' '; sl++)
		continue;
	return price_num(sl, (size_t)(end - sl), out);
}

/*
 * Walks the list; with model non-NULL stops at its entry (0, prices
 * set). Returns 0 for a well-formed list (model NULL) or a model found,
 * -1 otherwise.
 */
static int
price_walk(const char *list, const char *model, double *in, double *out)
{
	const char	*name;
	size_t		 n, namelen;
	double		 i, o;

	if (list == NULL)
		return -1;
	for (; *list != '\0'; list += n + (list[n] == ',')) {
		n = strcspn(list, ",");
		if (price_entry(list, n, &name, &namelen, &i, &o) != 0)
			return -1;
		if (model != NULL && strlen(model) == namelen &&
		    strncmp(model, name, namelen) == 0) {
			*in = i;
			*out = o;
			return 0;
		}
	}
	return model == NULL ? 0 : -1;
}

int
conf_prices_valid(const char *list)
{
	return price_walk(list, NULL, NULL, NULL);
}

int
conf_price(const char *list, const char *model, double *in, double *out)
{
	return conf_prices_valid(list) == 0 ?
	    price_walk(list, model, in, out) : -1;
}

static int
set_one(struct conf *c, const struct setting *s, const char *v, char *err,
    size_t errsz)
{
	char	*field = (char *)c + s->off;
	long	 n;

	switch (s->kind) {
	case K_STR:
		*(const char **)(void *)field = v;
		return 0;
	case K_PRICES:
		if (conf_prices_valid(v) != 0) {
			complain(err, errsz, s->env, "not a list of "
			    "model=PROMPT/COMPLETION (USD per million tokens), "
			    "e.g. gpt-4o-mini=0.15/0.60,gemini-2.5-flash="
			    "0.30/2.50");
			return -1;
		}
		*(const char **)(void *)field = v;
		return 0;
	case K_BOOL:
		if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
		    strcasecmp(v, "on") == 0)
			n = 1;
		else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
		    strcasecmp(v, "off") == 0)
			n = 0;
		else {
			complain(err, errsz, s->env, "not a boolean");
			return -1;
		}
		*(int *)(void *)field = (int)n;
		return 0;
	case K_INT:
		if (conf_int(v, s->min, s->max, &n) != 0) {
			complain(err, errsz, s->env, "not a number in range");
			return -1;
		}
		if (s->off == offsetof(struct conf, auth_token_ttl))
			c->auth_token_ttl = n;
		else
			*(int *)(void *)field = (int)n;
		return 0;
	}
	return -1;
}

static const char *
env_or_null(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * Reads every setting; defaults fill what is unset. Returns the number
 * of problems (each a line in err).
 */
int
conf_load(struct conf *c, char *err, size_t errsz)
{
	const struct setting	*s;
	const char		*v, *db, *adb;
	int			 bad = 0;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	for (s = settings; s->env != NULL; s++) {
		if ((v = env_or_null(s->env)) == NULL)
			v = s->def;
		if (v != NULL && set_one(c, s, v, err, errsz) != 0)
			bad++;
	}
	c->production = strcmp(c->app_env, "production") == 0;

	if ((db = getenv("DATABASE_URL")) == NULL)
		db = c->production ? "" : DEV_DATABASE_URL;
	if ((adb = env_or_null("AUTH_DATABASE_URL")) == NULL)
		adb = db;
	c->database_url = *db ? conf_dsn_normalize(db) : xstrdup("");
	c->auth_database_url = *adb ? conf_dsn_normalize(adb) : xstrdup("");
	if (c->database_url == NULL) {
		complain(err, errsz, "DATABASE_URL", "not a PostgreSQL URL");
		bad++;
	}
	if (c->auth_database_url == NULL) {
		complain(err, errsz, "AUTH_DATABASE_URL",
		    "not a PostgreSQL URL");
		bad++;
	}
	return bad;
}

void
conf_release(struct conf *c)
{
	free(c->database_url);
	free(c->auth_database_url);
	c->database_url = c->auth_database_url = NULL;
}

/*
 * postgresql://, postgres:// and SQLAlchemy's driver forms
 * (postgresql+asyncpg://, postgresql+psycopg2://, postgres+x://) all
 * become postgresql://; libpq rejects the driver suffix.
 */
char *
conf_dsn_normalize(const char *in)
{
	static const char *const schemes[] = { "postgresql", "postgres",
	    NULL };
	const char	*p, *rest;
	size_t		 n;
	int		 i;
	char		*out;

	for (i = 0; schemes[i] != NULL; i++) {
		n = strlen(schemes[i]);
		if (strncmp(in, schemes[i], n) == 0 &&
		    (in[n] == ':' || in[n] == '+'))
			break;
	}
	if (schemes[i] == NULL)
		return NULL;
	p = in + n;
	if (*p == '+') {
		for (p++; isalnum((unsigned char)*p) || *p == '_'; p++)
			continue;
		if (p == in + n + 1)
			return NULL;
	}
	if (strncmp(p, "://", 3) != 0)
		return NULL;
	rest = p + 3;
	for (p = rest; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
	out = xmalloc(strlen(rest) + sizeof("postgresql://"));
	strcpy(out, "postgresql://");
	strcat(out, rest);
	return out;
}

static int
is_local_host(const char *h, size_t n)
{
	static const char *const local[] = { "localhost", "::1",
	    "0:0:0:0:0:0:0:1", NULL };
	int	i;

	if (n == 0 || h[0] == '/' || strncmp(h, "%2F", 3) == 0 ||
	    strncmp(h, "%2f", 3) == 0)
		return 1;		/* no host, or a unix socket path */
	if (n > 4 && strncmp(h, "127.", 4) == 0)
		return 1;
	if (h[n - 1] == '.')		/* "localhost." is localhost */
		n--;
	for (i = 0; local[i] != NULL; i++)
		if (strlen(local[i]) == n && strncasecmp(h, local[i], n) == 0)
			return 1;
	return 0;
}

/*
 * Every host the URL names (the authority's, comma-separated for
 * multi-host URLs, and any host= query parameter); 1 if one is local.
 */
static int
names_local_host(const char *url)
{
	const char	*auth, *end, *at, *h, *q;
	size_t		 n;

	auth = strstr(url, "://") + 3;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	for (h = at ? at + 1 : auth; h <= end; h += n + 1) {
		if (*h == '[') {
			n = strcspn(h, "]");
			if (is_local_host(h + 1, n - 1))
				return 1;
			n += strcspn(h + n, ",/?");
		} else {
			n = strcspn(h, ":,/?");
			if (is_local_host(h, n))
				return 1;
			n += strcspn(h + n, ",/?");
		}
		if (h[n] != ',')
			break;
	}
	if ((q = strchr(url, '?')) == NULL)
		return 0;
	for (q++; *q != '\0'; q += strcspn(q, "&"), q += *q == '&') {
		if (strncmp(q, "host=", 5) == 0 ||
		    strncmp(q, "hostaddr=", 9) == 0) {
			q = strchr(q, '=') + 1;
			if (is_local_host(q, strcspn(q, "&")))
				return 1;
		}
	}
	return 0;
}

/* ?user=dataland&password=dataland, in either order. */
static int
dev_credentials_in_query(const char *url)
{
	const char	*q = strchr(url, '?');
	int		 user = 0, pass = 0;
	size_t		 n;

	if (q == NULL)
		return 0;
	for (q++; *q != '\0'; q += n + (q[n] == '&')) {
		n = strcspn(q, "&");
		if (n == 13 && strncasecmp(q, "user=dataland", 13) == 0)
			user = 1;
		if (n == 17 && strncasecmp(q, "password=dataland", 17) == 0)
			pass = 1;
	}
	return user && pass;
}

/*
 * The boot guard for one URL: it must be set, must not carry the
 * development credentials and must not name this machine.
 */
int
conf_boot_guard(const char *url, const char *var, char *why, size_t whysz)
{
	const char	*auth, *end;

	if (url == NULL || *url == '\0') {
		snprintf(why, whysz, "%s is empty", var);
		return -1;
	}
	if (strstr(url, "://") == NULL) {
		snprintf(why, whysz, "%s is not a PostgreSQL URL", var);
		return -1;
	}
	auth = strstr(url, "://") + 3;
	end = auth + strcspn(auth, "/?");
	if (((size_t)(end - auth) >= sizeof("dataland:dataland@") - 1 &&
	    strncasecmp(auth, "dataland:dataland@", 18) == 0) ||
	    dev_credentials_in_query(url)) {
		snprintf(why, whysz, "%s still carries the development "
		    "credentials 'dataland:dataland'", var);
		return -1;
	}
	if (names_local_host(url)) {
		snprintf(why, whysz, "%s points at this machine "
		    "(localhost, 127.0.0.1, ::1 or a local socket)", var);
		return -1;
	}
	return 0;
}

static int
show_int(struct db *db, const struct stmt *st, long *out)
{
	PGresult	*res;
	int		 rc;

	if (db_query(db, st, NULL, &res) != E_OK)
		return -1;
	rc = PQntuples(res) == 1 ?
	    conf_int(PQgetvalue(res, 0, 0), 0, INT_MAX, out) : -1;
	PQclear(res);
	return rc;
}

/*
 * agent workers + auth workers + superuser_reserved_connections +
 * POOL_MARGIN must not exceed max_connections. Returns 0 when it fits
 * (or, with a warning logged, when the server cannot be asked).
 */
int
conf_pool_budget(const struct conf *c, struct db *db, char *why,
    size_t whysz)
{
	long	max = c->pg_max_connections, reserved = 3, need;

	if (db_ready(db) == E_OK) {
		if (max == 0 && show_int(db, &q_show_max, &max) != 0)
			max = 0;
		if (show_int(db, &q_show_reserved, &reserved) != 0)
			reserved = 3;
	}
	if (max == 0) {
		log_warn(NULL, "pool budget not checked: database unreachable "
		    "and PG_MAX_CONNECTIONS unset");
		return 0;
	}
	need = c->agent_workers + c->agent_long_workers + c->auth_workers +
	    c->auth_long_workers + reserved + POOL_MARGIN;
	if (need <= max)
		return 0;
	snprintf(why, whysz, "pool budget exceeded: AGENT_WORKERS=%d + "
	    "AGENT_LONG_WORKERS=%d + AUTH_WORKERS=%d + AUTH_LONG_WORKERS=%d + "
	    "reserve %ld (superuser_reserved_connections %ld + margin %d) = "
	    "%ld > max_connections %ld", c->agent_workers,
	    c->agent_long_workers, c->auth_workers, c->auth_long_workers,
	    reserved + POOL_MARGIN, reserved, POOL_MARGIN, need, max);
	return -1;
}
