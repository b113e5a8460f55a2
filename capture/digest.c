/*
 * digest.h implemented with OpenSSL's EVP interface.
 *
 * The EVP_MD objects are fetched once (EVP_MD_fetch, under pthread_once) and reused: in
 * OpenSSL 3 a call with EVP_md5()/EVP_sha256() fetches the implementation from the provider
 * store on every call (a lock and a hash lookup), which doubled the cost of hashing a short
 * fingerprint string. If the fetch fails (no provider offers the algorithm), the legacy
 * objects are used and the implicit fetch decides, as before.
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "capture/wire/digest.h"

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static const EVP_MD *md5_md, *sha256_md;

static void fetch(void)
{
	EVP_MD *m = EVP_MD_fetch(NULL, "MD5", NULL);
	EVP_MD *s = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md5_md = m ? m : EVP_md5();
	sha256_md = s ? s : EVP_sha256();
}

static void evp(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
	static const uint8_t empty;
	unsigned int len = 0;
	/* EVP_Digest fails only on allocation failure or a broken provider: fatal for us. */
	if (!EVP_Digest(n ? p : &empty, n, out, &len, md, NULL))
		abort();
}

void digest_md5(const void *p, size_t n, uint8_t out[DIGEST_MD5_LEN])
{
	if (pthread_once(&fetch_once, fetch) != 0)
		abort();
	evp(md5_md, p, n, out);
}

void digest_sha256(const void *p, size_t n, uint8_t out[DIGEST_SHA256_LEN])
{
	if (pthread_once(&fetch_once, fetch) != 0)
		abort();
	evp(sha256_md, p, n, out);
}

char *digest_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}
