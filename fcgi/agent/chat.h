/* POST /v1/chat/museum and POST /v1/chat (API.md §4). */
#ifndef CHAT_H
#define CHAT_H

struct req;

void	chat_museum_post(struct req *);
void	chat_post(struct req *);

#endif
