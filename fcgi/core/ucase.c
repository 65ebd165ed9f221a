/*
 * Python 3.11's str.strip() and str.lower() over UTF-8 (ucase.h), from
 * tables scripts/gen_ucase.py read off Python itself (ucase_tables.h).
 * Input is decoded strictly and never read past its length; nothing
 * here knows HTTP, JSON or a database table.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "ucase.h"

/*
 * The shapes of the generated tables, each sorted and without overlap:
 *   ucase_range	code points lo..hi, both included;
 *   ucase_delta	lo, lo + step, ... up to hi lower to cp + delta;
 *   ucase_multi	cp lowers to the n code points to[0..n).
 */
struct ucase_range {
	uint32_t	 lo, hi;
};

struct ucase_delta {
	uint32_t	 lo, hi;
	int32_t		 delta;
	uint32_t	 step;
};

#define UCASE_MULTI_MAX	3	/* CPython's longest full mapping */

struct ucase_multi {
	uint32_t	 cp;
	size_t		 n;
	uint32_t	 to[UCASE_MULTI_MAX];
};

#include "ucase_tables.h"

#define UCASE_NELEM(t)	(sizeof(t) / sizeof((t)[0]))
#define UCASE_SIGMA	0x03A3	/* GREEK CAPITAL LETTER SIGMA */
#define UCASE_SIGMA_MID	0x03C3	/* its lowercase inside a word */
#define UCASE_SIGMA_FIN	0x03C2	/* its lowercase ending a word */
#define UCASE_UTF8_MAX	4	/* bytes of one code point */

/*
 * Well-formed UTF-8 sequences by lead byte (RFC 3629 table 3-7): lead
 * bytes first..last start n-byte sequences whose lead carries the bits
 * in mask and whose second byte lies in lo..hi (later ones 80..BF).
 */
static const struct {
	unsigned char	 first, last, n, mask, lo, hi;
} ucase_utf8[] = {
	{ 0xC2, 0xDF, 2, 0x1F, 0x80, 0xBF },
	{ 0xE0, 0xE0, 3, 0x0F, 0xA0, 0xBF },	/* no overlong form */
	{ 0xE1, 0xEC, 3, 0x0F, 0x80, 0xBF },
	{ 0xED, 0xED, 3, 0x0F, 0x80, 0x9F },	/* no surrogate */
	{ 0xEE, 0xEF, 3, 0x0F, 0x80, 0xBF },
	{ 0xF0, 0xF0, 4, 0x07, 0x90, 0xBF },	/* no overlong form */
	{ 0xF1, 0xF3, 4, 0x07, 0x80, 0xBF },
	{ 0xF4, 0xF4, 4, 0x07, 0x80, 0x8F },	/* nothing past U+10FFFF */
};

/*
 * The code point starting at p, which has end - p > 0 bytes, into *cp.
 * Returns its length in bytes, or 0 when p starts no well-formed
 * sequence. U+0000 is a code point like any other.
 */
static size_t
ucase_decode(const unsigned char *p, const unsigned char *end,
    uint32_t *cp)
{
	size_t		 i, k;
	uint32_t	 c;

	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	for (k = 0; k < UCASE_NELEM(ucase_utf8); k++)
		if (*p >= ucase_utf8[k].first && *p <= ucase_utf8[k].last)
			break;
	if (k == UCASE_NELEM(ucase_utf8) ||
	    (size_t)(end - p) < ucase_utf8[k].n ||
	    p[1] < ucase_utf8[k].lo || p[1] > ucase_utf8[k].hi)
		return 0;
	c = *p & ucase_utf8[k].mask;
	for (i = 1; i < ucase_utf8[k].n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	*cp = c;
	return ucase_utf8[k].n;
}

/* Writes c as UTF-8 at o; returns the byte count (1 to 4). */
static size_t
ucase_encode(uint32_t c, unsigned char *o)
{

	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | c >> 12);
		o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | c >> 18);
	o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* 1 when c lies in one of the n sorted ranges r. */
static int
ucase_in(const struct ucase_range *r, size_t n, uint32_t c)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r[mid].hi < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].lo <= c;
}

/* Python's str.isspace() of the one code point c. */
static int
ucase_isspace(uint32_t c)
{

	return ucase_in(ucase_space, UCASE_NELEM(ucase_space), c);
}

/*
 * The full lowercase of c, a capital sigma taken as not final, into
 * to[]; returns how many code points it has (1 to UCASE_MULTI_MAX).
 */
static size_t
ucase_lower_cp(uint32_t c, uint32_t to[UCASE_MULTI_MAX])
{
	const struct ucase_delta	*d = ucase_lower1;
	size_t				 i, mid, lo = 0;
	size_t				 hi = UCASE_NELEM(ucase_lower1);

	/* a handful of entries: a scan is enough */
	for (i = 0; i < UCASE_NELEM(ucase_lowerm); i++)
		if (ucase_lowerm[i].cp == c) {
			memcpy(to, ucase_lowerm[i].to,
			    ucase_lowerm[i].n * sizeof(*to));
			return ucase_lowerm[i].n;
		}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d[mid].hi < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	to[0] = c;
	if (lo < UCASE_NELEM(ucase_lower1) && d[lo].lo <= c &&
	    (c - d[lo].lo) % d[lo].step == 0)
		to[0] = (uint32_t)((int32_t)c + d[lo].delta);
	return 1;
}

/*
 * CPython's handle_capital_sigma(): the sigma at cp[i] of cp[0..n) ends
 * a word, and lowers to a final sigma, when the nearest code point
 * before it that is not case-ignorable is cased and the nearest one
 * after it is not (or there is none).
 */
static int
ucase_final_sigma(const uint32_t *cp, size_t n, size_t i)
{
	size_t	 j;

	for (j = i; j > 0 && ucase_in(ucase_ignorable,
	    UCASE_NELEM(ucase_ignorable), cp[j - 1]); j--)
		;
	if (j == 0 || !ucase_in(ucase_cased, UCASE_NELEM(ucase_cased),
	    cp[j - 1]))
		return 0;
	for (j = i + 1; j < n && ucase_in(ucase_ignorable,
	    UCASE_NELEM(ucase_ignorable), cp[j]); j++)
		;
	return j == n || !ucase_in(ucase_cased, UCASE_NELEM(ucase_cased),
	    cp[j]);
}

/* 1 when s[0..len) is all ASCII: then no table beyond ASCII applies. */
static int
ucase_ascii(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* The ASCII case of ucase_strip_lower(): byte by byte. */
static void
ucase_ascii_strip_lower(struct arena *a, const char *s, size_t len,
    char **out, size_t *outlen)
{
	size_t	 lo, hi, i;
	char	*b;

	for (lo = 0; lo < len && ucase_isspace((unsigned char)s[lo]); lo++)
		;
	for (hi = len; hi > lo && ucase_isspace((unsigned char)s[hi - 1]);
	    hi--)
		;
	b = arena_alloc(a, hi - lo + 1);
	for (i = lo; i < hi; i++)
		b[i - lo] = s[i] >= 'A' && s[i] <= 'Z' ?
		    (char)(s[i] - 'A' + 'a') : s[i];
	b[hi - lo] = '\0';
	*out = b;
	*outlen = hi - lo;
}

/*
 * s[0..len) decoded into *cp, *n code points in the arena. E_OK, or
 * E_INVALID with the outputs untouched when s is not UTF-8.
 */
static enum err
ucase_decode_all(struct arena *a, const char *s, size_t len,
    uint32_t **cp, size_t *n)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	uint32_t		*c;
	size_t			 k, m = 0;

	c = arena_alloc(a, len * sizeof(*c));
	while (p < end) {
		if ((k = ucase_decode(p, end, &c[m])) == 0)
			return E_INVALID;
		p += k;
		m++;
	}
	*cp = c;
	*n = m;
	return E_OK;
}

/*
 * Python's s.strip().lower() of s[0..len) (ucase.h): E_OK with *out in
 * the arena and *outlen its byte length, or E_INVALID when s is not
 * UTF-8. The sigma rule looks only inside the stripped text, as Python
 * lowers the string strip() returned.
 */
enum err
ucase_strip_lower(struct arena *a, const char *s, size_t len, char **out,
    size_t *outlen)
{
	uint32_t	*cp, to[UCASE_MULTI_MAX];
	unsigned char	*b, u[UCASE_UTF8_MAX];
	size_t		 n, lo, hi, i, j, m, k, o = 0, cap;

	assert(len <= SIZE_MAX / sizeof(*cp) / UCASE_GROWTH - 1);
	if (ucase_ascii(s, len)) {
		ucase_ascii_strip_lower(a, s, len, out, outlen);
		return E_OK;
	}
	if (ucase_decode_all(a, s, len, &cp, &n) != E_OK)
		return E_INVALID;
	for (lo = 0; lo < n && ucase_isspace(cp[lo]); lo++)
		;
	for (hi = n; hi > lo && ucase_isspace(cp[hi - 1]); hi--)
		;
	cap = len * UCASE_GROWTH + 1;
	b = arena_alloc(a, cap);
	for (i = lo; i < hi; i++) {
		if (cp[i] == UCASE_SIGMA) {
			to[0] = ucase_final_sigma(cp + lo, hi - lo, i - lo) ?
			    UCASE_SIGMA_FIN : UCASE_SIGMA_MID;
			m = 1;
		} else
			m = ucase_lower_cp(cp[i], to);
		for (j = 0; j < m; j++) {
			k = ucase_encode(to[j], u);
			assert(o + k < cap);	/* UCASE_GROWTH holds */
			memcpy(b + o, u, k);
			o += k;
		}
	}
	b[o] = '\0';
	*out = (char *)b;
	*outlen = o;
	return E_OK;
}
