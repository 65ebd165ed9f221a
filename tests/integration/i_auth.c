/*
 * The auth service against a real PostgreSQL: init_db on a fresh
 * database, twice, on a table missing columns and on rows without a
 * sub; the users repository; the login check (legacy and weak Argon2
 * rows re-hashed by conditional writes, no row lock held, unknown
 * emails refused); the conditional password write and the revocation
 * rule; the failure throttle, its reservation raced by forked
 * processes; and two processes signing up the same email at once.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "db.h"
#include "t.h"
#include "tpg.h"

#include "auth/login.c"
#include "auth/me.c"
#include "auth/init_db.h"

/* The schema as information_schema and pg_indexes describe it. */
#define SCHEMA_SQL \
	"SELECT string_agg(column_name || ' ' || data_type || ' ' ||" \
	" coalesce(column_default, '-'), ', ' ORDER BY column_name)" \
	" || ' | ' || (SELECT string_agg(indexdef, ', ' ORDER BY indexname)" \
	" FROM pg_indexes WHERE tablename = 'auth_server_users')" \
	" FROM information_schema.columns" \
	" WHERE table_name = 'auth_server_users'"

/* The columns with their defaults and nullability, types aside: an
 * older table keeps the types it was made with. */
#define COLUMNS_SQL \
	"SELECT string_agg(column_name || ' ' || is_nullable || ' ' ||" \
	" coalesce(column_default, '-'), ', ' ORDER BY column_name)" \
	" FROM information_schema.columns" \
	" WHERE table_name = 'auth_server_users'"

#define ROWS_SQL \
	"SELECT coalesce(string_agg(id || email || hash || salt ||" \
	" coalesce(sub::text, '-') || coalesce(location, '-'), ','" \
	" ORDER BY id), '') FROM auth_server_users"

static char		*dsn;
static struct arena	 a;

/* The scalar answer of s, in the arena. */
static const char *
val(const char *s)
{
	char		*v;
	const char	*r;

	v = tpg_scalar(dsn, s);
	r = arena_strdup(&a, v != NULL ? v : "(null)");
	free(v);
	return r;
}

static void
t_init_fresh(struct db *db)
{
	const char	*schema, *rows;

	T_EQ(auth_init_db(db), E_OK);
	schema = val(SCHEMA_SQL);
	/* auth_server.py's table: text sub, bigint id, its own indexes */
	T_OK(strstr(schema, "sub text -") != NULL);
	T_OK(strstr(schema, "id bigint nextval(") != NULL);
	T_OK(strstr(schema, "created_at timestamp with time zone now()") !=
	    NULL);
	T_OK(strstr(schema, "location text ''::text") != NULL);
	T_OK(strstr(schema, "auth_server_users_email_key ON "
	    "public.auth_server_users USING btree (email)") != NULL);
	T_OK(strstr(schema, "auth_server_users_sub_key ON "
	    "public.auth_server_users USING btree (sub)") != NULL);
	T_OK(strstr(schema, "lower(") == NULL);
	/* this service's own column, added after auth_server.py's ten */
	T_OK(strstr(schema, "password_changed_at timestamp with time zone -")
	    != NULL);
	T_STR(val("SELECT ordinal_position || is_nullable FROM"
	    " information_schema.columns WHERE table_name ="
	    " 'auth_server_users' AND column_name = 'password_changed_at'"),
	    "11YES");
	T_STR(val("SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 'auth_server_users'"), "11");
	T_STR(val("SELECT to_regclass('auth_login_throttle') IS NOT NULL"),
	    "t");
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt, sub)"
	    " VALUES ('a@x.org', 'h', 's', gen_random_uuid()::text)");
	rows = val(ROWS_SQL);
	T_EQ(auth_init_db(db), E_OK);
	T_STR(val(SCHEMA_SQL), schema);
	T_STR(val(ROWS_SQL), rows);
	T_PASS("auth init_db: fresh database, and twice changes nothing");
}

static void
t_init_partial(struct db *db)
{
	const char	*cols;

	cols = val(COLUMNS_SQL);
	tpg_exec(dsn, "DROP TABLE auth_server_users");
	tpg_exec(dsn, "CREATE TABLE auth_server_users (id serial PRIMARY KEY,"
	    " email text NOT NULL, hash text NOT NULL, salt text NOT NULL,"
	    " full_name text)");
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt)"
	    " VALUES ('old1@x.org', 'h1', 's1'), ('old2@x.org', 'h2', 's2')");
	T_EQ(auth_init_db(db), E_OK);
	T_STR(val(COLUMNS_SQL), cols);
	T_STR(val("SELECT count(DISTINCT sub) FROM auth_server_users"), "2");
	T_STR(val("SELECT string_agg(location, ',') FROM auth_server_users"),
	    ",");
	T_PASS("auth init_db: adds missing columns and backfills sub");

	tpg_exec(dsn, "UPDATE auth_server_users SET sub = NULL"
	    " WHERE email = 'old1@x.org'");
	T_STR(val("SELECT count(*) FROM auth_server_users WHERE sub IS NULL"),
	    "1");
	T_EQ(auth_init_db(db), E_OK);
	T_STR(val("SELECT count(*) FROM auth_server_users WHERE sub IS NULL"),
	    "0");
	T_STR(val("SELECT count(DISTINCT sub) FROM auth_server_users"), "2");
	T_PASS("auth init_db: rows without sub get a fresh one");

	tpg_exec(dsn, "ALTER TABLE auth_server_users RENAME TO keep_users");
	tpg_exec(dsn, "CREATE TABLE auth_server_users (id serial PRIMARY KEY,"
	    " email text NOT NULL, hash text NOT NULL)");
	T_EQ(auth_init_db(db), E_DB);
	T_OK(!db->in_tx);
	tpg_exec(dsn, "DROP TABLE auth_server_users");
	tpg_exec(dsn, "ALTER TABLE keep_users RENAME TO auth_server_users");
	T_EQ(auth_init_db(db), E_OK);
	T_PASS("auth init_db: a foreign table without salt is refused");
}

static void
t_users(struct db *db)
{
	struct auth_profile	 pf = { "Bea", NULL, "https://x.org/b.png" };
	struct auth_user	 u, v;
	int			 exists = -1;

	T_EQ(repo_users_create(db, &a, "bea@x.org", "$argon2id$h", &pf, &u),
	    E_OK);
	T_STR(u.email, "bea@x.org");
	T_STR(u.salt, "argon2");
	T_STR(u.location, "");
	T_OK(u.sub != NULL && strlen(u.sub) == 36);
	T_OK(u.created_at != NULL && strlen(u.created_at) == 20 &&
	    u.created_at[19] == 'Z');
	T_OK(u.stripe_customer_id == NULL);
	T_EQ(repo_users_create(db, &a, "bea@x.org", "$argon2id$h", &pf, &v),
	    E_CONFLICT);
	T_EQ(repo_users_exists(db, "bea@x.org", &exists), E_OK);
	T_EQ(exists, 1);
	T_EQ(repo_users_exists(db, "nobody@x.org", &exists), E_OK);
	T_EQ(exists, 0);
	T_EQ(repo_users_get(db, &a, USERS_SUB, u.sub, &v), E_OK);
	T_STR(v.id, u.id);
	T_STR(v.full_name, "Bea");
	T_EQ(repo_users_get(db, &a, USERS_SUB,
	    "00000000-0000-4000-8000-000000000000", &v), E_NOTFOUND);
	pf.full_name = NULL;
	pf.location = "Lyon";
	pf.profile_photo_url = NULL;
	T_EQ(repo_users_update(db, &a, u.sub, 0, &pf, &v), E_OK);
	T_STR(v.full_name, "Bea");
	T_STR(v.location, "Lyon");
	T_STR(v.profile_photo_url, "https://x.org/b.png");
	T_PASS("auth repo_users: create, conflict, lookups, update");
}

/* A request of our own for the handlers' helpers; claims c (may be
 * NULL) as the bearer's. */
static void
request(struct req *rq, struct db *db, const char *sub,
    struct jwt_claims *c)
{

	memset(rq, 0, sizeof(*rq));
	rq->db = db;
	rq->a = &a;
	rq->uid = sub;
	rq->auth = c;
	snprintf(rq->reqid, sizeof(rq->reqid), "i_auth");
}

/* login_check() as the handler runs it. */
static enum err
login(struct db *db, const char *email, const char *pw,
    struct auth_user *u)
{
	struct req	 rq;
	time_t		 t0 = time(NULL), iat = 0;
	enum err	 e;

	request(&rq, db, NULL, NULL);
	e = login_check(&rq, email, pw, u, &iat);
	T_OK(iat >= t0 && iat <= time(NULL));
	return e;
}

static void
t_login(struct db *db)
{
	struct auth_user	 u;
	const char		*h;

	/* sha256('abc123' || 'hunter22'), from sha256sum */
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt)"
	    " VALUES ('legacy@x.org', '35bbc817ac26c40ff698614569379ae12f8e6f"
	    "1198f0034bc1e65ea65c7ff0ed', 'abc123')");
	T_EQ(login(db, "legacy@x.org", "hunter23", &u), E_CREDENTIALS);
	T_STR(val("SELECT salt FROM auth_server_users"
	    " WHERE email = 'legacy@x.org'"), "abc123");
	T_EQ(login(db, "legacy@x.org", "hunter22", &u), E_OK);
	T_OK(u.sub != NULL);
	T_STR(val("SELECT salt FROM auth_server_users"
	    " WHERE email = 'legacy@x.org'"), "argon2");
	h = val("SELECT hash FROM auth_server_users"
	    " WHERE email = 'legacy@x.org'");
	T_OK(strncmp(h, "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
	T_EQ(login(db, "legacy@x.org", "hunter22", &u), E_OK);
	T_STR(val("SELECT hash FROM auth_server_users"
	    " WHERE email = 'legacy@x.org'"), h);	/* no second rehash */
	T_OK(!db->in_tx);
	T_PASS("auth login: a legacy row is re-hashed by a conditional write");

	/* `argon2 saltsaltsaltsalt -id -t 2 -m 12 -p 1 -l 32` */
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt)"
	    " VALUES ('weak@x.org', '$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhb"
	    "HRzYWx0c2FsdA$KBJSI6BT3NyMAUsaKLL9Pzdt9MAPhw9LJEM85dOvTig',"
	    " 'argon2')");
	T_EQ(login(db, "weak@x.org", "correct horse", &u), E_OK);
	T_OK(strncmp(val("SELECT hash FROM auth_server_users WHERE email ="
	    " 'weak@x.org'"), "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
	/* the same tool with argon2-cffi's defaults: kept as it is */
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt)"
	    " VALUES ('ref@x.org', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhb"
	    "HRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM',"
	    " 'argon2')");
	T_EQ(login(db, "ref@x.org", "correct horse ", &u), E_CREDENTIALS);
	T_EQ(login(db, "ref@x.org", "correct horse", &u), E_OK);
	T_STR(val("SELECT hash FROM auth_server_users WHERE email ="
	    " 'ref@x.org'"), "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0"
	    "c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM");
	T_EQ(login(db, "nobody@x.org", "correct horse", &u), E_CREDENTIALS);
	T_EQ(login(db, "weak@x.org", "correct horsE", &u), E_CREDENTIALS);
	T_OK(!db->in_tx);
	T_PASS("auth login: weak argon2 re-hashed, reference hash kept");
}

/* Reserves an attempt as the handlers do; E_OK, E_RATE, or the error. */
static enum err
reserve(struct db *db, long emax, long amax, const char *ekey,
    const char *akey, struct throttle_hold *h, long *after)
{
	struct throttle_limits	 lim;

	lim.window = 900;
	lim.max[THROTTLE_EMAIL] = emax;
	lim.max[THROTTLE_ADDR] = amax;
	return repo_throttle_reserve(db, &a, &lim, ekey, akey, h, after);
}

/* The count of key, or "-" when it has no row. */
static const char *
failures(const char *key)
{

	return val(arena_printf(&a, "SELECT coalesce((SELECT failures::text"
	    " FROM auth_login_throttle WHERE key = '%s'), '-')", key));
}

static void
t_throttle(struct db *db)
{
	struct throttle_hold	 h, hu;
	long			 after = 0;
	int			 i;

	for (i = 0; i < 5; i++)
		T_EQ(reserve(db, 5, 20, "e:t@x.org", "a:10.0.0.1", &h, &after),
		    E_OK);
	T_STR(failures("e:t@x.org"), "5");
	T_EQ(reserve(db, 5, 20, "e:t@x.org", "a:10.0.0.1", &h, &after),
	    E_RATE);
	T_OK(after > 890 && after <= 900);
	/* refused, so counted nowhere: the transaction rolled back */
	T_STR(failures("e:t@x.org"), "5");
	T_STR(failures("a:10.0.0.1"), "5");
	T_OK(!db->in_tx);
	/* another email from the same address is still let through */
	T_EQ(reserve(db, 5, 20, "e:u@x.org", "a:10.0.0.1", &hu, &after),
	    E_OK);
	T_STR(failures("a:10.0.0.1"), "6");
	/* the address limit applies to every email */
	T_EQ(reserve(db, 5, 6, "e:v@x.org", "a:10.0.0.1", &h, &after),
	    E_RATE);
	T_STR(failures("e:v@x.org"), "-");
	/* a limit of 0 is off */
	T_EQ(reserve(db, 0, 0, "e:t@x.org", "a:10.0.0.1", &h, &after), E_OK);
	T_STR(failures("e:t@x.org"), "6");
	T_PASS("auth throttle: reserved per email and per address, a refusal "
	    "counts nothing");

	/* a right password: the email's counter goes, the address's
	 * attempt is given back */
	T_EQ(repo_throttle_pass(db, &hu), E_OK);
	T_STR(failures("e:u@x.org"), "-");
	T_STR(failures("a:10.0.0.1"), "6");
	/* no check at all (an error): given back on both keys */
	T_EQ(reserve(db, 5, 20, "e:w@x.org", "a:10.0.0.1", &h, &after), E_OK);
	T_STR(failures("a:10.0.0.1"), "7");
	T_EQ(repo_throttle_cancel(db, &h), E_OK);
	T_STR(failures("e:w@x.org"), "0");
	T_STR(failures("a:10.0.0.1"), "6");
	/* nothing given back into a window that started again since */
	T_EQ(reserve(db, 5, 20, "e:w@x.org", "a:10.0.0.9", &h, &after), E_OK);
	tpg_exec(dsn, "UPDATE auth_login_throttle SET window_start ="
	    " window_start + interval '1 second' WHERE key = 'e:w@x.org'");
	T_EQ(repo_throttle_cancel(db, &h), E_OK);
	T_STR(failures("e:w@x.org"), "1");
	T_STR(failures("a:10.0.0.9"), "0");
	T_PASS("auth throttle: a right password clears the email and gives "
	    "the address back, an error gives both back");

	tpg_exec(dsn, "UPDATE auth_login_throttle SET window_start ="
	    " now() - interval '901 seconds'");
	T_EQ(reserve(db, 5, 20, "e:t@x.org", "a:10.0.0.2", &h, &after), E_OK);
	T_STR(failures("e:t@x.org"), "1");
	T_EQ(repo_throttle_prune(db, 900), E_OK);
	T_STR(val("SELECT count(*) FROM auth_login_throttle"), "2");
	T_PASS("auth throttle: a passed window starts again, old rows go");
}

/* One child's reservation, after the parent opens the gate: exits 0
 * when let through (the attempt stays counted, as a wrong password
 * leaves it), 1 when refused. */
static void
reserve_child(int gate, const char *ekey, const char *akey, long emax,
    long amax)
{
	struct throttle_limits	 lim;
	struct throttle_hold	 h;
	struct arena		 ca;
	struct db		 cdb;
	long			 after = 0;
	char			 c;
	enum err		 e;

	arena_init(&ca);
	lim.window = 900;
	lim.max[THROTTLE_EMAIL] = emax;
	lim.max[THROTTLE_ADDR] = amax;
	if (db_open(&cdb, dsn) != E_OK)
		_exit(3);
	if (read(gate, &c, 1) != 1)
		_exit(4);
	e = repo_throttle_reserve(&cdb, &ca, &lim, ekey, akey, &h, &after);
	db_close(&cdb);
	_exit(e == E_OK ? 0 : e == E_RATE ? 1 : 2);
}

#define RACE_N	20

/* RACE_N processes reserve at once (each its own email, ekey + "-"
 * + its number, when each is 1); how many were let through. */
static int
race(const char *ekey, int each, const char *akey, long emax, long amax)
{
	pid_t	 pid[RACE_N];
	char	 go[RACE_N];
	int	 gate[2], st, i, ok = 0, refused = 0;

	T_EQ(pipe(gate), 0);
	for (i = 0; i < RACE_N; i++) {
		T_OK((pid[i] = fork()) != -1);
		if (pid[i] == 0) {
			close(gate[1]);
			reserve_child(gate[0], each ? arena_printf(&a,
			    "%s-%d", ekey, i) : ekey, akey, emax, amax);
		}
	}
	close(gate[0]);
	usleep(300 * 1000);		/* every child connected */
	memset(go, 'g', sizeof(go));
	T_EQ(write(gate[1], go, sizeof(go)), RACE_N);
	close(gate[1]);
	for (i = 0; i < RACE_N; i++) {
		T_EQ(waitpid(pid[i], &st, 0), pid[i]);
		T_OK(WIFEXITED(st) && WEXITSTATUS(st) <= 1);
		ok += WEXITSTATUS(st) == 0;
		refused += WEXITSTATUS(st) == 1;
	}
	T_EQ(ok + refused, RACE_N);
	return ok;
}

static void
t_throttle_race(void)
{
	int	 round;

	for (round = 0; round < 3; round++) {
		T_EQ(race(arena_printf(&a, "e:race%d@x.org", round), 0,
		    arena_printf(&a, "a:10.1.0.%d", round), 5, 20), 5);
		T_STR(failures(arena_printf(&a, "e:race%d@x.org", round)),
		    "5");
		T_STR(failures(arena_printf(&a, "a:10.1.0.%d", round)), "5");
	}
	T_PASS("auth throttle: 20 processes guessing one email at once, "
	    "exactly the limit let through");
	T_EQ(race("e:many@x.org", 1, "a:10.2.0.1", 5, 7), 7);
	T_STR(failures("a:10.2.0.1"), "7");
	T_STR(val("SELECT count(*) FROM auth_login_throttle"
	    " WHERE key LIKE 'e:many%'"), "7");
	T_PASS("auth throttle: 20 processes from one address at once, "
	    "exactly the address limit let through");
}

/* A statement of the tests' own (not a repository's). */
static enum err
t_stmt(struct db *db, const char *name, const char *sql, const char *p1)
{
	struct stmt	 st = { name, p1 != NULL, sql, S_DIRECT };
	const char	*p[1] = { p1 };

	return db_exec(db, &st, p1 != NULL ? p : NULL);
}

static void
t_no_lock(struct db *db)
{
	struct auth_user	 u;
	struct db		 other;
	struct req		 rq;

	/* another transaction holds the row: the login only reads it */
	T_EQ(db_open(&other, dsn), E_OK);
	T_EQ(db_begin(&other), E_OK);
	T_EQ(t_stmt(&other, "t_lock", "SELECT 1 FROM auth_server_users"
	    " WHERE email = $1 FOR UPDATE", "ref@x.org"), E_OK);
	T_EQ(t_stmt(db, "t_lock_timeout", "SET lock_timeout = '3s'", NULL),
	    E_OK);
	T_EQ(login(db, "ref@x.org", "correct horse", &u), E_OK);
	T_EQ(t_stmt(db, "t_lock_reset", "RESET lock_timeout", NULL), E_OK);
	db_rollback(&other);
	db_close(&other);
	T_PASS("auth login: no row lock while hashing (a locked row still "
	    "logs in)");

	/* a re-hash is written only over the hash that was checked */
	tpg_exec(dsn, "INSERT INTO auth_server_users (email, hash, salt)"
	    " VALUES ('legacy2@x.org', '35bbc817ac26c40ff698614569379ae12f8e6f"
	    "1198f0034bc1e65ea65c7ff0ed', 'abc123')");
	request(&rq, db, NULL, NULL);
	T_EQ(repo_users_get(db, &a, USERS_EMAIL, "legacy2@x.org", &u), E_OK);
	tpg_exec(dsn, "UPDATE auth_server_users SET hash = 'meanwhile'"
	    " WHERE email = 'legacy2@x.org'");
	T_EQ(repo_users_rehash(db, u.id, u.hash, "$argon2id$x"), E_CONFLICT);
	T_EQ(login_upgrade(&rq, &u, "$argon2id$x"), E_OK);
	T_STR(val("SELECT hash || salt FROM auth_server_users"
	    " WHERE email = 'legacy2@x.org'"), "meanwhileabc123");
	u.hash = "meanwhile";
	T_EQ(login_upgrade(&rq, &u, "$argon2id$x"), E_OK);
	T_STR(val("SELECT hash || salt FROM auth_server_users"
	    " WHERE email = 'legacy2@x.org'"), "$argon2id$xargon2");
	T_PASS("auth login: the re-hash is a write conditional on the "
	    "checked hash");
}

static void
t_password_write(struct db *db)
{
	struct auth_profile	 pf = { NULL, NULL, NULL };
	struct auth_user	 u, stale;
	struct req		 rq;
	char			 phc[PASSWORD_PHC_MAX];
	time_t			 t0;

	T_EQ(password_hash("old password 1", 14, phc), E_OK);
	T_EQ(repo_users_create(db, &a, "pw@x.org", phc, &pf, &u), E_OK);
	request(&rq, db, u.sub, NULL);
	T_EQ(me_password_change(&rq, &u, "old password 2", "new password 2"),
	    E_CREDENTIALS);
	T_STR(val("SELECT count(*) FROM auth_server_users WHERE email ="
	    " 'pw@x.org' AND password_changed_at IS NULL"), "1");
	stale = u;
	t0 = time(NULL);
	T_EQ(me_password_change(&rq, &u, "old password 1", "new password 2"),
	    E_OK);
	T_OK(atol(val("SELECT extract(epoch FROM password_changed_at)"
	    "::bigint FROM auth_server_users WHERE email = 'pw@x.org'")) >=
	    t0);
	T_OK(atol(val("SELECT extract(epoch FROM password_changed_at)"
	    "::bigint FROM auth_server_users WHERE email = 'pw@x.org'")) <=
	    time(NULL));
	T_EQ(repo_users_get(db, &a, USERS_SUB, u.sub, &u), E_OK);
	T_OK(strcmp(u.hash, stale.hash) != 0);
	/* a change that checked the hash before the first one wrote */
	T_EQ(me_password_change(&rq, &stale, "old password 1",
	    "new password 3"), E_CONFLICT);
	T_EQ(repo_users_get(db, &a, USERS_SUB, u.sub, &stale), E_OK);
	T_STR(stale.hash, u.hash);
	T_EQ(repo_users_set_password(db, &a, u.id, u.hash, "$argon2id$y",
	    1700000000), E_OK);
	T_STR(val("SELECT extract(epoch FROM password_changed_at)::bigint"
	    " || salt FROM auth_server_users WHERE email = 'pw@x.org'"),
	    "1700000000argon2");
	T_PASS("auth password change: a write conditional on the checked "
	    "hash, 409 when another came first, the change's second kept");
}

/* repo_users_current() for pw@x.org at iat: E_OK or E_NOTFOUND. */
static enum err
current(struct db *db, const char *sub, int64_t iat)
{
	struct auth_user	 u;

	return repo_users_current(db, &a, sub, iat, &u);
}

static void
t_revocation(struct db *db)
{
	struct auth_profile	 pf = { NULL, "Oslo", NULL };
	struct auth_user	 u, v;
	struct jwt_claims	 c;
	struct req		 rq;

	/* changed at 1700000000 (t_password_write) */
	T_EQ(repo_users_get(db, &a, USERS_EMAIL, "pw@x.org", &u), E_OK);
	T_EQ(current(db, u.sub, 1699999999), E_NOTFOUND);
	T_EQ(current(db, u.sub, 1700000000), E_OK);	/* same second */
	T_EQ(current(db, u.sub, 1700000001), E_OK);
	T_EQ(current(db, u.sub, INT64_MAX), E_OK);
	T_EQ(current(db, u.sub, INT64_MIN), E_NOTFOUND);
	T_EQ(repo_users_update(db, &a, u.sub, 1699999999, &pf, &v),
	    E_NOTFOUND);
	T_STR(val("SELECT location FROM auth_server_users"
	    " WHERE email = 'pw@x.org'"), "");
	T_EQ(repo_users_update(db, &a, u.sub, 1700000000, &pf, &v), E_OK);
	T_STR(v.location, "Oslo");
	/* a fraction of a second counts as its whole second */
	tpg_exec(dsn, "UPDATE auth_server_users SET password_changed_at ="
	    " to_timestamp(1700000000.75) WHERE email = 'pw@x.org'");
	T_EQ(current(db, u.sub, 1700000000), E_OK);
	T_EQ(current(db, u.sub, 1699999999), E_NOTFOUND);
	/* never changed: every token of the account stands */
	T_EQ(repo_users_get(db, &a, USERS_EMAIL, "bea@x.org", &v), E_OK);
	T_EQ(current(db, v.sub, 0), E_OK);
	T_PASS("auth revocation: a token of an earlier second than the "
	    "change is refused, of the same second or later kept");

	memset(&c, 0, sizeof(c));
	c.iat = 1699999999;
	request(&rq, db, u.sub, &c);
	T_EQ(me_iat(&rq), 1699999999);
	T_EQ(me_why(&rq, E_NOTFOUND), E_UNAUTH);
	T_EQ(me_why(&rq, E_OK), E_OK);
	T_EQ(me_why(&rq, E_DBDOWN), E_DBDOWN);
	request(&rq, db, "00000000-0000-4000-8000-000000000000", &c);
	T_EQ(me_why(&rq, E_NOTFOUND), E_NOTFOUND);
	request(&rq, db, u.sub, NULL);
	T_EQ(me_iat(&rq), 0);
	T_PASS("auth revocation: a refused token is 401, a gone row 404");
}

/* Ends db's server session from another connection and waits for it,
 * as a PostgreSQL restart does to every idle responder. */
static void
drop_session(struct db *db)
{
	char	*r;

	r = tpg_scalar(dsn, arena_printf(&a, "SELECT pg_terminate_backend(%d,"
	    " 5000)", PQbackendPID(db->conn)));
	T_STR(r, "t");
	free(r);
}

static void
t_dropped(struct db *db)
{
	struct throttle_hold	 h;
	struct auth_user	 u;
	unsigned long		 before = db->reconnects;
	long			 after = 0;

	drop_session(db);
	T_EQ(login(db, "legacy@x.org", "hunter22", &u), E_OK);
	drop_session(db);
	T_EQ(reserve(db, 5, 20, "e:d@x.org", "a:10.0.0.3", &h, &after), E_OK);
	T_STR(val("SELECT failures FROM auth_login_throttle"
	    " WHERE key = 'e:d@x.org'"), "1");
	T_EQ(db->reconnects, before + 2);
	T_PASS("auth login and throttle writes after the server ended the "
	    "session");
}

/* One child's signup of email, after the parent opens the gate. */
static void
signup_child(int gate, const char *email)
{
	struct auth_profile	 pf = { NULL, NULL, NULL };
	struct auth_user	 u;
	struct arena		 ca;
	struct db		 db;
	char			 c;
	enum err		 e;

	arena_init(&ca);
	if (db_open(&db, dsn) != E_OK)
		_exit(3);
	if (read(gate, &c, 1) != 1)
		_exit(4);
	e = repo_users_create(&db, &ca, email, "$argon2id$x", &pf, &u);
	db_close(&db);
	_exit(e == E_OK ? 0 : e == E_CONFLICT ? 1 : 2);
}

static void
t_concurrent_signup(void)
{
	const char	*email;
	pid_t		 pid[2];
	int		 gate[2], st, i, round, ok, conflict;

	for (round = 0; round < 10; round++) {
		email = arena_printf(&a, "race%d@x.org", round);
		T_EQ(pipe(gate), 0);
		for (i = 0; i < 2; i++) {
			T_OK((pid[i] = fork()) != -1);
			if (pid[i] == 0) {
				close(gate[1]);
				signup_child(gate[0], email);
			}
		}
		close(gate[0]);
		T_EQ(write(gate[1], "gg", 2), 2);
		close(gate[1]);
		ok = conflict = 0;
		for (i = 0; i < 2; i++) {
			T_EQ(waitpid(pid[i], &st, 0), pid[i]);
			T_OK(WIFEXITED(st));
			ok += WEXITSTATUS(st) == 0;
			conflict += WEXITSTATUS(st) == 1;
		}
		T_EQ(ok, 1);
		T_EQ(conflict, 1);
		T_STR(val(arena_printf(&a, "SELECT count(*) FROM"
		    " auth_server_users WHERE email = 'race%d@x.org'",
		    round)), "1");
	}
	T_PASS("auth signup: two processes, one email, exactly one row");
}

int
main(void)
{
	struct db	 db;

	arena_init(&a);
	dsn = tpg_fresh_db("auth");
	T_EQ(db_open(&db, dsn), E_OK);
	t_init_fresh(&db);
	t_init_partial(&db);
	/* The rest runs on auth_server.py's table as init_db makes it. */
	tpg_exec(dsn, "DROP TABLE auth_server_users");
	T_EQ(auth_init_db(&db), E_OK);
	t_users(&db);
	t_login(&db);
	t_no_lock(&db);
	t_password_write(&db);
	t_revocation(&db);
	t_throttle(&db);
	t_throttle_race();
	t_dropped(&db);
	t_concurrent_signup();
	db_close(&db);
	tpg_drop_db(dsn);
	free(dsn);
	arena_release(&a);
	return 0;
}
