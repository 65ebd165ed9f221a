/*
 * The auth service's signing key and the key sets it verifies with and
 * publishes: AUTH_DATA_DIR/private.pem and AUTH_DATA_DIR/extra_jwks.json.
 */
#ifndef KEYS_H
#define KEYS_H

#include <openssl/evp.h>

#include "err.h"

struct conf;
struct jwt_keyset;

#define KEYS_RSA_BITS		2048		/* a new private.pem */
#define KEYS_PRIVATE		"private.pem"
#define KEYS_EXTRA		"extra_jwks.json"

/* Master: creates dir (0700) and dir/private.pem (0600, atomically) if
 * absent. E_OK or E_IO (logged). */
enum err		 keys_ensure(const char *dir);
/* Reads dir/private.pem into *out (caller frees). E_OK or E_IO. */
enum err		 keys_load(const char *dir, EVP_PKEY **out);
/* Responder: loads the key and fills both key sets. 0 or -1. */
int			 keys_open(const struct conf *);
void			 keys_close(void);
/* The signing key; borrowed. */
EVP_PKEY		*keys_signing(void);
/* Own key only: what this service's tokens must verify against. */
struct jwt_keyset	*keys_own(void);
/* Own key, then extra_jwks.json: what /auth/jwks.json publishes. */
struct jwt_keyset	*keys_all(void);

#endif
