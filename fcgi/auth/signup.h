/* POST /auth/signup (API.md §3). */
#ifndef SIGNUP_H
#define SIGNUP_H

struct req;

void	signup_post(struct req *);

#endif
