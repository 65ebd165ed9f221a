/*
 * Unicode case and white space exactly as Python 3.11's str does them
 * (Unicode 14.0.0), for values that must compare the way the Python
 * service stored them. Text in, text out: no field or table names here.
 */
#ifndef UCASE_H
#define UCASE_H

#include <stddef.h>

#include "err.h"

struct arena;

/*
 * Python's s.strip().lower() of s[0..len), which may hold NUL bytes:
 * white space as str.isspace() has it trimmed from both ends, then
 * every code point mapped by the full lowercase mapping (U+0130 becomes
 * two code points) with the final-sigma rule for U+03A3. E_OK with *out
 * (NUL-terminated, in the arena) and *outlen its length in bytes; or
 * E_INVALID, outputs untouched, when s is not well-formed UTF-8.
 */
enum err	ucase_strip_lower(struct arena *, const char *s, size_t len,
		    char **out, size_t *outlen);

#endif
