/* GET and DELETE /v1/me (API.md §4). */
#ifndef VISITOR_H
#define VISITOR_H

struct req;

void	visitor_get(struct req *);
void	visitor_delete(struct req *);

#endif
