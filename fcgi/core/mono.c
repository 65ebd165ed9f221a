/*
 * The one monotonic clock of the runtime (mono.h).
 */
#include <time.h>

#include "mono.h"

double
mono_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
