/*
 * STDOUT records straight to the connection. libfcgi copies an answer
 * through an 8 KiB buffer and writes each full buffer as a record of
 * its own: a 20 KB conversation took three write(2) calls, a 24 MB one
 * three thousand, each of which may wake nginx. Here the records go
 * out together through writev(2), their contents pointing into the
 * caller's memory.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <sys/uio.h>

#include <fastcgi.h>

#include "records.h"

#define RECS_PER_WRITE	64	/* x 64 KiB: 4 MiB a writev at most */
#define IOVS_PER_REC	3	/* header, end of a, start of b */

/* Writes every byte iov holds, however the kernel splits it. */
static int
write_all(int fd, struct iovec *iov, int n)
{
	struct pollfd	pfd;
	ssize_t		w;

	while (n > 0) {
		if ((w = writev(fd, iov, n)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static void
header(FCGI_Header *h, int id, size_t clen)
{
	memset(h, 0, sizeof(*h));
	h->version = FCGI_VERSION_1;
	h->type = FCGI_STDOUT;
	h->requestIdB1 = (unsigned char)((id >> 8) & 0xff);
	h->requestIdB0 = (unsigned char)(id & 0xff);
	h->contentLengthB1 = (unsigned char)((clen >> 8) & 0xff);
	h->contentLengthB0 = (unsigned char)(clen & 0xff);
}

int
records_stdout(FCGX_Request *fr, const char *a, size_t alen, const char *b,
    size_t blen)
{
	FCGI_Header	 hdr[RECS_PER_WRITE];
	struct iovec	 iov[RECS_PER_WRITE * IOVS_PER_REC];
	const char	*seg[2] = { a, b };
	size_t		 len[2] = { alen, blen }, off = 0, clen, take;
	int		 s = 0, niov, nrec, h;

	while (s < 2) {
		niov = nrec = 0;
		for (;;) {
			while (s < 2 && off == len[s]) {	/* spent */
				s++;
				off = 0;
			}
			if (s == 2 || nrec == RECS_PER_WRITE)
				break;
			h = niov++;
			for (clen = 0; s < 2 && clen < RECORDS_CONTENT_MAX;) {
				take = len[s] - off;
				if (take > RECORDS_CONTENT_MAX - clen)
					take = RECORDS_CONTENT_MAX - clen;
				if (take > 0) {
					iov[niov].iov_base = (char *)seg[s] +
					    off;
					iov[niov++].iov_len = take;
					clen += take;
					off += take;
				}
				if (off == len[s]) {
					s++;
					off = 0;
				}
			}
			header(&hdr[nrec], fr->requestId, clen);
			iov[h].iov_base = &hdr[nrec++];
			iov[h].iov_len = sizeof(FCGI_Header);
		}
		if (niov > 0 && write_all(fr->ipcFd, iov, niov) != 0)
			return -1;
	}
	return 0;
}
