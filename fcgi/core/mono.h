/*
 * The monotonic clock, in seconds: for durations and deadlines, never
 * for timestamps a user sees.
 */
#ifndef MONO_H
#define MONO_H

/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
double	mono_now(void);

#endif
