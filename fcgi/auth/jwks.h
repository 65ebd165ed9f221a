/* GET /auth/jwks.json and /.well-known/jwks.json (API.md §3). */
#ifndef JWKS_H
#define JWKS_H

struct req;

void	jwks_get(struct req *);

#endif
