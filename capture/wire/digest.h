/*
 * digest: the one small interface through which the wire library hashes (JA3 is MD5, JA4 and
 * certificate identities SHA-256). The wire library itself links no crypto library; the
 * implementation lives in capture/digest.c (OpenSSL EVP).
 */
#ifndef TLSSCOPE_WIRE_DIGEST_H
#define TLSSCOPE_WIRE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_MD5_LEN 16
#define DIGEST_SHA256_LEN 32

/* Hashes n bytes at p into out. p may be NULL when n is 0. Never fails. */
void digest_md5(const void *p, size_t n, uint8_t out[DIGEST_MD5_LEN]);
void digest_sha256(const void *p, size_t n, uint8_t out[DIGEST_SHA256_LEN]);

/* Writes the lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). Returns out. */
char *digest_hex(const uint8_t *p, size_t n, char *out);

#endif
