/*
 * JSON Web Tokens: strict base64url (RFC 4648 §5), RS256 (RFC 7518
 * §3.3) through OpenSSL 3's EVP interface, RSA JWKs (RFC 7517 §4,
 * RFC 7518 §6.3.1) and the trusted key set with its reloaded file.
 * Verification trusts nothing in a token but its kid: keys named or
 * carried by the token itself (jku, x5u, x5c, jwk) are refused.
 * No HTTP and no database here.
 */
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "arena.h"
#include "err.h"
#include "json.h"
#include "jwt.h"
#include "jwt_cache.h"
#include "log.h"

/* Header members that would let a token choose its own key. */
static const char *const jwt_forbidden_hdr[] = {
	"jku", "x5u", "x5c", "jwk", "crit", "enc", "zip", NULL
};

static const char jwt_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void	jwt_key_release(struct jwt_key *);

/* An arena cleanup that drops one json-c reference. */
static void
jwt_json_put(void *o)
{

	json_object_put(o);
}

/* The 6-bit value of a base64url character, or -1. */
static int
jwt_b64url_val(unsigned char c)
{

	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Writes the unpadded base64url form of src[0..n) and a NUL to dst
 * (JWT_B64URL_LEN(n) + 1 bytes); returns the encoded length.
 */
size_t
jwt_b64url_encode(char *dst, const void *src, size_t n)
{
	const unsigned char	*s = src;
	size_t			 i, o = 0;
	unsigned		 v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		dst[o++] = jwt_b64url_alphabet[v >> 18 & 63];
		dst[o++] = jwt_b64url_alphabet[v >> 12 & 63];
		dst[o++] = jwt_b64url_alphabet[v >> 6 & 63];
		dst[o++] = jwt_b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)s[i] << 16;
		dst[o++] = jwt_b64url_alphabet[v >> 18 & 63];
		dst[o++] = jwt_b64url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
		dst[o++] = jwt_b64url_alphabet[v >> 18 & 63];
		dst[o++] = jwt_b64url_alphabet[v >> 12 & 63];
		dst[o++] = jwt_b64url_alphabet[v >> 6 & 63];
	}
	dst[o] = '\0';
	return o;
}

/* The base64url form of src[0..n) in the arena. */
char *
jwt_b64url_arena(struct arena *a, const void *src, size_t n)
{
	char	*dst;

	dst = arena_alloc(a, JWT_B64URL_LEN(n) + 1);
	jwt_b64url_encode(dst, src, n);
	return dst;
}

/*
 * Strict decoding: a length of 1 mod 4 cannot be, padding and every
 * byte outside the alphabet are refused, and the bits a short final
 * group leaves over must be zero so each input has one encoding.
 * E_OK with *outlen set, else E_INVALID with dst partly written.
 */
enum err
jwt_b64url_decode(void *dst, size_t dstsz, const char *src, size_t n,
    size_t *outlen)
{
	unsigned char	*d = dst;
	size_t		 i, o = 0, rem = n % 4;
	unsigned	 v = 0;
	int		 c;

	if (rem == 1 || (n / 4) * 3 + (rem ? rem - 1 : 0) > dstsz)
		return E_INVALID;
	for (i = 0; i < n; i++) {
		if ((c = jwt_b64url_val((unsigned char)src[i])) < 0)
			return E_INVALID;
		v = v << 6 | (unsigned)c;
		if (i % 4 == 3) {
			d[o++] = v >> 16 & 0xff;
			d[o++] = v >> 8 & 0xff;
			d[o++] = v & 0xff;
			v = 0;
		}
	}
	if (rem == 2) {
		if (v & 0x0f)
			return E_INVALID;
		d[o++] = v >> 4 & 0xff;
	} else if (rem == 3) {
		if (v & 0x03)
			return E_INVALID;
		d[o++] = v >> 10 & 0xff;
		d[o++] = v >> 2 & 0xff;
	}
	*outlen = o;
	return E_OK;
}

/* Adds a big number as a base64url string member of o. */
static enum err
jwt_jwk_put_bn(struct json_object *o, const char *name, const BIGNUM *bn)
{
	unsigned char	*bin;
	char		*txt;
	int		 n;

	n = BN_num_bytes(bn);
	if (n <= 0)
		return E_INVALID;
	bin = xmalloc((size_t)n);
	txt = xmalloc(JWT_B64URL_LEN((size_t)n) + 1);
	BN_bn2bin(bn, bin);
	jwt_b64url_encode(txt, bin, (size_t)n);
	json_object_object_add(o, name, json_object_new_string(txt));
	free(txt);
	free(bin);
	return E_OK;
}

/*
 * The public JWK of an RSA key. E_OK with *out (caller puts it), or
 * E_INVALID when pk is not RSA.
 */
enum err
jwt_jwk_encode(EVP_PKEY *pk, const char *kid, struct json_object **out)
{
	BIGNUM			*n = NULL, *e = NULL;
	struct json_object	*o = NULL;
	enum err		 rc = E_INVALID;

	if (!EVP_PKEY_is_a(pk, "RSA") ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "kty", json_object_new_string("RSA"));
	json_object_object_add(o, "use", json_object_new_string("sig"));
	json_object_object_add(o, "alg", json_object_new_string("RS256"));
	json_object_object_add(o, "kid", json_object_new_string(kid));
	if (jwt_jwk_put_bn(o, "n", n) != E_OK ||
	    jwt_jwk_put_bn(o, "e", e) != E_OK)
		goto out;
	*out = o;
	o = NULL;
	rc = E_OK;
out:
	json_object_put(o);
	BN_free(e);
	BN_free(n);
	return rc;
}

/* The string member name of o, or NULL when absent or not a string. */
static const char *
jwt_member_str(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A base64url JWK member as a big number; NULL when unusable. */
static BIGNUM *
jwt_jwk_bn(struct json_object *jwk, const char *name)
{
	const char	*s;
	unsigned char	*bin;
	size_t		 n, len;
	BIGNUM		*bn = NULL;

	if ((s = jwt_member_str(jwk, name)) == NULL)
		return NULL;
	n = strlen(s);
	if (n == 0 || n > JWT_B64URL_LEN(JWT_RSA_BITS_MAX / 8 + 1))
		return NULL;
	bin = xmalloc(n);
	if (jwt_b64url_decode(bin, n, s, n, &len) == E_OK && len > 0)
		bn = BN_bin2bn(bin, (int)len, NULL);
	free(bin);
	return bn;
}

/* An RSA public key from its modulus and exponent, or NULL. */
static EVP_PKEY *
jwt_rsa_from_ne(const BIGNUM *n, const BIGNUM *e)
{
	OSSL_PARAM_BLD	*b = NULL;
	OSSL_PARAM	*p = NULL;
	EVP_PKEY_CTX	*pc = NULL;
	EVP_PKEY	*pk = NULL;

	if ((b = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (p = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

/*
 * An RS256 verification key from a JWK. E_OK with *pk (caller frees)
 * and *kid borrowed from jwk, or E_INVALID.
 */
enum err
jwt_jwk_decode(struct json_object *jwk, EVP_PKEY **pk, const char **kid)
{
	BIGNUM		*n = NULL, *e = NULL;
	const char	*k, *s;
	EVP_PKEY	*key;
	enum err	 rc = E_INVALID;

	if (!json_object_is_type(jwk, json_type_object) ||
	    (s = jwt_member_str(jwk, "kty")) == NULL || strcmp(s, "RSA") != 0)
		goto out;
	if ((k = jwt_member_str(jwk, "kid")) == NULL || *k == '\0' ||
	    strlen(k) > JWT_KID_MAX)
		goto out;
	if (json_object_object_get_ex(jwk, "alg", NULL) &&
	    ((s = jwt_member_str(jwk, "alg")) == NULL ||
	    strcmp(s, "RS256") != 0))
		goto out;
	if (json_object_object_get_ex(jwk, "use", NULL) &&
	    ((s = jwt_member_str(jwk, "use")) == NULL || strcmp(s, "sig") != 0))
		goto out;
	if ((n = jwt_jwk_bn(jwk, "n")) == NULL ||
	    (e = jwt_jwk_bn(jwk, "e")) == NULL)
		goto out;
	if (BN_num_bits(n) < JWT_RSA_BITS_MIN ||
	    BN_num_bits(n) > JWT_RSA_BITS_MAX || !BN_is_odd(e) ||
	    BN_num_bits(e) < 2 || BN_num_bits(e) > 33)
		goto out;
	if ((key = jwt_rsa_from_ne(n, e)) == NULL)
		goto out;
	*pk = key;
	*kid = k;
	rc = E_OK;
out:
	BN_free(e);
	BN_free(n);
	return rc;
}

/* A JSON text without escaped slashes or spaces, borrowed from o. */
static const char *
jwt_json_text(struct json_object *o)
{

	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/*
 * Signs claims: base64url(header) "." base64url(claims) "." signature.
 * E_OK and *out in the arena, or E_INTERNAL (logged).
 */
enum err
jwt_sign(struct arena *a, EVP_PKEY *pk, const char *kid,
    struct json_object *claims, const char **out)
{
	struct json_object	*hdr;
	EVP_MD_CTX		*mc = NULL;
	unsigned char		*sig = NULL;
	size_t			 siglen = 0;
	const char		*h, *p;
	char			*input;
	enum err		 rc = E_INTERNAL;

	hdr = json_object_new_object();
	json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
	json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
	json_object_object_add(hdr, "kid", json_object_new_string(kid));
	h = jwt_json_text(hdr);
	p = jwt_json_text(claims);
	input = arena_printf(a, "%s.%s", jwt_b64url_arena(a, h, strlen(h)),
	    jwt_b64url_arena(a, p, strlen(p)));
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(mc, NULL, &siglen, (unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	sig = arena_alloc(a, siglen);
	if (EVP_DigestSign(mc, sig, &siglen, (unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	*out = arena_printf(a, "%s.%s", input,
	    jwt_b64url_arena(a, sig, siglen));
	rc = E_OK;
out:
	if (rc != E_OK)
		log_error(NULL, "jwt: cannot sign a token");
	EVP_MD_CTX_free(mc);
	json_object_put(hdr);
	return rc;
}

/*
 * Counts the members of every object in a JSON text already known to
 * be well formed: each ':' outside a string separates one member.
 */
static size_t
jwt_json_text_members(const char *s, size_t len)
{
	size_t	 i, n = 0;
	int	 instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if (s[i] == ':')
			n++;
	}
	return n;
}

/* The members of every object in a parsed tree. */
static size_t
jwt_json_tree_members(struct json_object *o)
{
	size_t	 i, n = 0;

	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			n += jwt_json_tree_members(
			    json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			n += 1 + jwt_json_tree_members(v);
		}
	}
	return n;
}

/*
 * Decodes one base64url segment and parses it as a JSON object that
 * repeats no member name anywhere (json-c would keep the last one
 * silently, and two readers could disagree on which claim counts).
 * E_OK with *out put at the arena's reset, else E_UNAUTH.
 */
static enum err
jwt_segment_json(struct arena *a, const char *seg, size_t n, size_t max,
    struct json_object **out)
{
	char			*buf;
	size_t			 len;
	struct json_object	*o;

	if (n == 0 || n > JWT_B64URL_LEN(max))
		return E_UNAUTH;
	buf = arena_alloc(a, n);
	if (jwt_b64url_decode(buf, n, seg, n, &len) != E_OK ||
	    json_parse_object(buf, len, JWT_JSON_DEPTH, &o) != E_OK)
		return E_UNAUTH;
	arena_cleanup(a, jwt_json_put, o);
	if (jwt_json_text_members(buf, len) != jwt_json_tree_members(o))
		return E_UNAUTH;
	*out = o;
	return E_OK;
}

/* Checks the JOSE header; E_OK with *kid borrowed from hdr. */
static enum err
jwt_check_header(struct json_object *hdr, const char **kid,
    const char **why)
{
	const char *const	*f;
	const char		*s;

	if ((s = jwt_member_str(hdr, "alg")) == NULL ||
	    strcmp(s, "RS256") != 0) {
		*why = "alg is not RS256";
		return E_UNAUTH;
	}
	for (f = jwt_forbidden_hdr; *f != NULL; f++)
		if (json_object_object_get_ex(hdr, *f, NULL)) {
			*why = "header names its own key or an extension";
			return E_UNAUTH;
		}
	if (json_object_object_get_ex(hdr, "typ", NULL) &&
	    ((s = jwt_member_str(hdr, "typ")) == NULL ||
	    (strcasecmp(s, "JWT") != 0 && strcasecmp(s, "at+jwt") != 0))) {
		*why = "typ is not JWT";
		return E_UNAUTH;
	}
	if ((s = jwt_member_str(hdr, "kid")) == NULL || *s == '\0' ||
	    strlen(s) > JWT_KID_MAX) {
		*why = "kid missing";
		return E_UNAUTH;
	}
	*kid = s;
	return E_OK;
}

/* RS256 over input[0..n) with a base64url signature. 1 when valid. */
static int
jwt_rs256_ok(struct arena *a, EVP_PKEY *pk, const char *input, size_t n,
    const char *sig64, size_t siglen64)
{
	EVP_MD_CTX	*mc;
	unsigned char	*sig;
	size_t		 siglen;
	int		 ok = 0;

	if (siglen64 != JWT_B64URL_LEN((size_t)EVP_PKEY_get_size(pk)))
		return 0;
	sig = arena_alloc(a, siglen64);
	if (jwt_b64url_decode(sig, siglen64, sig64, siglen64,
	    &siglen) != E_OK || siglen != (size_t)EVP_PKEY_get_size(pk))
		return 0;
	if ((mc = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestVerify(mc, sig, siglen, (const unsigned char *)input,
	    n) == 1)
		ok = 1;
	EVP_MD_CTX_free(mc);
	return ok;
}

/*
 * A NumericDate claim (RFC 7519 §2): 1 with *out when present and a
 * finite number, 0 when absent, -1 when of another type.
 */
static int
jwt_claim_time(struct json_object *c, const char *name, int64_t *out)
{
	struct json_object	*v;
	double			 d;

	if (!json_object_object_get_ex(c, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 1;
	}
	if (!json_object_is_type(v, json_type_double))
		return -1;
	d = json_object_get_double(v);
	if (!isfinite(d) || d > 9e15 || d < -9e15)
		return -1;
	*out = (int64_t)floor(d);
	return 1;
}

/* 1 when iss is one of the comma-separated names in list. */
static int
jwt_issuer_ok(const char *list, const char *iss)
{
	const char	*p, *q, *end;
	size_t		 n = strlen(iss);

	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (q = end; q > p && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if ((size_t)(q - p) == n && n > 0 && memcmp(p, iss, n) == 0)
			return 1;
	}
	return 0;
}

/* The registered claims: times, subject, issuer (RFC 7519 §4.1). */
static enum err
jwt_check_claims(struct json_object *c, const struct jwt_opts *o,
    time_t now, struct jwt_claims *out, const char **why)
{
	*why = "exp missing or in the past";
	if (jwt_claim_time(c, "exp", &out->exp) != 1 ||
	    (int64_t)now - o->leeway >= out->exp)
		return E_UNAUTH;
	*why = "nbf in the future";
	out->nbf = out->iat = 0;
	if (jwt_claim_time(c, "nbf", &out->nbf) == -1 ||
	    out->nbf > (int64_t)now + o->leeway)
		return E_UNAUTH;
	*why = "iat is not a number";
	if (jwt_claim_time(c, "iat", &out->iat) == -1)
		return E_UNAUTH;
	*why = "sub missing";
	out->sub = jwt_member_str(c, "sub");
	if (out->sub == NULL || *out->sub == '\0' ||
	    strlen(out->sub) > JWT_SUB_MAX)
		return E_UNAUTH;
	*why = "iss not trusted";
	out->iss = jwt_member_str(c, "iss");
	if (json_object_object_get_ex(c, "iss", NULL) && out->iss == NULL)
		return E_UNAUTH;
	if (o->issuers != NULL && (out->iss == NULL ||
	    !jwt_issuer_ok(o->issuers, out->iss)))
		return E_UNAUTH;
	return E_OK;
}

/*
 * Verifies a compact JWS (RFC 7515 §7.1) as described in jwt.h: first
 * its shape and header, then the signature with the key its kid names
 * in ks, and only then the claims. E_OK with *c, else E_UNAUTH.
 */
enum err
jwt_verify(struct jwt_keyset *ks, struct arena *a, const char *token,
    const struct jwt_opts *o, struct jwt_claims *c, const char **why)
{
	const char		*d1, *d2, *kid;
	const struct jwt_key	*k;
	struct json_object	*hdr, *cl;
	struct jwt_claims	 tmp;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	size_t			 len;
	time_t			 now;

	*why = "malformed token";
	if (token == NULL || (len = strnlen(token, JWT_TOKEN_MAX + 1)) >
	    JWT_TOKEN_MAX) {
		*why = "token too long";
		return E_UNAUTH;
	}
	if ((d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return E_UNAUTH;
	if (jwt_segment_json(a, token, (size_t)(d1 - token), JWT_HEADER_MAX,
	    &hdr) != E_OK || jwt_check_header(hdr, &kid, why) != E_OK)
		return E_UNAUTH;
	now = o->now != 0 ? o->now : time(NULL);
	jwt_keyset_refresh(ks, now);
	if ((k = jwt_keyset_find(ks, kid)) == NULL) {
		*why = "unknown kid";
		return E_UNAUTH;
	}
	if (!jwt_cache_hit(ks, k->pk, token, len, md)) {
		if (!jwt_rs256_ok(a, k->pk, token, (size_t)(d2 - token),
		    d2 + 1, len - (size_t)(d2 + 1 - token))) {
			*why = "bad signature";
			return E_UNAUTH;
		}
		jwt_cache_put(ks, k->pk, md);
	}
	*why = "malformed claims";
	if (jwt_segment_json(a, d1 + 1, (size_t)(d2 - d1 - 1), JWT_TOKEN_MAX,
	    &cl) != E_OK || jwt_check_claims(cl, o, now, &tmp, why) != E_OK)
		return E_UNAUTH;
	tmp.json = cl;
	tmp.kid = kid;
	*c = tmp;
	return E_OK;
}

/* Starts an empty key set following path (copied), or none. */
void
jwt_keyset_init(struct jwt_keyset *ks, const char *path)
{

	memset(ks, 0, sizeof(*ks));
	if (path != NULL)
		ks->path = xstrdup(path);
}

/* Fills k from pk (a reference is taken) and kid. */
static enum err
jwt_key_fill(struct jwt_key *k, EVP_PKEY *pk, const char *kid,
    struct json_object *jwk)
{

	if (jwk == NULL && jwt_jwk_encode(pk, kid, &jwk) != E_OK)
		return E_INVALID;
	if (!EVP_PKEY_up_ref(pk)) {
		json_object_put(jwk);
		return E_INTERNAL;
	}
	k->pk = pk;
	k->kid = xstrdup(kid);
	k->jwk = jwk;
	return E_OK;
}

enum err
jwt_pem_private(const char *path, EVP_PKEY **out)
{
	BIO		*b;
	EVP_PKEY	*pk = NULL;

	if (access(path, F_OK) != 0)
		return E_NOTFOUND;
	if ((b = BIO_new_file(path, "r")) != NULL)
		pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (pk == NULL || !EVP_PKEY_is_a(pk, "RSA") ||
	    EVP_PKEY_get_bits(pk) < JWT_RSA_BITS_MIN) {
		log_error(NULL, "'%s' is not an RSA private key of %d bits "
		    "or more", path, JWT_RSA_BITS_MIN);
		EVP_PKEY_free(pk);
		return E_IO;
	}
	*out = pk;
	return E_OK;
}

/* Adds an own key; E_INVALID when it is not RSA or the set is full. */
enum err
jwt_keyset_add(struct jwt_keyset *ks, EVP_PKEY *pk, const char *kid)
{

	if (ks->nown >= JWT_OWN_MAX || kid == NULL || *kid == '\0' ||
	    strlen(kid) > JWT_KID_MAX || jwt_keyset_find(ks, kid) != NULL)
		return E_INVALID;
	if (jwt_key_fill(&ks->own[ks->nown], pk, kid, NULL) != E_OK)
		return E_INVALID;
	ks->nown++;
	jwt_cache_clear(ks);
	return E_OK;
}

static void
jwt_key_release(struct jwt_key *k)
{

	EVP_PKEY_free(k->pk);
	json_object_put(k->jwk);
	free(k->kid);
	memset(k, 0, sizeof(*k));
}

static void
jwt_keys_free(struct jwt_key *keys, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		jwt_key_release(&keys[i]);
	free(keys);
}

/* Reads the whole file (at most JWT_JWKS_FILE_MAX) into a new buffer. */
static enum err
jwt_file_read(const char *path, char **out, size_t *outlen)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 r = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? E_NOTFOUND : E_IO;
	buf = xmalloc(JWT_JWKS_FILE_MAX + 1);
	while (len <= JWT_JWKS_FILE_MAX && (r = read(fd, buf + len,
	    JWT_JWKS_FILE_MAX + 1 - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > JWT_JWKS_FILE_MAX || r == -1) {
		free(buf);
		return E_IO;
	}
	*out = buf;
	*outlen = len;
	return E_OK;
}

/* 1 when one of keys[0..n) is named kid. */
static int
jwt_kid_in(const struct jwt_key *keys, int n, const char *kid)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i].kid, kid) == 0)
			return 1;
	return 0;
}

/* Takes one JWK of the file into keys[*n], or says why not. */
static void
jwt_keyset_take(struct jwt_keyset *ks, struct json_object *jwk,
    struct jwt_key *keys, int *n)
{
	EVP_PKEY	*pk;
	const char	*kid;

	if (*n >= JWT_KEYS_MAX || jwt_jwk_decode(jwk, &pk, &kid) != E_OK) {
		log_warn(NULL, "jwks: skipped an unusable key in '%s'",
		    ks->path);
		return;
	}
	if (jwt_kid_in(keys, *n, kid) || jwt_kid_in(ks->own, ks->nown, kid))
		log_warn(NULL, "jwks: skipped key '%s' in '%s': kid taken",
		    kid, ks->path);
	else if (jwt_key_fill(&keys[*n], pk, kid, json_object_get(jwk)) ==
	    E_OK)
		(*n)++;
	EVP_PKEY_free(pk);
}

/*
 * Parses the file's {"keys":[...]}. Keys that are not RS256 public
 * keys are skipped; a file that is not such an object is refused and
 * the keys in use stay. E_OK with the new keys, else E_INVALID.
 */
static enum err
jwt_keyset_parse(struct jwt_keyset *ks, const char *buf, size_t len,
    struct jwt_key **out, int *nout)
{
	struct json_object	*o = NULL, *arr;
	struct jwt_key		*keys;
	size_t			 i;
	int			 n = 0;

	if (json_parse_object(buf, len, JWT_JSON_DEPTH, &o) != E_OK ||
	    !json_object_object_get_ex(o, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		return E_INVALID;
	}
	keys = xcalloc(JWT_KEYS_MAX, sizeof(*keys));
	for (i = 0; i < json_object_array_length(arr); i++)
		jwt_keyset_take(ks, json_object_array_get_idx(arr, i), keys,
		    &n);
	json_object_put(o);
	*out = keys;
	*nout = n;
	return E_OK;
}

/* Replaces the file's keys with keys[0..n). */
static void
jwt_keyset_swap(struct jwt_keyset *ks, struct jwt_key *keys, int n)
{

	jwt_keys_free(ks->extra, ks->nextra);
	ks->extra = keys;
	ks->nextra = n;
	jwt_cache_clear(ks);
}

/* Loads the file as it is now; the old keys stay when it is unusable. */
static void
jwt_keyset_load(struct jwt_keyset *ks)
{
	char		*buf = NULL;
	size_t		 len;
	struct jwt_key	*keys;
	int		 n;
	enum err	 e;

	e = jwt_file_read(ks->path, &buf, &len);
	if (e == E_NOTFOUND) {
		if (ks->nextra > 0)
			log_info(NULL, "jwks: '%s' removed", ks->path);
		jwt_keyset_swap(ks, NULL, 0);
		return;
	}
	if (e != E_OK || jwt_keyset_parse(ks, buf, len, &keys, &n) != E_OK)
		log_warn(NULL, "jwks: '%s' is unreadable or malformed; "
		    "keeping the %d keys in use", ks->path, ks->nextra);
	else {
		jwt_keyset_swap(ks, keys, n);
		log_info(NULL, "jwks: loaded %d keys from '%s'", n, ks->path);
	}
	free(buf);
}

/*
 * Stats the file at most once per JWT_RELOAD_SEC and reloads it when
 * its device, inode, size or mtime differ from the last look.
 */
void
jwt_keyset_refresh(struct jwt_keyset *ks, time_t now)
{
	struct stat	 st;
	int		 same;

	if (ks->path == NULL)
		return;
	if (now == 0)
		now = time(NULL);
	if (ks->checked != 0 && now >= ks->checked &&
	    now - ks->checked < JWT_RELOAD_SEC)
		return;
	ks->checked = now;
	if (stat(ks->path, &st) == -1) {
		memset(&st, 0, sizeof(st));
		if (errno != ENOENT) {
			log_warn(NULL, "jwks: cannot stat '%s'", ks->path);
			return;
		}
	}
	same = ks->seen && st.st_dev == ks->dev && st.st_ino == ks->ino &&
	    st.st_size == ks->size && st.st_mtim.tv_sec == ks->mtim.tv_sec &&
	    st.st_mtim.tv_nsec == ks->mtim.tv_nsec;
	if (same)
		return;
	ks->seen = 1;
	ks->dev = st.st_dev;
	ks->ino = st.st_ino;
	ks->size = st.st_size;
	ks->mtim = st.st_mtim;
	jwt_keyset_load(ks);
}

/* The key named kid, own keys first; NULL when none. */
const struct jwt_key *
jwt_keyset_find(const struct jwt_keyset *ks, const char *kid)
{
	int	 i;

	for (i = 0; i < ks->nown; i++)
		if (strcmp(ks->own[i].kid, kid) == 0)
			return &ks->own[i];
	for (i = 0; i < ks->nextra; i++)
		if (strcmp(ks->extra[i].kid, kid) == 0)
			return &ks->extra[i];
	return NULL;
}

/* {"keys":[...]} with every own key, then every key of the file. */
struct json_object *
jwt_keyset_jwks(const struct jwt_keyset *ks)
{
	struct json_object	*o, *arr;
	int			 i;

	arr = json_object_new_array();
	for (i = 0; i < ks->nown; i++)
		json_object_array_add(arr, json_object_get(ks->own[i].jwk));
	for (i = 0; i < ks->nextra; i++)
		json_object_array_add(arr, json_object_get(ks->extra[i].jwk));
	o = json_object_new_object();
	json_object_object_add(o, "keys", arr);
	return o;
}

/* Frees every key and the path. */
void
jwt_keyset_release(struct jwt_keyset *ks)
{
	int	 i;

	for (i = 0; i < ks->nown; i++)
		jwt_key_release(&ks->own[i]);
	jwt_keys_free(ks->extra, ks->nextra);
	jwt_cache_free(ks);
	free(ks->path);
	memset(ks, 0, sizeof(*ks));
}
