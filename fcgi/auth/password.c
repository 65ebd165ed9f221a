/*
 * Password hashing: Argon2id PHC strings with argon2-cffi's defaults
 * (so the Python service and this one read each other's rows), legacy
 * sha256(salt + password) rows compared in constant time, and the
 * rehash decision. Hashes run in the 64 MiB work area of the hash slot
 * the responder holds, reused between hashes (docs/auth.md has the
 * figures). No HTTP, no SQL;
 * a password is never logged and every copy of a digest is wiped.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "hashcap.h"
#include "log.h"
#include "password.h"

#define PASSWORD_M_MAX		(1024 * 1024)	/* KiB we agree to verify */
#define PASSWORD_T_MAX		64
#define PASSWORD_P_MAX		64
#define PASSWORD_BYTES_MAX	64		/* salt or hash in a PHC */
#define PASSWORD_LEGACY_LEN	64		/* hex sha256 */

/* An Argon2 PHC string taken apart. */
struct password_phc {
	argon2_type	 type;
	uint32_t	 v, m, t, p;
	uint8_t		 salt[PASSWORD_BYTES_MAX];
	size_t		 saltlen;
	uint8_t		 hash[PASSWORD_BYTES_MAX];
	size_t		 hashlen;
};

/* The PHC type names, indexed by argon2_type. */
static const char *const password_types[] = {
	[Argon2_d] = "$argon2d$",
	[Argon2_i] = "$argon2i$",
	[Argon2_id] = "$argon2id$",
};

static const char password_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static unsigned	 password_threads;	/* 0 = one per lane */
static int	 password_keep = 1;	/* hash in the slot's area */
static uint8_t	*password_lent;		/* that area, while libargon2 has it */

/*
 * libargon2's allocator hook: lends the work area of the hash slot
 * this responder holds (hashcap.c), so its pages are faulted in once
 * per slot, not once per hash, and hashing memory stays bounded by the
 * cap. Without a slot (tests, the CLI) it is a plain malloc.
 */
static int
password_alloc(uint8_t **mem, size_t n)
{
	uint8_t	*area;
	size_t	 sz;

	if (password_keep && password_lent == NULL &&
	    (area = hashcap_area(&sz)) != NULL && n <= sz) {
		password_lent = area;
		*mem = area;
		return 0;
	}
	*mem = malloc(n);
	return *mem == NULL ? -1 : 0;
}

/* libargon2's release hook; the library has wiped the area already. */
static void
password_free(uint8_t *mem, size_t n)
{

	(void)n;
	if (mem == password_lent)
		password_lent = NULL;
	else
		free(mem);
}

/* Sets the threads per hash (0: one per lane) and whether hashes use
 * the held slot's work area. */
void
password_setup(unsigned threads, int keep)
{

	password_threads = threads;
	password_keep = keep;
}

/* Unpadded standard base64 of src[0..n) into dst; returns the end. */
static char *
password_b64_encode(char *dst, const uint8_t *src, size_t n)
{
	size_t		 i;
	unsigned	 v;
	int		 bits;

	for (i = 0, v = 0, bits = 0; i < n; i++) {
		v = (v << 8 | src[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*dst++ = password_b64_alphabet[v >> bits & 63];
		}
	}
	if (bits > 0)
		*dst++ = password_b64_alphabet[v << (6 - bits) & 63];
	*dst = '\0';
	return dst;
}

/* Strict unpadded standard base64 of src[0..n); -1 when malformed. */
static int
password_b64_decode(uint8_t *dst, size_t dstsz, const char *src, size_t n,
    size_t *outlen)
{
	const char	*c;
	size_t		 i, o = 0;
	unsigned	 v = 0;
	int		 bits = 0;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		if (src[i] == '\0' ||
		    (c = strchr(password_b64_alphabet, src[i])) == NULL)
			return -1;
		v = (v << 6 | (unsigned)(c - password_b64_alphabet)) & 0xffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o >= dstsz)
				return -1;
			dst[o++] = v >> bits & 0xff;
		}
	}
	if (v & ((1u << bits) - 1))
		return -1;		/* non-canonical final bits */
	*outlen = o;
	return 0;
}

/* "name=" then a decimal without a leading zero, into *out. */
static const char *
password_phc_num(const char *s, const char *name, uint32_t *out)
{
	size_t		 n = strlen(name);
	unsigned long	 v = 0;

	if (strncmp(s, name, n) != 0 || s[n] != '=')
		return NULL;
	s += n + 1;
	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return NULL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v > UINT32_MAX)
			return NULL;
	}
	*out = (uint32_t)v;
	return s;
}

/* Decodes the "$salt$hash" tail of a PHC string. */
static int
password_phc_tail(const char *s, struct password_phc *ph)
{
	const char	*d;

	if (*s++ != '$' || (d = strchr(s, '$')) == NULL)
		return -1;
	if (password_b64_decode(ph->salt, sizeof(ph->salt), s,
	    (size_t)(d - s), &ph->saltlen) == -1 ||
	    password_b64_decode(ph->hash, sizeof(ph->hash), d + 1,
	    strlen(d + 1), &ph->hashlen) == -1)
		return -1;
	if (ph->saltlen < ARGON2_MIN_SALT_LENGTH ||
	    ph->hashlen < ARGON2_MIN_OUTLEN)
		return -1;
	return 0;
}

/*
 * Parses $argon2{d,i,id}$[v=N$]m=N,t=N,p=N$salt$hash as the reference
 * implementation writes it, within limits this service will compute.
 * 0 on success, -1 otherwise.
 */
static int
password_phc_parse(const char *s, struct password_phc *ph)
{
	size_t	 i, n;

	memset(ph, 0, sizeof(*ph));
	for (i = 0; i <= Argon2_id; i++) {
		n = strlen(password_types[i]);
		if (strncmp(s, password_types[i], n) == 0)
			break;
	}
	if (i > Argon2_id)
		return -1;
	ph->type = (argon2_type)i;
	s += n;
	ph->v = ARGON2_VERSION_10;
	if (strncmp(s, "v=", 2) == 0 &&
	    ((s = password_phc_num(s, "v", &ph->v)) == NULL || *s++ != '$'))
		return -1;
	if ((s = password_phc_num(s, "m", &ph->m)) == NULL || *s++ != ',' ||
	    (s = password_phc_num(s, "t", &ph->t)) == NULL || *s++ != ',' ||
	    (s = password_phc_num(s, "p", &ph->p)) == NULL)
		return -1;
	if ((ph->v != ARGON2_VERSION_10 && ph->v != ARGON2_VERSION_13) ||
	    ph->m > PASSWORD_M_MAX || ph->t < 1 || ph->t > PASSWORD_T_MAX ||
	    ph->p < 1 || ph->p > PASSWORD_P_MAX || ph->m < 8 * ph->p)
		return -1;
	return password_phc_tail(s, ph);
}

/* Runs Argon2 with ph's parameters and salt over pw into out. */
static int
password_argon2(const struct password_phc *ph, const char *pw, size_t len,
    uint8_t *out, size_t outlen)
{
	argon2_context	 c;
	int		 r;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.outlen = (uint32_t)outlen;
	c.pwd = (uint8_t *)(uintptr_t)pw;	/* never written: no flag */
	c.pwdlen = (uint32_t)len;
	c.salt = (uint8_t *)(uintptr_t)ph->salt;
	c.saltlen = (uint32_t)ph->saltlen;
	c.t_cost = ph->t;
	c.m_cost = ph->m;
	c.lanes = ph->p;
	c.threads = password_threads == 0 || password_threads > ph->p ?
	    ph->p : password_threads;
	c.version = ph->v;
	c.allocate_cbk = password_alloc;
	c.free_cbk = password_free;
	c.flags = ARGON2_DEFAULT_FLAGS;
	if ((r = argon2_ctx(&c, ph->type)) != ARGON2_OK) {
		log_error(NULL, "argon2: %s", argon2_error_message(r));
		return -1;
	}
	return 0;
}

/* The current defaults with a fresh random salt. */
static int
password_phc_new(struct password_phc *ph)
{

	memset(ph, 0, sizeof(*ph));
	ph->type = Argon2_id;
	ph->v = ARGON2_VERSION_13;
	ph->m = PASSWORD_M;
	ph->t = PASSWORD_T;
	ph->p = PASSWORD_P;
	ph->saltlen = PASSWORD_SALT_LEN;
	ph->hashlen = PASSWORD_HASH_LEN;
	return RAND_bytes(ph->salt, PASSWORD_SALT_LEN) == 1 ? 0 : -1;
}

/*
 * Hashes pw with the current defaults and a fresh salt into out as
 * $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>. E_OK or E_INTERNAL.
 */
enum err
password_hash(const char *pw, size_t len, char *out)
{
	struct password_phc	 ph;
	char			*p;
	enum err		 rc = E_INTERNAL;

	if (password_phc_new(&ph) == -1 ||
	    password_argon2(&ph, pw, len, ph.hash, ph.hashlen) == -1)
		goto out;
	p = out + snprintf(out, PASSWORD_PHC_MAX, "%sv=%u$m=%u,t=%u,p=%u$",
	    password_types[ph.type], ph.v, ph.m, ph.t, ph.p);
	p = password_b64_encode(p, ph.salt, ph.saltlen);
	*p++ = '$';
	password_b64_encode(p, ph.hash, ph.hashlen);
	rc = E_OK;
out:
	OPENSSL_cleanse(&ph, sizeof(ph));
	return rc;
}

/* 1 when ph is below the current defaults. */
static int
password_phc_weak(const struct password_phc *ph)
{

	return ph->type != Argon2_id || ph->v != ARGON2_VERSION_13 ||
	    ph->m < PASSWORD_M || ph->t < PASSWORD_T || ph->p < PASSWORD_P ||
	    ph->saltlen < PASSWORD_SALT_LEN || ph->hashlen < PASSWORD_HASH_LEN;
}

/* 1 when phc is weaker than the defaults or unreadable. */
int
password_weak(const char *phc)
{
	struct password_phc	 ph;

	return password_phc_parse(phc, &ph) == -1 || password_phc_weak(&ph);
}

/* 1 when s is exactly PASSWORD_LEGACY_LEN hex digits. */
static int
password_is_legacy(const char *s)
{
	size_t	 i;

	for (i = 0; i < PASSWORD_LEGACY_LEN; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	return s[i] == '\0';
}

/* sha256(salt + pw) as lowercase hex against the stored hex digest. */
static enum err
password_legacy(const char *pw, size_t len, const char *hash,
    const char *salt)
{
	unsigned char	 md[32];
	char		 hex[PASSWORD_LEGACY_LEN + 1];
	char		 want[PASSWORD_LEGACY_LEN];
	size_t		 i;
	unsigned	 mdlen = 0;
	EVP_MD_CTX	*mc;
	enum err	 rc = E_CREDENTIALS;

	if ((mc = EVP_MD_CTX_new()) == NULL)
		return E_CREDENTIALS;
	if (EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, salt, strlen(salt)) != 1 ||
	    EVP_DigestUpdate(mc, pw, len) != 1 ||
	    EVP_DigestFinal_ex(mc, md, &mdlen) != 1 || mdlen != sizeof(md))
		goto out;
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	for (i = 0; i < PASSWORD_LEGACY_LEN; i++)
		want[i] = (hash[i] >= 'A' && hash[i] <= 'F') ?
		    (char)(hash[i] - 'A' + 'a') : hash[i];
	if (CRYPTO_memcmp(hex, want, PASSWORD_LEGACY_LEN) == 0)
		rc = E_OK;
out:
	EVP_MD_CTX_free(mc);
	OPENSSL_cleanse(md, sizeof(md));
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

/*
 * Checks pw against a row: legacy hex digests by sha256, everything
 * else as an Argon2 PHC string. E_OK with *rehash, or E_CREDENTIALS.
 */
enum err
password_verify(const char *pw, size_t len, const char *hash,
    const char *salt, int *rehash)
{
	struct password_phc	 ph;
	uint8_t			 got[PASSWORD_BYTES_MAX];
	enum err		 rc = E_CREDENTIALS;

	if (password_is_legacy(hash)) {
		if ((rc = password_legacy(pw, len, hash, salt)) == E_OK)
			*rehash = 1;
		return rc;
	}
	if (password_phc_parse(hash, &ph) == -1) {
		log_warn(NULL, "password: a stored hash is in no known form");
		password_dummy(pw, len);
		return E_CREDENTIALS;
	}
	if (password_argon2(&ph, pw, len, got, ph.hashlen) == 0 &&
	    CRYPTO_memcmp(got, ph.hash, ph.hashlen) == 0) {
		*rehash = password_phc_weak(&ph);
		rc = E_OK;
	}
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(&ph, sizeof(ph));
	return rc;
}

/* One hash at the current defaults whose result is thrown away. */
void
password_dummy(const char *pw, size_t len)
{
	struct password_phc	 ph;
	uint8_t			 got[PASSWORD_HASH_LEN];

	if (password_phc_new(&ph) == 0)
		(void)password_argon2(&ph, pw, len, got, sizeof(got));
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(&ph, sizeof(ph));
}
