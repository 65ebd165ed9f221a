/*
 * password.c: Argon2 PHC strings written by the reference `argon2`
 * command (the implementation argon2-cffi wraps) verify here, ours
 * verify with libargon2's own argon2id_verify(), wrong passwords fail,
 * legacy sha256(salt + password) rows (digests from sha256sum) verify,
 * and the rehash decision follows the parameters.
 */
#include <argon2.h>

#include "t.h"
#include "auth/password.c"

/* Hashes from `printf %s PW | argon2 SALT -id -t 3 -m 16 -p 4 -l 32 -e`
 * and the variants named beside them. */
static const struct {
	const char	*pw;
	const char	*phc;
	int		 weak;
} vectors[] = {
	{ "correct horse", "$argon2id$v=19$m=65536,t=3,p=4$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	    0 },
	/* -t 2 -m 12 -p 1 */
	{ "correct horse", "$argon2id$v=19$m=4096,t=2,p=1$"
	    "c2FsdHNhbHRzYWx0c2FsdA$KBJSI6BT3NyMAUsaKLL9Pzdt9MAPhw9LJEM85dOvTig",
	    1 },
	/* UTF-8 password, salt "anothersaltvalue" */
	{ "p\xc3\xa4sswo\xcc\x88rd", NULL, 0 },
	{ "p\xc3\xa4ssw\xc3\xb6rd \xc3\xbc", "$argon2id$v=19$m=65536,t=3,p=4$"
	    "YW5vdGhlcnNhbHR2YWx1ZQ$oj0t+HdMrrkci8lmhkxGLD54mFFZZ8eENTarqv9PpEY",
	    0 },
	/* -i -t 3 -m 12 -p 2: another type is re-hashed */
	{ "correct horse", "$argon2i$v=19$m=4096,t=3,p=2$"
	    "c2FsdHNhbHRzYWx0c2FsdA$B9f2QJXKqmSVyoalWKq5mdr6JZazlL/mAcTmSsY08r0",
	    1 },
	/* -v 10: the old version is re-hashed */
	{ "hunter22", "$argon2id$v=16$m=65536,t=3,p=4$"
	    "c29tZXNhbHRzb21lc2FsdA$YHdrDeSFQ4phryXPv7dk/eM7xZNPBoqnCKv+RtIx6lE",
	    1 },
};

/* Legacy rows: hex digests from `printf %s SALT''PW | sha256sum`. */
static const struct {
	const char	*salt;
	const char	*pw;
	const char	*hex;
} legacy[] = {
	{ "abc123", "hunter22",
	    "35bbc817ac26c40ff698614569379ae12f8e6f1198f0034bc1e65ea65c7ff0ed" },
	{ "5f1e", "correct horse battery",
	    "5c40fddceaa41d809df24289dfc106c048822b58fa3a6bbbcde8daf4aca495b9" },
	/* an upper-case digest is the same digest */
	{ "5f1e", "correct horse battery",
	    "5C40FDDCEAA41D809DF24289DFC106C048822B58FA3A6BBBCDE8DAF4ACA495B9" },
};

/* Stored forms that are no hash at all: never a match. */
static const char *const garbage[] = {
	"",
	"plain",
	"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA",
	"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA==$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"$argon2id$v=19$m=065536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"$argon2id$v=19$t=3,m=65536,p=4$c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"$argon2id$v=18$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"$argon2x$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"$argon2id$v=19$m=99999999,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUc"
	    "ACx9il4XPtXtFiDX3/ScRE4eQjOYNyM",
	"35bbc817ac26c40ff698614569379ae12f8e6f1198f0034bc1e65ea65c7ff0e",
	"35bbc817ac26c40ff698614569379ae12f8e6f1198f0034bc1e65ea65c7ff0edd",
	"35bbc817ac26c40ff698614569379ae12f8e6f1198f0034bc1e65ea65c7ff0eg",
};

static void
t_reference_vectors(void)
{
	size_t	 i;
	int	 rehash;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		if (vectors[i].phc == NULL)
			continue;
		rehash = -1;
		T_EQ(password_verify(vectors[i].pw, strlen(vectors[i].pw),
		    vectors[i].phc, "argon2", &rehash), E_OK);
		T_EQ(rehash, vectors[i].weak);
		T_EQ(password_weak(vectors[i].phc), vectors[i].weak);
		T_EQ(password_verify("correct horsf", 13, vectors[i].phc,
		    "argon2", &rehash), E_CREDENTIALS);
		T_EQ(password_verify("", 0, vectors[i].phc, "argon2",
		    &rehash), E_CREDENTIALS);
	}
	/* a near miss of the UTF-8 vector: another normalisation form */
	T_EQ(password_verify(vectors[2].pw, strlen(vectors[2].pw),
	    vectors[3].phc, "argon2", &rehash), E_CREDENTIALS);
	T_PASS("password: reference argon2 vectors verify, others do not");
}

static void
t_ours_verify_in_libargon2(void)
{
	char	 a[PASSWORD_PHC_MAX], b[PASSWORD_PHC_MAX];
	int	 rehash = -1;

	T_EQ(password_hash("s3cret pass", 11, a), E_OK);
	T_EQ(password_hash("s3cret pass", 11, b), E_OK);
	T_OK(strncmp(a, "$argon2id$v=19$m=65536,t=3,p=4$", 31) == 0);
	T_EQ(strlen(a), 31 + 22 + 1 + 43);	/* 16 and 32 bytes */
	T_OK(strcmp(a, b) != 0);		/* a fresh salt each time */
	T_EQ(argon2id_verify(a, "s3cret pass", 11), ARGON2_OK);
	T_EQ(argon2id_verify(a, "s3cret pasS", 11), ARGON2_VERIFY_MISMATCH);
	T_EQ(password_verify("s3cret pass", 11, a, "argon2", &rehash), E_OK);
	T_EQ(rehash, 0);
	T_EQ(password_weak(a), 0);
	T_EQ(password_verify("s3cret pas", 10, a, "argon2", &rehash),
	    E_CREDENTIALS);
	T_PASS("password: our hashes verify with argon2id_verify");
}

static void
t_threads_do_not_change_results(void)
{
	int	 rehash;

	size_t	 sz;
	uint8_t	*area;

	password_setup(1, 1);
	T_EQ(password_verify("correct horse", 13, vectors[0].phc, "argon2",
	    &rehash), E_OK);			/* no slot: plain malloc */
	T_EQ(hashcap_init(1, (size_t)PASSWORD_M * 1024), 0);
	T_EQ(hashcap_enter(0), E_OK);
	area = hashcap_area(&sz);
	T_OK(area != NULL && sz == (size_t)PASSWORD_M * 1024);
	memset(area, 0x5a, sz);
	password_setup(0, 1);
	T_EQ(password_verify("correct horse", 13, vectors[0].phc, "argon2",
	    &rehash), E_OK);			/* in the slot's area ... */
	T_OK(area[0] == 0 && area[sz - 1] == 0);	/* ... wiped after */
	T_OK(password_lent == NULL);
	memset(area, 0x5a, sz);
	password_setup(0, 0);
	T_EQ(password_verify("correct horse", 13, vectors[0].phc, "argon2",
	    &rehash), E_OK);
	T_OK(area[0] == 0x5a);			/* not used when told so */
	hashcap_leave();
	T_OK(hashcap_area(&sz) == NULL);
	T_PASS("password: one thread or four, slot work area or not");
}

static void
t_legacy(void)
{
	size_t	 i;
	int	 rehash;

	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		rehash = 0;
		T_EQ(password_verify(legacy[i].pw, strlen(legacy[i].pw),
		    legacy[i].hex, legacy[i].salt, &rehash), E_OK);
		T_EQ(rehash, 1);
		T_EQ(password_verify(legacy[i].pw, strlen(legacy[i].pw) - 1,
		    legacy[i].hex, legacy[i].salt, &rehash), E_CREDENTIALS);
		T_EQ(password_verify(legacy[i].pw, strlen(legacy[i].pw),
		    legacy[i].hex, "other", &rehash), E_CREDENTIALS);
	}
	T_PASS("password: legacy sha256(salt + password) rows");
}

static void
t_garbage(void)
{
	size_t	 i;
	int	 rehash = 0;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		T_EQ(password_verify("hunter22", 8, garbage[i], "abc123",
		    &rehash), E_CREDENTIALS);
		T_EQ(password_weak(garbage[i]), 1);
	}
	T_PASS("password: unreadable stored forms never match");
}

static void
t_weak_params(void)
{
	T_EQ(password_weak("$argon2id$v=19$m=65536,t=3,p=4$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"),
	    0);
	/* stronger than the defaults is kept */
	T_EQ(password_weak("$argon2id$v=19$m=131072,t=4,p=8$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"),
	    0);
	T_EQ(password_weak("$argon2id$v=19$m=32768,t=3,p=4$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"),
	    1);
	T_EQ(password_weak("$argon2id$v=19$m=65536,t=2,p=4$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"),
	    1);
	T_EQ(password_weak("$argon2id$v=19$m=65536,t=3,p=2$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"),
	    1);
	/* an 8-byte salt, a 16-byte hash */
	T_EQ(password_weak("$argon2id$v=19$m=65536,t=3,p=4$"
	    "c2FsdHNhbHQ$LeZbD3UAKvUcACx9il4XPtXtFiDX3/ScRE4eQjOYNyM"), 1);
	T_EQ(password_weak("$argon2id$v=19$m=65536,t=3,p=4$"
	    "c2FsdHNhbHRzYWx0c2FsdA$LeZbD3UAKvUcACx9il4XPg"), 1);
	T_PASS("password: rehash below the defaults only");
}

static void
t_dummy(void)
{
	/* the dummy check must work and leave the kept area usable */
	int	 rehash;

	password_dummy("whatever", 8);
	T_EQ(password_verify("correct horse", 13, vectors[0].phc, "argon2",
	    &rehash), E_OK);
	T_PASS("password: dummy check");
}

int
main(void)
{
	t_reference_vectors();
	t_ours_verify_in_libargon2();
	t_threads_do_not_change_results();
	t_legacy();
	t_garbage();
	t_weak_params();
	t_dummy();
	return 0;
}
