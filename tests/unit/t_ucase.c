/*
 * ucase.c: a table of strip-and-lowercase cases (look-alike emails,
 * SpecialCasing, the final sigma, scripts with their own case), input
 * that is not UTF-8, and every code point U+0000..U+10FFFF in several
 * contexts compared with what python3's own str.strip().lower() makes
 * of it. Without python3 (scripts/deps.sh installs it) that check
 * fails: the tables are only right if they still agree with Python.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "core/arena.h"
#include "core/ucase.c"

/* An input with its length, so that NUL bytes can be part of it. */
#define TC(s)	(s), sizeof(s) - 1

/* Python 3.11: s.strip().lower() == want, both as UTF-8. */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
	size_t		 wlen;
} cases[] = {
	/* the hostile-client probe */
	{ "latin-capital", TC("\xc3\x84LICE@EXAMPLE.COM"),
	    TC("\xc3\xa4lice@example.com") },
	{ "no-break-space", TC("\xc2\xa0" "alice@example.com"),
	    TC("alice@example.com") },
	{ "kelvin-sign", TC("\xe2\x84\xaa" "elvin@example.com"),
	    TC("kelvin@example.com") },
	{ "unicode-spaces", TC("\xe2\x80\x83\xe3\x80\x80" "a@b.c"
	    "\xe2\x80\xa8"), TC("a@b.c") },
	{ "ohm-sign", TC("\xce\xa9\xe2\x84\xa6"), TC("\xcf\x89\xcf\x89") },
	{ "titlecase-dz", TC("\xc7\x85"), TC("\xc7\x86") },
	/* SpecialCasing: U+0130 becomes i + U+0307 */
	{ "dotted-capital-i", TC("\xc4\xb0"), TC("i\xcc\x87") },
	{ "dotted-capital-i-word", TC("\xc4\xb0STANBUL"),
	    TC("i\xcc\x87stanbul") },
	/* Turkish dotless i stays; I is i whatever the locale */
	{ "dotless-i", TC("\xc4\xb1I"), TC("\xc4\xb1i") },
	/* sharp s: lower() keeps it, the capital becomes it */
	{ "sharp-s", TC("\xc3\x9f"), TC("\xc3\x9f") },
	{ "capital-sharp-s", TC("\xe1\xba\x9e"), TC("\xc3\x9f") },
	/* final sigma: after a cased letter, before none */
	{ "sigma-final", TC("\xce\x9f\xce\x94\xce\x9f\xce\xa3"),
	    TC("\xce\xbf\xce\xb4\xce\xbf\xcf\x82") },
	{ "sigma-alone", TC("\xce\xa3"), TC("\xcf\x83") },
	{ "sigma-first", TC("\xce\xa3\xce\x91"), TC("\xcf\x83\xce\xb1") },
	{ "sigma-middle", TC("\xce\x91\xce\xa3\xce\x91"),
	    TC("\xce\xb1\xcf\x83\xce\xb1") },
	{ "sigma-before-dot", TC("\xce\x91\xce\xa3."),
	    TC("\xce\xb1\xcf\x82.") },
	{ "sigma-before-digit", TC("\xce\x91\xce\xa3" "1"),
	    TC("\xce\xb1\xcf\x82" "1") },
	{ "sigma-before-hyphen", TC("\xce\x91\xce\xa3-\xce\x92"),
	    TC("\xce\xb1\xcf\x82-\xce\xb2") },
	/* an apostrophe is case-ignorable: looked past both ways */
	{ "sigma-apostrophe-cased", TC("\xce\x91\xce\xa3'\xce\x91"),
	    TC("\xce\xb1\xcf\x83'\xce\xb1") },
	{ "sigma-apostrophe-end", TC("\xce\x91\xce\xa3'"),
	    TC("\xce\xb1\xcf\x82'") },
	{ "sigma-after-apostrophe", TC("\xce\x91'\xce\xa3"),
	    TC("\xce\xb1'\xcf\x82") },
	/* U+0345 (Mn) is ignorable; U+02B0 (Lm) too, so nothing precedes */
	{ "sigma-ypogegrammeni", TC("\xce\x91\xce\xa3\xcd\x85"),
	    TC("\xce\xb1\xcf\x82\xcd\x85") },
	{ "sigma-after-modifier", TC("\xca\xb0\xce\xa3"),
	    TC("\xca\xb0\xcf\x83") },
	/* the rule sees the stripped text, as Python lowers strip()'s */
	{ "sigma-stripped", TC(" \xce\x91\xce\xa3 "), TC("\xce\xb1\xcf\x82") },
	{ "sigma-stripped-nbsp", TC("\xce\x91\xce\xa3\xc2\xa0"),
	    TC("\xce\xb1\xcf\x82") },
	{ "sigma-inner-nbsp", TC("\xce\x91\xce\xa3\xc2\xa0\xce\x92"),
	    TC("\xce\xb1\xcf\x82\xc2\xa0\xce\xb2") },
	/* Cherokee: capitals lower to U+AB70.., small letters stay */
	{ "cherokee", TC("\xe1\x8f\xa3\xe1\x8e\xb3\xe1\x8e\xa9"),
	    TC("\xea\xae\xb3\xea\xae\x83\xea\xad\xb9") },
	{ "cherokee-small", TC("\xea\xae\xb3\xea\xae\x83\xea\xad\xb9"),
	    TC("\xea\xae\xb3\xea\xae\x83\xea\xad\xb9") },
	{ "cherokee-ye", TC("\xe1\x8f\xb0"), TC("\xe1\x8f\xb8") },
	/* Georgian: Mtavruli to Mkhedruli, Asomtavruli to Nuskhuri */
	{ "georgian-mtavruli", TC("\xe1\xb2\x9b\xe1\xb2\x90\xe1\xb2\xa0"
	    "\xe1\xb2\x98"), TC("\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa0"
	    "\xe1\x83\x98") },
	{ "georgian-mkhedruli", TC("\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa0"
	    "\xe1\x83\x98"), TC("\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa0"
	    "\xe1\x83\x98") },
	{ "georgian-asomtavruli", TC("\xe1\x82\xa0\xe1\x82\xa1"),
	    TC("\xe2\xb4\x80\xe2\xb4\x81") },
	/* ASCII fast path, Python's spaces: \x1c..\x1f are some */
	{ "ascii", TC("  Ada@Example.ORG \t\r\n"), TC("ada@example.org") },
	{ "ascii-separators", TC("\x1c\x1f" "a\x1e\x1d"), TC("a") },
	{ "ascii-nul", TC("A\0B"), TC("a\0b") },
	{ "ascii-punct", TC("[\\]^_`{|}~@"), TC("[\\]^_`{|}~@") },
	{ "empty", TC(""), TC("") },
	{ "only-spaces", TC(" \t\xc2\xa0\xe3\x80\x80 "), TC("") },
	{ "only-ascii-spaces", TC(" \t\v\f\r\n "), TC("") },
	/* U+0085 is a space; U+180E no longer is (Unicode 6.3) */
	{ "nel-mongolian-vs", TC(" \xc2\x85x\xe1\xa0\x8e"),
	    TC("x\xe1\xa0\x8e") },
};

/* Not UTF-8: E_INVALID, outputs untouched, nothing read past len. */
static const struct {
	const char	*in;
	size_t		 len;
} bad[] = {
	{ TC("\xff") }, { TC("\x80") }, { TC("a\xc3") }, { TC("\xc3(") },
	{ TC("\xc0\x80") }, { TC("\xc1\xbf") }, { TC("\xe0\x9f\xbf") },
	{ TC("\xed\xa0\x80") }, { TC("\xed\xbf\xbf") },
	{ TC("\xf0\x8f\xbf\xbf") }, { TC("\xf4\x90\x80\x80") },
	{ TC("\xf5\x80\x80\x80") }, { TC("\xe2\x82") },
	{ TC("\xce\xa3\xe2\x82") }, { TC("\xf0\x9f\x98") },
	{ TC("\xce\xa3\xce") }, { TC("ok \xe2\x80\x83\xe2\x28\xa1") },
};

static void
t_cases(void)
{
	struct arena	 a;
	char		*out;
	size_t		 i, n;

	arena_init(&a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = NULL;
		n = 0;
		if (ucase_strip_lower(&a, cases[i].in, cases[i].len, &out,
		    &n) != E_OK)
			T_FAIL("%s: not E_OK", cases[i].name);
		if (n != cases[i].wlen || memcmp(out, cases[i].want, n) != 0)
			T_FAIL("%s: got \"%.*s\" (%zu bytes)", cases[i].name,
			    (int)n, out, n);
		T_EQ(out[n], '\0');
		T_PASS(cases[i].name);
	}
	arena_release(&a);
}

static void
t_bad(void)
{
	struct arena	 a;
	char		*out, *in;
	size_t		 i, n;

	arena_init(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* an exact-size heap copy, so ASan sees any overread */
		in = xmalloc(bad[i].len);
		memcpy(in, bad[i].in, bad[i].len);
		out = (char *)"untouched";
		n = 7;
		T_EQ(ucase_strip_lower(&a, in, bad[i].len, &out, &n),
		    E_INVALID);
		T_STR(out, "untouched");
		T_EQ(n, 7);
		free(in);
	}
	arena_release(&a);
	T_PASS("not-utf8");
}

/*
 * Contexts each code point is tried in ('%' stands for it): alone and
 * between letters (lower and strip), at both ends (strip), and the
 * three places around a capital sigma that decide the final form.
 */
static const char *const probes[] = {
	"%", "a%b", "%a%", "A%\xce\xa3", "%\xce\xa3", "A\xce\xa3%",
};

/* Python's side: the Unicode version, then for every scalar value and
 * probe one length byte and the UTF-8 of s.strip().lower(). */
static const char py_expect[] =
	"import signal, sys, unicodedata\n"
	"signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n"
	"o = sys.stdout.buffer\n"
	"o.write(unicodedata.unidata_version.encode() + b'\\n')\n"
	"ps = sys.argv[1:]\n"
	"for c in range(0x110000):\n"
	"    if 0xD800 <= c <= 0xDFFF:\n"
	"        continue\n"
	"    b = bytearray()\n"
	"    for p in ps:\n"
	"        r = p.replace('%', chr(c)).strip().lower().encode()\n"
	"        b.append(len(r))\n"
	"        b += r\n"
	"    o.write(b)\n";

/* Starts python3 on py_expect; its stdout is returned, *pid set. */
static FILE *
t_python(pid_t *pid)
{
	const char	*argv[6 + sizeof(probes) / sizeof(probes[0]) + 1];
	size_t		 i, n = 0;
	int		 fd[2];
	FILE		*f;

	argv[n++] = "python3";
	argv[n++] = "-I";
	argv[n++] = "-X";
	argv[n++] = "utf8";		/* argv is UTF-8 whatever the locale */
	argv[n++] = "-c";
	argv[n++] = py_expect;
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		argv[n++] = probes[i];
	argv[n] = NULL;
	T_EQ(pipe(fd), 0);
	T_OK((*pid = fork()) != -1);
	if (*pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "t_ucase: cannot run python3: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	T_OK((f = fdopen(fd[0], "r")) != NULL);
	return f;
}

/* p with every '%' replaced by the UTF-8 of c, at buf; returns length. */
static size_t
t_probe(const char *p, uint32_t c, unsigned char *buf)
{
	size_t	 n = 0;

	for (; *p != '\0'; p++)
		if (*p == '%')
			n += ucase_encode(c, buf + n);
		else
			buf[n++] = (unsigned char)*p;
	return n;
}

/* One probe of c against Python's next record. */
static void
t_one(struct arena *a, FILE *f, uint32_t c, size_t k)
{
	unsigned char	 in[64], want[256];
	char		*out;
	size_t		 n, wlen;
	int		 ch;

	if ((ch = getc(f)) == EOF)
		T_FAIL("python3 stopped before U+%04X", (unsigned)c);
	wlen = (size_t)ch;
	T_EQ(fread(want, 1, wlen, f), wlen);
	n = t_probe(probes[k], c, in);
	if (ucase_strip_lower(a, (char *)in, n, &out, &n) != E_OK)
		T_FAIL("U+%04X in \"%s\": not E_OK", (unsigned)c, probes[k]);
	if (n != wlen || memcmp(out, want, n) != 0)
		T_FAIL("U+%04X in \"%s\": \"%.*s\", python3 \"%.*s\"",
		    (unsigned)c, probes[k], (int)n, out, (int)wlen,
		    (const char *)want);
}

static void
t_every_code_point(void)
{
	struct arena	 a;
	char		 ver[32];
	uint32_t	 c;
	size_t		 k;
	pid_t		 pid;
	FILE		*f;
	int		 st;

	f = t_python(&pid);
	if (fgets(ver, sizeof(ver), f) == NULL)
		T_FAIL("no answer from python3 (is it installed? "
		    "scripts/deps.sh installs it)");
	ver[strcspn(ver, "\n")] = '\0';
	if (strcmp(ver, UCASE_UNIDATA) != 0)
		T_FAIL("python3 has Unicode %s, the tables are Unicode %s "
		    "(Python 3.11); compare with a python3.11", ver,
		    UCASE_UNIDATA);
	arena_init(&a);
	for (c = 0; c <= 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
			t_one(&a, f, c, k);
		if ((c & 0xFFF) == 0)
			arena_reset(&a);
	}
	arena_release(&a);
	T_EQ(getc(f), EOF);
	fclose(f);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_PASS("every-code-point-as-python");
}

int
main(void)
{

	t_cases();
	t_bad();
	t_every_code_point();
	return 0;
}
