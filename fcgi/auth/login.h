/* POST /auth/login (API.md §3). */
#ifndef LOGIN_H
#define LOGIN_H

struct req;

void	login_post(struct req *);

#endif
