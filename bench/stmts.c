/*
 * stmts: the agent's SQL exactly as its repositories send it, taken
 * from their statement tables, for the pgbench scripts and EXPLAINs of
 * bench/40-agent.sh. Never part of a service.
 *
 * Built from several objects of this one file (bench/40-agent.sh): one
 * per repository, with REPO_FILE naming the repository's .c and
 * REPO_TABLE the function that hands out its table (the tables are
 * static, so each needs a translation unit of its own), and one with
 * STMTS_MAIN for the command line:
 *
 *   stmts list                 name, parameter count, SQL; one a line
 *   stmts raw NAME             the SQL with its $n parameters
 *   stmts pgbench NAME ARG...  the SQL with $n replaced by ARGn (":var"
 *                              or a literal such as NULL); a string
 *                              literal holding ':' is written as the
 *                              same string in U&'' form, so that
 *                              pgbench does not take ":MI" in
 *                              'HH24:MI:SS' for a variable
 *
 * Exit 0, 1 for an unknown name or a wrong argument count, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#ifdef REPO_FILE
#include REPO_FILE

void	REPO_TABLE(const struct stmt **, size_t *);

void
REPO_TABLE(const struct stmt **s, size_t *n)
{
	*s = q;
	*n = sizeof(q) / sizeof(q[0]);
}
#endif

#ifdef STMTS_MAIN
typedef void	(*table_fn)(const struct stmt **, size_t *);

void	stmts_visitors(const struct stmt **, size_t *);
void	stmts_conversations(const struct stmt **, size_t *);
void	stmts_messages(const struct stmt **, size_t *);
void	stmts_runs(const struct stmt **, size_t *);
void	stmts_tickets(const struct stmt **, size_t *);

static const table_fn tables[] = {
	stmts_visitors, stmts_conversations, stmts_messages, stmts_runs,
	stmts_tickets, NULL
};

static const struct stmt *
find(const char *name)
{
	const struct stmt	*s;
	size_t			 i, n;
	int			 t;

	for (t = 0; tables[t] != NULL; t++) {
		tables[t](&s, &n);
		for (i = 0; i < n; i++)
			if (s[i].name != NULL && strcmp(s[i].name, name) == 0)
				return &s[i];
	}
	return NULL;
}

/* The string literal starting at p (a quote): its length with both
 * quotes, and whether it holds a colon. */
static size_t
literal(const char *p, int *colon)
{
	size_t	i;

	*colon = 0;
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] == ':')
			*colon = 1;
		if (p[i] == '\'') {
			if (p[i + 1] != '\'')
				return i + 1;
			i++;
		}
	}
	return i;
}

static int
pgbench_form(const struct stmt *st, int argc, char **argv)
{
	const char	*p = st->sql;
	size_t		 len, i;
	long		 k;
	char		*end;
	int		 colon;

	if (argc != st->nparams) {
		fprintf(stderr, "stmts: '%s' takes %d parameters, not %d\n",
		    st->name, st->nparams, argc);
		return 1;
	}
	while (*p != '\0') {
		if (*p == '\'') {
			len = literal(p, &colon);
			if (!colon) {
				fwrite(p, 1, len, stdout);
				p += len;
				continue;
			}
			fputs("U&'", stdout);
			for (i = 1; i < len - 1; i++)
				if (p[i] == ':')
					fputs("\\003A", stdout);
				else if (p[i] == '\\')
					fputs("\\\\", stdout);
				else
					putchar(p[i]);
			putchar('\'');
			p += len;
		} else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			k = strtol(p + 1, &end, 10);
			if (k > argc) {
				fprintf(stderr, "stmts: '%s' uses $%ld\n",
				    st->name, k);
				return 1;
			}
			fputs(argv[k - 1], stdout);
			p = end;
		} else
			putchar(*p++);
	}
	putchar('\n');
	return 0;
}

int
main(int argc, char **argv)
{
	const struct stmt	*s;
	size_t			 i, n;
	int			 t;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (t = 0; tables[t] != NULL; t++) {
			tables[t](&s, &n);
			for (i = 0; i < n; i++)
				if (s[i].name != NULL)
					printf("%s\t%d\t%s\n", s[i].name,
					    s[i].nparams, s[i].sql);
		}
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "raw") != 0 &&
	    strcmp(argv[1], "pgbench") != 0)) {
		fprintf(stderr, "usage: stmts list | raw NAME | "
		    "pgbench NAME ARG...\n");
		return 2;
	}
	if ((s = find(argv[2])) == NULL) {
		fprintf(stderr, "stmts: no statement '%s'\n", argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "raw") == 0) {
		printf("%s\n", s->sql);
		return 0;
	}
	return pgbench_form(s, argc - 3, argv + 3);
}
#endif
