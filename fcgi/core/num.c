/* Decimal digits without printf (num.h). */
#include "num.h"

size_t
num_dec(char *out, size_t cap, unsigned long v, int width)
{
	char	d[NUM_DEC_MAX];
	size_t	n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while ((v > 0 || (int)n < width) && n < sizeof(d));
	if (v > 0 || (int)n < width || n > cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	return n;
}
