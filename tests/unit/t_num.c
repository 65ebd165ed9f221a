/*
 * Unit tests for num_dec(): digits, zero padding, and a buffer too
 * small for the number, which must write nothing it reports.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "core/num.h"

static void
t_digits(void)
{
	static const struct {
		unsigned long	 v;
		int		 width;
		const char	*want;
	} c[] = {
		{ 0, 1, "0" }, { 7, 3, "007" }, { 200, 3, "200" },
		{ 15, 0, "15" }, { 3667, 1, "3667" }, { 999, 3, "999" },
		{ 12, 5, "00012" },
	};
	char	buf[NUM_DEC_MAX + 1], want[32];
	size_t	i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = num_dec(buf, NUM_DEC_MAX, c[i].v, c[i].width);
		buf[n] = '\0';
		T_STR(buf, c[i].want);
	}
	n = num_dec(buf, NUM_DEC_MAX, ULONG_MAX, 1);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "%lu", ULONG_MAX);
	T_STR(buf, want);
	T_PASS("num-digits");
}

static void
t_too_small(void)
{
	char	buf[4] = "xxx";

	T_EQ(num_dec(buf, 2, 123, 1), 0);
	T_EQ(num_dec(buf, 2, 5, 3), 0);
	T_EQ(num_dec(buf, 3, 123, 1), 3);
	T_OK(memcmp(buf, "123", 3) == 0);
	T_EQ(num_dec(buf, 0, 0, 1), 0);
	T_PASS("num-buffer-too-small");
}

int
main(void)
{
	t_digits();
	t_too_small();
	return 0;
}
