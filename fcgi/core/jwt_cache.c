/*
 * The verified-token table of a key set (jwt_cache.h): JWT_VERIFIED_MAX
 * entries allocated on first use, in sets of JWT_VERIFIED_WAYS picked
 * by the digest's first bytes. Direct-mapped, two live tokens sharing
 * a slot pushed each other out on every request: with 250 tokens in
 * 1,024 slots a fifth of requests paid the RSA verification again.
 * Clearing the table whenever the keys change means an entry never
 * outlives its key, so a freed key's address taken by a new key cannot
 * inherit the old key's tokens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jwt.h"
#include "jwt_cache.h"

/* The first entry of md's set, or NULL when there is no table. */
static struct jwt_verified *
jwt_cache_set(struct jwt_keyset *ks, const unsigned char *md)
{
	uint32_t	 h;

	if (ks->verified == NULL &&
	    (ks->verified = calloc(JWT_VERIFIED_MAX,
	    sizeof(*ks->verified))) == NULL)
		return NULL;	/* no table: every token is verified */
	memcpy(&h, md, sizeof(h));
	return &ks->verified[(h % JWT_VERIFIED_SETS) * JWT_VERIFIED_WAYS];
}

/*
 * SHA-256 of p[0..n) into md, 1 on success. The digest is fetched and
 * its context made once per process: SHA256() fetches the algorithm
 * from the provider store and allocates a context on every call, which
 * cost more than hashing a token. A responder is single-threaded.
 */
static int
sha256(const void *p, size_t n, unsigned char *md)
{
	static EVP_MD		*sha;
	static EVP_MD_CTX	*ctx;

	if (sha == NULL && (sha = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return 0;
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	return EVP_DigestInit_ex2(ctx, sha, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, p, n) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, NULL) == 1;
}

int
jwt_cache_hit(struct jwt_keyset *ks, const EVP_PKEY *pk, const char *token,
    size_t n, unsigned char *md)
{
	struct jwt_verified	*v;
	int			 i;

	if (!sha256(token, n, md) || (v = jwt_cache_set(ks, md)) == NULL)
		return 0;
	for (i = 0; i < JWT_VERIFIED_WAYS; i++)
		if (v[i].pk == pk &&
		    CRYPTO_memcmp(v[i].md, md, sizeof(v[i].md)) == 0) {
			ks->hits++;
			return 1;
		}
	return 0;
}

/* Takes a free entry of the set, else the one the digest's fifth byte
 * names: a random pick, as the digest is uniform. */
void
jwt_cache_put(struct jwt_keyset *ks, const EVP_PKEY *pk,
    const unsigned char *md)
{
	struct jwt_verified	*v;
	int			 i;

	if ((v = jwt_cache_set(ks, md)) == NULL)
		return;
	for (i = 0; i < JWT_VERIFIED_WAYS && v[i].pk != NULL; i++)
		;
	if (i == JWT_VERIFIED_WAYS)
		i = md[sizeof(uint32_t)] % JWT_VERIFIED_WAYS;
	memcpy(v[i].md, md, sizeof(v[i].md));
	v[i].pk = pk;
}

void
jwt_cache_clear(struct jwt_keyset *ks)
{

	if (ks->verified != NULL)
		memset(ks->verified, 0, JWT_VERIFIED_MAX *
		    sizeof(*ks->verified));
}

void
jwt_cache_free(struct jwt_keyset *ks)
{

	free(ks->verified);
	ks->verified = NULL;
}
