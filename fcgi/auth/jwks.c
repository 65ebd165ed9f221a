/*
 * GET /auth/jwks.json and GET /.well-known/jwks.json: the service's own
 * public key, then every usable key of extra_jwks.json as it is now
 * (re-read when it changes). No SQL; nothing private ever leaves here.
 */
#include <string.h>

#include <json-c/json.h>

#include "jwks.h"
#include "jwt.h"
#include "keys.h"
#include "req.h"

#define JWKS_CACHE	"Cache-Control: public, max-age=300\r\n"

/*
 * 200 {"keys":[JWK, ...]} with Cache-Control: public, max-age=300.
 */
void
jwks_get(struct req *rq)
{
	struct json_object	*o;
	const char		*s;
	size_t			 len;

	jwt_keyset_refresh(keys_all(), 0);
	o = jwt_keyset_jwks(keys_all());
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	reply_raw(rq, 200, "application/json; charset=utf-8", JWKS_CACHE, s,
	    len);
	json_object_put(o);
}
