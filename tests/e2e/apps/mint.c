/*
 * mint: RS256 tokens for the tests, signed by a test key the services
 * are told to trust through extra_jwks.json (API.md §3 "Keys and
 * files", §4 "Authentication"). Never installed.
 *
 *   mint key KEY.pem               an RSA-2048 key, made once
 *   mint jwks KEY.pem KID FILE     puts the key's public JWK into the
 *                                  JWKS file FILE (replacing KID), atomically
 *   mint token KEY.pem KID CLAIMS  prints a JWT: CLAIMS (a JSON object)
 *                                  with iat and exp = iat + 3600 added
 *                                  unless given; a null claim is dropped
 *
 * Exit 0, or 1 with one line on stderr.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "arena.h"
#include "jwt.h"

static int
die(const char *what, const char *arg)
{
	fprintf(stderr, "mint: %s '%s'\n", what, arg);
	return 1;
}

static EVP_PKEY *
load_key(const char *path)
{
	EVP_PKEY	*pk = NULL;
	FILE		*f;

	if ((f = fopen(path, "r")) != NULL) {
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	return pk;
}

static int
cmd_key(const char *path)
{
	EVP_PKEY	*pk;
	FILE		*f;
	int		 ok;

	if (access(path, F_OK) == 0)
		return 0;
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)) == NULL)
		return die("cannot make a key for", path);
	if ((f = fopen(path, "w")) == NULL)
		return die("cannot write", path);
	ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	ok = fclose(f) == 0 && ok;
	EVP_PKEY_free(pk);
	return ok ? 0 : die("cannot write", path);
}

/* The file's keys other than kid, or an empty list. */
static struct json_object *
other_keys(const char *file, const char *kid)
{
	struct json_object	*o, *keys = NULL, *out, *k, *id;
	size_t			 i;

	out = json_object_new_array();
	if ((o = json_object_from_file(file)) == NULL)
		return out;
	if (json_object_object_get_ex(o, "keys", &keys) &&
	    json_object_is_type(keys, json_type_array))
		for (i = 0; i < json_object_array_length(keys); i++) {
			k = json_object_array_get_idx(keys, i);
			if (json_object_object_get_ex(k, "kid", &id) &&
			    strcmp(json_object_get_string(id), kid) == 0)
				continue;
			json_object_array_add(out, json_object_get(k));
		}
	json_object_put(o);
	return out;
}

static int
cmd_jwks(const char *keyfile, const char *kid, const char *file)
{
	struct json_object	*jwk, *keys, *doc;
	EVP_PKEY		*pk;
	char			 tmp[4096];
	int			 rc = 0;

	if ((pk = load_key(keyfile)) == NULL)
		return die("cannot read the key", keyfile);
	if (jwt_jwk_encode(pk, kid, &jwk) != E_OK) {
		EVP_PKEY_free(pk);
		return die("not an RSA key", keyfile);
	}
	keys = other_keys(file, kid);
	json_object_array_add(keys, jwk);
	doc = json_object_new_object();
	json_object_object_add(doc, "keys", keys);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if (json_object_to_file_ext(tmp, doc, JSON_C_TO_STRING_PLAIN) != 0 ||
	    rename(tmp, file) != 0)
		rc = die("cannot write", file);
	json_object_put(doc);
	EVP_PKEY_free(pk);
	return rc;
}

/* CLAIMS with iat and exp filled in and null members dropped. */
static struct json_object *
claims_of(const char *text)
{
	struct json_object	*c;
	time_t			 now = time(NULL);

	if ((c = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(c, json_type_object)) {
		json_object_put(c);
		return NULL;
	}
	if (!json_object_object_get_ex(c, "iat", NULL))
		json_object_object_add(c, "iat", json_object_new_int64(now));
	if (!json_object_object_get_ex(c, "exp", NULL))
		json_object_object_add(c, "exp",
		    json_object_new_int64(now + 3600));
	/* json-c's foreach keeps the next entry: deleting this one is safe */
	json_object_object_foreach(c, k, val) {
		if (val == NULL)
			json_object_object_del(c, k);
	}
	return c;
}

static int
cmd_token(const char *keyfile, const char *kid, const char *text)
{
	struct json_object	*c;
	struct arena		 a;
	EVP_PKEY		*pk;
	const char		*tok;
	int			 rc = 0;

	if ((pk = load_key(keyfile)) == NULL)
		return die("cannot read the key", keyfile);
	if ((c = claims_of(text)) == NULL) {
		EVP_PKEY_free(pk);
		return die("claims are not a JSON object:", text);
	}
	arena_init(&a);
	if (jwt_sign(&a, pk, kid, c, &tok) == E_OK)
		printf("%s\n", tok);
	else
		rc = die("cannot sign with", keyfile);
	arena_release(&a);
	json_object_put(c);
	EVP_PKEY_free(pk);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "key") == 0)
		return cmd_key(argv[2]);
	if (argc == 5 && strcmp(argv[1], "jwks") == 0)
		return cmd_jwks(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "token") == 0)
		return cmd_token(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: mint key KEY.pem\n"
	    "       mint jwks KEY.pem KID FILE\n"
	    "       mint token KEY.pem KID CLAIMS-JSON\n");
	return 2;
}
