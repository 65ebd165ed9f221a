/*
 * The test macros: no framework. A check that fails prints both sides
 * and the place, then exits 1; a case that passes prints "ok <name>".
 * tests/run.sh counts "ok " and "FAIL " lines across every program.
 */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_FAIL(...) do {						\
	printf("FAIL %s:%d: ", __FILE__, __LINE__);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
	exit(1);							\
} while (0)

#define T_OK(c) do {							\
	if (!(c))							\
		T_FAIL("%s", #c);					\
} while (0)

#define T_EQ(a, b) do {							\
	long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
	if (t_a_ != t_b_)						\
		T_FAIL("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_);	\
} while (0)

#define T_STR(a, b) do {						\
	const char *t_a_ = (a), *t_b_ = (b);				\
	if (t_a_ == NULL || t_b_ == NULL || strcmp(t_a_, t_b_) != 0)	\
		T_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,		\
		    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");	\
} while (0)

#define T_PASS(name) do {						\
	printf("ok %s\n", (name));					\
	fflush(stdout);							\
} while (0)

#endif
