/*
 * `dataland catalog load|check FILE` (API.md §6): reads a museum
 * catalogue in JSON Lines (sql/catalog/README.md), checks every line,
 * and loads it all in one transaction, or nothing when any line is
 * wrong. Each line goes through json.c's strict parser; what is wrong
 * is reported as `catalog: FILE:LINE: what`. The SQL is in
 * repo_catalog_load.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "caps.h"
#include "json.h"

#include "cli.h"
#include "cmds.h"
#include "repo_catalog_load.h"

#define CAT_LINE_MAX		(64 * 1024)	/* bytes of one line */
#define CAT_PROBLEMS_MAX	20		/* problems printed */
#define CAT_SHOW_MAX		60		/* bytes of a value shown */

static const char *const cmd_catalog_usage[] = {
	"usage: dataland catalog load FILE",
	"       dataland catalog check FILE",
	"",
	"Reads FILE (- for standard input), a museum catalogue in JSON Lines",
	"(sql/catalog/README.md): one object per line, \"type\" \"artwork\" or",
	"\"document\", every other field a column of that table, each one",
	"required and a non-empty string; ids are 1 to 80 characters of",
	"[a-z0-9-], unique per type within the file.",
	"",
	"  load    upserts every line by id into the artworks and documents of",
	"          DATABASE_URL in one transaction: a row equal to the stored",
	"          one is left alone, rows the file does not name stay",
	"  check   checks FILE only; no database is touched",
	"",
	"A wrong line is reported as 'catalog: FILE:LINE: what is wrong', and",
	"then nothing of the file is loaded (exit 1).",
	NULL
};

/* The file being read: its rows so far and its problems. */
struct catalog_file {
	const char		*path;
	struct arena		 a;		/* the rows' strings */
	struct catalog_row	*rows;
	size_t			 n, cap;
	size_t			 problems;
};

/* An id: 1 to CATALOG_ID_MAX characters of [a-z0-9-]. */
static const struct strspec cmd_catalog_id_spec = {
	1, CATALOG_ID_MAX, "a-z0-9-", 0
};

/* Reports a problem at line (0: the whole file); counts every one,
 * prints the first CAT_PROBLEMS_MAX. */
static void __attribute__((format(printf, 3, 4)))
cmd_catalog_problem(struct catalog_file *cf, size_t line, const char *fmt, ...)
{
	va_list	ap;

	if (cf->problems++ >= CAT_PROBLEMS_MAX)
		return;
	if (line > 0)
		fprintf(stderr, "catalog: %s:%zu: ", cf->path, line);
	else
		fprintf(stderr, "catalog: %s: ", cf->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* s made safe to print: control bytes as '?', cut to CAT_SHOW_MAX. */
static const char *
cmd_catalog_show(char *buf, size_t sz, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < CAT_SHOW_MAX && i + 4 < sz; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
		    '?' : s[i];
	if (s[i] != '\0')
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

/*
 * One line into buf (at most cap bytes, without its newline): 1 with
 * *len, 0 at the end of the file, -1 for a longer line (the rest of it
 * is skipped), -2 on a read error.
 */
static int
cmd_catalog_read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
	size_t	n = 0;
	int	c, over = 0;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n < cap)
			buf[n++] = (char)c;
		else
			over = 1;
	}
	if (ferror(f))
		return -2;
	if (c == EOF && n == 0 && !over)
		return 0;
	*len = n;
	return over ? -1 : 1;
}

/* Room for one more row. */
static struct catalog_row *
cmd_catalog_add(struct catalog_file *cf)
{
	struct catalog_row	*r;

	if (cf->n == cf->cap) {
		cf->cap = cf->cap ? 2 * cf->cap : 256;
		r = xcalloc(cf->cap, sizeof(*r));
		if (cf->n > 0)
			memcpy(r, cf->rows, cf->n * sizeof(*r));
		free(cf->rows);
		cf->rows = r;
	}
	return &cf->rows[cf->n++];
}

/* The index of key among the fields of ki, or -1. */
static int
cmd_catalog_field(const struct catalog_kind_info *ki, const char *key)
{
	size_t	i;

	for (i = 0; i < ki->nfields; i++)
		if (strcmp(ki->fields[i], key) == 0)
			return (int)i;
	return -1;
}

/* The kind named by o's "type"; -1 after reporting why there is none. */
static int
cmd_catalog_kind(struct catalog_file *cf, size_t line, struct json_object *o)
{
	struct json_object	*t;
	const char		*s;
	char			 show[CAT_SHOW_MAX + 4];
	int			 k;

	if (!json_object_object_get_ex(o, "type", &t)) {
		cmd_catalog_problem(cf, line, "no \"type\" field");
		return -1;
	}
	if (!json_object_is_type(t, json_type_string)) {
		cmd_catalog_problem(cf, line, "\"type\" must be a string");
		return -1;
	}
	s = json_object_get_string(t);
	for (k = 0; k < CATALOG_KIND__MAX; k++)
		if (strcmp(catalog_kinds[k].type, s) == 0)
			return k;
	cmd_catalog_problem(cf, line, "unknown type '%s' (artwork or document)",
	    cmd_catalog_show(show, sizeof(show), s));
	return -1;
}

/* 1 when s holds only JSON white space (or nothing). */
static int
cmd_catalog_blank(const char *s, size_t len)
{
	return strspn(s, " \t\r\n") == len;
}

/* Each member of o into r->v: -1 after reporting the first wrong one. */
static int
cmd_catalog_members(struct catalog_file *cf, size_t line, struct json_object *o,
    struct catalog_row *r)
{
	const struct catalog_kind_info	*ki = &catalog_kinds[r->kind];
	const char			*s;
	char				 show[CAT_SHOW_MAX + 4];
	int				 f;

	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "type") == 0)
			continue;
		if ((f = cmd_catalog_field(ki, key)) < 0) {
			cmd_catalog_problem(cf, line,
			    "unknown field '%s' for %s %s",
			    cmd_catalog_show(show, sizeof(show), key),
			    r->kind == CATALOG_ARTWORK ? "an" : "a", ki->type);
			return -1;
		}
		if (!json_object_is_type(val, json_type_string)) {
			cmd_catalog_problem(cf, line, "'%s' must be a string",
			    key);
			return -1;
		}
		s = json_object_get_string(val);
		if (cmd_catalog_blank(s,
		    (size_t)json_object_get_string_len(val))) {
			cmd_catalog_problem(cf, line, "'%s' is empty", key);
			return -1;
		}
		r->v[f] = arena_strdup(&cf->a, s);
	}
	return 0;
}

/* Checks that every field of r is there and its id is well formed. */
static int
cmd_catalog_complete(struct catalog_file *cf, size_t line,
    const struct catalog_row *r)
{
	const struct catalog_kind_info	*ki = &catalog_kinds[r->kind];
	char				 want[JSON_EXPECT_MAX];
	char				 show[CAT_SHOW_MAX + 4];
	size_t				 i;

	for (i = 0; i < ki->nfields; i++)
		if (r->v[i] == NULL) {
			cmd_catalog_problem(cf, line, "no '%s' field",
			    ki->fields[i]);
			return -1;
		}
	if (!json_str_ok(&cmd_catalog_id_spec, r->v[0], strlen(r->v[0]))) {
		json_str_expect(&cmd_catalog_id_spec, want, sizeof(want));
		cmd_catalog_problem(cf, line, "id '%s' must be %s",
		    cmd_catalog_show(show, sizeof(show), r->v[0]), want);
		return -1;
	}
	return 0;
}

/* Checks one line and keeps it as a row, or reports what is wrong. */
static void
cmd_catalog_line(struct catalog_file *cf, size_t line, const char *buf,
    size_t len)
{
	struct json_object	*o = NULL;
	struct catalog_row	 r;
	int			 k;

	if (cmd_catalog_blank(buf, len)) {
		cmd_catalog_problem(cf, line, "blank line");
		return;
	}
	if (line == 1 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		cmd_catalog_problem(cf, line, "starts with a byte order mark");
		return;
	}
	if (!json_utf8_valid(buf, len)) {
		cmd_catalog_problem(cf, line,
		    "not valid UTF-8 (or holds a NUL byte)");
		return;
	}
	if (json_parse_object(buf, len, JSON_DEPTH_MAX, &o) != E_OK) {
		cmd_catalog_problem(cf, line, "not a JSON object");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.line = line;
	if ((k = cmd_catalog_kind(cf, line, o)) >= 0) {
		r.kind = k;
		if (cmd_catalog_members(cf, line, o, &r) == 0 &&
		    cmd_catalog_complete(cf, line, &r) == 0)
			*cmd_catalog_add(cf) = r;
	}
	json_object_put(o);
}

/* Reads every line of f; 0, or -1 when the file cannot be read. */
static int
cmd_catalog_read(struct catalog_file *cf, FILE *f)
{
	char	*buf;
	size_t	 len = 0, line = 0;
	int	 rc;

	buf = xmalloc(CAT_LINE_MAX);
	while ((rc = cmd_catalog_read_line(f, buf, CAT_LINE_MAX, &len)) != 0) {
		line++;
		if (rc == -2)
			break;
		if (rc == -1)
			cmd_catalog_problem(cf, line,
			    "line longer than %d bytes", CAT_LINE_MAX);
		else
			cmd_catalog_line(cf, line, buf, len);
	}
	free(buf);
	if (rc == -2) {
		fprintf(stderr, "catalog: cannot read '%s': %s\n", cf->path,
		    strerror(errno));
		return -1;
	}
	if (line == 0)
		cmd_catalog_problem(cf, 0, "the file is empty");
	return 0;
}

/* Orders rows by kind, id, then line (qsort). */
static int
cmd_catalog_cmp(const void *pa, const void *pb)
{
	const struct catalog_row	*a = pa, *b = pb;
	int				 c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->v[0], b->v[0])) != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Reports every id that a kind uses twice, naming both lines. */
static void
cmd_catalog_duplicates(struct catalog_file *cf)
{
	struct catalog_row	*s;
	size_t			 i, first = 0;

	if (cf->n < 2)
		return;
	s = xcalloc(cf->n, sizeof(*s));
	memcpy(s, cf->rows, cf->n * sizeof(*s));
	qsort(s, cf->n, sizeof(*s), cmd_catalog_cmp);
	for (i = 1; i < cf->n; i++) {
		if (s[i].kind != s[first].kind ||
		    strcmp(s[i].v[0], s[first].v[0]) != 0) {
			first = i;
			continue;
		}
		cmd_catalog_problem(cf, s[i].line,
		    "duplicate %s id '%s' (first on line %zu)",
		    catalog_kinds[s[i].kind].type, s[i].v[0], s[first].line);
	}
	free(s);
}

/* Opens, reads and checks path; 0 when every line is right. */
static int
cmd_catalog_file_read(struct catalog_file *cf, const char *path)
{
	FILE	*f;
	int	 rc;

	memset(cf, 0, sizeof(*cf));
	arena_init(&cf->a);
	cf->path = path;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "catalog: cannot open '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	rc = cmd_catalog_read(cf, f);
	if (f != stdin)
		fclose(f);
	if (rc == 0)
		cmd_catalog_duplicates(cf);
	if (rc == 0 && cf->problems > CAT_PROBLEMS_MAX)
		fprintf(stderr, "catalog: %s: %zu more problems not shown\n",
		    path, cf->problems - CAT_PROBLEMS_MAX);
	if (rc == 0 && cf->problems > 0)
		fprintf(stderr, "catalog: %s: %zu problem%s; nothing "
		    "loaded\n", path, cf->problems, cf->problems == 1 ?
		    "" : "s");
	return rc == 0 && cf->problems == 0 ? 0 : -1;
}

static void
cmd_catalog_file_release(struct catalog_file *cf)
{
	free(cf->rows);
	arena_release(&cf->a);
}

/* Loads the checked rows; 0, or 1 after saying why. */
static int
cmd_catalog_load(const struct catalog_file *cf)
{
	struct catalog_counts	 c;
	struct db		*db;
	long			 all, added, changed;

	if ((db = cli_db()) == NULL)
		return 1;
	if (repo_catalog_load(db, cf->rows, cf->n, &c) != E_OK) {
		fprintf(stderr, "catalog: cannot load '%s': the database "
		    "failed; nothing loaded\n", cf->path);
		return 1;
	}
	all = c.rows[CATALOG_ARTWORK] + c.rows[CATALOG_DOCUMENT];
	added = c.added[CATALOG_ARTWORK] + c.added[CATALOG_DOCUMENT];
	changed = c.changed[CATALOG_ARTWORK] + c.changed[CATALOG_DOCUMENT];
	printf("loaded %ld artworks, %ld documents: %ld new, %ld changed, "
	    "%ld unchanged\n", c.rows[CATALOG_ARTWORK],
	    c.rows[CATALOG_DOCUMENT], added, changed, all - added - changed);
	return 0;
}

/*
 * Returns 0 when FILE was loaded (or, for check, is right), 1 when a
 * line is wrong, the file cannot be read or the database fails, 2 on
 * a usage error.
 */
int
cmd_catalog(int argc, char **argv)
{
	struct catalog_file	 cf;
	int		 rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		cli_usage(stdout, cmd_catalog_usage);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "load") != 0 &&
	    strcmp(argv[1], "check") != 0)) {
		cli_usage(stderr, cmd_catalog_usage);
		return 2;
	}
	if (cmd_catalog_file_read(&cf, argv[2]) != 0)
		rc = 1;
	else if (strcmp(argv[1], "check") == 0) {
		printf("%s: %zu lines, every one right\n", argv[2], cf.n);
		rc = 0;
	} else
		rc = cmd_catalog_load(&cf);
	cmd_catalog_file_release(&cf);
	return rc;
}
