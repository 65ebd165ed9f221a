/*
 * The fuzz targets' one assertion: a failed check names itself and
 * aborts, which libFuzzer reports as a crash with the input kept.
 * Header-only because fuzz targets link no test library.
 */
#ifndef FZ_CHECK_H
#define FZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s: check failed: %s\n", __FILE__, #c); \
		abort();						\
	}								\
} while (0)

#endif
