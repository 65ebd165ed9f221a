/* The conversation routes (API.md §4). */
#ifndef CONVERSATIONS_H
#define CONVERSATIONS_H

struct req;

void	conversations_list(struct req *);
void	conversations_get(struct req *);
void	conversations_patch(struct req *);
void	conversations_delete(struct req *);
void	conversations_runs_get(struct req *);
void	messages_feedback_post(struct req *);

#endif
