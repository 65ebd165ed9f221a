/*
 * FastCGI STDOUT records written straight to a request's connection,
 * for answers larger than libfcgi's 8 KiB stream buffer (req.c).
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <stddef.h>

#include <fcgiapp.h>

/*
 * The largest content of one record this writer makes: under FastCGI's
 * 65,535 and a multiple of 8, so no record needs padding.
 */
#define RECORDS_CONTENT_MAX	65528

/*
 * The largest answer (CGI headers and body) left to libfcgi: its 8 KiB
 * buffer holds it with the record header, the padding and the records
 * that end the request, all written at once by FCGX_Finish_r().
 */
#define REPLY_BUFFERED_MAX	8000

/*
 * Writes a then b (either may be empty) as STDOUT records of fr's
 * request, in as few system calls as a record size allows. libfcgi's
 * own STDOUT buffer must be empty (nothing put yet, or flushed), and
 * FCGX_Finish_r() still ends the stream as usual. Never writes an empty
 * record (that would end the stream). 0, or -1 with errno set when the
 * connection failed (nginx gone: the answer is lost, the caller says
 * so).
 */
int	records_stdout(FCGX_Request *fr, const char *a, size_t alen,
	    const char *b, size_t blen);

#endif
