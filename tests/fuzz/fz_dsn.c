/*
 * libFuzzer target for conf.c's URL handling: conf_dsn_normalize(),
 * the boot guard on what it returns and on the raw text, and
 * conf_int(). A normalised URL is postgresql:// and printable ASCII;
 * a guard reason always fits its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

#define FZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fz_dsn: check failed: %s\n", #c);	\
		abort();						\
	}								\
} while (0)

#define FZ_SCHEME	"postgresql://"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Runs the guard with a reason buffer of exactly whysz bytes. */
static void
fz_guard(const char *url, size_t whysz)
{
	char	*why;

	why = malloc(whysz);
	FZ_CHECK(why != NULL);
	memset(why, '#', whysz);
	if (conf_boot_guard(url, "DATABASE_URL", why, whysz) != 0)
		FZ_CHECK(memchr(why, '\0', whysz) != NULL);
	free(why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*in, *out;
	const char	*p;
	long		 v;

	if (size > 4096)
		return 0;
	in = malloc(size + 1);
	FZ_CHECK(in != NULL);
	memcpy(in, data, size);
	in[size] = '\0';

	if ((out = conf_dsn_normalize(in)) != NULL) {
		FZ_CHECK(strncmp(out, FZ_SCHEME, strlen(FZ_SCHEME)) == 0);
		for (p = out; *p != '\0'; p++)
			FZ_CHECK((unsigned char)*p > 0x20 &&
			    (unsigned char)*p < 0x7f);
		fz_guard(out, 256);
		fz_guard(out, size % 32 + 1);
		free(out);
	}
	fz_guard(in, 256);
	fz_guard(in, size % 7 + 1);
	v = -1;
	if (conf_int(in, 0, 1000, &v) == 0)
		FZ_CHECK(v >= 0 && v <= 1000);
	else
		FZ_CHECK(v == -1);
	free(in);
	return 0;
}
