/*
 * jwt.c: strict base64url, RSA JWKs, RS256 sign and verify, every
 * forgery the verifier must refuse, the verified tokens it remembers,
 * and the key set following its extra JWKS file (added, replaced,
 * removed, garbage keeps the last good keys).
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "t.h"
#include "core/jwt.c"

#define KID		"dataland-auth-1"
#define NOW		1900000000L

static struct arena	 a;
static EVP_PKEY		*k_trusted, *k_other, *k_attacker;

/* Base64url of a C string, in the arena. */
static const char *
b64(const char *s)
{

	return jwt_b64url_arena(&a, s, strlen(s));
}

/* A token over exactly these header and claims texts, signed RS256. */
static const char *
mk(EVP_PKEY *pk, const char *hdr, const char *claims)
{
	EVP_MD_CTX	*mc;
	unsigned char	 sig[1024];
	size_t		 siglen = sizeof(sig);
	const char	*input;

	input = arena_printf(&a, "%s.%s", b64(hdr), b64(claims));
	T_OK((mc = EVP_MD_CTX_new()) != NULL);
	T_EQ(EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, pk), 1);
	T_EQ(EVP_DigestSign(mc, sig, &siglen, (const unsigned char *)input,
	    strlen(input)), 1);
	EVP_MD_CTX_free(mc);
	return arena_printf(&a, "%s.%s", input,
	    jwt_b64url_arena(&a, sig, siglen));
}

/* Claims valid at NOW for subject sub. */
static const char *
claims(const char *extra)
{

	return arena_printf(&a, "{\"iss\":\"dataland-auth\",\"sub\":\"u-1\","
	    "\"iat\":%ld,\"exp\":%ld%s}", NOW, NOW + 3600, extra);
}

/* E_OK or E_UNAUTH for token against ks at NOW. */
static enum err
check(struct jwt_keyset *ks, const char *token, const char *issuers)
{
	struct jwt_opts		 o = { NOW, JWT_LEEWAY_SEC, issuers };
	struct jwt_claims	 c;
	const char		*why = NULL;
	enum err		 e;

	e = jwt_verify(ks, &a, token, &o, &c, &why);
	if (e == E_OK)
		T_STR(c.sub, "u-1");
	else
		T_OK(why != NULL);
	return e;
}

static void
t_b64url(void)
{
	static const struct { const char *in, *out; } enc[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
		{ "\xff\xfe\xfd", "__79" },
	};
	static const char *const bad[] = {
		"Zg==", "Zm8=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v",
		"Zm 9v", "Zm9v\n", "Zm9v=", "=", "Zm9v.", "+/8", "Zm\x80v",
	};
	char		 buf[64];
	size_t		 i, n;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		T_EQ(jwt_b64url_encode(buf, enc[i].in, strlen(enc[i].in)),
		    strlen(enc[i].out));
		T_STR(buf, enc[i].out);
		T_EQ(jwt_b64url_decode(buf, sizeof(buf), enc[i].out,
		    strlen(enc[i].out), &n), E_OK);
		T_EQ(n, strlen(enc[i].in));
		T_OK(memcmp(buf, enc[i].in, n) == 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jwt_b64url_decode(buf, sizeof(buf), bad[i], strlen(bad[i]),
		    &n) != E_INVALID)
			T_FAIL("decoded bad input '%s'", bad[i]);
	/* a destination too small is refused, not overrun */
	T_EQ(jwt_b64url_decode(buf, 2, "Zm9v", 4, &n), E_INVALID);
	T_PASS("jwt: base64url encodes and decodes strictly");
}

static void
t_jwk(void)
{
	struct json_object	*j, *bad;
	EVP_PKEY		*pk = NULL, *small;
	const char		*kid;

	T_EQ(jwt_jwk_encode(k_trusted, KID, &j), E_OK);
	T_STR(json_object_get_string(json_object_object_get(j, "kty")), "RSA");
	T_STR(json_object_get_string(json_object_object_get(j, "alg")),
	    "RS256");
	T_STR(json_object_get_string(json_object_object_get(j, "use")), "sig");
	T_STR(json_object_get_string(json_object_object_get(j, "e")), "AQAB");
	T_EQ(strlen(json_object_get_string(json_object_object_get(j, "n"))),
	    342);
	T_EQ(jwt_jwk_decode(j, &pk, &kid), E_OK);
	T_STR(kid, KID);
	T_EQ(EVP_PKEY_eq(pk, k_trusted), 1);
	EVP_PKEY_free(pk);

	bad = json_object_get(j);
	json_object_object_add(bad, "alg", json_object_new_string("HS256"));
	T_EQ(jwt_jwk_decode(bad, &pk, &kid), E_INVALID);
	json_object_object_add(bad, "alg", json_object_new_string("RS256"));
	json_object_object_add(bad, "use", json_object_new_string("enc"));
	T_EQ(jwt_jwk_decode(bad, &pk, &kid), E_INVALID);
	json_object_object_del(bad, "use");
	json_object_object_add(bad, "kty", json_object_new_string("EC"));
	T_EQ(jwt_jwk_decode(bad, &pk, &kid), E_INVALID);
	json_object_object_add(bad, "kty", json_object_new_string("RSA"));
	json_object_object_del(bad, "kid");
	T_EQ(jwt_jwk_decode(bad, &pk, &kid), E_INVALID);
	json_object_put(bad);
	json_object_put(j);

	T_OK((small = EVP_RSA_gen(1024)) != NULL);
	T_EQ(jwt_jwk_encode(small, "small", &j), E_OK);
	T_EQ(jwt_jwk_decode(j, &pk, &kid), E_INVALID);
	json_object_put(j);
	EVP_PKEY_free(small);
	T_PASS("jwt: JWK round trip; weak or foreign JWKs refused");
}

static void
t_sign_verify(struct jwt_keyset *ks)
{
	struct json_object	*c;
	const char		*tok, *why;
	struct jwt_opts		 o = { 0, JWT_LEEWAY_SEC, "dataland-auth" };
	struct jwt_claims	 cl;

	c = json_object_new_object();
	json_object_object_add(c, "iss",
	    json_object_new_string("dataland-auth"));
	json_object_object_add(c, "sub", json_object_new_string("u-1"));
	json_object_object_add(c, "exp",
	    json_object_new_int64(time(NULL) + 60));
	T_EQ(jwt_sign(&a, k_trusted, KID, c, &tok), E_OK);
	json_object_put(c);
	T_EQ(jwt_verify(ks, &a, tok, &o, &cl, &why), E_OK);
	T_STR(cl.sub, "u-1");
	T_STR(cl.kid, KID);
	T_STR(cl.iss, "dataland-auth");
	o.issuers = "someone-else, another";
	T_EQ(jwt_verify(ks, &a, tok, &o, &cl, &why), E_UNAUTH);
	o.issuers = "someone-else, dataland-auth";
	T_EQ(jwt_verify(ks, &a, tok, &o, &cl, &why), E_OK);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"" KID "\"}",
	    claims("")), NULL), E_OK);
	T_PASS("jwt: RS256 sign then verify");
}

/* No remembered token: what a change of keys must leave behind. */
static int
cache_empty(const struct jwt_keyset *ks)
{
	int	 i;

	for (i = 0; ks->verified != NULL && i < JWT_VERIFIED_MAX; i++)
		if (ks->verified[i].pk != NULL)
			return 0;
	return 1;
}

/*
 * A token verified once is not verified again, but its claims are
 * judged each time; a signature that differs by one character is no
 * hit; a set whose keys change forgets what it verified.
 */
static void
t_verified_cache(void)
{
	struct jwt_keyset	 ks;
	struct jwt_opts		 o = { NOW + 7200, JWT_LEEWAY_SEC, NULL };
	struct jwt_claims	 cl;
	const char		*tok, *why;
	char			*bad;
	size_t			 n;

	jwt_keyset_init(&ks, NULL);
	T_EQ(jwt_keyset_add(&ks, k_trusted, KID), E_OK);
	tok = mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"" KID "\"}",
	    claims(""));
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(ks.hits, 0);
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(ks.hits, 1);
	/* remembered, yet expired: exp is judged on every request */
	T_EQ(jwt_verify(&ks, &a, tok, &o, &cl, &why), E_UNAUTH);
	T_STR(why, "exp missing or in the past");
	T_EQ(check(&ks, tok, "other-issuer"), E_UNAUTH);
	/* the same token with its signature's last character changed */
	bad = arena_strdup(&a, tok);
	n = strlen(bad);
	bad[n - 1] = bad[n - 1] == 'A' ? 'B' : 'A';
	T_EQ(check(&ks, bad, NULL), E_UNAUTH);
	/* keys change: the token is verified afresh, then remembered */
	T_EQ(jwt_keyset_add(&ks, k_other, "second"), E_OK);
	T_OK(cache_empty(&ks));
	n = ks.hits;
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(ks.hits, n);
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(ks.hits, n + 1);
	jwt_keyset_release(&ks);
	T_PASS("jwt: a verified token is remembered, its claims are not");
}

/*
 * Tokens whose digests fall in one set of the table are all remembered,
 * up to the set's ways; one more takes the place of exactly one of them.
 * The "tokens" are any bytes: the table keys on their SHA-256 only.
 */
static void
t_verified_set(void)
{
	struct jwt_keyset	 ks;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 tok[JWT_VERIFIED_WAYS + 1][32];
	uint32_t		 h, set = 0;
	int			 i, n, hits;

	jwt_keyset_init(&ks, NULL);
	for (i = 0, n = 0; n <= JWT_VERIFIED_WAYS && i < 1000000; i++) {
		snprintf(tok[n], sizeof(tok[n]), "token-%d", i);
		T_OK(SHA256((unsigned char *)tok[n], strlen(tok[n]), md) !=
		    NULL);
		memcpy(&h, md, sizeof(h));
		h %= JWT_VERIFIED_SETS;
		if (n == 0)
			set = h;
		if (h == set)
			n++;
	}
	T_EQ(n, JWT_VERIFIED_WAYS + 1);
	for (i = 0; i < JWT_VERIFIED_WAYS; i++) {
		T_EQ(jwt_cache_hit(&ks, k_trusted, tok[i], strlen(tok[i]), md),
		    0);
		jwt_cache_put(&ks, k_trusted, md);
	}
	for (i = 0; i < JWT_VERIFIED_WAYS; i++)
		T_EQ(jwt_cache_hit(&ks, k_trusted, tok[i], strlen(tok[i]), md),
		    1);
	/* another key's entry is not this key's */
	T_EQ(jwt_cache_hit(&ks, k_other, tok[0], strlen(tok[0]), md), 0);
	i = JWT_VERIFIED_WAYS;
	T_EQ(jwt_cache_hit(&ks, k_trusted, tok[i], strlen(tok[i]), md), 0);
	jwt_cache_put(&ks, k_trusted, md);
	for (i = 0, hits = 0; i <= JWT_VERIFIED_WAYS; i++)
		hits += jwt_cache_hit(&ks, k_trusted, tok[i], strlen(tok[i]),
		    md);
	T_EQ(hits, JWT_VERIFIED_WAYS);
	T_EQ(jwt_cache_hit(&ks, k_trusted, tok[JWT_VERIFIED_WAYS],
	    strlen(tok[JWT_VERIFIED_WAYS]), md), 1);
	jwt_keyset_release(&ks);
	T_PASS("jwt: tokens sharing a set of the table are all remembered");
}

/* An HS256 token keyed with the trusted public key's PEM text. */
static const char *
hs256_confusion(void)
{
	BIO		*b;
	char		*pem;
	long		 len;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 maclen = 0;
	const char	*input;

	T_OK((b = BIO_new(BIO_s_mem())) != NULL);
	T_EQ(PEM_write_bio_PUBKEY(b, k_trusted), 1);
	len = BIO_get_mem_data(b, &pem);
	input = arena_printf(&a, "%s.%s",
	    b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" KID "\"}"),
	    b64(claims("")));
	T_OK(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pem, (size_t)len,
	    (const unsigned char *)input, strlen(input), mac, sizeof(mac),
	    &maclen) != NULL);
	BIO_free(b);
	return arena_printf(&a, "%s.%s", input,
	    jwt_b64url_arena(&a, mac, maclen));
}

static void
t_rejects(struct jwt_keyset *ks)
{
	struct json_object	*jwk;
	const char		*hdr;
	const char		*good, *p;
	char			*t, *big;
	size_t			 n;

	hdr = "{\"alg\":\"RS256\",\"kid\":\"" KID "\"}";
	good = mk(k_trusted, hdr, claims(""));
	T_EQ(check(ks, arena_printf(&a, "%s.%s.", b64("{\"alg\":\"none\","
	    "\"kid\":\"" KID "\"}"), b64(claims(""))), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"none\",\"kid\":\"" KID "\"}",
	    claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, hs256_confusion(), NULL), E_UNAUTH);
	T_EQ(jwt_jwk_encode(k_attacker, KID, &jwk), E_OK);
	T_EQ(check(ks, mk(k_attacker, arena_printf(&a, "{\"alg\":\"RS256\","
	    "\"kid\":\"" KID "\",\"jwk\":%s}", json_object_to_json_string(jwk)),
	    claims("")), NULL), E_UNAUTH);
	json_object_put(jwk);
	/* the trusted key's own signature is refused with such headers */
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"" KID "\","
	    "\"jku\":\"https://evil.example/jwks.json\"}", claims("")), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"" KID "\","
	    "\"x5u\":\"https://evil.example/c.pem\"}", claims("")), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"" KID "\","
	    "\"crit\":[\"exp\"]}", claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\","
	    "\"kid\":\"../../dev/null\"}", claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\","
	    "\"kid\":\"' OR 1=1\"}", claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"kid\":\"nope\"}",
	    claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\"}", claims("")), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"rs256\",\"kid\":\"" KID "\"}",
	    claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_attacker, hdr, claims("")), NULL), E_UNAUTH);

	t = arena_strdup(&a, good);		/* one signature byte off */
	p = strrchr(t, '.') + 10;
	t[p - t] = *p == 'A' ? 'B' : 'A';
	T_EQ(check(ks, t, NULL), E_UNAUTH);
	t = arena_strdup(&a, good);		/* another payload */
	p = strchr(good, '.');
	T_EQ(check(ks, arena_printf(&a, "%.*s.%s%s", (int)(p - good), good,
	    b64(claims(",\"admin\":true")), strrchr(good, '.')), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, arena_printf(&a, "%s.", good), NULL), E_UNAUTH);
	T_EQ(check(ks, arena_printf(&a, "%s=", good), NULL), E_UNAUTH);
	for (n = 0; n < strlen(good); n += 37)
		T_EQ(check(ks, arena_strndup(&a, good, n), NULL), E_UNAUTH);

	T_EQ(check(ks, mk(k_trusted, hdr, arena_printf(&a, "{\"sub\":\"u-1\","
	    "\"exp\":%ld}", NOW - 61)), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, arena_printf(&a, "{\"sub\":\"u-1\","
	    "\"exp\":%ld}", NOW - 30)), NULL), E_OK);	/* leeway */
	T_EQ(check(ks, mk(k_trusted, hdr, arena_printf(&a, "{\"sub\":\"u-1\","
	    "\"exp\":\"%ld\"}", NOW + 60)), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, "{\"sub\":\"u-1\"}"), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(arena_printf(&a,
	    ",\"nbf\":%ld", NOW + 120))), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(arena_printf(&a,
	    ",\"nbf\":%ld", NOW + 30))), NULL), E_OK);
	T_EQ(check(ks, mk(k_trusted, hdr, arena_printf(&a, "{\"exp\":%ld}",
	    NOW + 60)), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims("")), "other"), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims("")), "dataland-auth"), E_OK);

	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"RS256\",\"alg\":\"RS256\","
	    "\"kid\":\"" KID "\"}", claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, "{\"alg\":\"none\",\"alg\":\"RS256\","
	    "\"kid\":\"" KID "\"}", claims("")), NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(",\"sub\":\"admin\"")), NULL),
	    E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(",\"s\\u0075b\":\"admin\"")),
	    NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(",\"x\":{\"a\":1,\"a\":2}")),
	    NULL), E_UNAUTH);
	T_EQ(check(ks, mk(k_trusted, hdr, claims(",\"x\":\"a:b\\\"c:\"")),
	    NULL), E_OK);			/* colons in strings are fine */

	big = arena_alloc(&a, 100 * 1024 + 1);
	memset(big, 'A', 100 * 1024);
	big[100 * 1024] = '\0';
	T_EQ(check(ks, mk(k_trusted, hdr, claims(arena_printf(&a,
	    ",\"pad\":\"%s\"", big))), NULL), E_UNAUTH);
	T_EQ(check(ks, big, NULL), E_UNAUTH);
	T_EQ(check(ks, "", NULL), E_UNAUTH);
	T_EQ(check(ks, "..", NULL), E_UNAUTH);
	T_EQ(check(ks, "a.b.c.d", NULL), E_UNAUTH);
	T_PASS("jwt: forgeries, bad claims, duplicates and giants refused");
}

/* Writes text as dir/extra_jwks.json through a rename. */
static void
put_file(const char *path, const char *text)
{
	char	 tmp[512];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	T_OK((f = fopen(tmp, "w")) != NULL);
	T_OK(fputs(text, f) >= 0);
	T_EQ(fclose(f), 0);
	T_EQ(rename(tmp, path), 0);
}

/* {"keys":[JWK of pk as kid]} */
static const char *
jwks_of(EVP_PKEY *pk, const char *kid)
{
	struct json_object	*j;
	const char		*s;

	T_EQ(jwt_jwk_encode(pk, kid, &j), E_OK);
	s = arena_printf(&a, "{\"keys\":[%s,{\"kty\":\"EC\",\"kid\":\"x\"}]}",
	    json_object_to_json_string(j));
	json_object_put(j);
	return s;
}

static void
t_reload(void)
{
	struct jwt_keyset	 ks;
	struct json_object	*pub;
	char			 dir[] = "/tmp/t_jwt.XXXXXX", path[512];
	const char		*tok;

	T_OK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/extra_jwks.json", dir);
	jwt_keyset_init(&ks, path);
	T_EQ(jwt_keyset_add(&ks, k_trusted, KID), E_OK);
	tok = mk(k_other, "{\"alg\":\"RS256\",\"kid\":\"cms-1\"}", claims(""));
	T_EQ(check(&ks, tok, NULL), E_UNAUTH);		/* no file yet */

	put_file(path, jwks_of(k_other, "cms-1"));
	T_EQ(check(&ks, tok, NULL), E_UNAUTH);		/* same second */
	jwt_keyset_refresh(&ks, NOW + 1);
	T_OK(jwt_keyset_find(&ks, "cms-1") != NULL);
	T_EQ(ks.nextra, 1);				/* the EC key skipped */
	T_EQ(check(&ks, tok, NULL), E_OK);
	pub = jwt_keyset_jwks(&ks);
	T_EQ(json_object_array_length(json_object_object_get(pub, "keys")), 2);
	json_object_put(pub);

	put_file(path, "{\"keys\": [ garbage");
	jwt_keyset_refresh(&ks, NOW + 3);
	T_OK(jwt_keyset_find(&ks, "cms-1") != NULL);	/* last good kept */
	put_file(path, "{\"nokeys\":[]}");
	jwt_keyset_refresh(&ks, NOW + 5);
	T_OK(jwt_keyset_find(&ks, "cms-1") != NULL);
	/* a file key may not take an own key's kid */
	put_file(path, jwks_of(k_attacker, KID));
	jwt_keyset_refresh(&ks, NOW + 7);
	T_EQ(ks.nextra, 0);
	T_EQ(check(&ks, mk(k_attacker, "{\"alg\":\"RS256\",\"kid\":\"" KID
	    "\"}", claims("")), NULL), E_UNAUTH);

	put_file(path, jwks_of(k_other, "cms-1"));
	jwt_keyset_refresh(&ks, NOW + 9);
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(check(&ks, tok, NULL), E_OK);		/* remembered */
	T_OK(!cache_empty(&ks));
	/* cms-1 is now another key: the remembered token is refused */
	put_file(path, jwks_of(k_attacker, "cms-1"));
	jwt_keyset_refresh(&ks, NOW + 10);
	T_OK(cache_empty(&ks));
	T_EQ(check(&ks, tok, NULL), E_UNAUTH);
	put_file(path, jwks_of(k_other, "cms-1"));
	jwt_keyset_refresh(&ks, NOW + 11);
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(check(&ks, tok, NULL), E_OK);
	T_EQ(unlink(path), 0);
	jwt_keyset_refresh(&ks, NOW + 13);
	T_OK(jwt_keyset_find(&ks, "cms-1") == NULL);	/* removed */
	T_EQ(check(&ks, tok, NULL), E_UNAUTH);
	T_OK(jwt_keyset_find(&ks, KID) != NULL);
	jwt_keyset_release(&ks);
	T_EQ(rmdir(dir), 0);
	T_PASS("jwt: extra JWKS file added, garbage ignored, removed");
}

int
main(void)
{
	struct jwt_keyset	 ks;

	arena_init(&a);
	T_OK((k_trusted = EVP_RSA_gen(2048)) != NULL);
	T_OK((k_other = EVP_RSA_gen(2048)) != NULL);
	T_OK((k_attacker = EVP_RSA_gen(2048)) != NULL);
	jwt_keyset_init(&ks, NULL);
	T_EQ(jwt_keyset_add(&ks, k_trusted, KID), E_OK);
	T_EQ(jwt_keyset_add(&ks, k_other, KID), E_INVALID);	/* kid taken */

	t_b64url();
	t_jwk();
	t_sign_verify(&ks);
	t_rejects(&ks);
	t_verified_cache();
	t_verified_set();
	t_reload();

	jwt_keyset_release(&ks);
	EVP_PKEY_free(k_attacker);
	EVP_PKEY_free(k_other);
	EVP_PKEY_free(k_trusted);
	arena_release(&a);
	return 0;
}
