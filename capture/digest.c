/* digest.h implemented with OpenSSL's EVP interface. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "capture/wire/digest.h"

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
	evp(EVP_md5(), p, n, out);
}

void digest_sha256(const void *p, size_t n, uint8_t out[DIGEST_SHA256_LEN])
{
	evp(EVP_sha256(), p, n, out);
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
