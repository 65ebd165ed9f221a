/*
 * What the agent's repositories share: how a timestamp leaves the
 * database (RFC 3339 in UTC with microseconds, API.md §2, formatted by
 * the server so that no client time zone setting matters).
 */
#ifndef AGENT_REPO_H
#define AGENT_REPO_H

#define REPO_TS(col)							\
	"to_char(" col " AT TIME ZONE 'UTC',"				\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#endif
