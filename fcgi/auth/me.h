/* GET and PATCH /auth/me, POST /auth/password (API.md §3). */
#ifndef ME_H
#define ME_H

struct req;

void	me_get(struct req *);
void	me_patch(struct req *);
void	me_password_post(struct req *);

#endif
