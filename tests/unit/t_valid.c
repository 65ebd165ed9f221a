/*
 * valid.c: emails are normalised as the Python service did,
 * email.strip().lower() with Unicode spaces and case, before the
 * local@domain shape and the byte limits are checked; a login's email
 * is normalised the same way and not shaped.
 */
#include <string.h>

#include "t.h"
#include "auth/valid.c"

/* Signup: valid_email() gives want, or refuses the address (NULL). */
static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} signup[] = {
	{ "ascii", "  Ada@Example.ORG \t\r\n", "ada@example.org" },
	{ "latin-capital", "\xc3\x84LICE@EXAMPLE.COM",
	    "\xc3\xa4lice@example.com" },
	{ "no-break-space", "\xc2\xa0" "alice@example.com",
	    "alice@example.com" },
	{ "kelvin-sign", "\xe2\x84\xaa" "elvin@example.com",
	    "kelvin@example.com" },
	{ "unicode-spaces", "\xe2\x80\x83\xe3\x80\x80" "a@b.c\xe2\x80\xa8",
	    "a@b.c" },
	/* Python strips \x1c..\x1f: no control byte is left to refuse */
	{ "ascii-separators", "\x1c" "ada@example.org\x1f",
	    "ada@example.org" },
	{ "dotted-capital-i", "\xc4\xb0" "DRIS@EXAMPLE.COM",
	    "i\xcc\x87" "dris@example.com" },
	{ "greek-final-sigma", "\xce\x9f\xce\x94\xce\x9f\xce\xa3"
	    "@EXAMPLE.GR", "\xce\xbf\xce\xb4\xce\xbf\xcf\x82@example.gr" },
	{ "empty", "", NULL },
	{ "only-spaces", " \t\xc2\xa0\xe3\x80\x80 ", NULL },
	{ "no-at", "not-an-email", NULL },
	{ "one-label", "a@b", NULL },
	{ "no-local", "@b.c", NULL },
	{ "two-ats", "a@@b.c", NULL },
	{ "leading-dot", "a@.b.c", NULL },
	{ "trailing-dot", "a@b.c.", NULL },
	{ "double-dot", "a@b..c", NULL },
	{ "inner-space", "a b@c.d", NULL },
	{ "inner-control", "a\x01" "b@c.d", NULL },
	{ "not-utf8", "a\xff@b.c", NULL },
};

/* Login: valid_email_norm() gives want, not shaped. */
static const struct {
	const char	*in;
	const char	*want;
} login[] = {
	{ "  ADA@EXAMPLE.ORG ", "ada@example.org" },
	{ "\xc2\xa0" "Alice@Example.com\xe3\x80\x80", "alice@example.com" },
	{ "\xe2\x84\xaa" "ELVIN@EXAMPLE.COM", "kelvin@example.com" },
	{ "Not-An-Email", "not-an-email" },
	{ " \xe2\x80\x83 ", "" },
};

static void
t_signup(void)
{
	struct arena	 a;
	char		*out;
	size_t		 i;
	enum err	 e;

	arena_init(&a);
	for (i = 0; i < sizeof(signup) / sizeof(signup[0]); i++) {
		out = NULL;
		e = valid_email(&a, signup[i].in, &out);
		if (signup[i].want == NULL) {
			if (e != E_INVALID || out != NULL)
				T_FAIL("%s: accepted as \"%s\"",
				    signup[i].name, out ? out : "");
		} else {
			if (e != E_OK)
				T_FAIL("%s: refused", signup[i].name);
			T_STR(out, signup[i].want);
		}
		T_PASS(signup[i].name);
	}
	arena_release(&a);
}

static void
t_login(void)
{
	struct arena	 a;
	char		*out;
	size_t		 i;

	arena_init(&a);
	for (i = 0; i < sizeof(login) / sizeof(login[0]); i++) {
		out = NULL;
		T_EQ(valid_email_norm(&a, login[i].in, &out), E_OK);
		T_STR(out, login[i].want);
	}
	out = (char *)"untouched";
	T_EQ(valid_email_norm(&a, "a\xc3", &out), E_INVALID);
	T_STR(out, "untouched");
	arena_release(&a);
	T_PASS("login-normalised-not-shaped");
}

/* s = n copies of unit, then tail; returns s. */
static char *
t_fill(char *s, const char *unit, size_t n, const char *tail)
{
	size_t	 i;

	s[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(s, unit);
	strcat(s, tail);
	return s;
}

/*
 * The limits count bytes of the normalised address: 64 before the '@',
 * EMAIL_MAX in all, whatever the input's length before normalising.
 */
static void
t_limits(void)
{
	struct arena	 a;
	char		 s[2048], *out;
	char		 dom[EMAIL_MAX];

	arena_init(&a);
	/* local part: 64 bytes pass, 65 do not; "\xc3\x84" lowers to 2 */
	T_EQ(valid_email(&a, t_fill(s, "x", 64, "@b.c"), &out), E_OK);
	T_EQ(valid_email(&a, t_fill(s, "x", 65, "@b.c"), &out), E_INVALID);
	T_EQ(valid_email(&a, t_fill(s, "\xc3\x84", 32, "@b.c"), &out), E_OK);
	T_EQ(valid_email(&a, t_fill(s, "\xc3\x84", 33, "@b.c"), &out),
	    E_INVALID);
	/* the whole: "a@" + domain of EMAIL_MAX - 2 bytes, then one more */
	memset(dom, 'd', EMAIL_MAX - 2 - 4);
	memcpy(dom + EMAIL_MAX - 2 - 4, ".com", 5);
	T_EQ(strlen(dom), EMAIL_MAX - 2);
	T_EQ(valid_email(&a, t_fill(s, "a@", 1, dom), &out), E_OK);
	T_EQ(strlen(out), EMAIL_MAX);
	T_EQ(valid_email(&a, t_fill(s, "ab@", 1, dom), &out), E_INVALID);
	/* trimmed before counting: spaces around do not count */
	t_fill(s, "\xe3\x80\x80", 40, "a@");
	strcat(s, dom);
	strcat(s, "\xc2\xa0\xc2\xa0");
	T_EQ(valid_email(&a, s, &out), E_OK);
	T_EQ(strlen(out), EMAIL_MAX);
	/* KELVIN SIGN is 3 bytes in, 1 byte out: the output counts */
	t_fill(s, "\xe2\x84\xaa", 60, "@");
	strcat(s, t_fill(dom, "k", 180, ".com"));
	T_OK(strlen(s) > EMAIL_MAX);
	T_EQ(valid_email(&a, s, &out), E_OK);
	T_EQ(strlen(out), 60 + 1 + 184);
	arena_release(&a);
	T_PASS("email-limits-in-bytes-after-normalising");
}

int
main(void)
{

	t_signup();
	t_login();
	t_limits();
	return 0;
}
