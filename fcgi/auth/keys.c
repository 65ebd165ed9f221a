/*
 * Keys and files (API.md §3): AUTH_DATA_DIR/private.pem is created once
 * (RSA, mode 0600, written to a private temporary name and linked into
 * place so a reader never sees half a key and two starting masters
 * cannot both win), then loaded by every responder. Private key bytes
 * are wiped after use and never logged. No HTTP, no SQL.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "conf.h"
#include "err.h"
#include "jwt.h"
#include "keys.h"
#include "log.h"

static EVP_PKEY			*keys_priv;	/* signing key */
static struct jwt_keyset	 keys_ownset;	/* own key only */
static struct jwt_keyset	 keys_allset;	/* own key + extra file */

/* Writes all of buf to fd. 0 or -1. */
static int
keys_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A new RSA key as PKCS#8 PEM written to fd and synced. 0 or -1. */
static int
keys_generate(int fd)
{
	EVP_PKEY	*pk;
	BIO		*b = NULL;
	char		*pem;
	long		 len;
	int		 rc = -1;

	if ((pk = EVP_RSA_gen(KEYS_RSA_BITS)) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL))
		goto out;
	len = BIO_get_mem_data(b, &pem);
	if (len > 0 && keys_write_all(fd, pem, (size_t)len) == 0 &&
	    fsync(fd) == 0)
		rc = 0;
	OPENSSL_cleanse(pem, (size_t)len);
out:
	BIO_free(b);
	EVP_PKEY_free(pk);
	return rc;
}

/*
 * Creates dir and dir/private.pem when absent. The key goes to a
 * temporary file of our own first and is linked to its name, which
 * fails harmlessly if another process linked one first.
 */
enum err
keys_ensure(const char *dir)
{
	char		 path[PATH_MAX], tmp[PATH_MAX];
	struct stat	 st;
	int		 fd = -1;
	enum err	 rc = E_IO;

	snprintf(path, sizeof(path), "%s/%s", dir, KEYS_PRIVATE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", dir, KEYS_PRIVATE,
	    (long)getpid());
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error(NULL, "cannot create '%s': %s", dir, strerror(errno));
		return E_IO;
	}
	if (stat(path, &st) == 0) {
		if (st.st_mode & 077)
			log_warn(NULL, "'%s' is readable by others (mode %o); "
			    "it should be 0600", path,
			    (unsigned)(st.st_mode & 0777));
		return E_OK;
	}
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || keys_generate(fd) == -1)
		goto out;
	if (link(tmp, path) == -1 && errno != EEXIST)
		goto out;
	log_info(NULL, "created a %d-bit signing key in '%s'", KEYS_RSA_BITS,
	    path);
	rc = E_OK;
out:
	if (rc != E_OK)
		log_error(NULL, "cannot create '%s': %s", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return rc;
}

/* Reads dir/private.pem: an RSA key of at least JWT_RSA_BITS_MIN. */
enum err
keys_load(const char *dir, EVP_PKEY **out)
{
	char		 path[PATH_MAX];
	enum err	 e;

	snprintf(path, sizeof(path), "%s/%s", dir, KEYS_PRIVATE);
	if ((e = jwt_pem_private(path, out)) == E_NOTFOUND)
		log_error(NULL, "no key '%s'", path);
	return e == E_OK ? E_OK : E_IO;
}

/* Loads the key; the own set and the published set. 0 or -1. */
int
keys_open(const struct conf *cf)
{
	char	 extra[PATH_MAX];

	if (keys_load(cf->auth_data_dir, &keys_priv) != E_OK)
		return -1;
	snprintf(extra, sizeof(extra), "%s/%s", cf->auth_data_dir,
	    KEYS_EXTRA);
	jwt_keyset_init(&keys_ownset, NULL);
	jwt_keyset_init(&keys_allset, extra);
	if (jwt_keyset_add(&keys_ownset, keys_priv, cf->auth_key_id) !=
	    E_OK || jwt_keyset_add(&keys_allset, keys_priv,
	    cf->auth_key_id) != E_OK) {
		log_error(NULL, "AUTH_KEY_ID '%s' cannot name the key",
		    cf->auth_key_id);
		keys_close();
		return -1;
	}
	jwt_keyset_refresh(&keys_allset, 0);
	return 0;
}

/* Frees the key and both sets. */
void
keys_close(void)
{

	jwt_keyset_release(&keys_allset);
	jwt_keyset_release(&keys_ownset);
	EVP_PKEY_free(keys_priv);
	keys_priv = NULL;
}

EVP_PKEY *
keys_signing(void)
{

	return keys_priv;
}

struct jwt_keyset *
keys_own(void)
{

	return &keys_ownset;
}

struct jwt_keyset *
keys_all(void)
{

	return &keys_allset;
}
