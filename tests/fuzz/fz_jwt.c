/*
 * libFuzzer target for jwt.c's verifier. Mode 0 hands the input to
 * jwt_verify() as a token. Mode 1 splits it at the first NUL into a
 * header and a claims text and signs them with the trusted key, so the
 * fuzzer also reaches everything past the signature (JSON parsing,
 * duplicate members, alg/kid/crit rules, time and subject claims).
 * Whatever it accepts must carry a subject and the trusted kid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/arena.h"
#include "core/jwt.h"

#define FZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fz_jwt: check failed: %s\n", #c);	\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static EVP_PKEY			*key;
static struct jwt_keyset	 ks;

static void
setup(void)
{
	EVP_PKEY_CTX	*ctx;

	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	FZ_CHECK(ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1);
	FZ_CHECK(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1);
	FZ_CHECK(EVP_PKEY_keygen(ctx, &key) == 1);
	EVP_PKEY_CTX_free(ctx);
	jwt_keyset_init(&ks, NULL);
	FZ_CHECK(jwt_keyset_add(&ks, key, "fz-1") == E_OK);
}

/* b64(h).b64(p).b64(RS256 signature over both) in the arena. */
static const char *
signed_token(struct arena *a, const uint8_t *h, size_t hn, const uint8_t *p,
    size_t pn)
{
	EVP_MD_CTX	*md;
	unsigned char	 sig[512];
	size_t		 siglen = sizeof(sig);
	char		*hp;

	hp = arena_printf(a, "%s.%s", jwt_b64url_arena(a, h, hn),
	    jwt_b64url_arena(a, p, pn));
	md = EVP_MD_CTX_new();
	FZ_CHECK(md != NULL);
	FZ_CHECK(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1);
	FZ_CHECK(EVP_DigestSign(md, sig, &siglen, (unsigned char *)hp,
	    strlen(hp)) == 1);
	EVP_MD_CTX_free(md);
	return arena_printf(a, "%s.%s", hp, jwt_b64url_arena(a, sig, siglen));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		 a;
	struct jwt_opts		 o = { 1800000000, 60, NULL };
	struct jwt_claims	 c;
	const uint8_t		*nul;
	const char		*tok, *why = NULL;

	if (key == NULL)
		setup();
	if (size < 1)
		return 0;
	arena_init(&a);
	if (data[0] & 1) {
		nul = memchr(data + 1, '\0', size - 1);
		if (nul == NULL)
			goto out;
		tok = signed_token(&a, data + 1, (size_t)(nul - data - 1),
		    nul + 1, size - (size_t)(nul - data) - 1);
	} else
		tok = arena_strndup(&a, (const char *)data + 1, size - 1);
	if (jwt_verify(&ks, &a, tok, &o, &c, &why) == E_OK) {
		FZ_CHECK(c.sub != NULL && *c.sub != '\0');
		FZ_CHECK(c.kid != NULL && strcmp(c.kid, "fz-1") == 0);
	} else
		FZ_CHECK(why != NULL);
out:
	arena_release(&a);
	return 0;
}
