/*
 * Running a built program from a test: its exit status and everything
 * it wrote, with the environment changes the test asks for.
 */
#ifndef TBIN_H
#define TBIN_H

/*
 * The dataland binary under test: DATALAND_BIN, else $BUILD/bin/dataland,
 * else build/bin/dataland.
 */
const char	*tbin_dataland(void);

/*
 * Runs path with argv (argv[0] included, NULL-terminated). env lists
 * changes to the inherited environment: "NAME=value" sets, "NAME"
 * unsets; NULL-terminated, may be NULL. *out and *err (malloc'd, NUL
 * terminated; the caller frees them) receive stdout and stderr.
 * Returns the exit status, or 128 + signal. Failing to run fails.
 */
int		 tbin_run(const char *path, char *const argv[],
		    const char *const env[], char **out, char **err);

/* tbin_run() of the dataland binary with up to three arguments
 * (NULL ends them early). */
int		 tbin_dataland_run(const char *const env[], const char *a1,
		    const char *a2, const char *a3, char **out, char **err);

#endif
