/*
 * Decimal digits without printf, for the per-request paths (reply
 * headers, access lines) where snprintf was a measurable cost.
 */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>

#define NUM_DEC_MAX	20	/* digits of the largest unsigned long */

/*
 * Writes v in decimal, zero-padded to at least width digits, at out
 * (not NUL-terminated). Returns the digit count, or 0 when more than
 * cap would be needed.
 */
size_t	num_dec(char *out, size_t cap, unsigned long v, int width);

#endif
