/*
 * Crypto-PAn with OpenSSL's AES-128-ECB. See pseudo.h.
 *
 * Implementation notes:
 *  - The AES inputs of the n output bits (n = 32 or 128) do not depend on each other's
 *    outputs: block i is the address's first i bits followed by the pad's bits i..127. So
 *    all n blocks are built first and encrypted in one EVP_EncryptUpdate call (ECB: each
 *    block on its own, exactly as n single-block encryptions), then bit i of the one-time
 *    pad is the most significant bit of output block i.
 *  - Block i+1 is block i with bit i taken from the address instead of the pad.
 *  - Key material (the struct, the stack copies of the key file, the blocks, which contain
 *    the real address) is wiped with OPENSSL_cleanse.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "capture/pseudo.h"

#define BLOCK 16
#define MAX_BITS 128

struct pseudo {
	EVP_CIPHER_CTX *ctx;     /* AES-128-ECB, no padding, key set */
	uint8_t pad[BLOCK];      /* AES_K(key[16..31]) */
};

struct pseudo *pseudo_new(const uint8_t key[PSEUDO_KEY_LEN])
{
	struct pseudo *p = calloc(1, sizeof(*p));
	int n = 0;

	if (!p)
		return NULL;
	p->ctx = EVP_CIPHER_CTX_new();
	if (!p->ctx || EVP_EncryptInit_ex(p->ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(p->ctx, 0) != 1 ||
	    EVP_EncryptUpdate(p->ctx, p->pad, &n, key + BLOCK, BLOCK) != 1 || n != BLOCK) {
		pseudo_free(p);
		return NULL;
	}
	return p;
}

void pseudo_free(struct pseudo *p)
{
	if (!p)
		return;
	EVP_CIPHER_CTX_free(p->ctx); /* cleanses the expanded key */
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

struct pseudo *pseudo_new_keyfile(const char *path, char *err, size_t errlen)
{
	uint8_t key[PSEUDO_KEY_LEN + 1];
	struct pseudo *p = NULL;
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd;

	if (errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "key file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "key file '%s' is not a regular file", path);
		goto out;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "key file '%s' is accessible by group or others (mode %03o): "
			 "chmod 600 it",
			 path, (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	/* read one byte more than a key, so a longer file is seen whatever fstat said */
	while (got < sizeof(key)) {
		n = read(fd, key + got, sizeof(key) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read key file '%s': %s", path,
				 strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != PSEUDO_KEY_LEN) {
		snprintf(err, errlen,
			 "key file '%s' holds %s%zu bytes; a Crypto-PAn key is exactly %d "
			 "(e.g. head -c %d /dev/urandom)",
			 path, got > PSEUDO_KEY_LEN ? "more than " : "",
			 got > PSEUDO_KEY_LEN ? (size_t)PSEUDO_KEY_LEN : got, PSEUDO_KEY_LEN,
			 PSEUDO_KEY_LEN);
		goto out;
	}
	p = pseudo_new(key);
	if (!p)
		snprintf(err, errlen, "out of memory (or AES-128 unavailable in OpenSSL)");
out:
	OPENSSL_cleanse(key, sizeof(key));
	close(fd);
	return p;
}

/* The one-time pad of the first nbits bits of addr (nbits 32 or 128) into otp (nbits / 8
 * bytes). Returns false on an OpenSSL failure. */
static bool one_time_pad(struct pseudo *p, const uint8_t *addr, unsigned nbits, uint8_t *otp)
{
	uint8_t in[MAX_BITS][BLOCK], out[MAX_BITS][BLOCK];
	int n = 0;
	bool ok;

	memcpy(in[0], p->pad, BLOCK);
	for (unsigned i = 1; i < nbits; i++) {
		unsigned byte = (i - 1) / 8;
		uint8_t mask = (uint8_t)(0x80u >> ((i - 1) % 8));
		memcpy(in[i], in[i - 1], BLOCK);
		in[i][byte] = (uint8_t)((in[i][byte] & ~mask) | (addr[byte] & mask));
	}
	ok = EVP_EncryptUpdate(p->ctx, out[0], &n, in[0], (int)(nbits * BLOCK)) == 1 &&
	     n == (int)(nbits * BLOCK);
	memset(otp, 0, nbits / 8);
	for (unsigned i = 0; ok && i < nbits; i++)
		if (out[i][0] & 0x80)
			otp[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	OPENSSL_cleanse(in, nbits * BLOCK);
	OPENSSL_cleanse(out, nbits * BLOCK);
	return ok;
}

static bool pseudonym(struct pseudo *p, const uint8_t *in, unsigned nbits, uint8_t *out)
{
	uint8_t otp[MAX_BITS / 8];
	unsigned len = nbits / 8;

	if (!one_time_pad(p, in, nbits, otp)) {
		memset(out, 0, len);
		return false;
	}
	for (unsigned i = 0; i < len; i++)
		out[i] = in[i] ^ otp[i];
	return true;
}

bool pseudo_ipv4(struct pseudo *p, const uint8_t in[4], uint8_t out[4])
{
	return pseudonym(p, in, 32, out);
}

bool pseudo_ipv6(struct pseudo *p, const uint8_t in[16], uint8_t out[16])
{
	return pseudonym(p, in, 128, out);
}

bool pseudo_addr(struct pseudo *p, uint8_t family, uint8_t addr[16])
{
	if (family == 4)
		return pseudo_ipv4(p, addr, addr);
	if (family == 6)
		return pseudo_ipv6(p, addr, addr);
	memset(addr, 0, 16);
	return false;
}
