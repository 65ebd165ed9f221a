/*
 * Every size and count limit of the runtime, in one place.
 * Change a limit here, never as a bare number at the point of use.
 */
#ifndef CAPS_H
#define CAPS_H

#define BODY_MAX		(64 * 1024)	/* API.md §2: 413 beyond */
#define PARAMS_MAX		(128 * 1024)	/* sum of FastCGI params */
#define AUTH_HEADER_MAX		(100 * 1024)	/* API.md §2: JSON 401 */
#define REQID_MAX		64		/* client X-Request-Id */
#define JSON_DEPTH_MAX		32		/* nesting of a request body */
#define ROUTE_ARGS_MAX		4		/* {id} segments in a pattern */
#define ID_MAX			128		/* API.md §4: ids, ticket ids */
#define JSON_EXPECT_MAX		256		/* "must be ..." in a 400 */
#define ROUTES_MAX		64		/* routes/service (metrics) */
#define METRICS_SERIES_MAX	64		/* service counters/responder */
#define METRICS_HIST_MAX	16		/* service histograms/responder */
#define METRICS_KEY_MAX		160		/* name{labels} of one series */
#define PATH_MAX_LEN		2048		/* request path */
#define WORKERS_MAX		256		/* responders per master */
#define CONNS_MAX		64		/* kept nginx links/responder */
#define ARENA_CHUNK		(16 * 1024)	/* arena growth step */
#define TRIM_AFTER		(1024 * 1024)	/* arena bytes: give memory back */
#define DB_IDLE_PING_SEC	30		/* pre-ping after this idle */
#define DB_BUSY_SEC		1		/* reads skip the check within */
#define DB_STMTS_MAX		128		/* prepared per connection */
#define DB_COLS_MAX		32		/* entries of a column table */
#define DB_PIPELINE_MAX		16		/* steps of one db_pipeline() */
#define DB_LEAD_PARAMS_MAX	16		/* parameters of a db_lead() */
#define DB_TX_RETRIES		3		/* reruns after 40001/40P01 */
#define DB_TX_BACKOFF_MS	5		/* longest first rerun pause */
#define DB_RETRY_AFTER_SEC	5		/* Retry-After on 503 */
#define POOL_MARGIN		5		/* exporter, migrations, psql */
#define DRAIN_MAX		(1024 * 1024)	/* unread stdin we discard */
#define SSE_HEARTBEAT_MAX	300		/* SSE_HEARTBEAT_SEC ceiling */
#define RESPAWN_BACKOFF_MAX_MS	5000		/* crash-loop ceiling */

/* Model settings (conf.c) and the openai provider (agent/model/openai*) */
#define MODEL_TIMEOUT_MAX_MS	290000	/* below nginx's 300 s long lane */
#define MODEL_ROUNDS_MAX	8	/* MODEL_TOOL_ROUNDS ceiling */
#define MODEL_HISTORY_TOKENS_MAX 200000	/* MODEL_HISTORY_TOKENS ceiling */
#define MODEL_PRICE_MAX		1000000	/* USD per million tokens, above */
#define OPENAI_LINE_MAX		(256 * 1024)	/* one line of the stream */
#define OPENAI_BODY_MAX		(1024 * 1024)	/* an answer sent unstreamed */
#define OPENAI_ERRBODY_MAX	(16 * 1024)	/* an error body, read */
#define OPENAI_ERRMSG_MAX	200	/* bytes of the provider's message */
#define OPENAI_JSON_DEPTH	32	/* nesting of one chunk */
#define TOOL_CALLS_MAX		16	/* tool calls one answer runs,
					   each stored as a "tool" message */
#define OPENAI_ARGS_MAX		(16 * 1024)	/* one call's arguments */
#define OPENAI_NAME_MAX		64	/* a tool's name, an id: 256 */
#define OPENAI_ID_MAX		256

/* JSON Web Tokens and key sets (jwt.c) */
#define JWT_TOKEN_MAX		(16 * 1024)	/* longer tokens are refused */
#define JWT_HEADER_MAX		2048		/* decoded JOSE header bytes */
#define JWT_JSON_DEPTH		8		/* nesting in header/claims */
#define JWT_LEEWAY_SEC		60		/* exp and nbf clock skew */
#define JWT_KID_MAX		128		/* key id length */
#define JWT_SUB_MAX		255		/* subject length */
#define JWT_OWN_MAX		4		/* keys a service signs with */
#define JWT_KEYS_MAX		64		/* keys taken from the file */
#define JWT_JWKS_FILE_MAX	(1024 * 1024)	/* extra JWKS file size */
#define JWT_RSA_BITS_MIN	2048		/* smaller moduli refused */
#define JWT_RSA_BITS_MAX	8192		/* larger moduli refused */
#define JWT_RELOAD_SEC		1		/* stat the file this often */
#define JWT_VERIFIED_MAX	1024		/* verified tokens remembered
						   (40 bytes each) */
#define JWT_VERIFIED_WAYS	4		/* entries a token may take */

#endif
