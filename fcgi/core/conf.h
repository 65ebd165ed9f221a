/*
 * One table of environment settings, read and validated in the master
 * before fork and read-only afterwards; DSN normalisation; the boot
 * guard (assert_boot_required_env) and the pool budget (API.md §5).
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

struct db;

struct conf {
	const char	*app_env;		/* APP_ENV */
	int		 production;		/* APP_ENV == production */
	char		*database_url;		/* normalised DATABASE_URL */
	char		*auth_database_url;	/* normalised, with fallback */
	int		 agent_workers;		/* AGENT_WORKERS */
	int		 agent_long_workers;	/* AGENT_LONG_WORKERS */
	int		 auth_workers;		/* AUTH_WORKERS */
	int		 auth_long_workers;	/* AUTH_LONG_WORKERS */
	int		 pg_max_connections;	/* 0 = ask the server */
	const char	*agent_socket;		/* AGENT_SOCKET */
	const char	*agent_long_socket;	/* AGENT_LONG_SOCKET */
	const char	*auth_socket;		/* AUTH_SOCKET */
	const char	*auth_long_socket;	/* AUTH_LONG_SOCKET */
	const char	*socket_group;		/* SOCKET_GROUP or NULL */
	int		 db_prepare;		/* DB_PREPARED_STATEMENTS */
	const char	*auth_data_dir;		/* AUTH_DATA_DIR */
	const char	*auth_issuer;		/* AUTH_ISSUER */
	const char	*auth_key_id;		/* AUTH_KEY_ID */
	long		 auth_token_ttl;	/* AUTH_TOKEN_TTL seconds */
	const char	*agent_jwt_issuers;	/* AGENT_JWT_ISSUERS or NULL */
	const char	*agent_jwks_file;	/* AGENT_JWKS_FILE or NULL */
	const char	*model_provider;	/* MODEL_PROVIDER */
	const char	*model_base_url;	/* MODEL_BASE_URL */
	const char	*model_api_key;		/* MODEL_API_KEY or NULL */
	const char	*model_name;		/* MODEL_NAME */
	int		 model_connect_timeout_ms;	/* MODEL_... */
	int		 model_timeout_ms;	/* MODEL_..., per answer */
	int		 model_idle_timeout_ms;	/* MODEL_IDLE_TIMEOUT_MS */
	int		 model_tool_rounds;	/* MODEL_TOOL_ROUNDS */
	int		 model_history_tokens;	/* MODEL_HISTORY_TOKENS */
	const char	*model_prices;		/* MODEL_PRICES or NULL */
	int		 agent_retention_days;	/* AGENT_RETENTION_DAYS, 0 = off */
	int		 sse_heartbeat_sec;	/* SSE_HEARTBEAT_SEC */
	int		 db_slow_ms;		/* DB_SLOW_STATEMENT_MS, 0 = off */
};

/* Reads the environment. Every problem is written to err (one line
 * each, naming the variable); returns 0 when there were none. */
int	 conf_load(struct conf *, char *err, size_t errsz);
void	 conf_release(struct conf *);

/* Strips driver suffixes (postgresql+asyncpg:// ...) and maps
 * postgres:// to postgresql://. Returns a malloc'd string, or NULL
 * when in is not a PostgreSQL URL. */
char	*conf_dsn_normalize(const char *in);

/* The boot guard for one database URL. Returns 0 when it passes;
 * otherwise writes the reason to why. In development a failure is a
 * warning the caller prints; production callers refuse to start. */
int	 conf_boot_guard(const char *url, const char *var, char *why,
	    size_t whysz);

/* A setting by its offset in struct conf (a service's table of where
 * its socket, worker count and database URL are). */
#define CONF_STR(c, off)	(*(const char *const *)(const void *)	\
	((const char *)(c) + (off)))
#define CONF_INT(c, off)	(*(const int *)(const void *)		\
	((const char *)(c) + (off)))

/* The pool budget: every responder of both services + reserve must fit
 * max_connections. db is an open connection used to read the server's
 * settings when PG_MAX_CONNECTIONS is unset. 0 = fits; else why. */
int	 conf_pool_budget(const struct conf *, struct db *, char *why,
	    size_t whysz);

/* Parses the string as an int in [min, max]; 0 on success. */
int	 conf_int(const char *s, long min, long max, long *out);

/*
 * A price list "model=IN/OUT,model=IN/OUT" (MODEL_PRICES: USD per
 * million prompt and completion tokens). 0 and *in, *out set when list
 * prices model; -1 when it does not, or when list is NULL or malformed.
 */
int	 conf_price(const char *list, const char *model, double *in,
	    double *out);
/* 0 when list is a well-formed price list, else -1. */
int	 conf_prices_valid(const char *list);

#endif
