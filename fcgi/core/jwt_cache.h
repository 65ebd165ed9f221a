/*
 * The tokens a key set has verified: RSA verification is most of the
 * cost of an authenticated request, and a client sends the same token
 * for its whole lifetime. An entry records that exactly these token
 * bytes (by SHA-256) carried a valid signature by one key of the set;
 * any change to the set's keys empties the table. Only the signature
 * is remembered: the claims (exp, nbf, iss) are judged afresh on
 * every request.
 */
#ifndef JWT_CACHE_H
#define JWT_CACHE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "caps.h"

struct jwt_keyset;

/* The table's sets; a token's is its digest's first four bytes, mod this. */
#define JWT_VERIFIED_SETS	(JWT_VERIFIED_MAX / JWT_VERIFIED_WAYS)

struct jwt_verified {
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	const EVP_PKEY	*pk;		/* NULL: empty */
};

/* SHA-256 of token[0..n) into md; 1 when pk verified it before. */
int	jwt_cache_hit(struct jwt_keyset *, const EVP_PKEY *pk,
	    const char *token, size_t n, unsigned char *md);
/* Remembers md as verified with pk, in place of what shared its slot. */
void	jwt_cache_put(struct jwt_keyset *, const EVP_PKEY *pk,
	    const unsigned char *md);
/* Forgets every token: a key was added, replaced or removed. */
void	jwt_cache_clear(struct jwt_keyset *);
void	jwt_cache_free(struct jwt_keyset *);

#endif
