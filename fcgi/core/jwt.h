/*
 * JSON Web Tokens as the services use them: base64url (RFC 4648 §5,
 * strict), RS256 signatures (RFC 7515, RFC 7518 §3.3), RSA public JWKs
 * (RFC 7517) and a trusted key set, looked up by kid only, that follows
 * an extra JWKS file as it changes (API.md §3, §4, §6).
 * No HTTP and no database here.
 */
#ifndef JWT_H
#define JWT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "caps.h"
#include "err.h"

struct arena;
struct jwt_verified;

/* Encoded length of n bytes, without padding or NUL. */
#define JWT_B64URL_LEN(n)	(((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* A verification key: kid, the public key and its JWK as served. */
struct jwt_key {
	char			*kid;
	EVP_PKEY		*pk;
	struct json_object	*jwk;
};

/*
 * The trusted keys: the service's own, then those of an optional JWKS
 * file. The file's keys are replaced whenever its identity (device,
 * inode, size, mtime) changes, checked at most every JWT_RELOAD_SEC;
 * a file that cannot be used is logged and the last good keys stay.
 * A missing file means no extra keys.
 */
struct jwt_keyset {
	struct jwt_key	 own[JWT_OWN_MAX];
	int		 nown;
	char		*path;		/* extra JWKS file or NULL */
	struct jwt_key	*extra;		/* last good keys of path */
	int		 nextra;
	time_t		 checked;	/* last stat, 0 = never */
	int		 seen;		/* the fields below are valid */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
	struct jwt_verified *verified;	/* jwt_cache.c, or NULL */
	unsigned long	 hits;		/* verifications it saved */
};

/* How a token is judged besides its signature. */
struct jwt_opts {
	time_t		 now;		/* 0 = time(NULL) */
	long		 leeway;	/* seconds for exp and nbf */
	const char	*issuers;	/* comma-separated, NULL = any */
};

/* A verified token's claims; json is released at the arena's reset. */
struct jwt_claims {
	struct json_object	*json;
	const char		*kid;
	const char		*sub;
	const char		*iss;	/* NULL when absent */
	int64_t			 exp;
	int64_t			 nbf;	/* 0 when absent */
	int64_t			 iat;	/* 0 when absent */
};

/* Writes the unpadded base64url of src[0..n) and a NUL to dst, which
 * holds at least JWT_B64URL_LEN(n) + 1 bytes; returns the length. */
size_t		 jwt_b64url_encode(char *dst, const void *src, size_t n);
/* The same into the arena. */
char		*jwt_b64url_arena(struct arena *, const void *src, size_t n);
/*
 * Decodes src[0..n), which must be unpadded base64url over the
 * alphabet only, with zero unused bits in its last character. E_OK
 * with *outlen bytes in dst (dstsz at least 3 * n / 4), else E_INVALID.
 */
enum err	 jwt_b64url_decode(void *dst, size_t dstsz, const char *src,
		    size_t n, size_t *outlen);

/* The public JWK of an RSA key ({"kty","use","alg","kid","n","e"}).
 * E_OK and *out (caller puts it), or E_INVALID for a non-RSA key. */
enum err	 jwt_jwk_encode(EVP_PKEY *, const char *kid,
		    struct json_object **out);
/*
 * An RS256 verification key from a JWK: kty RSA, n and e, kid present;
 * alg, if given, RS256 and use, if given, sig; the modulus between
 * JWT_RSA_BITS_MIN and JWT_RSA_BITS_MAX bits. E_OK with *pk (caller
 * frees) and *kid borrowed from jwk, else E_INVALID.
 */
enum err	 jwt_jwk_decode(struct json_object *jwk, EVP_PKEY **pk,
		    const char **kid);

/* Signs claims as an RS256 JWT with header {"alg","typ","kid"}.
 * E_OK and *out in the arena, or E_INTERNAL. */
enum err	 jwt_sign(struct arena *, EVP_PKEY *, const char *kid,
		    struct json_object *claims, const char **out);
/*
 * Verifies token against ks (refreshing it first): RS256 only, kid in
 * the set, no jku/x5u/x5c/jwk/crit header, no duplicate member in
 * header or claims, exp required and not past now + leeway, nbf not
 * beyond it, sub present, iss in opts->issuers when set. E_OK and *c,
 * or E_UNAUTH with *why (a static string, safe to log). A token whose
 * signature the same key verified before is not verified again
 * (jwt_cache.h); its header and claims are.
 */
enum err	 jwt_verify(struct jwt_keyset *, struct arena *,
		    const char *token, const struct jwt_opts *,
		    struct jwt_claims *c, const char **why);

/* The RSA private key (>= JWT_RSA_BITS_MIN bits) in PEM file path:
 * E_OK and *out (caller frees), E_NOTFOUND when there is no file, E_IO
 * (logged) when it is not such a key. */
enum err	 jwt_pem_private(const char *path, EVP_PKEY **out);
/* path (copied) may be NULL: own keys only. */
void		 jwt_keyset_init(struct jwt_keyset *, const char *path);
/* Adds one of the service's own keys (a reference is taken). */
enum err	 jwt_keyset_add(struct jwt_keyset *, EVP_PKEY *,
		    const char *kid);
/* Re-reads the file if JWT_RELOAD_SEC passed since the last check
 * and it changed. now = 0 means time(NULL). */
void		 jwt_keyset_refresh(struct jwt_keyset *, time_t now);
/* The key for kid (own keys first), or NULL. Borrowed until the next
 * refresh. */
const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *,
		    const char *kid);
/* {"keys":[own..., extra...]}: a new object the caller puts. */
struct json_object *jwt_keyset_jwks(const struct jwt_keyset *);
void		 jwt_keyset_release(struct jwt_keyset *);

#endif
